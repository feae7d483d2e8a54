/**
 * A fake Microsoft identity platform (v2.0 endpoints) for tests of the OAuth flows: OpenID metadata,
 * `authorize` (answers at once with a code, as if the user consented), `token` (client credentials with
 * a client secret or a signed client assertion checked against the app's registered certificates,
 * authorization code with PKCE S256 verification, refresh token, device code) and `devicecode`.
 * Served over HTTPS (test CA) so MSAL can be pointed at it as its authority. ID tokens are unsigned
 * (MSAL does not check signatures); access tokens are opaque random strings.
 *
 * Each access token is for one resource, as Entra issues them: Exchange Online's EWS
 * (`https://outlook.office365.com/EWS.AccessAsUser.All`, `https://outlook.office365.com/.default`) or
 * Microsoft Graph (`Contacts.ReadWrite Calendars.ReadWrite Tasks.ReadWrite` and other bare names, or
 * `https://graph.microsoft.com/...`, `00000003-0000-0000-c000-000000000000/...`, `.default` app-only).
 * A request naming two resources is refused (AADSTS28000). {@link FakeIdentityProvider.resolve}
 * takes the audience the service expects: an Outlook token is refused by Graph and a Graph token by
 * EWS, as the services do.
 * @module
 */
import { constants as cryptoConstants, createHash, createPublicKey, randomBytes, verify as verifySignature, X509Certificate, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { BearerGrant } from "./bearer.js";

/** A user who can sign in. */
export interface FakeIdpUser {
  username: string;
  /** Object id (default: derived from the name). */
  oid?: string;
}

/** Options of {@link startFakeIdentityProvider}. */
export interface FakeIdpOptions {
  /** TLS key and certificate for the host name the tests use as authority host. */
  tls: { key: string | Buffer; cert: string | Buffer };
  /** The host name (and port, when not 443) MSAL uses in the authority, e.g. `login.example.test`. */
  publicHost: string;
  tenantId: string;
  clientId: string;
  /** Secret of the confidential (app-only) client. */
  clientSecret?: string;
  /**
   * The app's registered certificate credentials, PEM: certificates (`BEGIN CERTIFICATE`, found by
   * the assertion's `x5t#S256` or `x5t` thumbprint header, as Microsoft Entra ID does) or bare public
   * keys (`BEGIN PUBLIC KEY`, tried whatever the thumbprint). The client-credentials grant then also
   * takes a `client_assertion` (RFC 7523 JWT, RS256 or PS256) signed with the matching private key.
   */
  clientCertificates?: Array<string | Buffer>;
  users: FakeIdpUser[];
  /** Lifetime of access tokens in seconds (default 3600). */
  accessTokenSeconds?: number;
}

/** The resource (audience) of an access token: Exchange Online (EWS) or Microsoft Graph. */
export type FakeIdpResource = "https://outlook.office365.com" | "https://graph.microsoft.com";

/**
 * An audience a service checks a token against: the resource's URI, or its application id
 * (`00000002-0000-0ff1-ce00-000000000000` Exchange Online, `00000003-0000-0000-c000-000000000000` Graph).
 */
export type FakeIdpAudience = FakeIdpResource | "00000002-0000-0ff1-ce00-000000000000" | "00000003-0000-0000-c000-000000000000";

const RESOURCE_OF_AUDIENCE: Record<FakeIdpAudience, FakeIdpResource> = {
  "https://outlook.office365.com": "https://outlook.office365.com",
  "00000002-0000-0ff1-ce00-000000000000": "https://outlook.office365.com",
  "https://graph.microsoft.com": "https://graph.microsoft.com",
  "00000003-0000-0000-c000-000000000000": "https://graph.microsoft.com",
};

/** Scopes of OpenID Connect and refresh tokens, which name no resource. */
const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);

/**
 * The resource a scope names: an `https://` or application-id prefix, or none (a bare name such as
 * `Contacts.ReadWrite`, which Entra takes as a Microsoft Graph permission); undefined for OpenID scopes
 * and for a resource this provider does not issue tokens for (its name, to say so).
 */
function resourceOfScope(scope: string): FakeIdpResource | { unknown: string } | undefined {
  if (OIDC_SCOPES.has(scope.toLowerCase())) return undefined;
  const slash = scope.lastIndexOf("/");
  if (slash === -1) return "https://graph.microsoft.com";
  const prefix = scope.slice(0, slash).toLowerCase();
  const known = RESOURCE_OF_AUDIENCE[prefix as FakeIdpAudience] as FakeIdpResource | undefined;
  return known ?? { unknown: prefix };
}

