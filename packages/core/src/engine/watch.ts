/**
 * Active mode: keeps linked pairs in sync continuously. Sides with push ({@link SyncSide.watch},
 * EWS notifications) announce changed items; sides without it (CalDAV/CardDAV, vdir) have their
 * change feeds polled, which costs one request when nothing changed. Each announcement becomes a
 * request for a cycle of its pair; requests that arrive close together are merged into one cycle
 * (a burst of a thousand changes is a few batched cycles), and a pair runs one cycle at a time.
 *
 * Every cycle is an ordinary engine cycle (plan → execute, journal, safety checks, report), scoped
 * to what was announced: the items named by a notification, or a slot's change feed for a poll, a
 * coarse event or a gap. Nothing is missed: the first cycle of every pair runs from the stored
 * cursors (catching up on whatever happened while no watch ran), a push channel that (re)connects
 * or reports a gap is followed by a change-feed cycle, and a full cycle runs every
 * `fullCycleIntervalMs` against silent gaps.
 *
 * A pair whose cycle fails (a side down, throttled, a safety stop) waits with exponential backoff
 * and keeps its requests; the other pairs go on.
 *
 * Each cycle runs under its pair's lease, like every engine cycle (see `lease.ts`): it waits for a
 * cycle of the same pair already running in this engine (`runOnce()` beside the watch), and for
 * another process's up to `lease.waitMs`, after which it fails as `pair-busy` and is retried with
 * the same backoff. Between its cycles a watch holds no lease, so a scheduled run meeting it waits
 * at most for the cycle in flight.
 *
 * @module
 */
import { DEFAULT_WATCH_SETTINGS } from "./defaults.js";
import { EngineError } from "./errors.js";
import type { EngineEvents, TypedEmitter, WatchTrigger } from "./events.js";
import type { Logger } from "./log.js";
import { emptyPairReport, type PairReport } from "./report.js";
import type { CycleOptions, CycleScope, SlotScope } from "./scope.js";
import type { NoticeItem, SideNotice, SyncSide, WatchState } from "./side.js";
import { SLOTS, type PairRecord, type Slot } from "./state.js";


/** Options of {@link SyncEngine.watch}. */
export interface WatchOptions {
  /** Watch only these pairs (default: every linked pair, as linked when the watch starts). */
  pairIds?: readonly string[];
  /** How often the change feed of a side without push is polled (default 5 000 ms). */
  pollIntervalMs?: number;
  /** How often every pair runs a full cycle regardless of announcements (default 15 minutes). */
  fullCycleIntervalMs?: number;
  /** Requests this close together are merged into one cycle (default 100 ms). */
  debounceMs?: number;
  /** A burst is merged for at most this long before its cycle starts (default 2 000 ms). */
  maxDelayMs?: number;
  /** More items named for one slot than this are read through its change feed instead (default 200). */
  maxItemsPerCycle?: number;
  /** Delay before retrying a failed cycle, doubled per failure (default 1 000 ms)… */
  retryDelayMs?: number;
  /** …up to this (default 5 minutes). */
  maxRetryDelayMs?: number;
  /** After a side's push failed, poll it for this long before opening the push again (default 60 s). */
  pushRetryMs?: number;
  /** Aborting it stops the watch like {@link SyncWatch.stop}. */
  signal?: AbortSignal;
}

/** What {@link SyncWatch} needs of the engine. */
export interface WatchHost {
  readonly events: TypedEmitter<EngineEvents>;
  readonly logger: Logger;
  listPairs(): Promise<PairRecord[]>;
  side(name: string): SyncSide;
  runCycle(pairId: string, scope: CycleScope, options: CycleOptions): Promise<PairReport>;
}

/** Counters of a watch, for hosts, tests and benchmarks. */
export interface WatchStatistics {
  /** Cycles run, by trigger (a merged cycle counts under each trigger it served). */
  cycles: number;
  byTrigger: Record<WatchTrigger, number>;
  /** Announcements received from sides with push. */
  notices: number;
  /** Polls of change feeds (one request each when nothing changed). */
  polls: number;
  /** Cycles that failed as a whole (and were retried later). */
  failedCycles: number;
}

