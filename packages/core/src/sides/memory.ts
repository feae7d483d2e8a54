/**
 * An in-memory {@link SyncSide} for tests, benchmarks and demos, with switches for the ways real
 * servers misbehave: versions that change without content change, no versions at all, failing
 * writes, read-only collections, edits by someone else between the plan and the write, cursors the
 * server forgets, and hooks around every side effect (to simulate a crash at any point).
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
  type ListingPage,
  type NoticeItem,
  type SideCapabilities,
  type SideNotice,
  type SideItem,
  type SyncSide,
  type Versioned,
  type VObject,
  type WriteResult,
} from "../engine/side.js";
import { uidOfText } from "@ewsdav/vobject";

/** A write the side is about to apply, as passed to the hooks. */
export interface MemoryWrite {
  op: "create" | "update" | "tag" | "delete";
  collection: string;
  /** The item's id (for a create: the id it will get). */
  id: string;
  uid: string | null;
}

/** Switches of a {@link MemorySide}. */
export interface MemorySideOptions {
  name?: string;
  readOnly?: boolean;
  maxBatch?: number;
  maxConcurrency?: number;
  /** The side reports no versions (like a server without ETags); preconditions cannot be checked. */
  missingVersions?: boolean;
  /** Every read of an item gives it a new version without changing it (ETag churn). */
  churnVersions?: boolean;
  /** Return true to refuse that write with a `rejected` SideError. */
  failWrite?: (write: MemoryWrite) => boolean;
  /** Called before a write is checked; a test may edit the item here (a concurrent edit). */
  beforeWrite?: (write: MemoryWrite) => void;
  /** Called just before / just after a write takes effect; throw to simulate a crash there. */
  beforeEffect?: (write: MemoryWrite) => void;
  afterEffect?: (write: MemoryWrite) => void;
  /** Called at the start of every call; throw to simulate a side that is down. */
  gate?: () => void;
  /**
   * The feed leaves out items created and deleted since the cursor (as RFC 6578 allows and
   * Xandikos does) instead of reporting them deleted.
   */
  omitCreatedThenDeleted?: boolean;
  /**
   * The side cannot hold properties with these names (like EWS and a vCard's IMPP): it drops them
   * on write, and says what it now holds in the write result when `reportStoredText` is set.
   */
  dropsProperties?: readonly string[];
  reportStoredText?: boolean;
  /**
   * The side has push ({@link SyncSide.watch}): every change, including the engine's own writes,
   * is announced to watchers, as an EWS mailbox with notifications does. Set it at construction.
   */
  push?: boolean;
  /** Return true to lose that announcement (a notification that never arrives). */
  dropNotice?: (notice: SideNotice) => boolean;
  /**
   * The change feed carries each item's content with its version, as a DAV sync-collection report
   * that asks for the data does (see {@link ChangeFeed.changed}).
   */
  feedCarriesContent?: boolean;
  /**
   * The side has {@link SyncSide.tag}, as the EWS side does: UID tags come through it (counted in
   * `calls.tag`, their hooks see `op: "tag"`) and store the tag's text. Set it at construction.
   */
  tags?: boolean;
  /**
   * The side says it renders onto a basis ({@link SideCapabilities.rendersOnBasis}), as the EWS side
   * does; it holds texts as given, so the basis changes nothing, but the engine treats it as such.
   */
  rendersOnBasis?: boolean;
  /**
   * The side has {@link SyncSide.listPages}, in pages of this many items (with their content, as a
   * DAV sync-collection listing with the data), counted in `calls.changes`. Set it at construction.
   */
  pageSize?: number;
  /** Called before page `n` (0-based) of a paged listing is handed over; throw to cut the listing there. */
  beforePage?: (n: number) => void;
  /** Called on every fetch with the ids asked and the basis given (tests check what was read, onto what). */
  onFetch?: (ids: readonly string[], basis: ReadonlyMap<string, string> | undefined) => void;
}

interface Watcher {
  collections: Set<string>;
  queue: SideNotice[];
  wake: (() => void) | undefined;
  failure: Error | undefined;
}

interface StoredItem {
  uid: string | null;
  text: string;
  version: string;
}

interface MemoryCollection {
  info: CollectionInfo;
  items: Map<string, StoredItem>;
  /** id → sequence number of its last change (create, update or delete). */
  changedAt: Map<string, number>;
  /** id → sequence number of its creation. */
  createdAt: Map<string, number>;
  /** Cursors below this are forgotten (a full listing is answered). */
  oldestCursor: number;
}

