/**
 * The request pipeline shared by every operation: envelope → layers (logging, retry, auth) →
 * undici → status check → safe parse → `ServerVersionInfo`.
 * @module
 */
import { exponentialDelay } from "@ewsdav/http";
import { EventEmitter } from "node:events";
import { authLayer } from "./auth/auth-layer.js";
import { checkCredentialTransport, credentialSchemeOf } from "./auth/plain-http.js";
import type { EwsAuthProvider } from "./auth/types.js";
import { EwsInputError, HttpError, SoapFaultError, XmlSecurityError } from "./errors.js";
import type { TimeZoneDefinition } from "./model/time-zone.js";
import { buildEnvelope, type ExchangeVersion, type ImpersonatedUser } from "./soap/envelope.js";
import { parseSoapResponse, type ServerVersionInfo, type SoapResponse } from "./soap/response.js";
import { DEFAULT_REQUEST_VERSION, requestVersionFor } from "./soap/version.js";
import { loggingLayer, type EwsLogger } from "./transport/logging-layer.js";
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryLayer, sleep, type RetryEvent, type RetryPolicy } from "./transport/retry-layer.js";
import { composeLayers, type EwsLayer, type EwsSend } from "./transport/types.js";
import { createUndiciTransport, type UndiciTransportOptions } from "./transport/undici-transport.js";
import type { XmlLimits } from "./xml/parse.js";

/** The User-Agent sent by default. */
export const DEFAULT_USER_AGENT = "ewsdav-ews-client/0.1 (+https://www.npmjs.com/package/@ewsdav/ews-client)";

/** Options of {@link EwsClient}. */
export interface EwsClientOptions {
  /** The EWS endpoint, e.g. `https://mail.example.com/EWS/Exchange.asmx`. */
  url: string;
  /** Authentication ({@link basicAuth}, {@link bearerAuth}, or an NTLM/OAuth provider). */
  auth?: EwsAuthProvider;
  /**
   * `RequestServerVersion`, fixed. Without it the client negotiates: it asks with `Exchange2010_SP2`
   * (the oldest supported target) until the first response's `ServerVersionInfo` names the
   * server's version, then uses the highest version both know (see `requestVersionFor`).
   */
  version?: ExchangeVersion;
  /**
   * The SMTP address of the mailbox: sent as `X-AnchorMailbox` (routing in Exchange 2013+ and Online).
   * Defaults to the impersonated SMTP address when `impersonation` names one.
   */
  mailbox?: string;
  /** Act as another user through `ExchangeImpersonation`. */
  impersonation?: ImpersonatedUser;
  /** `TimeZoneContext` sent with every request (Exchange 2010+). */
  timeZoneContext?: TimeZoneDefinition;
  /** HTTP transport options (pool size, timeouts, size limit, CA). */
  transport?: UndiciTransportOptions;
  /** Replace the undici transport with another send function (the layers still apply). */
  send?: EwsSend;
  /** Retry policy, or `false` for no retries. */
  retry?: Partial<RetryPolicy> | false;
  /** Extra layers, outermost first, placed outside the built-in ones. */
  layers?: readonly EwsLayer[];
  /** Where to log exchanges (never headers or bodies), and the warning `allowInsecureHttp` gives. */
  logger?: EwsLogger;
  /**
   * Send credentials (Basic, NTLM, bearer) over plain `http:` to a host that is not loopback
   * (default false: such a client is refused with `InsecureTransportError`). When set, the client
   * warns through `logger` once. Loopback hosts (127.0.0.0/8, `::1`, `localhost`) are always allowed.
   */
  allowInsecureHttp?: boolean;
  /** Limits on response XML, checked before parsing. */
  xmlLimits?: XmlLimits;
  /** User-Agent header (default names ewsdav). */
  userAgent?: string;
  /** Ids per GetItem request (default 50). */
  getItemBatchSize?: number;
  /** Items per CreateItem/UpdateItem/DeleteItem request (default 50). */
  writeBatchSize?: number;
  /** Concurrent requests for batched operations (default 4, bounded by the pool). */
  concurrency?: number;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call, including waits between retries. */
  signal?: AbortSignal;
}

