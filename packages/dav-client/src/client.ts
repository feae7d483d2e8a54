/**
 * {@link DavClient}: one object over the DAV concepts (discovery, collections, changes,
 * reads, writes) with validated options, a shared connection pool and bounded write
 * concurrency. Each method is a thin call into the module that owns the concept.
 */
import { z } from "zod";
import { mapConcurrent } from "./concurrency.js";
import { collectionChanges, collectionListingPages, type ChangeDetection, type DavChangeFeed, type DavListingStep, type WithDataOptions } from "./changes.js";
import {
  createAddressBook,
  createCalendar,
  deleteCollection,
  getCollection,
  listCollections,
  updateCollection,
  type CollectionPropertiesUpdate,
  type DavCollection,
  type DavCollectionKind,
  type NewAddressBook,
  type NewCalendar,
} from "./collections.js";
import { discover, type DavDiscovery } from "./discovery.js";
import type { DavAnomalyListener } from "./anomaly.js";
import { DavError } from "./errors.js";
import { canonicalHref } from "./href.js";
import {
  deleteItem,
  fetchAll,
  getItem,
  itemFileName,
  memberHref,
  multiget,
  putItem,
  type DavItem,
  type DavMissingItem,
  type DavWriteResult,
} from "./items.js";
import type { DavContext } from "./requests.js";
import { carriesCredentials, DavTransport, isLoopbackHost, type DavAuth, type DavTransportStats } from "./transport.js";

const optionsSchema = z.object({
  baseUrl: z.string().refine((value) => URL.canParse(value) && /^https?:/i.test(value), "must be an http(s) URL"),
  auth: z
    .union([
      z.object({ type: z.literal("basic"), username: z.string(), password: z.string() }),
      z.object({ type: z.literal("bearer"), token: z.union([z.string().min(1), z.custom<(context: { refresh: boolean }) => string | Promise<string>>((v) => typeof v === "function")]) }),
    ])
    .optional(),
  headers: z.record(z.string(), z.string()).optional(),
  connections: z.number().int().min(1).max(256).optional(),
  writeConcurrency: z.number().int().min(1).max(256).optional(),
  readConcurrency: z.number().int().min(1).max(64).optional(),
  multigetBatchSize: z.number().int().min(1).max(10_000).optional(),
  timeoutMs: z.number().int().min(1).optional(),
  retry: z.object({ retries: z.number().int().min(0).max(20).optional(), baseDelayMs: z.number().min(0).optional(), maxDelayMs: z.number().min(0).optional() }).optional(),
  maxResponseBytes: z.number().int().min(1024).optional(),
  allowedRedirectOrigins: z.array(z.string().refine((v) => URL.canParse(v), "must be a URL")).optional(),
  compression: z.boolean().optional(),
  changeDetection: z.enum(["auto", "sync-collection", "etag-listing"]).optional(),
  dispatcher: z.custom<NonNullable<DavClientOptions["dispatcher"]>>((v) => typeof v === "object" && v !== null).optional(),
  userAgent: z.string().optional(),
  allowInsecureHttp: z.boolean().optional(),
  onAnomaly: z.custom<DavAnomalyListener>((v) => typeof v === "function").optional(),
  onWarning: z.custom<(message: string) => void>((v) => typeof v === "function").optional(),
});