/**
 * The one resource a token request's scopes name, and the scopes granted for it (Graph's without
 * their prefix, as Entra answers them), or the refusal's description.
 */
function resourceOfScopes(scope: string): { resource: FakeIdpResource; granted: string } | { refusal: string } {
  const resources = new Set<FakeIdpResource>();
  const granted: string[] = [];
  for (const s of scope.split(/\s+/).filter(Boolean)) {
    const resource = resourceOfScope(s);
    if (resource === undefined) continue;
    if (typeof resource === "object") return { refusal: `AADSTS500011: The resource principal named ${resource.unknown} was not found in the tenant.` };
    resources.add(resource);
    granted.push(resource === "https://graph.microsoft.com" ? s.slice(s.lastIndexOf("/") + 1) : s);
  }
  if (resources.size > 1) return { refusal: "AADSTS28000: Provided value for the input parameter scope is not valid because it contains more than one resource." };
  const [resource] = resources;
  if (!resource) return { refusal: "AADSTS70011: The provided request must include a 'scope' input parameter naming a resource." };
  return { resource, granted: granted.join(" ") };
}

/** One issued access token. */
export interface IssuedToken {
  accessToken: string;
  grant: BearerGrant;
  grantType: string;
  scope: string;
  /** The resource the token is for (its audience). */
  resource: FakeIdpResource;
  expiresAt: number;
  revoked: boolean;
}

/** A running fake identity provider. */
export interface FakeIdentityProvider {
  readonly port: number;
  /** `https://{publicHost}/{tenantId}`. */
  readonly authority: string;
  /** Every access token issued, oldest first. */
  readonly issued: IssuedToken[];
  /** Token endpoint requests per grant type. */
  readonly tokenRequests: Record<string, number>;
  /** Requests made to the authorize endpoint with their query parameters. */
  readonly authorizeRequests: URLSearchParams[];
  /**
   * Every client assertion presented, oldest first: its header's `alg` and thumbprint header, and
   * `undefined` when accepted or the refusal's description.
   */
  readonly clientAssertions: Array<{ alg: string; thumbprintHeader: "x5t#S256" | "x5t" | undefined; refusal: string | undefined }>;
  /**
   * Resolves an access token for a service that expects `audience` (default Exchange Online, as the
   * EWS bearer front asks): unknown, expired or revoked tokens, and tokens for another resource,
   * resolve to undefined (the service answers 401).
   */
  resolve(token: string, audience?: FakeIdpAudience): BearerGrant | undefined;
  /** Revokes an access token (the next request with it gets 401). */
  revoke(token: string): void;
  /** Approves a pending device code for a user. */
  approveDevice(userCode: string, username: string): void;
  /** Device codes issued, newest last. */
  readonly deviceCodes: Array<{ userCode: string; approvedFor: string | undefined }>;
  /**
   * Characters of padding added to every token response (an extra JSON member), to test the
   * client's size cap on token responses; 0 (default) for none. Settable at any time.
   */
  tokenResponsePadding: number;
  close(): Promise<void>;
}

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
    request.on("error", reject);
  });
}

/** The client assertion type of RFC 7523 (a JWT signed by the client). */
const JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** Clock skew allowed on `exp` and `nbf`, seconds (Entra allows about five minutes). */
const ASSERTION_SKEW_SECONDS = 300;

/** One registered certificate credential: its public key and thumbprints (base64url of the digest). */
interface RegisteredKey {
  key: KeyObject;
  /** `x5t#S256` and `x5t` values; undefined for a bare public key (tried for any thumbprint). */
  thumbprints: { sha256: string; sha1: string } | undefined;
}

function registeredKeys(pems: Array<string | Buffer>): RegisteredKey[] {
  return pems.map((pem, index) => {
    const text = Buffer.from(pem).toString("utf8");
    if (text.includes("-----BEGIN CERTIFICATE-----")) {
      const certificate = new X509Certificate(text);
      const digest = (fingerprint: string) => Buffer.from(fingerprint.replace(/:/g, ""), "hex").toString("base64url");
      return { key: certificate.publicKey, thumbprints: { sha256: digest(certificate.fingerprint256), sha1: digest(certificate.fingerprint) } };
    }
    try {
      return { key: createPublicKey(text), thumbprints: undefined };
    } catch {
      throw new TypeError(`FakeIdpOptions.clientCertificates[${index}]: neither a PEM certificate nor a PEM public key`);
    }
  });
}

/** A client assertion as checked: its `alg`, its thumbprint header, and why it is refused (an Entra-like description) or undefined. */
type AssertionVerdict = { alg: string; thumbprintHeader: "x5t#S256" | "x5t" | undefined; refusal: string | undefined };

