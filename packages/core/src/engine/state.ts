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
   * Set when the state learned of this item after the slot's cursor — the engine created it, or
   * read it by id because a notification named it — and the slot's change feed has not reported
   * it yet. A feed reports every item created since its cursor that still exists, so an
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

/** A side effect that started and has not been recorded as finished. */
export interface JournalEntry {
  pairId: string;
  uid: string;
  slot: Slot;
  op: JournalOp;
  /** The item's id on that slot, when known before the effect (not for creates). */
  itemId: string | null;
  startedAt: string;
}

/** One change to the state; a store applies a list of them atomically. */
export type StateOp =
  | { op: "put-pair"; pair: PairRecord }
  | { op: "delete-pair"; pairId: string }
  | { op: "set-cursors"; pairId: string; cursors: Record<Slot, string | null>; pending: Record<Slot, string[]> }
  | { op: "put-item"; pairId: string; item: ItemRecord }
  | { op: "delete-item"; pairId: string; uid: string }
  | { op: "clear-items"; pairId: string }
  | { op: "journal-begin"; entry: JournalEntry }
  | { op: "journal-end"; pairId: string; uid: string; slot: Slot }
  | { op: "journal-clear"; pairId: string };

/**
 * The correlation database. Reads see the last committed state; `write` applies its operations
 * all or nothing (a unique-index violation or any error rolls the whole list back and rejects).
 *
 * Uniqueness a store enforces per pair: one record per UID, and each slot id in one record at most.
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
  listJournal(pairId: string): Promise<JournalEntry[]>;
  write(ops: readonly StateOp[]): Promise<void>;
  close(): Promise<void>;
}

/** Codes of {@link StateError}. */
export type StateErrorCode = "unique-violation" | "unknown-pair" | "corrupt" | "closed";

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
