/**
 * Identifiers of Exchange items, folders and attachments (types.xsd `ItemIdType`,
 * `FolderIdType`, `DistinguishedFolderIdType`, `OccurrenceItemIdType`, `AttachmentIdType`).
 * @module
 */

/**
 * An item's identity and version (types.xsd `ItemIdType`). The `id` is opaque and stable;
 * the `changeKey` changes on every modification and is sent back as the precondition of a write.
 */
export interface ItemId {
  /** The opaque item id (`Id` attribute). */
  id: string;
  /** The version of the item (`ChangeKey` attribute); absent only when the caller does not know it. */
  changeKey?: string;
}

/** A folder's identity and version (types.xsd `FolderIdType`). */
export interface FolderId {
  /** The opaque folder id (`Id` attribute). */
  id: string;
  /** The folder version (`ChangeKey` attribute), when known. */
  changeKey?: string;
}

/** The well-known folder names of types.xsd `DistinguishedFolderIdNameType` used by ewsdav. */
export type DistinguishedFolderName =
  | "msgfolderroot"
  | "root"
  | "calendar"
  | "contacts"
  | "tasks"
  | "inbox"
  | "deleteditems"
  | "drafts"
  | "outbox"
  | "sentitems"
  | "journal"
  | "notes"
  | "junkemail"
  | "searchfolders"
  | "publicfoldersroot"
  | "recoverableitemsroot"
  | "recoverableitemsdeletions";

/**
 * A well-known folder, optionally of another mailbox (types.xsd `DistinguishedFolderIdType`,
 * with its `Mailbox` child for delegate access).
 */
export interface DistinguishedFolderId {
  /** The well-known name (`Id` attribute). */
  distinguishedId: DistinguishedFolderName;
  /** The folder version (`ChangeKey` attribute), when known. */
  changeKey?: string;
  /** SMTP address of the mailbox that owns the folder, for delegate access. */
  mailbox?: string;
}

/** Any way of naming a folder in a request: by id or by well-known name. */
export type FolderReference = FolderId | DistinguishedFolderId;

/**
 * One occurrence of a recurring series, addressed through its master (types.xsd `OccurrenceItemIdType`).
 * `instanceIndex` is 1-based, counting the occurrences of the series in start order.
 */
export interface OccurrenceItemId {
  /** The id of the recurring master (`RecurringMasterId` attribute). */
  recurringMasterId: string;
  /** The master's change key, when known (`ChangeKey` attribute). */
  changeKey?: string;
  /** 1-based index of the occurrence in the series (`InstanceIndex` attribute). */
  instanceIndex: number;
}

/** An item reference accepted by the write operations: an item, or one occurrence of a series. */
export type ItemReference = ItemId | OccurrenceItemId;

/** An attachment's identity (types.xsd `AttachmentIdType`). */
export interface AttachmentId {
  /** The opaque attachment id (`Id` attribute). */
  id: string;
  /** The id of the item the attachment belongs to (`RootItemId`), as returned by CreateAttachment. */
  rootItemId?: string;
  /** The new change key of that item after the attachment was created (`RootItemChangeKey`). */
  rootItemChangeKey?: string;
}

/** True when the reference names a well-known folder rather than a folder id. */
export function isDistinguishedFolderId(folder: FolderReference): folder is DistinguishedFolderId {
  return "distinguishedId" in folder;
}

/** True when the reference names an occurrence of a recurring series rather than an item. */
export function isOccurrenceItemId(item: ItemReference): item is OccurrenceItemId {
  return "recurringMasterId" in item;
}
