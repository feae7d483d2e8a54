/**
 * The engine a host holds: its sides, its state store, its linked pairs, the passive mode
 * (`runOnce()` over every pair, `syncItems()` for a single item or a small set) and the active
 * mode (`watch()`).
 *
 * @module
 */
import { runPairCycle, runPairCycleReporting, type CycleDeps } from "./cycle.js";
import { DEFAULT_PAIR_CONCURRENCY, DEFAULT_POLICY, DEFAULT_SAFETY } from "./defaults.js";
import { EngineError } from "./errors.js";
import { TypedEmitter, type EngineEvents } from "./events.js";
import type { ConflictPolicy } from "./merge.js";
import { defaultNormaliser, hashItem, sha256, type NormaliserByKind } from "./normalise.js";
import { PairLeases, type CycleLease, type LeaseOptions } from "./lease.js";
import { silentLogger, type Logger } from "./log.js";
import { runPool } from "./pool.js";
import { emptyPairReport, type PairReport, type SyncReport } from "./report.js";
import { recordRun } from "./runs.js";
import { FULL_SCOPE, type CycleOptions, type CycleScope, type SafetyOptions } from "./scope.js";
import type { CollectionInfo, CollectionKind, SyncSide } from "./side.js";
import type { Endpoint, PairRecord, RunRecord, RunTrigger, Slot, StateStore } from "./state.js";
import { uidOfText } from "./vobject.js";
import { SyncWatch, type WatchOptions } from "./watch.js";

/** How the engine settles what both sides did. */
export interface SyncPolicy {
  /** A property changed on both sides differently (default `remote-wins`). */
  conflict?: ConflictPolicy;
  /** Deleted on one side, modified on the other (default: the modification survives). */
  deleteVersusModify?: "modification-wins" | "deletion-wins";
}

/** What a {@link SyncEngine} is built from. */
export interface SyncEngineOptions {
  store: StateStore;
  /** Every side the host uses, each with a unique name (several accounts: several sides). */
  sides: readonly SyncSide[];
  policy?: SyncPolicy;
  /**
   * Write an assigned UID back to items that lack one (default true). Off: identity rests on the
   * state alone, and other devices are spared re-downloading every tagged item.
   */
  tagWrites?: boolean;
  /** Normalisers per kind (e.g. the mappers'); default {@link defaultNormaliser}. */
  normalisers?: NormaliserByKind;
  /** Mass-deletion thresholds (default 20 % and more than 10 items). */
  safety?: Partial<SafetyOptions>;
  /** How many pairs sync at once in `runOnce()` (default 1). */
  pairConcurrency?: number;
  /**
   * The pair lease every cycle runs under (one writer per pair across processes and hosts): its
   * time to live (default 60 s, renewed every third of it while a cycle runs), how long a cycle
   * waits for a pair another process is syncing before it reports `pair-busy` (default 30 s), and
   * this engine's owner id (default: host name, pid and a random part).
   */
  lease?: LeaseOptions;
  logger?: Logger;
}

/** Where to link a remote folder: an existing local collection, or one to create. */
export type LocalTarget = Endpoint | { side: string; create: { displayName: string } };

/** What {@link SyncEngine.link} takes. */
export interface LinkRequest {
  /** A stable id for the pair (default: derived from both endpoints). */
  id?: string;
  kind: CollectionKind;
  remote: Endpoint;
  local: LocalTarget;
}

/** Options of {@link SyncEngine.runOnce}. */
export interface RunOptions extends CycleOptions {
  /** Sync only these pairs (default: every linked pair). */
  pairIds?: readonly string[];
}

/**
 * The sync engine. Passive mode: the host calls {@link runOnce} on its schedule; each call runs one
 * cycle per linked pair and returns a {@link SyncReport}. Subscribe with `engine.events.on(…)`.
 *
 * One writer per pair: every cycle (`runOnce()`, `syncItems()`, `runCycle()`, the cycles of
 * `watch()`) runs under its pair's lease (see `lease.ts` and {@link SyncEngineOptions.lease}). In
 * one engine the cycles of a pair wait for each other; another process or host holding the lease
 * is waited for up to `lease.waitMs`, then the pair reports `pair-busy` and nothing is written.
 *
 * Every cycle of a pair — pair-level stops and dry runs included — leaves a {@link RunRecord} in
 * the store (`store.listRuns(pairId)`), with its trigger (`once`, `watch`, `items`), outcome,
 * counts and, bounded, its errors and dropped properties. A run that cannot be recorded is logged
 * (`run not recorded`) and the cycle's report stands.
 */
