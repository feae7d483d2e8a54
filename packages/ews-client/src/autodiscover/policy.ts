/**
 * The host rules of safe autodiscover: which hosts may receive the user's credentials.
 *
 * The "fail-up" leak (clients stripping labels from the e-mail domain until they reached
 * `autodiscover.com`-style hosts owned by strangers) is prevented here: candidates never step up
 * to a parent domain or a top-level domain, and a host outside the user's domain gets credentials
 * only when the host application approves it.
 * @module
 */

/** Lower-cases a host name and removes one trailing dot. */
export function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

/** The domain part of an e-mail address, normalized, or `undefined` when the address has none. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf("@");
  if (at <= 0 || at === email.length - 1) return undefined;
  const domain = normalizeHost(email.slice(at + 1).trim());
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/.test(domain)) return undefined;
  return domain;
}

/** True when `host` is the user's domain or one of its subdomains (e.g. `autodiscover.example.com`). */
export function isWithinDomain(host: string, domain: string): boolean {
  const h = normalizeHost(host);
  const d = normalizeHost(domain);
  return h === d || h.endsWith(`.${d}`);
}

/**
 * True when `host` is a top-level domain (a single label) or a parent domain of `domain`
 * (`example.com` for a user at `mail.example.com`). Such hosts never receive credentials,
 * whatever the approval callback says.
 */
export function isParentOrTopLevel(host: string, domain: string): boolean {
  const h = normalizeHost(host);
  if (!h.includes(".")) return true;
  return normalizeHost(domain).endsWith(`.${h}`);
}

/**
 * How a host outside the user's domain was reached: a redirect of some kind, an SRV record, or
 * (`ews-url`) as the EWS URL an autodiscover answer named.
 */
export type ForeignHostReason = "redirect-url" | "http-redirect" | "srv" | "redirect-address" | "ews-url";

/** What the host application is asked before credentials go to a host outside the user's domain. */
export interface ForeignHostRequest {
  /** The address discovery is running for. */
  email: string;
  /** The user's domain. */
  domain: string;
  /** The URL credentials would be sent to. */
  url: URL;
  /** How that URL was reached. */
  reason: ForeignHostReason;
}

/**
 * Decides whether credentials may be sent to a host outside the user's domain. The default
 * refuses every such host; hosted Exchange (e.g. `autodiscover-s.outlook.com` for Exchange Online)
 * needs an explicit approval from the host application.
 */
export type ApproveForeignHost = (request: ForeignHostRequest) => boolean | Promise<boolean>;