/** Options of {@link DavClient}. */
export interface DavClientOptions {
  /**
   * Where the server is: a root (`https://cloud.example.com/`), Nextcloud's
   * `…/remote.php/dav`, a principal, or a collection. Relative hrefs resolve against it.
   */
  readonly baseUrl: string;
  /**
   * Basic (e.g. a Nextcloud app password) or bearer. Radicale wants a Basic header even
   * with its auth off: give any user name then.
   */
  readonly auth?: DavAuth | undefined;
  /** Extra headers on every request. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Most connections to the server (default 6). */
  readonly connections?: number | undefined;
  /** Writes in flight in the batch write methods (default 4). */
  readonly writeConcurrency?: number | undefined;
  /** Multiget REPORTs in flight while fetching (default 2). */
  readonly readConcurrency?: number | undefined;
  /** Hrefs per multiget REPORT (default 100). */
  readonly multigetBatchSize?: number | undefined;
  /** Per-request timeout in ms, response fully read (default 120 000: a first listing of a large collection can take a server that long). */
  readonly timeoutMs?: number | undefined;
  /** Retry settings: retries (default 3), baseDelayMs (250), maxDelayMs (30 000, also caps Retry-After). */
  readonly retry?: { retries?: number; baseDelayMs?: number; maxDelayMs?: number } | undefined;
  /**
   * Largest response accepted, decoded (default 32 MiB, set from the measured cost of parsing:
   * see `DEFAULT_MAX_RESPONSE_BYTES`). Larger listings are read in pages, larger multiget
   * batches split; what cannot be paged is refused with `RESPONSE_TOO_LARGE`.
   */
  readonly maxResponseBytes?: number | undefined;
  /** Other origins a redirect may lead to (default none: same origin only). */
  readonly allowedRedirectOrigins?: readonly string[] | undefined;
  /** Ask for gzip/deflate/br responses (default true). */
  readonly compression?: boolean | undefined;
  /** How {@link DavClient.changes} detects changes (default `auto`); `etag-listing` forces the ctag/ETag fallback. */
  readonly changeDetection?: ChangeDetection | undefined;
  /** An undici dispatcher to use instead of the client's own pool. */
  readonly dispatcher?: import("undici").Dispatcher | undefined;
  /** The User-Agent header (default `ewsdav-dav-client`). */
  readonly userAgent?: string | undefined;
  /**
   * Send credentials over plain `http:` to a host that is not loopback (127.0.0.0/8, `::1`,
   * `localhost`). Default false: the client refuses to be made (`INSECURE_TRANSPORT`) for such a
   * `baseUrl` with `auth`, and the transport refuses such a request. When true, a warning is
   * given once (see `onWarning`).
   */
  readonly allowInsecureHttp?: boolean | undefined;
  /** Receives anomalies: hrefs dropped from answers as not members of the collection asked about (see `DavAnomaly`). */
  readonly onAnomaly?: DavAnomalyListener | undefined;
  /** Receives warnings (default: `process.emitWarning`). Messages never hold secrets. */
  readonly onWarning?: ((message: string) => void) | undefined;
}

/** A collection as a URL, or as listed (which saves a request to learn its kind). */
export type DavCollectionRef = string | Pick<DavCollection, "url" | "kind"> & Partial<Pick<DavCollection, "supportsSyncCollection">>;

/** An item to create: its text and, optionally, its file name in the collection. */
export interface NewDavItem {
  /** iCalendar or vCard text. */
  readonly text: string;
  /** File name (one path segment, encoded by the client); default: the UID when plain, else a UUID, plus `.ics`/`.vcf`. */
  readonly name?: string | undefined;
}

/** An item to update: where it is, the ETag it must still have, and the new text. */
export interface DavItemUpdate {
  /** Where the item is (href or URL). */
  readonly href: string;
  /**
   * The collection the item must be a member of: when given, an href on another origin or not
   * directly inside it is refused (`OUTSIDE_COLLECTION`) before anything is sent.
   */
  readonly collection?: DavCollectionRef | undefined;
  /** The ETag it must still have (sent as `If-Match`; `*`: any version, but it must exist). */
  readonly etag: string;
  /** The new iCalendar or vCard text. */
  readonly text: string;
}

/** An item to delete: where it is and the ETag it must still have (undefined: unconditionally). */
export interface DavItemRemoval {
  /** Where the item is (href or URL). */
  readonly href: string;
  /** The collection the item must be a member of (as for {@link DavItemUpdate.collection}). */
  readonly collection?: DavCollectionRef | undefined;
  /** The ETag it must still have (sent as `If-Match`); undefined deletes whatever is there. */
  readonly etag?: string | undefined;
}

function collectionUrlOf(collection: DavCollectionRef | undefined): string | undefined {
  return collection === undefined ? undefined : typeof collection === "string" ? collection : collection.url;
}

function asDavError(error: unknown): DavError {
  return error instanceof DavError ? error : new DavError("NETWORK", (error as Error)?.message ?? String(error), { cause: error });
}

/** A WebDAV / CalDAV / CardDAV client. Create one per account; {@link DavClient.close} it when done. */
export class DavClient {
  private readonly context: DavContext;
  private readonly options: DavClientOptions;
  private readonly kinds = new Map<string, { kind: DavCollectionKind; supportsSyncCollection: boolean }>();
  /** Collections (canonical hrefs) whose server refused sync-collection with data: listed without it since. */
  private readonly dataRefused = new Set<string>();
  private discovered: DavDiscovery | undefined;

