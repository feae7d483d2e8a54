/**
 * The {@link Fleet}: many pairs synced by many worker processes on any number of machines, on
 * PostgreSQL and pg-boss (a maintained job queue on PostgreSQL) instead of a scheduler of our own.
 *
 * - **Tables** ({@link FLEET_MIGRATIONS}, schema `ewsdav_fleet` by default): accounts (settings
 *   and the secret encrypted with AES-256-GCM under `EWSDAV_FLEET_KEYS`), pairs (as the config
 *   file's `pairs` entries), schedules (interval, next due, failures, parked and the last error).
 *   The sync state is the PostgreSQL store's (`@ewsdav/core/postgres`, schema `ewsdav`), pg-boss's
 *   queue lives in its own schema (`ewsdav_boss`).
 * - **Scheduler** ({@link Fleet.startScheduler}): every tick claims the due pairs
 *   (`UPDATE … FOR UPDATE SKIP LOCKED`, moving their next due by their interval) and sends one job
 *   per pair in the same transaction, with the pair id as pg-boss singleton key on a `short` queue:
 *   at most one job of a pair waits (the pair lease keeps a waiting job that starts beside a
 *   running one out). Several schedulers at once claim each pair once.
 * - **Worker** ({@link Fleet.startWorker}): takes jobs (they carry the pair id only), opens the
 *   pair's two sides and runs one engine cycle under the pair's lease on the PostgreSQL store,
 *   then records the outcome: next due after the interval, or after a backoff that doubles per
 *   failure in a row; a pair failing `parkAfter` times in a row (an attempt counts as it starts,
 *   so a cycle that kills its worker counts too) is parked with its last error
 *   ({@link Fleet.status}) until {@link Fleet.releasePair}.
 * - **Active mode** (`startWorker({ active })`, see `active.ts`): workers own the EWS push
 *   subscriptions, one owner per mailbox under a lease row, handed over when the owner stops or
 *   dies; a notice enqueues a cycle of the remote change feed of its pairs.
 * - **Workers that die**: a killed worker's job expires in pg-boss (`jobExpireSeconds`) and is
 *   retried on another worker, whose cycle waits for the dead worker's pair lease to expire
 *   (`lease.ttlMs`) and then completes what was journaled. A graceful {@link Fleet.stop} frees its
 *   subscriptions, takes no new job, lets running cycles (also one fetched as it stopped) finish
 *   for `graceMs`, then aborts them: their leases are released and their pairs due again at once.
 * @module
 */
import type { Pool } from "pg";
import type PgBossType from "pg-boss";
import { EngineError } from "../engine/errors.js";
import { defaultLeaseOwner } from "../engine/lease.js";
import type { SyncPolicy } from "../engine/engine.js";
import type { EngineEvents, TypedEmitter } from "../engine/events.js";
import { silentLogger, type Logger } from "../engine/log.js";
import type { PairLease, RunRecord } from "../engine/state.js";
import { PostgresStateStore } from "../stores/postgres.js";
import type { CollectionInfo } from "../engine/side.js";
import { checkAccount, checkAppOnlySecret, checkId, checkPair, FleetError, openSide, type FleetAccountConfig, type FleetOAuthDelegated, type FleetPairConfig } from "./accounts.js";
import { KeyRing } from "./keys.js";
import { ActiveOwner, type ActiveOptions } from "./active.js";
import { runPairJob, type FleetRetryOptions, type JobData, type JobDetails, type JobOutcome, type RunContext } from "./run.js";
import { checkSchema, migrateFleet, quoteIdent, transaction } from "./schema.js";
import type { FleetAccount, FleetHandle, FleetOptions, PairSchedule, PairStatus, SchedulerOptions, WorkerOptions } from "./types.js";
import { rotateTokenCaches, signInWithDeviceCode, storeTokenCache, tokenCacheInfo, tokenCacheProblem, type DeviceCodePrompt, type TokenCacheInfo, type TokenContext } from "./tokens.js";

type PgBossCtor = new (options: PgBossType.ConstructorOptions) => PgBossType;

async function loadPgBoss(): Promise<PgBossCtor> {
  try {
    const mod = (await import("pg-boss")) as unknown as { default?: PgBossCtor };
    return (mod.default ?? mod) as PgBossCtor;
  } catch {
    throw new Error("@ewsdav/core/fleet needs pg-boss: npm install pg-boss");
  }
}

