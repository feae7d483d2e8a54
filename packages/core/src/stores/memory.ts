/**
 * An in-memory {@link StateStore} for tests and short-lived hosts. Writes are atomic: each
 * operation records its inverse, and a failure part-way undoes the ones already applied. Pair
 * leases (see {@link PairLease}) live in a map beside the pairs; every call is synchronous
 * underneath, so each lease step and each fenced write is atomic by construction. Engines sharing
 * one memory store in one process see each other's leases, which is how tests play two hosts.
 * A pair's runs ({@link RunRecord}) live with its data and go with it.
 *
 * @module
 */
import {
  checkLeaseRequest,
  RUNS_KEPT_PER_PAIR,
  SLOTS,
  StateError,
  type ItemRecord,
  type JournalEntry,
  type LeaseAttempt,
  type LeaseRequest,
  type PairLease,
  type PairRecord,
  type RunRecord,
  type Slot,
  type StateOp,
  type StateStore,
  type StateWriteOptions,
} from "../engine/state.js";

interface PairData {
  pair: PairRecord;
  items: Map<string, ItemRecord>;
  ids: { local: Map<string, string>; remote: Map<string, string> };
  journal: Map<string, JournalEntry>;
  /** Newest last; at most `runsKept`. */
  runs: RunRecord[];
}

const clone = <T>(value: T): T => structuredClone(value);

/** Options of {@link MemoryStateStore}. */
export interface MemoryStateStoreOptions {
  /** The store's clock for lease expiry, in milliseconds since the epoch (default `Date.now`); tests move it. */
  now?: () => number;
  /** How many runs per pair are kept (default {@link RUNS_KEPT_PER_PAIR}). */
  runsKept?: number;
}

/** A lease row: the last token is kept after a release, so tokens never go back. */
interface LeaseRow {
  owner: string | null;
  token: number;
  expiresAt: number;
}

/** A state store that lives in memory only. */
export class MemoryStateStore implements StateStore {
  readonly #pairs = new Map<string, PairData>();
  readonly #leases = new Map<string, LeaseRow>();
  readonly #now: () => number;
  readonly #runsKept: number;
  #closed = false;
  /** How many `write` calls committed (tests use it to count state transactions). */
  commits = 0;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#runsKept = options.runsKept ?? RUNS_KEPT_PER_PAIR;
  }

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

  async listVersions(pairId: string, slot: Slot): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    for (const item of this.#pairs.get(pairId)?.items.values() ?? []) {
      const state = item[slot];
      if (state) out.set(state.id, state.version);
    }
    return out;
  }

  async listJournal(pairId: string): Promise<JournalEntry[]> {
    return [...(this.#pairs.get(pairId)?.journal.values() ?? [])].map(clone);
  }

  async recordRun(run: RunRecord): Promise<void> {
    if (this.#closed) throw new StateError("closed", "the store is closed");
    const data = this.#data(run.pairId);
    data.runs.push(clone(run));
    if (data.runs.length > this.#runsKept) data.runs.splice(0, data.runs.length - this.#runsKept);
  }

  async listRuns(pairId: string, limit?: number): Promise<RunRecord[]> {
    const runs = [...(this.#pairs.get(pairId)?.runs ?? [])].reverse();
    return (limit === undefined ? runs : runs.slice(0, Math.max(0, limit))).map(clone);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #data(pairId: string): PairData {
    const data = this.#pairs.get(pairId);
    if (!data) throw new StateError("unknown-pair", `no pair ${pairId}`);
    return data;
  }

  async write(ops: readonly StateOp[], options: StateWriteOptions = {}): Promise<void> {
    if (this.#closed) throw new StateError("closed", "the store is closed");
    if (options.lease) this.#checkHeld(options.lease);
    const undo: Array<() => void> = [];
    try {
      for (const op of ops) undo.push(this.#apply(op));
    } catch (error) {
      for (const u of undo.reverse()) u();
      throw error;
    }
    this.commits++;
  }

  async acquireLease(request: LeaseRequest): Promise<LeaseAttempt> {
    if (this.#closed) throw new StateError("closed", "the store is closed");
    const { pairId, owner, ttlMs } = request;
    checkLeaseRequest(pairId, owner, ttlMs);
    const now = this.#now();
    const row = this.#leases.get(pairId);
    if (row && row.owner !== null && row.owner !== owner && row.expiresAt > now) {
      return { acquired: false, holder: toLease(pairId, row) };
    }
    const next: LeaseRow = { owner, token: (row?.token ?? 0) + 1, expiresAt: now + ttlMs };
    this.#leases.set(pairId, next);
    return { acquired: true, lease: toLease(pairId, next) };
  }

  async renewLease(lease: PairLease, ttlMs: number): Promise<PairLease | null> {
    if (this.#closed) throw new StateError("closed", "the store is closed");
    checkLeaseRequest(lease.pairId, lease.owner, ttlMs);
    const row = this.#leases.get(lease.pairId);
    if (!row || row.owner !== lease.owner || row.token !== lease.token) return null;
    row.expiresAt = this.#now() + ttlMs;
    return toLease(lease.pairId, row);
  }

  async releaseLease(lease: PairLease): Promise<void> {
    if (this.#closed) throw new StateError("closed", "the store is closed");
    const row = this.#leases.get(lease.pairId);
    if (row && row.owner === lease.owner && row.token === lease.token) {
      row.owner = null;
      row.expiresAt = 0;
    }
  }

  async getLease(pairId: string): Promise<PairLease | null> {
    const row = this.#leases.get(pairId);
    return row && row.owner !== null && row.expiresAt > this.#now() ? toLease(pairId, row) : null;
  }

  #checkHeld(lease: PairLease): void {
    const row = this.#leases.get(lease.pairId);
    if (!row || row.owner !== lease.owner || row.token !== lease.token) {
      throw new StateError(
        "lease-lost",
        `pair ${lease.pairId}: the lease of ${lease.owner} (token ${lease.token}) is no longer held` +
          (row?.owner ? ` (${row.owner} holds token ${row.token})` : " (released)") +
          "; nothing was written",
      );
    }
  }

  /** Applies one operation and returns its inverse. */
  #apply(op: StateOp): () => void {
    switch (op.op) {
      case "put-pair": {
        const before = this.#pairs.get(op.pair.id);
        const data: PairData = before
          ? { ...before, pair: clone(op.pair) }
          : { pair: clone(op.pair), items: new Map(), ids: { local: new Map(), remote: new Map() }, journal: new Map(), runs: [] };
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
      case "confirm-slot": {
        const data = this.#data(op.pairId);
        const before: Array<[string, ItemRecord]> = [];
        for (const [uid, item] of data.items) {
          const state = item[op.slot];
          if (!state?.unconfirmed) continue;
          before.push([uid, item]);
          const { unconfirmed: _, ...confirmed } = state;
          data.items.set(uid, { ...item, [op.slot]: confirmed });
        }
        return () => {
          for (const [uid, item] of before) data.items.set(uid, item);
        };
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

function toLease(pairId: string, row: LeaseRow): PairLease {
  return { pairId, owner: row.owner ?? "", token: row.token, expiresAt: new Date(row.expiresAt).toISOString() };
}
