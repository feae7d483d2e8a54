/**
 * OAuth 2 for Exchange Online through `@azure/msal-node` (an optional peer dependency, loaded on
 * first use): token providers that plug into {@link bearerAuth}.
 *
 * - Delegated, for a signed-in user: authorization code with PKCE and `state` (hosts with a browser),
 *   or device code (headless hosts). Scopes `https://outlook.office365.com/EWS.AccessAsUser.All` and
 *   `offline_access` (a refresh token, so the host signs in once).
 * - App-only: client credentials with `https://outlook.office365.com/.default` (the app needs the
 *   `full_access_as_app` application permission); every request must name its mailbox with
 *   `X-AnchorMailbox` and act as it through `ExchangeImpersonation` ({@link appOnlyMailboxOptions}).
 *
 * Tokens are kept in memory and renewed `refreshMarginMs` before they expire; after a 401 the
 * bearer layer asks once more with `forceRefresh`, which bypasses every cache. MSAL's token cache
 * (refresh tokens, accounts) can be persisted by the host through {@link TokenCachePersistence}.
 * Tokens and secrets never appear in errors or logs.
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import type {
  AccountInfo,
  AuthenticationResult,
  ConfidentialClientApplication,
  Configuration,
  ICachePlugin,
  INetworkModule,
  NetworkRequestOptions,
  NetworkResponse,
  PublicClientApplication,
} from "@azure/msal-node";
import { errorCode, headerRecord, HttpResponseTooLargeError, readBody, redactCredentials, withDeadline, type ReadBody } from "@ewsdav/http";
import type { Dispatcher } from "undici";
import { createAutodiscoverDispatcher, type EndpointResolver } from "../autodiscover/network.js";
import { AbortedError, EwsError, EwsInputError, TransportError } from "../errors.js";
import type { ImpersonatedUser } from "../soap/envelope.js";
import type { EwsLogger } from "../transport/logging-layer.js";
import type { TokenProvider, TokenRequest } from "./bearer.js";

/** Delegated scope for EWS in Exchange Online. */
export const EWS_DELEGATED_SCOPE = "https://outlook.office365.com/EWS.AccessAsUser.All";
/** App-only scope for EWS in Exchange Online. */
export const EWS_APP_ONLY_SCOPE = "https://outlook.office365.com/.default";

/** Codes of {@link OAuthError}. */
export type OAuthErrorCode =
  | "OAUTH_MSAL_MISSING"
  | "OAUTH_STATE_MISMATCH"
  | "OAUTH_NOT_SIGNED_IN"
  | "OAUTH_AUTHORIZATION_DENIED"
  | "OAUTH_TOKEN_FAILED";

/** An OAuth failure. The message carries MSAL's error code, never a token or secret. */
export class OAuthError extends EwsError {
  declare readonly code: OAuthErrorCode;
  /** MSAL's or the identity provider's error code (`invalid_grant`, …), when known. */
  readonly providerCode: string | undefined;
  constructor(code: OAuthErrorCode, message: string, providerCode?: string) {
    super(code, message);
    this.providerCode = providerCode;
  }
}

/**
 * Where the host keeps MSAL's serialized token cache (a JSON string holding refresh tokens:
 * store it like a password, e.g. encrypted at rest).
 */
export interface TokenCachePersistence {
  /** Returns the last saved cache, or `undefined` when there is none. */
  load(): Promise<string | undefined>;
  /** Saves the cache after MSAL changed it. */
  save(serialized: string): Promise<void>;
}

