/**
 * The clients of a configured account: a DAV client, or an EWS client with its authentication and
 * (when the account has a mailbox and push is wanted) a notification connection. Every kind of
 * EWS sign-in of the config is built here: Basic, NTLM (an authenticating transport of its own),
 * OAuth delegated (the tokens `ewsdav login` left in the account's 0600 cache file), OAuth
 * app-only (client secret or certificate, impersonating the mailbox) and a bearer token from the
 * environment; an `"autodiscover": true` account's EWS URL is found (and cached) here too.
 * Secrets are read when an account is opened, from the environment variable or private file the
 * config names; an error names the field, never the value.
 */
import {
  autodiscoverAuthFrom,
  basicAuth,
  basicAutodiscoverAuth,
  bearerAuth,
  createUndiciTransport,
  EwsClient,
  NotificationConnection,
  ntlmAuth,
  ntlmAutodiscoverAuth,
  OAuthError,
  appOnlyMailboxOptions,
  type AutodiscoverAuth,
  type EndpointResolver,
  type EwsAuthProvider,
  type EwsSend,
  type NtlmAuthenticator,
  type TokenProvider,
} from "@ewsdav/ews-client";
import { isLoopbackHost } from "@ewsdav/http";
import type { OpenAccountOptions } from "./accounts-dav.js";
import { resolveEwsUrl } from "./auth/autodiscover-cache.js";
import { networkOf, type AccountNetwork } from "./auth/network.js";
import { appOnlyProvider, delegatedProvider } from "./auth/providers.js";
import { secretFromEnv, secretOf } from "./auth/secrets.js";
import { type SyncConfig } from "./config.js";
import { CliError, EXIT } from "./exit-codes.js";

export { secretOf } from "./auth/secrets.js";

/** An EWS account as configured. */
export type EwsAccountConfig = Extract<SyncConfig["accounts"][string], { type: "ews" }>;

/** The message of a delegated account without a sign-in. */
function notSignedIn(name: string, tokenCache: string): OAuthError {
  return new OAuthError("OAUTH_NOT_SIGNED_IN", `accounts.${name}: not signed in (no sign-in in ${tokenCache}); run: ewsdav login ${name}`);
}

/** How an EWS account authenticates: a per-request provider, or NTLM's authenticated connections. */
interface EwsCredentials {
  /** The per-request provider (for NTLM one that refuses to be used: NTLM authenticates connections). */
  auth: EwsAuthProvider;
  /** NTLM's transport, for NTLM accounts. */
  ntlm?: NtlmAuthenticator;
  /** Checks, before any request, that a sign-in is there (delegated OAuth). */
  check?: () => Promise<void>;
  /** Credentials for autodiscover. */
  autodiscover?: AutodiscoverAuth;
  /** The client options app-only access needs (the mailbox impersonated). */
  clientOptions?: ReturnType<typeof appOnlyMailboxOptions>;
}

/** A provider for NTLM accounts' `auth` slot: NTLM runs on the connections of {@link OpenedEwsAccount.ntlm}. */
function ntlmPlaceholder(name: string): EwsAuthProvider {
  return {
    scheme: "NTLM",
    authorize() {
      throw new CliError(`accounts.${name}: NTLM authenticates connections, not requests: use the account's client or its ntlm transport`, EXIT.usage);
    },
  };
}

function credentialsFor(name: string, account: EwsAccountConfig, network: AccountNetwork): EwsCredentials {
  const auth = account.auth;
  const where = `accounts.${name}.auth`;
  switch (auth.type) {
    case "basic": {
      const password = secretOf(auth, where);
      return { auth: basicAuth({ username: auth.username, password }), autodiscover: basicAutodiscoverAuth(auth.username, password) };
    }
    case "ntlm": {
      const credentials = { username: auth.domain !== undefined && !/[\\@]/.test(auth.username) ? `${auth.domain}\\${auth.username}` : auth.username, password: secretOf(auth, where) };
      const ntlm = ntlmAuth(credentials, network.ca !== undefined ? { ca: network.ca } : {});
      return { auth: ntlmPlaceholder(name), ntlm, autodiscover: ntlmAutodiscoverAuth(credentials) };
    }
    case "bearer": {
      const provider = bearerAuth(async () => secretFromEnv(auth.tokenEnv, `${where}.tokenEnv`));
      return { auth: provider, autodiscover: autodiscoverAuthFrom(provider) };
    }
    case "oauth": {
      if (auth.flow === "app-only") {
        const provider = appOnlyProvider(auth, network, where);
        const bearer = bearerAuth(provider.getToken);
        return { auth: bearer, autodiscover: autodiscoverAuthFrom(bearer), clientOptions: appOnlyMailboxOptions(account.mailbox!) };
      }
      const tokenCache = auth.tokenCache!;
      const provider = delegatedProvider({ clientId: auth.clientId, tenantId: auth.tenantId, authority: auth.authority, tokenCachePath: tokenCache }, network, where);
      const getToken: TokenProvider = async (request) => {
        try {
          return await provider.getToken(request);
        } catch (error) {
          if (error instanceof OAuthError && error.code === "OAUTH_NOT_SIGNED_IN") throw notSignedIn(name, tokenCache);
          throw error;
        }
      };
      const bearer = bearerAuth(getToken);
      return {
        auth: bearer,
        autodiscover: autodiscoverAuthFrom(bearer),
        check: async () => {
          if (!(await provider.account())) throw notSignedIn(name, tokenCache);
        },
      };
    }
  }
}

/**
 * The auth provider of an EWS account (Basic, bearer, OAuth delegated or app-only). An NTLM
 * account authenticates connections, not requests: its provider refuses to be used; open the
 * account with {@link ewsAccountFor} instead.
 * @throws ConfigError naming the field when a secret is missing or a secret file is not private.
 */
