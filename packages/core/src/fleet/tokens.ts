/**
 * OAuth in the fleet: the token providers of Exchange Online accounts (ews-client's, over
 * msal-node) and the delegated accounts' token caches, kept in PostgreSQL — never in a file or an
 * environment variable on a worker.
 *
 * - **App-only** accounts sign in with the client secret or certificate key that is the account's
 *   (encrypted) secret; nothing else is stored.
 * - **Delegated** accounts: MSAL's serialized token cache (account, ID token, refresh token) is
 *   stored in `token_caches`, AES-256-GCM-encrypted under the fleet's {@link KeyRing} and bound to
 *   its row (associated data `token cache <account id>`, so neither another account's cache nor a
 *   secret ciphertext decrypts in its place). It is read and written back through MSAL's
 *   `TokenCachePersistence` by whichever worker runs the account's cycle. **Access tokens are
 *   stripped before it is stored**: they live in the workers' memory only.
 * - **Concurrent refreshes: an optimistic version column.** A worker writes a refreshed cache only
 *   `WHERE version =` the version it read before MSAL merged the new tokens; when another worker
 *   stored a cache in between, that newer cache is kept and this one dropped (its tokens stay in
 *   this worker's memory until MSAL reloads the stored cache at its next access). So a save made
 *   from an older cache never replaces a newer one, and no row lock is held across a request to the
 *   identity provider. In one process, the calls of one account's provider run one at a time.
 * - **Key rotation** re-encrypts caches as it does secrets, under row locks, without moving their
 *   version (a worker's save based on the same version still lands after it).
 * - Token providers are kept per worker (per {@link TokenContext}), so a worker reuses an access
 *   token from cycle to cycle until it nears expiry; a changed account (settings or secret) gets a
 *   new provider. No error or log line carries a token, a cache or a secret.
 * @module
 */
import { createHash } from "node:crypto";
import type { Pool } from "pg";
import type { OAuthCommonOptions, TokenCachePersistence, TokenProvider } from "@ewsdav/ews-client";
import type { Logger } from "../engine/log.js";
import type { KeyRing } from "./keys.js";
import { transaction } from "./schema.js";

/** Settings shared by both OAuth flows (the config file's `auth` of `"type": "oauth"`). */
export interface FleetOAuthCommon {
  type: "oauth";
  /** The application (client) id of the Entra ID app registration. */
  clientId: string;
  /** The directory (tenant) id or domain (delegated default: `organizations`; app-only: required unless `authority` is given). */
  tenantId?: string;
  /** The identity provider's authority URL instead of `https://login.microsoftonline.com/{tenantId}` (https; sovereign clouds, test identity providers). */
  authority?: string;
  /**
   * The network of the identity provider's requests (not of the EWS requests): extra trusted CA
   * certificates (PEM text, for a private CA) and a host mapping like curl's `--resolve`
   * (`{ "login.example.com:443": "10.0.0.5:443" }`).
   */
  network?: { ca?: string; resolve?: Record<string, string> };
}

/**
 * OAuth for a signed-in user (a public client). No secret: its sign-in is MSAL's token cache,
 * stored encrypted by the fleet — put there with `Fleet.importTokenCache` (e.g. the file
 * `ewsdav login` wrote) or `Fleet.signInWithDeviceCode`.
 */
export interface FleetOAuthDelegated extends FleetOAuthCommon {
  flow: "delegated";
}

/**
 * OAuth for the application itself (client credentials, `full_access_as_app`): the account's
 * `mailbox` is required — every request names it (`X-AnchorMailbox`) and acts as it
 * (`ExchangeImpersonation`). The account's secret is the client secret, or with `certificate`
 * the certificate's RSA private key (PEM).
 */
export interface FleetOAuthAppOnly extends FleetOAuthCommon {
  flow: "app-only";
  /** A client certificate (recommended by Microsoft): its SHA-256 thumbprint (hex), or the certificate (PEM; thumbprint computed, sent as x5c), or both. */
  certificate?: { thumbprint?: string; certificate?: string };
}

/** What the token providers and caches need of their fleet (a worker's run context is one). */
export interface TokenContext {
  pool: Pool;
  /** The quoted fleet schema. */
  s: string;
  keys: () => KeyRing;
  logger?: Logger;
}

/** What a device code sign-in shows its user. */
export interface DeviceCodePrompt {
  /** The identity provider's ready-made sentence ("To sign in, use a web browser to open … and enter the code …"). */
  message: string;
  /** The code the user types at `verificationUri`. */
  userCode: string;
  /** Where the user signs in (`https://microsoft.com/devicelogin`). */
  verificationUri: string;
  /** Seconds until the code expires. */
  expiresIn: number;
}

/** An app-only account's credential, from its secret. */
export type AppOnlyCredential = { clientSecret: string } | { clientCertificate: { thumbprintSha256: string; privateKey: string; x5c?: string } };

