/**
 * `@ewsdav/core/postgres`: a {@link StateStore} on PostgreSQL, through `pg` (an optional peer
 * dependency of `@ewsdav/core`), for hosts that share one database — several processes, several
 * machines, a fleet of workers.
 *
 * - **Where.** All tables live in one schema (default `ewsdav`; the `schema` option), named in
 *   every statement, so several stores can share a database and a pool without `search_path`.
 *   The store takes a `pg.Pool` (which it never ends) or a connection string (it then owns a
 *   pool of its own and ends it on `close()`); it keeps no global state.
 * - **Migrations.** Numbered steps ({@link POSTGRES_MIGRATIONS}), applied by
 *   {@link PostgresStateStore.open} in one transaction under a transaction-level advisory lock
 *   keyed by the schema, and recorded in `<schema>.schema_migrations`: stores opening the same
 *   schema at the same moment migrate it once, one after the other. A schema newer than this code
 *   is refused (`corrupt`).
 * - **Writes.** Each `write(ops)` is one transaction. A write under a lease first reads the pair's
 *   lease row `FOR SHARE` and refuses (`lease-lost`) unless it still has the lease's owner and token:
 *   a takeover (an update of that row) waits until the write commits, so no write lands after a
 *   takeover. A write's item operations and journal operations go to the server table by table
 *   (each keeping its order), and each run of like operations (`put-item`, `delete-item`,
 *   `journal-begin`, `journal-end`) as one statement over arrays: a batch of a cycle costs a
 *   handful of round trips, not one per item.
 * - **Leases** are rows of `leases`, taken with one `INSERT … ON CONFLICT DO UPDATE … WHERE` the
 *   lease is free, expired or the caller's, `RETURNING` the row; expiry is by the database server's
 *   clock (`clock_timestamp()`), so hosts whose clocks disagree agree on it.
 * - **Indexes** for a cycle's questions at scale (many pairs × many items): the item primary key
 *   `(pair_id, uid)`; unique `(pair_id, local_id)` and `(pair_id, remote_id)` carrying the version
 *   (`INCLUDE`), so the quiet cycle's id/version listing reads the index only; partial indexes of the
 *   unconfirmed items per slot; `(pair_id, seq)` for the runs. Ids and UIDs compare bytewise
 *   (`COLLATE "C"`), as in SQLite.
 *
 * @module
 */
import type { Pool, PoolClient, QueryResultRow } from "pg";
import {
  checkLeaseRequest,
  RUNS_KEPT_PER_PAIR,
  StateError,
  type ItemRecord,
  type JournalEntry,
  type LeaseAttempt,
  type LeaseRequest,
  type PairLease,
  type PairRecord,
  type RunRecord,
  type Slot,
  type StateOp,
  type StateStore,
  type StateWriteOptions,
} from "../engine/state.js";
import { detailJson, itemColumns, slotOf, toJournalEntry, toPair, type ItemRow as SqlItemRow, type JournalRow, type PairRow } from "./sql-rows.js";

