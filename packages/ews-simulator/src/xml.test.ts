import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { el, NS_T, parseXml, serializeXml, SimXmlError, type XmlElement } from "./xml.js";

const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,8}$/);
const text = fc.string({ unit: "grapheme", maxLength: 20 }).map((s) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ""));
const tree: fc.Arbitrary<XmlElement> = fc.letrec<{ node: XmlElement }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small" },
    fc.record({ name, value: text, attr: text }).map(({ name: n, value, attr }) => el(n, { A: attr }, value)),
    fc.record({ name, kids: fc.array(tie("node"), { maxLength: 4 }) }).map(({ name: n, kids }) => el(n, {}, kids)),
  ),
})).node;

describe("simulator XML parser", () => {
  it("round-trips what the serializer writes, including escaping-sensitive text", () => {
    fc.assert(
      fc.property(tree, (root) => {
        const parsed = parseXml(serializeXml(root, { "xmlns:t": NS_T }));
        const strip = (e: XmlElement): unknown => ({ name: e.name, attrs: e.attrs, text: e.children.length ? "" : e.text, kids: e.children.map(strip) });
        expect(strip(parsed)).toEqual(strip(root));
      }),
      { numRuns: 150 },
    );
  });

  it("never throws anything but SimXmlError on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (input) => {
        try {
          parseXml(input);
        } catch (error) {
          expect(error).toBeInstanceOf(SimXmlError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("refuses markup declarations, external entities and parameter entities", () => {
    for (const doc of [
      `<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>`,
      `<!ENTITY x "y"><a/>`,
      `<a>&ext;</a>`,
      `<a b="&#0;"/>`,
      `<a>x</a><b/>`,
    ]) {
      expect(() => parseXml(doc)).toThrow(SimXmlError);
    }
  });
});
