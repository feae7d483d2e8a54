import { appendFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseXml, xmlRootChildren } from "./xml.js";

const INVALID = expect.objectContaining({ code: "INVALID_XML" });

describe("parseXml refuses what could be misread", () => {
  it("refuses a body cut off mid-document (a listing cut short would read as deletions)", () => {
    const whole = `<d:multistatus xmlns:d="DAV:"><d:response><d:href>/c/a.ics</d:href></d:response><d:response><d:href>/c/b.ics</d:href></d:response></d:multistatus>`;
    expect(parseXml(whole).children).toHaveLength(2);
    for (const cut of [whole.slice(0, whole.indexOf("<d:response>", 20)), whole.slice(0, -3), whole.slice(0, whole.length - "</d:multistatus>".length)]) {
      expect(() => parseXml(cut)).toThrowError(INVALID);
    }
  });

  it("refuses mismatched tags and a second root element", () => {
    expect(() => parseXml(`<a xmlns="DAV:"><b></a>`)).toThrowError(INVALID);
    expect(() => parseXml(`<a xmlns="DAV:"/><b xmlns="DAV:"/>`)).toThrowError(/more than one root/);
  });

  it("refuses a DOCTYPE before or inside the document", () => {
    expect(() => parseXml(`<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>`)).toThrowError(/DOCTYPE/);
    expect(() => parseXml(`<a><!DOCTYPE a [<!ENTITY x "y">]><b>&x;</b></a>`)).toThrowError(INVALID);
  });

  it("reads `<!DOCTYPE` that is only text inside CDATA or a comment (Outlook's HTML descriptions)", () => {
    const html = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2//EN">\n<HTML><BODY>hi</BODY></HTML>`;
    const root = parseXml(`<?xml version="1.0"?><!-- <!DOCTYPE in a comment --><c:calendar-data xmlns:c="urn:ietf:params:xml:ns:caldav"><![CDATA[X-ALT-DESC:${html}]]></c:calendar-data>`);
    expect(root).toMatchObject({ ns: "urn:ietf:params:xml:ns:caldav", name: "calendar-data", text: `X-ALT-DESC:${html}` });
  });

  it("accepts a byte-order mark, a declaration with single quotes and trailing whitespace", () => {
    expect(parseXml(`\uFEFF<?xml version='1.0' encoding='utf-8'?>\n<multistatus xmlns="DAV:"/>\n`)).toMatchObject({ ns: "DAV:", name: "multistatus" });
  });
});

describe("parseXml and character references", () => {
  it("decodes references to XML characters, astral ones included", () => {
    expect(parseXml(`<a xmlns="DAV:">&#x41;&#66;&#x1F600;&#9;&#xD7FF;&#xE000;&#x10FFFF;&#x000000000000000041;</a>`).text).toBe("AB\u{1F600}\t\uD7FF\uE000\u{10FFFF}A");
  });

  it("refuses references outside the Char production as malformed, in text and in attributes (not a RangeError)", () => {
    for (const ref of ["&#0;", "&#x0;", "&#xD800;", "&#xDFFF;", "&#55296;", "&#x110000;", "&#1114112;", "&#xFFFE;", "&#xFFFF;", "&#x1F;", "&#99999999999999999999;", "&#x0000000000000000110000;"]) {
      for (const doc of [`<a xmlns="DAV:">x${ref}y</a>`, `<a xmlns="DAV:" b="${ref}"/>`]) {
        let thrown: unknown;
        try {
          parseXml(doc);
        } catch (error) {
          thrown = error;
        }
        expect(thrown, `${ref} in ${doc}`).toMatchObject({ code: "INVALID_XML", message: expect.stringMatching(/character reference/) });
      }
    }
  });
});