/** Events of the client. */
export interface EwsClientEvents {
  /** Emitted before each retry. */
  retry: [RetryEvent];
  /** Emitted when a response carried a `ServerVersionInfo` different from the last one. */
  serverVersion: [ServerVersionInfo];
}

/** The request pipeline. Operations are added by {@link EwsClient}. */
export class EwsClientCore extends EventEmitter<EwsClientEvents> {
  /** The endpoint. */
  readonly url: string;
  /**
   * The `RequestServerVersion` requests are built for now: the `version` option when given, else
   * the version negotiated from the server's `ServerVersionInfo`, else `Exchange2010_SP2`.
   */
  get version(): ExchangeVersion {
    return this.#options.version ?? this.#negotiated ?? DEFAULT_REQUEST_VERSION;
  }
  /** Whether {@link version} is settled: given as an option, or learnt from a response. */
  get versionKnown(): boolean {
    return this.#options.version !== undefined || this.#negotiated !== undefined;
  }
  /** The mailbox's SMTP address when known (the `mailbox` option, else the impersonated address). */
  readonly mailbox: string | undefined;
  /** Ids per GetItem request. */
  readonly getItemBatchSize: number;
  /** Items per write request. */
  readonly writeBatchSize: number;
  /** Concurrent requests for batched operations. */
  readonly concurrency: number;
  /** The last `ServerVersionInfo` the server sent. */
  serverVersion: ServerVersionInfo | undefined;
  /** The retry policy in force, or `undefined` when retries are off. */
  get retryPolicy(): RetryPolicy | undefined {
    return this.#retry;
  }
  /** Number of HTTP exchanges sent, retries included. */
  requestCount = 0;

  readonly #send: EwsSend;
  readonly #close: () => Promise<void>;
  readonly #headers: Record<string, string>;
  readonly #options: EwsClientOptions;
  readonly #retry: RetryPolicy | undefined;
  #negotiated: ExchangeVersion | undefined;
  #answered = false;