/** `pg`, loaded when the fleet makes its own pool (an optional peer: the entry point loads without it). */
async function loadPg(): Promise<{ Pool: new (config: { connectionString: string; max?: number }) => Pool }> {
  try {
    const mod = (await import("pg")) as unknown as { default?: { Pool: new (config: { connectionString: string; max?: number }) => Pool }; Pool?: new (config: { connectionString: string; max?: number }) => Pool };
    return mod.default ?? (mod as { Pool: new (config: { connectionString: string; max?: number }) => Pool });
  } catch {
    throw new Error("@ewsdav/core/fleet needs pg: npm install pg");
  }
}

/** The fleet: accounts, pairs and schedules in PostgreSQL, cycles as pg-boss jobs. Open with {@link Fleet.open}. */
export class Fleet {
  readonly #pool: Pool;
  readonly #ownsPool: boolean;
  readonly #s: string;
  readonly #storeS: string;
  readonly #options: FleetOptions;
  readonly #queue: string;
  #keys: KeyRing | undefined;
  readonly store: PostgresStateStore;
  readonly #boss: PgBossType;
  readonly #handles = new Set<FleetHandle>();
  #stopped = false;

  private constructor(pool: Pool, ownsPool: boolean, schema: string, store: PostgresStateStore, boss: PgBossType, options: FleetOptions) {
    this.#pool = pool;
    this.#ownsPool = ownsPool;
    this.#s = quoteIdent(schema);
    this.#storeS = quoteIdent(options.storeSchema ?? "ewsdav");
    this.store = store;
    this.#boss = boss;
    this.#options = options;
    this.#queue = options.queue ?? "ewsdav-sync";
    this.#keys = options.keys;
  }

