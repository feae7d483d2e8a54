import { describe, expect, it } from "vitest";
import { escapeXml } from "./escape.js";

describe("escapeXml", () => {
  it("escapes the five XML specials", () => {
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;");
  });
  it("drops characters XML 1.0 cannot carry and keeps valid astral characters", () => {
    expect(escapeXml("a\u0001b\u000Bc\tok\n😀\uD800")).toBe("abc\tok\n😀");
  });
});