/**
 * Checks a client assertion as Entra does: a three-part JWT signed RS256 or PS256 by a registered
 * certificate (found by thumbprint), `iss` = `sub` = the client id, `aud` = the token endpoint, and
 * the current time inside `nbf`…`exp` (with skew).
 */
function checkClientAssertion(jwt: string, keys: RegisteredKey[], clientId: string, tokenEndpoint: string): AssertionVerdict {
  const parts = jwt.split(".");
  const decode = (part: string | undefined): Record<string, unknown> | undefined => {
    try {
      const value: unknown = JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8"));
      return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  const header = decode(parts[0]);
  const claims = decode(parts[1]);
  const alg = typeof header?.alg === "string" ? header.alg : "";
  const thumbprintHeader = typeof header?.["x5t#S256"] === "string" ? "x5t#S256" : typeof header?.x5t === "string" ? "x5t" : undefined;
  const verdict = (refusal: string | undefined): AssertionVerdict => ({ alg, thumbprintHeader, refusal });
  if (parts.length !== 3 || !header || !claims) return verdict("AADSTS50027: JWT token is invalid or is malformed.");
  if (alg !== "RS256" && alg !== "PS256") return verdict(`AADSTS50027: JWT token is invalid or is malformed ('${alg}' is not RS256 or PS256).`);
  const thumbprint = thumbprintHeader ? String(header[thumbprintHeader]) : "";
  const candidates = keys.filter((k) => !k.thumbprints || (thumbprintHeader === "x5t#S256" ? k.thumbprints.sha256 : k.thumbprints.sha1) === thumbprint);
  if (candidates.length === 0) {
    return verdict(`AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}']`);
  }
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2]!, "base64url");
  const padding = alg === "PS256" ? { padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST } : { padding: cryptoConstants.RSA_PKCS1_PADDING };
  const valid = candidates.some((k) => {
    try {
      return verifySignature("sha256", signed, { key: k.key, ...padding }, signature);
    } catch {
      return false;
    }
  });
  if (!valid) return verdict("AADSTS700027: Client assertion contains an invalid signature. [Reason - The key used does not match the signature.]");
  if (claims.iss !== clientId || claims.sub !== clientId) return verdict(`AADSTS700021: Client assertion application identifier doesn't match 'client_id' parameter (iss and sub must be '${clientId}').`);
  if (claims.aud !== tokenEndpoint) return verdict(`AADSTS50013: Assertion audience claim does not match the required value. The audience in the assertion was '${String(claims.aud)}' and the expected audience is '${tokenEndpoint}'.`);
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== "number" || claims.exp + ASSERTION_SKEW_SECONDS < now) return verdict("AADSTS700024: Client assertion is not within its valid time range (expired or no exp).");
  if (typeof claims.nbf === "number" && claims.nbf - ASSERTION_SKEW_SECONDS > now) return verdict("AADSTS700024: Client assertion is not within its valid time range (not yet valid).");
  return verdict(undefined);
}

