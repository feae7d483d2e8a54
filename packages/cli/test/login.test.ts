/**
 * OAuth through the real binary: `ewsdav login` against a fake identity provider on loopback
 * HTTPS (test CA given as the account's caFile, its host mapped with the account's `resolve`),
 * by device code (approved from the test while the process waits) and by authorization code with
 * PKCE on a localhost redirect (the test plays the browser); then `ewsdav sync` against the EWS
 * simulator behind a bearer-checking front, with the cached token. App-only with a client secret
 * file syncs too; a run without a sign-in fails with exit code 3 naming `ewsdav login`.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
import { OAuthError } from "@ewsdav/ews-client";
import { ewsAuthFor, type EwsAccountConfig } from "../src/accounts.js";
import { loadConfig } from "../src/config.js";
import { EWSDAV_BIN, runCli } from "./cli.test-support.js";

const HOST = "login.example.test";
const TENANT = "contoso-tenant";
const CLIENT_ID = "3f1c2a9e-0000-4000-8000-00000000c1d0";
const CLIENT_SECRET = "app-secret-Qx7~value-9f8e7d";

let ca: TestCertificateAuthority;
let idp: FakeIdentityProvider;
let sim: EwsSimulator;
let gateway: BearerGateway;

beforeAll(async () => {
  ca = createTestCertificateAuthority();
  idp = await startFakeIdentityProvider({
    tls: ca.issue([HOST]),
    publicHost: HOST,
    tenantId: TENANT,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    users: [{ username: "alice@example.com" }],
  });
  sim = await startEwsSimulator({ seed: "small" });
  gateway = await startBearerGateway({ target: sim.url, resolve: (token) => idp.resolve(token), backendCredentials: (address) => ({ username: address, password: "secret" }) });
});
afterAll(async () => {
  await gateway?.stop();
  await sim?.stop();
  await idp?.close();
  ca?.dispose();
});

/** A config with one EWS account using `auth` (through a bearer front, the identity provider's name mapped to it) and a vdir folder. */
function writeConfig(auth: Record<string, unknown>, servers: { ewsUrl: string; idpPort: number } = { ewsUrl: gateway.url, idpPort: idp.port }): { dir: string; configPath: string } {
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-login-"));
  writeFileSync(join(dir, "ca.pem"), ca.caCert);
  const configPath = join(dir, "sync.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      state: "state.db",
      accounts: {
        work: { type: "ews", url: servers.ewsUrl, mailbox: "alice@example.com", auth, resolve: { [`${HOST}:443`]: `127.0.0.1:${servers.idpPort}` }, caFile: "ca.pem" },
        files: { type: "vdir", path: "vdir" },
      },
      pairs: [{ kind: "contacts", remote: { account: "work", folder: "Contacts" }, local: { account: "files", collection: "contacts", create: true } }],
    }),
  );
  chmodSync(configPath, 0o600);
  return { dir, configPath };
}

const delegated = (signIn: string) => ({ type: "oauth", flow: "delegated", clientId: CLIENT_ID, tenantId: TENANT, authority: idp.authority, signIn });

/** A running `ewsdav …` whose output the test reads as it comes. */
function start(args: string[]): { child: ChildProcess; output: () => string; stderr: () => string; waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [EWSDAV_BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters: Array<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  const check = () => {
    for (const w of [...waiters]) {
      const match = (stdout + stderr).match(w.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(match);
      }
    }
  };
  child.stdout!.on("data", (d: Buffer) => ((stdout += d.toString()), check()));
  child.stderr!.on("data", (d: Buffer) => ((stderr += d.toString()), check()));
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  void exit.then(() => clearTimeout(timer));
  return {
    child,
    output: () => stdout,
    stderr: () => stderr,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        check();
        void exit.then(() => reject(new Error(`ewsdav ended before ${pattern}: ${stdout}\n${stderr}`)));
      }),
    exit,
  };
}

