import { describe, expect, it } from "vitest";
import { prop, vcard, vevent } from "../fixtures.test-support.js";
import { mergeItem, modifiedStamp } from "./merge.js";
import { defaultNormaliser, hashItem } from "./normalise.js";
import { assignedUid, plan, type PlanPolicy, type Snapshot } from "./plan.js";
import type { ItemRecord, Slot } from "./state.js";
import { fold, parseVObject, serializeVObject, uidOfText, unfold, VObjectError, withUid } from "./vobject.js";

const policy: PlanPolicy = { conflict: "remote-wins", deleteVersusModify: "modification-wins", tagWrites: true, writable: { local: true, remote: true } };
const h = (text: string) => hashItem(defaultNormaliser, text);
const snap = (id: string, text: string, version = "v1"): Snapshot => ({ id, version, uid: uidOfText(text), text, hash: h(text) });
const rec = (uid: string, local: string | null, remote: string | null): ItemRecord => ({
  uid,
  local: local === null ? null : { id: `L-${uid}`, version: "v0", hash: h(local), text: local },
  remote: remote === null ? null : { id: `R-${uid}`, version: "v0", hash: h(remote), text: remote },
});
const none = () => ({ local: { changed: [] as Snapshot[], deleted: [] as string[] }, remote: { changed: [] as Snapshot[], deleted: [] as string[] } });

