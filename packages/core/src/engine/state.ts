/**
 * The correlation state: what the engine remembers between cycles. Per linked pair, both
 * cursors and the ids to re-read next cycle; per item, its UID and, for each slot, where it
 * lives, its revision, the hash of its normalised content and the content itself (the base of
 * the next three-way merge); a journal of side effects in flight.
 *
 * Stores apply a list of {@link StateOp} all or nothing, which maps onto one SQL transaction
 * in SQLite and PostgreSQL alike, and onto an undo log in memory.
 *
 * @module
 */
import type { CollectionKind } from "./side.js";

/** The two ends of a pair. `remote` is the server being mirrored (EWS), `local` its counterpart. */
export type Slot = "local" | "remote";

/** The two slots, in a stable order. */
export const SLOTS: readonly Slot[] = ["local", "remote"];

/** The other slot. */
export function otherSlot(slot: Slot): Slot {
  return slot === "local" ? "remote" : "local";
}

/** One end of a pair: a collection on a side. */
export interface Endpoint {
  /** The {@link SyncSide.name} of the side. */
  side: string;
  /** The collection id on that side. */
  collection: string;
}

/** A linked pair of collections of the same kind and what the engine remembers of it. */
export interface PairRecord {
  id: string;
  kind: CollectionKind;
  local: Endpoint;
  remote: Endpoint;
  /** The change cursors last stored for each slot (`null`: next feed is a full listing). */
  cursors: Record<Slot, string | null>;
  /** Item ids to re-read next cycle, per slot (failed items, interrupted side effects). */
  pending: Record<Slot, string[]>;
}

/** What the state knows of one item on one slot, as of the last time both sides agreed. */
export interface SlotState {
  id: string;
  version: string | null;
  /** Hash of the normalised `text`. */
  hash: string;
  /** The content as last seen on this slot: the base of the next three-way merge. */
  text: string;
  /**
   * When the state first saw this revision (ISO 8601; the cycle's clock), kept while the hash stays
   * the same: the modification time `newest-wins` uses for a side that states none
   * (`SideItem.modified`). Absent in records stored before it was kept.
   */
  seenAt?: string;
  /**
   * Set when the state learned of this item after the slot's stored cursor — the engine created it,
   * read it by id because a notification named it, or first saw it in a feed whose cursor the cycle
   * has not stored yet (it is cleared in the write that stores that cursor, so a cycle killed before
   * leaves it set) — and no stored cursor covers it yet. A feed reports every item created since its cursor that still exists, so an
   * incremental feed that does not mention it suggests it was created and deleted within the
   * window (RFC 6578 allows a server to leave such members out; SyncFolderItems never knew it):
   * the engine then reads it by id, and treats it as deleted when it is gone.
   */
  unconfirmed?: boolean;
}

/** One correlated item of a pair. At least one slot is set. */
export interface ItemRecord {
  uid: string;
  local: SlotState | null;
  remote: SlotState | null;
}

/** The side effects the executor journals. */
export type JournalOp = "create" | "update" | "tag" | "delete";

/** A write of an action as the journal keeps it (see {@link JournalDetail.otherWrite}). */
export interface JournaledWrite {
  op: JournalOp;
  itemId: string | null;
  written: { text: string; hash: string } | null;
  expectedVersion: string | null;
  changed?: Array<{ key: string; added: boolean }>;
}

/**
 * What a journaled side effect writes, and what its action will record once it is done: enough for
 * the next cycle to tell, from what the slot holds then, whether the effect happened, and to take
 * it as synced if it did (see "Resume rules" on {@link JournalEntry}).
 */
