/**
 * One job of the fleet: a pair's cycle on a worker. Opens the pair's two sides (secrets decrypted
 * in memory only), links the pair in the state store on its first run (resolving folder and
 * collection names as `ewsdav sync` does), runs one engine cycle under the pair's lease on the
 * PostgreSQL store — both change feeds, or the remote one only for a push notice's job — and
 * records the outcome in the pair's schedule: next due after its interval, or after a backoff when
 * it failed — parked after `parkAfter` failures in a row. The attempt is counted before the cycle
 * (undone by its outcome), so a cycle that kills its worker every time is parked too.
 * @module
 */
import { randomBytes } from "node:crypto";
import type { Pool } from "pg";
import { SyncEngine, type SyncPolicy } from "../engine/engine.js";
import { EngineError } from "../engine/errors.js";
import type { EngineEvents } from "../engine/events.js";
import type { PairReport } from "../engine/report.js";
import type { TypedEmitter } from "../engine/events.js";
import type { Logger } from "../engine/log.js";
import type { CycleScope } from "../engine/scope.js";
import type { LeaseRequest, StateStore } from "../engine/state.js";
import { openSide, type FleetAccountConfig, type OpenedSide } from "./accounts.js";
import { KeyRing } from "./keys.js";
import { transaction } from "./schema.js";

/** How failures are retried and when a pair is parked. */
export interface FleetRetryOptions {
  /** The first retry's delay (default 30 s); doubled per failure in a row. */
  baseMs?: number;
  /** The longest delay (default 1 h). */
  maxMs?: number;
  /** Failures in a row after which a pair is parked (default 5). */
  parkAfter?: number;
}

/** What a cycle needs from its fleet. */
export interface RunContext {
  pool: Pool;
  /** The quoted fleet schema. */
  s: string;
  /** The quoted schema of the PostgreSQL store (its lease rows). */
  storeSchema: string;
  store: StateStore;
  keys: () => KeyRing;
  worker: string;
  lease: { ttlMs: number; waitMs: number };
  retry: Required<FleetRetryOptions>;
  policy?: SyncPolicy;
  tagWrites?: boolean;
  logger?: Logger;
  /** Sees each cycle's engine events before it runs (metrics, tests). */
  observe?: (pairId: string, events: TypedEmitter<EngineEvents>) => void;
}

/** The outcome of one job, as recorded in the schedule. */
export type JobOutcome = "ok" | "failed" | "parked" | "busy" | "aborted" | "gone";

/**
 * Why a job was enqueued: by the scheduler (a full cycle, both change feeds), by a push
 * notification of its remote account in active mode (a cycle of the remote change feed only), or
 * by {@link Fleet.triggerSync} (a full cycle).
 */
export type JobTrigger = "schedule" | "notice" | "trigger";

/** A job's data: the pair and why (jobs of older versions carry the pair only: scheduled). */
export interface JobData {
  pairId: string;
  trigger?: JobTrigger;
}

/** What a worker tells of one job besides its outcome (metrics, logs). */
export interface JobDetails {
  /** From the job's start to its outcome recorded, in milliseconds. */
  durationMs: number;
  /**
   * Why the job ran. A notice's job that found a scheduled cycle owed (merged into it while it
   * waited) ran the full cycle and says `schedule`.
   */
  trigger: JobTrigger;
  /** The cycle's report, when a cycle ran. */
  report?: PairReport;
  /** The worker whose expired lease on the pair this cycle took over (it died or hung mid-cycle). */
  tookOverFrom?: string;
}

/** A job's outcome and details. */
export interface JobResult extends JobDetails {
  outcome: JobOutcome;
}

interface PairJoin {
  id: string;
  kind: "contacts" | "events" | "tasks";
  remote_account: string;
  remote_folder: string;
  local_account: string;
  local_collection: string;
  local_create: boolean;
  interval_ms: string;
}

interface AccountRow {
  id: string;
  config: FleetAccountConfig;
  secret: string | null;
}

/** The cycle of a notice: the remote change feed only (the local side is polled by its schedule). */
const REMOTE_FEED: CycleScope = { remote: { feed: true }, local: { items: [] } };

let jobSerial = 0;
/** Tells this process's job owners from those of an earlier process that had the same worker id. */
const processTag = randomBytes(4).toString("hex");

