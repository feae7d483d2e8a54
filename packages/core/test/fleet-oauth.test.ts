/**
 * OAuth accounts in the fleet, on a real, throwaway PostgreSQL (a fresh database per test), the
 * simulator's test identity provider (HTTPS under a test CA, its host mapped to loopback) and the
 * EWS simulator behind a bearer-checking front: app-only accounts (client secret, certificate)
 * sync a pair through a worker, acting as their mailbox; a delegated account signed in by an
 * imported cache (as `ewsdav login` writes it) or by the device code flow syncs, and its refreshed
 * cache is written back encrypted — no refresh or access token in a dump of the database; two
 * fleets refreshing one account at once keep a valid cache (optimistic version); key rotation
 * covers the caches; a refused cache parks its pair with a clear error that carries no token.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestCertificateAuthority,
  startBearerGateway,
  startEwsSimulator,
  startFakeIdentityProvider,
  type BearerGateway,
  type EwsSimulator,
  type FakeIdentityProvider,
  type TestCertificateAuthority,
} from "@ewsdav/ews-simulator";
import { ExchangeOnlineDelegatedTokenProvider } from "@ewsdav/ews-client";
import { Fleet, FleetError, KeyRing, type FleetAccountConfig, type FleetOAuthAppOnly, type FleetOAuthDelegated } from "../src/fleet.js";
import { fleetTokenCache } from "../src/fleet/tokens.js";
import type { Logger } from "../src/engine/log.js";
import { startPostgres, type PostgresCluster } from "../../../test/harness/postgres.js";
import { until } from "../../../test/harness/wait.js";
import { vcard } from "../src/fixtures.test-support.js";

const HOST = "login.example.test";
const TENANT = "contoso-tenant";
const CLIENT_ID = "5d1f2a3b-0000-4000-8000-00000000fee7";
const CLIENT_SECRET = "app-Secret~fleet-Qx81";
const USERS = [1, 2, 3, 4].map((n) => ({ smtpAddress: `user${n}@example.com`, password: `pw-${n}-Secret!` }));
const K1 = `k1:${KeyRing.generateKey()}`;
const K2 = `k2:${KeyRing.generateKey()}`;

let cluster: PostgresCluster;
let ca: TestCertificateAuthority;
let idp: FakeIdentityProvider;
let sim: EwsSimulator;
let gateway: BearerGateway;
let dir: string;
let app: { keyPem: string; certPem: string };
const fleets: Fleet[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ewsdav-fleet-oauth-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "app.key"), "-out", join(dir, "app.pem"), "-days", "2", "-subj", "/CN=ewsdav fleet app"], { stdio: "ignore" });
  app = { keyPem: readFileSync(join(dir, "app.key"), "utf8"), certPem: readFileSync(join(dir, "app.pem"), "utf8") };
  cluster = await startPostgres();
  ca = createTestCertificateAuthority();
  idp = await startFakeIdentityProvider({
    tls: ca.issue([HOST]),
    publicHost: HOST,
    tenantId: TENANT,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    clientCertificates: [app.certPem],
    users: USERS.map((u) => ({ username: u.smtpAddress })),
  });
  sim = await startEwsSimulator({ users: USERS });
  const passwords = new Map(USERS.map((u) => [u.smtpAddress, u.password]));
  gateway = await startBearerGateway({ target: sim.url, resolve: (token) => idp.resolve(token), backendCredentials: (address) => ({ username: address, password: passwords.get(address) ?? "" }) });
  for (const [n, u] of USERS.entries()) {
    const box = sim.mailbox(u.smtpAddress);
    for (let i = 0; i < 4; i++) box.createItem("contacts", `<Contact><DisplayName>Person ${n}-${i}</DisplayName><GivenName>Person</GivenName><Surname>N${n}x${i}</Surname></Contact>`);
  }
});
afterAll(async () => {
  for (const f of fleets) await f.stop({ graceMs: 1_000 }).catch(() => undefined);
  await gateway?.stop();
  await sim?.stop();
  await idp?.close();
  ca?.dispose();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function open(url: string, keys = K1, extra: Partial<Parameters<typeof Fleet.open>[0]> = {}): Promise<Fleet> {
  const fleet = await Fleet.open({ connectionString: url, keys: KeyRing.parse(keys), poolSize: 4, maintenanceIntervalSeconds: 1, ...extra });
  fleets.push(fleet);
  return fleet;
}

/** A logger keeping every line, to check that none carries a token. */
function recordingLogger(): { lines: string[]; logger: Logger } {
  const lines: string[] = [];
  const keep = (message: string, fields?: Record<string, unknown>) => void lines.push(`${message} ${JSON.stringify(fields ?? {})}`);
  return { lines, logger: { debug: keep, info: keep, warn: keep, error: keep } };
}

