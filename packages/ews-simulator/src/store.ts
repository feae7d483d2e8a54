/**
 * The simulator's in-memory record store: folders, items stored as EWS element trees, a change
 * sequence that feeds sync states, ChangeKeys, recurring series with modified and deleted
 * occurrences, attachments, tombstones and the event log that notifications read.
 */
import { decodeId, encodeChangeKey, encodeId, storeGuid, type DecodedId } from "./ids.js";
import { SimError } from "./errors.js";
import { occurrenceOf, occurrenceStarts, occurrenceTimes } from "./occurrences.js";
import type {
  AttachmentRecord, FolderRecord, ItemRecord, ItemTarget, ItemUpdate, MailboxEvent, SimAttachmentInput, SimDeleteType, Tombstone,
  UserConfigurationRecord,
} from "./records.js";
import { ITEM_KINDS, ORDER_OF, READ_ONLY_PROPERTIES, type SimItemKind } from "./schema-order.js";
import { applyItemUpdates, checkExtendedValue, completeCalendarItem, extendedPropertyKey, normaliseDateTime, storeProperty } from "./updates.js";
import { child, cloneElement, el, type XmlElement } from "./xml.js";

/** The distinguished folders created in every mailbox: [id, display name, class, parent id]. */
const STANDARD_FOLDERS: Array<[string, string, string | undefined, string | null]> = [
  ["root", "", undefined, null],
  ["msgfolderroot", "Top of Information Store", undefined, "root"],
  ["calendar", "Calendar", "IPF.Appointment", "msgfolderroot"],
  ["contacts", "Contacts", "IPF.Contact", "msgfolderroot"],
  ["deleteditems", "Deleted Items", "IPF.Note", "msgfolderroot"],
  ["drafts", "Drafts", "IPF.Note", "msgfolderroot"],
  ["inbox", "Inbox", "IPF.Note", "msgfolderroot"],
  ["journal", "Journal", "IPF.Journal", "msgfolderroot"],
  ["junkemail", "Junk Email", "IPF.Note", "msgfolderroot"],
  ["notes", "Notes", "IPF.StickyNote", "msgfolderroot"],
  ["outbox", "Outbox", "IPF.Note", "msgfolderroot"],
  ["sentitems", "Sent Items", "IPF.Note", "msgfolderroot"],
  ["tasks", "Tasks", "IPF.Task", "msgfolderroot"],
  ["recoverableitemsroot", "Recoverable Items", undefined, "root"],
  ["recoverableitemsdeletions", "Deletions", undefined, "recoverableitemsroot"],
];

/** Where CreateItem puts an item of each kind when no SavedItemFolderId is given. */
const DEFAULT_FOLDER_OF: Record<SimItemKind, string> = {
  Contact: "contacts",
  DistributionList: "contacts",
  CalendarItem: "calendar",
  Task: "tasks",
  Message: "drafts",
};

/**
 * The record store of one simulated mailbox (or the public folder store): folders, items,
 * tombstones, the change sequence and the event log, ids and ChangeKeys. The SOAP operations and
 * the client-facing API (`SimulatedMailbox` in mailbox.ts) both change the mailbox through
 * these methods, so a change made from a test is seen by a client exactly like a change made by
 * another Exchange client. Members tagged `@internal` are for the simulator's own modules.
 */
export class MailboxStore {
  /** @internal 16-byte store guid. */
  readonly guid: Buffer;
  /** @internal Hex of {@link guid}. */
  readonly guidHex: string;
  /** @internal Change sequence: every change takes the next number. */
  seq = 0;
  /** @internal */
  readonly folders = new Map<number, FolderRecord>();
  /** @internal */
  readonly tombstones: Tombstone[] = [];
  /** @internal */
  readonly itemIndex = new Map<number, ItemRecord>();
  /** @internal Event log for notifications (oldest first). */
  readonly events: MailboxEvent[] = [];
  /** @internal Called after each logged event (streaming subscriptions listen here). */
  readonly eventListeners = new Set<() => void>();
  /** @internal User configurations by `folderNumber|name`. */
  readonly userConfigurations = new Map<string, UserConfigurationRecord>();
  private nextNumber = 1;
  private nextAttachment = 1;
  /** @internal Clock used for created/modified times (tests may pin it). */
  now: () => number = () => Date.now();

  constructor(
    /** The mailbox's primary SMTP address. */
    readonly smtpAddress: string,
    /** Display name used for the organizer of calendar items. */
    readonly displayName: string,
    /** @internal Whether this is the public folder store. */
    readonly isPublicStore = false,
  ) {
    this.guid = storeGuid(isPublicStore ? "public-folders" : smtpAddress);
    this.guidHex = this.guid.toString("hex");
    if (isPublicStore) {
      this.addFolder(null, "IPM_SUBTREE", undefined, "publicfoldersroot");
    } else {
      const byName = new Map<string, FolderRecord>();
      for (const [id, name, cls, parent] of STANDARD_FOLDERS) {
        byName.set(id, this.addFolder(parent ? byName.get(parent)! : null, name, cls, id));
      }
    }
  }

