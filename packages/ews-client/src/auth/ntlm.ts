/**
 * NTLM (NTLMv2) authentication for on-premises Exchange.
 *
 * NTLM authenticates a connection, not a request: the negotiate (type 1), challenge (type 2) and
 * authenticate (type 3) messages must travel over one TCP connection, and the requests that follow
 * on that connection are authenticated without further headers. So this layer keeps its own small
 * pool of connections (one undici `Client` each, no pipelining), runs the handshake on a connection
 * the first time it is used, reuses it while the server keeps it open, and negotiates again when the
 * server drops it (a `disconnect`, or a 401 on a connection that was authenticated).
 *
 * The NTLM messages and their crypto come from `@ewsjs/ntlm-client` (MD4 through js-md4, since MD4
 * is not in every OpenSSL build); nothing is hand-rolled here.
 *
 * The authenticator is a transport of its own ({@link NtlmAuthenticator.send}, through
 * {@link createUndiciTransport} on each connection): give it to the client as its `send` option, so
 * the client's logging and retry layers wrap it.
 * @module
 */
import { markCredentialScheme } from "./plain-http.js";
import { clientOptions } from "@ewsdav/http";
import ntlm from "@ewsjs/ntlm-client";
import { Client } from "@ewsdav/http/undici";
import type { Dispatcher } from "undici";
import { AbortedError, EwsInputError, EwsProtocolError, TransportError } from "../errors.js";
import { createUndiciTransport } from "../transport/undici-transport.js";
import type { EwsHttpRequest, EwsHttpResponse, EwsLayer, EwsSend } from "../transport/types.js";
import type { AutodiscoverAuth } from "../autodiscover/discover.js";

/** Credentials for NTLM. */
export interface NtlmCredentials {
  /** `DOMAIN\user`, `user@domain` (UPN) or a bare user name. */
  username: string;
  /** The password (any Unicode). Never logged. */
  password: string;
  /** The workstation name sent in the messages (default `EWSDAV`; the machine's host name is never sent). */
  workstation?: string;
}

/** The user and domain fields an NTLM message carries for a given user name. */
export interface NtlmIdentity {
  /** User field: the bare user for `DOMAIN\user`, the whole UPN for `user@domain`. */
  user: string;
  /** Domain field: `DOMAIN` for `DOMAIN\user`, empty for a UPN (the UPN carries its realm). */
  domain: string;
}

/** Splits a user name into the NTLM user and domain fields (MS-NLMP: a UPN goes whole in the user field). */
export function parseNtlmUsername(username: string): NtlmIdentity {
  const backslash = username.indexOf("\\");
  if (backslash >= 0) return { user: username.slice(backslash + 1), domain: username.slice(0, backslash) };
  return { user: username, domain: "" };
}

/** Options of {@link ntlmAuth}. */
export interface NtlmAuthOptions {
  /** Most authenticated connections per origin (default 10, Exchange 2010's per-user limit). */
  maxConnections?: number;
  /** Extra trusted CA certificates (PEM). Certificate checks stay on. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Turn certificate checks off (test servers only). */
  rejectUnauthorized?: boolean;
  /** Connect timeout (default 10 s). */
  connectTimeoutMs?: number;
  /** Headers timeout (default 120 s). */
  headersTimeoutMs?: number;
  /** Body timeout (default 120 s). */
  bodyTimeoutMs?: number;
  /** How long an idle authenticated connection is kept (default 30 s; IIS closes idle ones after 120 s). */
  keepAliveTimeoutMs?: number;
  /** Largest accepted response body (default `DEFAULT_MAX_RESPONSE_BYTES`, 16 MiB). */
  maxResponseBytes?: number;
}

/** Counters, for diagnostics and tests. */
export interface NtlmStatistics {
  /** Handshakes started. */
  handshakes: number;
  /** Handshakes that ended with the connection authenticated. */
  authenticated: number;
  /** Connections opened (undici Clients created). */
  connections: number;
}

