/**
 * The change feed of a collection: what changed since a stored cursor, in the engine's
 * vocabulary (`{ cursor, changed, deleted, complete }`).
 *
 * - `sync-collection` (RFC 6578): one REPORT with the stored token. With `withData`, the REPORT
 *   asks for each member's content with its ETag (`calendar-data` / `address-data`: RFC 6578 §3.2
 *   lets it ask for any property), so a listing costs one request; members the server answers
 *   without it (a 404 propstat, or left out) are read with multiget batches once the listing is
 *   whole, `concurrency` batches in flight, and a server that refuses the REPORT with data is
 *   asked again without it (the caller is told, to stop asking); an answer with data over
 *   `maxResponseBytes` is asked again without it, not paged. Truncated answers (a 507
 *   for the collection itself, `DAV:number-of-matches-within-limits`) are continued with the
 *   token they carry, until an answer is not truncated; a truncated answer that does not
 *   advance the token is an error, never a partial feed. Members answered with 404 are
 *   deletions. A rejected token (403 or 410, any 4xx naming `DAV:valid-sync-token`, or a 500:
 *   Xandikos answers an unknown token so) falls back to a full listing, reported with
 *   `complete: true` so the caller diffs it against its own state. 502/503/504 are transient
 *   (retried by the transport, then an error), not a rejected token.
 * - `etag-listing`, for servers without RFC 6578 (or forced by option): a Depth-0 `getctag`
 *   check — unchanged ctag, no further request — then a Depth-1 PROPFIND of every member's
 *   ETag, diffed with the listing kept in the cursor. A member listed without an ETag is kept
 *   (with `""`), never read as deleted.
 */
import type { DavAnomaly, DavAnomalyOperation } from "./anomaly.js";
import { DavError, DavHttpError, InvalidSyncTokenError, redactUrl } from "./errors.js";
import { memberProblem } from "./href.js";
import { decodeCursor, encodeCursor, type DavChangeCursor } from "./cursor.js";
import { findProp, hasCondition, propText, readMultistatus, type DavResponse, type Multistatus } from "./multistatus.js";
import { expectStatus, type DavHttpResponse } from "./transport.js";
import { DAV_NAMESPACES } from "./namespaces.js";
import { expectMultistatus, hrefOf, propfind, reportAnomaly, sendXml, xmlDocument, type DavContext } from "./requests.js";
import { escapeXml } from "./xml.js";
import type { DavCollectionKind } from "./collections.js";
import { multiget, withCrlf } from "./items.js";

const { d: D, cs: CS } = DAV_NAMESPACES;

/** How changes are detected. `auto`: sync-collection when the server offers it, else the ETag listing. */
export type ChangeDetection = "auto" | "sync-collection" | "etag-listing";

/** A member that was created or changed: its href and current ETag, and its content when the feed carried it. */
export interface DavChangedMember {
  /** Canonical absolute path. */
  readonly href: string;
  /** The ETag the listing reported (may be `""` when a server lists a member without one); the version of `data` when that is given. */
  readonly etag: string;
  /**
   * The iCalendar or vCard text (CRLF line ends) of this version, when asked for (`withData`)
   * and given by the listing or by the multiget that followed it. Absent: read it by href
   * (the member was gone by then, or the feed came from the ETag listing).
   */
  readonly data?: string;
}

/** What changed in a collection since a cursor. */
export interface DavChangeFeed {
  /** The cursor to store and pass next time. */
  readonly cursor: string;
  /** Members created or changed since the cursor (every member when `complete`). */
  readonly changed: readonly DavChangedMember[];
  /** Canonical hrefs removed since the cursor (empty when `complete`). */
  readonly deleted: readonly string[];
  /**
   * True when this is a full listing (no cursor, or the cursor was rejected): members not in
   * `changed` are gone, and the caller must diff against what it knows.
   */
  readonly complete: boolean;
  /** Which method produced the feed. */
  readonly method: "sync-collection" | "etag-listing";
  /**
   * Hrefs the listing named that are not members of the collection (on another origin, outside
   * it after resolving `..` and percent-encoding, or with a name a server may resolve
   * elsewhere): left out of `changed` and `deleted`, and reported here.
   */
  readonly anomalies: readonly DavAnomaly[];
}

