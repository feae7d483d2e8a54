import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalHref, encodePathSegment, memberProblem } from "./href.js";

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

describe("memberProblem", () => {
  /**
   * How a lenient server might read a path: every escape decoded (an encoded slash or backslash
   * becomes a separator), then dot segments resolved.
   */
  function lenientPath(path: string): string[] {
    let decoded = path;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      // Left as is: a malformed escape is not decoded by the server either.
    }
    const out: string[] = [];
    for (const segment of decoded.split(/[/\\]/)) {
      if (segment === "" || segment === ".") continue;
      if (segment === "..") out.pop();
      else out.push(segment);
    }
    return out;
  }

  it("passes only hrefs that stay one segment inside the collection however a server decodes them", () => {
    const piece = fc.constantFrom("a", "b.ics", ".", "..", "%2e", "%2E%2e", "%2f", "%2F", "%5c", "%5C", "/", "\\", "%00", "%252e", "cal", "dav", "%");
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }), (pieces) => {
        let href: string;
        try {
          href = canonicalHref(`/dav/cal/${pieces.join("")}`, "https://cloud.example/");
        } catch {
          return; // not a URL at all
        }
        if (memberProblem(href, "/dav/cal/") !== undefined) return;
        const resolved = lenientPath(href);
        expect(resolved.slice(0, 2), href).toEqual(["dav", "cal"]);
        expect(resolved, href).toHaveLength(3);
      }),
      { numRuns: 3000 },
    );
    // Kept as examples: the shapes of the issue, and the property's counterexample (a backslash
    // read as a slash by URL parsing: `/dav/cal//`, an empty member name).
    for (const href of ["/dav/cal/\\", "/dav/cal//", "/dav/cal/../../other-user/private/y.ics", "/dav/cal/%2e%2e/%2e%2e/other/y.ics", "/dav/cal/..%2F..%2Fother%2Fy.ics", "/dav/cal/a%5C..%5C..%5Cy.ics"]) {
      expect(memberProblem(canonicalHref(href, "https://cloud.example/"), "/dav/cal/")).toBeDefined();
    }
  });
});
