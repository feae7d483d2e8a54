/**
 * The undici dispatcher every client starts from: a keep-alive pool per origin with a bounded number
 * of connections, and connect/headers/body timeouts, with certificate checks always on unless a test
 * turns them off. This module gives the options; the client constructs `new Agent(agentOptions(…))`
 * itself, so importing `@ewsdav/http` never loads undici (a parser that only needs redaction or the
 * body rules stays light).
 * @module
 */
import type { Agent, buildConnector, Client } from "undici";

/** Options of {@link agentOptions}. */
export interface AgentOptions {
  /** Most connections per origin. */
  readonly connections: number;
  /** How long an idle connection is kept, in ms. */
  readonly keepAliveTimeoutMs: number;
  /** Cap of a keep-alive timeout the server announces, in ms (undici's default when absent). */
  readonly keepAliveMaxTimeoutMs?: number | undefined;
  /** Time until the response headers arrive, in ms (undici's default, 300 s, when absent; a request may set its own). */
  readonly headersTimeoutMs?: number | undefined;
  /** Longest silence while the body streams, in ms (undici's default, 300 s, when absent; a request may set its own). */
  readonly bodyTimeoutMs?: number | undefined;
  /** Time to establish a connection including TLS, in ms (undici's default, 10 s, when absent). */
  readonly connectTimeoutMs?: number | undefined;
  /** Requests in flight per connection (undici's default, 1, when absent). */
  readonly pipelining?: number | undefined;
  /** Extra trusted CA certificates (PEM). Certificate checks stay on. */
  readonly ca?: string | Buffer | Array<string | Buffer> | undefined;
  /** Turn certificate checks off (tests only; default true). */
  readonly rejectUnauthorized?: boolean | undefined;
  /** A connector to use instead of undici's (e.g. one that maps host names to addresses). */
  readonly connector?: buildConnector.connector | undefined;
}

/** Options of {@link clientOptions}: {@link AgentOptions} without the pool size (one connection). */
export type ClientOptions = Omit<AgentOptions, "connections">;

/**
 * The options of one undici `Client` — a single dedicated connection, for protocols that bind
 * state to a connection (NTLM authenticates the socket, not the request) — with the same timeouts,
 * TLS and connector rules as {@link agentOptions}: `new Client(origin, clientOptions({ … }))`.
 */
export function clientOptions(options: ClientOptions): Client.Options {
  const tls =
    options.connectTimeoutMs !== undefined || options.ca !== undefined || options.rejectUnauthorized !== undefined
      ? {
          ...(options.connectTimeoutMs !== undefined ? { timeout: options.connectTimeoutMs } : {}),
          ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
          ...(options.ca !== undefined ? { ca: options.ca } : {}),
        }
      : undefined;
  return {
    keepAliveTimeout: options.keepAliveTimeoutMs,
    ...(options.keepAliveMaxTimeoutMs !== undefined ? { keepAliveMaxTimeout: options.keepAliveMaxTimeoutMs } : {}),
    ...(options.headersTimeoutMs !== undefined ? { headersTimeout: options.headersTimeoutMs } : {}),
    ...(options.bodyTimeoutMs !== undefined ? { bodyTimeout: options.bodyTimeoutMs } : {}),
    ...(options.pipelining !== undefined ? { pipelining: options.pipelining } : {}),
    ...(options.connector !== undefined ? { connect: options.connector } : tls !== undefined ? { connect: tls } : {}),
  };
}

/** The options of the undici `Agent` described by `options`: `new Agent(agentOptions({ … }))`. */
export function agentOptions(options: AgentOptions): Agent.Options {
  return { connections: options.connections, ...clientOptions(options) };
}