/** Options of {@link collectionChanges}. */
export interface CollectionChangesOptions {
  /** Which method to use (see {@link ChangeDetection}). */
  readonly detection: ChangeDetection;
  /** Whether the collection is known to support sync-collection (from its listing); undefined when unknown. */
  readonly supportsSyncCollection?: boolean | undefined;
  /** Aborts the requests. */
  readonly signal?: AbortSignal | undefined;
  /** Most truncated pages followed in one call (default 10 000). */
  readonly maxPages?: number | undefined;
  /**
   * Ask sync-collection for the members' content with their ETags (see the module comment);
   * `kind` names the data property. Ignored by the ETag listing, whose members come without it.
   */
  readonly withData?: WithDataOptions | undefined;
}

/** How {@link collectionChanges} reads the members' content with the listing. */
export interface WithDataOptions {
  /** The collection's kind: `calendar-data` or `address-data`. */
  readonly kind: DavCollectionKind;
  /** Hrefs per multiget REPORT for members listed without their content. */
  readonly batchSize: number;
  /** Multiget REPORTs in flight. */
  readonly concurrency: number;
  /**
   * Read by multiget the members listed without content (default true). False leaves them
   * without `data`, for a caller that knows which of them it needs (see `DavClient.changes`).
   */
  readonly readMissing?: boolean | undefined;
  /** The server refused sync-collection with data for this collection before: list without it, read by multiget. */
  readonly refused?: boolean | undefined;
  /** Called when the server refuses sync-collection with data but answers it without (so the caller stops asking). */
  readonly onRefused?: (() => void) | undefined;
}

/** A member as a sync-collection answer listed it. */
interface ListedMember {
  etag: string;
  data?: string;
}

interface SyncResult {
  token: string;
  changed: Map<string, ListedMember>;
  deleted: Set<string>;
  anomalies: Map<string, DavAnomaly>;
}

/**
 * Sorts the entries of a listing of `collection`: the collection itself, its sub-collections,
 * members, and hrefs that are not members (recorded in `anomalies`, and given to the listener).
 */
function classifyEntries(
  context: DavContext,
  multistatus: Multistatus,
  collection: string,
  operation: DavAnomalyOperation,
  anomalies: Map<string, DavAnomaly>,
): Array<{ entry: DavResponse; role: "self" | "sub-collection" | "member" }> {
  const own = collectionSpellings(collection);
  const out: Array<{ entry: DavResponse; role: "self" | "sub-collection" | "member" }> = [];
  for (const entry of multistatus.foreign) entryRole(context, entry, true, collection, own, operation, anomalies);
  for (const entry of multistatus.responses) {
    const role = entryRole(context, entry, false, collection, own, operation, anomalies);
    if (role !== undefined) out.push({ entry, role });
  }
  return out;
}

/** What one entry of a listing of `collection` is (see {@link classifyEntries}); undefined: not a member, recorded in `anomalies`. */
function entryRole(
  context: DavContext,
  entry: DavResponse,
  foreign: boolean,
  collection: string,
  own: ReadonlySet<string>,
  operation: DavAnomalyOperation,
  anomalies: Map<string, DavAnomaly>,
): "self" | "sub-collection" | "member" | undefined {
  const drop = (href: string, reason: DavAnomaly["reason"]) => {
    if (!anomalies.has(href)) anomalies.set(href, reportAnomaly(context, { kind: "href-dropped", operation, collection, href, reason }));
  };
  if (foreign) {
    drop(entry.href, "foreign-origin");
    return undefined;
  }
  if (own.has(entry.href)) return "self";
  const problem = memberProblem(entry.href, collection);
  if (entry.href.endsWith("/") && (problem === undefined || problem === "nested")) return "sub-collection";
  if (problem !== undefined) {
    drop(entry.href, problem);
    return undefined;
  }
  return "member";
}

/** Whether a response says a sync-collection answer was truncated (RFC 6578 §3.6). */
function isTruncation(entry: DavResponse): boolean {
  return entry.status === 507 || hasCondition(entry.error, D, "number-of-matches-within-limits");
}

/** The data property of a collection kind: its namespace, local name and request element. */
function dataProperty(kind: DavCollectionKind): { ns: string; name: string; element: string } {
  return kind === "calendar"
    ? { ns: DAV_NAMESPACES.cal, name: "calendar-data", element: "<cal:calendar-data/>" }
    : { ns: DAV_NAMESPACES.card, name: "address-data", element: "<card:address-data/>" };
}

