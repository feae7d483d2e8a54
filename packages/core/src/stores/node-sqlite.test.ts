/**
 * The state store on the runtime's `node:sqlite` (Node 22.13+ / 24; not registered on a runtime without
 * it): the adapter's transactions, error codes and pragmas, the store's contract on it, sharing a
 * file with better-sqlite3, the fallback when better-sqlite3 cannot load, and no experimental
 * warning on stderr. (CI also runs sqlite.test.ts and lease.test.ts with
 * `EWSDAV_SQLITE_DRIVER=node:sqlite` on those runtimes.)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SqliteStateStore, SQLITE_MIGRATIONS } from "@ewsdav/core/sqlite";
import { MemorySide, SyncEngine, type PairRecord } from "@ewsdav/core";
import { VdirSide } from "@ewsdav/core/vdir";
import { vcard } from "../fixtures.test-support.js";
import { loadNodeSqlite, NodeSqliteDatabase, openSqliteDatabase } from "./node-sqlite.js";
import { contractPair } from "./contract.test-support.js";

/**
 * A block for one kind of runtime only, registered there and absent elsewhere (not "skipped": every
 * runtime runs all the tests it has). `.ci/run` runs this file on Node 20, 22 and 24.
 */
const describeWhen = (holds: boolean): ((name: string, body: () => void) => void) => (holds ? describe : () => undefined);
const tempFile = () => join(mkdtempSync(join(tmpdir(), "ewsdav-node-sqlite-")), "state.db");
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  vi.unstubAllEnvs();
});
const store = (path: string, driver: "node:sqlite" | typeof Database = "node:sqlite") => {
  const s = new SqliteStateStore({ path, driver });
  open.push(s);
  return s;
};

const pair: PairRecord = contractPair;
const slot = (id: string) => ({ id, version: "v", hash: "h", text: "BEGIN:VCARD\r\nEND:VCARD\r\n" });

describeWhen(loadNodeSqlite() !== null)("NodeSqliteDatabase (node:sqlite with better-sqlite3's API)", () => {
  const db = () => {
    const d = new NodeSqliteDatabase(":memory:");
    open.push(d);
    return d;
  };

  it("runs statements, reads rows and pragmas as better-sqlite3 does", () => {
    const d = db();
    d.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)");
    expect(d.prepare("INSERT INTO t VALUES (?, ?)").run("a", 1)).toMatchObject({ changes: 1, lastInsertRowid: 1 });
    expect({ ...(d.prepare("SELECT * FROM t WHERE k = ?").get("a") as object) }).toEqual({ k: "a", v: 1 });
    expect(d.prepare("SELECT * FROM t WHERE k = ?").get("b")).toBeUndefined();
    expect(d.prepare("SELECT k FROM t").all().map((row) => ({ ...(row as object) }))).toEqual([{ k: "a" }]);
    d.pragma("user_version = 7");
    expect(d.pragma("user_version", { simple: true })).toBe(7);
    expect(d.pragma("busy_timeout", { simple: true })).toBe(5000);
    expect(d.open).toBe(true);
    d.close();
    expect(d.open).toBe(false);
  });

  it("commits a transaction, rolls it back on a throw, and nests as savepoints", () => {
    const d = db();
    d.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
    const insert = d.prepare("INSERT INTO t VALUES (?)");
    expect(d.transaction((k: string) => (insert.run(k), "done")).immediate("a")).toBe("done");
    expect(() =>
      d.transaction(() => {
        insert.run("b");
        throw new Error("boom");
      })(),
    ).toThrow("boom");
    d.transaction(() => {
      insert.run("c");
      expect(() => d.transaction(() => (insert.run("d"), insert.run("a")))()).toThrow();
      expect(d.inTransaction).toBe(true);
    }).exclusive();
    expect(d.inTransaction).toBe(false);
    expect(d.prepare("SELECT k FROM t ORDER BY k").all().map((row) => (row as { k: string }).k)).toEqual(["a", "c"]);
  });

  it("gives errors better-sqlite3's codes", () => {
    const d = db();
    d.exec("PRAGMA foreign_keys = ON; CREATE TABLE p (id TEXT PRIMARY KEY); CREATE TABLE c (id TEXT UNIQUE, p TEXT REFERENCES p(id))");
    d.prepare("INSERT INTO p VALUES ('x')").run();
    d.prepare("INSERT INTO c VALUES ('1', 'x')").run();
    expect(() => d.prepare("INSERT INTO p VALUES ('x')").run()).toThrow(expect.objectContaining({ code: "SQLITE_CONSTRAINT_PRIMARYKEY" }));
    expect(() => d.prepare("INSERT INTO c VALUES ('1', 'x')").run()).toThrow(expect.objectContaining({ code: "SQLITE_CONSTRAINT_UNIQUE" }));
    expect(() => d.prepare("INSERT INTO c VALUES ('2', 'nope')").run()).toThrow(expect.objectContaining({ code: "SQLITE_CONSTRAINT_FOREIGNKEY" }));
    expect(() => d.prepare("SELECT * FROM nowhere")).toThrow(expect.objectContaining({ code: "SQLITE_ERROR" }));
  });
});

