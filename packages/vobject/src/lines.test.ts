/** Content lines: unfolding, folding at 75 octets and reading `[group.]NAME;PARAMS:value`. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fold, normaliseVObject, parseContentLine, parseVObject, serializeVObject, splitParams, unfold, VObjectError } from "./index.js";

describe("content lines", () => {
  it("unfolds CRLF, LF and lone CR; drops blank lines", () => {
    expect(unfold("A:1\r\n 2\n\tB\rC:3\r\n\r\n  \r\nD:4")).toEqual(["A:12B", "C:3 ", "D:4"]);
  });

  it("reads group, name, quoted parameters and the value after the first unquoted colon", () => {
    expect(parseContentLine('item1.email;TYPE=work;X-A="a:b;c":x:y')).toEqual({ name: "EMAIL", group: "item1", params: 'TYPE=work;X-A="a:b;c"', value: "x:y" });
    expect(() => parseContentLine("nocolon", 3)).toThrow(new VObjectError('no \':\' in content line "nocolon"', 3));
    expect(splitParams('TEL;TYPE="a;b";PREF=1')).toEqual(["TEL", 'TYPE="a;b"', "PREF=1"]);
  });

  it("folds at 75 octets, continuation lines included, never inside a UTF-8 sequence (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "é", "€", "😀", " ", ":"), maxLength: 300 }), (value) => {
        const line = `NOTE:${value}`;
        const folded = fold(line);
        for (const physical of folded.split("\r\n")) expect(Buffer.byteLength(physical)).toBeLessThanOrEqual(75);
        expect(folded.includes("\uFFFD")).toBe(false);
        expect(unfold(folded)).toEqual([line]);
      }),
    );
  });

  it("parses and serialises components; normalisation ignores order, case, folding and volatile properties", () => {
    const a = "BEGIN:VCARD\r\nVERSION:4.0\r\nuid:1\r\nFN:Ann\r\nTEL;type=cell;PREF=1:+1\r\nREV:2024\r\nEND:VCARD\r\n";
    const b = "BEGIN:VCARD\nTEL;PREF=1;TYPE=cell:+1\nF\n N:Ann\nVERSION:4.0\nUID:2\nEND:VCARD\n";
    expect(normaliseVObject(a)).toBe(normaliseVObject(b));
    expect(parseVObject(serializeVObject(parseVObject(a)))).toEqual(parseVObject(a));
    expect(() => parseVObject("BEGIN:VCARD\nEND:VEVENT\n")).toThrow(/END:VEVENT does not close BEGIN:VCARD/);
  });
});
