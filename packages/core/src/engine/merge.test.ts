/**
 * The per-value merge of multi-valued properties (issue 13 item 3) and newest-wins by each side's
 * own modification time (item 8): examples, and a fast-check property over random edits of a
 * card's e-mail addresses (fixed seed in the suite, more runs under `npm run fuzz`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { propertyRuns } from "../../../../test/harness/fast-check-setup.js";
import { vcard, vevent } from "../fixtures.test-support.js";
import { changedProperties, compareWritten, mergeItem, restrictToPropertiesOf, valueIdentity, type ConflictPolicy } from "./merge.js";
import { modifiedOfText, parseContentLine, parseVObject } from "./vobject.js";

const card = (lines: string[]) => vcard("u", { FN: "Ada" }, lines);
const linesOf = (text: string, name: string) => parseVObject(text).lines.filter((l) => l.name === name).map((l) => `${l.params ? `${l.params}:` : ""}${l.value}`);
const merge = (base: string, local: string, remote: string, policy: ConflictPolicy = "remote-wins", modified?: { local: string | null; remote: string | null }) =>
  mergeItem({ uid: "u", base: { local: base, remote: base }, local, remote, policy, ...(modified ? { modified } : {}) });

describe("per-value merge", () => {
  it("keeps one side's edit of an e-mail and the other side's added e-mail (failed on main: the whole EMAIL block was one value)", () => {
    const base = card(["EMAIL;TYPE=work:a@x", "EMAIL;TYPE=home:b@x"]);
    const local = card(["EMAIL;TYPE=work:a2@x", "EMAIL;TYPE=home:b@x"]);
    const remote = card(["EMAIL;TYPE=work:a@x", "EMAIL;TYPE=home:b@x", "EMAIL;TYPE=other:c@x"]);
    const r = merge(base, local, remote);
    expect(r.conflicts).toEqual([]);
    expect(linesOf(r.local, "EMAIL")).toEqual(["TYPE=work:a2@x", "TYPE=home:b@x", "TYPE=other:c@x"]);
    expect(linesOf(r.remote, "EMAIL")).toEqual(["TYPE=work:a2@x", "TYPE=home:b@x", "TYPE=other:c@x"]);
  });

  it("keeps a 4th EMAIL, a PO box and DAV-only parameters when the other side edits e-mail 1 and the street", () => {
    const dav = card(["EMAIL;TYPE=work;X-DAV=1:a@x", "EMAIL;TYPE=home:b@x", "EMAIL;TYPE=other:c@x", "EMAIL:d@x", "ADR;TYPE=work:PO 7;;Main St 1;Town;;123;", "item1.TEL;TYPE=cell:+1 555"]);
    // What the EWS side renders onto that card after an Exchange edit of e-mail 1 and the street.
    const ews = dav.replace("a@x", "new@x").replace("Main St 1", "Main St 2");
    const r = merge(dav, dav, ews);
    expect(r.conflicts).toEqual([]);
    expect(linesOf(r.local, "EMAIL")).toEqual(["TYPE=work;X-DAV=1:new@x", "TYPE=home:b@x", "TYPE=other:c@x", "d@x"]);
    expect(linesOf(r.local, "ADR")).toEqual(["TYPE=work:PO 7;;Main St 2;Town;;123;"]);
    expect(r.local).toContain("item1.TEL;TYPE=cell:+1 555");
  });

  it("settles a value both sides replaced differently by the policy: the winner's value on both sides, never both", () => {
    const base = card(["EMAIL;TYPE=work:a@x", "EMAIL;TYPE=home:b@x"]);
    const local = card(["EMAIL;TYPE=work:local@x", "EMAIL;TYPE=home:b@x"]);
    const remote = card(["EMAIL;TYPE=work:remote@x", "EMAIL;TYPE=home:b@x"]);
    for (const [policy, winner] of [["remote-wins", "remote@x"], ["local-wins", "local@x"]] as const) {
      const r = merge(base, local, remote, policy);
      expect(r.conflicts).toHaveLength(1);
      expect(r.conflicts[0]).toMatchObject({ property: "EMAIL", local: ["EMAIL;TYPE=work:local@x"], remote: ["EMAIL;TYPE=work:remote@x"], base: ["EMAIL;TYPE=work:a@x"] });
      expect(linesOf(r.local, "EMAIL")).toEqual([`TYPE=work:${winner}`, "TYPE=home:b@x"]);
      expect(linesOf(r.remote, "EMAIL")).toEqual([`TYPE=work:${winner}`, "TYPE=home:b@x"]);
    }
    // One side replaced, the other removed: also a conflict.
    const removed = card(["EMAIL;TYPE=home:b@x"]);
    const r = merge(base, removed, remote, "local-wins");
    expect(r.conflicts.map((c) => c.property)).toEqual(["EMAIL"]);
    expect(linesOf(r.remote, "EMAIL")).toEqual(["TYPE=home:b@x"]);
    expect(linesOf(r.local, "EMAIL")).toEqual(["TYPE=home:b@x"]);
  });

  it("merges a parameter change of one value (PREF) with an edit of another", () => {
    const base = card(["TEL;TYPE=work:1", "TEL;TYPE=home:2"]);
    const local = card(["TEL;TYPE=work;PREF=1:1", "TEL;TYPE=home:2"]);
    const remote = card(["TEL;TYPE=work:1", "TEL;TYPE=home:3"]);
    const r = merge(base, local, remote);
    expect(r.conflicts).toEqual([]);
    expect(linesOf(r.local, "TEL")).toEqual(["TYPE=work;PREF=1:1", "TYPE=home:3"]);
    expect(linesOf(r.remote, "TEL")).toEqual(["TYPE=work;PREF=1:1", "TYPE=home:3"]);
  });

  it("merges CATEGORIES per category, whatever the line layout", () => {
    const base = card(["CATEGORIES:a,b,c"]);
    const local = card(["CATEGORIES:a,b,c,d"]);
    const remote = card(["CATEGORIES:a", "CATEGORIES:c"]);
    const r = merge(base, local, remote);
    expect(r.conflicts).toEqual([]);
    expect(linesOf(r.local, "CATEGORIES")).toEqual(["a,c,d"]);
    expect(linesOf(r.remote, "CATEGORIES").join(",").split(",").sort()).toEqual(["a", "c", "d"]);
    // An escaped comma is part of a category.
    const escaped = card(["CATEGORIES:x\\,y,z"]);
    const e = merge(escaped, card(["CATEGORIES:x\\,y"]), escaped);
    expect(linesOf(e.remote, "CATEGORIES")).toEqual(["x\\,y"]);
  });

  it("merges ATTENDEEs and EXDATEs of an event value by value", () => {
    const base = vevent("e", { SUMMARY: "s", ATTENDEE: "mailto:a@x", EXDATE: "20240101T090000Z" });
    const local = base.replace("ATTENDEE:mailto:a@x", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@x").replace("EXDATE:20240101T090000Z", "EXDATE:20240101T090000Z,20240108T090000Z");
    const remote = base.replace("ATTENDEE:mailto:a@x", "ATTENDEE:mailto:a@x\r\nATTENDEE:mailto:b@x");
    const r = merge(base, local, remote);
    expect(r.conflicts).toEqual([]);
    const event = (text: string) => parseVObject(text).children[0]!;
    for (const text of [r.local, r.remote]) {
      expect(event(text).lines.filter((l) => l.name === "ATTENDEE").map((l) => `${l.params}:${l.value}`)).toEqual(["PARTSTAT=ACCEPTED:mailto:a@x", ":mailto:b@x"]);
      expect(event(text).lines.filter((l) => l.name === "EXDATE").flatMap((l) => l.value.split(",")).sort()).toEqual(["20240101T090000Z", "20240108T090000Z"]);
    }
  });

  it("gives a value's identity as its normalised value and TYPE (PREF, INTERNET, case and mailto: aside)", () => {
    const id = (line: string) => valueIdentity(parseContentLine(line));
    expect(id("EMAIL;TYPE=INTERNET,WORK,pref:A@X")).toBe(id("EMAIL;TYPE=work:a@x"));
    expect(id("EMAIL;TYPE=work:a@x")).not.toBe(id("EMAIL;TYPE=home:a@x"));
    expect(id("TEL;VALUE=uri:tel:+1-555-0100")).toBe(id("TEL:+1 555 0100"));
    expect(id("ATTENDEE;PARTSTAT=ACCEPTED:mailto:A@x")).toBe(id("ATTENDEE:MAILTO:a@x"));
  });

  it("keeps the journal's resume rules per value: a lossy slot that lacks a written 4th e-mail still carries the write", () => {
    const before = card(["EMAIL;TYPE=work:a@x"]);
    const written = card(["EMAIL;TYPE=work:a2@x", "EMAIL:d@x"]);
    const found = card(["EMAIL;TYPE=work:a2@x"]); // the side cannot hold the 2nd address
    const changed = changedProperties(before, written);
    expect(compareWritten(found, written, changed)).toBe("carries");
    expect(compareWritten(card(["EMAIL;TYPE=work:a@x"]), written, changed)).toBe("differs");
    expect(linesOf(restrictToPropertiesOf(written, found), "EMAIL")).toEqual(["TYPE=work:a2@x"]);
    // A journal entry with a whole-property key (before per-value keys) is still understood.
    const legacy = [{ key: "VCARD\u0001EMAIL", added: false }];
    expect(compareWritten(card(["EMAIL;TYPE=work:a2@x", "EMAIL:d@x", "NOTE:n"]), written, legacy)).toBe("carries");
    expect(compareWritten(card(["EMAIL;TYPE=work:a@x", "NOTE:n"]), written, legacy)).toBe("differs");
  });
});

describe("newest-wins by each side's own modification time", () => {
  const base = card(["TITLE:base"]);
  const local = card(["TITLE:local"]);
  const remote = card(["TITLE:remote"]);
  it("takes the later of the two times the sides give, whichever side it is", () => {
    expect(merge(base, local, remote, "newest-wins", { local: "2026-01-02T00:00:00Z", remote: "2026-01-01T00:00:00Z" }).conflicts[0]!.winner).toBe("local");
    expect(merge(base, local, remote, "newest-wins", { local: "2026-01-01T00:00:00Z", remote: "2026-01-02T00:00:00Z" }).conflicts[0]!.winner).toBe("remote");
    expect(merge(base, local, remote, "newest-wins", { local: "2026-01-01T00:00:00Z", remote: null }).conflicts[0]!.winner).toBe("local");
  });
  it("does not read DTSTAMP (the time an EWS event was read), only LAST-MODIFIED / REV", () => {
    const e = (summary: string, stamp: string, modified?: string) =>
      vevent("e", { SUMMARY: summary, ...(modified ? { "LAST-MODIFIED": modified } : {}) }).replace("DTSTAMP:20240101T000000Z", `DTSTAMP:${stamp}`);
    const older = e("dav", "20240101T000000Z", "20260101T100000Z");
    const read = e("ews", "20260301T000000Z"); // just read from EWS: DTSTAMP is now, no LAST-MODIFIED
    expect(modifiedOfText(read)).toBeNull();
    expect(modifiedOfText(older)).toBe("2026-01-01T10:00:00.000Z");
    expect(modifiedOfText(card(["REV:2026-02-03T04:05:06Z"]))).toBe("2026-02-03T04:05:06.000Z");
    const r = merge(e("b", "20240101T000000Z"), older, read, "newest-wins");
    expect(r.conflicts[0]!.winner).toBe("local");
  });
});

/** One side's edits of a set of e-mail addresses: remove, add, replace (same TYPE, new address), toggle PREF. */
type Op = { op: "remove"; at: number } | { op: "add"; type: string; address: string } | { op: "replace"; at: number; address: string } | { op: "pref"; at: number };
/** An e-mail value: TYPE, address, and whether it carries PREF=1 (a parameter outside its identity). */
type Value = [string, string] | [string, string, "pref"];

