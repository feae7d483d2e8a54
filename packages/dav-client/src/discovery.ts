/**
 * Discovery (RFC 6764, RFC 4791 §6.2.1, RFC 6352 §7.1.1): from a base URL to the user's
 * principal and its calendar and address book home sets.
 *
 * Candidates asked for `DAV:current-user-principal`, first answer wins: the base URL itself,
 * `/.well-known/caldav` and `/.well-known/carddav` (redirects followed within the origin),
 * Nextcloud's `remote.php/dav/` below the base path and at the root, and the root. So a
 * Nextcloud base URL of `https://cloud.example.com/` or `…/nextcloud/` or
 * `…/remote.php/dav` works without configuration.
 */
import { DavError, DavHttpError, redactUrl } from "./errors.js";
import { propHrefs, type Multistatus } from "./multistatus.js";
import { DAV_NAMESPACES } from "./namespaces.js";
import { propfind, reportAnomaly, type DavContext } from "./requests.js";

/** What discovery found. */
export interface DavDiscovery {
  /** Absolute URL of the user's principal. */
  readonly principalUrl: string;
  /** Absolute URLs of the calendar home sets (usually one). */
  readonly calendarHomeUrls: readonly string[];
  /** Absolute URLs of the address book home sets (usually one). */
  readonly addressBookHomeUrls: readonly string[];
}

function candidates(base: URL): URL[] {
  const dir = new URL(base.pathname.endsWith("/") ? base.href : `${base.href}/`);
  const list = [
    base,
    new URL("/.well-known/caldav", base),
    new URL("/.well-known/carddav", base),
    new URL("remote.php/dav/", dir),
    new URL("/remote.php/dav/", base),
    new URL("/", base),
  ];
  const seen = new Set<string>();
  return list.filter((url) => (seen.has(url.href) ? false : (seen.add(url.href), true)));
}

/**
 * The hrefs of the first response naming `name`, as URLs on the server's origin. Hrefs on
 * another origin are not re-homed onto it: they are reported (and left out).
 */
function firstHrefs(context: DavContext, multistatus: Multistatus, ns: string, name: string, base: URL): string[] {
  for (const response of multistatus.responses) {
    const foreign: string[] = [];
    const hrefs = propHrefs(response, ns, name, base, foreign);
    for (const href of foreign) reportAnomaly(context, { kind: "href-dropped", operation: "discovery", collection: response.href, href, reason: "foreign-origin" });
    if (hrefs.length > 0) return hrefs.map((href) => new URL(href, base).href);
    if (foreign.length > 0) {
      throw new DavError("DISCOVERY_FAILED", `${name} names only another origin (${new URL(foreign[0]!).origin}); give a baseUrl on that origin`);
    }
  }
  return [];
}

/**
 * Finds the principal and home sets.
 * @throws DavHttpError `UNAUTHORIZED` when the server refuses the credentials.
 * @throws DavError `DISCOVERY_FAILED` when no candidate names a principal or the principal has no home set.
 */
export async function discover(context: DavContext, signal?: AbortSignal): Promise<DavDiscovery> {
  const D = DAV_NAMESPACES.d;
  let principal: URL | undefined;
  const tried: string[] = [];
  for (const candidate of candidates(context.baseUrl)) {
    try {
      const found = await propfind(context, candidate, "0", [["d", "current-user-principal"], ["d", "principal-URL"]], signal);
      const hrefs = firstHrefs(context, found, D, "current-user-principal", candidate);
      const href = hrefs[0] ?? firstHrefs(context, found, D, "principal-URL", candidate)[0];
      if (href) {
        principal = new URL(href);
        break;
      }
      tried.push(`${redactUrl(candidate)} (no principal)`);
    } catch (error) {
      if (error instanceof DavHttpError && error.status === 401) throw error;
      if (error instanceof DavError && (error.code === "ABORTED" || error.code === "TIMEOUT")) throw error;
      tried.push(`${redactUrl(candidate)} (${error instanceof DavError ? error.code : "error"})`);
    }
  }
  if (!principal) throw new DavError("DISCOVERY_FAILED", `no current-user-principal found; tried ${tried.join(", ")}`);
  const homes = await propfind(
    context,
    principal,
    "0",
    [
      ["cal", "calendar-home-set"],
      ["card", "addressbook-home-set"],
    ],
    signal,
  );
  const calendarHomeUrls = firstHrefs(context, homes, DAV_NAMESPACES.cal, "calendar-home-set", principal);
  const addressBookHomeUrls = firstHrefs(context, homes, DAV_NAMESPACES.card, "addressbook-home-set", principal);
  if (calendarHomeUrls.length === 0 && addressBookHomeUrls.length === 0) {
    throw new DavError("DISCOVERY_FAILED", `the principal ${redactUrl(principal)} names no calendar-home-set and no addressbook-home-set`);
  }
  return { principalUrl: principal.href, calendarHomeUrls, addressBookHomeUrls };
}