/** The associated data binding a token cache ciphertext to its row. */
const aad = (accountId: string) => `token cache ${accountId}`;

type EwsClientModule = typeof import("@ewsdav/ews-client");

async function loadEws(): Promise<EwsClientModule> {
  return import("@ewsdav/ews-client");
}

// ---------------------------------------------------------------- the stored caches

/** MSAL's serialized cache as JSON: sections of entries (`Account`, `IdToken`, `AccessToken`, `RefreshToken`, `AppMetadata`). */
type SerializedCache = Record<string, Record<string, unknown> | undefined>;

function parseCache(serialized: string): SerializedCache | undefined {
  try {
    const value: unknown = JSON.parse(serialized);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as SerializedCache) : undefined;
  } catch {
    return undefined;
  }
}

/** The cache without its access tokens (what is stored: access tokens stay in memory). */
export function stripAccessTokens(serialized: string): string {
  const cache = parseCache(serialized);
  if (!cache) return serialized;
  return JSON.stringify({ ...cache, AccessToken: {} });
}

/**
 * Why a serialized cache cannot be a delegated account's sign-in (`undefined`: it can): it must be
 * MSAL's JSON with exactly one account and a refresh token. Never quotes the cache.
 */
export function tokenCacheProblem(serialized: unknown): string | undefined {
  if (typeof serialized !== "string" || serialized.trim() === "") return "an empty token cache";
  const cache = parseCache(serialized);
  if (!cache) return "not an MSAL token cache (JSON)";
  const count = (section: string) => Object.keys(cache[section] ?? {}).length;
  if (count("Account") !== 1) return `an MSAL token cache with one signed-in account is needed (this one holds ${count("Account")})`;
  if (count("RefreshToken") === 0) return "the token cache holds no refresh token (sign in with offline_access)";
  return undefined;
}

/**
 * Stores a signed-in cache for `accountId` (an import or a new sign-in replaces the one stored,
 * whatever its version), access tokens stripped, encrypted under the current key.
 * @returns the cache's new version.
 */
export async function storeTokenCache(ctx: TokenContext, accountId: string, serialized: string): Promise<number> {
  const keys = ctx.keys();
  const { rows } = await ctx.pool.query<{ version: string }>(
    `INSERT INTO ${ctx.s}.token_caches AS t (account_id, cache, key_id) VALUES ($1, $2, $3)
     ON CONFLICT (account_id) DO UPDATE SET cache = EXCLUDED.cache, key_id = EXCLUDED.key_id, version = t.version + 1, updated_at = now()
     RETURNING version`,
    [accountId, keys.encrypt(stripAccessTokens(serialized), aad(accountId)), keys.currentId],
  );
  return Number(rows[0]!.version);
}

/** A stored cache's key, version and last write (no content), or `null` when the account has none. */
export interface TokenCacheInfo {
  keyId: string;
  /** Moves by one with every write (sign-in, import, a refresh written back); not by key rotation. */
  version: number;
  updatedAt: string;
}

/** The key, version and last write of an account's stored cache. */
export async function tokenCacheInfo(ctx: TokenContext, accountId: string): Promise<TokenCacheInfo | null> {
  const { rows } = await ctx.pool.query<{ key_id: string; version: string; updated_at: Date }>(`SELECT key_id, version, updated_at FROM ${ctx.s}.token_caches WHERE account_id = $1`, [accountId]);
  const r = rows[0];
  return r ? { keyId: r.key_id, version: Number(r.version), updatedAt: r.updated_at.toISOString() } : null;
}

/** A delegated account's cache in PostgreSQL as MSAL's persistence, with its optimistic version. */
export interface FleetTokenCache extends TokenCachePersistence {
  /** Saves dropped because another worker had stored a newer cache since this one's load. */
  readonly conflicts: number;
  /** The last failure of a load or save (the database, a key the ring lacks), once: MSAL reports it only by its name. */
  takeFailure(): unknown;
}

/**
 * The persistence of `accountId`'s cache: `load` reads and decrypts it and remembers its
 * version; `save` writes it back (access tokens stripped) only when the stored version is still
 * that one, and nothing when only access tokens changed or when no cache was stored.
 */