const TYPES = ["work", "home", "other"];
const ADDRESSES = ["a@x", "b@x", "c@x", "d@x", "e@x", "f@x"];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("remove" as const), at: fc.nat(5) }),
  fc.record({ op: fc.constant("add" as const), type: fc.constantFrom(...TYPES), address: fc.constantFrom(...ADDRESSES) }),
  fc.record({ op: fc.constant("replace" as const), at: fc.nat(5), address: fc.constantFrom(...ADDRESSES) }),
  fc.record({ op: fc.constant("pref" as const), at: fc.nat(5) }),
);
const baseArb = fc.uniqueArray(fc.tuple(fc.constantFrom(...TYPES), fc.constantFrom(...ADDRESSES)), { maxLength: 4, selector: ([t, a]) => `${t}|${a}` });

function edit(base: Value[], ops: Op[]): Value[] {
  let values = [...base];
  for (const o of ops) {
    if (o.op === "add") values.push([o.type, o.address]);
    else if (values.length === 0) continue;
    else if (o.op === "remove") values.splice(o.at % values.length, 1);
    else if (o.op === "pref") {
      const [t, a, pref] = values[o.at % values.length]!;
      values[o.at % values.length] = pref ? [t, a] : [t, a, "pref"];
    } else values[o.at % values.length] = [values[o.at % values.length]![0], o.address];
  }
  // A side never holds the same value twice.
  const seen = new Set<string>();
  values = values.filter(([t, a]) => !seen.has(`${t}|${a}`) && seen.add(`${t}|${a}`));
  return values;
}
const render = (values: Value[]) => card(values.map(([t, a, pref]) => `EMAIL;TYPE=${t}${pref ? ";PREF=1" : ""}:${a}`));
const valueSet = (text: string) => linesOf(text, "EMAIL").sort();

