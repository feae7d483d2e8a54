/**
 * OAuth 2 through @azure/msal-node against a fake identity platform on loopback HTTPS (test CA,
 * authority host mapped to loopback), and the EWS simulator behind a bearer-checking front.
 */
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearerAuth } from "../src/auth/bearer.js";
import {
  appOnlyMailboxOptions,
  EWS_DELEGATED_SCOPE,
  ExchangeOnlineAppOnlyTokenProvider,
  ExchangeOnlineDelegatedTokenProvider,
  OAuthError,
  type OAuthCommonOptions,
  type TokenCachePersistence,
} from "../src/auth/oauth.js";
import { createAutodiscoverDispatcher } from "../src/autodiscover/network.js";
import { EwsClientCore, type EwsClientOptions } from "../src/client-core.js";
import { HttpError } from "../src/errors.js";
import { getFolder } from "../src/operations/folders.js";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { createTestCertificateAuthority, type TestCertificateAuthority } from "@ewsdav/ews-simulator";
import { startBearerGateway, type BearerGateway } from "@ewsdav/ews-simulator";
import { startFakeIdentityProvider, type FakeIdentityProvider } from "@ewsdav/ews-simulator";

const HOST = "login.example.test";
const CLIENT_ID = "3f1c2a9e-0000-4000-8000-00000000c1d0";
const CLIENT_SECRET = "app-secret-Qx7~value";
const REDIRECT = "http://localhost:8400/callback";

let ca: TestCertificateAuthority;
let idp: FakeIdentityProvider;
let sim: EwsSimulator;
let gateway: BearerGateway;
let common: OAuthCommonOptions;

beforeAll(async () => {
  ca = createTestCertificateAuthority();
  idp = await startFakeIdentityProvider({
    tls: ca.issue([HOST]),
    publicHost: HOST,
    tenantId: "contoso-tenant",
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    users: [{ username: "alice@example.com" }],
  });
  sim = await startEwsSimulator({
    users: [
      { smtpAddress: "alice@example.com", password: "backend-a" },
      { smtpAddress: "bob@example.com", password: "backend-b" },
    ],
  });
  gateway = await startBearerGateway({
    target: sim.url,
    resolve: (token) => idp.resolve(token),
    backendCredentials: (address) => ({ username: address, password: address.startsWith("alice") ? "backend-a" : "backend-b" }),
  });
  common = {
    clientId: CLIENT_ID,
    authority: idp.authority,
    knownAuthorities: [HOST],
    network: {
      ca: ca.caCert,
      resolveEndpoint: (host, port) => {
        if (host !== HOST || port !== 443) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
        return { host: "127.0.0.1", port: idp.port };
      },
    },
  };
});
afterAll(async () => {
  await gateway.stop();
  await sim.stop();
  await idp.close();
  ca.dispose();
});

async function inboxWith(options: Omit<EwsClientOptions, "url">) {
  const client = new EwsClientCore({ url: gateway.url, retry: false, ...options });
  try {
    const [result] = await getFolder(client, [{ distinguishedId: "inbox" }]);
    if (result instanceof Error) throw result;
    return result!;
  } finally {
    await client.close();
  }
}

