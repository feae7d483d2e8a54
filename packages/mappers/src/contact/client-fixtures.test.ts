import { describe, expect, it } from "vitest";
import type { Contact } from "@ewsdav/ews-client";
import { contactFromVCard, contactToVCard, normalizeVCard, unfoldLines, vcardHash } from "../index.js";
import { CONTACT_FIXTURES } from "./client-fixtures.test-support.js";

const withoutFileAs = ({ fileAs: _fileAs, ...rest }: Contact): Contact => rest;

describe.each(CONTACT_FIXTURES)("$client", (fixture) => {
  it("maps to the expected EWS contact and reports exactly what it cannot carry", () => {
    const { item, dropped } = contactFromVCard(fixture.text);
    expect(item).toMatchObject(fixture.expected);
    expect(dropped.map((entry) => entry.property).sort()).toEqual([...fixture.dropped].sort());
  });

  it("writes back onto itself without a change (an echo is recognised by the hash)", () => {
    const { item } = contactFromVCard(fixture.text);
    const written = contactToVCard(item, { base: fixture.text });
    expect(normalizeVCard(written.text)).toBe(normalizeVCard(fixture.text));
    expect(vcardHash(written.text)).toBe(vcardHash(fixture.text));
  });

  if (fixture.text.includes("VERSION:2.1")) {
    // vCard 2.1 cannot be written (ical.js writes 3.0 and 4.0): the base comes back as 3.0,
    // every property in its place, quoted-printable decoded and bare types spelled TYPE=.
    it("writes a vCard 2.1 base back as vCard 3.0, property for property", () => {
      const { item } = contactFromVCard(fixture.text);
      const written = unfoldLines(contactToVCard(item, { base: fixture.text }).text);
      const names = (lines: string[]) => lines.filter((line) => /^[A-Za-z0-9-]+[;:]/.test(line)).map((line) => line.split(/[;:]/)[0]);
      expect(written).toContain("VERSION:3.0");
      expect(names(written)).toEqual(names(unfoldLines(fixture.text)));
      expect(written.join("\n")).not.toMatch(/QUOTED-PRINTABLE|;(WORK|HOME|CELL|PREF)[;:]/);
    });
  } else {
    it("writes back onto itself line for line, as the client spelled it", () => {
      const { item } = contactFromVCard(fixture.text);
      expect(unfoldLines(contactToVCard(item, { base: fixture.text }).text)).toEqual(unfoldLines(fixture.text));
    });
  }

  it.each(["3.0", "4.0"] as const)("survives a new vCard %s and back", (version) => {
    const { item } = contactFromVCard(fixture.text);
    const written = contactToVCard(item, { version });
    expect(withoutFileAs(contactFromVCard(written.text).item)).toEqual(withoutFileAs(item));
  });

  it("a change made in Exchange touches only its own property", () => {
    const { item } = contactFromVCard(fixture.text);
    const changed: Contact = { ...item, jobTitle: "Changed in Outlook" };
    const written = contactToVCard(changed, { base: fixture.text });
    const before = new Set(normalizeVCard(fixture.text).split("\n"));
    const after = new Set(normalizeVCard(written.text).split("\n"));
    const added = [...after].filter((line) => !before.has(line));
    const removed = [...before].filter((line) => !after.has(line));
    expect(added).toEqual(['title:["Changed in Outlook"]']);
    expect(removed.every((line) => line.startsWith("title:"))).toBe(true);
  });
});
