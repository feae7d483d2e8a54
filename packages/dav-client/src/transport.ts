/**
 * The HTTP layer: undici with a bounded keep-alive pool, timeouts and AbortSignal on every
 * request, retries with exponential backoff (reads on connection errors and 429/502/503/504;
 * writes only on 429/503, which the server promises it did not act on), `Retry-After`
 * honoured, Basic or bearer auth, redirects followed only to the same origin unless
 * allowed (a write only within its collection), credentials never over plain `http:` to a host
 * that is not loopback unless allowed, response size limit and gzip/deflate/br decoding.
 *
 * The pieces every client shares (the undici agent, auth header, `Retry-After`, backoff, sleep, the
 * size-limited body reader and its decoding, the plain-HTTP rule, URL redaction) come from
 * `@ewsdav/http`; the DAV rules stay here (retry classes, redirects within an origin or a write's
 * collection, `DavError` codes), and {@link DavTransport.request} composes them.
 */
import {
  authorizationHeader,
  backoffDelay as sharedBackoffDelay,
  canRefresh,
  agentOptions,
  headerRecord,
  HttpDecodeError,
  HttpResponseTooLargeError,
  mayCarryCredentials,
  parseRetryAfter,
  readBody,
  sleep,
  withAuthRefresh,
  withDeadline,
  type HttpAuth,
} from "@ewsdav/http";
import { Agent, request as undiciRequest } from "@ewsdav/http/undici";
import type { Dispatcher } from "undici";
import { DavError, DavHttpError, redactUrl } from "./errors.js";

export { authorizationHeader, isLoopbackHost, mayCarryCredentials, parseRetryAfter } from "@ewsdav/http";

/**
 * Credentials sent with every request: Basic, or a bearer token (fixed, or a provider called per
 * request with `refresh` true after a 401). The same shape as `@ewsdav/http`'s `HttpAuth`.
 */
export type DavAuth = HttpAuth;

/** Retry settings. */
export interface DavRetryOptions {
  /** Retries after the first attempt (default 3). */
  readonly retries: number;
  /** First backoff delay in ms (default 250), doubled per retry with jitter. */
  readonly baseDelayMs: number;
  /** Longest wait, also the cap on `Retry-After` (default 30 000). */
  readonly maxDelayMs: number;
}

/** Options of {@link DavTransport}. */
export interface DavTransportOptions {
  /** Credentials for every request (also sent after a redirect to an allowed origin). */
  readonly auth?: DavAuth | undefined;
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Most connections per origin (default 6). Ignored when `dispatcher` is given. */
  readonly connections?: number | undefined;
  /** Per-request timeout in ms, covering headers and body (default 120 000). */
  readonly timeoutMs?: number | undefined;
  /** Retry settings (see {@link DavRetryOptions}). */
  readonly retry?: Partial<DavRetryOptions> | undefined;
  /** Largest response body accepted, decoded (default {@link DEFAULT_MAX_RESPONSE_BYTES}, 32 MiB). */
  readonly maxResponseBytes?: number | undefined;
  /** Origins (e.g. `https://dav.example.com`) a redirect may lead to besides the request's own. */
  readonly allowedRedirectOrigins?: readonly string[] | undefined;
  /** Ask for compressed responses (default true). */
  readonly compression?: boolean | undefined;
  /** An undici dispatcher to use instead of the client's own pool. */
  readonly dispatcher?: Dispatcher | undefined;
  /** The User-Agent header (default `ewsdav-dav-client`). */
  readonly userAgent?: string | undefined;
  /**
   * Send credentials over plain `http:` to a host that is not loopback (default false: such a
   * request is refused with `INSECURE_TRANSPORT` before anything is sent).
   */
  readonly allowInsecureHttp?: boolean | undefined;
}

/** Whether a request may be retried after a network error or a 5xx. */
export type RetryClass = "read" | "write";

