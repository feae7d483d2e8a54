/**
 * Calendar objects and vCards: reads (calendar-multiget / addressbook-multiget in batches,
 * single GET) and conditional writes (PUT with `If-None-Match: *` or `If-Match`, DELETE with
 * `If-Match`). A 412, or a 412 reported inside a 207 body, becomes a
 * {@link PreconditionFailedError} carrying the item's href. A multiget that a server answers
 * with 404 as a whole because one href is missing (sabre/dav) is read again in halves, so only
 * the hrefs really gone come back as missing (see `multigetSplitting`).
 *
 * Item text is returned with CRLF line ends however it was read: iCalendar and vCard lines end
 * in CRLF (RFC 5545 §3.1, RFC 6350 §3.2), and an XML parser must turn the CRLF a server sends
 * inside calendar-data / address-data into LF (XML 1.0 §2.11), so without this a multiget and
 * a GET of the same item would give different text.
 */
import { randomUUID } from "node:crypto";
import { DavError, DavHttpError, OutsideCollectionError, PreconditionFailedError, redactUrl } from "./errors.js";
import { collectionPrefix, encodePathSegment, ForeignHrefError, memberProblem } from "./href.js";
import { findProp, propText } from "./multistatus.js";
import { DAV_NAMESPACES } from "./namespaces.js";
import { mapConcurrent, orderedConcurrent } from "./concurrency.js";
import { expectMultistatus, hrefOf, propfind, reportAnomaly, sendXml, xmlDocument, type DavContext } from "./requests.js";
import { expectStatus, type DavHttpResponse } from "./transport.js";
import { escapeXml } from "./xml.js";
import type { DavCollectionKind } from "./collections.js";

/** An item read from the server. */
export interface DavItem {
  /** Canonical absolute path. */
  readonly href: string;
  /** The ETag of this version (the value to send in `If-Match`). */
  readonly etag: string;
  /** The iCalendar or vCard text, with CRLF line ends. */
  readonly data: string;
}

/** An href a multiget asked for that the server does not have. */
export interface DavMissingItem {
  /** Canonical absolute path, as asked for. */
  readonly href: string;
  /** Always true: tells a missing item from a {@link DavItem}. */
  readonly missing: true;
  /** The status the server gave (404 usually; 404 too when the href was left out of the answer). */
  readonly status: number;
}

/** The version a write produced. */
export interface DavWriteResult {
  /** Canonical absolute path. */
  readonly href: string;
  /** The ETag of the version written (from the response, or read right after it). */
  readonly etag: string;
}

/** Item text with every line end as CRLF (see the module comment). */
export function withCrlf(text: string): string {
  return text.replace(/\r\n|\r|\n/g, "\r\n");
}

/** Content type for an item's text: `text/calendar` or `text/vcard`, UTF-8. */
export function contentTypeOf(text: string, href: string): string {
  const start = text.replace(/^\uFEFF/, "").trimStart().slice(0, 20).toUpperCase();
  if (start.startsWith("BEGIN:VCALENDAR")) return "text/calendar; charset=utf-8";
  if (start.startsWith("BEGIN:VCARD")) return "text/vcard; charset=utf-8";
  throw new DavError("INVALID_ITEM", `item ${href}: field 'text' is neither an iCalendar (BEGIN:VCALENDAR) nor a vCard (BEGIN:VCARD)`);
}

/**
 * The UID of an item's iCalendar or vCard text, or undefined: the vCard's own UID, or the UID of
 * the first VEVENT, VTODO or VJOURNAL directly inside the VCALENDAR — never a VALARM's or any other
 * nested component's (a VALARM may carry a UID of its own, RFC 9074). The same rule as
 * `@ewsdav/vobject`'s, read with a line scan so the client depends on no other ewsdav package.
 */
export function uidOf(text: string): string | undefined {
  const stack: string[] = [];
  for (const raw of text.replace(/\r?\n[ \t]/g, "").split(/\r\n|\n|\r/)) {
    const line = raw.trim();
    const boundary = /^(BEGIN|END):(.*)$/i.exec(line);
    if (boundary) {
      if (boundary[1]!.toUpperCase() === "BEGIN") stack.push(boundary[2]!.trim().toUpperCase());
      else stack.pop();
      continue;
    }
    const uid = /^UID(?:;[^:]*)?:(.*)$/i.exec(line)?.[1]?.trim();
    if (!uid) continue;
    const itemLevel =
      (stack.length === 1 && stack[0] === "VCARD") ||
      (stack.length === 2 && stack[0] === "VCALENDAR" && ["VEVENT", "VTODO", "VJOURNAL"].includes(stack[1]!));
    if (itemLevel) return uid;
  }
  return undefined;
}

