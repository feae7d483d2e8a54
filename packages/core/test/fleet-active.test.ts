/**
 * The fleet's active mode on a real, throwaway PostgreSQL and the EWS simulator over HTTP (behind
 * its notifications front: streaming subscriptions), with three worker processes against vdir
 * folders. Pairs have an interval of an hour: after their first (scheduled) cycle, only notices
 * can sync them. A change made through EWS reaches the vdir folder; each subscription has one
 * owner at a time (the lease table sampled over time, and the workers' own lines); kill -9 of an
 * owner hands its subscription over once its lease expired, and changes made between the kill
 * and the claim, and after it, arrive; a graceful stop frees the subscription for another worker
 * without waiting for its expiry. Tests wait for outcomes; they never assert times.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { startEwsSimulator, startSubscriptionFront, type EwsSimulator, type SubscriptionFront } from "@ewsdav/ews-simulator";
import { Fleet, KeyRing, type FleetAccountConfig } from "../src/fleet.js";
import { startPostgres, type PostgresCluster } from "../../../test/harness/postgres.js";
import { until } from "../../../test/harness/wait.js";

const USERS = [1, 2, 3].map((n) => ({ smtpAddress: `active${n}@example.com`, password: `pw-active-${n}!` }));
const K1 = `k1:${KeyRing.generateKey()}`;
const HOUR = 3_600_000;

let cluster: PostgresCluster;
let sim: EwsSimulator;
let front: SubscriptionFront;
let dir: string;
const fleets: Fleet[] = [];
const clients: EwsClient[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ewsdav-fleet-active-"));
  cluster = await startPostgres();
  sim = await startEwsSimulator({ users: USERS, record: false });
  front = await startSubscriptionFront({ simulator: sim, users: USERS, heartbeatIntervalMs: 500 });
});
afterAll(async () => {
  for (const f of fleets) await f.stop({ graceMs: 1_000 }).catch(() => undefined);
  for (const c of clients) await c.close?.();
  await front?.stop();
  await sim?.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ews = (n: number): FleetAccountConfig => ({ type: "ews", url: front.url, mailbox: USERS[n]!.smtpAddress, auth: { type: "basic", username: USERS[n]!.smtpAddress } });

/** Creates a contact in mailbox `n` through EWS, as another client (Outlook) would. */
async function createContact(n: number, givenName: string, surname: string): Promise<void> {
  const client = new EwsClient({ url: sim.url, auth: basicAuth({ username: USERS[n]!.smtpAddress, password: USERS[n]!.password }), mailbox: USERS[n]!.smtpAddress });
  clients.push(client);
  const [result] = await client.createItem([{ type: "Contact", item: { givenName, surname, displayName: `${givenName} ${surname}` } }]);
  if (result instanceof Error) throw result;
}

type Event = Record<string, unknown> & { ev: string; worker: string };

/** Worker processes (fleet-worker.test-support.ts) and the lines they print. */
function workers(url: string, env: Record<string, string>) {
  const events: Event[] = [];
  const children = new Map<string, ChildProcess>();
  const script = fileURLToPath(new URL("./fleet-worker.test-support.ts", import.meta.url));
  const start = (id: string) => {
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: fileURLToPath(new URL("../../..", import.meta.url)),
      env: { ...process.env, DATABASE_URL: url, EWSDAV_FLEET_KEYS: K1, WORKER_ID: id, LEASE_TTL_MS: "3000", LEASE_WAIT_MS: "10000", JOB_EXPIRE_SECONDS: "5", ...env },
      // stdin a pipe: the worker exits when it closes (this test process gone), never left polling.
      stdio: ["pipe", "pipe", "inherit"],
    });
    children.set(id, child);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith("{")) events.push(JSON.parse(line) as Event);
    });
    return child;
  };
  const killAll = () => {
    for (const child of children.values()) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  return { events, children, start, killAll };
}

function vdirNames(root: string): string[] {
  const book = join(root, "book");
  let files: string[];
  try {
    files = readdirSync(book).filter((f) => f.endsWith(".vcf"));
  } catch {
    return [];
  }
  return files.map((f) => /^FN:(.*)$/m.exec(readFileSync(join(book, f), "utf8"))?.[1]?.trim() ?? "");
}

