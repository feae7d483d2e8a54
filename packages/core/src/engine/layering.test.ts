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

  it("has no import cycle between its files, type-only imports included", () => {
    const edges = new Map<string, string[]>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))) {
      const source = readFileSync(`${dir}/${file}`, "utf8");
      const targets = [...source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+["']\.\/([^"']+)\.js["']/g)].map((m) => `${m[1]}.ts`);
      edges.set(file, targets);
    }
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const path: string[] = [];
    const visit = (file: string): void => {
      state.set(file, "open");
      path.push(file);
      for (const next of edges.get(file) ?? []) {
        if (state.get(next) === "open") cycles.push([...path.slice(path.indexOf(next)), next].join(" → "));
        else if (!state.has(next)) visit(next);
      }
      path.pop();
      state.set(file, "done");
    };
    for (const file of edges.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it("keeps every source file under 700 lines", () => {
    const long = readdirSync(dir)
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => ({ f, lines: readFileSync(`${dir}/${f}`, "utf8").split("\n").length }))
      .filter(({ lines }) => lines > 700)
      .map(({ f, lines }) => `${f}: ${lines}`);
    expect(long).toEqual([]);
  });
});