export interface JournalDetail {
  /** create, update, tag: the text sent, and the hash of its normalised form; `null` for a delete. */
  written: { text: string; hash: string } | null;
  /** update, tag, delete: the version the write requires of the item (its precondition); `null` for a create. */
  expectedVersion: string | null;
  /**
   * update, tag: the properties the write changes (component path and name, separated by U+0001,
   * and whether the item lacked it), against what the item held when it was read. Absent: compare
   * with the state's record instead; for a create (not stored: it is every property of `written`,
   * computed from it when needed — older entries may hold it).
   */
  changed?: Array<{ key: string; added: boolean }>;
  /** Whether the same action also writes the other slot (a merge, an update with a tag): that slot has its own entry once that write begins. */
  writesOther: boolean;
  /** When it does: that write, so that the next cycle can finish the action even if its entry was never written. */
  otherWrite?: JournaledWrite;
  /**
   * When it does not: the other slot as the action records it once done — the source of a copy as
   * it was read when the action was planned (`null`: the action leaves that slot empty, as a delete does).
   */
  other: SlotState | null;
}

/**
 * A side effect that started and has not been recorded as finished. Written (`journal-begin`, a
 * state write of its own) before the side effect; removed (`journal-end`) in the state write that
 * stores the action's record.
 *
 * ## Resume rules
 *
 * An entry left by a process that died (or a cycle that was cut) is resolved by the next cycle of
 * the pair (`resume.ts`, called from `cycle.ts`), which then reads both change feeds from the old
 * cursors — in full (cursor `null`) on a slot with a journaled create, whose incremental feed may
 * not name the created item — and re-reads the journaled items by id. Per item, each write of the interrupted action —
 * those journaled, and a two-slot action's other write ({@link JournalDetail.otherWrite}) whose
 * entry was never written — is classified from what its slot holds now:
 *
 * - **done** — a create: an item with the entry's UID is on the slot that the state does not know
 *   (EWS contacts and tasks carry the UID in an extended property, events natively; DAV and vdir
 *   items in the text); an update or tag: the item's version moved off `expectedVersion` and it
 *   holds what was written (same normalised hash, the same properties, or every property the write
 *   changed — {@link JournalDetail.changed} — with the written value: a later edit of other
 *   properties on that slot stays an edit); a delete: the item is gone; a tag: also when the item
 *   is gone (a tag carries no one's change, so the user deleted it; that deletion is then planned).
 * - **not done** — the item is as it was (`expectedVersion`, or the old content), or a create's UID
 *   is nowhere on the slot.
 * - **unknown** — anything else: the item changed in a way the write does not explain (someone
 *   edited it before the write could land), an updated item is gone, a read failed, or the entry
 *   predates these rules (no {@link JournalDetail}).
 *
 * Every write done: the action is **adopted** — its record is stored as if it had finished, written
 * slots with the id and version found now and, as base, what the slot holds (or, when the slot
 * holds less or differently than it was sent, the written text restricted to the properties the
 * slot holds, without a version, so that what it cannot hold never looks like a removal and a later
 * edit there still looks like one); unwritten slots with {@link JournalDetail.other}. Some done and the others not
 * done: those are **completed** — made now as journaled (same text, same precondition) — and the
 * action is adopted. Later user edits and deletions on either end are then planned against that
 * record like any change since the last sync: none is lost, none is undone. No write done, or one
 * unknown: the previous record stays and the plan does the action again from what the sides hold
 * now (an unknown case is what a write meeting a changed item leads to in an uninterrupted cycle:
 * the conflict policy and `deleteVersusModify` settle it).
 *
 * Two cases no journal can tell apart are settled on the side of keeping data: a created copy the
 * user deleted before the next cycle looks like a create that never happened (it is created again),
 * and an updated item found deleted is planned as a deletion meeting a modification.
 */
export interface JournalEntry {
  pairId: string;
  uid: string;
  slot: Slot;
  op: JournalOp;
  /** The item's id on that slot, when known before the effect (not for creates). */
  itemId: string | null;
  startedAt: string;
  /** What is written and what will be recorded; absent in entries written before the resume rules. */
  detail?: JournalDetail;
}