/** Calls made to a side, by method (tests assert "one change-feed request per side"). */
export interface MemorySideCalls {
  listCollections: number;
  changes: number;
  fetch: number;
  create: number;
  update: number;
  /** Calls of {@link SyncSide.tag} (with {@link MemorySideOptions.tags}). */
  tag: number;
  remove: number;
  /** Items written (created, updated, removed) through the SyncSide interface. */
  itemWrites: number;
}

/** A side that keeps its collections in memory. */
export class MemorySide implements SyncSide {
  readonly name: string;
  readonly capabilities: SideCapabilities;
  readonly calls: MemorySideCalls = { listCollections: 0, changes: 0, fetch: 0, create: 0, update: 0, tag: 0, remove: 0, itemWrites: 0 };
  /** Switches; tests may change them between cycles. */
  options: MemorySideOptions;
  readonly #collections = new Map<string, MemoryCollection>();
  readonly #watchers = new Set<Watcher>();
  #seq = 0;
  #nextId = 0;
  /** Push, when `options.push` is set (see {@link SyncSide.watch}). */
  readonly watch?: (collections: readonly string[], signal: AbortSignal) => AsyncIterable<SideNotice>;
  /** UID tags, when `options.tags` is set (see {@link SyncSide.tag}). */
  readonly tag?: (collection: string, items: readonly ItemTag[]) => Promise<Array<WriteResult | SideError>>;
  /** The complete listing in pages, when `options.pageSize` is set (see {@link SyncSide.listPages}). */
  readonly listPages?: (collection: string) => AsyncIterable<ListingPage>;

  constructor(options: MemorySideOptions = {}) {
    this.options = options;
    this.name = options.name ?? "memory";
    this.capabilities = {
      readOnly: options.readOnly ?? false,
      maxBatch: options.maxBatch ?? 50,
      maxConcurrency: options.maxConcurrency ?? 4,
      ...(options.rendersOnBasis ? { rendersOnBasis: true } : {}),
    };
    if (options.push) this.watch = (collections, signal) => this.#watch(collections, signal);
    if (options.tags) this.tag = async (collection, items) => this.#write(collection, items, "tag");
    if (options.pageSize !== undefined) this.listPages = (collection) => this.#listPages(collection, options.pageSize!);
  }

  // ---- test-side API: what a user or another client does (not counted as engine calls) ----

  /** Adds an empty collection. */
  addCollection(id: string, kind: CollectionKind, displayName = id): void {
    this.#collections.set(id, { info: { id, kind, displayName }, items: new Map(), changedAt: new Map(), createdAt: new Map(), oldestCursor: 0 });
  }

  /** Stores a new item as a user would; returns its id. */
  put(collection: string, text: string): string {
    const id = `${this.name}-${++this.#nextId}`;
    this.#store(this.#collection(collection), id, text);
    return id;
  }

  /** Replaces an item's text as a user would. */
  edit(collection: string, id: string, text: string): void {
    const c = this.#collection(collection);
    if (!c.items.has(id)) throw new Error(`no item ${id}`);
    this.#store(c, id, text);
  }