describe("per-value merge (property, fixed seed)", () => {
  const check = (base: Value[], localOps: Op[], remoteOps: Op[], policy: "local-wins" | "remote-wins") => {
    const b = render(base);
    const l = render(edit(base, localOps));
    const r = render(edit(base, remoteOps));
    const m = merge(b, l, r, policy);
    // Both sides converge to the same set of values, and no value appears twice.
    expect(valueSet(m.local)).toEqual(valueSet(m.remote));
    expect(new Set(valueSet(m.local)).size).toBe(valueSet(m.local).length);
    // Symmetric: swapping the sides (and the policy with them) gives the same outcome.
    const swapped = merge(b, r, l, policy === "local-wins" ? "remote-wins" : "local-wins");
    expect(valueSet(swapped.local)).toEqual(valueSet(m.local));
    // A side that changed nothing contributes nothing: the other side's text is the outcome.
    const quiet = merge(b, l, b, policy);
    expect(valueSet(quiet.remote)).toEqual(valueSet(l));
    expect(quiet.localChanged).toBe(false);
    // Every value both sides kept untouched survives.
    const lv = new Set(valueSet(l));
    for (const v of valueSet(r)) if (lv.has(v) && valueSet(b).includes(v)) expect(valueSet(m.local)).toContain(v);
  };

  it("converges, is symmetric, a no-op side contributes nothing, no value twice", () => {
    fc.assert(
      fc.property(baseArb, fc.array(opArb, { maxLength: 4 }), fc.array(opArb, { maxLength: 4 }), fc.constantFrom("local-wins" as const, "remote-wins" as const), (base, lo, ro, policy) => {
        check(base, lo, ro, policy);
      }),
      { numRuns: propertyRuns(300) },
    );
  });

  // The property has found no counterexample so far; these edge cases are kept as explicit examples.
  it("edge cases kept as explicit examples", () => {
    // Both sides replace the same value with the same new one: one value, no conflict.
    check([["work", "a@x"]], [{ op: "replace", at: 0, address: "b@x" }], [{ op: "replace", at: 0, address: "b@x" }], "local-wins");
    // One side replaces a value with one the other side adds under the same TYPE.
    check([["work", "a@x"]], [{ op: "replace", at: 0, address: "b@x" }], [{ op: "add", type: "work", address: "b@x" }], "remote-wins");
  });
});

