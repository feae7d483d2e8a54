import { describe, expect, it } from "vitest";
import { parseXml } from "./xml.js";

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