  /** Connects, migrates the fleet's tables, the store's and pg-boss's, and creates the queue. */
  static async open(options: FleetOptions): Promise<Fleet> {
    const schema = options.schema ?? "ewsdav_fleet";
    checkSchema(schema);
    // Each keeps its own schema_migrations: two of them in one schema would take each other's versions.
    const storeSchema = options.storeSchema ?? "ewsdav";
    const bossSchema = options.bossSchema ?? "ewsdav_boss";
    if (new Set([schema, storeSchema, bossSchema]).size !== 3) throw new TypeError(`Fleet.open: the fleet's, the store's and pg-boss's schemas must differ (${schema}, ${storeSchema}, ${bossSchema})`);
    if (!options.pool && !options.connectionString) throw new TypeError("Fleet.open: give a pool or a connectionString");
    const pool = options.pool ?? new (await loadPg()).Pool({ connectionString: options.connectionString!, max: options.poolSize ?? 10 });
    try {
      await migrateFleet(pool, schema);
      const store = await PostgresStateStore.open({ pool, schema: storeSchema });
      const PgBoss = await loadPgBoss();
      const logger = options.logger ?? silentLogger;
      const makeBoss = () => {
        const made = new PgBoss({
          db: { executeSql: (text: string, values: unknown[]) => pool.query(text, values) },
          schema: bossSchema,
          maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
          schedule: false,
        });
        // Maintenance errors are retried by pg-boss: logged, never fatal to the host.
        made.on("error", (error) => logger.warn("job queue error", { message: error.message }));
        return made;
      };
      // Workers that start together on a new database race to create pg-boss's schema; the losers
      // get a unique violation (23505) and start again with a new instance, finding it made.
      let boss = makeBoss();
      for (let attempt = 1; ; attempt++) {
        try {
          await boss.start();
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== "23505" || attempt >= 5) throw error;
          boss = makeBoss();
        }
      }
      const fleet = new Fleet(pool, !options.pool, schema, store, boss, options);
      const queueOptions = {
        name: fleet.#queue,
        // At most one job of a pair waits (singleton key = pair id); one may wait while another runs,
        // and the pair lease keeps them apart. ("stately", one waiting and one running, would let a
        // pair's waiting job block the fetch of every other job while its running one lasts.)
        policy: "short" as const,
        // A job's handler never throws for the pair's own failures (the schedule backs off): a retry
        // is a job whose worker died (expired) or lost the database while recording.
        retryLimit: 1_000_000,
        retryDelay: 1,
        retryBackoff: true,
        expireInSeconds: options.jobExpireSeconds ?? 900,
      };
      await boss.createQueue(fleet.#queue, queueOptions);
      // createQueue keeps an existing queue as it is: these options are this host's. (pg-boss's
      // updateQueue takes a missing policy as its default, `standard`: the policy is passed again.)
      await boss.updateQueue(fleet.#queue, queueOptions);
      return fleet;
    } catch (error) {
      if (!options.pool) await pool.end().catch(() => undefined);
      throw error;
    }
  }

  #keyRing(): KeyRing {
    return (this.#keys ??= KeyRing.fromEnv());
  }

  #check(): void {
    if (this.#stopped) throw new FleetError("stopped", "the fleet is stopped");
  }

  /**
   * Adds an account; its secret (password or token; none for vdir) is encrypted under the current
   * key before it is stored. @throws FleetError `invalid`, or `in-use` when the id is taken.
   */
  async addAccount(id: string, config: FleetAccountConfig, secret?: string): Promise<void> {
    this.#check();
    checkId("account", id);
    checkAccount(id, config, secret);
    const sealed = secret === undefined ? null : this.#keyRing().encrypt(secret, `account ${id}`);
    const { rowCount } = await this.#pool.query(
      `INSERT INTO ${this.#s}.accounts (id, type, config, secret, key_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
      [id, config.type, JSON.stringify(config), sealed, sealed === null ? null : this.#keyRing().currentId],
    );
    if (rowCount === 0) throw new FleetError("in-use", `account ${id} exists`);
  }

  /**
   * Connects to an account as a worker would (its secret given, nothing stored) and lists its
   * folders or collections: a host checks an account with it before {@link addAccount}.
   * @throws the side's error when it cannot connect or sign in (never carrying the secret), FleetError `invalid`.
   */
  async probeAccount(id: string, config: FleetAccountConfig, secret?: string, signal?: AbortSignal): Promise<CollectionInfo[]> {
    this.#check();
    checkId("account", id);
    checkAccount(id, config, secret);
    if (config.type === "ews" && config.auth.type === "oauth" && config.auth.flow === "delegated") {
      throw new FleetError("invalid", `account ${id}: a delegated OAuth account is checked once added and signed in (importTokenCache or signInWithDeviceCode, then listCollections)`);
    }
    const opened = await openSide(id, config, secret, this.#tokenContext());
    try {
      return await opened.side.listCollections(signal);
    } finally {
      await opened.close().catch(() => undefined);
    }
  }

  /** An added account's folders or collections, listed by connecting with its stored secret. @throws FleetError `unknown-account`. */
  async listCollections(accountId: string, signal?: AbortSignal): Promise<CollectionInfo[]> {
    this.#check();
    const { rows } = await this.#pool.query<{ id: string; config: FleetAccountConfig; secret: string | null }>(`SELECT id, config, secret FROM ${this.#s}.accounts WHERE id = $1`, [accountId]);
    const row = rows[0];
    if (!row) throw new FleetError("unknown-account", `no account ${accountId}`);
    const opened = await openSide(row.id, row.config, row.secret === null ? undefined : this.#keyRing().decrypt(row.secret, `account ${row.id}`), this.#tokenContext());
    try {
      return await opened.side.listCollections(signal);
    } finally {
      await opened.close().catch(() => undefined);
    }
  }

  /** Jobs waiting in the queue (not those running): the queue depth of a host's metrics. */
  async queueDepth(): Promise<number> {
    return this.#boss.getQueueSize(this.#queue);
  }

  /** Replaces an account's secret (a changed password or token), encrypted under the current key. @throws FleetError `unknown-account`. */
  async setSecret(id: string, secret: string): Promise<void> {
    this.#check();
    if (typeof secret !== "string" || secret === "") throw new FleetError("invalid", `account ${id}: an empty secret`);
    const { rows } = await this.#pool.query<{ config: FleetAccountConfig }>(`SELECT config FROM ${this.#s}.accounts WHERE id = $1`, [id]);
    const auth = rows[0]?.config.type === "ews" ? rows[0].config.auth : undefined;
    if (auth?.type === "oauth" && auth.flow === "delegated") throw new FleetError("invalid", `account ${id}: a delegated OAuth account has no secret; sign it in again with importTokenCache or signInWithDeviceCode`);
    if (auth?.type === "oauth") checkAppOnlySecret(`account ${id}`, auth, secret);
    const sealed = this.#keyRing().encrypt(secret, `account ${id}`);
    const { rowCount } = await this.#pool.query(`UPDATE ${this.#s}.accounts SET secret = $2, key_id = $3 WHERE id = $1 AND type <> 'vdir'`, [id, sealed, this.#keyRing().currentId]);
    if (rowCount === 0) throw new FleetError("unknown-account", `no account ${id} with a secret`);
  }

  // OAuth: the delegated accounts' token caches (./tokens.ts).

  /** What the token providers and caches of this fleet's own calls (probe, listCollections, sign-in) use. */
  #tokens: TokenContext | undefined;

  /** The fleet's own token context: one object, as token providers are kept per context. */
  #tokenContext(): TokenContext {
    return (this.#tokens ??= { pool: this.#pool, s: this.#s, keys: () => this.#keyRing(), ...(this.#options.logger ? { logger: this.#options.logger } : {}) });
  }

  /** The settings of a delegated OAuth account. @throws FleetError `unknown-account`, `invalid` (not delegated OAuth). */
  async #delegated(accountId: string): Promise<FleetOAuthDelegated> {
    const { rows } = await this.#pool.query<{ config: FleetAccountConfig }>(`SELECT config FROM ${this.#s}.accounts WHERE id = $1`, [accountId]);
    const config = rows[0]?.config;
    if (!config) throw new FleetError("unknown-account", `no account ${accountId}`);
    if (config.type !== "ews" || config.auth.type !== "oauth" || config.auth.flow !== "delegated") throw new FleetError("invalid", `account ${accountId} is not a delegated OAuth account`);
    return config.auth;
  }

  /**
   * Puts a signed-in MSAL token cache into a delegated OAuth account (e.g. the file `ewsdav login`
   * wrote): it replaces the one stored, encrypted under the current key and bound to the account,
   * its access tokens left out. Workers use it from their next cycle.
   * @returns the cache's version. @throws FleetError `invalid` (not MSAL's cache with one account and a refresh token; the cache is never quoted), `unknown-account`.
   */
  async importTokenCache(accountId: string, serialized: string): Promise<number> {
    this.#check();
    await this.#delegated(accountId);
    const problem = tokenCacheProblem(serialized);
    if (problem !== undefined) throw new FleetError("invalid", `account ${accountId}: ${problem}`);
    return storeTokenCache(this.#tokenContext(), accountId, serialized);
  }

  /**
   * Signs a delegated OAuth account in with the device code flow, for a host with a user at hand:
   * `show` is told the code and where to type it; once the user signed in, the cache is stored as
   * {@link importTokenCache} does.
   * @returns the signed-in user's name and the cache's version. @throws OAuthError when the identity provider refuses or the code expires; FleetError `invalid`, `unknown-account`.
   */
  async signInWithDeviceCode(accountId: string, show: (prompt: DeviceCodePrompt) => void, signal?: AbortSignal): Promise<{ username: string; version: number }> {
    this.#check();
    return signInWithDeviceCode(this.#tokenContext(), accountId, await this.#delegated(accountId), show, signal);
  }

  /** A delegated account's stored cache: its key id, version and last write (never its content), `null` when it is not signed in. */
  async tokenCacheInfo(accountId: string): Promise<TokenCacheInfo | null> {
    return tokenCacheInfo(this.#tokenContext(), accountId);
  }

  /** Removes an account that no pair uses. @throws FleetError `in-use` naming the pairs, `unknown-account`. */
  async removeAccount(id: string): Promise<void> {
    this.#check();
    const { rows } = await this.#pool.query<{ id: string }>(`SELECT id FROM ${this.#s}.pairs WHERE remote_account = $1 OR local_account = $1 ORDER BY id`, [id]);
    if (rows.length > 0) throw new FleetError("in-use", `account ${id} is used by pair ${rows.map((r) => r.id).join(", ")}: unlink them first`);
    const { rowCount } = await this.#pool.query(`DELETE FROM ${this.#s}.accounts WHERE id = $1`, [id]);
    if (rowCount === 0) throw new FleetError("unknown-account", `no account ${id}`);
  }

  /** The accounts, without secrets. */
  async listAccounts(): Promise<FleetAccount[]> {
    const { rows } = await this.#pool.query<{ id: string; config: FleetAccountConfig; key_id: string | null }>(`SELECT id, config, key_id FROM ${this.#s}.accounts ORDER BY id`);
    return rows.map((r) => ({ id: r.id, config: r.config, keyId: r.key_id }));
  }

  /**
   * Links a pair (as a config file's `pairs` entry) and schedules it, due at once. Its folder and
   * collection are found, and the pair linked in the state, on its first run.
   * @returns the pair's id. @throws FleetError `invalid`, `unknown-account`, `in-use` (id taken).
   */
  async linkPair(pair: FleetPairConfig, options: { intervalMs?: number } = {}): Promise<string> {
    this.#check();
    checkPair(pair);
    const id = pair.id ?? `${pair.remote.account}.${pair.kind}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const intervalMs = options.intervalMs ?? this.#options.defaultIntervalMs ?? 15 * 60_000;
    if (!(intervalMs > 0)) throw new FleetError("invalid", "intervalMs: a positive number");
    return transaction(this.#pool, async (client) => {
      const { rows } = await client.query<{ id: string }>(`SELECT id FROM ${this.#s}.accounts WHERE id = ANY($1) FOR SHARE`, [[pair.remote.account, pair.local.account]]);
      for (const name of [pair.remote.account, pair.local.account]) if (!rows.some((r) => r.id === name)) throw new FleetError("unknown-account", `no account ${name}`);
      const { rowCount } = await client.query(
        `INSERT INTO ${this.#s}.pairs (id, kind, remote_account, remote_folder, local_account, local_collection, local_create) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
        [id, pair.kind, pair.remote.account, pair.remote.folder, pair.local.account, pair.local.collection, pair.local.create ?? false],
      );
      if (rowCount === 0) throw new FleetError("in-use", `pair ${id} exists`);
      await client.query(`INSERT INTO ${this.#s}.schedules (pair_id, interval_ms) VALUES ($1, $2)`, [id, Math.round(intervalMs)]);
      return id;
    });
  }

  /**
   * Unlinks a pair: its schedule and its state (under the pair's lease: a running cycle is waited
   * for); no item is touched on either side.
   */
  async unlinkPair(pairId: string): Promise<void> {
    this.#check();
    // The schedule first (no new job), then the state under the lease; called again after a
    // `pair-busy`, it finishes the second step.
    const { rowCount } = await this.#pool.query(`DELETE FROM ${this.#s}.pairs WHERE id = $1`, [pairId]);
    const linked = await this.store.getPair(pairId);
    if (rowCount === 0 && !linked) throw new FleetError("unknown-pair", `no pair ${pairId}`);
    if (linked) {
      const { SyncEngine } = await import("../engine/engine.js");
      const lease = this.#options.lease ?? {};
      const engine = new SyncEngine({ store: this.store, sides: [], lease: { ttlMs: lease.ttlMs ?? 60_000, waitMs: lease.waitMs ?? 30_000 }, ...(this.#options.logger ? { logger: this.#options.logger } : {}) });
      await engine.unlink(pairId).catch((error: unknown) => {
        // Unlinked meanwhile by the pair's first job, which found its row gone after linking.
        if (!(error instanceof EngineError && error.code === "unknown-pair")) throw error;
      });
    }
  }

  /**
   * Enqueues a cycle of the pair now. @returns the job id, or `null` when a job of the pair is
   * already waiting (it will run). @throws FleetError `parked` (release it first), `unknown-pair`.
   */
  async triggerSync(pairId: string): Promise<string | null> {
    this.#check();
    const schedule = await this.#schedule(pairId);
    if (schedule.parkedAt) throw new FleetError("parked", `pair ${pairId} is parked (${schedule.lastError ?? "no error recorded"}): release it first`);
    // A full cycle is owed: a notice's job already waiting runs it.
    await this.#pool.query(`UPDATE ${this.#s}.schedules SET full_pending = true WHERE pair_id = $1`, [pairId]);
    const data: JobData = { pairId, trigger: "trigger" };
    return this.#boss.send(this.#queue, data, { singletonKey: pairId });
  }

  async #schedule(pairId: string): Promise<PairSchedule> {
    const { rows } = await this.#pool.query(`SELECT * FROM ${this.#s}.schedules WHERE pair_id = $1`, [pairId]);
    const r = rows[0];
    if (!r) throw new FleetError("unknown-pair", `no pair ${pairId}`);
    const iso = (d: Date | null) => (d ? d.toISOString() : null);
    return {
      intervalMs: Number(r.interval_ms),
      nextDue: r.next_due.toISOString(),
      failures: r.failures,
      parkedAt: iso(r.parked_at),
      lastError: r.last_error,
      lastRunAt: iso(r.last_run_at),
      lastOutcome: r.last_outcome,
      lastWorker: r.last_worker,
    };
  }

  /** A pair's settings, schedule, lease holder and last runs (newest first, `runs` of them, default 10). */
  async status(pairId: string, options: { runs?: number } = {}): Promise<PairStatus> {
    const schedule = await this.#schedule(pairId);
    const { rows } = await this.#pool.query(`SELECT * FROM ${this.#s}.pairs WHERE id = $1`, [pairId]);
    const p = rows[0];
    if (!p) throw new FleetError("unknown-pair", `no pair ${pairId}`);
    return {
      pair: { id: p.id, kind: p.kind, remote: { account: p.remote_account, folder: p.remote_folder }, local: { account: p.local_account, collection: p.local_collection, create: p.local_create } },
      schedule,
      lease: await this.store.getLease(pairId),
      runs: await this.store.listRuns(pairId, options.runs ?? 10),
    };
  }

  /** Every pair's id, in order. */
  async listPairs(): Promise<string[]> {
    const { rows } = await this.#pool.query<{ id: string }>(`SELECT id FROM ${this.#s}.pairs ORDER BY id`);
    return rows.map((r) => r.id);
  }

  /**
   * Parks a pair: not scheduled until {@link releasePair}; a cycle in flight finishes, and the pair
   * stays parked with `reason` as its last error (a parked pair keeps its reason).
   */
  async park(pairId: string, reason = "parked by request"): Promise<void> {
    const { rowCount } = await this.#pool.query(
      `UPDATE ${this.#s}.schedules SET last_error = CASE WHEN parked_at IS NULL THEN $2 ELSE last_error END, parked_at = coalesce(parked_at, now()) WHERE pair_id = $1`,
      [pairId, reason],
    );
    if (rowCount === 0) throw new FleetError("unknown-pair", `no pair ${pairId}`);
  }

  /** Un-parks a pair: failures reset, due at once (the last error stays visible until a run succeeds). */
  async releasePair(pairId: string): Promise<void> {
    const { rowCount } = await this.#pool.query(`UPDATE ${this.#s}.schedules SET parked_at = NULL, failures = 0, next_due = now() WHERE pair_id = $1`, [pairId]);
    if (rowCount === 0) throw new FleetError("unknown-pair", `no pair ${pairId}`);
  }

  /**
   * Re-encrypts every secret not under the current key, `batchSize` rows per transaction (rows
   * another transaction holds are skipped and taken on a later pass). Workers decrypt old and new
   * ciphertexts alike meanwhile; the delegated accounts' token caches likewise (their version
   * unchanged). It returns only when no secret or cache is left under another key — so the
   * old key can then be dropped — waiting up to `waitMs` (default 30 s) for rows held elsewhere.
   * @returns how many secrets and token caches this call re-encrypted.
   * @throws FleetError `in-use` when rows stayed held past `waitMs` (run it again).
   */
  async rotateKeys(options: { batchSize?: number; waitMs?: number } = {}): Promise<number> {
    const keys = this.#keyRing();
    const batch = options.batchSize ?? 100;
    const deadline = Date.now() + (options.waitMs ?? 30_000);
    let total = 0;
    for (;;) {
      const done = await transaction(this.#pool, async (client) => {
        const { rows } = await client.query<{ id: string; secret: string }>(
          `SELECT id, secret FROM ${this.#s}.accounts WHERE secret IS NOT NULL AND key_id IS DISTINCT FROM $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [keys.currentId, batch],
        );
        if (rows.length === 0) return 0;
        const sealed = rows.map((r) => keys.encrypt(keys.decrypt(r.secret, `account ${r.id}`), `account ${r.id}`));
        await client.query(`UPDATE ${this.#s}.accounts a SET secret = u.secret, key_id = $3 FROM unnest($1::text[], $2::text[]) AS u(id, secret) WHERE a.id = u.id`, [rows.map((r) => r.id), sealed, keys.currentId]);
        return rows.length;
      });
      total += done;
      if (done > 0) continue;
      // Nothing left that this pass could take: done, unless rows are held by another transaction.
      const { rows } = await this.#pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.#s}.accounts WHERE secret IS NOT NULL AND key_id IS DISTINCT FROM $1`, [keys.currentId]);
      const left = rows[0]!.n;
      if (left === 0) {
        // The token caches likewise, with the same rule.
        const caches = await rotateTokenCaches(this.#tokenContext(), batch, deadline);
        if (caches.left > 0) throw new FleetError("in-use", `rotateKeys: ${caches.left} token cache(s) still under an older key, held by another transaction; run it again`);
        return total + caches.done;
      }
      if (Date.now() > deadline) throw new FleetError("in-use", `rotateKeys: ${left} secret(s) still under an older key, held by another transaction; run it again`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Claims the due pairs (at most `batch`) and sends a job for each, in one transaction (a crash
   * between the claim and the send loses no run); returns the pair ids sent. A pair whose job is
   * already waiting (a notice's) gets none: its full cycle is owed, and that job runs it.
   */
  async enqueueDue(batch = 500): Promise<string[]> {
    return transaction(this.#pool, async (client) => {
      const { rows } = await client.query<{ pair_id: string }>(
        `UPDATE ${this.#s}.schedules s SET next_due = now() + s.interval_ms * interval '1 millisecond', full_pending = true
         WHERE s.pair_id = ANY(ARRAY(SELECT pair_id FROM ${this.#s}.schedules WHERE next_due <= now() AND parked_at IS NULL ORDER BY next_due LIMIT $1 FOR UPDATE SKIP LOCKED))
         RETURNING s.pair_id`,
        [batch],
      );
      const ids = rows.map((r) => r.pair_id).sort();
      if (ids.length > 0) {
        const data = (pairId: string): JobData => ({ pairId, trigger: "schedule" });
        await this.#boss.insert(
          ids.map((pairId) => ({ name: this.#queue, data: data(pairId), singletonKey: pairId })),
          { db: { executeSql: (text: string, values: unknown[]) => client.query(text, values) } } as PgBossType.InsertOptions,
        );
      }
      return ids;
    });
  }

  /** Starts a scheduler in this process (any number may run, on any hosts). */
  startScheduler(options: SchedulerOptions = {}): FleetHandle {
    this.#check();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running: Promise<void> = Promise.resolve();
    let stopped = false;
    const tick = () => {
      running = this.enqueueDue(options.batch ?? 500).then(
        () => undefined,
        // The database is away: logged, and the next tick tries again.
        (error: unknown) => (this.#options.logger ?? silentLogger).warn("scheduler tick failed", { message: error instanceof Error ? error.message : String(error) }),
      ).finally(() => {
        if (!stopped) timer = setTimeout(tick, options.tickMs ?? 5_000);
      });
    };
    tick();
    const handle: FleetHandle = {
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        await running;
        this.#handles.delete(handle);
      },
    };
    this.#handles.add(handle);
    return handle;
  }

  /** Starts a worker in this process: it takes jobs of the queue and runs their cycles. */
  async startWorker(options: WorkerOptions = {}): Promise<FleetHandle> {
    this.#check();
    const lease = this.#options.lease ?? {};
    const retry = this.#options.retry ?? {};
    const ctx: RunContext = {
      pool: this.#pool,
      s: this.#s,
      storeSchema: this.#storeS,
      store: this.store,
      keys: () => this.#keyRing(),
      worker: options.id ?? defaultLeaseOwner(),
      lease: { ttlMs: lease.ttlMs ?? 60_000, waitMs: lease.waitMs ?? 30_000 },
      retry: { baseMs: retry.baseMs ?? 30_000, maxMs: retry.maxMs ?? 3_600_000, parkAfter: retry.parkAfter ?? 5 },
      ...(this.#options.policy ? { policy: this.#options.policy } : {}),
      ...(this.#options.tagWrites !== undefined ? { tagWrites: this.#options.tagWrites } : {}),
      ...(options.observe ? { observe: options.observe } : {}),
      ...(this.#options.logger ? { logger: this.#options.logger } : {}),
    };
    // Aborted when a stop's grace is over: every cycle of this worker, also one whose job was
    // fetched while it was stopping (bounded by the same grace; its pair is due again at once).
    const hardStop = new AbortController();
    // Each slot fetches one job at a time (pg-boss `fetch`), runs it and completes it; a job whose
    // recording failed (the database away) is failed, and pg-boss retries it.
    const noMoreJobs = new AbortController();
    const pollMs = Math.max(500, (options.pollingIntervalSeconds ?? 2) * 1000);
    const logger = this.#options.logger ?? silentLogger;
    // Slots waiting for their next poll; a notice's jobs enqueued here wake them (no poll's delay).
    const sleeping = new Set<() => void>();
    const slot = async () => {
      while (!noMoreJobs.signal.aborted) {
        const jobs = await this.#boss.fetch<JobData>(this.#queue, { batchSize: 1 }).catch((error: unknown) => {
          logger.warn("job fetch failed", { worker: ctx.worker, message: error instanceof Error ? error.message : String(error) });
          return [];
        });
        if (jobs.length === 0) {
          await new Promise<void>((resolve) => {
            const wake = () => {
              clearTimeout(timer);
              noMoreJobs.signal.removeEventListener("abort", wake);
              sleeping.delete(wake);
              resolve();
            };
            const timer = setTimeout(wake, pollMs);
            noMoreJobs.signal.addEventListener("abort", wake, { once: true });
            sleeping.add(wake);
          });
          continue;
        }
        for (const job of jobs) {
          try {
            const { outcome, ...details } = await runPairJob(ctx, job.data, hardStop.signal);
            options.onJob?.(job.data.pairId, outcome, details);
            await this.#boss.complete(this.#queue, job.id);
          } catch (error) {
            logger.warn("job not recorded, to be retried", { pair: job.data.pairId, worker: ctx.worker, message: error instanceof Error ? error.message : String(error) });
            await this.#boss.fail(this.#queue, job.id, { message: error instanceof Error ? error.message : String(error) }).catch(() => undefined);
          }
        }
      }
    };
    const slots = Array.from({ length: options.concurrency ?? 1 }, () => slot());
    let active: ActiveOwner | undefined;
    if (options.active) {
      const queue = this.#queue;
      active = new ActiveOwner(
        {
          pool: this.#pool,
          s: this.#s,
          storeSchema: this.#storeS,
          worker: ctx.worker,
          keys: () => this.#keyRing(),
          // The worker's own context: its cycles and its push share one token provider per account.
          tokens: () => ctx,
          logger: this.#options.logger ?? silentLogger,
          enqueue: async (pairIds) => {
            const data = (pairId: string): JobData => ({ pairId, trigger: "notice" });
            await this.#boss.insert(pairIds.map((pairId) => ({ name: queue, data: data(pairId), singletonKey: pairId })));
            for (const wake of [...sleeping]) wake();
          },
        },
        options.active === true ? {} : options.active,
      );
      try {
        await active.start();
      } catch (error) {
        noMoreJobs.abort();
        hardStop.abort();
        await Promise.allSettled(slots);
        await active.stop().catch(() => undefined);
        throw error;
      }
    }
    let stopping: Promise<void> | undefined;
    const handle: FleetHandle = {
      stop: ({ graceMs = 30_000 } = {}) =>
        (stopping ??= (async () => {
          // The subscriptions first (freed for another worker at once), then no new job; what runs
          // may finish within graceMs, then it is aborted (also a job fetched meanwhile).
          const timer = setTimeout(() => hardStop.abort(), graceMs);
          noMoreJobs.abort();
          await active?.stop();
          // A fetch in flight may still bring a job: it runs under the same grace.
          await Promise.allSettled(slots);
          clearTimeout(timer);
          hardStop.abort();
          this.#handles.delete(handle);
        })()),
    };
    this.#handles.add(handle);
    return handle;
  }

  /** Stops the schedulers and workers of this process (gracefully, see {@link FleetHandle.stop}), pg-boss, the store and an own pool. */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all([...this.#handles].map((h) => h.stop(options)));
    await this.#boss.stop({ graceful: true, wait: true, close: false, timeout: 1_000 }).catch(() => undefined);
    await this.store.close();
    if (this.#ownsPool) await this.#pool.end();
  }
}
