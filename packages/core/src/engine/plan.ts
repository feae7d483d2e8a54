/**
 * The planner: a pure function from (state, what changed on each side, policy) to actions.
 *
 * It follows vdirsyncer's `_get_actions` (walk every item either the state or a side knows, decide
 * from its status on each side), changed in three ways: it reads change feeds instead of full
 * listings, so an item no feed mentions is taken as unchanged; it pairs items by UID (and by content
 * hash where a UID is missing) so a first sync, or a sync after the state was lost, pairs what is
 * already on both sides instead of copying it; and when both sides changed it merges property by
 * property against each side's own base instead of picking one whole item.
 *
 * The decision table, per item (`new`: not in the state yet; `same`/`modified`: compared with the
 * hash last synced; `deleted`: gone since; `absent`: never there):
 *
 * | local \ remote  | absent / deleted           | same           | modified        | new          |
 * |-----------------|----------------------------|----------------|-----------------|--------------|
 * | absent/deleted  | forget                     | create L / del R| create L (†)   | create L     |
 * | same            | create R / delete L        | nothing        | update L        | pair/merge   |
 * | modified        | create R (†)               | update R       | merge           | pair/merge   |
 * | new             | create R                   | pair/merge     | pair/merge      | pair/merge   |
 *
 * (†) delete versus modify: the modification survives unless the policy says `deletion-wins`.
 * "pair/merge": equal content pairs with no write; different content merges with no base.
 *
 * @module
 */
import { mergeItem, type ConflictPolicy, type ResolvedConflict } from "./merge.js";
import { sha256 } from "./normalise.js";
import { otherSlot, SLOTS, type ItemRecord, type Slot, type SlotState } from "./state.js";
import { withUid } from "./vobject.js";

/** An item as read from a side for this cycle, with its content hash. */
export interface Snapshot {
  id: string;
  version: string | null;
  /** The UID in the text, or `null` when it has none. */
  uid: string | null;
  text: string;
  hash: string;
  /** The side's own modification time of this revision (`SideItem.modified`), when it gives one. */
  modified?: string;
}

/** What a side reported since the last cycle, with changed items already read. */
export interface SlotChanges {
  changed: Snapshot[];
  deleted: string[];
}

/** How the planner settles what both sides did. */
export interface PlanPolicy {
  conflict: ConflictPolicy;
  /** Deleted on one side, modified on the other: which wins (default: the modification). */
  deleteVersusModify: "modification-wins" | "deletion-wins";
  /** Write an assigned UID back to items that lack one (default true). */
  tagWrites: boolean;
  /** Slots the engine may write to (false for a read-only side). */
  writable: Record<Slot, boolean>;
}

/**
 * One side effect of an action. An update or tag says which text it `replaces` (what the item held
 * when it was read), so the journal can keep which properties the write changes.
 */
export type Write =
  | { op: "create"; slot: Slot; uid: string; text: string }
  | { op: "update"; slot: Slot; id: string; version: string | null; uid: string; text: string; replaces?: string }
  | { op: "tag"; slot: Slot; id: string; version: string | null; uid: string; text: string; replaces?: string }
  | { op: "delete"; slot: Slot; id: string; version: string | null };

/** What an action does, as listed in a plan and in the report. */
export type ActionKind = "create" | "update" | "delete" | "merge" | "conflict" | "pair" | "tag" | "nothing";

/**
 * One planned action for one item: its writes, and the state record to store once they all
 * succeeded (for written slots, the executor fills in the id, version and hash the side answered).
 */
export interface Action {
  kind: ActionKind;
  uid: string;
  writes: Write[];
  previous: ItemRecord | null;
  next: ItemRecord | null;
  conflicts: ResolvedConflict[];
  /** Set when a deletion met a modification on the other side. */
  deleteVersusModify?: { deleted: Slot; winner: "modification" | "deletion" };
}

/** The planner's input. */
export interface PlanInput {
  records: readonly ItemRecord[];
  changes: Record<Slot, SlotChanges>;
  policy: PlanPolicy;
  /**
   * The cycle's time (ISO 8601): the {@link SlotState.seenAt} of revisions first seen now, and the
   * modification time `newest-wins` uses for a side that states none. Default: none kept.
   */
  now?: string;
  /**
   * Ids per slot whose UID tag failed because the item changed meanwhile (the re-plan of that
   * action): read again still without its record's UID, such an item is tagged again.
   */
  retag?: Record<Slot, ReadonlySet<string>>;
}

type Observation = { seen: Snapshot } | { gone: true } | null;

interface Entry {
  uid: string;
  record: ItemRecord | null;
  observed: Record<Slot, Observation>;
  /** The item on this slot lacks the entry's UID (none, or one another item already has). */
  needsTag: Record<Slot, boolean>;
}

type Status = "absent" | "new" | "same" | "modified" | "deleted";

