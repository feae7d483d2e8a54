import { describe, expect, it } from "vitest";
import { XmlSecurityError } from "../errors.js";
import { assertSafeXml, decodeXmlText, parseXml } from "./parse.js";

function refusal(fn: () => unknown): XmlSecurityError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(XmlSecurityError);
    return error as XmlSecurityError;
  }
  throw new Error("expected a refusal");
}

describe("safe XML parsing", () => {
  it("parses elements, attributes, text and character references, without prefixes", () => {
    const root = parseXml(`<?xml version="1.0"?><s:A xmlns:s="urn:x" k="1 &amp; 2"><s:B>a &lt;b&gt; &#233;&#x1F389; &quot;q&apos;</s:B><s:C/><!-- c --><s:B><![CDATA[<raw>]]></s:B></s:A>`);
    expect(root.name).toBe("A");
    expect(root.attributes).toEqual({ k: "1 & 2" });
    expect(root.children.map((c) => c.name)).toEqual(["B", "C", "B"]);
    expect(root.children[0]!.text).toBe(`a <b> é🎉 "q'`);
  });

  it("keeps whitespace inside text", () => {
    expect(parseXml("<a><b>  two  spaces \n</b></a>").children[0]!.text).toBe("  two  spaces \n");
  });

  it("refuses a DOCTYPE", () => {
    expect(refusal(() => parseXml(`<?xml version="1.0"?><!DOCTYPE a [<!ELEMENT a ANY>]><a/>`)).rule).toBe("doctype");
    expect(refusal(() => parseXml(`<!doctype a SYSTEM "file:///etc/passwd"><a/>`)).rule).toBe("doctype");
  });

  it("refuses the billion laughs document before parsing", () => {
    const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`;
    const error = refusal(() => parseXml(lol));
    expect(error.rule).toBe("doctype");
    expect(error.code).toBe("EWS_XML_REFUSED");
  });

  it("refuses an entity declaration even outside a DOCTYPE, and undeclared entity references", () => {
    expect(refusal(() => parseXml(`<a><!ENTITY x "y"></a>`)).rule).toBe("entity");
    expect(refusal(() => parseXml(`<a>&xxe;</a>`)).rule).toBe("entity");
    expect(refusal(() => decodeXmlText("&nbsp;")).rule).toBe("entity");
  });

  it("refuses nesting beyond the depth limit", () => {
    const deep = "<a>".repeat(65) + "</a>".repeat(65);
    expect(refusal(() => parseXml(deep)).rule).toBe("depth");
    expect(() => parseXml("<a>".repeat(64) + "</a>".repeat(64))).not.toThrow();
    expect(refusal(() => assertSafeXml("<a>".repeat(11) + "</a>".repeat(11), { maxDepth: 10 })).rule).toBe("depth");
  });

  it("is not fooled by '>' or self-closing tags inside attribute values", () => {
    expect(() => assertSafeXml(`<a x="/>"><b y='>'/></a>`, { maxDepth: 2 })).not.toThrow();
    expect(refusal(() => assertSafeXml(`<a x="/>"><b y='>'><c></c></b></a>`, { maxDepth: 2 })).rule).toBe("depth");
  });

  it("refuses a document over the size limit", () => {
    expect(refusal(() => parseXml(`<a>${"x".repeat(200)}</a>`, { maxLength: 100 })).rule).toBe("size");
  });

  it("refuses malformed markup with a typed error", () => {
    expect(refusal(() => parseXml("<a><b></a")).rule).toBe("malformed");
    expect(refusal(() => parseXml("<a><!-- never closed")).rule).toBe("malformed");
    expect(refusal(() => parseXml("just text")).rule).toBe("malformed");
    expect(refusal(() => parseXml("<a>&#x110000;</a>")).rule).toBe("malformed");
    expect(refusal(() => parseXml("<a>&#55296;</a>")).rule).toBe("malformed");
    expect(refusal(() => parseXml(`<a b="&#0;"/>`)).rule).toBe("malformed");
  });
});
