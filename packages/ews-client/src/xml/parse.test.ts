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
    expect(refusal(() => parseXml("<a><b></a")).rule).toBe("truncated");
    expect(refusal(() => parseXml("<a><!-- never closed")).rule).toBe("truncated");
    expect(refusal(() => parseXml("just text")).rule).toBe("malformed");
    expect(refusal(() => parseXml("<a>&#x110000;</a>")).rule).toBe("malformed");
    expect(refusal(() => parseXml("<a>&#55296;</a>")).rule).toBe("malformed");
    expect(refusal(() => parseXml(`<a b="&#0;"/>`)).rule).toBe("malformed");
  });

  it("refuses a document whose elements are not all closed (a body cut between two elements) as truncated, naming what is open", () => {
    const full = `<s:Envelope xmlns:s="urn:s"><s:Body><m:R xmlns:m="urn:m"><m:Changes><t:Create xmlns:t="urn:t"><t:Contact/></t:Create><t:Create xmlns:t="urn:t"><t:Contact/></t:Create></m:Changes></m:R></s:Body></s:Envelope>`;
    expect(() => parseXml(full)).not.toThrow();
    const cut = full.slice(0, full.indexOf("</t:Create>") + "</t:Create>".length);
    const error = refusal(() => parseXml(cut));
    expect(error.rule).toBe("truncated");
    expect(error.message).toMatch(/4 elements not closed/);
    expect(error.message).toContain("<m:Changes>");
    // Cut at every offset: never a complete answer.
    for (let at = 1; at < full.length; at++) {
      const rule = refusal(() => parseXml(full.slice(0, at))).rule;
      expect(["truncated", "malformed"]).toContain(rule);
    }
  });

  it("refuses a body cut inside text or an attribute as truncated, even where the cut leaves half a reference", () => {
    // The client retries a read whose body was cut (rule `truncated`); half a reference must not turn that into `malformed`.
    for (const cut of ["<a>x &am", "<a>x &#x1", "<a><b>caf\u00e9 &lt", `<a><b c="&am`, `<a><b c="x"`, "<a><b/", "<a>x\r"]) {
      expect(refusal(() => parseXml(cut)).rule, cut).toBe("truncated");
    }
  });

  it("refuses mismatched, stray and extra elements and text outside the root as malformed", () => {
    expect(refusal(() => parseXml("<a><b></a></b>")).rule).toBe("malformed");
    expect(refusal(() => parseXml("<a></a></a>")).rule).toBe("malformed");
    expect(refusal(() => parseXml("<a/><b/>")).rule).toBe("malformed");
    expect(refusal(() => parseXml("<a/>trailing")).rule).toBe("malformed");
    expect(refusal(() => parseXml("x<a/>")).rule).toBe("malformed");
    expect(refusal(() => parseXml("<a></ a>")).rule).toBe("malformed");
    expect(refusal(() => parseXml("<?xml version='1.0'?><!-- only a comment -->")).rule).toBe("malformed");
    expect(parseXml("\uFEFF<?xml version='1.0'?>\r\n<a></a >\n<!-- after -->\n").name).toBe("a");
  });

  it("refuses character references outside XML's Char production, keeps the C0 controls Exchange encodes", () => {
    for (const ref of ["&#0;", "&#x0;", "&#xD800;", "&#xDFFF;", "&#x110000;", "&#xFFFE;", "&#xFFFF;", "&#65535;", "&#99999999999999999999;", "&#x0000000000000000000000;"]) {
      const error = refusal(() => parseXml(`<a>${ref}</a>`));
      expect(error.rule, ref).toBe("malformed");
      expect(error.code).toBe("EWS_XML_REFUSED");
    }
    expect(parseXml("<a>&#x1;&#x1F;&#9;&#xFFFD;&#x10FFFF;&#x00041;</a>").text).toBe("\u0001\u001F\t\uFFFD\u{10FFFF}A");
  });
});

describe("safe XML parsing: limits given by the caller", () => {
  it("takes a very large or infinite depth limit without allocating for it", () => {
    expect(parseXml("<a><b/></a>", { maxDepth: Number.POSITIVE_INFINITY }).name).toBe("a");
    expect(parseXml("<a><b/></a>", { maxDepth: 2 ** 31 }).name).toBe("a");
  });
});
