/**
 * The "unconfirmed item" rule, in one place ({@link SlotState.unconfirmed}).
 *
 * An item is unconfirmed on a slot while the state knows it but no stored cursor of that slot
 * covers it: the engine created it, read it by id (a notification named it), or first saw it in a
 * feed whose cursor the cycle has not stored yet. A feed from the stored cursor lists every item
 * created since that still exists, so:
 *
 * - an unconfirmed item an incremental feed lists is confirmed once that feed's cursor is stored;
 * - one it leaves out may have been created and deleted within the window (RFC 6578 allows a server
 *   to leave such members out; SyncFolderItems never knew it): it is read by id, and if it is still
 *   there it is confirmed with the cursor, else it is deleted;
 * - a record the cycle stores is marked unconfirmed on every slot whose item the stored cursor
 *   does not cover yet, and cleared in the same write that stores the cursor at the cycle's end —
 *   a cycle killed before leaves the mark, and the next cycle reads the item by id.
 *
 * A cycle whose feeds report nothing still runs in full while an item is unconfirmed on a fed slot
 * whose feed is incremental; a full listing that names exactly the ids and versions the state holds
 * confirms every item of its slot at once (`confirm-slot`), in the quiet exit.
 *
 * @module
 */
import type { Action, Write } from "./plan.js";
import type { ChangeFeed } from "./side.js";
import { SLOTS, type ItemRecord, type PairRecord, type Slot, type SlotState, type StateOp, type StateStore } from "./state.js";

/** What the rule reads of the cycle: live views, which the cycle keeps growing. */
export interface UnconfirmedView {
  /** Slots whose change feed the cycle reads (their cursors move at the end). */
  readonly fed: ReadonlySet<Slot>;
  /** Ids (and versions) the cycle counts as known per slot: the state's, and journaled ones. */
  readonly known: Record<Slot, ReadonlyMap<string, string | null>>;
  /** Ids the state held per slot when the cycle began. */
  readonly stateIds: Record<Slot, ReadonlySet<string>>;
}

/** Whether some item of the pair is unconfirmed on one of `slots` (a quiet cycle must then run in full). */
export async function anyUnconfirmed(store: StateStore, pairId: string, slots: Iterable<Slot>): Promise<boolean> {
  return (await Promise.all([...slots].map((slot) => store.hasUnconfirmed(pairId, slot)))).some(Boolean);
}

/** Whether the slot a write succeeded on stays unconfirmed in the stored record: a created item, or one still waiting for its slot's feed. */
export function unconfirmedAfterWrite(write: Write, next: ItemRecord | null): boolean {
  return write.op === "create" || next?.[write.slot]?.unconfirmed === true;
}

/** One cycle's bookkeeping of the rule. */
export class UnconfirmedItems {
  /** Ids on fed slots whose creation this cycle's feed covers: stored unconfirmed until the cursor is, confirmed with it at the end. */
  readonly stillNew: Record<Slot, Set<string>> = { local: new Set(), remote: new Set() };
  /** Unconfirmed items an incremental feed left out: read by id, which tells deleted from present. */
  readonly recheck: Record<Slot, Map<string, ItemRecord>> = { local: new Map(), remote: new Map() };

  constructor(readonly view: UnconfirmedView) {}

  /**
   * What a slot's feed says of the state's unconfirmed items: listed (and not deleted), confirmed
   * with the cursor; left out of an incremental feed, added to `toRead` to be read by id.
   */
  noteFeed(slot: Slot, feed: ChangeFeed, records: readonly ItemRecord[], listed: ReadonlySet<string>, deleted: ReadonlySet<string>, toRead: Set<string>): void {
    for (const r of records) {
      const state = r[slot];
      if (!state?.unconfirmed) continue;
      if (listed.has(state.id)) {
        if (!deleted.has(state.id)) this.stillNew[slot].add(state.id);
      } else if (!feed.complete) {
        this.recheck[slot].set(state.id, r);
        toRead.add(state.id);
      }
    }
  }

  /** Rechecked items read by id and still there are confirmed (the feed spelled them differently, or was late), once the cursor is stored. */
  noteRead(slot: Slot, asked: ReadonlySet<string>, found: ReadonlySet<string>): void {
    for (const [id, r] of this.recheck[slot]) {
      if (!asked.has(id) || !found.has(id) || !r[slot]?.unconfirmed) continue;
      this.stillNew[slot].add(id);
    }
  }

  /** Items first seen in a feed of this cycle wait for its cursor to be stored. */
  noteFirstSeen(feeds: Partial<Record<Slot, ChangeFeed>>): void {
    for (const slot of this.view.fed) for (const item of feeds[slot]?.changed ?? []) if (!this.view.stateIds[slot].has(item.id)) this.stillNew[slot].add(item.id);
  }

  /**
   * Marks `next` unconfirmed on each slot whose item no stored cursor covers: on a fed slot, an item
   * new to the state or first seen in this cycle's feed, or one not confirmed yet; on a slot read by
   * id, an item the cycle did not know. `previous` tells an item still waiting from one confirmed.
   */
  mark(next: ItemRecord | null, previous: ItemRecord | null): void {
    const { fed, known, stateIds } = this.view;
    for (const slot of SLOTS) {
      const state = next?.[slot];
      if (!state || state.unconfirmed) continue;
      const before = previous?.[slot];
      const wasUnconfirmed = before?.unconfirmed === true && before.id === state.id;
      if (fed.has(slot)) {
        // Also new to the state and not in the feed (an adopted item found deleted since), or not confirmed yet.
        if (!this.stillNew[slot].has(state.id) && stateIds[slot].has(state.id) && !wasUnconfirmed) continue;
      } else if (known[slot].has(state.id) && !wasUnconfirmed) continue;
      next![slot] = { ...state, unconfirmed: true };
    }
  }

  /** {@link mark} on every planned action's next record; returns the actions. */
  markActions(planned: Action[]): Action[] {
    for (const action of planned) this.mark(action.next, action.previous);
    return planned;
  }

  /** The writes that confirm, with the cursors stored at the cycle's end, what their feeds covered. */
  confirmOps(pair: PairRecord, records: readonly ItemRecord[], stored: ReadonlyMap<string, ItemRecord | null>): StateOp[] {
    const { fed } = this.view;
    if (![...fed].some((slot) => this.stillNew[slot].size > 0)) return [];
    const latest = new Map<string, ItemRecord | null>(records.map((r) => [r.uid, r]));
    for (const [uid, r] of stored) latest.set(uid, r);
    const ops: StateOp[] = [];
    for (const r of latest.values()) {
      if (!r) continue;
      let changed: ItemRecord | null = null;
      for (const slot of fed) {
        const state = r[slot];
        if (!state?.unconfirmed || !this.stillNew[slot].has(state.id)) continue;
        changed ??= { ...r };
        changed[slot] = confirmed(state);
      }
      if (changed) ops.push({ op: "put-item", pairId: pair.id, item: changed });
    }
    return ops;
  }
}

function confirmed(state: SlotState): SlotState {
  const { unconfirmed: _, ...rest } = state;
  return rest;
}
