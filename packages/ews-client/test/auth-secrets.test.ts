/**
 * Secrets never reach logs, errors or events: every auth method runs with the most verbose logging
 * (client exchanges, retries, MSAL at trace level), through successes, refusals and retries, and
 * everything written anywhere is searched for passwords, secrets, tokens and encoded credentials.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth } from "../src/auth/basic.js";
import { bearerAuth } from "../src/auth/bearer.js";
import { ntlmAuth, ntlmAutodiscoverAuth } from "../src/auth/ntlm.js";
import { appOnlyMailboxOptions, ExchangeOnlineAppOnlyTokenProvider, ExchangeOnlineDelegatedTokenProvider } from "../src/auth/oauth.js";
import { AutodiscoverClient, basicAutodiscoverAuth } from "../src/autodiscover/index.js";
import { EwsClientCore, type EwsClientOptions } from "../src/client-core.js";
import { NotificationConnection } from "../src/notifications/connection.js";
import { redactCredentials } from "../src/errors.js";
import { getFolder } from "../src/operations/folders.js";
import type { EwsLogger } from "../src/transport/logging-layer.js";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { startAutodiscoverSimulator } from "@ewsdav/ews-simulator";
import { createTestCertificateAuthority, type TestCertificateAuthority } from "@ewsdav/ews-simulator";
import { startBearerGateway, type BearerGateway } from "@ewsdav/ews-simulator";
import { startFakeIdentityProvider, type FakeIdentityProvider } from "@ewsdav/ews-simulator";
import { startNtlmGateway, type NtlmGateway } from "@ewsdav/ews-simulator";
import { createNtlmVerifier } from "@ewsdav/ews-simulator";

const BASIC_PASSWORD = "B4sic-Pässwort-§1";
const NTLM_PASSWORD = "Ntlm-Kennwört-§2";
const CLIENT_SECRET = "client-Secret~§3-value";
const WRONG_PASSWORD = "Wrong-Pässwort-§4";
const HOST = "login.example.test";

const written: string[] = [];
const logger: EwsLogger = {
  debug: (message, fields) => written.push(`${message} ${JSON.stringify(fields ?? {})}`),
  warn: (message, fields) => written.push(`${message} ${JSON.stringify(fields ?? {})}`),
};
function record(value: unknown): void {
  written.push(typeof value === "string" ? value : inspect(value, { depth: 8, showHidden: true }));
  if (value instanceof Error) written.push(JSON.stringify(value), value.message, String(value.stack));
}

let ca: TestCertificateAuthority;
let sim: EwsSimulator;
let ntlmGateway: NtlmGateway;
let bearerGateway: BearerGateway;
let idp: FakeIdentityProvider;

beforeAll(async () => {
  ca = createTestCertificateAuthority();
  sim = await startEwsSimulator({ users: [{ smtpAddress: "alice@example.com", password: BASIC_PASSWORD }] });
  ntlmGateway = await startNtlmGateway({
    target: sim.url,
    accounts: [{ user: "alice", domain: "EXAMPLE", upn: "alice@example.com", password: NTLM_PASSWORD }],
    backend: () => ({ smtpAddress: "alice@example.com", username: "alice@example.com", password: BASIC_PASSWORD }),
  });
  idp = await startFakeIdentityProvider({
    tls: ca.issue([HOST]), publicHost: HOST, tenantId: "t1", clientId: "client-1", clientSecret: CLIENT_SECRET, users: [{ username: "alice@example.com" }],
  });
  bearerGateway = await startBearerGateway({
    target: sim.url, resolve: (t) => idp.resolve(t), backendCredentials: () => ({ username: "alice@example.com", password: BASIC_PASSWORD }),
  });
});
afterAll(async () => {
  await Promise.all([ntlmGateway.stop(), bearerGateway.stop(), idp.close()]);
  await sim.stop();
  ca.dispose();
});

async function run(options: EwsClientOptions): Promise<void> {
  const client = new EwsClientCore({ logger, retry: { baseDelayMs: 1, maxAttempts: 3 }, ...options });
  client.on("retry", record);
  client.on("serverVersion", record);
  try {
    const results = await getFolder(client, [{ distinguishedId: "inbox" }, { distinguishedId: "contacts" }]);
    for (const result of results) record(result);
  } catch (error) {
    record(error);
  } finally {
    await client.close();
  }
}

describe("no secret in logs, errors or events", () => {
  it("holds across Basic, NTLM, OAuth and autodiscover, with successes, refusals and retries", async () => {
    // Basic: success with a retried server-busy fault, then a refusal.
    sim.faults.inject({ kind: "serverBusy", backOffMilliseconds: 1, operation: "GetFolder" });
    await run({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: BASIC_PASSWORD }) });
    await run({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: WRONG_PASSWORD }) });

    // NTLM: success after a dropped connection, then a refusal.
    for (const password of [NTLM_PASSWORD, WRONG_PASSWORD]) {
      const ntlm = ntlmAuth({ username: "EXAMPLE\\alice", password });
      await run({ url: ntlmGateway.url, send: ntlm.send });
      ntlmGateway.dropConnections();
      await run({ url: ntlmGateway.url, send: ntlm.send });
      record(ntlm.statistics);
      await ntlm.close();
    }

    // OAuth: app-only with a revoked token (401 then renewal), a wrong secret, and a delegated refresh failure.
    const network = { ca: ca.caCert, resolveEndpoint: () => ({ host: "127.0.0.1", port: idp.port }) };
    const oauth = { clientId: "client-1", authority: idp.authority, knownAuthorities: [HOST], network, logger };
    const app = new ExchangeOnlineAppOnlyTokenProvider({ ...oauth, clientSecret: CLIENT_SECRET });
    await run({ url: bearerGateway.url, auth: bearerAuth(app.getToken), ...appOnlyMailboxOptions("alice@example.com") });
    idp.revoke(idp.issued.at(-1)!.accessToken);
    await run({ url: bearerGateway.url, auth: bearerAuth(app.getToken), ...appOnlyMailboxOptions("alice@example.com") });
    await run({ url: bearerGateway.url, auth: bearerAuth(app.getToken) }); // no anchor mailbox: 401
    const wrong = new ExchangeOnlineAppOnlyTokenProvider({ ...oauth, clientSecret: WRONG_PASSWORD });
    await run({ url: bearerGateway.url, auth: bearerAuth(wrong.getToken), ...appOnlyMailboxOptions("alice@example.com") });
    const delegated = new ExchangeOnlineDelegatedTokenProvider(oauth);
    await delegated.signInWithDeviceCode((i) => idp.approveDevice(i.userCode, "alice@example.com"));
    await run({ url: bearerGateway.url, auth: bearerAuth(delegated.getToken), mailbox: "alice@example.com" });

    // Autodiscover with Basic and NTLM, refused and accepted.
    const verifier = createNtlmVerifier({ accounts: [{ user: "alice", domain: "EXAMPLE", password: NTLM_PASSWORD }] });
    const ad = await startAutodiscoverSimulator({
      tls: ca.issue(["example.com"]),
      users: { "alice@example.com": { externalEwsUrl: "https://mail.example.com/EWS/Exchange.asmx" } },
      authorize: async (req, res) => (await verifier.authorize(req, res)) !== undefined,
    });
    for (const auth of [ntlmAutodiscoverAuth({ username: "EXAMPLE\\alice", password: NTLM_PASSWORD }), basicAutodiscoverAuth("alice@example.com", BASIC_PASSWORD)]) {
      const client = new AutodiscoverClient({ ca: ca.caCert, auth, disableSrv: true, resolveEndpoint: () => ({ host: "127.0.0.1", port: ad.port }) });
      await client.discover("alice@example.com").then(record, record);
      await client.close();
    }
    await ad.close();

    const secrets = [BASIC_PASSWORD, NTLM_PASSWORD, CLIENT_SECRET, WRONG_PASSWORD];
    const tokens = idp.issued.map((t) => t.accessToken);
    expect(tokens.length).toBeGreaterThan(3);
    const encoded = [BASIC_PASSWORD, WRONG_PASSWORD].map((p) => Buffer.from(`alice@example.com:${p}`).toString("base64"));
    const haystack = written.join("\n");
    // The run really was verbose and really failed in places.
    expect(written.length).toBeGreaterThan(30);
    expect(haystack).toMatch(/MSAL/);
    expect(haystack).toMatch(/EWS_UNAUTHORIZED/);
    expect(haystack).toMatch(/server-busy/);
    for (const needle of [...secrets, ...tokens, ...encoded, ...secrets.map((s) => encodeURIComponent(s))]) {
      expect(haystack.includes(needle), `a secret leaked: ${needle.slice(0, 4)}…`).toBe(false);
    }
    expect(haystack).not.toMatch(/Bearer at\.|NTLM TlRMTVNTUAAD|Basic [A-Za-z0-9+/]{16,}/);
  });
});

describe("no secret in the errors of refused, cut, oversized and echoing answers", () => {
  let echo: Server;
  let echoUrl = "";
  beforeAll(async () => {
    // A misconfigured proxy that reflects the request's Authorization header into its answers.
    echo = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const auth = String(req.headers.authorization ?? "");
        if (req.url?.includes("fault")) {
          res.writeHead(500, { "content-type": "text/xml; charset=utf-8" });
          res.end(
            `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>Denied for ${auth}</faultstring></s:Fault></s:Body></s:Envelope>`,
          );
        } else {
          res.writeHead(502, { "content-type": "text/html" });
          res.end(`<html><body>Bad gateway. Request headers: authorization: ${auth}</body></html>`);
        }
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => echo.close(() => resolve())));

  it("holds for echoed credentials, plain-HTTP refusals, cut responses and oversized token answers", async () => {
    const seen: string[] = [];
    const keep = (value: unknown) => {
      seen.push(typeof value === "string" ? value : inspect(value, { depth: 8, showHidden: true }));
      if (value instanceof Error) seen.push(JSON.stringify(value), value.message, String(value.stack));
    };
    const log: EwsLogger = { debug: (m, f) => seen.push(`${m} ${JSON.stringify(f ?? {})}`), warn: (m, f) => seen.push(`${m} ${JSON.stringify(f ?? {})}`) };
    const basic = basicAuth({ username: "alice@example.com", password: BASIC_PASSWORD });
    const token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.c2ln";
    for (const [path, auth] of [["/proxy", basic], ["/fault", basic], ["/proxy", bearerAuth(async () => token)], ["/fault", bearerAuth(async () => `at.${CLIENT_SECRET}`)]] as const) {
      const client = new EwsClientCore({ url: `${echoUrl}${path}`, auth, logger: log, retry: false });
      await getFolder(client, [{ distinguishedId: "inbox" }]).then(keep, keep);
      await client.close();
    }
    expect(seen.join("\n")).toMatch(/HTTP 502|SOAP fault/);

    // Plain HTTP to a host that is not loopback: refused before anything is sent.
    for (const make of [
      () => new EwsClientCore({ url: "http://mail.example.com/EWS/Exchange.asmx", auth: basic }),
      () => new NotificationConnection({ url: "http://mail.example.com/EWS/Exchange.asmx", mailbox: "alice@example.com", auth: bearerAuth(async () => token) }),
    ]) {
      try {
        make();
      } catch (error) {
        keep(error);
      }
    }
    expect(seen.join("\n")).toMatch(/EWS_INSECURE_HTTP/);

    // A cut response, asked again and still cut.
    sim.faults.inject({ kind: "cutBody", after: "</t:ContactsFolder>", operation: "GetFolder", times: 3 });
    const cut = new EwsClientCore({ url: sim.url, auth: basic, logger: log, retry: { baseDelayMs: 1, maxAttempts: 3 } });
    cut.on("retry", keep);
    await getFolder(cut, [{ distinguishedId: "contacts" }]).then(keep, keep);
    await cut.close();
    expect(seen.join("\n")).toMatch(/truncated|not closed/);

    // A token answer over the cap.
    const network = { ca: ca.caCert, resolveEndpoint: () => ({ host: "127.0.0.1", port: idp.port }), maxResponseBytes: 4096 };
    const app = new ExchangeOnlineAppOnlyTokenProvider({ clientId: "client-1", authority: idp.authority, knownAuthorities: [HOST], network, logger: log, clientSecret: CLIENT_SECRET });
    idp.tokenResponsePadding = 8192;
    await app.getToken({ forceRefresh: true }).then(keep, keep);
    idp.tokenResponsePadding = 0;
    expect(seen.join("\n")).toMatch(/OAUTH_TOKEN_FAILED/);

    const haystack = seen.join("\n");
    const encoded = Buffer.from(`alice@example.com:${BASIC_PASSWORD}`).toString("base64");
    for (const needle of [BASIC_PASSWORD, CLIENT_SECRET, encoded, token, ...idp.issued.map((t) => t.accessToken)]) {
      expect(haystack.includes(needle), `a secret leaked: ${needle.slice(0, 6)}…`).toBe(false);
    }
    expect(haystack).toMatch(/Basic \[redacted\]/);
  });

  it("redacts credentials in text, and leaves prose alone", () => {
    expect(redactCredentials("authorization: Basic YWxpY2U6c2VjcmV0 end")).toBe("authorization: Basic [redacted] end");
    expect(redactCredentials("Authorization: Bearer at.Zx9~abc-def_ghi")).toBe("Authorization: Bearer [redacted]");
    expect(redactCredentials("NTLM TlRMTVNTUAADAAAAGAAYAEgAAAA=")).toBe("NTLM [redacted]");
    expect(redactCredentials("id eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.c2ln x")).toBe("id [redacted token] x");
    expect(redactCredentials("Basic authentication failed for Negotiate handshake")).toBe("Basic authentication failed for Negotiate handshake");
  });
});
