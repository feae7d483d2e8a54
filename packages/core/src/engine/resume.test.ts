/**
 * The journal's resume rules, on the pure function: how each journaled write is found (done, not
 * done, unknown) from what the slot holds, and what record the item is planned from.
 */
import { describe, expect, it } from "vitest";
import { vcard } from "../fixtures.test-support.js";
import { changedProperties, compareWritten, restrictToPropertiesOf } from "./merge.js";
import { defaultNormaliser, hashItem } from "./normalise.js";
import type { Snapshot, SlotChanges } from "./plan.js";
import { resolveJournal } from "./resume.js";
import type { ItemRecord, JournalDetail, JournalEntry, Slot, SlotState } from "./state.js";

const hash = (text: string) => hashItem(defaultNormaliser, text);
const state = (id: string, version: string | null, text: string): SlotState => ({ id, version, hash: hash(text), text });
const snap = (id: string, version: string | null, text: string, uid: string | null = "u"): Snapshot => ({ id, version, uid, text, hash: hash(text) });
const none = (): Record<Slot, SlotChanges> => ({ local: { changed: [], deleted: [] }, remote: { changed: [], deleted: [] } });

const base = vcard("u", { FN: "A", TITLE: "t0" });
const edited = vcard("u", { FN: "A", TITLE: "t1" });
const synced: ItemRecord = { uid: "u", local: state("l1", "lv1", base), remote: state("r1", "rv1", base) };

function entry(slot: Slot, op: JournalEntry["op"], itemId: string | null, detail: Partial<JournalDetail> & Pick<JournalDetail, "written">): JournalEntry {
  return {
    pairId: "p",
    uid: "u",
    slot,
    op,
    itemId,
    startedAt: "t",
    detail: { expectedVersion: null, writesOther: false, other: null, ...detail },
  };
}