  constructor(options: EwsClientOptions) {
    super();
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new EwsInputError("EwsClient", "url", "not a valid URL");
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new EwsInputError("EwsClient", "url", "must be http(s)");
    if (url.username || url.password) throw new EwsInputError("EwsClient", "url", "must not carry a user name or password (give them to auth)");
    const scheme = options.auth?.scheme ?? credentialSchemeOf(options.send) ?? options.layers?.map(credentialSchemeOf).find((s) => s !== undefined);
    checkCredentialTransport(url, scheme, {
      ...(options.allowInsecureHttp !== undefined ? { allowInsecureHttp: options.allowInsecureHttp } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    this.#options = options;
    this.#retry = options.retry === false ? undefined : { ...DEFAULT_RETRY_POLICY, ...(options.retry ?? {}) };
    this.url = url.toString();
    this.getItemBatchSize = Math.max(1, options.getItemBatchSize ?? 50);
    this.writeBatchSize = Math.max(1, options.writeBatchSize ?? 50);
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    let base: EwsSend;
    if (options.send) {
      base = options.send;
      this.#close = async () => {};
    } else {
      const transport = createUndiciTransport(options.transport);
      base = transport.send;
      this.#close = () => transport.close();
    }
    const counting: EwsLayer = (next) => (request) => {
      this.requestCount++;
      return next(request);
    };
    const layers: EwsLayer[] = [...(options.layers ?? [])];
    if (options.logger) layers.push(loggingLayer(options.logger));
    if (options.retry !== false) layers.push(retryLayer(options.retry || {}, (event) => this.emit("retry", event)));
    if (options.auth) layers.push(authLayer(options.auth));
    layers.push(counting);
    this.#send = composeLayers(base, layers);
    // Exchange routes impersonated requests by the impersonated mailbox: without an explicit
    // mailbox, its SMTP address from the impersonation header is the anchor.
    const impersonated = options.impersonation;
    const anchor =
      options.mailbox ??
      (impersonated && "primarySmtpAddress" in impersonated ? impersonated.primarySmtpAddress : impersonated && "smtpAddress" in impersonated ? impersonated.smtpAddress : undefined);
    this.mailbox = anchor;
    this.#headers = {
      "content-type": "text/xml; charset=utf-8",
      accept: "text/xml",
      "accept-encoding": "gzip",
      "user-agent": options.userAgent ?? DEFAULT_USER_AGENT,
      ...(anchor ? { "x-anchormailbox": anchor } : {}),
    };
  }

  /**
   * Sends one operation and returns the parsed SOAP response. Throws {@link HttpError} for non-SOAP
   * statuses, `SoapFaultError` for faults, `XmlSecurityError` for unsafe XML.
   */
  async request(operation: string, operationXml: string, options: CallOptions & { idempotent: boolean }): Promise<SoapResponse> {
    const body = buildEnvelope(
      {
        version: this.version,
        ...(this.#options.impersonation ? { impersonation: this.#options.impersonation } : {}),
        ...(this.#options.timeZoneContext ? { timeZoneContext: this.#options.timeZoneContext } : {}),
      },
      operationXml,
    );
    let parsed: SoapResponse;
    for (let attempt = 1; ; attempt++) {
      const response = await this.#send({
        url: this.url,
        operation,
        headers: { ...this.#headers },
        body,
        idempotent: options.idempotent,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const isXml = /xml/i.test(response.headers["content-type"] ?? "") || response.body.trimStart().startsWith("<");
      if (response.status !== 200 && !(response.status === 500 && isXml)) {
        const retryAfterMs = parseRetryAfter(response.headers["retry-after"]);
        throw new HttpError(
          response.status,
          response.status === 401 ? `${operation}: authentication failed (HTTP 401)` : `${operation}: HTTP ${response.status}`,
          { ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), bodyExcerpt: response.body.slice(0, 200) },
        );
      }
      try {
        parsed = parseSoapResponse(response.body, response.status, this.#options.xmlLimits);
        break;
      } catch (error) {
        // A body cut short (a proxy or connection dropping mid-response) is retried for reads.
        const retry = this.#retry;
        if (!(error instanceof XmlSecurityError && error.rule === "truncated" && options.idempotent && retry && attempt < retry.maxAttempts)) {
          // Say which operation's response it was (the parser only knows the text).
          if (error instanceof XmlSecurityError) throw new XmlSecurityError(error.rule, `${operation}: ${error.message}`, { cause: error });
          throw error;
        }
        const delayMs = exponentialDelay(attempt, retry);
        this.emit("retry", { operation, attempt, delayMs, reason: "malformed-response", status: response.status });
        await sleep(delayMs, options.signal);
      }
    }
    this.#answered = true;
    if (parsed.serverVersion) {
      const changed = JSON.stringify(parsed.serverVersion) !== JSON.stringify(this.serverVersion);
      this.serverVersion = parsed.serverVersion;
      this.#negotiated = requestVersionFor(parsed.serverVersion);
      if (changed) this.emit("serverVersion", parsed.serverVersion);
    }
    return parsed;
  }

  /**
   * Settles {@link version} before a request whose content depends on it (CreateItem, UpdateItem:
   * fields newer than the version are left out). A no-op when the `version` option is set or any
   * response was already read; otherwise one cheap GetFolder (the root folder, ids only) whose
   * `ServerVersionInfo` tells the server's version. Returns the version in force.
   */
  async negotiateVersion(options: CallOptions = {}): Promise<ExchangeVersion> {
    if (this.#options.version !== undefined || this.#answered) return this.version;
    const probe =
      `<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>` +
      `<m:FolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:FolderIds></m:GetFolder>`;
    try {
      await this.request("GetFolder", probe, { ...options, idempotent: true });
    } catch (error) {
      // The server answered, but not with the root folder (a mailbox without one, a proxy's fault):
      // keep the default version rather than fail the write; what cannot reach the server throws.
      if (!(error instanceof SoapFaultError)) throw error;
      this.#answered = true;
    }
    return this.version;
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.#close();
  }
}

/** Runs `task` over chunks with at most `limit` running at once; results in input order. */
export async function mapConcurrent<T, R>(inputs: readonly T[], limit: number, task: (input: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(inputs.length);
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const i = next++;
      results[i] = await task(inputs[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return results;
}

/** Splits a list into chunks of `size`. */
export function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
