/**
 * The fleet's tables in PostgreSQL, in the manner of the PostgreSQL store: numbered migrations
 * ({@link FLEET_MIGRATIONS}) applied in one transaction under an advisory lock keyed by the
 * schema, recorded in `<schema>.schema_migrations`; a schema newer than this code is refused.
 * @module
 */
import type { Pool, PoolClient } from "pg";

/** The migrations, written against the schema `S` (replaced by the quoted schema name). */
export const FLEET_MIGRATIONS: readonly string[] = [
  // 1: accounts (settings as JSON, the secret encrypted and its key id), pairs (as the config's
  // pairs entries), schedules (interval, next due, failures, parked and the last error).
  `CREATE TABLE S.accounts (
     id text COLLATE "C" PRIMARY KEY,
     type text NOT NULL CHECK (type IN ('ews', 'dav', 'vdir')),
     config jsonb NOT NULL,
     secret text,
     key_id text,
     created_at timestamptz NOT NULL DEFAULT now()
   );
   CREATE INDEX accounts_key ON S.accounts (key_id) WHERE secret IS NOT NULL;
   CREATE TABLE S.pairs (
     id text COLLATE "C" PRIMARY KEY,
     kind text NOT NULL CHECK (kind IN ('contacts', 'events', 'tasks')),
     remote_account text COLLATE "C" NOT NULL REFERENCES S.accounts(id),
     remote_folder text NOT NULL,
     local_account text COLLATE "C" NOT NULL REFERENCES S.accounts(id),
     local_collection text NOT NULL,
     local_create boolean NOT NULL DEFAULT false,
     created_at timestamptz NOT NULL DEFAULT now()
   );
   CREATE INDEX pairs_remote_account ON S.pairs (remote_account);
   CREATE INDEX pairs_local_account ON S.pairs (local_account);
   CREATE TABLE S.schedules (
     pair_id text COLLATE "C" PRIMARY KEY REFERENCES S.pairs(id) ON DELETE CASCADE,
     interval_ms bigint NOT NULL CHECK (interval_ms > 0),
     next_due timestamptz NOT NULL DEFAULT now(),
     failures int NOT NULL DEFAULT 0,
     parked_at timestamptz,
     last_error text,
     last_run_at timestamptz,
     last_outcome text,
     last_worker text
   );
   CREATE INDEX schedules_due ON S.schedules (next_due) WHERE parked_at IS NULL;`,
  // 2: active mode. A push subscription's lease per remote account (owner, fencing token, expiry),
  // the workers in active mode (a heartbeat, for sharing the subscriptions out), and a schedule's
  // flag that a full cycle is owed (a scheduled job merged into a waiting notice job runs full).
  `CREATE TABLE S.subscriptions (
     account_id text COLLATE "C" PRIMARY KEY REFERENCES S.accounts(id) ON DELETE CASCADE,
     owner text,
     token bigint NOT NULL DEFAULT 0,
     expires_at timestamptz,
     claimed_at timestamptz
   );
   CREATE INDEX subscriptions_owner ON S.subscriptions (owner) WHERE owner IS NOT NULL;
   CREATE TABLE S.active_workers (
     id text COLLATE "C" PRIMARY KEY,
     expires_at timestamptz NOT NULL
   );
   ALTER TABLE S.schedules ADD COLUMN full_pending boolean NOT NULL DEFAULT false;`,
];

const MIGRATION_LOCK_CLASS = 0x65777366; // "ewsf"

/** Double-quotes an identifier (the schema names are checked before). */
export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Checks a schema name: lower-case letters, digits and `_`. */
export function checkSchema(schema: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new TypeError(`PostgreSQL schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`);
}

/** Runs `body` in a transaction on a client of `pool`. */
export async function transaction<T>(pool: Pool, body: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("BEGIN");
    const result = await body(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Creates the schema when missing and applies the migrations it lacks; returns the version. */
export async function migrateFleet(pool: Pool, schema: string): Promise<number> {
  const s = quoteIdent(schema);
  // At the latest version: no lock, no DDL (a worker role without CREATE rights opens it).
  const { rows: known } = await pool.query<{ t: string | null }>("SELECT to_regclass($1) AS t", [`${s}.schema_migrations`]);
  if (known[0]!.t !== null) {
    const { rows } = await pool.query<{ v: number }>(`SELECT coalesce(max(version), 0)::int AS v FROM ${s}.schema_migrations`);
    if (rows[0]!.v === FLEET_MIGRATIONS.length) return rows[0]!.v;
  }
  return transaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [MIGRATION_LOCK_CLASS, schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ v: number }>(`SELECT coalesce(max(version), 0)::int AS v FROM ${s}.schema_migrations`);
    const version = rows[0]!.v;
    if (version > FLEET_MIGRATIONS.length) throw new Error(`fleet schema ${schema} has version ${version}, newer than this ewsdav (${FLEET_MIGRATIONS.length})`);
    for (let v = version; v < FLEET_MIGRATIONS.length; v++) {
      await client.query(FLEET_MIGRATIONS[v]!.replace(/\bS\./g, `${s}.`));
      await client.query(`INSERT INTO ${s}.schema_migrations (version) VALUES ($1)`, [v + 1]);
    }
    return FLEET_MIGRATIONS.length;
  });
}
