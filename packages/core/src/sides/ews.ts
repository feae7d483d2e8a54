/**
 * `@ewsdav/core/ews`: a {@link SyncSide} over an Exchange mailbox through `@ewsdav/ews-client`,
 * presenting its items as vobjects through `@ewsdav/mappers` (both optional peer dependencies of
 * `@ewsdav/core`).
 *
 * - Collections are the mailbox's contact, calendar and task folders (`IPF.Contact*`,
 *   `IPF.Appointment*`, `IPF.Task*`), optionally public folders; a collection's id is its FolderId.
 * - The change feed is SyncFolderItems (IdOnly, all pages); the cursor is the SyncState. A rejected
 *   state restarts as a full listing. Where Exchange refuses SyncFolderItems (public folders), the
 *   feed is a FindItem listing of ids and ChangeKeys (complete, compared with the state by the
 *   engine); its cursor is a digest of that listing, so an unchanged folder reads no item.
 * - Reads are batched GetItem with ewsdav's extended properties (the UID of contacts and tasks);
 *   a recurring master is read with its modified occurrences and written as one iCalendar object.
 * - Reads render each item onto the basis the engine gives (the text last synced; the text just
 *   written, for the read-back after a write), so what Exchange cannot hold comes back unchanged;
 *   UpdateItem changes only the fields the mapping manages (`MANAGED_FIELDS`), never deleting one
 *   vCard / iCalendar cannot express. `modified` is the item's LastModifiedTime.
 * - Writes map the vobject with the mappers; UpdateItem sends field diffs with
 *   `ConflictResolution=NeverOverwrite` and the ChangeKey last seen, so a stale version fails
 *   (`precondition-failed`); a series' exceptions are applied as occurrence operations, each under
 *   the ChangeKey of the series as our last write left it. Deletes (which Exchange does not check
 *   against a ChangeKey) are read just before, and an edit that lands between that read and the
 *   delete is found in the folder's events and undone (the item moved back from Deleted Items).
 * - UIDs: calendar items carry their own; contacts and tasks keep it in an extended property in
 *   ewsdav's property set. A tag write only sets that property.
 * - Push (`watch`, when a {@link NotificationConnection} is given): one streaming subscription for
 *   every watched folder, falling back to a pull subscription where the server refuses streaming.
 *   Created/Modified/Deleted events name their items (with the new ChangeKey, so the engine skips
 *   its own writes coming back); a move into or out of a folder (Outlook's delete is a move to
 *   Deleted Items) asks for that folder's SyncFolderItems, which tells a move from a delete.
 *
 * @module
 */
import {
  buildGetEvents,
  buildPullSubscribe,
  buildUnsubscribe,
  EwsResponseError,
  HttpError,
  InsecureTransportError,
  InvalidSyncStateError,
  isEwsError,
  parseNotification,
  PullSubscription,
  responseMessages,
  ResponseTooLargeError,
  SoapFaultError,
  StreamingSubscription,
  TransportError,
  versionAtLeast,
  XmlSecurityError,
  type Attachment,
  type CalendarItem,
  type EwsClient,
  type EwsError,
  type FileAttachment,
  type ItemId,
  type ItemReference,
  type ItemShape,
  type NotificationConnection,
  type NotificationEvent,
  type ParsedItem,
  type StreamingOptions,
  type TypedItem,
} from "@ewsdav/ews-client";
import {
  CONTACT_PHOTO_NAME,
  contactFromVCard,
  contactToVCard,
  eventFromVEvent,
  eventToVEvent,
  EWSDAV_EXTENDED_PROPERTIES,
  EWSDAV_UID_PROPERTY,
  MapperError,
  overlayManagedFields,
  readEwsdavUid,
  taskFromVTodo,
  taskToVTodo,
  type OccurrenceOperation,
} from "@ewsdav/mappers";
import { createHash } from "node:crypto";
import {
  SideError,
  type ChangeFeed,
  type CollectionInfo,
  type CollectionKind,
  type DroppedProperty,
  type ItemUpdate,
  type NoticeItem,
  type SideCapabilities,
  type SideItem,
  type SideNotice,
  type SyncSide,
  type Versioned,
  type VObject,
  type WriteResult,
} from "../engine/side.js";

/** Options of {@link EwsSide}. */
export interface EwsSideOptions {
  /** A configured client (URL, auth, mailbox); the side does not close it. */
  client: EwsClient;
  /** The side's name (default `"ews"`); with several accounts, one name per account. */
  name?: string;
  /** Also list public folders (default false). */
  publicFolders?: boolean;
  /**
   * Items per FindItem page where a folder's change feed is a listing (public folders, which
   * refuse SyncFolderItems; default 500).
   */
  listingPageSize?: number;
  /** IANA zone of the mailbox, for all-day and floating times (default `UTC`). */
  timeZone?: string;
  readOnly?: boolean;
  /** Items per batch call (default 50) and batch calls at once (default 2). */
  maxBatch?: number;
  maxConcurrency?: number;
  /**
   * Notifications for active mode (`SyncEngine.watch`): a connection to the same mailbox (same
   * URL, auth and mailbox as the client). Without it the side has no push and is polled.
   */
  notifications?: NotificationConnection;
  /** Tuning of the streaming subscription (connection timeout, stall detection, reconnect delays). */
  streaming?: Pick<StreamingOptions, "connectionTimeoutMinutes" | "stallTimeoutMs" | "reconnectDelayMs" | "maxReconnectDelayMs" | "maxConsecutiveFailures">;
  /** How often a pull subscription (the fallback) asks for events (default 5 000 ms). */
  pullIntervalMs?: number;
  /** Minutes a pull subscription lives without a GetEvents (default 30). */
  pullTimeoutMinutes?: number;
  /**
   * Largest contact photo carried either way, in bytes (default {@link DEFAULT_MAX_PHOTO_BYTES}).
   * A larger photo is reported in `dropped` and neither sent nor read.
   */
  maxPhotoBytes?: number;
  /**
   * Largest event or task attachment carried either way, in bytes (default
   * {@link DEFAULT_MAX_ATTACHMENT_BYTES}). A larger one is reported in `dropped`, neither sent nor
   * read, and never deleted on Exchange by a DAV-side edit.
   */
  maxAttachmentBytes?: number;
  /**
   * The mailbox's SMTP address: Exchange makes it the organizer of every meeting created through
   * EWS, so a DAV ORGANIZER naming someone else is reported. Default: the client's `mailbox`
   * (or impersonated address); without either, it is read from the first meeting created.
   */
  mailbox?: string;
}

/**
 * Default cap on a contact photo (100 KiB): the largest contact photo Exchange serves to ActiveSync
 * devices (MS-ASCMD `Picture/MaxSize`, at most 102 400 bytes) and Active Directory's limit on a
 * thumbnail photo. Exchange stores larger ones, but phones would not get them.
 */
export const DEFAULT_MAX_PHOTO_BYTES = 100 * 1024;

/**
 * Default cap on one event or task attachment (10 MiB). Exchange's own limits are its configurable
 * message size limits (tens of MB; 150 MB at most in Exchange Online), too much to carry through a
 * sync cycle that holds items in memory and as vobject text (base64 adds a third, and DAV servers
 * refuse large objects); 10 MiB keeps office documents and photos and reports the rest.
 */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/** Codes with which a server says it does not do streaming notifications (Exchange 2010 RTM and older, some proxies). */
const STREAMING_REFUSED = new Set([
  "ErrorInvalidServerVersion",
  "ErrorInvalidRequest",
  "ErrorSchemaValidation",
  "ErrorInvalidSubscriptionRequest",
  "ErrorInvalidOperation",
]);

