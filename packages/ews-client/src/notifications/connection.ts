/**
 * The HTTP side of notifications. GetStreamingEvents answers with one long chunked response
 * holding many SOAP envelopes, which the client's request/response transport cannot carry, so
 * notifications keep their own undici dispatcher. Authentication goes through the same
 * {@link EwsAuthProvider} as the client (Basic, bearer tokens; renewed once after a 401).
 *
 * Affinity (Exchange 2013+ and Online route a subscription to one mailbox server): every request
 * carries `X-AnchorMailbox`; Subscribe asks for `X-PreferServerAffinity: true`; the
 * `X-BackEndOverrideCookie` the server sets is sent back on every later request.
 * @module
 */
import { agentOptions, headerRecord, HttpResponseTooLargeError, readBody, type BodyStream } from "@ewsdav/http";
import { Agent } from "@ewsdav/http/undici";
import type { Dispatcher } from "undici";
import type { NtlmAuthenticator, NtlmStreamResponse } from "../auth/ntlm.js";
import { checkCredentialTransport } from "../auth/plain-http.js";
import type { EwsAuthProvider } from "../auth/types.js";
import { AbortedError, HttpError, ResponseTooLargeError, TransportError } from "../errors.js";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../limits.js";
import type { ImpersonatedUser } from "../soap/envelope.js";
import { buildEnvelope, type ExchangeVersion } from "../soap/envelope.js";
import { parseSoapResponse, type SoapResponse } from "../soap/response.js";
import type { EwsLogger } from "../transport/logging-layer.js";
import type { EwsHttpRequest, EwsHttpResponse } from "../transport/types.js";

/** Options of {@link NotificationConnection}. */
export interface NotificationConnectionOptions {
  /** The EWS endpoint. */
  url: string;
  /** The mailbox (sent as `X-AnchorMailbox`; required for affinity). */
  mailbox: string;
  /** Authentication (the same provider the client uses). */
  auth?: EwsAuthProvider;
  /** NTLM instead of `auth`: requests and streams go over the authenticator's connections. */
  ntlm?: NtlmAuthenticator;
  /** `RequestServerVersion` (default `Exchange2010_SP2`; streaming needs Exchange 2010 SP1 or later). */
  version?: ExchangeVersion;
  /** Act as the mailbox through `ExchangeImpersonation` (app-only access). */
  impersonation?: ImpersonatedUser;
  /** Extra trusted CA certificates (PEM). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Turn certificate checks off (test servers only). */
  rejectUnauthorized?: boolean;
  /** Use this dispatcher instead of creating one. */
  dispatcher?: Dispatcher;
  /** User-Agent. */
  userAgent?: string;
  /** Timeout of ordinary requests: until the headers, and of silence while their body arrives (default 60 s). */
  requestTimeoutMs?: number;
  /** Largest accepted body of an ordinary response (default `DEFAULT_MAX_RESPONSE_BYTES`, 16 MiB); streams are bounded per envelope. */
  maxResponseBytes?: number;
  /**
   * Send credentials (`auth` or `ntlm`) over plain `http:` to a host that is not loopback (default
   * false: refused with `InsecureTransportError`); when set, a warning goes to `logger`.
   */
  allowInsecureHttp?: boolean;
  /** Where the `allowInsecureHttp` warning goes (a process warning without one). */
  logger?: EwsLogger;
}

/** An open GetStreamingEvents response. */
export interface OpenStream {
  /** The body, as it arrives. */
  body: AsyncIterable<Buffer>;
  /** Ends the stream early. */
  destroy(): void;
}

const COOKIE = "X-BackEndOverrideCookie";

/** One mailbox's notification traffic. */
export class NotificationConnection {
  readonly #options: NotificationConnectionOptions;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  /** The affinity cookie value, once the server set one. */
  backEndCookie: string | undefined;