/** A streaming response on an authenticated connection (GetStreamingEvents). */
export interface NtlmStreamResponse {
  /** HTTP status. */
  status: number;
  /** Response headers (lower-case names; repeated headers joined with `, `). */
  headers: Record<string, string>;
  /** The body as it arrives; the connection returns to the pool when it ends or is destroyed. */
  body: AsyncIterable<Buffer>;
  /** Ends the response early. */
  destroy(): void;
}

/** An NTLM authenticator: a transport with authenticated connections, and its counters. */
export interface NtlmAuthenticator {
  /** The scheme, for logs. */
  readonly scheme: "NTLM";
  /** Sends one request on an authenticated connection (the client's `send` option). */
  readonly send: EwsSend;
  /** The same as a layer that never calls `next` (for stacks composed by hand; put it innermost). */
  readonly layer: EwsLayer;
  /**
   * Sends a request whose response streams (GetStreamingEvents) on an authenticated connection,
   * which stays reserved for the stream until it ends.
   */
  openStream(request: EwsHttpRequest): Promise<NtlmStreamResponse>;
  /** Counters. */
  readonly statistics: Readonly<NtlmStatistics>;
  /** Closes every connection. */
  close(): Promise<void>;
}

interface Connection {
  client: Client;
  send: EwsSend;
  authenticated: boolean;
  busy: boolean;
}

const NEGOTIATE_UNICODE = 0x1;

/** Extracts the base64 NTLM challenge from a (possibly joined) `WWW-Authenticate` header. */
export function ntlmChallengeOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /(?:^|,)\s*NTLM\s+([A-Za-z0-9+/]+={0,2})/i.exec(header);
  return match?.[1];
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

/** True when a 401 offers NTLM (`WWW-Authenticate: NTLM`). */
function offersNtlm(header: string | undefined): boolean {
  return header !== undefined && /(?:^|,)\s*NTLM(?:\s|,|$)/i.test(header);
}

/**
 * The negotiate message, with NEGOTIATE_UNICODE added to the library's flags so that user and
 * domain names outside ASCII travel intact.
 */
function negotiateMessage(workstation: string, domain: string): string {
  const raw = Buffer.from(ntlm.createType1Message(workstation, domain).slice("NTLM ".length), "base64");
  raw.writeUInt32LE((raw.readUInt32LE(12) | NEGOTIATE_UNICODE) >>> 0, 12);
  return `NTLM ${raw.toString("base64")}`;
}

/**
 * Builds the authenticate (type 3) message for a challenge, always with NTLMv2 and LMv2 responses.
 *
 * The library chooses NTLMv1 (and the LM hash, both crackable offline) when the challenge lacks the
 * extended session security flag; NTLMv2 depends only on the challenge's target information, so the
 * version is forced here and a challenge without target information is refused rather than
 * answered with v1. The character set follows MS-NLMP 2.2.2.5: Unicode whenever the server set
 * NEGOTIATE_UNICODE (the library picks OEM when both flags are set, which would mangle non-ASCII
 * user and domain names).
 */
export function ntlmAuthenticateMessage(challenge: string, credentials: NtlmCredentials): string {
  let type2: ReturnType<typeof ntlm.decodeType2Message>;
  try {
    type2 = ntlm.decodeType2Message(challenge);
  } catch (error) {
    throw new EwsProtocolError("NTLM: the server's challenge (type 2 message) is malformed", { cause: error });
  }
  if (!type2.targetInfo || type2.targetInfo.buffer.length === 0) {
    throw new EwsProtocolError("NTLM: the server's challenge carries no target information, which NTLMv2 needs; ewsdav never answers with NTLMv1 or LM responses");
  }
  type2.version = 2;
  if (type2.flags & NEGOTIATE_UNICODE) type2.encoding = "ucs2";
  const { user, domain } = parseNtlmUsername(credentials.username);
  return ntlm.createType3Message(type2, user, credentials.password, credentials.workstation ?? "EWSDAV", domain);
}

function validate(credentials: NtlmCredentials): void {
  if (!credentials.username) throw new EwsInputError("ntlmAuth", "username", "a user name is required");
  const { user } = parseNtlmUsername(credentials.username);
  if (!user) throw new EwsInputError("ntlmAuth", "username", "the user part of DOMAIN\\user is empty");
}

