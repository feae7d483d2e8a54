/**
 * One writer per pair. Every cycle of a pair — `runOnce()`, `syncItems()`, `runCycle()` and the
 * cycles of `watch()` — runs under that pair's lease, in two layers:
 *
 * 1. **In one engine, a queue per pair.** Cycles of the same pair wait for each other in the order
 *    they were asked for (unbounded: a cycle in this process always ends), so `runOnce()` beside a
 *    running `watch()` waits for the watch's cycle in flight and then runs, instead of failing.
 * 2. **Across processes and hosts, the store's lease** ({@link PairLease}). The head of the queue
 *    takes the pair's lease in the state store for `ttlMs`. When another owner holds it, the cycle
 *    tries again every few hundred milliseconds for up to `waitMs`, then gives up with
 *    {@link EngineError} `pair-busy` — before reading or writing anything; the other pairs go on.
 *    A lease left by a process that died (`kill -9`, power loss) expires `ttlMs` after its last
 *    renewal and is then taken over.
 *
 * While the cycle runs, its lease is renewed every third of `ttlMs`. Its state writes are fenced:
 * each goes to the store with the lease, and the store commits it only while the pair's lease row
 * still has this owner and token (checked in the same transaction). When a renewal finds the lease
 * taken over, or the store cannot be reached for a whole TTL, the lease counts as lost: the cycle's
 * signal is aborted (requests in flight are cancelled), and its next state write — the journal entry
 * that precedes every side effect, or the final cursor write — is refused with `lease-lost`, so the
 * cycle stops before any further side effect and commits nothing more. What it did before is
 * journaled, and the new holder's cycle completes it. The lease is released when the cycle ends: a
 * running watch holds no lease between cycles.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { DEFAULT_LEASE_OPTIONS } from "./defaults.js";
import { EngineError } from "./errors.js";
import type { Logger } from "./log.js";
import { StateError, type PairLease, type StateStore } from "./state.js";

/** How the engine takes pair leases (engine option `lease`). */
export interface LeaseOptions {
  /**
   * How long a lease lasts without renewal (default 60 000 ms). A running cycle renews it every
   * third of this; a process that died leaves the pair blocked for at most this long.
   */
  ttlMs?: number;
  /**
   * How long a cycle waits for a pair whose lease another process or host holds before it reports
   * `pair-busy` (default 30 000 ms; 0: do not wait).
   */
  waitMs?: number;
  /**
   * This engine's owner id in the lease rows (default: host name, process id and a random part).
   * Must be unique among live engines; a fixed id lets a restarted host take back its lease at once.
   */
  owner?: string;
}

/** The defaults of {@link LeaseOptions} (kept with the others in `defaults.ts`). */
export { DEFAULT_LEASE_OPTIONS };