/** Options shared by both providers. */
export interface OAuthCommonOptions {
  /** Application (client) id of the Entra ID app registration. */
  clientId: string;
  /** Directory (tenant) id or domain; builds `https://login.microsoftonline.com/{tenantId}`. */
  tenantId?: string;
  /** A full authority URL instead of `tenantId` (sovereign clouds, tests). */
  authority?: string;
  /** Hosts of non-Microsoft authorities MSAL may trust (tests, ADFS). */
  knownAuthorities?: string[];
  /** Persistence of MSAL's token cache. */
  cache?: TokenCachePersistence;
  /** Renew an access token this long before it expires (default 5 minutes). */
  refreshMarginMs?: number;
  /**
   * Network of the token requests: extra CA certificates and host mapping (tests, TLS-inspecting
   * proxies), the size cap of every answer (default {@link DEFAULT_MAX_TOKEN_RESPONSE_BYTES}) and the
   * deadline of each request, from sending to the last byte of the answer (default 30 000 ms).
   */
  network?: { ca?: string | Buffer | Array<string | Buffer>; resolveEndpoint?: EndpointResolver; maxResponseBytes?: number; requestTimeoutMs?: number };
  /**
   * The scopes asked for (default: EWS's, {@link EWS_DELEGATED_SCOPE} with `offline_access` for a
   * signed-in user, {@link EWS_APP_ONLY_SCOPE} for the application). One resource per provider: for
   * Microsoft Graph, `Contacts.ReadWrite Calendars.ReadWrite Tasks.ReadWrite offline_access`
   * delegated, or `https://graph.microsoft.com/.default` app-only. A token is good for the resource
   * its scopes name only (Graph refuses an Outlook token and EWS a Graph token).
   */
  scopes?: readonly string[];
  /** Clock (tests). */
  now?: () => number;
  /**
   * Receives MSAL's own log lines at verbose level, with MSAL's personal-data logging off (MSAL never
   * logs tokens or secrets in that mode). Without it, MSAL's logs are dropped.
   */
  logger?: EwsLogger;
}

type Msal = typeof import("@azure/msal-node");

async function loadMsal(): Promise<Msal> {
  try {
    return await import("@azure/msal-node");
  } catch (error) {
    throw new OAuthError("OAUTH_MSAL_MISSING", "OAuth needs the optional peer dependency @azure/msal-node (npm install @azure/msal-node)", (error as { code?: string }).code);
  }
}

/**
 * Largest accepted answer of the identity platform (token, OpenID configuration, instance
 * discovery), 1 MiB. Real ones are a few KiB; a token response is held in memory and parsed whole.
 */
export const DEFAULT_MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

/** An answer of the identity platform was larger than the limit; the message names the host only. */
export class TokenResponseTooLargeError extends EwsError {
  /** The limit in bytes. */
  readonly limitBytes: number;
  constructor(origin: string, limitBytes: number) {
    super("OAUTH_RESPONSE_TOO_LARGE", `The identity platform at ${origin} answered with more than ${limitBytes} bytes; refused`);
    this.limitBytes = limitBytes;
  }
}

/** Deadline of one request to the identity platform, from sending to the last byte of the answer (30 s). */
const DEFAULT_TOKEN_REQUEST_TIMEOUT_MS = 30_000;

/** Why a request to the identity platform failed below HTTP: the typed error the network module throws. */
export type TokenNetworkFailure = TokenResponseTooLargeError | TransportError;

/** Options of {@link createMsalNetworkClient}. */
export interface MsalNetworkOptions {
  /** Largest accepted answer in bytes (default {@link DEFAULT_MAX_TOKEN_RESPONSE_BYTES}). */
  maxResponseBytes?: number | undefined;
  /**
   * Deadline of each request, from sending to the last byte of the answer (default 30 000 ms); a
   * timeout MSAL passes for a GET (region discovery) replaces it.
   */
  requestTimeoutMs?: number | undefined;
  /**
   * Told of every failure the module throws. MSAL reports a failed token request only as
   * `network_error`; the providers keep the last one to name it in their error.
   */
  onFailure?: ((error: TokenNetworkFailure) => void) | undefined;
}

/**
 * A request failure as the providers report it: the identity platform's origin and what went wrong
 * (deadline, connection error code), never the request (it carries client secrets, codes, refresh
 * tokens) nor the answer (it carries tokens).
 */
function transportFailure(origin: string, error: unknown, deadline: { timedOut(): boolean }, timeoutMs: number): TransportError {
  if (deadline.timedOut()) {
    return new TransportError(`The identity platform at ${origin} gave no answer within ${timeoutMs} ms`, { transportCode: "ETIMEDOUT", cause: error });
  }
  const code = errorCode(error);
  return new TransportError(`The request to the identity platform at ${origin} failed${code ? ` (${code})` : ""}`, {
    ...(code !== undefined ? { transportCode: code } : {}),
    cause: error,
  });
}