describe("app-only (client credentials)", () => {
  it("gets a .default token once, and sends X-AnchorMailbox and ExchangeImpersonation", async () => {
    const before = idp.tokenRequests.client_credentials ?? 0;
    const provider = new ExchangeOnlineAppOnlyTokenProvider({ ...common, clientSecret: CLIENT_SECRET });
    const auth = bearerAuth(provider.getToken);
    sim.clearExchanges();
    await inboxWith({ auth, ...appOnlyMailboxOptions("bob@example.com") });
    await inboxWith({ auth, ...appOnlyMailboxOptions("bob@example.com") });
    expect((idp.tokenRequests.client_credentials ?? 0) - before).toBe(1);
    expect(idp.issued.at(-1)!.scope).toBe("https://outlook.office365.com/.default");
    const last = sim.exchanges.at(-1)!;
    expect(last.requestXml).toMatch(/<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>bob@example.com<\/t:PrimarySmtpAddress>/);
    expect(last.user).toBe("bob@example.com");
  });

  it("is refused (401) without an anchor mailbox", async () => {
    const provider = new ExchangeOnlineAppOnlyTokenProvider({ ...common, clientSecret: CLIENT_SECRET });
    const error = await inboxWith({ auth: bearerAuth(provider.getToken) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(401);
  });

  it("renews the token once after a 401", async () => {
    const provider = new ExchangeOnlineAppOnlyTokenProvider({ ...common, clientSecret: CLIENT_SECRET });
    const auth = bearerAuth(provider.getToken);
    await inboxWith({ auth, ...appOnlyMailboxOptions("bob@example.com") });
    idp.revoke(idp.issued.at(-1)!.accessToken);
    const before = idp.tokenRequests.client_credentials ?? 0;
    await inboxWith({ auth, ...appOnlyMailboxOptions("bob@example.com") });
    expect((idp.tokenRequests.client_credentials ?? 0) - before).toBe(1);
    expect(provider.tokenAcquisitions).toBe(2);
  });

  it("renews the token before it expires", async () => {
    let now = Date.now();
    const provider = new ExchangeOnlineAppOnlyTokenProvider({ ...common, clientSecret: CLIENT_SECRET, now: () => now, refreshMarginMs: 5 * 60_000 });
    const first = await provider.getToken({ forceRefresh: false });
    now += 50 * 60_000; // 10 minutes left: still fine
    expect(await provider.getToken({ forceRefresh: false })).toBe(first);
    now += 6 * 60_000; // 4 minutes left: inside the margin
    const second = await provider.getToken({ forceRefresh: false });
    expect(second).not.toBe(first);
    expect(provider.tokenAcquisitions).toBe(2);
  });

  it("reports a wrong secret as a typed error without the secret", async () => {
    const provider = new ExchangeOnlineAppOnlyTokenProvider({ ...common, clientSecret: "wrong-secret-value" });
    const error = (await provider.getToken({ forceRefresh: false }).catch((e: unknown) => e)) as OAuthError;
    expect(error).toBeInstanceOf(OAuthError);
    expect(error.code).toBe("OAUTH_TOKEN_FAILED");
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain("wrong-secret-value");
  });
});

/** Plays the browser: follows the authorize URL to the redirect without following it further. */
async function browse(url: string): Promise<string> {
  const dispatcher = createAutodiscoverDispatcher(common.network!);
  try {
    const response = await request(url, { dispatcher });
    await response.body.dump();
    expect(response.statusCode).toBe(302);
    return String(response.headers.location);
  } finally {
    await dispatcher.close();
  }
}

function memoryPersistence(): TokenCachePersistence & { value: string | undefined; saves: number } {
  const store = {
    value: undefined as string | undefined,
    saves: 0,
    async load() {
      return store.value;
    },
    async save(serialized: string) {
      store.value = serialized;
      store.saves++;
    },
  };
  return store;
}

describe("delegated", () => {
  it("signs in with authorization code + PKCE + state and the EWS scopes, then calls EWS", async () => {
    const cache = memoryPersistence();
    const provider = new ExchangeOnlineDelegatedTokenProvider({ ...common, cache });
    const { url, state } = await provider.beginAuthorization({ redirectUri: REDIRECT, loginHint: "alice@example.com" });
    const query = new URL(url).searchParams;
    expect(query.get("code_challenge_method")).toBe("S256");
    expect(query.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(query.get("state")).toBe(state);
    expect(query.get("scope")!.split(" ")).toEqual(expect.arrayContaining([EWS_DELEGATED_SCOPE, "offline_access"]));
    const account = await provider.completeAuthorization(await browse(url));
    expect(account.username).toBe("alice@example.com");
    expect((await inboxWith({ auth: bearerAuth(provider.getToken), mailbox: "alice@example.com" })).folderId.id).not.toBe("");
    expect(cache.saves).toBeGreaterThan(0);
    expect(cache.value).toContain("RefreshToken");

    // A restart: a new provider with the persisted cache needs no sign-in, and refreshes with the refresh token.
    const restarted = new ExchangeOnlineDelegatedTokenProvider({ ...common, cache });
    const refreshes = idp.tokenRequests.refresh_token ?? 0;
    const token = await restarted.getToken({ forceRefresh: true });
    expect(idp.tokenRequests.refresh_token).toBe(refreshes + 1);
    expect(idp.resolve(token)).toEqual({ kind: "delegated", smtpAddress: "alice@example.com" });
  });

  it("renews a revoked delegated token with the refresh token after a 401", async () => {
    const provider = new ExchangeOnlineDelegatedTokenProvider(common);
    await provider.signInWithDeviceCode((i) => idp.approveDevice(i.userCode, "alice@example.com"));
    const auth = bearerAuth(provider.getToken);
    await inboxWith({ auth, mailbox: "alice@example.com" });
    idp.revoke(idp.issued.at(-1)!.accessToken);
    const refreshes = idp.tokenRequests.refresh_token ?? 0;
    await inboxWith({ auth, mailbox: "alice@example.com" });
    expect(idp.tokenRequests.refresh_token).toBe(refreshes + 1);
  });

  it("refuses an authorization response whose state it did not issue", async () => {
    const provider = new ExchangeOnlineDelegatedTokenProvider(common);
    await provider.beginAuthorization({ redirectUri: REDIRECT });
    const error = (await provider.completeAuthorization(`${REDIRECT}?code=stolen&state=forged`).catch((e: unknown) => e)) as OAuthError;
    expect(error.code).toBe("OAUTH_STATE_MISMATCH");
  });

  it("signs in with the device code flow", async () => {
    const provider = new ExchangeOnlineDelegatedTokenProvider(common);
    const shown: string[] = [];
    const account = await provider.signInWithDeviceCode((instructions) => {
      shown.push(instructions.message);
      idp.approveDevice(instructions.userCode, "alice@example.com");
    });
    expect(account.username).toBe("alice@example.com");
    expect(shown[0]).toContain("devicelogin");
    expect(idp.resolve(await provider.getToken({ forceRefresh: false }))).toEqual({ kind: "delegated", smtpAddress: "alice@example.com" });
  });

  it("asks for a sign-in when there is no account", async () => {
    const provider = new ExchangeOnlineDelegatedTokenProvider(common);
    const error = (await provider.getToken({ forceRefresh: false }).catch((e: unknown) => e)) as OAuthError;
    expect(error.code).toBe("OAUTH_NOT_SIGNED_IN");
  });
});

describe("size cap of the identity platform's answers", () => {
  it("refuses a token response over the cap with a typed error, and takes it again once it is small", async () => {
    const provider = new ExchangeOnlineAppOnlyTokenProvider({ ...common, clientSecret: CLIENT_SECRET, network: { ...common.network, maxResponseBytes: 64 * 1024 } });
    idp.tokenResponsePadding = 256 * 1024;
    try {
      const error = (await provider.getToken({ forceRefresh: true }).catch((e: unknown) => e)) as OAuthError;
      expect(error).toBeInstanceOf(OAuthError);
      expect(error.code).toBe("OAUTH_TOKEN_FAILED");
      expect(error.message).toMatch(/more than 65536 bytes/);
      expect(error.message).not.toContain(CLIENT_SECRET);
    } finally {
      idp.tokenResponsePadding = 0;
    }
    expect(await provider.getToken({ forceRefresh: true })).toMatch(/^at\./);
  });

  it("caps answers at 1 MiB by default, also without network options", async () => {
    const provider = new ExchangeOnlineAppOnlyTokenProvider({ ...common, clientSecret: CLIENT_SECRET });
    idp.tokenResponsePadding = 2 * 1024 * 1024;
    try {
      const error = (await provider.getToken({ forceRefresh: true }).catch((e: unknown) => e)) as OAuthError;
      expect(error).toBeInstanceOf(OAuthError);
      expect(error.message).toMatch(/more than 1048576 bytes/);
    } finally {
      idp.tokenResponsePadding = 0;
    }
  });
});
