/**
 * Calendars and address books: listing a home set with the properties a sync needs,
 * creating (MKCALENDAR of RFC 4791 §5.3.1 with a component set; extended MKCOL of
 * RFC 5689 for address books) and deleting.
 */
import { DavError, DavHttpError, redactUrl } from "./errors.js";
import { collectionPrefix, encodePathSegment, memberProblem } from "./href.js";
import { childrenNamed, escapeXml } from "./xml.js";
import { findProp, propText, type DavResponse } from "./multistatus.js";
import { DAV_NAMESPACES, type DavPropertyName } from "./namespaces.js";
import { expectMultistatus, hrefOf, propfind, reportAnomaly, sendXml, xmlDocument, type DavContext } from "./requests.js";
import { expectStatus } from "./transport.js";

const { d: D, cal: CAL, card: CARD, cs: CS, ical: ICAL } = DAV_NAMESPACES;

/** What a collection holds. */
export type DavCollectionKind = "calendar" | "addressbook";

/** A calendar or address book as listed. */
export interface DavCollection {
  /** Absolute URL, ending in `/`. */
  readonly url: string;
  /** Canonical absolute path, ending in `/`. */
  readonly href: string;
  /** Calendar or address book. */
  readonly kind: DavCollectionKind;
  /** `DAV:displayname`, when set. */
  readonly displayName: string | undefined;
  /** `calendar-description` or `addressbook-description`, when set. */
  readonly description: string | undefined;
  /** `calendar-color` (Apple namespace), as the server stores it (e.g. `#1E90FFFF`). */
  readonly color: string | undefined;
  /**
   * Component types a calendar accepts (`VEVENT`, `VTODO`, …); undefined when the server
   * does not restrict them (RFC 4791: any). Always undefined for address books.
   */
  readonly components: readonly string[] | undefined;
  /** `getctag` (calendarserver.org), changes whenever anything inside changes. */
  readonly ctag: string | undefined;
  /** `DAV:sync-token` (RFC 6578). */
  readonly syncToken: string | undefined;
  /** The privileges the current user holds, by local name (`read`, `write`, `all`, …); undefined when not reported. */
  readonly privileges: readonly string[] | undefined;
  /** True when the privileges reported allow no writing. */
  readonly readOnly: boolean;
  /** Whether the collection answers the sync-collection REPORT (RFC 6578). */
  readonly supportsSyncCollection: boolean;
}

/** The properties asked for when listing collections. */
export const COLLECTION_PROPS: readonly DavPropertyName[] = [
  ["d", "resourcetype"],
  ["d", "displayname"],
  ["cal", "calendar-description"],
  ["card", "addressbook-description"],
  ["ical", "calendar-color"],
  ["cal", "supported-calendar-component-set"],
  ["cs", "getctag"],
  ["d", "sync-token"],
  ["d", "current-user-privilege-set"],
  ["d", "supported-report-set"],
];

/**
 * {@link COLLECTION_PROPS} without the change markers (`getctag`, `sync-token`): some servers
 * compute those over every member (Radicale hashes the whole collection, as costly as a
 * sync-collection REPORT), and a caller that only needs the kind and the reports does not ask.
 */
export const COLLECTION_PROPS_WITHOUT_MARKERS: readonly DavPropertyName[] = COLLECTION_PROPS.filter(([, name]) => name !== "getctag" && name !== "sync-token");

const WRITE_PRIVILEGES = new Set(["all", "write", "write-content", "bind"]);

/**
 * Reads a collection from its PROPFIND response; undefined when it is neither a calendar nor an
 * address book. `markersAsked` false: the request left out `sync-token`, so a server that reports
 * no supported-report-set is taken to support sync-collection (the `auto` detection of
 * {@link collectionChanges} tries it and falls back to an ETag listing when it is refused).
 */
