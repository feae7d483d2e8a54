/**
 * The state writes of one cycle: one queue, in order, each write fenced by the pair's lease; and
 * what the cycle has stored so far — the records by UID, and per slot the text the state holds of
 * each item id (the basis a side that renders onto one reads with).
 *
 * @module
 */
import type { CycleLease } from "./lease.js";
import { SLOTS, type ItemRecord, type Slot, type StateOp, type StateStore } from "./state.js";

/** One cycle's writer to the state store. */
export class StateWriter {
  #queue: Promise<void> = Promise.resolve();

  /** The item records this cycle stored (`null`: forgotten), by UID. */
  readonly stored = new Map<string, ItemRecord | null>();

  /** Per slot, the text the state holds of each item id. */
  readonly basisText: Record<Slot, Map<string, string>> = { local: new Map(), remote: new Map() };

  /**
   * @param store - the state store
   * @param lease - the pair's lease (the engine always passes one): every write is fenced by it,
   * and a lost lease fails the next write with `lease-lost`
   */
  constructor(
    readonly store: StateStore,
    readonly lease?: CycleLease,
  ) {}

  /** Keeps {@link basisText} in step with a record stored or read. */
  noteBasis(record: ItemRecord): void {
    for (const slot of SLOTS) {
      const state = record[slot];
      if (state) this.basisText[slot].set(state.id, state.text);
    }
  }

  /** Writes `ops` in one state transaction, after the writes queued before it. */
  write(ops: StateOp[]): Promise<void> {
    const { lease, store } = this;
    const run = this.#queue.then(async () => {
      if (!lease) await store.write(ops);
      else {
        lease.check();
        try {
          await store.write(ops, { lease: lease.current });
        } catch (error) {
          throw lease.translate(error);
        }
      }
      for (const op of ops) {
        if (op.op === "put-item") {
          this.stored.set(op.item.uid, op.item);
          this.noteBasis(op.item);
        } else if (op.op === "delete-item") this.stored.set(op.uid, null);
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