/**
 * The file name a new item gets: its UID when that is a plain name, else a random UUID,
 * with `.ics` or `.vcf`.
 */
export function itemFileName(text: string): string {
  const extension = contentTypeOf(text, "(new item)").startsWith("text/calendar") ? ".ics" : ".vcf";
  const uid = uidOf(text);
  const stem = uid && /^[A-Za-z0-9_.@-]{1,120}$/.test(uid) && !uid.startsWith(".") ? uid : randomUUID();
  return `${stem}${extension}`;
}

/**
 * The href of a new item `name` in a collection.
 * @throws DavError `INVALID_ITEM` when `name` is not one plain path segment (empty, a dot
 * segment, or holding `/`, a backslash or NUL).
 */
export function memberHref(context: DavContext, collectionUrl: string, name: string): string {
  if (name === "" || name === "." || name === ".." || /[/\\\u0000]/.test(name)) {
    throw new DavError("INVALID_ITEM", `item name ${JSON.stringify(name)}: field 'name' must be one plain path segment (no '/', backslash, NUL, '.' or '..')`);
  }
  return `${collectionPrefix(hrefOf(context, collectionUrl))}${encodePathSegment(name)}`;
}

/**
 * The canonical href of a write's target, checked to be a member of `collectionUrl` when one is
 * given.
 * @throws OutsideCollectionError (`OUTSIDE_COLLECTION`) when it is on another origin or not a
 * member of the collection; nothing is sent then.
 */
export function writeTarget(context: DavContext, method: string, href: string, collectionUrl: string | undefined): string {
  let canonical: string;
  try {
    canonical = hrefOf(context, href);
  } catch (error) {
    if (!(error instanceof ForeignHrefError)) throw error;
    const collection = collectionUrl === undefined ? "(none given)" : hrefOf(context, collectionUrl);
    throw new OutsideCollectionError(method, redactUrl(new URL(href, context.baseUrl)), collection, "on another origin");
  }
  if (collectionUrl === undefined) return canonical;
  const collection = hrefOf(context, collectionUrl);
  const problem = memberProblem(canonical, collection);
  if (problem) throw new OutsideCollectionError(method, canonical, collection, problem);
  return canonical;
}

/**
 * Refuses hrefs that are not members of the collection before a read of them is sent.
 * @throws OutsideCollectionError
 */
function checkMembers(context: DavContext, collectionUrl: string, hrefs: readonly string[]): string[] {
  return hrefs.map((href) => writeTarget(context, "REPORT", href, collectionUrl));
}

function multigetBody(kind: DavCollectionKind, hrefs: readonly string[]): string {
  const root = kind === "calendar" ? "cal:calendar-multiget" : "card:addressbook-multiget";
  const data = kind === "calendar" ? "<cal:calendar-data/>" : "<card:address-data/>";
  const list = hrefs.map((href) => `<d:href>${escapeXml(href)}</d:href>`).join("");
  return xmlDocument(root, `<d:prop><d:getetag/>${data}</d:prop>${list}`);
}

/** One multiget REPORT for up to a batch of hrefs. Results are in the order asked. */
export async function multigetBatch(
  context: DavContext,
  collectionUrl: string,
  kind: DavCollectionKind,
  hrefs: readonly string[],
  signal?: AbortSignal,
): Promise<Array<DavItem | DavMissingItem>> {
  const url = new URL(collectionUrl, context.baseUrl);
  const canonical = checkMembers(context, collectionUrl, hrefs);
  const response = await sendXml(context, "REPORT", url, multigetBody(kind, canonical), { depth: "1", signal });
  const multistatus = expectMultistatus(response, "REPORT");
  const [ns, dataName] = kind === "calendar" ? [DAV_NAMESPACES.cal, "calendar-data"] : [DAV_NAMESPACES.card, "address-data"];
  const found = new Map<string, DavItem | DavMissingItem>();
  const collection = hrefOf(context, url.href);
  // Only the hrefs asked for are taken; others are reported (one on another origin, or outside
  // the collection, is what a server steering reads elsewhere would answer).
  const asked = new Set(canonical);
  for (const entry of multistatus.foreign) reportAnomaly(context, { kind: "href-dropped", operation: "multiget", collection, href: entry.href, reason: "foreign-origin" });
  for (const entry of multistatus.responses) {
    for (const href of [entry.href, ...entry.extraHrefs]) {
      const problem = asked.has(href) ? undefined : memberProblem(href, collection);
      if (problem) reportAnomaly(context, { kind: "href-dropped", operation: "multiget", collection, href, reason: problem });
    }
    const data = findProp(entry, ns, dataName);
    const etag = propText(entry, DAV_NAMESPACES.d, "getetag");
    for (const href of [entry.href, ...entry.extraHrefs]) {
      if (data && etag !== undefined && (entry.status === undefined || entry.status < 300)) {
        found.set(href, { href, etag, data: withCrlf(data.text) });
      } else {
        const status = entry.status ?? entry.propstats.find((p) => p.status >= 300)?.status ?? 404;
        found.set(href, { href, missing: true, status });
      }
    }
  }
  const results = canonical.map((href): DavItem | DavMissingItem => found.get(href) ?? { href, missing: true, status: 404 });
  // Confirm each reported miss with a GET: some servers fail to match certain hrefs in a
  // multiget body (Xandikos cuts an href at an encoded `#`), and a false "missing" would read
  // as a deletion. Real misses are rare (an item deleted between listing and fetching).
  const misses = results.flatMap((result, i) => ("missing" in result && result.status === 404 ? [i] : []));
  await mapConcurrent(misses, 4, async (i) => {
    try {
      results[i] = await getItem(context, (results[i] as DavMissingItem).href, signal);
    } catch (error) {
      if (!(error instanceof DavHttpError && error.status === 404)) throw error;
    }
  });
  return results;
}