/** A fresh owner id: `host/pid/random`. */
export function defaultLeaseOwner(): string {
  return `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
}

/** The lease a running cycle holds: its current row, whether it is lost, and a signal for it. */
export interface CycleLease {
  /** The lease as last acquired or renewed (write state with it). */
  readonly current: PairLease;
  /** Aborted (with an {@link EngineError} `lease-lost`) once the lease is known to be lost. */
  readonly signal: AbortSignal;
  /** The `lease-lost` error once the lease is lost, else `null`. */
  readonly lostError: EngineError | null;
  /** Throws the `lease-lost` error when the lease is lost; call before a state write. */
  check(): void;
  /**
   * Maps an error of a fenced state write: a store's `lease-lost` marks the lease lost and becomes
   * the {@link EngineError}; anything else is returned unchanged.
   */
  translate(error: unknown): unknown;
}

class HeldLease implements CycleLease {
  #lease: PairLease;
  #lost: EngineError | null = null;
  readonly #abort = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Monotonic time of the start of the last renewal that succeeded (or of the acquisition). */
  #confirmedAt: number;
  #stopped = false;

  constructor(
    lease: PairLease,
    readonly store: StateStore,
    readonly ttlMs: number,
    readonly logger: Logger,
    startedAt: number,
  ) {
    this.#lease = lease;
    this.#confirmedAt = startedAt;
  }

  get current(): PairLease {
    return this.#lease;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get lostError(): EngineError | null {
    return this.#lost;
  }

  check(): void {
    if (this.#lost) throw this.#lost;
  }

  translate(error: unknown): unknown {
    if (error instanceof StateError && error.code === "lease-lost") return this.#lose(error.message.replace(`pair ${this.#lease.pairId}: `, ""));
    return error;
  }

  #lose(message: string): EngineError {
    if (!this.#lost) {
      this.#lost = new EngineError("lease-lost", `${message}; the cycle stopped`, this.#lease.pairId);
      this.logger.error("pair lease lost", { pair: this.#lease.pairId, owner: this.#lease.owner, token: this.#lease.token });
      this.#abort.abort(this.#lost);
      this.stop();
    }
    return this.#lost;
  }

  /** Renews every third of the TTL until stopped or lost. */
  startRenewing(): void {
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#renew(), Math.max(1, this.ttlMs / 3));
    this.#timer.unref?.();
  }

  async #renew(): Promise<void> {
    if (this.#stopped) return;
    const startedAt = performance.now();
    try {
      const renewed = await this.store.renewLease(this.#lease, this.ttlMs);
      if (this.#stopped) return;
      if (renewed === null) {
        this.#lose(`the lease of ${this.#lease.owner} was taken over by another process (it expired before it was renewed)`);
        return;
      }
      this.#lease = renewed;
      this.#confirmedAt = startedAt;
    } catch (error) {
      if (this.#stopped) return;
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn("pair lease renewal failed", { pair: this.#lease.pairId, error: reason });
      // Not renewed for a whole TTL: another process may have taken over, so stop writing.
      if (performance.now() - this.#confirmedAt >= this.ttlMs) {
        this.#lose(`the lease could not be renewed for ${this.ttlMs} ms (${reason})`);
        return;
      }
    }
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async release(): Promise<void> {
    this.stop();
    if (this.#lost) return;
    try {
      await this.store.releaseLease(this.#lease);
    } catch (error) {
      // It expires on its own; the next cycle just waits for that.
      this.logger.warn("pair lease release failed", { pair: this.#lease.pairId, error: error instanceof Error ? error.message : String(error) });
    }
  }
}

/** Sleeps `ms`, or rejects with the signal's reason when it aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Waits for `promise`, or rejects with the signal's reason when it aborts first. */
function until(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal));
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof EngineError ? signal.reason : new EngineError("aborted", "the cycle was aborted while it waited for the pair's lease");
}

/**
 * The leases of one engine: a queue per pair in this process, and the store's lease across
 * processes. Internal to the engine; hosts set {@link LeaseOptions}.
 */
export class PairLeases {
  readonly owner: string;
  readonly ttlMs: number;
  readonly waitMs: number;
  readonly #tails = new Map<string, Promise<void>>();

  constructor(
    readonly store: StateStore,
    options: LeaseOptions,
    readonly logger: Logger,
  ) {
    this.owner = options.owner ?? defaultLeaseOwner();
    this.ttlMs = options.ttlMs ?? DEFAULT_LEASE_OPTIONS.ttlMs;
    this.waitMs = options.waitMs ?? DEFAULT_LEASE_OPTIONS.waitMs;
    if (this.owner.length === 0) throw new EngineError("invalid-option", "lease.owner must not be empty");
    if (!Number.isFinite(this.ttlMs) || this.ttlMs <= 0) throw new EngineError("invalid-option", `lease.ttlMs must be a positive number of milliseconds, not ${this.ttlMs}`);
    if (!Number.isFinite(this.waitMs) || this.waitMs < 0) throw new EngineError("invalid-option", `lease.waitMs must be a number of milliseconds ≥ 0, not ${this.waitMs}`);
  }

  /**
   * Runs `fn` once this process's earlier cycles of the pair have ended and the store's lease is
   * held; renews it meanwhile and releases it after. Rejects with `pair-busy` (another owner kept
   * the lease for `waitMs`) or `aborted` (the signal aborted while waiting) without calling `fn`.
   */
  async run<T>(pairId: string, signal: AbortSignal | undefined, fn: (lease: CycleLease) => Promise<T>): Promise<T> {
    const before = this.#tails.get(pairId) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = before.then(() => mine);
    this.#tails.set(pairId, tail);
    try {
      await until(before, signal);
      const held = await this.#acquire(pairId, signal);
      try {
        held.startRenewing();
        return await fn(held);
      } finally {
        await held.release();
      }
    } finally {
      done();
      if (this.#tails.get(pairId) === tail) this.#tails.delete(pairId);
    }
  }

  async #acquire(pairId: string, signal: AbortSignal | undefined): Promise<HeldLease> {
    const deadline = performance.now() + this.waitMs;
    const pollMs = Math.max(10, Math.min(250, this.ttlMs / 10));
    for (let attempt = 0; ; attempt++) {
      const startedAt = performance.now();
      const answer = await this.store.acquireLease({ pairId, owner: this.owner, ttlMs: this.ttlMs });
      if (answer.acquired) {
        if (attempt > 0) this.logger.info("pair lease acquired after waiting", { pair: pairId, attempts: attempt + 1 });
        return new HeldLease(answer.lease, this.store, this.ttlMs, this.logger, startedAt);
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new EngineError(
          "pair-busy",
          `another process (${answer.holder.owner}) is syncing this pair; its lease runs until ${answer.holder.expiresAt} unless renewed. ` +
            `Waited ${this.waitMs} ms; nothing was written`,
          pairId,
        );
      }
      if (attempt === 0) this.logger.info("pair lease held elsewhere, waiting", { pair: pairId, holder: answer.holder.owner, waitMs: this.waitMs });
      // A little jitter, so that processes waiting together do not poll in step.
      await sleep(Math.min(left, pollMs * (0.75 + Math.random() / 2)), signal);
    }
  }
}
