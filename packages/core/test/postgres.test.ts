/**
 * The PostgreSQL state store on a real, throwaway cluster (test/harness/postgres.ts, one per
 * file; a fresh schema per test): the shared StateStore contract, then what is PostgreSQL's own —
 * migrations (concurrent openers migrate once, a newer schema is refused), schemas sharing one
 * database and pool, the indexes a cycle's questions use, the lease on the server's clock — and
 * the engine end to end on it: a first sync, a restart on another pool, two engines on two pools
 * racing for a pair, and a lease held by another process that is killed and taken over.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemorySide, SyncEngine, type PairRecord } from "@ewsdav/core";
import { PostgresStateStore, POSTGRES_MIGRATIONS } from "@ewsdav/core/postgres";
import { startPostgres, type PostgresCluster } from "../../../test/harness/postgres.js";
import { until } from "../../../test/harness/wait.js";
import { contractPair, describeStateStoreContract } from "../src/stores/contract.test-support.js";
import { vcard } from "../src/fixtures.test-support.js";

let cluster: PostgresCluster;
let url: string;
let pool: pg.Pool;
let schemas = 0;
const fresh = () => `s${++schemas}`;

beforeAll(async () => {
  cluster = await startPostgres();
  url = await cluster.createDatabase();
  pool = new pg.Pool({ connectionString: url, max: 8 });
});
afterAll(async () => {
  await pool?.end();
  await cluster?.stop();
});

describeStateStoreContract("PostgreSQL", {
  async fresh() {
    const schema = fresh();
    return { open: (options) => PostgresStateStore.open({ pool, schema, ...options }) };
  },
});

const pair: PairRecord = contractPair;

describe("PostgresStateStore", () => {
  it("migrates a new schema once when several stores open it at the same moment, and refuses a newer one", async () => {
    const schema = fresh();
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: url, max: 1 }));
    try {
      const stores = await Promise.all(pools.map((p) => PostgresStateStore.open({ pool: p, schema })));
      expect(await stores[0]!.schemaVersion()).toBe(POSTGRES_MIGRATIONS.length);
      const { rows } = await pool.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
      expect(rows.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((_, i) => i + 1));
      for (const s of stores) await s.close();
      // A store closed with a pool passed in leaves the pool open.
      expect((await pools[0]!.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
      await pool.query(`INSERT INTO ${schema}.schema_migrations (version) VALUES ($1)`, [POSTGRES_MIGRATIONS.length + 1]);
      await expect(PostgresStateStore.open({ pool, schema })).rejects.toMatchObject({ name: "StateError", code: "corrupt" });
    } finally {
      for (const p of pools) await p.end();
    }
  });

  it("migration 2 reads records and journal details of schema 1 (texts in full) as they are, and stores a copy's text once from then on", async () => {
    const schema = fresh();
    const tag = { op: "tag" as const, itemId: "r2", written: { text: "U", hash: "h" }, expectedVersion: "v", changed: [] };
    const detail = { written: { text: "U", hash: "h" }, expectedVersion: null, writesOther: true, otherWrite: tag, other: null };
    const client = await pool.connect();
    try {
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.query(`CREATE TABLE ${schema}.schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
      await client.query(POSTGRES_MIGRATIONS[0]!.replace(/\bS\./g, `${schema}.`));
      await client.query(`INSERT INTO ${schema}.schema_migrations (version) VALUES (1)`);
      await client.query(`INSERT INTO ${schema}.pairs (id, kind, local_side, local_collection, remote_side, remote_collection) VALUES ('p', 'contacts', 'a', 'b', 'c', 'd')`);
      await client.query(`INSERT INTO ${schema}.items (pair_id, uid, local_id, local_version, local_hash, local_text, remote_id, remote_version, remote_hash, remote_text)
        VALUES ('p', 'old', 'l1', 'v1', 'h', 'T', 'r1', 'v2', 'h', 'T')`);
      await client.query(`INSERT INTO ${schema}.journal (pair_id, uid, slot, op, item_id, started_at, detail) VALUES ('p', 'old', 'local', 'create', NULL, 't0', $1)`, [
        JSON.stringify(detail),
      ]);
    } finally {
      client.release();
    }
    const store = await PostgresStateStore.open({ pool, schema });
    expect(await store.schemaVersion()).toBe(POSTGRES_MIGRATIONS.length);
    expect(await store.listItems("p")).toEqual([{ uid: "old", local: { id: "l1", version: "v1", hash: "h", text: "T" }, remote: { id: "r1", version: "v2", hash: "h", text: "T" } }]);
    expect(await store.listJournal("p")).toEqual([{ pairId: "p", uid: "old", slot: "local", op: "create", itemId: null, startedAt: "t0", detail }]);
    await store.write([
      { op: "put-item", pairId: "p", item: { uid: "new", local: { id: "l2", version: "v", hash: "h", text: "T2" }, remote: { id: "r2", version: "v", hash: "h", text: "T2" } } },
      { op: "journal-begin", entry: { pairId: "p", uid: "new", slot: "local", op: "create", itemId: null, startedAt: "t1", detail } },
    ]);
    const { rows } = await pool.query(`SELECT remote_hash, remote_text FROM ${schema}.items WHERE uid = 'new'`);
    expect(rows).toEqual([{ remote_hash: null, remote_text: null }]);
    const stored = (await pool.query(`SELECT detail FROM ${schema}.journal WHERE uid = 'new'`)).rows[0].detail as string;
    expect(stored.split('"U"')).toHaveLength(2);
    expect((await store.listItems("p")).find((i) => i.uid === "new")!.remote).toEqual({ id: "r2", version: "v", hash: "h", text: "T2" });
    expect((await store.listJournal("p")).find((e) => e.uid === "new")!.detail).toEqual(detail);
    await store.close();
  });

  it("keeps pairs of stores in different schemas of one database apart; a store from a connection string owns and ends its pool", async () => {
    const one = await PostgresStateStore.open({ pool, schema: fresh() });
    const two = await PostgresStateStore.open({ connectionString: url, schema: fresh() });
    await one.write([{ op: "put-pair", pair }]);
    expect(await two.listPairs()).toEqual([]);
    expect((await two.acquireLease({ pairId: "p", owner: "b", ttlMs: 1_000 })).acquired).toBe(true);
    expect((await one.acquireLease({ pairId: "p", owner: "a", ttlMs: 1_000 })).acquired).toBe(true);
    await two.close();
    await expect(two.listPairs()).rejects.toMatchObject({ code: "closed" });
    await one.close();
    await expect(PostgresStateStore.open({ pool, schema: "Bad-Name" })).rejects.toThrow(/schema name/);
  });

  it("survives the server ending its idle connections (a store from a connection string): the next call takes a new one", async () => {
    const idleErrors: Error[] = [];
    const named = `${url}${url.includes("?") ? "&" : "?"}application_name=ewsdav-idle-test`;
    const store = await PostgresStateStore.open({ connectionString: named, schema: fresh(), onIdleError: (error) => idleErrors.push(error) });
    try {
      await store.write([{ op: "put-pair", pair }]);
      const ended = await pool.query<{ ended: boolean }>(
        "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle' AND application_name = 'ewsdav-idle-test'",
      );
      expect(ended.rows.length).toBeGreaterThan(0);
      await until("the pool's idle error", () => idleErrors.length > 0);
      expect((await store.listPairs()).map((p) => p.id)).toEqual([pair.id]);
    } finally {
      await store.close();
    }
  });

  it("answers a cycle's questions from its indexes (unconfirmed marks, id/version listing, a pair's items and runs)", async () => {
    const schema = fresh();
    const store = await PostgresStateStore.open({ pool, schema });
    // 50 pairs × 400 items, written straight into the tables (the store's own writes are tested above).
    await pool.query(`INSERT INTO ${schema}.pairs (id, kind, local_side, local_collection, remote_side, remote_collection)
      SELECT 'p' || g, 'contacts', 'a', 'b', 'c', 'd' FROM generate_series(1, 50) g`);
    await pool.query(`INSERT INTO ${schema}.items (pair_id, uid, local_id, local_version, local_hash, local_text, remote_id, remote_version, remote_hash, remote_text, remote_unconfirmed)
      SELECT 'p' || p, 'u' || i, 'l' || i, 'v', 'h', repeat('x', 200), 'r' || i, 'v', 'h', repeat('x', 200), i = 7
      FROM generate_series(1, 50) p, generate_series(1, 400) i`);
    await pool.query(`VACUUM ANALYZE ${schema}.items`);
    const client = await pool.connect();
    try {
      const plan = async (sql: string) => (await client.query(`EXPLAIN ${sql.replace(/\$1/g, "'p3'")}`)).rows.map((r) => r["QUERY PLAN"] as string).join("\n");
      expect(await plan(`SELECT 1 FROM ${schema}.items WHERE pair_id = $1 AND remote_unconfirmed LIMIT 1`)).toContain("items_remote_unconfirmed");
      expect(await plan(`SELECT 1 FROM ${schema}.items WHERE pair_id = $1 AND local_unconfirmed LIMIT 1`)).toContain("items_local_unconfirmed");
      expect(await plan(`SELECT remote_id AS id, remote_version AS version FROM ${schema}.items WHERE pair_id = $1 AND remote_id IS NOT NULL`)).toMatch(
        /Scan (using|on) items_remote_id/,
      );
      expect(await plan(`SELECT * FROM ${schema}.items WHERE pair_id = $1 ORDER BY uid`)).toContain("items_pkey");
      expect(await plan(`SELECT record FROM ${schema}.runs WHERE pair_id = $1 ORDER BY seq DESC LIMIT 5`)).toMatch(/runs_pair|Seq Scan on runs/); // empty table: either
    } finally {
      client.release();
    }
    expect(await store.hasUnconfirmed("p3", "remote")).toBe(true);
    expect((await store.listVersions("p3", "local")).size).toBe(400);
    await store.close();
  });

  it("a takeover waits for a fenced write in flight to commit, so no write of the old holder lands after it", async () => {
    const schema = fresh();
    let clock = Date.parse("2026-12-05T12:00:00.000Z");
    const store = await PostgresStateStore.open({ pool, schema, now: () => clock });
    await store.write([{ op: "put-pair", pair }]);
    const held = await store.acquireLease({ pairId: "p", owner: "old", ttlMs: 1_000 });
    if (!held.acquired) throw new Error("not acquired");
    clock += 5_000; // expired: anyone may take it over
    // The old holder's write, begun before the takeover: its transaction has read the lease row FOR SHARE.
    const inFlight = await pool.connect();
    try {
      await inFlight.query("BEGIN");
      expect((await inFlight.query(`SELECT owner FROM ${schema}.leases WHERE pair_id = 'p' FOR SHARE`)).rows).toEqual([{ owner: "old" }]);
      await inFlight.query(`UPDATE ${schema}.pairs SET local_cursor = 'by-old' WHERE id = 'p'`);
      const takeover = store.acquireLease({ pairId: "p", owner: "new", ttlMs: 1_000 });
      // The takeover's statement waits on the row lock (seen in pg_stat_activity), not on a timer.
      await until("the takeover waiting on the lease row lock", async () => {
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO "${schema}".leases%'`);
        return rows[0].n > 0;
      });
      await inFlight.query("COMMIT");
      expect(await takeover).toMatchObject({ acquired: true, lease: { owner: "new", token: held.lease.token + 1 } });
    } finally {
      inFlight.release();
    }
    expect((await store.getPair("p"))!.cursors.local).toBe("by-old"); // committed before the takeover
    await expect(store.write([{ op: "clear-items", pairId: "p" }], { lease: held.lease })).rejects.toMatchObject({ code: "lease-lost" });
    await store.close();
  });

  it("times leases by the database server's clock when no clock is given", async () => {
    const store = await PostgresStateStore.open({ pool, schema: fresh() });
    const serverNow = async () => ((await pool.query<{ t: Date }>("SELECT clock_timestamp() AS t")).rows[0]!.t as Date).getTime();
    const before = await serverNow();
    const answer = await store.acquireLease({ pairId: "p", owner: "a", ttlMs: 3_600_000 });
    const after = await serverNow();
    if (!answer.acquired) throw new Error("not acquired");
    const expires = Date.parse(answer.lease.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 3_600_000 - 1);
    expect(expires).toBeLessThanOrEqual(after + 3_600_000 + 1);
    expect(await store.getLease("p")).toEqual(answer.lease);
    await store.close();
  });
});

describe("the engine on PostgreSQL", () => {
  const sides = () => {
    const local = new MemorySide({ name: "local" });
    const remote = new MemorySide({ name: "remote" });
    local.addCollection("c", "contacts");
    remote.addCollection("c", "contacts");
    return { local, remote };
  };
  const link = (engine: SyncEngine) => engine.link({ id: "p", kind: "contacts", local: { side: "local", collection: "c" }, remote: { side: "remote", collection: "c" } });
  const uidsOnce = (side: MemorySide) => {
    const uids = side.items("c").map((i) => i.uid!);
    expect(new Set(uids).size).toBe(uids.length);
    return uids.sort();
  };

  it("syncs, carries its state across a restart on another pool, and syncs an edit", async () => {
    const schema = fresh();
    const { local, remote } = sides();
    for (let i = 0; i < 120; i++) local.put("c", vcard(`u${i}`, { FN: `N${i}` }));
    for (let i = 0; i < 30; i++) remote.put("c", vcard(`r${i}`, { FN: `R${i}` }));
    const first = await PostgresStateStore.open({ pool, schema });
    const engine = new SyncEngine({ store: first, sides: [local, remote] });
    await link(engine);
    const report = await engine.runOnce();
    expect(report.ok).toBe(true);
    expect(report.pairs[0]!.remote.created).toHaveLength(120);
    expect(report.pairs[0]!.local.created).toHaveLength(30);
    expect(await first.listJournal("p")).toEqual([]);
    expect(await first.listRuns("p")).toHaveLength(1);
    await first.close();
    // The restarted process: another pool, the same schema.
    const restarted = await PostgresStateStore.open({ connectionString: url, schema });
    try {
      local.resetCalls();
      remote.resetCalls();
      const again = new SyncEngine({ store: restarted, sides: [local, remote] });
      expect((await again.runOnce()).ok).toBe(true);
      expect(local.calls.itemWrites + remote.calls.itemWrites + local.calls.fetch + remote.calls.fetch).toBe(0);
      const card = remote.items("c").find((i) => i.uid === "u5")!;
      remote.edit("c", card.id, vcard("u5", { FN: "Edited" }));
      const edit = await again.runOnce();
      expect(edit.pairs[0]!.local.updated).toHaveLength(1);
      expect(uidsOnce(local)).toEqual(uidsOnce(remote));
      expect(uidsOnce(local)).toHaveLength(150);
      expect(await restarted.listRuns("p")).toHaveLength(3);
    } finally {
      await restarted.close();
    }
  });

  it("two engines on two pools racing for one pair: one cycle at a time, every item once", async () => {
    const schema = fresh();
    const { local, remote } = sides();
    for (let i = 0; i < 200; i++) local.put("c", vcard(`u${i}`, { FN: `N${i}` }));
    const stores = [await PostgresStateStore.open({ connectionString: url, schema }), await PostgresStateStore.open({ connectionString: url, schema })];
    try {
      await link(new SyncEngine({ store: stores[0]!, sides: [local, remote] }));
      const engines = stores.map((store) => new SyncEngine({ store, sides: [local, remote], lease: { waitMs: 0 } }));
      const reports = await Promise.all([...engines, ...engines].map((e) => e.runOnce()));
      const created = reports.reduce((n, r) => n + r.pairs[0]!.remote.created.length, 0);
      expect(created).toBe(200);
      for (const r of reports) if (r.pairs[0]!.error) expect(r.pairs[0]!.error.code).toBe("pair-busy");
      expect(uidsOnce(remote)).toEqual(uidsOnce(local));
      expect(uidsOnce(remote)).toHaveLength(200);
      expect(await stores[1]!.getLease("p")).toBeNull(); // released after each cycle
    } finally {
      for (const s of stores) await s.close();
    }
  });

  it("a lease held by another process fences this one until that process is killed and its lease expires (by the store's clock)", async () => {
    const schema = fresh();
    const store = await PostgresStateStore.open({ pool, schema });
    await store.write([{ op: "put-pair", pair }]);
    const module = fileURLToPath(new URL("../src/stores/postgres.ts", import.meta.url));
    const script = `
      const { PostgresStateStore } = await import(${JSON.stringify(module)});
      const store = await PostgresStateStore.open({ connectionString: ${JSON.stringify(url)}, schema: ${JSON.stringify(schema)} });
      const answer = await store.acquireLease({ pairId: "p", owner: "child", ttlMs: 60000 });
      console.log(JSON.stringify(answer));
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../../..", import.meta.url)),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      let out = "";
      let err = "";
      child.stderr.on("data", (c: Buffer) => void (err += c.toString()));
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          if (out.includes("\n")) resolve(out.split("\n")[0]!);
        });
        child.once("exit", (code) => reject(new Error(`child exited (${code}) before answering: ${err}`)));
      });
      const held = JSON.parse(line) as { acquired: true; lease: { owner: string; token: number } };
      expect(held).toMatchObject({ acquired: true, lease: { owner: "child", token: 1 } });
      const { local, remote } = sides();
      local.put("c", vcard("a", { FN: "A" }));
      const engine = new SyncEngine({
        store,
        sides: [local, remote],
        lease: { waitMs: 0 },
      });
      const busy = await engine.runOnce({ pairIds: ["p"] });
      expect(busy.pairs[0]!.error?.code).toBe("pair-busy");
      expect(remote.calls.itemWrites).toBe(0);
      child.kill("SIGKILL");
      await exited;
      // Still held after the kill, until it expires by the store's clock; then taken over.
      expect((await store.acquireLease({ pairId: "p", owner: "me", ttlMs: 1_000 })).acquired).toBe(false);
      const later = await PostgresStateStore.open({ pool, schema, now: () => Date.now() + 61_000 });
      const taken = await later.acquireLease({ pairId: "p", owner: "me", ttlMs: 1_000 });
      expect(taken).toMatchObject({ acquired: true, lease: { owner: "me", token: 2 } });
      await expect(later.write([{ op: "clear-items", pairId: "p" }], { lease: { pairId: "p", owner: "child", token: 1, expiresAt: "" } })).rejects.toMatchObject({
        code: "lease-lost",
      });
      await later.close();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      await store.close();
    }
  });
});
