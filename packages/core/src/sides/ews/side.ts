/**
 * The {@link EwsSide} class: an Exchange mailbox as a {@link SyncSide}. It holds the side's state
 * (an {@link EwsContext}) and hands each call to the module of its concern: collections
 * (`collections.ts`), change feeds (`feeds.ts`), reads (`read.ts`), writes (`write.ts`, with
 * `attachments.ts` and `occurrences.ts`), deletes (`delete.ts`) and push (`push.ts`). Failures are
 * classified in `errors.ts`.
 *
 * @module
 */
import type { NotificationConnection } from "@ewsdav/ews-client";
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
import { createCollection, listCollections } from "./collections.js";
import type { EwsContext } from "./context.js";
import { loadRead, loadWrite } from "./lazy.js";
import { removeItems } from "./delete.js";
import { changes } from "./feeds.js";
import type { EwsSideOptions } from "./options.js";
import { watchNotices } from "./push.js";

/** An Exchange mailbox as a sync side. */
export class EwsSide implements SyncSide {
  readonly name: string;
  readonly capabilities: SideCapabilities;
  /** The client, the options and what the side has learnt of the mailbox, shared by its modules. */
  readonly #context: EwsContext;
  /** Push through EWS notifications, when the options give a connection. */
  readonly watch?: (collections: readonly string[], signal: AbortSignal) => AsyncIterable<SideNotice>;

  constructor(options: EwsSideOptions) {
    this.name = options.name ?? "ews";
    this.#context = { client: options.client, options, name: this.name, kinds: new Map(), listed: new Set(), idsOnly: new Set(), learntMailbox: undefined };
    this.capabilities = { readOnly: options.readOnly ?? false, maxBatch: options.maxBatch ?? 50, maxConcurrency: options.maxConcurrency ?? 2, rendersOnBasis: true };
    const connection: NotificationConnection | undefined = options.notifications;
    if (connection) this.watch = (collections, signal) => watchNotices(this.#context, connection, collections, signal);
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

  /** Reads items; each is rendered onto its `basis` text when one is given (see {@link SyncSide.fetch}). */
  async fetch(collection: string, ids: readonly string[], signal?: AbortSignal, basis?: ReadonlyMap<string, string>): Promise<Array<SideItem | SideError>> {
    return (await loadRead()).fetchItems(this.#context, collection, ids, signal, basis);
  }

  async create(collection: string, items: readonly VObject[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
    if (this.capabilities.readOnly) return items.map(() => new SideError("read-only", `${this.name} is read-only`));
    return (await loadWrite()).createItems(this.#context, collection, items, signal);
  }

  async update(collection: string, items: readonly ItemUpdate[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
    if (this.capabilities.readOnly) return items.map((i) => new SideError("read-only", `${this.name} is read-only`, i.id));
    return (await loadWrite()).updateItems(this.#context, collection, items, signal);
  }

  /** Writes UIDs onto items: one UpdateItem of ewsdav's UID property per batch, nothing read (see `tagItems` in `write.ts`). */
  async tag(collection: string, items: readonly ItemTag[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
    if (this.capabilities.readOnly) return items.map((i) => new SideError("read-only", `${this.name} is read-only`, i.id));
    return (await loadWrite()).tagItems(this.#context, collection, items, signal);
  }

  /**
   * Deletes items (MoveToDeletedItems) whose ChangeKey is still the engine's; an edit that lands
   * while an item is being deleted is undone (see `removeItems` in `delete.ts`).
   */
  async remove(collection: string, items: readonly Versioned[], signal?: AbortSignal): Promise<Array<null | SideError>> {
    if (this.capabilities.readOnly) return items.map((i) => new SideError("read-only", `${this.name} is read-only`, i.id));
    return removeItems(this.#context, collection, items, signal);
  }
}
