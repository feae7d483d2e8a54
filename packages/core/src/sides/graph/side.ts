/**
 * The Graph side's class ({@link GraphSide}): a {@link SyncSide} over one mailbox through
 * `@ewsdav/graph-client`, each call handed to the module of its concern (see `../graph.ts`).
 *
 * @module
 */
import {
  SideError,
  type ChangeFeed,
  type CollectionInfo,
  type CollectionKind,
  type ItemTag,
  type ItemUpdate,
  type SideCapabilities,
  type SideItem,
  type SideNotice,
  type SyncSide,
  type Versioned,
  type VObject,
  type WriteResult,
} from "../../engine/side.js";
import { contactFolderOf, createCollection, kindOf, listCollections } from "./collections.js";
import type { GraphContext } from "./context.js";
import { changes } from "./feeds.js";
import { DEFAULT_MAX_BATCH, type GraphSideOptions } from "./options.js";
import { watchGraphNotices } from "./push.js";
import { fetchItems } from "./read.js";
import { createItems, removeItems, tagItems, updateItems } from "./write.js";

/** A {@link SyncSide} over one mailbox through Microsoft Graph; see the `@ewsdav/core/graph` module comment. */
export class GraphSide implements SyncSide {
  readonly name: string;
  readonly capabilities: SideCapabilities;
  /** The state of this side's mailbox, shared by its modules. */
  readonly #context: GraphContext;
  /** Push through change notifications (or the keeper's polling), when the options ask for it. */
  readonly watch?: (collections: readonly string[], signal: AbortSignal) => AsyncIterable<SideNotice>;

  constructor(options: GraphSideOptions) {
    this.name = options.name ?? "graph";
    this.#context = { client: options.client, options, name: this.name, kinds: new Map() };
    this.capabilities = { readOnly: options.readOnly ?? false, maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH, maxConcurrency: options.maxConcurrency ?? 2, rendersOnBasis: true };
    if (options.push) this.watch = (collections, signal) => this.#watch(collections, signal);
  }

  /**
   * The notices of `collections`: each collection's resource subscribed (`…/contacts`, `…/events`,
   * `…/tasks`); an event notice asks for the calendar's feed (a notification may name an occurrence,
   * which the side reads through its series).
   */
  async *#watch(collections: readonly string[], signal: AbortSignal): AsyncGenerator<SideNotice> {
    const ctx = this.#context;
    const resources = new Map<string, string>();
    const events = new Set<string>();
    for (const collection of collections) {
      const kind = await kindOf(ctx, collection, signal);
      const folder = contactFolderOf(collection);
      const path = kind === "contacts"
        ? (folder === undefined ? ctx.client.path("contacts") : ctx.client.path("contactFolders", folder, "contacts"))
        : kind === "events" ? ctx.client.path("calendars", collection, "events") : ctx.client.path("todo", "lists", collection, "tasks");
      resources.set(collection, path.replace(/^\//, ""));
      if (kind === "events") events.add(collection);
    }
    const push = ctx.options.push!;
    for await (const notice of watchGraphNotices({
      client: ctx.client, resources, signal,
      ...(push.receiver ? { receiver: push.receiver } : {}),
      ...(push.notificationUrl ? { notificationUrl: push.notificationUrl } : {}),
      ...(push.lifecycleNotificationUrl ? { lifecycleNotificationUrl: push.lifecycleNotificationUrl } : {}),
      ...(push.keeper ? { keeper: push.keeper } : {}),
    })) {
      if (notice.type === "items" && events.has(notice.collection)) yield { type: "collection", collection: notice.collection, reason: "change notification" };
      else yield notice;
    }
  }

  async listCollections(signal?: AbortSignal): Promise<CollectionInfo[]> {
    return listCollections(this.#context, signal);
  }

  async createCollection(kind: CollectionKind, displayName: string, signal?: AbortSignal): Promise<CollectionInfo> {
    if (this.capabilities.readOnly) throw new SideError("read-only", `${this.name} is read-only`);
    return createCollection(this.#context, kind, displayName, signal);
  }

  async changes(collection: string, cursor: string | null, signal?: AbortSignal): Promise<ChangeFeed> {
    return changes(this.#context, collection, cursor, signal);
  }

  /** Reads items in `$batch`es; each is rendered onto its `basis` text when one is given (see {@link SyncSide.fetch}). */
  async fetch(collection: string, ids: readonly string[], signal?: AbortSignal, basis?: ReadonlyMap<string, string>): Promise<Array<SideItem | SideError>> {
    return fetchItems(this.#context, collection, ids, signal, basis);
  }

  async create(collection: string, items: readonly VObject[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
    if (this.capabilities.readOnly) return items.map(() => new SideError("read-only", `${this.name} is read-only`));
    return createItems(this.#context, collection, items, signal);
  }

  /** PATCHes items with `If-Match` (their etag): an item changed since answers `precondition-failed`. */
  async update(collection: string, items: readonly ItemUpdate[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
    if (this.capabilities.readOnly) return items.map((i) => new SideError("read-only", `${this.name} is read-only`, i.id));
    return updateItems(this.#context, collection, items, signal);
  }

  /** Writes UIDs onto items: one PATCH of ewsdav's UID property per item, batched, nothing read. */
  async tag(collection: string, items: readonly ItemTag[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
    if (this.capabilities.readOnly) return items.map((i) => new SideError("read-only", `${this.name} is read-only`, i.id));
    return tagItems(this.#context, collection, items, signal);
  }

  /** DELETEs items with `If-Match` (their etag). */
  async remove(collection: string, items: readonly Versioned[], signal?: AbortSignal): Promise<Array<null | SideError>> {
    if (this.capabilities.readOnly) return items.map((i) => new SideError("read-only", `${this.name} is read-only`, i.id));
    return removeItems(this.#context, collection, items, signal);
  }
}
