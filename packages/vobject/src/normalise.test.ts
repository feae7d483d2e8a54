/**
 * The normal form: one walk (lines sorted, sub-components sorted, between the component's bounds)
 * for the engine's line-level normaliser and the mappers' property-aware ones, and the hashes it
 * gives pinned — an engine state stores `sha256(normaliseVObject(text))` per item, so a change of
 * that text would make every stored hash differ on upgrade.
 */
import { describe, expect, it } from "vitest";
import { canonicalJson, normalForm, normalForms, normaliseVObject, normalLine, normalParams, parseVObject, sha256, VOLATILE_PROPERTIES, type Component, type NormalFormRules } from "./index.js";

const CARD = [
  "BEGIN:VCARD",
  "VERSION:3.0",
  "PRODID:-//Apple Inc.//iOS 17//EN",
  "UID:card-1",
  "N:Doe;Jane;;;",
  "FN:Jane Doe",
  "item1.EMAIL;type=INTERNET;type=pref:jane@example.com",
  "item1.X-ABLabel:_$!<Other>!$_",
  "TEL;TYPE=CELL;TYPE=VOICE:+1 555 0100",
  "NOTE:Line one\\nline two\\, with a comma and a very long tail that needs folding at seventy-five",
  "  octets",
  "REV:2024-01-01T00:00:00Z",
  "END:VCARD",
  "",
].join("\r\n");

const CALENDAR = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//Test//EN",
  "BEGIN:VTODO",
  "UID:todo-1",
  "DTSTAMP:20240101T000000Z",
  "SUMMARY:Buy milk",
  "DUE;TZID=Europe/Berlin:20240105T170000",
  "RRULE:FREQ=WEEKLY;BYDAY=WE,MO",
  "BEGIN:VALARM",
  "ACTION:DISPLAY",
  "TRIGGER:-PT15M",
  "END:VALARM",
  "END:VTODO",
  "END:VCALENDAR",
  "",
].join("\r\n");

describe("normaliseVObject (the engine's default normaliser)", () => {
  it("gives the hashes states already hold (pinned before the normal form was shared with the mappers)", () => {
    expect(sha256(normaliseVObject(CARD))).toBe("08242c9e69b3fc8e2ad5b31cad407d2dd8871cbf7e631be8161169549229445e");
    expect(sha256(normaliseVObject(CALENDAR))).toBe("217e8ef4d705ebed74ba23ae1775df21e07b5cc4d1040947cba6903a9b3a8dc5");
  });

  it("ignores order, folding, volatile properties and the case of names", () => {
    const shuffled = CARD.replace("FN:Jane Doe\r\n", "").replace("BEGIN:VCARD\r\n", "BEGIN:vcard\r\nfn:Jane Doe\r\n").replace("REV:2024-01-01T00:00:00Z", "REV:2025-06-01T00:00:00Z").replace("UID:card-1", "UID:other");
    expect(normaliseVObject(shuffled)).toBe(normaliseVObject(CARD));
    expect(normaliseVObject(CARD.replace("Jane Doe", "Jane Q. Doe"))).not.toBe(normaliseVObject(CARD));
  });
});

describe("normalForm with rules of one's own", () => {
  // A jCard-like tree: [name, properties, children], properties as [name, value].
  type Node = [string, Array<[string, unknown]>, Node[]];
  const rules: NormalFormRules<Node> = {
    bounds: (node) => [`begin:${node[0]}`, `end:${node[0]}`],
    lines: (node) => node[1].filter(([name]) => name !== "rev").map(([name, value]) => `${name}:${canonicalJson(value)}`),
    children: (node) => node[2],
  };

  it("sorts lines and sub-components, leaves out what the rules leave out, and writes the bounds", () => {
    const a: Node = ["vcalendar", [["x", { b: 1, a: [2, "c"] }], ["rev", 1]], [["valarm", [["t", 2]], []], ["valarm", [["t", 1]], []]]];
    const b: Node = ["vcalendar", [["rev", 9], ["x", { a: [2, "c"], b: 1, gone: undefined }]], [["valarm", [["t", 1]], []], ["valarm", [["t", 2]], []]]];
    expect(normalForm(a, rules)).toBe(['begin:vcalendar', 'x:{"a":[2,"c"],"b":1}', "begin:valarm\nt:1\nend:valarm", "begin:valarm\nt:2\nend:valarm", "end:vcalendar"].join("\n"));
    expect(normalForm(b, rules)).toBe(normalForm(a, rules));
    expect(normalForms([a, ["vcard", [], []]], rules)).toBe(normalForms([["vcard", [], []], b], rules));
  });

  it("is the line-level form for parsed components, with normalLine and the volatile properties left out", () => {
    const lineRules: NormalFormRules<Component> = {
      bounds: (c) => [`BEGIN:${c.name}`, `END:${c.name}`],
      lines: (c) => c.lines.filter((l) => !VOLATILE_PROPERTIES.has(l.name)).map(normalLine),
      children: (c) => c.children,
    };
    expect(normalForm(parseVObject(CALENDAR), lineRules)).toBe(normaliseVObject(CALENDAR));
    expect(normalForm(parseVObject(CARD), lineRules)).toBe(normaliseVObject(CARD));
  });

  it("writes parameters with sorted names and drops empty lists", () => {
    expect(normalParams({ type: ["home", "work"], pref: ["1"], label: [] })).toBe(";pref=1;type=home,work");
    expect(normalParams({})).toBe("");
  });

  it("serialises equal values equally", () => {
    expect(canonicalJson({ b: [1, { d: null, c: "x" }], a: undefined })).toBe('{"b":[1,{"c":"x","d":null}]}');
    expect(canonicalJson(undefined)).toBe("null");
  });
});