describe("components added by one side", () => {
  it("an override added on one side reaches the other with its UID and DTSTAMP (failed before: written without them, so a reader took it for another item)", () => {
    const master = { DTSTART: "20240105T090000Z", DTEND: "20240105T100000Z", SUMMARY: "Standup", RRULE: "FREQ=DAILY;COUNT=5" };
    const base = vevent("series-1", master);
    const override = ["BEGIN:VEVENT", "UID:series-1", "DTSTAMP:20240102T000000Z", "RECURRENCE-ID:20240106T090000Z", "DTSTART:20240106T110000Z", "DTEND:20240106T120000Z", "SUMMARY:Standup (moved)", "END:VEVENT"];
    const local = vevent("series-1", master, override);
    const r = mergeItem({ uid: "series-1", base: { local: base, remote: base }, local, remote: base, policy: "remote-wins" });
    expect(r.remoteChanged).toBe(true);
    const added = parseVObject(r.remote).children.filter((c) => c.name === "VEVENT")[1]!;
    expect(added.lines.map((l) => l.name)).toEqual(expect.arrayContaining(["UID", "DTSTAMP", "RECURRENCE-ID", "DTSTART", "SUMMARY"]));
    expect(added.lines.find((l) => l.name === "UID")!.value).toBe("series-1");
  });
});