  constructor(options: NotificationConnectionOptions) {
    checkCredentialTransport(new URL(options.url), options.ntlm ? "NTLM" : options.auth?.scheme, {
      ...(options.allowInsecureHttp !== undefined ? { allowInsecureHttp: options.allowInsecureHttp } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    this.#options = options;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Agent(
        agentOptions({
          connections: 4,
          pipelining: 1,
          keepAliveTimeoutMs: 30_000,
          // A streaming response may stay silent between heartbeats; the subscription's watchdog decides.
          bodyTimeoutMs: 0,
          headersTimeoutMs: options.requestTimeoutMs ?? 60_000,
          connectTimeoutMs: 10_000,
          rejectUnauthorized: options.rejectUnauthorized ?? true,
          ca: options.ca,
        }),
      );
  }

  /** The mailbox. */
  get mailbox(): string {
    return this.#options.mailbox;
  }

  #envelope(operationXml: string): string {
    return buildEnvelope(
      { version: this.#options.version ?? "Exchange2010_SP2", ...(this.#options.impersonation ? { impersonation: this.#options.impersonation } : {}) },
      operationXml,
    );
  }

  #headers(extra: Record<string, string>): Record<string, string> {
    return {
      "content-type": "text/xml; charset=utf-8",
      accept: "text/xml",
      "user-agent": this.#options.userAgent ?? "ewsdav-ews-client/0.1",
      "x-anchormailbox": this.#options.mailbox,
      ...(this.backEndCookie ? { cookie: `${COOKIE}=${this.backEndCookie}` } : {}),
      ...extra,
    };
  }

  #remember(headers: Record<string, string | string[] | undefined>): void {
    const raw = headers["set-cookie"];
    for (const line of Array.isArray(raw) ? raw : raw ? [raw] : []) {
      const match = new RegExp(`(?:^|[;,]\\s*)${COOKIE}=([^;,]*)`, "i").exec(line);
      if (match) this.backEndCookie = match[1];
    }
  }