/** One HTTP request. */
export interface DavHttpRequest {
  /** HTTP method (`PROPFIND`, `REPORT`, `PUT`, …). */
  readonly method: string;
  /** Absolute URL. */
  readonly url: URL;
  /** Request headers (lower-case names), on top of the transport's own. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The request body (UTF-8). */
  readonly body?: string;
  /** Aborts the request, its retries and redirects. */
  readonly signal?: AbortSignal | undefined;
  /** What may be retried (see {@link RetryClass}). */
  readonly retry: RetryClass;
  /**
   * A path prefix redirects must stay in (a write's collection): a redirect elsewhere, even on
   * the same origin, is refused with `REDIRECT_REFUSED`.
   */
  readonly redirectScope?: string | undefined;
}

/** One HTTP response with its body read. */
export interface DavHttpResponse {
  /** HTTP status code. */
  readonly status: number;
  /** Response headers by lower-case name (repeated headers joined with `, `). */
  readonly headers: Readonly<Record<string, string>>;
  /** The body, decompressed and decoded as UTF-8. */
  readonly body: string;
  /** The URL that answered (after redirects). */
  readonly url: URL;
}

/** Counters a transport keeps (for benchmarks and logs). */
export interface DavTransportStats {
  /** HTTP requests sent, including retries and redirects. */
  requests: number;
  /** Requests repeated after a retryable failure. */
  retries: number;
  /** Response bytes as received (before decompression). */
  bytesReceived: number;
}

/**
 * The default `maxResponseBytes`: 32 MiB, set from what parsing costs in heap (measured with
 * bench/dav-parse-memory.ts, Node 20, the smallest old space a parse survives, baseline included):
 *
 * | body | listing (href + ETag per member) | multiget (2 KB vCards) |
 * | --- | --- | --- |
 * | 8 MiB | 40 MB (5.0×) | 22 MB (2.8×) |
 * | 32 MiB | 128 MB (4.0×) | 58 MB (1.8×) |
 *
 * (fast-xml-parser plus a validation pass cost 136 MB / 496 MB for the listings, 15–17×, and
 * 46 MB / 152 MB for the multigets.) Through the real client in a process of its own
 * (test/integration/response-memory.test.ts, 256 MiB old space): a 32 MiB listing of 152,041 short
 * hrefs survives 160 MiB and not 128 MiB (short hrefs cost 4.8–5.9× per byte), and two 32 MiB
 * multigets of 3 KB vCards in flight survive 192 MiB and not 160 MiB (the items they return are
 * kept). So the largest accepted answers cost at most about 190 MB: within the old space
 * Node gives by default on a machine with 1 GB of memory (a quarter of it) and far within that
 * of a 2 GB one. Larger listings are read in pages (sync-collection with `DAV:limit`) and a
 * multiget batch over the limit is split, so the limit refuses only what cannot be paged: one
 * item over 32 MiB, or an ETag listing (PROPFIND Depth 1, no paging in the protocol) of more
 * than about 100,000 members.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** Whether a response status may be retried for a request of this class. */
export function isRetryableStatus(status: number, retry: RetryClass): boolean {
  if (status === 429 || status === 503) return true;
  return retry === "read" && (status === 502 || status === 504);
}

/**
 * The wait before retry number `attempt` (1-based): `Retry-After` when given (capped at
 * `maxDelayMs`), else the shared capped exponential backoff with jitter of `@ewsdav/http`.
 */
export function backoffDelay(attempt: number, options: DavRetryOptions, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, options.maxDelayMs);
  return sharedBackoffDelay(attempt, options);
}

/** Whether requests carry credentials: `auth`, or an Authorization, Proxy-Authorization or Cookie header among `headers`. */
export function carriesCredentials(options: Pick<DavTransportOptions, "auth" | "headers">): boolean {
  return options.auth !== undefined || Object.keys(options.headers ?? {}).some((name) => /^(?:authorization|proxy-authorization|cookie)$/i.test(name));
}

/** Whether a redirect from `from` to `to` may be followed. */
export function isRedirectAllowed(from: URL, to: URL, allowedOrigins: readonly string[]): boolean {
  if (to.protocol !== "http:" && to.protocol !== "https:") return false;
  if (to.origin === from.origin) return true;
  return allowedOrigins.some((origin) => new URL(origin).origin === to.origin);
}