describe("resolveJournal", () => {
  const updateRemote = (changes: Record<Slot, SlotChanges>) =>
    resolveJournal({
      journal: [
        entry("remote", "update", "r1", {
          written: { text: edited, hash: hash(edited) },
          expectedVersion: "rv1",
          changed: changedProperties(base, edited),
          other: state("l1", "lv2", edited),
        }),
      ],
      records: [synced],
      changes,
      hash,
    })[0]!;

  it("adopts an update found written: the written slot as found, the other as the action would record it", () => {
    const c = none();
    c.remote.changed.push(snap("r1", "rv2", edited));
    const r = updateRemote(c);
    expect(r.outcome).toBe("adopted");
    expect(r.record).toEqual({ uid: "u", local: state("l1", "lv2", edited), remote: state("r1", "rv2", edited) });
  });

  it("plans an update again when the item still has the version the write required", () => {
    const c = none();
    c.remote.changed.push(snap("r1", "rv1", base));
    expect(updateRemote(c)).toMatchObject({ outcome: "redo", record: synced, writes: { remote: "not-done" } });
  });

  it("adopts an update that an edit of another property followed, with the written text as base (the edit stays an edit)", () => {
    const c = none();
    const later = vcard("u", { FN: "A", TITLE: "t1", NOTE: "added there" });
    c.remote.changed.push(snap("r1", "rv3", later));
    const r = updateRemote(c);
    expect(r.outcome).toBe("adopted");
    // No version: the base is not what the item holds, so the next cycle reads it and sees the edit.
    expect(r.record!.remote).toMatchObject({ id: "r1", version: null });
    expect(r.record!.remote!.hash).toBe(hash(edited));
  });

  it("leaves to the plan an item changed in a way the write does not explain, or gone", () => {
    const c = none();
    c.remote.changed.push(snap("r1", "rv3", vcard("u", { FN: "A", TITLE: "someone else" })));
    expect(updateRemote(c)).toMatchObject({ outcome: "unknown", record: synced });
    const gone = none();
    gone.remote.deleted.push("r1");
    expect(updateRemote(gone)).toMatchObject({ outcome: "unknown", record: synced });
  });

  it("finds a create by its UID among the items the state does not know; a lossy copy gets the written text it holds as base", () => {
    const written = vcard("n", { FN: "N", TITLE: "x" }, ["X-ONLY-LOCAL:1"]);
    const stored = vcard("n", { FN: "N", TITLE: "x" });
    const source = state("l9", "lv9", written);
    const journal: JournalEntry[] = [{ ...entry("remote", "create", null, { written: { text: written, hash: hash(written) }, changed: changedProperties(null, written), other: source }), uid: "n" }];
    const c = none();
    c.remote.changed.push(snap("r9", "rv9", stored, "n"), snap("r1", "rv1", base, "u"));
    const [r] = resolveJournal({ journal, records: [synced], changes: c, hash });
    expect(r).toMatchObject({ uid: "n", outcome: "adopted", record: { uid: "n", local: source, remote: { id: "r9", version: "rv9" } } });
    expect(r!.record!.remote!.text).not.toContain("X-ONLY-LOCAL");
    expect(resolveJournal({ journal, records: [synced], changes: none(), hash })[0]).toMatchObject({ outcome: "redo", record: null });
  });

  it("adopts a delete whose item is gone (the record is forgotten), plans it again when the item is untouched", () => {
    const journal = [entry("remote", "delete", "r1", { written: null, expectedVersion: "rv1", other: null })];
    const gone = none();
    gone.remote.deleted.push("r1");
    expect(resolveJournal({ journal, records: [synced], changes: gone, hash })[0]).toMatchObject({ outcome: "adopted", record: null });
    const there = none();
    there.remote.changed.push(snap("r1", "rv1", base));
    expect(resolveJournal({ journal, records: [synced], changes: there, hash })[0]).toMatchObject({ outcome: "redo", record: synced });
    const changed = none();
    changed.remote.changed.push(snap("r1", "rv2", edited));
    expect(resolveJournal({ journal, records: [synced], changes: changed, hash })[0]).toMatchObject({ outcome: "unknown" });
  });

  it("adopts a tag whose item was deleted since, and says so, so that the plan carries the deletion", () => {
    const tagged = vcard("u", { FN: "A", TITLE: "t0" });
    const untagged = vcard(null, { FN: "A", TITLE: "t0" });
    const journal = [
      entry("remote", "tag", "r5", {
        written: { text: tagged, hash: hash(tagged) },
        expectedVersion: "rv5",
        changed: changedProperties(untagged, tagged),
        writesOther: true,
        otherWrite: { op: "create", itemId: null, written: { text: tagged, hash: hash(tagged) }, expectedVersion: null },
      }),
      entry("local", "create", null, { written: { text: tagged, hash: hash(tagged) }, writesOther: true }),
    ];
    const c = none();
    c.remote.deleted.push("r5");
    c.local.changed.push(snap("l5", "lv5", tagged));
    const [r] = resolveJournal({ journal, records: [], changes: c, hash });
    expect(r).toMatchObject({ outcome: "adopted", record: { local: { id: "l5" }, remote: { id: "r5" } }, deletedSince: { remote: "r5" } });
  });

  it("completes a two-slot action whose second write never began, with the write it journaled", () => {
    const local = vcard("u", { FN: "A", TITLE: "t0", NOTE: "from remote" });
    const remote = vcard("u", { FN: "A", TITLE: "t1", NOTE: "from remote" });
    const journal = [
      entry("local", "update", "l1", {
        written: { text: local, hash: hash(local) },
        expectedVersion: "lv1",
        writesOther: true,
        otherWrite: { op: "update", itemId: "r1", written: { text: remote, hash: hash(remote) }, expectedVersion: "rv2" },
      }),
    ];
    const c = none();
    c.local.changed.push(snap("l1", "lv3", local));
    c.remote.changed.push(snap("r1", "rv2", vcard("u", { FN: "A", TITLE: "t0", NOTE: "from remote" })));
    const [r] = resolveJournal({ journal, records: [synced], changes: c, hash });
    expect(r).toMatchObject({ outcome: "complete", writes: { local: "done", remote: "not-done" } });
    expect(r!.complete).toEqual([{ op: "update", slot: "remote", id: "r1", version: "rv2", uid: "u", text: remote }]);
    expect(r!.record!.local).toEqual(state("l1", "lv3", local));
  });

  it("leaves an entry written before the resume rules (no detail) to the plan", () => {
    const c = none();
    c.remote.changed.push(snap("r1", "rv2", edited));
    const old: JournalEntry = { pairId: "p", uid: "u", slot: "remote", op: "update", itemId: "r1", startedAt: "t" };
    expect(resolveJournal({ journal: [old], records: [synced], changes: c, hash })[0]).toMatchObject({ outcome: "unknown", record: synced });
  });
});

describe("comparing what a slot holds with what was written to it", () => {
  it("sees the same properties through a change of format, a write carried with a later edit elsewhere, and a write not carried", () => {
    const written = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\nFN:A\r\nTITLE:t1\r\nEND:VCARD\r\n";
    expect(compareWritten(vcard("u", { FN: "A", TITLE: "t1" }), written, changedProperties(null, written))).toBe("same");
    const changed = changedProperties(base, edited);
    expect(compareWritten(vcard("u", { FN: "A", TITLE: "t1", NOTE: "n" }), edited, changed)).toBe("carries");
    expect(compareWritten(vcard("u", { FN: "A", TITLE: "t2" }), edited, changed)).toBe("differs");
  });

  it("restricts a written text to the properties the slot holds", () => {
    const written = vcard("u", { FN: "A", TITLE: "t1" }, ["X-LOCAL:kept"]);
    const restricted = restrictToPropertiesOf(written, vcard("u", { FN: "A", TITLE: "t9" }));
    expect(restricted).toContain("TITLE:t1");
    expect(restricted).not.toContain("X-LOCAL");
  });
});
