/**
 * Hrefs in one canonical form. Servers write the same path differently (`%40` or `@`,
 * a full URL or an absolute path, lower- or upper-case escapes), so every href the client
 * returns or compares is an absolute path whose segments are decoded once and re-encoded
 * the same way. That form is stable across servers and safe to send back in requests.
 */

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
 * The canonical absolute path of an href, resolved against `base` (a URL) when relative.
 * Query and fragment are dropped.
 */
export function canonicalHref(href: string, base: string | URL): string {
  const url = new URL(href.trim(), base);
  return url.pathname
    .split("/")
    .map((segment) => encodePathSegment(decodeSegment(segment)))
    .join("/");
}

/** The absolute URL of a canonical href (or any href) against a base URL. */
export function hrefToUrl(href: string, base: string | URL): URL {
  const url = new URL(base);
  return new URL(canonicalHref(href, url), url.origin);
}

/** Whether `href` names a collection (ends in `/`). */
export function isCollectionHref(href: string): boolean {
  return href.endsWith("/");
}