/** The identity provider's settings as an account gives them (authority, test CA, host mapped to loopback). */
const idpSettings = () => ({ clientId: CLIENT_ID, tenantId: TENANT, authority: idp.authority, network: { ca: ca.caCert, resolve: { [`${HOST}:443`]: `127.0.0.1:${idp.port}` } } });
const appOnly = (n: number, certificate?: FleetOAuthAppOnly["certificate"]): FleetAccountConfig => ({
  type: "ews",
  url: gateway.url,
  mailbox: USERS[n]!.smtpAddress,
  auth: { type: "oauth", flow: "app-only", ...idpSettings(), ...(certificate ? { certificate } : {}) },
});
const delegated = (n: number): FleetAccountConfig => ({ type: "ews", url: gateway.url, mailbox: USERS[n]!.smtpAddress, auth: { type: "oauth", flow: "delegated", ...idpSettings() } satisfies FleetOAuthDelegated });

/** Signs `user` in with the device code flow as `ewsdav login` does, and returns the token cache it would write. */
async function signedInCache(user: string): Promise<string> {
  let cache: string | undefined;
  const { network, ...rest } = idpSettings();
  const provider = new ExchangeOnlineDelegatedTokenProvider({
    ...rest,
    knownAuthorities: [HOST],
    network: { ca: network.ca, resolveEndpoint: (host, port) => (host === HOST ? { host: "127.0.0.1", port: idp.port } : { host, port }) },
    cache: { load: async () => cache, save: async (s) => void (cache = s) },
  });
  await provider.signInWithDeviceCode((shown) => idp.approveDevice(shown.userCode, user));
  return cache!;
}

/** The refresh tokens' secrets in a serialized MSAL cache. */
function refreshTokensOf(serialized: string): string[] {
  return Object.values((JSON.parse(serialized) as { RefreshToken?: Record<string, { secret: string }> }).RefreshToken ?? {}).map((t) => t.secret);
}

/** The stored, decrypted cache of an account. */
async function storedCache(url: string, accountId: string, keys = K1): Promise<{ plain: string; keyId: string; version: number }> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ cache: string; key_id: string; version: string }>("SELECT cache, key_id, version FROM ewsdav_fleet.token_caches WHERE account_id = $1", [accountId]);
    return { plain: KeyRing.parse(keys).decrypt(rows[0]!.cache, `token cache ${accountId}`), keyId: rows[0]!.key_id, version: Number(rows[0]!.version) };
  } finally {
    await db.end();
  }
}

/** The whole database as pg_dump writes it (schemas, rows). */
function dump(url: string): string {
  return execFileSync(`/usr/lib/postgresql/${cluster.version}/bin/pg_dump`, ["--dbname", url, "--no-owner"], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
}

function vcards(folder: string): string[] {
  return readdirSync(folder).filter((f) => f.endsWith(".vcf"));
}

/** Links `account`'s Contacts with a vdir collection, runs the pair through a worker and waits for its outcome. */
async function syncOnce(fleet: Fleet, pairId: string, account: string, folder: string): Promise<string> {
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "local.vcf"), vcard(`local-${pairId}`, { FN: `Local ${pairId}`, N: `L${pairId};Local;;;` }));
  if (!(await fleet.listAccounts()).some((a) => a.id === `${pairId}-files`)) await fleet.addAccount(`${pairId}-files`, { type: "vdir", path: join(folder, "..") });
  await fleet.linkPair({ id: pairId, kind: "contacts", remote: { account, folder: "Contacts" }, local: { account: `${pairId}-files`, collection: folder.split("/").pop()! } });
  const outcomes: string[] = [];
  const worker = await fleet.startWorker({ pollingIntervalSeconds: 0.5, onJob: (p, o) => p === pairId && outcomes.push(o) });
  try {
    await fleet.triggerSync(pairId);
    await until(`pair ${pairId} ran`, () => outcomes.length > 0, 30_000, 20);
  } finally {
    await worker.stop();
  }
  return outcomes[0]!;
}

