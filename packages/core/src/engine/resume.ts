/**
 * Resuming side effects a dead process (or a cut cycle) left in the journal: a pure function from
 * the journal, the state's records and what the sides hold now to the record each journaled item
 * should be planned from. The rules are those of {@link JournalEntry} ("Resume rules").
 *
 * @module
 */
import { changedProperties, compareWritten, restrictToPropertiesOf, type ChangedProperty } from "./merge.js";
import type { Snapshot, SlotChanges, Write } from "./plan.js";
import { otherSlot, SLOTS, type ItemRecord, type JournaledWrite, type JournalEntry, type Slot, type SlotState } from "./state.js";

/** What {@link resolveJournal} needs. */
export interface ResumeInput {
  journal: readonly JournalEntry[];
  records: readonly ItemRecord[];
  /**
   * What this cycle read on each slot: both change feeds from the old cursors (in full on a slot
   * with a journaled create: a create not found there was not made), and the journaled items by id.
   */
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
   * `complete`: some happened, the others are to be made now (`complete`), then it is adopted;
   * `redo`: none happened, the previous record stays and the plan does it again; `unknown`: the
   * previous record stays and the plan settles it (see the resume rules).
   */
  outcome: "adopted" | "complete" | "redo" | "unknown";
  /** The record to plan from (and to store, when adopted). */
  record: ItemRecord | null;
  /** Per journaled slot, how its write was found. */
  writes: Partial<Record<Slot, WriteStatus>>;
  /** Ids of the adopted record found deleted since (a tagged item): the caller lists them as deletions for the plan. */
  deletedSince: Partial<Record<Slot, string>>;
  /**
   * `complete`: the writes of the action that were not done, to make now; once they succeed, the
   * action is adopted (`record` has the done slots, and placeholders for these).
   */
  complete: Write[];
}

interface Found {
  status: WriteStatus;
  state?: SlotState | null;
  /** The item was found deleted since the write: the plan is to see that deletion. */
  deletedSince?: boolean;
}

/** A slot's changes, indexed: the first item read per id and per UID (in reading order), the ids gone. */
interface IndexedChanges {
  byId: Map<string, Snapshot>;
  byUid: Map<string, Snapshot[]>;
  deleted: Set<string>;
}

function indexChanges(changes: SlotChanges): IndexedChanges {
  const byId = new Map<string, Snapshot>();
  const byUid = new Map<string, Snapshot[]>();
  for (const c of changes.changed) {
    if (!byId.has(c.id)) byId.set(c.id, c);
    if (c.uid === null) continue;
    const list = byUid.get(c.uid);
    if (list) list.push(c);
    else byUid.set(c.uid, [c]);
  }
  return { byId, byUid, deleted: new Set(changes.deleted) };
}

/** Classifies one journaled write from what its slot holds now. */
function classify(
  uid: string,
  slot: Slot,
  w: JournaledWrite,
  previous: ItemRecord | null,
  /** Which record's UID holds each id of this slot. */
  holders: ReadonlyMap<string, string>,
  changes: IndexedChanges,
  hash: (text: string) => string,
): Found {
  if (w.op === "create") {
    // The create happened if an item with the entry's UID is on the slot that no other record holds
    // (the plan created it because the slot had none, so one there now is new — possibly under the
    // same id as a deleted one, on a side that names items after their UID).
    const snap = changes.byUid.get(uid)?.find((c) => (holders.get(c.id) ?? uid) === uid);
    if (!snap) return { status: "not-done" };
    const state = adoptedState(snap, w.written!, w.changed ?? safeChanged(null, w.written!.text) ?? [], true, hash);
    return state ? { status: "done", state } : { status: "unknown" };
  }
  const id = w.itemId;
  if (id === null) return { status: "unknown" };
  const snap = changes.byId.get(id);
  const gone = !snap && changes.deleted.has(id);
  const before = previous?.[slot] ?? null;
  if (w.op === "delete") {
    if (gone) return { status: "done", state: null };
    if (!snap) return { status: "unknown" };
    const untouched = (w.expectedVersion !== null && snap.version === w.expectedVersion) || (before !== null && snap.hash === before.hash);
    return { status: untouched ? "not-done" : "unknown" };
  }
  // update, tag
  if (gone && w.op === "tag") {
    // A tag writes no one's change, so a tagged item found deleted was deleted by the user, before or
    // after the tag: the action is adopted with the item as tagged, and its deletion is planned.
    return { status: "done", state: { id, version: w.expectedVersion, hash: w.written!.hash, text: w.written!.text }, deletedSince: true };
  }
  if (!snap) return { status: "unknown" }; // gone (deleted before or after the write), or not read
  if (w.expectedVersion !== null && snap.version === w.expectedVersion) return { status: "not-done" };
  const written = w.written!;
  if (snap.hash === written.hash) return { status: "done", state: adoptedState(snap, written, [], true, hash) };
  if (before !== null && snap.hash === before.hash && w.expectedVersion === null) return { status: "not-done" };
  const changed = w.changed ?? (before ? safeChanged(before.text, written.text) : null);
  if (!changed) return { status: "unknown" };
  const state = adoptedState(snap, written, changed, false, hash);
  return state ? { status: "done", state } : { status: "unknown" };
}

/**
 * The slot state of a write found done: the item as found, with as base what it holds — or, when
 * it holds the write only in part (a lossy side, or an edit made there since), the written text
 * restricted to the properties it has. `null` when the item does not carry the write.
 */
