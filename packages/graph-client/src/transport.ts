/**
 * The HTTP layer of the Graph client, on `@ewsdav/http`: an undici pool, bearer tokens from a
 * provider (asked again with `forceRefresh` after a 401, once), at most 4 requests in flight per
 * mailbox (Outlook's limit; shared by every client of the process that names the same mailbox at
 * the same service), 429/503/504 retried after `Retry-After` (else capped backoff), a body size
 * limit and decompression, credentials never over plain http to a host that is not loopback.
 *
 * A POST (a create) is not repeated after a 504 or a network failure: the service may have acted
 * on it, and a second create would duplicate the item. 429 and 503 are safe (Graph did not act).
 */
import {
  agentOptions, backoffDelay, headerRecord, HttpDecodeError, HttpResponseTooLargeError, mayCarryCredentials, parseRetryAfter, readBody,
  redactUrl, sleep, withDeadline, type TokenProvider, type TokenRequest,
} from "@ewsdav/http";
import { Agent, request as undiciRequest } from "@ewsdav/http/undici";
import type { Dispatcher } from "undici";
import { GraphTransportError } from "./errors.js";

/** What the token provider is told: `@ewsdav/http`'s {@link TokenRequest} (this name is kept for existing imports). */
export type GraphTokenRequest = TokenRequest;

/**
 * Returns an access token for Graph (scope `https://graph.microsoft.com/.default` or the delegated
 * Contacts.ReadWrite …): `@ewsdav/http`'s {@link TokenProvider}, the one bearer-provider type the
 * EWS client takes too (this name is kept for existing imports).
 */
export type GraphTokenProvider = TokenProvider;

/** Limits requests in flight per key (a mailbox at a service). */
export class ConcurrencyLimiter {
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();
  /** Highest number in flight for one key since creation. */
  peak = 0;

  constructor(readonly limit: number) {}

  /** Runs `task` once fewer than {@link limit} tasks of `key` run. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    if ((this.running.get(key) ?? 0) >= this.limit) {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(key) ?? [];
        queue.push(resolve);
        this.waiting.set(key, queue);
      });
    } else {
      this.running.set(key, (this.running.get(key) ?? 0) + 1);
    }
    this.peak = Math.max(this.peak, this.running.get(key)!);
    try {
      return await task();
    } finally {
      const next = this.waiting.get(key)?.shift();
      if (next) next(); // the slot passes to the next waiter
      else {
        const n = (this.running.get(key) ?? 1) - 1;
        if (n === 0) this.running.delete(key);
        else this.running.set(key, n);
        if (this.waiting.get(key)?.length === 0) this.waiting.delete(key);
      }
    }
  }
}

/** The process-wide limiter: Outlook allows 4 concurrent requests per app and mailbox. */
export const MAILBOX_CONCURRENCY = new ConcurrencyLimiter(4);

/** Options of {@link GraphTransport}. */
export interface GraphTransportOptions {
  /** Bearer tokens. */
  readonly getToken: GraphTokenProvider;
  /** Retries of a throttled (429/503/504) or failed request (default 4). */
  readonly retries?: number;
  /** First backoff delay in ms when no Retry-After is given (default 500), doubled per retry. */
  readonly baseDelayMs?: number;
  /** Longest wait, also the cap on Retry-After (default 60 000). */
  readonly maxDelayMs?: number;
  /** Per-request timeout in ms (default 120 000). */
  readonly timeoutMs?: number;
  /** Largest response body (default 32 MiB). */
  readonly maxResponseBytes?: number;
  /** The limiter (default {@link MAILBOX_CONCURRENCY}). */
  readonly limiter?: ConcurrencyLimiter;
  /** An undici dispatcher instead of the transport's own pool. */
  readonly dispatcher?: Dispatcher;
  /** Allow plain http to a host that is not loopback (default false). */
  readonly allowInsecureHttp?: boolean;
}

/** One request. */
export interface GraphHttpRequest {
  readonly method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  readonly url: URL;
  /** The mailbox the request addresses (the limiter's key, with the origin). */
  readonly mailbox: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The body: bytes are sent as they are (with the request's own `content-type`, default `application/octet-stream`); anything else as JSON. */
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** Whether repeating after a 504 or a network failure is safe (default: every method but POST). */
  readonly idempotent?: boolean;
  /**
   * Send no bearer token (and ask the provider for none): for pre-authenticated URLs such as an
   * upload session's `uploadUrl`, which refuse an `Authorization` header.
   */
  readonly withoutToken?: boolean;
}

/** One response with its body read. */
export interface GraphHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body's bytes (for binary answers such as a photo's `$value`). */
  readonly bytes: Buffer;
}

/** Counters (for benchmarks and logs). */
export interface GraphTransportStats {
  requests: number;
  retries: number;
  throttled: number;
  bytesReceived: number;
}

const aborted = () => new GraphTransportError("ABORTED", "request aborted");

/** Sends Graph requests; see the module comment. */
export class GraphTransport {
  readonly stats: GraphTransportStats = { requests: 0, retries: 0, throttled: 0, bytesReceived: 0 };
  private readonly dispatcher: Dispatcher;
  private readonly owns: boolean;
  private readonly limiter: ConcurrencyLimiter;

