/**
 * App-only OAuth with a client certificate, end to end: `ewsdav sync` (the real binary) signs a
 * client assertion with the account's RSA key (msal-node: PS256, `x5t#S256`), the fake identity
 * provider verifies it against the app's registered certificate and issues a token, and the EWS
 * simulator behind a bearer-checking front serves the mailbox by impersonation. A certificate the
 * app does not have fails with exit code 3 and the key never printed. The identity provider's own
 * checks (signature, thumbprint, `iss`/`sub`, `aud`, `exp`, RS256 with `x5t`, a bare public key)
 * are exercised with assertions signed here.
 */
import { execFileSync } from "node:child_process";
import { createPrivateKey, randomUUID, sign, X509Certificate, constants as cryptoConstants } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
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
import { runCli } from "./cli.test-support.js";

const HOST = "login.example.test";
const TENANT = "fabrikam-tenant";
const CLIENT_ID = "7a2d4c10-0000-4000-8000-0000000ce27f";

/** An RSA key and its self-signed certificate (PEM), made with openssl. */
interface AppCredential {
  keyPem: string;
  certPem: string;
}

function makeCredential(dir: string, name: string): AppCredential {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.pem`);
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "2", "-subj", `/CN=ewsdav ${name}`], { stdio: "ignore" });
  return { keyPem: readFileSync(keyFile, "utf8"), certPem: readFileSync(certFile, "utf8") };
}

/** The base64 body of a PEM (what must never be printed), without its armour and line breaks. */
function pemBody(pem: string): string {
  return pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
}

let ca: TestCertificateAuthority;
let idp: FakeIdentityProvider;
let keyOnlyIdp: FakeIdentityProvider;
let sim: EwsSimulator;
let gateway: BearerGateway;
let app: AppCredential;
let other: AppCredential;

beforeAll(async () => {
  const keys = mkdtempSync(join(tmpdir(), "ewsdav-cert-keys-"));
  app = makeCredential(keys, "app");
  other = makeCredential(keys, "other");
  ca = createTestCertificateAuthority();
  idp = await startFakeIdentityProvider({
    tls: ca.issue([HOST]),
    publicHost: HOST,
    tenantId: TENANT,
    clientId: CLIENT_ID,
    clientCertificates: [app.certPem],
    users: [],
  });
  keyOnlyIdp = await startFakeIdentityProvider({
    tls: ca.issue([HOST]),
    publicHost: HOST,
    tenantId: TENANT,
    clientId: CLIENT_ID,
    clientCertificates: [new X509Certificate(app.certPem).publicKey.export({ type: "spki", format: "pem" })],
    users: [],
  });
  sim = await startEwsSimulator({ seed: "small" });
  gateway = await startBearerGateway({ target: sim.url, resolve: (token) => idp.resolve(token), backendCredentials: (address) => ({ username: address, password: "secret" }) });
});
afterAll(async () => {
  await gateway?.stop();
  await sim?.stop();
  await keyOnlyIdp?.close();
  await idp?.close();
  ca?.dispose();
});

/**
 * A config with one app-only EWS account (through the bearer front, impersonating alice) whose
 * certificate is `credential`, and a vdir folder. `certificateFile: false` gives the SHA-256
 * thumbprint instead of the certificate file.
 */
function writeConfig(credential: AppCredential, withCertificateFile = true): { dir: string; configPath: string } {
  const dir = mkdtempSync(join(tmpdir(), "ewsdav-cert-"));
  writeFileSync(join(dir, "ca.pem"), ca.caCert);
  writeFileSync(join(dir, "app.key"), credential.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, "app.pem"), credential.certPem);
  const certificate = withCertificateFile ? { privateKeyFile: "app.key", certificateFile: "app.pem" } : { privateKeyFile: "app.key", thumbprint: new X509Certificate(credential.certPem).fingerprint256 };
  const configPath = join(dir, "sync.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      state: "state.db",
      accounts: {
        work: {
          type: "ews",
          url: gateway.url,
          mailbox: "alice@example.com",
          auth: { type: "oauth", flow: "app-only", clientId: CLIENT_ID, tenantId: TENANT, authority: idp.authority, certificate },
          resolve: { [`${HOST}:443`]: `127.0.0.1:${idp.port}` },
          caFile: "ca.pem",
        },
        files: { type: "vdir", path: "vdir" },
      },
      pairs: [{ kind: "contacts", remote: { account: "work", folder: "Contacts" }, local: { account: "files", collection: "contacts", create: true } }],
    }),
  );
  chmodSync(configPath, 0o600);
  return { dir, configPath };
}

function vcards(dir: string): string[] {
  return readdirSync(join(dir, "vdir", "contacts")).filter((f) => f.endsWith(".vcf"));
}

describe("an app-only account with a certificate", () => {
  it("syncs through the real binary: a PS256 assertion with x5t#S256 is verified, the token issued, the mailbox impersonated", async () => {
    const { dir, configPath } = writeConfig(app);
    const assertionsBefore = idp.clientAssertions.length;
    const issuedBefore = idp.issued.length;
    sim.clearExchanges();
    const sync = await runCli(["sync", "--config", configPath]);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(vcards(dir)).toHaveLength(5);
    const presented = idp.clientAssertions.slice(assertionsBefore);
    expect(presented.length).toBeGreaterThanOrEqual(1);
    expect(presented.every((a) => a.alg === "PS256" && a.thumbprintHeader === "x5t#S256" && a.refusal === undefined)).toBe(true);
    const issued = idp.issued.slice(issuedBefore);
    expect(issued.map((t) => [t.grantType, t.grant.kind])).toContainEqual(["client_credentials", "app"]);
    expect(sim.exchanges.length).toBeGreaterThan(0);
    for (const exchange of sim.exchanges) expect(exchange.requestXml).toContain("<t:PrimarySmtpAddress>alice@example.com</t:PrimarySmtpAddress>");
    const printed = sync.stdout + sync.stderr;
    expect(printed).not.toContain(pemBody(app.keyPem).slice(0, 40));
    for (const token of issued) expect(printed).not.toContain(token.accessToken);
  });

  it("syncs with the thumbprint given instead of the certificate file", async () => {
    const { dir, configPath } = writeConfig(app, false);
    const assertionsBefore = idp.clientAssertions.length;
    const sync = await runCli(["sync", "--config", configPath]);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    expect(vcards(dir)).toHaveLength(5);
    expect(idp.clientAssertions.slice(assertionsBefore).map((a) => a.refusal)).toContain(undefined);
  });

  it("with a certificate the app does not have fails with exit code 3 (the identity provider answers AADSTS700027), the key not printed", async () => {
    const { configPath } = writeConfig(other);
    const assertionsBefore = idp.clientAssertions.length;
    const issuedBefore = idp.issued.length;
    const sync = await runCli(["sync", "--config", configPath]);
    expect(sync.code, sync.stdout + sync.stderr).toBe(3);
    const refusals = idp.clientAssertions.slice(assertionsBefore).map((a) => a.refusal);
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    for (const refusal of refusals) expect(refusal).toMatch(/^AADSTS700027: .*The key was not found/);
    expect(idp.issued.length).toBe(issuedBefore);
    const printed = sync.stdout + sync.stderr;
    expect(printed).toContain("invalid_client");
    expect(printed).not.toContain("PRIVATE KEY");
    for (const pem of [other.keyPem, app.keyPem]) expect(printed).not.toContain(pemBody(pem).slice(0, 40));
  });
});

/**
 * A client assertion signed here with `keyPem`, as msal-node makes them: the header names `alg` and
 * the thumbprint of `certPem` (`x5t#S256` for PS256, `x5t` for RS256); `claims` override the defaults.
 */
function assertion(keyPem: string, certPem: string, options: { alg?: "PS256" | "RS256"; claims?: Record<string, unknown> } = {}): string {
  const alg = options.alg ?? "PS256";
  const certificate = new X509Certificate(certPem);
  const digest = (fingerprint: string) => Buffer.from(fingerprint.replace(/:/g, ""), "hex").toString("base64url");
  const header = alg === "PS256" ? { alg, typ: "JWT", "x5t#S256": digest(certificate.fingerprint256) } : { alg, typ: "JWT", x5t: digest(certificate.fingerprint) };
  const now = Math.floor(Date.now() / 1000);
  const claims = { aud: `${idp.authority}/oauth2/v2.0/token`, iss: CLIENT_ID, sub: CLIENT_ID, jti: randomUUID(), nbf: now, exp: now + 600, ...options.claims };
  const signed = `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  const key = createPrivateKey(keyPem);
  const signature =
    alg === "PS256"
      ? sign("sha256", Buffer.from(signed), { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST })
      : sign("sha256", Buffer.from(signed), key);
  return `${signed}.${signature.toString("base64url")}`;
}

/** POSTs a client-credentials request with `clientAssertion` to an identity provider's token endpoint. */
function tokenRequest(provider: FakeIdentityProvider, clientAssertion: string): Promise<{ status: number; body: { error?: string; error_description?: string; error_codes?: number[]; access_token?: string } }> {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: CLIENT_ID,
    scope: "https://outlook.office365.com/.default",
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: clientAssertion,
  }).toString();
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      {
        host: "127.0.0.1",
        port: provider.port,
        servername: HOST,
        ca: ca.caCert,
        method: "POST",
        path: `/${TENANT}/oauth2/v2.0/token`,
        headers: { host: HOST, "content-type": "application/x-www-form-urlencoded", "content-length": String(Buffer.byteLength(form)) },
      },
      (response) => {
        let text = "";
        response.on("data", (d: Buffer) => (text += d.toString()));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as never }));
      },
    );
    request.on("error", reject);
    request.end(form);
  });
}

describe("the fake identity provider's checks of a client assertion", () => {
  it("accepts PS256 with x5t#S256 and RS256 with x5t (SHA-1) signed by the registered certificate's key", async () => {
    const ps = await tokenRequest(idp, assertion(app.keyPem, app.certPem));
    expect(ps.status, JSON.stringify(ps.body)).toBe(200);
    expect(idp.resolve(ps.body.access_token!)).toEqual({ kind: "app" });
    const rs = await tokenRequest(idp, assertion(app.keyPem, app.certPem, { alg: "RS256" }));
    expect(rs.status, JSON.stringify(rs.body)).toBe(200);
    expect(idp.clientAssertions.at(-1)).toEqual({ alg: "RS256", thumbprintHeader: "x5t", refusal: undefined });
  });

  it("refuses with invalid_client: another key under the registered thumbprint, another iss/sub, another aud, an expired assertion", async () => {
    const refused = async (jwt: string, description: RegExp, code: number) => {
      const answer = await tokenRequest(idp, jwt);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe("invalid_client");
      expect(answer.body.error_description).toMatch(description);
      expect(answer.body.error_codes).toEqual([code]);
      expect(answer.body.access_token).toBeUndefined();
    };
    await refused(assertion(other.keyPem, app.certPem), /^AADSTS700027: Client assertion contains an invalid signature/, 700027);
    await refused(assertion(other.keyPem, other.certPem), /^AADSTS700027: .*not registered on application.*Thumbprint of key used by client/, 700027);
    await refused(assertion(app.keyPem, app.certPem, { claims: { iss: "someone-else", sub: "someone-else" } }), /^AADSTS700021: /, 700021);
    await refused(assertion(app.keyPem, app.certPem, { claims: { aud: "https://login.example.test/other-tenant/oauth2/v2.0/token" } }), /^AADSTS50013: .*audience/, 50013);
    const past = Math.floor(Date.now() / 1000) - 3600;
    await refused(assertion(app.keyPem, app.certPem, { claims: { nbf: past - 600, exp: past } }), /^AADSTS700024: /, 700024);
    await refused("not.a-jwt", /^AADSTS50027: /, 50027);
  });

  it("with a bare public key registered, verifies the signature whatever the thumbprint", async () => {
    const accepted = await tokenRequest(keyOnlyIdp, assertion(app.keyPem, other.certPem));
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    const refused = await tokenRequest(keyOnlyIdp, assertion(other.keyPem, other.certPem));
    expect(refused.body.error_description).toMatch(/^AADSTS700027: Client assertion contains an invalid signature/);
  });
});
