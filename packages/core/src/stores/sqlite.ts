/**
 * `@ewsdav/core/sqlite`: the embedded default {@link StateStore}, on better-sqlite3 (an optional
 * peer dependency of `@ewsdav/core`). WAL journal, numbered schema migrations (`PRAGMA
 * user_version`), unique indexes on each side's id and on the UID per pair, and a database file
 * created readable by its owner only (mode 0600): it holds item contents.
 *
 * Every write is an `IMMEDIATE` transaction: it takes the database's write lock when it begins, so
 * processes sharing the file serialise (each waits up to the busy timeout, 5 s) instead of failing
 * on a read that turns into a write. Pair leases ({@link PairLease}) are rows of the `leases` table
 * (migration 4), acquired, renewed and released each in one such transaction; a fenced write checks
 * the lease row in the transaction of its operations. Expiry is by this host's clock — one SQLite
 * file is shared by processes of one host (SQLite's locks are not safe on network file systems).
 * Journal entries keep what their write writes and what its action records (`detail`, JSON, migration
 * 5); entries of older databases have none and are resumed as before (re-read, planned again).
 * Each slot of an item keeps when the state first saw its revision (`seenAt`, migration 6). The last
 * runs of each pair ({@link RunRecord}) are rows of `runs` (migration 7): the record as JSON beside
 * the pair id, times and outcome, pruned to the newest `runsKept` of the pair in the transaction
 * that inserts one, and deleted with the pair (`ON DELETE CASCADE`). The items unconfirmed on each
 * slot have a partial index (migration 8). A text a row or a journal entry would hold twice is
 * stored once (migration 9; see `itemColumns` and `detailJson`).
 *
 * @module
 */
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import type Database from "better-sqlite3";
import { openSqliteDatabase, type SqliteDriver } from "./node-sqlite.js";
import { detailJson, itemColumns, slotOf, toJournalEntry, toPair, type ItemRow as SqlItemRow, type JournalRow, type PairRow } from "./sql-rows.js";
export type { SqliteDriver } from "./node-sqlite.js";
import {
  checkLeaseRequest,
  RUNS_KEPT_PER_PAIR,
  StateError,
  type ItemRecord,
  type LeaseAttempt,
  type LeaseRequest,
  type PairLease,
  type StateWriteOptions,
  type JournalEntry,
  type PairRecord,
  type RunRecord,
  type Slot,
  type StateOp,
  type StateStore,
} from "../engine/state.js";

/** The schema, one migration per step; a database at `user_version` n has run the first n. */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE pairs (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     local_side TEXT NOT NULL,
     local_collection TEXT NOT NULL,
     remote_side TEXT NOT NULL,
     remote_collection TEXT NOT NULL,
     local_cursor TEXT,
     remote_cursor TEXT,
     pending TEXT NOT NULL DEFAULT '{"local":[],"remote":[]}'
   );
   CREATE TABLE items (
     pair_id TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
     uid TEXT NOT NULL,
     local_id TEXT, local_version TEXT, local_hash TEXT, local_text TEXT,
     remote_id TEXT, remote_version TEXT, remote_hash TEXT, remote_text TEXT,
     PRIMARY KEY (pair_id, uid)
   );
   CREATE UNIQUE INDEX items_local_id ON items (pair_id, local_id) WHERE local_id IS NOT NULL;
   CREATE UNIQUE INDEX items_remote_id ON items (pair_id, remote_id) WHERE remote_id IS NOT NULL;`,
  `CREATE TABLE journal (
     pair_id TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
     uid TEXT NOT NULL,
     slot TEXT NOT NULL CHECK (slot IN ('local', 'remote')),
     op TEXT NOT NULL,
     item_id TEXT,
     started_at TEXT NOT NULL,
     PRIMARY KEY (pair_id, uid, slot)
   );`,
  `ALTER TABLE items ADD COLUMN local_unconfirmed INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE items ADD COLUMN remote_unconfirmed INTEGER NOT NULL DEFAULT 0;`,
  // 4: one lease per pair. Not tied to the pairs table: the token counter survives an unlink.
  `CREATE TABLE leases (
     pair_id TEXT PRIMARY KEY,
     owner TEXT,
     token INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );`,
  // 5: what a journaled side effect writes and what its action records (JournalDetail, as JSON), so
  // that the next cycle can tell whether it happened and adopt it (see JournalEntry's resume rules).
  `ALTER TABLE journal ADD COLUMN detail TEXT;`,
  // 6: when the state first saw each slot's revision (SlotState.seenAt), the modification time
  // newest-wins uses for a side whose items state none.
  `ALTER TABLE items ADD COLUMN local_seen_at TEXT;
   ALTER TABLE items ADD COLUMN remote_seen_at TEXT;`,
  // 7: the last runs of each pair (RunRecord, as JSON), newest by seq; pruned on insert, deleted with the pair.
  `CREATE TABLE runs (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     pair_id TEXT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE,
     started_at TEXT NOT NULL,
     finished_at TEXT NOT NULL,
     outcome TEXT NOT NULL,
     record TEXT NOT NULL
   );
   CREATE INDEX runs_pair ON runs (pair_id, seq);`,
  // 8: the items unconfirmed on each slot, indexed (partial indexes: they hold only those rows), so
  // the quiet cycle's question "is any item unconfirmed?" reads no item row.
  `CREATE INDEX items_local_unconfirmed ON items (pair_id) WHERE local_unconfirmed = 1;
   CREATE INDEX items_remote_unconfirmed ON items (pair_id) WHERE remote_unconfirmed = 1;`,
  // 9: a text stored once where a row or an entry held it twice (sql-rows.ts): a remote slot whose
  // remote_text (remote_hash) is NULL while remote_id is set holds the local slot's text (hash); a
  // journal detail may leave out its other write's text (otherWriteTextWritten). No table changes:
  // the step marks the new forms, so that an older ewsdav, which would read them wrongly, refuses
  // the database as newer than itself.
  `-- 9: remote_text / remote_hash NULL with remote_id set: the local slot's; journal detail otherWriteTextWritten`,
];

