/**
 * The side vocabulary: what the engine asks of a place that holds items (an EWS mailbox, a DAV
 * server, a vdir folder, an in-memory test double). A side knows nothing of the other side, of
 * the state, or of sync: it lists, reads and writes vobjects, with a version precondition on
 * every write.
 *
 * @module
 */

/** The kind of a collection: contacts (vCard), events or tasks (iCalendar). */
export type CollectionKind = "contacts" | "events" | "tasks";

/** The collection kinds, in a stable order. */
export const COLLECTION_KINDS: readonly CollectionKind[] = ["contacts", "events", "tasks"];

/** One item as the engine sees it: its UID and its iCalendar or vCard text. */
export interface VObject {
  /** The item's UID, or `null` when the item has none (the engine assigns one). */
  uid: string | null;
  /** The iCalendar (`BEGIN:VCALENDAR`) or vCard (`BEGIN:VCARD`) text. */
  text: string;
}

/**
 * Where an item lives on a side and which revision of it the side holds: an href and an ETag,
 * an ItemId and a ChangeKey, a file name and an mtime+size.
 */
export interface Versioned {
  /** The side's own identifier of the item, stable across edits. */
  id: string;
  /**
   * The revision the side holds, or `null` when the side does not report one (a server without
   * ETags). A `null` version makes the engine read the item to learn whether it changed.
   */
  version: string | null;
}

/** An item read from a side: where it is, its revision and its content. */
export interface SideItem extends Versioned, VObject {
  /** What the side's item holds that its vobject cannot say (e.g. EWS fields with no vCard property). */
  dropped?: DroppedProperty[];
  /**
   * When this revision was made, by the side's own clock, as an ISO 8601 instant: EWS
   * LastModifiedTime. Absent: the engine reads the LAST-MODIFIED / REV the text states (DAV, vdir,
   * memory; not for a side that {@link SideCapabilities.rendersOnBasis renders onto a basis}), else
   * takes the time its state first saw the revision. `newest-wins` compares it.
   */
  modified?: string;
}

/**
 * What changed in a collection since a cursor. When the side has no cursor, or rejects the one it
 * was given, it lists the whole collection and sets `complete`.
 */
export interface ChangeFeed {
  /** The cursor to store and pass next time; it covers everything this feed reports. */
  cursor: string | null;
  /**
   * Items created or updated since the cursor (every item when `complete`). An entry may carry its
   * content (a {@link SideItem}: a DAV sync-collection report that returned the data with the
   * ETags): the engine then takes it as read and does not fetch it, unless the side
   * {@link SideCapabilities.rendersOnBasis renders onto a basis}. Entries without `text` are fetched.
   */
  changed: Array<Versioned | SideItem>;
  /** Ids of items deleted since the cursor (empty when `complete`: absence says it; a `windowed` listing may name the deletions it knows). */
  deleted: string[];
  /** True when `changed` is the full listing of the collection. */
  complete: boolean;
  /**
   * With `complete`: the listing covers a window of the collection only (a calendar view over a
   * date range), so an item it does not list may still exist outside the window. The engine then
   * reads each item its state knows that the listing does not name, by id, and deletes only those
   * found gone; an emptied side is judged after those reads.
   */
  windowed?: boolean;
}

/**
 * One step of a collection's complete listing in pages ({@link SyncSide.listPages}): items of the
 * collection, or, last, the cursor.
 */
export type ListingPage =
  /**
   * Items of the collection, each listed once in the whole listing. An entry without `text` (a
   * member the side listed without its content, or one it will refuse to read) is read by the
   * engine through {@link SyncSide.fetch}.
   */
  | { type: "items"; items: Array<Versioned | SideItem> }
  /** The listing is whole: the cursor to store, as a complete {@link ChangeFeed} would give it. */
  | { type: "end"; cursor: string | null };

/** What a side can do, so the engine batches and parallelises within its limits. */
export interface SideCapabilities {
  /** The engine never writes to a read-only side. */
  readOnly: boolean;
  /** The most items one fetch/create/update/remove call may carry. */
  maxBatch: number;
  /** The most calls the engine runs at once against this side. */
  maxConcurrency: number;
  /**
   * The side renders items onto a basis text ({@link SyncSide.fetch}'s `basis`): what it cannot
   * hold comes back as it was in the basis. The engine then passes a basis on every read, and at a
   * first pairing reads the item again onto the other side's text. Default false.
   */
  rendersOnBasis?: boolean;
}

/** A collection a side holds. */
export interface CollectionInfo {
  /** The side's identifier of the collection (a folder id, a collection href, a subfolder name). */
  id: string;
  /** What it holds. */
  kind: CollectionKind;
  displayName: string;
  /**
   * Every kind it can hold, when more than one (a CalDAV calendar that does not restrict its
   * components holds events and tasks); linking accepts any of them.
   */
  kinds?: CollectionKind[];
}

/** A property a side could not carry when it stored an item (reported, never fatal). */
export interface DroppedProperty {
  property: string;
  reason: string;
}

/**
 * The outcome of a successful write: where the item now lives and its revision. A side that stores
 * less than, or otherwise differently from, what it was given (a lossy mapping) must say what it
 * now holds (`text`): the engine takes that as the base of the next comparison. Without it, a
 * later edit on that side would look like it removed what the side never held, and the removal
 * would travel to the other side. `dropped` lists what the side could not store.
 */
export interface WriteResult extends Versioned {
  text?: string;
  dropped?: DroppedProperty[];
}

/** Codes of {@link SideError}. */
export type SideErrorCode =
  | "precondition-failed" // the item changed since the version given (ETag / ChangeKey mismatch)
  | "already-exists" // a create found an item with that UID / name already there
  | "not-found" // the item is gone
  | "read-only" // the side or collection refuses writes
  | "rejected" // the side refused the content (validation, mapping, quota)
  | "transient"; // a network error, a throttle, a server fault: retry later