const abortedWhileWaiting = () => new DavError("ABORTED", "request aborted");

/** The `RESPONSE_TOO_LARGE` error for a body the shared reader refused. */
function tooLarge(error: HttpResponseTooLargeError, method: string, url: URL): DavError {
  // A body too large once decoded is named without the request, as before the shared reader.
  const message = error.stage === "decoded" ? error.message : `${method} ${redactUrl(url)}: ${error.message}`;
  return new DavError("RESPONSE_TOO_LARGE", message);
}

/** Sends DAV requests over undici; see the module comment for what it adds to plain HTTP. */
export class DavTransport {
  /** Counters since construction. */
  readonly stats: DavTransportStats = { requests: 0, retries: 0, bytesReceived: 0 };
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly retryOptions: DavRetryOptions;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  /** Creates the transport and, unless `options.dispatcher` is given, its connection pool. */
  constructor(private readonly options: DavTransportOptions = {}) {
    this.ownsDispatcher = !options.dispatcher;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.dispatcher =
      options.dispatcher ??
      new Agent(
        agentOptions({
        connections: options.connections ?? 6,
        keepAliveTimeoutMs: 4_000,
        keepAliveMaxTimeoutMs: 30_000,
        headersTimeoutMs: this.timeoutMs,
        bodyTimeoutMs: this.timeoutMs,
      }),
      );
    this.retryOptions = { retries: 3, baseDelayMs: 250, maxDelayMs: 30_000, ...options.retry };
    this.maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  /**
   * Sends a request, following allowed redirects and retrying as the module comment says.
   * Any status is returned as a response except retryable ones that stay failing (returned
   * after the last retry); the caller decides what a status means.
   * @throws DavError `TIMEOUT`, `ABORTED`, `NETWORK`, `RESPONSE_TOO_LARGE`, `REDIRECT_REFUSED`, `TOO_MANY_REDIRECTS`.
   */
  async request(req: DavHttpRequest): Promise<DavHttpResponse> {
    // One retry budget for the request, spent across the auth refresh.
    const budget = { attempt: 0 };
    return withAuthRefresh(
      (refreshAuth) => this.retrying(req, refreshAuth, budget),
      () => canRefresh(this.options.auth),
    );
  }

  /** Sends with redirects, repeating retryable failures while `budget` lasts; a 401 is returned as is. */
  private async retrying(req: DavHttpRequest, refreshAuth: boolean, budget: { attempt: number }): Promise<DavHttpResponse> {
    for (;;) {
      let response: DavHttpResponse;
      try {
        response = await this.followRedirects(req, refreshAuth);
      } catch (error) {
        // A timed-out request is not repeated: it would most likely time out again, and the
        // server is still working on the first one.
        const retryable = error instanceof DavError && error.code === "NETWORK" && req.retry === "read";
        if (!retryable || budget.attempt >= this.retryOptions.retries) throw error;
        budget.attempt++;
        this.stats.retries++;
        await sleep(backoffDelay(budget.attempt, this.retryOptions), req.signal, abortedWhileWaiting);
        continue;
      }
      if (isRetryableStatus(response.status, req.retry) && budget.attempt < this.retryOptions.retries) {
        budget.attempt++;
        this.stats.retries++;
        await sleep(backoffDelay(budget.attempt, this.retryOptions, parseRetryAfter(response.headers["retry-after"])), req.signal, abortedWhileWaiting);
        continue;
      }
      return response;
    }
  }

  private async followRedirects(req: DavHttpRequest, refreshAuth: boolean): Promise<DavHttpResponse> {
    let url = req.url;
    let method = req.method;
    let body = req.body;
    for (let hop = 0; ; hop++) {
      const response = await this.send({ ...req, url, method, body: body ?? "" }, refreshAuth);
      const location = response.headers["location"];
      if (!REDIRECTS.has(response.status) || !location) return response;
      if (hop >= MAX_REDIRECTS) throw new DavError("TOO_MANY_REDIRECTS", `${req.method} ${redactUrl(req.url)}: more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, url);
      if (!isRedirectAllowed(url, next, this.options.allowedRedirectOrigins ?? [])) {
        throw new DavError(
          "REDIRECT_REFUSED",
          `${req.method} ${redactUrl(url)} redirects to ${redactUrl(next)}, another origin; allow it with allowedRedirectOrigins`,
        );
      }
      if (req.redirectScope !== undefined && (next.origin !== req.url.origin || !next.pathname.startsWith(req.redirectScope))) {
        throw new DavError("REDIRECT_REFUSED", `${req.method} ${redactUrl(url)} redirects to ${redactUrl(next)}, outside ${req.redirectScope}; a write is not followed there`);
      }
      if (response.status === 303) {
        method = "GET";
        body = undefined;
      }
      url = next;
    }
  }

  private async send(req: DavHttpRequest & { method: string; url: URL }, refreshAuth: boolean): Promise<DavHttpResponse> {
    if (req.signal?.aborted) throw new DavError("ABORTED", `${req.method} ${redactUrl(req.url)} aborted`);
    const deadline = withDeadline(this.timeoutMs, req.signal);
    const headers: Record<string, string> = {
      "user-agent": this.options.userAgent ?? "ewsdav-dav-client",
      ...(this.options.compression === false ? {} : { "accept-encoding": "gzip, deflate, br" }),
      ...this.options.headers,
      ...req.headers,
    };
    if (carriesCredentials(this.options) && !mayCarryCredentials(req.url, this.options.allowInsecureHttp ?? false)) {
      throw new DavError(
        "INSECURE_TRANSPORT",
        `${req.method} ${redactUrl(req.url)}: refusing to send credentials over plain http to a host that is not loopback; use https, or set allowInsecureHttp`,
      );
    }
    let authorization: string | undefined;
    try {
      authorization = await authorizationHeader(this.options.auth, refreshAuth);
    } catch (error) {
      throw new DavError("UNAUTHORIZED", `the bearer token provider failed for ${req.method} ${redactUrl(req.url)}`, { cause: error });
    }
    if (authorization) headers["authorization"] = authorization;
    this.stats.requests++;
    try {
      const response = await undiciRequest(req.url, {
        method: req.method as Dispatcher.HttpMethod,
        headers,
        body: req.body === undefined || req.body === "" ? undefined : req.body,
        dispatcher: this.dispatcher,
        signal: deadline.signal,
      });
      const responseHeaders = headerRecord(response.headers);
      const read = await readBody(response.body, responseHeaders, {
        maxBytes: this.maxBytes,
        decode: ["gzip", "deflate", "br"],
        unknownEncoding: "error",
      });
      this.stats.bytesReceived += read.receivedBytes;
      return { status: response.statusCode, headers: responseHeaders, body: read.bytes.toString("utf8"), url: req.url };
    } catch (error) {
      if (error instanceof DavError) throw error;
      if (error instanceof HttpResponseTooLargeError) throw tooLarge(error, req.method, req.url);
      if (error instanceof HttpDecodeError) throw new DavError("NETWORK", error.message, { cause: error.cause ?? error });
      if (req.signal?.aborted) throw new DavError("ABORTED", `${req.method} ${redactUrl(req.url)} aborted`, { cause: error });
      if (deadline.timedOut() || (error as { code?: string }).code?.includes("TIMEOUT")) {
        throw new DavError("TIMEOUT", `${req.method} ${redactUrl(req.url)} timed out after ${this.timeoutMs} ms`, { cause: error });
      }
      throw new DavError("NETWORK", `${req.method} ${redactUrl(req.url)} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Closes the connection pool (when the transport created it). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}

/** Throws a {@link DavHttpError} for a status outside 2xx (or outside `accept`). */
export function expectStatus(response: DavHttpResponse, method: string, accept: (status: number) => boolean = (s) => s >= 200 && s < 300): void {
  if (!accept(response.status)) {
    const detail = response.body.length > 0 && response.body.length < 400 && !/<html/i.test(response.body) ? response.body.trim().slice(0, 200) : undefined;
    throw new DavHttpError(method, redactUrl(response.url), response.status, detail);
  }
}
