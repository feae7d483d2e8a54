/**
 * `ewsdav init` through the real binary, driven through its prompts (answers piped to stdin),
 * against the EWS simulator and Radicale; then `ewsdav sync` with the config it wrote. Also:
 * autodiscover over loopback HTTPS (a test CA trusted through NODE_EXTRA_CA_CERTS, example.com
 * pointed at the autodiscover server with --connect-to) naming an EWS URL outside the domain,
 * which init asks about before sending the credentials there; refusing to overwrite a config; the
 * input ending mid-way; answers that never become acceptable.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer as createHttpsServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestCertificateAuthority,
  startAutodiscoverSimulator,
  startBearerGateway,
  startEwsSimulator,
  startFakeIdentityProvider,
  startNtlmGateway,
  type AutodiscoverSimulator,
  type EwsSimulator,
  type TestCertificateAuthority,
} from "@ewsdav/ews-simulator";
import { freePort, startRadicale, type DavServer } from "../../../test/harness/dav-servers.js";
import { syncConfigSchema } from "../src/config.js";
import { until } from "../../../test/harness/wait.js";
import { EWSDAV_BIN, runCli } from "./cli.test-support.js";

const USER = "alice@example.com";
const EWS_PASSWORD = "Ews-Pa55-q7Zx";

let sim: EwsSimulator;
let dav: DavServer;

beforeAll(async () => {
  [sim, dav] = await Promise.all([startEwsSimulator({ seed: "small", users: [{ smtpAddress: USER, password: EWS_PASSWORD }] }), startRadicale()]);
  // An address book that exists already: init offers it for the Exchange contacts.
  await dav.seedCollection({ name: "contacts", kind: "addressbook", displayName: "Contacts", items: [] });
});
afterAll(async () => {
  await Promise.all([sim?.stop(), dav?.stop()]);
});

function newDir(): string {
  return mkdtempSync(join(tmpdir(), "ewsdav-init-"));
}

/** Answers, one per line ("" takes the default). */
const lines = (...answers: string[]) => `${answers.join("\n")}\n`;