function syncCollectionBody(token: string, limit: number | undefined, dataKind: DavCollectionKind | undefined): string {
  const paging = limit === undefined ? "" : `<d:limit><d:nresults>${limit}</d:nresults></d:limit>`;
  const data = dataKind === undefined ? "" : dataProperty(dataKind).element;
  return xmlDocument(
    "d:sync-collection",
    `<d:sync-token>${escapeXml(token)}</d:sync-token><d:sync-level>1</d:sync-level>${paging}<d:prop><d:getetag/>${data}</d:prop>`,
  );
}

/** The first page size asked for (RFC 6578 §3.7 `DAV:limit`) once an answer was over `maxResponseBytes`. */
export const FIRST_PAGE_SIZE = 5_000;
/** Below this page size, a server whose answers stay too large is taken not to page. */
const MIN_PAGE_SIZE = 50;

/** The spellings of a collection's own href (with and without the trailing slash). */
function collectionSpellings(href: string): Set<string> {
  const bare = href.replace(/\/+$/, "");
  return new Set([bare, `${bare}/`]);
}

/** Whether a sync-collection answer to a non-empty token says the token is not accepted. */
export function rejectsSyncToken(response: Pick<DavHttpResponse, "status" | "body">): boolean {
  const { status } = response;
  if (status === 403 || status === 410 || status === 500) return true;
  return status >= 400 && status < 500 && /valid-sync-token/.test(response.body);
}

/** Whether a member of a listing is a collection (by resourcetype, or a trailing slash). */
function isCollectionEntry(entry: DavResponse): boolean {
  return entry.href.endsWith("/") || !!findProp(entry, D, "resourcetype")?.children.some((c) => c.ns === D && c.name === "collection");
}

/**
 * Runs sync-collection from `token` (`""` for the initial listing), following truncation.
 *
 * Paging: an answer over the transport's `maxResponseBytes` is asked for again in pages, with
 * `DAV:limit`/`DAV:nresults` (RFC 6578 §3.7; first {@link FIRST_PAGE_SIZE} members, a quarter of
 * that while still too large). A server that honours it truncates (507 on the request-URI) and
 * the answers are continued with the tokens they carry, as above. A page that holds exactly the
 * number asked for but is not marked truncated is refused: whether more was left out cannot be
 * told (a server that ignores the limit answers more than asked, which is whole).
 * @throws InvalidSyncTokenError when the server rejects a non-empty token.
 * @throws DavError `HTTP_STATUS` when an answer is truncated but does not advance the token, or
 *   is still truncated after `maxPages` answers; `RESPONSE_TOO_LARGE` when answers stay over the
 *   limit in pages of {@link MIN_PAGE_SIZE} (the server does not page), or a page is ambiguous.
 */
