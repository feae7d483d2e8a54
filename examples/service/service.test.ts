/**
 * The service host end to end over real HTTP: a real, throwaway PostgreSQL (test/harness), the EWS
 * simulator with several mailboxes over HTTP, vdir folders in a temporary directory, the fleet with
 * a worker in this process and the API listening on a free loopback port, driven with fetch.
 * Then `npm run service -- --embedded-test-db --port 0 --active` as a child process: the README's
 * try-out, in active mode (a change in the mailbox reaches the folder by its notice).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { Fleet, KeyRing, type FleetHandle } from "@ewsdav/core/fleet";
import { startPostgres, type PostgresCluster } from "../../test/harness/postgres.js";
import { until } from "../../test/harness/wait.js";
import { ServiceMetrics } from "./metrics.js";
import { buildService, type ServiceState } from "./server.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const USERS = [1, 2, 3].map((n) => ({ smtpAddress: `svc${n}@example.com`, password: `pw-${n}-Secret!` }));
const TOKEN = "test-token-0123456789abcdef";
const WRONG_PASSWORD = "Not-The-Password-42";
const KEYS = KeyRing.parse(`k1:${KeyRing.generateKey()}`);

let cluster: PostgresCluster;
let sim: EwsSimulator;
let dir: string;
let pool: pg.Pool;
let fleet: Fleet;
let worker: FleetHandle | undefined;
let app: FastifyInstance;
let base: string;
let logs = "";
const cleanups: Array<() => Promise<unknown>> = [];

const auth = { Authorization: `Bearer ${TOKEN}` };
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = auth): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** The mailbox's contacts (its distribution list is not one: the contacts pair leaves it out). */
const contactsOf = (n: number) => sim.mailbox(USERS[n]!.smtpAddress).items("contacts").filter((i) => i.kind === "Contact");
const ews = (n: number) => ({ type: "ews", url: sim.url, mailbox: USERS[n]!.smtpAddress, auth: { type: "basic", username: USERS[n]!.smtpAddress } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ewsdav-service-"));
  cluster = await startPostgres();
  sim = await startEwsSimulator({ users: USERS, seed: "small", record: false });
  pool = new pg.Pool({ connectionString: await cluster.createDatabase(), max: 6 });
  pool.on("error", () => undefined);
  fleet = await Fleet.open({ pool, keys: KEYS, maintenanceIntervalSeconds: 1 });
  const metrics = new ServiceMetrics({ queueDepth: () => fleet.queueDepth() });
  const state: ServiceState = { fleetOpen: true, workersWanted: 1, workersRunning: 0, schedulerWanted: false, schedulerRunning: false };
  worker = await fleet.startWorker({ pollingIntervalSeconds: 0.5, onJob: metrics.onJob });
  state.workersRunning = 1;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs += chunk.toString();
      done();
    },
  });
  app = buildService(fleet, { token: TOKEN, metrics, state, checkDatabase: () => pool.query("SELECT 1"), logger: { level: "debug", stream } });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("not listening on a port");
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await app?.close();
  await fleet?.stop({ graceMs: 1_000 }).catch(() => undefined);
  await pool?.end().catch(() => undefined);
  await sim?.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The sum of a metric's series whose labels include `labels`, in a Prometheus text exposition (NaN when none). */
function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = Number.NaN;
  for (const line of text.split("\n")) {
    const m = /^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})? (\S+)$/i.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum = (Number.isNaN(sum) ? 0 : sum) + Number(m[3]);
  }
  return sum;
}

/** The UIDs of the `.vcf` files in the collection folders under `root`. */
function vcards(root: string): string[] {
  return cards(root).map((c) => c.uid);
}

/** The `.vcf` files in the collection folders under `root`: UID and FN. */
function cards(root: string): Array<{ uid: string; fn: string }> {
  const found: Array<{ uid: string; fn: string }> = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    for (const file of readdirSync(join(root, entry.name)).filter((f) => f.endsWith(".vcf"))) {
      const text = readFileSync(join(root, entry.name, file), "utf8");
      found.push({ uid: /^UID:(.*)$/m.exec(text)?.[1]?.trim() ?? `no UID in ${file}`, fn: /^FN[;:](?:.*:)?(.*)$/m.exec(text)?.[1]?.trim() ?? `no FN in ${file}` });
    }
  }
  return found;
}