/** The lease owner of one job of `worker`: the worker's id, `#`, a tag of this process and a number unique in it. */
export function jobLeaseOwner(worker: string): string {
  return `${worker}#${processTag}.${++jobSerial}`;
}

/** The worker a job's lease owner names (see {@link jobLeaseOwner}). */
export function workerOfLeaseOwner(owner: string): string {
  return owner.replace(/#[0-9a-f]+\.\d+$/, "");
}

/** Backoff after `failures` failures in a row. */
export function backoffMs(failures: number, retry: Required<FleetRetryOptions>): number {
  return Math.min(retry.maxMs, retry.baseMs * 2 ** Math.max(0, Math.min(30, failures - 1)));
}

/** What the start of a job found and claimed in the pair's schedule. */
type Attempt = { state: "run"; pair: PairJoin; full: boolean } | { state: "gone" | "parked" };

/**
 * Counts the job's attempt before its cycle runs (undone when it ends without failing): a pair
 * whose cycle kills its worker every time (out of memory, a crash) backs off and is parked after
 * `parkAfter` attempts like a failing one, instead of being retried forever. Takes the schedule's
 * owed full cycle (`full_pending`), so a scheduled cycle merged into a waiting notice's job runs.
 */
async function startAttempt(ctx: RunContext, pairId: string, trigger: JobTrigger): Promise<Attempt> {
  return transaction(ctx.pool, async (client) => {
    const { rows } = await client.query<PairJoin & { parked_at: Date | null; failures: number; full_pending: boolean }>(
      `SELECT p.*, s.parked_at, s.failures, s.interval_ms, s.full_pending FROM ${ctx.s}.pairs p JOIN ${ctx.s}.schedules s ON s.pair_id = p.id WHERE p.id = $1 FOR UPDATE OF s`,
      [pairId],
    );
    const row = rows[0];
    if (!row) return { state: "gone" };
    if (row.parked_at) return { state: "parked" };
    if (row.failures >= ctx.retry.parkAfter) {
      // Attempts counted and never recorded: each ended its worker mid-cycle.
      await client.query(
        `UPDATE ${ctx.s}.schedules SET parked_at = now(), last_error = $2, last_run_at = now(), last_outcome = 'failed', last_worker = $3 WHERE pair_id = $1`,
        [pairId, `the cycle ended its worker ${row.failures} times in a row (killed, out of memory or crashed mid-cycle)`, ctx.worker],
      );
      return { state: "parked" };
    }
    const failures = row.failures + 1;
    const { parked_at: _p, failures: _f, full_pending, ...pair } = row;
    const full = trigger !== "notice" || full_pending;
    // A full cycle's attempt moves the pair's next due past its backoff (a worker dying in it does
    // not have it run again at once); a notice's leaves the scheduled cycle where it is — else a
    // busy mailbox's notices would keep pushing it back and its other side would never be read.
    await client.query(
      `UPDATE ${ctx.s}.schedules SET failures = $2, full_pending = false, next_due = CASE WHEN $4 THEN greatest(next_due, now() + $3 * interval '1 millisecond') ELSE next_due END WHERE pair_id = $1`,
      [pairId, failures, backoffMs(failures, ctx.retry), full],
    );
    return { state: "run", pair, full };
  });
}

/** Whether the pair's row is still there (not unlinked). */
async function pairExists(ctx: RunContext, pairId: string): Promise<boolean> {
  const { rowCount } = await ctx.pool.query(`SELECT 1 FROM ${ctx.s}.pairs WHERE id = $1`, [pairId]);
  return (rowCount ?? 0) > 0;
}

/** Runs one cycle of the job's pair and records it; never throws for the pair's own failures. */
export async function runPairJob(ctx: RunContext, job: JobData, signal: AbortSignal): Promise<JobResult> {
  const started = Date.now();
  const pairId = job.pairId;
  const asked: JobTrigger = job.trigger ?? "schedule";
  const attempt = await startAttempt(ctx, pairId, asked);
  if (attempt.state !== "run") return { outcome: attempt.state, trigger: asked, durationMs: Date.now() - started };
  const { pair, full } = attempt;
  const trigger: JobTrigger = full && asked === "notice" ? "schedule" : asked;
  const opened: OpenedSide[] = [];
  let report: PairReport | undefined;
  let failure: string | undefined;
  let tookOverFrom: string | undefined;
  let gone = false;
  try {
    const { rows: accounts } = await ctx.pool.query<AccountRow>(`SELECT id, config, secret FROM ${ctx.s}.accounts WHERE id = ANY($1)`, [[pair.remote_account, pair.local_account]]);
    for (const name of [pair.remote_account, pair.local_account]) {
      const account = accounts.find((a) => a.id === name);
      if (!account) throw new Error(`account ${name} is gone`);
      const secret = account.secret === null ? undefined : ctx.keys().decrypt(account.secret, `account ${account.id}`);
      opened.push(await openSide(account.id, account.config, secret, ctx));
    }
    // The engine's lease requests go through a look at the lease row: taking a lease another worker
    // left to expire (it died or hung mid-cycle) is a takeover, told to the host's metrics.
    const store = new Proxy(ctx.store, {
      get(target, key) {
        if (key === "acquireLease") {
          return async (request: LeaseRequest) => {
            // Another owner's lease just before: taken over if it had expired by the time it was
            // acquired (by the database's clock; one released meanwhile ran on past that moment).
            const { rows: held } = await ctx.pool.query<{ owner: string; expires_at: Date }>(
              `SELECT owner, expires_at FROM ${ctx.storeSchema}.leases WHERE pair_id = $1 AND owner IS NOT NULL AND owner <> $2`,
              [request.pairId, request.owner],
            );
            const attempt = await target.acquireLease(request);
            const before = held[0];
            if (attempt.acquired && before) {
              const { rows } = await ctx.pool.query<{ expired: boolean }>("SELECT $1::timestamptz <= now() AS expired", [before.expires_at]);
              if (rows[0]?.expired) tookOverFrom = workerOfLeaseOwner(before.owner);
            }
            return attempt;
          };
        }
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const engine = new SyncEngine({
      store,
      sides: opened.map((o) => o.side),
      ...(ctx.policy ? { policy: ctx.policy } : {}),
      ...(ctx.tagWrites !== undefined ? { tagWrites: ctx.tagWrites } : {}),
      // One lease owner per job, not per worker: a store lets an owner take its own lease again (a
      // restarted process), and pg-boss may hand this worker a retry of a job it still runs (the
      // job's expiry counts from its fetch): that retry must wait for the lease like any other.
      lease: { owner: jobLeaseOwner(ctx.worker), ttlMs: ctx.lease.ttlMs, waitMs: ctx.lease.waitMs },
      ...(ctx.logger ? { logger: ctx.logger } : {}),
    });
    ctx.observe?.(pairId, engine.events);
    if (!(await ctx.store.getPair(pairId))) {
      // Linked only while the pair's row is there: an unlink meanwhile leaves no state behind. An
      // unlink between this look and the link finds no state yet; the look after the link sees the
      // row gone and removes what the link made.
      if (!(await pairExists(ctx, pairId))) gone = true;
      else {
        await link(engine, pair, signal);
        if (!(await pairExists(ctx, pairId))) {
          gone = true;
          await engine.unlink(pairId).catch((error: unknown) => {
            // Unlinked by the unlink that removed the row, or to be removed by it: nothing left here.
            if (!(error instanceof EngineError && error.code === "unknown-pair")) throw error;
          });
        }
      }
    }
    if (!gone) {
      if (full) {
        const result = await engine.runOnce({ pairIds: [pairId], signal });
        report = result.pairs[0];
      } else {
        report = await engine.runCycle(pairId, REMOTE_FEED, { signal });
      }
      if (!report) failure = "the cycle gave no report";
      else if (report.error) failure = `${report.error.code}: ${report.error.message}`;
    }
  } catch (error) {
    failure = error instanceof Error ? `${error instanceof EngineError ? `${error.code}: ` : ""}${error.message}` : String(error);
  } finally {
    for (const o of opened.reverse()) await o.close().catch(() => undefined);
  }
  if (gone) return { outcome: "gone", trigger, durationMs: Date.now() - started };
  const code = report?.error?.code;
  if (failure !== undefined) ctx.logger?.warn("fleet cycle failed", { pair: pairId, worker: ctx.worker, error: failure });
  // A cycle that completed counts as done even when the abort came after it; one stopped by the abort is due again, no failure counted.
  const outcome: JobOutcome = failure === undefined ? "ok" : signal.aborted ? "aborted" : code === "pair-busy" ? "busy" : "failed";
  const recorded = await record(ctx, pair, outcome, failure, full);
  return { outcome: recorded, trigger, durationMs: Date.now() - started, ...(report ? { report } : {}), ...(tookOverFrom !== undefined ? { tookOverFrom } : {}) };
}

/** Links the pair in the state store on its first run, finding its folder and collection as `ewsdav sync` does. */
async function link(engine: SyncEngine, pair: PairJoin, signal: AbortSignal): Promise<void> {
  const remote = (await engine.listCollections(pair.remote_account, signal)).find((c) => c.kind === pair.kind && (c.id === pair.remote_folder || c.displayName === pair.remote_folder));
  if (!remote) throw new Error(`${pair.remote_account} has no ${pair.kind} folder "${pair.remote_folder}"`);
  const local = (await engine.listCollections(pair.local_account, signal)).find((c) => c.id === pair.local_collection || c.displayName === pair.local_collection);
  if (!local && !pair.local_create) throw new Error(`${pair.local_account} has no collection "${pair.local_collection}" (link it with create)`);
  try {
    await engine.link({
      id: pair.id,
      kind: pair.kind,
      remote: { side: pair.remote_account, collection: remote.id },
      local: local ? { side: pair.local_account, collection: local.id } : { side: pair.local_account, create: { displayName: pair.local_collection } },
    });
  } catch (error) {
    // Linked a moment ago by another worker (a job retried after an expiry): go on with it.
    if (!(error instanceof EngineError && error.code === "already-linked" && (await engine.listPairs()).some((p) => p.id === pair.id))) throw error;
  }
}

/**
 * Records a job's outcome in the pair's schedule; the attempt was counted when the job started.
 * A pair parked while its cycle ran stays parked with its reason, whatever the outcome.
 */
async function record(ctx: RunContext, pair: PairJoin, outcome: JobOutcome, failure: string | undefined, full: boolean): Promise<JobOutcome> {
  const interval = Number(pair.interval_ms);
  if (outcome === "ok") {
    // A notice's cycle read the remote feed only: the scheduled cycle stays due when it was.
    const { rows } = await ctx.pool.query<{ parked: boolean }>(
      `UPDATE ${ctx.s}.schedules SET failures = 0, last_error = CASE WHEN parked_at IS NULL THEN NULL ELSE last_error END, last_run_at = now(), last_outcome = 'ok', last_worker = $2,
         next_due = CASE WHEN $4 THEN now() + $3 * interval '1 millisecond' ELSE next_due END WHERE pair_id = $1 RETURNING parked_at IS NOT NULL AS parked`,
      [pair.id, ctx.worker, interval, full],
    );
    return rows[0] ? "ok" : "gone";
  }
  if (outcome === "busy" || outcome === "aborted") {
    // Another worker holds the pair (a dead one's lease not yet expired), or this worker is stopping: due again soon, the attempt not counted.
    const { rowCount } = await ctx.pool.query(
      `UPDATE ${ctx.s}.schedules SET failures = greatest(0, failures - 1), full_pending = full_pending OR $5, last_run_at = now(), last_outcome = $2, last_worker = $3,
         next_due = least(next_due, now() + $4 * interval '1 millisecond') WHERE pair_id = $1`,
      [pair.id, outcome, ctx.worker, outcome === "aborted" ? 0 : ctx.lease.ttlMs, full],
    );
    return (rowCount ?? 0) > 0 ? outcome : "gone";
  }
  const { rows } = await ctx.pool.query<{ failures: number; parked: boolean }>(
    `UPDATE ${ctx.s}.schedules SET last_error = CASE WHEN parked_at IS NULL THEN $2 ELSE last_error END, last_run_at = now(), last_outcome = 'failed', last_worker = $3,
       full_pending = full_pending OR $5, parked_at = CASE WHEN failures >= $4 THEN coalesce(parked_at, now()) ELSE parked_at END
     WHERE pair_id = $1 RETURNING failures, parked_at IS NOT NULL AS parked`,
    [pair.id, (failure ?? "failed").slice(0, 2000), ctx.worker, ctx.retry.parkAfter, full],
  );
  const row = rows[0];
  if (!row) return "gone";
  await ctx.pool.query(`UPDATE ${ctx.s}.schedules SET next_due = now() + $2 * interval '1 millisecond' WHERE pair_id = $1`, [pair.id, backoffMs(Math.max(1, row.failures), ctx.retry)]);
  return row.parked ? "parked" : "failed";
}
