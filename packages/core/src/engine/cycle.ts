/**
 * One cycle of one pair: read both change feeds, read what changed, plan, check safety, execute,
 * re-plan items that changed under us, and only then store the new cursors.
 *
 * A cycle that finds journal entries (side effects a dead process or a cut cycle left unrecorded)
 * reads both change feeds, whatever its scope, and re-reads the journaled items; before planning it
 * resolves them by the resume rules of {@link JournalEntry}: actions whose writes all happened are
 * adopted (their records stored as if they had finished), actions partly done are completed with
 * the journaled writes and adopted, the others are planned again from the previous record. The
 * adopted records and the cleared journal are committed together before the plan is executed; a
 * cycle that stops earlier leaves the journal for the next one.
 *
 * @module
 */
import { EngineError } from "./errors.js";
import type { EngineEvents, Logger, TypedEmitter } from "./events.js";
import type { CycleLease } from "./lease.js";
import { chunk, execute, runPool, type ActionOutcome } from "./execute.js";
import { plan, type Action, type PlanPolicy, type Snapshot, type SlotChanges } from "./plan.js";
import { resolveJournal } from "./resume.js";
import { emptyPairReport, type PairReport } from "./report.js";
import { SideError, type ChangeFeed, type NoticeItem, type SideItem, type SyncSide } from "./side.js";
import { modifiedOfText } from "./vobject.js";
import { otherSlot, SLOTS, type ItemRecord, type PairRecord, type Slot, type StateOp, type StateStore } from "./state.js";

/** Thresholds of the safety checks. */
export interface SafetyOptions {
  /** A cycle may delete at most this share of a side's known items… (default 0.2) */
  massDeleteRatio: number;
  /** …unless it deletes no more than this many (default 10). */
  massDeleteMinimum: number;
}

/** Per-run switches. */
export interface CycleOptions {
  /** Plan only: nothing is written, the plan is in the report. */
  dryRun?: boolean;
  /** Override of the mass-deletion guard (error code `mass-delete`). */
  allowMassDelete?: boolean;
  /** Override of the empty-side guard (error code `empty-side`). */
  allowEmptySide?: boolean;
  signal?: AbortSignal;
}

/**
 * What one cycle reads on a slot: its change feed (from the stored cursor, which then moves), or
 * only the items named — a notification's, or a host's — with the cursor left where it is.
 */
export type SlotScope = { feed: true } | { items: readonly NoticeItem[] };

/** What one cycle reads on each slot. */
export type CycleScope = Record<Slot, SlotScope>;

/** Both change feeds: the cycle of `runOnce()`. */
export const FULL_SCOPE: CycleScope = { local: { feed: true }, remote: { feed: true } };

/** Everything a cycle needs besides the pair. */
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
 * The modification time of a revision read: what the side says, else the LAST-MODIFIED / REV its
 * text states — not for a side that renders onto a basis, whose text may carry the other side's.
 */
function modifiedOf(side: SyncSide, item: SideItem): { modified?: string } {
  const modified = item.modified ?? (side.capabilities.rendersOnBasis ? null : modifiedOfText(item.text));
  return modified ? { modified } : {};
}

/** How many times an item that changed under a write is re-read and re-planned in the same cycle. */
const REPLAN_ROUNDS = 2;

class Cycle {
  readonly report: PairReport;
  readonly pending: Record<Slot, Set<string>> = { local: new Set(), remote: new Set() };
  #queue: Promise<void> = Promise.resolve();

  constructor(
    readonly deps: CycleDeps,
    readonly pair: PairRecord,
    readonly options: CycleOptions,
  ) {
    this.report = emptyPairReport(pair.id);
  }

  /** The item records this cycle stored (`null`: forgotten), by UID. */
  readonly stored = new Map<string, ItemRecord | null>();