describe("parseXml on any input", () => {
  const capture = `<?xml version='1.0' encoding='utf-8'?>\n<multistatus xmlns="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><!-- c --><response><href>/alice/book/x%20y.vcf</href><propstat><prop><getetag>"d4"</getetag><CR:address-data><![CDATA[BEGIN:VCARD\r\nEND:VCARD]]>\r\nFN:A &amp; B</CR:address-data></prop><status>HTTP/1.1 200 OK</status></propstat></response><sync-token a='1' b="2">t</sync-token></multistatus>\n`;

  it("refuses every cut of a document (a listing cut short must not read as a shorter one)", () => {
    const whole = parseXml(capture);
    expect(whole.children.map((c) => c.name)).toEqual(["response", "sync-token"]);
    expect(whole.children[0]!.children[1]!.children[0]!.children[1]!.text).toBe("BEGIN:VCARD\nEND:VCARD\nFN:A & B");
    const end = capture.lastIndexOf(">") + 1;
    for (let cut = 0; cut < end; cut++) expect(() => parseXml(capture.slice(0, cut)), `cut at ${cut}`).toThrowError(INVALID);
    expect(parseXml(capture.slice(0, end))).toEqual(whole);
  });

  it("bounds nesting without recursing (a hundred thousand levels is a typed error, not a stack overflow)", () => {
    const deep = `${"<a>".repeat(100_000)}${"</a>".repeat(100_000)}`;
    expect(() => parseXml(deep)).toThrowError(/nested deeper than 100/);
    expect(parseXml(`${"<a>".repeat(50)}${"</a>".repeat(50)}`).name).toBe("a");
  });

  it("refuses what a well-formedness check refuses: bare '&', '<' in a value, repeated or unquoted attributes, bad names, text outside the root", () => {
    for (const doc of [`<a>x & y</a>`, `<a b="x<y"/>`, `<a b="1" b="2"/>`, `<a b=1/>`, `<1a/>`, `<a>x</a> junk`, `junk <a/>`, `<a></b>`, `</a>`, `<a><![CDATA[x</a>`, `<a><!-- x</a>`, `<a b="x`, `<a/><!ENTITY x "y">`, `<a>&constructor;</a>`, `<a b="&__proto__;"/>`, `<a${Array.from({ length: 300 }, (_, i) => ` a${i}="v"`).join("")}/>`]) {
      expect(() => parseXml(doc), doc).toThrowError(INVALID);
    }
  });

  it("hands each child of the root over as soon as it is complete, without keeping it", () => {
    const seen: string[] = [];
    const root = parseXml(capture, { onRootChild: (element) => seen.push(element.name) });
    expect(seen).toEqual(["response", "sync-token"]);
    expect(root.children).toEqual([]);
  });

  // Fuzz mode (EWSDAV_FUZZ set; see the fuzz convention): runs for EWSDAV_FUZZ_SECONDS from
  // EWSDAV_FUZZ_SEED and appends what it tried and found to EWSDAV_FUZZ_REPORT.
  const fuzz = (process.env["EWSDAV_FUZZ"] ?? "") !== "" && process.env["EWSDAV_FUZZ"] !== "0";
  const fuzzSeconds = Number(process.env["EWSDAV_FUZZ_SECONDS"] ?? 60);
  it(
    "never throws anything but INVALID_XML on random mutations of a document",
    () => {
      const edit = fc.tuple(fc.nat(capture.length), fc.nat(8), fc.constantFrom("", "<", ">", "&", "/", '"', "]]>", "<!--", "&#0;", "<a>", "</a>", "\u0000", "<![CDATA[", "xmlns:x=\"\"", "&#x1F600;"));
      let inputs = 0;
      const property = fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), (edits) => {
        inputs++;
        let doc = capture;
        for (const [at, remove, insert] of edits) doc = doc.slice(0, at) + insert + doc.slice(at + remove);
        try {
          parseXml(doc);
        } catch (error) {
          if ((error as { code?: string }).code !== "INVALID_XML") throw error;
        }
      });
      const seed = Number(process.env["EWSDAV_FUZZ_SEED"] ?? 1);
      const result = fc.check(property, fuzz ? { seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: fuzzSeconds * 1000 } : { numRuns: 1000 });
      const found = result.failed ? [`parseXml threw other than INVALID_XML on ${JSON.stringify(result.counterexample)}: ${String(result.errorInstance)}`.slice(0, 500)] : [];
      const report = process.env["EWSDAV_FUZZ_REPORT"];
      if (fuzz && report) appendFileSync(report, `${JSON.stringify({ name: "dav-client xml mutations", seed, tried: { inputs }, found })}\n`);
      expect(found).toEqual([]);
    },
    fuzz ? (fuzzSeconds + 60) * 1000 : undefined,
  );
});

describe("xmlRootChildren reads lazily", () => {
  const whole = `<d:multistatus xmlns:d="DAV:"><d:response><d:href>/c/a</d:href></d:response><d:response/><d:response><d:href>/c/b</d:href></d:response></d:multistatus>`;

  it("hands over each child of the root as it closes (self-closing ones too), then returns the root without them", () => {
    const steps = xmlRootChildren(whole);
    const names: string[] = [];
    let step = steps.next();
    while (!step.done) {
      names.push(`${step.value.name}:${step.value.children.length}`);
      step = steps.next();
    }
    expect(names).toEqual(["response:1", "response:0", "response:1"]);
    expect(step.value).toMatchObject({ ns: "DAV:", name: "multistatus", children: [] });
  });

  it("a body cut after the first child hands that one over, then throws INVALID_XML (never returns a root)", () => {
    const cut = whole.slice(0, whole.indexOf("<d:response/>") + 4);
    const steps = xmlRootChildren(cut);
    expect(steps.next()).toMatchObject({ done: false, value: { name: "response" } });
    expect(() => steps.next()).toThrow(INVALID);
  });
});
