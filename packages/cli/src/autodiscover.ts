/**
 * Autodiscover as `ewsdav discover` and `ewsdav init` run it: the safe policy of
 * `@ewsdav/ews-client` (HTTPS with verified certificates, the user's domain only unless a host is
 * approved, never a parent domain), plus what a command line needs around it — curl-like
 * `--resolve HOST:PORT:ADDRESS` and `--connect-to HOST:PORT:HOST2:PORT2` mappings (for split DNS,
 * and for tests that serve `example.com` from loopback), the outcome as lines a person reads,
 * and the exit code a failure stands for (3: credentials refused, 4: nothing usable answered).
 * Certificates are checked against the system roots plus Node's `NODE_EXTRA_CA_CERTS`.
 * Only command implementations import this module (it loads the EWS client).
 */
import {
  basicAutodiscoverAuth,
  discoverEwsEndpoint,
  ntlmAutodiscoverAuth,
  type AutodiscoverAttempt,
  type AutodiscoverAuth,
  type AutodiscoverError,
  type AutodiscoverOptions,
  type AutodiscoverResult,
  type EndpointResolver,
  type ForeignHostRequest,
} from "@ewsdav/ews-client";
import type { ParsedArgs } from "./cli/context.js";
import { CliError, EXIT, type ExitCode } from "./exit-codes.js";

/** One `--resolve` or `--connect-to` mapping. */
export interface EndpointMapping {
  /** The host name it applies to (lower case); empty: every host. */
  host: string;
  /** The port it applies to; undefined: every port. */
  port: number | undefined;
  /** Where to connect instead. */
  target: { host: string; port: number | undefined };
}

const PORT = /^\d{1,5}$/;

/** Splits `a:b:c` where parts may be `[IPv6]` literals. */
function splitParts(value: string): string[] {
  const parts: string[] = [];
  let rest = value;
  while (rest.length > 0 || parts.length === 0) {
    if (rest.startsWith("[")) {
      const end = rest.indexOf("]");
      if (end < 0) throw new Error("an unclosed [");
      parts.push(rest.slice(1, end));
      rest = rest.slice(end + 1);
      if (rest.startsWith(":")) rest = rest.slice(1);
      else if (rest.length > 0) throw new Error("':' expected after ]");
      else break;
    } else {
      const colon = rest.indexOf(":");
      parts.push(colon < 0 ? rest : rest.slice(0, colon));
      if (colon < 0) break;
      rest = rest.slice(colon + 1);
      if (rest.length === 0) parts.push("");
    }
  }
  return parts;
}

function portOf(text: string, option: string, value: string): number | undefined {
  if (text === "") return undefined;
  if (!PORT.test(text) || Number(text) < 1 || Number(text) > 65535) throw new CliError(`${option} ${value}: "${text}" is not a port`, EXIT.usage);
  return Number(text);
}

/**
 * Parses `--resolve HOST:PORT:ADDRESS` (connect to ADDRESS on the same port, as curl does) and
 * `--connect-to HOST:PORT:HOST2:PORT2` (connect to HOST2:PORT2; an empty HOST or PORT matches
 * every host or port, an empty HOST2 or PORT2 keeps the original).
 * @throws CliError (exit 2) naming the option and the value.
 */
export function parseEndpointMappings(resolve: readonly string[], connectTo: readonly string[]): EndpointMapping[] {
  const mappings: EndpointMapping[] = [];
  for (const value of connectTo) {
    let parts: string[];
    try {
      parts = splitParts(value);
    } catch (error) {
      throw new CliError(`--connect-to ${value}: ${(error as Error).message}`, EXIT.usage);
    }
    if (parts.length !== 4) throw new CliError(`--connect-to ${value}: expected HOST:PORT:HOST2:PORT2`, EXIT.usage);
    const [host, port, host2, port2] = parts as [string, string, string, string];
    mappings.push({ host: host.toLowerCase(), port: portOf(port, "--connect-to", value), target: { host: host2, port: portOf(port2, "--connect-to", value) } });
  }
  for (const value of resolve) {
    let parts: string[];
    try {
      parts = splitParts(value);
    } catch (error) {
      throw new CliError(`--resolve ${value}: ${(error as Error).message}`, EXIT.usage);
    }
    if (parts.length !== 3 || parts[0] === "" || parts[2] === "") throw new CliError(`--resolve ${value}: expected HOST:PORT:ADDRESS`, EXIT.usage);
    const [host, port, address] = parts as [string, string, string];
    const p = portOf(port, "--resolve", value);
    if (p === undefined) throw new CliError(`--resolve ${value}: the port is needed`, EXIT.usage);
    mappings.push({ host: host.toLowerCase(), port: p, target: { host: address, port: undefined } });
  }
  return mappings;
}

