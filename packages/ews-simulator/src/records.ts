/**
 * The records a simulated mailbox keeps: folders, items (EWS element trees), attachments,
 * modified occurrences, tombstones and events, plus the small input types the store takes.
 */
import type { SimItemKind } from "./schema-order.js";
import type { XmlElement } from "./xml.js";

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
  /** Extended properties by `extendedPropertyKey` (updates.ts). */
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
export interface Tombstone {
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

/** One parsed update: set, append or delete of one property path. */
export interface ItemUpdate {
  action: "set" | "append" | "delete";
  /** The path element: FieldURI, IndexedFieldURI or ExtendedFieldURI. */
  path: XmlElement;
  /** For set/append: the item element holding the one new value. */
  item?: XmlElement;
}

/** Input for `SimulatedMailbox.addAttachment`. */
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

/** How `SimulatedMailbox.deleteItem` deletes. */
export type SimDeleteType = "HardDelete" | "SoftDelete" | "MoveToDeletedItems";
