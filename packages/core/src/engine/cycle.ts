/**
 * One cycle of one pair, as one story. {@link Cycle.run} is the list of its steps, in the order
 * they run; each step is a method defined below it, in the same order:
 *
 * 1. **Read feeds** — the journal is listed first; then each slot's change feed from its stored
 *    cursor (or, for a slot scoped to named items, nothing yet) — in full (cursor `null`) on a slot
 *    the journal holds a create for (see {@link Cycle.readFeeds}).
 * 2. **Quiet exit** — nothing named, pending, journaled or unconfirmed, and the feeds report no
 *    change (or list exactly the ids and versions the state holds, which confirms that slot's
 *    items): only the cursors move, without reading the state's items (the cheap poll).
 * 3. **Load state, resume journal** — the state's records; journal entries (side effects a dead
 *    process or a cut cycle left unrecorded) name items to read again. A cycle that finds any reads
 *    both change feeds, whatever its scope.
 * 4. **Read changes** — what the feeds and the scope name, by id, in batches; the other slot's
 *    feed too when a new item may exist there already; items of a side that renders onto a basis
 *    read again onto the other side's text.
 * 5. **Settle the journal** — by the resume rules of {@link JournalEntry} (`resume.ts`): actions
 *    whose writes all happened are adopted, actions partly done are completed with the journaled
 *    writes and adopted, the others are planned again from the previous record.
 * 6. **Plan** (`plan.ts`), records marked by the unconfirmed-item rule (`unconfirmed.ts`).
 * 7. **Safety** — a plan deleting too much stops the cycle before anything is written.
 * 8. **Execute with re-plan** — the adopted records and the cleared journal are committed, then
 *    the plan runs (`execute.ts`); items that changed under a write are re-read and re-planned.
 * 9. **Commit cursors** — only now, with the confirmations of the items the feeds covered and the
 *    ids left pending: everything the cursors cover was applied, or is pending by id.
 *
 * What the cycle shows of itself (report, events, pending ids) is kept by `recorder.ts`; its state
 * writes go through one queue fenced by the pair's lease (`writer.ts`). A cycle that stops before
 * step 8 leaves the journal for the next one.
 *
 * @module
 */
import { REPLAN_ROUNDS } from "./defaults.js";
import { EngineError } from "./errors.js";
import type { EngineEvents, TypedEmitter } from "./events.js";
import { execute, actionIds, type ActionOutcome, type ExecuteObserver } from "./execute.js";
import type { CycleLease } from "./lease.js";
import type { Logger } from "./log.js";
import { plan, type Action, type PlanPolicy, type Snapshot, type SlotChanges } from "./plan.js";
import { chunk, runPool } from "./pool.js";
import { CycleRecorder } from "./recorder.js";
import { causeCodeOf, foldReadDropped, type PairReport } from "./report.js";
import { resolveJournal, type Resumption } from "./resume.js";
import { FULL_SCOPE, type CycleOptions, type CycleScope, type SafetyOptions } from "./scope.js";
import { SideError, type ChangeFeed, type SideItem, type SyncSide } from "./side.js";
import { otherSlot, SLOTS, type ItemRecord, type JournalEntry, type PairRecord, type Slot, type StateOp, type StateStore } from "./state.js";
import { anyUnconfirmed, UnconfirmedItems } from "./unconfirmed.js";
import { modifiedOfText } from "./vobject.js";
import { StateWriter } from "./writer.js";
import { pagedFirstPull } from "./pages.js";

/** Everything a cycle needs besides the pair (built by the engine, with the defaults of `defaults.ts`). */
export interface CycleDeps {
  store: StateStore;
  sides: Record<Slot, SyncSide>;
  policy: PlanPolicy;
  safety: SafetyOptions;
  hash(text: string): string;
  uidOf(text: string): string | null;
  events: TypedEmitter<EngineEvents>;
  logger: Logger;
  /**
   * The pair's lease the cycle runs under (the engine always passes one): every state write is
   * fenced by it, and a lost lease stops the cycle with `lease-lost` at its next write.
   */
  lease?: CycleLease;
}

/**
 * Runs one cycle of a pair over `scope` (default: both change feeds). A slot scoped to named items
 * reads just those (no change feed, cursor kept): the call for a single item or a small set.
 * Throws {@link EngineError} for a pair-level stop.
 */
export async function runPairCycle(deps: CycleDeps, pair: PairRecord, options: CycleOptions, scope: CycleScope = FULL_SCOPE): Promise<PairReport> {
  return new Cycle(deps, pair, options).run(scope);
}

