/**
 * The fleet's public option and record types (what {@link Fleet} takes and tells).
 * @module
 */
import type { Pool } from "pg";
import type { SyncPolicy } from "../engine/engine.js";
import type { EngineEvents, TypedEmitter } from "../engine/events.js";
import type { Logger } from "../engine/log.js";
import type { PairLease, RunRecord } from "../engine/state.js";
import type { FleetAccountConfig, FleetPairConfig } from "./accounts.js";
import type { ActiveOptions } from "./active.js";
import type { KeyRing } from "./keys.js";
import type { FleetRetryOptions, JobDetails, JobOutcome } from "./run.js";

/** Options of {@link Fleet.open}. */
export interface FleetOptions {
  /** A pool of the host's (never ended by the fleet), or … */
  pool?: Pool;
  /** … a connection string: the fleet makes a pool and ends it on {@link Fleet.stop}. */
  connectionString?: string;
  /** Connections of the fleet's own pool (default 10). */
  poolSize?: number;
  /** The schema of the fleet's tables (default `ewsdav_fleet`). */
  schema?: string;
  /** The schema of the sync state (default `ewsdav`, the PostgreSQL store's). */
  storeSchema?: string;
  /** The schema of pg-boss's tables (default `ewsdav_boss`). */
  bossSchema?: string;
  /** The pg-boss queue (default `ewsdav-sync`). */
  queue?: string;
  /** The key ring for secrets (default: `EWSDAV_FLEET_KEYS`, read when a secret is first needed). */
  keys?: KeyRing;
  /** A pair's interval when {@link Fleet.linkPair} gives none (default 15 min). */
  defaultIntervalMs?: number;
  /** The pair lease of a cycle: time to live (default 60 s) and how long a cycle waits for a pair held elsewhere (default 30 s). */
  lease?: { ttlMs?: number; waitMs?: number };
  /** Backoff and parking of failing pairs. */
  retry?: FleetRetryOptions;
  /**
   * When a running job counts as dead in pg-boss and is retried on another worker (default
   * 900 s); longer than a cycle takes. Its cycle then waits for the lease, so a slow live cycle is
   * never run twice at once.
   */
  jobExpireSeconds?: number;
  /** How often pg-boss's maintenance (expiry of dead jobs) runs (default 60 s). */
  maintenanceIntervalSeconds?: number;
  policy?: SyncPolicy;
  tagWrites?: boolean;
  /**
   * Receives the fleet's log lines (a scheduler tick that failed, pg-boss maintenance errors) and
   * the engine's; ids, codes and messages only, never a secret. Default: silent.
   */
  logger?: Logger;
}

/** Options of {@link Fleet.startWorker}. */
export interface WorkerOptions {
  /** Cycles at once in this worker (default 1). */
  concurrency?: number;
  /** How often an idle worker asks for a job (default 2 s; at least 0.5 s). */
  pollingIntervalSeconds?: number;
  /**
   * The worker's id in lease rows, subscriptions and schedules (default host/pid/random). Unique
   * among live workers: two live workers with one id would share their subscriptions' leases.
   */
  id?: string;
  /** Sees each cycle's engine events (metrics, logs); called before the cycle runs. */
  observe?: (pairId: string, events: TypedEmitter<EngineEvents>) => void;
  /** Told each job's outcome, its trigger, its duration, the cycle's report and a lease taken over. */
  onJob?: (pairId: string, outcome: JobOutcome, details: JobDetails) => void;
  /**
   * Active mode: besides jobs, the worker owns a share of the fleet's push subscriptions (EWS
   * mailboxes with linked pairs), one owner per mailbox, handed over when it stops or dies; each
   * notice enqueues a cycle of the remote change feed of the pairs it concerns. See `active.ts`.
   */
  active?: boolean | ActiveOptions;
}

/** Options of {@link Fleet.startScheduler}. */
export interface SchedulerOptions {
  /** How often due pairs are looked for (default 5 s). */
  tickMs?: number;
  /** The most pairs claimed per tick (default 500). */
  batch?: number;
}

/** An account as listed (no secret). */
export interface FleetAccount {
  id: string;
  config: FleetAccountConfig;
  /** The key id its secret is encrypted under (`null`: no secret). */
  keyId: string | null;
}

/** A pair's schedule. */
export interface PairSchedule {
  intervalMs: number;
  nextDue: string;
  /** Failures in a row. */
  failures: number;
  /** When it was parked (`null`: not parked). */
  parkedAt: string | null;
  lastError: string | null;
  lastRunAt: string | null;
  lastOutcome: string | null;
  lastWorker: string | null;
}

/** What {@link Fleet.status} tells of a pair. */
export interface PairStatus {
  pair: Required<Pick<FleetPairConfig, "id">> & FleetPairConfig;
  schedule: PairSchedule;
  /** The pair's lease in the store (its owner: the running worker's id, `#` and the job's number in that worker), `null` when not held. */
  lease: PairLease | null;
  /** The last runs, newest first (the store's `listRuns`). */
  runs: RunRecord[];
}

/** A running scheduler or worker. */
export interface FleetHandle {
  /** Stops it: a worker takes no new job, lets running cycles finish for `graceMs` (default 30 s), then aborts them. */
  stop(options?: { graceMs?: number }): Promise<void>;
}
