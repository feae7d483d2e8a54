/**
 * `@ewsdav/core/dav`: a {@link SyncSide} over a CalDAV / CardDAV server through
 * `@ewsdav/dav-client` (an optional peer dependency of `@ewsdav/core`).
 *
 * - Collections are calendars and address books; a calendar that accepts only VTODO holds tasks.
 *   A collection's id is its canonical href.
 * - The change feed is the client's: sync-collection (RFC 6578), or an ETag listing where the
 *   server lacks it (sabre/dav 1.8) or rejects the token (then a full listing, `complete`). The
 *   feed carries the items' content where the server gives it with the ETags (sync-collection asks
 *   for it), so a first sync of a collection on such a server (Radicale) costs one REPORT and the
 *   engine reads nothing more. Entries listed without content (Xandikos answers the property
 *   with 404; an ETag listing) are read by the engine through `fetch` (multiget), only those whose
 *   version it does not hold. The UID of an entry is left to the engine (read from its text).
 * - The side's cursor records, besides the client's, the collection's kind, components and
 *   whether it answers sync-collection: a new process (the `ewsdav sync` command) with a stored
 *   cursor sends its REPORT at once, so a quiet cycle costs one request. Cursors written before
 *   (the client's alone) are still read, at the cost of one PROPFIND.
 * - Reads go through multiget; every write carries a precondition (`If-None-Match: *` on create,
 *   `If-Match` on update and delete). An href the server no longer has is `not-found` (the engine
 *   files a deletion), also where the server answers the whole multiget with 404 for it
 *   (sabre/dav: the client reads that batch again in halves); a collection that is gone fails
 *   the read instead, so it is never taken for every item deleted.
 * - Only members of the pair's collection are read or written. An href a listing names that is
 *   not one (on another origin, outside the collection after resolving `..` and percent-encoding,
 *   or with a name a server may resolve elsewhere) is dropped by the client and reported by the
 *   side: it is listed once in the feed as changed, and reading it answers a `rejected` error
 *   saying what was dropped, so the cycle's report names it and nothing is read or written
 *   there. (Were the listing only such hrefs, and complete, the feed fails instead: listing
 *   them as the only changes would hide an empty collection from the engine's empty-side
 *   guard.) Any id that is not a member is `not-found` on read, and a write to one is
 *   `rejected` before anything is sent.
 * - An item larger than the client's response size limit fails alone (`rejected`, naming it):
 *   its batch is read again one by one.
 *
 * @module
 */
import {
  DavError,
  describeAnomaly,
  memberProblem,
  PreconditionFailedError,
  type DavAnomaly,
  type DavClient,
  type DavCollection,
} from "@ewsdav/dav-client";
import { findUid } from "@ewsdav/vobject";
import {
  SideError,
  type ChangeFeed,
  type CollectionInfo,
  type CollectionKind,
  type ItemUpdate,
  type ListingPage,
  type SideCapabilities,
  type SideItem,
  type SyncSide,
  type Versioned,
  type VObject,
  type WriteResult,
} from "../engine/side.js";

/** Options of {@link DavSide}. */
export interface DavSideOptions {
  /** A configured client (base URL, auth); the side does not close it. */
  client: DavClient;
  /** The side's name (default `"dav"`); with several accounts, one name per account. */
  name?: string;
  /** Homes to list collections in (default: discovered). */
  homeUrls?: readonly string[];
  readOnly?: boolean;
  /** Items per batch call (default 100) and batch calls at once (default 2). */
  maxBatch?: number;
  maxConcurrency?: number;
}

/** The engine kind of a DAV collection. */
export function kindOfDavCollection(collection: Pick<DavCollection, "kind" | "components">): CollectionKind {
  if (collection.kind === "addressbook") return "contacts";
  const components = collection.components ?? [];
  return components.includes("VTODO") && !components.includes("VEVENT") ? "tasks" : "events";
}

function toSideError(error: unknown, id: string | null, creating = false): SideError {
  if (error instanceof PreconditionFailedError) {
    return new SideError(creating ? "already-exists" : "precondition-failed", error.message, id);
  }
  if (error instanceof DavError) {
    const status = (error as { status?: number }).status;
    switch (error.code) {
      case "NOT_FOUND":
        return new SideError("not-found", error.message, id);
      case "PRECONDITION_FAILED":
        return new SideError(creating ? "already-exists" : "precondition-failed", error.message, id);
      case "FORBIDDEN":
        return new SideError("read-only", error.message, id);
      case "INVALID_ITEM":
      case "OUTSIDE_COLLECTION":
      case "FOREIGN_HREF":
        return new SideError("rejected", error.message, id);
      case "HTTP_STATUS":
        return new SideError(status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429 ? "rejected" : "transient", error.message, id);
      default:
        return new SideError("transient", error.message, id);
    }
  }
  return new SideError("transient", error instanceof Error ? error.message : String(error), id);
}

