/**
 * `ewsdav sync` of an `"autodiscover": true` account through the real binary: the mailbox's
 * domain (example.com) answers autodiscover over HTTPS with a test CA (trusted through
 * NODE_EXTRA_CA_CERTS), its hosts mapped to loopback with the account's `resolve`; the EWS URL it
 * names (mail.example.com, also mapped) is an HTTPS front of the EWS simulator. The first sync
 * discovers and caches the URL (0600); the second uses the cache without asking autodiscover.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer as createHttpsServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestCertificateAuthority,
  startAutodiscoverSimulator,
  startEwsSimulator,
  type AutodiscoverSimulator,
  type EwsSimulator,
  type TestCertificateAuthority,
} from "@ewsdav/ews-simulator";
import { runCli } from "./cli.test-support.js";

const USER = "alice@example.com";
const PASSWORD = "secret";
const PASSWORD_ENV = "EWSDAV_TEST_AD_SYNC_PASSWORD";

let ca: TestCertificateAuthority;
let sim: EwsSimulator;
let front: Server;
let frontPort: number;
let ad: AutodiscoverSimulator;
let ewsUrl: string;

beforeAll(async () => {
  ca = createTestCertificateAuthority();
  sim = await startEwsSimulator({ seed: "small" });
  // mail.example.com: an HTTPS front forwarding to the simulator (autodiscover admits only https EWS URLs).
  const target = new URL(sim.url);
  front = createHttpsServer(ca.issue(["mail.example.com"]), (req, res) => {
    const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  frontPort = (front.address() as AddressInfo).port;
  ewsUrl = `https://mail.example.com:${frontPort}${target.pathname}`;
  ad = await startAutodiscoverSimulator({
    tls: ca.issue(["example.com", "autodiscover.example.com"]),
    basic: { username: USER, password: PASSWORD },
    users: { [USER]: { externalEwsUrl: ewsUrl } },
  });
});

afterAll(async () => {
  await ad?.close();
  front?.closeAllConnections();
  await new Promise<void>((resolve) => (front ? front.close(() => resolve()) : resolve()));
  await sim?.stop();
  ca?.dispose();
});

/** A config in a new folder: account `work` (autodiscover, these `resolve` mappings), vdir `files`, one contacts pair. */
function writeConfig(mailTo: string): { dir: string; configPath: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-sync-autodiscover-"));
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, ca.caCert);
  const configPath = join(dir, "sync.json");
  const to = `127.0.0.1:${ad.port}`;
  writeFileSync(
    configPath,
    JSON.stringify({
      state: "state.db",
      accounts: {
        work: {
          type: "ews",
          autodiscover: true,
          mailbox: USER,
          auth: { type: "basic", username: USER, passwordEnv: PASSWORD_ENV },
          resolve: { "example.com:443": to, "autodiscover.example.com:443": to, [`mail.example.com:${frontPort}`]: mailTo },
        },
        files: { type: "vdir", path: "vdir" },
      },
      pairs: [{ id: "cards", kind: "contacts", remote: { account: "work", folder: "Contacts" }, local: { account: "files", collection: "cards", create: true } }],
    }),
  );
  return { dir, configPath, env: { [PASSWORD_ENV]: PASSWORD, NODE_EXTRA_CA_CERTS: caFile } };
}

describe("ewsdav sync of an autodiscover account", () => {
  it("discovers the EWS URL, syncs the cards, caches the URL 0600; the second sync uses the cache", async () => {
    const { dir, configPath, env } = writeConfig(`127.0.0.1:${frontPort}`);
    const asked = () => ad.requests.filter((r) => r.email === USER).length;

    const first = await runCli(["sync", "--config", configPath], { env });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^cards: local \+5 ~0 -0 .*\| errors 0$/m);
    expect(asked()).toBeGreaterThan(0);
    expect(ad.requests.filter((r) => r.email === USER).some((r) => r.hadCredentials && r.status === 200)).toBe(true);
    const cards = readdirSync(join(dir, "vdir", "cards")).filter((f) => f.endsWith(".vcf"));
    expect(cards).toHaveLength(5);
    expect(readFileSync(join(dir, "vdir", "cards", cards[0]!), "utf8")).toMatch(/^BEGIN:VCARD/);

    const cachePath = join(dir, "state.db.autodiscover.json");
    expect(statSync(cachePath).mode & 0o777).toBe(0o600);
    const cacheText = readFileSync(cachePath, "utf8");
    expect((JSON.parse(cacheText) as { accounts: Record<string, unknown> }).accounts["work"]).toMatchObject({ mailbox: USER, ewsUrl });
    expect(cacheText).not.toContain(PASSWORD);

    const before = ad.requests.length;
    const second = await runCli(["sync", "--config", configPath], { env });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^cards: local \+0 ~0 -0 .*\| errors 0$/m);
    expect(ad.requests.length).toBe(before);
    for (const run of [first, second]) expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });

  it("the mapped EWS host still has to prove it is mail.example.com: a certificate for other names fails the sync", async () => {
    // mail.example.com mapped to the autodiscover server, whose certificate names only example.com and autodiscover.example.com.
    const { configPath, env } = writeConfig(`127.0.0.1:${ad.port}`);
    const run = await runCli(["sync", "--config", configPath], { env });
    expect(run.code, run.stdout + run.stderr).toBe(4);
    expect(run.stderr).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });
});
