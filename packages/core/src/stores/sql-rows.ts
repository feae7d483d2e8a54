/**
 * The rows the SQL stores (SQLite and PostgreSQL) keep pairs and items in, and how a row becomes a
 * record: one table layout, read the same way by both.
 *
 * @module
 */
import type { CollectionKind } from "../engine/side.js";
import { StateError, type JournalDetail, type JournalEntry, type PairRecord, type Slot, type SlotState } from "../engine/state.js";

/** A row of the `pairs` table. */
export interface PairRow {
  id: string;
  kind: string;
  local_side: string;
  local_collection: string;
  remote_side: string;
  remote_collection: string;
  local_cursor: string | null;
  remote_cursor: string | null;
  pending: string;
}

/** A row of the `items` table; `unconfirmed` is 0/1 in SQLite and a boolean in PostgreSQL. */
export type ItemRow<Flag extends number | boolean> = { uid: string } & Record<`${Slot}_${"id" | "version" | "hash" | "text" | "seen_at"}`, string | null> &
  Record<`${Slot}_unconfirmed`, Flag>;

/** A row of the `journal` table. */
export interface JournalRow {
  pair_id: string;
  uid: string;
  slot: Slot;
  op: JournalEntry["op"];
  item_id: string | null;
  started_at: string;
  detail: string | null;
}

/**
 * The entry a `journal` row holds; `where` names the database in the error of a detail that does
 * not read (`state database FILE`, `state schema NAME`).
 */
export function toJournalEntry(r: JournalRow, where: string): JournalEntry {
  const entry: JournalEntry = { pairId: r.pair_id, uid: r.uid, slot: r.slot, op: r.op, itemId: r.item_id, startedAt: r.started_at };
  if (r.detail !== null) {
    try {
      entry.detail = parseDetail(r.detail);
    } catch {
      throw new StateError("corrupt", `${where}: journal entry of item ${r.uid} (${r.slot}) has an unreadable detail`);
    }
  }
  return entry;
}

/** The pair a `pairs` row holds. */
export function toPair(row: PairRow): PairRecord {
  return {
    id: row.id,
    kind: row.kind as CollectionKind,
    local: { side: row.local_side, collection: row.local_collection },
    remote: { side: row.remote_side, collection: row.remote_collection },
    cursors: { local: row.local_cursor, remote: row.remote_cursor },
    pending: JSON.parse(row.pending) as PairRecord["pending"],
  };
}

/** One slot of an `items` row, or `null` when the item is not on that side. */
export function slotOf(row: ItemRow<number | boolean>, slot: Slot): SlotState | null {
  const id = row[`${slot}_id`];
  if (id === null) return null;
  const state: SlotState = { id, version: row[`${slot}_version`], hash: row[`${slot}_hash`] ?? "", text: row[`${slot}_text`] ?? "" };
  const seenAt = row[`${slot}_seen_at`];
  if (seenAt) state.seenAt = seenAt;
  if (row[`${slot}_unconfirmed`]) state.unconfirmed = true;
  return state;
}

/**
 * A journal entry's detail as stored: when the unwritten slot's record holds the very text the write
 * writes (a copy from one side to the other, the common case), that text is stored once
 * (`otherTextWritten`). Details stored without the flag read as they are.
 */
export function detailJson(detail: JournalDetail): string {
  if (detail.other && detail.written && detail.other.text === detail.written.text) {
    const { text: _, ...other } = detail.other;
    return JSON.stringify({ ...detail, other, otherTextWritten: true });
  }
  return JSON.stringify(detail);
}

/** A stored journal detail read back whole (see {@link detailJson}). */
export function parseDetail(json: string): JournalDetail {
  const parsed = JSON.parse(json) as JournalDetail & { otherTextWritten?: boolean };
  if (parsed.otherTextWritten) {
    delete parsed.otherTextWritten;
    if (parsed.other && parsed.written) parsed.other.text = parsed.written.text;
  }
  return parsed;
}