/**
 * A per-item failure of a side call. Sides return it in place of a result so one bad item never
 * fails its batch; a side call that throws fails every item of the call.
 */
export class SideError extends Error {
  override readonly name = "SideError";
  constructor(
    readonly code: SideErrorCode,
    message: string,
    /** The item's id on the side, when it has one. */
    readonly id: string | null = null,
  ) {
    super(message);
  }
}

/** An update of an existing item: the content to store, with the revision it must still have. */
export interface ItemUpdate extends Versioned {
  uid: string | null;
  text: string;
}

/**
 * A UID tag: the engine gives an item that had no UID (or a UID another item holds) its UID. `text`
 * is the item's text as the engine holds it with that UID set (what the slot holds after the tag).
 */
export interface ItemTag extends Versioned {
  uid: string;
  text: string;
}

/** The state of a side's push channel, as {@link SideNotice} `status` reports it. */
export type WatchState =
  | "connecting" // push is being opened
  | "connected" // push is live (e.g. an EWS streaming connection is open)
  | "reconnecting" // the channel was lost and is being opened again; changes meanwhile are caught up
  | "pull" // push was refused; the side polls its server's event queue instead (EWS pull subscription)
  | "polling"; // no push at all: the engine polls the change feed

/** An item a {@link SideNotice} names: its id and, when the notice says, its new revision. */
export interface NoticeItem {
  id: string;
  /** The revision the change produced, when known; an item the state already holds at it is not read. */
  version?: string | null;
  /** The notice says the item is gone (read anyway: the read decides). */
  gone?: boolean;
}

/**
 * What a side announces by itself while {@link SyncSide.watch} runs: items that changed, a
 * collection to read the change feed of (a coarse event, or a gap in which events may have been
 * lost), or the state of the channel.
 */
export type SideNotice =
  | { type: "items"; collection: string; items: NoticeItem[] }
  | { type: "collection"; collection: string; reason: string }
  | { type: "gap"; reason: string }
  | { type: "status"; state: WatchState; detail?: string };

/**
 * A place that holds collections of vobjects. Every call takes a collection id; every batch call
 * answers per item, in the order given. Implementations: `@ewsdav/core/vdir`, `/dav`, `/ews`, and
 * {@link MemorySide} for tests.
 */
export interface SyncSide {
  /** A name unique among the host's sides, e.g. `"ews:alice"`, `"vdir"`. Never a secret. */
  readonly name: string;
  readonly capabilities: SideCapabilities;
  /** The collections this side holds. */
  listCollections(signal?: AbortSignal): Promise<CollectionInfo[]>;
  /** Creates a collection (when the host links a remote folder to a local one that does not exist). */
  createCollection?(kind: CollectionKind, displayName: string, signal?: AbortSignal): Promise<CollectionInfo>;
  /** What changed since `cursor`; `null` asks for the full listing. */
  changes(collection: string, cursor: string | null, signal?: AbortSignal): Promise<ChangeFeed>;
  /**
   * The complete listing of a collection, as {@link SyncSide.changes} gives it for a `null` cursor,
   * in pages handed over as the side reads them, then the cursor: the engine takes it for a first
   * pull into an empty pair, writing each page while the next is read, and never holds the whole
   * collection's texts. The `end` step comes only once the listing is whole; a listing cut short or
   * malformed throws (after the pages before it), never ends early. Pages should be of a few
   * hundred items. Optional: the engine uses {@link SyncSide.changes} without it.
   */
  listPages?(collection: string, signal?: AbortSignal): AsyncIterable<ListingPage>;
  /**
   * Reads items by id; a missing item answers `SideError("not-found")`. `basis` gives, per id, the
   * text the engine last stored for that item on this slot (or, at a first pairing, the other
   * side's text): a side whose items cannot hold everything a vobject says (EWS) renders each item
   * onto it, so values and properties it cannot hold come back unchanged and only its own changes
   * differ. Sides that hold vobjects as they are (DAV, vdir, memory) ignore it.
   */
  fetch(collection: string, ids: readonly string[], signal?: AbortSignal, basis?: ReadonlyMap<string, string>): Promise<Array<SideItem | SideError>>;
  /** Creates items; must refuse (`already-exists`) rather than duplicate an item with the same UID or name. */
  create(collection: string, items: readonly VObject[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>>;
  /** Replaces items whose version still matches (`precondition-failed` otherwise). */
  update(collection: string, items: readonly ItemUpdate[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>>;
  /**
   * Writes UIDs onto items whose version still matches (`precondition-failed` otherwise), where the
   * side can do that more cheaply than an {@link SyncSide.update} of the whole text (EWS: one
   * UpdateItem of its UID property per batch, no read). The result's version is the item's new
   * revision; without `text`, the engine takes the tag's `text` as what the slot now holds. A side
   * without it is tagged through `update`.
   */
  tag?(collection: string, items: readonly ItemTag[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>>;
  /** Deletes items whose version still matches; a missing item answers `not-found`. */
  remove(collection: string, items: readonly Versioned[], signal?: AbortSignal): Promise<Array<null | SideError>>;
  /**
   * Push, where the side has it (EWS notifications): announces changes in these collections
   * until `signal` aborts, then ends. A `gap` notice means changes may have been missed (the
   * engine then reads the change feeds). Throwing ends the push; the engine polls the change
   * feed instead and opens the push again later. Sides without it are polled.
   */
  watch?(collections: readonly string[], signal: AbortSignal): AsyncIterable<SideNotice>;
}
