/**
 * Pair leases in SQLite: rows of migration 4, shared by every connection to the file, kept across a
 * migration. The lease contract every store keeps (acquire, renew, expiry and takeover, release,
 * fencing tokens, fenced writes) is in contract.test-support.ts, run by contract.test.ts.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteStateStore, SQLITE_MIGRATIONS } from "@ewsdav/core/sqlite";
import type { PairRecord, StateStore } from "@ewsdav/core";
import { contractPair } from "./contract.test-support.js";

const pair: PairRecord = contractPair;
const T0 = Date.parse("2026-12-05T12:00:00.000Z");

const open: StateStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

describe("SQLite pair leases", () => {
  it("are rows of migration 4, shared by every connection to the file", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ewsdav-lease-")), "state.db");
    let clock = T0;
    const one = new SqliteStateStore({ path, now: () => clock });
    const two = new SqliteStateStore({ path, now: () => clock });
    open.push(one, two);
    expect(one.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
    expect(SQLITE_MIGRATIONS[3]).toContain("CREATE TABLE leases");
    await one.write([{ op: "put-pair", pair }]);
    const a = await one.acquireLease({ pairId: "p", owner: "proc-1", ttlMs: 5_000 });
    expect(a.acquired).toBe(true);
    const seen = await two.acquireLease({ pairId: "p", owner: "proc-2", ttlMs: 5_000 });
    expect(seen).toMatchObject({ acquired: false, holder: { owner: "proc-1", token: 1 } });
    clock += 5_000;
    const b = await two.acquireLease({ pairId: "p", owner: "proc-2", ttlMs: 5_000 });
    expect(b).toMatchObject({ acquired: true, lease: { owner: "proc-2", token: 2 } });
    if (!a.acquired) return;
    await expect(one.write([{ op: "clear-items", pairId: "p" }], { lease: a.lease })).rejects.toMatchObject({ code: "lease-lost" });
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare("SELECT pair_id, owner, token FROM leases").all()).toEqual([{ pair_id: "p", owner: "proc-2", token: 2 }]);
    raw.close();
  });

  it("migrates a database of schema 3 without losing its pairs", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ewsdav-lease-")), "state.db");
    const raw = new Database(path);
    for (const step of SQLITE_MIGRATIONS.slice(0, 3)) raw.exec(step);
    raw.pragma("user_version = 3");
    raw.prepare("INSERT INTO pairs (id, kind, local_side, local_collection, remote_side, remote_collection) VALUES ('old', 'events', 'a', 'b', 'c', 'd')").run();
    raw.close();
    const s = new SqliteStateStore(path);
    open.push(s);
    expect(s.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
    expect((await s.getPair("old"))?.kind).toBe("events");
    expect((await s.acquireLease({ pairId: "old", owner: "me", ttlMs: 1_000 })).acquired).toBe(true);
  });
});
