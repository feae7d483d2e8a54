/**
 * Run records: every cycle of a pair leaves one in the state store (memory and SQLite alike) —
 * good runs, failed items, pair-level stops (feed failure, safety stop, pair busy), dry runs, the
 * cycles of `watch()` and `syncItems()` — bounded, pruned, deleted with the pair, and never able to
 * fail the cycle. And the two state-forgetting calls, `unlink` and `resetPair`, under the lease.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { MemorySide } from "../sides/memory.js";
import { MemoryStateStore } from "../stores/memory.js";
import { SqliteStateStore, SQLITE_MIGRATIONS } from "../stores/sqlite.js";
import { vcard } from "../fixtures.test-support.js";
import { SyncEngine, type SyncEngineOptions } from "./engine.js";
import type { Logger } from "./log.js";
import { RUN_DETAIL_LIMIT, type RunRecord, type StateStore } from "./state.js";
import type { SyncWatch } from "./watch.js";
import { until } from "../../../../test/harness/wait.js";

const stores: StateStore[] = [];
const watches: SyncWatch[] = [];
afterEach(async () => {
  await Promise.all(watches.splice(0).map((w) => w.stop()));
  for (const s of stores.splice(0)) await s.close();
});

const kinds = {
  memory: (runsKept?: number) => new MemoryStateStore(runsKept === undefined ? {} : { runsKept }),
  sqlite: (runsKept?: number) => new SqliteStateStore({ path: ":memory:", ...(runsKept === undefined ? {} : { runsKept }) }),
};

async function setup(kind: keyof typeof kinds, opts: { runsKept?: number; engine?: Partial<SyncEngineOptions>; store?: StateStore } = {}) {
  const local = new MemorySide({ name: "local" });
  const remote = new MemorySide({ name: "remote" });
  local.addCollection("book", "contacts");
  remote.addCollection("contacts", "contacts");
  const store = opts.store ?? kinds[kind](opts.runsKept);
  stores.push(store);
  const engine = new SyncEngine({ store, sides: [local, remote], ...opts.engine });
  await engine.link({ id: "p", kind: "contacts", remote: { side: "remote", collection: "contacts" }, local: { side: "local", collection: "book" } });
  return { local, remote, store, engine };
}

const last = async (store: StateStore): Promise<RunRecord> => (await store.listRuns("p", 1))[0]!;

describe.each(["memory", "sqlite"] as const)("run records (%s store)", (kind) => {
  it("records a good run with its counts, then a run whose items failed, newest first", async () => {
    const { local, remote, store, engine } = await setup(kind);
    local.put("book", vcard("a", { FN: "Ada" }));
    remote.put("contacts", vcard("b", { FN: "Bob" }));
    const before = new Date().toISOString();
    await engine.runOnce();
    const good = await last(store);
    expect(good).toMatchObject({
      pairId: "p",
      trigger: "once",
      dryRun: false,
      outcome: "ok",
      stop: null,
      counts: { local: { created: 1, updated: 0, deleted: 0, tagged: 0 }, remote: { created: 1, updated: 0, deleted: 0, tagged: 0 } },
      errors: [],
      errorCount: 0,
      codes: [],
    });
    expect(good.startedAt >= before && good.finishedAt >= good.startedAt).toBe(true);

    remote.options = { ...remote.options, failWrite: (w) => w.op === "create" };
    local.put("book", vcard("c", { FN: "Cy" }));
    await engine.runOnce();
    const failed = await last(store);
    expect(failed.outcome).toBe("items-failed");
    expect(failed.errors).toEqual([{ code: "rejected", slot: "remote", uid: "c", id: null, message: expect.stringContaining("injected fault") }]);
    expect(failed.codes).toEqual(["rejected"]);
    expect((await store.listRuns("p")).map((r) => r.outcome)).toEqual(["items-failed", "ok"]);
  });

  it("records pair-level stops: an unreadable feed, a safety stop (marked as written nothing), a pair another process holds", async () => {
    const { local, remote, store, engine } = await setup(kind, { engine: { lease: { waitMs: 0 } } });
    for (let i = 0; i < 12; i++) local.put("book", vcard(`u${i}`, { FN: `N${i}` }));
    await engine.runOnce();

    remote.options = { ...remote.options, gate: () => { throw new Error("the server is down"); } };
    await engine.runOnce();
    expect(await last(store)).toMatchObject({ outcome: "stopped", stop: { code: "feed-failed" }, codes: ["feed-failed"] });
    remote.options = { ...remote.options, gate: undefined };

    for (const item of remote.items("contacts")) remote.delete("contacts", item.id);
    await engine.runOnce();
    expect(await last(store)).toMatchObject({ outcome: "stopped", dryRun: false, codes: [expect.stringMatching(/^(mass-delete|empty-side)$/)] });

    const held = await store.acquireLease({ pairId: "p", owner: "another-host/1", ttlMs: 60_000 });
    expect(held.acquired).toBe(true);
    const report = await engine.runOnce();
    expect(report.pairs[0]!.error?.code).toBe("pair-busy");
    expect(await last(store)).toMatchObject({ outcome: "stopped", stop: { code: "pair-busy" }, trigger: "once" });
    await expect(engine.syncItems("p", { local: [local.items("book")[0]!.id] })).rejects.toMatchObject({ code: "pair-busy" });
    expect(await last(store)).toMatchObject({ outcome: "stopped", stop: { code: "pair-busy" }, trigger: "items" });
    expect((await store.listRuns("p")).length).toBe(5);
  });

  it("marks dry runs, records syncItems() as items and the cycles of watch() that did something as watch", async () => {
    const { local, store, engine } = await setup(kind);
    local.put("book", vcard("a", { FN: "Ada" }));
    await engine.runOnce({ dryRun: true });
    expect(await last(store)).toMatchObject({ dryRun: true, outcome: "ok", counts: { remote: { created: 1 } } });
    await engine.runOnce();
    const id = local.items("book")[0]!.id;
    local.edit("book", id, vcard("a", { FN: "Ada", NOTE: "edited" }));
    await engine.syncItems("p", { local: [id] });
    expect(await last(store)).toMatchObject({ trigger: "items", outcome: "ok", counts: { remote: { updated: 1 } } });
    const runsBefore = (await store.listRuns("p")).length;
    const watch = await engine.watch({ pollIntervalMs: 20, debounceMs: 10, maxDelayMs: 100, retryDelayMs: 20 });
    watches.push(watch);
    // Polls that find nothing to do leave no run (they would push the others out of the history)…
    await until("a few idle polls", () => watch.pairs()[0]!.cycles >= 3);
    expect(await store.listRuns("p")).toHaveLength(runsBefore);
    // …a cycle that carries a change does.
    local.edit("book", id, vcard("a", { FN: "Ada", NOTE: "edited again" }));
    await until("a run of the watch", async () => (await last(store)).trigger === "watch");
    expect(await last(store)).toMatchObject({ trigger: "watch", outcome: "ok", counts: { remote: { updated: 1 } } });
  });

  it("keeps at most the configured number of runs per pair and bounds the errors of each", async () => {
    const { local, remote, store, engine } = await setup(kind, { runsKept: 3 });
    remote.options = { ...remote.options, failWrite: () => true };
    for (let i = 0; i < RUN_DETAIL_LIMIT + 5; i++) local.put("book", vcard(`u${i}`, { FN: `N${i}` }));
    for (let i = 0; i < 5; i++) await engine.runOnce({ ...(i === 4 ? { dryRun: true } : {}) });
    const runs = await store.listRuns("p");
    expect(runs).toHaveLength(3);
    expect(runs[0]!.dryRun).toBe(true);
    expect(runs[1]!.errors).toHaveLength(RUN_DETAIL_LIMIT);
    expect(runs[1]!.errorCount).toBe(RUN_DETAIL_LIMIT + 5);
    expect(await store.listRuns("p", 2)).toEqual(runs.slice(0, 2));
    expect(await store.listRuns("nope")).toEqual([]);
  });

  it("resetPair forgets items, journal and cursors but keeps the link and the runs; the next run pairs by UID, creating nothing", async () => {
    const { local, remote, store, engine } = await setup(kind);
    for (let i = 0; i < 4; i++) local.put("book", vcard(`l${i}`, { FN: `L${i}` }));
    remote.put("contacts", vcard("r", { FN: "R" }));
    await engine.runOnce();
    await store.write([{ op: "journal-begin", entry: { pairId: "p", uid: "l0", slot: "remote", op: "update", itemId: "x", startedAt: "t" } }]);
    expect(await engine.resetPair("p")).toEqual({ items: 5, journal: 1 });
    expect(await store.listItems("p")).toEqual([]);
    expect(await store.listJournal("p")).toEqual([]);
    expect(await store.getPair("p")).toMatchObject({ cursors: { local: null, remote: null }, pending: { local: [], remote: [] } });
    expect(await store.listRuns("p")).toHaveLength(1);
    const again = await engine.runOnce();
    const p = again.pairs[0]!;
    expect(p.paired).toHaveLength(5);
    expect(p.local.created.length + p.remote.created.length).toBe(0);
    expect(local.items("book")).toHaveLength(5);
    expect(remote.items("contacts")).toHaveLength(5);
    expect(await store.listItems("p")).toHaveLength(5);
  });

  it("unlink and resetPair take the pair's lease: refused with pair-busy while another process holds it; unlink deletes the runs", async () => {
    const { local, store, engine } = await setup(kind, { engine: { lease: { waitMs: 0 } } });
    local.put("book", vcard("a", { FN: "Ada" }));
    await engine.runOnce();
    const held = await store.acquireLease({ pairId: "p", owner: "another-host/1", ttlMs: 60_000 });
    await expect(engine.unlink("p")).rejects.toMatchObject({ name: "EngineError", code: "pair-busy", pairId: "p" });
    await expect(engine.resetPair("p")).rejects.toMatchObject({ code: "pair-busy" });
    expect(await store.listItems("p")).toHaveLength(1);
    if (held.acquired) await store.releaseLease(held.lease);
    await engine.unlink("p");
    expect(await store.getPair("p")).toBeNull();
    expect(await store.listRuns("p")).toEqual([]);
    await expect(engine.resetPair("p")).rejects.toMatchObject({ code: "unknown-pair" });
    await expect(store.recordRun({ ...(await lastOf(kind)), pairId: "p" })).rejects.toMatchObject({ name: "StateError", code: "unknown-pair" });
  });
});

/** A run record to write by hand. */
async function lastOf(kind: keyof typeof kinds): Promise<RunRecord> {
  const { local, store, engine } = await setup(kind);
  local.put("book", vcard("z", { FN: "Z" }));
  await engine.runOnce();
  return last(store);
}