describe("per-value merge of every multi-valued card property", () => {
  const cases: Array<[string, string, string, string]> = [
    // property, a value, the first value edited, a value added
    ["TEL", "TEL;TYPE=work:+1 555 0100", "TEL;TYPE=work:+1 555 0199", "TEL;TYPE=cell:+1 555 0142"],
    ["ADR", "ADR;TYPE=work:;;Main St 1;Town;;123;", "ADR;TYPE=work:;;Main St 2;Town;;123;", "ADR;TYPE=home:;;Elm St 5;Town;;124;"],
    ["IMPP", "IMPP;TYPE=work:xmpp:ada@example.com", "IMPP;TYPE=work:xmpp:ada@example.org", "IMPP;TYPE=home:sip:ada@example.com"],
    ["URL", "URL;TYPE=work:https://example.com/ada", "URL;TYPE=work:https://example.org/ada", "URL;TYPE=home:https://ada.example"],
    ["RELATED", "RELATED;TYPE=spouse;VALUE=text:Bob", "RELATED;TYPE=spouse;VALUE=text:Robert", "RELATED;TYPE=child;VALUE=text:Carol"],
  ];
  for (const [name, value, edited, added] of cases) {
    it(`${name}: one side edits a value, the other adds one, both survive on both sides`, () => {
      const base = card([value]);
      const r = merge(base, card([edited]), card([value, added]));
      expect(r.conflicts).toEqual([]);
      const want = [edited, added].map((l) => l.slice(name.length + 1)).sort();
      expect(linesOf(r.local, name).sort()).toEqual(want);
      expect(linesOf(r.remote, name).sort()).toEqual(want);
    });
  }
});

describe("a UID tag changes no property (the journal of a tag keeps `changed: []` without parsing)", () => {
  it("holds for a card with or without a UID, a task and a series with an override", async () => {
    const { withUid } = await import("@ewsdav/vobject");
    const texts = [
      "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nN:L;A;;;\r\nEMAIL:a@x\r\nEMAIL:b@x\r\nEND:VCARD\r\n",
      "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:taken\r\nFN:Ada\r\nEND:VCARD\r\n",
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTODO\r\nDTSTAMP:20200101T000000Z\r\nSUMMARY:t\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20200101T000000Z\r\nDTSTART:20200101T100000Z\r\nRRULE:FREQ=DAILY\r\nSUMMARY:t\r\nEND:VEVENT\r\n" +
        "BEGIN:VEVENT\r\nUID:a\r\nRECURRENCE-ID:20200102T100000Z\r\nDTSTAMP:20200101T000000Z\r\nDTSTART:20200102T110000Z\r\nSUMMARY:t2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    ];
    for (const text of texts) expect(changedProperties(text, withUid(text, "ewsdav-tagged"))).toEqual([]);
  });
});
