/**
 * Microsoft Graph accounts through the real binary: one mailbox served by the EWS simulator and by
 * the Graph simulator over it, tokens from the fake identity provider on loopback HTTPS (test CA as
 * the account's caFile, its host mapped with `resolve`), which issues Outlook or Graph tokens and
 * each service accepts only its own. `ewsdav login` of a delegated Graph account asks for Graph's
 * permissions; `sync`, `discover --account` and `doctor` run over Graph (app-only with a client
 * secret too); `move-to-graph` moves a pair synced over EWS to Graph, and the next sync creates and
 * deletes nothing.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
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
import { EWSDAV_BIN, runCli } from "./cli.test-support.js";

const HOST = "login.example.test";
const TENANT = "contoso-tenant";
const CLIENT_ID = "3f1c2a9e-0000-4000-8000-00000000c1d0";
const CLIENT_SECRET = "app-secret-Qx7~value-9f8e7d";
const USER = "alice@example.com";

let ca: TestCertificateAuthority;
let idp: FakeIdentityProvider;
let ews: EwsSimulator;
let graph: GraphSimulator;

beforeAll(async () => {
  ca = createTestCertificateAuthority();
  idp = await startFakeIdentityProvider({ tls: ca.issue([HOST]), publicHost: HOST, tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, users: [{ username: USER }] });
  ews = await startEwsSimulator({ seed: "small" });
  graph = await startGraphSimulator({ mailbox: (address) => ews.mailbox(address), users: [USER], identityProvider: idp });
});
afterAll(async () => {
  await graph?.stop();
  await ews?.stop();
  await idp?.close();
  ca?.dispose();
});

/** A config with the Graph account `o365` (auth as given), optionally an EWS account `work` of the same mailbox, and a vdir folder. */
function writeConfig(auth: Record<string, unknown>, pairs: unknown[], withEws = false): { dir: string; configPath: string; rewrite: (change: (config: Record<string, any>) => void) => void } {
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-graph-"));
  writeFileSync(join(dir, "ca.pem"), ca.caCert);
  writeFileSync(join(dir, "client-secret"), CLIENT_SECRET);
  chmodSync(join(dir, "client-secret"), 0o600);
  const configPath = join(dir, "sync.json");
  const config: Record<string, any> = {
    state: "state.db",
    accounts: {
      o365: { type: "graph", user: USER, baseUrl: graph.url, auth, resolve: { [`${HOST}:443`]: `127.0.0.1:${idp.port}` }, caFile: "ca.pem" },
      ...(withEws ? { work: { type: "ews", url: ews.url, mailbox: USER, auth: { type: "basic", username: USER, passwordEnv: "EWSDAV_TEST_EWS_PASSWORD" } } } : {}),
      files: { type: "vdir", path: "vdir" },
    },
    pairs,
  };
  const write = () => {
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    chmodSync(configPath, 0o600);
  };
  write();
  return { dir, configPath, rewrite: (change) => (change(config), write()) };
}

const contactsPair = (account: string) => ({ id: "cards", kind: "contacts", remote: { account, folder: "Contacts" }, local: { account: "files", collection: "cards", create: true } });
const appOnly = { type: "oauth", flow: "app-only", clientId: CLIENT_ID, tenantId: TENANT, authority: `https://${HOST}/${TENANT}`, clientSecretFile: "client-secret" };
const env = { EWSDAV_TEST_EWS_PASSWORD: "secret" };

/** The counts of the pairs of a `sync --json` run. */
function pairsOf(stdout: string): Array<{ id: string; local: { created: number; updated: number; deleted: number }; remote: { created: number; updated: number; deleted: number }; errors: unknown[] }> {
  return (JSON.parse(stdout) as { pairs: never[] }).pairs;
}