/**
 * The schema, one migration per step, written against the schema `S` (replaced by the quoted
 * schema name); a schema whose `schema_migrations` holds versions 1…n has run the first n.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  // 1: pairs, items (both slots in one row, as in SQLite), journal, leases, runs.
  `CREATE TABLE S.pairs (
     id text COLLATE "C" PRIMARY KEY,
     kind text NOT NULL,
     local_side text NOT NULL,
     local_collection text NOT NULL,
     remote_side text NOT NULL,
     remote_collection text NOT NULL,
     local_cursor text,
     remote_cursor text,
     pending text NOT NULL DEFAULT '{"local":[],"remote":[]}'
   );
   CREATE TABLE S.items (
     pair_id text COLLATE "C" NOT NULL REFERENCES S.pairs(id) ON DELETE CASCADE,
     uid text COLLATE "C" NOT NULL,
     local_id text COLLATE "C", local_version text, local_hash text, local_text text,
     local_unconfirmed boolean NOT NULL DEFAULT false, local_seen_at text,
     remote_id text COLLATE "C", remote_version text, remote_hash text, remote_text text,
     remote_unconfirmed boolean NOT NULL DEFAULT false, remote_seen_at text,
     PRIMARY KEY (pair_id, uid)
   );
   CREATE UNIQUE INDEX items_local_id ON S.items (pair_id, local_id) INCLUDE (local_version) WHERE local_id IS NOT NULL;
   CREATE UNIQUE INDEX items_remote_id ON S.items (pair_id, remote_id) INCLUDE (remote_version) WHERE remote_id IS NOT NULL;
   CREATE INDEX items_local_unconfirmed ON S.items (pair_id) WHERE local_unconfirmed;
   CREATE INDEX items_remote_unconfirmed ON S.items (pair_id) WHERE remote_unconfirmed;
   CREATE TABLE S.journal (
     pair_id text COLLATE "C" NOT NULL REFERENCES S.pairs(id) ON DELETE CASCADE,
     uid text COLLATE "C" NOT NULL,
     slot text NOT NULL CHECK (slot IN ('local', 'remote')),
     op text NOT NULL,
     item_id text,
     started_at text NOT NULL,
     detail text,
     PRIMARY KEY (pair_id, uid, slot)
   );
   CREATE TABLE S.leases (
     pair_id text COLLATE "C" PRIMARY KEY,
     owner text,
     token bigint NOT NULL,
     expires_at timestamptz(3) NOT NULL
   );
   CREATE TABLE S.runs (
     seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     pair_id text COLLATE "C" NOT NULL REFERENCES S.pairs(id) ON DELETE CASCADE,
     started_at text NOT NULL,
     finished_at text NOT NULL,
     outcome text NOT NULL,
     record jsonb NOT NULL
   );
   CREATE INDEX runs_pair ON S.runs (pair_id, seq);`,
  // 2: a text stored once where a row or an entry held it twice (sql-rows.ts). No table changes: the
  // step marks the new forms, so that an older ewsdav, which would read them wrongly, refuses the
  // schema as newer than itself.
  `COMMENT ON COLUMN S.items.remote_text IS 'NULL with remote_id set: the text of local_text (likewise remote_hash)';
   COMMENT ON COLUMN S.journal.detail IS 'JournalDetail as JSON; otherTextWritten / otherWriteTextWritten: that text is written.text';`,
];

/** A class id for the advisory lock that serialises migrations (the object id is a hash of the schema name). */
const MIGRATION_LOCK_CLASS = 0x65777364; // "ewsd"

/** Options of {@link PostgresStateStore.open}: a pool or a connection string, and where the tables live. */
export interface PostgresStateStoreOptions {
  /**
   * A pool of the host's (a fleet shares one): the store takes clients from it and never ends it.
   * The host listens for the pool's `error` events (an idle connection ended by the server): a pool
   * without a listener ends the process on the first one.
   */
  pool?: Pool;
  /** Or a connection string (`postgres://user@host:port/db`): the store makes a pool of its own and ends it on `close()`. */
  connectionString?: string;
  /** The `pg` module, when the store makes its pool (default: the one `@ewsdav/core` resolves). */
  pg?: { Pool: new (config: { connectionString: string; max?: number }) => Pool };
  /**
   * Called when the server ends an idle connection of the pool the store made (from a connection
   * string); the pool replaces it on the next query. Default: nothing (the error carries no secret,
   * but the store has no logger).
   */
  onIdleError?: (error: Error) => void;
  /** The schema that holds the tables (default `ewsdav`): lower-case letters, digits and `_`, created when missing. */
  schema?: string;
  /** How many runs per pair are kept (default {@link RUNS_KEPT_PER_PAIR}). */
  runsKept?: number;
  /**
   * The clock of lease expiry, in milliseconds since the epoch. Default: the database server's
   * (`clock_timestamp()`), which every host sharing the database agrees on. Tests move it.
   */
  now?: () => number;
}

type ItemRow = SqlItemRow<boolean>;

interface LeaseRow {
  owner: string | null;
  token: string | number;
  expires_at: Date;
}

function toLease(pairId: string, row: LeaseRow): PairLease {
  return { pairId, owner: row.owner ?? "", token: Number(row.token), expiresAt: row.expires_at.toISOString() };
}

const ITEM_COLUMNS = ["id", "version", "hash", "text", "unconfirmed", "seen_at"] as const;

/** The PostgreSQL state store. Open it with {@link PostgresStateStore.open}. */
export class PostgresStateStore implements StateStore {
  readonly #pool: Pool;
  readonly #ownsPool: boolean;
  readonly #schema: string;
  readonly #runsKept: number;
  readonly #now: (() => number) | undefined;
  #closed = false;
  /** The statements, with the schema's tables named. */
  readonly #q: ReturnType<typeof statements>;

