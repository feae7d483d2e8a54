/**
 * An `"autodiscover": true` account: the EWS URL is found with the safe policy against the
 * simulator's autodiscover endpoint (HTTPS, test CA from the account's caFile, hosts mapped with
 * `resolve`), cached beside the state file (0600), used from the cache while fresh and its host
 * answers, discovered again when its host stops answering or the entry expires, and an expired
 * entry used (with a warning) when autodiscover fails but its host still answers.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestCertificateAuthority, startAutodiscoverSimulator, type AutodiscoverSimulator, type TestCertificateAuthority } from "@ewsdav/ews-simulator";
import { basicAutodiscoverAuth } from "@ewsdav/ews-client";
import { ewsAccountFor, type EwsAccountConfig } from "../src/accounts.js";
import { AUTODISCOVER_CACHE_TTL_MS, resolveEwsUrl } from "../src/auth/autodiscover-cache.js";
import { loadConfig } from "../src/config.js";
import { runCli } from "./cli.test-support.js";

const EWS_URL = "https://mail.example.com/EWS/Exchange.asmx";
let ca: TestCertificateAuthority;
let ad: AutodiscoverSimulator;
/** Stands in for mail.example.com: a port that accepts connections. */
let mail: Server;
let mailPort: number;

beforeAll(async () => {
  ca = createTestCertificateAuthority();
  ad = await startAutodiscoverSimulator({
    tls: ca.issue(["example.com", "autodiscover.example.com"]),
    basic: { username: "alice@example.com", password: "secret" },
    users: { "alice@example.com": { externalEwsUrl: EWS_URL } },
  });
  mail = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => mail.listen(0, "127.0.0.1", () => resolve()));
  mailPort = (mail.address() as { port: number }).port;
});
afterAll(async () => {
  await ad?.close();
  await new Promise((resolve) => mail?.close(resolve));
  ca?.dispose();
});

function writeConfig(resolve: Record<string, string>): { dir: string; configPath: string } {
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-autodiscover-"));
  writeFileSync(join(dir, "ca.pem"), ca.caCert);
  process.env.EWSDAV_TEST_AD_PASSWORD = "secret";
  const configPath = join(dir, "sync.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      state: "state.db",
      accounts: {
        work: { type: "ews", autodiscover: true, mailbox: "alice@example.com", auth: { type: "basic", username: "alice@example.com", passwordEnv: "EWSDAV_TEST_AD_PASSWORD" }, resolve, caFile: "ca.pem" },
        files: { type: "vdir", path: "vdir" },
      },
      pairs: [{ kind: "contacts", remote: { account: "work", folder: "Contacts" }, local: { account: "files", collection: "contacts", create: true } }],
    }),
  );
  return { dir, configPath };
}

async function open(account: EwsAccountConfig, warnings: string[] = []) {
  const opened = await ewsAccountFor("work", account, { warn: (w) => warnings.push(w) });
  await opened.close();
  return opened;
}

