/**
 * The pair-lease contract of {@link StateStore}, run against every store: acquire, renew, expiry
 * and takeover, release, fencing tokens, and fenced writes refused once the lease is lost. Time is
 * the store's clock, moved by hand (no test waits for a TTL).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteStateStore, SQLITE_MIGRATIONS } from "@ewsdav/core/sqlite";
import { MemoryStateStore, StateError, type PairLease, type PairRecord, type StateStore } from "@ewsdav/core";

const pair: PairRecord = {
  id: "p",
  kind: "contacts",
  local: { side: "vdir", collection: "book" },
  remote: { side: "ews", collection: "AAMk=" },
  cursors: { local: null, remote: null },
  pending: { local: [], remote: [] },
};
const slot = (id: string) => ({ id, version: "v", hash: "h", text: "BEGIN:VCARD\r\nEND:VCARD\r\n" });
const T0 = Date.parse("2026-12-05T12:00:00.000Z");

const open: StateStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

type Factory = (now: () => number) => StateStore;
const factories: Array<[string, Factory]> = [
  ["memory", (now) => new MemoryStateStore({ now })],
  ["sqlite", (now) => new SqliteStateStore({ path: join(mkdtempSync(join(tmpdir(), "ewsdav-lease-")), "state.db"), now })],
];

describe.each(factories)("pair leases (%s store)", (_name, factory) => {
  let clock = T0;
  const make = () => {
    clock = T0;
    const s = factory(() => clock);
    open.push(s);
    return s;
  };
  const acquire = async (s: StateStore, owner: string, ttlMs = 10_000): Promise<PairLease> => {
    const answer = await s.acquireLease({ pairId: "p", owner, ttlMs });
    if (!answer.acquired) throw new Error(`expected ${owner} to acquire; ${answer.holder.owner} holds it`);
    return answer.lease;
  };

  it("acquires a free lease with an expiry by the store's clock; a second owner is told who holds it", async () => {
    const s = make();
    const a = await acquire(s, "host-a", 10_000);
    expect(a).toEqual({ pairId: "p", owner: "host-a", token: 1, expiresAt: new Date(T0 + 10_000).toISOString() });
    expect(await s.getLease("p")).toEqual(a);
    expect(await s.acquireLease({ pairId: "p", owner: "host-b", ttlMs: 10_000 })).toEqual({ acquired: false, holder: a });
    // Leases are per pair.
    expect((await s.acquireLease({ pairId: "q", owner: "host-b", ttlMs: 10_000 })).acquired).toBe(true);
  });

  it("renewal extends the expiry and keeps the token; the lease then outlives its first TTL", async () => {
    const s = make();
    const a = await acquire(s, "host-a", 10_000);
    clock += 8_000;
    const renewed = await s.renewLease(a, 10_000);
    expect(renewed).toEqual({ ...a, expiresAt: new Date(T0 + 18_000).toISOString() });
    clock += 8_000; // past the first expiry, within the renewed one
    expect((await s.acquireLease({ pairId: "p", owner: "host-b", ttlMs: 10_000 })).acquired).toBe(false);
  });

  it("an expired lease is taken over with a greater token; the old holder can neither renew nor write", async () => {
    const s = make();
    await s.write([{ op: "put-pair", pair }]);
    const a = await acquire(s, "host-a", 10_000);
    await s.write([{ op: "put-item", pairId: "p", item: { uid: "one", local: slot("l1"), remote: null } }], { lease: a });
    clock += 10_000; // expiresAt is exclusive
    expect(await s.getLease("p")).toBeNull();
    const b = await acquire(s, "host-b", 10_000);
    expect(b.token).toBeGreaterThan(a.token);
    expect(await s.renewLease(a, 10_000)).toBeNull();
    const stale = s.write(
      [
        { op: "put-item", pairId: "p", item: { uid: "two", local: slot("l2"), remote: null } },
        { op: "set-cursors", pairId: "p", cursors: { local: "moved", remote: null }, pending: { local: [], remote: [] } },
      ],
      { lease: a },
    );
    await expect(stale).rejects.toMatchObject({ name: "StateError", code: "lease-lost" });
    await expect(stale).rejects.toThrow(/host-a.*host-b/);
    // Nothing of the refused write is there; the new holder writes.
    expect((await s.listItems("p")).map((i) => i.uid)).toEqual(["one"]);
    expect((await s.getPair("p"))!.cursors.local).toBeNull();
    await s.write([{ op: "put-item", pairId: "p", item: { uid: "two", local: slot("l2"), remote: null } }], { lease: b });
    expect((await s.listItems("p")).map((i) => i.uid)).toEqual(["one", "two"]);
    // The old holder's release does not free the new holder's lease.
    await s.releaseLease(a);
    expect(await s.getLease("p")).toEqual(b);
  });

  it("a late renewal of a lease nobody took over succeeds (expiry says when others may take it, the token who did)", async () => {
    const s = make();
    await s.write([{ op: "put-pair", pair }]);
    const a = await acquire(s, "host-a", 10_000);
    clock += 15_000;
    const renewed = await s.renewLease(a, 10_000);
    expect(renewed).toEqual({ ...a, expiresAt: new Date(T0 + 25_000).toISOString() });
    await s.write([{ op: "put-item", pairId: "p", item: { uid: "one", local: slot("l1"), remote: null } }], { lease: a });
    expect((await s.acquireLease({ pairId: "p", owner: "host-b", ttlMs: 10_000 })).acquired).toBe(false);
  });

  it("release frees the lease at once; tokens keep growing across releases", async () => {
    const s = make();
    await s.write([{ op: "put-pair", pair }]);
    const a = await acquire(s, "host-a");
    await s.releaseLease(a);
    expect(await s.getLease("p")).toBeNull();
    const b = await acquire(s, "host-b");
    expect(b.token).toBe(a.token + 1);
    await expect(s.write([{ op: "clear-items", pairId: "p" }], { lease: a })).rejects.toMatchObject({ code: "lease-lost" });
    await s.releaseLease(b);
    await expect(s.write([{ op: "clear-items", pairId: "p" }], { lease: b })).rejects.toMatchObject({ code: "lease-lost" });
    await expect(s.renewLease(b, 1_000)).resolves.toBeNull();
    // Unlinking the pair does not reset the counter (a stale holder of an old token stays fenced off).
    await s.write([{ op: "delete-pair", pairId: "p" }]);
    await s.write([{ op: "put-pair", pair }]);
    expect((await acquire(s, "host-c")).token).toBe(b.token + 1);
  });

  it("the same owner acquiring again (a restarted host with a fixed id) gets a new token; the old one is fenced off", async () => {
    const s = make();
    await s.write([{ op: "put-pair", pair }]);
    const before = await acquire(s, "host-a");
    const after = await acquire(s, "host-a");
    expect(after.token).toBe(before.token + 1);
    await expect(s.write([{ op: "clear-items", pairId: "p" }], { lease: before })).rejects.toMatchObject({ code: "lease-lost" });
    await s.write([{ op: "clear-items", pairId: "p" }], { lease: after });
  });

  it("writes without a lease are unaffected; a bad request is a typed error naming the pair", async () => {
    const s = make();
    await s.write([{ op: "put-pair", pair }]);
    await acquire(s, "host-a");
    await s.write([{ op: "put-item", pairId: "p", item: { uid: "x", local: slot("l"), remote: null } }]);
    await expect(s.acquireLease({ pairId: "p", owner: "", ttlMs: 1_000 })).rejects.toMatchObject({ code: "invalid-lease" });
    await expect(s.acquireLease({ pairId: "p", owner: "host-b", ttlMs: 0 })).rejects.toThrow(/pair p: lease ttlMs/);
    await expect(s.acquireLease({ pairId: "p", owner: "host-b", ttlMs: Number.NaN })).rejects.toBeInstanceOf(StateError);
  });
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