describe("Fleet active mode", () => {
  it("three workers own the subscriptions one at a time: notices sync, kill -9 hands over after the ttl, a graceful stop at once", async () => {
    const url = await cluster.createDatabase();
    const root = join(dir, "active");
    const fleet = await Fleet.open({ connectionString: url, keys: KeyRing.parse(K1), poolSize: 4, maintenanceIntervalSeconds: 1, lease: { ttlMs: 3_000, waitMs: 10_000 }, jobExpireSeconds: 5 });
    fleets.push(fleet);
    const pairs: string[] = [];
    for (const n of [0, 1, 2]) {
      sim.mailbox(USERS[n]!.smtpAddress).createItem("contacts", `<Contact><DisplayName>Seed ${n}</DisplayName><GivenName>Seed</GivenName><Surname>S${n}</Surname></Contact>`);
      await fleet.addAccount(`ews${n}`, ews(n), USERS[n]!.password);
      await fleet.addAccount(`files${n}`, { type: "vdir", path: join(root, `u${n}`) });
      pairs.push(await fleet.linkPair({ id: `pair${n}`, kind: "contacts", remote: { account: `ews${n}`, folder: "Contacts" }, local: { account: `files${n}`, collection: "book", create: true } }, { intervalMs: HOUR }));
    }
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const fleetWorkers = workers(url, { ACTIVE_TTL_MS: "3000" });
    const { events, children } = fleetWorkers;
    const samples: Array<{ at: number; account: string; owner: string | null; token: number; live: boolean }> = [];
    let sampling: ReturnType<typeof setInterval> | undefined;
    try {
      for (const id of ["w1", "w2", "w3"]) fleetWorkers.start(id);
      await until("three workers ready", () => events.filter((e) => e.ev === "ready").length === 3, 150_000);
      // The first cycle of each pair (scheduled, due at once) links it; an hour passes before the next.
      const scheduler = fleet.startScheduler({ tickMs: 200 });
      await until("every pair linked by its first cycle", async () => (await Promise.all(pairs.map((p) => fleet.status(p)))).every((s) => s.schedule.lastOutcome === "ok"), 60_000, 100);
      await scheduler.stop();
      const owners = async () => (await db.query<{ account_id: string; owner: string | null; token: string; live: boolean }>("SELECT account_id, owner, token, coalesce(expires_at > now(), false) AS live FROM ewsdav_fleet.subscriptions ORDER BY account_id")).rows;
      await until("every account's subscription owned", async () => (await owners()).filter((r) => r.owner !== null && r.live).length === 3, 60_000, 100);
      let busySampling = false;
      sampling = setInterval(() => {
        if (busySampling) return;
        busySampling = true;
        void owners()
          .then((rows) => {
            const at = Date.now();
            for (const r of rows) samples.push({ at, account: r.account_id, owner: r.owner, token: Number(r.token), live: r.live });
          })
          .catch(() => undefined)
          .finally(() => (busySampling = false));
      }, 100);
      // Shared out: no worker holds more than ⌈3 ÷ 3⌉ once the share settled.
      await until("one subscription per worker", async () => new Set((await owners()).filter((r) => r.owner !== null && r.live).map((r) => r.owner)).size === 3, 60_000, 100);

      // A change made through EWS reaches the vdir folder, by a notice's cycle (the schedule is an hour away).
      await createContact(0, "Notice", "One");
      await until("the EWS change arrives in the vdir folder", () => vdirNames(join(root, "u0")).includes("Notice One"), 60_000, 50);
      // The file is written mid-cycle; the job's line comes once its outcome is recorded.
      await until("the notice's job recorded", () => events.some((e) => e.ev === "job" && e.pair === "pair0" && e.trigger === "notice" && e.outcome === "ok"), 60_000, 50);

      // kill -9 of ews0's owner: another worker claims it once its lease expired; changes made
      // between the kill and the claim, and after the claim, arrive.
      const killed = (await owners()).find((r) => r.account_id === "ews0")!.owner!;
      const killedToken = Number((await owners()).find((r) => r.account_id === "ews0")!.token);
      children.get(killed)!.kill("SIGKILL");
      const killedAt = Date.now();
      await createContact(0, "Between", "Kill");
      await until("ews0 claimed by another worker", () => events.some((e) => e.ev === "sub" && e.type === "claimed" && e.account === "ews0" && e.worker !== killed), 60_000, 50);
      const takeover = events.find((e) => e.ev === "sub" && e.type === "claimed" && e.account === "ews0" && e.worker !== killed)!;
      // Taken over from the dead worker (its lease expired, never freed), with a new fencing token.
      expect(takeover.from).toBe(killed);
      expect(Number(takeover.token)).toBeGreaterThan(killedToken);
      await createContact(0, "After", "Claim");
      await until("the changes made between the kill and the claim, and after it, arrive", () => ["Between Kill", "After Claim"].every((n) => vdirNames(join(root, "u0")).includes(n)), 60_000, 50);

      // A graceful stop frees its subscriptions: another worker claims them as free (not expired).
      const live = [...children.keys()].filter((id) => id !== killed);
      const stopping = (await owners()).find((r) => r.owner !== null && live.includes(r.owner) && r.account_id !== "ews0")!;
      const gentle = stopping.owner!;
      const account = stopping.account_id;
      const n = Number(account.slice(3));
      children.get(gentle)!.kill("SIGTERM");
      await until("the stopping worker released its subscriptions", () => events.some((e) => e.ev === "sub" && e.type === "released" && e.worker === gentle && e.account === account), 30_000, 20);
      await until("the released subscription claimed by another worker", () => events.some((e) => e.ev === "sub" && e.type === "claimed" && e.account === account && e.worker !== gentle && e.worker !== killed), 60_000, 50);
      const handover = events.find((e) => e.ev === "sub" && e.type === "claimed" && e.account === account && e.worker !== gentle && e.worker !== killed)!;
      expect(handover.from).toBeNull(); // freed, not taken over after an expiry
      await until("the stopped worker stopped", () => events.some((e) => e.ev === "stopped" && e.worker === gentle), 30_000, 50);
      await createContact(n, "After", "Handover");
      await until("a change after the handover arrives", () => vdirNames(join(root, `u${n}`)).includes("After Handover"), 60_000, 50);
      clearInterval(sampling);

      // One owner at a time, by the workers' own lines: per account, the spans from a claim to the
      // release or loss (or the kill) never overlap.
      const ends = new Map<string, number>();
      for (const account of ["ews0", "ews1", "ews2"]) {
        const spans: Array<{ worker: string; from: number; to: number }> = [];
        for (const e of events.filter((x) => x.ev === "sub" && x.account === account)) {
          if (e.type === "claimed") spans.push({ worker: e.worker, from: e.at as number, to: Infinity });
          else {
            const open = spans.findLast((s) => s.worker === e.worker && s.to === Infinity);
            if (open) open.to = e.at as number;
          }
        }
        for (const s of spans) if (s.worker === killed && s.to === Infinity) s.to = killedAt;
        spans.sort((a, b) => a.from - b.from);
        for (let i = 1; i < spans.length; i++) expect(spans[i]!.from, `${account}: ${JSON.stringify(spans)}`).toBeGreaterThanOrEqual(spans[i - 1]!.to);
        ends.set(account, spans.length);
      }
      expect(ends.get("ews0")).toBeGreaterThanOrEqual(2);
      // And by the table over time: a row's owner changes only with a new fencing token, which never goes back.
      expect(samples.length).toBeGreaterThan(0);
      for (const account of ["ews0", "ews1", "ews2"]) {
        const mine = samples.filter((s) => s.account === account);
        for (let i = 1; i < mine.length; i++) {
          expect(mine[i]!.token).toBeGreaterThanOrEqual(mine[i - 1]!.token);
          if (mine[i]!.owner !== null && mine[i - 1]!.owner !== null && mine[i]!.owner !== mine[i - 1]!.owner) expect(mine[i]!.token).toBeGreaterThan(mine[i - 1]!.token);
        }
      }
      // Nothing duplicated: each name once in each folder, and as many items as the mailbox holds.
      for (const m of [0, 1, 2]) {
        const names = vdirNames(join(root, `u${m}`));
        expect(new Set(names).size).toBe(names.length);
        expect(names.length).toBe(sim.mailbox(USERS[m]!.smtpAddress).items("contacts").length);
      }
      // The jobs tell their triggers apart: the first cycles scheduled, the rest notices.
      const jobs = events.filter((e) => e.ev === "job" && e.outcome === "ok");
      expect(new Set(jobs.map((e) => e.trigger))).toEqual(new Set(["schedule", "notice"]));
    } finally {
      clearInterval(sampling);
      fleetWorkers.killAll();
      await db.end();
    }
  }, 420_000);

  it("parks a pair whose cycle ends its worker every time; the other pair is unaffected", async () => {
    const url = await cluster.createDatabase();
    const root = join(dir, "crash");
    const fleet = await Fleet.open({ connectionString: url, keys: KeyRing.parse(K1), poolSize: 4, maintenanceIntervalSeconds: 1, lease: { ttlMs: 2_000, waitMs: 10_000 }, jobExpireSeconds: 5 });
    fleets.push(fleet);
    for (const n of [1, 2]) {
      const box = sim.mailbox(USERS[n]!.smtpAddress);
      box.createItem("contacts", `<Contact><DisplayName>Crash ${n}</DisplayName><GivenName>Crash</GivenName><Surname>C${n}</Surname></Contact>`);
      await fleet.addAccount(`ews${n}`, ews(n), USERS[n]!.password);
      await fleet.addAccount(`files${n}`, { type: "vdir", path: join(root, `u${n}`) });
    }
    await fleet.linkPair({ id: "crasher", kind: "contacts", remote: { account: "ews1", folder: "Contacts" }, local: { account: "files1", collection: "book", create: true } }, { intervalMs: HOUR });
    await fleet.linkPair({ id: "fine", kind: "contacts", remote: { account: "ews2", folder: "Contacts" }, local: { account: "files2", collection: "book", create: true } }, { intervalMs: HOUR });
    const fleetWorkers = workers(url, { CRASH_PAIR: "crasher", JOB_EXPIRE_SECONDS: "5", LEASE_TTL_MS: "2000", RETRY_BASE_MS: "100" });
    const { events, children } = fleetWorkers;
    let next = 0;
    const restart = () => {
      // Two workers alive at all times: each one that dies is replaced.
      for (const [id, child] of [...children]) {
        if (child.exitCode !== null || child.signalCode !== null) {
          children.delete(id);
          fleetWorkers.start(`c${next++}`);
        }
      }
    };
    fleetWorkers.start(`c${next++}`);
    fleetWorkers.start(`c${next++}`);
    const keeper = setInterval(restart, 100);
    try {
      const scheduler = fleet.startScheduler({ tickMs: 200 });
      await until("the crashing pair parked", async () => (await fleet.status("crasher")).schedule.parkedAt !== null, 300_000, 200);
      await until("the other pair synced", async () => (await fleet.status("fine")).schedule.lastOutcome === "ok", 60_000, 100);
      await scheduler.stop();
      const crashed = await fleet.status("crasher");
      expect(crashed.schedule.lastError).toMatch(/ended its worker \d+ times in a row/);
      // Each attempt counted as it started: parked after parkAfter (3) of them (more only when two overlapped).
      expect(events.filter((e) => e.ev === "crash").length).toBeGreaterThanOrEqual(3);
      const fine = await fleet.status("fine");
      expect(fine.schedule).toMatchObject({ parkedAt: null, lastOutcome: "ok" });
      expect(vdirNames(join(root, "u2"))).toContain("Crash 2");
      expect(vdirNames(join(root, "u2")).length).toBe(sim.mailbox(USERS[2]!.smtpAddress).items("contacts").length);
      await expect(fleet.triggerSync("crasher")).rejects.toMatchObject({ code: "parked" });
    } finally {
      clearInterval(keeper);
      fleetWorkers.killAll();
    }
  }, 420_000);

  it("a mailbox's notices never push its pair's scheduled (full) cycle back: the other side is still read on schedule", async () => {
    const url = await cluster.createDatabase();
    const root = join(dir, "busy");
    const fleet = await Fleet.open({ connectionString: url, keys: KeyRing.parse(K1), poolSize: 4, maintenanceIntervalSeconds: 1, lease: { ttlMs: 3_000, waitMs: 5_000 } });
    fleets.push(fleet);
    await fleet.addAccount("ews2", ews(2), USERS[2]!.password);
    await fleet.addAccount("files", { type: "vdir", path: root });
    await fleet.linkPair({ id: "busy", kind: "contacts", remote: { account: "ews2", folder: "Contacts" }, local: { account: "files", collection: "book", create: true } }, { intervalMs: 3_000 });
    const jobs: Array<{ trigger: string | undefined; outcome: string; at: number }> = [];
    const worker = await fleet.startWorker({ pollingIntervalSeconds: 0.5, active: { ttlMs: 3_000 }, onJob: (_pairId, outcome, details) => jobs.push({ trigger: details.trigger, outcome, at: Date.now() }) });
    const scheduler = fleet.startScheduler({ tickMs: 200 });
    try {
      await until("the first cycle", () => jobs.some((j) => j.outcome === "ok"), 60_000, 50);
      await until("ews2 watched", async () => (await fleet.status("busy")).schedule.lastOutcome === "ok" && jobs.length > 0, 30_000, 50);
      // A change every 0.4 s for 9 s: notices keep coming, and the schedule (every 3 s) still runs full cycles.
      const from = Date.now();
      let n = 0;
      while (Date.now() - from < 9_000) {
        await createContact(2, "Busy", `N${n++}`);
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      await until("notices' cycles ran", () => jobs.some((j) => j.at > from && j.trigger === "notice" && j.outcome === "ok"), 30_000, 50);
      await until("a scheduled cycle ran among the notices", () => jobs.some((j) => j.at > from && j.trigger === "schedule" && j.outcome === "ok"), 30_000, 50);
      const firstNotice = jobs.find((j) => j.at > from && j.trigger === "notice")!.at;
      expect(jobs.some((j) => j.trigger === "schedule" && j.at > firstNotice && j.at < from + 9_000 + 5_000)).toBe(true);
    } finally {
      await scheduler.stop();
      await worker.stop({ graceMs: 5_000 });
    }
  }, 120_000);

  it("a pair unlinked during its first run leaves no state; a pair parked during a cycle stays parked with its reason", async () => {
    const url = await cluster.createDatabase();
    const root = join(dir, "unlink");
    const fleet = await Fleet.open({ connectionString: url, keys: KeyRing.parse(K1), poolSize: 4, maintenanceIntervalSeconds: 1, lease: { ttlMs: 3_000, waitMs: 5_000 } });
    fleets.push(fleet);
    await fleet.addAccount("ews0", ews(0), USERS[0]!.password);
    await fleet.addAccount("files", { type: "vdir", path: root });
    await fleet.linkPair({ id: "gone", kind: "contacts", remote: { account: "ews0", folder: "Contacts" }, local: { account: "files", collection: "a", create: true } }, { intervalMs: HOUR });
    await fleet.linkPair({ id: "parked", kind: "contacts", remote: { account: "ews0", folder: "Contacts" }, local: { account: "files", collection: "b", create: true } }, { intervalMs: HOUR });
    const outcomes: Array<[string, string]> = [];
    let unlinking: Promise<void> | undefined;
    let parking: Promise<void> | undefined;
    // The cycle's end (its lease released) waits for the park made while it ran: the record comes after it.
    const release = fleet.store.releaseLease.bind(fleet.store);
    fleet.store.releaseLease = async (lease) => {
      await parking;
      return release(lease);
    };
    const worker = await fleet.startWorker({
      pollingIntervalSeconds: 0.5,
      onJob: (pairId, outcome) => outcomes.push([pairId, outcome]),
      observe: (pairId, events) => {
        // Unlinked as its first job starts, before it links the pair in the state.
        if (pairId === "gone") unlinking ??= fleet.unlinkPair("gone");
        if (pairId === "parked") events.on("progress", () => (parking ??= fleet.park("parked", "maintenance window")));
      },
    });
    try {
      await fleet.triggerSync("gone");
      await until("the unlinked pair's job ended", () => outcomes.some(([p]) => p === "gone"), 30_000, 20);
      await unlinking;
      expect(outcomes.find(([p]) => p === "gone")![1]).toBe("gone");
      expect(await fleet.store.getPair("gone")).toBeNull();
      expect(await fleet.store.getLease("gone")).toBeNull();
      await expect(fleet.status("gone")).rejects.toMatchObject({ code: "unknown-pair" });

      await fleet.triggerSync("parked");
      await until("the parked pair's cycle ended", () => outcomes.some(([p]) => p === "parked"), 30_000, 20);
      expect(parking).toBeDefined();
      const status = await fleet.status("parked");
      expect(outcomes.find(([p]) => p === "parked")![1]).toBe("ok");
      expect(status.schedule.parkedAt).not.toBeNull();
      expect(status.schedule.lastError).toBe("maintenance window");
      expect(status.schedule.lastOutcome).toBe("ok");
      expect(await fleet.enqueueDue()).toEqual([]);
    } finally {
      await worker.stop();
    }
  }, 60_000);
});