/** The UID the engine gives an item without one: derived from where it lives, so re-planning after a crash gives the same. */
export function assignedUid(slot: Slot, id: string): string {
  return `ewsdav-${sha256(`${slot}\u0000${id}`).slice(0, 32)}`;
}

function toState(s: Snapshot, previous: SlotState | null | undefined, now: string | undefined): SlotState {
  const seenAt = previous && previous.hash === s.hash ? (previous.seenAt ?? now) : now;
  return { id: s.id, version: s.version, hash: s.hash, text: s.text, ...(seenAt !== undefined ? { seenAt } : {}) };
}

function status(entry: Entry, slot: Slot): Status {
  const previous = entry.record?.[slot] ?? null;
  const observed = entry.observed[slot];
  if (observed && "seen" in observed) return !previous ? "new" : observed.seen.hash === previous.hash ? "same" : "modified";
  if (observed) return previous ? "deleted" : "absent";
  return previous ? "same" : "absent";
}

function current(entry: Entry, slot: Slot, now?: string): SlotState | null {
  const observed = entry.observed[slot];
  if (observed && "seen" in observed) return toState(observed.seen, entry.record?.[slot], now);
  if (observed) return null;
  return entry.record?.[slot] ?? null;
}

/** Matches every reported item to a state record (by id, then UID, then hash) or to a new entry. */
function correlate(input: PlanInput): Entry[] {
  const entries = new Map<string, Entry>();
  const byId: Record<Slot, Map<string, string>> = { local: new Map(), remote: new Map() };
  const entry = (uid: string, record: ItemRecord | null = null): Entry => {
    let e = entries.get(uid);
    if (!e) {
      e = { uid, record, observed: { local: null, remote: null }, needsTag: { local: false, remote: false } };
      entries.set(uid, e);
    }
    return e;
  };
  const records = new Map(input.records.map((r) => [r.uid, r]));
  for (const r of input.records) for (const slot of SLOTS) if (r[slot]) byId[slot].set(r[slot]!.id, r.uid);
  for (const slot of SLOTS) {
    for (const id of input.changes[slot].deleted) {
      const uid = byId[slot].get(id);
      if (uid !== undefined) entry(uid, records.get(uid)!).observed[slot] = { gone: true };
    }
  }
  const unmatched: Record<Slot, Snapshot[]> = { local: [], remote: [] };
  for (const slot of SLOTS) {
    for (const snap of input.changes[slot].changed) {
      const known = byId[slot].get(snap.id);
      if (known !== undefined) {
        const e = entry(known, records.get(known)!);
        e.observed[slot] = { seen: snap };
        if (snap.uid !== known && input.retag?.[slot].has(snap.id)) e.needsTag[slot] = true;
        continue;
      }
      if (snap.uid !== null) {
        const e = entries.get(snap.uid) ?? (records.has(snap.uid) ? entry(snap.uid, records.get(snap.uid)!) : null);
        const free = (x: Entry) => !(x.observed[slot] && "seen" in x.observed[slot]!) && (!x.record?.[slot] || x.observed[slot] !== null);
        if (!e) {
          entry(snap.uid).observed[slot] = { seen: snap };
          continue;
        }
        if (free(e)) {
          e.observed[slot] = { seen: snap };
          continue;
        }
      }
      unmatched[slot].push(snap); // no UID, or a UID another item of this side already holds
    }
  }
  // Items without a usable UID: pair by content with an item whose slot is still free, else assign a UID.
  for (const slot of SLOTS) {
    if (unmatched[slot].length === 0) continue;
    const other = otherSlot(slot);
    const freeByHash = new Map<string, Entry>();
    for (const r of input.records) if (!r[slot] && !entries.has(r.uid)) entry(r.uid, r);
    for (const e of entries.values()) {
      const slotFree = !e.record?.[slot] && e.observed[slot] === null;
      const otherState = current(e, other);
      if (slotFree && otherState && !freeByHash.has(otherState.hash)) freeByHash.set(otherState.hash, e);
    }
    for (const snap of unmatched[slot]) {
      const match = freeByHash.get(snap.hash);
      const e = match ?? entry(assignedUid(slot, snap.id));
      if (match) freeByHash.delete(snap.hash);
      e.observed[slot] = { seen: snap };
      e.needsTag[slot] = true;
    }
  }
  // Records with one slot missing (a create that failed or was interrupted) are retried.
  for (const r of input.records) if (!entries.has(r.uid) && (!r.local || !r.remote)) entry(r.uid, r);
  return [...entries.values()];
}