export function ewsAuthFor(name: string, account: EwsAccountConfig): EwsAuthProvider {
  return credentialsFor(name, account, networkOf(account, `accounts.${name}`)).auth;
}

/** An opened EWS account. */
export interface OpenedEwsAccount {
  client: EwsClient;
  /** The per-request auth provider (for an NTLM account a placeholder that refuses: see {@link ntlm}). */
  auth: EwsAuthProvider;
  /** NTLM's authenticated connections, for an NTLM account (give it to other EWS requests as their transport). */
  ntlm?: NtlmAuthenticator;
  /** The EWS URL (the configured one, or what autodiscover found). */
  url: string;
  /** How the URL was had: configured, autodiscovered now, or from the autodiscover cache. */
  urlSource: "config" | "autodiscover" | "cache" | "stale-cache";
  /** The push connection, when asked for and the account has a mailbox. */
  notifications?: NotificationConnection;
  /** Closes the client, the push connection and NTLM's connections. */
  close(): Promise<void>;
}

/**
 * Opens an EWS account: its client (and with `notifications` its push connection, when it has a
 * mailbox). An autodiscover account's URL is resolved first (cache beside the state file). A
 * delegated OAuth account without a sign-in fails here, before any request, with an
 * `OAuthError` (`OAUTH_NOT_SIGNED_IN`, exit code 3) saying to run `ewsdav login ACCOUNT`.
 */
export async function ewsAccountFor(name: string, account: EwsAccountConfig, options: OpenAccountOptions & { notifications?: boolean }): Promise<OpenedEwsAccount> {
  const network = networkOf(account, `accounts.${name}`);
  const credentials = credentialsFor(name, account, network);
  let resolvedTransport: ReturnType<typeof createUndiciTransport> | undefined;
  try {
    await credentials.check?.();
    let url: string;
    let urlSource: OpenedEwsAccount["urlSource"] = "config";
    if (account.url !== undefined) url = account.url;
    else {
      try {
        const resolved = await resolveEwsUrl({
          name,
          mailbox: account.mailbox!,
          cachePath: account.autodiscoverCache!,
          ...(credentials.autodiscover ? { auth: credentials.autodiscover } : {}),
          ...network,
          warn: options.warn,
        });
        url = resolved.url;
        urlSource = resolved.source;
      } catch (error) {
        throw new CliError(`accounts.${name}: autodiscover found no EWS URL for ${account.mailbox}: ${(error as Error).message}`, EXIT.connection);
      }
    }
    // allowInsecureHttp: the EWS client's own check of plain http (the config refused it already unless allowed).
    const insecure = account.allowInsecureHttp ? { allowInsecureHttp: true } : {};
    const parsed = new URL(url);
    if (account.allowInsecureHttp && parsed.protocol === "http:" && !isLoopbackHost(parsed.hostname)) options.warn("credentials are sent over plain http (allowInsecureHttp is set)");
    const identity = credentials.clientOptions ?? (account.mailbox ? { mailbox: account.mailbox } : {});
    const transport = network.ca !== undefined ? { transport: { ca: network.ca } } : {};
    // The account's `resolve` also maps the EWS host (an autodiscovered URL in a split-DNS domain).
    resolvedTransport = !credentials.ntlm && network.resolveEndpoint ? createUndiciTransport(network.ca !== undefined ? { ca: network.ca } : {}) : undefined;
    const send = credentials.ntlm ? credentials.ntlm.send : resolvedTransport ? resolvingSend(resolvedTransport.send, network.resolveEndpoint!) : undefined;
    const client = new EwsClient({
      url,
      ...(credentials.ntlm ? {} : { auth: credentials.auth }),
      ...(send ? { send } : {}),
      ...identity,
      ...transport,
      ...insecure,
    });
    let notifications: NotificationConnection | undefined;
    // Notifications need the mailbox for affinity; without it the folders are polled.
    if (options.notifications && account.notifications && account.mailbox) {
      notifications = new NotificationConnection({
        url,
        mailbox: account.mailbox,
        ...(credentials.ntlm ? { ntlm: credentials.ntlm } : { auth: credentials.auth }),
        ...(credentials.clientOptions ? { impersonation: credentials.clientOptions.impersonation } : {}),
        ...(network.ca !== undefined ? { ca: network.ca } : {}),
        ...insecure,
      });
    }
    const opened = notifications;
    const ntlm = credentials.ntlm;
    return {
      client,
      auth: credentials.auth,
      ...(ntlm ? { ntlm } : {}),
      url,
      urlSource,
      ...(notifications ? { notifications } : {}),
      close: async () => {
        await opened?.close().catch(() => undefined);
        await client.close?.();
        await ntlm?.close().catch(() => undefined);
        await resolvedTransport?.close().catch(() => undefined);
      },
    };
  } catch (error) {
    await credentials.ntlm?.close().catch(() => undefined);
    await resolvedTransport?.close().catch(() => undefined);
    throw error;
  }
}

/**
 * A send function that connects to where the account's `resolve` maps the request's host and
 * port, keeping the original host in the Host header (which undici also uses for TLS SNI and the
 * certificate check, so the certificate is still checked against the URL's host).
 */
function resolvingSend(send: EwsSend, resolve: EndpointResolver): EwsSend {
  return async (request) => {
    const url = new URL(request.url);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
    const to = await resolve(host, port);
    if (to.host === host && to.port === port) return send(request);
    const target = new URL(request.url);
    target.hostname = to.host.includes(":") ? `[${to.host}]` : to.host;
    target.port = String(to.port);
    return send({ ...request, url: target.href, headers: { ...request.headers, host: url.host } });
  };
}