describe("vobject reader", () => {
  it("unfolds, reads groups, quoted parameters and values with colons, and writes folded lines back", () => {
    const text = "BEGIN:VCARD\r\nVERSION:4.0\r\nitem1.EMAIL;TYPE=\"a:b;c\":x@y\r\nNOTE:one\r\n  two:three\r\nEND:VCARD\r\n";
    const root = parseVObject(text);
    expect(root.lines[1]).toEqual({ name: "EMAIL", group: "item1", params: 'TYPE="a:b;c"', value: "x@y" });
    expect(root.lines[2]!.value).toBe("one two:three");
    const long = `NOTE:${"é".repeat(100)}`;
    const folded = fold(long);
    expect(folded.split("\r\n ").every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
    expect(unfold(folded)).toEqual([long]);
    expect(parseVObject(serializeVObject(root))).toEqual(root);
  });

  it("rejects malformed text with a typed error naming the line", () => {
    expect(() => parseVObject("BEGIN:VCARD\r\nFN:x\r\nEND:VCALENDAR\r\n")).toThrow(VObjectError);
    expect(() => parseVObject("BEGIN:VCARD\r\nno colon here\r\nEND:VCARD")).toThrow(/line 2/);
    expect(() => parseVObject("")).toThrow(/no component/);
  });

  it("reads and sets UIDs of cards and of every instance of an event", () => {
    expect(uidOfText(vcard("a b/c", { FN: "x" }))).toBe("a b/c");
    const exception = "BEGIN:VEVENT\r\nRECURRENCE-ID:20240102T090000Z\r\nSUMMARY:moved\r\nEND:VEVENT";
    const tagged = withUid(vevent(null, { SUMMARY: "s" }, [exception]), "new-uid");
    expect(tagged.match(/UID:new-uid/g)).toHaveLength(2);
    expect(uidOfText(vevent(null, { SUMMARY: "s" }))).toBeNull();
  });

  it("normalises away order, folding, case of names and volatile properties", () => {
    const a = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ada\r\nNOTE:n\r\nREV:2024\r\nPRODID:x\r\nEND:VCARD\r\n";
    const b = "begin:VCARD\r\nnote:n\r\nVERSION:4.0\r\nF\r\n N:Ada\r\nREV:2025\r\nEND:VCARD\r\n";
    expect(h(a)).toBe(h(b));
    expect(h(a)).not.toBe(h(a.replace("NOTE:n", "NOTE:m")));
  });
});

describe("three-way merge", () => {
  it("applies each side's changes onto the other and keeps properties only one side holds", () => {
    const base = vcard("u", { FN: "A", NOTE: "0", TITLE: "0" });
    const local = vcard("u", { FN: "A", NOTE: "1", TITLE: "0" }, ["X-LOCAL-ONLY:keep", "EMAIL:a@x", "EMAIL:b@x"]);
    const remoteBase = vcard("u", { FN: "A", NOTE: "0", TITLE: "0" });
    const remote = vcard("u", { FN: "A", NOTE: "0", TITLE: "2" });
    const r = mergeItem({ uid: "u", base: { local: vcard("u", { FN: "A", NOTE: "0", TITLE: "0" }, ["X-LOCAL-ONLY:keep"]), remote: remoteBase }, local, remote, policy: "remote-wins" });
    void base;
    expect(r.conflicts).toEqual([]);
    expect(prop(r.local, "TITLE")).toBe("2");
    expect(prop(r.remote, "NOTE")).toBe("1");
    expect(r.remote).toContain("EMAIL:a@x");
    expect(r.remote).not.toContain("X-LOCAL-ONLY");
    expect(r.local).toContain("X-LOCAL-ONLY:keep");
  });

  it("merges an added occurrence exception and reports a same-property conflict with the winner", () => {
    const base = vevent("e", { SUMMARY: "s", LOCATION: "x" });
    const exception = "BEGIN:VEVENT\r\nUID:e\r\nRECURRENCE-ID:20240102T090000Z\r\nSUMMARY:moved\r\nEND:VEVENT";
    const local = vevent("e", { SUMMARY: "local", LOCATION: "x" }, [exception]);
    const remote = vevent("e", { SUMMARY: "remote", LOCATION: "y" });
    const r = mergeItem({ uid: "e", base: { local: base, remote: base }, local, remote, policy: "local-wins" });
    expect(r.conflicts).toMatchObject([{ property: "SUMMARY", winner: "local", local: ["SUMMARY:local"], remote: ["SUMMARY:remote"], base: ["SUMMARY:s"] }]);
    expect(r.remote).toContain("RECURRENCE-ID:20240102T090000Z");
    expect(prop(r.remote, "SUMMARY")).toBe("local");
    expect(prop(r.local, "LOCATION")).toBe("y");
    expect(r.localChanged && r.remoteChanged).toBe(true);
  });

  it("never carries a format property (VERSION) from one side to the other", () => {
    const local = vcard("u", { FN: "A" }).replace("VERSION:4.0", "VERSION:3.0");
    const remote = vcard("u", { FN: "B" });
    const r = mergeItem({ uid: "u", base: { local: null, remote: null }, local, remote, policy: "remote-wins" });
    expect(r.conflicts.map((c) => c.property)).toEqual(["FN"]);
    expect(prop(r.local, "VERSION")).toBe("3.0");
    expect(prop(r.local, "FN")).toBe("B");
  });

  it("reads LAST-MODIFIED / REV for newest-wins", () => {
    expect(modifiedStamp(vcard("u", { REV: "2024-03-01T10:00:00Z" }))).toBe("20240301100000");
    expect(modifiedStamp(vcard("u", { FN: "x" }))).toBe("");
  });
});

describe("planner", () => {
  it("creates on the other side, once per new item", () => {
    const c = none();
    c.local.changed.push(snap("l1", vcard("a", { FN: "A" })));
    c.remote.changed.push(snap("r1", vcard("b", { FN: "B" })));
    const actions = plan({ records: [], changes: c, policy });
    expect(actions.map((a) => [a.kind, a.uid, a.writes.map((w) => `${w.op}:${w.slot}`)])).toEqual([
      ["create", "a", ["create:remote"]],
      ["create", "b", ["create:local"]],
    ]);
  });

  it("pairs by UID and by content hash where the UID is missing, and tags the UID-less item", () => {
    const c = none();
    c.local.changed.push(snap("l1", vcard("a", { FN: "A" })), snap("l2", vcard(null, { FN: "Twin" })));
    c.remote.changed.push(snap("r1", vcard("a", { FN: "A" })), snap("r2", vcard("t", { FN: "Twin" })));
    const actions = plan({ records: [], changes: c, policy });
    expect(actions.map((a) => [a.kind, a.uid, a.writes.map((w) => `${w.op}:${w.slot}`)])).toEqual([
      ["pair", "a", []],
      ["pair", "t", ["tag:local"]],
    ]);
    expect(plan({ records: [], changes: c, policy: { ...policy, tagWrites: false } })[1]!.writes).toEqual([]);
  });

  it("assigns a stable UID to an item without one", () => {
    const c = none();
    c.local.changed.push(snap("l9", vcard(null, { FN: "x" })));
    const [a] = plan({ records: [], changes: c, policy });
    expect(a!.uid).toBe(assignedUid("local", "l9"));
    expect(a!.writes.map((w) => w.op)).toEqual(["create", "tag"]);
    expect(uidOfText((a!.writes[0] as { text: string }).text)).toBe(a!.uid);
  });

  it("follows the decision table for known items", () => {
    const t0 = vcard("u", { FN: "0" });
    const t1 = vcard("u", { FN: "1" });
    const cases: Array<[string, Partial<Record<Slot, "same" | "mod" | "del">>, string, string[]]> = [
      ["nothing changed", {}, "-", []],
      ["local modified", { local: "mod" }, "update", ["update:remote"]],
      ["remote modified", { remote: "mod" }, "update", ["update:local"]],
      ["local deleted", { local: "del" }, "delete", ["delete:remote"]],
      ["both deleted", { local: "del", remote: "del" }, "nothing", []],
      ["deleted vs modified", { local: "del", remote: "mod" }, "create", ["create:local"]],
      ["both modified the same way", { local: "mod", remote: "mod" }, "nothing", []],
    ];
    for (const [name, what, kind, writes] of cases) {
      const c = none();
      for (const slot of ["local", "remote"] as const) {
        const id = `${slot === "local" ? "L" : "R"}-u`;
        if (what[slot] === "mod") c[slot].changed.push(snap(id, t1, "v2"));
        if (what[slot] === "del") c[slot].deleted.push(id);
      }
      const actions = plan({ records: [rec("u", t0, t0)], changes: c, policy });
      expect(actions.map((a) => a.kind), name).toEqual(kind === "-" ? [] : [kind]);
      expect(actions.flatMap((a) => a.writes.map((w) => `${w.op}:${w.slot}`)), name).toEqual(writes);
    }
  });

  it("retries a create for a record with one side missing, and never writes to a read-only slot", () => {
    const t = vcard("u", { FN: "0" });
    expect(plan({ records: [rec("u", t, null)], changes: none(), policy }).map((a) => a.kind)).toEqual(["create"]);
    expect(plan({ records: [rec("u", t, null)], changes: none(), policy: { ...policy, writable: { local: true, remote: false } } })).toEqual([]);
  });

  it("newest-wins takes each side's own modification time, else when the state first saw the revision (seenAt)", () => {
    const t0 = vcard("u", { FN: "0" });
    const newest: PlanPolicy = { ...policy, conflict: "newest-wins" };
    const both = (localModified?: string, remoteModified?: string) => {
      const c = none();
      // The texts' own stamps say the opposite of the side's times: they are not read when a time is given.
      c.local.changed.push({ ...snap("L-u", vcard("u", { FN: "local", REV: "20990101T000000Z" }), "v2"), ...(localModified ? { modified: localModified } : {}) });
      c.remote.changed.push({ ...snap("R-u", vcard("u", { FN: "remote" }), "v2"), ...(remoteModified ? { modified: remoteModified } : {}) });
      return c;
    };
    const winner = (c: ReturnType<typeof none>) => plan({ records: [rec("u", t0, t0)], changes: c, policy: newest, now: "2026-12-05T12:00:00.000Z" })[0]!.conflicts[0]!.winner;
    expect(winner(both("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"))).toBe("remote");
    expect(winner(both("2026-01-03T00:00:00Z", "2026-01-02T00:00:00Z"))).toBe("local");
    // A side that gives no time: the cycle's time (when the state first saw it) stands in for it.
    expect(winner(both(undefined, "2026-01-02T00:00:00Z"))).toBe("local");
    expect(winner(both(undefined, "2027-01-02T00:00:00Z"))).toBe("remote");
    // seenAt: kept while a slot's content stays the same, the cycle's time for a new revision.
    const record = rec("u", t0, t0);
    record.remote!.seenAt = "2026-01-01T00:00:00.000Z";
    const c = none();
    c.local.changed.push(snap("L-u", vcard("u", { FN: "1" }), "v2"));
    const [a] = plan({ records: [record], changes: c, policy, now: "2026-12-05T12:00:00.000Z" });
    expect(a!.next!.local!.seenAt).toBe("2026-12-05T12:00:00.000Z");
    expect(a!.next!.remote!.seenAt).toBe("2026-12-05T12:00:00.000Z"); // written now: a new revision
    const c2 = none();
    c2.remote.changed.push(snap("R-u", t0, "v9"));
    const [b] = plan({ records: [record], changes: c2, policy, now: "2026-12-05T12:00:00.000Z" });
    expect(b!.next!.remote).toMatchObject({ version: "v9", seenAt: "2026-01-01T00:00:00.000Z" });
  });

  it("an ETag change without content change only refreshes the stored version", () => {
    const t = vcard("u", { FN: "0" });
    const c = none();
    c.remote.changed.push(snap("R-u", t, "v9"));
    const [a] = plan({ records: [rec("u", t, t)], changes: c, policy });
    expect(a).toMatchObject({ kind: "nothing", writes: [] });
    expect(a!.next!.remote!.version).toBe("v9");
  });
});