interface LeaseRow {
  owner: string | null;
  token: number;
  expires_at: number;
}

function toLease(pairId: string, row: LeaseRow): PairLease {
  return { pairId, owner: row.owner ?? "", token: row.token, expiresAt: new Date(row.expires_at).toISOString() };
}

type ItemRow = SqlItemRow<number>;

/** Options of {@link SqliteStateStore}. */
export interface SqliteStateStoreOptions {
  /** Path of the database file (created with mode 0600 when missing), or `":memory:"`. */
  path: string;
  /**
   * The better-sqlite3 module (its default export). Default: the one `@ewsdav/core` resolves. A
   * host that depends on better-sqlite3 itself passes its own, so the store works wherever npm put
   * the packages (e.g. `npm i -g` of several tarballs, where core cannot see the host's modules).
   * `"node:sqlite"`: the runtime's built-in SQLite. A better-sqlite3 that cannot load on this
   * runtime falls back to `node:sqlite` where the runtime has it (see `openSqliteDatabase`).
   */
  driver?: SqliteDriver;
  /** The clock of lease expiry, in milliseconds since the epoch (default `Date.now`); tests move it. */
  now?: () => number;
  /** How many runs per pair are kept (default {@link RUNS_KEPT_PER_PAIR}). */
  runsKept?: number;
}

/** The SQLite state store. Synchronous underneath; each `write` is one transaction. */
export class SqliteStateStore implements StateStore {
  readonly #db: Database.Database;
  readonly #path: string;
  readonly #now: () => number;
  readonly #runsKept: number;

