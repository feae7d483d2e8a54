/**
 * Benchmark: the state store's share of a cycle, PostgreSQL beside SQLite. One pair of 10,000
 * vCards between two in-memory sides (so the store is what differs): the first sync, then a no-op
 * cycle, on each store. Prints per cycle the store calls (reads, writes = transactions), the SQL
 * round trips of the PostgreSQL store (every query sent, BEGIN/COMMIT included), wall time, this
 * process's CPU time (user+sys) and — when the server runs on this machine — the CPU time of the
 * pool's server backends (read from /proc; idle connections are kept so none is lost), and the
 * peak RSS of this process. Then the state's cost per item: for SQLite, the file and WAL sizes
 * after the first sync, the bytes this process wrote during it (`wchar` of /proc/self/io: the memory
 * sides write nothing), the SQL statements each cycle ran (one per operation, plus BEGIN, the lease
 * check and COMMIT per transaction) and the stored size of the journal details; for PostgreSQL, the
 * size of the items table (with its TOAST) and of the journal details.
 *
 *   npx tsx bench/postgres-store.ts [items=10000]
 *   npx tsx bench/postgres-store.ts --plans [pairs=100000] [items-per-pair=3] [big=10000]
 *
 * `--plans`: the query plans of a cycle at scale. Fills the store (schema `ewsdav`) and the fleet's
 * tables (schema `ewsdav_fleet`) with `pairs` pairs of `items-per-pair` items each (with runs, a
 * lease row and a schedule each; by SQL, in seconds), plus one pair of `big` items synced by the
 * engine between two memory sides; then runs cycles of the big pair (a no-op, then one with an
 * edit) recording every statement the store sends, and prints `EXPLAIN (ANALYZE, BUFFERS)` of each
 * (writes inside a transaction rolled back) — with the big pair's parameters and with a small
 * pair's — and of the fleet's statements of a job and of a scheduler tick, flagging sequential
 * scans. Prints the database's size.
 *
 * PostgreSQL: `DATABASE_URL` when set (a schema `ewsdav_bench_<pid>` is created in it and dropped
 * afterwards), otherwise a throwaway cluster started like the tests' (test/harness/postgres.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { MemorySide, SyncEngine, type StateOp, type StateStore } from "@ewsdav/core";
import { PostgresStateStore } from "@ewsdav/core/postgres";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { startPostgres, type PostgresCluster } from "../test/harness/postgres.js";
import { benchCard } from "./lib/cards.js";

if (process.argv.includes("--plans")) {
  await plans(process.argv.slice(2).filter((a) => a !== "--plans").map(Number));
  process.exit(0);
}
const items = Number(process.argv[2] ?? 10_000);

/** Counts a store's calls by method, and the operations of its writes (`ops`); `afterWrite` sees each write's operations once applied. */
function counted(store: StateStore, afterWrite?: (ops: readonly StateOp[]) => Promise<void>): { store: StateStore; calls: Record<string, number>; ops: { n: number } } {
  const calls: Record<string, number> = {};
  const ops = { n: 0 };
  const wrapped = new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...a: unknown[]) => {
        calls[String(key)] = (calls[String(key)] ?? 0) + 1;
        if (key === "write") ops.n += (a[0] as StateOp[]).length;
        const result = (value as (...x: unknown[]) => unknown).apply(target, a);
        return key === "write" && afterWrite ? (result as Promise<void>).then(() => afterWrite(a[0] as StateOp[])) : result;
      };
    },
  });
  return { store: wrapped, calls, ops };
}

/** Bytes this process has written (`wchar`; Linux), or `null`. */
function bytesWritten(): number | null {
  if (!existsSync("/proc/self/io")) return null;
  return Number(/wchar: (\d+)/.exec(readFileSync("/proc/self/io", "utf8"))?.[1] ?? NaN);
}