/** Same as {@link runPairCycle} but a pair-level error lands in the report instead of being thrown. */
export async function runPairCycleReporting(
  deps: CycleDeps,
  pair: PairRecord,
  options: CycleOptions,
  scope: CycleScope = FULL_SCOPE,
): Promise<PairReport> {
  const cycle = new Cycle(deps, pair, options);
  try {
    return await cycle.run(scope);
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    cycle.report.error = { code: error.code, message: error.message, ...(cycle.stopCause ? { cause: cycle.stopCause } : {}) };
    cycle.report.dryRun = error.code === "lease-lost" || cycle.wrote ? (options.dryRun ?? false) : true; // stopped part-way: what it wrote is in the report
    deps.logger.error("pair stopped", { pair: pair.id, code: error.code });
    return cycle.report;
  }
}

/** Per-slot sets and maps, one of each per slot. */
const perSlot = <T>(make: () => T): Record<Slot, T> => ({ local: make(), remote: make() });

class Cycle {
  readonly recorder: CycleRecorder;
  readonly writer: StateWriter;
  /** The cycle's time: when the state first saw the revisions read in it. */
  readonly startedAt = new Date().toISOString();
  readonly dryRun: boolean;

  // What the steps find, in the order they find it.
  /** Side effects a dead process or a cut cycle left unrecorded. */
  journal: JournalEntry[] = [];
  scope: CycleScope = FULL_SCOPE;
  /** Slots whose change feed this cycle reads (their cursors move at the end). */
  readonly fed = new Set<Slot>();
  /** Fed slots read with a complete listing (cursor `null`) instead of from their stored cursor: those with a journaled create. */
  readonly listedInFull = new Set<Slot>();
  readonly feeds: Partial<Record<Slot, ChangeFeed>> = {};
  /** The state's records (the adopted ones replace theirs once the journal is settled). */
  records: ItemRecord[] = [];
  /** Ids (and versions) counted as known per slot: the state's, and the journaled ones. */
  readonly known = perSlot(() => new Map<string, string | null>());
  /** Ids the state held per slot when the cycle began. */
  readonly stateIds = perSlot(() => new Set<string>());
  /** Ids to read again by id: pending from earlier cycles, and the journaled items. */
  readonly carried: Record<Slot, Set<string>>;
  /** Items whose feed entry carried their content, to be taken as read instead of fetched (each once). */
  readonly fromFeed = perSlot(() => new Map<string, SideItem>());
  /** What the plan is given: items read, ids gone. */
  readonly changes = perSlot((): SlotChanges => ({ changed: [], deleted: [] }));
  readonly unconfirmed: UnconfirmedItems;
  /** The adopted records and the cleared journal, committed before the plan is executed. */
  readonly resumeOps: StateOp[] = [];
  actions: Action[] = [];
  /** The code of the side error that stopped the cycle (an unreadable feed), for the report. */
  stopCause: string | undefined;
  wrote = false; // whether the cycle began writing: a stop after that is no dry run (a pull in pages can stop with pages written)
  /** The hashes this cycle computed, by text: a text read, then written and recorded, is hashed once (a first pull in pages drops a page's once written). */
  readonly hashes = new Map<string, string>();
  /** The pair's content hash, computed once per text in this cycle. */
  readonly hash = (text: string): string => {
    let hash = this.hashes.get(text);
    if (hash === undefined) this.hashes.set(text, (hash = this.deps.hash(text)));
    return hash;
  };

  constructor(
    readonly deps: CycleDeps,
    readonly pair: PairRecord,
    readonly options: CycleOptions,
  ) {
    this.recorder = new CycleRecorder(pair.id, deps.events, deps.logger);
    this.writer = new StateWriter(deps.store, deps.lease);
    this.dryRun = options.dryRun ?? false;
    this.carried = { local: new Set(pair.pending.local), remote: new Set(pair.pending.remote) };
    this.unconfirmed = new UnconfirmedItems({ fed: this.fed, known: this.known, stateIds: this.stateIds });
  }

  get report(): PairReport {
    return this.recorder.report;
  }

  /** The cycle, step by step. */
  async run(requested: CycleScope): Promise<PairReport> {
    this.report.dryRun = this.dryRun;
    if (await pagedFirstPull(this, requested)) return this.report; // a first pull in pages (pages.ts)
    await this.readFeeds(requested);
    if (await this.quietExit()) return this.report;
    await this.loadState();
    this.resumeJournal();
    await this.readChanges();
    await this.settleJournal();
    this.planActions();
    this.checkSafety();
    if (this.dryRun) {
      this.report.plan = this.actions;
      return this.report;
    }
    await this.executeWithReplan();
    await this.commitCursors();
    return this.report;
  }

