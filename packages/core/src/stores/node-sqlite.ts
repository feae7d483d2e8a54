/**
 * The SQLite driver of the state store ({@link SqliteStateStore}): better-sqlite3 (a native module,
 * built for the runtime at install time) or, on runtimes that have it (Node 22.13+, 23.4+, 24),
 * the built-in `node:sqlite`, through {@link NodeSqliteDatabase}: an adapter giving `DatabaseSync`
 * the part of better-sqlite3's API the store uses — `pragma`, `exec`, `prepare` (`run`/`get`/`all`),
 * `transaction(fn)` with `.immediate()`/`.deferred()`/`.exclusive()`, `open`, `close` — and
 * better-sqlite3's error codes (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_BUSY`, …) on the errors it throws.
 *
 * {@link openSqliteDatabase} chooses: better-sqlite3 when it loads (faster, and stable API), else
 * `node:sqlite` when the runtime has it — e.g. a better-sqlite3 built for another Node
 * (`NODE_MODULE_VERSION` mismatch) or none installed; `EWSDAV_SQLITE_DRIVER=node:sqlite` (or
 * `better-sqlite3`) forces one. Loading `node:sqlite` does not print Node's "SQLite is an
 * experimental feature" warning (Node 22 prints it on every load; the store's users did not ask
 * for an experimental feature and the CLI's output must not change with the driver).
 *
 * @module
 */
import { createRequire } from "node:module";
import type Database from "better-sqlite3";

/** The part of `node:sqlite`'s `StatementSync` the adapter uses. */
interface StatementSync {
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** The part of `node:sqlite`'s `DatabaseSync` the adapter uses. */
interface DatabaseSync {
  readonly isOpen: boolean;
  exec(sql: string): void;
  prepare(sql: string): StatementSync;
  close(): void;
}

interface NodeSqliteModule {
  DatabaseSync: new (path: string) => DatabaseSync;
}

/** Names of the SQLite result codes the store and its callers look at, by (extended) code. */
const RESULT_CODES: Record<number, string> = {
  1: "SQLITE_ERROR",
  5: "SQLITE_BUSY",
  6: "SQLITE_LOCKED",
  8: "SQLITE_READONLY",
  10: "SQLITE_IOERR",
  11: "SQLITE_CORRUPT",
  13: "SQLITE_FULL",
  14: "SQLITE_CANTOPEN",
  19: "SQLITE_CONSTRAINT",
  26: "SQLITE_NOTADB",
  261: "SQLITE_BUSY_RECOVERY",
  262: "SQLITE_LOCKED_SHAREDCACHE",
  517: "SQLITE_BUSY_SNAPSHOT",
  275: "SQLITE_CONSTRAINT_CHECK",
  787: "SQLITE_CONSTRAINT_FOREIGNKEY",
  1299: "SQLITE_CONSTRAINT_NOTNULL",
  1555: "SQLITE_CONSTRAINT_PRIMARYKEY",
  2067: "SQLITE_CONSTRAINT_UNIQUE",
  2579: "SQLITE_CONSTRAINT_ROWID",
};

/** Gives an error of `node:sqlite` better-sqlite3's `code` (the SQLite result code's name); other errors pass unchanged. */
function withSqliteCode(error: unknown): unknown {
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  if (typeof errcode === "number") {
    const name = RESULT_CODES[errcode] ?? RESULT_CODES[errcode & 0xff] ?? `SQLITE_${errcode}`;
    Object.defineProperty(error, "code", { value: name, configurable: true, writable: true, enumerable: true });
  }
  return error;
}

function translated<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw withSqliteCode(error);
  }
}

let nodeSqlite: NodeSqliteModule | null | undefined;

/**
 * `node:sqlite`, or null on a runtime without it (Node 20; 22.5–22.12 without
 * `--experimental-sqlite`). Loaded once, without Node's ExperimentalWarning about it.
 */