/** The state's cost per item of one store's first sync (see the header). */
interface Footprint {
  store: string;
  lines: string[];
}
const footprints: Footprint[] = [];
/** The stored bytes of the journal details of each begun entry, read right after its write. */
let detailBytes = 0;
let detailEntries = 0;

interface Row {
  store: string;
  cycle: string;
  wallMs: number;
  cpuMs: number;
  serverCpuMs: number | null;
  reads: number;
  writes: number;
  queries: number | null;
}

let lastFootprint: { written: number | null; statements: Record<string, number>; detail: { bytes: number; entries: number } } | undefined;
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

async function measure(
  name: string,
  store: StateStore,
  queries: () => number | null,
  serverCpu: () => Promise<number | null> = async () => null,
  /** The stored size of the journal details of `uids` (bytes), read right after their journal-begin write. */
  detailSize?: (uids: string[]) => Promise<number>,
): Promise<Row[]> {
  const server = new MemorySide({ name: "server", maxBatch: 100 });
  const local = new MemorySide({ name: "local", maxBatch: 100 });
  server.addCollection("c", "contacts");
  local.addCollection("c", "contacts");
  for (let i = 0; i < items; i++) server.put("c", benchCard(i, "4.0"));
  detailBytes = 0;
  detailEntries = 0;
  const c = counted(
    store,
    detailSize &&
      (async (ops) => {
        const uids = ops.flatMap((op) => (op.op === "journal-begin" ? [op.entry.uid] : []));
        if (uids.length === 0) return;
        detailBytes += await detailSize(uids);
        detailEntries += uids.length;
      }),
  );
  const engine = new SyncEngine({ store: c.store, sides: [local, server] });
  await engine.link({ id: "p", kind: "contacts", local: { side: "local", collection: "c" }, remote: { side: "server", collection: "c" } });
  const rows: Row[] = [];
  const footprint: { written: number | null; statements: Record<string, number>; detail: { bytes: number; entries: number } } = { written: null, statements: {}, detail: { bytes: 0, entries: 0 } };
  lastFootprint = footprint;
  for (const cycle of ["first", "no-op"]) {
    for (const key of Object.keys(c.calls)) delete c.calls[key];
    c.ops.n = 0;
    const q0 = queries();
    const server0 = await serverCpu();
    const w0 = bytesWritten();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const report = await engine.runOnce();
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (!report.ok) throw new Error(`${name} ${cycle}: ${JSON.stringify(report.pairs[0]?.error ?? report.pairs[0]?.errors[0])}`);
    if (cycle === "first" && local.items("c").length !== items) throw new Error(`${name}: ${local.items("c").length} items synced, not ${items}`);
    const writes = (c.calls.write ?? 0) + (c.calls.recordRun ?? 0) + (c.calls.acquireLease ?? 0) + (c.calls.renewLease ?? 0) + (c.calls.releaseLease ?? 0);
    const reads = Object.values(c.calls).reduce((a, b) => a + b, 0) - writes;
    if (process.env.BENCH_CALLS) console.log(name, cycle, JSON.stringify(c.calls));
    const w1 = bytesWritten();
    const q1 = queries();
    const server1 = await serverCpu();
    if (cycle === "first") footprint.written = w0 === null || w1 === null ? null : w1 - w0;
    const transactions = (c.calls.write ?? 0) + (c.calls.recordRun ?? 0) + (c.calls.acquireLease ?? 0) + (c.calls.renewLease ?? 0) + (c.calls.releaseLease ?? 0);
    // SQLite: one statement per operation; a write is BEGIN, the lease check, its operations, COMMIT; a run or lease step 4 statements.
    footprint.statements[cycle] = c.ops.n + 3 * (c.calls.write ?? 0) + 4 * (transactions - (c.calls.write ?? 0));
    if (cycle === "first") footprint.detail = { bytes: detailBytes, entries: detailEntries };
    rows.push({
      store: name,
      cycle,
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      serverCpuMs: server0 === null || server1 === null ? null : server1 - server0,
      reads,
      writes,
      queries: q0 === null || q1 === null ? null : q1 - q0,
    });
  }
  await store.close();
  return rows;
}