/** What a cursor of {@link DavSide} records about its collection besides the client's cursor. */
interface CollectionFacts {
  kind: DavCollection["kind"];
  components: readonly string[] | undefined;
  supportsSyncCollection: boolean;
}

const SIDE_CURSOR_PREFIX = "dav-side/1 ";
const SIDE_CURSOR_HEAD = /^dav-side\/1 kind=(calendar|addressbook) components=(\*|[A-Za-z0-9-]+(?:,[A-Za-z0-9-]+)*) sync=([01])$/;

/**
 * The side's cursor: one line with the collection's kind, accepted components and whether it
 * answers sync-collection, then the client's cursor (`DavClient.changes`). A process that starts
 * with it needs no PROPFIND before its REPORT: a quiet cycle is one request. The kind of a
 * collection does not change under its href; where the collection was replaced (the server then
 * rejects the token), {@link DavSide.changes} reads it again.
 */
function encodeSideCursor(facts: CollectionFacts, feed: string): string {
  const components = facts.components === undefined ? "*" : facts.components.filter((c) => /^[A-Za-z0-9-]+$/.test(c)).join(",") || "*";
  return `${SIDE_CURSOR_PREFIX}kind=${facts.kind} components=${components} sync=${facts.supportsSyncCollection ? 1 : 0}\n${feed}`;
}

/** A stored cursor: the side's (with the collection's facts) or, as written before them, the client's alone. */
function decodeSideCursor(cursor: string): { facts?: CollectionFacts; feed: string } {
  if (!cursor.startsWith(SIDE_CURSOR_PREFIX)) return { feed: cursor };
  const newline = cursor.indexOf("\n");
  const head = SIDE_CURSOR_HEAD.exec(newline < 0 ? cursor : cursor.slice(0, newline));
  if (!head || newline < 0) throw new DavError("INVALID_CURSOR", "the change cursor is not one this side wrote");
  return {
    facts: { kind: head[1] as DavCollection["kind"], components: head[2] === "*" ? undefined : head[2]!.split(","), supportsSyncCollection: head[3] === "1" },
    feed: cursor.slice(newline + 1),
  };
}

function sameComponents(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && [...a].sort().join(",") === [...b].sort().join(",");
}

/** A CalDAV / CardDAV account as a sync side. */
export class DavSide implements SyncSide {
  readonly name: string;
  readonly capabilities: SideCapabilities;
  readonly #client: DavClient;
  readonly #options: DavSideOptions;
  readonly #collections = new Map<string, DavCollection>();
  /** Per collection, hrefs its last listing named that are not members: reported once, on read. */
  readonly #dropped = new Map<string, Map<string, DavAnomaly>>();

  constructor(options: DavSideOptions) {
    this.#options = options;
    this.#client = options.client;
    this.name = options.name ?? "dav";
    this.capabilities = { readOnly: options.readOnly ?? false, maxBatch: options.maxBatch ?? 100, maxConcurrency: options.maxConcurrency ?? 2 };
  }

  async listCollections(signal?: AbortSignal): Promise<CollectionInfo[]> {
    // Without the change markers: the side reads none of them, and a server may compute them with a
    // pass over every member (Radicale: about as long as a listing of the collection).
    const listed = await this.#client.listCollections({ ...(this.#options.homeUrls ? { homeUrls: this.#options.homeUrls } : {}), ...(signal ? { signal } : {}), changeMarkers: false });
    for (const c of listed) this.#collections.set(c.href, c);
    return listed.map((c) => ({
      id: c.href,
      kind: kindOfDavCollection(c),
      displayName: c.displayName ?? c.href,
      ...(c.kind === "calendar" && (c.components === undefined || (c.components.includes("VEVENT") && c.components.includes("VTODO")))
        ? { kinds: ["events", "tasks"] as CollectionKind[] }
        : {}),
    }));
  }

  async createCollection(kind: CollectionKind, displayName: string, signal?: AbortSignal): Promise<CollectionInfo> {
    if (this.capabilities.readOnly) throw new SideError("read-only", `${this.name} is read-only`);
    const slug = displayName.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || kind;
    const name = `${slug}-${Date.now().toString(36)}`;
    const homeUrl = this.#options.homeUrls?.[0];
    const options = { ...(homeUrl ? { homeUrl } : {}), ...(signal ? { signal } : {}) };
    const created =
      kind === "contacts"
        ? await this.#client.createAddressBook({ name, displayName }, options)
        : await this.#client.createCalendar({ name, displayName, components: [kind === "tasks" ? "VTODO" : "VEVENT"] }, options);
    this.#collections.set(created.href, created);
    return { id: created.href, kind, displayName };
  }

