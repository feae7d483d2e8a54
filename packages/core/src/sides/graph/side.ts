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
  type SyncSide,
  type Versioned,
  type VObject,
  type WriteResult,
} from "../../engine/side.js";
import { createCollection, listCollections } from "./collections.js";
import type { GraphContext } from "./context.js";
import { changes } from "./feeds.js";
import { DEFAULT_MAX_BATCH, type GraphSideOptions } from "./options.js";
import { fetchItems } from "./read.js";
import { createItems, removeItems, tagItems, updateItems } from "./write.js";

/** A {@link SyncSide} over one mailbox through Microsoft Graph; see the `@ewsdav/core/graph` module comment. */
export class GraphSide implements SyncSide {
  readonly name: string;
  readonly capabilities: SideCapabilities;
  /** The state of this side's mailbox, shared by its modules. */
  readonly #context: GraphContext;

  constructor(options: GraphSideOptions) {
    this.name = options.name ?? "graph";
    this.#context = { client: options.client, options, name: this.name, kinds: new Map() };
    this.capabilities = { readOnly: options.readOnly ?? false, maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH, maxConcurrency: options.maxConcurrency ?? 2, rendersOnBasis: true };
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
