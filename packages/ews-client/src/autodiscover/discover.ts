/**
 * Safe autodiscover: from an e-mail address to the EWS URL and the server version.
 *
 * Order of candidates for a domain `d` (MS-OXDSCLI and the EWS autodiscover guidance):
 * 1. SOAP `https://d/autodiscover/autodiscover.svc`, then `https://autodiscover.d/autodiscover/autodiscover.svc`;
 * 2. POX `https://d/autodiscover/autodiscover.xml`, then `https://autodiscover.d/autodiscover/autodiscover.xml`;
 * 3. an unauthenticated `GET http://autodiscover.d/autodiscover/autodiscover.xml` whose HTTP redirect
 *    names the HTTPS endpoint to use;
 * 4. the DNS record `_autodiscover._tcp.d` (SRV), whose target is tried with SOAP then POX.
 *
 * Safety rules, all on by default: credentials are sent only over HTTPS with a certificate that
 * verifies; never to a host outside the user's domain unless {@link AutodiscoverOptions.approveForeignHost}
 * approves it; never to a parent domain or a top-level domain (no approval can change that); at most
 * `maxRedirects` (10) redirects of any kind; no URL is requested twice; an e-mail redirect
 * (RedirectAddress) restarts discovery once.
 * @module
 */
import { headerRecord, HttpResponseTooLargeError, readBody, redactCredentials, redactUrl, withDeadline } from "@ewsdav/http";
import type { Dispatcher } from "undici";
import type { EwsAuthProvider } from "../auth/types.js";
import { AutodiscoverError, type AutodiscoverAttempt } from "./errors.js";
import {
  createAutodiscoverDispatcher,
  errorCodeOf,
  isCertificateError,
  orderSrvRecords,
  systemSrvResolver,
  type AutodiscoverNetworkOptions,
} from "./network.js";
import { emailDomain, isParentOrTopLevel, isWithinDomain, normalizeHost, type ApproveForeignHost, type ForeignHostReason } from "./policy.js";
import { buildPoxRequest, parsePoxResponse } from "./pox.js";
import { buildGetUserSettingsRequest, parseGetUserSettingsResponse } from "./soap.js";

/** One HTTP request made by autodiscover. */
export interface AutodiscoverHttpRequest {
  /** Where to. */
  url: URL;
  /** `POST` for SOAP and POX, `GET` for the unauthenticated redirect check. */
  method: "GET" | "POST";
  /** Request headers (lower-case names). */
  headers: Record<string, string>;
  /** The request body (SOAP or POX XML). */
  body?: string;
  /** Aborts the request. */
  signal?: AbortSignal;
}

/** One HTTP response seen by autodiscover (body read fully; autodiscover responses are small). */
export interface AutodiscoverHttpResponse {
  /** HTTP status. */
  status: number;
  /** Response headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** The body as text. */
  body: string;
}

/** Sends one request without credentials (one round trip, redirects not followed). */
export type AutodiscoverSend = (request: AutodiscoverHttpRequest) => Promise<AutodiscoverHttpResponse>;

/**
 * Adds credentials to autodiscover's requests. It is only ever given requests that passed the safety
 * rules (HTTPS, verified certificate, trusted host). `send` performs one plain round trip on a
 * keep-alive connection (one connection per origin, so a connection-bound handshake like NTLM works);
 * an implementation may call it several times (a challenge, a retry after 401).
 */
export interface AutodiscoverAuth {
  /** A name for diagnostics (`basic`, `ntlm`, `bearer`, …). */
  readonly name: string;
  /** Sends `request` with credentials through `send` (as many round trips as the scheme needs). */
  send(request: AutodiscoverHttpRequest, send: AutodiscoverSend): Promise<AutodiscoverHttpResponse>;
}

/** The server version as far as autodiscover tells it. */
export interface AutodiscoverServerVersion {
  /** Major version (14 = Exchange 2010, 15 = 2013 and later). */
  majorVersion: number;
  /** Minor version (for 15: 0 = 2013, 1 = 2016, 2 = 2019/SE). */
  minorVersion: number;
  /** Major build number. */
  majorBuildNumber: number;
  /** Minor build number, when given (POX does not). */
  minorBuildNumber: number | undefined;
  /** The schema version name when the server gave one (SOAP `ServerVersionInfo/Version`). */
  version: string | undefined;
}