/** One change to the state; a store applies a list of them atomically. */
export type StateOp =
  | { op: "put-pair"; pair: PairRecord }
  | { op: "delete-pair"; pairId: string }
  | { op: "set-cursors"; pairId: string; cursors: Record<Slot, string | null>; pending: Record<Slot, string[]> }
  | { op: "put-item"; pairId: string; item: ItemRecord }
  | { op: "delete-item"; pairId: string; uid: string }
  | { op: "clear-items"; pairId: string }
  /** Clears the unconfirmed mark ({@link SlotState.unconfirmed}) of every item of the pair on that slot. */
  | { op: "confirm-slot"; pairId: string; slot: Slot }
  | { op: "journal-begin"; entry: JournalEntry }
  | { op: "journal-end"; pairId: string; uid: string; slot: Slot }
  | { op: "journal-clear"; pairId: string };

/**
 * A pair's lease: the right to run a cycle of that pair, so that one writer at a time changes it
 * (and the state of it), across processes and hosts.
 *
 * ## The design
 *
 * - **One row per pair** in the store (`pairId`, `owner`, `token`, `expiresAt`). Acquiring it, renewing
 *   it and releasing it are each one atomic step of the store: in SQLite a row written under an
 *   `IMMEDIATE` transaction (so two processes serialise on the database's write lock), in
 *   PostgreSQL one `INSERT … ON CONFLICT (pair_id) DO UPDATE … WHERE` the lease is free, expired or
 *   ours, `RETURNING` the row.
 * - **Time is the store's.** The caller passes a time to live (`ttlMs`), never a deadline: the store
 *   computes `expiresAt` from its own clock (the database server's `now()` in PostgreSQL), so hosts
 *   whose clocks disagree still agree on when a lease expires.
 * - **Takeover after expiry.** A lease whose `expiresAt` has passed is free: the next `acquireLease`
 *   takes it (what happens to a lease left by a process killed with `kill -9`). A released lease is
 *   free at once.
 * - **Fencing token.** Every acquisition — also by the owner that held it — gets a `token` greater
 *   than any before it for that pair (a released lease keeps its counter). A state write made under
 *   a lease ({@link StateWriteOptions.lease}) checks, in the same transaction as the write, that the
 *   pair's row still has that owner and that token, and is refused with {@link StateError} code
 *   `lease-lost` otherwise. So a process paused past its TTL (a stopped VM, a blocked event loop)
 *   whose lease was taken over cannot commit state when it wakes up; its next journal entry — written
 *   before every side effect — is refused too, so it makes no further side effect either.
 * - **Late renewal.** A renewal succeeds while the row still has the caller's owner and token, even
 *   past `expiresAt` (nobody took it in between, so nobody else ran); it fails (`null`) once another
 *   owner acquired it. A fenced write is likewise accepted while the token is the caller's: expiry only
 *   says when *others* may take over, the token says who did.
 *
 * The engine takes the lease for every cycle, renews it every third of the TTL while the cycle runs,
 * aborts the cycle (before any further side effect) when a renewal says it is lost, and releases it
 * when the cycle ends (see `lease.ts`).
 */
export interface PairLease {
  pairId: string;
  /** Who holds it: unique per live process (the engine's default is host name, pid and a random part). */
  owner: string;
  /** The fencing token of this acquisition: greater than every earlier one for the pair. */
  token: number;
  /** When it expires unless renewed (ISO 8601, by the store's clock). */
  expiresAt: string;
}

/** What {@link StateStore.acquireLease} asks for. */
export interface LeaseRequest {
  pairId: string;
  owner: string;
  /** How long the lease lasts without renewal, in milliseconds (> 0). */
  ttlMs: number;
}

/** The answer of {@link StateStore.acquireLease}: the lease, or who holds it now. */
export type LeaseAttempt = { acquired: true; lease: PairLease } | { acquired: false; holder: PairLease };

/** Options of {@link StateStore.write}. */
export interface StateWriteOptions {
  /**
   * Write only while this lease is still held (same owner and token), checked in the same
   * transaction as the operations; otherwise nothing is written and the write rejects with
   * {@link StateError} code `lease-lost`.
   */
  lease?: PairLease;
}

