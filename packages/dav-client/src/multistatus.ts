/**
 * The DAV:multistatus response (RFC 4918 §14.16) as plain data: responses with their hrefs
 * in canonical form, per-response status, propstats with their properties, DAV:error
 * conditions, and the DAV:sync-token of RFC 6578.
 */
import { DavError } from "./errors.js";
import { canonicalHref } from "./href.js";
import { DAV_NAMESPACES } from "./namespaces.js";
import { child, childrenNamed, parseXml, type XmlElement } from "./xml.js";

const D = DAV_NAMESPACES.d;

/** One DAV:propstat: the properties that share one status. */
export interface DavPropstat {
  /** HTTP status of these properties (200, 404 for unknown properties, …). */
  readonly status: number;
  /** The property elements inside DAV:prop. */
  readonly props: readonly XmlElement[];
}

/** One DAV:response of a multistatus. */
export interface DavResponse {
  /** Canonical absolute path (see `canonicalHref`). */
  readonly href: string;
  /** Further hrefs of the same response (RFC 4918 allows several with one status). */
  readonly extraHrefs: readonly string[];
  /** The response-level DAV:status, when given (404 for removed members, 507 for truncation, …). */
  readonly status: number | undefined;
  /** The DAV:propstat elements, in document order. */
  readonly propstats: readonly DavPropstat[];
  /** The DAV:error element, when given (holds precondition names). */
  readonly error: XmlElement | undefined;
}

/** A parsed DAV:multistatus. */
export interface Multistatus {
  /** The DAV:response elements, in document order. */
  readonly responses: readonly DavResponse[];
  /** The DAV:sync-token of a sync-collection report. */
  readonly syncToken: string | undefined;
}

/** The numeric code of an HTTP status line (`HTTP/1.1 404 Not Found` → 404); 0 when unreadable. */
export function parseStatusLine(line: string): number {
  const match = /^\s*HTTP\/\S+\s+(\d{3})/i.exec(line);
  return match?.[1] ? Number(match[1]) : 0;
}

/**
 * Parses a multistatus body. `requestUrl` resolves relative hrefs.
 * @throws DavError `INVALID_XML` when the body is not a DAV:multistatus.
 */
export function parseMultistatus(xml: string, requestUrl: string | URL): Multistatus {
  const root = parseXml(xml);
  if (root.ns !== D || root.name !== "multistatus") {
    throw new DavError("INVALID_XML", `expected a DAV:multistatus response, got {${root.ns}}${root.name}`);
  }
  const responses: DavResponse[] = [];
  for (const response of childrenNamed(root, D, "response")) {
    const hrefs = childrenNamed(response, D, "href").map((h) => canonicalHref(h.text, requestUrl));
    const [href, ...extraHrefs] = hrefs;
    if (href === undefined) throw new DavError("INVALID_XML", "a DAV:response has no DAV:href");
    const statusElement = child(response, D, "status");
    const propstats: DavPropstat[] = childrenNamed(response, D, "propstat").map((propstat) => {
      const propStatus = child(propstat, D, "status");
      return {
        status: propStatus ? parseStatusLine(propStatus.text) : 200,
        props: child(propstat, D, "prop")?.children ?? [],
      };
    });
    responses.push({
      href,
      extraHrefs,
      status: statusElement ? parseStatusLine(statusElement.text) : undefined,
      propstats,
      error: child(response, D, "error"),
    });
  }
  const syncToken = child(root, D, "sync-token")?.text.trim();
  return { responses, syncToken: syncToken === "" ? undefined : syncToken };
}

/** A property of a response that came with a 2xx status, or undefined. */
export function findProp(response: DavResponse, ns: string, name: string): XmlElement | undefined {
  for (const propstat of response.propstats) {
    if (propstat.status < 200 || propstat.status > 299) continue;
    const found = propstat.props.find((p) => p.ns === ns && p.name === name);
    if (found) return found;
  }
  return undefined;
}

/** The trimmed text of a 2xx property, or undefined when absent or empty. */
export function propText(response: DavResponse, ns: string, name: string): string | undefined {
  const text = findProp(response, ns, name)?.text.trim();
  return text === undefined || text === "" ? undefined : text;
}

/** The canonical hrefs inside a 2xx property (e.g. `current-user-principal`, `calendar-home-set`). */
export function propHrefs(response: DavResponse, ns: string, name: string, base: string | URL): string[] {
  return childrenNamed(findProp(response, ns, name), D, "href").map((h) => canonicalHref(h.text, base));
}

/** Whether a DAV:error element names the given precondition. */
export function hasCondition(error: XmlElement | undefined, ns: string, name: string): boolean {
  return !!error?.children.some((c) => c.ns === ns && c.name === name);
}