/** What autodiscover found. */
export interface AutodiscoverResult {
  /** The address the settings belong to (after an e-mail redirect, the new address). */
  email: string;
  /** The EWS URL to use (external preferred unless `preferInternal`). */
  ewsUrl: string;
  /** `InternalEwsUrl` (SOAP) or the EXCH section's `EwsUrl` (POX), as given. */
  internalEwsUrl: string | undefined;
  /** `ExternalEwsUrl` (SOAP) or the EXPR section's `EwsUrl` (POX), as given. */
  externalEwsUrl: string | undefined;
  /** The server version, from `CasVersion`/`ServerVersionInfo` (SOAP) or `ServerVersion` (POX). */
  serverVersion: AutodiscoverServerVersion | undefined;
  /** `EwsSupportedSchemas` (SOAP), e.g. `["Exchange2010_SP2", "Exchange2013"]`. */
  supportedSchemas: string[];
  /** Which autodiscover protocol answered. */
  protocol: "soap" | "pox";
  /** The autodiscover URL that answered. */
  autodiscoverUrl: string;
  /** When the cached result expires (epoch milliseconds). */
  expiresAt: number;
  /** Everything tried on the way, in order. */
  attempts: AutodiscoverAttempt[];
}

/** Options of {@link AutodiscoverClient}. */
export interface AutodiscoverOptions extends AutodiscoverNetworkOptions {
  /** Credentials for autodiscover endpoints (usually the same as for EWS). */
  auth?: AutodiscoverAuth;
  /** Asked before credentials go to a host outside the user's domain; default: refuse. */
  approveForeignHost?: ApproveForeignHost;
  /** Maximum number of redirects of any kind (default 10). */
  maxRedirects?: number;
  /** Prefer `InternalEwsUrl` over `ExternalEwsUrl` (default false). */
  preferInternal?: boolean;
  /** Cache lifetime when the server gives none (default one hour). */
  defaultTtlMs?: number;
  /** Deadline of each request, from sending to the last byte of the answer (default 15 000 ms). */
  requestTimeoutMs?: number;
  /** Clock, for tests of the cache. */
  now?: () => number;
  /** User-Agent header (default names ewsdav). */
  userAgent?: string;
  /** Largest accepted answer in bytes (default {@link DEFAULT_MAX_AUTODISCOVER_RESPONSE_BYTES}); a larger one is refused for that candidate. */
  maxResponseBytes?: number;
  /** Skip step 3 (the unauthenticated HTTP redirect check). */
  disableHttpRedirectCheck?: boolean;
  /** Skip step 4 (the SRV record). */
  disableSrv?: boolean;
}

/** Per-call options. */
export interface AutodiscoverCallOptions {
  signal?: AbortSignal;
  /** Ignore a cached result. */
  refresh?: boolean;
}

type Kind = "soap" | "pox";

interface Found {
  kind: "found";
  result: Omit<AutodiscoverResult, "attempts" | "expiresAt" | "email"> & { ttlMs: number | undefined };
  /** The HTTPS EWS URLs of the answer, preferred first; `result.ewsUrl` is the first one admitted. */
  ewsUrls: string[];
}
type EndpointOutcome = Found | { kind: "redirect-address"; email: string } | { kind: "next" };

const DEFAULT_USER_AGENT = "ewsdav-autodiscover/0.1";

