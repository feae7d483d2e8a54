import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteStateStore, SQLITE_MIGRATIONS } from "@ewsdav/core/sqlite";
import { MemorySide, StateError, SyncEngine, type PairRecord } from "@ewsdav/core";
import { vcard } from "../fixtures.test-support.js";
import { contractPair } from "./contract.test-support.js";

const open: SqliteStateStore[] = [];
const tempFile = () => join(mkdtempSync(join(tmpdir(), "ewsdav-sqlite-")), "state.db");
const store = (path: string) => {
  const s = new SqliteStateStore(path);
  open.push(s);
  return s;
};
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

const pair: PairRecord = contractPair;
const slot = (id: string) => ({ id, version: "v", hash: "h", text: "BEGIN:VCARD\r\nEND:VCARD\r\n" });

describe("SqliteStateStore", () => {
  it("creates the database file with mode 0600, in WAL mode, at the latest schema", async () => {
    const path = tempFile();
    const s = store(path);
    await s.write([{ op: "put-pair", pair }]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    expect(s.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
  });

  it("migrates an older database and keeps its data; refuses a newer one", async () => {
    const path = tempFile();
    const raw = new Database(path);
    raw.exec(SQLITE_MIGRATIONS[0]!);
    raw.pragma("user_version = 1");
    raw.prepare("INSERT INTO pairs (id, kind, local_side, local_collection, remote_side, remote_collection) VALUES ('old', 'events', 'a', 'b', 'c', 'd')").run();
    raw.close();
    const s = store(path);
    expect(s.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
    expect((await s.getPair("old"))?.kind).toBe("events");
    await s.write([{ op: "journal-begin", entry: { pairId: "old", uid: "u", slot: "local", op: "create", itemId: null, startedAt: "t" } }]);
    expect(await s.listJournal("old")).toHaveLength(1);
    await s.close();
    const future = new Database(path);
    future.pragma(`user_version = ${SQLITE_MIGRATIONS.length + 1}`);
    future.close();
    expect(() => new SqliteStateStore(path)).toThrow(StateError);
  });

  it("migration 5 keeps a journal entry of schema 4 (no detail) and stores what a write writes from then on", async () => {
    const path = tempFile();
    const raw = new Database(path);
    for (const step of SQLITE_MIGRATIONS.slice(0, 4)) raw.exec(step);
    raw.pragma("user_version = 4");
    raw.prepare("INSERT INTO pairs (id, kind, local_side, local_collection, remote_side, remote_collection) VALUES ('p', 'contacts', 'a', 'b', 'c', 'd')").run();
    raw.prepare("INSERT INTO journal (pair_id, uid, slot, op, item_id, started_at) VALUES ('p', 'old', 'remote', 'update', 'id-1', 't0')").run();
    raw.close();
    const s = store(path);
    expect(s.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
    expect(SQLITE_MIGRATIONS[4]).toContain("ALTER TABLE journal ADD COLUMN detail");
    expect(await s.listJournal("p")).toEqual([{ pairId: "p", uid: "old", slot: "remote", op: "update", itemId: "id-1", startedAt: "t0" }]);
    const detail = {
      written: { text: "BEGIN:VCARD\r\nFN:\u00e9\r\nEND:VCARD\r\n", hash: "h" },
      expectedVersion: null,
      writesOther: false,
      other: { id: "f.vcf", version: "v1", hash: "h0", text: "BEGIN:VCARD\r\nEND:VCARD\r\n" },
    };
    await s.write([{ op: "journal-begin", entry: { pairId: "p", uid: "new", slot: "remote", op: "create", itemId: null, startedAt: "t1", detail } }]);
    await s.close();
    const again = store(path);
    expect((await again.listJournal("p")).find((e) => e.uid === "new")).toEqual({ pairId: "p", uid: "new", slot: "remote", op: "create", itemId: null, startedAt: "t1", detail });
  });

  it("migration 6 keeps items of schema 5 (no seenAt) and stores when the state first saw a revision from then on", async () => {
    const path = tempFile();
    const raw = new Database(path);
    for (const step of SQLITE_MIGRATIONS.slice(0, 5)) raw.exec(step);
    raw.pragma("user_version = 5");
    raw.prepare("INSERT INTO pairs (id, kind, local_side, local_collection, remote_side, remote_collection) VALUES ('p', 'contacts', 'a', 'b', 'c', 'd')").run();
    raw.prepare("INSERT INTO items (pair_id, uid, local_id, local_version, local_hash, local_text) VALUES ('p', 'old', 'l1', 'v', 'h', 'T')").run();
    raw.close();
    const s = store(path);
    expect(s.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
    expect(await s.listItems("p")).toEqual([{ uid: "old", local: { id: "l1", version: "v", hash: "h", text: "T" }, remote: null }]);
    const seen = { ...slot("r1"), seenAt: "2026-12-05T10:00:00.000Z" };
    await s.write([{ op: "put-item", pairId: "p", item: { uid: "new", local: slot("l2"), remote: seen } }]);
    await s.close();
    expect((await store(path).listItems("p")).find((i) => i.uid === "new")).toEqual({ uid: "new", local: slot("l2"), remote: seen });
  });

  it("migration 8 indexes the unconfirmed items of a schema-7 database; ids and versions list without texts", async () => {
    const path = tempFile();
    const raw = new Database(path);
    for (const step of SQLITE_MIGRATIONS.slice(0, 7)) raw.exec(step);
    raw.pragma("user_version = 7");
    raw.prepare("INSERT INTO pairs (id, kind, local_side, local_collection, remote_side, remote_collection) VALUES ('p', 'contacts', 'a', 'b', 'c', 'd')").run();
    raw.prepare("INSERT INTO items (pair_id, uid, local_id, local_version, local_hash, local_text, remote_unconfirmed) VALUES ('p', 'old', 'l1', 'v1', 'h', 'T', 0)").run();
    raw.prepare("INSERT INTO items (pair_id, uid, remote_id, remote_version, remote_hash, remote_text, remote_unconfirmed) VALUES ('p', 'new', 'r1', 'v2', 'h', 'T', 1)").run();
    raw.close();
    const s = store(path);
    expect(s.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
    expect(await s.hasUnconfirmed("p", "remote")).toBe(true);
    expect(await s.hasUnconfirmed("p", "local")).toBe(false);
    expect(await s.listVersions("p", "local")).toEqual(new Map([["l1", "v1"]]));
    expect(await s.listVersions("p", "remote")).toEqual(new Map([["r1", "v2"]]));
    expect(await s.listVersions("other", "remote")).toEqual(new Map());
    await s.write([{ op: "confirm-slot", pairId: "p", slot: "remote" }]);
    expect(await s.hasUnconfirmed("p", "remote")).toBe(false);
    expect((await s.listItems("p")).find((i) => i.uid === "new")!.remote).toEqual({ id: "r1", version: "v2", hash: "h", text: "T" });
    await s.close();
    // The question a quiet cycle asks is answered from the partial indexes, not by reading item rows.
    const check = new Database(path, { readonly: true });
    for (const slot of ["local", "remote"]) {
      const plan = check.prepare(`EXPLAIN QUERY PLAN SELECT 1 FROM items WHERE pair_id = ? AND ${slot}_unconfirmed = 1 LIMIT 1`).all("p") as Array<{ detail: string }>;
      expect(plan.map((row) => row.detail).join(" ")).toContain(`items_${slot}_unconfirmed`);
    }
    check.close();
  });

  it("migration 9 reads records and journal details of schema 8 (texts in full) as they are, and stores a copy's text once from then on", async () => {
    const path = tempFile();
    const raw = new Database(path);
    for (const step of SQLITE_MIGRATIONS.slice(0, 8)) raw.exec(step);
    raw.pragma("user_version = 8");
    raw.prepare("INSERT INTO pairs (id, kind, local_side, local_collection, remote_side, remote_collection) VALUES ('p', 'contacts', 'a', 'b', 'c', 'd')").run();
    raw.prepare("INSERT INTO items (pair_id, uid, local_id, local_version, local_hash, local_text, remote_id, remote_version, remote_hash, remote_text) VALUES ('p', 'old', 'l1', 'v1', 'h', 'T', 'r1', 'v2', 'h', 'T')").run();
    const tag = { op: "tag" as const, itemId: "r2", written: { text: "U", hash: "h" }, expectedVersion: "v", changed: [] };
    const detail = { written: { text: "U", hash: "h" }, expectedVersion: null, writesOther: true, otherWrite: tag, other: null };
    raw.prepare("INSERT INTO journal (pair_id, uid, slot, op, item_id, started_at, detail) VALUES ('p', 'old', 'local', 'create', NULL, 't0', ?)").run(JSON.stringify(detail));
    raw.close();
    const s = store(path);
    expect(s.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
    expect(await s.listItems("p")).toEqual([{ uid: "old", local: { id: "l1", version: "v1", hash: "h", text: "T" }, remote: { id: "r1", version: "v2", hash: "h", text: "T" } }]);
    expect(await s.listJournal("p")).toEqual([{ pairId: "p", uid: "old", slot: "local", op: "create", itemId: null, startedAt: "t0", detail }]);
    await s.write([
      { op: "put-item", pairId: "p", item: { uid: "new", local: { id: "l2", version: "v", hash: "h", text: "T2" }, remote: { id: "r2", version: "v", hash: "h", text: "T2" } } },
      { op: "journal-begin", entry: { pairId: "p", uid: "new", slot: "local", op: "create", itemId: null, startedAt: "t1", detail } },
    ]);
    await s.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT remote_hash, remote_text FROM items WHERE uid = 'new'").get()).toEqual({ remote_hash: null, remote_text: null });
    expect((check.prepare("SELECT detail FROM journal WHERE uid = 'new'").pluck().get() as string).split('"U"')).toHaveLength(2);
    check.close();
    const again = store(path);
    expect((await again.listItems("p")).find((i) => i.uid === "new")!.remote).toEqual({ id: "r2", version: "v", hash: "h", text: "T2" });
    expect((await again.listJournal("p")).find((e) => e.uid === "new")!.detail).toEqual(detail);
    await again.close();
    // The release before refuses the database (schema 9 is newer than its 8), as it refuses any newer one.
    expect(SQLITE_MIGRATIONS.length).toBe(9);
  });

  it("stores a journaled copy's text once and reads the entry back whole", async () => {
    const path = tempFile();
    const s = store(path);
    await s.write([{ op: "put-pair", pair }]);
    const text = "BEGIN:VCARD\r\nUID:u\r\nFN:A\r\nEND:VCARD\r\n";
    const detail = { written: { text, hash: "h" }, expectedVersion: null, writesOther: false, other: { id: "r1", version: "v", hash: "h", text } };
    const entry = { pairId: "p", uid: "u", slot: "local" as const, op: "create" as const, itemId: null, startedAt: "2026-12-05T10:00:00.000Z", detail };
    const edited = { ...entry, uid: "w", detail: { ...detail, other: { ...detail.other, id: "r2", text: text.replace("FN:A", "FN:B") } } };
    await s.write([{ op: "journal-begin", entry }, { op: "journal-begin", entry: edited }]);
    await s.close();
    const raw = new Database(path, { readonly: true });
    const stored = raw.prepare("SELECT detail FROM journal WHERE uid = 'u'").pluck().get() as string;
    raw.close();
    expect(stored.split("FN:A")).toHaveLength(2);
    expect(await store(path).listJournal("p")).toEqual([entry, edited]);
  });

  it("round-trips pairs, cursors, pending ids, items and the journal, and persists across reopen", async () => {
    const path = tempFile();
    const s = store(path);
    await s.write([
      { op: "put-pair", pair },
      { op: "put-item", pairId: "p", item: { uid: "weird uid/ä", local: slot("l1"), remote: null } },
      { op: "set-cursors", pairId: "p", cursors: { local: "c1", remote: "c2" }, pending: { local: ["x"], remote: [] } },
    ]);
    await s.close();
    const again = store(path);
    expect(await again.getPair("p")).toEqual({ ...pair, cursors: { local: "c1", remote: "c2" }, pending: { local: ["x"], remote: [] } });
    expect(await again.listItems("p")).toEqual([{ uid: "weird uid/ä", local: slot("l1"), remote: null }]);
    await again.write([{ op: "delete-pair", pairId: "p" }]);
    expect(await again.listItems("p")).toEqual([]);
  });

  it("carries a sync engine across a restart", async () => {
    const path = tempFile();
    const local = new MemorySide({ name: "local" });
    const remote = new MemorySide({ name: "remote" });
    local.addCollection("c", "contacts");
    remote.addCollection("c", "contacts");
    for (let i = 0; i < 5; i++) local.put("c", vcard(`u${i}`, { FN: `N${i}` }));
    const first = store(path);
    const engine = new SyncEngine({ store: first, sides: [local, remote] });
    await engine.link({ id: "p", kind: "contacts", local: { side: "local", collection: "c" }, remote: { side: "remote", collection: "c" } });
    await engine.runOnce();
    await first.close();
    local.resetCalls();
    remote.resetCalls();
    await new SyncEngine({ store: store(path), sides: [local, remote] }).runOnce();
    expect(local.calls.itemWrites + remote.calls.itemWrites + local.calls.fetch + remote.calls.fetch).toBe(0);
    expect(remote.items("c")).toHaveLength(5);
  });
});