  /**
   * 1. The journal, then the change feeds of the slots scoped to them (all of them when the journal
   * holds entries). A slot the journal holds a create for is listed in full (cursor `null`): the
   * create is found by its UID among the items the slot holds that the state does not know, and an
   * incremental feed need not name every new item (a Graph calendar view's delta never names an
   * event outside its window: the create would be made twice). Only a resuming cycle pays for it.
   */
  async readFeeds(requested: CycleScope): Promise<void> {
    this.journal = await this.deps.store.listJournal(this.pair.id);
    // Interrupted side effects are resolved against both change feeds (a create is found by its UID
    // among the items new on its slot), so a cycle that finds any reads both.
    this.scope = this.journal.length ? FULL_SCOPE : requested;
    for (const slot of SLOTS) if ("feed" in this.scope[slot]) this.fed.add(slot);
    for (const entry of this.journal) if (entry.op === "create" && this.fed.has(entry.slot)) this.listedInFull.add(entry.slot);
    this.recorder.progress("reading", 0, 2);
    await this.fetchFeeds([...this.fed].filter((slot) => !this.feeds[slot] || this.listedInFull.has(slot))); // not one pages.ts read
  }

  /** 2. Nothing named, pending, interrupted or unconfirmed, and the feeds report no change: only the cursors move. */
  async quietExit(): Promise<boolean> {
    const { fed, feeds, pair, scope } = this;
    const quiet =
      this.journal.length === 0 &&
      SLOTS.every((slot) => pair.pending[slot].length === 0 && ("feed" in scope[slot] ? true : scope[slot].items.length === 0)) &&
      [...fed].every((slot) => feeds[slot]!.complete || (feeds[slot]!.changed.length === 0 && feeds[slot]!.deleted.length === 0));
    if (!quiet) return false;
    // A full listing that names exactly what the state holds confirms every item on its slot; an
    // item unconfirmed on a slot whose incremental feed is empty must be read by id (a full cycle).
    const listing = [...fed].filter((slot) => feeds[slot]!.complete);
    if (await anyUnconfirmed(this.deps.store, pair.id, [...fed].filter((slot) => !feeds[slot]!.complete))) return false;
    for (const slot of listing) if (!(await this.listingMatchesState(slot))) return false;
    const confirm = await Promise.all(listing.map((slot) => this.deps.store.hasUnconfirmed(pair.id, slot)));
    const cursors = { ...pair.cursors };
    for (const slot of fed) cursors[slot] = feeds[slot]!.cursor;
    if (!this.dryRun && (confirm.some(Boolean) || SLOTS.some((slot) => cursors[slot] !== pair.cursors[slot]))) {
      await this.writer.write([
        ...listing.filter((_, i) => confirm[i]).map((slot): StateOp => ({ op: "confirm-slot", pairId: pair.id, slot })),
        { op: "set-cursors", pairId: pair.id, cursors, pending: { local: [], remote: [] } },
      ]);
    }
    if (this.dryRun) this.report.plan = [];
    this.recorder.progress("done", 0, 0);
    return true;
  }

  /**
   * Whether a slot's full listing names exactly the ids the state holds there, each at the version
   * the state holds: then it reports no change. Reads ids and versions only; a store that cannot
   * list them apart from the items answers no (the cycle runs in full).
   */
  async listingMatchesState(slot: Slot): Promise<boolean> {
    const { store } = this.deps;
    const listed = this.feeds[slot]!.changed;
    if (!store.listVersions) return false;
    const versions = await store.listVersions(this.pair.id, slot);
    if (versions.size !== listed.length) return false;
    const seen = new Set<string>();
    for (const item of listed) {
      if (item.version === null || versions.get(item.id) !== item.version) return false;
      seen.add(item.id);
    }
    return seen.size === versions.size;
  }

  /** 3a. The state's records, and the ids it knows on each slot. */
  async loadState(): Promise<void> {
    this.records = await this.deps.store.listItems(this.pair.id);
    for (const r of this.records) {
      this.writer.noteBasis(r);
      for (const slot of SLOTS) if (r[slot]) this.known[slot].set(r[slot]!.id, r[slot]!.version);
    }
    for (const slot of SLOTS) for (const id of this.known[slot].keys()) this.stateIds[slot].add(id);
  }