export function loadNodeSqlite(): NodeSqliteModule | null {
  if (nodeSqlite !== undefined) return nodeSqlite;
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
    const message = typeof warning === "string" ? warning : warning.message;
    const type = typeof rest[0] === "string" ? rest[0] : ((rest[0] as { type?: string } | undefined)?.type ?? (typeof warning === "string" ? "" : warning.name));
    if (type === "ExperimentalWarning" && /\bSQLite\b/.test(message)) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    nodeSqlite = createRequire(import.meta.url)("node:sqlite") as NodeSqliteModule;
  } catch {
    nodeSqlite = null;
  } finally {
    process.emitWarning = emitWarning;
  }
  return nodeSqlite;
}

/** A prepared statement: `node:sqlite`'s, with better-sqlite3's error codes. */
class NodeSqliteStatement {
  constructor(private readonly statement: StatementSync) {}
  run(...params: unknown[]): Database.RunResult {
    return translated(() => this.statement.run(...params)) as Database.RunResult;
  }
  get(...params: unknown[]): unknown {
    return translated(() => this.statement.get(...params));
  }
  all(...params: unknown[]): unknown[] {
    return translated(() => this.statement.all(...params));
  }
}

type TransactionMode = "deferred" | "immediate" | "exclusive";

/** A transaction function as better-sqlite3's `db.transaction(fn)` returns it. */
export interface NodeSqliteTransaction<F extends (...args: never[]) => unknown> {
  (...args: Parameters<F>): ReturnType<F>;
  deferred(...args: Parameters<F>): ReturnType<F>;
  immediate(...args: Parameters<F>): ReturnType<F>;
  exclusive(...args: Parameters<F>): ReturnType<F>;
}

/**
 * A `node:sqlite` database with the subset of better-sqlite3's `Database` API the state store uses.
 * Like better-sqlite3, it waits up to 5 s for another connection's lock (`busy_timeout`), and a
 * transaction inside a transaction is a savepoint.
 */
export class NodeSqliteDatabase {
  readonly #db: DatabaseSync;
  #depth = 0;
  #savepoints = 0;

  /** Opens (creating it when missing) the database at `path`, or `":memory:"`. Throws when the runtime has no `node:sqlite`. */
  constructor(readonly name: string) {
    const sqlite = loadNodeSqlite();
    if (!sqlite) throw new Error(`node:sqlite is not available on Node ${process.version} (it is from 22.13, 23.4 and 24)`);
    this.#db = translated(() => new sqlite.DatabaseSync(name));
    this.#db.exec("PRAGMA busy_timeout = 5000");
  }

  /** Whether the database is open. */
  get open(): boolean {
    return this.#db.isOpen;
  }

  /** Whether a transaction is under way. */
  get inTransaction(): boolean {
    return this.#depth > 0;
  }

  /** Runs `PRAGMA <source>`: its rows, or with `simple` the first column of the first row. */
  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const rows = translated(() => this.#db.prepare(`PRAGMA ${source}`).all()) as Array<Record<string, unknown>>;
    if (!options.simple) return rows;
    const first = rows[0];
    return first ? Object.values(first)[0] : undefined;
  }

