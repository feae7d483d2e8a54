/**
 * A first pull in pages: the cycle's steps for a pair whose state is empty, run page by page as
 * a side lists its collection ({@link SyncSide.listPages}), so that the first items are written
 * while the rest of the listing is read, and the collection's texts are never all held at once.
 *
 * It is taken only where it is safe and simple — every item is a create, nothing to pair by UID:
 * a full cycle (both feeds, nothing pending, not a dry run), no journal, no records, no cursor on
 * the paged slot, and the other slot's feed a complete listing that names no item. Anything else
 * takes the cycle's usual steps (`cycle.ts`), with the other slot's feed, if read, kept.
 *
 * Per page: the items are taken as read (those without content are read through `fetch`, as
 * `Cycle.read` does), planned against the empty state (`plan.ts`, so policy, tags and read-only
 * sides apply as usual), marked by the unconfirmed-item rule, and executed (`execute.ts`, with the
 * cycle's re-plan) — one page at a time, while the next is read and planned ({@link PAGES_IN_FLIGHT}
 * pages held at most), so writing one page overlaps reading the next and each side sees no more
 * calls at once than its `maxConcurrency`. An item whose UID an earlier page's item took waits for the end and is planned
 * against the records stored for that UID (it is then given a UID of its own, as in one plan).
 * The cursors (both slots) are committed once the listing ended and every page was written,
 * exactly as the cycle's last step does. A listing cut or malformed midway stops the cycle
 * (`feed-failed`) once the pages in flight are written; a crash leaves journaled or recorded
 * creates only. Either way no cursor is stored, and the next cycle — records now exist — takes the
 * usual steps and finishes the pull without a duplicate.
 *
 * Progress: `reading` 0 of 2 once the pull in pages is chosen, `writing` over the items listed so
 * far, `done` with the number of actions. Reports, item events, failures and pending ids go
 * through the cycle's recorder as on the usual path.
 *
 * @module
 */
import { REPLAN_ROUNDS } from "./defaults.js";
import { EngineError } from "./errors.js";
import type { ExecuteObserver } from "./execute.js";
import { assignedUid, plan, type Action, type PlanPolicy, type Snapshot, type SlotChanges } from "./plan.js";
import type { CycleRecorder } from "./recorder.js";
import { causeCodeOf, type PairReport } from "./report.js";
import type { CycleOptions, CycleScope } from "./scope.js";
import type { ChangeFeed, ListingPage, SideItem, SyncSide } from "./side.js";
import { otherSlot, SLOTS, type ItemRecord, type PairRecord, type Slot, type StateStore } from "./state.js";
import type { UnconfirmedItems } from "./unconfirmed.js";
import type { StateWriter } from "./writer.js";

/** What a first pull in pages uses of the cycle it runs in (`cycle.ts`: the steps and state it shares). */
export interface PagedCycle {
  readonly deps: { store: StateStore; sides: Record<Slot, SyncSide>; policy: PlanPolicy };
  readonly pair: PairRecord;
  readonly options: CycleOptions;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly recorder: CycleRecorder;
  readonly writer: StateWriter;
  readonly report: PairReport;
  readonly fed: Set<Slot>;
  readonly feeds: Partial<Record<Slot, ChangeFeed>>;
  readonly fromFeed: Record<Slot, Map<string, SideItem>>;
  readonly unconfirmed: UnconfirmedItems;
  /** The hashes the cycle computed, by text. */
  readonly hashes: Map<string, string>;
  stopCause: string | undefined;
  fetchFeeds(slots: readonly Slot[]): Promise<void>;
  read(slot: Slot, ids: readonly string[]): Promise<{ items: Snapshot[]; missing: string[] }>;
  executeWithReplan(actions: Action[], observer: (round: number) => ExecuteObserver): Promise<void>;
  commitCursors(total: number): Promise<void>;
}

/** Pages held at once: one being written while the next is read and planned (pages execute one at a time). */
export const PAGES_IN_FLIGHT = 2;

/**
 * Runs the cycle as a first pull in pages when it may (see the module comment); false when the
 * cycle is to take its usual steps.
 */