  /** @internal Appends to the event log (using the current sequence number). */
  logEvent(event: Omit<MailboxEvent, "seq" | "at">): void {
    const at = this.now();
    if (!event.isFolder) {
      for (const f of [event.parent, event.oldParent]) if (f) f.contentChanged = at;
    }
    this.events.push({ ...event, seq: this.seq, at });
    for (const listener of this.eventListeners) listener();
  }

  // ---------------------------------------------------------------- ids

  /** @internal */
  folderId(folder: FolderRecord): string {
    return encodeId("folder", this.guid, folder.number);
  }
  /** @internal */
  folderChangeKey(folder: FolderRecord): string {
    return encodeChangeKey(this.guid, folder.number, folder.version);
  }
  private readonly idCache = new Map<number, string>();
  private readonly changeKeyCache = new Map<number, [number, string]>();

  /** @internal */
  itemId(item: Pick<ItemRecord, "number">): string {
    let id = this.idCache.get(item.number);
    if (id === undefined) {
      id = encodeId("item", this.guid, item.number);
      this.idCache.set(item.number, id);
    }
    return id;
  }
  /** @internal */
  itemChangeKey(item: ItemRecord): string {
    const cached = this.changeKeyCache.get(item.number);
    if (cached && cached[0] === item.version) return cached[1];
    const key = encodeChangeKey(this.guid, item.number, item.version);
    this.changeKeyCache.set(item.number, [item.version, key]);
    return key;
  }
  /** @internal */
  occurrenceId(item: ItemRecord, index: number): string {
    return encodeId("occurrence", this.guid, item.number, index);
  }
  /** @internal */
  attachmentId(item: ItemRecord, attachment: AttachmentRecord): string {
    return encodeId("attachment", this.guid, attachment.number, item.number);
  }

  // ---------------------------------------------------------------- folders

  /** @internal */
  addFolder(parent: FolderRecord | null, displayName: string, folderClass: string | undefined, distinguished?: string): FolderRecord {
    const seq = ++this.seq;
    const folder: FolderRecord = {
      number: this.nextNumber++, parent, displayName, folderClass, distinguished, version: 1, createdSeq: seq, modSeq: seq,
      items: new Map(), deleted: false, contentChanged: this.now(),
    };
    this.folders.set(folder.number, folder);
    if (parent) this.logEvent({ type: "CreatedEvent", number: folder.number, isFolder: true, parent });
    return folder;
  }

  /** @internal A distinguished folder by its id (`contacts`, `calendar` …). */
  distinguishedFolder(name: string): FolderRecord | undefined {
    for (const f of this.folders.values()) if (f.distinguished === name && !f.deleted) return f;
    return undefined;
  }

  /** @internal Folder by decoded id. */
  folderByNumber(number: number): FolderRecord | undefined {
    const f = this.folders.get(number);
    return f && !f.deleted ? f : undefined;
  }

  /** @internal Child folders (not deleted). */
  childFolders(folder: FolderRecord): FolderRecord[] {
    return [...this.folders.values()].filter((f) => f.parent === folder && !f.deleted);
  }

  /** @internal Whether `folder` is `ancestor` or below it. */
  isUnder(folder: FolderRecord, ancestor: FolderRecord): boolean {
    for (let f: FolderRecord | null = folder; f; f = f.parent) if (f === ancestor) return true;
    return false;
  }

  /** @internal Creates a folder as CreateFolder does. */
  createFolderRecord(parent: FolderRecord, displayName: string, folderClass: string | undefined): FolderRecord {
    if (this.childFolders(parent).some((f) => f.displayName.toLowerCase() === displayName.toLowerCase())) {
      throw new SimError("ErrorFolderExists", `A folder named '${displayName}' already exists under '${parent.displayName}'.`);
    }
    const folder = this.addFolder(parent, displayName, folderClass);
    this.touchFolder(parent);
    return folder;
  }

  /** @internal Deletes a folder and its subtree. */
  deleteFolderRecord(folder: FolderRecord): void {
    if (folder.distinguished) throw new SimError("ErrorDeleteDistinguishedFolder", `Distinguished folder '${folder.distinguished}' cannot be deleted.`);
    const doomed = [...this.folders.values()].filter((f) => !f.deleted && this.isUnder(f, folder));
    for (const f of doomed) {
      for (const item of [...f.items.values()]) this.removeItem(item);
      f.deleted = true;
      this.tombstones.push({ folder: f.parent ?? f, number: f.number, kind: "folder", createdSeq: f.createdSeq, seq: ++this.seq });
      this.logEvent({ type: "DeletedEvent", number: f.number, isFolder: true, parent: f.parent ?? f });
    }
    if (folder.parent) this.touchFolder(folder.parent);
  }