/** What a pair's watch is doing, for status lines. */
export interface PairWatchStatus {
  pairId: string;
  /** A cycle is running. */
  running: boolean;
  /** Requests waiting for the next cycle. */
  waiting: boolean;
  cycles: number;
  /** When the last cycle finished (ISO 8601), and its report. */
  lastCycleAt: string | null;
  lastReport: PairReport | null;
  /** The pair's last cycle failed; the next try is at `retryAt` (ISO 8601). */
  failing: { code: string; message: string; retryAt: string } | null;
}

/** The state of one side's change detection. */
export interface SideWatchStatus {
  side: string;
  state: WatchState;
  detail?: string;
}

/** What one cycle request asks for: change feeds, named items, and why. */
interface Work {
  feeds: Set<Slot>;
  items: Record<Slot, Map<string, NoticeItem>>;
  triggers: Set<WatchTrigger>;
}

function emptyWork(): Work {
  return { feeds: new Set(), items: { local: new Map(), remote: new Map() }, triggers: new Set() };
}

function mergeInto(target: Work, work: Work): void {
  for (const slot of work.feeds) target.feeds.add(slot);
  for (const slot of SLOTS) {
    for (const [id, item] of work.items[slot]) {
      const had = target.items[slot].get(id);
      // The later announcement says what the item is now; an unknown version overrides a known one.
      target.items[slot].set(id, had && item.version === undefined ? { ...item, version: had.version } : item);
    }
  }
  for (const t of work.triggers) target.triggers.add(t);
}

/** One pair: its request queue and its cycles, one at a time. */
class PairRunner {
  readonly status: PairWatchStatus;
  #work: Work | null = null;
  #firstRequestAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | null = null;
  #failures = 0;
  #retryAt = 0;
  #stopped = false;

  constructor(
    readonly pair: PairRecord,
    readonly watch: SyncWatch,
  ) {
    this.status = { pairId: pair.id, running: false, waiting: false, cycles: 0, lastCycleAt: null, lastReport: null, failing: null };
  }