/**
 * Runs the NTLM handshake with `request` as the payload of each leg: negotiate, then authenticate
 * with the server's challenge. All legs go through `send`, which must keep one connection.
 * Returns the last response (the real answer, or a final 401).
 */
async function handshake(
  credentials: NtlmCredentials,
  request: EwsHttpRequest,
  send: EwsSend,
): Promise<{ response: EwsHttpResponse; authenticated: boolean }> {
  const { domain } = parseNtlmUsername(credentials.username);
  const workstation = credentials.workstation ?? "EWSDAV";
  const first = await send({ ...request, headers: { ...request.headers, authorization: negotiateMessage(workstation, domain) } });
  if (first.status !== 401) return { response: first, authenticated: first.status < 400 };
  const challenge = ntlmChallengeOf(first.headers["www-authenticate"]);
  if (!challenge) return { response: first, authenticated: false };
  const authenticate = ntlmAuthenticateMessage(challenge, credentials);
  const second = await send({ ...request, headers: { ...request.headers, authorization: authenticate } });
  return { response: second, authenticated: second.status !== 401 };
}

/**
 * NTLM authentication as a layer with its own connection pool.
 * @example
 * const ntlm = ntlmAuth({ username: "CONTOSO\\alice", password });
 * const client = new EwsClient({ url, send: ntlm.send }); // logging and retry layers wrap it
 * // … ntlm.close() on shutdown
 */