export function fleetTokenCache(ctx: TokenContext, accountId: string): FleetTokenCache {
  // What the last load found: its version and plaintext; null: no cache stored.
  let basis: { version: number; plain: string } | null | undefined;
  let conflicts = 0;
  let failure: unknown;
  const noting =
    <A extends unknown[], R>(body: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await body(...args);
      } catch (error) {
        failure = error;
        throw error;
      }
    };
  return {
    get conflicts() {
      return conflicts;
    },
    takeFailure() {
      const taken = failure;
      failure = undefined;
      return taken;
    },
    load: noting(async () => {
      const { rows } = await ctx.pool.query<{ cache: string; version: string }>(`SELECT cache, version FROM ${ctx.s}.token_caches WHERE account_id = $1`, [accountId]);
      const row = rows[0];
      if (!row) {
        basis = null;
        return undefined;
      }
      const plain = ctx.keys().decrypt(row.cache, aad(accountId));
      basis = { version: Number(row.version), plain };
      return plain;
    }),
    save: noting(async (serialized: string) => {
      // MSAL saves only after a load; with no cache stored (removed meanwhile) nothing is written.
      if (!basis) return;
      const stored = stripAccessTokens(serialized);
      if (stored === basis.plain) return;
      const keys = ctx.keys();
      const { rows } = await ctx.pool.query<{ version: string }>(
        `UPDATE ${ctx.s}.token_caches SET cache = $3, key_id = $4, version = version + 1, updated_at = now() WHERE account_id = $1 AND version = $2 RETURNING version`,
        [accountId, basis.version, keys.encrypt(stored, aad(accountId)), keys.currentId],
      );
      if (rows[0]) {
        basis = { version: Number(rows[0].version), plain: stored };
        return;
      }
      conflicts++;
      basis = undefined;
      ctx.logger?.info("token cache not written back: another worker stored a newer one", { account: accountId });
    }),
  };
}

/**
 * Re-encrypts the token caches not under the current key, `batch` rows per transaction under row
 * locks (rows held elsewhere are skipped and taken on a later pass), their version unchanged.
 * Returns only when none is left under another key, waiting until `deadline` for held rows.
 * @returns how many caches were re-encrypted. @throws Error `held` when rows stayed held past the deadline.
 */
