/**
 * Credentials never go over plain `http:` unless the host is loopback (127.0.0.0/8, `::1`,
 * `localhost`) or the caller opted in with `allowInsecureHttp: true`, which is then announced as a
 * warning. Basic sends the password itself, NTLM a response an eavesdropper can crack offline, and a
 * bearer token is as good as the password until it expires: all three are refused alike.
 * @module
 */
import { isLoopbackHost } from "@ewsdav/http";
import { EwsError } from "../errors.js";
import type { EwsLogger } from "../transport/logging-layer.js";

/** Credentials would go over plain HTTP to a host that is not loopback, and the caller did not allow it. */
export class InsecureTransportError extends EwsError {
  /** The origin credentials would have gone to (scheme, host and port; never a user name or password). */
  readonly origin: string;
  /** The authentication scheme that was refused (`Basic`, `NTLM`, `Bearer`, …). */
  readonly scheme: string;
  constructor(origin: string, scheme: string) {
    super(
      "EWS_INSECURE_HTTP",
      `Refusing to send ${scheme} credentials over plain HTTP to ${origin}: use https, or set allowInsecureHttp: true to accept that anyone on the network can read them`,
    );
    this.origin = origin;
    this.scheme = scheme;
  }
}

const SCHEME = Symbol.for("@ewsdav/ews-client/credential-scheme");

/**
 * Marks a send function or layer that adds credentials of its own (NTLM's connection-bound
 * transport), so that the client applies the plain-HTTP rule to it as to an `auth` provider.
 */
export function markCredentialScheme<T extends object>(target: T, scheme: string): T {
  Object.defineProperty(target, SCHEME, { value: scheme, enumerable: false });
  return target;
}

/** The scheme a send function or layer was marked with by {@link markCredentialScheme}, if any. */
export function credentialSchemeOf(target: unknown): string | undefined {
  if ((typeof target !== "function" && typeof target !== "object") || target === null) return undefined;
  const scheme = (target as { [SCHEME]?: unknown })[SCHEME];
  return typeof scheme === "string" ? scheme : undefined;
}

/**
 * True for `localhost` (and names below it), 127.0.0.0/8, `::1` and IPv4-mapped loopback, as
 * `URL.hostname` spells them (one home: `@ewsdav/http`).
 */
export { isLoopbackHost } from "@ewsdav/http";

/** Options of {@link checkCredentialTransport}. */
export interface CredentialTransportPolicy {
  /** Send credentials over plain HTTP to hosts that are not loopback (default false). */
  allowInsecureHttp?: boolean;
  /** Where the warning goes when `allowInsecureHttp` lets credentials over plain HTTP. */
  logger?: EwsLogger;
}

/**
 * Throws {@link InsecureTransportError} when credentials of `scheme` would go to `url` over plain
 * HTTP and the host is not loopback, unless `allowInsecureHttp` (then it warns through the logger,
 * or as a process warning without one). Does nothing for `https:` or when `scheme` is undefined.
 */
export function checkCredentialTransport(url: URL, scheme: string | undefined, policy: CredentialTransportPolicy = {}): void {
  if (scheme === undefined || url.protocol !== "http:" || isLoopbackHost(url.hostname)) return;
  if (!policy.allowInsecureHttp) throw new InsecureTransportError(url.origin, scheme);
  const message = `${scheme} credentials go over plain HTTP to ${url.origin} (allowInsecureHttp): anyone on the network can read them`;
  if (policy.logger) policy.logger.warn(message, { origin: url.origin, scheme });
  else process.emitWarning(message, { code: "EWSDAV_INSECURE_HTTP" });
}