  /**
   * 3b. Side effects a crash interrupted: their items are read again this cycle (the journal stays
   * until they are settled, step 5). The unwritten slot an action would have recorded is read too,
   * and counts as known, so that its deletion since is seen.
   */
  resumeJournal(): void {
    if (this.journal.length === 0) return;
    const { carried, known } = this;
    const byUid = new Map(this.records.map((r) => [r.uid, r]));
    const carry = (slot: Slot, id: string): void => {
      carried[slot].add(id);
      if (!known[slot].has(id)) known[slot].set(id, null);
    };
    for (const entry of this.journal) {
      if (entry.itemId) carry(entry.slot, entry.itemId);
      // The unwritten slot's item, or the item of the action's other write: read, and known.
      const otherId = entry.detail?.other?.id ?? entry.detail?.otherWrite?.itemId;
      if (otherId) carry(otherSlot(entry.slot), otherId);
      for (const slot of SLOTS) {
        const id = byUid.get(entry.uid)?.[slot]?.id;
        if (id) carried[slot].add(id);
      }
    }
    this.deps.logger.info("resuming interrupted side effects", { pair: this.pair.id, entries: this.journal.length });
  }

  /** 4. Reads what the feeds, the scope and the journal name. */
  async readChanges(): Promise<void> {
    const toRead = this.namedItems();
    this.processFeeds([...this.fed], toRead);
    for (const slot of SLOTS) {
      const deleted = new Set(this.changes[slot].deleted);
      for (const id of this.carried[slot]) if (!deleted.has(id)) toRead[slot].add(id);
    }
    this.recorder.progress("reading", 1, 2);
    await this.readItems(toRead);
    await this.readOtherFeeds();
    await this.rereadOntoBasis();
    // What the feeds carried is used up or stale now: a later read (a re-plan) asks the side.
    for (const slot of SLOTS) this.fromFeed[slot].clear();
    this.recorder.progress("reading", 2, 2);
  }

  /** 5. Settles the journal: adopts what happened, completes what partly happened, leaves the rest to the plan. */
  async settleJournal(): Promise<void> {
    this.recorder.progress("planning", 0, 1);
    this.unconfirmed.noteFirstSeen(this.feeds);
    if (this.journal.length === 0) return;
    const resolved = resolveJournal({ journal: this.journal, records: this.records, changes: this.changes, hash: this.hash });
    if (!this.dryRun) await this.completeInterrupted(resolved.filter((r) => r.outcome === "complete"));
    const adopted = new Map<string, ItemRecord | null>();
    const byUid = new Map(this.records.map((r) => [r.uid, r]));
    const deleted = perSlot(() => new Set<string>());
    for (const slot of SLOTS) for (const id of this.changes[slot].deleted) deleted[slot].add(id);
    for (const r of resolved) {
      this.deps.logger.info("interrupted side effect resolved", { pair: this.pair.id, uid: r.uid, outcome: r.outcome, ...r.writes });
      if (r.outcome !== "adopted") continue;
      this.unconfirmed.mark(r.record, byUid.get(r.uid) ?? null);
      adopted.set(r.uid, r.record);
      for (const slot of SLOTS) {
        const id = r.deletedSince[slot];
        if (id !== undefined && !deleted[slot].has(id)) {
          deleted[slot].add(id);
          this.changes[slot].deleted.push(id);
        }
      }
      this.resumeOps.push(r.record ? { op: "put-item", pairId: this.pair.id, item: r.record } : { op: "delete-item", pairId: this.pair.id, uid: r.uid });
    }
    this.records = [...this.records.filter((r) => !adopted.has(r.uid)), ...[...adopted.values()].filter((r): r is ItemRecord => r !== null)];
    this.resumeOps.push({ op: "journal-clear", pairId: this.pair.id });
  }

  /** 6. The plan, its records marked by the unconfirmed-item rule. */
  planActions(): void {
    this.actions = this.unconfirmed.markActions(plan({ records: this.records, changes: this.changes, policy: this.deps.policy, now: this.startedAt }));
    this.recorder.progress("planning", 1, 1);
  }

  /** 7. The mass-deletion guard: a plan deleting too much of a side stops the cycle, the plan in the report. */
  checkSafety(): void {
    const { safety, sides } = this.deps;
    for (const slot of SLOTS) {
      const deletes = this.actions.flatMap((a) => a.writes).filter((w) => w.op === "delete" && w.slot === slot).length;
      const knownCount = this.known[slot].size;
      if (!this.options.allowMassDelete && deletes > safety.massDeleteMinimum && deletes > safety.massDeleteRatio * knownCount) {
        this.report.plan = this.actions;
        throw new EngineError(
          "mass-delete",
          `the cycle would delete ${deletes} of ${knownCount} items on the ${slot} side (${sides[slot].name}); nothing was written. ` +
            "If that is intended, run again with allowMassDelete: true",
          this.pair.id,
        );
      }
    }
  }