  /** Deletes an item as a user would. */
  delete(collection: string, id: string): void {
    const c = this.#collection(collection);
    c.items.delete(id);
    c.changedAt.set(id, ++this.#seq);
    this.#announce(c, { id, gone: true });
  }

  /** Gives an item a new version without changing its content. */
  touch(collection: string, id: string): void {
    const c = this.#collection(collection);
    const item = c.items.get(id);
    if (!item) return;
    item.version = `v${++this.#seq}`;
    c.changedAt.set(id, this.#seq);
    this.#announce(c, { id, version: this.#version(item) });
  }

  /** Makes the side forget every cursor it gave out (the next feed is a full listing). */
  forgetCursors(collection: string): void {
    this.#collection(collection).oldestCursor = this.#seq + 1;
  }

  /** Every item of a collection, as stored. */
  items(collection: string): SideItem[] {
    return [...this.#collection(collection).items].map(([id, item]) => ({ id, version: item.version, uid: item.uid, text: item.text }));
  }

  /** Open push channels (watchers). */
  get watchers(): number {
    return this.#watchers.size;
  }

  /** Tells every watcher that announcements may have been lost (as after a reconnect). */
  announceGap(reason = "reconnected"): void {
    for (const w of this.#watchers) this.#deliver(w, { type: "gap", reason });
  }

  /** Ends every push channel with an error (a connection lost for good); the engine polls instead. */
  breakPush(message = "push connection lost"): void {
    for (const w of this.#watchers) {
      w.failure = new Error(message);
      w.wake?.();
    }
  }

  /** Resets the call counters. */
  resetCalls(): void {
    for (const key of Object.keys(this.calls) as Array<keyof MemorySideCalls>) this.calls[key] = 0;
  }

  // ---- SyncSide ----

  async listCollections(): Promise<CollectionInfo[]> {
    this.options.gate?.();
    this.calls.listCollections++;
    return [...this.#collections.values()].map((c) => ({ ...c.info }));
  }

  async createCollection(kind: CollectionKind, displayName: string): Promise<CollectionInfo> {
    this.options.gate?.();
    const id = `${kind}-${this.#collections.size + 1}`;
    this.addCollection(id, kind, displayName);
    return { id, kind, displayName };
  }

  async changes(collection: string, cursor: string | null): Promise<ChangeFeed> {
    this.options.gate?.();
    this.calls.changes++;
    const c = this.#collection(collection);
    const since = cursor === null ? NaN : Number(cursor);
    const newCursor = String(this.#seq);
    const entry = (id: string, item: StoredItem): Versioned | SideItem =>
      this.options.feedCarriesContent ? { id, version: this.#version(item), uid: item.uid, text: item.text } : { id, version: this.#version(item) };
    if (!Number.isInteger(since) || since < c.oldestCursor - 1 || since > this.#seq) {
      return { cursor: newCursor, complete: true, deleted: [], changed: [...c.items].map(([id, item]) => entry(id, item)) };
    }
    const changed: Array<Versioned | SideItem> = [];
    const deleted: string[] = [];
    for (const [id, seq] of c.changedAt) {
      if (seq <= since) continue;
      const item = c.items.get(id);
      if (item) changed.push(entry(id, item));
      else if (!(this.options.omitCreatedThenDeleted && (c.createdAt.get(id) ?? 0) > since)) deleted.push(id);
    }
    return { cursor: newCursor, complete: false, changed, deleted };
  }

  /** The listing as of the call (a snapshot, as one REPORT answer is), handed over in pages; the cursor last. */
  async *#listPages(collection: string, pageSize: number): AsyncGenerator<ListingPage, void, void> {
    this.options.gate?.();
    this.calls.changes++;
    const c = this.#collection(collection);
    const cursor = String(this.#seq);
    const items = [...c.items].map(([id, item]): SideItem => ({ id, version: this.#version(item), uid: item.uid, text: item.text }));
    for (let n = 0; n * pageSize < items.length; n++) {
      this.options.beforePage?.(n);
      yield { type: "items", items: items.slice(n * pageSize, (n + 1) * pageSize) };
    }
    yield { type: "end", cursor };
  }

  async fetch(collection: string, ids: readonly string[], _signal?: AbortSignal, basis?: ReadonlyMap<string, string>): Promise<Array<SideItem | SideError>> {
    this.options.gate?.();
    this.calls.fetch++;
    this.options.onFetch?.(ids, basis);
    const c = this.#collection(collection);
    return ids.map((id) => {
      const item = c.items.get(id);
      if (!item) return new SideError("not-found", `no item ${id}`, id);
      if (this.options.churnVersions) item.version = `v${++this.#seq}`;
      return { id, version: this.#version(item), uid: item.uid, text: item.text };
    });
  }

  async create(collection: string, items: readonly VObject[]): Promise<Array<WriteResult | SideError>> {
    this.options.gate?.();
    this.calls.create++;
    const c = this.#collection(collection);
    return items.map((item) => {
      const uid = item.uid ?? uidOfText(item.text);
      const write: MemoryWrite = { op: "create", collection, id: `${this.name}-${this.#nextId + 1}`, uid };
      const refused = this.#refuse(write);
      if (refused) return refused;
      if (uid !== null && [...c.items.values()].some((x) => x.uid === uid)) {
        return new SideError("already-exists", `an item with UID ${uid} exists`);
      }
      this.options.beforeEffect?.(write);
      const id = `${this.name}-${++this.#nextId}`;
      const stored = this.#store(c, id, item.text, true);
      this.calls.itemWrites++;
      this.options.afterEffect?.(write);
      return { id, version: this.#version(stored), ...this.#written(stored) };
    });
  }

  async update(collection: string, items: readonly ItemUpdate[]): Promise<Array<WriteResult | SideError>> {
    return this.#write(collection, items, "update");
  }

  #write(collection: string, items: readonly ItemUpdate[], op: "update" | "tag"): Array<WriteResult | SideError> {
    this.options.gate?.();
    this.calls[op]++;
    const c = this.#collection(collection);
    return items.map((item) => {
      const write: MemoryWrite = { op, collection, id: item.id, uid: item.uid };
      this.options.beforeWrite?.(write);
      const refused = this.#refuse(write);
      if (refused) return refused;
      const current = c.items.get(item.id);
      if (!current) return new SideError("not-found", `no item ${item.id}`, item.id);
      if (!this.options.missingVersions && item.version !== null && item.version !== current.version) {
        return new SideError("precondition-failed", `item ${item.id} is at ${current.version}, not ${item.version}`, item.id);
      }
      this.options.beforeEffect?.(write);
      const stored = this.#store(c, item.id, item.text, true);
      this.calls.itemWrites++;
      this.options.afterEffect?.(write);
      return { id: item.id, version: this.#version(stored), ...this.#written(stored) };
    });
  }

  async remove(collection: string, items: readonly Versioned[]): Promise<Array<null | SideError>> {
    this.options.gate?.();
    this.calls.remove++;
    const c = this.#collection(collection);
    return items.map((item) => {
      const write: MemoryWrite = { op: "delete", collection, id: item.id, uid: c.items.get(item.id)?.uid ?? null };
      this.options.beforeWrite?.(write);
      const refused = this.#refuse(write);
      if (refused) return refused;
      const current = c.items.get(item.id);
      if (!current) return new SideError("not-found", `no item ${item.id}`, item.id);
      if (!this.options.missingVersions && item.version !== null && item.version !== current.version) {
        return new SideError("precondition-failed", `item ${item.id} is at ${current.version}, not ${item.version}`, item.id);
      }
      this.options.beforeEffect?.(write);
      c.items.delete(item.id);
      c.changedAt.set(item.id, ++this.#seq);
      this.#announce(c, { id: item.id, gone: true });
      this.calls.itemWrites++;
      this.options.afterEffect?.(write);
      return null;
    });
  }

  async *#watch(collections: readonly string[], signal: AbortSignal): AsyncGenerator<SideNotice> {
    this.options.gate?.();
    const watcher: Watcher = { collections: new Set(collections), queue: [{ type: "status", state: "connected" }], wake: undefined, failure: undefined };
    this.#watchers.add(watcher);
    const onAbort = () => watcher.wake?.();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        if (signal.aborted) return;
        if (watcher.failure) throw watcher.failure;
        const notice = watcher.queue.shift();
        if (notice) {
          yield notice;
          continue;
        }
        await new Promise<void>((resolve) => (watcher.wake = resolve));
        watcher.wake = undefined;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#watchers.delete(watcher);
    }
  }

  #deliver(watcher: Watcher, notice: SideNotice): void {
    if (this.options.dropNotice?.(notice)) return;
    watcher.queue.push(notice);
    watcher.wake?.();
  }

  #announce(collection: MemoryCollection, item: NoticeItem): void {
    for (const w of this.#watchers) {
      if (w.collections.has(collection.info.id)) this.#deliver(w, { type: "items", collection: collection.info.id, items: [item] });
    }
  }

  #refuse(write: MemoryWrite): SideError | null {
    if (this.capabilities.readOnly) return new SideError("read-only", `${this.name} is read-only`, write.id);
    if (this.options.failWrite?.(write)) return new SideError("rejected", `${this.name} refused the ${write.op} (injected fault)`, write.id);
    return null;
  }

  #version(item: StoredItem): string | null {
    return this.options.missingVersions ? null : item.version;
  }

  #collection(id: string): MemoryCollection {
    const c = this.#collections.get(id);
    if (!c) throw new SideError("not-found", `${this.name} has no collection ${id}`);
    return c;
  }

  #lossy(text: string): string {
    const drop = this.options.dropsProperties;
    if (!drop?.length) return text;
    return text
      .split(/\r?\n/)
      .filter((line) => !drop.some((name) => line.toUpperCase().startsWith(`${name}:`) || line.toUpperCase().startsWith(`${name};`)))
      .join("\r\n");
  }

  #written(stored: StoredItem): { text?: string } {
    return this.options.reportStoredText ? { text: stored.text } : {};
  }

  #store(c: MemoryCollection, id: string, text: string, lossy = false): StoredItem {
    if (lossy) text = this.#lossy(text);
    const stored: StoredItem = { uid: uidOfText(text), text, version: `v${++this.#seq}` };
    if (!c.items.has(id)) c.createdAt.set(id, this.#seq);
    c.items.set(id, stored);
    c.changedAt.set(id, this.#seq);
    this.#announce(c, { id, version: this.#version(stored) });
    return stored;
  }
}
