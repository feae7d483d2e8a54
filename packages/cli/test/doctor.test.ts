/**
 * `ewsdav doctor` through the real binary: against the EWS simulator and Radicale (all ok, and the
 * state file after a sync), a wrong EWS password (sign-in failed, exit 3), sabre/dav without
 * sync-collection (a warning), a closed port (exit 4), a host that accepts connections and never
 * answers (the timeout), a state file readable by others, and the output modes. No secret is
 * ever printed.
 */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { EXCHANGE_2010_SP2_VERSION, startEwsSimulator, startSubscriptionFront, type EwsSimulator } from "@ewsdav/ews-simulator";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { freePort, startRadicale, startSabre, type DavServer } from "../../../test/harness/dav-servers.js";
import { runCli, type CliRun } from "./cli.test-support.js";

/** Passwords that must never show up in any output. */
const EWS_PASSWORD = "Ews-S3cret-KQV";
const WRONG_PASSWORD = "Wr0ng-P4ss-ZQX";

interface CheckJson {
  account: string | null;
  id: string;
  title: string;
  verdict: "ok" | "warning" | "failed" | "skipped";
  summary: string;
  advice?: string;
  category?: string;
}

interface DoctorJson {
  ok: boolean;
  exitCode: number;
  counts: Record<string, number>;
  accounts: Array<{ name: string; type: string; target: string; checks: CheckJson[] }>;
  state: { path: string; checks: CheckJson[] };
}

/** Writes a config: an EWS account, a DAV account and a contacts pair between them; returns its folder and path. */
function writeConfig(ewsUrl: string, dav: { url: string; username: string; collection: string }, extra: Record<string, unknown> = {}): { dir: string; configPath: string } {
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-doctor-"));
  const configPath = join(dir, "config.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      state: "state.db",
      accounts: {
        work: { type: "ews", url: ewsUrl, mailbox: "alice@example.com", auth: { type: "basic", username: "alice@example.com", passwordEnv: "DOCTOR_EWS_PASSWORD" } },
        cloud: { type: "dav", url: dav.url, username: dav.username, passwordEnv: "DOCTOR_DAV_PASSWORD" },
      },
      pairs: [{ id: "contacts", kind: "contacts", remote: { account: "work", folder: "Contacts" }, local: { account: "cloud", collection: dav.collection } }],
      ...extra,
    }),
    { mode: 0o600 },
  );
  return { dir, configPath };
}

function parseJson(run: CliRun): DoctorJson {
  return JSON.parse(run.stdout) as DoctorJson;
}

