/**
 * The tree our own pass builds is the tree fast-xml-parser (the parser the client used before,
 * ordered mode, entities off, prefixes removed) and the conversion of its nodes built: same names,
 * attributes, children and text, on generated documents with prefixes, namespace declarations,
 * references in text and attributes, whitespace between elements, comments and processing
 * instructions. One deliberate difference: a CDATA section is taken as it is (XML), where the old
 * conversion decoded references inside it.
 */
import fc from "fast-check";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { XmlSecurityError } from "../errors.js";
import { itemXml } from "../items/item-xml.js";
import { fullCalendarItem, fullContact, fullTask } from "../testdata/items.test-support.js";
import * as responses from "../testdata/responses.test-support.js";
import { escapeXml } from "./escape.js";
import { decodeXmlText, parseXml, type XmlElement } from "./parse.js";

const reference = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

type OrderedNode = Record<string, unknown>;

/** The conversion the client ran over fast-xml-parser's nodes. */
function convert(node: OrderedNode): XmlElement | string | undefined {
  const name = Object.keys(node).find((k) => k !== ":@");
  if (name === undefined) return undefined;
  if (name === "#text") return decodeXmlText(String(node["#text"] ?? ""));
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries((node[":@"] as Record<string, unknown> | undefined) ?? {})) {
    if (k === "xmlns" || k.startsWith("xmlns:")) continue;
    attributes[k] = decodeXmlText(String(v));
  }
  const children: XmlElement[] = [];
  const element: XmlElement = { name, attributes, children, text: "" };
  for (const c of (node[name] as OrderedNode[] | undefined) ?? []) {
    const converted = convert(c);
    if (converted === undefined) continue;
    if (typeof converted === "string") element.text += converted;
    else children.push(converted);
  }
  return element;
}

function referenceParse(text: string): XmlElement {
  const nodes = reference.parse(text) as OrderedNode[];
  for (const node of nodes) {
    const converted = convert(node);
    if (converted !== undefined && typeof converted !== "string") return converted;
  }
  throw new Error("no root");
}

const textUnit = fc.constantFrom("a", "Z", " ", "\n", "\r\n", "\t", "é", "🎉", "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#x1;", "&#233;", "&#x1F389;", ">", "'", '"');
const words = fc.string({ unit: textUnit, maxLength: 10 });
const prefix = fc.constantFrom("", "t:", "m:", "s:");
const localNames = fc.constantFrom("Contact", "ItemId", "DisplayName", "Body", "a", "B-c", "x.y", "_z");
const attributeNames = fc.constantFrom("Id", "ChangeKey", "t:Key", "BodyType", "xmlns", "xmlns:t", "xmlns:m");

interface Gen {
  name: string;
  attributes: Array<[string, string]>;
  content: Array<Gen | { text: string } | { comment: string } | { pi: true }>;
}

const element: fc.Memo<Gen> = fc.memo((depth) =>
  fc.record({
    name: fc.tuple(prefix, localNames).map(([p, l]) => p + l),
    attributes: fc.uniqueArray(fc.tuple(attributeNames, words), { selector: ([k]) => k.replace(/^.*:/, ""), maxLength: 3 }),
    content:
      depth <= 1
        ? fc.array(fc.oneof(words.map((text) => ({ text }))), { maxLength: 2 })
        : fc.array(
            fc.oneof(
              { weight: 3, arbitrary: element(depth - 1) },
              { weight: 2, arbitrary: words.map((text) => ({ text })) },
              { weight: 1, arbitrary: fc.constantFrom({ comment: " c " }, { pi: true as const }) },
            ),
            { maxLength: 4 },
          ),
  }),
);

function render(e: Gen): string {
  const attrs = e.attributes.map(([k, v], i) => (i % 2 === 0 ? ` ${k}="${v.replace(/"/g, "&quot;")}"` : ` ${k} = '${v.replace(/'/g, "&apos;")}'`)).join("");
  if (e.content.length === 0) return `<${e.name}${attrs}/>`;
  const inner = e.content
    .map((c) => ("text" in c ? c.text.replace(/>/g, "&gt;") : "comment" in c ? `<!--${c.comment}-->` : "pi" in c ? `<?pi x?>` : render(c)))
    .join("");
  return `<${e.name}${attrs}>${inner}</${e.name} >`;
}

describe("the client's XML tree, against fast-xml-parser's", () => {
  it("builds the same tree from generated documents", () => {
    fc.assert(
      fc.property(element(4), (root) => {
        const text = `<?xml version="1.0" encoding="utf-8"?>\n${render(root)}\n`;
        expect(parseXml(text)).toEqual(referenceParse(text));
      }),
      { numRuns: 300 },
    );
  });

  it("builds the same tree from the test responses and the full items, with LF or CR LF line ends", () => {
    const items = [
      itemXml({ type: "Contact", item: fullContact() }, { item: "test", version: "Exchange2016" }),
      itemXml({ type: "Task", item: fullTask() }, { item: "test", version: "Exchange2016" }),
      itemXml({ type: "CalendarItem", item: fullCalendarItem() }, { item: "test", version: "Exchange2016" }),
    ];
    const documents = [
      ...Object.values(responses).filter((v): v is string => typeof v === "string"),
      responses.serverBusyFault(250),
      responses.findFolderPage(0),
      responses.findFolderPage(1),
      responses.exchangeEnvelope(
        responses.operationResponse(
          "GetItem",
          items.map((x) => `<m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items>${x}</m:Items></m:GetItemResponseMessage>`).join(""),
        ),
      ),
    ];
    expect(documents.length).toBeGreaterThan(6);
    for (const doc of documents) {
      for (const text of [doc, doc.replace(/></g, ">\r\n<"), doc.replace(/></g, ">\n <")]) expect(parseXml(text)).toEqual(referenceParse(text));
    }
  });

  it("takes a CDATA section as it is, beside decoded text", () => {
    const root = parseXml(`<a>x &amp; <![CDATA[<b>&amp;</b>]]> y</a>`);
    expect(root.text).toBe("x & <b>&amp;</b> y");
    expect(root.children).toEqual([]);
  });

  it("refuses a tag whose attributes are not name=\"value\" pairs", () => {
    for (const doc of [`<a b/>`, `<a b=c/>`, `<a ="c"/>`, `<a b c="d"/>`]) {
      expect(() => parseXml(doc), doc).toThrow(XmlSecurityError);
    }
    expect(parseXml(`<a b = "1" c='2'\n/>`).attributes).toEqual({ b: "1", c: "2" });
  });

  it("refuses element and attribute names XML does not allow, and keeps __proto__ an attribute like any other", () => {
    for (const doc of [`<a"b/>`, `<a'b/>`, `<1a/>`, `<a&b/>`, `<a x"y="1"/>`, `<a 1x="1"/>`, `<a b;="1"/>`]) {
      expect(() => parseXml(doc), doc).toThrow(XmlSecurityError);
    }
    const element = parseXml(`<a __proto__="x" constructor="y"/>`);
    expect(Object.keys(element.attributes)).toEqual(["__proto__", "constructor"]);
    expect(element.attributes["__proto__"]).toBe("x");
  });

  it("decodes text that escapeXml wrote back to what was escaped", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "<", ">", "&", '"', "'", "é", "\n") }), (s) => {
        expect(parseXml(`<a v="${escapeXml(s)}">${escapeXml(s)}</a>`)).toEqual({ name: "a", attributes: { v: s }, children: [], text: s });
      }),
      { numRuns: 200 },
    );
  });
});