export function collectionFromResponse(response: DavResponse, origin: string, markersAsked = true): DavCollection | undefined {
  const resourceType = findProp(response, D, "resourcetype");
  const types = new Set(resourceType?.children.map((c) => `{${c.ns}}${c.name}`) ?? []);
  const kind: DavCollectionKind | undefined = types.has(`{${CAL}}calendar`)
    ? "calendar"
    : types.has(`{${CARD}}addressbook`)
      ? "addressbook"
      : undefined;
  if (!kind) return undefined;
  const componentSet = findProp(response, CAL, "supported-calendar-component-set");
  const components =
    kind === "calendar" && componentSet
      ? childrenNamed(componentSet, CAL, "comp")
          .map((c) => (c.attributes["name"] ?? "").toUpperCase())
          .filter((n) => n !== "")
      : undefined;
  const privilegeSet = findProp(response, D, "current-user-privilege-set");
  const privileges = privilegeSet
    ? childrenNamed(privilegeSet, D, "privilege").flatMap((p) => p.children.map((c) => c.name))
    : undefined;
  const reportSet = findProp(response, D, "supported-report-set");
  // RFC 3253 nests each report as supported-report/report/<name>; Xandikos leaves out the
  // DAV:report level (supported-report/<name>). Both are read.
  const reports = reportSet
    ? reportSet.children.flatMap((s) => s.children.flatMap((r) => (r.ns === D && r.name === "report" ? r.children : [r])).map((c) => `{${c.ns}}${c.name}`))
    : undefined;
  const syncToken = propText(response, D, "sync-token");
  const href = response.href.endsWith("/") ? response.href : `${response.href}/`;
  return {
    url: new URL(href, origin).href,
    href,
    kind,
    displayName: propText(response, D, "displayname"),
    description: propText(response, kind === "calendar" ? CAL : CARD, kind === "calendar" ? "calendar-description" : "addressbook-description"),
    color: propText(response, ICAL, "calendar-color"),
    components,
    ctag: propText(response, CS, "getctag"),
    syncToken,
    privileges,
    readOnly: privileges !== undefined && !privileges.some((p) => WRITE_PRIVILEGES.has(p)),
    supportsSyncCollection: reports !== undefined && reports.length > 0 ? reports.includes(`{${D}}sync-collection`) : markersAsked ? syncToken !== undefined : true,
  };
}

/** Lists the calendars and address books directly below the given home URLs (duplicates removed). */
export async function listCollections(context: DavContext, homeUrls: readonly string[], signal?: AbortSignal, changeMarkers = true): Promise<DavCollection[]> {
  const seen = new Set<string>();
  const collections: DavCollection[] = [];
  for (const home of new Set(homeUrls)) {
    const url = new URL(home, context.baseUrl);
    const homeHref = collectionPrefix(hrefOf(context, url.href));
    const multistatus = await propfind(context, url, "1", changeMarkers ? COLLECTION_PROPS : COLLECTION_PROPS_WITHOUT_MARKERS, signal);
    const drop = (href: string, reason: Parameters<typeof reportAnomaly>[1]["reason"]) =>
      reportAnomaly(context, { kind: "href-dropped", operation: "list-collections", collection: homeHref, href, reason });
    for (const response of multistatus.foreign) drop(response.href, "foreign-origin");
    for (const response of multistatus.responses) {
      // Only the home itself and its direct members: a collection listed elsewhere would take
      // later reads and writes there.
      const problem = collectionPrefix(response.href) === homeHref ? undefined : memberProblem(response.href, homeHref);
      if (problem) {
        drop(response.href, problem);
        continue;
      }
      const collection = collectionFromResponse(response, url.origin, changeMarkers);
      if (collection && !seen.has(collection.href)) {
        seen.add(collection.href);
        collections.push(collection);
      }
    }
  }
  return collections;
}

/**
 * Reads one collection's properties (Depth 0); with `changeMarkers` false, without `getctag` and
 * `sync-token` ({@link COLLECTION_PROPS_WITHOUT_MARKERS}: `ctag` and `syncToken` are then undefined).
 * @throws DavError `NOT_FOUND` when the URL is not a calendar or address book.
 */
export async function getCollection(context: DavContext, collectionUrl: string, signal?: AbortSignal, changeMarkers = true): Promise<DavCollection> {
  const url = new URL(collectionUrl, context.baseUrl);
  const own = collectionPrefix(hrefOf(context, url.href));
  const multistatus = await propfind(context, url, "0", changeMarkers ? COLLECTION_PROPS : COLLECTION_PROPS_WITHOUT_MARKERS, signal);
  for (const response of multistatus.responses) {
    // Only the collection asked about: an answer naming another href would move it there.
    if (collectionPrefix(response.href) !== own) continue;
    const collection = collectionFromResponse(response, url.origin, changeMarkers);
    if (collection) return collection;
  }
  throw new DavError("NOT_FOUND", `${redactUrl(url)} is not a calendar or an address book`);
}