  constructor(options: SqliteStateStoreOptions | string) {
    this.#path = typeof options === "string" ? options : options.path;
    this.#now = (typeof options === "string" ? undefined : options.now) ?? Date.now;
    this.#runsKept = (typeof options === "string" ? undefined : options.runsKept) ?? RUNS_KEPT_PER_PAIR;
    const onDisk = this.#path !== ":memory:" && !this.#path.startsWith("file:");
    if (onDisk && !existsSync(this.#path)) writeFileSync(this.#path, "", { mode: 0o600 });
    if (onDisk) chmodSync(this.#path, 0o600);
    this.#db = openSqliteDatabase(this.#path, typeof options === "string" ? undefined : options.driver);
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("foreign_keys = ON");
    this.#db.pragma("synchronous = NORMAL");
    if (onDisk) for (const suffix of ["-wal", "-shm"]) if (existsSync(this.#path + suffix)) chmodSync(this.#path + suffix, 0o600);
    this.#migrate();
  }

  /** The schema version of the open database. */
  get schemaVersion(): number {
    return this.#db.pragma("user_version", { simple: true }) as number;
  }

  #migrate(): void {
    const newer = () => new StateError("corrupt", `state database ${this.#path} has schema ${this.schemaVersion}, newer than this ewsdav (${SQLITE_MIGRATIONS.length})`);
    if (this.schemaVersion === SQLITE_MIGRATIONS.length) return;
    if (this.schemaVersion > SQLITE_MIGRATIONS.length) throw newer();
    // Under the write lock (BEGIN IMMEDIATE), reading the version again: processes that open a new
    // or old state file at the same moment migrate it once, one after the other.
    this.#db
      .transaction(() => {
        const version = this.schemaVersion;
        if (version > SQLITE_MIGRATIONS.length) throw newer();
        for (let v = version; v < SQLITE_MIGRATIONS.length; v++) {
          this.#db.exec(SQLITE_MIGRATIONS[v]!);
          this.#db.pragma(`user_version = ${v + 1}`);
        }
      })
      .immediate();
  }

  async listPairs(): Promise<PairRecord[]> {
    return (this.#db.prepare("SELECT * FROM pairs ORDER BY id").all() as PairRow[]).map(toPair);
  }

  async getPair(pairId: string): Promise<PairRecord | null> {
    const row = this.#db.prepare("SELECT * FROM pairs WHERE id = ?").get(pairId) as PairRow | undefined;
    return row ? toPair(row) : null;
  }

  async listItems(pairId: string): Promise<ItemRecord[]> {
    const rows = this.#sql("SELECT * FROM items WHERE pair_id = ? ORDER BY uid").all(pairId) as ItemRow[];
    return rows.map((row) => ({ uid: row.uid, local: slotOf(row, "local"), remote: slotOf(row, "remote") }));
  }

  async hasUnconfirmed(pairId: string, slot: Slot): Promise<boolean> {
    const column = slot === "local" ? "local_unconfirmed" : "remote_unconfirmed";
    return this.#sql(`SELECT 1 FROM items WHERE pair_id = ? AND ${column} = 1 LIMIT 1`).get(pairId) !== undefined;
  }

  async listVersions(pairId: string, slot: Slot): Promise<Map<string, string | null>> {
    const sql =
      slot === "local"
        ? "SELECT local_id AS id, local_version AS version FROM items WHERE pair_id = ? AND local_id IS NOT NULL"
        : "SELECT remote_id AS id, remote_version AS version FROM items WHERE pair_id = ? AND remote_id IS NOT NULL";
    const rows = this.#sql(sql).all(pairId) as Array<{ id: string; version: string | null }>;
    const versions = new Map<string, string | null>();
    for (const row of rows) versions.set(row.id, row.version);
    return versions;
  }

  async listJournal(pairId: string): Promise<JournalEntry[]> {
    const rows = this.#sql("SELECT * FROM journal WHERE pair_id = ? ORDER BY started_at, uid").all(pairId) as JournalRow[];
    return rows.map((r) => toJournalEntry(r, `state database ${this.#path}`));
  }

  async write(ops: readonly StateOp[], options: StateWriteOptions = {}): Promise<void> {
    if (!this.#db.open) throw new StateError("closed", "the store is closed");
    const { lease } = options;
    try {
      this.#db
        .transaction(() => {
          if (lease) this.#checkHeld(lease);
          for (const op of ops) this.#apply(op);
        })
        .immediate();
    } catch (error) {
      if (error instanceof StateError) throw error;
      const code = (error as { code?: string }).code ?? "";
      if (code.startsWith("SQLITE_CONSTRAINT_UNIQUE") || code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
        throw new StateError("unique-violation", `state write rolled back: ${(error as Error).message}`);
      }
      if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") throw new StateError("unknown-pair", "state write rolled back: unknown pair");
      throw error;
    }
  }

  async recordRun(run: RunRecord): Promise<void> {
    if (!this.#db.open) throw new StateError("closed", "the store is closed");
    try {
      this.#db
        .transaction(() => {
          this.#sql("INSERT INTO runs (pair_id, started_at, finished_at, outcome, record) VALUES (?, ?, ?, ?, ?)").run(
            run.pairId,
            run.startedAt,
            run.finishedAt,
            run.outcome,
            JSON.stringify(run),
          );
          this.#sql("DELETE FROM runs WHERE pair_id = ? AND seq NOT IN (SELECT seq FROM runs WHERE pair_id = ? ORDER BY seq DESC LIMIT ?)").run(
            run.pairId,
            run.pairId,
            this.#runsKept,
          );
        })
        .immediate();
    } catch (error) {
      if ((error as { code?: string }).code === "SQLITE_CONSTRAINT_FOREIGNKEY") throw new StateError("unknown-pair", `no pair ${run.pairId}: its run was not recorded`);
      throw error;
    }
  }

  async listRuns(pairId: string, limit?: number): Promise<RunRecord[]> {
    if (!this.#db.open) throw new StateError("closed", "the store is closed");
    const rows = this.#sql("SELECT seq, record FROM runs WHERE pair_id = ? ORDER BY seq DESC LIMIT ?").all(pairId, limit === undefined ? -1 : Math.max(0, limit)) as Array<{
      seq: number;
      record: string;
    }>;
    return rows.map(({ seq, record }) => {
      try {
        return JSON.parse(record) as RunRecord;
      } catch {
        throw new StateError("corrupt", `state database ${this.#path}: run ${seq} of pair ${pairId} is unreadable`);
      }
    });
  }

  async acquireLease(request: LeaseRequest): Promise<LeaseAttempt> {
    if (!this.#db.open) throw new StateError("closed", "the store is closed");
    const { pairId, owner, ttlMs } = request;
    checkLeaseRequest(pairId, owner, ttlMs);
    return this.#db
      .transaction((): LeaseAttempt => {
        const now = this.#now();
        const row = this.#leaseRow(pairId);
        if (row && row.owner !== null && row.owner !== owner && row.expires_at > now) return { acquired: false, holder: toLease(pairId, row) };
        const next: LeaseRow = { owner, token: (row?.token ?? 0) + 1, expires_at: now + ttlMs };
        this.#sql(
          `INSERT INTO leases (pair_id, owner, token, expires_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (pair_id) DO UPDATE SET owner = excluded.owner, token = excluded.token, expires_at = excluded.expires_at`,
        ).run(pairId, next.owner, next.token, next.expires_at);
        return { acquired: true, lease: toLease(pairId, next) };
      })
      .immediate();
  }

  async renewLease(lease: PairLease, ttlMs: number): Promise<PairLease | null> {
    if (!this.#db.open) throw new StateError("closed", "the store is closed");
    checkLeaseRequest(lease.pairId, lease.owner, ttlMs);
    return this.#db
      .transaction((): PairLease | null => {
        const expires = this.#now() + ttlMs;
        const r = this.#sql("UPDATE leases SET expires_at = ? WHERE pair_id = ? AND owner = ? AND token = ?").run(expires, lease.pairId, lease.owner, lease.token);
        return r.changes === 0 ? null : { ...lease, expiresAt: new Date(expires).toISOString() };
      })
      .immediate();
  }

  async releaseLease(lease: PairLease): Promise<void> {
    if (!this.#db.open) throw new StateError("closed", "the store is closed");
    this.#db
      .transaction(() => {
        this.#sql("UPDATE leases SET owner = NULL, expires_at = 0 WHERE pair_id = ? AND owner = ? AND token = ?").run(lease.pairId, lease.owner, lease.token);
      })
      .immediate();
  }

  async getLease(pairId: string): Promise<PairLease | null> {
    if (!this.#db.open) throw new StateError("closed", "the store is closed");
    const row = this.#leaseRow(pairId);
    return row && row.owner !== null && row.expires_at > this.#now() ? toLease(pairId, row) : null;
  }

  #leaseRow(pairId: string): LeaseRow | undefined {
    return this.#sql("SELECT owner, token, expires_at FROM leases WHERE pair_id = ?").get(pairId) as LeaseRow | undefined;
  }

  /** Inside a write's transaction: refuses it unless the pair's lease row still has this owner and token. */
  #checkHeld(lease: PairLease): void {
    const row = this.#leaseRow(lease.pairId);
    if (!row || row.owner !== lease.owner || row.token !== lease.token) {
      throw new StateError(
        "lease-lost",
        `pair ${lease.pairId}: the lease of ${lease.owner} (token ${lease.token}) is no longer held` +
          (row?.owner ? ` (${row.owner} holds token ${row.token})` : " (released)") +
          "; nothing was written",
      );
    }
  }

  readonly #statements = new Map<string, Database.Statement>();

  /** A prepared statement, cached by its SQL. */
  #sql(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) this.#statements.set(sql, (statement = this.#db.prepare(sql)));
    return statement;
  }

  #apply(op: StateOp): void {
    const db = { prepare: (sql: string) => this.#sql(sql) };
    switch (op.op) {
      case "put-pair": {
        const p = op.pair;
        db.prepare(
          `INSERT INTO pairs (id, kind, local_side, local_collection, remote_side, remote_collection, local_cursor, remote_cursor, pending)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, local_side = excluded.local_side, local_collection = excluded.local_collection,
             remote_side = excluded.remote_side, remote_collection = excluded.remote_collection, local_cursor = excluded.local_cursor,
             remote_cursor = excluded.remote_cursor, pending = excluded.pending`,
        ).run(p.id, p.kind, p.local.side, p.local.collection, p.remote.side, p.remote.collection, p.cursors.local, p.cursors.remote, JSON.stringify(p.pending));
        return;
      }
      case "delete-pair":
        db.prepare("DELETE FROM pairs WHERE id = ?").run(op.pairId);
        return;
      case "set-cursors": {
        const r = db
          .prepare("UPDATE pairs SET local_cursor = ?, remote_cursor = ?, pending = ? WHERE id = ?")
          .run(op.cursors.local, op.cursors.remote, JSON.stringify(op.pending), op.pairId);
        if (r.changes === 0) throw new StateError("unknown-pair", `no pair ${op.pairId}`);
        return;
      }
      case "put-item": {
        const { local, remote } = itemColumns(op.item);
        db.prepare(
          `INSERT INTO items (pair_id, uid, local_id, local_version, local_hash, local_text, local_unconfirmed, local_seen_at,
             remote_id, remote_version, remote_hash, remote_text, remote_unconfirmed, remote_seen_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (pair_id, uid) DO UPDATE SET local_id = excluded.local_id, local_version = excluded.local_version,
             local_hash = excluded.local_hash, local_text = excluded.local_text, local_unconfirmed = excluded.local_unconfirmed,
             local_seen_at = excluded.local_seen_at,
             remote_id = excluded.remote_id, remote_version = excluded.remote_version, remote_hash = excluded.remote_hash,
             remote_text = excluded.remote_text, remote_unconfirmed = excluded.remote_unconfirmed, remote_seen_at = excluded.remote_seen_at`,
        ).run(op.pairId, op.item.uid, local[0], local[1], local[2], local[3], local[4] ? 1 : 0, local[5], remote[0], remote[1], remote[2], remote[3], remote[4] ? 1 : 0, remote[5]);
        return;
      }
      case "delete-item":
        db.prepare("DELETE FROM items WHERE pair_id = ? AND uid = ?").run(op.pairId, op.uid);
        return;
      case "clear-items":
        db.prepare("DELETE FROM items WHERE pair_id = ?").run(op.pairId);
        return;
      case "confirm-slot":
        db.prepare(
          op.slot === "local"
            ? "UPDATE items SET local_unconfirmed = 0 WHERE pair_id = ? AND local_unconfirmed = 1"
            : "UPDATE items SET remote_unconfirmed = 0 WHERE pair_id = ? AND remote_unconfirmed = 1",
        ).run(op.pairId);
        return;
      case "journal-begin": {
        const e = op.entry;
        db.prepare(
          `INSERT INTO journal (pair_id, uid, slot, op, item_id, started_at, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (pair_id, uid, slot) DO UPDATE SET op = excluded.op, item_id = excluded.item_id, started_at = excluded.started_at,
             detail = excluded.detail`,
        ).run(e.pairId, e.uid, e.slot, e.op, e.itemId, e.startedAt, e.detail ? detailJson(e.detail) : null);
        return;
      }
      case "journal-end":
        db.prepare("DELETE FROM journal WHERE pair_id = ? AND uid = ? AND slot = ?").run(op.pairId, op.uid, op.slot);
        return;
      case "journal-clear":
        db.prepare("DELETE FROM journal WHERE pair_id = ?").run(op.pairId);
        return;
    }
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
