/**
 * The HTTP transport over undici: a keep-alive connection pool per origin with a bounded number of
 * connections, connect/headers/body timeouts, abort signals, a response size limit and gzip.
 * @module
 */
import { gunzipSync, inflateSync } from "node:zlib";
import { Agent, type Dispatcher } from "undici";
import { AbortedError, ResponseTooLargeError, TransportError } from "../errors.js";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../limits.js";
import type { EwsHttpRequest, EwsHttpResponse, EwsSend } from "./types.js";

/** Options of {@link createUndiciTransport}. */
export interface UndiciTransportOptions {
  /**
   * Most concurrent connections per origin (default 10, Exchange 2010's per-user limit; Exchange
   * 2013+ and Online allow about 27).
   */
  connections?: number;
  /** Time to establish a connection, including TLS (default 10 s). */
  connectTimeoutMs?: number;
  /** Time until the response headers arrive (default 120 s: large GetItem batches are slow). */
  headersTimeoutMs?: number;
  /** Longest silence while the body streams (default 120 s). */
  bodyTimeoutMs?: number;
  /** How long an idle connection is kept (default 30 s). */
  keepAliveTimeoutMs?: number;
  /** Largest accepted response body after decompression (default {@link DEFAULT_MAX_RESPONSE_BYTES}, 16 MiB; see `limits.ts` for why). */
  maxResponseBytes?: number;
  /** Extra trusted CA certificates (PEM), for servers with a private CA. Certificate checks stay on. */
  ca?: string | Buffer | Array<string | Buffer>;
  /**
   * Turn certificate checks off. Only for test servers; the default `true` should never be changed
   * in production.
   */
  rejectUnauthorized?: boolean;
  /** Use this undici dispatcher instead of creating an Agent (the options above that shape the Agent are then ignored). */
  dispatcher?: Dispatcher;
}

/** A transport: a send function plus a way to close its connections. */
export interface UndiciTransport {
  /** Sends one request. */
  send: EwsSend;
  /** Closes the pool (waits for running requests). */
  close(): Promise<void>;
}

/** Codes of errors raised before any byte of the request can have reached the server. */
const CONNECT_ERROR_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let i = 0; i < 4 && current; i++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function headerRecord(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

/** Creates the undici transport. */
export function createUndiciTransport(options: UndiciTransportOptions = {}): UndiciTransport {
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const ownsDispatcher = options.dispatcher === undefined;
  const dispatcher: Dispatcher =
    options.dispatcher ??
    new Agent({
      connections: options.connections ?? 10,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      headersTimeout: options.headersTimeoutMs ?? 120_000,
      bodyTimeout: options.bodyTimeoutMs ?? 120_000,
      connect: {
        timeout: options.connectTimeoutMs ?? 10_000,
        rejectUnauthorized: options.rejectUnauthorized ?? true,
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
      },
    });

  async function send(request: EwsHttpRequest): Promise<EwsHttpResponse> {
    if (request.signal?.aborted) throw new AbortedError(undefined, { cause: request.signal.reason });
    const url = new URL(request.url);
    let response: Dispatcher.ResponseData;
    try {
      response = await dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: "POST",
        headers: request.headers,
        body: request.body,
        ...(request.signal ? { signal: request.signal } : {}),
      });
    } catch (error) {
      if (request.signal?.aborted) throw new AbortedError(undefined, { cause: error });
      const code = errorCode(error);
      throw new TransportError(`${request.operation}: request to ${url.origin} failed (${code ?? (error as Error).message})`, {
        ...(code !== undefined ? { transportCode: code } : {}),
        beforeRequestSent: code !== undefined && CONNECT_ERROR_CODES.has(code),
        cause: error,
      });
    }
    const headers = headerRecord(response.headers as Record<string, string | string[] | undefined>);
    const chunks: Buffer[] = [];
    let received = 0;
    try {
      for await (const chunk of response.body) {
        const buf = chunk as Buffer;
        received += buf.length;
        if (received > maxBytes) {
          response.body.destroy();
          throw new ResponseTooLargeError(maxBytes);
        }
        chunks.push(buf);
      }
    } catch (error) {
      if (error instanceof ResponseTooLargeError) throw error;
      if (request.signal?.aborted) throw new AbortedError(undefined, { cause: error });
      const code = errorCode(error);
      throw new TransportError(`${request.operation}: reading the response failed (${code ?? (error as Error).message})`, {
        ...(code !== undefined ? { transportCode: code } : {}),
        cause: error,
      });
    }
    let raw = Buffer.concat(chunks);
    const encoding = (headers["content-encoding"] ?? "").toLowerCase().trim();
    if (encoding === "gzip" || encoding === "deflate") {
      try {
        raw = encoding === "gzip" ? gunzipSync(raw, { maxOutputLength: maxBytes }) : inflateSync(raw, { maxOutputLength: maxBytes });
      } catch (error) {
        if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw new ResponseTooLargeError(maxBytes);
        throw new TransportError(`${request.operation}: the ${encoding} response body is corrupt`, { transportCode: "EBADCOMPRESSION", cause: error });
      }
    }
    return { status: response.statusCode, headers, body: raw.toString("utf8") };
  }

  return {
    send,
    async close() {
      if (ownsDispatcher) await dispatcher.close();
    },
  };
}