describe("Fleet OAuth accounts", () => {
  it("app-only accounts (client secret, certificate) sync a pair through a worker, acting as their mailbox; secrets never shown", async () => {
    const url = await cluster.createDatabase();
    const fleet = await open(url);
    // Checked before they are stored: the mailbox is required, the certificate's secret is its RSA key.
    const { mailbox: _, ...noMailbox } = appOnly(0) as Extract<FleetAccountConfig, { type: "ews" }>;
    await expect(fleet.addAccount("x", noMailbox, CLIENT_SECRET)).rejects.toThrow(/mailbox/);
    const notAKey = (await fleet.addAccount("x", appOnly(0, { certificate: app.certPem }), CLIENT_SECRET).catch((e: unknown) => e)) as Error;
    expect(notAKey).toBeInstanceOf(FleetError);
    expect(notAKey.message).toMatch(/private key/);
    expect(notAKey.message).not.toContain(CLIENT_SECRET);
    await expect(fleet.addAccount("x", appOnly(0, { thumbprint: "00".repeat(32), certificate: app.certPem }), app.keyPem)).rejects.toThrow(/does not match/);
    // A wrong client secret fails the probe with the provider's code, never the secret.
    const refused = (await fleet.probeAccount("x", appOnly(0), "not-the-secret-77").catch((e: unknown) => e)) as Error;
    expect(refused.message).toMatch(/invalid_client/);
    expect(refused.message).not.toContain("not-the-secret-77");

    const probed = await fleet.probeAccount("secret", appOnly(0), CLIENT_SECRET);
    expect(probed.some((c) => c.kind === "contacts")).toBe(true);
    await fleet.addAccount("secret", appOnly(0), CLIENT_SECRET);
    await fleet.addAccount("cert", appOnly(1, { certificate: app.certPem }), app.keyPem);
    const assertionsBefore = idp.clientAssertions.length;
    sim.clearExchanges();
    expect(await syncOnce(fleet, "s", "secret", join(dir, "app", "s"))).toBe("ok");
    expect(await syncOnce(fleet, "c", "cert", join(dir, "app", "c"))).toBe("ok");
    expect(vcards(join(dir, "app", "s"))).toHaveLength(5);
    expect(vcards(join(dir, "app", "c"))).toHaveLength(5);
    expect(sim.mailbox(USERS[0]!.smtpAddress).items("contacts").length).toBe(5);
    expect(sim.mailbox(USERS[1]!.smtpAddress).items("contacts").length).toBe(5);
    // Signed with the certificate (an accepted assertion), and every request acted as its mailbox.
    expect(idp.clientAssertions.slice(assertionsBefore).some((a) => a.refusal === undefined)).toBe(true);
    expect(sim.exchanges.length).toBeGreaterThan(0);
    for (const e of sim.exchanges) expect(e.requestXml).toMatch(/<t:PrimarySmtpAddress>user[12]@example\.com<\/t:PrimarySmtpAddress>/);
    const shown = JSON.stringify(await fleet.listAccounts()) + JSON.stringify(await fleet.status("s")) + JSON.stringify(await fleet.status("c")) + dump(url);
    for (const secret of [CLIENT_SECRET, app.keyPem.split("\n")[1]!, ...idp.issued.map((t) => t.accessToken)]) expect(shown).not.toContain(secret);
    // A delegated account has no secret; an app-only certificate account's secret stays a key.
    await expect(fleet.setSecret("cert", "just-a-string")).rejects.toThrow(/private key/);
  }, 90_000);

  it("a delegated account with an imported cache syncs; its refreshed cache is written back encrypted, no token in any table", async () => {
    const url = await cluster.createDatabase();
    const log = recordingLogger();
    const fleet = await open(url, K1, { logger: log.logger });
    await expect(fleet.addAccount("d", delegated(2), "a-secret")).rejects.toThrow(/no secret/);
    await fleet.addAccount("d", delegated(2));
    await expect(fleet.probeAccount("p", delegated(2))).rejects.toThrow(/signed in/);
    // Not signed in yet: a clear error.
    await expect(fleet.listCollections("d")).rejects.toThrow(/account d: not signed in .*importTokenCache/);
    expect(await fleet.tokenCacheInfo("d")).toBeNull();
    const imported = await signedInCache(USERS[2]!.smtpAddress);
    const importedTokens = refreshTokensOf(imported);
    expect(importedTokens).toHaveLength(1);
    await expect(fleet.importTokenCache("d", "{}")).rejects.toThrow(/one signed-in account/);
    await expect(fleet.importTokenCache("d", "not json")).rejects.toThrow(/not an MSAL token cache/);
    expect(await fleet.importTokenCache("d", imported)).toBe(1);
    await fleet.addAccount("app", appOnly(0), CLIENT_SECRET);
    await expect(fleet.importTokenCache("app", imported)).rejects.toThrow(/not a delegated/);

    expect(await syncOnce(fleet, "d", "d", join(dir, "deleg", "book"))).toBe("ok");
    expect(vcards(join(dir, "deleg", "book"))).toHaveLength(5);
    expect(sim.mailbox(USERS[2]!.smtpAddress).items("contacts").length).toBe(5);
    // The worker refreshed (access tokens are not stored) and wrote the new cache back, encrypted.
    const stored = await storedCache(url, "d");
    expect(stored.version).toBeGreaterThan(1);
    expect(stored.keyId).toBe("k1");
    const storedTokens = refreshTokensOf(stored.plain);
    expect(storedTokens).toHaveLength(1);
    expect(storedTokens[0]).not.toBe(importedTokens[0]);
    expect(JSON.parse(stored.plain).AccessToken).toEqual({});
    // Nowhere in the database in plaintext: neither refresh token, nor any access token issued.
    const text = dump(url);
    expect(text).toContain("token_caches");
    for (const secret of [...importedTokens, ...storedTokens, ...idp.issued.map((t) => t.accessToken)]) expect(text).not.toContain(secret);
    const shown = JSON.stringify(await fleet.listAccounts()) + JSON.stringify(await fleet.status("d")) + JSON.stringify(await fleet.tokenCacheInfo("d")) + log.lines.join("\n");
    for (const secret of [...importedTokens, ...storedTokens]) expect(shown).not.toContain(secret);

    // A worker keeps its access token in memory from cycle to cycle: one refresh for two cycles.
    const refreshes = idp.tokenRequests.refresh_token ?? 0;
    const outcomes: string[] = [];
    const worker = await fleet.startWorker({ pollingIntervalSeconds: 0.5, onJob: (_, o) => outcomes.push(o) });
    for (const n of [1, 2]) {
      await fleet.triggerSync("d");
      await until(`cycle ${n}`, () => outcomes.length === n, 30_000, 20);
    }
    await worker.stop();
    expect(outcomes).toEqual(["ok", "ok"]);
    expect((idp.tokenRequests.refresh_token ?? 0) - refreshes).toBe(1);

    // The device code flow signs an account in from the host and stores its cache the same way.
    await fleet.addAccount("dc", delegated(3));
    const prompts: string[] = [];
    const signedIn = await fleet.signInWithDeviceCode("dc", (prompt) => {
      prompts.push(prompt.message);
      idp.approveDevice(prompt.userCode, USERS[3]!.smtpAddress);
    });
    expect(signedIn).toEqual({ username: USERS[3]!.smtpAddress, version: 1 });
    expect(prompts[0]).toMatch(/enter the code/);
    expect((await fleet.listCollections("dc")).some((c) => c.kind === "contacts")).toBe(true);
    // Removing the account removes its cache.
    await fleet.removeAccount("dc");
    expect(await fleet.tokenCacheInfo("dc")).toBeNull();
  }, 90_000);

  it("two fleets refreshing one account at once keep a valid cache; a save from an older version never replaces a newer one; rotateKeys covers caches", async () => {
    const url = await cluster.createDatabase();
    const owner = await open(url);
    await owner.addAccount("d", delegated(2));
    await owner.importTokenCache("d", await signedInCache(USERS[2]!.smtpAddress));
    // A fleet keeps its token providers (one refresh, then its access token in memory): each round
    // two new fleets — two fresh workers — refresh at the same moment and write back.
    const refreshes = idp.tokenRequests.refresh_token ?? 0;
    for (let round = 0; round < 4; round++) {
      const [a, b] = await Promise.all([open(url), open(url)]);
      const [x, y] = await Promise.all([a.listCollections("d"), b.listCollections("d")]);
      expect(x.length).toBeGreaterThan(0);
      expect(y.length).toBeGreaterThan(0);
    }
    expect((idp.tokenRequests.refresh_token ?? 0) - refreshes).toBeGreaterThanOrEqual(8);
    const after = await storedCache(url, "d");
    expect(after.version).toBeGreaterThan(1);
    // What is stored is a valid sign-in: a third fleet (a fresh worker) signs in with it.
    const c = await open(url);
    expect((await c.listCollections("d")).length).toBeGreaterThan(0);

    // The rule itself, step by step: two workers read the same version; the first save lands, the
    // second (made from the older read) is dropped and the newer cache kept.
    const keys = () => KeyRing.parse(K1);
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      const ctx = { pool, s: '"ewsdav_fleet"', keys };
      const first = fleetTokenCache(ctx, "d");
      const second = fleetTokenCache(ctx, "d");
      const base = (await first.load())!;
      await second.load();
      const withToken = (secret: string) => {
        const cache = JSON.parse(base) as { RefreshToken: Record<string, { secret: string }> };
        for (const entry of Object.values(cache.RefreshToken)) entry.secret = secret;
        return JSON.stringify(cache);
      };
      const version = (await storedCache(url, "d")).version;
      await first.save(withToken("rt.first"));
      await second.save(withToken("rt.second"));
      const now = await storedCache(url, "d");
      expect(now.version).toBe(version + 1);
      expect(refreshTokensOf(now.plain)).toEqual(["rt.first"]);
      expect([first.conflicts, second.conflicts]).toEqual([0, 1]);
      // Put a valid one back for the rotation below.
      await owner.importTokenCache("d", await signedInCache(USERS[2]!.smtpAddress));
    } finally {
      await pool.end();
    }

    // Key rotation re-encrypts the caches too, their version unchanged; the new key alone opens them.
    await owner.addAccount("app", appOnly(0), CLIENT_SECRET);
    const before = await storedCache(url, "d");
    const rotating = await open(url, `${K2},${K1}`);
    expect(await rotating.rotateKeys({ batchSize: 1 })).toBe(2);
    expect(await rotating.rotateKeys()).toBe(0);
    const rotated = await storedCache(url, "d", K2);
    expect(rotated).toEqual({ ...before, keyId: "k2" });
    expect(await rotating.tokenCacheInfo("d")).toMatchObject({ keyId: "k2", version: before.version });
    const onlyNew = await open(url, K2);
    expect((await onlyNew.listCollections("d")).length).toBeGreaterThan(0);
    // A worker whose ring lacks the cache's key says which key, never a token.
    const onlyOld = await open(url, K1);
    const error = (await onlyOld.listCollections("d").catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/token cache d: .*key k2/);
    for (const secret of refreshTokensOf(rotated.plain)) expect(error.message).not.toContain(secret);
  }, 90_000);

  it("a refused cache gives a clear error in the pair's status and parks it after parkAfter, without the token", async () => {
    const url = await cluster.createDatabase();
    const log = recordingLogger();
    const fleet = await open(url, K1, { retry: { baseMs: 50, maxMs: 200, parkAfter: 2 }, lease: { ttlMs: 3_000, waitMs: 1_000 }, logger: log.logger });
    await fleet.addAccount("d", delegated(1));
    // A cache whose refresh token the identity provider does not know (expired, revoked, altered).
    const bogus = "rt.Bogus-Refresh~Token-8472";
    const cache = JSON.parse(await signedInCache(USERS[1]!.smtpAddress)) as { RefreshToken: Record<string, { secret: string }> };
    for (const entry of Object.values(cache.RefreshToken)) entry.secret = bogus;
    await fleet.importTokenCache("d", JSON.stringify(cache));
    await fleet.addAccount("files", { type: "vdir", path: join(dir, "refused") });
    const id = await fleet.linkPair({ id: "r", kind: "contacts", remote: { account: "d", folder: "Contacts" }, local: { account: "files", collection: "book", create: true } });
    const outcomes: string[] = [];
    const worker = await fleet.startWorker({ pollingIntervalSeconds: 0.5, onJob: (_, o) => outcomes.push(o) });
    const scheduler = fleet.startScheduler({ tickMs: 100 });
    try {
      await until("the pair parked", async () => (await fleet.status(id)).schedule.parkedAt !== null, 30_000, 50);
      await until("the second outcome", () => outcomes.length >= 2, 30_000, 50);
    } finally {
      await scheduler.stop();
      await worker.stop();
    }
    expect(outcomes).toEqual(["failed", "parked"]);
    const status = await fleet.status(id);
    expect(status.schedule.failures).toBe(2);
    expect(status.schedule.lastError).toMatch(/account d: the identity provider refused the stored sign-in \(invalid_grant\): sign in again/);
    expect(log.lines.some((l) => l.includes("invalid_grant"))).toBe(true);
    const shown = JSON.stringify(status) + log.lines.join("\n");
    expect(shown).not.toContain(bogus);
    for (const t of idp.issued) expect(shown).not.toContain(t.accessToken);
    // Signed in again and released: it syncs.
    await fleet.importTokenCache("d", await signedInCache(USERS[1]!.smtpAddress));
    await fleet.releasePair(id);
    const again = await fleet.startWorker({ pollingIntervalSeconds: 0.5 });
    const tick = fleet.startScheduler({ tickMs: 100 });
    try {
      await until("the released pair synced", async () => (await fleet.status(id)).schedule.lastOutcome === "ok", 30_000, 50);
    } finally {
      await tick.stop();
      await again.stop();
    }
    expect((await fleet.status(id)).schedule).toMatchObject({ parkedAt: null, failures: 0, lastError: null });
  }, 90_000);
});
