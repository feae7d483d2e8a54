import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLI_DOC_PATH, renderCliDoc } from "../scripts/generate-cli-doc.js";
import { COMMANDS } from "../packages/cli/src/commands/index.js";

describe("docs/cli.md", () => {
  it("is what scripts/generate-cli-doc.ts generates from the command specs (run it when this fails)", () => {
    expect(readFileSync(CLI_DOC_PATH, "utf8")).toBe(renderCliDoc());
  });

  it("documents every command with at least one example, and every option", () => {
    const doc = renderCliDoc();
    for (const spec of COMMANDS) {
      expect(doc).toContain(`## \`ewsdav ${spec.name}\``);
      expect(spec.examples.length, spec.name).toBeGreaterThan(0);
      for (const name of Object.keys(spec.options)) expect(doc).toContain(`--${name}`);
    }
  });
});