  /** 8. Commits what the journal settled, then executes `actions` (each round observed by `observer`); items that changed under a write are re-read and re-planned. */
  async executeWithReplan(actions = this.actions, observer = (round: number, base: number, total: number): ExecuteObserver => this.recorder.round(round < REPLAN_ROUNDS, base, total)): Promise<void> {
    this.wrote = true;
    if (this.resumeOps.length) await this.writer.write(this.resumeOps);
    const total = actions.length;
    let base = 0;
    for (let round = 0; actions.length > 0; round++) {
      const outcomes = await this.execute(actions, observer(round, base, total));
      base += outcomes.filter((o) => o.status !== "precondition").length;
      const stale = outcomes.filter((o) => o.status === "precondition");
      if (stale.length === 0) break;
      if (round >= REPLAN_ROUNDS) {
        for (const o of stale) this.recorder.keepPending(o.action, o);
        break;
      }
      actions = this.unconfirmed.markActions(await this.replan(stale));
    }
  }

  /** 9. Only now move the cursors: everything they cover was applied, or is pending by id. `total`: the actions the cycle ran, for the last progress event. */
  async commitCursors(total = this.actions.length): Promise<void> {
    const { fed, pair } = this;
    const cursors = { ...pair.cursors };
    for (const slot of fed) cursors[slot] = this.feeds[slot]!.cursor;
    const pending = (slot: Slot) => [...new Set([...this.recorder.pending[slot], ...(fed.has(slot) ? [] : pair.pending[slot])])];
    await this.writer.write([
      ...this.confirmOps(),
      { op: "set-cursors", pairId: pair.id, cursors, pending: { local: pending("local"), remote: pending("remote") } },
      { op: "journal-clear", pairId: pair.id },
    ]);
    this.recorder.progress("done", total, total);
  }

  /**
   * The writes that confirm, with the cursors, the items their feeds covered (see
   * `UnconfirmedItems.confirmOps`). Where every item unconfirmed on a fed slot is one of those
   * (a first pull: each item read from a feed is stored unconfirmed until its cursor is), one
   * `confirm-slot` says the same as a record per item, without writing every record again
   * (10,000 rows with their texts in the cycle's last transaction).
   */
  confirmOps(): StateOp[] {
    const { pair, records, unconfirmed, writer } = this;
    const fedSlots = [...this.fed].filter((slot) => unconfirmed.stillNew[slot].size > 0);
    if (fedSlots.length === 0) return [];
    const latest = new Map<string, ItemRecord | null>(records.map((r) => [r.uid, r]));
    for (const [uid, r] of writer.stored) latest.set(uid, r);
    const whole = (slot: Slot): boolean => {
      for (const r of latest.values()) {
        const state = r?.[slot];
        if (state?.unconfirmed && !unconfirmed.stillNew[slot].has(state.id)) return false;
      }
      return true;
    };
    // The records the state holds are `latest` (loaded, then written by this cycle through the writer).
    if (!fedSlots.every(whole)) return unconfirmed.confirmOps(pair, records, writer.stored);
    return fedSlots.map((slot): StateOp => ({ op: "confirm-slot", pairId: pair.id, slot }));
  }

  // ── What the steps use ───────────────────────────────────────────────────────────────────────

  /** Reads the change feeds of `slots` from their stored cursors (in full: {@link listedInFull}); a feed that fails stops the pair (`feed-failed`). */
  async fetchFeeds(slots: readonly Slot[]): Promise<void> {
    const { sides } = this.deps;
    await Promise.all(
      slots.map(async (slot) => {
        try {
          this.report[slot].feedRequests++;
          const cursor = this.listedInFull.has(slot) ? null : this.pair.cursors[slot];
          this.feeds[slot] = await sides[slot].changes(this.pair[slot].collection, cursor, this.options.signal);
        } catch (error) {
          this.stopCause ??= causeCodeOf(error);
          throw new EngineError("feed-failed", `${slot} side ${sides[slot].name}: ${(error as Error).message}`, this.pair.id);
        }
      }),
    );
  }

  /** The items the scope names on slots read by id, less those already settled (gone and never synced, or an echo). */
  namedItems(): Record<Slot, Set<string>> {
    const toRead = perSlot(() => new Set<string>());
    for (const slot of SLOTS) {
      const named = this.scope[slot];
      if ("feed" in named) continue;
      for (const hint of named.items) {
        const version = this.known[slot].get(hint.id);
        if (version === undefined && hint.gone) continue; // gone, and never synced: nothing to do
        if (hint.version != null && version === hint.version) continue; // the state holds that revision already (an echo)
        toRead[slot].add(hint.id);
      }
    }
    return toRead;
  }