  /** Asks for a cycle covering `work`; merged with whatever is already waiting. */
  request(work: Work): void {
    if (this.#stopped) return;
    if (!this.#work) {
      this.#work = emptyWork();
      this.#firstRequestAt = Date.now();
    }
    mergeInto(this.#work, work);
    this.status.waiting = true;
    if (!this.#running) this.#schedule();
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#stopped || !this.#work) return;
    const { debounceMs, maxDelayMs } = this.watch.settings;
    const now = Date.now();
    const due = Math.max(Math.min(now + debounceMs, this.#firstRequestAt + maxDelayMs), this.#retryAt);
    this.#timer = setTimeout(() => this.#start(), Math.max(0, due - now));
  }

  #start(): void {
    if (this.#stopped || this.#running || !this.#work) return;
    const work = this.#work;
    this.#work = null;
    this.status.waiting = false;
    this.status.running = true;
    this.#running = this.#run(work).finally(() => {
      this.#running = null;
      this.status.running = false;
      if (this.#work) this.#schedule();
    });
  }

  async #run(work: Work): Promise<void> {
    const { maxItemsPerCycle } = this.watch.settings;
    const scopeOf = (slot: Slot): SlotScope =>
      work.feeds.has(slot) || work.items[slot].size > maxItemsPerCycle ? { feed: true } : { items: [...work.items[slot].values()] };
    const scope: CycleScope = { local: scopeOf("local"), remote: scopeOf("remote") };
    const triggers = [...work.triggers];
    let report: PairReport;
    try {
      report = await this.watch.host.runCycle(this.pair.id, scope, this.watch.cycleOptions());
    } catch (error) {
      // Not a pair-level stop (those land in the report): a store or programming error. Keep the work.
      const code = error instanceof EngineError ? error.code : "cycle-failed";
      report = { ...emptyPairReport(this.pair.id), error: { code, message: error instanceof Error ? error.message : String(error) } };
    }
    this.status.cycles++;
    this.status.lastCycleAt = new Date().toISOString();
    this.status.lastReport = report;
    this.watch.countCycle(triggers, report.error !== null);
    // A failed cycle (the pair stopped, or items failed and stay pending in the state) is tried
    // again after a delay that doubles with each failure in a row: a side that is down or
    // throttling is asked less and less often, and the pair's other requests wait with it.
    let retryInMs: number | null = null;
    if (report.error || report.errors.length > 0) {
      this.#failures++;
      const { retryDelayMs, maxRetryDelayMs } = this.watch.settings;
      retryInMs = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.min(30, this.#failures - 1));
      this.#retryAt = Date.now() + retryInMs;
      // A stopped pair applied nothing past its cursors: ask for the same again. Failed items are
      // pending in the state: any cycle re-reads them.
      const again = report.error ? work : emptyWork();
      again.triggers = new Set(["retry"]);
      this.request(again);
    } else {
      this.#failures = 0;
      this.#retryAt = 0;
    }
    this.status.failing = report.error && this.#retryAt ? { ...report.error, retryAt: new Date(this.#retryAt).toISOString() } : null;
    this.watch.host.events.emit("watch-cycle", { pairId: this.pair.id, triggers, report, retryInMs });
  }

  /** Stops taking requests; resolves when the running cycle (if any) has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}

/** Where a collection of a side is linked. */
interface Link {
  runner: PairRunner;
  slot: Slot;
}

/** One side's change detection: its push channel, or polling of its feeds. */
class SideWatcher {
  /** collection id → where it is linked. */
  readonly links = new Map<string, Link[]>();
  readonly status: SideWatchStatus;
  #pollTimer: ReturnType<typeof setInterval> | undefined;
  #pushTimer: ReturnType<typeof setTimeout> | undefined;
  #push: Promise<void> | undefined;
  readonly #stop = new AbortController();

  constructor(
    readonly side: SyncSide,
    readonly watch: SyncWatch,
  ) {
    this.status = { side: side.name, state: side.watch ? "connecting" : "polling" };
  }

  link(collection: string, link: Link): void {
    const list = this.links.get(collection) ?? [];
    list.push(link);
    this.links.set(collection, list);
  }

  start(): void {
    if (this.side.watch) this.#openPush();
    else this.#startPolling();
  }

  #setState(state: WatchState, detail?: string): void {
    if (this.status.state === state && this.status.detail === detail) return;
    this.status.state = state;
    if (detail === undefined) delete this.status.detail;
    else this.status.detail = detail;
    this.watch.host.events.emit("watch-status", { ...this.status });
  }

  #requestFeeds(collections: Iterable<string>, trigger: WatchTrigger): void {
    for (const collection of collections) {
      for (const { runner, slot } of this.links.get(collection) ?? []) {
        const work = emptyWork();
        work.feeds.add(slot);
        work.triggers.add(trigger);
        runner.request(work);
      }
    }
  }

  #startPolling(): void {
    if (this.#pollTimer) return;
    this.#pollTimer = setInterval(() => {
      this.watch.statistics.polls += this.links.size;
      this.#requestFeeds(this.links.keys(), "poll");
    }, this.watch.settings.pollIntervalMs);
  }

  #stopPolling(): void {
    clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
  }

