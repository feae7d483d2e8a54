/**
 * The HTTP transport over undici: a keep-alive connection pool per origin with a bounded number of
 * connections, connect/headers/body timeouts, abort signals, a response size limit and gzip.
 * @module
 */
import { agentOptions, errorCode, headerRecord, HttpDecodeError, HttpResponseTooLargeError, readBody, type ReadBody } from "@ewsdav/http";
import { Agent } from "@ewsdav/http/undici";
import type { Dispatcher } from "undici";
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

/** Creates the undici transport. */
export function createUndiciTransport(options: UndiciTransportOptions = {}): UndiciTransport {
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const ownsDispatcher = options.dispatcher === undefined;
  const dispatcher: Dispatcher =
    options.dispatcher ??
    new Agent(
      agentOptions({
      connections: options.connections ?? 10,
      pipelining: 1,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 30_000,
      headersTimeoutMs: options.headersTimeoutMs ?? 120_000,
      bodyTimeoutMs: options.bodyTimeoutMs ?? 120_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      ca: options.ca,
    }),
    );

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
    let read: ReadBody;
    try {
      read = await readBody(response.body, headers, { maxBytes, decode: ["gzip", "deflate"] });
    } catch (error) {
      if (error instanceof HttpResponseTooLargeError) throw new ResponseTooLargeError(maxBytes);
      if (error instanceof HttpDecodeError) {
        throw new TransportError(`${request.operation}: the ${error.encoding} response body is corrupt`, { transportCode: "EBADCOMPRESSION", cause: error.cause });
      }
      if (request.signal?.aborted) throw new AbortedError(undefined, { cause: error });
      const code = errorCode(error);
      throw new TransportError(`${request.operation}: reading the response failed (${code ?? (error as Error).message})`, {
        ...(code !== undefined ? { transportCode: code } : {}),
        cause: error,
      });
    }
    return { status: response.statusCode, headers, body: read.bytes.toString("utf8") };
  }

  return {
    send,
    async close() {
      if (ownsDispatcher) await dispatcher.close();
    },
  };
}