  // ---------------------------------------------------------------- items

  /** @internal Resolves an item id (ItemId or occurrence id) of this store. */
  resolveItem(decoded: DecodedId): ItemTarget {
    const item = this.itemIndex.get(decoded.number);
    if (!item) throw new SimError("ErrorItemNotFound", "The specified object was not found in the store.");
    if (decoded.kind === "occurrence") return this.occurrenceOf(item, decoded.extra);
    return { item };
  }

  /** @internal The occurrence of a series at a 1-based instance index (see occurrences.ts). */
  occurrenceOf(item: ItemRecord, index: number): ItemTarget {
    return occurrenceOf(item, index);
  }

  /** @internal Original starts of a series (at least `atLeast` of them when the series is that long). */
  occurrenceStarts(item: ItemRecord, atLeast = 0, until?: number): number[] {
    return occurrenceStarts(item, atLeast, until);
  }

  /** @internal Start and end of an unmodified occurrence. */
  occurrenceTimes(item: ItemRecord, originalStart: number): { start: number; end: number } {
    return occurrenceTimes(item, originalStart);
  }

  /** Bumps an item's version and ChangeKey and logs the change. */
  private bump(item: ItemRecord): void {
    item.version++;
    item.modSeq = ++this.seq;
    item.modified = this.now();
    this.logEvent({ type: "ModifiedEvent", number: item.number, isFolder: false, parent: item.folder });
  }

  /** @internal Bumps a folder's version (a hierarchy change). */
  protected touchFolder(folder: FolderRecord): void {
    folder.version++;
    folder.modSeq = ++this.seq;
    this.logEvent({ type: "ModifiedEvent", number: folder.number, isFolder: true, parent: folder.parent ?? folder });
  }

  /**
   * @internal Creates an item from a client's element (`t:Contact`, `t:CalendarItem`, `t:Task`,
   * `t:Message`) in a folder, as CreateItem does.
   */
  createItemRecord(folder: FolderRecord, source: XmlElement, takeOwnership = false): ItemRecord {
    const kind = source.name as SimItemKind;
    if (!ITEM_KINDS.includes(kind)) throw new SimError("ErrorInvalidRequest", `Item type ${source.name} is not supported by the simulator.`);
    const props = new Map<string, XmlElement>();
    const extended = new Map<string, XmlElement>();
    for (const prop of source.children) {
      if (prop.name === "ExtendedProperty") {
        checkExtendedValue(prop);
        extended.set(extendedPropertyKey(child(prop, "ExtendedFieldURI")!), takeOwnership ? prop : cloneElement(prop));
        continue;
      }
      if (!ORDER_OF[kind].has(prop.name)) throw new SimError("ErrorInvalidPropertySet", `Property ${prop.name} is not valid for a ${kind}.`);
      if (READ_ONLY_PROPERTIES.has(prop.name)) throw new SimError("ErrorInvalidPropertySet", `Set action is invalid for property ${prop.name}.`);
      if (takeOwnership) props.set(prop.name, normaliseDateTime(prop));
      else storeProperty(props, prop);
    }
    if (kind === "CalendarItem") completeCalendarItem(props, () => this.now());
    const now = this.now();
    const seq = ++this.seq;
    const item: ItemRecord = {
      number: this.nextNumber++, kind, folder, props, extended, attachments: [], version: 1, createdSeq: seq, modSeq: seq,
      readSeq: 0, created: now, modified: now, exceptions: new Map(), deletedOccurrences: new Set(),
    };
    folder.items.set(item.number, item);
    this.itemIndex.set(item.number, item);
    this.logEvent({ type: "CreatedEvent", number: item.number, isFolder: false, parent: folder });
    if (kind === "Message" && folder.distinguished === "inbox") this.logEvent({ type: "NewMailEvent", number: item.number, isFolder: false, parent: folder });
    return item;
  }

  /** @internal Applies updates to an item or an occurrence, as UpdateItem does (no ChangeKey check here). */
  applyUpdates(target: ItemTarget, updates: ItemUpdate[]): void {
    applyItemUpdates(target, updates, () => this.now());
    this.bump(target.item);
  }

  /** @internal Removes an item (tombstone for sync). */
  removeItem(item: ItemRecord, logged = true): void {
    item.folder.items.delete(item.number);
    this.itemIndex.delete(item.number);
    this.tombstones.push({ folder: item.folder, number: item.number, kind: item.kind, createdSeq: item.createdSeq, seq: ++this.seq });
    if (logged) this.logEvent({ type: "DeletedEvent", number: item.number, isFolder: false, parent: item.folder });
  }