  private constructor(pool: Pool, ownsPool: boolean, schema: string, options: PostgresStateStoreOptions) {
    this.#pool = pool;
    this.#ownsPool = ownsPool;
    this.#schema = schema;
    this.#runsKept = options.runsKept ?? RUNS_KEPT_PER_PAIR;
    this.#now = options.now;
    this.#q = statements(quoteIdent(schema));
  }

  /**
   * Connects (or takes the given pool), creates the schema when missing and brings it to the latest
   * migration; rejects with {@link StateError} `corrupt` when the schema is newer than this code.
   */
  static async open(options: PostgresStateStoreOptions): Promise<PostgresStateStore> {
    const schema = options.schema ?? "ewsdav";
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new TypeError(`PostgreSQL schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`);
    let pool = options.pool;
    const ownsPool = pool === undefined;
    if (!pool) {
      if (!options.connectionString) throw new TypeError("PostgresStateStore.open needs a pool or a connection string");
      const driver = options.pg ?? (await loadPg());
      pool = new driver.Pool({ connectionString: options.connectionString, max: 4 });
      // An idle connection the server ends (a restart, a failover, an idle timeout, an administrator)
      // is an 'error' event on the pool; unheard, it would end the process. The pool drops that
      // connection and the next query takes a new one, so the store has nothing else to do.
      pool.on("error", (error) => options.onIdleError?.(error));
    }
    const store = new PostgresStateStore(pool, ownsPool, schema, options);
    try {
      await store.#migrate();
    } catch (error) {
      if (ownsPool) await pool.end();
      throw error;
    }
    return store;
  }

  /** The schema holding this store's tables. */
  get schema(): string {
    return this.#schema;
  }

  /** The schema version of the database (the number of migrations applied). */
  async schemaVersion(): Promise<number> {
    const { rows } = await this.#pool.query<{ v: number }>(`SELECT coalesce(max(version), 0)::int AS v FROM ${quoteIdent(this.#schema)}.schema_migrations`);
    return rows[0]!.v;
  }