export async function syncCollection(
  context: DavContext,
  collectionUrl: string,
  token: string,
  options: { signal?: AbortSignal | undefined; maxPages?: number | undefined; dataKind?: DavCollectionKind | undefined } = {},
): Promise<SyncResult> {
  const data = options.dataKind === undefined ? undefined : dataProperty(options.dataKind);
  const url = new URL(collectionUrl, context.baseUrl);
  const collection = hrefOf(context, url.href);
  const result: SyncResult = { token, changed: new Map(), deleted: new Set(), anomalies: new Map() };
  const maxPages = options.maxPages ?? 10_000;
  let limit: number | undefined;
  for (let page = 0; ; page++) {
    if (page >= maxPages) throw new DavError("HTTP_STATUS", `sync-collection on ${redactUrl(url)} was still truncated after ${maxPages} pages`);
    let response: Awaited<ReturnType<typeof sendXml>>;
    try {
      response = await sendXml(context, "REPORT", url, syncCollectionBody(result.token, limit, options.dataKind), { depth: "0", signal: options.signal });
    } catch (error) {
      if (!(error instanceof DavError && error.code === "RESPONSE_TOO_LARGE")) throw error;
      // With the content, the caller asks again without it (multiget batches split by size)
      // rather than page: Radicale and Xandikos ignore DAV:limit, so paging would fetch the
      // oversized answer again several times before giving up.
      if (options.dataKind !== undefined) throw error;
      const smaller = limit === undefined ? FIRST_PAGE_SIZE : Math.floor(limit / 4);
      if (smaller < MIN_PAGE_SIZE) {
        throw new DavError(
          "RESPONSE_TOO_LARGE",
          `sync-collection on ${redactUrl(url)}: answers stay over the response size limit even in pages of ${limit} members (DAV:limit), so the server does not page them; raise maxResponseBytes`,
          { cause: error },
        );
      }
      limit = smaller;
      page--;
      continue;
    }
    // 403 with DAV:valid-sync-token is what RFC 6578 prescribes; some servers use 400/409/410
    // with that condition, Xandikos a 500.
    if (result.token !== "" && rejectsSyncToken(response)) throw new InvalidSyncTokenError(redactUrl(url), response.status);
    const multistatus = expectMultistatus(response, "REPORT");
    // RFC 6578 §3.6: truncation is a 507 response for the Request-URI, with the
    // number-of-matches-within-limits condition; either one alone is taken as truncation, on
    // whatever href it comes (taking a truncated answer as whole would read as deletions).
    let truncated = multistatus.foreign.some(isTruncation);
    let listed = multistatus.foreign.length;
    for (const { entry, role } of classifyEntries(context, multistatus, collection, "sync-collection", result.anomalies)) {
      if (isTruncation(entry)) {
        truncated = true;
        continue;
      }
      if (role !== "self") listed++;
      if (role !== "member") continue; // the collection itself, sub-collections
      if (entry.status === 404) {
        result.changed.delete(entry.href);
        result.deleted.add(entry.href);
        continue;
      }
      if (entry.status !== undefined && entry.status >= 300) continue;
      result.deleted.delete(entry.href);
      const etag = propText(entry, D, "getetag") ?? "";
      // A data property answered with 404 (or left out) is not found by findProp: read later.
      const text = data === undefined ? undefined : findProp(entry, data.ns, data.name)?.text;
      result.changed.set(entry.href, text === undefined || text.trim() === "" ? { etag } : { etag, data: withCrlf(text) });
    }
    if (!multistatus.syncToken) throw new DavError("INVALID_XML", `sync-collection on ${redactUrl(url)} answered without a DAV:sync-token`);
    const advanced = multistatus.syncToken !== result.token;
    if (!truncated && limit !== undefined && listed === limit) {
      throw new DavError(
        "RESPONSE_TOO_LARGE",
        `sync-collection on ${redactUrl(url)} answered exactly the ${limit} members asked for (DAV:limit) without marking the answer truncated, so whether it is whole cannot be told; raise maxResponseBytes`,
      );
    }
    result.token = multistatus.syncToken;
    if (!truncated) return result;
    // Continuing from the same token would get the same truncated answer forever; returning
    // what came so far would pass a partial listing off as whole (read as deletions).
    if (!advanced) throw new DavError("HTTP_STATUS", `sync-collection on ${redactUrl(url)} was truncated without advancing the sync-token`);
  }
}

/** A Depth-1 listing of the members' ETags, with the collection's own ctag and the hrefs dropped as non-members. */
export async function etagListing(context: DavContext, collectionUrl: string, signal?: AbortSignal): Promise<{ ctag: string | null; etags: Map<string, string>; anomalies: DavAnomaly[] }> {
  const url = new URL(collectionUrl, context.baseUrl);
  const multistatus = await propfind(context, url, "1", [["d", "getetag"], ["cs", "getctag"], ["d", "resourcetype"]], signal);
  const etags = new Map<string, string>();
  const anomalies = new Map<string, DavAnomaly>();
  let ctag: string | null = null;
  for (const { entry, role } of classifyEntries(context, multistatus, hrefOf(context, url.href), "etag-listing", anomalies)) {
    if (role === "self") {
      ctag = propText(entry, CS, "getctag") ?? null;
      continue;
    }
    if (role !== "member" || isCollectionEntry(entry) || (entry.status !== undefined && entry.status >= 300)) continue;
    // A member without an ETag is still a member: leaving it out would read as a deletion.
    etags.set(entry.href, propText(entry, D, "getetag") ?? "");
  }
  return { ctag, etags, anomalies: [...anomalies.values()] };
}

async function currentCtag(context: DavContext, collectionUrl: string, signal?: AbortSignal): Promise<string | null> {
  const url = new URL(collectionUrl, context.baseUrl);
  const multistatus = await propfind(context, url, "0", [["cs", "getctag"]], signal);
  for (const entry of multistatus.responses) {
    const ctag = propText(entry, CS, "getctag");
    if (ctag !== undefined) return ctag;
  }
  return null;
}

