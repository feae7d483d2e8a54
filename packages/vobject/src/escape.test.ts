/**
 * One text escaping for vCard 3.0 (RFC 2426 §5), vCard 4.0 (RFC 6350 §3.4) and iCalendar
 * (RFC 5545 §3.3.11): what differs is whether `;` is escaped outside structured values.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeText, unescapeText, type TextDialect } from "./index.js";

const DIALECTS: TextDialect[] = ["vcard3", "vcard4", "icalendar"];

describe("escapeText / unescapeText", () => {
  it("escapes backslash, comma and newlines in every dialect; `;` in vCard 3.0 and iCalendar, in 4.0 only when structured", () => {
    const text = "a\\b, c; d\r\ne\rf\ng";
    expect(escapeText(text, "vcard3")).toBe("a\\\\b\\, c\\; d\\ne\\nf\\ng");
    expect(escapeText(text, "icalendar")).toBe("a\\\\b\\, c\\; d\\ne\\nf\\ng");
    expect(escapeText(text, "vcard4")).toBe("a\\\\b\\, c; d\\ne\\nf\\ng");
    expect(escapeText(text, "vcard4", { structured: true })).toBe("a\\\\b\\, c\\; d\\ne\\nf\\ng");
  });

  it("reads every escape (`\\\\ \\; \\, \\n \\N`) and leaves an unknown one alone", () => {
    expect(unescapeText("a\\, b\\; c\\\\d\\ne\\Nf")).toBe("a, b; c\\d\ne\nf");
    expect(unescapeText("C:\\temp\\x")).toBe("C:\\temp\\x");
    expect(unescapeText("plain")).toBe("plain");
  });

  it("round trips any text in any dialect, newlines as LF (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "\\", ";", ",", "\n", "\r", "N", "n", " ", "é") }), fc.constantFrom(...DIALECTS), fc.boolean(), (text, dialect, structured) => {
        expect(unescapeText(escapeText(text, dialect, { structured }))).toBe(text.replace(/\r\n?/g, "\n"));
      }),
    );
  });
});