/** Whether an error opening a streaming subscription means "use pull instead". */
function streamingRefused(error: unknown): boolean {
  if (error instanceof EwsResponseError) return STREAMING_REFUSED.has(error.responseCode);
  if (error instanceof SoapFaultError) return error.responseCode !== undefined && STREAMING_REFUSED.has(error.responseCode);
  if (error instanceof HttpError) return [400, 404, 405, 501].includes(error.status);
  return false;
}

/**
 * Codes with which Exchange refuses SyncFolderItems on a folder (public folders, Office 365 group
 * mailboxes): the folder's feed is then a FindItem listing.
 */
const SYNC_REFUSED = new Set(["ErrorInvalidOperation", "ErrorOperationNotAllowedWithPublicFolderRoot"]);

/** Whether SyncFolderItems was refused for the folder (not failed: asking again would not help). */
function syncRefused(error: unknown): boolean {
  if (error instanceof EwsResponseError) return SYNC_REFUSED.has(error.responseCode);
  if (error instanceof SoapFaultError) return error.responseCode !== undefined && SYNC_REFUSED.has(error.responseCode);
  return false;
}

/** A pull subscription opened around a delete: its id and the watermark read up to. */
interface FolderWatch {
  subscriptionId: string;
  watermark: string;
}

/** GetEvents rounds {@link EwsSide.remove} reads for the events of its deletes (the later ones 100, 200, 400, 800 ms apart). */
const DELETE_EVENT_TRIES = 5;

/** How a listing feed's cursor (a digest of ids and ChangeKeys) begins; a SyncState never does. */
const LISTING_CURSOR = "ewsdav-listing:v1:";

/** Items per FindItem page of a listing feed (IdOnly: about 300 bytes an item). */
const LISTING_PAGE_SIZE = 500;