/**
 * MSAL's HTTP through an undici dispatcher (so a custom CA or a host mapping applies to token
 * requests too), as every ewsdav request goes: one deadline over the whole request, headers and body
 * (`requestTimeoutMs`); every answer capped at `maxResponseBytes` (default
 * {@link DEFAULT_MAX_TOKEN_RESPONSE_BYTES}). A failure is a {@link TokenResponseTooLargeError} or a
 * {@link TransportError} naming the identity platform's origin only: requests and answers carry
 * secrets, and no part of them reaches an error.
 */
export function createMsalNetworkClient(dispatcher: Dispatcher, options: MsalNetworkOptions = {}): INetworkModule {
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_TOKEN_RESPONSE_BYTES;
  const fail = (error: TokenNetworkFailure): TokenNetworkFailure => {
    options.onFailure?.(error);
    return error;
  };
  const send = async <T>(method: "GET" | "POST", url: string, request?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> => {
    const target = new URL(url);
    const timeoutMs = timeout ?? options.requestTimeoutMs ?? DEFAULT_TOKEN_REQUEST_TIMEOUT_MS;
    const deadline = withDeadline(timeoutMs);
    let status: number;
    let headers: Record<string, string>;
    let read: ReadBody;
    try {
      const response = await dispatcher.request({
        origin: target.origin,
        path: target.pathname + target.search,
        method,
        headers: request?.headers ?? {},
        ...(request?.body !== undefined ? { body: request.body } : {}),
        signal: deadline.signal,
      });
      status = response.statusCode;
      headers = headerRecord(response.headers);
      // Refused as announced (content-length) or as received; the body is returned as received (no decoding).
      read = await readBody(response.body, headers, { maxBytes: maxResponseBytes });
    } catch (error) {
      if (error instanceof HttpResponseTooLargeError) throw fail(new TokenResponseTooLargeError(target.origin, maxResponseBytes));
      throw fail(transportFailure(target.origin, error, deadline, timeoutMs));
    }
    let body: unknown;
    try {
      body = JSON.parse(read.bytes.toString("utf8"));
    } catch {
      body = {};
    }
    return { headers, body: body as T, status };
  };
  return {
    sendGetRequestAsync: (url, request, timeout) => send("GET", url, request, timeout),
    sendPostRequestAsync: (url, request) => send("POST", url, request),
  };
}

function cachePlugin(persistence: TokenCachePersistence): ICachePlugin {
  return {
    async beforeCacheAccess(context) {
      const saved = await persistence.load();
      if (saved) context.tokenCache.deserialize(saved);
    },
    async afterCacheAccess(context) {
      if (context.cacheHasChanged) await persistence.save(context.tokenCache.serialize());
    },
  };
}

/** The network module's last failure (MSAL reports it only as `network_error`). */
interface NetworkFailures {
  last: TokenNetworkFailure | undefined;
}

function msalConfiguration(
  options: OAuthCommonOptions,
  auth: Partial<Configuration["auth"]>,
  failures?: NetworkFailures,
): { config: Configuration; dispatcher: Dispatcher } {
  if (!options.clientId) throw new EwsInputError("OAuth", "clientId", "the application (client) id is required");
  if (!options.authority && !options.tenantId) throw new EwsInputError("OAuth", "tenantId", "a tenant id (or an authority URL) is required");
  const authority = options.authority ?? `https://login.microsoftonline.com/${encodeURIComponent(options.tenantId!)}`;
  // Always our own network module, so that every answer of the identity platform is size-capped.
  const dispatcher = createAutodiscoverDispatcher(options.network ?? {});
  const config: Configuration = {
    auth: {
      clientId: options.clientId,
      authority,
      ...(options.knownAuthorities ? { knownAuthorities: options.knownAuthorities } : {}),
      ...auth,
    },
    ...(options.cache ? { cache: { cachePlugin: cachePlugin(options.cache) } } : {}),
    system: {
      // MSAL logs without personal data only, and only to the host's logger when one is given.
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: options.logger ? 4 /* LogLevel.Trace */ : 0 /* LogLevel.Error */,
        loggerCallback: (level: number, message: string) => {
          if (!options.logger) return;
          if (level <= 1) options.logger.warn("MSAL", { message });
          else options.logger.debug("MSAL", { message });
        },
      },
      networkClient: createMsalNetworkClient(dispatcher, {
        maxResponseBytes: options.network?.maxResponseBytes,
        requestTimeoutMs: options.network?.requestTimeoutMs,
        onFailure: (error) => {
          if (failures) failures.last = error;
        },
      }),
    },
  };
  return { config, dispatcher };
}