export async function pagedFirstPull(cycle: PagedCycle, requested: CycleScope): Promise<boolean> {
  const slot = await pagedSlot(cycle, requested);
  if (!slot) return false;
  const other = otherSlot(slot);
  // The other slot's feed first (a vdir folder's is cheap): any item there may pair by UID.
  cycle.fed.add(other);
  await cycle.fetchFeeds([other]);
  const feed = cycle.feeds[other]!;
  if (!feed.complete || feed.windowed || feed.changed.length > 0 || feed.deleted.length > 0) {
    cycle.fed.delete(other);
    return false;
  }
  await new PagedPull(cycle, slot).run();
  return true;
}

/** The slot to pull in pages, or null (see the module comment). */
async function pagedSlot(cycle: PagedCycle, requested: CycleScope): Promise<Slot | null> {
  const { deps, pair } = cycle;
  if (cycle.dryRun) return null;
  if (!SLOTS.every((s) => "feed" in requested[s] && pair.pending[s].length === 0)) return null;
  const slot = (["remote", "local"] as const).find((s) => deps.sides[s].listPages !== undefined && pair.cursors[s] === null);
  if (!slot) return null;
  if ((await deps.store.listJournal(pair.id)).length > 0) return null;
  // No records: ids and versions only where the store can list them apart from the items.
  const { store } = deps;
  if (store.listVersions) {
    for (const s of SLOTS) if ((await store.listVersions(pair.id, s)).size > 0) return null;
    return slot;
  }
  return (await store.listItems(pair.id)).length > 0 ? null : slot;
}

/** One first pull in pages. */
class PagedPull {
  /** Ids listed so far (each must be listed once). */
  readonly listed = new Set<string>();
  /** UIDs planned so far: an item listed later with one of them waits for the end ({@link deferred}). */
  readonly taken = new Set<string>();
  readonly deferred: Snapshot[] = [];
  /** Executions of pages in flight, oldest first. */
  readonly inflight: Array<Promise<void>> = [];
  /** Actions finished (for progress) and planned (for the last progress event). */
  finished = 0;
  planned = 0;

  constructor(
    readonly cycle: PagedCycle,
    readonly slot: Slot,
  ) {}

  async run(): Promise<void> {
    const { cycle, slot } = this;
    const { pair, deps, options } = cycle;
    const side = deps.sides[slot];
    cycle.fed.add(slot);
    cycle.recorder.progress("reading", 0, 2);
    cycle.report[slot].feedRequests++;
    const pages = side.listPages!(pair[slot].collection, options.signal)[Symbol.asyncIterator]();
    let cursor: string | null | undefined;
    try {
      for (;;) {
        // The next page is read while at most one other is being written.
        while (this.inflight.length >= PAGES_IN_FLIGHT) await this.inflight.shift();
        let step: IteratorResult<ListingPage>;
        try {
          step = await pages.next();
        } catch (error) {
          throw this.feedFailed(error);
        }
        if (step.done) break;
        const page = step.value;
        if (cursor !== undefined) throw this.feedFailed(new Error("items listed after the end of the listing"));
        if (page.type === "end") cursor = page.cursor;
        else await this.page(page.items);
      }
      if (cursor === undefined) throw this.feedFailed(new Error("the listing ended without its cursor"));
      await this.drain();
      if (this.deferred.length > 0) await this.planDeferred();
    } catch (error) {
      // What is in flight is written (and recorded or journaled) before the cycle stops.
      await Promise.allSettled(this.inflight);
      await pages.return?.().catch(() => undefined);
      throw error;
    }
    cycle.feeds[slot] = { cursor, changed: [], deleted: [], complete: true };
    await cycle.commitCursors(this.planned);
  }

  /** One page: read (taken as listed, or fetched), planned, and its execution started. */
  async page(entries: ReadonlyArray<{ id: string; version: string | null } | SideItem>): Promise<void> {
    const { cycle, slot } = this;
    const ids: string[] = [];
    for (const entry of entries) {
      if (this.listed.has(entry.id)) throw this.feedFailed(new Error(`the listing names ${entry.id} twice`));
      this.listed.add(entry.id);
      ids.push(entry.id);
      if ("text" in entry && typeof entry.text === "string") cycle.fromFeed[slot].set(entry.id, entry);
      // First seen in this cycle's feed: confirmed with its cursor (the unconfirmed-item rule).
      cycle.unconfirmed.stillNew[slot].add(entry.id);
    }
    // Entries without content are fetched from the listed side, which may be taking UID tags from
    // the page being written: the reads wait for it, so that side too sees at most its `maxConcurrency` calls.
    if (ids.some((id) => !cycle.fromFeed[slot].has(id))) await this.drain();
    const { items } = await cycle.read(slot, ids);
    const now: Snapshot[] = [];
    for (const snap of items) {
      const uid = snap.uid ?? assignedUid(slot, snap.id);
      if (this.taken.has(uid)) this.deferred.push(snap);
      else now.push(snap);
    }
    const actions = this.plan(now, []);
    for (const action of actions) this.taken.add(action.uid);
    this.start(actions, now);
  }