/** Starts the fake identity provider on 127.0.0.1. */
export async function startFakeIdentityProvider(options: FakeIdpOptions): Promise<FakeIdentityProvider> {
  const base = `https://${options.publicHost}/${options.tenantId}`;
  const issued: IssuedToken[] = [];
  const tokenRequests: Record<string, number> = {};
  const authorizeRequests: URLSearchParams[] = [];
  const clientAssertions: AssertionVerdict[] = [];
  const certificateKeys = registeredKeys(options.clientCertificates ?? []);
  const codes = new Map<string, { challenge: string; method: string; redirectUri: string; user: FakeIdpUser; scope: string }>();
  // A refresh token is good for any resource (Entra's multi-resource refresh tokens); it remembers the scopes of its sign-in.
  const refreshTokens = new Map<string, { user: FakeIdpUser; scope: string }>();
  const devices = new Map<string, { userCode: string; approvedFor: string | undefined; expiresAt: number; scope: string }>();
  const deviceCodes: Array<{ userCode: string; approvedFor: string | undefined }> = [];
  const lifetime = options.accessTokenSeconds ?? 3600;
  const oidOf = (user: FakeIdpUser) => user.oid ?? createHash("sha256").update(user.username).digest("hex").slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");

  const knobs = { tokenResponsePadding: 0 };
  const json = (response: ServerResponse, status: number, body: unknown) => {
    const padded =
      knobs.tokenResponsePadding > 0 && typeof body === "object" && body !== null && "access_token" in body
        ? { ...body, x_padding: "p".repeat(knobs.tokenResponsePadding) }
        : body;
    const text = JSON.stringify(padded);
    response.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(text)), "cache-control": "no-store" });
    response.end(text);
  };
  const oauthError = (response: ServerResponse, error: string, description: string) =>
    json(response, 400, { error, error_description: description, error_codes: [Number(/^AADSTS(\d+)/.exec(description)?.[1] ?? 0)], timestamp: new Date().toISOString() });

  const accessToken = (grant: BearerGrant, grantType: string, scope: string, resource: FakeIdpResource): IssuedToken => {
    const token: IssuedToken = { accessToken: `at.${b64url(randomBytes(24))}`, grant, grantType, scope, resource, expiresAt: Date.now() + lifetime * 1000, revoked: false };
    issued.push(token);
    return token;
  };

  /** The tokens of a signed-in user for the one resource `scope` names, or an OAuth refusal. */
  const userTokens = (user: FakeIdpUser, grantType: string, scope: string) => {
    const asked = resourceOfScopes(scope);
    if ("refusal" in asked) return asked;
    const token = accessToken({ kind: "delegated", smtpAddress: user.username }, grantType, asked.granted, asked.resource);
    const refresh = `rt.${b64url(randomBytes(24))}`;
    refreshTokens.set(refresh, { user, scope });
    const now = Math.floor(Date.now() / 1000);
    const oid = oidOf(user);
    const idToken = [
      b64url(JSON.stringify({ typ: "JWT", alg: "none" })),
      b64url(
        JSON.stringify({
          aud: options.clientId, iss: `${base}/v2.0`, iat: now, nbf: now, exp: now + lifetime, name: user.username,
          oid, preferred_username: user.username, sub: oid, tid: options.tenantId, ver: "2.0",
        }),
      ),
      "sig",
    ].join(".");
    return {
      token_type: "Bearer",
      scope: asked.granted,
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: token.accessToken,
      refresh_token: refresh,
      id_token: idToken,
      client_info: b64url(JSON.stringify({ uid: oid, utid: options.tenantId })),
    };
  };

  /** Sends a user's tokens, or the refusal of their scopes. */
  const userAnswer = (response: ServerResponse, answer: ReturnType<typeof userTokens>) => {
    if ("refusal" in answer) return oauthError(response, "invalid_scope", answer.refusal);
    json(response, 200, answer);
  };

  const handler = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", base);
    const path = url.pathname;
    const prefix = `/${options.tenantId}`;
    if (request.method === "GET" && (path === `${prefix}/v2.0/.well-known/openid-configuration` || path === `${prefix}/.well-known/openid-configuration`)) {
      json(response, 200, {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        issuer: `${base}/v2.0`,
        response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
        scopes_supported: ["openid", "profile", "email", "offline_access"],
        token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        code_challenge_methods_supported: ["plain", "S256"],
      });
      return;
    }
    if (request.method === "GET" && path === `${prefix}/oauth2/v2.0/authorize`) {
      authorizeRequests.push(url.searchParams);
      const q = url.searchParams;
      const redirectUri = q.get("redirect_uri") ?? "";
      const user = options.users.find((u) => u.username.toLowerCase() === (q.get("login_hint") ?? "").toLowerCase()) ?? options.users[0]!;
      const target = new URL(redirectUri);
      if (q.get("client_id") !== options.clientId || !q.get("code_challenge") || q.get("response_type") !== "code") {
        target.searchParams.set("error", "invalid_request");
      } else {
        const code = `code.${b64url(randomBytes(18))}`;
        codes.set(code, { challenge: q.get("code_challenge")!, method: q.get("code_challenge_method") ?? "plain", redirectUri, user, scope: q.get("scope") ?? "" });
        target.searchParams.set("code", code);
      }
      if (q.get("state")) target.searchParams.set("state", q.get("state")!);
      response.writeHead(302, { location: target.href, "content-length": "0" });
      response.end();
      return;
    }
    if (request.method === "POST" && path === `${prefix}/oauth2/v2.0/devicecode`) {
      const form = await readForm(request);
      if (form.get("client_id") !== options.clientId) return oauthError(response, "unauthorized_client", "Unknown client");
      const deviceCode = `dc.${b64url(randomBytes(18))}`;
      const userCode = randomBytes(4).toString("hex").toUpperCase();
      const entry = { userCode, approvedFor: undefined as string | undefined, expiresAt: Date.now() + 900_000, scope: form.get("scope") ?? "" };
      devices.set(deviceCode, entry);
      deviceCodes.push(entry);
      json(response, 200, {
        user_code: userCode,
        device_code: deviceCode,
        verification_uri: "https://microsoft.com/devicelogin",
        expires_in: 900,
        interval: 1,
        message: `To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ${userCode} to authenticate.`,
      });
      return;
    }
    if (request.method === "POST" && path === `${prefix}/oauth2/v2.0/token`) {
      const form = await readForm(request);
      const grantType = form.get("grant_type") ?? "";
      tokenRequests[grantType] = (tokenRequests[grantType] ?? 0) + 1;
      if (form.get("client_id") !== options.clientId) return oauthError(response, "unauthorized_client", "Unknown client");
      const scope = form.get("scope") ?? "";
      if (grantType === "client_credentials") {
        const assertion = form.get("client_assertion");
        if (assertion !== null || form.get("client_assertion_type") !== null) {
          if (form.get("client_assertion_type") !== JWT_BEARER_ASSERTION) return oauthError(response, "invalid_request", `AADSTS50027: client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
          const verdict = checkClientAssertion(assertion ?? "", certificateKeys, options.clientId, `${base}/oauth2/v2.0/token`);
          clientAssertions.push(verdict);
          if (verdict.refusal !== undefined) return oauthError(response, "invalid_client", verdict.refusal);
        } else if (!options.clientSecret || form.get("client_secret") !== options.clientSecret) return oauthError(response, "invalid_client", "Invalid client secret");
        const asked = resourceOfScopes(scope);
        if ("refusal" in asked) return oauthError(response, "invalid_scope", asked.refusal);
        if (!/\/\.default$/.test(scope.trim()) || scope.trim().includes(" ")) {
          return oauthError(response, "invalid_scope", "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).");
        }
        const token = accessToken({ kind: "app" }, grantType, scope.trim(), asked.resource);
        json(response, 200, { token_type: "Bearer", expires_in: lifetime, ext_expires_in: lifetime, access_token: token.accessToken });
        return;
      }
      if (grantType === "authorization_code") {
        const entry = codes.get(form.get("code") ?? "");
        codes.delete(form.get("code") ?? "");
        if (!entry) return oauthError(response, "invalid_grant", "Unknown or used code");
        const verifier = form.get("code_verifier") ?? "";
        const computed = entry.method === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
        if (computed !== entry.challenge) return oauthError(response, "invalid_grant", "PKCE verification failed");
        if (form.get("redirect_uri") !== entry.redirectUri) return oauthError(response, "invalid_grant", "redirect_uri mismatch");
        return userAnswer(response, userTokens(entry.user, grantType, scope || entry.scope));
      }
      if (grantType === "refresh_token") {
        const held = refreshTokens.get(form.get("refresh_token") ?? "");
        if (!held) return oauthError(response, "invalid_grant", "Unknown refresh token");
        return userAnswer(response, userTokens(held.user, grantType, scope || held.scope));
      }
      if (grantType === "urn:ietf:params:oauth:grant-type:device_code" || grantType === "device_code") {
        const entry = devices.get(form.get("device_code") ?? "");
        if (!entry) return oauthError(response, "invalid_grant", "Unknown device code");
        if (!entry.approvedFor) return oauthError(response, "authorization_pending", "The user has not yet signed in");
        devices.delete(form.get("device_code") ?? "");
        const user = options.users.find((u) => u.username === entry.approvedFor)!;
        return userAnswer(response, userTokens(user, grantType, scope || entry.scope));
      }
      return oauthError(response, "unsupported_grant_type", grantType);
    }
    json(response, 404, { error: "not_found" });
  };

  const server: Server = createServer({ key: options.tls.key, cert: options.tls.cert }, (request, response) => {
    handler(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    authority: base,
    issued,
    tokenRequests,
    authorizeRequests,
    clientAssertions,
    deviceCodes,
    resolve(token, audience = "https://outlook.office365.com") {
      const entry = issued.find((t) => t.accessToken === token);
      if (!entry || entry.revoked || entry.expiresAt <= Date.now()) return undefined;
      if (entry.resource !== RESOURCE_OF_AUDIENCE[audience]) return undefined;
      return entry.grant;
    },
    revoke(token) {
      for (const entry of issued) if (entry.accessToken === token) entry.revoked = true;
    },
    get tokenResponsePadding() {
      return knobs.tokenResponsePadding;
    },
    set tokenResponsePadding(value: number) {
      knobs.tokenResponsePadding = value;
    },
    approveDevice(userCode, username) {
      for (const entry of devices.values()) if (entry.userCode === userCode) entry.approvedFor = username;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