/** The endpoint resolver of some mappings (the first that matches wins); undefined when there are none. */
export function resolverOf(mappings: readonly EndpointMapping[]): EndpointResolver | undefined {
  if (mappings.length === 0) return undefined;
  return (hostname, port) => {
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
    const m = mappings.find((x) => (x.host === "" || x.host === host) && (x.port === undefined || x.port === port));
    if (!m) return { host: hostname, port };
    return { host: m.target.host === "" ? hostname : m.target.host, port: m.target.port ?? port };
  };
}

const OUTCOME_WORDS: Record<AutodiscoverAttempt["outcome"], string> = {
  success: "answered",
  redirect: "redirected",
  unreachable: "no answer",
  "http-error": "refused",
  "invalid-response": "answered nonsense",
  "certificate-refused": "certificate refused",
  "insecure-refused": "not contacted: plain http",
  "foreign-host-refused": "not contacted: outside your domain",
  "parent-domain-refused": "not contacted: a parent domain",
  "repeat-refused": "not contacted again",
  "redirect-limit": "too many redirects",
  "no-settings": "answered without settings",
};

/** Whether an attempt sent anything to its host (the refused-by-policy ones did not). */
export function contacted(attempt: AutodiscoverAttempt): boolean {
  return !attempt.outcome.endsWith("-refused") || attempt.outcome === "certificate-refused";
}

/** One line per attempt: what was tried, where, and what happened (hosts not contacted say why). */
export function attemptLines(attempts: readonly AutodiscoverAttempt[]): string[] {
  return attempts.map((a) => `${a.outcome === "success" ? "✓" : contacted(a) ? "✗" : "-"} ${a.kind.padEnd(13)} ${a.url}  ${OUTCOME_WORDS[a.outcome]}${a.detail ? ` (${a.detail})` : ""}`);
}

/** The lines that say what autodiscover found. */
export function resultLines(result: AutodiscoverResult): string[] {
  const v = result.serverVersion;
  const version = v ? `${v.majorVersion}.${v.minorVersion}.${v.majorBuildNumber}${v.minorBuildNumber !== undefined ? `.${v.minorBuildNumber}` : ""}${v.version ? ` (${v.version})` : ""}` : "not given";
  return [
    `EWS URL:        ${result.ewsUrl}`,
    ...(result.email.toLowerCase() !== "" ? [`for:            ${result.email}`] : []),
    `server version: ${version}`,
    `found by:       ${result.protocol.toUpperCase()} autodiscover at ${result.autodiscoverUrl}`,
    ...(result.internalEwsUrl && result.internalEwsUrl !== result.ewsUrl ? [`internal URL:   ${result.internalEwsUrl}`] : []),
    ...(result.externalEwsUrl && result.externalEwsUrl !== result.ewsUrl ? [`external URL:   ${result.externalEwsUrl}`] : []),
  ];
}

/** Whether an attempt was a server refusing the credentials (HTTP 401 or 403). */
export function refusedCredentials(attempt: AutodiscoverAttempt): boolean {
  return attempt.outcome === "http-error" && /^HTTP 40[13]\b/.test(attempt.detail);
}

/**
 * The exit code of a failed autodiscover: 2 for an address without a usable domain, 3 when a
 * server refused the credentials, 4 otherwise (nothing answered, or nothing that answered gave
 * an EWS URL that may be used).
 */