  #openPush(): void {
    if (this.#stop.signal.aborted) return;
    this.#push = this.#consume().catch((error: unknown) => {
      if (this.#stop.signal.aborted) return;
      // Push is gone: poll meanwhile, and try push again later. Changes in between are in the feeds.
      this.watch.host.logger.warn("push failed, polling instead", { side: this.side.name, error: error instanceof Error ? error.message : String(error) });
      this.#setState("polling", error instanceof Error ? error.message : String(error));
      this.#startPolling();
      this.#requestFeeds(this.links.keys(), "gap");
      this.#pushTimer = setTimeout(() => this.#openPush(), this.watch.settings.pushRetryMs);
    });
  }

  async #consume(): Promise<void> {
    const notices = this.side.watch!([...this.links.keys()], this.#stop.signal);
    for await (const notice of notices) {
      if (this.#stop.signal.aborted) return;
      this.#handle(notice);
    }
    if (!this.#stop.signal.aborted) throw new Error(`${this.side.name} ended its push`);
  }

  #handle(notice: SideNotice): void {
    switch (notice.type) {
      case "status":
        this.#setState(notice.state, notice.detail);
        if (notice.state === "connected" || notice.state === "pull") {
          // Push is live (again): stop polling, and read the feeds once for what happened before it was.
          this.#stopPolling();
          this.#requestFeeds(this.links.keys(), "gap");
        }
        return;
      case "gap":
        this.watch.host.logger.info("push gap, reading change feeds", { side: this.side.name, reason: notice.reason });
        this.#requestFeeds(this.links.keys(), "gap");
        return;
      case "collection":
        this.watch.statistics.notices++;
        this.#requestFeeds([notice.collection], "notification");
        return;
      case "items": {
        this.watch.statistics.notices++;
        for (const { runner, slot } of this.links.get(notice.collection) ?? []) {
          const work = emptyWork();
          for (const item of notice.items) work.items[slot].set(item.id, item);
          work.triggers.add("notification");
          runner.request(work);
        }
        return;
      }
    }
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#stopPolling();
    clearTimeout(this.#pushTimer);
    await this.#push;
  }
}

/**
 * A running watch, from {@link SyncEngine.watch}. Its cycles report through the engine's events
 * (`watch-cycle` per cycle, `watch-status` per side, and the usual `pair-start`, `progress`,
 * `item`, `pair-end`).
 */
export class SyncWatch {
  readonly statistics: WatchStatistics = {
    cycles: 0,
    byTrigger: { start: 0, notification: 0, poll: 0, gap: 0, periodic: 0, retry: 0 },
    notices: 0,
    polls: 0,
    failedCycles: 0,
  };
  /** Resolves when the watch has stopped (by {@link stop} or its signal). */
  readonly done: Promise<void>;
  /** @internal */
  readonly settings: Required<Omit<WatchOptions, "pairIds" | "signal">>;
  readonly #runners = new Map<string, PairRunner>();
  readonly #sides = new Map<string, SideWatcher>();
  #fullTimer: ReturnType<typeof setInterval> | undefined;
  readonly #abortInFlight = new AbortController();
  #stopping: Promise<void> | undefined;
  #resolveDone!: () => void;

  /** @internal Use {@link SyncEngine.watch}. */
  constructor(
    readonly host: WatchHost,
    readonly options: WatchOptions,
  ) {
    this.settings = {
      pollIntervalMs: options.pollIntervalMs ?? DEFAULT_WATCH_SETTINGS.pollIntervalMs,
      fullCycleIntervalMs: options.fullCycleIntervalMs ?? DEFAULT_WATCH_SETTINGS.fullCycleIntervalMs,
      debounceMs: options.debounceMs ?? DEFAULT_WATCH_SETTINGS.debounceMs,
      maxDelayMs: options.maxDelayMs ?? DEFAULT_WATCH_SETTINGS.maxDelayMs,
      maxItemsPerCycle: options.maxItemsPerCycle ?? DEFAULT_WATCH_SETTINGS.maxItemsPerCycle,
      retryDelayMs: options.retryDelayMs ?? DEFAULT_WATCH_SETTINGS.retryDelayMs,
      maxRetryDelayMs: options.maxRetryDelayMs ?? DEFAULT_WATCH_SETTINGS.maxRetryDelayMs,
      pushRetryMs: options.pushRetryMs ?? DEFAULT_WATCH_SETTINGS.pushRetryMs,
    };
    for (const [name, value] of Object.entries(this.settings)) {
      if (!Number.isFinite(value) || value < 0) throw new EngineError("invalid-option", `watch option ${name} must be a number ≥ 0`);
    }
    if (this.settings.pollIntervalMs < 1 || this.settings.fullCycleIntervalMs < 1) {
      throw new EngineError("invalid-option", "watch intervals must be at least 1 ms");
    }
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  /** @internal Opens the sides' change detection and requests every pair's first cycle. */
  async start(): Promise<void> {
    const pairs = (await this.host.listPairs()).filter((p) => !this.options.pairIds || this.options.pairIds.includes(p.id));
    if (this.options.pairIds) {
      const missing = this.options.pairIds.filter((id) => !pairs.some((p) => p.id === id));
      if (missing.length) throw new EngineError("unknown-pair", `no pair ${missing.join(", ")}`, missing[0]!);
    }
    for (const pair of pairs) {
      const runner = new PairRunner(pair, this);
      this.#runners.set(pair.id, runner);
      for (const slot of SLOTS) {
        const name = pair[slot].side;
        let watcher = this.#sides.get(name);
        if (!watcher) this.#sides.set(name, (watcher = new SideWatcher(this.host.side(name), this)));
        watcher.link(pair[slot].collection, { runner, slot });
      }
    }
    for (const watcher of this.#sides.values()) {
      this.host.events.emit("watch-status", { ...watcher.status });
      watcher.start();
    }
    for (const runner of this.#runners.values()) runner.request(fullWork("start"));
    this.#fullTimer = setInterval(() => {
      for (const runner of this.#runners.values()) runner.request(fullWork("periodic"));
    }, this.settings.fullCycleIntervalMs);
    if (this.options.signal) {
      if (this.options.signal.aborted) void this.stop();
      else this.options.signal.addEventListener("abort", () => void this.stop(), { once: true });
    }
  }

  /** @internal */
  cycleOptions(): CycleOptions {
    return { signal: this.#abortInFlight.signal };
  }

  /** @internal */
  countCycle(triggers: readonly WatchTrigger[], failed: boolean): void {
    this.statistics.cycles++;
    for (const t of triggers) this.statistics.byTrigger[t]++;
    if (failed) this.statistics.failedCycles++;
  }

  /** What each watched pair is doing. */
  pairs(): PairWatchStatus[] {
    return [...this.#runners.values()].map((r) => ({ ...r.status }));
  }

  /** The change detection of each side: push connected, reconnecting, pull, or polling. */
  sides(): SideWatchStatus[] {
    return [...this.#sides.values()].map((w) => ({ ...w.status }));
  }

  /**
   * Stops: closes the push channels (EWS subscriptions are unsubscribed), stops polling, lets the
   * cycles in flight finish — or, with `abortInFlight`, aborts them (their side effects are
   * journaled, so the next cycle, of a watch or of `runOnce()`, completes them) — and resolves.
   */
  stop(options: { abortInFlight?: boolean } = {}): Promise<void> {
    if (options.abortInFlight) this.#abortInFlight.abort(new EngineError("aborted", "the watch was stopped"));
    this.#stopping ??= (async () => {
      clearInterval(this.#fullTimer);
      await Promise.all([...this.#sides.values()].map((w) => w.stop()));
      await Promise.all([...this.#runners.values()].map((r) => r.stop()));
      for (const watcher of this.#sides.values()) this.host.events.emit("watch-status", { side: watcher.side.name, state: "stopped" });
      this.#resolveDone();
    })();
    return this.#stopping;
  }
}

function fullWork(trigger: WatchTrigger): Work {
  const work = emptyWork();
  work.feeds.add("local");
  work.feeds.add("remote");
  work.triggers.add(trigger);
  return work;
}