/**
 * The correlation database. Reads see the last committed state; `write` applies its operations
 * all or nothing (a unique-index violation or any error rolls the whole list back and rejects).
 *
 * Uniqueness a store enforces per pair: one record per UID, and each slot id in one record at most.
 *
 * A store also keeps one {@link PairLease} per pair (acquire, renew, release, fenced writes); the
 * lease row is independent of the pair's record, so its token never goes back, not even when a
 * pair is unlinked and linked again.
 *
 * And it keeps the pair's last runs ({@link RunRecord}: `recordRun`, `listRuns`), deleted with the pair.
 */
export interface StateStore {
  listPairs(): Promise<PairRecord[]>;
  getPair(pairId: string): Promise<PairRecord | null>;
  listItems(pairId: string): Promise<ItemRecord[]>;
  /**
   * Whether some item of the pair is unconfirmed on that slot ({@link SlotState.unconfirmed}):
   * lets a cycle whose feeds report nothing end without reading every item.
   */
  hasUnconfirmed(pairId: string, slot: Slot): Promise<boolean>;
  /**
   * The id and version of every item the state holds on that slot, without their texts: lets a
   * cycle whose feed is a full listing that matches them end without reading every item (and
   * confirm its unconfirmed items with one `confirm-slot`). Optional: a store without it has such a
   * cycle read the items in full.
   */
  listVersions?(pairId: string, slot: Slot): Promise<Map<string, string | null>>;
  listJournal(pairId: string): Promise<JournalEntry[]>;
  /** Applies `ops` all or nothing; with `options.lease`, only while that lease is still held. */
  write(ops: readonly StateOp[], options?: StateWriteOptions): Promise<void>;
  /**
   * Takes the pair's lease when it is free, released or expired (by the store's clock), or held by
   * the same owner (a restarted process with a fixed owner id); each acquisition gets a new, greater
   * token. Otherwise answers who holds it. Never waits: the caller decides whether to try again.
   */
  acquireLease(request: LeaseRequest): Promise<LeaseAttempt>;
  /**
   * Extends a lease to `ttlMs` from now (the store's clock) while the pair's row still has its owner
   * and token; the renewed lease (same token), or `null` when it was lost to another owner or released.
   */
  renewLease(lease: PairLease, ttlMs: number): Promise<PairLease | null>;
  /** Frees the lease at once if it is still this one (same owner and token); otherwise does nothing. */
  releaseLease(lease: PairLease): Promise<void>;
  /** The pair's current, unexpired lease, or `null` (for status lines and tests). */
  getLease(pairId: string): Promise<PairLease | null>;
  /**
   * Records a run of the pair (see {@link RunRecord}), then prunes the pair's runs to the newest
   * ones the store keeps ({@link RUNS_KEPT_PER_PAIR} by default), in one atomic step. Not fenced by
   * the lease: a run that never got the lease (`pair-busy`) is recorded too. Rejects with
   * {@link StateError} `unknown-pair` when the pair is not linked. Deleting the pair
   * (`delete-pair`) deletes its runs; `clear-items` and the other ops leave them.
   */
  recordRun(run: RunRecord): Promise<void>;
  /** The pair's newest runs, newest first (at most `limit`, default all kept); `[]` for an unknown pair. */
  listRuns(pairId: string, limit?: number): Promise<RunRecord[]>;
  close(): Promise<void>;
}

/** What started a run: `runOnce()` or `runCycle()` (`once`), a cycle of `watch()` (`watch`), `syncItems()` (`items`). */
export type RunTrigger = "once" | "watch" | "items";

/**
 * How a run ended: `ok` (nothing failed), `items-failed` (some items failed and are retried next
 * run; the rest synced), `stopped` (a pair-level stop — safety check, unreadable feed, pair busy,
 * lost lease, abort — named by {@link RunRecord.stop}).
 */
export type RunOutcome = "ok" | "items-failed" | "stopped";

/** What a run wrote to one slot, counted. */
export interface RunCounts {
  created: number;
  updated: number;
  deleted: number;
  /** Items whose missing UID was written back. */
  tagged: number;
}

