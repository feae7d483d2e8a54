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
