import { describe, expect, it } from "vitest";
import { EnvelopeSplitter } from "./envelope-stream.js";

const env = (n: number) => `<?xml version="1.0" encoding="utf-8"?><Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body><x>${n} é</x></Body></Envelope>`;

describe("EnvelopeSplitter", () => {
  it("returns several envelopes from one chunk", () => {
    const splitter = new EnvelopeSplitter();
    expect(splitter.push(Buffer.from(env(1) + env(2) + env(3)))).toHaveLength(3);
  });
  it("joins an envelope split at any byte, including inside a multi-byte character", () => {
    const bytes = Buffer.from(env(1) + env(2));
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const splitter = new EnvelopeSplitter();
      const out = [...splitter.push(bytes.subarray(0, cut)), ...splitter.push(bytes.subarray(cut))];
      expect(out).toEqual([env(1).replace(/^<\?xml[^>]*\?>/, ""), env(2).replace(/^<\?xml[^>]*\?>/, "")]);
    }
  });
  it("handles prefixed envelopes", () => {
    const text = `<s:Envelope xmlns:s="x"><s:Body/></s:Envelope>`;
    expect(new EnvelopeSplitter().push(Buffer.from(text + "\r\n" + text))).toEqual([text, text]);
  });
  it("refuses an envelope larger than the limit", () => {
    const splitter = new EnvelopeSplitter(100);
    expect(() => splitter.push(Buffer.from(`<Envelope>${"a".repeat(200)}`))).toThrow(/exceeded/);
  });
});

describe("EnvelopeSplitter: cut and tricky envelopes", () => {
  const full = (n: number) => `<s:Envelope xmlns:s="x"><s:Body><m:R><m:N>${n}</m:N></m:R></s:Body></s:Envelope>`;

  it("never hands out an envelope cut short, even when a complete one follows it", () => {
    const cut = full(1).slice(0, full(1).indexOf("</m:N>"));
    const splitter = new EnvelopeSplitter();
    expect(splitter.push(Buffer.from(cut + full(2)))).toEqual([]);
    expect(splitter.inEnvelope).toBe(true);
    expect(splitter.pending.startsWith(cut)).toBe(true);
  });

  it("is not fooled by the root's closing tag inside a comment, a CDATA section or an attribute", () => {
    const tricky = `<s:Envelope xmlns:s="x"><!-- </s:Envelope> --><s:Body a="</s:Envelope>"><![CDATA[</s:Envelope>]]></s:Body></s:Envelope>`;
    const bytes = Buffer.from(tricky + full(3));
    for (let at = 1; at < bytes.length; at += 5) {
      const splitter = new EnvelopeSplitter();
      expect([...splitter.push(bytes.subarray(0, at)), ...splitter.push(bytes.subarray(at))]).toEqual([tricky, full(3)]);
      expect(splitter.inEnvelope).toBe(false);
    }
  });

  it("refuses text and stray closing tags between envelopes", () => {
    expect(() => new EnvelopeSplitter().push(Buffer.from(full(1) + "junk"))).toThrow(/Unexpected text/);
    expect(() => new EnvelopeSplitter().push(Buffer.from(full(1) + "</s:Envelope>"))).toThrow(/closing tag/);
  });
});
