/**
 * The simulator's in-memory mailbox: folders, items stored as EWS element trees, a change
 * sequence that feeds sync states, ChangeKeys, recurring series with modified and deleted
 * occurrences, attachments. Both the SOAP operations and the programmatic "another client" API
 * ({@link SimulatedMailbox}) change the mailbox through the same methods, so a change made from a
 * test is seen by a client exactly like a change made by another Exchange client.
 */
import { randomBytes } from "node:crypto";
import { decodeId, encodeChangeKey, encodeId, storeGuid, type DecodedId } from "./ids.js";
import { expandRecurrence, isoUtc, parseDateTime, SimRecurrenceError } from "./recurrence.js";
import {
  FIELD_PREFIX_OF, INDEXED_DICTIONARIES, ITEM_KINDS, ORDER_OF, PHYSICAL_ADDRESS_SEQUENCE,
  READ_ONLY_PROPERTIES, type SimItemKind,
} from "./schema-order.js";
import { zoneOfItem } from "./time-zones.js";
import { child, childText, cloneElement, el, NS_T, parseXml, type XmlElement } from "./xml.js";

/** A failure with an EWS ResponseCode, reported per item or per request. */
export class SimError extends Error {
  constructor(
    /** The EWS ResponseCode, e.g. `ErrorItemNotFound`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SimError";
  }
}

/**
 * A failure of the whole request, answered as a SOAP fault (HTTP 500) rather than a response
 * message: what Exchange does for schema violations such as `ErrorSchemaValidation`.
 */
export class SimFault extends Error {
  constructor(
    /** The EWS ResponseCode, e.g. `ErrorSchemaValidation`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SimFault";
  }
}

/** A folder of a simulated mailbox. */
export interface FolderRecord {
  number: number;
  parent: FolderRecord | null;
  displayName: string;
  folderClass: string | undefined;
  distinguished: string | undefined;
  version: number;
  createdSeq: number;
  modSeq: number;
  items: Map<number, ItemRecord>;
  deleted: boolean;
  /**
   * When the folder's content last changed (ms; an item created, changed, moved in or out,
   * deleted): PidTagLocalCommitTimeMax, which clients such as DavMail read as a ctag.
   */
  contentChanged: number;
}

/** A file attachment. */
export interface AttachmentRecord {
  number: number;
  name: string;
  contentType: string;
  contentId: string | undefined;
  isInline: boolean;
  isContactPhoto: boolean;
  content: Buffer;
  lastModified: number;
}

/** A modified occurrence of a series: properties that override the master's. */
export interface ExceptionRecord {
  props: Map<string, XmlElement>;
}

/** An item of a simulated mailbox. */
export interface ItemRecord {
  number: number;
  kind: SimItemKind;
  folder: FolderRecord;
  /** Properties by element name (types namespace), as sent by clients. */
  props: Map<string, XmlElement>;
  /** Extended properties by {@link extendedPropertyKey}. */
  extended: Map<string, XmlElement>;
  attachments: AttachmentRecord[];
  version: number;
  createdSeq: number;
  modSeq: number;
  readSeq: number;
  created: number;
  modified: number;
  /** Modified occurrences by original start (ms). */
  exceptions: Map<number, ExceptionRecord>;
  /** Deleted occurrences' original starts (ms). */
  deletedOccurrences: Set<number>;
}

/** A tombstone: an item or folder that left a folder, for sync states. */
interface Tombstone {
  folder: FolderRecord;
  number: number;
  kind: SimItemKind | "folder";
  createdSeq: number;
  seq: number;
}

/** One entry of the mailbox's event log, read by notification subscriptions. */
export interface MailboxEvent {
  seq: number;
  type: "CreatedEvent" | "ModifiedEvent" | "DeletedEvent" | "MovedEvent" | "NewMailEvent";
  /** Item number (item events) or folder number (folder events). */
  number: number;
  isFolder: boolean;
  /** The folder holding the object (for moves: the new one). */
  parent: FolderRecord;
  /** For moves: the old item number and folder. */
  oldNumber?: number;
  oldParent?: FolderRecord;
  at: number;
}

/** What an item id resolved to: an item, or one occurrence of a series. */
export interface ItemTarget {
  item: ItemRecord;
  /** Set when an occurrence is addressed. */
  occurrence?: { index: number; originalStart: number };
}

/**
 * Properties an occurrence may override (everything else comes from the master). Exchange keeps a
 * modified occurrence as an exception (MS-OXOCAL: an exception attachment, an embedded message with
 * the instance's own properties), including the instance's display time zones:
 * PidLidAppointmentTimeZoneDefinitionStartDisplay (MS-OXOCAL 2.2.1.42) and its EndDisplay
 * counterpart, which EWS exposes as StartTimeZone and EndTimeZone. So UpdateItem on an occurrence accepts them (exchangelib sends both whenever it moves
 * an occurrence). exchangelib's own test_change_occurrence saves an occurrence unfolded from a
 * calendar view with every writable field against Exchange Online (Set of Subject, Sensitivity,
 * Categories, Importance, ReminderMinutesBeforeStart, Start/End, LegacyFreeBusyStatus,
 * Start/EndTimeZone; Delete of Body, InReplyTo, Location, When, the attendee lists,
 * MeetingWorkspaceUrl, NetShowUrl), so those are accepted too. What stays the series' own is
 * refused with ErrorInvalidPropertyForOperation: Recurrence (PidLidAppointmentRecur lives on the
 * master only), the UID (PidLidGlobalObjectId is shared by every instance), the legacy
 * MeetingTimeZone and the time zone ids of the series.
 */
const OCCURRENCE_PROPERTIES = new Set([
  "Subject", "Body", "Importance", "Sensitivity", "Categories", "ReminderIsSet", "ReminderMinutesBeforeStart", "Start", "End",
  "IsAllDayEvent", "LegacyFreeBusyStatus", "Location", "RequiredAttendees", "OptionalAttendees", "Resources", "IsCancelled",
  "EnhancedLocation", "StartTimeZone", "EndTimeZone", "InReplyTo", "When", "MeetingWorkspaceUrl", "NetShowUrl",
]);

/** Top-level xs:dateTime properties: stored in UTC (`…Z`, whole seconds), as Exchange returns them. */
const DATE_TIME_PROPERTIES = new Set([
  "Start", "End", "DueDate", "StartDate", "CompleteDate", "ReminderDueBy", "Birthday", "WeddingAnniversary", "AssignedTime",
  "AppointmentReplyTime", "DateTimeSent",
]);

/** A copy of a dateTime property normalised to UTC; values without an offset are read as UTC. */
function normaliseDateTime(prop: XmlElement): XmlElement {
  if (!DATE_TIME_PROPERTIES.has(prop.name) || prop.children.length > 0) return prop;
  const ms = parseDateTime(prop.text);
  return Number.isNaN(ms) ? prop : { ...prop, text: isoUtc(ms) };
}

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

/** The key that identifies an extended property (set + name/id, or tag), without its type. */
export function extendedPropertyKey(uri: XmlElement): string {
  const a = uri.attrs;
  if (a.PropertyTag !== undefined) {
    const tag = a.PropertyTag.trim();
    const n = /^0x/i.test(tag) ? parseInt(tag.slice(2), 16) : parseInt(tag, 10);
    return `tag|${Number.isNaN(n) ? tag.toLowerCase() : n}`;
  }
  const set = a.DistinguishedPropertySetId ?? (a.PropertySetId ?? "").toLowerCase();
  if (a.PropertyName !== undefined) return `${set}|name|${a.PropertyName}`;
  return `${set}|id|${a.PropertyId ?? ""}`;
}

function checkExtendedValue(prop: XmlElement): void {
  const uri = child(prop, "ExtendedFieldURI");
  if (!uri) throw new SimError("ErrorInvalidExtendedProperty", "ExtendedProperty has no ExtendedFieldURI.");
  const type = uri.attrs.PropertyType ?? "";
  const isArray = type.endsWith("Array");
  const values = isArray
    ? (child(prop, "Values")?.children ?? []).map((v) => v.text)
    : child(prop, "Value") ? [child(prop, "Value")!.text] : [];
  if (values.length === 0 || isArray !== !!child(prop, "Values")) {
    throw new SimError("ErrorInvalidExtendedPropertyValue", `Extended property ${extendedPropertyKey(uri)} needs ${isArray ? "Values" : "Value"} for type ${type}.`);
  }
  const base = type.replace(/Array$/, "");
  for (const v of values) {
    const ok =
      base === "Integer" || base === "Short" || base === "Long" ? /^-?\d+$/.test(v.trim())
      : base === "Boolean" ? /^(true|false|1|0)$/.test(v.trim())
      : base === "Double" || base === "Float" || base === "Currency" || base === "ApplicationTime" ? !Number.isNaN(Number(v))
      : base === "SystemTime" ? !Number.isNaN(parseDateTime(v))
      : base === "Binary" ? /^[A-Za-z0-9+/\s]*=*\s*$/.test(v)
      : base === "CLSID" ? /^\{?[0-9a-fA-F-]{36}\}?$/.test(v.trim())
      : true;
    if (!ok) throw new SimError("ErrorInvalidExtendedPropertyValue", `Value '${v}' is not a valid ${base} for extended property ${extendedPropertyKey(uri)}.`);
  }
}

/** Property name addressed by a FieldURI for a kind, or a SimError. */
export function propertyForFieldUri(fieldUri: string, kind: SimItemKind): string {
  const name = fieldUri.slice(fieldUri.indexOf(":") + 1);
  if (!ORDER_OF[kind].has(name) || name === "ExtendedProperty") {
    throw new SimError("ErrorInvalidPropertyRequest", `The property ${fieldUri} is not valid for a ${kind}.`);
  }
  return name;
}

function insertInOrder(parent: XmlElement, node: XmlElement, order: readonly string[]): void {
  const rank = (n: XmlElement) => order.indexOf(n.name);
  const at = parent.children.findIndex((c) => rank(c) > rank(node));
  if (at === -1) parent.children.push(node);
  else parent.children.splice(at, 0, node);
}

function genUid(): string {
  return `040000008200E00074C5B7101A82E00800000000${randomBytes(8).toString("hex").toUpperCase()}000000000000000010000000${randomBytes(16).toString("hex").toUpperCase()}`;
}

/** One parsed update: set, append or delete of one property path. */
export interface ItemUpdate {
  action: "set" | "append" | "delete";
  /** The path element: FieldURI, IndexedFieldURI or ExtendedFieldURI. */
  path: XmlElement;
  /** For set/append: the item element holding the one new value. */
  item?: XmlElement;
}

/** Public information about a folder, as the programmatic API returns it. */
export interface SimFolderInfo {
  /** The FolderId's Id. */
  id: string;
  /** The folder's current ChangeKey. */
  changeKey: string;
  displayName: string;
  folderClass: string | undefined;
  /** Distinguished folder id (`contacts`, `calendar` …), when it is one. */
  distinguishedId: string | undefined;
  /** The parent's FolderId Id, or undefined for the root. */
  parentId: string | undefined;
  /** Items in the folder. */
  totalCount: number;
}

/** Public information about an item, as the programmatic API returns it. */
export interface SimItemInfo {
  /** The ItemId's Id. */
  id: string;
  /** The current ChangeKey. */
  changeKey: string;
  kind: SimItemKind;
  /** The FolderId Id of the folder holding it. */
  folderId: string;
  /** Text of a stored property (`Subject`, `GivenName`, `Start` …), if set. */
  get(property: string): string | undefined;
  /** The stored property element, if set. */
  element(property: string): XmlElement | undefined;
  /** Text of an extended property's Value, by PropertySetId (or distinguished set) and name. */
  extendedValue(propertySet: string, propertyName: string): string | undefined;
  /** Attachments (name, content type, size, contact photo flag). */
  attachments: Array<{ id: string; name: string; contentType: string; size: number; isContactPhoto: boolean }>;
  /** For recurring masters: original starts (ISO) of modified and of deleted occurrences. */
  modifiedOccurrences: string[];
  deletedOccurrences: string[];
}

/** Input for {@link SimulatedMailbox.addAttachment}. */
export interface SimAttachmentInput {
  name: string;
  contentType?: string;
  content: Buffer | Uint8Array | string;
  isContactPhoto?: boolean;
  isInline?: boolean;
  contentId?: string;
}

/**
 * A user configuration object (MS-OXWSUSRCFG; a folder-associated item such as `OWA.UserOptions`
 * in the root folder): its dictionary of string entries.
 */
export interface UserConfigurationRecord {
  /** The folder holding it (e.g. the root folder for OWA.UserOptions). */
  folder: FolderRecord;
  /** Its name (UserConfigurationName/@Name). */
  name: string;
  /** Dictionary entries (String keys and String values). */
  dictionary: Map<string, string>;
}

/** How {@link SimulatedMailbox.deleteItem} deletes. */
export type SimDeleteType = "HardDelete" | "SoftDelete" | "MoveToDeletedItems";

/** Parses a fragment written by a test: a `<Contact>`/`<CalendarItem>`/… element, types namespace by default. */
function parseFragment(xml: string): XmlElement {
  const root = parseXml(`<wrap xmlns="${NS_T}" xmlns:t="${NS_T}">${xml}</wrap>`);
  const first = root.children[0];
  if (!first || root.children.length !== 1) throw new SimError("ErrorInvalidRequest", "Expected exactly one element in the fragment.");
  return first;
}

/**
 * One simulated mailbox (or the public folder store). The methods without an `@internal` tag
 * are the programmatic API tests use to act "as another client"; every change bumps the
 * object's ChangeKey and is seen by SyncFolderItems / SyncFolderHierarchy like a change made
 * over EWS.
 */
export class SimulatedMailbox {
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

  /** @internal The occurrence of a series at a 1-based instance index. */
  occurrenceOf(item: ItemRecord, index: number): ItemTarget {
    const recurrence = item.props.get("Recurrence");
    if (item.kind !== "CalendarItem" || !recurrence) {
      throw new SimError("ErrorItemNotFound", "The recurring master item was not found or is not a recurring calendar item.");
    }
    const starts = this.occurrenceStarts(item, index);
    const originalStart = starts[index - 1];
    if (index < 1 || originalStart === undefined) {
      throw new SimError("ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange", "The occurrence index is out of the recurrence range.");
    }
    if (item.deletedOccurrences.has(originalStart)) {
      throw new SimError("ErrorCalendarOccurrenceIsDeletedFromRecurrence", "The occurrence has been deleted from the recurrence.");
    }
    return { item, occurrence: { index, originalStart } };
  }

  /** @internal Original starts of a series (at least `atLeast` of them when the series is that long). */
  occurrenceStarts(item: ItemRecord, atLeast = 0, until?: number): number[] {
    const recurrence = item.props.get("Recurrence");
    if (!recurrence) return [];
    const start = parseDateTime(item.props.get("Start")?.text);
    const maxCount = until !== undefined ? 100_000 : Math.max(2000, atLeast);
    return expandRecurrence(recurrence, Number.isNaN(start) ? 0 : start, { maxCount, until, timeZone: zoneOfItem(item.props) });
  }

  private bump(item: ItemRecord): void {
    item.version++;
    item.modSeq = ++this.seq;
    item.modified = this.now();
    this.logEvent({ type: "ModifiedEvent", number: item.number, isFolder: false, parent: item.folder });
  }

  private touchFolder(folder: FolderRecord): void {
    folder.version++;
    folder.modSeq = ++this.seq;
    this.logEvent({ type: "ModifiedEvent", number: folder.number, isFolder: true, parent: folder.parent ?? folder });
  }

  /** @internal Stores a property on an item (or an occurrence's exception). */
  private storeProperty(props: Map<string, XmlElement>, value: XmlElement): void {
    props.set(value.name, normaliseDateTime(cloneElement(value)));
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
      else this.storeProperty(props, prop);
    }
    if (kind === "CalendarItem") this.completeCalendarItem(props);
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

  private completeCalendarItem(props: Map<string, XmlElement>): void {
    let start = parseDateTime(props.get("Start")?.text);
    let end = parseDateTime(props.get("End")?.text);
    if (Number.isNaN(start)) {
      start = Math.ceil(this.now() / 1_800_000) * 1_800_000;
      props.set("Start", el("Start", {}, isoUtc(start)));
    }
    if (Number.isNaN(end)) {
      end = start + 1_800_000;
      props.set("End", el("End", {}, isoUtc(end)));
    }
    if (end < start) throw new SimError("ErrorCalendarEndDateIsEarlierThanStartDate", "EndDate is earlier than StartDate.");
    if (!props.has("UID")) props.set("UID", el("UID", {}, genUid()));
    const recurrence = props.get("Recurrence");
    if (recurrence) {
      try {
        expandRecurrence(recurrence, start, { maxCount: 1, timeZone: zoneOfItem(props) });
      } catch (error) {
        if (error instanceof SimRecurrenceError) throw new SimError("ErrorCalendarInvalidRecurrence", error.message);
        throw error;
      }
    }
  }

  /** @internal Applies updates to an item or an occurrence, as UpdateItem does (no ChangeKey check here). */
  applyUpdates(target: ItemTarget, updates: ItemUpdate[]): void {
    const { item, occurrence } = target;
    const exceptionProps = occurrence ? new Map(item.exceptions.get(occurrence.originalStart)?.props ?? []) : undefined;
    const props = exceptionProps ?? new Map(item.props);
    const extended = new Map(item.extended);
    let recurrenceChanged = false;
    for (const update of updates) {
      const { path } = update;
      if (path.name === "ExtendedFieldURI") {
        if (occurrence) throw new SimError("ErrorInvalidPropertyForOperation", "Extended properties cannot be changed on a single occurrence.");
        const key = extendedPropertyKey(path);
        if (update.action === "delete") {
          extended.delete(key);
          continue;
        }
        if (update.action === "append") throw new SimError("ErrorInvalidPropertyAppend", "Append is not valid for extended properties.");
        const value = update.item?.children.find((c) => c.name === "ExtendedProperty");
        if (!value || update.item!.children.length !== 1) throw new SimError("ErrorIncorrectUpdatePropertyCount", "An update must carry exactly one property.");
        checkExtendedValue(value);
        extended.set(key, cloneElement(value));
        continue;
      }
      if (path.name === "IndexedFieldURI") {
        const dict = INDEXED_DICTIONARIES[path.attrs.FieldURI ?? ""];
        if (!dict || item.kind !== "Contact") throw new SimError("ErrorInvalidPropertyRequest", `The property ${path.attrs.FieldURI ?? ""} is not valid for a ${item.kind}.`);
        const key = path.attrs.FieldIndex ?? "";
        const current = props.get(dict.property);
        const next = current ? cloneElement(current) : el(dict.property);
        const at = next.children.findIndex((e) => e.attrs.Key === key);
        if (update.action === "delete") {
          if (at !== -1) {
            if (dict.subField) {
              const entry = next.children[at]!;
              entry.children = entry.children.filter((c) => c.name !== dict.subField);
              if (entry.children.length === 0) next.children.splice(at, 1);
            } else next.children.splice(at, 1);
          }
        } else {
          if (update.action === "append") throw new SimError("ErrorInvalidPropertyAppend", `Append is not valid for ${path.attrs.FieldURI ?? ""}.`);
          const sent = update.item?.children[0];
          const entry = sent?.name === dict.property ? sent.children[0] : undefined;
          if (!entry || update.item!.children.length !== 1 || sent!.children.length !== 1 || entry.attrs.Key !== key) {
            throw new SimError("ErrorIncorrectUpdatePropertyCount", `The update of ${path.attrs.FieldURI ?? ""} (${key}) must carry exactly that one entry.`);
          }
          if (dict.subField) {
            const value = child(entry, dict.subField);
            if (!value) throw new SimError("ErrorIncorrectUpdatePropertyCount", `The update of ${path.attrs.FieldURI ?? ""} carries no ${dict.subField}.`);
            const existing = at === -1 ? el("Entry", { Key: key }) : next.children[at]!;
            existing.children = existing.children.filter((c) => c.name !== dict.subField);
            insertInOrder(existing, cloneElement(value), PHYSICAL_ADDRESS_SEQUENCE);
            if (at === -1) next.children.push(existing);
          } else if (at === -1) next.children.push(cloneElement(entry));
          else next.children[at] = cloneElement(entry);
        }
        if (next.children.length === 0) props.delete(dict.property);
        else props.set(dict.property, next);
        continue;
      }
      const name = propertyForFieldUri(path.attrs.FieldURI ?? "", item.kind);
      if (READ_ONLY_PROPERTIES.has(name)) {
        throw new SimError(update.action === "delete" ? "ErrorInvalidPropertyDelete" : "ErrorInvalidPropertySet", `${update.action === "delete" ? "Delete" : "Set"} action is invalid for property ${name}.`);
      }
      if (occurrence && !OCCURRENCE_PROPERTIES.has(name)) {
        throw new SimError("ErrorInvalidPropertyForOperation", `Property ${name} cannot be changed on a single occurrence.`);
      }
      if (name === "Recurrence" || name === "Start") recurrenceChanged = !occurrence;
      if (update.action === "delete") {
        if (name === "Start" || name === "End") throw new SimError("ErrorInvalidPropertyDelete", `Delete action is invalid for property ${name}.`);
        props.delete(name);
        continue;
      }
      const value = update.item?.children[0];
      if (!value || update.item!.children.length !== 1 || value.name !== name) {
        throw new SimError("ErrorIncorrectUpdatePropertyCount", `The update of ${path.attrs.FieldURI ?? ""} must carry exactly that one property.`);
      }
      if (update.item!.name !== item.kind && update.item!.name !== "Item") {
        throw new SimError("ErrorObjectTypeChanged", `An update for a ${item.kind} carries a ${update.item!.name}.`);
      }
      if (update.action === "append") {
        const existing = props.get(name);
        if (name === "Body") {
          const merged = existing ? cloneElement(existing) : cloneElement(value);
          if (existing) merged.text += value.text;
          props.set(name, merged);
        } else if (["RequiredAttendees", "OptionalAttendees", "Resources", "Categories", "ToRecipients", "CcRecipients", "BccRecipients"].includes(name)) {
          const merged = existing ? cloneElement(existing) : el(name);
          merged.children.push(...value.children.map(cloneElement));
          props.set(name, merged);
        } else throw new SimError("ErrorInvalidPropertyAppend", `Append is not valid for property ${name}.`);
        continue;
      }
      this.storeProperty(props, value);
    }
    if (item.kind === "CalendarItem" && !occurrence) this.completeCalendarItem(props);
    if (occurrence) {
      const start = parseDateTime(props.get("Start")?.text ?? item.props.get("Start")?.text);
      const end = parseDateTime(props.get("End")?.text ?? item.props.get("End")?.text);
      if (end < start) throw new SimError("ErrorCalendarEndDateIsEarlierThanStartDate", "EndDate is earlier than StartDate.");
      if (!props.has("Start")) props.set("Start", el("Start", {}, isoUtc(this.occurrenceTimes(item, occurrence.originalStart).start)));
      if (!props.has("End")) props.set("End", el("End", {}, isoUtc(this.occurrenceTimes(item, occurrence.originalStart).end)));
      item.exceptions.set(occurrence.originalStart, { props });
    } else {
      item.props.clear();
      for (const [k, v] of props) item.props.set(k, v);
      if (recurrenceChanged) {
        item.exceptions.clear();
        item.deletedOccurrences.clear();
      }
    }
    item.extended.clear();
    for (const [k, v] of extended) item.extended.set(k, v);
    this.bump(item);
  }

  /** @internal Start and end of an unmodified occurrence. */
  occurrenceTimes(item: ItemRecord, originalStart: number): { start: number; end: number } {
    const start = parseDateTime(item.props.get("Start")?.text);
    const end = parseDateTime(item.props.get("End")?.text);
    return { start: originalStart, end: originalStart + Math.max(0, end - start) };
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

  // ---------------------------------------------------------------- programmatic API

  private requireFolder(ref: string): FolderRecord {
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

  private requireItem(id: string): ItemRecord {
    const d = decodeId(id);
    const item = d && d.kind === "item" && d.store === this.guidHex ? this.itemIndex.get(d.number) : undefined;
    if (!item) throw new SimError("ErrorItemNotFound", `No item with this id in mailbox ${this.smtpAddress}.`);
    return item;
  }

  private folderInfo(f: FolderRecord): SimFolderInfo {
    return {
      id: this.folderId(f), changeKey: this.folderChangeKey(f), displayName: f.displayName, folderClass: f.folderClass,
      distinguishedId: f.distinguished, parentId: f.parent ? this.folderId(f.parent) : undefined, totalCount: f.items.size,
    };
  }

  private itemInfo(item: ItemRecord): SimItemInfo {
    return {
      id: this.itemId(item), changeKey: this.itemChangeKey(item), kind: item.kind, folderId: this.folderId(item.folder),
      get: (p) => item.props.get(p)?.text,
      element: (p) => item.props.get(p),
      extendedValue: (set, name) => {
        const direct = item.extended.get(`${set.toLowerCase()}|name|${name}`) ?? item.extended.get(`${set}|name|${name}`);
        return direct ? childText(direct, "Value") : undefined;
      },
      attachments: item.attachments.map((a) => ({
        id: this.attachmentId(item, a), name: a.name, contentType: a.contentType, size: a.content.length, isContactPhoto: a.isContactPhoto,
      })),
      modifiedOccurrences: [...item.exceptions.keys()].sort((a, b) => a - b).map(isoUtc),
      deletedOccurrences: [...item.deletedOccurrences].sort((a, b) => a - b).map(isoUtc),
    };
  }

  /** A folder by distinguished id (`contacts`, `calendar`, `tasks`, `inbox` …) or FolderId. */
  folder(ref: string): SimFolderInfo {
    return this.folderInfo(this.requireFolder(ref));
  }

  /** Every folder of the mailbox. */
  listFolders(): SimFolderInfo[] {
    return [...this.folders.values()].filter((f) => !f.deleted).map((f) => this.folderInfo(f));
  }

  /** Creates a folder under `parent` (distinguished id or FolderId). */
  createFolder(parent: string, displayName: string, folderClass?: string): SimFolderInfo {
    const p = this.requireFolder(parent);
    const f = this.createFolderRecord(p, displayName, folderClass);
    return this.folderInfo(f);
  }

  /** Renames a folder (a hierarchy change). */
  renameFolder(ref: string, displayName: string): SimFolderInfo {
    const f = this.requireFolder(ref);
    f.displayName = displayName;
    this.touchFolder(f);
    return this.folderInfo(f);
  }

  /** Deletes a folder and everything in it. */
  deleteFolder(ref: string): void {
    this.deleteFolderRecord(this.requireFolder(ref));
  }

  /**
   * Creates an item from its EWS XML, e.g.
   * `<Contact><GivenName>Ann</GivenName><Surname>Lee</Surname></Contact>` (types namespace is
   * the default; `t:` works too). Properties must be in schema order, as over EWS.
   */
  createItem(folder: string, itemXml: string): SimItemInfo {
    const f = this.requireFolder(folder);
    return this.itemInfo(this.createItemRecord(f, parseFragment(itemXml)));
  }

  /** @internal Fast path for seeding: creates from an element tree without parsing; the tree is kept, not copied. */
  createItemFromElement(folder: FolderRecord, element: XmlElement): ItemRecord {
    return this.createItemRecord(folder, element, true);
  }

  /**
   * Changes an item as another client would: each child of `setXml` (an element of the item's
   * type, e.g. `<Contact><Surname>Lee</Surname></Contact>`) replaces that property; dictionary
   * properties (EmailAddresses …) replace the entries they carry; `ExtendedProperty` children
   * set extended properties. `deleteProperties` names properties to remove (`Surname`, …).
   */
  updateItem(id: string, setXml: string | null, deleteProperties: string[] = []): SimItemInfo {
    const item = this.requireItem(id);
    this.changeProps({ item }, setXml, deleteProperties);
    return this.itemInfo(item);
  }

  private changeProps(target: ItemTarget, setXml: string | null, deleteProperties: string[]): void {
    const kind = target.item.kind;
    const prefix = FIELD_PREFIX_OF[kind];
    const updates: ItemUpdate[] = [];
    const source = setXml ? parseFragment(setXml) : undefined;
    for (const prop of source?.children ?? []) {
      const holder = el(kind, {}, [prop]);
      if (prop.name === "ExtendedProperty") {
        updates.push({ action: "set", path: child(prop, "ExtendedFieldURI")!, item: holder });
      } else if (INDEXED_PROPERTY_NAMES.has(prop.name)) {
        for (const entry of prop.children) {
          const uris = Object.entries(INDEXED_DICTIONARIES).filter(([, d]) => d.property === prop.name);
          for (const [uri, d] of uris) {
            if (d.subField && !child(entry, d.subField)) continue;
            const sub = d.subField ? el("Entry", entry.attrs, [child(entry, d.subField)]) : entry;
            updates.push({
              action: "set", path: el("IndexedFieldURI", { FieldURI: uri, FieldIndex: entry.attrs.Key ?? "" }),
              item: el(kind, {}, [el(prop.name, {}, [sub])]),
            });
          }
        }
      } else {
        updates.push({ action: "set", path: el("FieldURI", { FieldURI: `${ORDER_OF.Message.has(prop.name) && !ORDER_OF[kind].has(prop.name) ? "message" : prefix}:${prop.name}` }), item: holder });
      }
    }
    for (const name of deleteProperties) updates.push({ action: "delete", path: el("FieldURI", { FieldURI: `${prefix}:${name}` }) });
    this.applyUpdates(target, updates);
  }

  /** Sets (or replaces) one extended property, e.g. our UID property on a contact. */
  setExtendedProperty(id: string, uri: { propertySetId?: string; distinguishedPropertySetId?: string; propertyName: string; propertyType?: string }, value: string): SimItemInfo {
    const uriEl = el("ExtendedFieldURI", {
      DistinguishedPropertySetId: uri.distinguishedPropertySetId, PropertySetId: uri.propertySetId, PropertyName: uri.propertyName,
      PropertyType: uri.propertyType ?? "String",
    });
    const item = this.requireItem(id);
    this.applyUpdates({ item }, [{ action: "set", path: uriEl, item: el(item.kind, {}, [el("ExtendedProperty", {}, [uriEl, el("Value", {}, value)])]) }]);
    return this.itemInfo(item);
  }

  /** Deletes an item (default HardDelete; MoveToDeletedItems moves it to Deleted Items under a new id). */
  deleteItem(id: string, deleteType: SimDeleteType = "HardDelete"): void {
    this.deleteTarget({ item: this.requireItem(id) }, deleteType);
  }

  /** Moves an item to another folder (distinguished id or FolderId) as another client would; returns it under its new id. */
  moveItem(id: string, folder: string): SimItemInfo {
    return this.itemInfo(this.moveItemRecord(this.requireItem(id), this.requireFolder(folder)));
  }

  /** Modifies one occurrence of a recurring series (creates an exception), e.g. `<CalendarItem><Subject>Moved</Subject><Start>…</Start></CalendarItem>`. */
  modifyOccurrence(masterId: string, instanceIndex: number, setXml: string): SimItemInfo {
    const item = this.requireItem(masterId);
    this.changeProps(this.occurrenceOf(item, instanceIndex), setXml, []);
    return this.itemInfo(item);
  }

  /** Deletes one occurrence of a recurring series (adds it to DeletedOccurrences). */
  deleteOccurrence(masterId: string, instanceIndex: number): SimItemInfo {
    const item = this.requireItem(masterId);
    this.deleteTarget(this.occurrenceOf(item, instanceIndex), "HardDelete");
    return this.itemInfo(item);
  }

  /** Adds a file attachment (a contact photo with `isContactPhoto`). Returns the attachment id. */
  addAttachment(id: string, input: SimAttachmentInput): string {
    const item = this.requireItem(id);
    return this.attachmentId(item, this.addAttachmentRecord(item, input));
  }

  /**
   * Stores a user configuration with a dictionary of string entries, as Outlook Web App does for
   * `OWA.UserOptions` in the root folder (`timezone`, …); GetUserConfiguration returns it.
   */
  setUserConfiguration(folder: string, name: string, dictionary: Record<string, string>): void {
    const f = this.requireFolder(folder);
    this.userConfigurations.set(`${f.number}|${name}`, { folder: f, name, dictionary: new Map(Object.entries(dictionary)) });
  }

  /** Sets a message's read flag (reported by SyncFolderItems as ReadFlagChange). */
  setReadFlag(id: string, isRead: boolean): SimItemInfo {
    const item = this.requireItem(id);
    this.setReadFlagRecord(item, isRead);
    return this.itemInfo(item);
  }

  /** An item by id, or undefined when it does not exist (deleted). */
  item(id: string): SimItemInfo | undefined {
    try {
      return this.itemInfo(this.requireItem(id));
    } catch {
      return undefined;
    }
  }

  /** The items of a folder (distinguished id or FolderId). */
  items(folder: string): SimItemInfo[] {
    return [...this.requireFolder(folder).items.values()].map((i) => this.itemInfo(i));
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

const INDEXED_PROPERTY_NAMES = new Set(Object.values(INDEXED_DICTIONARIES).map((d) => d.property));
