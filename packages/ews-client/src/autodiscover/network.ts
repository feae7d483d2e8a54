/**
 * The network layer of autodiscover: an undici connector that always verifies certificates
 * (against the system roots or a custom CA) and lets the host (or a test) decide which address a
 * host name connects to, plus the DNS SRV lookup. Certificates are always checked against the
 * host name of the URL, never against the address connected to.
 * @module
 */
import { promises as dnsPromises } from "node:dns";
import { agentOptions } from "@ewsdav/http";
import { Agent, buildConnector } from "@ewsdav/http/undici";
import type { Dispatcher } from "undici";

/** Maps the host and port of a URL to the address to connect to (default: the host itself, via system DNS). */
export type EndpointResolver = (hostname: string, port: number) => Promise<{ host: string; port: number }> | { host: string; port: number };

/** One `SRV` record. */
export interface SrvRecord {
  /** Target host name. */
  name: string;
  /** Target port. */
  port: number;
  /** Priority (lower first, RFC 2782). */
  priority: number;
  /** Weight among records of the same priority (RFC 2782). */
  weight: number;
}

/** Looks up the `SRV` records of a name (default: `dns.promises.resolveSrv`). */
export type SrvResolver = (name: string) => Promise<SrvRecord[]>;

/** Network options shared by autodiscover's requests. */
export interface AutodiscoverNetworkOptions {
  /** Extra trusted CA certificates (PEM), e.g. an on-premises enterprise CA. Certificate checks stay on. */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Where a host name connects (tests map `example.com` to a loopback port). */
  resolveEndpoint?: EndpointResolver;
  /** DNS SRV lookup (tests inject records). */
  resolveSrv?: SrvResolver;
  /** Connect timeout in milliseconds (default 10 000). */
  connectTimeoutMs?: number;
}

/** Builds an undici dispatcher honouring {@link AutodiscoverNetworkOptions}. */
export function createAutodiscoverDispatcher(options: AutodiscoverNetworkOptions): Dispatcher {
  const base = buildConnector({
    ...(options.ca !== undefined ? { ca: options.ca as string | Buffer | Array<string | Buffer> } : {}),
    rejectUnauthorized: true,
    timeout: options.connectTimeoutMs ?? 10_000,
  });
  const resolve = options.resolveEndpoint;
  const connect: buildConnector.connector = (target, callback) => {
    if (!resolve) {
      base(target, callback);
      return;
    }
    const defaultPort = target.protocol === "https:" ? 443 : 80;
    const port = target.port ? Number(target.port) : defaultPort;
    Promise.resolve()
      .then(() => resolve(target.hostname, port))
      .then(
        (endpoint) =>
          base(
            {
              ...target,
              hostname: endpoint.host,
              port: String(endpoint.port),
              // The certificate is checked against the URL's host, not the address connected to.
              servername: target.servername ?? target.hostname,
            },
            callback,
          ),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
      );
  };
  // Timeouts are set per request (requestTimeoutMs).
  return new Agent(agentOptions({ connector: connect, keepAliveTimeoutMs: 4_000, connections: 1 }));
}

/** The default SRV resolver (system DNS). */
export const systemSrvResolver: SrvResolver = (name) => dnsPromises.resolveSrv(name);

/** Orders SRV records as RFC 2782 says for a client that tries them one by one: priority, then weight. */
export function orderSrvRecords(records: readonly SrvRecord[]): SrvRecord[] {
  return [...records].sort((a, b) => a.priority - b.priority || b.weight - a.weight);
}

/** True when a connection error is a refused or unverifiable TLS certificate. */
export function isCertificateError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME|ERR_TLS/.test(code)) return true;
  }
  return false;
}

/** The most specific error code in an error chain, for attempt details. */
export function errorCodeOf(error: unknown): string {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && !code.startsWith("UND_ERR_SOCKET")) return code;
  }
  return error instanceof Error ? error.name : "unknown";
}