describe("run records", () => {
  it("a failure to record a run is logged and does not fail the cycle", async () => {
    class Full extends MemoryStateStore {
      override async recordRun(): Promise<void> {
        throw new Error("disk full");
      }
    }
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (message, fields) => warnings.push(`${message} ${JSON.stringify(fields)}`), error() {} };
    const { local, remote, engine } = await setup("memory", { store: new Full(), engine: { logger } });
    local.put("book", vcard("a", { FN: "Ada" }));
    const report = await engine.runOnce();
    expect(report.ok).toBe(true);
    expect(remote.items("contacts")).toHaveLength(1);
    expect(warnings).toEqual([expect.stringContaining("run not recorded")]);
    expect(warnings[0]).toContain("disk full");
  });

  it("SQLite: migration 7 adds the runs to a database of schema 6, keeping its pairs; runs outlive a reopen", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ewsdav-runs-")), "state.db");
    const raw = new Database(path);
    for (const step of SQLITE_MIGRATIONS.slice(0, 6)) raw.exec(step);
    raw.pragma("user_version = 6");
    raw.prepare("INSERT INTO pairs (id, kind, local_side, local_collection, remote_side, remote_collection) VALUES ('p', 'contacts', 'local', 'book', 'remote', 'contacts')").run();
    raw.close();
    const local = new MemorySide({ name: "local" });
    const remote = new MemorySide({ name: "remote" });
    local.addCollection("book", "contacts");
    remote.addCollection("contacts", "contacts");
    const store = new SqliteStateStore(path);
    stores.push(store);
    const engine = new SyncEngine({ store, sides: [local, remote] });
    expect(store.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
    local.put("book", vcard("a", { FN: "Ada" }));
    await engine.runOnce();
    await store.close();
    const reopened = new SqliteStateStore(path);
    stores.push(reopened);
    expect((await reopened.listRuns("p")).map((r) => r.counts.remote.created)).toEqual([1]);
  });
});