  async #ref(collection: string, signal?: AbortSignal): Promise<DavCollection> {
    let known = this.#collections.get(collection);
    if (!known) {
      // The kind and the reports only: the change markers cost some servers a pass over every member.
      known = await this.#client.getCollection(this.#client.url(collection), signal, { changeMarkers: false });
      this.#collections.set(collection, known);
    }
    return known;
  }

  /**
   * The collection as a cursor of this side describes it (see {@link encodeSideCursor}), so a
   * process that starts with a stored cursor asks nothing before its REPORT; what the process
   * already read itself (a listing, a PROPFIND) comes first.
   */
  #refFromCursor(collection: string, facts: CollectionFacts): DavCollection {
    const known = this.#collections.get(collection);
    if (known) return known;
    const ref: DavCollection = {
      url: this.#client.url(collection),
      href: collection,
      kind: facts.kind,
      displayName: undefined,
      description: undefined,
      color: undefined,
      components: facts.components,
      ctag: undefined,
      syncToken: undefined,
      privileges: undefined,
      readOnly: false,
      supportsSyncCollection: facts.supportsSyncCollection,
    };
    this.#collections.set(collection, ref);
    return ref;
  }

  async changes(collection: string, cursor: string | null, signal?: AbortSignal): Promise<ChangeFeed> {
    // Members listed without content (Xandikos gives none in sync-collection; an ETag listing) are
    // left to the engine, which reads by `fetch` only the versions it does not hold: after a cycle
    // wrote thousands of items here, the next listing names them all, and reading them in the
    // change feed would read back what was just written.
    const stored = cursor === null ? null : decodeSideCursor(cursor);
    const fromCursor = stored?.facts !== undefined && !this.#collections.has(collection);
    let ref = stored?.facts ? this.#refFromCursor(collection, stored.facts) : await this.#ref(collection, signal);
    const options = { withData: true, readMissing: false, ...(signal ? { signal } : {}) };
    let feed = await this.#client.changes(ref, stored?.feed ?? null, options);
    if (fromCursor && feed.complete) {
      // The server did not take the token: the collection may have been replaced since, so its kind
      // is read again (one PROPFIND, only here), and a collection of another kind is listed anew.
      this.#collections.delete(collection);
      const read = await this.#ref(collection, signal);
      if (read.kind !== ref.kind || !sameComponents(read.components, ref.components)) feed = await this.#client.changes(read, null, options);
      ref = read;
    }
    const dropped = new Map(feed.anomalies.map((a) => [a.href, a]));
    if (feed.complete && feed.changed.length === 0 && dropped.size > 0) {
      throw new DavError(
        "OUTSIDE_COLLECTION",
        `${this.name}: the listing of ${collection} names no member, only hrefs that are not members: ${[...dropped.values()].map(describeAnomaly).join("; ")}`,
      );
    }
    if (dropped.size > 0) this.#dropped.set(collection, dropped);
    else this.#dropped.delete(collection);
    return {
      cursor: encodeSideCursor({ kind: ref.kind, components: ref.components, supportsSyncCollection: ref.supportsSyncCollection }, feed.cursor),
      changed: [
        ...feed.changed.map((m): Versioned | SideItem => (m.data === undefined ? { id: m.href, version: m.etag || null } : { id: m.href, version: m.etag || null, uid: null, text: m.data })),
        ...[...dropped.keys()].map((id) => ({ id, version: null })),
      ],
      deleted: [...feed.deleted],
      complete: feed.complete,
    };
  }

  /**
   * The complete listing in pages of 500 (the client's `listPages`): with sync-collection and the
   * data, one REPORT parsed a page at a time; otherwise today's listing in pages. Members listed
   * without content are left to the engine's `fetch`, as in {@link DavSide.changes}; hrefs that
   * are not members come last, listed once without content (reading them answers `rejected`), and
   * a listing of only such hrefs fails, as there.
   */
  async *listPages(collection: string, signal?: AbortSignal): AsyncGenerator<ListingPage, void, void> {
    const ref = await this.#ref(collection, signal);
    let members = 0;
    for await (const step of this.#client.listPages(ref, { ...(signal ? { signal } : {}), pageSize: 500 })) {
      if (step.type === "members") {
        members += step.members.length;
        yield { type: "items", items: step.members.map((m): Versioned | SideItem => (m.data === undefined ? { id: m.href, version: m.etag || null } : { id: m.href, version: m.etag || null, uid: null, text: m.data })) };
        continue;
      }
      const dropped = new Map(step.anomalies.map((a) => [a.href, a]));
      if (members === 0 && dropped.size > 0) {
        throw new DavError(
          "OUTSIDE_COLLECTION",
          `${this.name}: the listing of ${collection} names no member, only hrefs that are not members: ${[...dropped.values()].map(describeAnomaly).join("; ")}`,
        );
      }
      if (dropped.size > 0) {
        this.#dropped.set(collection, dropped);
        yield { type: "items", items: [...dropped.keys()].map((id) => ({ id, version: null })) };
      } else this.#dropped.delete(collection);
      yield { type: "end", cursor: encodeSideCursor({ kind: ref.kind, components: ref.components, supportsSyncCollection: ref.supportsSyncCollection }, step.cursor) };
    }
  }

  /** Why `id` is not a member of `collection` (undefined when it is one). */
  #notMember(collection: string, id: string): string | undefined {
    try {
      return memberProblem(this.#client.href(id), collection);
    } catch (error) {
      if (error instanceof DavError) return "foreign-origin";
      throw error;
    }
  }

  async fetch(collection: string, ids: readonly string[], signal?: AbortSignal): Promise<Array<SideItem | SideError>> {
    const dropped = this.#dropped.get(collection);
    const refused = new Map<string, SideError>();
    for (const id of ids) {
      const anomaly = dropped?.get(id);
      if (anomaly) {
        dropped!.delete(id);
        refused.set(id, new SideError("rejected", describeAnomaly(anomaly), id));
      } else if (this.#notMember(collection, id) !== undefined) {
        refused.set(id, new SideError("not-found", `${id} is not a member of ${collection}`, id));
      }
    }
    const members = ids.filter((id) => !refused.has(id));
    const ref = await this.#ref(collection, signal);
    let answers: Awaited<ReturnType<DavClient["multigetAll"]>> = [];
    try {
      if (members.length > 0) answers = await this.#client.multigetAll(ref, members, signal);
    } catch (error) {
      if (!(error instanceof DavError && error.code === "RESPONSE_TOO_LARGE")) throw error;
      // One item over the size limit fails the read of its batch: read one by one, so it alone fails.
      for (const id of members) {
        try {
          answers.push(...(await this.#client.multigetAll(ref, [id], signal)));
        } catch (single) {
          if (!(single instanceof DavError && single.code === "RESPONSE_TOO_LARGE")) throw single;
          refused.set(id, new SideError("rejected", single.message, id));
        }
      }
    }
    const byHref = new Map(answers.map((a) => [a.href, a]));
    return ids.map((id) => {
      const refusal = refused.get(id);
      if (refusal) return refusal;
      const answer = byHref.get(this.#client.href(id));
      if (!answer || "missing" in answer) return new SideError("not-found", `no item ${id}`, id);
      return { id: answer.href, version: answer.etag || null, uid: findUid(answer.data), text: answer.data };
    });
  }

  async create(collection: string, items: readonly VObject[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
    if (this.capabilities.readOnly) return items.map(() => new SideError("read-only", `${this.name} is read-only`));
    const results = await this.#client.createItems(await this.#ref(collection, signal), items.map((i) => ({ text: i.text })), signal);
    return results.map((r) => (r instanceof Error ? toSideError(r, null, true) : { id: r.href, version: r.etag || null }));
  }

  async update(collection: string, items: readonly ItemUpdate[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
    if (this.capabilities.readOnly) return items.map((i) => new SideError("read-only", `${this.name} is read-only`, i.id));
    const ref = await this.#ref(collection, signal);
    // The client refuses (OUTSIDE_COLLECTION → rejected) an href that is not a member of the pair's collection.
    const results = await this.#client.updateItems(items.map((i) => ({ href: i.id, etag: i.version ?? "*", text: i.text, collection: ref })), signal);
    return results.map((r, n) => (r instanceof Error ? toSideError(r, items[n]!.id) : { id: r.href, version: r.etag || null }));
  }

  async remove(collection: string, items: readonly Versioned[], signal?: AbortSignal): Promise<Array<null | SideError>> {
    if (this.capabilities.readOnly) return items.map((i) => new SideError("read-only", `${this.name} is read-only`, i.id));
    const ref = await this.#ref(collection, signal);
    const results = await this.#client.deleteItems(items.map((i) => ({ href: i.id, collection: ref, ...(i.version ? { etag: i.version } : {}) })), signal);
    return results.map((r, n) => (r === undefined ? null : toSideError(r, items[n]!.id)));
  }
}