export class SyncEngine {
  /** Typed events: `pair-start`, `progress`, `item`, `pair-end`. */
  readonly events = new TypedEmitter<EngineEvents>();
  readonly #store: StateStore;
  readonly #sides = new Map<string, SyncSide>();
  readonly #options: SyncEngineOptions;
  readonly #logger: Logger;
  readonly #leases: PairLeases;

  constructor(options: SyncEngineOptions) {
    this.#options = options;
    this.#store = options.store;
    this.#logger = options.logger ?? silentLogger;
    this.#leases = new PairLeases(options.store, options.lease ?? {}, this.#logger);
    for (const side of options.sides) {
      if (this.#sides.has(side.name)) throw new EngineError("unknown-side", `two sides are named "${side.name}"`);
      this.#sides.set(side.name, side);
    }
  }

  /** The side of that name, or an `unknown-side` error. */
  side(name: string): SyncSide {
    const side = this.#sides.get(name);
    if (!side) throw new EngineError("unknown-side", `no side named "${name}"`);
    return side;
  }

  /** The collections a side holds (for discovery before linking). */
  listCollections(sideName: string, signal?: AbortSignal): Promise<CollectionInfo[]> {
    return this.side(sideName).listCollections(signal);
  }

  /** Every linked pair. */
  listPairs(): Promise<PairRecord[]> {
    return this.#store.listPairs();
  }

  /**
   * Links a remote collection to a local one of the same kind, creating the local one when asked.
   * The first cycle of a new pair pairs items already on both sides instead of copying them.
   *
   * Two hosts linking the same remote collection at once do not both link it: the check, the
   * creation of the local collection and the new pair's record happen under a lease on the remote
   * collection (`link <side>/<collection>` in the store's lease rows), so the second one finds the
   * first one's pair and fails with `already-linked` naming it.
   */
  async link(request: LinkRequest): Promise<PairRecord> {
    const remoteSide = this.side(request.remote.side);
    const localSide = this.side(request.local.side);
    const remoteInfo = (await remoteSide.listCollections()).find((c) => c.id === request.remote.collection);
    if (!remoteInfo) throw new EngineError("unknown-collection", `${remoteSide.name} has no collection ${request.remote.collection}`);
    const holds = (info: CollectionInfo) => info.kind === request.kind || (info.kinds ?? []).includes(request.kind);
    if (!holds(remoteInfo)) {
      throw new EngineError("kind-mismatch", `${remoteSide.name} collection ${remoteInfo.id} holds ${remoteInfo.kind}, not ${request.kind}`);
    }
    return this.#leases.run(`link ${request.remote.side}/${request.remote.collection}`, undefined, async (lease) => {
      const existing = await this.#store.listPairs();
      const linked = (local: Endpoint | null) =>
        existing.find(
          (p) =>
            (request.id !== undefined && p.id === request.id) ||
            (p.remote.side === request.remote.side && p.remote.collection === request.remote.collection) ||
            (local !== null && p.local.side === local.side && p.local.collection === local.collection),
        );
      const before = linked("create" in request.local ? null : request.local);
      if (before) throw new EngineError("already-linked", "one of these collections is already linked", before.id);
      let local: Endpoint;
      if ("create" in request.local) {
        if (!localSide.createCollection) throw new EngineError("cannot-create-collection", `${localSide.name} cannot create collections`);
        const created = await localSide.createCollection(request.kind, request.local.create.displayName);
        local = { side: localSide.name, collection: created.id };
      } else {
        local = request.local;
        const info = (await localSide.listCollections()).find((c) => c.id === local.collection);
        if (!info) throw new EngineError("unknown-collection", `${localSide.name} has no collection ${local.collection}`);
        if (!holds(info)) throw new EngineError("kind-mismatch", `${localSide.name} collection ${info.id} holds ${info.kind}, not ${request.kind}`);
      }
      const clash = linked(local);
      if (clash) throw new EngineError("already-linked", "one of these collections is already linked", clash.id);
      const id = request.id ?? `pair-${sha256(`${request.remote.side}\u0000${request.remote.collection}\u0000${local.side}\u0000${local.collection}`).slice(0, 16)}`;
      const pair: PairRecord = {
        id,
        kind: request.kind,
        local,
        remote: { ...request.remote },
        cursors: { local: null, remote: null },
        pending: { local: [], remote: [] },
      };
      try {
        await this.#store.write([{ op: "put-pair", pair }], { lease: lease.current });
      } catch (error) {
        throw lease.translate(error);
      }
      this.#logger.info("linked", { pair: id, kind: request.kind });
      return pair;
    });
  }

  /**
   * Unlinks a pair and forgets its state — item records, journal, cursors and recorded runs; no
   * item is touched on either side. Runs under the pair's lease like a cycle: it waits for a cycle
   * of this engine in flight, and for another process's for up to `lease.waitMs`, then fails with
   * `pair-busy` and forgets nothing.
   */
  async unlink(pairId: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#pair(pairId);
    await this.#leases.run(pairId, options.signal, async (lease) => {
      await this.#pair(pairId); // still linked once the lease is ours
      try {
        await this.#store.write([{ op: "delete-pair", pairId }], { lease: lease.current });
      } catch (error) {
        throw lease.translate(error);
      }
    });
    this.#logger.info("unlinked", { pair: pairId });
  }

  /**
   * Forgets what the state knows of a pair's items — their records, the journal and both cursors
   * (and the ids pending) — but keeps the link and the recorded runs. Under the pair's lease, like
   * {@link unlink}. The next cycle reads both sides in full and pairs the items found on both by
   * UID (by content where one has none) instead of copying them, merging with no base where they
   * differ (the conflict policy settles each property that differs). What the state no longer
   * knows cannot be told apart: an item deleted on one side and not yet synced is created again
   * from the other side, and a journaled side effect is not resumed (its item is found by UID).
   * Resolves with how many item records and journal entries were forgotten.
   */
  async resetPair(pairId: string, options: { signal?: AbortSignal } = {}): Promise<{ items: number; journal: number }> {
    await this.#pair(pairId);
    const forgotten = await this.#leases.run(pairId, options.signal, async (lease) => {
      await this.#pair(pairId);
      const counted = { items: (await this.#store.listItems(pairId)).length, journal: (await this.#store.listJournal(pairId)).length };
      try {
        await this.#store.write(
          [
            { op: "clear-items", pairId },
            { op: "journal-clear", pairId },
            { op: "set-cursors", pairId, cursors: { local: null, remote: null }, pending: { local: [], remote: [] } },
          ],
          { lease: lease.current },
        );
      } catch (error) {
        throw lease.translate(error);
      }
      return counted;
    });
    this.#logger.info("pair reset", { pair: pairId, items: forgotten.items, journal: forgotten.journal });
    return forgotten;
  }

  /** This engine's owner id in the pair leases. */
  get leaseOwner(): string {
    return this.#leases.owner;
  }

  #deps(pair: PairRecord, lease: CycleLease): CycleDeps {
    const sides: Record<Slot, SyncSide> = { local: this.side(pair.local.side), remote: this.side(pair.remote.side) };
    const normalise = this.#options.normalisers?.[pair.kind] ?? defaultNormaliser;
    return {
      store: this.#store,
      sides,
      policy: {
        conflict: this.#options.policy?.conflict ?? DEFAULT_POLICY.conflict,
        deleteVersusModify: this.#options.policy?.deleteVersusModify ?? DEFAULT_POLICY.deleteVersusModify,
        tagWrites: this.#options.tagWrites ?? DEFAULT_POLICY.tagWrites,
        writable: { local: !sides.local.capabilities.readOnly, remote: !sides.remote.capabilities.readOnly },
      },
      safety: { ...DEFAULT_SAFETY, ...this.#options.safety },
      hash: (text) => hashItem(normalise, text),
      uidOf: uidOfText,
      events: this.events,
      logger: this.#logger,
      lease,
    };
  }

  async #pair(pairId: string): Promise<PairRecord> {
    const pair = await this.#store.getPair(pairId);
    if (!pair) throw new EngineError("unknown-pair", "no such pair", pairId);
    return pair;
  }

  /**
   * Syncs every linked pair once (or those named). A pair stopped by a safety check or an unreadable
   * feed has its `error` set and nothing written; so has a pair whose lease another process held
   * for longer than `lease.waitMs` (`pair-busy`). The other pairs go on.
   */
  async runOnce(options: RunOptions = {}): Promise<SyncReport> {
    const startedAt = new Date().toISOString();
    // Named pairs are read one by one: a fleet's job names one pair of 100,000 (listPairs would read them all).
    const pairs = options.pairIds
      ? (await Promise.all([...new Set(options.pairIds)].sort().map((id) => this.#store.getPair(id)))).filter((p): p is PairRecord => p !== null)
      : await this.#store.listPairs();
    const reports = await runPool(
      pairs.map((pair) => async () => {
        this.events.emit("pair-start", { pairId: pair.id });
        this.#logger.info("cycle start", { pair: pair.id });
        const report = await this.#reportingCycle(pair.id, options, FULL_SCOPE, "once");
        this.#logger.info("cycle end", { pair: pair.id, errors: report.errors.length, stopped: report.error?.code ?? null });
        this.events.emit("pair-end", { pairId: pair.id, report });
        return report;
      }),
      this.#options.pairConcurrency ?? DEFAULT_PAIR_CONCURRENCY,
    );
    return {
      startedAt,
      finishedAt: new Date().toISOString(),
      pairs: reports,
      ok: reports.every((r) => r.error === null && r.errors.length === 0),
    };
  }

  /**
   * Syncs a single item or a small set, named by id on either side, without reading the change
   * feeds or moving the cursors (what a notification calls for). Throws {@link EngineError} for a
   * pair-level stop (`pair-busy` included).
   */
  async syncItems(pairId: string, ids: Partial<Record<Slot, readonly string[]>>, options: CycleOptions = {}): Promise<PairReport> {
    await this.#pair(pairId);
    const startedAt = new Date().toISOString();
    const record = (report: PairReport) => this.#record(report, "items", startedAt, options);
    const items = (slot: Slot) => ({ items: (ids[slot] ?? []).map((id) => ({ id })) });
    let report: PairReport;
    try {
      report = await this.#leases.run(pairId, options.signal, async (lease) => {
        const pair = await this.#pair(pairId); // as the previous holder of the lease left it
        try {
          return await runPairCycle(this.#deps(pair, lease), pair, withLease(options, lease), { local: items("local"), remote: items("remote") });
        } catch (error) {
          throw lease.lostError ?? error;
        }
      });
    } catch (error) {
      await record(stoppedReport(pairId, error));
      throw error;
    }
    await record(report);
    return report;
  }

  /** Records a run of the pair in the store (never fails: see `runs.ts`). */
  #record(report: PairReport, trigger: RunTrigger, startedAt: string, options: CycleOptions): Promise<void> {
    // A watch polls every few seconds: its cycles that found nothing to do would push the runs that
    // did something out of the kept history, so only those that changed, failed or stopped count.
    if (trigger === "watch" && isIdle(report)) return Promise.resolve();
    return recordRun(this.#store, this.#logger, report, { trigger, startedAt, finishedAt: new Date().toISOString(), dryRun: options.dryRun ?? false });
  }

  /**
   * One cycle of a pair under its lease, a pair-level stop in the report: `pair-busy` when another
   * process kept the lease, `lease-lost` when it was taken over mid-cycle.
   */
  async #reportingCycle(pairId: string, options: CycleOptions, scope: CycleScope, trigger: RunTrigger): Promise<PairReport> {
    const startedAt = new Date().toISOString();
    let report: PairReport;
    try {
      report = await this.#cycleUnderLease(pairId, options, scope);
    } catch (error) {
      await this.#record(stoppedReport(pairId, error), trigger, startedAt, options);
      throw error;
    }
    await this.#record(report, trigger, startedAt, options);
    return report;
  }

  async #cycleUnderLease(pairId: string, options: CycleOptions, scope: CycleScope): Promise<PairReport> {
    try {
      return await this.#leases.run(pairId, options.signal, async (lease) => {
        const pair = await this.#pair(pairId); // as the previous holder of the lease left it
        const report = await runPairCycleReporting(this.#deps(pair, lease), pair, withLease(options, lease), scope);
        // A lost lease aborts the cycle's requests; whatever error that caused, say why.
        if (lease.lostError && report.error?.code !== "lease-lost") {
          report.error = { code: "lease-lost", message: lease.lostError.message };
          report.dryRun = options.dryRun ?? false;
        }
        return report;
      });
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      this.#logger.warn("pair not synced", { pair: pairId, code: error.code });
      return { ...emptyPairReport(pairId), dryRun: true, error: { code: error.code, message: error.message } };
    }
  }

  /**
   * Active mode: keeps the linked pairs (or those named) in sync until stopped. Sides with push
   * (EWS notifications) announce changes; the others have their change feeds polled every
   * `pollIntervalMs` (5 s). Each change runs a cycle of just what changed, bursts merged; every
   * pair first catches up from its stored cursors and runs a full cycle every
   * `fullCycleIntervalMs` (15 min). Resolves once the watch runs; `stop()` it (or abort its
   * signal) to end it.
   *
   * ```ts
   * const watch = await engine.watch({ pollIntervalMs: 5_000 });
   * engine.events.on("watch-cycle", ({ pairId, triggers, report }) => console.log(pairId, triggers, summarise(report)));
   * process.once("SIGINT", () => void watch.stop());
   * await watch.done;
   * ```
   */
  async watch(options: WatchOptions = {}): Promise<SyncWatch> {
    const watch = new SyncWatch(
      {
        events: this.events,
        logger: this.#logger,
        listPairs: () => this.#store.listPairs(),
        side: (name) => this.side(name),
        runCycle: (pairId, scope, cycleOptions) => this.#runCycle(pairId, scope, cycleOptions, "watch"),
      },
      options,
    );
    await watch.start();
    return watch;
  }

  /**
   * One cycle of one pair over `scope`: per slot its change feed (the cursor moves) or only the
   * items named (e.g. `{ local: { feed: true }, remote: { items: [] } }` reads just the local feed,
   * the cheap poll of active mode). Emits `pair-start`/`pair-end` like {@link runOnce}; a pair-level
   * stop lands in the report's `error`.
   */
  runCycle(pairId: string, scope: CycleScope = FULL_SCOPE, options: CycleOptions = {}): Promise<PairReport> {
    return this.#runCycle(pairId, scope, options, "once");
  }

  async #runCycle(pairId: string, scope: CycleScope, options: CycleOptions, trigger: RunTrigger): Promise<PairReport> {
    await this.#pair(pairId);
    this.events.emit("pair-start", { pairId });
    const report = await this.#reportingCycle(pairId, options, scope, trigger);
    this.events.emit("pair-end", { pairId, report });
    return report;
  }
}

/** The report of a cycle that ended in an error (recorded as a stop; an unexpected error as `internal-error`). */
function stoppedReport(pairId: string, error: unknown): PairReport {
  const code = error instanceof EngineError ? error.code : "internal-error";
  return { ...emptyPairReport(pairId), dryRun: true, error: { code, message: error instanceof Error ? error.message : String(error) } };
}

/** The cycle's options with a signal that also aborts when its lease is lost. */
function withLease(options: CycleOptions, lease: CycleLease): CycleOptions {
  return { ...options, signal: options.signal ? AbortSignal.any([options.signal, lease.signal]) : lease.signal };
}

/** Whether a cycle found nothing to do: no write either way, no merge or conflict, nothing dropped, no error, no stop. */
function isIdle(report: PairReport): boolean {
  const side = (s: PairReport["local"]) => s.created.length + s.updated.length + s.deleted.length + s.dropped.length === 0;
  return report.error === null && report.errors.length === 0 && report.conflicts.length === 0 && report.merged.length === 0 && side(report.local) && side(report.remote);
}