describe("an autodiscover account", () => {
  it("discovers once, then uses the cache while the host answers; discovers again when it stops answering", async () => {
    const mapping: Record<string, string> = { "example.com:443": `127.0.0.1:${ad.port}`, "autodiscover.example.com:443": `127.0.0.1:${ad.port}`, "mail.example.com:443": `127.0.0.1:${mailPort}` };
    const { dir, configPath } = writeConfig(mapping);
    const account = loadConfig(configPath).accounts["work"] as EwsAccountConfig;
    const cachePath = join(dir, "state.db.autodiscover.json");
    expect(account.autodiscoverCache).toBe(cachePath);

    const asked = () => ad.requests.filter((r) => r.email === "alice@example.com").length;
    const before = asked();
    const first = await open(account);
    expect(first).toMatchObject({ url: EWS_URL, urlSource: "autodiscover" });
    expect(asked()).toBeGreaterThan(before);
    expect(statSync(cachePath).mode & 0o777).toBe(0o600);
    const cache = JSON.parse(readFileSync(cachePath, "utf8")) as { accounts: Record<string, { mailbox: string; ewsUrl: string; discoveredAt: string; expiresAt: string }> };
    expect(cache.accounts["work"]).toMatchObject({ mailbox: "alice@example.com", ewsUrl: EWS_URL });
    expect(Date.parse(cache.accounts["work"]!.expiresAt) - Date.parse(cache.accounts["work"]!.discoveredAt)).toBe(AUTODISCOVER_CACHE_TTL_MS);
    expect(readFileSync(cachePath, "utf8")).not.toContain("secret");

    const cached = asked();
    expect(await open(account)).toMatchObject({ url: EWS_URL, urlSource: "cache" });
    expect(asked()).toBe(cached);

    // The cached host stops answering: discovered again.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const moved = { ...account, resolve: { ...mapping, "mail.example.com:443": `127.0.0.1:${closedPort}` } };
    expect(await open(moved)).toMatchObject({ url: EWS_URL, urlSource: "autodiscover" });
    expect(asked()).toBeGreaterThan(cached);
  });

  it("discovers again when the entry expired; uses an expired entry with a warning when autodiscover fails but its host answers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ewsdav-autodiscover-cache-"));
    const cachePath = join(dir, "cache.json");
    const resolveEndpoint = (host: string, port: number) =>
      host === "mail.example.com" ? { host: "127.0.0.1", port: mailPort } : host.endsWith("example.com") && port === 443 ? { host: "127.0.0.1", port: ad.port } : { host: "127.0.0.1", port: 9 };
    const common = { name: "work", cachePath, ca: ca.caCert, resolveEndpoint, warn: () => undefined };
    const basic = basicAutodiscoverAuth("alice@example.com", "secret");
    expect(await resolveEwsUrl({ ...common, mailbox: "alice@example.com", auth: basic })).toEqual({ url: EWS_URL, source: "autodiscover" });
    const later = Date.now() + AUTODISCOVER_CACHE_TTL_MS + 60_000;
    const before = ad.requests.length;
    expect(await resolveEwsUrl({ ...common, mailbox: "alice@example.com", auth: basic, now: () => later })).toEqual({ url: EWS_URL, source: "autodiscover" });
    expect(ad.requests.length).toBeGreaterThan(before);

    // Autodiscover now refuses (wrong password) but the expired entry's host answers.
    const warnings: string[] = [];
    const wrong = basicAutodiscoverAuth("alice@example.com", "wrong");
    const stale = await resolveEwsUrl({
      ...common,
      mailbox: "alice@example.com",
      auth: wrong,
      now: () => later + 2 * AUTODISCOVER_CACHE_TTL_MS,
      warn: (w) => warnings.push(w),
    });
    expect(stale).toEqual({ url: EWS_URL, source: "stale-cache" });
    expect(warnings).toEqual([expect.stringMatching(/^autodiscover for alice@example\.com failed .*; using the EWS URL found /)]);
    // Another mailbox does not use this entry.
    await expect(resolveEwsUrl({ ...common, mailbox: "bob@example.com", auth: basic })).rejects.toMatchObject({ name: "AutodiscoverError" });
  });

  it("through the binary: nothing answering exits with code 4 naming the account", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const to = `127.0.0.1:${port}`;
    const { dir, configPath } = writeConfig({ "example.com:443": to, "autodiscover.example.com:443": to, "autodiscover.example.com:80": to, "example.com:80": to });
    const run = await runCli(["sync", "--config", configPath], { timeoutMs: 90_000 });
    expect(run.code, run.stdout + run.stderr).toBe(4);
    expect(run.stderr).toContain("accounts.work: autodiscover found no EWS URL for alice@example.com");
    expect(run.stdout + run.stderr).not.toContain("secret");
    expect(existsSync(join(dir, "state.db.autodiscover.json"))).toBe(false);
  });
});