/** A small queue from callbacks to an async iterator. */
class NoticeQueue {
  readonly #items: SideNotice[] = [];
  #wake: (() => void) | undefined;
  #failure: { error: unknown } | undefined;
  #ended = false;
  push(notice: SideNotice): void {
    this.#items.push(notice);
    this.#wake?.();
  }
  fail(error: unknown): void {
    this.#failure ??= { error };
    this.#wake?.();
  }
  end(): void {
    this.#ended = true;
    this.#wake?.();
  }
  async *drain(): AsyncGenerator<SideNotice> {
    for (;;) {
      const next = this.#items.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.#failure) throw this.#failure.error;
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}

const FOLDER_CLASSES: ReadonlyArray<[string, CollectionKind]> = [
  ["IPF.Contact", "contacts"],
  ["IPF.Appointment", "events"],
  ["IPF.Task", "tasks"],
];

const ITEM_TYPE: Record<CollectionKind, TypedItem["type"]> = { contacts: "Contact", events: "CalendarItem", tasks: "Task" };

function shapeFor(kind: CollectionKind): ItemShape {
  const extended = kind === "contacts" ? EWSDAV_EXTENDED_PROPERTIES.contact : kind === "tasks" ? EWSDAV_EXTENDED_PROPERTIES.task : [EWSDAV_UID_PROPERTY];
  // The body as stored (Best): an HTML body reaches the mappers, which keep it (X-ALT-DESC) or reduce it and say so.
  // LastModifiedTime is in AllProperties; named, so that a server that trims the shape still sends it (SideItem.modified).
  return { baseShape: "AllProperties", bodyType: "Best", additionalProperties: [{ fieldUri: "item:LastModifiedTime" }, ...extended.map((e) => ({ extended: e }))] };
}

/** Maps an EWS or mapper failure of one item to a {@link SideError}. */
/**
 * Whether asking again later may succeed: below HTTP (reset, timeout, TLS), a throttle or a server
 * fault (429, 5xx), a body cut short, or a response code of the busy/timeout/unavailable kind.
 * Refusals that asking again cannot change (plain http refused, a response over the size limit,
 * malformed XML, 4xx) are `rejected`.
 */
function isTransientEwsError(error: EwsError, code: string): boolean {
  if (error instanceof TransportError) return true;
  if (error instanceof HttpError) return error.status === 429 || error.status === 408 || error.status >= 500;
  if (error instanceof XmlSecurityError) return error.rule === "truncated";
  if (error instanceof InsecureTransportError || error instanceof ResponseTooLargeError) return false;
  return /Busy|Timeout|Unavailable|Connection|Transient/i.test(code);
}

function toSideError(error: unknown, id: string | null): SideError {
  if (error instanceof SideError) return error;
  if (error instanceof MapperError) return new SideError("rejected", `mapping: ${error.message}`, id);
  if (isEwsError(error)) {
    const code = (error as EwsError & { responseCode?: string }).responseCode ?? error.code;
    if (code === "ErrorItemNotFound" || code === "ErrorItemNotFoundInStore") return new SideError("not-found", error.message, id);
    if (code === "ErrorIrresolvableConflict" || code === "ErrorChangeKeyRequiredForWriteOperations" || code === "ErrorStaleObject") {
      return new SideError("precondition-failed", error.message, id);
    }
    if (code === "ErrorAccessDenied" || code === "ErrorCannotCreateCalendarItemInNonCalendarFolder") return new SideError("rejected", error.message, id);
    if (isTransientEwsError(error, code)) return new SideError("transient", error.message, id);
    return new SideError("rejected", `${code}: ${error.message}`, id);
  }
  return new SideError("transient", error instanceof Error ? error.message : String(error), id);
}

/** The item and what its mapping dropped, ready for CreateItem / UpdateItem. */
interface Mapped {
  typed: TypedItem;
  uid: string | null;
  operations: OccurrenceOperation[];
  dropped: DroppedProperty[];
  /** The files the item should carry (set by `#prepareWrite`; written after the item by `#syncAttachments`). */
  files?: FilePlan;
  /** A DAV organizer to compare with the one Exchange gives the new item, when the mailbox is unknown. */
  organizer?: string;
}

/** What a DAV object asks of its Exchange item's file attachments (or contact photo). */
interface FilePlan {
  /** The files wanted, under the cap. */
  wanted: FileAttachment[];
  /** Names of wanted files over the cap: not sent, and Exchange's files of that name are left alone. */
  oversize: Set<string>;
  /** Delete nothing: the vobject's photo could not be read (a URL, bad base64), so it says nothing about Exchange's. */
  keepCurrent: boolean;
}

const isFile = (attachment: Attachment): attachment is FileAttachment => attachment.kind === "file";

/** Bytes of base64 content. */
function base64Bytes(content: string): number {
  const text = content.replace(/\s+/g, "");
  return Math.floor((text.length * 3) / 4) - (text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0);
}

/** A dropped property naming the value it concerns (a file name, an address). */
function droppedOf(property: string, reason: string, value: string): DroppedProperty {
  return { property, reason: `${reason} [${value}]` };
}

/** SHA-256 of base64 content's bytes. */
function contentHash(content: string): string {
  return createHash("sha256").update(Buffer.from(content.replace(/\s+/g, ""), "base64")).digest("hex");
}

/** The mapping of an item type, for {@link overlayManagedFields}. */
const MANAGED_KIND = { Contact: "contact", CalendarItem: "event", Task: "task" } as const;

/**
 * The item an UpdateItem writes: the Exchange item as it is (`before`) with the fields the mapping
 * manages taken from the text (set, or deleted when the text no longer says them); every field
 * vCard / iCalendar cannot express (OfficeLocation, Mileage, Companies …) is left untouched.
 */
function managedAfter(before: TypedItem, mapped: TypedItem): TypedItem {
  const kind = MANAGED_KIND[mapped.type as keyof typeof MANAGED_KIND];
  if (!kind || before.type !== mapped.type) return mapped;
  return { type: mapped.type, item: overlayManagedFields(kind, before.item as object, mapped.item as object) } as TypedItem;
}

/** An item's LastModifiedTime as an ISO instant (`SideItem.modified`), when Exchange sent one. */
function modifiedTime(parsed: ParsedItem): string | undefined {
  const value = parsed.type === "Unsupported" ? undefined : (parsed.item as { lastModifiedTime?: string }).lastModifiedTime;
  const ms = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** An Exchange mailbox as a sync side. */
export class EwsSide implements SyncSide {
  readonly name: string;
  readonly capabilities: SideCapabilities;
  readonly #client: EwsClient;
  readonly #options: EwsSideOptions;
  readonly #kinds = new Map<string, CollectionKind>();
  /** Folders whose change feed is a FindItem listing: they refused SyncFolderItems (public folders). */
  readonly #listed = new Set<string>();
  /** Push through EWS notifications, when the options give a connection. */
  readonly watch?: (collections: readonly string[], signal: AbortSignal) => AsyncIterable<SideNotice>;

  constructor(options: EwsSideOptions) {
    this.#options = options;
    this.#client = options.client;
    this.name = options.name ?? "ews";
    this.capabilities = { readOnly: options.readOnly ?? false, maxBatch: options.maxBatch ?? 50, maxConcurrency: options.maxConcurrency ?? 2, rendersOnBasis: true };
    const connection = options.notifications;
    if (connection) this.watch = (collections, signal) => this.#watch(connection, collections, signal);
  }

  /**
   * Streaming first; pull when the server refuses streaming. Ends when `signal` aborts; throws
   * when neither works (the engine then polls SyncFolderItems and tries again later).
   */
  async *#watch(connection: NotificationConnection, collections: readonly string[], signal: AbortSignal): AsyncGenerator<SideNotice> {
    const watched = new Set(collections);
    const folders = collections.map((id) => ({ id }));
    const queue = new NoticeQueue();
    const onAbort = () => queue.end();
    signal.addEventListener("abort", onAbort, { once: true });
    let streaming: StreamingSubscription | undefined;
    let pull: PullSubscription | undefined;
    let task: Promise<void> | undefined;
    try {
      try {
        streaming = await StreamingSubscription.open(connection, { folders, ...this.#options.streaming, signal });
      } catch (error) {
        if (signal.aborted) return;
        if (!streamingRefused(error)) throw error;
        pull = await PullSubscription.subscribe(connection, { folders, timeoutMinutes: this.#options.pullTimeoutMinutes ?? 30 }, signal);
        queue.push({ type: "status", state: "pull", detail: `streaming refused: ${(error as Error).message}` });
      }
      if (streaming) {
        queue.push({ type: "status", state: "connected" });
        task = this.#consumeStreaming(streaming, watched, queue, signal);
      } else if (pull) {
        task = this.#consumePull(pull, watched, queue, signal);
      }
      yield* queue.drain();
    } finally {
      signal.removeEventListener("abort", onAbort);
      queue.end();
      await streaming?.close();
      await task?.catch(() => undefined);
      if (pull) await pull.unsubscribe(AbortSignal.timeout(10_000)).catch(() => undefined);
    }
  }

  async #consumeStreaming(streaming: StreamingSubscription, watched: Set<string>, queue: NoticeQueue, signal: AbortSignal): Promise<void> {
    let reconnecting = false;
    // A reopened stream says nothing by itself: notice it in the subscription's counters.
    let opened = streaming.statistics.streamsOpened;
    const check = setInterval(() => {
      if (reconnecting && streaming.statistics.streamsOpened > opened) {
        reconnecting = false;
        queue.push({ type: "status", state: "connected" });
      }
    }, 250);
    try {
      for await (const item of streaming) {
        if (item.type === "Reconnected" || item.type === "Resubscribed") {
          opened = streaming.statistics.streamsOpened;
          if (!reconnecting && item.type === "Reconnected") {
            reconnecting = true;
            queue.push({ type: "status", state: "reconnecting", detail: `stream ${item.reason}` });
          }
          queue.push({ type: "gap", reason: item.type === "Reconnected" ? `stream ${item.reason}` : item.reason });
          continue;
        }
        if (reconnecting) {
          reconnecting = false;
          queue.push({ type: "status", state: "connected" });
        }
        for (const notice of this.#notices(item, watched)) queue.push(notice);
      }
      if (!signal.aborted) queue.fail(new Error("the streaming subscription ended"));
    } catch (error) {
      if (!signal.aborted) queue.fail(error);
    } finally {
      clearInterval(check);
    }
  }

  async #consumePull(pull: PullSubscription, watched: Set<string>, queue: NoticeQueue, signal: AbortSignal): Promise<void> {
    const interval = this.#options.pullIntervalMs ?? 5_000;
    try {
      while (!signal.aborted) {
        const batch = await pull.getEvents(signal);
        if (batch.resubscribed) queue.push({ type: "gap", reason: "pull subscription made again" });
        for (const event of batch.events) for (const notice of this.#notices(event, watched)) queue.push(notice);
        if (batch.moreEvents) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, interval);
          signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    } catch (error) {
      if (!signal.aborted) queue.fail(error);
    }
  }

  /** What one notification event means for the watched folders. */
  *#notices(event: NotificationEvent, watched: Set<string>): Generator<SideNotice> {
    if (!event.itemId) return; // folder events (counts) follow the item events that matter
    const parent = event.parentFolderId?.id;
    const oldParent = event.oldParentFolderId?.id;
    switch (event.type) {
      case "Created":
      case "Modified":
      case "Deleted": {
        if (!parent || !watched.has(parent)) {
          // A folder id spelled differently from ours: let every watched folder's feed tell.
          for (const collection of watched) yield { type: "collection", collection, reason: `${event.type} in an unknown folder` };
          return;
        }
        const item: NoticeItem =
          event.type === "Deleted" ? { id: event.itemId.id, gone: true } : { id: event.itemId.id, version: event.itemId.changeKey ?? null };
        yield { type: "items", collection: parent, items: [item] };
        return;
      }
      case "Moved":
      case "Copied":
        for (const folder of new Set([parent, oldParent])) {
          if (folder && watched.has(folder)) yield { type: "collection", collection: folder, reason: `item ${event.type.toLowerCase()}` };
        }
        return;
      default:
        return; // NewMail, FreeBusyChanged, Status: nothing to sync
    }
  }

  async listCollections(signal?: AbortSignal): Promise<CollectionInfo[]> {
    const call = signal ? { signal } : {};
    const folders = await this.#client.findFolder({ traversal: "Deep" }, call);
    if (this.#options.publicFolders) folders.push(...(await this.#client.findFolder({ parent: { distinguishedId: "publicfoldersroot" }, traversal: "Deep" }, call)));
    const out: CollectionInfo[] = [];
    for (const folder of folders) {
      const kind = FOLDER_CLASSES.find(([prefix]) => folder.folderClass === prefix || folder.folderClass?.startsWith(`${prefix}.`))?.[1];
      if (!kind) continue;
      this.#kinds.set(folder.folderId.id, kind);
      out.push({ id: folder.folderId.id, kind, displayName: folder.displayName ?? folder.folderId.id });
    }
    return out;
  }

  async createCollection(kind: CollectionKind, displayName: string, signal?: AbortSignal): Promise<CollectionInfo> {
    if (this.capabilities.readOnly) throw new SideError("read-only", `${this.name} is read-only`);
    const parent = { distinguishedId: kind === "contacts" ? "contacts" : kind === "events" ? "calendar" : "tasks" } as const;
    const folderClass = FOLDER_CLASSES.find(([, k]) => k === kind)![0];
    const [created] = await this.#client.createFolder(parent, [{ displayName, folderClass }], signal ? { signal } : {});
    if (!created || isEwsError(created)) throw toSideError(created, null);
    const id = created.id;
    this.#kinds.set(id, kind);
    return { id, kind, displayName };
  }

  async #kind(collection: string): Promise<CollectionKind> {
    let kind = this.#kinds.get(collection);
    if (!kind) {
      await this.listCollections();
      kind = this.#kinds.get(collection);
    }
    if (!kind) throw new SideError("not-found", `${this.name} has no contact, calendar or task folder ${collection}`);
    return kind;
  }

  async changes(collection: string, cursor: string | null, signal?: AbortSignal): Promise<ChangeFeed> {
    const kind = await this.#kind(collection);
    const wanted = ITEM_TYPE[kind];
    // A folder whose feed is a listing (a public folder): known from its refusal, or from the cursor.
    if (this.#listed.has(collection) || cursor?.startsWith(LISTING_CURSOR)) return this.#listingFeed(collection, wanted, cursor, signal);
    const read = async (syncState: string | null) => {
      const changed = new Map<string, string | null>();
      const deleted = new Set<string>();
      let state = syncState ?? "";
      for await (const page of this.#client.syncFolderItemsPages(
        { folder: { id: collection }, ...(syncState ? { syncState } : {}) },
        signal ? { signal } : {},
      )) {
        state = page.syncState;
        for (const change of page.changes) {
          if (change.type === "Delete") {
            changed.delete(change.itemId.id);
            deleted.add(change.itemId.id);
          } else if (change.type !== "ReadFlagChange" && change.elementName === wanted) {
            deleted.delete(change.itemId.id);
            changed.set(change.itemId.id, change.itemId.changeKey ?? null);
          }
        }
      }
      return { cursor: state, changed: [...changed].map(([id, version]) => ({ id, version })), deleted: [...deleted] };
    };
    try {
      const feed = await read(cursor);
      return { ...feed, deleted: cursor === null ? [] : feed.deleted, complete: cursor === null };
    } catch (error) {
      if (syncRefused(error)) {
        this.#listed.add(collection);
        return this.#listingFeed(collection, wanted, null, signal);
      }
      if (!(error instanceof InvalidSyncStateError)) throw error;
      const feed = await read(null);
      return { ...feed, deleted: [], complete: true };
    }
  }

  /**
   * The change feed of a folder Exchange refuses SyncFolderItems on (public folders): FindItem
   * (Shallow, IdOnly, oldest first, every page) as a complete listing of ids and ChangeKeys, which
   * the engine compares with its state, reading only what changed and taking absence as deletion.
   * The cursor is a digest of the listing: when the folder lists exactly as it did at the cursor,
   * the feed says nothing changed (no GetItem, and the engine's quiet path), at the cost of one
   * FindItem walk per cycle. A walk that cannot be completed throws (the engine reports the feed
   * as failed and writes nothing from it); it never answers with part of the folder.
   */
  async #listingFeed(collection: string, wanted: TypedItem["type"], cursor: string | null, signal?: AbortSignal): Promise<ChangeFeed> {
    const listed = await this.#client.findItem(
      { folder: { id: collection }, shape: { baseShape: "IdOnly" }, pageSize: this.#options.listingPageSize ?? LISTING_PAGE_SIZE, sortOrder: [{ path: { fieldUri: "item:DateTimeCreated" } }] },
      signal ? { signal } : {},
    );
    const changed: Versioned[] = [];
    for (const item of listed) {
      if (item.type !== wanted) continue; // a message or a distribution list in the folder: not ours to sync
      const id = item.item.itemId?.id;
      if (!id) throw new SideError("transient", `FindItem in ${collection} listed a ${item.type} without ItemId`);
      changed.push({ id, version: item.item.itemId?.changeKey ?? null });
    }
    changed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const digest = createHash("sha256");
    for (const { id, version } of changed) digest.update(`${id}\t${version ?? ""}\n`);
    const next = `${LISTING_CURSOR}${digest.digest("base64url")}`;
    if (cursor === next) return { cursor: next, changed: [], deleted: [], complete: false };
    return { cursor: next, changed, deleted: [], complete: true };
  }

  async #read(kind: CollectionKind, refs: readonly ItemReference[], signal?: AbortSignal): Promise<Array<ParsedItem | EwsError>> {
    if (refs.length === 0) return [];
    return this.#client.getItem(refs, { shape: shapeFor(kind), ...(signal ? { signal } : {}) });
  }

  /**
   * The vobject text of an EWS item, rendered onto `basis` when given (the text the engine holds of
   * the item, or the text just written): what Exchange cannot hold stays as it is there, so the text
   * differs from the basis only where Exchange's item does. A basis the mapper cannot read as the
   * item's kind is ignored (the item is rendered alone).
   */
  async #toText(kind: CollectionKind, parsed: ParsedItem, signal?: AbortSignal, basis?: string): Promise<{ text: string; uid: string | null; dropped: DroppedProperty[] }> {
    const onBasis = <T>(render: (base: string | undefined) => T): T => {
      if (basis === undefined) return render(undefined);
      try {
        return render(basis);
      } catch (error) {
        if (!(error instanceof MapperError)) throw error;
        return render(undefined);
      }
    };
    const files = await this.#readAttachments(kind, parsed, signal); // attachment content (issue 13)
    if (parsed.type === "Contact" && kind === "contacts") {
      const uid = readEwsdavUid(parsed.item);
      const r = onBasis((base) => contactToVCard(parsed.item, base === undefined ? {} : { base }));
      return { text: r.text, uid, dropped: [...files, ...r.dropped] };
    }
    if (parsed.type === "Task" && kind === "tasks") {
      const uid = readEwsdavUid(parsed.item);
      const r = onBasis((base) => taskToVTodo(parsed.item, base === undefined ? {} : { base }));
      return { text: r.text, uid, dropped: [...files, ...r.dropped] };
    }
    if (parsed.type === "CalendarItem" && kind === "events") {
      const item = parsed.item;
      const exceptions: CalendarItem[] = [];
      const occurrences = item.modifiedOccurrences ?? [];
      if (occurrences.length) {
        for (const r of await this.#read(kind, occurrences.map((o) => o.itemId), signal)) if (!isEwsError(r) && r.type === "CalendarItem") exceptions.push(r.item);
      }
      const fallback = item.itemId ? `ews-${createHash("sha256").update(item.itemId.id).digest("hex").slice(0, 32)}` : undefined;
      const r = onBasis((base) =>
        eventToVEvent(item, { exceptions, ...(this.#options.timeZone ? { timeZone: this.#options.timeZone } : {}), ...(fallback && !item.uid ? { uid: fallback } : {}), ...(base === undefined ? {} : { base }) }),
      );
      return { text: r.text, uid: item.uid ?? r.uid, dropped: [...files, ...r.dropped] };
    }
    throw new SideError("rejected", `a ${parsed.type === "Unsupported" ? parsed.elementName : parsed.type} is not a ${kind} item`);
  }

  /** Reads items; each is rendered onto its `basis` text when one is given (see {@link SyncSide.fetch}). */
  async fetch(collection: string, ids: readonly string[], signal?: AbortSignal, basis?: ReadonlyMap<string, string>): Promise<Array<SideItem | SideError>> {
    const kind = await this.#kind(collection);
    const results = await this.#read(kind, ids.map((id) => ({ id })), signal);
    const unread = await this.#prefetchAttachments(kind, results, signal); // attachment content, batched (issue 13)
    const out: Array<SideItem | SideError> = [];
    for (let i = 0; i < ids.length; i++) {
      const r = results[i]!;
      const id = ids[i]!;
      if (isEwsError(r)) {
        out.push(toSideError(r, id));
        continue;
      }
      if (unread.has(i)) {
        out.push(toSideError(unread.get(i), id));
        continue;
      }
      try {
        const { text, uid, dropped } = await this.#toText(kind, r, signal, basis?.get(id));
        const version = r.type === "Unsupported" ? (r.itemId?.changeKey ?? null) : (r.item.itemId?.changeKey ?? null);
        const modified = modifiedTime(r);
        out.push({ id, version, uid, text, ...(dropped.length ? { dropped } : {}), ...(modified ? { modified } : {}) });
      } catch (error) {
        out.push(toSideError(error, id));
      }
    }
    return out;
  }

  #map(kind: CollectionKind, text: string, current?: CalendarItem): Mapped {
    if (kind === "contacts") {
      const r = contactFromVCard(text);
      return { typed: { type: "Contact", item: r.item }, uid: r.uid, operations: [], dropped: r.dropped };
    }
    if (kind === "tasks") {
      const r = taskFromVTodo(text);
      return { typed: { type: "Task", item: r.item }, uid: r.uid, operations: [], dropped: r.dropped };
    }
    const r = eventFromVEvent(text, { ...(this.#options.timeZone ? { timeZone: this.#options.timeZone } : {}), ...(current ? { current } : {}) });
    return { typed: { type: "CalendarItem", item: r.item }, uid: r.uid, operations: r.occurrenceOperations, dropped: r.dropped };
  }

  /**
   * Applies a series' occurrence operations after its master was written (`master.changeKey`: what
   * our master write returned); returns the master's ChangeKey after the last of them.
   *
   * Exchange keeps a series' exceptions inside its master: an occurrence carries the master's
   * ChangeKey, and modifying or deleting one changes the master's. So each step reads the master
   * with the occurrence (one GetItem) and checks that the master's ChangeKey is still the one our
   * last write produced; an update carries the occurrence's own ChangeKey with `NeverOverwrite`, so
   * Exchange refuses it when the occurrence changed after that read (ErrorIrresolvableConflict).
   * Either finding — someone else's edit of the series since our write, or a refused occurrence —
   * does not stop the other steps (a master write that set the recurrence has cleared every
   * exception, and the remaining steps put ours back), but the item then answers
   * `precondition-failed`: the engine re-reads it and merges the other edit instead of losing it or
   * taking it as ours. DeleteItem ignores ChangeKeys (Exchange does; so does the simulator), so a
   * delete is guarded by the read just before it, and the master's ChangeKey after it is read at
   * once: an edit landing between the delete and that read (one round trip) is the window that
   * remains, and it is taken as ours.
   */
  async #applyOccurrences(master: ItemId, operations: readonly OccurrenceOperation[], signal?: AbortSignal): Promise<string | undefined> {
    const call = signal ? { signal } : {};
    const keyOf = (r: ParsedItem | EwsError | undefined) => (!r || isEwsError(r) ? undefined : r.type === "Unsupported" ? r.itemId?.changeKey : r.item.itemId?.changeKey);
    const codeOf = (r: EwsError) => (r as { responseCode?: string }).responseCode ?? r.code;
    const gone = (r: EwsError) => codeOf(r) === "ErrorItemNotFound" || codeOf(r) === "ErrorCalendarOccurrenceIsDeletedFromRecurrence";
    const conflicts: string[] = [];
    let expected = master.changeKey;
    for (const op of operations) {
      if (op.instanceIndex === null) continue;
      const ref = { recurringMasterId: master.id, instanceIndex: op.instanceIndex };
      const deleting = op.kind === "deleteOccurrence";
      const [now, occurrence] = deleting
        ? await this.#client.getItem([{ id: master.id }, ref], { shape: { baseShape: "IdOnly" }, ...call })
        : await this.#read("events", [{ id: master.id }, ref], signal);
      if (!now || isEwsError(now)) throw now ?? new SideError("not-found", "the series is gone", master.id);
      if (expected !== undefined && keyOf(now) !== expected) {
        conflicts.push(`the series changed in Exchange before occurrence ${op.instanceIndex} was written`);
        expected = keyOf(now);
      }
      if (deleting) {
        if (!(isEwsError(occurrence) && gone(occurrence))) {
          if (!occurrence || isEwsError(occurrence)) throw occurrence ?? new SideError("not-found", `occurrence ${op.instanceIndex} not found`, master.id);
          // The ChangeKey travels for the record; Exchange does not check it on DeleteItem (hence the read above).
          const changeKey = keyOf(occurrence);
          const [r] = await this.#client.deleteItem([{ ...ref, ...(changeKey ? { changeKey } : {}) }], call);
          if (isEwsError(r) && !gone(r)) throw r;
        }
        const [after] = await this.#client.getItem([{ id: master.id }], { shape: { baseShape: "IdOnly" }, ...call });
        if (!after || isEwsError(after)) throw after ?? new SideError("not-found", "the series is gone", master.id);
        expected = keyOf(after);
        continue;
      }
      if (!occurrence || isEwsError(occurrence) || occurrence.type !== "CalendarItem" || !occurrence.item.itemId) {
        throw occurrence ?? new SideError("not-found", `occurrence ${op.instanceIndex} not found`, master.id);
      }
      const after = { ...occurrence.item, ...op.changes };
      const [u] = await this.#client.updateItem(
        [{ target: { ...occurrence.item.itemId }, before: { type: "CalendarItem", item: occurrence.item }, after: { type: "CalendarItem", item: after } }],
        { ...call, conflictResolution: "NeverOverwrite" },
      );
      if (!u) throw new SideError("transient", `occurrence ${op.instanceIndex}: UpdateItem gave no answer`, master.id);
      if (isEwsError(u)) {
        if (toSideError(u, master.id).code !== "precondition-failed") throw u;
        conflicts.push(`occurrence ${op.instanceIndex} changed in Exchange after it was read (${codeOf(u)})`);
        expected = undefined; // the chain of our own writes is broken until the next read
        continue;
      }
      expected = u.itemId.changeKey;
    }
    if (conflicts.length) throw new SideError("precondition-failed", conflicts.join("; "), master.id);
    if (expected !== undefined) return expected;
    const [fresh] = await this.#read("events", [{ id: master.id }], signal);
    return keyOf(fresh);
  }

  /**
   * Reads written items back, so the engine's base for this side is what Exchange now holds in
   * vobject form (not what was sent): properties Exchange cannot hold then never look "removed"
   * on a later Exchange-side edit. A failed read-back keeps the write's own result, and so does an
   * item whose ChangeKey moved on since our write: someone edited it in between, and taking that
   * edit as the base would hide it from the sync for good. Each item is rendered onto the text
   * written (`texts`, by index), so what Exchange could not take stays in the base as it was sent.
   */
  async #readBack(kind: CollectionKind, out: Array<WriteResult | SideError>, texts: readonly string[], signal?: AbortSignal): Promise<void> {
    const written = out.map((r, i) => [r, i] as const).filter((x): x is readonly [WriteResult, number] => !(x[0] instanceof SideError) && x[0] !== undefined);
    if (written.length === 0) return;
    let fresh: Array<ParsedItem | EwsError>;
    try {
      fresh = await this.#read(kind, written.map(([r]) => ({ id: r.id })), signal);
    } catch {
      return;
    }
    for (let n = 0; n < written.length; n++) {
      const [result, index] = written[n]!;
      const item = fresh[n];
      if (!item || isEwsError(item) || item.type === "Unsupported") continue;
      if (result.version !== null && item.item.itemId?.changeKey !== result.version) continue;
      try {
        const { text } = await this.#toText(kind, item, signal, texts[index]);
        out[index] = { ...result, version: item.item.itemId?.changeKey ?? result.version, text };
      } catch {
        // keep the write's result: the engine then bases on what it sent
      }
    }
  }

  async create(collection: string, items: readonly VObject[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
    if (this.capabilities.readOnly) return items.map(() => new SideError("read-only", `${this.name} is read-only`));
    const kind = await this.#kind(collection);
    await this.#settleServer(signal); // the request version decides what can be written (issue 13)
    const out: Array<WriteResult | SideError> = new Array(items.length);
    const mapped: Array<{ index: number; m: Mapped }> = [];
    items.forEach((item, index) => {
      try {
        const m = this.#map(kind, item.text);
        this.#prepareWrite(kind, m); // what Exchange cannot take is reported; files set aside (issue 13)
        mapped.push({ index, m });
      } catch (error) {
        out[index] = toSideError(error, null);
      }
    });
    if (mapped.length) {
      const results = await this.#client.createItem(
        mapped.map((x) => x.m.typed),
        { savedItemFolder: { id: collection }, ...(signal ? { signal } : {}) },
      );
      for (let i = 0; i < mapped.length; i++) {
        const { index, m } = mapped[i]!;
        const r = results[i]!;
        if (isEwsError(r)) {
          out[index] = toSideError(r, null);
          continue;
        }
        try {
          const written = await this.#syncAttachments(kind, r, m, null, signal); // attachments (issue 13)
          const changeKey = m.operations.length ? await this.#applyOccurrences(written, m.operations, signal) : written.changeKey;
          out[index] = { id: r.id, version: changeKey ?? null, ...(m.dropped.length ? { dropped: m.dropped } : {}) };
        } catch (error) {
          out[index] = toSideError(error, r.id);
        }
      }
    }
    await this.#readBack(kind, out, items.map((i) => i.text), signal);
    return out;
  }

  async update(collection: string, items: readonly ItemUpdate[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
    if (this.capabilities.readOnly) return items.map((i) => new SideError("read-only", `${this.name} is read-only`, i.id));
    const kind = await this.#kind(collection);
    await this.#settleServer(signal); // the request version decides what can be written (issue 13)
    const current = await this.#read(kind, items.map((i) => ({ id: i.id })), signal);
    const out: Array<WriteResult | SideError> = new Array(items.length);
    const pending: Array<{ index: number; m: Mapped; before: TypedItem; changeKey: string }> = [];
    items.forEach((item, index) => {
      const now = current[index];
      if (!now || isEwsError(now)) return void (out[index] = toSideError(now, item.id));
      if (now.type === "Unsupported") return void (out[index] = new SideError("rejected", `not a ${kind} item`, item.id));
      const changeKey = now.item.itemId?.changeKey ?? "";
      if (item.version !== null && item.version !== changeKey) {
        return void (out[index] = new SideError("precondition-failed", `item changed since change key ${item.version}`, item.id));
      }
      try {
        const m = this.#map(kind, item.text, now.type === "CalendarItem" ? now.item : undefined);
        this.#prepareWrite(kind, m, now); // what Exchange cannot take is reported; files set aside (issue 13)
        pending.push({ index, m, before: now, changeKey });
      } catch (error) {
        out[index] = toSideError(error, item.id);
      }
    });
    if (pending.length) {
      const results = await this.#client.updateItem(
        pending.map((p) => ({ target: { id: items[p.index]!.id, changeKey: p.changeKey }, before: p.before, after: managedAfter(p.before, p.m.typed) })),
        { conflictResolution: "NeverOverwrite", ...(signal ? { signal } : {}) },
      );
      for (let i = 0; i < pending.length; i++) {
        const { index, m } = pending[i]!;
        const r = results[i]!;
        if (isEwsError(r)) {
          out[index] = toSideError(r, items[index]!.id);
          continue;
        }
        try {
          const before = pending[i]!.before.item.attachments ?? []; // attachments (issue 13)
          const written = await this.#syncAttachments(kind, r.itemId, m, before, signal);
          const changeKey = m.operations.length ? await this.#applyOccurrences(written, m.operations, signal) : written.changeKey;
          out[index] = { id: r.itemId.id, version: changeKey ?? null, ...(m.dropped.length ? { dropped: m.dropped } : {}) };
        } catch (error) {
          out[index] = toSideError(error, items[index]!.id);
        }
      }
    }
    await this.#readBack(kind, out, items.map((i) => i.text), signal);
    return out;
  }

  /**
   * Deletes items (MoveToDeletedItems) whose ChangeKey is still the engine's. Exchange ignores the
   * ChangeKey on DeleteItem, so the check is a read right before the delete, and the window between
   * that read and the delete is closed after the fact: a pull subscription on the folder, opened
   * before the read, orders the folder's events; an item whose Modified event comes before its
   * Moved event was edited by someone else in that window. Such an item is moved back from Deleted
   * Items into the folder (under a new ItemId, which the next change feed reports as a new item, so
   * the edit reaches the other side again) and answered `precondition-failed`. Where the server
   * refuses the subscription, the window left is one round trip (the read, then the delete), and an
   * edit lost in it is still in Deleted Items. A hard delete (a folder without Deleted Items, as in
   * public folders) cannot be undone: it is reported, not reverted.
   */
  async remove(collection: string, items: readonly Versioned[], signal?: AbortSignal): Promise<Array<null | SideError>> {
    if (this.capabilities.readOnly) return items.map((i) => new SideError("read-only", `${this.name} is read-only`, i.id));
    await this.#kind(collection);
    const out: Array<null | SideError> = new Array(items.length);
    if (items.length === 0) return out;
    const watch = await this.#watchFolder(collection, signal);
    try {
      const current = await this.#client.getItem(items.map((i) => ({ id: i.id })), { shape: { baseShape: "IdOnly" }, ...(signal ? { signal } : {}) });
      const go: number[] = [];
      items.forEach((item, index) => {
        const now = current[index];
        if (!now || isEwsError(now)) return void (out[index] = toSideError(now, item.id));
        const changeKey = now.type === "Unsupported" ? now.itemId?.changeKey : now.item.itemId?.changeKey;
        if (item.version !== null && changeKey !== undefined && item.version !== changeKey) {
          return void (out[index] = new SideError("precondition-failed", `item changed since change key ${item.version}`, item.id));
        }
        go.push(index);
      });
      if (go.length === 0) return out;
      const results = await this.#client.deleteItem(
        go.map((i) => ({ id: items[i]!.id, ...(items[i]!.version !== null ? { changeKey: items[i]!.version! } : {}) })),
        { deleteType: "MoveToDeletedItems", ...(signal ? { signal } : {}) },
      );
      const deleted = new Map<string, number>();
      go.forEach((index, i) => {
        const r = results[i];
        out[index] = r === true ? null : toSideError(r, items[index]!.id);
        if (r === true) deleted.set(items[index]!.id, index);
      });
      if (!watch || deleted.size === 0) return out;
      const raced = await this.#editsDuringDelete(watch, new Set(deleted.keys()), signal);
      const back = [...raced].filter(([, movedTo]) => movedTo !== null) as Array<[string, ItemId]>;
      const moved = back.length ? await this.#client.moveItem(back.map(([, to]) => to), { id: collection }, signal ? { signal } : {}) : [];
      const restored = new Map(back.map(([id], i) => [id, moved[i]]));
      for (const [id, movedTo] of raced) {
        const index = deleted.get(id)!;
        const r = restored.get(id);
        out[index] =
          movedTo === null
            ? new SideError("precondition-failed", `edited in Exchange while it was being deleted, and deleted for good (no Deleted Items): the edit is only in the server's recoverable items`, id)
            : r && !isEwsError(r)
              ? new SideError("precondition-failed", `edited in Exchange while it was being deleted: moved back from Deleted Items (now ${r.id}), the edit kept`, id)
              : new SideError("precondition-failed", `edited in Exchange while it was being deleted; moving it back from Deleted Items failed (${r?.message ?? "no answer"}): the edit is in Deleted Items`, id);
      }
      return out;
    } finally {
      if (watch) await this.#client.request("Unsubscribe", buildUnsubscribe(watch.subscriptionId), { idempotent: true }).catch(() => undefined);
    }
  }

  /** A pull subscription on one folder, for {@link remove}; `null` when the server refuses it. */
  async #watchFolder(collection: string, signal?: AbortSignal): Promise<FolderWatch | null> {
    try {
      const xml = buildPullSubscribe({ folders: [{ id: collection }], eventTypes: ["Modified", "Moved", "Deleted"] }, 5);
      const response = await this.#client.request("Subscribe", xml, { idempotent: false, ...(signal ? { signal } : {}) });
      const [m] = responseMessages(response.body, "Subscribe");
      if (!m || m.responseClass !== "Success") return null;
      const subscriptionId = m.element.children.find((c) => c.name === "SubscriptionId")?.text;
      const watermark = m.element.children.find((c) => c.name === "Watermark")?.text;
      return subscriptionId && watermark ? { subscriptionId, watermark } : null;
    } catch (error) {
      if (signal?.aborted) throw error;
      return null; // no subscription: the delete goes on, guarded by the read before it
    }
  }

  /**
   * Reads the folder's events since the subscription began until every deleted item's Moved (or
   * Deleted) event is there (a few tries: a server may log events a moment late). Returns the items
   * edited before their move, each with the id it has in Deleted Items (`null`: deleted for good).
   */
  async #editsDuringDelete(watch: FolderWatch, deleted: ReadonlySet<string>, signal?: AbortSignal): Promise<Map<string, ItemId | null>> {
    const ended = new Map<string, ItemId | null>();
    const edited = new Set<string>();
    for (let attempt = 0; attempt < DELETE_EVENT_TRIES && ended.size < deleted.size; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      for (;;) {
        let events: NotificationEvent[];
        let more: boolean;
        try {
          const response = await this.#client.request("GetEvents", buildGetEvents(watch.subscriptionId, watch.watermark), { idempotent: true, ...(signal ? { signal } : {}) });
          const [m] = responseMessages(response.body, "GetEvents");
          const notification = m?.responseClass === "Success" ? m.element.children.find((c) => c.name === "Notification") : undefined;
          if (!notification) return new Map();
          const parsed = parseNotification(notification);
          events = parsed.events;
          more = parsed.moreEvents;
        } catch (error) {
          if (signal?.aborted) throw error;
          return new Map(); // the events cannot be read: nothing to tell (the read before the delete stands)
        }
        for (const e of events) {
          if (e.watermark) watch.watermark = e.watermark;
          if (e.type === "Modified" && e.itemId && deleted.has(e.itemId.id) && !ended.has(e.itemId.id)) edited.add(e.itemId.id);
          else if (e.type === "Moved" && e.oldItemId && e.itemId && deleted.has(e.oldItemId.id)) ended.set(e.oldItemId.id, e.itemId);
          else if (e.type === "Deleted" && e.itemId && deleted.has(e.itemId.id)) ended.set(e.itemId.id, null);
        }
        if (!more) break;
      }
    }
    return new Map([...edited].filter((id) => ended.has(id)).map((id) => [id, ended.get(id)!]));
  }

  // ------------------------------------------------------------------------------------------
  // Attachments, the contact photo, the organizer and version-dependent fields (issue 13, items
  // 2 and 5). Reads fill in attachment content before mapping; writes send the item first, then
  // only the attachments that changed (matched by name, size and a hash of the content).
  // ------------------------------------------------------------------------------------------

  /** The cap on one file of a collection kind: the photo cap for contacts, else the attachment cap. */
  #fileCap(kind: CollectionKind): number {
    return kind === "contacts" ? (this.#options.maxPhotoBytes ?? DEFAULT_MAX_PHOTO_BYTES) : (this.#options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES);
  }

  /** The mailbox's address when known (option, client, or learnt from a created meeting). */
  #mailbox(): string | undefined {
    return this.#options.mailbox ?? this.#client.mailbox ?? this.#learntMailbox;
  }
  #learntMailbox: string | undefined;

  /** Whether an Exchange file is one the vobject carries (the photo of a contact; any non-inline file of an event or task). */
  #carried(kind: CollectionKind, file: FileAttachment): boolean {
    return kind === "contacts" ? file.isContactPhoto === true : file.isInline !== true;
  }

