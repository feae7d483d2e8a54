/**
 * Hrefs in one canonical form. Servers write the same path differently (`%40` or `@`,
 * a full URL or an absolute path, lower- or upper-case escapes), so every href the client
 * returns or compares is an absolute path whose segments are decoded once and re-encoded
 * the same way. That form is stable across servers and safe to send back in requests.
 *
 * An href is only ever a path on the server's own origin: one on another origin is refused
 * ({@link ForeignHrefError}), never re-homed onto the user's server, and {@link memberProblem}
 * tells whether an href is a member of a collection (what every listing and write checks).
 */
import { DavError } from "./errors.js";

const PCHAR_KEEP = /%(?:40|3A|2B|2C|3B|3D|24|26)/g;
const KEEP: Record<string, string> = {
  "%40": "@",
  "%3A": ":",
  "%2B": "+",
  "%2C": ",",
  "%3B": ";",
  "%3D": "=",
  "%24": "$",
  "%26": "&",
};

/** Percent-encodes one path segment in the canonical way (`@ : + , ; = $ &` stay literal). */
export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(PCHAR_KEEP, (m) => KEEP[m] ?? m);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Thrown by {@link canonicalHref} for an href on another origin than the URL it is resolved
 * against: keeping only its path would re-home it onto the user's server.
 */
export class ForeignHrefError extends DavError {
  /** The href's origin (scheme, host, port). */
  readonly origin: string;

  /** For an href whose origin is `origin`, met where `expected` was due. */
  constructor(origin: string, expected: string) {
    super("FOREIGN_HREF", `the href is on ${origin}, another origin than ${expected}`);
    this.name = "ForeignHrefError";
    this.origin = origin;
  }
}

/**
 * The canonical absolute path of an href, resolved against `base` (a URL) when relative.
 * Dot segments are resolved (also when percent-encoded: `%2e%2e`); query and fragment are dropped.
 * @throws ForeignHrefError (`FOREIGN_HREF`) when the href names another origin than `base`.
 */
export function canonicalHref(href: string, base: string | URL): string {
  const baseUrl = typeof base === "string" ? new URL(base) : base;
  const url = new URL(href.trim(), baseUrl);
  if (url.origin !== baseUrl.origin) throw new ForeignHrefError(url.origin, baseUrl.origin);
  return url.pathname
    .split("/")
    .map((segment) => encodePathSegment(decodeSegment(segment)))
    .join("/");
}

/** The absolute URL of a canonical href (or any href on the base's origin) against a base URL. */
export function hrefToUrl(href: string, base: string | URL): URL {
  const url = new URL(base);
  return new URL(canonicalHref(href, url), url.origin);
}

/** Why an href is not a member of a collection (see {@link memberProblem}). */
export type HrefProblem =
  /** On another origin than the server's. */
  | "foreign-origin"
  /** Not below the collection once `..` and percent-encoding are resolved. */
  | "outside-collection"
  /** Below the collection, but deeper than one segment (a member of a sub-collection). */
  | "nested"
  /** Its last segment is empty, decodes to `.`/`..`, or holds `/`, a backslash or NUL, which a server may resolve elsewhere. */
  | "unsafe-segment";

/** A collection href in the form {@link memberProblem} compares with: canonical, ending in `/`. */
export function collectionPrefix(collectionHref: string): string {
  return collectionHref.endsWith("/") ? collectionHref : `${collectionHref}/`;
}

/**
 * Whether `href` (canonical, same origin) names a member of the collection `collectionHref`
 * (canonical): exactly one segment below it, whose decoded name is not a dot segment and holds
 * no `/`, `\\` or NUL (an encoded slash a server decodes could lead anywhere). Undefined when it
 * is a member, else why not. The collection itself is `outside-collection`.
 */
export function memberProblem(href: string, collectionHref: string): HrefProblem | undefined {
  const prefix = collectionPrefix(collectionHref);
  if (!href.startsWith(prefix) || href.length === prefix.length) return "outside-collection";
  const rest = href.slice(prefix.length);
  const slash = rest.indexOf("/");
  if (slash !== -1 && slash !== rest.length - 1) return "nested";
  const name = decodeSegment(slash === -1 ? rest : rest.slice(0, -1));
  if (name === "" || name === "." || name === ".." || /[/\\\u0000]/.test(name)) return "unsafe-segment";
  return undefined;
}

/** Whether `href` names a collection (ends in `/`). */
export function isCollectionHref(href: string): boolean {
  return href.endsWith("/");
}