/** Whether `error` is a multiget REPORT answered 404 as a whole (sabre/dav, for one href it does not have). */
function isWholeReportNotFound(error: unknown): error is DavHttpError {
  return error instanceof DavHttpError && error.status === 404 && error.method === "REPORT";
}

/** One href read with GET: the item, or `missing` when the server answers 404. */
async function getOrMissing(context: DavContext, collectionUrl: string, href: string, signal?: AbortSignal): Promise<DavItem | DavMissingItem> {
  const canonical = writeTarget(context, "REPORT", href, collectionUrl);
  try {
    return await getItem(context, canonical, signal);
  } catch (error) {
    if (error instanceof DavHttpError && error.status === 404) return { href: canonical, missing: true, status: 404 };
    throw error;
  }
}

/**
 * After a whole-report 404, or a batch answered as all missing: makes sure the collection itself
 * is there (a Depth-0 PROPFIND), so that a collection gone is an error and never read as every
 * item deleted.
 * @throws DavHttpError `NOT_FOUND` (REPORT, 404) when the collection answers 404.
 */
async function confirmCollection(context: DavContext, collectionUrl: string, signal?: AbortSignal): Promise<void> {
  const url = new URL(collectionUrl, context.baseUrl);
  const gone = () => new DavHttpError("REPORT", redactUrl(url), 404, "the collection itself is not found");
  let multistatus: Awaited<ReturnType<typeof propfind>>;
  try {
    multistatus = await propfind(context, url, "0", [["d", "resourcetype"]], signal);
  } catch (error) {
    if (error instanceof DavHttpError && error.status === 404) throw gone();
    throw error;
  }
  // Xandikos answers a PROPFIND of a collection that is gone with a 207 holding only a 404.
  const found = multistatus.responses.some((r) => (r.status === undefined || r.status < 300) && r.propstats.some((p) => p.status < 300));
  if (!found) throw gone();
}

/**
 * {@link multigetBatch}, split in halves while an answer is over the response size limit, or
 * while the server answers the whole REPORT with 404 because one href is missing (sabre/dav
 * does, where RFC 4791 §7.9 / RFC 6352 §8.7 want a 404 for that href inside a 207). Then the
 * collection is checked once (gone: the 404 is thrown), halves are read again, a half of one
 * href by GET, and an href that GET does not find is `missing`. Bounded: with k hrefs missing
 * out of n, at most about 2k·log2(n) REPORTs plus k GETs, never more than 2n requests. A batch
 * answered as all missing has its collection checked the same way (Xandikos answers a multiget
 * on a collection that is gone with a 207 of 404s).
 * @throws DavError `RESPONSE_TOO_LARGE` naming the href when one item alone is over it.
 */