async function changesByEtagListing(context: DavContext, collectionUrl: string, previous: DavChangeCursor | null, signal?: AbortSignal): Promise<DavChangeFeed> {
  const last = previous?.kind === "etag-listing" ? previous : null;
  if (last?.ctag) {
    const ctag = await currentCtag(context, collectionUrl, signal);
    if (ctag !== null && ctag === last.ctag) {
      return { cursor: encodeCursor(last), changed: [], deleted: [], complete: false, method: "etag-listing", anomalies: [] };
    }
  }
  const listing = await etagListing(context, collectionUrl, signal);
  const cursor = encodeCursor({ kind: "etag-listing", ctag: listing.ctag, etags: Object.fromEntries(listing.etags) });
  if (!last) {
    return { cursor, changed: [...listing.etags].map(([href, etag]) => ({ href, etag })), deleted: [], complete: true, method: "etag-listing", anomalies: listing.anomalies };
  }
  const changed: DavChangedMember[] = [];
  for (const [href, etag] of listing.etags) if (last.etags[href] !== etag) changed.push({ href, etag });
  const deleted = Object.keys(last.etags).filter((href) => !listing.etags.has(href));
  return { cursor, changed, deleted, complete: false, method: "etag-listing", anomalies: listing.anomalies };
}

function feedFromSync(result: SyncResult, complete: boolean): DavChangeFeed {
  return {
    cursor: encodeCursor({ kind: "sync-token", syncToken: result.token }),
    changed: [...result.changed].map(([href, member]) => (member.data === undefined ? { href, etag: member.etag } : { href, etag: member.etag, data: member.data })),
    deleted: complete ? [] : [...result.deleted],
    complete,
    method: "sync-collection",
    anomalies: [...result.anomalies.values()],
  };
}

/**
 * Runs {@link syncCollection}, asking for the members' content when `withData` says so; a server
 * that refuses the REPORT with data (a status of REFUSED_STATUSES, not a rejected token) is asked again
 * without it, and `onRefused` is told.
 */
/**
 * The statuses by which a server refuses sync-collection with data as asked (a bad request, a
 * report or property it does not do); a server fault (5xx), a throttle (429) or a lost connection
 * is an error like any other, and the next cycle asks with data again.
 */
const REFUSED_STATUSES: ReadonlySet<number> = new Set([400, 403, 405, 409, 415, 422, 501]);

async function syncCollectionMaybeWithData(context: DavContext, collectionUrl: string, token: string, options: CollectionChangesOptions): Promise<SyncResult> {
  const withData = options.withData;
  const plain = { signal: options.signal, maxPages: options.maxPages };
  if (withData === undefined || withData.refused) return syncCollection(context, collectionUrl, token, plain);
  try {
    return await syncCollection(context, collectionUrl, token, { ...plain, dataKind: withData.kind });
  } catch (error) {
    if (error instanceof DavError && error.code === "RESPONSE_TOO_LARGE") return syncCollection(context, collectionUrl, token, plain);
    // A refusal of the request as asked (not a server fault, a throttle or a lost connection,
    // which would stop the data for good after one bad moment): asked again without the data.
    if (!(error instanceof DavHttpError && REFUSED_STATUSES.has(error.status))) throw error;
    const result = await syncCollection(context, collectionUrl, token, plain);
    withData.onRefused?.();
    return result;
  }
}

/**
 * Reads the content of members a sync-collection answer listed without it, by multiget, once the
 * listing is whole: read after the token was issued, each item is then at least as new as the
 * token's view (read before a later page listed it again, it could be older than that page's
 * ETag, and its newer version would be lost behind the token). Each item read replaces its
 * member with the multiget's ETag and text, a consistent pair; a member the server no longer has
 * stays without content (a read by href finds it gone).
 */
async function readMissingData(context: DavContext, collectionUrl: string, result: SyncResult, withData: WithDataOptions, signal: AbortSignal | undefined): Promise<void> {
  if (withData.readMissing === false) return;
  const hrefs: string[] = [];
  for (const [href, member] of result.changed) if (member.data === undefined) hrefs.push(href);
  if (hrefs.length === 0) return;
  for await (const item of multiget(context, collectionUrl, withData.kind, hrefs, { batchSize: withData.batchSize, concurrency: withData.concurrency, signal })) {
    if ("missing" in item) continue;
    if (result.changed.has(item.href)) result.changed.set(item.href, { etag: item.etag, data: item.data });
  }
}