/** Largest accepted autodiscover answer (1 MiB; real ones are a few KiB). */
export const DEFAULT_MAX_AUTODISCOVER_RESPONSE_BYTES = 1024 * 1024;

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function parseCasVersion(value: string | undefined): AutodiscoverServerVersion | undefined {
  const match = value ? /^(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?/.exec(value.trim()) : null;
  if (!match) return undefined;
  return {
    majorVersion: Number(match[1]),
    minorVersion: Number(match[2]),
    majorBuildNumber: Number(match[3]),
    minorBuildNumber: match[4] !== undefined ? Number(match[4]) : undefined,
    version: undefined,
  };
}

/** The detail of an `unreachable` attempt: the deadline's message, or the most specific error code. */
function unreachableDetail(error: unknown): string {
  return (error as { code?: unknown }).code === "AUTODISCOVER_TIMEOUT" ? (error as Error).message : errorCodeOf(error);
}

/** State of one discovery run (one call of {@link AutodiscoverClient.discover}). */
class DiscoveryRun {
  readonly attempts: AutodiscoverAttempt[] = [];
  private readonly visited = new Set<string>();
  private redirects = 0;
  /** The user's domain and domains the host approved through an e-mail redirect. */
  private readonly trustedDomains: string[];
  /** Hosts outside the trusted domains the host application approved during this discovery. */
  private readonly approvedHosts = new Set<string>();

  constructor(
    private readonly options: AutodiscoverOptions,
    private readonly send: AutodiscoverSend,
    readonly originalEmail: string,
    readonly originalDomain: string,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.trustedDomains = [originalDomain];
  }

  private record(attempt: AutodiscoverAttempt): void {
    // Details can quote a server's message, and a URL can come from a server's redirect: a credential
    // either carries (an echoed header, user info in a URL) goes no further.
    this.attempts.push({ ...attempt, url: redactUrl(attempt.url), detail: redactCredentials(attempt.detail) });
  }

  private checkAborted(): void {
    if (this.signal?.aborted) throw new AutodiscoverError("AUTODISCOVER_ABORTED", "Autodiscover was aborted", this.attempts, { cause: this.signal.reason });
  }

  private countRedirect(url: string, kind: AutodiscoverAttempt["kind"]): void {
    this.redirects++;
    const max = this.options.maxRedirects ?? 10;
    if (this.redirects > max) {
      this.record({ url, kind, outcome: "redirect-limit", detail: `more than ${max} redirects` });
      throw new AutodiscoverError("AUTODISCOVER_TOO_MANY_REDIRECTS", `Autodiscover stopped after ${max} redirects`, this.attempts);
    }
  }

  /**
   * Decides whether credentials may go to `url`; records the refusal when not. `reason` is how a
   * host outside the built-in candidates was reached (undefined for the built-in candidates).
   */
  private async admit(url: URL, kind: AutodiscoverAttempt["kind"], reason: ForeignHostReason | undefined): Promise<boolean> {
    if (url.protocol !== "https:") {
      this.record({ url: url.href, kind, outcome: "insecure-refused", detail: "credentials are only sent over HTTPS" });
      return false;
    }
    if (this.visited.has(url.href)) {
      this.record({ url: url.href, kind, outcome: "repeat-refused", detail: "this URL was already requested" });
      return false;
    }
    return this.admitHost(url, kind, reason ?? "redirect-url");
  }

  /** The host rules of {@link admit} (parent domains, trusted domains, approval), recording refusals. */
  private async admitHost(url: URL, kind: AutodiscoverAttempt["kind"], reason: ForeignHostReason): Promise<boolean> {
    const host = url.hostname;
    if (this.trustedDomains.some((domain) => isParentOrTopLevel(host, domain))) {
      this.record({ url: url.href, kind, outcome: "parent-domain-refused", detail: `${host} is a parent or top-level domain` });
      return false;
    }
    if (!this.trustedDomains.some((domain) => isWithinDomain(host, domain)) && !this.approvedHosts.has(normalizeHost(host))) {
      const approve = this.options.approveForeignHost;
      const approved = approve ? await approve({ email: this.originalEmail, domain: this.originalDomain, url, reason }) : false;
      if (!approved) {
        this.record({ url: url.href, kind, outcome: "foreign-host-refused", detail: `${host} is outside ${this.originalDomain} and was not approved` });
        return false;
      }
      this.approvedHosts.add(normalizeHost(host));
    }
    return true;
  }

  /** Runs discovery for `email`; `restartsLeft` e-mail redirects are still allowed. */
  async run(email: string, restartsLeft: number): Promise<{ email: string; found: Found }> {
    const domain = emailDomain(email);
    if (!domain || !domain.includes(".")) {
      throw new AutodiscoverError("AUTODISCOVER_INVALID_ADDRESS", `"${email}" has no usable domain for autodiscover`, this.attempts);
    }
    const candidates: Array<{ url: URL; kind: Kind }> = [
      { url: new URL(`https://${domain}/autodiscover/autodiscover.svc`), kind: "soap" },
      { url: new URL(`https://autodiscover.${domain}/autodiscover/autodiscover.svc`), kind: "soap" },
      { url: new URL(`https://${domain}/autodiscover/autodiscover.xml`), kind: "pox" },
      { url: new URL(`https://autodiscover.${domain}/autodiscover/autodiscover.xml`), kind: "pox" },
    ];
    for (const candidate of candidates) {
      const outcome = await this.tryChain(email, candidate.url, candidate.kind, undefined);
      if (outcome.kind === "found") return { email, found: outcome };
      if (outcome.kind === "redirect-address") return this.restart(outcome.email, restartsLeft);
    }
    if (!this.options.disableHttpRedirectCheck) {
      const outcome = await this.httpRedirectCheck(email, domain);
      if (outcome.kind === "found") return { email, found: outcome };
      if (outcome.kind === "redirect-address") return this.restart(outcome.email, restartsLeft);
    }
    if (!this.options.disableSrv) {
      const outcome = await this.srvLookup(email, domain);
      if (outcome.kind === "found") return { email, found: outcome };
      if (outcome.kind === "redirect-address") return this.restart(outcome.email, restartsLeft);
    }
    throw new AutodiscoverError("AUTODISCOVER_FAILED", `Autodiscover found no EWS endpoint for ${domain}`, this.attempts);
  }

  private async restart(newEmail: string, restartsLeft: number): Promise<{ email: string; found: Found }> {
    if (restartsLeft <= 0) {
      throw new AutodiscoverError("AUTODISCOVER_REDIRECT_LOOP", "A second e-mail redirect: autodiscover restarts only once", this.attempts);
    }
    const newDomain = emailDomain(newEmail);
    if (!newDomain || !newDomain.includes(".")) {
      throw new AutodiscoverError("AUTODISCOVER_INVALID_ADDRESS", "The e-mail redirect names an address without a usable domain", this.attempts);
    }
    this.countRedirect(`mailto:${newEmail}`, "soap");
    if (this.trustedDomains.some((d) => isParentOrTopLevel(newDomain, d))) {
      this.record({ url: `mailto:${newEmail}`, kind: "soap", outcome: "parent-domain-refused", detail: `${newDomain} is a parent or top-level domain` });
      throw new AutodiscoverError("AUTODISCOVER_FAILED", "The e-mail redirect steps up to a parent domain", this.attempts);
    }
    if (!this.trustedDomains.some((d) => isWithinDomain(newDomain, d))) {
      const approve = this.options.approveForeignHost;
      const url = new URL(`https://${newDomain}/autodiscover/autodiscover.svc`);
      const approved = approve ? await approve({ email: this.originalEmail, domain: this.originalDomain, url, reason: "redirect-address" }) : false;
      if (!approved) {
        this.record({ url: `mailto:${newEmail}`, kind: "soap", outcome: "foreign-host-refused", detail: `${newDomain} is outside ${this.originalDomain} and was not approved` });
        throw new AutodiscoverError("AUTODISCOVER_FAILED", "The e-mail redirect leads outside the user's domain", this.attempts);
      }
      this.trustedDomains.push(newDomain);
    }
    return this.run(newEmail, restartsLeft - 1);
  }

  /** Tries one endpoint and follows its URL redirects (RedirectUrl, HTTP 3xx). */
  private async tryChain(email: string, start: URL, startKind: Kind, reason: ForeignHostReason | undefined): Promise<EndpointOutcome> {
    let url = start;
    let kind = startKind;
    let why = reason;
    for (;;) {
      this.checkAborted();
      if (!(await this.admit(url, kind, why))) return { kind: "next" };
      this.visited.add(url.href);
      const step = await this.tryEndpoint(email, url, kind);
      if (step.kind !== "redirect-url") return step;
      this.countRedirect(step.url, kind);
      let next: URL;
      try {
        next = new URL(step.url, url);
      } catch {
        this.record({ url: step.url, kind, outcome: "invalid-response", detail: "redirect to an invalid URL" });
        return { kind: "next" };
      }
      kind = /\.svc$/i.test(next.pathname) ? "soap" : /\.xml$/i.test(next.pathname) ? "pox" : kind;
      url = next;
      why = "redirect-url";
    }
  }

  private async tryEndpoint(email: string, url: URL, kind: Kind): Promise<EndpointOutcome | { kind: "redirect-url"; url: string }> {
    const body = kind === "soap" ? buildGetUserSettingsRequest(email, url) : buildPoxRequest(email);
    const request: AutodiscoverHttpRequest = {
      url,
      method: "POST",
      headers: {
        "content-type": "text/xml; charset=utf-8",
        "user-agent": this.options.userAgent ?? DEFAULT_USER_AGENT,
        ...(kind === "soap" ? { soapaction: '"http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettings"' } : {}),
      },
      body,
      ...(this.signal ? { signal: this.signal } : {}),
    };
    let response: AutodiscoverHttpResponse;
    try {
      response = this.options.auth ? await this.options.auth.send(request, this.send) : await this.send(request);
    } catch (error) {
      this.checkAborted();
      if (isCertificateError(error)) {
        this.record({ url: url.href, kind, outcome: "certificate-refused", detail: errorCodeOf(error) });
      } else if ((error as { code?: unknown }).code === "AUTODISCOVER_RESPONSE_TOO_LARGE") {
        this.record({ url: url.href, kind, outcome: "invalid-response", detail: (error as Error).message });
      } else {
        this.record({ url: url.href, kind, outcome: "unreachable", detail: unreachableDetail(error) });
      }
      return { kind: "next" };
    }
    if (response.status >= 300 && response.status < 400) {
      const location = header(response.headers, "location");
      if (!location) {
        this.record({ url: url.href, kind, outcome: "http-error", detail: `HTTP ${response.status} without Location` });
        return { kind: "next" };
      }
      this.record({ url: url.href, kind, outcome: "redirect", detail: `HTTP ${response.status}` });
      return { kind: "redirect-url", url: location };
    }
    if (response.status !== 200) {
      this.record({ url: url.href, kind, outcome: "http-error", detail: `HTTP ${response.status}` });
      return { kind: "next" };
    }
    let outcome: EndpointOutcome | { kind: "redirect-url"; url: string };
    try {
      outcome = this.interpret(url, kind, response.body);
    } catch (error) {
      this.record({ url: url.href, kind, outcome: "invalid-response", detail: error instanceof Error ? error.message.slice(0, 200) : "unparsable" });
      return { kind: "next" };
    }
    return outcome.kind === "found" ? this.admitEwsUrl(url, kind, outcome) : outcome;
  }

  /**
   * The EWS URL of an answer gets the same rules as the autodiscover hosts: HTTPS, never a parent or
   * top-level domain, inside the trusted domains or approved by the host (reason `ews-url`; a host
   * already approved during this discovery is not asked about twice). The first admitted URL, in
   * order of preference, is the result; with none, this answer is refused and discovery goes on.
   */
  private async admitEwsUrl(from: URL, kind: Kind, found: Found): Promise<EndpointOutcome> {
    for (const candidate of found.ewsUrls) {
      let ews: URL;
      try {
        ews = new URL(candidate);
      } catch {
        this.record({ url: from.href, kind, outcome: "invalid-response", detail: "an EWS URL that does not parse" });
        continue;
      }
      if (ews.username || ews.password) {
        this.record({ url: `${ews.origin}${ews.pathname}`, kind, outcome: "invalid-response", detail: "an EWS URL carrying credentials" });
        continue;
      }
      if (!(await this.admitHost(ews, kind, "ews-url"))) continue;
      this.record({ url: from.href, kind, outcome: "success", detail: ews.href });
      return { ...found, result: { ...found.result, ewsUrl: ews.href } };
    }
    return { kind: "next" };
  }

  private interpret(url: URL, kind: Kind, body: string): EndpointOutcome | { kind: "redirect-url"; url: string } {
    const preferInternal = this.options.preferInternal ?? false;
    const pick = (internal: string | undefined, external: string | undefined): string[] => {
      const ordered = preferInternal ? [internal, external] : [external, internal];
      return ordered.filter((u): u is string => u !== undefined && u.toLowerCase().startsWith("https://"));
    };
    if (kind === "soap") {
      const outcome = parseGetUserSettingsResponse(body);
      if (outcome.kind === "redirect-address") {
        this.record({ url: url.href, kind, outcome: "redirect", detail: "RedirectAddress" });
        return { kind: "redirect-address", email: outcome.email };
      }
      if (outcome.kind === "redirect-url") {
        this.record({ url: url.href, kind, outcome: "redirect", detail: "RedirectUrl" });
        return { kind: "redirect-url", url: outcome.url };
      }
      if (outcome.kind === "error") {
        this.record({ url: url.href, kind, outcome: "no-settings", detail: `${outcome.errorCode}: ${outcome.message}`.slice(0, 200) });
        return { kind: "next" };
      }
      const internal = outcome.settings.InternalEwsUrl;
      const external = outcome.settings.ExternalEwsUrl;
      const ewsUrls = pick(internal, external);
      if (ewsUrls.length === 0) {
        this.record({ url: url.href, kind, outcome: "no-settings", detail: "no HTTPS EWS URL in the response" });
        return { kind: "next" };
      }
      const cas = parseCasVersion(outcome.settings.CasVersion);
      const serverVersion: AutodiscoverServerVersion | undefined = cas
        ? { ...cas, version: outcome.serverVersion?.version }
        : outcome.serverVersion
          ? { ...outcome.serverVersion }
          : undefined;
      return {
        kind: "found",
        ewsUrls,
        result: {
          ewsUrl: ewsUrls[0]!,
          internalEwsUrl: internal,
          externalEwsUrl: external,
          serverVersion,
          supportedSchemas: (outcome.settings.EwsSupportedSchemas ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0),
          protocol: "soap",
          autodiscoverUrl: url.href,
          ttlMs: undefined,
        },
      };
    }
    const outcome = parsePoxResponse(body);
    if (outcome.kind === "redirect-address") {
      this.record({ url: url.href, kind, outcome: "redirect", detail: "redirectAddr" });
      return { kind: "redirect-address", email: outcome.email };
    }
    if (outcome.kind === "redirect-url") {
      this.record({ url: url.href, kind, outcome: "redirect", detail: "redirectUrl" });
      return { kind: "redirect-url", url: outcome.url };
    }
    if (outcome.kind === "error") {
      this.record({ url: url.href, kind, outcome: "no-settings", detail: `${outcome.errorCode}: ${outcome.message}`.slice(0, 200) });
      return { kind: "next" };
    }
    const ewsUrls = pick(outcome.internalEwsUrl, outcome.externalEwsUrl);
    if (ewsUrls.length === 0) {
      this.record({ url: url.href, kind, outcome: "no-settings", detail: "no HTTPS EWS URL in the response" });
      return { kind: "next" };
    }
    return {
      kind: "found",
      ewsUrls,
      result: {
        ewsUrl: ewsUrls[0]!,
        internalEwsUrl: outcome.internalEwsUrl,
        externalEwsUrl: outcome.externalEwsUrl,
        serverVersion: outcome.serverVersion ? { ...outcome.serverVersion, minorBuildNumber: undefined, version: undefined } : undefined,
        supportedSchemas: [],
        protocol: "pox",
        autodiscoverUrl: url.href,
        ttlMs: outcome.ttlHours !== undefined ? outcome.ttlHours * 3_600_000 : undefined,
      },
    };
  }

  /** Step 3: an unauthenticated GET over plain HTTP whose redirect names the HTTPS endpoint. */
  private async httpRedirectCheck(email: string, domain: string): Promise<EndpointOutcome> {
    const url = new URL(`http://autodiscover.${domain}/autodiscover/autodiscover.xml`);
    this.checkAborted();
    if (this.visited.has(url.href)) return { kind: "next" };
    this.visited.add(url.href);
    let response: AutodiscoverHttpResponse;
    try {
      // No credentials: this request goes over plain HTTP.
      response = await this.send({
        url,
        method: "GET",
        headers: { "user-agent": this.options.userAgent ?? DEFAULT_USER_AGENT },
        ...(this.signal ? { signal: this.signal } : {}),
      });
    } catch (error) {
      this.checkAborted();
      this.record({ url: url.href, kind: "http-redirect", outcome: "unreachable", detail: unreachableDetail(error) });
      return { kind: "next" };
    }
    const location = header(response.headers, "location");
    if (response.status < 300 || response.status >= 400 || !location) {
      this.record({ url: url.href, kind: "http-redirect", outcome: "http-error", detail: `HTTP ${response.status}` });
      return { kind: "next" };
    }
    let target: URL;
    try {
      target = new URL(location, url);
    } catch {
      this.record({ url: url.href, kind: "http-redirect", outcome: "invalid-response", detail: "invalid Location" });
      return { kind: "next" };
    }
    this.record({ url: url.href, kind: "http-redirect", outcome: "redirect", detail: `HTTP ${response.status}` });
    this.countRedirect(target.href, "http-redirect");
    const kind: Kind = /\.svc$/i.test(target.pathname) ? "soap" : "pox";
    return this.tryChain(email, target, kind, "http-redirect");
  }

  /** Step 4: `_autodiscover._tcp.{domain}` SRV records, tried in RFC 2782 order. */
  private async srvLookup(email: string, domain: string): Promise<EndpointOutcome> {
    const name = `_autodiscover._tcp.${domain}`;
    this.checkAborted();
    let records;
    try {
      records = orderSrvRecords(await (this.options.resolveSrv ?? systemSrvResolver)(name));
    } catch (error) {
      this.record({ url: `srv:${name}`, kind: "srv", outcome: "unreachable", detail: errorCodeOf(error) });
      return { kind: "next" };
    }
    for (const record of records) {
      const host = record.name.toLowerCase().replace(/\.$/, "");
      const authority = record.port === 443 ? host : `${host}:${record.port}`;
      for (const kind of ["soap", "pox"] as const) {
        const url = new URL(`https://${authority}/autodiscover/autodiscover.${kind === "soap" ? "svc" : "xml"}`);
        const outcome = await this.tryChain(email, url, kind, "srv");
        if (outcome.kind !== "next") return outcome;
      }
    }
    if (records.length === 0) this.record({ url: `srv:${name}`, kind: "srv", outcome: "unreachable", detail: "no SRV record" });
    return { kind: "next" };
  }
}

/** A cached autodiscover result. */
interface CacheEntry {
  result: AutodiscoverResult;
  expiresAt: number;
}

/**
 * Autodiscover with a per-domain cache. One instance per host application is enough; it keeps one
 * keep-alive connection per autodiscover origin.
 */
export class AutodiscoverClient {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly dispatcher: Dispatcher;

  constructor(private readonly options: AutodiscoverOptions = {}) {
    this.dispatcher = createAutodiscoverDispatcher(options);
  }

  /** Finds the EWS endpoint for `email`, from the cache when a result for its domain is still fresh. */
  async discover(email: string, callOptions: AutodiscoverCallOptions = {}): Promise<AutodiscoverResult> {
    const domain = emailDomain(email);
    if (!domain || !domain.includes(".")) {
      throw new AutodiscoverError("AUTODISCOVER_INVALID_ADDRESS", `"${email}" has no usable domain for autodiscover`, []);
    }
    const now = this.options.now ?? Date.now;
    const cached = this.cache.get(domain);
    if (cached && !callOptions.refresh && cached.expiresAt > now()) return cached.result;
    const run = new DiscoveryRun(this.options, (r) => this.sendOnce(r), email, domain, callOptions.signal);
    const { email: finalEmail, found } = await run.run(email, 1);
    const expiresAt = now() + (found.result.ttlMs ?? this.options.defaultTtlMs ?? 3_600_000);
    const { ttlMs: _ttl, ...rest } = found.result;
    const result: AutodiscoverResult = { ...rest, email: finalEmail, expiresAt, attempts: run.attempts };
    this.cache.set(domain, { result, expiresAt });
    return result;
  }

  /** Forgets cached results (of one domain, or all). */
  clearCache(domain?: string): void {
    if (domain === undefined) this.cache.clear();
    else this.cache.delete(domain.toLowerCase());
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /**
   * One round trip through the client's dispatcher, as every ewsdav request goes: one deadline
   * (`requestTimeoutMs`) over the whole request, headers and body, that the caller's signal can cut
   * short; the body read with the size cap. A deadline that passes throws an error coded
   * `AUTODISCOVER_TIMEOUT` (recorded as that candidate's `unreachable` attempt).
   */
  private async sendOnce(r: AutodiscoverHttpRequest): Promise<AutodiscoverHttpResponse> {
    const timeout = this.options.requestTimeoutMs ?? 15_000;
    const deadline = withDeadline(timeout, r.signal);
    const limit = this.options.maxResponseBytes ?? DEFAULT_MAX_AUTODISCOVER_RESPONSE_BYTES;
    try {
      const response = await this.dispatcher.request({
        origin: r.url.origin,
        path: r.url.pathname + r.url.search,
        method: r.method,
        headers: r.headers,
        ...(r.body !== undefined ? { body: r.body } : {}),
        signal: deadline.signal,
      });
      // No content decoding: autodiscover asks for none, and its answers are small.
      const read = await readBody(response.body, headerRecord(response.headers), { maxBytes: limit });
      return { status: response.statusCode, headers: response.headers, body: read.bytes.toString("utf8") };
    } catch (error) {
      if (error instanceof HttpResponseTooLargeError) {
        throw Object.assign(new Error(`an answer larger than ${limit} bytes`), { code: "AUTODISCOVER_RESPONSE_TOO_LARGE" });
      }
      if (deadline.timedOut() && !r.signal?.aborted) {
        throw Object.assign(new Error(`no answer within ${timeout} ms`, { cause: error }), { code: "AUTODISCOVER_TIMEOUT" });
      }
      throw error;
    }
  }
}

/** Convenience: one discovery with a throw-away client (no cache across calls). */
export async function discoverEwsEndpoint(email: string, options: AutodiscoverOptions & AutodiscoverCallOptions = {}): Promise<AutodiscoverResult> {
  const client = new AutodiscoverClient(options);
  try {
    return await client.discover(email, options.signal ? { signal: options.signal } : {});
  } finally {
    await client.close();
  }
}

/** Basic credentials for autodiscover (`user@domain` or `DOMAIN\user`). */
export function basicAutodiscoverAuth(username: string, password: string): AutodiscoverAuth {
  const value = `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
  return {
    name: "basic",
    send: (request, send) => send({ ...request, headers: { ...request.headers, authorization: value } }),
  };
}

/**
 * Uses a client auth provider ({@link EwsAuthProvider}: Basic, bearer tokens, a host's own) for
 * autodiscover too, including its one renewal after a 401. NTLM has its own `ntlmAutodiscoverAuth`.
 */
export function autodiscoverAuthFrom(provider: EwsAuthProvider): AutodiscoverAuth {
  return {
    name: provider.scheme.toLowerCase(),
    async send(request, send) {
      // One request object for both attempts: a bearer provider recognises it and forces a renewal.
      const ews = {
        url: request.url.href,
        operation: "Autodiscover",
        headers: { ...request.headers },
        body: request.body ?? "",
        idempotent: true,
        ...(request.signal ? { signal: request.signal } : {}),
      };
      await provider.authorize(ews);
      let response = await send({ ...request, headers: { ...ews.headers } });
      if (response.status === 401 && provider.onUnauthorized) {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(response.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
        if (await provider.onUnauthorized({ status: 401, headers, body: response.body }, ews)) {
          await provider.authorize(ews);
          response = await send({ ...request, headers: { ...ews.headers } });
        }
      }
      return response;
    },
  };
}