describe("the service API, over HTTP", () => {
  it("answers /healthz and /readyz without a token, and 401 to every other route without the right bearer token", async () => {
    expect((await call("GET", "/healthz", undefined, {})).json).toEqual({ status: "ok" });
    const ready = await call("GET", "/readyz", undefined, {});
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ ready: true, checks: { database: "ok", fleet: "open", workers: "1/1", scheduler: "off" } });
    for (const headers of [{} as Record<string, string>, { Authorization: "Bearer wrong-token-0123456789abcdef" }, { Authorization: `Bearer ${TOKEN}x` }, { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` }, { Authorization: TOKEN }]) {
      for (const [method, path] of [["GET", "/v1/accounts"], ["GET", "/v1/pairs"], ["GET", "/metrics"], ["POST", "/v1/pairs/p/sync"], ["GET", "/nowhere"]] as const) {
        const res = await call(method, path, undefined, headers);
        expect(res.status, `${method} ${path} with ${JSON.stringify(headers)}`).toBe(401);
        expect(res.json.error).toBe("unauthorized");
      }
    }
    expect((await call("GET", "/v1/accounts")).json).toEqual({ accounts: [] });
    expect((await call("GET", "/nowhere")).status).toBe(404);
  });

  it("refuses bad bodies, params and queries with 400 naming the field, never echoing a secret", async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ["POST", "/v1/accounts", { id: "a1", config: { ...ews(0), auth: { type: "basic" } }, secret: USERS[0]!.password }, "config.auth.username"],
      ["POST", "/v1/accounts", { id: "a1", config: { ...ews(0), colour: "red" }, secret: USERS[0]!.password }, "config.colour"],
      ["POST", "/v1/accounts", { id: "bad id!", config: ews(0), secret: USERS[0]!.password }, "id"],
      ["POST", "/v1/accounts", { id: "a1", config: { type: "imap" }, secret: USERS[0]!.password }, "config.type"],
      ["POST", "/v1/accounts", { id: "a1", config: ews(0), secret: 12345 }, "secret"],
      ["POST", "/v1/pairs", { kind: "notes", remote: { account: "a", folder: "Contacts" }, local: { account: "b", collection: "c" } }, "kind"],
      ["POST", "/v1/pairs", { kind: "contacts", remote: { account: "a" }, local: { account: "b", collection: "c" } }, "remote.folder"],
      ["PUT", "/v1/accounts/a1/secret", { secret: "" }, "secret"],
      ["GET", "/v1/pairs/p1?runs=many", undefined, "query.runs"],
      ["GET", "/v1/pairs/p1/runs?limit=0", undefined, "query.limit"],
      ["GET", "/v1/pairs/bad%20id", undefined, "params.id"],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path} ${res.text}`).toBe(400);
      expect(res.json).toMatchObject({ error: "invalid-request", field });
      expect(res.text).not.toContain(USERS[0]!.password);
    }
    // Not JSON at all, and a value the fleet refuses (a relative vdir path): 400 too.
    expect((await call("POST", "/v1/accounts", "{not json")).status).toBe(400);
    const relative = await call("POST", "/v1/accounts", { id: "files", config: { type: "vdir", path: "relative/folder" } });
    expect(relative.status).toBe(400);
    expect(relative.json).toMatchObject({ error: "invalid", message: expect.stringContaining("path") });
    expect((await call("GET", "/v1/accounts")).json).toEqual({ accounts: [] });
  });

  it("adds an account only when it connects: a wrong password is refused with the side's error and no secret; folders are listed", async () => {
    const wrong = await call("POST", "/v1/accounts", { id: "ews1", config: ews(0), secret: WRONG_PASSWORD });
    expect(wrong.status).toBe(422);
    expect(wrong.json).toMatchObject({ error: "account-unreachable", code: "EWS_UNAUTHORIZED" });
    expect(wrong.text).not.toContain(WRONG_PASSWORD);
    expect((await call("GET", "/v1/accounts")).json).toEqual({ accounts: [] });

    const added = await call("POST", "/v1/accounts", { id: "ews1", config: ews(0), secret: USERS[0]!.password });
    expect(added.status, added.text).toBe(201);
    expect(added.json.collections).toContainEqual(expect.objectContaining({ kind: "contacts", displayName: "Contacts" }));
    expect(added.text).not.toContain(USERS[0]!.password);
    expect((await call("POST", "/v1/accounts", { id: "ews2", config: ews(1), secret: USERS[1]!.password })).status).toBe(201);
    expect((await call("POST", "/v1/accounts", { id: "files", config: { type: "vdir", path: join(dir, "files") } })).status).toBe(201);
    // The id is taken: 409.
    const again = await call("POST", "/v1/accounts", { id: "ews1", config: ews(0), secret: USERS[0]!.password });
    expect(again.status).toBe(409);
    expect(again.json.error).toBe("in-use");

    const list = await call("GET", "/v1/accounts");
    expect(list.json.accounts.map((a: { id: string }) => a.id)).toEqual(["ews1", "ews2", "files"]);
    expect(list.json.accounts[0]).toEqual({ id: "ews1", config: ews(0), keyId: "k1" });
    for (const u of USERS) expect(list.text).not.toContain(u.password);
    expect((await call("GET", "/v1/accounts/ews2")).json.config).toEqual(ews(1));
    expect((await call("GET", "/v1/accounts/nobody")).status).toBe(404);

    const folders = await call("GET", "/v1/accounts/ews1/collections");
    expect(folders.status).toBe(200);
    expect(folders.json.collections).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "contacts", displayName: "Contacts" }), expect.objectContaining({ kind: "events" }), expect.objectContaining({ kind: "tasks" })]));
    expect((await call("GET", "/v1/accounts/nobody/collections")).status).toBe(404);

    // A new secret must sign in before it replaces the old one.
    const badSecret = await call("PUT", "/v1/accounts/ews1/secret", { secret: WRONG_PASSWORD });
    expect(badSecret.status).toBe(422);
    expect(badSecret.text).not.toContain(WRONG_PASSWORD);
    expect((await call("PUT", "/v1/accounts/ews1/secret", { secret: USERS[0]!.password })).status).toBe(204);
    expect((await call("PUT", "/v1/accounts/files/secret", { secret: "anything-at-all" })).status).toBe(400);
    expect((await call("PUT", "/v1/accounts/nobody/secret", { secret: "anything-at-all" })).status).toBe(404);
  });

  it("adds a delegated OAuth account unchecked (its sign-in comes as a token cache), refusing a cache that is not one without echoing it", async () => {
    const config = { type: "ews", url: sim.url, mailbox: USERS[2]!.smtpAddress, auth: { type: "oauth", flow: "delegated", clientId: "11111111-2222-3333-4444-555555555555", tenantId: "contoso.example" } };
    const badFlow = await call("POST", "/v1/accounts", { id: "carol", config: { ...config, auth: { ...config.auth, flow: "implicit" } } });
    expect(badFlow.status).toBe(400);
    expect(badFlow.json.field).toMatch(/^config\.auth/);
    const added = await call("POST", "/v1/accounts", { id: "carol", config });
    expect(added.status, added.text).toBe(201);
    expect(added.json).toEqual({ id: "carol", collections: null, next: "PUT /v1/accounts/carol/token-cache" });
    const junk = "not-a-token-cache-refresh-secret-xyz";
    const refused = await call("PUT", "/v1/accounts/carol/token-cache", { cache: junk });
    expect(refused.status).toBe(400);
    expect(refused.text).not.toContain(junk);
    expect((await call("PUT", "/v1/accounts/nobody/token-cache", { cache: "{}" })).status).toBe(404);
    expect((await call("DELETE", "/v1/accounts/carol")).status).toBe(204);
  });

  it("links a pair, syncs it when triggered (the vdir folder then holds the mailbox's contacts), and lists its runs", async () => {
    const linked = await call("POST", "/v1/pairs", { id: "p1", kind: "contacts", remote: { account: "ews1", folder: "Contacts" }, local: { account: "files", collection: "Address book", create: true }, intervalMs: 3_600_000 });
    expect(linked.status, linked.text).toBe(201);
    expect(linked.json).toEqual({ id: "p1" });
    expect((await call("POST", "/v1/pairs", { id: "p1", kind: "contacts", remote: { account: "ews1", folder: "Contacts" }, local: { account: "files", collection: "x" } })).status).toBe(409);
    expect((await call("POST", "/v1/pairs", { kind: "contacts", remote: { account: "nobody", folder: "Contacts" }, local: { account: "files", collection: "x" } })).status).toBe(404);
    expect((await call("GET", "/v1/pairs")).json).toEqual({ pairs: ["p1"] });

    const triggered = await call("POST", "/v1/pairs/p1/sync");
    expect(triggered.status).toBe(202);
    expect(triggered.json).toMatchObject({ pairId: "p1", queued: true });
    expect((await call("POST", "/v1/pairs/nobody/sync")).status).toBe(404);
    await until("the pair's cycle done", async () => (await call("GET", "/v1/pairs/p1")).json.schedule.lastOutcome !== null, 60_000, 100);
    const status = await call("GET", "/v1/pairs/p1?runs=3");
    expect(status.json.schedule).toMatchObject({ lastOutcome: "ok", failures: 0, parkedAt: null, intervalMs: 3_600_000 });
    expect(status.json.pair).toMatchObject({ id: "p1", kind: "contacts", remote: { account: "ews1", folder: "Contacts" } });

    const mailbox = contactsOf(0);
    expect(mailbox.length).toBeGreaterThan(0);
    const uids = vcards(join(dir, "files"));
    expect(uids.length).toBe(mailbox.length);
    expect(new Set(uids).size).toBe(uids.length);
    expect(cards(join(dir, "files")).map((c) => c.fn).sort()).toEqual(mailbox.map((i) => i.get("DisplayName")).sort());

    const runs = await call("GET", "/v1/pairs/p1/runs?limit=5");
    expect(runs.status).toBe(200);
    expect(runs.json.runs).toHaveLength(1);
    expect(runs.json.runs[0]).toMatchObject({ pairId: "p1", outcome: "ok" });
    expect(runs.json.runs[0].counts.local.created).toBe(mailbox.length);
    expect(status.json.runs).toEqual(runs.json.runs);
  });

  it("parks a pair (a trigger is then refused with 409), releases it, and syncs it again", async () => {
    expect((await call("POST", "/v1/pairs/p1/park", { reason: "maintenance window" })).status).toBe(204);
    const parked = await call("GET", "/v1/pairs/p1");
    expect(parked.json.schedule.parkedAt).not.toBeNull();
    expect(parked.json.schedule.lastError).toBe("maintenance window");
    const refused = await call("POST", "/v1/pairs/p1/sync");
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ error: "parked", message: expect.stringContaining("maintenance window") });
    // A client that sends the JSON content type without a body (curl -H 'Content-Type: application/json' -X POST).
    expect((await fetch(`${base}/v1/pairs/p1/release`, { method: "POST", headers: { ...auth, "content-type": "application/json", "content-length": "0" } })).status).toBe(204);
    expect((await call("GET", "/v1/pairs/p1")).json.schedule.parkedAt).toBeNull();
    expect((await call("POST", "/v1/pairs/nobody/park")).status).toBe(404);

    // A contact added in the mailbox arrives with the next cycle.
    sim.mailbox(USERS[0]!.smtpAddress).createItem("contacts", "<Contact><DisplayName>Added Later</DisplayName><GivenName>Added</GivenName><Surname>Later</Surname></Contact>");
    expect((await call("POST", "/v1/pairs/p1/sync")).status).toBe(202);
    await until("a second run", async () => (await call("GET", "/v1/pairs/p1/runs")).json.runs.length === 2, 60_000, 100);
    const [latest] = (await call("GET", "/v1/pairs/p1/runs")).json.runs;
    expect(latest).toMatchObject({ outcome: "ok" });
    expect(latest.counts.local.created).toBe(1);
    expect(vcards(join(dir, "files")).length).toBe(contactsOf(0).length);
  });

  it("shows a pair whose folder does not exist as failed, with its error", async () => {
    expect((await call("POST", "/v1/pairs", { id: "p2", kind: "contacts", remote: { account: "ews2", folder: "No Such Folder" }, local: { account: "files", collection: "Other", create: true } })).status).toBe(201);
    expect((await call("POST", "/v1/pairs/p2/sync")).status).toBe(202);
    await until("the failing cycle done", async () => (await call("GET", "/v1/pairs/p2")).json.schedule.lastOutcome !== null, 60_000, 100);
    const { json } = await call("GET", "/v1/pairs/p2");
    expect(json.schedule).toMatchObject({ lastOutcome: "failed", failures: 1, parkedAt: null, lastError: expect.stringContaining("No Such Folder") });
    expect((await call("DELETE", "/v1/pairs/p2")).status).toBe(204);
  });

  it("serves the metrics: cycles, items written, errors, queue depth, durations, process metrics", async () => {
    const res = await fetch(`${base}/metrics`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    const value = (name: string, labels: Record<string, string> = {}) => metricValue(text, name, labels);
    expect(value("ewsdav_cycles_total", { outcome: "ok", trigger: "trigger" })).toBe(2);
    expect(value("ewsdav_cycles_total", { outcome: "failed" })).toBe(1);
    expect(value("ewsdav_errors_total", { code: "job-failed" })).toBe(1);
    expect(value("ewsdav_items_written_total", { side: "local", action: "created" })).toBe(contactsOf(0).length);
    expect(value("ewsdav_items_written_total", { side: "remote", action: "created" })).toBe(0);
    expect(value("ewsdav_queue_depth")).toBe(0);
    expect(value("ewsdav_lease_takeovers_total")).toBe(0);
    expect(value("ewsdav_cycle_duration_seconds_count", { outcome: "ok" })).toBe(2);
    expect(text).toMatch(/^ewsdav_process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^ewsdav_nodejs_heap_size_used_bytes \d/m);
  });

  it("unlinks the pair (its folder's files stay), then removes the accounts", async () => {
    const inUse = await call("DELETE", "/v1/accounts/ews1");
    expect(inUse.status).toBe(409);
    expect(inUse.json.message).toContain("p1");
    const before = vcards(join(dir, "files")).length;
    expect((await call("DELETE", "/v1/pairs/p1")).status).toBe(204);
    expect((await call("GET", "/v1/pairs/p1")).status).toBe(404);
    expect((await call("DELETE", "/v1/pairs/p1")).status).toBe(404);
    expect((await call("GET", "/v1/pairs")).json).toEqual({ pairs: [] });
    expect(vcards(join(dir, "files")).length).toBe(before);
    for (const id of ["ews1", "ews2", "files"]) expect((await call("DELETE", `/v1/accounts/${id}`)).status).toBe(204);
    expect((await call("GET", "/v1/accounts")).json).toEqual({ accounts: [] });
  });

  it("never logged a secret or the token", () => {
    expect(logs).toContain("request completed");
    for (const secret of [TOKEN, WRONG_PASSWORD, ...USERS.map((u) => u.password)]) expect(logs).not.toContain(secret);
  });

  it("/readyz answers 503 once the database is gone", async () => {
    // A second fleet and service on a database of their own, which is then dropped under them.
    const url = await cluster.createDatabase();
    const pool2 = new pg.Pool({ connectionString: url, max: 3 });
    pool2.on("error", () => undefined);
    cleanups.push(() => pool2.end());
    const fleet2 = await Fleet.open({ pool: pool2, keys: KEYS });
    cleanups.push(() => fleet2.stop({ graceMs: 0 }));
    const app2 = buildService(fleet2, { token: TOKEN, checkDatabase: () => pool2.query("SELECT 1"), readyTimeoutMs: 5_000 });
    cleanups.push(() => app2.close());
    expect((await app2.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
    const gone = await app2.inject({ method: "GET", url: "/readyz" });
    expect(gone.statusCode).toBe(503);
    expect(gone.json()).toMatchObject({ ready: false, checks: { database: "unreachable" } });
    // The probe stays unauthenticated and says no more than that.
    expect(gone.body).not.toContain(url);
    // The API answers 503 meanwhile, not a bare 500.
    const listed = await app2.inject({ method: "GET", url: "/v1/accounts", headers: auth });
    expect(listed.statusCode, listed.body).toBe(503);
    expect(listed.json()).toMatchObject({ error: "database-unavailable" });
  });
});

describe("npm run service -- --embedded-test-db --port 0 --active", () => {
  it("starts a throwaway PostgreSQL, prints a token, syncs a mailbox's change on its notice, and on SIGTERM stops and removes the database", async () => {
    const env = { ...process.env };
    delete env.EWSDAV_SERVICE_TOKEN;
    delete env.EWSDAV_FLEET_KEYS;
    delete env.DATABASE_URL;
    const args = ["run", "--silent", "service", "--", "--embedded-test-db", "--port", "0", "--active", "--tick-ms", "500", "--log-level", "warn"];
    const child = spawn("npm", args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    // "close": every holder of the pipes is gone, the service's node process included.
    const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
    try {
      await until("the service listening", () => /listening at (\S+)/.test(output) && output.includes("worker(s)"), 180_000, 50);
      expect(output).toContain("active mode");
      base = /listening at (\S+)/.exec(output)![1]!;
      const token = /bearer token for this session: (\S+)/.exec(output)![1]!;
      const database = /embedded test database: (\S+)/.exec(output)![1]!;
      const bearer = { Authorization: `Bearer ${token}` };
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await call("GET", "/v1/accounts", undefined, {})).status).toBe(401);
      expect((await call("GET", "/v1/accounts", undefined, bearer)).json).toEqual({ accounts: [] });
      expect((await call("GET", "/readyz", undefined, {})).json).toEqual({ ready: true, checks: { database: "ok", fleet: "open", workers: "1/1", scheduler: "running" } });

      // A mailbox and a folder, linked with an interval of an hour: the scheduler runs the first
      // cycle at once, and after it only the mailbox's notices can bring a change.
      const files = join(dir, "active");
      expect((await call("POST", "/v1/accounts", { id: "box", config: ews(2), secret: USERS[2]!.password }, bearer)).status).toBe(201);
      expect((await call("POST", "/v1/accounts", { id: "files", config: { type: "vdir", path: files } }, bearer)).status).toBe(201);
      expect((await call("POST", "/v1/pairs", { id: "live", kind: "contacts", remote: { account: "box", folder: "Contacts" }, local: { account: "files", collection: "Live", create: true }, intervalMs: 3_600_000 }, bearer)).status).toBe(201);
      await until("the first cycle", async () => (await call("GET", "/v1/pairs/live", undefined, bearer)).json.schedule.lastOutcome === "ok", 60_000, 100);
      expect(vcards(files).length).toBe(contactsOf(2).length);
      const metrics = async () => (await call("GET", "/metrics", undefined, bearer)).text;
      await until("the mailbox's subscription watched", async () => metricValue(await metrics(), "ewsdav_subscriptions") === 1, 60_000, 200);

      sim.mailbox(USERS[2]!.smtpAddress).createItem("contacts", "<Contact><DisplayName>Pushed Person</DisplayName><GivenName>Pushed</GivenName><Surname>Person</Surname></Contact>");
      await until("the new contact in the folder", () => cards(files).some((c) => c.fn === "Pushed Person"), 60_000, 100);
      expect(vcards(files).length).toBe(contactsOf(2).length);
      // The file is written during the cycle; the job is counted once its outcome is recorded.
      await until("the notice's cycle counted", async () => metricValue(await metrics(), "ewsdav_cycles_total", { outcome: "ok", trigger: "notice" }) >= 1, 30_000, 100);
      const text = await metrics();
      expect(metricValue(text, "ewsdav_cycles_total", { outcome: "failed" })).toBe(0);
      expect(metricValue(text, "ewsdav_subscription_events_total", { type: "claimed" })).toBeGreaterThanOrEqual(1);
      expect(metricValue(text, "ewsdav_subscriptions")).toBe(1);

      // SIGTERM to the whole group (npm, tsx, node), as a terminal's Ctrl-C or a supervisor would.
      // (npm itself then ends by the same signal: the service's own exit is told by its last line.)
      process.kill(-child.pid!, "SIGTERM");
      await closed;
      expect(output).toMatch(/SIGTERM received, stopping[^\n]*\nstopped\n$/);
      // The throwaway cluster is gone with it.
      const client = new pg.Client({ connectionString: database, connectionTimeoutMillis: 2_000 });
      client.on("error", () => undefined);
      await expect(client.connect()).rejects.toThrow();
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
    }
  }, 180_000);
});