function adoptedState(
  snap: Snapshot,
  written: { text: string; hash: string },
  changed: readonly ChangedProperty[],
  /** A create found by its UID is ours whatever it holds now; an update must show what it wrote. */
  ours: boolean,
  hash: (text: string) => string,
): SlotState | null {
  // A base that is not what the item holds now gets no version, so the next cycle reads the item
  // (a version of what it holds would say "unchanged" and hide the difference for good).
  const at = (text: string): SlotState => (text === snap.text ? { id: snap.id, version: snap.version, hash: snap.hash, text } : { id: snap.id, version: null, hash: hash(text), text });
  if (snap.hash === written.hash) return at(snap.text);
  let comparison: ReturnType<typeof compareWritten>;
  try {
    comparison = compareWritten(snap.text, written.text, changed);
    if (comparison === "same") return at(snap.text);
    if (comparison === "differs" && !ours) return null;
    return at(restrictToPropertiesOf(written.text, snap.text));
  } catch {
    return null; // unreadable: not ours to judge
  }
}

function safeChanged(replaced: string | null, written: string): ChangedProperty[] | null {
  try {
    return changedProperties(replaced, written);
  } catch {
    return null;
  }
}

/**
 * Resolves the journal: for each journaled item, whether its action is adopted (every write done),
 * to be completed (some done, the others not begun or not done: the caller makes those writes and
 * then adopts the action), done again (none done), or left to the plan (anything else), and the
 * record to plan it from. Items whose entries predate the resume rules are left to the plan.
 */
export function resolveJournal(input: ResumeInput): Resumption[] {
  const byUid = new Map<string, JournalEntry[]>();
  for (const entry of input.journal) {
    const list = byUid.get(entry.uid);
    if (list) list.push(entry);
    else byUid.set(entry.uid, [entry]);
  }
  const changes: Record<Slot, IndexedChanges> = { local: indexChanges(input.changes.local), remote: indexChanges(input.changes.remote) };
  const records = new Map(input.records.map((r) => [r.uid, r]));
  const holders: Record<Slot, Map<string, string>> = { local: new Map(), remote: new Map() };
  for (const r of input.records) for (const slot of SLOTS) if (r[slot]) holders[slot].set(r[slot]!.id, r.uid);
  const out: Resumption[] = [];
  for (const [uid, entries] of byUid) {
    const previous = records.get(uid) ?? null;
    const writes: Partial<Record<Slot, WriteStatus>> = {};
    const found: Partial<Record<Slot, Found & { write: JournaledWrite }>> = {};
    let legible = true;
    for (const entry of entries) {
      if (!entry.detail) {
        legible = false;
        continue;
      }
      const w: JournaledWrite = { op: entry.op, itemId: entry.itemId, written: entry.detail.written, expectedVersion: entry.detail.expectedVersion, ...(entry.detail.changed ? { changed: entry.detail.changed } : {}) };
      let f: Found;
      try {
        f = classify(uid, entry.slot, w, previous, holders[entry.slot], changes[entry.slot], input.hash);
      } catch {
        f = { status: "unknown" };
      }
      found[entry.slot] = { ...f, write: w };
      // The action's write on the other slot never began (its entry would be here): not done, unless
      // what it would have written is already there, or its item is gone.
      const other = otherSlot(entry.slot);
      const ow = entry.detail.otherWrite;
      if (ow && !entries.some((e) => e.slot === other)) {
        let g: Found;
        try {
          g = classify(uid, other, ow, previous, holders[other], changes[other], input.hash);
        } catch {
          g = { status: "unknown" };
        }
        found[other] = { ...g, write: ow };
      }
    }
    for (const slot of SLOTS) if (found[slot]) writes[slot] = found[slot]!.status;
    const statuses = SLOTS.filter((slot) => found[slot]).map((slot) => found[slot]!.status);
    const unwritten = (slot: Slot): SlotState | null => entries.find((e) => e.slot === otherSlot(slot))?.detail?.other ?? null;
    const missingWrite = entries.some((e) => e.detail?.writesOther && !found[otherSlot(e.slot)]);
    if (!legible || missingWrite || statuses.includes("unknown") || statuses.every((s) => s === "not-done")) {
      out.push({ uid, outcome: legible && statuses.every((s) => s === "not-done") ? "redo" : "unknown", record: previous, writes, deletedSince: {}, complete: [] });
      continue;
    }
    const record: ItemRecord = { uid, local: null, remote: null };
    const complete: Write[] = [];
    const deletedSince: Partial<Record<Slot, string>> = {};
    for (const slot of SLOTS) {
      const f = found[slot];
      if (!f) {
        record[slot] = unwritten(slot);
        continue;
      }
      if (f.status === "done") {
        record[slot] = f.state ?? null;
        if (f.deletedSince && f.state) deletedSince[slot] = f.state.id;
        continue;
      }
      // Not done: made again by the caller, as journaled (same text, same precondition).
      const w = f.write;
      const text = w.written?.text ?? "";
      if (w.op === "create") complete.push({ op: "create", slot, uid, text });
      else if (w.op === "delete") complete.push({ op: "delete", slot, id: w.itemId!, version: w.expectedVersion });
      else complete.push({ op: w.op, slot, id: w.itemId!, version: w.expectedVersion, uid, text });
      record[slot] = w.op === "delete" ? null : { id: w.itemId ?? "", version: null, hash: w.written!.hash, text };
    }
    out.push({ uid, outcome: complete.length ? "complete" : "adopted", record: record.local || record.remote ? record : null, writes, deletedSince, complete });
  }
  return out;
}