  /**
   * Before mapping an Exchange item: reads the content of the files the vobject carries (one
   * GetAttachment per item), leaves out inline files and files over the cap (reported), and
   * returns what was left out. A failed read throws, so the item is read again later.
   */
  async #readAttachments(kind: CollectionKind, parsed: ParsedItem, signal?: AbortSignal): Promise<DroppedProperty[]> {
    if (parsed.type === "Unsupported" || !parsed.item.attachments?.length) return [];
    const property = kind === "contacts" ? "PHOTO" : "ATTACH";
    const cap = this.#fileCap(kind);
    const dropped: DroppedProperty[] = [];
    const kept: Attachment[] = [];
    const toRead: FileAttachment[] = [];
    for (const attachment of parsed.item.attachments) {
      if (!isFile(attachment) || (kind === "contacts" && !attachment.isContactPhoto)) {
        kept.push(attachment); // the mappers report what the vobject cannot hold
        continue;
      }
      if (attachment.isInline) {
        dropped.push(droppedOf(property, "an inline attachment belongs to the HTML body, which is read as text", attachment.name));
        continue;
      }
      if ((attachment.size ?? 0) > cap) {
        dropped.push(droppedOf(property, `${attachment.size} bytes is over the ${cap}-byte cap (${kind === "contacts" ? "maxPhotoBytes" : "maxAttachmentBytes"}); not read`, attachment.name));
        continue;
      }
      if (!attachment.attachmentId || attachment.content !== undefined) {
        kept.push(attachment);
        continue;
      }
      toRead.push(attachment);
      kept.push(attachment);
    }
    if (toRead.length > 0) {
      const results = await this.#client.getAttachment(toRead.map((a) => a.attachmentId!.id), signal ? { signal } : {});
      results.forEach((result, i) => {
        if (isEwsError(result)) throw result;
        if (result.kind === "file" && result.content !== undefined) toRead[i]!.content = result.content;
      });
    }
    parsed.item.attachments = kept;
    return dropped;
  }

  /**
   * Reads the content of every carried file of a batch of items in one GetAttachment (which
   * splits itself when the response is too large), so {@link #readAttachments} finds it filled
   * in. Returns, per item index, the error that kept one of its files unread.
   */
  async #prefetchAttachments(kind: CollectionKind, items: ReadonlyArray<ParsedItem | EwsError>, signal?: AbortSignal): Promise<Map<number, EwsError>> {
    const cap = this.#fileCap(kind);
    const wanted: Array<{ index: number; file: FileAttachment }> = [];
    items.forEach((r, index) => {
      if (isEwsError(r) || r.type === "Unsupported") return;
      for (const a of r.item.attachments ?? []) {
        if (isFile(a) && this.#carried(kind, a) && (a.size ?? 0) <= cap && a.attachmentId && a.content === undefined) wanted.push({ index, file: a });
      }
    });
    const failed = new Map<number, EwsError>();
    if (wanted.length === 0) return failed;
    const results = await this.#client.getAttachment(wanted.map((w) => w.file.attachmentId!.id), signal ? { signal } : {});
    results.forEach((r, i) => {
      const { index, file } = wanted[i]!;
      if (isEwsError(r)) failed.set(index, r);
      else if (r.kind === "file" && r.content !== undefined) file.content = r.content;
    });
    return failed;
  }

  /** Settles what depends on the server before items are mapped for a write (the request version). */
  async #settleServer(signal?: AbortSignal): Promise<void> {
    await this.#client.negotiateVersion(signal ? { signal } : {});
  }

  /**
   * Before a write: what the server cannot take is reported and left out (Gender below
   * Exchange2016; files over the cap; an ORGANIZER that is not the mailbox, which Exchange makes
   * the organizer), and the files the item should carry are set aside for {@link #syncAttachments}.
   * `current` is the Exchange item an update writes onto.
   */
  #prepareWrite(kind: CollectionKind, m: Mapped, current?: TypedItem): void {
    const version = this.#client.version;
    if (m.typed.type === "Contact" && m.typed.item.gender && !versionAtLeast(version, "Exchange2016")) {
      m.dropped.push(droppedOf("GENDER", `Exchange takes Gender from Exchange2016 on; this server speaks ${version}`, m.typed.item.gender));
      delete m.typed.item.gender;
    }
    if (m.typed.type === "CalendarItem") {
      const wanted = m.typed.item.organizer?.emailAddress;
      const holder = current?.type === "CalendarItem" ? current.item.organizer?.emailAddress : this.#mailbox();
      if (wanted && holder && wanted.toLowerCase() !== holder.toLowerCase()) {
        m.dropped.push(droppedOf("ORGANIZER", `Exchange makes the mailbox the organizer (${holder}); another organizer cannot be written`, wanted));
      } else if (wanted && !holder) m.organizer = wanted;
    }
    const item = m.typed.item as { attachments?: Attachment[] };
    const cap = this.#fileCap(kind);
    const unreadPhoto = kind === "contacts" && m.dropped.some((d) => d.property === "PHOTO");
    const plan: FilePlan = { wanted: [], oversize: new Set(), keepCurrent: unreadPhoto && !item.attachments?.length };
    for (const file of (item.attachments ?? []).filter(isFile)) {
      const bytes = base64Bytes(file.content ?? "");
      if (bytes > cap) {
        m.dropped.push(droppedOf(kind === "contacts" ? "PHOTO" : "ATTACH", `${bytes} bytes is over the ${cap}-byte cap (${kind === "contacts" ? "maxPhotoBytes" : "maxAttachmentBytes"}); not sent`, file.name));
        plan.oversize.add(file.name);
      } else plan.wanted.push(kind === "contacts" ? { ...file, name: file.name || CONTACT_PHOTO_NAME, isContactPhoto: true } : file);
    }
    delete item.attachments; // attachments travel by CreateAttachment / DeleteAttachment, never in the item
    m.files = plan;
  }

  /**
   * After the item write: makes Exchange's files what the plan asks — deletes the carried files
   * no longer wanted (never inline ones, item attachments or files over the cap), creates the
   * wanted ones Exchange lacks. A file of the same name (for a photo: any photo) and size is read
   * and compared by hash, so an unchanged file is never sent again. Returns the item's id with
   * its change key after the last operation. On a new item a refused attachment is reported (the
   * item exists); on an update the error is thrown, so the update is tried again. `current` is
   * the item's attachments before the write (`null` for a new item).
   */
  async #syncAttachments(kind: CollectionKind, written: ItemId, m: Mapped, current: readonly Attachment[] | null, signal?: AbortSignal): Promise<ItemId> {
    const plan = m.files;
    const call = signal ? { signal } : {};
    const isNew = current === null;
    let changeKey = written.changeKey;
    if (m.organizer) await this.#checkOrganizer(written, m, signal);
    if (!plan) return written;
    const cap = this.#fileCap(kind);
    const managed = (current ?? []).filter(isFile).filter((a) => this.#carried(kind, a) && (a.size ?? 0) <= cap && !plan.oversize.has(a.name) && a.attachmentId);
    const sameShape = (w: FileAttachment, a: FileAttachment) => (kind === "contacts" || w.name === a.name) && base64Bytes(w.content ?? "") === a.size;
    const candidates = managed.filter((a) => plan.wanted.some((w) => sameShape(w, a)));
    const contents = new Map<string, string>();
    if (candidates.length > 0) {
      const read = await this.#client.getAttachment(candidates.map((a) => a.attachmentId!.id), call);
      read.forEach((r, i) => {
        if (!isEwsError(r) && r.kind === "file" && r.content !== undefined) contents.set(candidates[i]!.attachmentId!.id, contentHash(r.content));
      });
    }
    const unmatched = [...plan.wanted];
    const toDelete: string[] = [];
    for (const a of managed) {
      const hash = contents.get(a.attachmentId!.id);
      const at = hash === undefined ? -1 : unmatched.findIndex((w) => sameShape(w, a) && contentHash(w.content ?? "") === hash);
      if (at >= 0) unmatched.splice(at, 1);
      else if (!plan.keepCurrent) toDelete.push(a.attachmentId!.id);
    }
    const refused = (error: EwsError, name: string) => {
      if (!isNew) throw error;
      m.dropped.push(droppedOf(kind === "contacts" ? "PHOTO" : "ATTACH", `Exchange refused the attachment: ${(error as { responseCode?: string }).responseCode ?? error.code}: ${error.message}`, name));
    };
    if (toDelete.length > 0) {
      const results = await this.#client.deleteAttachment(toDelete, call);
      for (const r of results) {
        if (isEwsError(r)) throw r;
        if (r.rootItemChangeKey) changeKey = r.rootItemChangeKey;
      }
    }
    if (unmatched.length > 0) {
      const results = await this.#client.createAttachment({ id: written.id, changeKey }, unmatched, call);
      results.forEach((r, i) => {
        if (isEwsError(r)) refused(r, unmatched[i]!.name);
        else if (r.rootItemChangeKey) changeKey = r.rootItemChangeKey;
      });
    }
    return { id: written.id, changeKey };
  }

  /** Compares a DAV organizer with the one Exchange gave a new meeting (and learns the mailbox from it). */
  async #checkOrganizer(written: ItemId, m: Mapped, signal?: AbortSignal): Promise<void> {
    const [r] = await this.#client.getItem([{ id: written.id }], { shape: { baseShape: "IdOnly", additionalProperties: [{ fieldUri: "calendar:Organizer" }] }, ...(signal ? { signal } : {}) });
    const holder = r && !isEwsError(r) && r.type === "CalendarItem" ? r.item.organizer?.emailAddress : undefined;
    if (!holder) return;
    this.#learntMailbox ??= holder;
    if (m.organizer && m.organizer.toLowerCase() !== holder.toLowerCase()) {
      m.dropped.push(droppedOf("ORGANIZER", `Exchange makes the mailbox the organizer (${holder}); another organizer cannot be written`, m.organizer));
    }
  }
}