function check(doc: DoctorJson, account: string, id: string): CheckJson {
  const found = doc.accounts.find((a) => a.name === account)?.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${account}/${id} in ${JSON.stringify(doc, null, 1)}`);
  return found;
}

function expectNoSecret(run: CliRun, ...secrets: string[]): void {
  for (const secret of secrets) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}

describe("ewsdav doctor", () => {
  let sim: EwsSimulator;
  let radicale: DavServer;
  beforeAll(async () => {
    [sim, radicale] = await Promise.all([startEwsSimulator({ seed: "small", users: [{ smtpAddress: "alice@example.com", password: EWS_PASSWORD }] }), startRadicale()]);
    await radicale.seedCollection({ name: "contacts", kind: "addressbook", displayName: "Contacts", items: [] });
  });
  afterAll(async () => {
    await Promise.all([sim?.stop(), radicale?.stop()]);
  });

  const env = (ewsPassword = EWS_PASSWORD) => ({ DOCTOR_EWS_PASSWORD: ewsPassword, DOCTOR_DAV_PASSWORD: radicale.password });

  it("finds everything ok against the simulator and Radicale, before and after a sync (--json parsed)", async () => {
    const { configPath } = writeConfig(sim.url, { url: radicale.url, username: radicale.username, collection: "Contacts" });
    const before = await runCli(["doctor", "--config", configPath, "--json"], { env: env() });
    expect(before.code, before.stderr).toBe(0);
    const doc = parseJson(before);
    expect(doc.ok).toBe(true);
    expect(doc.accounts.map((a) => a.name)).toEqual(["work", "cloud"]);
    expect(doc.accounts[0]!.checks.map((c) => c.id)).toEqual(["dns", "tls", "clock", "sign-in", "ews-version", "folders", "notifications"]);
    expect(doc.accounts[1]!.checks.map((c) => c.id)).toEqual(["dns", "tls", "clock", "sign-in", "collections", "sync-collection"]);
    const notOk = [...doc.accounts.flatMap((a) => a.checks), ...doc.state.checks].filter((c) => c.verdict !== "ok");
    expect(notOk).toEqual([]);
    expect(check(doc, "work", "dns").summary).toContain("127.0.0.1");
    expect(check(doc, "work", "tls").summary).toContain("plain http to loopback");
    expect(check(doc, "work", "ews-version").summary).toMatch(/Exchange 2016 \(15\.1\.2507\); requests use Exchange2016/);
    expect(check(doc, "work", "notifications").summary).toContain("streaming subscription to the 1 paired folder was accepted");
    expect(check(doc, "cloud", "sync-collection").summary).toContain('supported by "Contacts"');
    expect(doc.state.checks.find((c) => c.id === "state-file")!.summary).toContain("does not exist yet");
    expectNoSecret(before, EWS_PASSWORD, radicale.password);

    const sync = await runCli(["sync", "--config", configPath], { env: env() });
    expect(sync.code, sync.stderr + sync.stdout).toBe(0);
    const after = await runCli(["doctor", "--config", configPath], { env: env() });
    expect(after.code, after.stdout + after.stderr).toBe(0);
    // Not a terminal: plain words, no marks or escape codes.
    expect(after.stdout).toMatch(/^work \(ews, http:\/\/127\.0\.0\.1:\d+\/EWS\/Exchange\.asmx\)$/m);
    expect(after.stdout).toMatch(/^ {2}ok {6}Sign-in: signed in as alice@example\.com to alice@example\.com/m);
    expect(after.stdout).toMatch(/State schema: schema \d+ \(current\), 1 pair linked/);
    expect(after.stdout).toContain("State file:");
    expect(after.stdout).toMatch(/mode 0600, owned by you/);
    expect(after.stdout).toMatch(/no interrupted run, no pair being synced now/);
    expect(after.stdout).not.toMatch(/[✓✗]|\u001b\[/);
    expect(after.stdout.trimEnd().split("\n").at(-1)).toMatch(/^\d+ checks: \d+ ok, 0 warnings, 0 failed, 0 skipped$/);
    expectNoSecret(after, EWS_PASSWORD, radicale.password);
  });

  it("a wrong EWS password: sign-in failed with the advice, the checks after it skipped, exit 3, and the password never printed", async () => {
    const { configPath } = writeConfig(sim.url, { url: radicale.url, username: radicale.username, collection: "Contacts" });
    const run = await runCli(["doctor", "--config", configPath], { env: env(WRONG_PASSWORD) });
    expect(run.code, run.stdout + run.stderr).toBe(3);
    expect(run.stdout).toMatch(/FAILED {2}Sign-in: the server refused the credentials of alice@example\.com \(HTTP 401\)/);
    expect(run.stdout).toContain("→ check the username and password in accounts.work.auth");
    expect(run.stdout).toMatch(/skipped EWS version: not run because Sign-in failed; fix Sign-in first/);
    expect(run.stdout).toMatch(/skipped Push notifications: not run because Sign-in failed/);
    // The DAV account is unaffected.
    expect(run.stdout).toMatch(/ok {6}DAV sync-collection/);
    expectNoSecret(run, WRONG_PASSWORD);

    const lines = await runCli(["doctor", "--config", configPath, "--json-lines", "--account", "work"], { env: env(WRONG_PASSWORD) });
    expect(lines.code).toBe(3);
    const events = lines.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const signIn = events.find((e) => e.id === "sign-in")!;
    expect(signIn).toMatchObject({ type: "check", account: "work", verdict: "failed", category: "auth" });
    expect(events.filter((e) => e.type === "check" && e.account === "cloud")).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: "done", exitCode: 3 });
    expectNoSecret(lines, WRONG_PASSWORD);
    const verbose = await runCli(["doctor", "--config", configPath, "--verbose"], { env: env(WRONG_PASSWORD) });
    expect(verbose.code).toBe(3);
    expect(verbose.stderr).toContain('work: DNS: {"addresses":["127.0.0.1"]}');
    expectNoSecret(verbose, WRONG_PASSWORD, radicale.password);
  });

  it("a closed port: the connection check fails, the rest of that account is skipped, exit 4 (--json-lines, one object per check)", async () => {
    const port = await freePort();
    const { configPath } = writeConfig(`http://127.0.0.1:${port}/EWS/Exchange.asmx`, { url: radicale.url, username: radicale.username, collection: "Contacts" });
    const run = await runCli(["doctor", "--config", configPath, "--json-lines"], { env: env() });
    expect(run.code, run.stderr).toBe(4);
    const events = run.stdout.trim().split("\n").map((l) => JSON.parse(l) as CheckJson & { type: string; exitCode?: number });
    const work = events.filter((e) => e.type === "check" && e.account === "work");
    expect(work.map((e) => [e.id, e.verdict])).toEqual([
      ["dns", "ok"],
      ["tls", "failed"],
      ["clock", "skipped"],
      ["sign-in", "skipped"],
      ["ews-version", "skipped"],
      ["folders", "skipped"],
      ["notifications", "skipped"],
    ]);
    expect(work[1]).toMatchObject({ category: "connection", summary: `127.0.0.1:${port} refused the connection` });
    expect(work[1]!.advice).toContain("check that the server is running and that the port in accounts.work.url is right");
    expect(events.at(-1)).toMatchObject({ type: "done", exitCode: 4 });
  });

  it("a host that accepts connections and never answers: the checks give up at --timeout, exit 4", async () => {
    const sockets = new Set<Socket>();
    const blackHole: Server = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
    const port = (blackHole.address() as { port: number }).port;
    try {
      const { configPath } = writeConfig(`http://127.0.0.1:${port}/EWS/Exchange.asmx`, { url: radicale.url, username: radicale.username, collection: "Contacts" });
      const run = await runCli(["doctor", "--config", configPath, "--account", "work", "--timeout", "1", "--json"], { env: env() });
      expect(run.code, run.stderr).toBe(4);
      const doc = parseJson(run);
      expect(check(doc, "work", "tls").verdict).toBe("ok");
      expect(check(doc, "work", "clock")).toMatchObject({ verdict: "failed", category: "connection", summary: "no answer within 1 s" });
      expect(check(doc, "work", "sign-in")).toMatchObject({ verdict: "failed", summary: "no answer within 1 s" });
      expect(check(doc, "work", "sign-in").advice).toContain("--timeout");
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    }
  });

  it("a state file others can read: a warning with the chmod command (exit 0); a bad --account or --timeout: exit 2", async () => {
    const { dir, configPath } = writeConfig(sim.url, { url: radicale.url, username: radicale.username, collection: "Contacts" });
    const sync = await runCli(["sync", "--config", configPath], { env: env() });
    expect(sync.code, sync.stderr).toBe(0);
    const state = join(dir, "state.db");
    chmodSync(state, 0o644);
    const run = await runCli(["doctor", "--config", configPath, "--json"], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    const file = parseJson(run).state.checks.find((c) => c.id === "state-file")!;
    expect(file.verdict).toBe("warning");
    expect(file.summary).toContain("mode 0644: its group and others can read it");
    expect(file.advice).toContain(`chmod 600 ${state}`);

    const unknown = await runCli(["doctor", "--config", configPath, "--account", "nope"], { env: env() });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('the config has no account "nope"');
    // A secret the config names but the environment lacks: the sign-in fails as a config error, exit 2.
    const noSecret = await runCli(["doctor", "--config", configPath, "--account", "cloud", "--json"], { env: { ...env(), DOCTOR_DAV_PASSWORD: undefined } });
    expect(noSecret.code, noSecret.stderr).toBe(2);
    expect(check(parseJson(noSecret), "cloud", "sign-in")).toMatchObject({ verdict: "failed", category: "config", summary: "accounts.cloud.passwordEnv: the environment variable DOCTOR_DAV_PASSWORD is not set" });
    const badTimeout = await runCli(["doctor", "--config", configPath, "--timeout", "soon"], { env: env() });
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toContain("--timeout");
  });

  it("an Exchange 2010 SP2 server: the version negotiated and what it implies", async () => {
    const old = await startEwsSimulator({ seed: "small", serverVersion: EXCHANGE_2010_SP2_VERSION, users: [{ smtpAddress: "alice@example.com", password: EWS_PASSWORD }] });
    try {
      const { configPath } = writeConfig(old.url, { url: radicale.url, username: radicale.username, collection: "Contacts" });
      const run = await runCli(["doctor", "--config", configPath, "--account", "work", "--json"], { env: env() });
      expect(run.code, run.stderr).toBe(0);
      const version = check(parseJson(run), "work", "ews-version");
      expect(version.verdict).toBe("ok");
      expect(version.summary).toBe(
        "Exchange 2010 SP2 (14.2.247); requests use Exchange2010_SP2: a contact's gender (an Exchange 2016 property) is not stored there; it is reported as dropped and kept on the DAV side",
      );
    } finally {
      await old.stop();
    }
  });

  it("a server that refuses streaming notifications: a warning that watch falls back to a pull subscription (exit 0)", async () => {
    const front = await startSubscriptionFront({ simulator: sim, users: [{ smtpAddress: "alice@example.com", password: EWS_PASSWORD }], refuseStreaming: true });
    try {
      const { configPath } = writeConfig(front.url, { url: radicale.url, username: radicale.username, collection: "Contacts" });
      const run = await runCli(["doctor", "--config", configPath, "--account", "work", "--json"], { env: env() });
      expect(run.code, run.stderr).toBe(0);
      const push = check(parseJson(run), "work", "notifications");
      expect(push.verdict).toBe("warning");
      expect(push.summary).toMatch(/^streaming notifications refused \(.*ErrorSchemaValidation.*\); ewsdav watch falls back to a pull subscription/);
      expect(push.advice).toContain("allow EWS streaming notifications");
      // Both subscriptions were removed again.
      expect(front.requests.map((r) => r.operation)).toEqual(["Subscribe", "Subscribe", "Unsubscribe"]);
      expect(front.subscriptionCount).toBe(0);
    } finally {
      await front.stop();
    }
  });

  it("a pair with an interrupted run: a warning naming the sync that finishes it; a pair being synced: said, without a warning", async () => {
    const { dir, configPath } = writeConfig(sim.url, { url: radicale.url, username: radicale.username, collection: "Contacts" });
    expect((await runCli(["sync", "--config", configPath], { env: env() })).code).toBe(0);
    const statePath = join(dir, "state.db");
    // What a run killed between its journal entry and the side effect leaves behind.
    const db = new Database(statePath);
    db.prepare("INSERT INTO journal (pair_id, uid, slot, op, item_id, started_at) VALUES (?, ?, ?, ?, ?, ?)").run("contacts", "uid-1", "local", "create", null, new Date().toISOString());
    db.close();
    const interrupted = await runCli(["doctor", "--config", configPath, "--account", "cloud", "--json"], { env: env() });
    expect(interrupted.code, interrupted.stderr).toBe(0);
    const pairs = parseJson(interrupted).state.checks.find((c) => c.id === "state-pairs")!;
    expect(pairs).toMatchObject({ verdict: "warning", summary: "contacts: an interrupted run left 1 journaled action" });
    expect(pairs.advice).toContain("ewsdav sync --pair contacts");

    const store = new SqliteStateStore(statePath);
    try {
      expect((await store.acquireLease({ pairId: "contacts", owner: "host-b:4242", ttlMs: 600_000 })).acquired).toBe(true);
      const busy = await runCli(["doctor", "--config", configPath, "--account", "cloud"], { env: env() });
      expect(busy.code, busy.stderr).toBe(0);
      expect(busy.stdout).toMatch(/ok {6}Pairs in the state: contacts: an interrupted run left 1 journaled action; contacts is being synced by host-b:4242 \(lease until /);
    } finally {
      await store.close();
    }
  });

  it("a host name that does not resolve: DNS failed, exit 4; --quiet prints only the failures, on stderr", async () => {
    const { configPath } = writeConfig("https://ewsdav-doctor-test.invalid/EWS/Exchange.asmx", { url: radicale.url, username: radicale.username, collection: "Contacts" });
    const run = await runCli(["doctor", "--config", configPath, "--account", "work", "--timeout", "5", "--quiet"], { env: env() });
    expect(run.code).toBe(4);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^error: work: DNS: (ewsdav-doctor-test\.invalid does not resolve|ewsdav-doctor-test\.invalid could not be looked up|no answer within 5 s)/m);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  describe("against sabre/dav (no sync-collection)", () => {
    let sabre: DavServer;
    beforeAll(async () => {
      sabre = await startSabre();
      await sabre.seedCollection({ name: "contacts", kind: "addressbook", displayName: "Contacts", items: [] });
    });
    afterAll(async () => {
      await sabre?.stop();
    });

    it("warns that changes are found by listing ETags; warnings alone exit 0", async () => {
      const { configPath } = writeConfig(sim.url, { url: sabre.url, username: sabre.username, collection: "Contacts" });
      const run = await runCli(["doctor", "--config", configPath, "--account", "cloud", "--json"], { env: { DOCTOR_DAV_PASSWORD: sabre.password } });
      expect(run.code, run.stderr).toBe(0);
      const doc = parseJson(run);
      expect(doc.accounts.map((a) => a.name)).toEqual(["cloud"]);
      expect(check(doc, "cloud", "sign-in").verdict).toBe("ok");
      const sync = check(doc, "cloud", "sync-collection");
      expect(sync.verdict).toBe("warning");
      expect(sync.summary).toContain('no sync-collection (RFC 6578) on "Contacts": changes are found by listing every ETag');
      expect(sync.advice).toBeTruthy();
      expectNoSecret(run, sabre.password);
    });
  });
});