describe("Microsoft Graph accounts in the CLI", () => {
  it("login of a delegated Graph account asks for Graph's permissions; sync, discover and doctor then run over Graph", async () => {
    const { dir, configPath } = writeConfig({ type: "oauth", flow: "delegated", clientId: CLIENT_ID, tenantId: TENANT, authority: `https://${HOST}/${TENANT}`, signIn: "device-code" }, [contactsPair("o365")]);
    // Before the sign-in, a run fails naming `ewsdav login`.
    const early = await runCli(["sync", "--config", configPath]);
    expect(early.code, early.stderr).toBe(3);
    expect(early.stderr).toContain("ewsdav login o365");

    const child = spawn(process.execPath, [EWSDAV_BIN, "login", "o365", "--config", configPath, "--json-lines"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<string>((resolve) => child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /"userCode":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    }));
    idp.approveDevice(code, USER);
    const exit = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(exit, err).toBe(0);
    const signIn = idp.issued.at(-1)!;
    expect(signIn.resource).toBe("https://graph.microsoft.com");
    expect(signIn.scope.split(" ")).toEqual(expect.arrayContaining(["Contacts.ReadWrite", "Calendars.ReadWrite", "Tasks.ReadWrite"]));

    const sync = await runCli(["sync", "--config", configPath, "--json"]);
    expect(sync.code, sync.stderr).toBe(0);
    expect(pairsOf(sync.stdout)[0]).toMatchObject({ id: "cards", local: { created: 5 }, errors: [] });
    expect(readdirSync(join(dir, "vdir", "cards")).filter((f) => f.endsWith(".vcf"))).toHaveLength(5);
    expect(sync.stdout + sync.stderr).not.toContain("at.");

    const discover = await runCli(["discover", "--account", "o365", "--config", configPath, "--json"]);
    expect(discover.code, discover.stderr).toBe(0);
    expect((JSON.parse(discover.stdout) as { collections: unknown[] }).collections).toEqual(expect.arrayContaining([{ kind: "contacts", id: "contacts", displayName: "Contacts" }]));

    const doctor = await runCli(["doctor", "--account", "o365", "--config", configPath, "--json"]);
    const report = JSON.parse(doctor.stdout) as { accounts: Array<{ type: string; checks: Array<{ id: string; verdict: string; summary: string }> }> };
    expect(report.accounts[0]!.type).toBe("graph");
    const checks = Object.fromEntries(report.accounts[0]!.checks.map((c) => [c.id, c]));
    expect(checks["sign-in"]).toMatchObject({ verdict: "ok" });
    expect(checks.collections).toMatchObject({ verdict: "ok", summary: "1 paired collection found" });
    expect(checks["collection-reads"]).toMatchObject({ verdict: "ok" });
    expect(doctor.stdout).not.toContain("at.");
  });

  it("app-only with a client secret gets a Graph token (Graph refuses an Outlook one) and syncs", async () => {
    const { configPath } = writeConfig(appOnly, [contactsPair("o365")]);
    const sync = await runCli(["sync", "--config", configPath, "--json"]);
    expect(sync.code, sync.stderr).toBe(0);
    expect(pairsOf(sync.stdout)[0]).toMatchObject({ local: { created: 5 }, errors: [] });
    const token = idp.issued.at(-1)!;
    expect(token).toMatchObject({ grantType: "client_credentials", resource: "https://graph.microsoft.com", scope: "https://graph.microsoft.com/.default" });
    expect(sync.stdout + sync.stderr).not.toContain(CLIENT_SECRET);
    // The same identity provider's Outlook token: EWS takes it, Graph answers 401.
    expect(idp.resolve(token.accessToken)).toBeUndefined();
    const outlook = [...idp.issued].reverse().find((t) => t.resource === "https://outlook.office365.com");
    if (outlook) {
      const refused = await fetch(`${graph.url}/users/${USER}/contacts`, { headers: { authorization: `Bearer ${outlook.accessToken}` } });
      expect(refused.status).toBe(401);
    }
  });

  it("move-to-graph moves a pair synced over EWS to the Graph account: the next sync creates and deletes nothing", async () => {
    const { configPath, rewrite } = writeConfig(appOnly, [contactsPair("work")], true);
    const first = await runCli(["sync", "--config", configPath, "--json"], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(pairsOf(first.stdout)[0]).toMatchObject({ local: { created: 5 }, errors: [] });
    const again = await runCli(["sync", "--config", configPath, "--json"], { env });
    expect(again.code, again.stderr).toBe(0);

    const move = await runCli(["move-to-graph", "cards", "--to", "o365", "--config", configPath, "--json"], { env });
    expect(move.code, move.stderr).toBe(0);
    const moved = JSON.parse(move.stdout) as { moved: boolean; slot: string; from: string; to: string; items: number; failed: unknown[]; collection: { to: string } };
    expect(moved).toMatchObject({ moved: true, slot: "remote", from: "work", to: "o365", failed: [] });
    expect(moved.items).toBeGreaterThanOrEqual(5);
    const text = await runCli(["move-to-graph", "cards", "--to", "o365", "--config", configPath], { env });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("was moved already");
    expect(text.stdout).toContain(`"remote": { "account": "o365", "folder": "${moved.collection.to}" }`);

    rewrite((config) => (config.pairs[0].remote = { account: "o365", folder: moved.collection.to }));
    const over = await runCli(["sync", "--config", configPath, "--json"], { env });
    expect(over.code, over.stderr).toBe(0);
    const [pair] = pairsOf(over.stdout);
    expect(pair).toMatchObject({ id: "cards", errors: [], local: { created: 0, deleted: 0, updated: 0 }, remote: { created: 0, deleted: 0, updated: 0 } });

    // A change in the mailbox now arrives over Graph.
    const box = ews.mailbox(USER);
    const item = box.items("contacts").find((i) => i.kind === "Contact")!;
    box.updateItem(item.id, "<Contact><JobTitle>Moved to Graph</JobTitle></Contact>");
    const after = await runCli(["sync", "--config", configPath, "--json"], { env });
    expect(after.code, after.stderr).toBe(0);
    expect(pairsOf(after.stdout)[0]).toMatchObject({ local: { updated: 1, created: 0, deleted: 0 } });
    const cards = readdirSync(join(configPath, "..", "vdir", "cards")).map((f) => readFileSync(join(configPath, "..", "vdir", "cards", f), "utf8"));
    expect(cards.some((c) => c.includes("TITLE:Moved to Graph"))).toBe(true);
  });
});