export function exitCodeOfAutodiscover(error: AutodiscoverError): ExitCode {
  if (error.code === "AUTODISCOVER_INVALID_ADDRESS") return EXIT.usage;
  if (error.attempts.some(refusedCredentials)) return EXIT.auth;
  return EXIT.connection;
}

/** Whether an error is autodiscover's (recognised by its code and attempts, so that this module loads no client). */
export function isAutodiscoverError(error: unknown): error is AutodiscoverError {
  const e = error as { code?: unknown; attempts?: unknown } | null;
  return error instanceof Error && typeof e?.code === "string" && e.code.startsWith("AUTODISCOVER_") && Array.isArray(e.attempts);
}

/** The mappings a command line gives (`--resolve`, `--connect-to`). */
export function endpointMappingsFromArgs(values: ParsedArgs["values"]): EndpointMapping[] {
  const list = (name: string) => {
    const v = values[name];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : [];
  };
  return parseEndpointMappings(list("resolve"), list("connect-to"));
}

/**
 * The mappings that name one host and port, as an account's `resolve` map in the config
 * (`{"HOST:PORT": "ADDRESS:PORT"}`); mappings for every host or port have no such form and are left out.
 */
export function resolveMapOf(mappings: readonly EndpointMapping[]): Record<string, string> {
  const map: Record<string, string> = {};
  const bracket = (host: string) => (host.includes(":") ? `[${host}]` : host);
  for (const m of mappings) {
    if (m.host === "" || m.port === undefined) continue;
    const key = `${bracket(m.host)}:${m.port}`;
    map[key] ??= `${bracket(m.target.host === "" ? m.host : m.target.host)}:${m.target.port ?? m.port}`;
  }
  return map;
}

/** Credentials for autodiscover. */
export interface AutodiscoverCredentials {
  scheme: "basic" | "ntlm";
  username: string;
  password: string;
}

/** The autodiscover auth of some credentials. */
export function autodiscoverAuthOf(credentials: AutodiscoverCredentials): AutodiscoverAuth {
  return credentials.scheme === "ntlm"
    ? ntlmAutodiscoverAuth({ username: credentials.username, password: credentials.password })
    : basicAutodiscoverAuth(credentials.username, credentials.password);
}

/** The network options a command line gives autodiscover: `--resolve`, `--connect-to`, `--no-srv`, `--no-http-redirect`, `--timeout`, `--internal`. */
export function autodiscoverOptionsFromArgs(values: ParsedArgs["values"]): AutodiscoverOptions {
  const resolveEndpoint = resolverOf(endpointMappingsFromArgs(values));
  const options: AutodiscoverOptions = {};
  if (resolveEndpoint) options.resolveEndpoint = resolveEndpoint;
  if (values["no-srv"] === true) options.disableSrv = true;
  if (values["no-http-redirect"] === true) options.disableHttpRedirectCheck = true;
  if (values.internal === true) options.preferInternal = true;
  const timeout = values.timeout;
  if (typeof timeout === "string") {
    const seconds = Number(timeout);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new CliError(`--timeout ${timeout}: not a number of seconds`, EXIT.usage);
    options.requestTimeoutMs = seconds * 1000;
    options.connectTimeoutMs = seconds * 1000;
  }
  return options;
}

/** Options of {@link runAutodiscover}. */
export interface RunAutodiscoverOptions {
  credentials?: AutodiscoverCredentials | undefined;
  /** Decides about a host outside the address's domain (default: refuse). */
  approve?: (request: ForeignHostRequest) => boolean | Promise<boolean>;
  signal?: AbortSignal;
}

/** Runs autodiscover for `email` with the safe policy and the command line's network options. */
export function runAutodiscover(email: string, network: AutodiscoverOptions, options: RunAutodiscoverOptions = {}): Promise<AutodiscoverResult> {
  return discoverEwsEndpoint(email, {
    ...network,
    ...(options.credentials ? { auth: autodiscoverAuthOf(options.credentials) } : {}),
    ...(options.approve ? { approveForeignHost: options.approve } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
