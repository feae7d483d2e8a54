/**
 * SyncFolderItems pipelined with GetItem: the pages of a folder's changes, each with the items it
 * names, the reads of one page overlapping the listing of the next.
 * @module
 */
import { chunk, type EwsClientCore } from "../client-core.js";
import { AbortedError, EwsProtocolError } from "../errors.js";
import type { ParsedItem } from "../items/item-xml.js";
import type { ItemReference } from "../model/ids.js";
import { getItemBatch, syncFolderItemsPage, type GetItemOptions, type SyncFolderItemsInput, type SyncFolderItemsPage } from "./items.js";
import type { ItemResult } from "./results.js";

/** One page of {@link syncFolderItemsWithItems}: a SyncFolderItems page and the items its changes name. */
export interface SyncFolderItemsPageWithItems extends SyncFolderItemsPage {
  /**
   * One slot per `Create` and `Update` of `changes`, in their order: the item as GetItem read it,
   * or that item's error (`ErrorItemNotFound` when it went between the listing and the read).
   */
  items: ItemResult<ParsedItem>[];
}

/** Options of {@link syncFolderItemsWithItems}. */
export interface SyncFolderItemsWithItemsOptions extends GetItemOptions {
  /**
   * SyncFolderItems pages read ahead of the one the caller is consuming (default 1): with their
   * GetItem batches, what is held at once is about `(1 + pagesAhead) × maxChangesReturned` items,
   * whatever the size of the folder.
   */
  pagesAhead?: number;
}

/** A counting semaphore; `first` waiters go before the others. */
class Slots {
  #free: number;
  readonly #waiting: Array<() => void> = [];
  constructor(count: number) {
    this.#free = count;
  }
  async run<T>(task: () => Promise<T>, first = false): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => (first ? this.#waiting.unshift(resolve) : this.#waiting.push(resolve)));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/**
 * SyncFolderItems until `IncludesLastItemInRange` (IdOnly by default), with the items each page
 * creates or updates read by GetItem (in `options.shape`) while the next pages are listed: one
 * SyncFolderItems request and GetItem batches of the ids already listed run together, at most the
 * client's `concurrency` requests at once in all (Exchange's EWSMaxConcurrency counts them all).
 * Pages come out in server order, each with its items, once they are all read; at most `pagesAhead`
 * pages are listed ahead of the one the caller holds, so memory does not grow with the folder.
 *
 * A page that cannot be read (a response cut short or malformed, a page that says more is coming
 * but brings nothing new) ends the walk with that error after the pages before it: never as a
 * complete listing. A failed GetItem batch (not a per-item error: those stay in their slots) fails
 * its page the same way. `ErrorServerBusy` is waited out as in {@link getItem} and
 * {@link syncFolderItems}. Stopping the iteration early cancels what is still in flight.
 */
export async function* syncFolderItemsWithItems(
  client: EwsClientCore,
  input: SyncFolderItemsInput,
  options: SyncFolderItemsWithItemsOptions = {},
): AsyncGenerator<SyncFolderItemsPageWithItems> {
  const size = options.batchSize ?? client.getItemBatchSize;
  const ahead = Math.max(0, options.pagesAhead ?? 1);
  const slots = new Slots(Math.max(1, client.concurrency));
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const callOptions = { ...options, signal };
  interface Pending {
    page: SyncFolderItemsPage;
    items: Promise<ItemResult<ParsedItem>[]>;
  }
  const queue: Pending[] = [];
  let listingDone = false;
  let listingError: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let roomFor: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const list = async () => {
    let state = input.syncState;
    let max = input.maxChangesReturned ?? 512;
    let listed = 0;
    try {
      for (;;) {
        while (queue.length > ahead) await new Promise<void>((resolve) => (roomFor = resolve));
        // Aborted by the caller's signal: an error, never a shorter listing taken for a complete one
        // (when the consumer stopped early, nobody reads it).
        if (signal.aborted) throw new AbortedError(undefined, { cause: signal.reason });
        const read = await slots.run(
          () => syncFolderItemsPage(client, { ...input, maxChangesReturned: max, ...(state !== undefined ? { syncState: state } : {}) }, callOptions),
          true,
        );
        const page = read.value;
        max = read.size;
        const refs: ItemReference[] = [];
        for (const change of page.changes) if (change.type === "Create" || change.type === "Update") refs.push(change.itemId);
        const first = listed;
        listed += refs.length;
        const batches = chunk(refs, size).map((batch, b) => slots.run(() => getItemBatch(client, batch, first + b * size, callOptions)));
        const items = Promise.all(batches).then((r) => r.flat());
        items.catch(() => {}); // awaited by the consumer; a walk abandoned early must not leave it unhandled
        queue.push({ page, items });
        notify();
        if (page.includesLastItemInRange) return;
        if (page.changes.length === 0 && page.syncState === state) {
          throw new EwsProtocolError("SyncFolderItems: server reported more changes but returned none and the same state");
        }
        state = page.syncState;
      }
    } catch (error) {
      listingError = { error };
    } finally {
      listingDone = true;
      notify();
    }
  };
  const listing = list();
  try {
    for (;;) {
      if (queue.length === 0) {
        if (listingDone) {
          if (listingError) throw listingError.error;
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const next = queue[0]!;
      const items = await next.items;
      queue.shift();
      const r = roomFor;
      roomFor = undefined;
      r?.();
      yield { ...next.page, items };
    }
  } finally {
    stop.abort();
    const r = roomFor;
    roomFor = undefined;
    r?.();
    await listing;
  }
}