const rows: Row[] = [];
const dir = mkdtempSync(join(tmpdir(), "ewsdav-bench-pg-"));
let cluster: PostgresCluster | undefined;
try {
  const file = join(dir, "state.db");
  const sqlite = new SqliteStateStore(file);
  const reader = () => new Database(file, { readonly: true });
  let peek: Database.Database | undefined;
  rows.push(
    ...(await measure("sqlite (file)", sqlite, () => null, undefined, async (uids) => {
      peek ??= reader();
      return (peek.prepare("SELECT coalesce(sum(length(CAST(detail AS BLOB))), 0) AS n FROM journal WHERE uid IN (SELECT value FROM json_each(?))").get(JSON.stringify(uids)) as { n: number }).n;
    })),
  );
  peek?.close();
  {
    const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
    const f = lastFootprint!;
    const check = reader();
    const pages = check.pragma("page_count", { simple: true }) as number;
    const free = check.pragma("freelist_count", { simple: true }) as number;
    const pageSize = check.pragma("page_size", { simple: true }) as number;
    check.close();
    const perItem = (n: number) => `${(n / items).toFixed(0)} B/item`;
    footprints.push({
      store: "sqlite (file)",
      lines: [
        `state file ${(size(file) / 1024).toFixed(0)} KiB (${pages} pages of ${pageSize} B, ${free} free; ${perItem((pages - free) * pageSize)} in use), WAL ${(size(`${file}-wal`) / 1024).toFixed(0)} KiB`,
        `written by this process during the first sync: ${f.written === null ? "-" : `${(f.written / 1024).toFixed(0)} KiB, ${perItem(f.written)}`}`,
        `journal details stored: ${f.detail.entries} entries, ${(f.detail.bytes / Math.max(1, f.detail.entries)).toFixed(0)} B/entry`,
        `SQL statements: first ${f.statements.first}, no-op ${f.statements["no-op"]}`,
      ],
    });
  }

  const url = process.env.DATABASE_URL ?? (cluster = await startPostgres()).url();
  const schema = `ewsdav_bench_${process.pid}`;
  const pool = new pg.Pool({ connectionString: url, max: 4, idleTimeoutMillis: 0 });
  // The server CPU of the pool's backends (this database's client backends), when they are processes of this machine.
  const observer = new pg.Client({ connectionString: url });
  await observer.connect();
  const serverCpu = async (): Promise<number | null> => {
    const { rows: backends } = await observer.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = current_database() AND pid <> pg_backend_pid()",
    );
    let ticks = 0;
    for (const { pid } of backends) {
      if (!existsSync(`/proc/${pid}/stat`)) return null;
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    }
    return ticks * 10; // 100 ticks per second
  };
  let sent = 0;
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
      sent++;
      return query(...a);
    };
  });
  try {
    rows.push(
      ...(await measure("postgresql", await PostgresStateStore.open({ pool, schema }), () => sent, serverCpu, async (uids) => {
        const { rows: r } = await observer.query<{ n: string }>(`SELECT coalesce(sum(octet_length(detail)), 0) AS n FROM ${schema}.journal WHERE uid = ANY($1::text[])`, [uids]);
        return Number(r[0]!.n);
      })),
    );
    const { rows: sizes } = await observer.query<{ items: string; journal: string }>(
      `SELECT pg_total_relation_size('${schema}.items') AS items, pg_total_relation_size('${schema}.journal') AS journal`,
    );
    const f = lastFootprint!;
    footprints.push({
      store: "postgresql",
      lines: [
        `items table with its indexes and TOAST ${(Number(sizes[0]!.items) / 1024).toFixed(0)} KiB (${(Number(sizes[0]!.items) / items).toFixed(0)} B/item), journal ${(Number(sizes[0]!.journal) / 1024).toFixed(0)} KiB (before vacuum)`,
        `journal details stored: ${f.detail.entries} entries, ${(f.detail.bytes / Math.max(1, f.detail.entries)).toFixed(0)} B/entry`,
      ],
    });
  } finally {
    await observer.end();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  }
} finally {
  clearInterval(sampler);
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`state store, one pair of ${items} vCards between two memory sides (PostgreSQL ${cluster ? `throwaway cluster ${cluster.version}` : "DATABASE_URL"} on loopback)`);
console.log("store          cycle   wall ms   cpu ms  server cpu ms  store reads  store writes  SQL round trips");
for (const r of rows) {
  console.log(
    `${r.store.padEnd(14)} ${r.cycle.padEnd(6)} ${r.wallMs.toFixed(0).padStart(8)} ${r.cpuMs.toFixed(0).padStart(8)} ${(r.serverCpuMs === null ? "-" : r.serverCpuMs.toFixed(0)).padStart(14)} ${String(r.reads).padStart(12)} ${String(r.writes).padStart(13)} ${String(r.queries ?? "-").padStart(16)}`,
  );
}
console.log(`peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MiB (both runs, this process)`);
for (const f of footprints) for (const line of f.lines) console.log(`${f.store.padEnd(14)} ${line}`);

