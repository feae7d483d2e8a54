import { describe, expect, it } from "vitest";
import { COMMANDS } from "../commands/index.js";
import { commandHelp, DEFAULT_HELP_WIDTH, helpWidth, mainHelp, wrap } from "./help.js";

describe("help text", () => {
  it("wraps words to the width with a hanging indent, keeping paragraphs and long words whole", () => {
    expect(wrap("one two three four five", 10)).toBe("one two\nthree four\nfive");
    expect(wrap("one two three four", 12, 4)).toBe("one two\n    three\n    four");
    expect(wrap("a\n\nb c", 10, 2)).toBe("a\n\n  b c");
    expect(wrap("https://example.com/a/very/long/url short", 10)).toBe("https://example.com/a/very/long/url\nshort");
  });

  it("is as wide as the terminal (at least 40), 80 columns off a terminal", () => {
    expect(helpWidth({ isTTY: true, columns: 120 })).toBe(120);
    expect(helpWidth({ isTTY: true, columns: 20 })).toBe(40);
    expect(helpWidth({ isTTY: false, columns: 120 })).toBe(DEFAULT_HELP_WIDTH);
    expect(helpWidth({})).toBe(80);
  });

  it.each([60, 80, 120])("fits every line of every help in %i columns (but an example's command line)", (width) => {
    const examples = new Set(COMMANDS.flatMap((c) => c.examples.map((e) => `  ${e.command}`)));
    for (const text of [mainHelp(COMMANDS, "0.0.0", width), ...COMMANDS.map((c) => commandHelp(c, width))]) {
      for (const line of text.split("\n")) if (!examples.has(line)) expect(line.length, line).toBeLessThanOrEqual(width);
    }
  });

  it("shows every command's examples, and every command has one", () => {
    for (const spec of COMMANDS) {
      expect(spec.examples.length, spec.name).toBeGreaterThan(0);
      const help = commandHelp(spec);
      expect(help).toContain("Examples:");
      for (const e of spec.examples) expect(help).toContain(e.command);
    }
  });
});