async function multigetSplitting(
  context: DavContext,
  collectionUrl: string,
  kind: DavCollectionKind,
  hrefs: readonly string[],
  signal?: AbortSignal,
  collectionConfirmed = false,
): Promise<Array<DavItem | DavMissingItem>> {
  try {
    const results = await multigetBatch(context, collectionUrl, kind, hrefs, signal);
    if (!collectionConfirmed && results.length > 0 && results.every((r) => "missing" in r)) await confirmCollection(context, collectionUrl, signal);
    return results;
  } catch (error) {
    if (isWholeReportNotFound(error)) {
      if (!collectionConfirmed) await confirmCollection(context, collectionUrl, signal);
      if (hrefs.length === 1) return [await getOrMissing(context, collectionUrl, hrefs[0]!, signal)];
      const half = Math.ceil(hrefs.length / 2);
      const out: Array<DavItem | DavMissingItem> = [];
      for (const part of [hrefs.slice(0, half), hrefs.slice(half)]) {
        out.push(...(part.length === 1 ? [await getOrMissing(context, collectionUrl, part[0]!, signal)] : await multigetSplitting(context, collectionUrl, kind, part, signal, true)));
      }
      return out;
    }
    if (!(error instanceof DavError && error.code === "RESPONSE_TOO_LARGE")) throw error;
    if (hrefs.length === 1) {
      throw new DavError("RESPONSE_TOO_LARGE", `item ${hrefOf(context, hrefs[0]!)} is larger than the response size limit (maxResponseBytes)`, { cause: error });
    }
    const half = Math.ceil(hrefs.length / 2);
    return [
      ...(await multigetSplitting(context, collectionUrl, kind, hrefs.slice(0, half), signal, collectionConfirmed)),
      ...(await multigetSplitting(context, collectionUrl, kind, hrefs.slice(half), signal, collectionConfirmed)),
    ];
  }
}

/**
 * Reads items by href with multiget REPORTs of `batchSize` hrefs (a batch whose answer is over
 * the response size limit is split in halves until it fits), `concurrency` REPORTs in
 * flight, yielding each batch's results in the order asked.
 */
export async function* multiget(
  context: DavContext,
  collectionUrl: string,
  kind: DavCollectionKind,
  hrefs: readonly string[],
  options: { batchSize: number; concurrency: number; signal?: AbortSignal | undefined },
): AsyncGenerator<DavItem | DavMissingItem> {
  const batches: string[][] = [];
  for (let i = 0; i < hrefs.length; i += options.batchSize) batches.push(hrefs.slice(i, i + options.batchSize));
  for await (const results of orderedConcurrent(batches, options.concurrency, (batch) =>
    multigetSplitting(context, collectionUrl, kind, batch, options.signal),
  )) {
    yield* results;
  }
}

/**
 * Reads every item of a collection in one REPORT (addressbook-query, or calendar-query for
 * VCALENDAR objects). Meant for a first pull from servers where multiget is slow (Xandikos
 * looks each href up through its git tree: about 35 ms per href in a 10,000-item
 * collection, against about 1 s for this whole REPORT). The answer is one body, bounded by
 * `maxResponseBytes`.
 */
export async function fetchAll(context: DavContext, collectionUrl: string, kind: DavCollectionKind, signal?: AbortSignal): Promise<DavItem[]> {
  const url = new URL(collectionUrl, context.baseUrl);
  const body =
    kind === "calendar"
      ? xmlDocument("cal:calendar-query", '<d:prop><d:getetag/><cal:calendar-data/></d:prop><cal:filter><cal:comp-filter name="VCALENDAR"/></cal:filter>')
      : xmlDocument("card:addressbook-query", "<d:prop><d:getetag/><card:address-data/></d:prop>");
  const multistatus = expectMultistatus(await sendXml(context, "REPORT", url, body, { depth: "1", signal }), "REPORT");
  const [ns, dataName] = kind === "calendar" ? [DAV_NAMESPACES.cal, "calendar-data"] : [DAV_NAMESPACES.card, "address-data"];
  const items: DavItem[] = [];
  const collection = hrefOf(context, url.href);
  for (const entry of multistatus.foreign) reportAnomaly(context, { kind: "href-dropped", operation: "fetch-all", collection, href: entry.href, reason: "foreign-origin" });
  for (const entry of multistatus.responses) {
    const data = findProp(entry, ns, dataName);
    const etag = propText(entry, DAV_NAMESPACES.d, "getetag");
    if (!data || etag === undefined || entry.href.endsWith("/")) continue;
    const problem = memberProblem(entry.href, collection);
    if (problem) reportAnomaly(context, { kind: "href-dropped", operation: "fetch-all", collection, href: entry.href, reason: problem });
    else items.push({ href: entry.href, etag, data: withCrlf(data.text) });
  }
  return items;
}

/** Reads an item's current ETag with a Depth-0 PROPFIND. */
export async function fetchEtag(context: DavContext, href: string, signal?: AbortSignal): Promise<string> {
  const url = new URL(href, context.baseUrl);
  const multistatus = await propfind(context, url, "0", [["d", "getetag"]], signal);
  const etag = multistatus.responses.map((r) => propText(r, DAV_NAMESPACES.d, "getetag")).find((e) => e !== undefined);
  if (etag === undefined) throw new DavHttpError("PROPFIND", redactUrl(url), 207, "the server gave no getetag");
  return etag;
}

