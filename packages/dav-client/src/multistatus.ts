/**
 * The DAV:multistatus response (RFC 4918 §14.16) as plain data: responses with their hrefs
 * in canonical form (those on another origin set apart, never re-homed), per-response status, propstats with their properties, DAV:error
 * conditions, and the DAV:sync-token of RFC 6578.
 */
import { DavError, redactUrl } from "./errors.js";
import { canonicalHref, ForeignHrefError } from "./href.js";
import { DAV_NAMESPACES } from "./namespaces.js";
import { child, childrenNamed, parseXml, xmlRootChildren, type XmlElement } from "./xml.js";

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
  /** The DAV:response elements whose hrefs are on the request's origin, in document order. */
  readonly responses: readonly DavResponse[];
  /**
   * Responses (or extra hrefs of one) on another origin: left out of `responses` so that no
   * caller takes them for the server's own resources. `href` is the absolute URL without
   * user-info, query or fragment; status, propstats and error are as given.
   */
  readonly foreign: readonly DavResponse[];
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
  const responses: DavResponse[] = [];
  const foreign: DavResponse[] = [];
  let syncToken: string | undefined;
  // Each DAV:response is reduced to a DavResponse as soon as it is read, so the element trees
  // of a large answer are not all held at once (see xml.ts).
  const root = parseXml(xml, {
    onRootChild: (element) => {
      if (element.ns !== D) return;
      if (element.name === "sync-token") syncToken ??= element.text.trim();
      else if (element.name === "response") readResponse(element, requestUrl, responses, foreign);
    },
  });
  if (root.ns !== D || root.name !== "multistatus") {
    throw new DavError("INVALID_XML", `expected a DAV:multistatus response, got {${root.ns}}${root.name}`);
  }
  return { responses, foreign, syncToken: syncToken === "" ? undefined : syncToken };
}

/** One DAV:response of a multistatus read lazily ({@link readMultistatus}): on the request's origin, or `foreign`. */
export interface MultistatusEntry {
  readonly response: DavResponse;
  /** The href is on another origin (see {@link Multistatus.foreign}). */
  readonly foreign: boolean;
}

/**
 * Reads a multistatus body lazily: each DAV:response is yielded as soon as it is read (the
 * document is read only as far as the caller has taken responses), and the generator returns the
 * DAV:sync-token once the whole body was read and found to be a well-formed DAV:multistatus. A
 * body cut off or malformed throws when reading reaches the fault, so a caller must take nothing
 * as whole before the generator returns.
 * @throws DavError `INVALID_XML` when the body is not a DAV:multistatus.
 */
export function* readMultistatus(xml: string, requestUrl: string | URL): Generator<MultistatusEntry, { syncToken: string | undefined }, void> {
  let syncToken: string | undefined;
  const children = xmlRootChildren(xml);
  for (;;) {
    const step = children.next();
    if (step.done) {
      const root = step.value;
      if (root.ns !== D || root.name !== "multistatus") {
        throw new DavError("INVALID_XML", `expected a DAV:multistatus response, got {${root.ns}}${root.name}`);
      }
      return { syncToken: syncToken === "" ? undefined : syncToken };
    }
    const element = step.value;
    if (element.ns !== D) continue;
    if (element.name === "sync-token") syncToken ??= element.text.trim();
    else if (element.name === "response") {
      const responses: DavResponse[] = [];
      const foreign: DavResponse[] = [];
      readResponse(element, requestUrl, responses, foreign);
      for (const response of responses) yield { response, foreign: false };
      for (const response of foreign) yield { response, foreign: true };
    }
  }
}

/** Reads one DAV:response into `responses`, or into `foreign` for hrefs on another origin. */
function readResponse(response: XmlElement, requestUrl: string | URL, responses: DavResponse[], foreign: DavResponse[]): void {
  const local: string[] = [];
  const elsewhere: string[] = [];
  for (const element of childrenNamed(response, D, "href")) {
    try {
      local.push(canonicalHref(element.text, requestUrl));
    } catch (error) {
      if (!(error instanceof ForeignHrefError)) throw new DavError("INVALID_XML", "a DAV:href is not a URL", { cause: error });
      elsewhere.push(redactUrl(new URL(element.text.trim(), requestUrl)));
    }
  }
  if (local.length === 0 && elsewhere.length === 0) throw new DavError("INVALID_XML", "a DAV:response has no DAV:href");
  const statusElement = child(response, D, "status");
  const propstats: DavPropstat[] = childrenNamed(response, D, "propstat").map((propstat) => {
    const propStatus = child(propstat, D, "status");
    return {
      status: propStatus ? parseStatusLine(propStatus.text) : 200,
      props: child(propstat, D, "prop")?.children ?? [],
    };
  });
  const rest = {
    status: statusElement ? parseStatusLine(statusElement.text) : undefined,
    propstats,
    error: child(response, D, "error"),
  };
  const [href, ...extraHrefs] = local;
  if (href !== undefined) responses.push({ href, extraHrefs, ...rest });
  const [away, ...extraAway] = elsewhere;
  if (away !== undefined) foreign.push({ href: away, extraHrefs: extraAway, ...rest });
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

/**
 * The canonical hrefs inside a 2xx property (e.g. `current-user-principal`, `calendar-home-set`),
 * without those on another origin; `foreign`, when given, receives those (as redacted URLs).
 */
export function propHrefs(response: DavResponse, ns: string, name: string, base: string | URL, foreign?: string[]): string[] {
  const out: string[] = [];
  for (const element of childrenNamed(findProp(response, ns, name), D, "href")) {
    try {
      out.push(canonicalHref(element.text, base));
    } catch (error) {
      if (!(error instanceof ForeignHrefError)) throw new DavError("INVALID_XML", `a DAV:href in ${name} is not a URL`, { cause: error });
      foreign?.push(redactUrl(new URL(element.text.trim(), base)));
    }
  }
  return out;
}

/** Whether a DAV:error element names the given precondition. */
export function hasCondition(error: XmlElement | undefined, ns: string, name: string): boolean {
  return !!error?.children.some((c) => c.ns === ns && c.name === name);
}
