/**
 * The EWS URL of an `"autodiscover": true` account: found with the safe policy (credentials go
 * only to hosts of the mailbox's domain; a redirect elsewhere is refused) and cached, so a run
 * does not discover each time.
 *
 * The cache is a small JSON file beside the state file (`<state>.autodiscover.json`, 0600), one
 * entry per account: the mailbox, the EWS URL, when it was found and when it expires. An entry is
 * used while it is younger than {@link AUTODISCOVER_CACHE_TTL_MS} (a day), the mailbox is the
 * same, and a TCP connection to the URL's host and port opens (one connect, no request, no
 * credentials); otherwise autodiscover runs again and the entry is replaced. When autodiscover
 * fails but the expired entry's host still answers, the entry is used once more, with a warning.
 * @module
 */
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { discoverEwsEndpoint, type AutodiscoverAuth, type EndpointResolver } from "@ewsdav/ews-client";
import { writePrivateFile } from "../private-files.js";

/** How long a discovered EWS URL is used before autodiscover runs again: one day. */
export const AUTODISCOVER_CACHE_TTL_MS = 24 * 60 * 60 * 1000;

/** One cached answer. */
export interface AutodiscoverCacheEntry {
  mailbox: string;
  ewsUrl: string;
  /** ISO time it was discovered. */
  discoveredAt: string;
  /** ISO time it expires. */
  expiresAt: string;
}

/** The cache file. */
interface CacheFile {
  version: 1;
  accounts: Record<string, AutodiscoverCacheEntry>;
}

/** What {@link resolveEwsUrl} needs. */
export interface ResolveEwsUrlOptions {
  /** The account's name (the cache key). */
  name: string;
  mailbox: string;
  /** The cache file. */
  cachePath: string;
  /** Credentials for the autodiscover endpoints. */
  auth?: AutodiscoverAuth;
  ca?: string;
  resolveEndpoint?: EndpointResolver;
  warn: (message: string) => void;
  /** Clock (tests). */
  now?: () => number;
  /** How long the TCP probe of a cached URL may take (default 5 s). */
  probeTimeoutMs?: number;
}

/** How the URL was had. */
export interface ResolvedEwsUrl {
  url: string;
  /** `cache`: a fresh entry whose host answered; `autodiscover`: found now; `stale-cache`: autodiscover failed, an expired entry used. */
  source: "cache" | "autodiscover" | "stale-cache";
}

function readCache(path: string): CacheFile {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<CacheFile>;
    if (parsed && parsed.version === 1 && parsed.accounts && typeof parsed.accounts === "object") return { version: 1, accounts: parsed.accounts };
  } catch {
    // Missing or unreadable: discover again.
  }
  return { version: 1, accounts: {} };
}

/** Whether a TCP connection to the URL's host and port opens within the timeout. */
async function reachable(url: string, resolveEndpoint: EndpointResolver | undefined, timeoutMs: number): Promise<boolean> {
  let target: { host: string; port: number };
  try {
    const parsed = new URL(url);
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
    const host = parsed.hostname.replace(/^\[|\]$/g, "");
    target = resolveEndpoint ? await resolveEndpoint(host, port) : { host, port };
  } catch {
    return false;
  }
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * The EWS URL of an autodiscover account: from the cache when fresh and reachable, else from
 * autodiscover (safe policy), written back to the cache.
 * @throws AutodiscoverError when autodiscover finds nothing and no cached entry helps.
 */
export async function resolveEwsUrl(options: ResolveEwsUrlOptions): Promise<ResolvedEwsUrl> {
  const now = options.now ?? Date.now;
  const probeTimeout = options.probeTimeoutMs ?? 5_000;
  const cache = readCache(options.cachePath);
  const entry = cache.accounts[options.name];
  const usable = entry && entry.mailbox.toLowerCase() === options.mailbox.toLowerCase() ? entry : undefined;
  if (usable && Date.parse(usable.expiresAt) > now() && (await reachable(usable.ewsUrl, options.resolveEndpoint, probeTimeout))) return { url: usable.ewsUrl, source: "cache" };
  let found: string;
  try {
    const result = await discoverEwsEndpoint(options.mailbox, {
      ...(options.auth ? { auth: options.auth } : {}),
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(options.resolveEndpoint ? { resolveEndpoint: options.resolveEndpoint } : {}),
    });
    found = result.ewsUrl;
  } catch (error) {
    if (usable && (await reachable(usable.ewsUrl, options.resolveEndpoint, probeTimeout))) {
      options.warn(`autodiscover for ${options.mailbox} failed (${(error as Error).message}); using the EWS URL found ${usable.discoveredAt}`);
      return { url: usable.ewsUrl, source: "stale-cache" };
    }
    throw error;
  }
  const at = now();
  cache.accounts[options.name] = { mailbox: options.mailbox, ewsUrl: found, discoveredAt: new Date(at).toISOString(), expiresAt: new Date(at + AUTODISCOVER_CACHE_TTL_MS).toISOString() };
  try {
    writePrivateFile(options.cachePath, `${JSON.stringify(cache, null, 2)}\n`);
  } catch (error) {
    options.warn(`the autodiscover cache ${options.cachePath} cannot be written (${(error as NodeJS.ErrnoException).code ?? "error"}); autodiscover will run again next time`);
  }
  return { url: found, source: "autodiscover" };
}