  /** @internal Deletes an item or an occurrence, as DeleteItem does. */
  deleteTarget(target: ItemTarget, deleteType: SimDeleteType): void {
    const { item, occurrence } = target;
    if (occurrence) {
      item.exceptions.delete(occurrence.originalStart);
      item.deletedOccurrences.add(occurrence.originalStart);
      this.bump(item);
      return;
    }
    const deletedItems = this.distinguishedFolder("deleteditems");
    if (deleteType === "MoveToDeletedItems" && deletedItems && item.folder !== deletedItems) this.moveItemRecord(item, deletedItems);
    else this.removeItem(item);
  }

  /**
   * @internal Moves an item to another folder of this store, as MoveItem does: the item gets a new
   * ItemId (and ChangeKey); the old folder reports a Delete, the new one a Create.
   */
  moveItemRecord(item: ItemRecord, target: FolderRecord): ItemRecord {
    if (target === item.folder) return item;
    this.removeItem(item, false);
    const seq = ++this.seq;
    const moved: ItemRecord = { ...item, number: this.nextNumber++, folder: target, version: item.version + 1, createdSeq: seq, modSeq: seq };
    target.items.set(moved.number, moved);
    this.itemIndex.set(moved.number, moved);
    this.logEvent({ type: "MovedEvent", number: moved.number, isFolder: false, parent: target, oldNumber: item.number, oldParent: item.folder });
    return moved;
  }

  /** @internal Adds a file attachment, as CreateAttachment does. */
  addAttachmentRecord(item: ItemRecord, input: SimAttachmentInput): AttachmentRecord {
    const content = typeof input.content === "string" ? Buffer.from(input.content, "base64") : Buffer.from(input.content);
    const attachment: AttachmentRecord = {
      number: this.nextAttachment++, name: input.name, contentType: input.contentType ?? "application/octet-stream",
      contentId: input.contentId, isInline: input.isInline ?? false, isContactPhoto: input.isContactPhoto ?? false, content,
      lastModified: this.now(),
    };
    if (attachment.isContactPhoto && item.kind === "Contact") {
      for (const a of item.attachments) a.isContactPhoto = false;
    }
    item.attachments.push(attachment);
    this.bump(item);
    return attachment;
  }

  /** @internal Removes an attachment. */
  removeAttachmentRecord(item: ItemRecord, attachmentNumber: number): void {
    const at = item.attachments.findIndex((a) => a.number === attachmentNumber);
    if (at === -1) throw new SimError("ErrorInvalidAttachmentId", "The attachment was not found.");
    item.attachments.splice(at, 1);
    this.bump(item);
  }

  /** @internal Sets the read flag of a message (feeds ReadFlagChange). */
  setReadFlagRecord(item: ItemRecord, isRead: boolean): void {
    item.props.set("IsRead", el("IsRead", {}, isRead));
    item.version++;
    item.readSeq = ++this.seq;
    this.logEvent({ type: "ModifiedEvent", number: item.number, isFolder: false, parent: item.folder });
  }

  /** @internal Tombstones recorded since a watermark. */
  tombstonesSince(watermark: number): Tombstone[] {
    return this.tombstones.filter((t) => t.seq > watermark);
  }

  // ---------------------------------------------------------------- lookups by reference

  /** @internal A folder by distinguished id or FolderId, or ErrorFolderNotFound. */
  protected requireFolder(ref: string): FolderRecord {
    const f = this.distinguishedFolder(ref) ?? this.folderFromId(ref);
    if (!f) throw new SimError("ErrorFolderNotFound", `No folder '${ref}' in mailbox ${this.smtpAddress}.`);
    return f;
  }

  /** @internal A folder of this store by FolderId string. */
  folderFromIdString(id: string): FolderRecord | undefined {
    return this.folderFromId(id);
  }

  private folderFromId(id: string): FolderRecord | undefined {
    const d = decodeId(id);
    return d && d.kind === "folder" && d.store === this.guidHex ? this.folderByNumber(d.number) : undefined;
  }

  /** @internal Fast path for seeding: creates from an element tree without parsing; the tree is kept, not copied. */
  createItemFromElement(folder: FolderRecord, element: XmlElement): ItemRecord {
    return this.createItemRecord(folder, element, true);
  }

  /** Folder record for a programmatic reference (used by seeds). @internal */
  folderRecord(ref: string): FolderRecord {
    return this.requireFolder(ref);
  }

  /** @internal Default folder for CreateItem without SavedItemFolderId. */
  defaultFolderFor(kind: SimItemKind): FolderRecord {
    return this.distinguishedFolder(DEFAULT_FOLDER_OF[kind])!;
  }
}