/** A sync-collection feed from `token` (`""`: complete), with the content read where asked for. */
async function syncFeed(context: DavContext, collectionUrl: string, token: string, options: CollectionChangesOptions): Promise<DavChangeFeed> {
  const result = await syncCollectionMaybeWithData(context, collectionUrl, token, options);
  if (options.withData) await readMissingData(context, collectionUrl, result, options.withData, options.signal);
  return feedFromSync(result, token === "");
}

/**
 * What changed in a collection since `cursor` (null: everything, as a complete listing).
 * @throws DavError `INVALID_CURSOR` for a cursor string this client did not write.
 */
export async function collectionChanges(context: DavContext, collectionUrl: string, cursor: string | null, options: CollectionChangesOptions): Promise<DavChangeFeed> {
  const previous = cursor === null ? null : decodeCursor(cursor);
  const { signal } = options;
  const useSync =
    options.detection === "sync-collection" ||
    (options.detection === "auto" && options.supportsSyncCollection !== false && previous?.kind !== "etag-listing");
  if (!useSync) return changesByEtagListing(context, collectionUrl, previous, signal);

  if (previous?.kind === "sync-token") {
    try {
      return await syncFeed(context, collectionUrl, previous.syncToken, options);
    } catch (error) {
      if (!(error instanceof InvalidSyncTokenError)) throw error;
    }
  }
  let listing: SyncResult;
  try {
    listing = await syncCollectionMaybeWithData(context, collectionUrl, "", options);
  } catch (error) {
    // The server does not do sync-collection after all (400, 405, 501, 403 on the report, …);
    // a missing collection (404), refused credentials or a network failure stay errors.
    const unsupported = error instanceof DavError && (error.code === "HTTP_STATUS" || error.code === "FORBIDDEN");
    if (options.detection === "sync-collection" || !unsupported) throw error;
    return changesByEtagListing(context, collectionUrl, null, signal);
  }
  if (options.withData) await readMissingData(context, collectionUrl, listing, options.withData, signal);
  return feedFromSync(listing, true);
}

/** One step of a paged first listing ({@link collectionListingPages}). */
export type DavListingStep =
  /** Members of the collection, in the order listed, each once; `data` as in {@link DavChangedMember}. */
  | { readonly type: "members"; readonly members: readonly DavChangedMember[] }
  /** The listing is whole: the cursor to store, how it was made, and the hrefs dropped as non-members. */
  | { readonly type: "end"; readonly cursor: string; readonly method: "sync-collection" | "etag-listing"; readonly anomalies: readonly DavAnomaly[] };

/** Options of {@link collectionListingPages}. */
export interface ListingPagesOptions extends CollectionChangesOptions {
  /** Members per page. */
  readonly pageSize: number;
}

/**
 * The complete listing of a collection (what {@link collectionChanges} answers without a cursor),
 * handed over in pages as the answer is read, then its cursor: a first sync can act on the first
 * members while the rest of the answer is parsed, and holds the parsed content of a page at a
 * time instead of the collection's.
 *
 * - Where sync-collection is used and the content is asked for (`withData`), one REPORT; its
 *   body is read whole by the transport (within `maxResponseBytes`, as every answer), then parsed
 *   lazily, a page at a time, as the caller takes pages. Members the server answers without their
 *   content come without `data` (`readMissing` is not applied here: the caller reads them).
 * - Anything else — no sync-collection, no content asked for or refused before, an answer over the
 *   size limit, a status other than 207, an answer that is truncated (RFC 6578 §3.6, continued
 *   with its token) — is listed by {@link collectionChanges} (its rules, its requests) and handed
 *   over in pages once whole.
 *
 * The `end` step comes only after the whole answer was read and found well-formed with a
 * sync-token: a body cut off or malformed, or a member listed twice, throws after the pages read
 * before it, never ends the listing.
 * @throws DavError as {@link collectionChanges}; `INVALID_XML` for a malformed or cut answer, or a
 *   member listed twice.
 */
