/**
 * An in-memory {@link StateStore} for tests and short-lived hosts. Writes are atomic: each
 * operation records its inverse, and a failure part-way undoes the ones already applied.
 *
 * @module
 */
import { SLOTS, StateError, type ItemRecord, type JournalEntry, type PairRecord, type Slot, type StateOp, type StateStore } from "../engine/state.js";

interface PairData {
  pair: PairRecord;
  items: Map<string, ItemRecord>;
  ids: { local: Map<string, string>; remote: Map<string, string> };
  journal: Map<string, JournalEntry>;
}

const clone = <T>(value: T): T => structuredClone(value);

/** A state store that lives in memory only. */
export class MemoryStateStore implements StateStore {
  readonly #pairs = new Map<string, PairData>();
  #closed = false;
  /** How many `write` calls committed (tests use it to count state transactions). */
  commits = 0;

  async listPairs(): Promise<PairRecord[]> {
    return [...this.#pairs.values()].map((d) => clone(d.pair));
  }

  async getPair(pairId: string): Promise<PairRecord | null> {
    const data = this.#pairs.get(pairId);
    return data ? clone(data.pair) : null;
  }

  async listItems(pairId: string): Promise<ItemRecord[]> {
    return [...(this.#pairs.get(pairId)?.items.values() ?? [])].map(clone);
  }

  async hasUnconfirmed(pairId: string, slot: Slot): Promise<boolean> {
    for (const item of this.#pairs.get(pairId)?.items.values() ?? []) if (item[slot]?.unconfirmed) return true;
    return false;
  }

  async listJournal(pairId: string): Promise<JournalEntry[]> {
    return [...(this.#pairs.get(pairId)?.journal.values() ?? [])].map(clone);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #data(pairId: string): PairData {
    const data = this.#pairs.get(pairId);
    if (!data) throw new StateError("unknown-pair", `no pair ${pairId}`);
    return data;
  }

  async write(ops: readonly StateOp[]): Promise<void> {
    if (this.#closed) throw new StateError("closed", "the store is closed");
    const undo: Array<() => void> = [];
    try {
      for (const op of ops) undo.push(this.#apply(op));
    } catch (error) {
      for (const u of undo.reverse()) u();
      throw error;
    }
    this.commits++;
  }

  /** Applies one operation and returns its inverse. */
  #apply(op: StateOp): () => void {
    switch (op.op) {
      case "put-pair": {
        const before = this.#pairs.get(op.pair.id);
        const data: PairData = before
          ? { ...before, pair: clone(op.pair) }
          : { pair: clone(op.pair), items: new Map(), ids: { local: new Map(), remote: new Map() }, journal: new Map() };
        this.#pairs.set(op.pair.id, data);
        return () => (before ? this.#pairs.set(op.pair.id, before) : this.#pairs.delete(op.pair.id));
      }
      case "delete-pair": {
        const before = this.#pairs.get(op.pairId);
        this.#pairs.delete(op.pairId);
        return () => before && this.#pairs.set(op.pairId, before);
      }
      case "set-cursors": {
        const data = this.#data(op.pairId);
        const before = data.pair;
        data.pair = { ...before, cursors: { ...op.cursors }, pending: clone(op.pending) };
        return () => (data.pair = before);
      }
      case "put-item": {
        const data = this.#data(op.pairId);
        const before = data.items.get(op.item.uid);
        for (const slot of SLOTS) {
          const id = op.item[slot]?.id;
          const holder = id === undefined ? undefined : data.ids[slot].get(id);
          if (holder !== undefined && holder !== op.item.uid) {
            throw new StateError("unique-violation", `pair ${op.pairId}: ${slot} id ${id} already belongs to item ${holder}`);
          }
        }
        this.#setItem(data, op.item.uid, clone(op.item));
        return () => this.#setItem(data, op.item.uid, before);
      }
      case "delete-item": {
        const data = this.#data(op.pairId);
        const before = data.items.get(op.uid);
        this.#setItem(data, op.uid, undefined);
        return () => this.#setItem(data, op.uid, before);
      }
      case "clear-items": {
        const data = this.#data(op.pairId);
        const before = { items: data.items, ids: data.ids };
        data.items = new Map();
        data.ids = { local: new Map(), remote: new Map() };
        return () => Object.assign(data, before);
      }
      case "journal-begin": {
        const data = this.#data(op.entry.pairId);
        const key = `${op.entry.uid}\u0000${op.entry.slot}`;
        const before = data.journal.get(key);
        data.journal.set(key, clone(op.entry));
        return () => (before ? data.journal.set(key, before) : data.journal.delete(key));
      }
      case "journal-end": {
        const data = this.#data(op.pairId);
        const key = `${op.uid}\u0000${op.slot}`;
        const before = data.journal.get(key);
        data.journal.delete(key);
        return () => before && data.journal.set(key, before);
      }
      case "journal-clear": {
        const data = this.#data(op.pairId);
        const before = data.journal;
        data.journal = new Map();
        return () => (data.journal = before);
      }
    }
  }

  #setItem(data: PairData, uid: string, item: ItemRecord | undefined): void {
    const old = data.items.get(uid);
    for (const slot of SLOTS) if (old?.[slot]) data.ids[slot].delete(old[slot]!.id);
    if (item) {
      data.items.set(uid, item);
      for (const slot of SLOTS) if (item[slot]) data.ids[slot].set(item[slot]!.id, uid);
    } else {
      data.items.delete(uid);
    }
  }
}
