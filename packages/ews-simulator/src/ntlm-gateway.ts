/**
 * An authenticating front for the EWS simulator, in the role IIS plays in front of Exchange: it
 * checks the client's credentials (NTLM per connection, bearer tokens, …) and forwards the
 * authenticated request to the simulator (which itself only speaks Basic), streaming the response
 * back unchanged (so chunked streaming notifications pass through as they are written).
 * @module
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createNtlmVerifier, type NtlmAccount, type NtlmVerifier, type NtlmVerifierOptions } from "./ntlm.js";

/** Decides who a request belongs to; answers the request itself and returns `undefined` when it is refused. */
export type GatewayAuthorize = (request: IncomingMessage, response: ServerResponse) => Promise<string | undefined>;

/** Options of {@link startAuthGateway}. */
export interface AuthGatewayOptions {
  /** The simulator's EWS URL (`http://127.0.0.1:PORT/EWS/Exchange.asmx`). */
  target: string;
  /** Authorizes a request; returns the SMTP address of the authenticated mailbox. */
  authorize: GatewayAuthorize;
  /** The simulator's Basic credentials for a mailbox. */
  backendCredentials: (smtpAddress: string) => { username: string; password: string };
}

/** A running gateway. */
export interface AuthGateway {
  /** `http://127.0.0.1:PORT/EWS/Exchange.asmx`. */
  readonly url: string;
  /** Connections accepted so far. */
  readonly connectionCount: number;
  /** Destroys every open client connection (as a server restart or a load balancer would). */
  dropConnections(): void;
  stop(): Promise<void>;
}

/** Starts a gateway on 127.0.0.1. */
export async function startAuthGateway(options: AuthGatewayOptions): Promise<AuthGateway> {
  const target = new URL(options.target);
  const upstream = new Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set<Socket>();
  let connectionCount = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const address = await options.authorize(request, response);
    if (address === undefined) return;
    const credentials = options.backendCredentials(address);
    const headers = { ...request.headers };
    delete headers.authorization;
    delete headers.host;
    headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, "utf8").toString("base64")}`;
    const forward = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers, agent: upstream },
      (upstreamResponse) => {
        response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(response);
        upstreamResponse.on("error", () => response.destroy());
      },
    );
    forward.on("error", () => {
      if (!response.headersSent) response.writeHead(502, { "content-length": "0" }).end();
      else response.destroy();
    });
    response.on("close", () => {
      if (!response.writableFinished) forward.destroy();
    });
    request.pipe(forward);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500, { "content-length": "0" }).end();
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on("connection", (socket) => {
    connectionCount++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    get connectionCount() {
      return connectionCount;
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      upstream.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Options of {@link startNtlmGateway}. */
export interface NtlmGatewayOptions extends NtlmVerifierOptions {
  /** The simulator's EWS URL. */
  target: string;
  /** Maps an NTLM account to the simulator mailbox and its Basic credentials. */
  backend: (account: NtlmAccount) => { smtpAddress: string; username: string; password: string };
}

/** A gateway that accepts NTLM (NTLMv2 verified per connection) only. */
export interface NtlmGateway extends AuthGateway {
  readonly verifier: NtlmVerifier;
}

/** Starts an NTLM-only front for the simulator. */
export async function startNtlmGateway(options: NtlmGatewayOptions): Promise<NtlmGateway> {
  const verifier = createNtlmVerifier(options);
  const byAddress = new Map<string, { username: string; password: string }>();
  const gateway = await startAuthGateway({
    target: options.target,
    async authorize(request, response) {
      const account = await verifier.authorize(request, response);
      if (!account) return undefined;
      const backend = options.backend(account);
      byAddress.set(backend.smtpAddress.toLowerCase(), backend);
      return backend.smtpAddress;
    },
    backendCredentials: (address) => byAddress.get(address.toLowerCase())!,
  });
  return Object.assign(gateway, { verifier });
}