/** GET through the fake identity provider's host (mapped to loopback, test CA): the status and Location. */
function browse(url: string): Promise<{ status: number; location: string | undefined }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      { host: "127.0.0.1", port: idp.port, servername: HOST, ca: ca.caCert, path: target.pathname + target.search, headers: { host: HOST } },
      (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, location: response.headers.location });
      },
    );
    request.on("error", reject);
    request.end();
  });
}

/** GET on the CLI's loopback listener (the browser's redirect). */
function redirectBack(url: string): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: "127.0.0.1", port: Number(target.port), path: target.pathname + target.search }, (response) => {
      let body = "";
      response.on("data", (d: Buffer) => (body += d.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("error", reject);
    request.end();
  });
}

function vcards(dir: string): string[] {
  return readdirSync(join(dir, "vdir", "contacts")).filter((f) => f.endsWith(".vcf"));
}

function issuedTokens(): string[] {
  return idp.issued.map((t) => t.accessToken);
}

describe("ewsdav login and a delegated account", () => {
  it("without a sign-in, sync fails with exit code 3 saying to run ewsdav login", async () => {
    const { configPath } = writeConfig(delegated("device-code"));
    const run = await runCli(["sync", "--config", configPath]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain("not signed in");
    expect(run.stderr).toContain("ewsdav login work");
  });

  it("signs in with a device code approved while it waits, keeps the tokens 0600, and sync uses them", async () => {
    const { dir, configPath } = writeConfig(delegated("device-code"));
    const login = start(["login", "--config", configPath]);
    const [, code] = await login.waitFor(/enter the code (\S+)/);
    expect(idp.deviceCodes.at(-1)!.userCode).toBe(code);
    idp.approveDevice(code!, "alice@example.com");
    expect(await login.exit, login.stderr()).toBe(0);
    expect(login.output()).toMatch(/signed in to work as alice@example\.com; tokens kept in .*tokens\/work\.json \(0600\)/);
    const cache = join(dir, "tokens", "work.json");
    expect(statSync(cache).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "tokens")).mode & 0o077).toBe(0);
    for (const token of issuedTokens()) expect(login.output() + login.stderr()).not.toContain(token);

    const before = idp.tokenRequests.device_code ?? 0;
    const sync = await runCli(["sync", "--config", configPath]);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(vcards(dir)).toHaveLength(5);
    expect(idp.tokenRequests.device_code ?? 0).toBe(before); // no new sign-in
    for (const token of issuedTokens()) expect(sync.stdout + sync.stderr).not.toContain(token);
    expect(readFileSync(cache, "utf8")).toContain("RefreshToken");
  });

  it("signs in by authorization code with PKCE on a localhost redirect (the test plays the browser), with --json-lines events", async () => {
    const { dir, configPath } = writeConfig(delegated("localhost"));
    const login = start(["login", "work", "--config", configPath, "--json-lines"]);
    const [line] = await login.waitFor(/\{"type":"authorize-url".*\}\n/);
    const event = JSON.parse(line!) as { url: string; redirectUri: string; account: string };
    expect(event.account).toBe("work");
    const authorize = new URL(event.url);
    expect(authorize.host).toBe(HOST);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("redirect_uri")).toBe(event.redirectUri);
    expect(event.redirectUri).toMatch(/^http:\/\/localhost:\d+\/$/);
    // A request without the state is not the sign-in: refused, and the CLI keeps waiting.
    expect((await redirectBack(`${event.redirectUri}?code=forged&state=wrong`)).status).toBe(404);
    const consent = await browse(event.url);
    expect(consent.status).toBe(302);
    const back = await redirectBack(consent.location!);
    expect(back.status).toBe(200);
    expect(back.body).toContain("Signed in");
    expect(await login.exit, login.stderr()).toBe(0);
    const events = login
      .output()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; username?: string });
    expect(events.map((e) => e.type)).toEqual(["authorize-url", "signed-in"]);
    expect(events[1]!.username).toBe("alice@example.com");
    expect(statSync(join(dir, "tokens", "work.json")).mode & 0o777).toBe(0o600);

    const sync = await runCli(["sync", "--config", configPath]);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(vcards(dir)).toHaveLength(5);
  });

  it("with --json, prints the device code on stderr while waiting and the result as one document", async () => {
    const { configPath } = writeConfig({ ...delegated("device-code"), tokenCache: "private/alice.tokens.json" });
    const login = start(["login", "--config", configPath, "--json"]);
    const [, code] = await login.waitFor(/enter the code (\S+)/);
    expect(login.output()).toBe(""); // stdout holds only the final document
    idp.approveDevice(code!, "alice@example.com");
    expect(await login.exit, login.stderr()).toBe(0);
    const result = JSON.parse(login.output()) as { account: string; username: string; tokenCachePath: string; deviceCode: { userCode: string } };
    expect(result).toMatchObject({ account: "work", username: "alice@example.com", flow: "device-code", deviceCode: { userCode: code } });
    expect(result.tokenCachePath).toMatch(/private\/alice\.tokens\.json$/);

    // Signing in again replaces the cache (one account in it, the one sync uses); no temporary file is left.
    const again = start(["login", "--config", configPath]);
    const [, second] = await again.waitFor(/enter the code (\S+)/);
    idp.approveDevice(second!, "alice@example.com");
    expect(await again.exit, again.stderr()).toBe(0);
    const cache = JSON.parse(readFileSync(result.tokenCachePath, "utf8")) as { Account: Record<string, unknown>; RefreshToken: Record<string, unknown> };
    expect(Object.keys(cache.Account)).toHaveLength(1);
    expect(Object.keys(cache.RefreshToken)).toHaveLength(1);
    expect(readdirSync(join(result.tokenCachePath, ".."))).toEqual(["alice.tokens.json"]);
  });

  it("refuses what cannot sign in: no such account, an app-only account, several without a name", async () => {
    const { configPath } = writeConfig(delegated("device-code"));
    const missing = await runCli(["login", "nobody", "--config", configPath]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no account named "nobody"');
    const files = await runCli(["login", "files", "--config", configPath]);
    expect(files.code).toBe(2);
    expect(files.stderr).toContain("accounts.files: not an OAuth account");
    const appOnly = writeConfig({ type: "oauth", flow: "app-only", clientId: CLIENT_ID, tenantId: TENANT, authority: idp.authority, clientSecretEnv: "EWSDAV_TEST_SECRET" });
    const refused = await runCli(["login", "work", "--config", appOnly.configPath]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("app-only account needs no sign-in");
    const none = await runCli(["login", "--config", appOnly.configPath]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no delegated OAuth account");
  });
});

describe("an app-only account", () => {
  it("syncs with a client secret from a private file, impersonating the mailbox; a secret file others can read is refused", async () => {
    const { dir, configPath } = writeConfig({ type: "oauth", flow: "app-only", clientId: CLIENT_ID, tenantId: TENANT, authority: idp.authority, clientSecretFile: "client-secret" });
    const secretPath = join(dir, "client-secret");
    writeFileSync(secretPath, `${CLIENT_SECRET}\n`);
    chmodSync(secretPath, 0o644);
    const refused = await runCli(["sync", "--config", configPath]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`accounts.work.auth.clientSecretFile: ${secretPath} is readable by its group and others; make it private with: chmod 600`);
    expect(refused.stdout + refused.stderr).not.toContain(CLIENT_SECRET);

    chmodSync(secretPath, 0o600);
    const before = idp.tokenRequests.client_credentials ?? 0;
    sim.clearExchanges();
    const sync = await runCli(["sync", "--config", configPath]);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(vcards(dir)).toHaveLength(5);
    expect((idp.tokenRequests.client_credentials ?? 0) - before).toBeGreaterThanOrEqual(1);
    expect(sim.exchanges.at(-1)!.requestXml).toContain("<t:PrimarySmtpAddress>alice@example.com</t:PrimarySmtpAddress>");
    expect(sync.stdout + sync.stderr).not.toContain(CLIENT_SECRET);
  });

  it("with a wrong secret fails with exit code 3, the secret not printed", async () => {
    process.env.EWSDAV_TEST_WRONG_SECRET = "wrong-secret-Zz9-value";
    const { configPath } = writeConfig({ type: "oauth", flow: "app-only", clientId: CLIENT_ID, tenantId: TENANT, authority: idp.authority, clientSecretEnv: "EWSDAV_TEST_WRONG_SECRET" });
    const sync = await runCli(["sync", "--config", configPath]);
    expect(sync.code, sync.stdout + sync.stderr).toBe(3);
    expect(sync.stdout + sync.stderr).not.toContain("wrong-secret-Zz9-value");
  });

  it("with a certificate: an EC key is refused naming the field; an RSA key is read and an assertion signed and sent (this identity provider takes secrets only: invalid_client)", async () => {
    const { dir, configPath } = writeConfig({ type: "oauth", flow: "app-only", clientId: CLIENT_ID, tenantId: TENANT, authority: idp.authority, certificate: { privateKeyFile: "app.key", certificateFile: "app.pem" } });
    const ec = ca.issue(["app.example.test"]);
    writeFileSync(join(dir, "app.pem"), ec.cert);
    writeFileSync(join(dir, "app.key"), ec.key, { mode: 0o600 });
    const account = () => loadConfig(configPath).accounts["work"] as EwsAccountConfig;
    expect(() => ewsAuthFor("work", account())).toThrow(/^accounts\.work\.auth\.certificate\.privateKeyFile: an RSA private key is needed \(this one is ec\)/);
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "app.key"), "-out", join(dir, "app.pem"), "-days", "1", "-subj", "/CN=ewsdav app"], { stdio: "ignore" });
    chmodSync(join(dir, "app.key"), 0o600);
    const auth = ewsAuthFor("work", account());
    const error = (await Promise.resolve(auth.authorize({ url: gateway.url, operation: "GetFolder", headers: {}, body: "", idempotent: true })).catch((e: unknown) => e)) as OAuthError;
    expect(error).toBeInstanceOf(OAuthError);
    expect(error.providerCode).toBe("invalid_client");
    expect(idp.tokenRequests.client_credentials).toBeGreaterThan(0);
  });
});

