/**
 * The Microsoft Graph client of a configured Graph account, apart from the EWS accounts' module
 * (`accounts.ts`), so that a config without Graph accounts loads no Graph client. Sign-in is the
 * EWS accounts' OAuth with Graph's scopes ({@link graphScopes}): delegated (the tokens `ewsdav
 * login` left in the account's 0600 cache file), app-only (a client secret or certificate; the
 * account's `user` names the mailbox) or a bearer token from the environment. Secrets are read
 * when the account is opened; an error names the field, never the value.
 */
import { isLoopbackHost, type TokenProvider } from "@ewsdav/http";
import { GraphClient } from "@ewsdav/graph-client";
import { OAuthError } from "@ewsdav/ews-client";
import type { OpenAccountOptions } from "./accounts-dav.js";
import { networkOf, type AccountNetwork } from "./auth/network.js";
import { appOnlyProvider, cloudAuthority, delegatedProvider, graphScopes } from "./auth/providers.js";
import { secretFromEnv } from "./auth/secrets.js";
import type { SyncConfig } from "./config.js";
import { GRAPH_CLOUDS } from "./config/schema.js";

/** A Graph account as configured. */
export type GraphAccountConfig = Extract<SyncConfig["accounts"][string], { type: "graph" }>;

/** The service root of a Graph account: its `baseUrl`, else its cloud's `https://…/v1.0`. */
export function graphBaseUrl(account: GraphAccountConfig): string {
  return (account.baseUrl ?? `${GRAPH_CLOUDS[account.cloud].graph}/v1.0`).replace(/\/+$/, "");
}

/** How a Graph account gets its tokens. */
export interface GraphCredentials {
  getToken: TokenProvider;
  /** Checks, before any request, that a sign-in is there (delegated OAuth). */
  check?: () => Promise<void>;
  /** What the account signs in as, for messages: `delegated`, `app-only` or `bearer`. */
  kind: "delegated" | "app-only" | "bearer";
}

/** The message of a delegated account without a sign-in. */
function notSignedIn(name: string, tokenCache: string): OAuthError {
  return new OAuthError("OAUTH_NOT_SIGNED_IN", `accounts.${name}: not signed in (no sign-in in ${tokenCache}); run: ewsdav login ${name}`);
}

/** The token provider of a Graph account (Graph's scopes in the account's cloud). */
export function graphCredentialsFor(name: string, account: GraphAccountConfig, network: AccountNetwork): GraphCredentials {
  const auth = account.auth;
  const where = `accounts.${name}.auth`;
  if (auth.type === "bearer") return { kind: "bearer", getToken: async () => secretFromEnv(auth.tokenEnv, `${where}.tokenEnv`) };
  const authority = auth.authority ?? cloudAuthority(account.cloud, auth.tenantId);
  if (auth.flow === "app-only") {
    const provider = appOnlyProvider({ ...auth, ...(authority !== undefined ? { authority } : {}) }, network, where, graphScopes(account.cloud, "app-only"));
    return { kind: "app-only", getToken: provider.getToken };
  }
  const tokenCache = auth.tokenCache!;
  const provider = delegatedProvider({ clientId: auth.clientId, tenantId: auth.tenantId, authority, tokenCachePath: tokenCache, scopes: graphScopes(account.cloud, "delegated") }, network, where);
  return {
    kind: "delegated",
    getToken: async (request) => {
      try {
        return await provider.getToken(request);
      } catch (error) {
        if (error instanceof OAuthError && error.code === "OAUTH_NOT_SIGNED_IN") throw notSignedIn(name, tokenCache);
        throw error;
      }
    },
    check: async () => {
      if (!(await provider.account())) throw notSignedIn(name, tokenCache);
    },
  };
}

/** An opened Graph account. */
export interface OpenedGraphAccount {
  client: GraphClient;
  /** The service root requests go to. */
  baseUrl: string;
  /** How the account signs in. */
  kind: GraphCredentials["kind"];
  /** Closes the client (and its connections). */
  close(): Promise<void>;
}

/**
 * Opens a Graph account: its client for the account's `user` (`/users/{user}`), or the signed-in
 * user (`/me`) for a delegated account without one. A delegated account without a sign-in fails
 * here, before any request, with an `OAuthError` (`OAUTH_NOT_SIGNED_IN`, exit code 3) saying to
 * run `ewsdav login ACCOUNT`.
 */
export async function graphAccountFor(name: string, account: GraphAccountConfig, options: OpenAccountOptions): Promise<OpenedGraphAccount> {
  const network = networkOf(account, `accounts.${name}`);
  const credentials = graphCredentialsFor(name, account, network);
  await credentials.check?.();
  const baseUrl = graphBaseUrl(account);
  const parsed = new URL(baseUrl);
  if (account.allowInsecureHttp && parsed.protocol === "http:" && !isLoopbackHost(parsed.hostname)) options.warn("tokens are sent over plain http (allowInsecureHttp is set)");
  // The account's caFile and resolve serve the sign-in; Graph's own requests use the system's roots
  // (and NODE_EXTRA_CA_CERTS) and DNS: the Graph client takes no CA of its own.
  const client = new GraphClient({
    baseUrl,
    getToken: credentials.getToken,
    ...(account.user !== undefined ? { user: account.user } : {}),
    ...(account.allowInsecureHttp ? { allowInsecureHttp: true } : {}),
  });
  return {
    client,
    baseUrl,
    kind: credentials.kind,
    close: async () => {
      await client.close().catch(() => undefined);
    },
  };
}