/**
 * Reads one item with GET.
 * @throws DavHttpError `NOT_FOUND` when it does not exist.
 */
export async function getItem(context: DavContext, href: string, signal?: AbortSignal): Promise<DavItem> {
  const url = new URL(href, context.baseUrl);
  const response = await context.transport.request({ method: "GET", url, signal, retry: "read" });
  expectStatus(response, "GET", (s) => s === 200);
  const canonical = hrefOf(context, href);
  const etag = response.headers["etag"] ?? (await fetchEtag(context, canonical, signal));
  return { href: canonical, etag, data: withCrlf(response.body) };
}

/** Turns a write's response into its outcome: success, a precondition failure, or an HTTP error. */
function checkWriteResponse(context: DavContext, response: DavHttpResponse, method: string, href: string, accept: (s: number) => boolean): void {
  if (response.status === 412) throw new PreconditionFailedError(href, method);
  if (response.status === 207) {
    const multistatus = expectMultistatus(response, method);
    // A failure reported under another origin's href is still this write's failure.
    for (const entry of [...multistatus.responses, ...multistatus.foreign.map((f) => ({ ...f, href }))]) {
      const status = entry.status ?? entry.propstats.find((p) => p.status >= 400)?.status;
      if (status === 412) throw new PreconditionFailedError(entry.href, method);
      if (status !== undefined && status >= 400) throw new DavHttpError(method, redactUrl(new URL(entry.href, context.baseUrl)), status, "reported in a multistatus");
    }
    return;
  }
  expectStatus(response, method, accept);
}

/** The path prefix a write's redirects must stay in: the collection, or else the item's parent. */
function redirectScope(canonical: string, collection: string | undefined): string {
  return collection !== undefined ? collectionPrefix(collection) : canonical.slice(0, canonical.lastIndexOf("/") + 1);
}

/**
 * Writes an item with PUT. `etag` undefined creates (`If-None-Match: *`); a string updates
 * (`If-Match`). Returns the new ETag, from the response or, when the server gives none
 * (or a weak one), from a PROPFIND. With `collectionUrl`, the href must be a member of that
 * collection; a redirect is followed only within it (else within the item's parent).
 * @throws PreconditionFailedError when the item exists (create) or changed (update).
 * @throws OutsideCollectionError when the href is not a member of `collectionUrl` (nothing sent).
 */
export async function putItem(context: DavContext, href: string, text: string, etag: string | undefined, signal?: AbortSignal, collectionUrl?: string): Promise<DavWriteResult> {
  const canonical = writeTarget(context, "PUT", href, collectionUrl);
  const contentType = contentTypeOf(text, canonical);
  const url = new URL(canonical, context.baseUrl);
  const response = await context.transport.request({
    method: "PUT",
    url,
    body: text,
    signal,
    retry: "write",
    redirectScope: redirectScope(canonical, collectionUrl === undefined ? undefined : hrefOf(context, collectionUrl)),
    headers: { "content-type": contentType, ...(etag === undefined ? { "if-none-match": "*" } : { "if-match": etag }) },
  });
  checkWriteResponse(context, response, "PUT", canonical, (s) => s === 200 || s === 201 || s === 204);
  const newEtag = response.headers["etag"];
  return { href: canonical, etag: newEtag && !newEtag.startsWith("W/") ? newEtag : await fetchEtag(context, canonical, signal) };
}

/**
 * Deletes an item with DELETE, `If-Match` when an ETag is given. With `collectionUrl`, the
 * href must be a member of that collection (as for {@link putItem}).
 * @throws PreconditionFailedError when the item changed since that ETag.
 * @throws OutsideCollectionError when the href is not a member of `collectionUrl` (nothing sent).
 */
export async function deleteItem(context: DavContext, href: string, etag: string | undefined, signal?: AbortSignal, collectionUrl?: string): Promise<void> {
  const canonical = writeTarget(context, "DELETE", href, collectionUrl);
  const response = await context.transport.request({
    method: "DELETE",
    url: new URL(canonical, context.baseUrl),
    signal,
    retry: "write",
    redirectScope: redirectScope(canonical, collectionUrl === undefined ? undefined : hrefOf(context, collectionUrl)),
    headers: etag === undefined ? {} : { "if-match": etag },
  });
  checkWriteResponse(context, response, "DELETE", canonical, (s) => s === 200 || s === 204);
}
