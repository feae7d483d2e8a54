/**
 * Types shared by every item kind: bodies, mailboxes, attachments, enumerations and the
 * base item fields (types.xsd `ItemType`).
 * @module
 */
import type { ExtendedProperty } from "./extended-property.js";
import type { AttachmentId, FolderId, ItemId } from "./ids.js";

/** The body of an item (types.xsd `BodyType`). */
export interface Body {
  /** `HTML` or `Text` (`BodyType` attribute). */
  bodyType: "HTML" | "Text";
  /** The body text, unescaped. */
  value: string;
  /** True when Exchange cut the body to the requested `MaximumBodySize` (`IsTruncated`). */
  isTruncated?: boolean;
}

/** Item sensitivity (types.xsd `SensitivityChoicesType`). */
export type Sensitivity = "Normal" | "Personal" | "Private" | "Confidential";

/** Item importance (types.xsd `ImportanceChoicesType`). */
export type Importance = "Low" | "Normal" | "High";

/** Kinds of mailbox (types.xsd `MailboxTypeType`). */
export type MailboxType =
  | "Unknown"
  | "OneOff"
  | "Mailbox"
  | "PublicDL"
  | "PrivateDL"
  | "Contact"
  | "PublicFolder"
  | "GroupMailbox"
  | "ImplicitContact"
  | "User";

/** A mailbox (types.xsd `EmailAddressType`, the `t:Mailbox` element). */
export interface Mailbox {
  /** Display name (`t:Name`). */
  name?: string;
  /** The address, usually SMTP (`t:EmailAddress`). */
  emailAddress?: string;
  /** `SMTP`, `EX`, … (`t:RoutingType`). */
  routingType?: string;
  /** Kind of mailbox (`t:MailboxType`). */
  mailboxType?: MailboxType;
  /** The contact or group item behind a private distribution list entry (`t:ItemId`). */
  itemId?: ItemId;
}

/** An attachment that is a file (types.xsd `FileAttachmentType`); contact photos are these too. */
export interface FileAttachment {
  /** Discriminator. */
  kind: "file";
  /** The attachment's id (`t:AttachmentId`); absent on attachments not yet created. */
  attachmentId?: AttachmentId;
  /** File name (`t:Name`). */
  name: string;
  /** MIME type (`t:ContentType`). */
  contentType?: string;
  /** Content-ID for inline attachments (`t:ContentId`). */
  contentId?: string;
  /** Size in bytes as reported by Exchange (`t:Size`). */
  size?: number;
  /** Last modification time, ISO-8601 (`t:LastModifiedTime`). */
  lastModifiedTime?: string;
  /** Inline in the body (`t:IsInline`). */
  isInline?: boolean;
  /** The contact's photo (`t:IsContactPhoto`); Exchange names it `ContactPicture.jpg`. */
  isContactPhoto?: boolean;
  /** The content, base64 as EWS sends it (`t:Content`); only present when fetched with GetAttachment. */
  content?: string;
}

/**
 * An attachment that is itself an item (types.xsd `ItemAttachmentType`); ewsdav keeps only a
 * reference to it, never its content.
 */
export interface ItemAttachmentReference {
  /** Discriminator. */
  kind: "item";
  /** The attachment's id (`t:AttachmentId`). */
  attachmentId?: AttachmentId;
  /** Display name (`t:Name`). */
  name: string;
  /** MIME type, when given (`t:ContentType`). */
  contentType?: string;
  /** Size in bytes (`t:Size`). */
  size?: number;
  /** Last modification time, ISO-8601 (`t:LastModifiedTime`). */
  lastModifiedTime?: string;
  /** Inline in the body (`t:IsInline`). */
  isInline?: boolean;
}

/** Any attachment of an item. */
export type Attachment = FileAttachment | ItemAttachmentReference;

/**
 * The fields of types.xsd `ItemType` that ewsdav reads and writes, shared by contacts, tasks and
 * calendar items. Read-only fields (ids, times, flags) are ignored by the serialisers.
 */
export interface ItemBase {
  /** The item's id and change key (read-only). */
  itemId?: ItemId;
  /** The folder the item is in (read-only). */
  parentFolderId?: FolderId;
  /** The message class (`IPM.Contact`, `IPM.Task`, `IPM.Appointment`, …). */
  itemClass?: string;
  /** The subject (`t:Subject`). */
  subject?: string;
  /** Sensitivity (`t:Sensitivity`). */
  sensitivity?: Sensitivity;
  /** The body (`t:Body`). */
  body?: Body;
  /** Attachments (`t:Attachments`); read-only here, written with CreateAttachment/DeleteAttachment. */
  attachments?: Attachment[];
  /** When the item was received, ISO-8601 (read-only, `t:DateTimeReceived`). */
  dateTimeReceived?: string;
  /** Size in bytes (read-only, `t:Size`). */
  size?: number;
  /** Categories (`t:Categories/t:String`). */
  categories?: string[];
  /** Importance (`t:Importance`). */
  importance?: Importance;
  /** When the item was created, ISO-8601 (read-only, `t:DateTimeCreated`). */
  dateTimeCreated?: string;
  /** When the reminder fires, ISO-8601 (`t:ReminderDueBy`). */
  reminderDueBy?: string;
  /** Whether a reminder is set (`t:ReminderIsSet`). */
  reminderIsSet?: boolean;
  /** Minutes before the start the reminder fires (`t:ReminderMinutesBeforeStart`). */
  reminderMinutesBeforeStart?: number;
  /** Whether the item has attachments (read-only, `t:HasAttachments`). */
  hasAttachments?: boolean;
  /** Extended properties (`t:ExtendedProperty`, repeated). */
  extendedProperties?: ExtendedProperty[];
  /** The language of the item (`t:Culture`). */
  culture?: string;
  /** Name of the last modifier (read-only, `t:LastModifiedName`). */
  lastModifiedName?: string;
  /** Last modification time, ISO-8601 (read-only, `t:LastModifiedTime`). */
  lastModifiedTime?: string;
}