/** A calendar to create. */
export interface NewCalendar {
  /** Path segment below the home (encoded by the client). */
  readonly name: string;
  /** `DAV:displayname`. */
  readonly displayName?: string | undefined;
  /** Component types it accepts (default `["VEVENT"]`). */
  readonly components?: readonly string[] | undefined;
  /** `calendar-color`, e.g. `#FF8800FF`. */
  readonly color?: string | undefined;
  /** `calendar-description` (some servers refuse it; then it is left out). */
  readonly description?: string | undefined;
}

/** An address book to create. */
export interface NewAddressBook {
  /** Path segment below the home (encoded by the client). */
  readonly name: string;
  /** `DAV:displayname`. */
  readonly displayName?: string | undefined;
  /** `addressbook-description`. */
  readonly description?: string | undefined;
}

function childUrl(homeUrl: string, name: string, base: URL): URL {
  if (name === "" || name === "." || name === ".." || /[/\\\u0000]/.test(name)) {
    throw new DavError("INVALID_OPTIONS", `collection name ${JSON.stringify(name)} must be one plain path segment (no '/', backslash, NUL, '.' or '..')`);
  }
  const home = new URL(homeUrl, base);
  if (!home.pathname.endsWith("/")) home.pathname += "/";
  return new URL(`${encodePathSegment(name)}/`, home);
}

async function expectCreated(context: DavContext, method: string, response: { status: number; body: string; url: URL; headers: Record<string, string> }, url: URL, signal?: AbortSignal): Promise<DavCollection> {
  if (response.status === 207) {
    // Some servers report refused properties in a multistatus; any failure fails the creation.
    const multistatus = expectMultistatus({ ...response, url }, method);
    const failed = multistatus.responses.flatMap((r) => r.propstats).find((p) => p.status >= 400);
    if (failed) throw new DavHttpError(method, redactUrl(url), failed.status, "a property was refused");
  } else {
    expectStatus(response, method, (s) => s === 201 || s === 200 || s === 204);
  }
  return getCollection(context, url.href, signal);
}

/** Properties of a collection that can be changed after creation. */
export interface CollectionPropertiesUpdate {
  /** New `DAV:displayname`. */
  readonly displayName?: string | undefined;
  /** New `calendar-color` (calendars only). */
  readonly color?: string | undefined;
  /** New calendar or address book description. */
  readonly description?: string | undefined;
}

/**
 * Sets a collection's display name, colour or description with PROPPATCH.
 * @throws DavHttpError when the server refuses a property.
 */
export async function updateCollection(context: DavContext, collectionUrl: string, kind: DavCollectionKind, update: CollectionPropertiesUpdate, signal?: AbortSignal): Promise<void> {
  const props = [
    update.displayName !== undefined ? `<d:displayname>${escapeXml(update.displayName)}</d:displayname>` : "",
    update.color !== undefined ? `<ical:calendar-color>${escapeXml(update.color)}</ical:calendar-color>` : "",
    update.description !== undefined
      ? kind === "calendar"
        ? `<cal:calendar-description>${escapeXml(update.description)}</cal:calendar-description>`
        : `<card:addressbook-description>${escapeXml(update.description)}</card:addressbook-description>`
      : "",
  ].join("");
  if (props === "") return;
  const url = new URL(collectionUrl, context.baseUrl);
  const response = await sendXml(context, "PROPPATCH", url, xmlDocument("d:propertyupdate", `<d:set><d:prop>${props}</d:prop></d:set>`), { signal, retry: "write" });
  if (response.status === 207) {
    const failed = expectMultistatus(response, "PROPPATCH").responses.flatMap((r) => r.propstats).find((p) => p.status >= 400);
    if (failed) throw new DavHttpError("PROPPATCH", redactUrl(url), failed.status, `refused ${failed.props.map((p) => p.name).join(", ")}`);
    return;
  }
  expectStatus(response, "PROPPATCH");
}