  async #dispatch(url: URL, request: EwsHttpRequest, signal: AbortSignal | undefined, streaming: boolean): Promise<Dispatcher.ResponseData> {
    try {
      const response = await this.#dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: "POST",
        headers: request.headers,
        body: request.body,
        ...(signal ? { signal } : {}),
        // A stream may be silent between heartbeats (its watchdog decides); an ordinary answer may not.
        bodyTimeout: streaming ? 0 : (this.#options.requestTimeoutMs ?? 60_000),
      });
      this.#remember(response.headers);
      return response;
    } catch (error) {
      if (signal?.aborted) throw new AbortedError(undefined, { cause: error });
      const code = (error as { code?: string }).code;
      throw new TransportError(`${request.operation}: request to ${url.origin} failed (${code ?? (error as Error).message})`, {
        ...(code ? { transportCode: code } : {}),
        cause: error,
      });
    }
  }

  /** Sends with credentials; after a 401 the provider may renew them once. */
  async #send(operation: string, body: string, extra: Record<string, string>, signal: AbortSignal | undefined, streaming: boolean): Promise<Dispatcher.ResponseData> {
    const url = new URL(this.#options.url);
    const auth = this.#options.auth;
    // One request object for both attempts: the bearer provider recognises it and forces a renewal.
    const request: EwsHttpRequest = { url: url.href, operation, headers: this.#headers(extra), body, idempotent: true, ...(signal ? { signal } : {}) };
    if (auth) await auth.authorize(request);
    let response = await this.#dispatch(url, request, signal, streaming);
    if (response.statusCode === 401) {
      const text = await readRefusal(response, this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
      const renew = auth?.onUnauthorized ? await auth.onUnauthorized({ status: 401, headers: flatten(response.headers), body: text }, request) : false;
      if (!renew || !auth) throw new HttpError(401, `${operation}: authentication failed (HTTP 401)`);
      await auth.authorize(request);
      response = await this.#dispatch(url, request, signal, streaming);
      if (response.statusCode === 401) {
        await response.body.dump().catch(() => undefined);
        throw new HttpError(401, `${operation}: authentication failed (HTTP 401)`);
      }
    }
    return response;
  }

  #plainRequest(operation: string, operationXml: string, extra: Record<string, string>, signal: AbortSignal | undefined): EwsHttpRequest {
    return { url: this.#options.url, operation, headers: this.#headers(extra), body: this.#envelope(operationXml), idempotent: true, ...(signal ? { signal } : {}) };
  }

  /** Sends one ordinary operation and parses the response. */
  async call(operation: string, operationXml: string, options: { signal?: AbortSignal; preferAffinity?: boolean } = {}): Promise<SoapResponse> {
    const ntlm = this.#options.ntlm;
    if (ntlm) {
      const response = await ntlm.send(this.#plainRequest(operation, operationXml, options.preferAffinity ? { "x-preferserveraffinity": "true" } : {}, options.signal));
      this.#remember(response.headers);
      const isXml = /xml/i.test(response.headers["content-type"] ?? "") || response.body.trimStart().startsWith("<");
      if (response.status !== 200 && !(response.status === 500 && isXml)) {
        throw new HttpError(response.status, response.status === 401 ? `${operation}: authentication failed (HTTP 401)` : `${operation}: HTTP ${response.status}`, {
          bodyExcerpt: response.body.slice(0, 200),
        });
      }
      return parseSoapResponse(response.body, response.status);
    }
    const response = await this.#send(
      operation,
      this.#envelope(operationXml),
      options.preferAffinity ? { "x-preferserveraffinity": "true" } : {},
      options.signal,
      false,
    );
    const limit = this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    let text: string;
    try {
      text = (await readBody(response.body, headerRecord(response.headers), { maxBytes: limit })).bytes.toString("utf8");
    } catch (error) {
      if (error instanceof HttpResponseTooLargeError) throw new ResponseTooLargeError(limit);
      if (options.signal?.aborted) throw new AbortedError(undefined, { cause: error });
      const code = (error as { code?: string }).code;
      throw new TransportError(`${operation}: reading the response failed (${code ?? (error as Error).message})`, { ...(code ? { transportCode: code } : {}), cause: error });
    }
    const isXml = /xml/i.test(String(response.headers["content-type"] ?? "")) || text.trimStart().startsWith("<");
    if (response.statusCode !== 200 && !(response.statusCode === 500 && isXml)) {
      throw new HttpError(response.statusCode, `${operation}: HTTP ${response.statusCode}`, { bodyExcerpt: text.slice(0, 200) });
    }
    return parseSoapResponse(text, response.statusCode);
  }

  /** Opens GetStreamingEvents; the body streams envelopes until the server closes it. */
  async openStream(operationXml: string, signal: AbortSignal): Promise<OpenStream> {
    const ntlm = this.#options.ntlm;
    if (ntlm) {
      const response = await ntlm.openStream(this.#plainRequest("GetStreamingEvents", operationXml, {}, signal));
      this.#remember(response.headers);
      if (response.status !== 200) {
        // The refusal is read up to the ordinary limit; beyond it the HTTP status alone is reported.
        const text = await readErrorBody(response, this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
        if (response.status === 500 && text.trimStart().startsWith("<")) parseSoapResponse(text, 500);
        throw new HttpError(response.status, `GetStreamingEvents: HTTP ${response.status}`, { bodyExcerpt: text.slice(0, 200) });
      }
      return { body: response.body, destroy: response.destroy };
    }
    const response = await this.#send("GetStreamingEvents", this.#envelope(operationXml), {}, signal, true);
    if (response.statusCode !== 200) {
      const text = await readRefusal(response, this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
      if (response.statusCode === 500 && text.trimStart().startsWith("<")) parseSoapResponse(text, 500); // throws the SOAP fault
      throw new HttpError(response.statusCode, `GetStreamingEvents: HTTP ${response.statusCode}`, { bodyExcerpt: text.slice(0, 200) });
    }
    return { body: response.body as AsyncIterable<Buffer>, destroy: () => response.body.destroy() };
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }
}

/**
 * The body of a refused NTLM stream as UTF-8, read by `readBody` up to `limit` bytes; a larger one is
 * dropped (`""`: the caller reports the status). Errors of the stream itself propagate.
 */
async function readErrorBody(response: NtlmStreamResponse, limit: number): Promise<string> {
  const body: BodyStream = {
    [Symbol.asyncIterator]: () => response.body[Symbol.asyncIterator](),
    destroy: () => response.destroy(),
    // The authenticator listens for the body's errors itself (it frees the connection on one).
    on: () => undefined,
  };
  try {
    return (await readBody(body, response.headers, { maxBytes: limit })).bytes.toString("utf8");
  } catch (error) {
    if (error instanceof HttpResponseTooLargeError) return "";
    throw error;
  }
}

/**
 * The body of a refused request (401, a non-200 stream) as UTF-8, read by `readBody` up to `limit`
 * bytes like every other answer; a larger or broken one reads as `""` (the caller reports the status).
 */
async function readRefusal(response: Dispatcher.ResponseData, limit: number): Promise<string> {
  try {
    return (await readBody(response.body, headerRecord(response.headers), { maxBytes: limit })).bytes.toString("utf8");
  } catch {
    return "";
  }
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}