  /** What the feeds of `slots` (already fetched) mean: items to read into `into`, deletions; an emptied side stops the pair. */
  processFeeds(slots: readonly Slot[], into: Record<Slot, Set<string>>): void {
    for (const slot of slots) {
      const feed = this.feeds[slot]!;
      const stateCount = this.stateIds[slot].size;
      // Emptied: a full listing with nothing in it, or changes since the cursor (a sync-collection
      // report, SyncFolderItems) that delete every item the state knows there and add none.
      const emptied =
        feed.changed.length === 0 &&
        stateCount > 0 &&
        ((feed.complete && !feed.windowed) || (stateCount >= this.deps.safety.emptiedMinimum && feed.deleted.length >= stateCount && everyIn(this.stateIds[slot], new Set(feed.deleted))));
      if (emptied && !this.options.allowEmptySide) {
        throw new EngineError(
          "empty-side",
          `the ${slot} side (${this.deps.sides[slot].name}) ${feed.complete ? "lists no items" : `reports every one of its items deleted`} while the state knows ${stateCount}; ` +
            "nothing was written. If the collection was really emptied, run again with allowEmptySide: true",
          this.pair.id,
        );
      }
      const listed = new Set<string>();
      // A side that renders onto a basis renders a feed's texts onto none: they are taken only for
      // ids the state holds no text of (see `read`).
      const rendersOnBasis = this.deps.sides[slot].capabilities.rendersOnBasis === true;
      let carriesText = false;
      for (const item of feed.changed) {
        listed.add(item.id);
        const version = this.known[slot].get(item.id);
        const text = "text" in item && typeof item.text === "string";
        carriesText ||= text;
        if (item.version === null || version === undefined || version !== item.version) {
          into[slot].add(item.id);
          if (text && (!rendersOnBasis || (version === undefined && !this.writer.basisText[slot].has(item.id)))) this.fromFeed[slot].set(item.id, item as SideItem);
        }
      }
      // The feed keeps ids and versions only: the texts needed are in `fromFeed`, the others are dropped.
      if (carriesText) feed.changed = feed.changed.map((item) => ({ id: item.id, version: item.version }));
      const deleted = new Set(feed.deleted);
      if (feed.complete) {
        // A windowed listing's absences are read by id (`readItems` deletes those found gone).
        for (const id of this.known[slot].keys()) if (!listed.has(id) && !deleted.has(id)) (feed.windowed ? into[slot] : deleted).add(id);
      }
      // Items the state learned of after the cursor: listed, or read by id to be sure.
      this.unconfirmed.noteFeed(slot, feed, this.records, listed, deleted, into[slot]);
      for (const id of deleted) if (!into[slot].has(id)) this.changes[slot].deleted.push(id);
    }
  }

  /** Reads `ids` on both slots into the changes; ids found gone that the state knows are deletions. */
  async readItems(ids: Record<Slot, Set<string>>): Promise<void> {
    await Promise.all(
      SLOTS.map(async (slot) => {
        const { items, missing } = await this.read(slot, [...ids[slot]]);
        const feed = this.feeds[slot];
        const stateCount = this.stateIds[slot].size;
        // A windowed listing that named nothing, and every item the state knows read gone: emptied.
        if (feed?.complete && feed.windowed && feed.changed.length === 0 && stateCount > 0 && items.length === 0 && everyIn(this.stateIds[slot], new Set(missing)) && !this.options.allowEmptySide) {
          throw new EngineError(
            "empty-side",
            `the ${slot} side (${this.deps.sides[slot].name}) lists no items and every one of the ${stateCount} the state knows is gone; nothing was written. ` +
              "If the collection was really emptied, run again with allowEmptySide: true",
            this.pair.id,
          );
        }
        this.changes[slot].changed.push(...items);
        for (const id of missing) if (this.known[slot].has(id)) this.changes[slot].deleted.push(id);
      }),
    );
    for (const slot of SLOTS) this.unconfirmed.noteRead(slot, ids[slot], new Set(this.changes[slot].changed.map((c) => c.id)));
  }

