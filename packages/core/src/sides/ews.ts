/**
 * `@ewsdav/core/ews`: a {@link SyncSide} over an Exchange mailbox through `@ewsdav/ews-client`,
 * presenting its items as vobjects through `@ewsdav/mappers` (both optional peer dependencies of
 * `@ewsdav/core`).
 *
 * - Collections are the mailbox's contact, calendar and task folders (`IPF.Contact*`,
 *   `IPF.Appointment*`, `IPF.Task*`), optionally public folders; a collection's id is its FolderId.
 * - The change feed is SyncFolderItems (IdOnly, all pages); the cursor is the SyncState. A rejected
 *   state restarts as a full listing.
 * - Reads are batched GetItem with ewsdav's extended properties (the UID of contacts and tasks);
 *   a recurring master is read with its modified occurrences and written as one iCalendar object.
 * - Reads render each item onto the basis the engine gives (the text last synced; the text just
 *   written, for the read-back after a write), so what Exchange cannot hold comes back unchanged;
 *   UpdateItem changes only the fields the mapping manages (`MANAGED_FIELDS`), never deleting one
 *   vCard / iCalendar cannot express. `modified` is the item's LastModifiedTime.
 * - Writes map the vobject with the mappers; UpdateItem sends field diffs with
 *   `ConflictResolution=NeverOverwrite` and the ChangeKey last seen, so a stale version fails
 *   (`precondition-failed`); a series' exceptions are applied as occurrence operations.
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
  EwsResponseError,
  HttpError,
  InsecureTransportError,
  InvalidSyncStateError,
  isEwsError,
  PullSubscription,
  ResponseTooLargeError,
  SoapFaultError,
  StreamingSubscription,
  TransportError,
  XmlSecurityError,
  type CalendarItem,
  type EwsClient,
  type EwsError,
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
}

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
  // LastModifiedTime is in AllProperties; named, so that a server that trims the shape still sends it (SideItem.modified).
  return { baseShape: "AllProperties", bodyType: "Text", additionalProperties: [{ fieldUri: "item:LastModifiedTime" }, ...extended.map((e) => ({ extended: e }))] };
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
      if (!(error instanceof InvalidSyncStateError)) throw error;
      const feed = await read(null);
      return { ...feed, deleted: [], complete: true };
    }
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
    if (parsed.type === "Contact" && kind === "contacts") {
      const uid = readEwsdavUid(parsed.item);
      const r = onBasis((base) => contactToVCard(parsed.item, base === undefined ? {} : { base }));
      return { text: r.text, uid, dropped: r.dropped };
    }
    if (parsed.type === "Task" && kind === "tasks") {
      const uid = readEwsdavUid(parsed.item);
      const r = onBasis((base) => taskToVTodo(parsed.item, base === undefined ? {} : { base }));
      return { text: r.text, uid, dropped: r.dropped };
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
      return { text: r.text, uid: item.uid ?? r.uid, dropped: r.dropped };
    }
    throw new SideError("rejected", `a ${parsed.type === "Unsupported" ? parsed.elementName : parsed.type} is not a ${kind} item`);
  }

  /** Reads items; each is rendered onto its `basis` text when one is given (see {@link SyncSide.fetch}). */
  async fetch(collection: string, ids: readonly string[], signal?: AbortSignal, basis?: ReadonlyMap<string, string>): Promise<Array<SideItem | SideError>> {
    const kind = await this.#kind(collection);
    const results = await this.#read(kind, ids.map((id) => ({ id })), signal);
    const out: Array<SideItem | SideError> = [];
    for (let i = 0; i < ids.length; i++) {
      const r = results[i]!;
      const id = ids[i]!;
      if (isEwsError(r)) {
        out.push(toSideError(r, id));
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

  /** Applies a series' occurrence operations after its master was written; returns the master's final change key. */
  async #applyOccurrences(master: ItemId, operations: readonly OccurrenceOperation[], signal?: AbortSignal): Promise<string | undefined> {
    const call = signal ? { signal } : {};
    for (const op of operations) {
      if (op.instanceIndex === null) continue;
      const ref = { recurringMasterId: master.id, instanceIndex: op.instanceIndex };
      if (op.kind === "deleteOccurrence") {
        const [r] = await this.#client.deleteItem([ref], call);
        if (isEwsError(r) && r.code !== "ErrorItemNotFound" && (r as { responseCode?: string }).responseCode !== "ErrorCalendarOccurrenceIsDeletedFromRecurrence") throw r;
        continue;
      }
      const [occurrence] = await this.#read("events", [ref], signal);
      if (!occurrence || isEwsError(occurrence) || occurrence.type !== "CalendarItem") throw occurrence ?? new SideError("not-found", "occurrence not found");
      const after = { ...occurrence.item, ...op.changes };
      const [u] = await this.#client.updateItem(
        [{ target: { ...(occurrence.item.itemId ?? { id: "" }) }, before: { type: "CalendarItem", item: occurrence.item }, after: { type: "CalendarItem", item: after } }],
        { ...call, conflictResolution: "AlwaysOverwrite" },
      );
      if (isEwsError(u)) throw u;
    }
    const [fresh] = await this.#read("events", [{ id: master.id }], signal);
    return fresh && !isEwsError(fresh) && fresh.type === "CalendarItem" ? fresh.item.itemId?.changeKey : master.changeKey;
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
    const out: Array<WriteResult | SideError> = new Array(items.length);
    const mapped: Array<{ index: number; m: Mapped }> = [];
    items.forEach((item, index) => {
      try {
        mapped.push({ index, m: this.#map(kind, item.text) });
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
          const changeKey = m.operations.length ? await this.#applyOccurrences(r, m.operations, signal) : r.changeKey;
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
          const changeKey = m.operations.length ? await this.#applyOccurrences(r.itemId, m.operations, signal) : r.itemId.changeKey;
          out[index] = { id: r.itemId.id, version: changeKey ?? null, ...(m.dropped.length ? { dropped: m.dropped } : {}) };
        } catch (error) {
          out[index] = toSideError(error, items[index]!.id);
        }
      }
    }
    await this.#readBack(kind, out, items.map((i) => i.text), signal);
    return out;
  }

  async remove(collection: string, items: readonly Versioned[], signal?: AbortSignal): Promise<Array<null | SideError>> {
    if (this.capabilities.readOnly) return items.map((i) => new SideError("read-only", `${this.name} is read-only`, i.id));
    const kind = await this.#kind(collection);
    const current = await this.#client.getItem(items.map((i) => ({ id: i.id })), { shape: { baseShape: "IdOnly" }, ...(signal ? { signal } : {}) });
    void kind;
    const out: Array<null | SideError> = new Array(items.length);
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
    if (go.length) {
      const results = await this.#client.deleteItem(go.map((i) => ({ id: items[i]!.id })), { deleteType: "MoveToDeletedItems", ...(signal ? { signal } : {}) });
      go.forEach((index, i) => {
        const r = results[i];
        out[index] = r === true ? null : toSideError(r, items[index]!.id);
      });
    }
    return out;
  }
}