  constructor(private readonly options: GraphTransportOptions) {
    this.owns = !options.dispatcher;
    const timeout = options.timeoutMs ?? 120_000;
    this.dispatcher = options.dispatcher ?? new Agent(agentOptions({ connections: 8, keepAliveTimeoutMs: 4_000, headersTimeoutMs: timeout, bodyTimeoutMs: timeout }));
    this.limiter = options.limiter ?? MAILBOX_CONCURRENCY;
  }

  /** Closes the pool (when the transport made it). */
  async close(): Promise<void> {
    if (this.owns) await this.dispatcher.close();
  }

  /**
   * Sends a request with the retries of the module comment; returns every final answer (an error
   * status included) for the caller to interpret.
   */
  async request(req: GraphHttpRequest): Promise<GraphHttpResponse> {
    if (!mayCarryCredentials(req.url, this.options.allowInsecureHttp ?? false)) {
      throw new GraphTransportError("NETWORK", `${req.method} ${redactUrl(req.url)}: refusing to send a token over plain http to a host that is not loopback`);
    }
    const retries = this.options.retries ?? 4;
    const backoff = { baseDelayMs: this.options.baseDelayMs ?? 500, maxDelayMs: this.options.maxDelayMs ?? 60_000 };
    const idempotent = req.idempotent ?? req.method !== "POST";
    let refresh = false;
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      let response: GraphHttpResponse;
      try {
        response = await this.limiter.run(`${req.url.origin}|${req.mailbox.toLowerCase()}`, () => this.send(req, refresh));
      } catch (error) {
        const retryable = error instanceof GraphTransportError && error.kind === "NETWORK" && idempotent;
        if (!retryable || attempt >= retries) throw error;
        this.stats.retries++;
        await sleep(backoffDelay(attempt + 1, backoff), req.signal, aborted);
        continue;
      }
      if (response.status === 401 && !refreshed && !req.withoutToken) {
        refresh = refreshed = true;
        attempt--;
        continue;
      }
      refresh = false;
      const throttled = response.status === 429 || response.status === 503 || (response.status === 504 && idempotent);
      if (!throttled || attempt >= retries) return response;
      this.stats.throttled++;
      this.stats.retries++;
      const after = parseRetryAfter(response.headers["retry-after"]);
      await sleep(after !== undefined ? Math.min(after, backoff.maxDelayMs) : backoffDelay(attempt + 1, backoff), req.signal, aborted);
    }
  }

  private async send(req: GraphHttpRequest, forceRefresh: boolean): Promise<GraphHttpResponse> {
    if (req.signal?.aborted) throw aborted();
    let token: string | undefined;
    if (!req.withoutToken) {
      try {
        token = await this.options.getToken({ forceRefresh, ...(req.signal ? { signal: req.signal } : {}) });
      } catch (error) {
        throw new GraphTransportError("AUTH_PROVIDER", `the token provider failed for ${req.method} ${redactUrl(req.url)}`, { cause: error });
      }
    }
    const headers: Record<string, string> = {
      accept: "application/json",
      "accept-encoding": "gzip, deflate, br",
      "user-agent": "ewsdav-graph-client",
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      ...req.headers,
    };
    if (req.withoutToken) delete headers.authorization;
    let body: string | Uint8Array | undefined;
    if (req.body instanceof Uint8Array) {
      body = req.body;
      headers["content-type"] ??= "application/octet-stream";
    } else if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers["content-type"] = "application/json";
    }
    const timeoutMs = this.options.timeoutMs ?? 120_000;
    const deadline = withDeadline(timeoutMs, req.signal);
    this.stats.requests++;
    try {
      const response = await undiciRequest(req.url, { method: req.method, headers, body, dispatcher: this.dispatcher, signal: deadline.signal });
      const responseHeaders = headerRecord(response.headers);
      const read = await readBody(response.body, responseHeaders, {
        maxBytes: this.options.maxResponseBytes ?? 32 * 1024 * 1024, decode: ["gzip", "deflate", "br"], unknownEncoding: "error",
      });
      this.stats.bytesReceived += read.receivedBytes;
      return { status: response.statusCode, headers: responseHeaders, body: read.bytes.toString("utf8"), bytes: read.bytes };
    } catch (error) {
      const where = `${req.method} ${redactUrl(req.url)}`;
      if (error instanceof HttpResponseTooLargeError) throw new GraphTransportError("RESPONSE_TOO_LARGE", `${where}: ${error.message}`);
      if (error instanceof HttpDecodeError) throw new GraphTransportError("MALFORMED_RESPONSE", `${where}: ${error.message}`, { cause: error });
      if (req.signal?.aborted) throw new GraphTransportError("ABORTED", `${where} aborted`, { cause: error });
      if (deadline.timedOut()) throw new GraphTransportError("TIMEOUT", `${where} timed out after ${timeoutMs} ms`, { cause: error });
      throw new GraphTransportError("NETWORK", `${where}: ${(error as Error).message}`, { cause: error });
    }
  }
}