export async function* collectionListingPages(context: DavContext, collectionUrl: string, options: ListingPagesOptions): AsyncGenerator<DavListingStep, void, void> {
  const { withData, pageSize } = options;
  const useSync = options.detection === "sync-collection" || (options.detection === "auto" && options.supportsSyncCollection !== false);
  if (useSync && withData !== undefined && !withData.refused) {
    const url = new URL(collectionUrl, context.baseUrl);
    let response: DavHttpResponse | undefined;
    try {
      response = await sendXml(context, "REPORT", url, syncCollectionBody("", undefined, withData.kind), { depth: "0", signal: options.signal });
    } catch (error) {
      if (!(error instanceof DavError && error.code === "RESPONSE_TOO_LARGE")) throw error;
    }
    // A truncated answer is continued with its token, which may list members again or delete them:
    // left to the whole listing. (A 507 status line escaped so as to dodge this test is still
    // refused while reading, as an error.)
    if (response?.status === 207 && !/HTTP\/\d(?:\.\d)?\s+507\b|number-of-matches-within-limits/.test(response.body)) {
      yield* streamedListing(context, url, response, withData.kind, pageSize);
      return;
    }
    // Busy or failing (429, a 5xx other than 501): an error, as the whole listing would answer it —
    // not a second REPORT straight away. Only a refusal of the data (another 4xx, 501) is listed anew.
    if (response && (response.status === 429 || (response.status >= 500 && response.status !== 501))) expectStatus(response, "REPORT", (s) => s === 207);
  }
  const feed = await collectionChanges(context, collectionUrl, null, { ...options, ...(withData ? { withData: { ...withData, readMissing: false } } : {}) });
  for (let i = 0; i < feed.changed.length; i += pageSize) yield { type: "members", members: feed.changed.slice(i, i + pageSize) };
  yield { type: "end", cursor: feed.cursor, method: feed.method, anomalies: feed.anomalies };
}

/** The members of one whole sync-collection answer (207) in pages, read lazily, then its cursor. */
async function* streamedListing(context: DavContext, url: URL, response: DavHttpResponse, kind: DavCollectionKind, pageSize: number): AsyncGenerator<DavListingStep, void, void> {
  expectStatus(response, "REPORT", (s) => s === 207);
  const data = dataProperty(kind);
  // Members are those of the collection asked for, not of where a redirect led (as `syncCollection`).
  const collection = hrefOf(context, url.href);
  const own = collectionSpellings(collection);
  const anomalies = new Map<string, DavAnomaly>();
  const listed = new Set<string>();
  const where = redactUrl(response.url);
  const reading = readMultistatus(response.body, response.url);
  let page: DavChangedMember[] = [];
  let syncToken: string | undefined;
  for (;;) {
    let step: ReturnType<typeof reading.next>;
    try {
      step = reading.next();
    } catch (error) {
      if (error instanceof DavError) throw new DavError(error.code, `REPORT ${where}: ${error.message}`, { cause: error });
      throw error;
    }
    if (step.done) {
      syncToken = step.value.syncToken;
      break;
    }
    const { response: entry, foreign } = step.value;
    if (isTruncation(entry)) throw new DavError("HTTP_STATUS", `sync-collection on ${where} was truncated; its pages are not read as a whole listing`);
    if (entryRole(context, entry, foreign, collection, own, "sync-collection", anomalies) !== "member") continue;
    // A first listing has no deletions: a member answered 404 (or another status) is not listed.
    if (entry.status !== undefined && entry.status >= 300) continue;
    if (listed.has(entry.href)) throw new DavError("INVALID_XML", `REPORT ${where}: the answer lists ${entry.href} twice`);
    listed.add(entry.href);
    const etag = propText(entry, D, "getetag") ?? "";
    const text = findProp(entry, data.ns, data.name)?.text;
    page.push(text === undefined || text.trim() === "" ? { href: entry.href, etag } : { href: entry.href, etag, data: withCrlf(text) });
    if (page.length >= pageSize) {
      yield { type: "members", members: page };
      page = [];
    }
  }
  if (!syncToken) throw new DavError("INVALID_XML", `sync-collection on ${where} answered without a DAV:sync-token`);
  if (page.length > 0) yield { type: "members", members: page };
  yield { type: "end", cursor: encodeCursor({ kind: "sync-token", syncToken }), method: "sync-collection", anomalies: [...anomalies.values()] };
}