  /**
   * A new item on one slot may exist on the other already, under its UID, since that slot's feed was
   * last read: read that feed too, so the plan pairs them instead of creating a second copy.
   */
  async readOtherFeeds(): Promise<void> {
    const { changes, fed, known } = this;
    for (let round = 0; round < 2; round++) {
      const more = SLOTS.filter((slot) => !fed.has(slot) && changes[otherSlot(slot)].changed.some((c) => !known[otherSlot(slot)].has(c.id)));
      if (more.length === 0) break;
      for (const slot of more) fed.add(slot);
      const extra = perSlot(() => new Set<string>());
      await this.fetchFeeds(more);
      this.processFeeds(more, extra);
      for (const slot of SLOTS) {
        const seen = new Set(changes[slot].changed.map((c) => c.id));
        for (const id of extra[slot]) if (seen.has(id)) extra[slot].delete(id);
      }
      await this.readItems(extra);
    }
  }

  /**
   * A first pairing with a side that renders onto a basis: its new items are read again onto the
   * other side's text, so what it cannot hold is not taken for a difference (a duplicate value, a conflict).
   */
  async rereadOntoBasis(): Promise<void> {
    const { changes, known } = this;
    for (const slot of SLOTS) {
      if (!this.deps.sides[slot].capabilities.rendersOnBasis) continue;
      const other = otherSlot(slot);
      const otherText = new Map<string, string>();
      for (const r of this.records) if (r[other] && !r[slot]) otherText.set(r.uid, r[other]!.text);
      for (const snap of changes[other].changed) if (snap.uid !== null) otherText.set(snap.uid, snap.text);
      const again = changes[slot].changed.filter((snap) => !known[slot].has(snap.id) && snap.uid !== null && otherText.has(snap.uid));
      if (again.length === 0) continue;
      const { items } = await this.read(slot, again.map((snap) => snap.id), new Map(again.map((snap) => [snap.id, otherText.get(snap.uid!)!])), true);
      const fresh = new Map(items.map((item) => [item.id, item]));
      changes[slot].changed = changes[slot].changed.map((snap) => fresh.get(snap.id) ?? snap);
    }
  }

  /**
   * Completes interrupted actions some of whose writes happened: the others are made now, as
   * journaled; those that succeed are adopted (what was read of their items is stale now). One that
   * fails is left to the plan, from the previous record.
   */
  async completeInterrupted(toComplete: Resumption[]): Promise<void> {
    if (toComplete.length === 0) return;
    const byUid = new Map(this.records.map((r) => [r.uid, r]));
    const completions = this.unconfirmed.markActions(
      toComplete.map((r) => ({ kind: r.complete[0]!.op, uid: r.uid, writes: r.complete, previous: byUid.get(r.uid) ?? null, next: r.record, conflicts: [] })),
    );
    const completed = await this.execute(completions, this.recorder.completion());
    const byResumedUid = new Map(toComplete.map((r) => [r.uid, r]));
    const stale = perSlot(() => new Set<string>());
    for (const outcome of completed) {
      if (outcome.status !== "done") continue;
      const r = byResumedUid.get(outcome.action.uid)!;
      r.outcome = "adopted";
      r.record = outcome.record;
      for (const w of outcome.action.writes) if ("id" in w) stale[w.slot].add(w.id);
    }
    // What was read of the completed items is stale now.
    for (const slot of SLOTS) if (stale[slot].size) this.changes[slot].changed = this.changes[slot].changed.filter((c) => !stale[slot].has(c.id));
  }

  /** Executes actions against the sides, with state writes through this cycle's writer. */
  execute(actions: readonly Action[], observer: ExecuteObserver): Promise<ActionOutcome[]> {
    const { sides } = this.deps;
    return execute({ pair: this.pair, sides, hash: this.hash, writer: this.writer, observer, ...(this.options.signal ? { signal: this.options.signal } : {}) }, actions);
  }

  /**
   * Re-reads the items of actions whose write met a changed item, and plans them again — from the
   * record stored when only UID tags failed (the tag rule, `recordWithoutFailedTags`: the copy made
   * on one side and the item it copies as listed, so a deletion of the original since deletes the
   * copy, an edit is merged onto it and the item tagged again), else from the previous record.
   */
  async replan(stale: ActionOutcome[]): Promise<Action[]> {
    const records = stale.map((o) => o.record ?? o.action.previous).filter((r): r is ItemRecord => r !== null);
    const ids = perSlot(() => new Set<string>());
    const retag = perSlot(() => new Set<string>());
    for (const o of stale) {
      for (const slot of SLOTS) for (const id of actionIds(o.action, o)[slot]) ids[slot].add(id);
      if (o.record) for (const w of o.action.writes) if (w.op === "tag" && o.errors.some((e) => e.slot === w.slot && e.error.code === "precondition-failed")) retag[w.slot].add(w.id);
    }
    const changes = perSlot((): SlotChanges => ({ changed: [], deleted: [] }));
    for (const slot of SLOTS) {
      const { items, missing } = await this.read(slot, [...ids[slot]]);
      changes[slot].changed = items;
      changes[slot].deleted = missing;
    }
    this.deps.logger.info("re-planning items changed during the cycle", { pair: this.pair.id, items: stale.length });
    return plan({ records, changes, policy: this.deps.policy, now: this.startedAt, retag });
  }

