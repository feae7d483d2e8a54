/**
 * Resuming side effects a dead process (or a cut cycle) left in the journal: a pure function from
 * the journal, the state's records and what the sides hold now to the record each journaled item
 * should be planned from. The rules are those of {@link JournalEntry} ("Resume rules").
 *
 * @module
 */
import { compareWritten, restrictToPropertiesOf } from "./merge.js";
import type { Snapshot, SlotChanges } from "./plan.js";
import { otherSlot, SLOTS, type ItemRecord, type JournalEntry, type Slot, type SlotState } from "./state.js";

/** What {@link resolveJournal} needs. */
export interface ResumeInput {
  journal: readonly JournalEntry[];
  records: readonly ItemRecord[];
  /** What this cycle read on each slot: both change feeds from the old cursors, and the journaled items by id. */
  changes: Record<Slot, SlotChanges>;
  /** Hashes a text with the pair's normaliser. */
  hash(text: string): string;
}

/** How one journaled write is found on its slot. */
export type WriteStatus = "done" | "not-done" | "unknown";

/** What became of one journaled item. */
export interface Resumption {
  uid: string;
  /**
   * `adopted`: every write of its action happened, and `record` is what the action would have stored;
   * `redo`: none happened, the previous record stays and the plan does it again; `unknown`: the
   * previous record stays and the plan settles it (see the resume rules).
   */
  outcome: "adopted" | "redo" | "unknown";
  /** The record to plan from (and to store, when adopted). */
  record: ItemRecord | null;
  /** Per journaled slot, how its write was found. */
  writes: Partial<Record<Slot, WriteStatus>>;
  /** Ids of the adopted record found deleted since (a tagged item): the caller lists them as deletions for the plan. */
  deletedSince: Partial<Record<Slot, string>>;
}

interface Found {
  status: WriteStatus;
  state?: SlotState | null;
  /** The item was found deleted since the write: the plan is to see that deletion. */
  deletedSince?: boolean;
}

/** Classifies one journaled write from what its slot holds now. */
function classify(entry: JournalEntry, previous: ItemRecord | null, records: readonly ItemRecord[], changes: SlotChanges, hash: (text: string) => string): Found {
  const detail = entry.detail;
  if (!detail) return { status: "unknown" };
  const slot = entry.slot;
  if (entry.op === "create") {
    // The create happened if an item with the entry's UID is on the slot that no other record holds.
    const heldByOthers = new Set(records.filter((r) => r.uid !== entry.uid && r[slot]).map((r) => r[slot]!.id));
    const before = previous?.[slot]?.id;
    const snap = changes.changed.find((c) => c.uid === entry.uid && !heldByOthers.has(c.id) && c.id !== before);
    if (!snap) return { status: "not-done" };
    const state = adoptedState(snap, detail.written!, null, hash);
    return state ? { status: "done", state } : { status: "unknown" };
  }
  const id = entry.itemId;
  if (id === null) return { status: "unknown" };
  const snap = changes.changed.find((c) => c.id === id);
  const gone = !snap && changes.deleted.includes(id);
  const before = previous?.[slot] ?? null;
  if (entry.op === "delete") {
    if (gone) return { status: "done", state: null };
    if (!snap) return { status: "unknown" };
    const untouched = (detail.expectedVersion !== null && snap.version === detail.expectedVersion) || (before !== null && snap.hash === before.hash);
    return { status: untouched ? "not-done" : "unknown" };
  }
  // update, tag
  if (gone && entry.op === "tag") {
    // A tag writes no one's change, so a tagged item found deleted was deleted by the user, before or
    // after the tag: the action is adopted with the item as tagged, and its deletion is planned.
    return { status: "done", state: { id, version: detail.expectedVersion, hash: detail.written!.hash, text: detail.written!.text }, deletedSince: true };
  }
  if (!snap) return { status: "unknown" }; // gone (deleted before or after the write), or not read
  if (detail.expectedVersion !== null && snap.version === detail.expectedVersion) return { status: "not-done" };
  const written = detail.written!;
  if (snap.hash === written.hash) return { status: "done", state: adoptedState(snap, written, before, hash) };
  if (before !== null && snap.hash === before.hash && detail.expectedVersion === null) return { status: "not-done" };
  const state = adoptedState(snap, written, before, hash);
  return state ? { status: "done", state } : { status: "unknown" };
}

/**
 * The slot state of a write found done: the item as found, with as base what it holds — or, when
 * it holds the write only in part (a lossy side, or an edit made there since), the written text
 * restricted to the properties it has. `null` when the item does not carry the write.
 */
function adoptedState(snap: Snapshot, written: { text: string; hash: string }, before: SlotState | null, hash: (text: string) => string): SlotState | null {
  const at = (text: string): SlotState => ({ id: snap.id, version: snap.version, hash: text === snap.text ? snap.hash : hash(text), text });
  if (snap.hash === written.hash) return at(snap.text);
  let comparison: ReturnType<typeof compareWritten>;
  try {
    comparison = compareWritten(snap.text, written.text, before?.text ?? null);
  } catch {
    return null; // unreadable: not ours to judge
  }
  if (comparison === "same") return at(snap.text);
  // A create found by its UID is ours whatever it holds now; an update must show what it wrote.
  if (comparison === "differs" && before !== null) return null;
  return at(restrictToPropertiesOf(written.text, snap.text));
}

/**
 * Resolves the journal: for each journaled item, whether its action is adopted (every write done),
 * done again (none done), or left to the plan (anything else), and the record to plan it from.
 * Items whose entries predate the resume rules are left to the plan.
 */
export function resolveJournal(input: ResumeInput): Resumption[] {
  const byUid = new Map<string, JournalEntry[]>();
  for (const entry of input.journal) byUid.set(entry.uid, [...(byUid.get(entry.uid) ?? []), entry]);
  const records = new Map(input.records.map((r) => [r.uid, r]));
  const out: Resumption[] = [];
  for (const [uid, entries] of byUid) {
    const previous = records.get(uid) ?? null;
    const writes: Partial<Record<Slot, WriteStatus>> = {};
    const found: Partial<Record<Slot, Found>> = {};
    for (const entry of entries) {
      let f: Found;
      try {
        f = classify(entry, previous, input.records, input.changes[entry.slot], input.hash);
      } catch {
        f = { status: "unknown" };
      }
      found[entry.slot] = f;
      writes[entry.slot] = f.status;
    }
    const statuses = entries.map((e) => found[e.slot]!.status);
    // Every write the action makes must be journaled here (a merge's second write may not have begun).
    const complete = entries.every((e) => !e.detail?.writesOther || found[otherSlot(e.slot)] !== undefined);
    if (complete && statuses.every((s) => s === "done")) {
      const record: ItemRecord = { uid, local: null, remote: null };
      for (const slot of SLOTS) {
        const f = found[slot];
        if (f) record[slot] = f.state ?? null;
        else record[slot] = entries.find((e) => e.slot === otherSlot(slot))!.detail!.other;
      }
      const deletedSince: Partial<Record<Slot, string>> = {};
      for (const slot of SLOTS) if (found[slot]?.deletedSince && record[slot]) deletedSince[slot] = record[slot]!.id;
      out.push({ uid, outcome: "adopted", record: record.local || record.remote ? record : null, writes, deletedSince });
    } else {
      out.push({ uid, outcome: statuses.every((s) => s === "not-done") ? "redo" : "unknown", record: previous, writes, deletedSince: {} });
    }
  }
  return out;
}