  /** Runs SQL text of any number of statements. */
  exec(sql: string): this {
    translated(() => this.#db.exec(sql));
    return this;
  }

  /** Prepares one statement. */
  prepare(sql: string): NodeSqliteStatement {
    return new NodeSqliteStatement(translated(() => this.#db.prepare(sql)));
  }

  /**
   * Wraps `fn` in a transaction (`BEGIN`, or `BEGIN IMMEDIATE`/`EXCLUSIVE` through the variants),
   * committed when `fn` returns and rolled back when it throws; inside another transaction, a savepoint.
   */
  transaction<F extends (...args: never[]) => unknown>(fn: F): NodeSqliteTransaction<F> {
    const run = (mode: TransactionMode, args: Parameters<F>): ReturnType<F> => {
      const nested = this.#depth > 0;
      const savepoint = nested ? `ewsdav_sp${++this.#savepoints}` : "";
      this.exec(nested ? `SAVEPOINT ${savepoint}` : `BEGIN ${mode.toUpperCase()}`);
      this.#depth++;
      let result: ReturnType<F>;
      try {
        result = fn(...args) as ReturnType<F>;
      } catch (error) {
        this.#depth--;
        if (this.#db.isOpen) {
          try {
            this.exec(nested ? `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}` : "ROLLBACK");
          } catch {
            // SQLite already rolled the transaction back (e.g. after SQLITE_FULL); the error that did it is the one to report.
          }
        }
        throw error;
      }
      this.#depth--;
      try {
        this.exec(nested ? `RELEASE ${savepoint}` : "COMMIT");
      } catch (error) {
        if (!nested && this.#db.isOpen) {
          try {
            this.exec("ROLLBACK");
          } catch {
            // Nothing left to roll back.
          }
        }
        throw error;
      }
      return result;
    };
    const transaction = ((...args: Parameters<F>) => run("deferred", args)) as NodeSqliteTransaction<F>;
    transaction.deferred = (...args) => run("deferred", args);
    transaction.immediate = (...args) => run("immediate", args);
    transaction.exclusive = (...args) => run("exclusive", args);
    return transaction;
  }

  /** Closes the database. */
  close(): this {
    if (this.#db.isOpen) this.#db.close();
    return this;
  }
}

/** Which driver {@link openSqliteDatabase} may use: a better-sqlite3 module, or `"node:sqlite"`. */
export type SqliteDriver = typeof Database | "node:sqlite";

/** Whether an error of opening a better-sqlite3 database says its native module cannot load here. */
function nativeLoadFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return (
    code === "ERR_DLOPEN_FAILED" ||
    code === "MODULE_NOT_FOUND" ||
    /NODE_MODULE_VERSION|Could not locate the bindings file|invalid ELF header|wrong ELF class|cannot open shared object/.test(message ?? "")
  );
}

/** The driver `EWSDAV_SQLITE_DRIVER` asks for, if any. */
function requestedDriver(): "node:sqlite" | "better-sqlite3" | null {
  const value = (process.env.EWSDAV_SQLITE_DRIVER ?? "").trim();
  if (value === "") return null;
  if (value === "node:sqlite" || value === "better-sqlite3") return value;
  throw new Error(`EWSDAV_SQLITE_DRIVER must be "better-sqlite3" or "node:sqlite", not ${JSON.stringify(value)}`);
}

/**
 * Opens the SQLite database at `path` for the state store. `driver`: better-sqlite3's module (the
 * host's own), `"node:sqlite"`, or none (the better-sqlite3 `@ewsdav/core` resolves). With a
 * better-sqlite3 that cannot load on this runtime (missing, or built for another Node), it opens
 * the database with `node:sqlite` when the runtime has it, else throws better-sqlite3's error with
 * what to do. `EWSDAV_SQLITE_DRIVER` overrides the choice.
 */
export function openSqliteDatabase(path: string, driver?: SqliteDriver): Database.Database {
  const requested = requestedDriver();
  if (requested === "node:sqlite" || (requested === null && driver === "node:sqlite")) return new NodeSqliteDatabase(path) as unknown as Database.Database;
  try {
    const Driver = driver && driver !== "node:sqlite" ? driver : (createRequire(import.meta.url)("better-sqlite3") as typeof Database);
    return new Driver(path);
  } catch (error) {
    if (!nativeLoadFailure(error)) throw error;
    if (requested === null && loadNodeSqlite()) return new NodeSqliteDatabase(path) as unknown as Database.Database;
    const hint = loadNodeSqlite() ? "" : ` This Node (${process.version}) has no node:sqlite to fall back on.`;
    throw new Error(
      `better-sqlite3 cannot load on Node ${process.version} (NODE_MODULE_VERSION ${process.versions.modules}): rebuild it for this Node with \`npm rebuild better-sqlite3\`.${hint} (${(error as Error).message.split("\n")[0]})`,
      { cause: error },
    );
  }
}