  /** Plans snapshots of the paged slot against `records` (the empty state, or what was stored for deferred UIDs). */
  plan(snapshots: Snapshot[], records: ItemRecord[]): Action[] {
    const { cycle, slot } = this;
    const changes: Record<Slot, SlotChanges> = { local: { changed: [], deleted: [] }, remote: { changed: [], deleted: [] } };
    changes[slot].changed = snapshots;
    // A plan over an empty state deletes nothing: the mass-deletion guard has nothing to stop.
    const actions = cycle.unconfirmed.markActions(plan({ records, changes, policy: cycle.deps.policy, now: cycle.startedAt }));
    this.planned += actions.length;
    return actions;
  }

  /**
   * Starts executing a page's actions. Once it is written, what the cycle keeps of its texts is
   * dropped — their hashes, and the writer's records and basis texts (nothing later reads them: the
   * cursors' confirmation covers every record of the pair, and deferred items read theirs from the
   * state) — so the cycle holds the texts of the pages in flight only.
   */
  start(actions: Action[], snapshots: readonly Snapshot[]): void {
    if (actions.length === 0) return;
    const { cycle } = this;
    // One page executes at a time, after the one before it (never after one that failed): each side
    // then sees at most its `maxConcurrency` calls, as on the usual path.
    const previous = this.inflight[this.inflight.length - 1] ?? Promise.resolve();
    const run = previous.then(() => cycle.executeWithReplan(actions, (round) => this.observer(round))).then(() => {
      for (const snap of snapshots) cycle.hashes.delete(snap.text);
      const { stored, basisText } = cycle.writer;
      for (const action of actions) {
        for (const write of action.writes) if ("text" in write) cycle.hashes.delete(write.text);
        const record = stored.get(action.uid);
        for (const slot of SLOTS) if (record?.[slot]) basisText[slot].delete(record[slot]!.id);
        stored.delete(action.uid);
      }
    });
    run.catch(() => undefined); // awaited in order; a failure must not go unhandled meanwhile
    this.inflight.push(run);
  }

  /** Outcomes to the recorder, progress over the items listed so far. */
  observer(round: number): ExecuteObserver {
    const willRetry = round < REPLAN_ROUNDS;
    return {
      outcome: (o) => {
        this.cycle.recorder.record(o, willRetry);
        if (!(o.status === "precondition" && willRetry)) this.finished++;
      },
      progress: () => this.cycle.recorder.progress("writing", this.finished, Math.max(this.finished, this.listed.size)),
    };
  }

  async drain(): Promise<void> {
    while (this.inflight.length > 0) await this.inflight.shift();
  }

  /** Items whose UID an earlier page took: planned against the records stored for those UIDs (as one plan would pair or re-UID them). */
  async planDeferred(): Promise<void> {
    const uids = new Set(this.deferred.map((snap) => snap.uid ?? assignedUid(this.slot, snap.id)));
    const records = (await this.cycle.deps.store.listItems(this.cycle.pair.id)).filter((r) => uids.has(r.uid));
    this.start(this.plan(this.deferred.splice(0), records), []);
    await this.drain();
  }

  /** The cycle's stop for a listing that failed (as `Cycle.fetchFeeds` reports a feed that fails). */
  feedFailed(error: unknown): EngineError {
    if (error instanceof EngineError) return error;
    this.cycle.stopCause ??= causeCodeOf(error);
    return new EngineError("feed-failed", `${this.slot} side ${this.cycle.deps.sides[this.slot].name}: ${(error as Error).message}`, this.cycle.pair.id);
  }
}
