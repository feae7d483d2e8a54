/**
 * The client-facing API of a simulated mailbox: what a test calls to act "as another client"
 * would (create, change, move and delete folders, items, occurrences and attachments; read what
 * the mailbox holds). Every change goes through the record store ({@link MailboxStore}), so a
 * client syncing over EWS sees it exactly like a change made by another Exchange client.
 */
import { decodeId } from "./ids.js";
import { SimError } from "./errors.js";
import type { FolderRecord, ItemRecord, ItemTarget, ItemUpdate, SimAttachmentInput, SimDeleteType } from "./records.js";
import { isoUtc } from "./recurrence.js";
import { FIELD_PREFIX_OF, INDEXED_DICTIONARIES, ORDER_OF, type SimItemKind } from "./schema-order.js";
import { MailboxStore } from "./store.js";
import { child, childText, el, NS_T, parseXml, type XmlElement } from "./xml.js";

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
 * over EWS. The record store underneath is {@link MailboxStore} (store.ts); its members are
 * internal to the simulator.
 */
export class SimulatedMailbox extends MailboxStore {
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
}

const INDEXED_PROPERTY_NAMES = new Set(Object.values(INDEXED_DICTIONARIES).map((d) => d.property));