export function ntlmAuth(credentials: NtlmCredentials, options: NtlmAuthOptions = {}): NtlmAuthenticator {
  validate(credentials);
  const max = options.maxConnections ?? 10;
  const pools = new Map<string, Connection[]>();
  const waiters = new Map<string, Array<() => void>>();
  const statistics: NtlmStatistics = { handshakes: 0, authenticated: 0, connections: 0 };
  let closed = false;

  function open(origin: string): Connection {
    // One dedicated connection (NTLM authenticates the socket), with the options every pool has.
    const client = new Client(
      origin,
      clientOptions({
        pipelining: 1,
        keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 30_000,
        headersTimeoutMs: options.headersTimeoutMs ?? 120_000,
        bodyTimeoutMs: options.bodyTimeoutMs ?? 120_000,
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
        rejectUnauthorized: options.rejectUnauthorized ?? true,
        ca: options.ca,
      }),
    );
    const transport = createUndiciTransport({
      dispatcher: client,
      ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
    });
    const connection: Connection = { client, send: transport.send, authenticated: false, busy: false };
    // A new socket is a new NTLM session: the next request on this Client must negotiate again.
    client.on("disconnect", () => {
      connection.authenticated = false;
    });
    statistics.connections++;
    return connection;
  }

  async function acquire(origin: string, signal: AbortSignal | undefined): Promise<Connection> {
    for (;;) {
      if (closed) throw new EwsInputError("ntlmAuth", "close", "the NTLM authenticator is closed");
      let pool = pools.get(origin);
      if (!pool) pools.set(origin, (pool = []));
      const idle = pool.find((c) => !c.busy && c.authenticated) ?? pool.find((c) => !c.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (pool.length < max) {
        const connection = open(origin);
        connection.busy = true;
        pool.push(connection);
        return connection;
      }
      if (signal?.aborted) throw new AbortedError(undefined, { cause: signal.reason });
      await new Promise<void>((resolve, reject) => {
        const queue = waiters.get(origin) ?? [];
        waiters.set(origin, queue);
        const wake = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = queue.indexOf(wake);
          if (i >= 0) queue.splice(i, 1);
          reject(new AbortedError(undefined, { cause: signal?.reason }));
        };
        queue.push(wake);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
  }

  function release(origin: string, connection: Connection): void {
    connection.busy = false;
    waiters.get(origin)?.shift()?.();
  }

  const send: EwsSend = async (request) => {
    const origin = new URL(request.url).origin;
    const connection = await acquire(origin, request.signal);
    try {
      const plain = { ...request, headers: { ...request.headers } };
      delete plain.headers.authorization;
      if (connection.authenticated) {
        const response = await connection.send(plain);
        if (response.status !== 401 || !offersNtlm(response.headers["www-authenticate"])) return response;
        // The server forgot this connection's session: negotiate again on it.
        connection.authenticated = false;
      }
      statistics.handshakes++;
      const { response, authenticated } = await handshake(credentials, plain, connection.send);
      connection.authenticated = authenticated;
      if (authenticated) statistics.authenticated++;
      return response;
    } finally {
      release(origin, connection);
    }
  };

  const raw = async (connection: Connection, request: EwsHttpRequest, authorization: string | undefined): Promise<Dispatcher.ResponseData> => {
    const url = new URL(request.url);
    try {
      return await connection.client.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: "POST",
        headers: authorization ? { ...request.headers, authorization } : request.headers,
        body: request.body,
        bodyTimeout: 0,
        ...(request.signal ? { signal: request.signal } : {}),
      });
    } catch (error) {
      if (request.signal?.aborted) throw new AbortedError(undefined, { cause: error });
      const code = (error as { code?: string }).code;
      throw new TransportError(`${request.operation}: request to ${url.origin} failed (${code ?? (error as Error).message})`, {
        ...(code ? { transportCode: code } : {}),
        cause: error,
      });
    }
  };

  const openStream = async (request: EwsHttpRequest): Promise<NtlmStreamResponse> => {
    const origin = new URL(request.url).origin;
    const connection = await acquire(origin, request.signal);
    let released = false;
    const free = () => {
      if (released) return;
      released = true;
      release(origin, connection);
    };
    try {
      const plain = { ...request, headers: { ...request.headers } };
      delete plain.headers.authorization;
      let response: Dispatcher.ResponseData | undefined;
      if (connection.authenticated) {
        response = await raw(connection, plain, undefined);
        if (response.statusCode === 401 && offersNtlm(flatHeaders(response.headers)["www-authenticate"])) {
          await response.body.dump();
          connection.authenticated = false;
          response = undefined;
        }
      }
      if (!response) {
        // The negotiate leg and the authenticate leg both carry the real request; only the last one streams.
        statistics.handshakes++;
        const { domain } = parseNtlmUsername(credentials.username);
        const workstation = credentials.workstation ?? "EWSDAV";
        const first = await raw(connection, plain, negotiateMessage(workstation, domain));
        const challenge = first.statusCode === 401 ? ntlmChallengeOf(flatHeaders(first.headers)["www-authenticate"]) : undefined;
        if (!challenge) {
          response = first;
        } else {
          await first.body.dump();
          response = await raw(connection, plain, ntlmAuthenticateMessage(challenge, credentials));
          connection.authenticated = response.statusCode !== 401;
          if (connection.authenticated) statistics.authenticated++;
        }
      }
      const body = response.body;
      body.once("close", free);
      body.once("end", free);
      body.once("error", free);
      return { status: response.statusCode, headers: flatHeaders(response.headers), body: body as AsyncIterable<Buffer>, destroy: () => body.destroy() };
    } catch (error) {
      free();
      throw error;
    }
  };

  markCredentialScheme(send, "NTLM");
  return {
    scheme: "NTLM",
    send,
    layer: markCredentialScheme(() => send, "NTLM"),
    openStream,
    statistics,
    async close() {
      closed = true;
      const all = [...pools.values()].flat();
      pools.clear();
      await Promise.all(all.map((c) => c.client.close().catch(() => undefined)));
    },
  };
}

/**
 * NTLM for autodiscover requests. Autodiscover keeps one connection per origin, so the handshake's
 * legs share it; each autodiscover request negotiates (they are few).
 */
export function ntlmAutodiscoverAuth(credentials: NtlmCredentials): AutodiscoverAuth {
  validate(credentials);
  return {
    name: "ntlm",
    async send(request, send) {
      const adapt: EwsSend = async (r) => {
        const response = await send({ ...request, headers: r.headers });
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(response.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
        return { status: response.status, headers, body: response.body };
      };
      const payload: EwsHttpRequest = { url: request.url.href, operation: "Autodiscover", headers: request.headers, body: request.body ?? "", idempotent: true };
      const { response } = await handshake(credentials, payload, adapt);
      return { status: response.status, headers: response.headers, body: response.body };
    },
  };
}