/** `--plans`: see the header. */
async function plans([pairCount = 100_000, perPair = 3, big = 10_000]: number[]): Promise<void> {
  const { Fleet, KeyRing } = await import("@ewsdav/core/fleet");
  const cluster = process.env.DATABASE_URL ? undefined : await startPostgres();
  const url = process.env.DATABASE_URL ?? (await cluster!.createDatabase());
  const recorded: Array<{ text: string; values: unknown[] }> = [];
  let recording = false;
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
      if (recording && typeof a[0] === "string") recorded.push({ text: a[0], values: Array.isArray(a[1]) ? (a[1] as unknown[]) : [] });
      return query(...a);
    };
  });
  const t = (label: string, since: number) => console.log(`  ${label}: ${((performance.now() - since) / 1000).toFixed(1)} s`);
  try {
    const fleet = await Fleet.open({ pool, keys: KeyRing.parse(`k1:${KeyRing.generateKey()}`) });
    const store = await PostgresStateStore.open({ pool, schema: "ewsdav" });
    console.log(`query plans at scale: ${pairCount} pairs × ${perPair} items, plus one pair of ${big} items (PostgreSQL ${cluster ? `throwaway cluster ${cluster.version}` : "DATABASE_URL"})`);

    // The big pair, synced by the engine (its rows are the store's own).
    let t0 = performance.now();
    const server = new MemorySide({ name: "server", maxBatch: 500 });
    const local = new MemorySide({ name: "local", maxBatch: 500 });
    server.addCollection("c", "contacts");
    local.addCollection("c", "contacts");
    const ids: string[] = [];
    for (let i = 0; i < big; i++) ids.push(server.put("c", benchCard(i, "4.0")));
    const engine = new SyncEngine({ store, sides: [local, server] });
    await engine.link({ id: "big", kind: "contacts", local: { side: "local", collection: "c" }, remote: { side: "server", collection: "c" } });
    const first = await engine.runOnce();
    if (!first.ok) throw new Error(`big pair: ${JSON.stringify(first.pairs[0]?.error)}`);
    t("big pair synced by the engine", t0);

    // The many small pairs, by SQL.
    t0 = performance.now();
    const card = benchCard(0, "4.0");
    const accounts = Math.ceil(pairCount / 3);
    await pool.query(`INSERT INTO ewsdav_fleet.accounts (id, type, config, secret, key_id)
      SELECT 'ews' || g, 'ews', jsonb_build_object('type', 'ews', 'url', 'https://mail.example.com/EWS/Exchange.asmx', 'mailbox', 'u' || g || '@example.com', 'auth', jsonb_build_object('type', 'basic', 'username', 'u' || g || '@example.com')), 'sealed-' || g, 'k1'
      FROM generate_series(0, $1::int - 1) g
      UNION ALL SELECT 'files' || g, 'vdir', jsonb_build_object('type', 'vdir', 'path', '/srv/vdir/u' || g), NULL, NULL FROM generate_series(0, $1::int - 1) g`, [accounts]);
    await pool.query(`INSERT INTO ewsdav_fleet.accounts (id, type, config) VALUES ('server', 'vdir', '{"type":"vdir","path":"/srv/s"}'), ('local', 'vdir', '{"type":"vdir","path":"/srv/l"}')`);
    const kinds = "(ARRAY['contacts','events','tasks'])[g % 3 + 1]";
    const pid = "'p' || lpad(g::text, 7, '0')";
    await pool.query(`INSERT INTO ewsdav_fleet.pairs (id, kind, remote_account, remote_folder, local_account, local_collection, local_create)
      SELECT ${pid}, ${kinds}, 'ews' || (g / 3), 'Contacts', 'files' || (g / 3), 'c' || (g % 3), true FROM generate_series(0, $1::int - 1) g
      UNION ALL SELECT 'big', 'contacts', 'server', 'c', 'local', 'c', false`, [pairCount]);
    await pool.query(`INSERT INTO ewsdav_fleet.schedules (pair_id, interval_ms, next_due, parked_at, last_run_at, last_outcome, last_worker)
      SELECT id, 900000, now() + (hashtext(id) % 900) * interval '1 second', CASE WHEN hashtext(id) % 500 = 0 THEN now() END, now(), 'ok', 'w1' FROM ewsdav_fleet.pairs`);
    await pool.query(`INSERT INTO ewsdav.pairs (id, kind, local_side, local_collection, remote_side, remote_collection, local_cursor, remote_cursor)
      SELECT ${pid}, ${kinds}, 'files' || (g / 3), 'c' || (g % 3), 'ews' || (g / 3), 'AAMkAD' || md5(g::text), 'ctag-' || g, 'H4sIAAAA' || md5(g::text) FROM generate_series(0, $1::int - 1) g`, [pairCount]);
    t("accounts, pairs, schedules", t0);
    t0 = performance.now();
    await pool.query(`INSERT INTO ewsdav.items (pair_id, uid, local_id, local_version, local_hash, local_text, local_seen_at, remote_id, remote_version, remote_hash, remote_text, remote_seen_at)
      SELECT p.id, 'uid-' || p.id || '-' || k, 'item-' || k || '.vcf', '"etag-' || k || '"', md5(p.id || k), $1, '2026-12-01T00:00:00Z', 'AAMkAG' || md5(p.id || k), 'CQAAAB' || k, md5(p.id || k), $1, '2026-12-01T00:00:00Z'
      FROM ewsdav.pairs p, generate_series(1, $2::int) k WHERE p.id <> 'big'`, [card, perPair]);
    t("items", t0);
    t0 = performance.now();
    await pool.query(`INSERT INTO ewsdav.runs (pair_id, started_at, finished_at, outcome, record)
      SELECT p.id, '2026-12-01T00:00:0' || k || 'Z', '2026-12-01T00:00:0' || k || 'Z', 'ok', jsonb_build_object('pairId', p.id, 'outcome', 'ok', 'created', 0, 'updated', 0)
      FROM ewsdav.pairs p, generate_series(1, 3) k`);
    await pool.query(`INSERT INTO ewsdav.leases (pair_id, owner, token, expires_at) SELECT id, NULL, 1, '-infinity' FROM ewsdav.pairs ON CONFLICT (pair_id) DO NOTHING`);
    await pool.query(`INSERT INTO ewsdav.journal (pair_id, uid, slot, op, item_id, started_at) SELECT id, 'uid-' || id || '-1', 'local', 'update', 'item-1.vcf', '2026-12-01T00:00:00Z' FROM ewsdav.pairs WHERE hashtext(id) % 1000 = 0`);
    t("runs, leases, journal", t0);
    t0 = performance.now();
    await pool.query("VACUUM ANALYZE");
    t("VACUUM ANALYZE", t0);
    const { rows: sizes } = await pool.query<{ db: string; items: string; items_rows: string }>(
      "SELECT pg_size_pretty(pg_database_size(current_database())) AS db, pg_size_pretty(pg_total_relation_size('ewsdav.items')) AS items, (SELECT count(*) FROM ewsdav.items)::text AS items_rows",
    );
    console.log(`  database ${sizes[0]!.db}; ewsdav.items ${sizes[0]!.items_rows} rows, ${sizes[0]!.items} with its indexes`);

    // The store's listPairs, which a runOnce over every pair reads whole (a fleet job's runOnce names its pair and reads it alone since 2026-12-06): round trip and rows parsed, client side.
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const l0 = performance.now();
      const all = await store.listPairs();
      best = Math.min(best, performance.now() - l0);
      if (all.length !== pairCount + 1) throw new Error(`listPairs: ${all.length} pairs`);
    }
    console.log(`  store.listPairs() (${pairCount + 1} pairs), client side, best of 3: ${best.toFixed(0)} ms`);

    // A no-op cycle (after one that settles the first sync) and a cycle with one edit of the big pair, every statement recorded.
    await engine.runOnce({ pairIds: ["big"] });
    recording = true;
    await engine.runOnce({ pairIds: ["big"] });
    const noopStatements = recorded.length;
    server.edit("c", ids[7]!, benchCard(7, "4.0").replace("ORG:Example GmbH", "ORG:Edited"));
    const edited = await engine.runOnce({ pairIds: ["big"] });
    recording = false;
    if (!edited.ok || edited.pairs[0]!.local.updated.length !== 1) throw new Error(`edit cycle: ${JSON.stringify(edited.pairs[0])}`);
    console.log(`  statements sent by the store: ${noopStatements} in the no-op cycle, ${recorded.length - noopStatements} in the edit cycle (BEGIN/COMMIT included)`);
    const distinct = new Map<string, unknown[]>();
    for (const r of recorded) if (!/^(BEGIN|COMMIT|ROLLBACK)\b/.test(r.text) && !distinct.has(r.text)) distinct.set(r.text, r.values);

    // The fleet's statements of a job (runPairJob: its start, the lease look, the record) and of a scheduler tick (enqueueDue),
    // as fleet/run.ts and fleet.ts send them (copied: keep them in step).
    const f = "ewsdav_fleet";
    const fleetStatements: Array<[string, unknown[]]> = [
      [`SELECT p.*, s.parked_at, s.failures, s.interval_ms, s.full_pending FROM ${f}.pairs p JOIN ${f}.schedules s ON s.pair_id = p.id WHERE p.id = $1 FOR UPDATE OF s`, ["big"]],
      [`UPDATE ${f}.schedules SET failures = $2, full_pending = false, next_due = greatest(next_due, now() + $3 * interval '1 millisecond') WHERE pair_id = $1`, ["big", 1, 30000]],
      [`SELECT id, config, secret FROM ${f}.accounts WHERE id = ANY($1)`, [["server", "local"]]],
      [`SELECT owner FROM ewsdav.leases WHERE pair_id = $1 AND owner IS NOT NULL AND owner <> $2 AND expires_at <= now()`, ["big", "w1"]],
      [`UPDATE ${f}.schedules SET failures = 0, last_error = NULL, last_run_at = now(), last_outcome = 'ok', last_worker = $2, next_due = now() + $3 * interval '1 millisecond' WHERE pair_id = $1`, ["big", "w1", 900000]],
      // The scheduler's claim as it was written before 2026-12-06 (a semi join over every schedule), for comparison.
      [`UPDATE ${f}.schedules s SET next_due = now() + s.interval_ms * interval '1 millisecond', full_pending = true WHERE s.pair_id IN (SELECT pair_id FROM ${f}.schedules WHERE next_due <= now() AND parked_at IS NULL ORDER BY next_due LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING s.pair_id`, [500]],
      [`SELECT id FROM ${f}.pairs WHERE remote_account = $1 OR local_account = $1 ORDER BY id`, ["ews100"]],
      // The scheduler's claim (fleet.ts enqueueDue), = ANY(ARRAY(…)): the claimed ids looked up by the primary key.
      [`UPDATE ${f}.schedules s SET next_due = now() + s.interval_ms * interval '1 millisecond', full_pending = true WHERE s.pair_id = ANY(ARRAY(SELECT pair_id FROM ${f}.schedules WHERE next_due <= now() AND parked_at IS NULL ORDER BY next_due LIMIT $1 FOR UPDATE SKIP LOCKED)) RETURNING s.pair_id`, [500]],
    ];
    const small = `p${String(Math.floor(pairCount / 2)).padStart(7, "0")}`;
    const summary: Array<{ statement: string; pair: string; ms: number; seq: boolean; top: string }> = [];
    const explain = async (text: string, values: unknown[], pair: string, settings: string[] = []): Promise<string[]> => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        for (const setting of settings) await client.query(`SET LOCAL ${setting}`);
        const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
        await client.query("ROLLBACK");
        const lines = rows.map((r) => r["QUERY PLAN"]);
        const ms = Number(/Execution Time: ([\d.]+) ms/.exec(lines.join("\n"))?.[1] ?? Number.NaN);
        const short = text.replace(/\s+/g, " ").replace(/"?ewsdav(_fleet)?"?\./g, "").slice(0, 90);
        const label = settings.length > 0 ? `${pair}, ${settings.join(", ")}` : pair;
        console.log(`\n-- ${short}${text.length > 90 ? " …" : ""}  [pair ${label}]`);
        for (const line of lines) console.log(`   ${line}${/Seq Scan/.test(line) ? "   <-- sequential scan" : ""}`);
        summary.push({ statement: short, pair: label, ms, seq: lines.some((l) => /Seq Scan/.test(l)), top: lines[0]!.replace(/\s+\(cost.*$/, "").trim() });
        return lines;
      } finally {
        client.release();
      }
    };
    console.log(`\n== the store's statements of a no-op cycle and an edit cycle of the big pair (${distinct.size} distinct), then with pair ${small} (${perPair} items)`);
    // Planner settings for an SSD (random_page_cost) and sorts in memory (work_mem), tried where the default plan sorts on disk or scans a table.
    const tuned = ["random_page_cost = 1.1", "work_mem = '16MB'"];
    for (const [text, values] of distinct) {
      const lines = await explain(text, values, "big");
      if (lines.some((l) => /Seq Scan|external merge/.test(l))) await explain(text, values, "big", tuned);
      if (values.includes("big") && !/^\s*INSERT/.test(text)) await explain(text, values.map((v) => (v === "big" ? small : v)), small);
    }
    console.log("\n== the fleet's statements of a job and of a scheduler tick");
    for (const [text, values] of fleetStatements) await explain(text, values, String(values[0]));
    console.log("\nsummary (execution time of EXPLAIN ANALYZE, server side):");
    for (const s of summary) console.log(`  ${s.ms.toFixed(3).padStart(9)} ms  ${s.seq ? "SEQ SCAN" : "        "}  ${s.pair.padEnd(9)} ${s.top.padEnd(40)} ${s.statement}`);
    await fleet.stop();
    await store.close();
  } finally {
    await pool.end();
    await cluster?.stop();
  }
}