  /**
   * Reads items by id on one slot: snapshots, ids found gone, ids that failed (kept pending). A side
   * that renders onto a basis gets, per id, the text the state holds of it, or the `basis` given;
   * `again`: a second read of items already read and reported (what they drop is not reported twice).
   */
  async read(slot: Slot, ids: readonly string[], basis?: ReadonlyMap<string, string>, again = false): Promise<{ items: Snapshot[]; missing: string[] }> {
    const side = this.deps.sides[slot];
    const items: Snapshot[] = [];
    const missing: string[] = [];
    const take = (id: string, answer: SideItem | SideError): void => {
      if (answer instanceof SideError) {
        if (answer.code === "not-found") missing.push(id);
        else this.recorder.fail(slot, id, null, answer.code, `read failed: ${answer.message}`);
        return;
      }
      try {
        // Inside the try: the UID of an item whose side gave none comes from its text, which may not be readable.
        const uid = answer.uid ?? this.deps.uidOf(answer.text);
        if (!again) foldReadDropped(this.report, slot, uid ?? "", id, answer.dropped ?? []);
        items.push({
          id: answer.id,
          version: answer.version,
          uid,
          text: answer.text,
          hash: this.hash(answer.text),
          ...modifiedOf(side, answer),
        });
      } catch (error) {
        this.recorder.fail(slot, id, answer.uid, (error as { code?: string }).code ?? "unreadable", `unreadable item: ${(error as Error).message}`);
      }
    };
    // Content the feed carried is taken once, for a plain read (a read onto a basis, or a second
    // read of an item changed under a write, asks the side). A side that renders onto a basis
    // rendered it onto none: it is taken only while the state holds no text of the id (a new item),
    // where a read would have had no basis to render onto either.
    const toFetch: string[] = [];
    const noBasis = (id: string) => !side.capabilities.rendersOnBasis || !this.writer.basisText[slot].has(id);
    for (const id of ids) {
      const carried = basis || again || !noBasis(id) ? undefined : this.fromFeed[slot].get(id);
      if (carried) {
        this.fromFeed[slot].delete(id);
        take(id, carried);
      } else toFetch.push(id);
    }
    await runPool(
      chunk(toFetch, side.capabilities.maxBatch).map((batch) => async () => {
        for (const [i, answer] of (await this.fetchBatch(slot, batch, basis)).entries()) take(batch[i]!, answer);
      }),
      side.capabilities.maxConcurrency,
    );
    if (!again) this.report[slot].fetched += items.length;
    return { items, missing };
  }

  /** One batch read from a side, one answer per id (a failed call: a transient error for each). */
  async fetchBatch(slot: Slot, batch: readonly string[], basis?: ReadonlyMap<string, string>): Promise<Array<SideItem | SideError>> {
    const side = this.deps.sides[slot];
    const collection = this.pair[slot].collection;
    try {
      let given: Map<string, string> | undefined;
      if (side.capabilities.rendersOnBasis) {
        given = new Map();
        for (const id of batch) {
          const text = basis?.get(id) ?? this.writer.basisText[slot].get(id);
          if (text !== undefined) given.set(id, text);
        }
      }
      const answers = given ? await side.fetch(collection, batch, this.options.signal, given) : await side.fetch(collection, batch, this.options.signal);
      if (answers.length !== batch.length) throw new Error(`${side.name} answered ${answers.length} items for ${batch.length}`);
      return answers;
    } catch (error) {
      return batch.map((id) => new SideError("transient", error instanceof Error ? error.message : String(error), id));
    }
  }
}

/**
 * The modification time of a revision read: what the side says, else the LAST-MODIFIED / REV its
 * text states — not for a side that renders onto a basis, whose text may carry the other side's.
 */
function modifiedOf(side: SyncSide, item: SideItem): { modified?: string } {
  const modified = item.modified ?? (side.capabilities.rendersOnBasis ? null : modifiedOfText(item.text));
  return modified ? { modified } : {};
}

/** Whether every member of `items` is in `set`. */
function everyIn(items: ReadonlySet<string>, set: ReadonlySet<string>): boolean {
  for (const item of items) if (!set.has(item)) return false;
  return true;
}