/** Plans one item. */
function decide(e: Entry, policy: PlanPolicy, now?: string): Action | null {
  const s: Record<Slot, Status> = { local: status(e, "local"), remote: status(e, "remote") };
  const cur: Record<Slot, SlotState | null> = { local: current(e, "local", now), remote: current(e, "remote", now) };
  const exists = (slot: Slot) => s[slot] === "new" || s[slot] === "same" || s[slot] === "modified";
  const action: Action = { kind: "nothing", uid: e.uid, writes: [], previous: e.record, next: null, conflicts: [] };
  const next: Record<Slot, SlotState | null> = { ...cur };
  const textFor = (slot: Slot, text: string, forceUid: boolean) =>
    forceUid || (e.needsTag[slot] && policy.tagWrites) ? withUid(text, e.uid) : text;
  const write = (w: Write) => {
    if (!policy.writable[w.slot]) return;
    action.writes.push(w);
    next[w.slot] = w.op === "delete" ? null : { id: "id" in w ? w.id : "", version: null, hash: "", text: w.text, ...(now !== undefined ? { seenAt: now } : {}) };
  };
  const create = (to: Slot) => write({ op: "create", slot: to, uid: e.uid, text: textFor(to, cur[otherSlot(to)]!.text, true) });
  const remove = (from: Slot) => write({ op: "delete", slot: from, id: cur[from]?.id ?? e.record![from]!.id, version: cur[from]?.version ?? e.record![from]!.version });

  if (!exists("local") && !exists("remote")) {
    action.next = null;
    return e.record ? action : null; // both gone: forget
  }
  const only = exists("local") && !exists("remote") ? "local" : !exists("local") && exists("remote") ? "remote" : null;
  if (only) {
    const gone = otherSlot(only);
    if (s[gone] === "deleted" && s[only] === "same") {
      action.kind = "delete";
      remove(only);
    } else if (s[gone] === "deleted" && policy.deleteVersusModify === "deletion-wins") {
      action.kind = "delete";
      action.deleteVersusModify = { deleted: gone, winner: "deletion" };
      remove(only);
    } else {
      action.kind = "create";
      if (s[gone] === "deleted") action.deleteVersusModify = { deleted: gone, winner: "modification" };
      create(gone);
    }
  } else {
    const pairing = s.local === "new" || s.remote === "new";
    if (cur.local!.hash !== cur.remote!.hash && (s.local !== "same" || s.remote !== "same")) {
      const merged = mergeItem({
        uid: e.uid,
        base: pairing ? { local: null, remote: null } : { local: e.record!.local!.text, remote: e.record!.remote!.text },
        local: cur.local!.text,
        remote: cur.remote!.text,
        policy: policy.conflict,
        // Each side's own time of its revision; else when the state first saw it (else unknown).
        modified: { local: modifiedOf(e, "local") ?? cur.local!.seenAt ?? null, remote: modifiedOf(e, "remote") ?? cur.remote!.seenAt ?? null },
      });
      action.conflicts = merged.conflicts;
      for (const slot of SLOTS) {
        if (merged[`${slot}Changed`]) {
          write({ op: "update", slot, id: cur[slot]!.id, version: cur[slot]!.version, uid: e.uid, text: textFor(slot, merged[slot], false), replaces: cur[slot]!.text });
        }
      }
      const written = action.writes.length;
      action.kind = merged.conflicts.length ? "conflict" : written === 2 ? "merge" : written === 1 ? "update" : pairing ? "pair" : "nothing";
    } else if (pairing) {
      action.kind = "pair";
    }
  }
  // Write the UID back to a slot that lacks it, unless this action already writes that slot.
  for (const slot of SLOTS) {
    const item = cur[slot];
    if (!e.needsTag[slot] || !policy.tagWrites || !item || next[slot] === null || action.writes.some((w) => w.slot === slot)) continue;
    write({ op: "tag", slot, id: item.id, version: item.version, uid: e.uid, text: withUid(item.text, e.uid), replaces: item.text });
    if (action.kind === "nothing") action.kind = "tag";
  }
  action.next = next.local || next.remote ? { uid: e.uid, local: next.local, remote: next.remote } : null;
  if (action.writes.length === 0 && sameRecord(e.record, action.next)) return null;
  return action;
}

/** The modification time the side gave for the revision observed on a slot this cycle. */
function modifiedOf(e: Entry, slot: Slot): string | undefined {
  const observed = e.observed[slot];
  return observed && "seen" in observed ? observed.seen.modified : undefined;
}

function sameRecord(a: ItemRecord | null, b: ItemRecord | null): boolean {
  if (!a || !b) return a === b;
  return SLOTS.every((slot) => {
    const x = a[slot];
    const y = b[slot];
    return !x || !y ? x === y : x.id === y.id && x.version === y.version && x.hash === y.hash && x.text === y.text;
  });
}

/** Plans a cycle: one action per item that needs a write or a state change, in a stable order. */
export function plan(input: PlanInput): Action[] {
  const actions: Action[] = [];
  for (const e of correlate(input)) {
    const action = decide(e, input.policy, input.now);
    if (action) actions.push(action);
  }
  return actions;
}
