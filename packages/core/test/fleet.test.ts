/**
 * The fleet (`@ewsdav/core/fleet`) on a real, throwaway PostgreSQL (test/harness/postgres.ts; a
 * fresh database per test) and the EWS simulator over HTTP with several mailboxes, against vdir
 * folders in temporary directories: secrets encrypted at rest and their key rotation; one job per
 * pair however often it is enqueued, by however many schedulers; three worker processes over
 * several pairs — a pair never runs on two at once, and a worker killed (-9) mid-cycle is taken
 * over by another with no item lost or duplicated on either side; a failing pair parked with its
 * error visible, and released.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { Fleet, FleetError, KeyRing, type FleetAccountConfig } from "../src/fleet.js";
import { startPostgres, type PostgresCluster } from "../../../test/harness/postgres.js";
import { until } from "../../../test/harness/wait.js";
import { vcard } from "../src/fixtures.test-support.js";

const USERS = [1, 2, 3].map((n) => ({ smtpAddress: `user${n}@example.com`, password: `pw-${n}-Secret!` }));
const K1 = `k1:${KeyRing.generateKey()}`;
const K2 = `k2:${KeyRing.generateKey()}`;

let cluster: PostgresCluster;
let sim: EwsSimulator;
let dir: string;
const fleets: Fleet[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ewsdav-fleet-"));
  cluster = await startPostgres();
  sim = await startEwsSimulator({ users: USERS, record: false });
});
afterAll(async () => {
  for (const f of fleets) await f.stop({ graceMs: 1_000 }).catch(() => undefined);
  await sim?.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function open(url: string, keys: string, extra: Partial<Parameters<typeof Fleet.open>[0]> = {}): Promise<Fleet> {
  const fleet = await Fleet.open({ connectionString: url, keys: KeyRing.parse(keys), poolSize: 4, maintenanceIntervalSeconds: 1, ...extra });
  fleets.push(fleet);
  return fleet;
}

const ews = (n: number): FleetAccountConfig => ({ type: "ews", url: sim.url, mailbox: USERS[n]!.smtpAddress, auth: { type: "basic", username: USERS[n]!.smtpAddress } });

describe("Fleet", () => {
  it("keeps secrets encrypted at rest under the first key, decrypts under any, and rotates them to a new key in batches", async () => {
    const url = await cluster.createDatabase();
    const fleet = await open(url, K1);
    for (const n of [0, 1, 2]) await fleet.addAccount(`ews${n}`, ews(n), USERS[n]!.password);
    await fleet.addAccount("files", { type: "vdir", path: join(dir, "rot") });
    await expect(fleet.addAccount("ews0", ews(0), "x")).rejects.toMatchObject({ code: "in-use" });
    await expect(fleet.addAccount("bad", { type: "vdir", path: "relative" })).rejects.toBeInstanceOf(FleetError);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const rows = async () => (await db.query<{ id: string; secret: string | null; key_id: string | null }>("SELECT id, secret, key_id FROM ewsdav_fleet.accounts ORDER BY id")).rows;
      const before = await rows();
      const dump = JSON.stringify(before) + JSON.stringify(await fleet.listAccounts());
      for (const u of USERS) expect(dump).not.toContain(u.password);
      expect(before.map((r) => r.key_id)).toEqual(["k1", "k1", "k1", null]);
      // Bound to its row: a ciphertext copied to another account does not decrypt.
      const ring = KeyRing.parse(K1);
      expect(ring.decrypt(before[0]!.secret!, "account ews0")).toBe(USERS[0]!.password);
      expect(() => ring.decrypt(before[0]!.secret!, "account ews1")).toThrow(/does not decrypt/);
      // A new key first, the old one kept: rotation re-encrypts every secret, one batch at a time.
      const rotating = await open(url, `${K2},${K1}`);
      expect(await rotating.rotateKeys({ batchSize: 2 })).toBe(3);
      expect(await rotating.rotateKeys()).toBe(0);
      const after = await rows();
      expect(after.map((r) => r.key_id)).toEqual(["k2", "k2", "k2", null]);
      const onlyNew = KeyRing.parse(K2);
      for (const [i, r] of after.slice(0, 3).entries()) expect(onlyNew.decrypt(r.secret!, `account ${r.id}`)).toBe(USERS[i]!.password);
      // The old key alone no longer opens them, and says which key it lacks without showing any.
      const error = (() => {
        try {
          KeyRing.parse(K1).decrypt(after[0]!.secret!, "account ews0");
        } catch (e) {
          return e as Error;
        }
      })();
      expect(error?.message).toMatch(/key k2/);
      expect(error?.message).not.toContain(K1.slice(3));
      expect(() => KeyRing.parse("k1:c2hvcnQ=")).toThrow(/32 bytes/);
      expect(() => KeyRing.fromEnv({})).toThrow(/EWSDAV_FLEET_KEYS/);
    } finally {
      await db.end();
    }
  });

  it("has one job per pair at a time, however often and by however many schedulers it is enqueued; jobs carry the pair id and their trigger only", async () => {
    const url = await cluster.createDatabase();
    const a = await open(url, K1);
    const b = await open(url, K1);
    await a.addAccount("ews0", ews(0), USERS[0]!.password);
    await a.addAccount("files", { type: "vdir", path: join(dir, "one-job") });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await a.linkPair({ id: `p${i}`, kind: "contacts", remote: { account: "ews0", folder: "Contacts" }, local: { account: "files", collection: `c${i}`, create: true } }));
    // Two schedulers at once claim each due pair once.
    const [x, y] = await Promise.all([a.enqueueDue(), b.enqueueDue()]);
    expect([...x, ...y].sort()).toEqual(ids);
    expect(await a.enqueueDue()).toEqual([]);
    // Triggered again while its job waits: no second job.
    expect(await a.triggerSync("p0")).toBeNull();
    await a.releasePair("p1"); // due again at once
    expect(await b.enqueueDue()).toEqual(["p1"]);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const { rows } = await db.query<{ singleton_key: string; n: number; data: unknown }>(
        "SELECT singleton_key, count(*)::int AS n, min(data::text) AS data FROM ewsdav_boss.job WHERE name = 'ewsdav-sync' GROUP BY singleton_key ORDER BY singleton_key",
      );
      expect(rows.map((r) => [r.singleton_key, r.n])).toEqual(ids.map((id) => [id, 1]));
      for (const r of rows) expect(JSON.parse(r.data as string)).toEqual({ pairId: r.singleton_key, trigger: "schedule" });
      // The claim and the jobs are one transaction: a send that fails leaves the pair due.
      await a.linkPair({ id: "p9", kind: "contacts", remote: { account: "ews0", folder: "Contacts" }, local: { account: "files", collection: "c9", create: true } });
      await db.query("CREATE FUNCTION public.no_jobs() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no jobs today'; END $$");
      await db.query("CREATE TRIGGER no_jobs BEFORE INSERT ON ewsdav_boss.job FOR EACH ROW EXECUTE FUNCTION public.no_jobs()");
      await expect(a.enqueueDue()).rejects.toThrow(/no jobs today/);
      expect(Date.parse((await a.status("p9")).schedule.nextDue)).toBeLessThanOrEqual(Date.now());
      await db.query("DROP TRIGGER no_jobs ON ewsdav_boss.job");
      expect(await a.enqueueDue()).toEqual(["p9"]);
    } finally {
      await db.end();
    }
    await expect(a.removeAccount("ews0")).rejects.toMatchObject({ code: "in-use" });
  });

  it("three worker processes over several pairs: never two on one pair; a worker killed mid-cycle is taken over, nothing lost or duplicated", async () => {
    const url = await cluster.createDatabase();
    const root = join(dir, "three");
    const fleet = await open(url, K1, { lease: { ttlMs: 3_000, waitMs: 10_000 }, jobExpireSeconds: 5 });
    const EWS_ITEMS = 90;
    const VDIR_ITEMS = 30;
    const pairs: string[] = [];
    for (const n of [0, 1, 2]) {
      const box = sim.mailbox(USERS[n]!.smtpAddress);
      for (let i = 0; i < EWS_ITEMS; i++) box.createItem("contacts", `<Contact><DisplayName>Person ${n}-${i}</DisplayName><GivenName>Person</GivenName><Surname>N${n}x${i}</Surname></Contact>`);
      const book = join(root, `u${n}`, "book");
      mkdirSync(book, { recursive: true });
      for (let i = 0; i < VDIR_ITEMS; i++) writeFileSync(join(book, `v${i}.vcf`), vcard(`vdir-${n}-${i}`, { FN: `Card ${n}-${i}`, N: `C${n}x${i};Card;;;` }));
      await fleet.addAccount(`ews${n}`, ews(n), USERS[n]!.password);
      await fleet.addAccount(`files${n}`, { type: "vdir", path: join(root, `u${n}`) });
      pairs.push(await fleet.linkPair({ id: `pair${n}`, kind: "contacts", remote: { account: `ews${n}`, folder: "Contacts" }, local: { account: `files${n}`, collection: "book" } }, { intervalMs: 600_000 }));
    }
    const events: Array<Record<string, unknown>> = [];
    const workers = new Map<string, ChildProcess>();
    const script = fileURLToPath(new URL("./fleet-worker.test-support.ts", import.meta.url));
    for (const id of ["w1", "w2", "w3"]) {
      const child = spawn(process.execPath, ["--import", "tsx", script], {
        cwd: fileURLToPath(new URL("../../..", import.meta.url)),
        env: {
          ...process.env,
          DATABASE_URL: url,
          EWSDAV_FLEET_KEYS: K1,
          WORKER_ID: id,
          LEASE_TTL_MS: "3000",
          LEASE_WAIT_MS: "10000",
          JOB_EXPIRE_SECONDS: "5",
          STALL_PAIR: "pair0",
          STALL_AFTER: "40",
          STALL_MARK: join(root, "stalled"),
        },
        // stdin a pipe: the worker exits when it closes (this test process gone), never left polling.
        stdio: ["pipe", "pipe", "inherit"],
      });
      workers.set(id, child);
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (line.startsWith("{")) events.push(JSON.parse(line) as Record<string, unknown>);
      });
    }
    try {
      await until("three workers ready", () => events.filter((e) => e.ev === "ready").length === 3, 150_000);
      const scheduler = fleet.startScheduler({ tickMs: 200 });
      await until("a worker stalled mid-cycle on pair0", () => events.some((e) => e.ev === "stall"), 150_000);
      const stalled = events.find((e) => e.ev === "stall")!.worker as string;
      workers.get(stalled)!.kill("SIGKILL");
      const killedAt = Date.now();
      const counts = (n: number) => {
        const files = readdirSync(join(root, `u${n}`, "book")).filter((f) => f.endsWith(".vcf"));
        const uids = files.map((f) => /^UID:(.*)$/m.exec(readFileSync(join(root, `u${n}`, "book", f), "utf8"))?.[1]?.trim());
        return { files: files.length, uids: new Set(uids).size, ews: sim.mailbox(USERS[n]!.smtpAddress).items("contacts").length };
      };
      const total = EWS_ITEMS + VDIR_ITEMS;
      await until(
        "every pair synced by a live worker",
        async () => {
          for (const [n, id] of pairs.entries()) {
            const s = await fleet.status(id);
            if (s.schedule.lastOutcome !== "ok" || s.schedule.lastWorker === stalled) return false;
            const c = counts(n);
            if (c.files !== total || c.ews !== total) return false;
          }
          return true;
        },
        90_000,
        200,
      );
      await scheduler.stop();
      // The killed pair was finished by another worker, after the kill.
      const taken = events.filter((e) => e.ev === "job" && e.pair === "pair0" && e.outcome === "ok");
      expect(taken.length).toBeGreaterThan(0);
      expect(taken.every((e) => e.worker !== stalled)).toBe(true);
      // The cycle that took the dead worker's expired lease over says from whom.
      expect(events.some((e) => e.ev === "job" && e.pair === "pair0" && e.tookOverFrom === stalled), JSON.stringify(events.filter((e) => e.pair === "pair0"))).toBe(true);
      expect(events.filter((e) => e.ev === "job" && e.pair !== "pair0").every((e) => e.tookOverFrom === undefined)).toBe(true);
      // No loss, no duplicate: both sides hold each item once.
      for (const n of [0, 1, 2]) expect(counts(n)).toEqual({ files: total, uids: total, ews: total });
      // A second round moves nothing: the state agrees with both sides.
      for (const id of pairs) await fleet.releasePair(id);
      const before = events.length;
      const second = fleet.startScheduler({ tickMs: 200 });
      await until("a second cycle of every pair", () => pairs.every((p) => events.slice(before).some((e) => e.ev === "job" && e.pair === p && e.outcome === "ok")), 60_000, 100);
      await second.stop();
      for (const n of [0, 1, 2]) expect(counts(n)).toEqual({ files: total, uids: total, ews: total });
      for (const id of pairs) {
        const runs = (await fleet.status(id, { runs: 50 })).runs;
        const last = runs[0]!;
        expect(last.outcome, JSON.stringify(last.stop)).toBe("ok");
        expect(last.counts.local.created + last.counts.remote.created + last.counts.local.deleted + last.counts.remote.deleted, `${id}: ${JSON.stringify(runs.map((r) => [r.startedAt, r.finishedAt, r.outcome, r.stop?.code, r.counts]))} ${JSON.stringify(events.filter((e) => e.pair === id))} before=${before}`).toBe(0);
      }
      // Never two workers on one pair: the spans in which a cycle wrote (under the lease) never overlap.
      const spans = events.filter((e) => e.ev === "busy") as Array<{ worker: string; pair: string; first: number; last: number }>;
      for (const id of pairs) {
        const mine = spans.filter((s) => s.pair === id).sort((p, q) => p.first - q.first);
        for (let i = 1; i < mine.length; i++) expect(mine[i]!.first, `${id}: ${mine[i - 1]!.worker} and ${mine[i]!.worker}`).toBeGreaterThan(mine[i - 1]!.last);
      }
      expect(spans.filter((s) => s.pair === "pair0" && s.worker !== stalled && s.first > killedAt).length).toBeGreaterThan(0);
      // Graceful stop of the live workers.
      const live = [...workers].filter(([id]) => id !== stalled);
      for (const [, child] of live) child.kill("SIGTERM");
      await until("live workers stopped", () => live.every(([id]) => events.some((e) => e.ev === "stopped" && e.worker === id)), 30_000, 50);
    } finally {
      for (const child of workers.values()) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  }, 420_000);

  it("a worker stopping gracefully aborts the cycle still running after its grace, releases the lease, and the pair is due again at once", async () => {
    const url = await cluster.createDatabase();
    const fleet = await open(url, K1, { lease: { ttlMs: 3_000, waitMs: 5_000 } });
    const box = sim.mailbox(USERS[2]!.smtpAddress);
    for (let i = box.items("contacts").length; i < 150; i++) box.createItem("contacts", `<Contact><DisplayName>Graceful ${i}</DisplayName><Surname>G${i}</Surname></Contact>`);
    const total = box.items("contacts").length;
    await fleet.addAccount("ews2", ews(2), USERS[2]!.password);
    await fleet.addAccount("files", { type: "vdir", path: join(dir, "graceful") });
    const id = await fleet.linkPair({ id: "g", kind: "contacts", remote: { account: "ews2", folder: "Contacts" }, local: { account: "files", collection: "book", create: true } });
    const outcomes: string[] = [];
    let stopping: Promise<void> | undefined;
    const worker = await fleet.startWorker({
      pollingIntervalSeconds: 0.5,
      onJob: (_, o) => outcomes.push(o),
      observe: (_, events) => {
        // At the cycle's first progress (it holds the lease and has started reading), the worker is told to stop, with no grace.
        events.on("progress", () => {
          stopping ??= worker.stop({ graceMs: 0 });
        });
      },
    });
    expect(await fleet.triggerSync(id)).toBeTruthy();
    await until("the worker stopped", () => stopping !== undefined, 30_000, 20);
    await stopping;
    expect(outcomes).toEqual(["aborted"]);
    const stopped = await fleet.status(id);
    expect(stopped.lease).toBeNull();
    expect(stopped.schedule).toMatchObject({ lastOutcome: "aborted", failures: 0 });
    expect(Date.parse(stopped.schedule.nextDue)).toBeLessThanOrEqual(Date.now());
    expect(stopped.runs[0]!.outcome).toBe("stopped");
    // Another worker takes the pair at once and completes it: every item once on each side.
    const next = await fleet.startWorker({ pollingIntervalSeconds: 0.5, onJob: (_, o) => outcomes.push(o) });
    expect(await fleet.enqueueDue()).toEqual([id]);
    await until("the pair completed", () => outcomes.includes("ok"), 30_000, 20);
    await next.stop();
    const files = readdirSync(join(dir, "graceful", "book")).filter((f) => f.endsWith(".vcf"));
    expect(files.length).toBe(total);
    expect(box.items("contacts").length).toBe(total);
  }, 60_000);

  it("parks a pair that keeps failing, with its error visible (no secret in it), and releases it", async () => {
    const url = await cluster.createDatabase();
    const fleet = await open(url, K1, { retry: { baseMs: 50, maxMs: 200, parkAfter: 3 }, lease: { ttlMs: 3_000, waitMs: 1_000 } });
    const wrong = "not-the-Password-42";
    await fleet.addAccount("ews0", ews(0), wrong);
    await fleet.addAccount("files", { type: "vdir", path: join(dir, "parked") });
    const id = await fleet.linkPair({ id: "p", kind: "contacts", remote: { account: "ews0", folder: "Contacts" }, local: { account: "files", collection: "book", create: true } });
    const outcomes: string[] = [];
    const worker = await fleet.startWorker({ pollingIntervalSeconds: 0.5, onJob: (_, o) => outcomes.push(o) });
    const scheduler = fleet.startScheduler({ tickMs: 100 });
    await until("the pair parked", async () => (await fleet.status(id)).schedule.parkedAt !== null, 30_000, 50);
    const parked = await fleet.status(id);
    // The schedule is written before the job's outcome is told: wait for the third.
    await until("the third outcome", () => outcomes.length >= 3, 30_000, 50);
    expect(outcomes).toEqual(["failed", "failed", "parked"]);
    expect(parked.schedule.failures).toBe(3);
    expect(parked.schedule.lastError).toBeTruthy();
    expect(parked.schedule.lastError).not.toContain(wrong);
    await expect(fleet.triggerSync(id)).rejects.toMatchObject({ code: "parked" });
    // Parked: not scheduled any more.
    expect(await fleet.enqueueDue()).toEqual([]);
    // The password is fixed and the pair released: it syncs.
    await fleet.setSecret("ews0", USERS[0]!.password);
    await fleet.releasePair(id);
    await until("the released pair synced", async () => (await fleet.status(id)).schedule.lastOutcome === "ok", 30_000, 50);
    const status = await fleet.status(id);
    expect(status.schedule).toMatchObject({ parkedAt: null, failures: 0, lastError: null });
    expect(status.runs[0]!.outcome).toBe("ok");
    await scheduler.stop();
    await worker.stop();
    // Unlinked: its schedule and its state are gone, no file is touched, and its accounts can go.
    const files = readdirSync(join(dir, "parked", "book")).length;
    await fleet.unlinkPair(id);
    await expect(fleet.status(id)).rejects.toMatchObject({ code: "unknown-pair" });
    expect(await fleet.store.getPair(id)).toBeNull();
    expect(await fleet.store.listRuns(id)).toEqual([]);
    expect(readdirSync(join(dir, "parked", "book")).length).toBe(files);
    await fleet.removeAccount("ews0");
    expect((await fleet.listAccounts()).map((a) => a.id)).toEqual(["files"]);
    await expect(fleet.unlinkPair(id)).rejects.toMatchObject({ code: "unknown-pair" });
  }, 60_000);
});
