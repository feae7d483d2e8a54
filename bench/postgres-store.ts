/**
 * Benchmark: the state store's share of a cycle, PostgreSQL beside SQLite. One pair of 10,000
 * vCards between two in-memory sides (so the store is what differs): the first sync, then a no-op
 * cycle, on each store. Prints per cycle the store calls (reads, writes = transactions), the SQL
 * round trips of the PostgreSQL store (every query sent, BEGIN/COMMIT included), wall time, this
 * process's CPU time (user+sys) and — when the server runs on this machine — the CPU time of the
 * pool's server backends (read from /proc; idle connections are kept so none is lost), and the
 * peak RSS of this process.
 *
 *   npx tsx bench/postgres-store.ts [items=10000]
 *
 * PostgreSQL: `DATABASE_URL` when set (a schema `ewsdav_bench_<pid>` is created in it and dropped
 * afterwards), otherwise a throwaway cluster started like the tests' (test/harness/postgres.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { MemorySide, SyncEngine, type StateStore } from "@ewsdav/core";
import { PostgresStateStore } from "@ewsdav/core/postgres";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { startPostgres, type PostgresCluster } from "../test/harness/postgres.js";
import { benchCard } from "./lib/cards.js";

const items = Number(process.argv[2] ?? 10_000);

/** Counts a store's calls by method. */
function counted(store: StateStore): { store: StateStore; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const wrapped = new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...a: unknown[]) => {
        calls[String(key)] = (calls[String(key)] ?? 0) + 1;
        return (value as (...x: unknown[]) => unknown).apply(target, a);
      };
    },
  });
  return { store: wrapped, calls };
}

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

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

async function measure(name: string, store: StateStore, queries: () => number | null, serverCpu: () => Promise<number | null> = async () => null): Promise<Row[]> {
  const server = new MemorySide({ name: "server", maxBatch: 100 });
  const local = new MemorySide({ name: "local", maxBatch: 100 });
  server.addCollection("c", "contacts");
  local.addCollection("c", "contacts");
  for (let i = 0; i < items; i++) server.put("c", benchCard(i, "4.0"));
  const c = counted(store);
  const engine = new SyncEngine({ store: c.store, sides: [local, server] });
  await engine.link({ id: "p", kind: "contacts", local: { side: "local", collection: "c" }, remote: { side: "server", collection: "c" } });
  const rows: Row[] = [];
  for (const cycle of ["first", "no-op"]) {
    for (const key of Object.keys(c.calls)) delete c.calls[key];
    const q0 = queries();
    const server0 = await serverCpu();
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
    const q1 = queries();
    const server1 = await serverCpu();
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
  rows.push(...(await measure("sqlite (file)", new SqliteStateStore(join(dir, "state.db")), () => null)));

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
    rows.push(...(await measure("postgresql", await PostgresStateStore.open({ pool, schema }), () => sent, serverCpu)));
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