describe("a delegated account whose access tokens are short-lived", () => {
  let shortIdp: FakeIdentityProvider;
  let shortGateway: BearerGateway;
  beforeAll(async () => {
    shortIdp = await startFakeIdentityProvider({ tls: ca.issue([HOST]), publicHost: HOST, tenantId: TENANT, clientId: CLIENT_ID, users: [{ username: "alice@example.com" }], accessTokenSeconds: 60 });
    shortGateway = await startBearerGateway({ target: sim.url, resolve: (token) => shortIdp.resolve(token), backendCredentials: (address) => ({ username: address, password: "secret" }) });
  });
  afterAll(async () => {
    await shortGateway?.stop();
    await shortIdp?.close();
  });

  it("sync renews the access token with the refresh token and keeps the renewed cache 0600", async () => {
    const { dir, configPath } = writeConfig(
      { type: "oauth", flow: "delegated", clientId: CLIENT_ID, tenantId: TENANT, authority: shortIdp.authority },
      { ewsUrl: shortGateway.url, idpPort: shortIdp.port },
    );
    const login = start(["login", "--config", configPath]);
    const [, code] = await login.waitFor(/enter the code (\S+)/);
    shortIdp.approveDevice(code!, "alice@example.com");
    expect(await login.exit, login.stderr()).toBe(0);
    const cachePath = join(dir, "tokens", "work.json");
    const signedIn = readFileSync(cachePath, "utf8");

    const sync = await runCli(["sync", "--config", configPath]);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(vcards(dir)).toHaveLength(5);
    expect(shortIdp.tokenRequests.refresh_token ?? 0).toBeGreaterThan(0);
    expect(readFileSync(cachePath, "utf8")).not.toBe(signedIn);
    expect(statSync(cachePath).mode & 0o777).toBe(0o600);
    for (const token of shortIdp.issued.map((t) => t.accessToken)) expect(sync.stdout + sync.stderr).not.toContain(token);
  });
});
