/**
 * The rows the SQL stores (SQLite and PostgreSQL) keep pairs and items in, and how a row becomes a
 * record: one table layout, read the same way by both.
 *
 * @module
 */
import type { CollectionKind } from "../engine/side.js";
import { StateError, type ItemRecord, type JournalDetail, type JournalEntry, type PairRecord, type Slot, type SlotState } from "../engine/state.js";

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

/**
 * One slot of an `items` row, or `null` when the item is not on that side. A remote slot whose
 * `remote_text` (or `remote_hash`) is NULL while its id is set holds the local slot's text (hash):
 * see {@link itemColumns}.
 */
export function slotOf(row: ItemRow<number | boolean>, slot: Slot): SlotState | null {
  const id = row[`${slot}_id`];
  if (id === null) return null;
  let hash = row[`${slot}_hash`];
  let text = row[`${slot}_text`];
  if (slot === "remote") {
    hash ??= row.local_hash;
    text ??= row.local_text;
  }
  const state: SlotState = { id, version: row[`${slot}_version`], hash: hash ?? "", text: text ?? "" };
  const seenAt = row[`${slot}_seen_at`];
  if (seenAt) state.seenAt = seenAt;
  if (row[`${slot}_unconfirmed`]) state.unconfirmed = true;
  return state;
}

/**
 * The columns an item record is stored in, slot by slot (`id`, `version`, `hash`, `text`,
 * unconfirmed, `seen_at`). When the remote slot holds the local slot's very text (a copy, the
 * common case), its text is stored once: `remote_text` is NULL, and likewise `remote_hash` when
 * the hashes are equal (schema 9 in SQLite, 2 in PostgreSQL; {@link slotOf} reads both forms).
 */
export function itemColumns(item: ItemRecord): Record<Slot, [string | null, string | null, string | null, string | null, boolean, string | null]> {
  const { local, remote } = item;
  const sameText = local !== null && remote !== null && remote.text === local.text;
  const sameHash = local !== null && remote !== null && remote.hash === local.hash;
  return {
    local: local ? [local.id, local.version, local.hash, local.text, local.unconfirmed === true, local.seenAt ?? null] : [null, null, null, null, false, null],
    remote: remote
      ? [remote.id, remote.version, sameHash ? null : remote.hash, sameText ? null : remote.text, remote.unconfirmed === true, remote.seenAt ?? null]
      : [null, null, null, null, false, null],
  };
}

/**
 * A journal entry's detail as stored: a text the entry carries twice is stored once. When the
 * unwritten slot's record holds the very text the write writes (a copy from one side to the other,
 * the common case), `other.text` is left out (`otherTextWritten`); when the action's other write
 * writes that text too (a copy of an item without a UID: the copy and the UID tag of the original
 * both write the text with the UID added), `otherWrite.written.text` is left out
 * (`otherWriteTextWritten`). Either way, the hash beside the text left out is left out too when it
 * is `written.hash` (schema 9 in SQLite, 2 in PostgreSQL). Details stored without the flags
 * (written before them, in full) read as they are.
 */
export function detailJson(detail: JournalDetail): string {
  const written = detail.written;
  if (written === null) return JSON.stringify(detail);
  let stored: Record<string, unknown> | null = null;
  if (detail.other && detail.other.text === written.text) {
    const { text: _, hash, ...other } = detail.other;
    stored = { ...detail, other: hash === written.hash ? other : { ...other, hash }, otherTextWritten: true };
  }
  const ow = detail.otherWrite;
  if (ow?.written && ow.written.text === written.text) {
    stored = { ...(stored ?? detail), otherWrite: { ...ow, written: ow.written.hash === written.hash ? {} : { hash: ow.written.hash } }, otherWriteTextWritten: true };
  }
  return JSON.stringify(stored ?? detail);
}

/** A stored journal detail read back whole (see {@link detailJson}). */
export function parseDetail(json: string): JournalDetail {
  const parsed = JSON.parse(json) as JournalDetail & { otherTextWritten?: boolean; otherWriteTextWritten?: boolean };
  const written = parsed.written;
  if (parsed.otherTextWritten) {
    delete parsed.otherTextWritten;
    if (parsed.other && written) {
      parsed.other.text = written.text;
      parsed.other.hash ??= written.hash;
    }
  }
  if (parsed.otherWriteTextWritten) {
    delete parsed.otherWriteTextWritten;
    if (parsed.otherWrite?.written && written) {
      parsed.otherWrite.written.text = written.text;
      parsed.otherWrite.written.hash ??= written.hash;
    }
  }
  return parsed;
}