  async #migrate(): Promise<void> {
    const s = quoteIdent(this.#schema);
    // Already at the latest version (the common case): no lock, no DDL (which needs rights a worker may lack).
    const { rows: known } = await this.#pool.query<{ t: string | null }>("SELECT to_regclass($1) AS t", [`${s}.schema_migrations`]);
    if (known[0]!.t !== null && (await this.schemaVersion()) === POSTGRES_MIGRATIONS.length) return;
    await this.#transaction(async (client) => {
      // Concurrent openers of one schema wait here for each other; the second finds it migrated.
      await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [MIGRATION_LOCK_CLASS, this.#schema]);
      const { rowCount } = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [this.#schema]);
      if (rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
      const { rows } = await client.query<{ v: number }>(`SELECT coalesce(max(version), 0)::int AS v FROM ${s}.schema_migrations`);
      const version = rows[0]!.v;
      if (version > POSTGRES_MIGRATIONS.length) {
        throw new StateError("corrupt", `state schema ${this.#schema} has version ${version}, newer than this ewsdav (${POSTGRES_MIGRATIONS.length})`);
      }
      for (let v = version; v < POSTGRES_MIGRATIONS.length; v++) {
        await client.query(POSTGRES_MIGRATIONS[v]!.replace(/\bS\./g, `${s}.`));
        await client.query(`INSERT INTO ${s}.schema_migrations (version) VALUES ($1)`, [v + 1]);
      }
    });
  }

  #open(): void {
    if (this.#closed) throw new StateError("closed", "the store is closed");
  }

  async #rows<R extends QueryResultRow>(sql: string, values: unknown[]): Promise<R[]> {
    this.#open();
    return (await this.#pool.query<R>(sql, values)).rows;
  }

  /** Runs `body` in one transaction on one client of the pool; rolls back on any error. */
  async #transaction<T>(body: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN").catch((error: Error) => {
        broken = error; // a connection that cannot begin is not given back to the pool
        throw error;
      });
      try {
        const result = await body(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch((rollbackError: Error) => void (broken = rollbackError));
        throw error;
      }
    } finally {
      client.release(broken);
    }
  }

  /** The lease clock as a statement parameter: the test clock, or `null` for the server's `clock_timestamp()`. */
  #clock(): string | null {
    return this.#now ? new Date(this.#now()).toISOString() : null;
  }

  async listPairs(): Promise<PairRecord[]> {
    return (await this.#rows<PairRow>(this.#q.listPairs, [])).map(toPair);
  }

  async getPair(pairId: string): Promise<PairRecord | null> {
    const [row] = await this.#rows<PairRow>(this.#q.getPair, [pairId]);
    return row ? toPair(row) : null;
  }

  async listItems(pairId: string): Promise<ItemRecord[]> {
    const rows = await this.#rows<ItemRow>(this.#q.listItems, [pairId]);
    return rows.map((row) => ({ uid: row.uid, local: slotOf(row, "local"), remote: slotOf(row, "remote") }));
  }

  async hasUnconfirmed(pairId: string, slot: Slot): Promise<boolean> {
    return (await this.#rows(this.#q.hasUnconfirmed[slot], [pairId])).length > 0;
  }

  async listVersions(pairId: string, slot: Slot): Promise<Map<string, string | null>> {
    const rows = await this.#rows<{ id: string; version: string | null }>(this.#q.listVersions[slot], [pairId]);
    const versions = new Map<string, string | null>();
    for (const row of rows) versions.set(row.id, row.version);
    return versions;
  }

  async listJournal(pairId: string): Promise<JournalEntry[]> {
    const rows = await this.#rows<JournalRow>(this.#q.listJournal, [pairId]);
    return rows.map((r) => toJournalEntry(r, `state schema ${this.#schema}`));
  }

  async write(ops: readonly StateOp[], options: StateWriteOptions = {}): Promise<void> {
    this.#open();
    const { lease } = options;
    try {
      await this.#transaction(async (client) => {
        if (lease) await this.#checkHeld(client, lease);
        for (const stream of streams(ops)) for (let i = 0; i < stream.length; ) i = await this.#apply(client, stream, i);
      });
    } catch (error) {
      throw translate(error);
    }
  }

  async recordRun(run: RunRecord): Promise<void> {
    this.#open();
    try {
      await this.#transaction(async (client) => {
        await client.query(this.#q.insertRun, [run.pairId, run.startedAt, run.finishedAt, run.outcome, JSON.stringify(run)]);
        await client.query(this.#q.pruneRuns, [run.pairId, this.#runsKept]);
      });
    } catch (error) {
      if ((error as { code?: string }).code === "23503") throw new StateError("unknown-pair", `no pair ${run.pairId}: its run was not recorded`);
      throw error;
    }
  }

  async listRuns(pairId: string, limit?: number): Promise<RunRecord[]> {
    const rows = await this.#rows<{ record: RunRecord }>(this.#q.listRuns, [pairId, limit === undefined ? null : Math.max(0, limit)]);
    return rows.map((row) => row.record);
  }

  async acquireLease(request: LeaseRequest): Promise<LeaseAttempt> {
    this.#open();
    const { pairId, owner, ttlMs } = request;
    checkLeaseRequest(pairId, owner, ttlMs);
    // The insert takes a free, expired or own lease; otherwise it returns nothing and the holder is
    // read. A holder that released in between is gone by then: try again (a release only frees).
    for (let attempt = 0; ; attempt++) {
      const clock = this.#clock();
      const [taken] = (await this.#pool.query<LeaseRow>(this.#q.acquireLease, [pairId, owner, ttlMs, clock])).rows;
      if (taken) return { acquired: true, lease: toLease(pairId, taken) };
      const [holder] = (await this.#pool.query<LeaseRow>(this.#q.getLease, [pairId, clock])).rows;
      if (holder) return { acquired: false, holder: toLease(pairId, holder) };
      if (attempt >= 10) throw new StateError("corrupt", `pair ${pairId}: its lease row could be neither taken nor read`);
    }
  }

  async renewLease(lease: PairLease, ttlMs: number): Promise<PairLease | null> {
    this.#open();
    checkLeaseRequest(lease.pairId, lease.owner, ttlMs);
    const [row] = await this.#rows<LeaseRow>(this.#q.renewLease, [lease.pairId, lease.owner, lease.token, ttlMs, this.#clock()]);
    return row ? toLease(lease.pairId, row) : null;
  }

  async releaseLease(lease: PairLease): Promise<void> {
    await this.#rows(this.#q.releaseLease, [lease.pairId, lease.owner, lease.token]);
  }

  async getLease(pairId: string): Promise<PairLease | null> {
    const [row] = await this.#rows<LeaseRow>(this.#q.getLease, [pairId, this.#clock()]);
    return row ? toLease(pairId, row) : null;
  }

  /** Inside a write's transaction: refuses it unless the pair's lease row still has this owner and token (and holds the row against a takeover until commit). */
  async #checkHeld(client: PoolClient, lease: PairLease): Promise<void> {
    const [row] = (await client.query<{ owner: string | null; token: string }>(this.#q.checkLease, [lease.pairId])).rows;
    if (!row || row.owner !== lease.owner || Number(row.token) !== lease.token) {
      throw new StateError(
        "lease-lost",
        `pair ${lease.pairId}: the lease of ${lease.owner} (token ${lease.token}) is no longer held` +
          (row?.owner ? ` (${row.owner} holds token ${row.token})` : " (released)") +
          "; nothing was written",
      );
    }
  }

  /** Applies `ops[i]` — or the run of like operations starting there, as one statement — and returns the index after them. */
  async #apply(client: PoolClient, ops: readonly StateOp[], i: number): Promise<number> {
    const op = ops[i]!;
    const q = this.#q;
    switch (op.op) {
      case "put-pair": {
        const p = op.pair;
        await client.query(q.putPair, [p.id, p.kind, p.local.side, p.local.collection, p.remote.side, p.remote.collection, p.cursors.local, p.cursors.remote, JSON.stringify(p.pending)]);
        return i + 1;
      }
      case "delete-pair":
        await client.query(q.deletePair, [op.pairId]);
        return i + 1;
      case "set-cursors": {
        const r = await client.query(q.setCursors, [op.cursors.local, op.cursors.remote, JSON.stringify(op.pending), op.pairId]);
        if (r.rowCount === 0) throw new StateError("unknown-pair", `no pair ${op.pairId}`);
        return i + 1;
      }
      case "put-item": {
        // A run of puts of one pair with distinct UIDs is one INSERT … ON CONFLICT over arrays (a UID
        // twice would be one row updated twice by one statement, which PostgreSQL refuses).
        const uids = new Set<string>();
        let end = i;
        for (; end < ops.length; end++) {
          const next = ops[end]!;
          if (next.op !== "put-item" || next.pairId !== op.pairId || uids.has(next.item.uid)) break;
          uids.add(next.item.uid);
        }
        const columns: unknown[][] = Array.from({ length: 1 + 2 * ITEM_COLUMNS.length }, () => []);
        for (let k = i; k < end; k++) {
          const { item } = ops[k] as Extract<StateOp, { op: "put-item" }>;
          columns[0]!.push(item.uid);
          let c = 1;
          const stored = itemColumns(item);
          for (const slot of ["local", "remote"] as const) for (const value of stored[slot]) columns[c++]!.push(value);
        }
        await client.query(q.putItems, [op.pairId, ...columns]);
        return end;
      }
      case "delete-item": {
        let end = i;
        while (end < ops.length && ops[end]!.op === "delete-item" && (ops[end] as typeof op).pairId === op.pairId) end++;
        await client.query(q.deleteItems, [op.pairId, ops.slice(i, end).map((o) => (o as typeof op).uid)]);
        return end;
      }
      case "clear-items":
        await client.query(q.clearItems, [op.pairId]);
        return i + 1;
      case "confirm-slot":
        await client.query(q.confirmSlot[op.slot], [op.pairId]);
        return i + 1;
      case "journal-begin": {
        // Like puts: a run of one pair's entries with distinct (uid, slot) is one statement.
        const keys = new Set<string>();
        const run: JournalEntry[] = [];
        for (let end = i; end < ops.length; end++) {
          const next = ops[end]!;
          if (next.op !== "journal-begin" || next.entry.pairId !== op.entry.pairId) break;
          const key = `${next.entry.uid}\u0000${next.entry.slot}`;
          if (keys.has(key)) break;
          keys.add(key);
          run.push(next.entry);
        }
        await client.query(q.journalBegin, [
          op.entry.pairId,
          run.map((e) => e.uid),
          run.map((e) => e.slot),
          run.map((e) => e.op),
          run.map((e) => e.itemId),
          run.map((e) => e.startedAt),
          run.map((e) => (e.detail ? detailJson(e.detail) : null)),
        ]);
        return i + run.length;
      }
      case "journal-end": {
        let end = i;
        while (end < ops.length && ops[end]!.op === "journal-end" && (ops[end] as typeof op).pairId === op.pairId) end++;
        const run = ops.slice(i, end) as Array<typeof op>;
        await client.query(q.journalEnd, [op.pairId, run.map((o) => o.uid), run.map((o) => o.slot)]);
        return end;
      }
      case "journal-clear":
        await client.query(q.journalClear, [op.pairId]);
        return i + 1;
    }
  }

  /** Marks the store closed; ends its pool when it made it (a pool passed in stays open). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsPool) await this.#pool.end();
  }
}

/**
 * A write's operations in the order the store sends them. `put-pair` and `delete-pair` (which reach
 * every table) stay where they are; between them, each table's operations keep their order among
 * themselves but are sent table by table — pairs, then items, then journal — so that a batch's
 * interleaved `put-item` / `journal-end` pairs become one run of each (operations on different
 * tables commute: no trigger, and the journal refers to pairs only). The write is one transaction
 * either way; on an error nothing of it is kept.
 */
function streams(ops: readonly StateOp[]): StateOp[][] {
  const out: StateOp[][] = [];
  let pairs: StateOp[] = [];
  let items: StateOp[] = [];
  let journal: StateOp[] = [];
  const flush = () => {
    for (const stream of [pairs, items, journal]) if (stream.length > 0) out.push(stream);
    pairs = [];
    items = [];
    journal = [];
  };
  for (const op of ops) {
    switch (op.op) {
      case "put-pair":
      case "delete-pair":
        flush();
        out.push([op]);
        break;
      case "set-cursors":
        pairs.push(op);
        break;
      case "put-item":
      case "delete-item":
      case "clear-items":
      case "confirm-slot":
        items.push(op);
        break;
      case "journal-begin":
      case "journal-end":
      case "journal-clear":
        journal.push(op);
        break;
    }
  }
  flush();
  return out;
}

/** A database error as the store's typed error: unique and foreign-key violations roll the write back with a code. */
function translate(error: unknown): unknown {
  if (error instanceof StateError) return error;
  const code = (error as { code?: string }).code;
  if (code === "23505") return new StateError("unique-violation", `state write rolled back: ${(error as Error).message}`);
  if (code === "23503") return new StateError("unknown-pair", "state write rolled back: unknown pair");
  return error;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function loadPg(): Promise<NonNullable<PostgresStateStoreOptions["pg"]>> {
  try {
    const module = (await import("pg")) as unknown as { default?: NonNullable<PostgresStateStoreOptions["pg"]> } & NonNullable<PostgresStateStoreOptions["pg"]>;
    return module.default ?? module;
  } catch (error) {
    throw new Error(`@ewsdav/core/postgres needs the 'pg' package (npm install pg), or a pool passed in: ${(error as Error).message}`);
  }
}

/** Every statement of the store, with the tables of schema `s` (quoted) named. */
function statements(s: string) {
  const now = (n: number) => `coalesce($${n}::timestamptz, clock_timestamp())`;
  const slotColumns = (slot: Slot) => ITEM_COLUMNS.map((c) => `${slot}_${c}`);
  const allItemColumns = [...slotColumns("local"), ...slotColumns("remote")];
  const arrayTypes = ["text[]", "text[]", "text[]", "text[]", "boolean[]", "text[]"];
  return {
    listPairs: `SELECT * FROM ${s}.pairs ORDER BY id`,
    getPair: `SELECT * FROM ${s}.pairs WHERE id = $1`,
    listItems: `SELECT * FROM ${s}.items WHERE pair_id = $1 ORDER BY uid`,
    hasUnconfirmed: {
      local: `SELECT 1 FROM ${s}.items WHERE pair_id = $1 AND local_unconfirmed LIMIT 1`,
      remote: `SELECT 1 FROM ${s}.items WHERE pair_id = $1 AND remote_unconfirmed LIMIT 1`,
    },
    listVersions: {
      local: `SELECT local_id AS id, local_version AS version FROM ${s}.items WHERE pair_id = $1 AND local_id IS NOT NULL`,
      remote: `SELECT remote_id AS id, remote_version AS version FROM ${s}.items WHERE pair_id = $1 AND remote_id IS NOT NULL`,
    },
    listJournal: `SELECT * FROM ${s}.journal WHERE pair_id = $1 ORDER BY started_at COLLATE "C", uid`,
    putPair: `INSERT INTO ${s}.pairs (id, kind, local_side, local_collection, remote_side, remote_collection, local_cursor, remote_cursor, pending)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
      ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, local_side = excluded.local_side, local_collection = excluded.local_collection,
        remote_side = excluded.remote_side, remote_collection = excluded.remote_collection, local_cursor = excluded.local_cursor,
        remote_cursor = excluded.remote_cursor, pending = excluded.pending`,
    deletePair: `DELETE FROM ${s}.pairs WHERE id = $1`,
    setCursors: `UPDATE ${s}.pairs SET local_cursor = $1, remote_cursor = $2, pending = $3 WHERE id = $4`,
    putItems: `INSERT INTO ${s}.items (pair_id, uid, ${allItemColumns.join(", ")})
      SELECT $1::text, * FROM unnest($2::text[], ${allItemColumns.map((_, k) => `$${k + 3}::${arrayTypes[k % ITEM_COLUMNS.length]}`).join(", ")})
      ON CONFLICT (pair_id, uid) DO UPDATE SET ${allItemColumns.map((c) => `${c} = excluded.${c}`).join(", ")}`,
    deleteItems: `DELETE FROM ${s}.items WHERE pair_id = $1 AND uid = ANY($2::text[])`,
    clearItems: `DELETE FROM ${s}.items WHERE pair_id = $1`,
    confirmSlot: {
      local: `UPDATE ${s}.items SET local_unconfirmed = false WHERE pair_id = $1 AND local_unconfirmed`,
      remote: `UPDATE ${s}.items SET remote_unconfirmed = false WHERE pair_id = $1 AND remote_unconfirmed`,
    },
    journalBegin: `INSERT INTO ${s}.journal (pair_id, uid, slot, op, item_id, started_at, detail)
      SELECT $1::text, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
      ON CONFLICT (pair_id, uid, slot) DO UPDATE SET op = excluded.op, item_id = excluded.item_id, started_at = excluded.started_at, detail = excluded.detail`,
    journalEnd: `DELETE FROM ${s}.journal j USING unnest($2::text[], $3::text[]) AS e(uid, slot) WHERE j.pair_id = $1 AND j.uid = e.uid AND j.slot = e.slot`,
    journalClear: `DELETE FROM ${s}.journal WHERE pair_id = $1`,
    insertRun: `INSERT INTO ${s}.runs (pair_id, started_at, finished_at, outcome, record) VALUES ($1, $2, $3, $4, $5::jsonb)`,
    pruneRuns: `DELETE FROM ${s}.runs WHERE pair_id = $1 AND seq <= (SELECT seq FROM ${s}.runs WHERE pair_id = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1)`,
    listRuns: `SELECT record FROM ${s}.runs WHERE pair_id = $1 ORDER BY seq DESC LIMIT $2`,
    acquireLease: `INSERT INTO ${s}.leases AS l (pair_id, owner, token, expires_at)
      VALUES ($1, $2, 1, ${now(4)} + $3 * interval '1 millisecond')
      ON CONFLICT (pair_id) DO UPDATE SET owner = excluded.owner, token = l.token + 1, expires_at = excluded.expires_at
        WHERE l.owner IS NULL OR l.owner = excluded.owner OR l.expires_at <= excluded.expires_at - $3 * interval '1 millisecond'
      RETURNING owner, token, expires_at`,
    getLease: `SELECT owner, token, expires_at FROM ${s}.leases WHERE pair_id = $1 AND owner IS NOT NULL AND expires_at > ${now(2)}`,
    renewLease: `UPDATE ${s}.leases SET expires_at = ${now(5)} + $4 * interval '1 millisecond'
      WHERE pair_id = $1 AND owner = $2 AND token = $3 RETURNING owner, token, expires_at`,
    releaseLease: `UPDATE ${s}.leases SET owner = NULL, expires_at = '-infinity' WHERE pair_id = $1 AND owner = $2 AND token = $3`,
    checkLease: `SELECT owner, token FROM ${s}.leases WHERE pair_id = $1 FOR SHARE`,
  };
}