export async function rotateTokenCaches(ctx: TokenContext, batch: number, deadline: number): Promise<{ done: number; left: number }> {
  const keys = ctx.keys();
  let done = 0;
  for (;;) {
    const moved = await transaction(ctx.pool, async (client) => {
      const { rows } = await client.query<{ account_id: string; cache: string }>(
        `SELECT account_id, cache FROM ${ctx.s}.token_caches WHERE key_id IS DISTINCT FROM $1 ORDER BY account_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [keys.currentId, batch],
      );
      if (rows.length > 0) {
        const sealed = rows.map((r) => keys.encrypt(keys.decrypt(r.cache, aad(r.account_id)), aad(r.account_id)));
        await client.query(`UPDATE ${ctx.s}.token_caches t SET cache = u.cache, key_id = $3 FROM unnest($1::text[], $2::text[]) AS u(id, cache) WHERE t.account_id = u.id`, [
          rows.map((r) => r.account_id),
          sealed,
          keys.currentId,
        ]);
      }
      return rows.length;
    });
    done += moved;
    if (moved > 0) continue;
    const { rows } = await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ctx.s}.token_caches WHERE key_id IS DISTINCT FROM $1`, [keys.currentId]);
    const left = rows[0]!.n;
    if (left === 0 || Date.now() > deadline) return { done, left };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---------------------------------------------------------------- the token providers

/** The options both providers share: client, authority (a non-Microsoft one trusted as known), network. */
function commonOptions(auth: FleetOAuthDelegated | FleetOAuthAppOnly): OAuthCommonOptions {
  const options: OAuthCommonOptions = { clientId: auth.clientId, tenantId: auth.tenantId ?? "organizations" };
  if (auth.authority !== undefined) {
    options.authority = auth.authority.replace(/\/+$/, "");
    const host = new URL(auth.authority).host;
    if (!/(^|\.)login\.microsoftonline\.(com|us)$|(^|\.)login\.partner\.microsoftonline\.cn$/i.test(host)) options.knownAuthorities = [host];
  }
  const network: NonNullable<OAuthCommonOptions["network"]> = {};
  if (auth.network?.ca !== undefined) network.ca = auth.network.ca;
  const entries = Object.entries(auth.network?.resolve ?? {});
  if (entries.length > 0) {
    const split = (value: string) => {
      const colon = value.lastIndexOf(":");
      return { host: value.slice(0, colon).replace(/^\[|\]$/g, ""), port: Number(value.slice(colon + 1)) };
    };
    const table = new Map(entries.map(([from, to]) => [from.toLowerCase(), split(to)]));
    network.resolveEndpoint = (hostname, port) => table.get(`${hostname.toLowerCase()}:${port}`) ?? { host: hostname, port };
  }
  if (Object.keys(network).length > 0) options.network = network;
  return options;
}

/** Where to sign in again, in errors. */
const SIGN_IN_AGAIN = "sign in again (Fleet.importTokenCache or Fleet.signInWithDeviceCode)";

/**
 * The provider's failures in the fleet's words: an account with no cache stored, or whose stored
 * sign-in the identity provider refuses (expired, revoked, another tenant's), says so and what to
 * do. MSAL's and the identity provider's codes only; never a token.
 */
function fleetOAuthError(ews: EwsClientModule, accountId: string, error: unknown): unknown {
  const e = error as { code?: string; providerCode?: string };
  if (e?.code === "OAUTH_NOT_SIGNED_IN") return new ews.OAuthError("OAUTH_NOT_SIGNED_IN", `account ${accountId}: not signed in (no token cache stored): ${SIGN_IN_AGAIN}`);
  if (e?.code === "OAUTH_TOKEN_FAILED" && ["invalid_grant", "interaction_required", "no_tokens_found", "consent_required", "login_required"].includes(e.providerCode ?? "")) {
    return new ews.OAuthError("OAUTH_TOKEN_FAILED", `account ${accountId}: the identity provider refused the stored sign-in (${e.providerCode}): ${SIGN_IN_AGAIN}`, e.providerCode);
  }
  return error;
}

interface KeptProvider {
  fingerprint: string;
  getToken: TokenProvider;
}

/** The providers kept per context (a worker's, or a fleet's), by account id. */
const providers = new WeakMap<TokenContext, Map<string, KeptProvider>>();
/** The most providers kept per context (the least recently used goes first). */
const MAX_KEPT = 2_000;

/**
 * The token provider of an OAuth account, for ews-client's bearer auth: kept in `ctx` and reused
 * while the account's settings and secret stay the same. A delegated account's reads and writes
 * its stored cache ({@link fleetTokenCache}); its calls run one at a time in this process.
 */
export async function oauthTokenProvider(
  ctx: TokenContext,
  accountId: string,
  auth: FleetOAuthDelegated | FleetOAuthAppOnly,
  secret: string | undefined,
  credential: AppOnlyCredential | undefined,
): Promise<TokenProvider> {
  let kept = providers.get(ctx);
  if (!kept) providers.set(ctx, (kept = new Map()));
  // The secret enters the fingerprint only through a hash, in memory.
  const fingerprint = createHash("sha256").update(JSON.stringify(auth)).update("\0").update(secret ?? "").digest("base64url");
  const found = kept.get(accountId);
  if (found && found.fingerprint === fingerprint) {
    kept.delete(accountId);
    kept.set(accountId, found);
    return found.getToken;
  }
  const ews = await loadEws();
  const options = commonOptions(auth);
  const cache = auth.flow === "delegated" ? fleetTokenCache(ctx, accountId) : undefined;
  const provider = cache ? new ews.ExchangeOnlineDelegatedTokenProvider({ ...options, cache }) : new ews.ExchangeOnlineAppOnlyTokenProvider({ ...options, ...credential });
  let chain: Promise<unknown> = Promise.resolve();
  const getToken: TokenProvider = (request) => {
    const run = chain.then(() => {
      cache?.takeFailure();
      return provider.getToken(request);
    });
    chain = run.catch(() => undefined);
    return run.catch((error: unknown) => {
      // The stored cache's own failure (its key not in the ring, the database away) rather than MSAL's name for it.
      throw cache?.takeFailure() ?? fleetOAuthError(ews, accountId, error);
    });
  };
  kept.set(accountId, { fingerprint, getToken });
  if (kept.size > MAX_KEPT) kept.delete(kept.keys().next().value!);
  return getToken;
}

/**
 * Signs a delegated account in with the device code flow (`show` tells the user the code and
 * where to type it) and stores the signed-in cache ({@link storeTokenCache}).
 * @returns the signed-in user's name and the cache's version.
 */
export async function signInWithDeviceCode(
  ctx: TokenContext,
  accountId: string,
  auth: FleetOAuthDelegated,
  show: (prompt: DeviceCodePrompt) => void,
  signal?: AbortSignal,
): Promise<{ username: string; version: number }> {
  const ews = await loadEws();
  // A new sign-in starts from an empty cache held in memory; stored only when it succeeded.
  let signedIn: string | undefined;
  const provider = new ews.ExchangeOnlineDelegatedTokenProvider({
    ...commonOptions(auth),
    cache: {
      load: async () => signedIn,
      save: async (serialized) => {
        signedIn = serialized;
      },
    },
  });
  const account = await provider.signInWithDeviceCode((i) => show({ message: i.message, userCode: i.userCode, verificationUri: i.verificationUri, expiresIn: i.expiresIn }), signal);
  const problem = signedIn === undefined ? "no token cache was written" : tokenCacheProblem(signedIn);
  if (problem !== undefined) throw new ews.OAuthError("OAUTH_TOKEN_FAILED", `account ${accountId}: the device code sign-in gave no usable token cache (${problem})`);
  const version = await storeTokenCache(ctx, accountId, signedIn!);
  return { username: account.username, version };
}