/**
 * The text of an MSAL failure: MSAL's code and sub-code (never its message, which may quote the
 * request), and the network module's last failure when there is one (MSAL reports it only as
 * `network_error`). The identity platform sets the codes; a credential one echoes goes no further.
 */
function describeMsalError(error: unknown, failures?: NetworkFailures): { providerCode: string | undefined; text: string } {
  const e = error as { errorCode?: string; subError?: string; name?: string };
  const providerCode = e.errorCode ?? e.name;
  const failure = failures?.last;
  if (failures) failures.last = undefined;
  const text = redactCredentials(`${providerCode ?? "unknown error"}${e.subError ? ` (${e.subError})` : ""}`);
  return { providerCode, text: failure ? `${text}: ${failure.message}` : text };
}

/** An access token kept in memory with its expiry. */
interface CachedToken {
  token: string;
  expiresAt: number;
}

abstract class TokenProviderBase {
  protected cached: CachedToken | undefined;
  protected readonly margin: number;
  protected readonly now: () => number;
  /** Number of tokens obtained from MSAL (cache hits in this provider not counted). */
  tokenAcquisitions = 0;
  /** The network module's last failure, to name it in the error MSAL reports as `network_error`. */
  protected readonly failures: NetworkFailures = { last: undefined };

  constructor(protected readonly options: OAuthCommonOptions) {
    this.margin = options.refreshMarginMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The {@link TokenProvider} to give to {@link bearerAuth}. */
  readonly getToken: TokenProvider = async (request: TokenRequest) => {
    if (request.signal?.aborted) throw new AbortedError("The token request was aborted", { cause: request.signal.reason });
    const cached = this.cached;
    if (!request.forceRefresh && cached && cached.expiresAt - this.margin > this.now()) return cached.token;
    // After a 401, or when the token in hand is within the margin of its expiry, bypass MSAL's cache;
    // otherwise MSAL may answer from its (possibly persisted) cache, renewed here if that too is near expiry.
    const force = request.forceRefresh || cached !== undefined;
    let result = await this.acquire(force);
    if (!force && result?.expiresOn && result.expiresOn.getTime() - this.margin <= this.now()) result = await this.acquire(true);
    return this.remember(result);
  };

  protected remember(result: AuthenticationResult | null): string {
    if (!result?.accessToken) throw new OAuthError("OAUTH_TOKEN_FAILED", "The identity provider returned no access token");
    this.tokenAcquisitions++;
    const expiresAt = result.expiresOn ? result.expiresOn.getTime() : this.now() + 3_600_000;
    this.cached = { token: result.accessToken, expiresAt };
    return result.accessToken;
  }

  protected abstract acquire(forceRefresh: boolean): Promise<AuthenticationResult | null>;
}

/** Options of {@link ExchangeOnlineAppOnlyTokenProvider}. */
export interface AppOnlyOptions extends OAuthCommonOptions {
  /** A client secret … */
  clientSecret?: string;
  /** … or a certificate (recommended by Microsoft for app-only access). */
  clientCertificate?: { thumbprintSha256: string; privateKey: string; x5c?: string };
}

/**
 * App-only tokens (client credentials). Use with {@link appOnlyMailboxOptions}: every request
 * must name the target mailbox.
 */
export class ExchangeOnlineAppOnlyTokenProvider extends TokenProviderBase {
  #app: Promise<ConfidentialClientApplication> | undefined;
  readonly #secret: Partial<Configuration["auth"]>;

  constructor(options: AppOnlyOptions) {
    super(options);
    if (!options.clientSecret && !options.clientCertificate) {
      throw new EwsInputError("ExchangeOnlineAppOnlyTokenProvider", "clientSecret", "a client secret or a client certificate is required");
    }
    this.#secret = options.clientSecret ? { clientSecret: options.clientSecret } : { clientCertificate: options.clientCertificate! };
    msalConfiguration(options, this.#secret); // validates the options now
  }

  #application(): Promise<ConfidentialClientApplication> {
    this.#app ??= loadMsal().then((msal) => new msal.ConfidentialClientApplication(msalConfiguration(this.options, this.#secret, this.failures).config));
    return this.#app;
  }