  /**
   * @throws DavError `INVALID_OPTIONS` naming the offending field; `INSECURE_TRANSPORT` for
   * credentials with a plain-http `baseUrl` to a host that is not loopback, unless `allowInsecureHttp`.
   */
  constructor(options: DavClientOptions) {
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DavError("INVALID_OPTIONS", `DAV client option '${issue?.path.join(".") || "(root)"}': ${issue?.message ?? "invalid"}`);
    }
    this.options = options;
    const baseUrl = new URL(options.baseUrl);
    if (carriesCredentials(options) && baseUrl.protocol === "http:" && !isLoopbackHost(baseUrl.hostname)) {
      if (!options.allowInsecureHttp) {
        throw new DavError(
          "INSECURE_TRANSPORT",
          `DAV client option 'baseUrl': ${baseUrl.origin} is plain http to a host that is not loopback, so the credentials would travel unencrypted; use https, or set allowInsecureHttp: true`,
        );
      }
      const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, { code: "EWSDAV_INSECURE_HTTP" }));
      warn(`DAV client for ${baseUrl.origin}: credentials are sent over plain http (allowInsecureHttp is set)`);
    }
    this.context = {
      baseUrl,
      onAnomaly: options.onAnomaly,
      transport: new DavTransport({
        auth: options.auth,
        headers: options.headers,
        connections: options.connections,
        timeoutMs: options.timeoutMs,
        retry: options.retry,
        maxResponseBytes: options.maxResponseBytes,
        allowedRedirectOrigins: options.allowedRedirectOrigins,
        compression: options.compression,
        dispatcher: options.dispatcher,
        userAgent: options.userAgent,
        allowInsecureHttp: options.allowInsecureHttp,
      }),
    };
  }

  /** Request counters since the client was made. */
  get stats(): Readonly<DavTransportStats> {
    return this.context.transport.stats;
  }

  /** The canonical href of a URL or href (what the client returns and compares). */
  href(hrefOrUrl: string): string {
    return canonicalHref(hrefOrUrl, this.context.baseUrl);
  }

  /** The absolute URL of an href. */
  url(href: string): string {
    return new URL(this.href(href), this.context.baseUrl).href;
  }

  /** Finds the principal and home sets (cached after the first success). */
  async discover(signal?: AbortSignal): Promise<DavDiscovery> {
    this.discovered ??= await discover(this.context, signal);
    return this.discovered;
  }

  /**
   * Lists calendars and address books in the given homes, or in the discovered ones.
   * `changeMarkers: false` leaves out `getctag` and `sync-token` (`ctag` and `syncToken` are then
   * undefined): a server may compute them with a pass over every member of every collection
   * (Radicale does), which a caller choosing a collection does not need.
   */
  async listCollections(options: { homeUrls?: readonly string[]; signal?: AbortSignal; changeMarkers?: boolean } = {}): Promise<DavCollection[]> {
    let homes = options.homeUrls;
    if (!homes) {
      const found = await this.discover(options.signal);
      homes = [...found.calendarHomeUrls, ...found.addressBookHomeUrls];
    }
    const collections = await listCollections(this.context, homes, options.signal, options.changeMarkers ?? true);
    for (const c of collections) this.remember(c);
    return collections;
  }

  /**
   * Reads one collection's properties. `changeMarkers: false` leaves out `getctag` and
   * `sync-token` (`ctag` and `syncToken` undefined): for a caller that needs the kind, not the
   * state, on servers that compute those markers over every member (Radicale).
   */
  async getCollection(collectionUrl: string, signal?: AbortSignal, options: { changeMarkers?: boolean } = {}): Promise<DavCollection> {
    return this.remember(await getCollection(this.context, collectionUrl, signal, options.changeMarkers ?? true));
  }

  /** Creates a calendar (MKCALENDAR) below `homeUrl`, or below the first discovered calendar home. */
  async createCalendar(calendar: NewCalendar, options: { homeUrl?: string; signal?: AbortSignal } = {}): Promise<DavCollection> {
    const home = options.homeUrl ?? (await this.discover(options.signal)).calendarHomeUrls[0];
    if (!home) throw new DavError("DISCOVERY_FAILED", "the server names no calendar home");
    return this.remember(await createCalendar(this.context, home, calendar, options.signal));
  }

  /** Creates an address book (extended MKCOL) below `homeUrl`, or below the first discovered address book home. */
  async createAddressBook(addressBook: NewAddressBook, options: { homeUrl?: string; signal?: AbortSignal } = {}): Promise<DavCollection> {
    const home = options.homeUrl ?? (await this.discover(options.signal)).addressBookHomeUrls[0];
    if (!home) throw new DavError("DISCOVERY_FAILED", "the server names no address book home");
    return this.remember(await createAddressBook(this.context, home, addressBook, options.signal));
  }

  /** Sets a collection's display name, colour or description (PROPPATCH). */
  async updateCollection(collection: DavCollectionRef, update: CollectionPropertiesUpdate, signal?: AbortSignal): Promise<DavCollection> {
    const url = typeof collection === "string" ? collection : collection.url;
    const kind = typeof collection === "string" ? await this.kindOf(url, signal) : collection.kind;
    await updateCollection(this.context, url, kind, update, signal);
    return this.getCollection(url, signal);
  }

  /** Deletes a collection and its content. */
  async deleteCollection(collection: DavCollectionRef, signal?: AbortSignal): Promise<void> {
    const url = typeof collection === "string" ? collection : collection.url;
    await deleteCollection(this.context, url, signal);
    this.kinds.delete(this.href(url));
  }

  /**
   * What changed in a collection since `cursor` (null for a first, complete listing): the
   * engine's change feed. Store the returned `cursor` and pass it next time.
   *
   * With `withData`, each changed member carries its content (`data`): sync-collection asks for
   * it with the ETags, so a first listing costs one REPORT; members the server lists without it
   * (Xandikos gives it for none) are read by multiget (`multigetBatchSize` hrefs,
   * `readConcurrency` in flight) once the listing is whole, unless `readMissing` is false (a
   * caller that knows which members it needs reads those itself: after its own writes, most
   * listed members are versions it has). A server that refuses the REPORT with data is asked
   * without it, from then on for that collection. Members of an ETag listing (servers without
   * sync-collection) come without content: read those you need with {@link DavClient.multiget}.
   */
  async changes(
    collection: DavCollectionRef,
    cursor: string | null,
    options: { signal?: AbortSignal; detection?: ChangeDetection; withData?: boolean; readMissing?: boolean } = {},
  ): Promise<DavChangeFeed> {
    const url = typeof collection === "string" ? collection : collection.url;
    const known = typeof collection === "string" ? this.kinds.get(this.href(url)) : collection;
    let withData: WithDataOptions | undefined;
    if (options.withData) {
      const href = this.href(url);
      const kind = typeof collection === "string" ? await this.kindOf(url, options.signal) : collection.kind;
      withData = {
        kind,
        batchSize: this.options.multigetBatchSize ?? 100,
        concurrency: this.options.readConcurrency ?? 2,
        readMissing: options.readMissing ?? true,
        refused: this.dataRefused.has(href),
        onRefused: () => this.dataRefused.add(href),
      };
    }
    return collectionChanges(this.context, url, cursor, {
      detection: options.detection ?? this.options.changeDetection ?? "auto",
      supportsSyncCollection: known?.supportsSyncCollection,
      signal: options.signal,
      withData,
    });
  }

  /**
   * The complete listing of a collection with the members' content — what {@link DavClient.changes}
   * answers without a cursor and with `withData` and `readMissing: false` — in pages of `pageSize`
   * members (default 500) handed over as the answer is read, then an `end` step with the cursor to
   * store. Members the server lists without their content come without `data`: read them by href.
   * A cut or malformed answer throws, after the pages read before it, and never reaches `end`
   * (see `collectionListingPages` in changes.ts).
   */
  async *listPages(collection: DavCollectionRef, options: { signal?: AbortSignal; detection?: ChangeDetection; pageSize?: number } = {}): AsyncGenerator<DavListingStep, void, void> {
    const url = typeof collection === "string" ? collection : collection.url;
    const known = typeof collection === "string" ? this.kinds.get(this.href(url)) : collection;
    const href = this.href(url);
    const kind = typeof collection === "string" ? await this.kindOf(url, options.signal) : collection.kind;
    yield* collectionListingPages(this.context, url, {
      detection: options.detection ?? this.options.changeDetection ?? "auto",
      supportsSyncCollection: known?.supportsSyncCollection,
      signal: options.signal,
      pageSize: options.pageSize ?? 500,
      withData: {
        kind,
        batchSize: this.options.multigetBatchSize ?? 100,
        concurrency: this.options.readConcurrency ?? 2,
        readMissing: false,
        refused: this.dataRefused.has(href),
        onRefused: () => this.dataRefused.add(href),
      },
    });
  }

  /**
   * Reads items by href with multiget REPORTs (batches of `multigetBatchSize`), yielding each
   * item or, for an href the server does not have, a {@link DavMissingItem}.
   * @throws OutsideCollectionError when an href is not a member of the collection (nothing is sent).
   */
  async *multiget(collection: DavCollectionRef, hrefs: readonly string[], signal?: AbortSignal): AsyncGenerator<DavItem | DavMissingItem> {
    const url = typeof collection === "string" ? collection : collection.url;
    const kind = typeof collection === "string" ? await this.kindOf(url, signal) : collection.kind;
    yield* multiget(this.context, url, kind, hrefs, {
      batchSize: this.options.multigetBatchSize ?? 100,
      concurrency: this.options.readConcurrency ?? 2,
      signal,
    });
  }

  /** {@link DavClient.multiget} collected into an array. */
  async multigetAll(collection: DavCollectionRef, hrefs: readonly string[], signal?: AbortSignal): Promise<Array<DavItem | DavMissingItem>> {
    const out: Array<DavItem | DavMissingItem> = [];
    for await (const item of this.multiget(collection, hrefs, signal)) out.push(item);
    return out;
  }

  /**
   * Reads every item of a collection in one query REPORT: a first pull from servers whose
   * multiget is slow (see `fetchAll` in items.ts). Prefer {@link DavClient.multiget} otherwise.
   */
  async fetchAll(collection: DavCollectionRef, signal?: AbortSignal): Promise<DavItem[]> {
    const url = typeof collection === "string" ? collection : collection.url;
    const kind = typeof collection === "string" ? await this.kindOf(url, signal) : collection.kind;
    return fetchAll(this.context, url, kind, signal);
  }

  /** Reads one item with GET. @throws DavHttpError `NOT_FOUND`. */
  getItem(href: string, signal?: AbortSignal): Promise<DavItem> {
    return getItem(this.context, href, signal);
  }

  /**
   * Creates an item (PUT, `If-None-Match: *`).
   * @throws PreconditionFailedError when an item already exists at that href.
   * @throws DavError `INVALID_ITEM` when `name` is not one plain path segment (nothing is sent).
   */
  async createItem(collection: DavCollectionRef, item: NewDavItem, signal?: AbortSignal): Promise<DavWriteResult> {
    const url = typeof collection === "string" ? collection : collection.url;
    const href = memberHref(this.context, url, item.name ?? itemFileName(item.text));
    return putItem(this.context, href, item.text, undefined, signal, url);
  }

  /**
   * Replaces an item (PUT, `If-Match: etag`).
   * @throws PreconditionFailedError when the item's ETag is no longer `etag`.
   * @throws OutsideCollectionError when the href is on another origin, or not a member of
   * `update.collection` when given (nothing is sent).
   */
  async updateItem(update: DavItemUpdate, signal?: AbortSignal): Promise<DavWriteResult> {
    return putItem(this.context, update.href, update.text, update.etag, signal, collectionUrlOf(update.collection));
  }

  /**
   * Deletes an item (DELETE, `If-Match` when an ETag is given).
   * @throws PreconditionFailedError when the item changed.
   * @throws OutsideCollectionError as for {@link DavClient.updateItem}.
   */
  async deleteItem(removal: DavItemRemoval, signal?: AbortSignal): Promise<void> {
    return deleteItem(this.context, removal.href, removal.etag, signal, collectionUrlOf(removal.collection));
  }

  /** Creates many items, `writeConcurrency` at a time; a failing item gives its error in its slot. */
  createItems(collection: DavCollectionRef, items: readonly NewDavItem[], signal?: AbortSignal): Promise<Array<DavWriteResult | DavError>> {
    return mapConcurrent(items, this.options.writeConcurrency ?? 4, (item) => this.createItem(collection, item, signal).catch(asDavError));
  }

  /** Updates many items, `writeConcurrency` at a time; a failing item gives its error in its slot. */
  updateItems(updates: readonly DavItemUpdate[], signal?: AbortSignal): Promise<Array<DavWriteResult | DavError>> {
    return mapConcurrent(updates, this.options.writeConcurrency ?? 4, (update) => this.updateItem(update, signal).catch(asDavError));
  }

  /** Deletes many items, `writeConcurrency` at a time; each slot is undefined on success or the item's error. */
  deleteItems(removals: readonly DavItemRemoval[], signal?: AbortSignal): Promise<Array<DavError | undefined>> {
    return mapConcurrent(removals, this.options.writeConcurrency ?? 4, (removal) =>
      this.deleteItem(removal, signal).then(() => undefined, asDavError),
    );
  }

  /** Closes the connection pool. */
  close(): Promise<void> {
    return this.context.transport.close();
  }

  private remember(collection: DavCollection): DavCollection {
    this.kinds.set(collection.href, { kind: collection.kind, supportsSyncCollection: collection.supportsSyncCollection });
    return collection;
  }

  private async kindOf(collectionUrl: string, signal?: AbortSignal): Promise<DavCollectionKind> {
    const known = this.kinds.get(this.href(collectionUrl));
    if (known) return known.kind;
    return (await this.getCollection(collectionUrl, signal)).kind;
  }
}