  /** Per slot, the text the state holds of each item id: the basis a side that renders onto one reads with. */
  readonly basisText: Record<Slot, Map<string, string>> = { local: new Map(), remote: new Map() };

  /** The cycle's time: when the state first saw the revisions read in it. */
  readonly startedAt = new Date().toISOString();

  /** Keeps {@link basisText} in step with the records stored or read. */
  noteBasis(record: ItemRecord): void {
    for (const slot of SLOTS) {
      const state = record[slot];
      if (state) this.basisText[slot].set(state.id, state.text);
    }
  }

  /** State writes go through one queue, in order; under a lease, each is fenced by it. */
  commit(ops: StateOp[]): Promise<void> {
    const { lease } = this.deps;
    const run = this.#queue.then(async () => {
      if (!lease) await this.deps.store.write(ops);
      else {
        lease.check();
        try {
          await this.deps.store.write(ops, { lease: lease.current });
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

  progress(phase: "reading" | "planning" | "writing" | "done", done: number, total: number): void {
    this.deps.events.emit("progress", { pairId: this.pair.id, phase, done, total });
  }

  /**
   * Reads items by id on one slot: snapshots, ids found gone, ids that failed (kept pending). A side
   * that renders onto a basis gets, per id, the text the state holds of it, or the `basis` given;
   * `again`: a second read of items already read and reported (what they drop is not reported twice).
   */
  async read(slot: Slot, ids: readonly string[], basis?: ReadonlyMap<string, string>, again = false): Promise<{ items: Snapshot[]; missing: string[] }> {
    const side = this.deps.sides[slot];
    const basisOf = (batch: readonly string[]): ReadonlyMap<string, string> | undefined => {
      if (!side.capabilities.rendersOnBasis) return undefined;
      const out = new Map<string, string>();
      for (const id of batch) {
        const text = basis?.get(id) ?? this.basisText[slot].get(id);
        if (text !== undefined) out.set(id, text);
      }
      return out;
    };
    const items: Snapshot[] = [];
    const missing: string[] = [];
    const batches = chunk(ids, side.capabilities.maxBatch);
    await runPool(
      batches.map((batch) => async () => {
        let answers: Array<Awaited<ReturnType<SyncSide["fetch"]>>[number]>;
        try {
          const given = basisOf(batch);
          answers = given ? await side.fetch(this.pair[slot].collection, batch, this.options.signal, given) : await side.fetch(this.pair[slot].collection, batch, this.options.signal);
          if (answers.length !== batch.length) throw new Error(`${side.name} answered ${answers.length} items for ${batch.length}`);
        } catch (error) {
          answers = batch.map((id) => new SideError("transient", error instanceof Error ? error.message : String(error), id));
        }
        answers.forEach((answer, i) => {
          const id = batch[i]!;
          if (answer instanceof SideError) {
            if (answer.code === "not-found") missing.push(id);
            else this.fail(slot, id, null, answer.code, `read failed: ${answer.message}`);
            return;
          }
          const uid = answer.uid ?? this.deps.uidOf(answer.text) ?? "";
          if (!again) for (const d of answer.dropped ?? []) this.report[slot].dropped.push({ uid, id, property: d.property, reason: d.reason, on: "read" });
          try {
            items.push({
              id: answer.id,
              version: answer.version,
              uid: answer.uid ?? this.deps.uidOf(answer.text),
              text: answer.text,
              hash: this.deps.hash(answer.text),
              ...modifiedOf(side, answer),
            });
          } catch (error) {
            this.fail(slot, id, answer.uid, (error as { code?: string }).code ?? "unreadable", `unreadable item: ${(error as Error).message}`);
          }
        });
      }),
      side.capabilities.maxConcurrency,
    );
    if (!again) this.report[slot].fetched += items.length;
    return { items, missing };
  }

  fail(slot: Slot | null, id: string | null, uid: string | null, code: string, message: string): void {
    if (slot && id) this.pending[slot].add(id);
    this.report.errors.push({ uid, slot, id, code, message });
    this.deps.logger.warn("item failed", { pair: this.pair.id, slot, id, uid, code });
  }

  async run(requested: CycleScope): Promise<PairReport> {
    const { store, sides } = this.deps;
    const dryRun = this.options.dryRun ?? false;
    this.report.dryRun = dryRun;
    const journal = await store.listJournal(this.pair.id);
    // Interrupted side effects are resolved against both change feeds (a create is found by its UID
    // among the items new since the old cursor), so a cycle that finds any reads both.
    const scope = journal.length ? FULL_SCOPE : requested;
    /** Slots whose change feed this cycle reads (their cursors move at the end). */
    const fed = new Set<Slot>(SLOTS.filter((slot) => "feed" in scope[slot]));
    const feeds: Partial<Record<Slot, ChangeFeed>> = {};
    const fetchFeeds = (slots: readonly Slot[]) =>
      Promise.all(
        slots.map(async (slot) => {
          try {
            this.report[slot].feedRequests++;
            feeds[slot] = await sides[slot].changes(this.pair[slot].collection, this.pair.cursors[slot], this.options.signal);
          } catch (error) {
            throw new EngineError("feed-failed", `${slot} side ${sides[slot].name}: ${(error as Error).message}`, this.pair.id);
          }
        }),
      );
    // 1. Change feeds (fetched before the state's items are read), or the items the caller named.
    this.progress("reading", 0, 2);
    await fetchFeeds([...fed]);

    // Nothing named, nothing pending or interrupted, and the feeds report no change: only the
    // cursors move, without reading the state's items (the cheap poll of active mode).
    const quiet =
      journal.length === 0 &&
      SLOTS.every((slot) => this.pair.pending[slot].length === 0 && (fed.has(slot) || (scope[slot] as { items: readonly NoticeItem[] }).items.length === 0)) &&
      [...fed].every((slot) => !feeds[slot]!.complete && feeds[slot]!.changed.length === 0 && feeds[slot]!.deleted.length === 0);
    if (quiet && !(await Promise.all([...fed].map((slot) => store.hasUnconfirmed(this.pair.id, slot)))).some(Boolean)) {
      const cursors = { ...this.pair.cursors };
      for (const slot of fed) cursors[slot] = feeds[slot]!.cursor;
      if (!dryRun && SLOTS.some((slot) => cursors[slot] !== this.pair.cursors[slot])) {
        await this.commit([{ op: "set-cursors", pairId: this.pair.id, cursors, pending: { local: [], remote: [] } }]);
      }
      if (dryRun) this.report.plan = [];
      this.progress("done", 0, 0);
      return this.report;
    }
    const records = await store.listItems(this.pair.id);
    for (const r of records) this.noteBasis(r);

    // Side effects a crash interrupted: re-read those items this cycle (the journal stays until they
    // are resolved, below). The unwritten slot an action would have recorded is read too, and counts
    // as known, so that its deletion since is seen.
    const carried: Record<Slot, Set<string>> = { local: new Set(this.pair.pending.local), remote: new Set(this.pair.pending.remote) };
    const changes: Record<Slot, SlotChanges> = { local: { changed: [], deleted: [] }, remote: { changed: [], deleted: [] } };
    const known: Record<Slot, Map<string, string | null>> = { local: new Map(), remote: new Map() };
    for (const r of records) for (const slot of SLOTS) if (r[slot]) known[slot].set(r[slot]!.id, r[slot]!.version);
    /** How many items the state holds on each slot (the empty-side guard's measure). */
    const stateCount: Record<Slot, number> = { local: known.local.size, remote: known.remote.size };
    const stateIds: Record<Slot, Set<string>> = { local: new Set(known.local.keys()), remote: new Set(known.remote.keys()) };
    /**
     * Ids on fed slots whose creation this cycle's feed covers (first seen in it, or unconfirmed and
     * now listed or found by id): stored unconfirmed until the cursor is, confirmed with it at the end.
     */
    const stillNew: Record<Slot, Set<string>> = { local: new Set(), remote: new Set() };
    if (journal.length) {
      const byUid = new Map(records.map((r) => [r.uid, r]));
      for (const entry of journal) {
        if (entry.itemId) {
          carried[entry.slot].add(entry.itemId);
          if (!known[entry.slot].has(entry.itemId)) known[entry.slot].set(entry.itemId, null);
        }
        // The unwritten slot's item, or the item of the action's other write: read, and known.
        const otherId = entry.detail?.other?.id ?? entry.detail?.otherWrite?.itemId;
        if (otherId) {
          carried[otherSlot(entry.slot)].add(otherId);
          if (!known[otherSlot(entry.slot)].has(otherId)) known[otherSlot(entry.slot)].set(otherId, null);
        }
        for (const slot of SLOTS) {
          const id = byUid.get(entry.uid)?.[slot]?.id;
          if (id) carried[slot].add(id);
        }
      }
      this.deps.logger.info("resuming interrupted side effects", { pair: this.pair.id, entries: journal.length });
    }
    /** Unconfirmed items an incremental feed left out: read by id, which tells deleted from present. */
    const recheck: Record<Slot, Map<string, ItemRecord>> = { local: new Map(), remote: new Map() };
    const toRead: Record<Slot, Set<string>> = { local: new Set(), remote: new Set() };
    for (const slot of SLOTS) {
      const named = scope[slot];
      if ("feed" in named) continue;
      for (const hint of named.items) {
        const version = known[slot].get(hint.id);
        if (version === undefined && hint.gone) continue; // gone, and never synced: nothing to do
        if (hint.version != null && version === hint.version) continue; // the state holds that revision already (an echo)
        toRead[slot].add(hint.id);
      }
    }

    /** What the feeds of `slots` (already fetched) mean: items to read into `into`, deletions. */
    const processFeeds = async (slots: readonly Slot[], into: Record<Slot, Set<string>>): Promise<void> => {
      for (const slot of slots) {
        const feed = feeds[slot]!;
        if (feed.complete && feed.changed.length === 0 && stateCount[slot] > 0 && !this.options.allowEmptySide) {
          throw new EngineError(
            "empty-side",
            `the ${slot} side (${sides[slot].name}) lists no items while the state knows ${stateCount[slot]}; ` +
              "nothing was written. If the collection was really emptied, run again with allowEmptySide: true",
            this.pair.id,
          );
        }
        const listed = new Set<string>();
        for (const item of feed.changed) {
          listed.add(item.id);
          const version = known[slot].get(item.id);
          if (item.version === null || version === undefined || version !== item.version) into[slot].add(item.id);
        }
        const deleted = new Set(feed.deleted);
        if (feed.complete) for (const id of known[slot].keys()) if (!listed.has(id)) deleted.add(id);
        // Items the state learned of after the cursor (we created them, or a notification named them):
        // the feed lists them, or they were deleted within its window — read them by id to be sure.
        for (const r of records) {
          const state = r[slot];
          if (!state?.unconfirmed) continue;
          if (listed.has(state.id)) {
            // Confirmed once this feed's cursor is stored, at the end of the cycle.
            if (!deleted.has(state.id)) stillNew[slot].add(state.id);
          } else if (!feed.complete) {
            recheck[slot].set(state.id, r);
            into[slot].add(state.id);
          }
        }
        for (const id of deleted) if (!into[slot].has(id)) changes[slot].deleted.push(id);
      }
    };

    const readItems = async (ids: Record<Slot, Set<string>>): Promise<void> => {
      await Promise.all(
        SLOTS.map(async (slot) => {
          const { items, missing } = await this.read(slot, [...ids[slot]]);
          changes[slot].changed.push(...items);
          for (const id of missing) if (known[slot].has(id)) changes[slot].deleted.push(id);
        }),
      );
      // Rechecked items still there are confirmed (the feed spelled them differently, or was late),
      // once this cycle's cursor is stored.
      for (const slot of SLOTS) {
        const found = new Set(changes[slot].changed.map((c) => c.id));
        for (const [id, r] of recheck[slot]) {
          if (!ids[slot].has(id) || !found.has(id) || !r[slot]?.unconfirmed) continue;
          stillNew[slot].add(id);
        }
      }
    };

    await processFeeds([...fed], toRead);
    for (const slot of SLOTS) for (const id of carried[slot]) if (!changes[slot].deleted.includes(id)) toRead[slot].add(id);
    this.progress("reading", 1, 2);

    // 2. Read what changed.
    await readItems(toRead);
    // A new item on one slot may exist on the other already, under its UID, since that slot's feed
    // was last read: read that feed too, so the plan pairs them instead of creating a second copy.
    for (let round = 0; round < 2; round++) {
      const more = SLOTS.filter((slot) => !fed.has(slot) && changes[otherSlot(slot)].changed.some((c) => !known[otherSlot(slot)].has(c.id)));
      if (more.length === 0) break;
      for (const slot of more) fed.add(slot);
      const extra: Record<Slot, Set<string>> = { local: new Set(), remote: new Set() };
      await fetchFeeds(more);
      await processFeeds(more, extra);
      for (const slot of SLOTS) {
        const seen = new Set(changes[slot].changed.map((c) => c.id));
        for (const id of extra[slot]) if (seen.has(id)) extra[slot].delete(id);
      }
      await readItems(extra);
    }
    // A first pairing with a side that renders onto a basis: read its new items again onto the other
    // side's text, so what it cannot hold is not taken for a difference (a duplicate value, a conflict).
    for (const slot of SLOTS) {
      if (!sides[slot].capabilities.rendersOnBasis) continue;
      const other = otherSlot(slot);
      const otherText = new Map<string, string>();
      for (const r of records) if (r[other] && !r[slot]) otherText.set(r.uid, r[other]!.text);
      for (const snap of changes[other].changed) if (snap.uid !== null) otherText.set(snap.uid, snap.text);
      const again = changes[slot].changed.filter((snap) => !known[slot].has(snap.id) && snap.uid !== null && otherText.has(snap.uid));
      if (again.length === 0) continue;
      const { items } = await this.read(slot, again.map((snap) => snap.id), new Map(again.map((snap) => [snap.id, otherText.get(snap.uid!)!])), true);
      const fresh = new Map(items.map((item) => [item.id, item]));
      changes[slot].changed = changes[slot].changed.map((snap) => fresh.get(snap.id) ?? snap);
    }
    this.progress("reading", 2, 2);

    // 3. Plan, and check it is safe.
    this.progress("planning", 0, 1);
    /**
     * Items first seen on a slot read by id (not through its feed) wait for that feed to confirm them.
     * So do items first seen in a feed of this cycle, until the cursor that covers them is stored at
     * its end: a cycle cut before that (kill -9) leaves them known to the state but newer than the
     * stored cursor, and a feed from that cursor leaves out an item created and deleted since
     * (SyncFolderItems does), so the next cycle must read them by id to see such a deletion.
     */
    for (const slot of fed) for (const item of feeds[slot]?.changed ?? []) if (!stateIds[slot].has(item.id)) stillNew[slot].add(item.id);
    const markRecord = (next: ItemRecord | null, previous: ItemRecord | null): void => {
      for (const slot of SLOTS) {
        const state = next?.[slot];
        if (!state || state.unconfirmed) continue;
        const before = previous?.[slot];
        const wasUnconfirmed = before?.unconfirmed === true && before.id === state.id;
        if (fed.has(slot)) {
          // Also new to the state and not in the feed (an adopted item found deleted since), or not confirmed yet.
          if (!stillNew[slot].has(state.id) && stateIds[slot].has(state.id) && !wasUnconfirmed) continue;
        } else if (known[slot].has(state.id) && !wasUnconfirmed) continue;
        next![slot] = { ...state, unconfirmed: true };
      }
    };
    const markUnconfirmed = (planned: Action[]): Action[] => {
      for (const action of planned) markRecord(action.next, action.previous);
      return planned;
    };
    // Interrupted side effects: adopt those that happened, plan the others again (resume.ts).
    const resumeOps: StateOp[] = [];
    if (journal.length) {
      const adopted = new Map<string, ItemRecord | null>();
      const resolved = resolveJournal({ journal, records, changes, hash: this.deps.hash });
      // Actions some of whose writes happened: the others are made now, as journaled, then adopted.
      const toComplete = dryRun ? [] : resolved.filter((r) => r.outcome === "complete");
      if (toComplete.length) {
        const byUid = new Map(records.map((r) => [r.uid, r]));
        const completions: Action[] = markUnconfirmed(
          toComplete.map((r) => ({
            kind: r.complete[0]!.op,
            uid: r.uid,
            writes: r.complete,
            previous: byUid.get(r.uid) ?? null,
            next: r.record,
            conflicts: [],
          })),
        );
        // A completion that fails is not reported: the plan does the action again from the previous record.
        const completed = await this.execute(completions, 0, undefined, (o) => {
          if (o.status === "done") this.record(o, false);
          else this.deps.logger.info("interrupted side effect not completed; planned again", { pair: this.pair.id, uid: o.action.uid, code: o.errors[0]?.error.code ?? null });
        });
        for (const outcome of completed) {
          const r = toComplete.find((x) => x.uid === outcome.action.uid)!;
          if (outcome.status !== "done") continue; // the plan settles it from the previous record
          r.outcome = "adopted";
          r.record = outcome.record;
          // What was read of the items just written is stale now.
          for (const w of outcome.action.writes) {
            if ("id" in w) changes[w.slot].changed = changes[w.slot].changed.filter((c) => c.id !== w.id);
          }
        }
      }
      for (const r of resolved) {
        this.deps.logger.info("interrupted side effect resolved", { pair: this.pair.id, uid: r.uid, outcome: r.outcome, ...r.writes });
        if (r.outcome !== "adopted") continue;
        markRecord(r.record, records.find((x) => x.uid === r.uid) ?? null);
        adopted.set(r.uid, r.record);
        for (const slot of SLOTS) {
          const id = r.deletedSince[slot];
          if (id !== undefined && !changes[slot].deleted.includes(id)) changes[slot].deleted.push(id);
        }
        resumeOps.push(r.record ? { op: "put-item", pairId: this.pair.id, item: r.record } : { op: "delete-item", pairId: this.pair.id, uid: r.uid });
      }
      const kept = records.filter((r) => !adopted.has(r.uid));
      records.length = 0;
      records.push(...kept, ...[...adopted.values()].filter((r): r is ItemRecord => r !== null));
      resumeOps.push({ op: "journal-clear", pairId: this.pair.id });
    }
    let actions = markUnconfirmed(plan({ records, changes, policy: this.deps.policy, now: this.startedAt }));
    this.progress("planning", 1, 1);
    for (const slot of SLOTS) {
      const deletes = actions.flatMap((a) => a.writes).filter((w) => w.op === "delete" && w.slot === slot).length;
      const knownCount = known[slot].size;
      if (!this.options.allowMassDelete && deletes > this.deps.safety.massDeleteMinimum && deletes > this.deps.safety.massDeleteRatio * knownCount) {
        this.report.plan = actions;
        throw new EngineError(
          "mass-delete",
          `the cycle would delete ${deletes} of ${knownCount} items on the ${slot} side (${sides[slot].name}); nothing was written. ` +
            "If that is intended, run again with allowMassDelete: true",
          this.pair.id,
        );
      }
    }
    if (dryRun) {
      this.report.plan = actions;
      return this.report;
    }
    if (resumeOps.length) await this.commit(resumeOps);

    // 4. Execute; items that changed under a write are re-read and re-planned.
    const total = actions.length;
    let base = 0;
    for (let round = 0; actions.length > 0; round++) {
      const outcomes = await this.execute(actions, round, (done) => this.progress("writing", Math.min(total, base + done), total));
      base += outcomes.filter((o) => o.status !== "precondition").length;
      const stale = outcomes.filter((o) => o.status === "precondition");
      if (stale.length === 0) break;
      if (round >= REPLAN_ROUNDS) {
        for (const o of stale) this.keepPending(o.action, o);
        break;
      }
      actions = markUnconfirmed(await this.replan(stale));
    }

    // 5. Only now move the cursors: everything they cover was applied, or is pending by id.
    const cursors = { ...this.pair.cursors };
    for (const slot of fed) cursors[slot] = feeds[slot]!.cursor;
    const pending = {
      local: [...this.pending.local, ...(fed.has("local") ? [] : this.pair.pending.local)],
      remote: [...this.pending.remote, ...(fed.has("remote") ? [] : this.pair.pending.remote)],
    };
    const confirmed: StateOp[] = [];
    if ([...fed].some((slot) => stillNew[slot].size > 0)) {
      const latest = new Map<string, ItemRecord | null>(records.map((r) => [r.uid, r]));
      for (const [uid, r] of this.stored) latest.set(uid, r);
      for (const r of latest.values()) {
        if (!r) continue;
        let changed: ItemRecord | null = null;
        for (const slot of fed) {
          const state = r[slot];
          if (!state?.unconfirmed || !stillNew[slot].has(state.id)) continue;
          changed ??= { ...r };
          const { unconfirmed: _, ...rest } = state;
          changed[slot] = rest;
        }
        if (changed) confirmed.push({ op: "put-item", pairId: this.pair.id, item: changed });
      }
    }
    await this.commit([
      ...confirmed,
      { op: "set-cursors", pairId: this.pair.id, cursors, pending: { local: [...new Set(pending.local)], remote: [...new Set(pending.remote)] } },
      { op: "journal-clear", pairId: this.pair.id },
    ]);
    this.progress("done", total, total);
    return this.report;
  }

  /** Executes actions against the sides, with state writes through this cycle's queue. */
  execute(
    actions: readonly Action[],
    round: number,
    onProgress: (done: number) => void = () => undefined,
    onOutcome: (o: ActionOutcome) => void = (o) => this.record(o, round < REPLAN_ROUNDS),
  ): Promise<ActionOutcome[]> {
    return execute(
      {
        pair: this.pair,
        sides: this.deps.sides,
        store: this.deps.store,
        hash: this.deps.hash,
        commit: (ops) => this.commit(ops),
        onOutcome,
        onProgress,
        ...(this.options.signal ? { signal: this.options.signal } : {}),
      },
      actions,
    );
  }

  /**
   * Re-reads the items of actions whose write met a changed item, and plans them again — with
   * what the action's other writes already created (an item created on one side while the tag of
   * the other failed is paired, not created twice).
   */
  async replan(stale: ActionOutcome[]): Promise<Action[]> {
    const records = stale.map((o) => o.action.previous).filter((r): r is ItemRecord => r !== null);
    const ids: Record<Slot, Set<string>> = { local: new Set(), remote: new Set() };
    for (const o of stale) for (const slot of SLOTS) for (const id of this.idsOf(o.action, o)[slot]) ids[slot].add(id);
    const changes: Record<Slot, SlotChanges> = { local: { changed: [], deleted: [] }, remote: { changed: [], deleted: [] } };
    for (const slot of SLOTS) {
      const { items, missing } = await this.read(slot, [...ids[slot]]);
      changes[slot].changed = items;
      changes[slot].deleted = missing;
    }
    this.deps.logger.info("re-planning items changed during the cycle", { pair: this.pair.id, items: stale.length });
    return plan({ records, changes, policy: this.deps.policy, now: this.startedAt });
  }

  /** The ids an action concerns on each slot: those it knew, and those its successful creates made. */
  idsOf(action: Action, outcome?: ActionOutcome): Record<Slot, string[]> {
    const out: Record<Slot, string[]> = { local: [], remote: [] };
    for (const slot of SLOTS) {
      const id = action.previous?.[slot]?.id ?? action.next?.[slot]?.id;
      if (id) out[slot].push(id);
    }
    for (const { write, result } of outcome?.results ?? []) if (write.op === "create" && result) out[write.slot].push(result.id);
    return out;
  }

  keepPending(action: Action, outcome?: ActionOutcome): void {
    const ids = this.idsOf(action, outcome);
    for (const slot of SLOTS) for (const id of ids[slot]) this.pending[slot].add(id);
  }

  /** Folds an action's outcome into the report and the events. */
  record(outcome: ActionOutcome, willRetry: boolean): void {
    const { action } = outcome;
    const ids: Partial<Record<Slot, string>> = {};
    for (const slot of SLOTS) {
      const id = outcome.record?.[slot]?.id ?? action.previous?.[slot]?.id ?? action.next?.[slot]?.id;
      if (id) ids[slot] = id;
    }
    // Writes that succeeded happened, whatever became of the action's other writes.
    for (const { write, result } of outcome.results) {
      const ref = { uid: action.uid, id: result?.id ?? ("id" in write ? write.id : null) };
      const side = this.report[write.slot];
      if (write.op === "create") side.created.push(ref);
      else if (write.op === "update") side.updated.push(ref);
      else if (write.op === "tag") side.tagged.push(ref);
      else side.deleted.push(ref);
      for (const d of result?.dropped ?? []) side.dropped.push({ ...ref, property: d.property, reason: d.reason, on: "write" });
    }
    // What was dropped on reading an item that had no UID yet is named by the UID the action gave it.
    for (const slot of SLOTS) for (const d of this.report[slot].dropped) if (d.uid === "" && d.id !== null && d.id === ids[slot]) d.uid = action.uid;
    if (outcome.status === "precondition" && willRetry) {
      this.deps.events.emit("item", { pairId: this.pair.id, uid: action.uid, kind: action.kind, outcome: "retried", ids });
      return;
    }
    if (outcome.status !== "done") {
      this.keepPending(action, outcome);
      for (const e of outcome.errors) this.fail(e.slot, e.id, action.uid, e.error.code, e.error.message);
      const first = outcome.errors[0]?.error;
      this.deps.events.emit("item", {
        pairId: this.pair.id,
        uid: action.uid,
        kind: action.kind,
        outcome: "failed",
        ids,
        ...(first ? { error: { code: first.code, message: first.message } } : {}),
      });
      return;
    }
    if (action.kind === "merge") this.report.merged.push({ uid: action.uid, id: null });
    if (action.kind === "pair") this.report.paired.push({ uid: action.uid, id: null });
    this.report.conflicts.push(...action.conflicts);
    if (action.deleteVersusModify) this.report.deleteVersusModify.push({ uid: action.uid, ...action.deleteVersusModify });
    this.deps.events.emit("item", { pairId: this.pair.id, uid: action.uid, kind: action.kind, outcome: "done", ids });
  }
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
    cycle.report.error = { code: error.code, message: error.message };
    // A lost lease stops a cycle part-way: what it wrote before is in the report.
    cycle.report.dryRun = error.code === "lease-lost" ? (options.dryRun ?? false) : true;
    deps.logger.error("pair stopped", { pair: pair.id, code: error.code });
    return cycle.report;
  }
}