/**
 * Some servers create the collection but drop properties sent with MKCALENDAR / MKCOL
 * (Xandikos 0.2.8 keeps the display name only); set what did not stick with PROPPATCH.
 */
async function applyMissingProperties(context: DavContext, created: DavCollection, wanted: CollectionPropertiesUpdate, signal?: AbortSignal): Promise<DavCollection> {
  const missing: CollectionPropertiesUpdate = {
    displayName: wanted.displayName !== undefined && created.displayName !== wanted.displayName ? wanted.displayName : undefined,
    color: wanted.color !== undefined && created.color === undefined ? wanted.color : undefined,
    description: wanted.description !== undefined && created.description !== wanted.description ? wanted.description : undefined,
  };
  const updates = Object.entries(missing)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ({ [key]: value }) as CollectionPropertiesUpdate);
  if (updates.length === 0) return created;
  // One PROPPATCH per property (PROPPATCH is atomic), best effort: a property the server
  // refuses (Xandikos refuses calendar-description) is simply absent from the result.
  for (const update of updates) {
    try {
      await updateCollection(context, created.url, created.kind, update, signal);
    } catch (error) {
      if (!(error instanceof DavHttpError)) throw error;
    }
  }
  return getCollection(context, created.url, signal);
}

/** Creates a calendar with MKCALENDAR below a calendar home and returns it as listed. */
export async function createCalendar(context: DavContext, homeUrl: string, calendar: NewCalendar, signal?: AbortSignal): Promise<DavCollection> {
  const url = childUrl(homeUrl, calendar.name, context.baseUrl);
  const components = calendar.components ?? ["VEVENT"];
  const props = [
    calendar.displayName !== undefined ? `<d:displayname>${escapeXml(calendar.displayName)}</d:displayname>` : "",
    `<cal:supported-calendar-component-set>${components.map((c) => `<cal:comp name="${escapeXml(c)}"/>`).join("")}</cal:supported-calendar-component-set>`,
    calendar.color !== undefined ? `<ical:calendar-color>${escapeXml(calendar.color)}</ical:calendar-color>` : "",
    calendar.description !== undefined ? `<cal:calendar-description>${escapeXml(calendar.description)}</cal:calendar-description>` : "",
  ].join("");
  const body = xmlDocument("cal:mkcalendar", `<d:set><d:prop>${props}</d:prop></d:set>`);
  const response = await sendXml(context, "MKCALENDAR", url, body, { signal, retry: "write" });
  return applyMissingProperties(context, await expectCreated(context, "MKCALENDAR", response, url, signal), calendar, signal);
}

/** Creates an address book with an extended MKCOL (RFC 5689) below an address book home. */
export async function createAddressBook(context: DavContext, homeUrl: string, addressBook: NewAddressBook, signal?: AbortSignal): Promise<DavCollection> {
  const url = childUrl(homeUrl, addressBook.name, context.baseUrl);
  const props = [
    "<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>",
    addressBook.displayName !== undefined ? `<d:displayname>${escapeXml(addressBook.displayName)}</d:displayname>` : "",
    addressBook.description !== undefined ? `<card:addressbook-description>${escapeXml(addressBook.description)}</card:addressbook-description>` : "",
  ].join("");
  const body = xmlDocument("d:mkcol", `<d:set><d:prop>${props}</d:prop></d:set>`);
  const response = await sendXml(context, "MKCOL", url, body, { signal, retry: "write" });
  return applyMissingProperties(context, await expectCreated(context, "MKCOL", response, url, signal), addressBook, signal);
}

/** Deletes a collection and everything in it. */
export async function deleteCollection(context: DavContext, collectionUrl: string, signal?: AbortSignal): Promise<void> {
  const url = new URL(collectionUrl, context.baseUrl);
  const response = await context.transport.request({ method: "DELETE", url, signal, retry: "write" });
  if (response.status === 207) {
    const multistatus = expectMultistatus(response, "DELETE");
    const failed = multistatus.responses.find((r) => (r.status ?? 200) >= 400);
    if (failed) throw new DavHttpError("DELETE", redactUrl(url), failed.status ?? 0, `member ${failed.href} could not be deleted`);
    return;
  }
  expectStatus(response, "DELETE", (s) => s >= 200 && s < 300);
}