  protected async acquire(forceRefresh: boolean): Promise<AuthenticationResult | null> {
    const app = await this.#application();
    try {
      return await app.acquireTokenByClientCredential({ scopes: [...(this.options.scopes ?? [EWS_APP_ONLY_SCOPE])], skipCache: forceRefresh });
    } catch (error) {
      const { providerCode, text } = describeMsalError(error, this.failures);
      throw new OAuthError("OAUTH_TOKEN_FAILED", `App-only token request failed: ${text}`, providerCode);
    }
  }
}

/**
 * The client options app-only access needs for one mailbox: `X-AnchorMailbox` routing and
 * `ExchangeImpersonation` of that mailbox (spread into the EWS client's options).
 */
export function appOnlyMailboxOptions(mailbox: string): { mailbox: string; impersonation: ImpersonatedUser } {
  if (!/^[^@\s]+@[^@\s]+$/.test(mailbox)) throw new EwsInputError("appOnlyMailboxOptions", "mailbox", "an SMTP address is required");
  return { mailbox, impersonation: { primarySmtpAddress: mailbox } };
}

/** A pending authorization-code sign-in (keep it until the browser comes back). */
export interface AuthorizationRequest {
  /** Where to send the user's browser. */
  url: string;
  /** The `state` sent; the redirect must carry it back. */
  state: string;
}

/** What the device code flow shows the user. */
export interface DeviceCodeInstructions {
  /** MSAL's ready-made sentence ("To sign in, use a web browser to open … and enter the code …"). */
  message: string;
  /** The code the user types at {@link DeviceCodeInstructions.verificationUri}. */
  userCode: string;
  /** Where the user signs in (`https://microsoft.com/devicelogin`). */
  verificationUri: string;
  /** Seconds until the code expires. */
  expiresIn: number;
}

/** Options of {@link ExchangeOnlineDelegatedTokenProvider}. */
export interface DelegatedOptions extends OAuthCommonOptions {
  /** For web hosts registered as confidential clients; public clients (desktop, CLI) leave it out. */
  clientSecret?: string;
  /** Which cached account to use after a restart (its `username`), when the cache holds several. */
  loginHint?: string;
}

/**
 * Delegated tokens for a signed-in user: sign in with {@link beginAuthorization} +
 * {@link completeAuthorization} (browser, PKCE) or {@link signInWithDeviceCode} (headless), then
 * use {@link getToken}. After a restart with a persisted cache, no sign-in is needed.
 */
export class ExchangeOnlineDelegatedTokenProvider extends TokenProviderBase {
  #app: Promise<PublicClientApplication | ConfidentialClientApplication> | undefined;
  #account: AccountInfo | undefined;
  readonly #pending = new Map<string, { verifier: string; redirectUri: string }>();
  readonly #delegated: DelegatedOptions;

  constructor(options: DelegatedOptions) {
    super(options);
    this.#delegated = options;
    msalConfiguration(options, {});
  }

  /** The scopes requested by default (EWS). */
  static readonly scopes = [EWS_DELEGATED_SCOPE, "offline_access"];

  /** The scopes this provider asks for (its options' `scopes`, else {@link ExchangeOnlineDelegatedTokenProvider.scopes}). */
  get #scopes(): string[] {
    return [...(this.options.scopes ?? ExchangeOnlineDelegatedTokenProvider.scopes)];
  }