/** A failed item of a run, as a run record keeps it. */
export interface RunItemError {
  code: string;
  slot: Slot | null;
  uid: string | null;
  /** The item's id on that slot, when known. */
  id: string | null;
  message: string;
}

/** A property that did not cross in a run: what a slot could not store (`write`) or say (`read`) of an item. */
export interface RunDropped {
  slot: Slot;
  uid: string;
  id: string | null;
  property: string;
  reason: string;
  on: "read" | "write";
}

/**
 * One run of one pair as the state keeps it for `ewsdav status`: when, why, how it ended, what it
 * wrote, and (bounded) what failed and what did not cross. Written by the engine after every cycle
 * of a pair — pair-level stops and dry runs included — with {@link StateStore.recordRun}.
 *
 * The lists are bounded by the engine ({@link RUN_DETAIL_LIMIT} each); `errorCount` and
 * `droppedCount` say how many there were in all. A store keeps it as one document (SQLite and
 * PostgreSQL: a JSON column beside the pair id and the times), so fields can be added without a
 * schema change; readers treat a missing optional field as absent.
 */
export interface RunRecord {
  pairId: string;
  /** When the run was asked for (ISO 8601; before any wait for the pair's lease). */
  startedAt: string;
  /** When it ended (ISO 8601). */
  finishedAt: string;
  trigger: RunTrigger;
  /** The run was asked to only plan (`--dry-run`): nothing was written, the counts are what it would have done. */
  dryRun: boolean;
  outcome: RunOutcome;
  /** The pair-level stop (`outcome: "stopped"`): its code (`feed-failed`, `mass-delete`, `pair-busy`, …), message and, when known, its cause code. */
  stop: { code: string; message: string; cause?: string } | null;
  /** What was written per slot (a dry run that was not stopped: what its plan would have written). */
  counts: Record<Slot, RunCounts>;
  /** Items changed on both sides and merged without a conflict. */
  merged: number;
  /** Items found on both sides and paired (by UID, or by content without one). */
  paired: number;
  /** Properties changed on both sides differently, settled by the conflict policy. */
  conflicts: number;
  /** The failed items (at most {@link RUN_DETAIL_LIMIT}). */
  errors: RunItemError[];
  /** How many items failed in all. */
  errorCount: number;
  /** The dropped properties (at most {@link RUN_DETAIL_LIMIT}). */
  dropped: RunDropped[];
  /** How many properties were dropped in all. */
  droppedCount: number;
  /** The distinct codes that decide an exit code: the stop's code (and cause), then the item errors' codes. */
  codes: string[];
}

/** How many item errors, and how many dropped properties, a {@link RunRecord} keeps. */
export const RUN_DETAIL_LIMIT = 20;

/** How many runs per pair a store keeps by default (older ones are pruned when a run is recorded). */
export const RUNS_KEPT_PER_PAIR = 50;

/**
 * Checks a {@link LeaseRequest} (a store calls it before acquiring): owner non-empty, TTL a
 * positive finite number of milliseconds.
 */
export function checkLeaseRequest(pairId: string, owner: string, ttlMs: number): void {
  if (owner.length === 0) throw new StateError("invalid-lease", `pair ${pairId}: a lease needs an owner id`);
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new StateError("invalid-lease", `pair ${pairId}: lease ttlMs must be a positive number of milliseconds, not ${ttlMs}`);
}

/** Codes of {@link StateError}. */
export type StateErrorCode =
  | "unique-violation"
  | "unknown-pair"
  | "corrupt"
  | "closed"
  | "lease-lost" // a write under a lease that another owner has taken over (or that was released)
  | "invalid-lease"; // a lease request without an owner or with a TTL that is not a positive number

/** A state store refused an operation; the whole `write` it belonged to was rolled back. */
export class StateError extends Error {
  override readonly name = "StateError";
  constructor(
    readonly code: StateErrorCode,
    message: string,
  ) {
    super(message);
  }
}
