import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalHref, encodePathSegment } from "./href.js";

describe("canonicalHref", () => {
  it("gives one spelling for the ways servers write the same path", () => {
    const base = "http://h:1/c/";
    const spellings = ["/c/a%40b%2Bc%20d.vcf", "/c/a@b+c%20d.vcf", "http://h:1/c/a%40b+c d.vcf", "a@b%2bc%20d.vcf"];
    expect(new Set(spellings.map((s) => canonicalHref(s, base)))).toEqual(new Set(["/c/a@b+c%20d.vcf"]));
  });

  it("keeps encoded slashes, hashes and percents inside a segment", () => {
    expect(canonicalHref("/c/a%2Fb%23c%25d.ics", "http://h/")).toBe("/c/a%2Fb%23c%25d.ics");
  });

  it("is idempotent and round-trips any segment (except the dot segments URLs resolve away)", () => {
    const segments = fc.string({ minLength: 1, maxLength: 30, unit: "binary" }).filter((s) => s !== "." && s !== ".." && !/[\uD800-\uDFFF]/.test(s));
    fc.assert(
      fc.property(segments, (segment) => {
        const href = `/col/${encodePathSegment(segment)}`;
        expect(canonicalHref(href, "http://h/")).toBe(href);
        expect(decodeURIComponent(href.slice(5))).toBe(segment);
      }),
      { numRuns: 200 },
    );
  });
});
