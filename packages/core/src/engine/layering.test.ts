import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL(".", import.meta.url));

describe("engine layering", () => {
  it("imports no protocol client, no mapper and no database driver: only engine files, node: built-ins and the pure @ewsdav/vobject toolkit", () => {
    const offenders: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
      const source = readFileSync(`${dir}/${file}`, "utf8");
      for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+["']([^"']+)["']/g)) {
        const target = match[1]!;
        if (!(target.startsWith("./") || target.startsWith("node:") || target === "@ewsdav/vobject")) offenders.push(`${file} → ${target}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