describe("ewsdav init", () => {
  it("asks its way to a config without secrets that `ewsdav sync` runs: folders paired with an existing collection and new ones", async () => {
    const dir = newDir();
    const configPath = join(dir, "ewsdav", "config.json");
    const input = lines(
      USER, // e-mail address
      "", // sign in: basic (default)
      "", // user name: the address (default)
      "wrong-password", // password: refused at the check …
      sim.url, // EWS URL
      EWS_PASSWORD, // … so asked again
      dav.url,
      dav.username,
      dav.password,
      "", // contacts folders: the default (Contacts)
      "", // paired with: the existing "Contacts" address book (default: same name)
      "1,2", // calendar folders: Calendar and Team Calendar
      "", // Calendar with: a new collection (default, none exists)
      "", // named "Calendar"
      "new", // Team Calendar with: a new collection
      "", // named "Team Calendar"
      "", // tasks folders: Tasks
      "", // a new collection
      "", // named "Tasks"
      "env", // passwords in environment variables
      "", // EWSDAV_EXCHANGE_PASSWORD
      "EWSDAV_TEST_DAV_PW", // the DAV one named here
      "", // state file: state.db
    );
    const run = await runCli(["init", "--config", configPath], { input });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain("Exchange refused the credentials");
    expect(run.stdout).toMatch(/Exchange accepted the credentials: 2 contact, 2 calendar and 2 task folders/);
    expect(run.stdout).toContain(`Wrote ${configPath}`);
    expect(run.stdout).toContain(`Next: ewsdav sync --dry-run --config ${configPath}`);
    expect(run.stdout).toContain("from the environment variable EWSDAV_EXCHANGE_PASSWORD");
    const text = readFileSync(configPath, "utf8");
    for (const secret of [EWS_PASSWORD, dav.password, "wrong-password"]) {
      expect(text).not.toContain(secret);
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
    expect(statSync(join(dir, "ewsdav")).mode & 0o777).toBe(0o700);
    const config = JSON.parse(text);
    expect(config.accounts).toEqual({
      exchange: { type: "ews", url: sim.url, mailbox: USER, auth: { type: "basic", username: USER, passwordEnv: "EWSDAV_EXCHANGE_PASSWORD" } },
      dav: { type: "dav", url: dav.url, username: dav.username, passwordEnv: "EWSDAV_TEST_DAV_PW" },
    });
    expect(config.state).toBe("state.db");
    expect(config.pairs).toEqual([
      { id: "contacts", kind: "contacts", remote: { account: "exchange", folder: "Contacts" }, local: { account: "dav", collection: `/${dav.username}/contacts/` } },
      { id: "calendar", kind: "events", remote: { account: "exchange", folder: "Calendar" }, local: { account: "dav", collection: "Calendar", create: true } },
      { id: "calendar-team-calendar", kind: "events", remote: { account: "exchange", folder: "Team Calendar" }, local: { account: "dav", collection: "Team Calendar", create: true } },
      { id: "tasks", kind: "tasks", remote: { account: "exchange", folder: "Tasks" }, local: { account: "dav", collection: "Tasks", create: true } },
    ]);

    const env = { EWSDAV_EXCHANGE_PASSWORD: EWS_PASSWORD, EWSDAV_TEST_DAV_PW: dav.password };
    const sync = await runCli(["sync", "--config", configPath, "--json"], { env });
    expect(sync.code, sync.stderr).toBe(0);
    const report = JSON.parse(sync.stdout) as { ok: boolean; pairs: Array<{ id: string; local: { created: number } }> };
    expect(report.ok).toBe(true);
    expect(report.pairs.map((p) => p.id).sort()).toEqual(["calendar", "calendar-team-calendar", "contacts", "tasks"]);
    // The seeded Exchange contacts arrived in the existing address book.
    expect(report.pairs.find((p) => p.id === "contacts")!.local.created).toBeGreaterThan(0);
    const again = await runCli(["sync", "--config", configPath, "--json"], { env });
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { pairs: Array<{ local: { created: number } }> }).pairs.every((p) => p.local.created === 0)).toBe(true);
  });

  it("finds the EWS URL by autodiscover, asks before sending the credentials outside the domain, and keeps passwords in 0600 files", async () => {
    const ca: TestCertificateAuthority = createTestCertificateAuthority();
    const dir = newDir();
    const caFile = join(dir, "ca.pem");
    writeFileSync(caFile, ca.caCert);
    // Exchange over HTTPS at 127.0.0.1 (outside example.com): a TLS front for the simulator.
    const target = new URL(sim.url);
    const front: Server = createHttpsServer(ca.issue(["127.0.0.1"]), (req, res) => {
      const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on("error", () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
    const ewsUrl = `https://127.0.0.1:${(front.address() as AddressInfo).port}/EWS/Exchange.asmx`;
    const autodiscover: AutodiscoverSimulator = await startAutodiscoverSimulator({
      tls: ca.issue(["example.com", "autodiscover.example.com"]),
      basic: { username: USER, password: EWS_PASSWORD },
      users: { [USER]: { externalEwsUrl: ewsUrl } },
    });
    try {
      const configPath = join(dir, "config.json");
      const closed = await freePort();
      const input = lines(
        USER,
        "basic",
        "",
        EWS_PASSWORD,
        "", // EWS URL: find it by autodiscover
        "y", // send the credentials to 127.0.0.1 (outside example.com)
        "", // use the URL found
        dav.url,
        dav.username,
        dav.password,
        "2", // contacts: Family only
        "new",
        "Family from work",
        "none", // no calendar
        "none", // no tasks
        "file", // passwords in 0600 files
        "sync-state.db",
      );
      const args = ["init", "--config", configPath, "--json", "--connect-to", `example.com:443:127.0.0.1:${autodiscover.port}`, "--connect-to", `::127.0.0.1:${closed}`, "--no-srv"];
      const run = await runCli(args, { input, env: { NODE_EXTRA_CA_CERTS: caFile } });
      expect(run.stderr).toMatch(/✓ soap +https:\/\/example\.com\/autodiscover\/autodiscover\.svc {2}answered/);
      expect(run.stderr).toContain(`Autodiscover names the EWS server 127.0.0.1:${(front.address() as AddressInfo).port}, outside example.com. Send your credentials there? [y/N]`);
      expect(autodiscover.requests[0]).toMatchObject({ hadCredentials: true, status: 200 });
      for (const secret of [EWS_PASSWORD, dav.password]) expect(run.stdout + run.stderr).not.toContain(secret);
      const passwordFileKnown = syncConfigSchema.safeParse({
        state: "s.db",
        accounts: { d: { type: "dav", url: "https://dav.example.com/", username: "u", passwordFile: "secrets/d" } },
        pairs: [{ kind: "contacts", remote: { account: "d", folder: "x" }, local: { account: "d", collection: "y" } }],
      }).success;
      if (!passwordFileKnown) {
        // This build's config schema has no passwordFile yet: init says so and writes nothing.
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toContain("the config would not be valid, so nothing was written");
        expect(existsSync(configPath)).toBe(false);
        expect(existsSync(join(dir, "secrets"))).toBe(false);
        return;
      }
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as { config: string; pairs: Array<{ id: string; collectionName: string }>; secrets: Array<{ account: string; passwordFile: string }> };
      expect(result.config).toBe(configPath);
      expect(result.pairs).toMatchObject([{ id: "contacts", collectionName: "Family from work" }]);
      expect(result.secrets.map((s) => s.passwordFile).sort()).toEqual([join(dir, "secrets", "dav"), join(dir, "secrets", "exchange")]);
      for (const s of result.secrets) expect(statSync(s.passwordFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, "secrets", "exchange"), "utf8").trim()).toBe(EWS_PASSWORD);
      const text = readFileSync(configPath, "utf8");
      expect(text).not.toContain(EWS_PASSWORD);
      expect(JSON.parse(text).accounts.exchange).toEqual({ type: "ews", url: ewsUrl, mailbox: USER, auth: { type: "basic", username: USER, passwordFile: "secrets/exchange" } });
      const sync = await runCli(["sync", "--config", configPath, "--json"], { env: { NODE_EXTRA_CA_CERTS: caFile } });
      expect(sync.code, sync.stderr).toBe(0);
      expect((JSON.parse(sync.stdout) as { pairs: Array<{ local: { created: number } }> }).pairs[0]!.local.created).toBeGreaterThan(0);
    } finally {
      await autodiscover.close();
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      ca.dispose();
    }
  });

  it("sets up an NTLM account (checked through the simulator's NTLM front) that `ewsdav sync` runs", async () => {
    const ntlmPassword = "Ntlm-Pa55-w0rd-K3";
    const gateway = await startNtlmGateway({
      target: sim.url,
      accounts: [{ user: "alice", domain: "EXAMPLE", upn: USER, password: ntlmPassword }],
      backend: () => ({ smtpAddress: USER, username: USER, password: EWS_PASSWORD }),
    });
    try {
      const dir = newDir();
      const configPath = join(dir, "config.json");
      const input = lines(USER, "ntlm", "EXAMPLE\\alice", ntlmPassword, gateway.url, dav.url, dav.username, dav.password, "", "new", "NTLM contacts", "none", "none", "env", "NTLM_PW", "DAV_PW", "");
      const run = await runCli(["init", "--config", configPath], { input });
      for (const secret of [ntlmPassword, dav.password]) expect(run.stdout + run.stderr).not.toContain(secret);
      const ntlmKnown = syncConfigSchema.safeParse({
        state: "s.db",
        accounts: { e: { type: "ews", url: "https://mail.example.com/EWS/Exchange.asmx", auth: { type: "ntlm", username: "u", passwordEnv: "P" } } },
        pairs: [{ kind: "contacts", remote: { account: "e", folder: "x" }, local: { account: "e", collection: "y" } }],
      }).success;
      if (!ntlmKnown) {
        // This build's config schema has no NTLM accounts yet: init says which field, writes nothing.
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toMatch(/bad config: accounts\.exchange/);
        expect(existsSync(configPath)).toBe(false);
        return;
      }
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(gateway.verifier.statistics.successes).toBeGreaterThan(0);
      expect(JSON.parse(readFileSync(configPath, "utf8")).accounts.exchange.auth).toEqual({ type: "ntlm", username: "EXAMPLE\\alice", passwordEnv: "NTLM_PW" });
      const sync = await runCli(["sync", "--config", configPath, "--json"], { env: { NTLM_PW: ntlmPassword, DAV_PW: dav.password } });
      expect(sync.code, sync.stderr).toBe(0);
      expect((JSON.parse(sync.stdout) as { pairs: Array<{ local: { created: number } }> }).pairs[0]!.local.created).toBeGreaterThan(0);
    } finally {
      await gateway.stop();
    }
  });

  it("signs in to an OAuth account with a device code approved while it waits, and `ewsdav sync` uses the cached token", async () => {
    const ca = createTestCertificateAuthority();
    const dir = newDir();
    const caFile = join(dir, "ca.pem");
    writeFileSync(caFile, ca.caCert);
    const clientId = "5d2b7c1e-0000-4000-8000-00000000a11c";
    const idp = await startFakeIdentityProvider({
      tls: ca.issue(["login.example.test"]),
      publicHost: "login.example.test",
      tenantId: "contoso",
      clientId,
      clientSecret: "unused-Secret-3x",
      users: [{ username: USER }],
    });
    const gateway = await startBearerGateway({ target: sim.url, resolve: (token) => idp.resolve(token), backendCredentials: (address) => ({ username: address, password: EWS_PASSWORD }) });
    const configPath = join(dir, "config.json");
    const args = ["init", "--config", configPath, "--authority", idp.authority, "--connect-to", `login.example.test:443:127.0.0.1:${idp.port}`];
    const child = spawn(process.execPath, [EWSDAV_BIN, ...args], { env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      // Every answer at once: the ones after the sign-in wait in the input until it is done.
      child.stdin.end(lines(USER, "oauth", clientId, "contoso", "device-code", gateway.url, dav.url, dav.username, dav.password, "", "new", "OAuth contacts", "none", "none", "env", "DAV_PW", ""));
      const oauthKnown = syncConfigSchema.safeParse({
        state: "s.db",
        accounts: { e: { type: "ews", url: "https://mail.example.com/EWS/Exchange.asmx", mailbox: USER, auth: { type: "oauth", flow: "delegated", clientId, tenantId: "t", signIn: "device-code" } } },
        pairs: [{ kind: "contacts", remote: { account: "e", folder: "x" }, local: { account: "e", collection: "y" } }],
      }).success;
      if (!oauthKnown) {
        // This build has no OAuth sign-in yet: init says so and writes nothing.
        expect(await exited).toBe(2);
        expect(out).toContain("OAuth sign-in is not built yet");
        expect(existsSync(configPath)).toBe(false);
        return;
      }
      await until("the device code", () => /enter the code (\S+)/.test(out), 60_000);
      idp.approveDevice(/enter the code (\S+)/.exec(out)![1]!, USER);
      expect(await exited, out).toBe(0);
      expect(out).toContain(`Signed in as ${USER}.`);
      expect(statSync(join(dir, "tokens", "exchange.json")).mode & 0o777).toBe(0o600);
      const account = JSON.parse(readFileSync(configPath, "utf8")).accounts.exchange;
      expect(account).toEqual({
        type: "ews",
        url: gateway.url,
        mailbox: USER,
        resolve: { "login.example.test:443": `127.0.0.1:${idp.port}` },
        auth: { type: "oauth", flow: "delegated", clientId, tenantId: "contoso", authority: idp.authority, signIn: "device-code", tokenCache: "tokens/exchange.json" },
      });
      const sync = await runCli(["sync", "--config", configPath, "--json"], { env: { NODE_EXTRA_CA_CERTS: caFile, DAV_PW: dav.password } });
      expect(sync.code, sync.stderr).toBe(0);
      expect((JSON.parse(sync.stdout) as { pairs: Array<{ local: { created: number } }> }).pairs[0]!.local.created).toBeGreaterThan(0);
      for (const token of idp.issued.map((t) => t.accessToken)) expect(out + sync.stdout + sync.stderr).not.toContain(token);
    } finally {
      child.kill("SIGKILL");
      await gateway.stop();
      await idp.close();
      ca.dispose();
    }
  });

  it("refuses to replace an existing config without --force", async () => {
    const dir = newDir();
    const configPath = join(dir, "config.json");
    writeFileSync(configPath, "{}\n");
    const run = await runCli(["init", "--config", configPath], { input: lines(USER) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${configPath} exists already; ewsdav init does not replace it (use --force`);
    expect(readFileSync(configPath, "utf8")).toBe("{}\n");
  });

  it("ends with exit 2 naming the question when the input ends, and writes nothing", async () => {
    const dir = newDir();
    const configPath = join(dir, "config.json");
    const run = await runCli(["init", "--config", configPath], { input: lines(USER, "", "", EWS_PASSWORD, sim.url) });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('error: input ended at question "CalDAV/CardDAV server URL (Nextcloud: https://cloud.example.com/remote.php/dav/)"');
    expect(existsSync(configPath)).toBe(false);
    expect(run.stdout + run.stderr).not.toContain(EWS_PASSWORD);
  });

  it("gives up after three unacceptable answers from piped input, naming the question", async () => {
    const dir = newDir();
    const run = await runCli(["init", "--config", join(dir, "config.json")], { input: lines("alice", "alice@", "@example.com", USER) });
    expect(run.code).toBe(2);
    expect(run.stdout.match(/an address like alice@example\.com/g)).toHaveLength(2);
    expect(run.stderr).toContain('error: no acceptable answer to "Your e-mail address (the Exchange mailbox)" after 3 tries');
  });
});