  #application(): Promise<PublicClientApplication | ConfidentialClientApplication> {
    this.#app ??= loadMsal().then((msal) => {
      const secret = this.#delegated.clientSecret;
      const { config } = msalConfiguration(this.options, secret ? { clientSecret: secret } : {}, this.failures);
      return secret ? new msal.ConfidentialClientApplication(config) : new msal.PublicClientApplication(config);
    });
    return this.#app;
  }

  /** Starts a browser sign-in: a PKCE (S256) verifier and a random `state` are made and remembered. */
  async beginAuthorization(input: { redirectUri: string; loginHint?: string }): Promise<AuthorizationRequest> {
    const app = await this.#application();
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const state = randomBytes(16).toString("base64url");
    const url = await app.getAuthCodeUrl({
      scopes: this.#scopes,
      redirectUri: input.redirectUri,
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
      state,
      ...(input.loginHint ? { loginHint: input.loginHint } : {}),
    });
    this.#pending.set(state, { verifier, redirectUri: input.redirectUri });
    return { url, state };
  }

  /**
   * Completes a browser sign-in from the URL the browser was redirected to. Refuses a `state` that
   * this provider did not issue (CSRF) and an `error` answer.
   */
  async completeAuthorization(redirectedTo: string | URL): Promise<AccountInfo> {
    let url: URL;
    try {
      url = new URL(redirectedTo);
    } catch {
      // Not Node's TypeError: it carries the input, and the input carries the authorization code.
      throw new EwsInputError("completeAuthorization", "redirectedTo", "not a URL");
    }
    const state = url.searchParams.get("state") ?? "";
    const pending = this.#pending.get(state);
    if (!pending) throw new OAuthError("OAUTH_STATE_MISMATCH", "The authorization response carries an unknown state; it was not started here");
    this.#pending.delete(state);
    const error = url.searchParams.get("error");
    if (error) throw new OAuthError("OAUTH_AUTHORIZATION_DENIED", `The authorization was refused: ${redactCredentials(error)}`, error);
    const code = url.searchParams.get("code");
    if (!code) throw new OAuthError("OAUTH_AUTHORIZATION_DENIED", "The authorization response carries no code");
    const app = await this.#application();
    try {
      const result = await app.acquireTokenByCode({
        code,
        codeVerifier: pending.verifier,
        redirectUri: pending.redirectUri,
        scopes: this.#scopes,
        state,
      });
      this.remember(result);
      this.#account = result.account ?? undefined;
      if (!this.#account) throw new OAuthError("OAUTH_TOKEN_FAILED", "The identity provider returned no account");
      return this.#account;
    } catch (caught) {
      if (caught instanceof OAuthError) throw caught;
      const { providerCode, text } = describeMsalError(caught, this.failures);
      throw new OAuthError("OAUTH_TOKEN_FAILED", `Redeeming the authorization code failed: ${text}`, providerCode);
    }
  }

  /** Signs in with the device code flow; `show` tells the user where to go and what to type. */
  async signInWithDeviceCode(show: (instructions: DeviceCodeInstructions) => void, signal?: AbortSignal): Promise<AccountInfo> {
    const app = await this.#application();
    if (!("acquireTokenByDeviceCode" in app)) throw new EwsInputError("signInWithDeviceCode", "clientSecret", "the device code flow needs a public client (no client secret)");
    const request = {
      scopes: this.#scopes,
      deviceCodeCallback: (response: { message: string; userCode: string; verificationUri: string; expiresIn: number }) =>
        show({ message: response.message, userCode: response.userCode, verificationUri: response.verificationUri, expiresIn: response.expiresIn }),
      cancel: false,
    };
    const onAbort = () => {
      request.cancel = true;
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const result = await app.acquireTokenByDeviceCode(request);
      this.remember(result);
      this.#account = result?.account ?? undefined;
      if (!this.#account) throw new OAuthError("OAUTH_TOKEN_FAILED", "The identity provider returned no account");
      return this.#account;
    } catch (caught) {
      if (caught instanceof OAuthError) throw caught;
      const { providerCode, text } = describeMsalError(caught, this.failures);
      throw new OAuthError("OAUTH_TOKEN_FAILED", `The device code sign-in failed: ${text}`, providerCode);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** The signed-in account: the one signed in here, or one found in the persisted cache. */
  async account(): Promise<AccountInfo | undefined> {
    if (this.#account) return this.#account;
    const app = await this.#application();
    const accounts = await app.getTokenCache().getAllAccounts();
    const hint = this.#delegated.loginHint?.toLowerCase();
    this.#account = hint ? accounts.find((a) => a.username.toLowerCase() === hint) : accounts.length === 1 ? accounts[0] : undefined;
    return this.#account;
  }

  protected async acquire(forceRefresh: boolean): Promise<AuthenticationResult | null> {
    const account = await this.account();
    if (!account) throw new OAuthError("OAUTH_NOT_SIGNED_IN", "No signed-in account: sign in with the authorization code or device code flow first");
    const app = await this.#application();
    try {
      return await app.acquireTokenSilent({ account, scopes: this.#scopes, forceRefresh });
    } catch (error) {
      const { providerCode, text } = describeMsalError(error, this.failures);
      throw new OAuthError("OAUTH_TOKEN_FAILED", `Renewing the access token failed: ${text}`, providerCode);
    }
  }
}