describeWhen(loadNodeSqlite() !== null)("SqliteStateStore on node:sqlite", () => {
  it("creates the file with mode 0600 in WAL mode, round-trips records, and enforces uniqueness with rollback", async () => {
    const path = tempFile();
    const s = store(path);
    await s.write([
      { op: "put-pair", pair },
      { op: "put-item", pairId: "p", item: { uid: "a", local: { ...slot("l1"), unconfirmed: true, seenAt: "2026-01-01T00:00:00.000Z" }, remote: slot("r1") } },
      { op: "set-cursors", pairId: "p", cursors: { local: "c1", remote: null }, pending: { local: ["x"], remote: [] } },
    ]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(s.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
    expect(await s.listItems("p")).toEqual([{ uid: "a", local: { ...slot("l1"), unconfirmed: true, seenAt: "2026-01-01T00:00:00.000Z" }, remote: slot("r1") }]);
    expect(await s.hasUnconfirmed("p", "local")).toBe(true);
    const attempt = s.write([
      { op: "put-item", pairId: "p", item: { uid: "b", local: slot("l2"), remote: null } },
      { op: "put-item", pairId: "p", item: { uid: "c", local: null, remote: slot("r1") } },
    ]);
    await expect(attempt).rejects.toMatchObject({ code: "unique-violation" });
    expect((await s.listItems("p")).map((i) => i.uid)).toEqual(["a"]);
    await expect(s.write([{ op: "put-item", pairId: "nope", item: { uid: "x", local: slot("q"), remote: null } }])).rejects.toMatchObject({ code: "unknown-pair" });
    // The same file, read by better-sqlite3: one format, either driver.
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(raw.prepare("SELECT local_cursor FROM pairs").get()).toEqual({ local_cursor: "c1" });
    raw.close();
  });

  it("shares a file with a better-sqlite3 store: leases fence across the two drivers", async () => {
    const path = tempFile();
    const a = store(path, "node:sqlite");
    const b = store(path, Database);
    await a.write([{ op: "put-pair", pair }]);
    const held = await a.acquireLease({ pairId: "p", owner: "a", ttlMs: 60_000 });
    expect(held.acquired).toBe(true);
    expect((await b.acquireLease({ pairId: "p", owner: "b", ttlMs: 60_000 })).acquired).toBe(false);
    expect(await b.getLease("p")).toMatchObject({ owner: "a" });
    if (!held.acquired) throw new Error("unreachable");
    await a.releaseLease(held.lease);
    expect((await b.acquireLease({ pairId: "p", owner: "b", ttlMs: 60_000 })).acquired).toBe(true);
    await expect(a.write([{ op: "put-item", pairId: "p", item: { uid: "u", local: slot("l"), remote: null } }], { lease: held.lease })).rejects.toMatchObject({ code: "lease-lost" });
  });

  it("runs the quiet exit of a vdir side's full listing (versions only, slot confirmed) and writes nothing", async () => {
    const root = mkdtempSync(join(tmpdir(), "ewsdav-node-sqlite-vdir-"));
    mkdirSync(join(root, "c"));
    const local = new VdirSide({ root, defaultKind: "contacts" });
    const remote = new MemorySide({ name: "remote" });
    remote.addCollection("c", "contacts");
    for (let i = 0; i < 5; i++) remote.put("c", vcard(`u${i}`, { FN: `N${i}` }));
    const engine = new SyncEngine({ store: store(tempFile()), sides: [local, remote] });
    await engine.link({ id: "p", kind: "contacts", local: { side: "vdir", collection: "c" }, remote: { side: "remote", collection: "c" } });
    for (let run = 0; run < 3; run++) {
      const report = await engine.runOnce();
      expect(report.ok).toBe(true);
      if (run > 0) expect(report.pairs[0]!.local.created.length + report.pairs[0]!.remote.created.length + report.pairs[0]!.local.fetched).toBe(0);
    }
    expect(remote.calls.itemWrites).toBe(0);
  });

  it("falls back to node:sqlite when better-sqlite3 cannot load on this runtime", () => {
    vi.stubEnv("EWSDAV_SQLITE_DRIVER", "");
    // A better-sqlite3 built for another Node fails like this in its constructor (ERR_DLOPEN_FAILED).
    const builtForNode20 = class {
      constructor() {
        throw Object.assign(new Error("The module was compiled against a different Node.js version using NODE_MODULE_VERSION 115."), { code: "ERR_DLOPEN_FAILED" });
      }
    } as unknown as typeof Database;
    const d = openSqliteDatabase(":memory:", builtForNode20);
    open.push(d);
    expect(d).toBeInstanceOf(NodeSqliteDatabase);
    // Other errors are not load failures: they pass unchanged.
    const broken = class {
      constructor() {
        throw Object.assign(new Error("unable to open database file"), { code: "SQLITE_CANTOPEN" });
      }
    } as unknown as typeof Database;
    expect(() => openSqliteDatabase(":memory:", broken)).toThrow("unable to open database file");
  });

  it("prints no experimental warning when it loads node:sqlite", () => {
    const module = fileURLToPath(new URL("./node-sqlite.ts", import.meta.url));
    const script = `const m = await import(${JSON.stringify(module)}); const d = new m.NodeSqliteDatabase(":memory:"); d.exec("SELECT 1"); d.close(); console.log("ok");`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", cwd: fileURLToPath(new URL("../../../..", import.meta.url)) });
    expect(child.stdout.trim()).toBe("ok");
    expect(child.stderr).not.toMatch(/ExperimentalWarning|experimental/i);
    expect(child.status).toBe(0);
  });
});

describeWhen(loadNodeSqlite() === null)("on a runtime without node:sqlite", () => {
  it("opens with better-sqlite3 and says what to do when it cannot load", () => {
    vi.stubEnv("EWSDAV_SQLITE_DRIVER", "");
    const d = openSqliteDatabase(":memory:");
    open.push(d);
    expect(d).toBeInstanceOf(Database);
    const builtForAnotherNode = class {
      constructor() {
        throw Object.assign(new Error("compiled against a different Node.js version using NODE_MODULE_VERSION 127"), { code: "ERR_DLOPEN_FAILED" });
      }
    } as unknown as typeof Database;
    expect(() => openSqliteDatabase(":memory:", builtForAnotherNode)).toThrow(/npm rebuild better-sqlite3/);
    expect(() => new NodeSqliteDatabase(":memory:")).toThrow(/node:sqlite is not available/);
  });
});
