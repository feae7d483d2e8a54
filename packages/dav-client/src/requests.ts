/**
 * The WebDAV requests every DAV concept is built from (PROPFIND, REPORT, body builders) and
 * the context they run in. Request bodies always carry `application/xml; charset=utf-8`
 * (Xandikos refuses bodies without an XML content type).
 */
import type { DavAnomaly, DavAnomalyListener } from "./anomaly.js";
import { DavError, redactUrl } from "./errors.js";
import { canonicalHref } from "./href.js";
import { parseMultistatus, type Multistatus } from "./multistatus.js";
import { type DavPropertyName, XMLNS_DECLARATIONS } from "./namespaces.js";
import { expectStatus, type DavHttpResponse, type DavTransport, type RetryClass } from "./transport.js";

/** What the DAV operations share: the transport and the URL that relative paths resolve against. */
export interface DavContext {
  /** Sends the requests. */
  readonly transport: DavTransport;
  /** What relative hrefs and URLs resolve against. */
  readonly baseUrl: URL;
  /** Receives every anomaly met (hrefs dropped from answers). */
  readonly onAnomaly?: DavAnomalyListener | undefined;
}

/** Hands an anomaly to the context's listener (a throwing listener is ignored) and returns it. */
export function reportAnomaly(context: DavContext, anomaly: DavAnomaly): DavAnomaly {
  try {
    context.onAnomaly?.(anomaly);
  } catch {
    // A listener's failure is not the request's.
  }
  return anomaly;
}

/** The content type of XML request bodies. */
export const XML_CONTENT_TYPE = "application/xml; charset=utf-8";

/** Resolves an href or URL against the context's base URL. */
export function resolveUrl(context: DavContext, hrefOrUrl: string): URL {
  return new URL(hrefOrUrl, context.baseUrl);
}

/** The canonical href of a URL or href, against the context's base URL. */
export function hrefOf(context: DavContext, hrefOrUrl: string): string {
  return canonicalHref(hrefOrUrl, context.baseUrl);
}

/** `<d:prop>` with the given empty property elements. */
export function propElements(props: readonly DavPropertyName[]): string {
  return `<d:prop>${props.map(([prefix, name]) => `<${prefix}:${name}/>`).join("")}</d:prop>`;
}

/** A complete PROPFIND body asking for the given properties. */
export function propfindBody(props: readonly DavPropertyName[]): string {
  return `<?xml version="1.0" encoding="utf-8"?><d:propfind ${XMLNS_DECLARATIONS}>${propElements(props)}</d:propfind>`;
}

/** Wraps an element in the XML declaration with every namespace declared on it. */
export function xmlDocument(rootTag: string, inner: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><${rootTag} ${XMLNS_DECLARATIONS}>${inner}</${rootTag}>`;
}

/** Sends an XML-bodied request and returns the raw response (any status). */
export function sendXml(
  context: DavContext,
  method: string,
  url: URL,
  body: string,
  options: { depth?: "0" | "1"; signal?: AbortSignal | undefined; retry?: RetryClass; headers?: Record<string, string> } = {},
): Promise<DavHttpResponse> {
  return context.transport.request({
    method,
    url,
    body,
    signal: options.signal,
    retry: options.retry ?? "read",
    headers: {
      "content-type": XML_CONTENT_TYPE,
      ...(options.depth !== undefined ? { depth: options.depth } : {}),
      ...options.headers,
    },
  });
}

/** Parses a 207 response as multistatus, or throws the status as a typed error. */
export function expectMultistatus(response: DavHttpResponse, method: string): Multistatus {
  expectStatus(response, method, (s) => s === 207);
  try {
    return parseMultistatus(response.body, response.url);
  } catch (error) {
    if (error instanceof DavError) {
      throw new DavError(error.code, `${method} ${redactUrl(response.url)}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** PROPFIND with the given depth and properties; returns the multistatus. */
export async function propfind(
  context: DavContext,
  url: URL,
  depth: "0" | "1",
  props: readonly DavPropertyName[],
  signal?: AbortSignal,
): Promise<Multistatus> {
  const response = await sendXml(context, "PROPFIND", url, propfindBody(props), { depth, signal });
  return expectMultistatus(response, "PROPFIND");
}
