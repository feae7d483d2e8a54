/**
 * `ewsdav init` for a Microsoft Graph account through the real binary, answers piped to stdin:
 * one mailbox served by the EWS simulator and the Graph simulator over it, tokens from the fake
 * identity provider on loopback HTTPS (a test CA trusted through NODE_EXTRA_CA_CERTS, its host
 * mapped with --connect-to, which init keeps as the account's resolve), and Radicale. Delegated
 * with a device code approved while init waits; app-only with a client secret kept in a 0600 file
 * (never in the config or the output). Each config then runs `ewsdav sync`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestCertificateAuthority,
  startEwsSimulator,
  startFakeIdentityProvider,
  type EwsSimulator,
  type FakeIdentityProvider,
  type TestCertificateAuthority,
} from "@ewsdav/ews-simulator";
import { startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { startRadicale, type DavServer } from "../../../test/harness/dav-servers.js";
import { until } from "../../../test/harness/wait.js";
import { EWSDAV_BIN, runCli } from "./cli.test-support.js";

const HOST = "login.example.test";
const TENANT = "contoso";
const CLIENT_ID = "7a4e1c2b-0000-4000-8000-00000000f00d";
const CLIENT_SECRET = "graph-app-Secret~7Qx-4f1e";
const USER = "alice@example.com";

let ca: TestCertificateAuthority;
let idp: FakeIdentityProvider;
let ews: EwsSimulator;
let graph: GraphSimulator;
let dav: DavServer;
let dir: string;
let caFile: string;

beforeAll(async () => {
  ca = createTestCertificateAuthority();
  dir = mkdtempSync(join(tmpdir(), "ewsdav-init-graph-"));
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, ca.caCert);
  [idp, ews, dav] = await Promise.all([
    startFakeIdentityProvider({ tls: ca.issue([HOST]), publicHost: HOST, tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, users: [{ username: USER }] }),
    startEwsSimulator({ seed: "small" }),
    startRadicale(),
  ]);
  graph = await startGraphSimulator({ mailbox: (address) => ews.mailbox(address), users: [USER], identityProvider: idp });
});
afterAll(async () => {
  await graph?.stop();
  await Promise.all([ews?.stop(), dav?.stop(), idp?.close()]);
  ca?.dispose();
});

const lines = (...answers: string[]) => `${answers.join("\n")}\n`;
const initArgs = (configPath: string) => ["init", "--config", configPath, "--graph-url", graph.url, "--authority", idp.authority, "--connect-to", `${HOST}:443:127.0.0.1:${idp.port}`];

describe("ewsdav init with a Microsoft Graph account", () => {
  it("signs in with a device code while init waits, lists the To Do lists, and `ewsdav sync` runs the config it wrote", async () => {
    const configPath = join(mkdtempSync(join(dir, "delegated-")), "config.json");
    const child = spawn(process.execPath, [EWSDAV_BIN, ...initArgs(configPath)], { env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    try {
      child.stdin.end(
        lines(
          USER,
          "", // how to reach the mailbox: graph (the default with --graph-url)
          CLIENT_ID,
          "", // sign in: device-code (default)
          "", // tenant: the address's domain (default; a single-tenant registration is refused at /organizations)
          dav.url,
          dav.username,
          dav.password,
          "", // contacts: the default folder
          "", // a new collection
          "", // named "Contacts"
          "none", // no calendar
          "", // tasks: the default To Do list
          "",
          "", // named "Tasks"
          "env",
          "DAV_PW",
          "",
        ),
      );
      await until("the device code", () => /enter the code (\S+)/.test(out), 60_000);
      idp.approveDevice(/enter the code (\S+)/.exec(out)![1]!, USER);
      expect(await exited, out).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
    expect(out).toContain("Microsoft Graph (Exchange Online / Microsoft 365: EWS there is blocked by default since 1 October 2026)");
    expect(out).toContain("Tenant (id or domain; organizations or common for a multitenant app): [example.com]");
    expect(out).toContain(`Signed in as ${USER}.`);
    expect(out).toMatch(/Microsoft Graph accepted the sign-in: \d+ contact folders?, \d+ calendars? and \d+ To Do lists?/);
    expect(out).toContain(`graph: Microsoft Graph ${graph.url} for ${USER}`);
    expect(statSync(join(configPath, "..", "tokens", "graph.json")).mode & 0o777).toBe(0o600);
    const config = JSON.parse(readFileSync(configPath, "utf8"));
    expect(config.accounts.graph).toEqual({
      type: "graph",
      baseUrl: graph.url,
      resolve: { [`${HOST}:443`]: `127.0.0.1:${idp.port}` },
      auth: { type: "oauth", flow: "delegated", clientId: CLIENT_ID, tenantId: "example.com", authority: idp.authority, signIn: "device-code", tokenCache: "tokens/graph.json" },
    });
    expect(config.pairs.map((p: { id: string; kind: string; remote: { account: string } }) => [p.id, p.kind, p.remote.account])).toEqual([
      ["contacts", "contacts", "graph"],
      ["tasks", "tasks", "graph"],
    ]);
    const sync = await runCli(["sync", "--config", configPath, "--json"], { env: { NODE_EXTRA_CA_CERTS: caFile, DAV_PW: dav.password } });
    expect(sync.code, sync.stderr).toBe(0);
    const pairs = (JSON.parse(sync.stdout) as { pairs: Array<{ id: string; local: { created: number }; errors: unknown[] }> }).pairs;
    expect(pairs.find((p) => p.id === "contacts")).toMatchObject({ errors: [] });
    expect(pairs.find((p) => p.id === "contacts")!.local.created).toBeGreaterThan(0);
    expect(pairs.find((p) => p.id === "tasks")).toMatchObject({ errors: [] });
    for (const token of idp.issued.map((t) => t.accessToken)) expect(out + sync.stdout + sync.stderr).not.toContain(token);
  });

  it("sets up an app-only account with a client secret kept in a 0600 file, never in the config or the output, and `ewsdav sync` runs it", async () => {
    const configPath = join(mkdtempSync(join(dir, "app-only-")), "config.json");
    const input = lines(USER, "graph", CLIENT_ID, "app-only", TENANT, "secret", CLIENT_SECRET, dav.url, dav.username, dav.password, "", "new", "Work contacts", "none", "none", "file", "");
    const run = await runCli([...initArgs(configPath), "--json"], { input, env: { NODE_EXTRA_CA_CERTS: caFile } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("Where should ewsdav keep the client secrets and passwords?");
    for (const secret of [CLIENT_SECRET, dav.password]) {
      expect(run.stdout + run.stderr).not.toContain(secret);
      expect(readFileSync(configPath, "utf8")).not.toContain(secret);
    }
    const result = JSON.parse(run.stdout) as { accounts: Record<string, unknown>; secrets: Array<{ account: string; secret: string; passwordFile: string }> };
    expect(result.accounts.graph).toEqual({ type: "graph", url: graph.url, mailbox: USER, auth: "app-only" });
    const graphSecret = result.secrets.find((s) => s.account === "graph")!;
    expect(graphSecret).toMatchObject({ secret: "client secret", passwordFile: join(configPath, "..", "secrets", "graph") });
    expect(statSync(graphSecret.passwordFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(graphSecret.passwordFile, "utf8").trim()).toBe(CLIENT_SECRET);
    expect(JSON.parse(readFileSync(configPath, "utf8")).accounts.graph).toEqual({
      type: "graph",
      baseUrl: graph.url,
      resolve: { [`${HOST}:443`]: `127.0.0.1:${idp.port}` },
      user: USER,
      auth: { type: "oauth", flow: "app-only", clientId: CLIENT_ID, tenantId: TENANT, authority: idp.authority, clientSecretFile: "secrets/graph" },
    });
    const sync = await runCli(["sync", "--config", configPath, "--json"], { env: { NODE_EXTRA_CA_CERTS: caFile } });
    expect(sync.code, sync.stderr).toBe(0);
    const [pair] = (JSON.parse(sync.stdout) as { pairs: Array<{ local: { created: number }; errors: unknown[] }> }).pairs;
    expect(pair).toMatchObject({ errors: [] });
    expect(pair!.local.created).toBeGreaterThan(0);
    expect(sync.stdout + sync.stderr).not.toContain(CLIENT_SECRET);
  });
});

describe("ewsdav init with a Microsoft Graph account that cannot sign in", () => {
  it("asks again for a client id that is not a GUID, and says why the token request failed (the host not found), never the secret", async () => {
    const configPath = join(mkdtempSync(join(dir, "no-idp-")), "config.json");
    const input = lines(USER, "graph", "my-app", CLIENT_ID, "app-only", "", "secret", CLIENT_SECRET);
    const run = await runCli(["init", "--config", configPath, "--graph-url", graph.url, "--authority", "https://login.ewsdav-test.invalid/contoso"], { input });
    expect(run.code).not.toBe(0);
    const out = run.stdout + run.stderr;
    expect(out).toContain("a GUID like 00000000-0000-0000-0000-000000000000");
    expect(out).toContain("Tenant (id or domain; organizations or common for a multitenant app): [example.com]");
    expect(run.stderr).toMatch(/Microsoft Graph at .*token provider failed.*(ENOTFOUND|EAI_AGAIN|getaddrinfo)/);
    expect(run.stdout + run.stderr).not.toContain(CLIENT_SECRET);
  });
});

describe("ewsdav init for an Exchange Online address", () => {
  it("says EWS is blocked there and offers Graph as the default", async () => {
    const configPath = join(mkdtempSync(join(dir, "online-")), "config.json");
    const run = await runCli(["init", "--config", configPath], { input: lines("alice@contoso.onmicrosoft.com") });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain("alice@contoso.onmicrosoft.com is an Exchange Online (Microsoft 365) address. EWS in Exchange Online is blocked by default since 1 October 2026");
    // The default is the fourth choice, graph.
    expect(run.stdout).toMatch(/4\) graph {2}— Microsoft Graph[^\n]*\n[^\n]*\[4\]/);
  });
});
