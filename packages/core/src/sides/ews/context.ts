/**
 * What the modules of the EWS side share: the {@link EwsContext} one `EwsSide` hands to each
 * of its functions (the client, the options and what the side has learnt of the mailbox), and the
 * shape of an item on its way from vobject text to CreateItem / UpdateItem ({@link Mapped}).
 *
 * Internal to `@ewsdav/core/ews`: the subpath exports only the side and its options.
 *
 * @module
 */
import type { FileAttachment, EwsClient, TypedItem } from "@ewsdav/ews-client";
import type { OccurrenceOperation } from "@ewsdav/mappers";
import type { CollectionKind, DroppedProperty } from "../../engine/side.js";
import type { EwsSideOptions } from "./options.js";

/** The state of one EWS side, shared by its modules (one per `EwsSide`). */
export interface EwsContext {
  /** The side's client (from the options). */
  readonly client: EwsClient;
  /** The options the side was made with. */
  readonly options: EwsSideOptions;
  /** The side's name, for messages. */
  readonly name: string;
  /** The kind of every folder listed so far, by FolderId. */
  readonly kinds: Map<string, CollectionKind>;
  /** Folders whose change feed is a FindItem listing: they refused SyncFolderItems (public folders). */
  readonly listed: Set<string>;
  /**
   * Folders whose first listing with content failed (a GetItem batch refused as a whole, say): their
   * next complete listings are ids and ChangeKeys only, read by id in the engine's batches.
   */
  readonly idsOnly: Set<string>;
  /** The mailbox's address as learnt from the first meeting created, when no option or client names it. */
  learntMailbox: string | undefined;
}

/**
 * A copy of a string cut from an EWS response (an ItemId, a ChangeKey, a UID) that does not keep
 * the response alive: V8 keeps a substring as a slice of its parent, so one ChangeKey the engine
 * holds would hold its whole GetItem or SyncFolderItems answer (measured: 24 MiB of response XML
 * alive half way through a 13,000-item first sync). `null` and `undefined` pass through.
 */
export function detach<T extends string | null | undefined>(value: T): T {
  return (typeof value === "string" && value.length > 12 ? Buffer.from(value, "utf8").toString("utf8") : value) as T;
}

/** The item and what its mapping dropped, ready for CreateItem / UpdateItem. */
export interface Mapped {
  /** The item to write. */
  typed: TypedItem;
  /** The UID the text carries. */
  uid: string | null;
  /** A series' exceptions, applied after the master is written. */
  operations: OccurrenceOperation[];
  /** What the mapping (and the server's limits) left out. */
  dropped: DroppedProperty[];
  /** The files the item should carry (set by `prepareWrite`; written after the item by `syncAttachments`). */
  files?: FilePlan;
  /** A DAV organizer to compare with the one Exchange gives the new item, when the mailbox is unknown. */
  organizer?: string;
}

/** What a DAV object asks of its Exchange item's file attachments (or contact photo). */
export interface FilePlan {
  /** The files wanted, under the cap. */
  wanted: FileAttachment[];
  /** Names of wanted files over the cap: not sent, and Exchange's files of that name are left alone. */
  oversize: Set<string>;
  /** Delete nothing: the vobject's photo could not be read (a URL, bad base64), so it says nothing about Exchange's. */
  keepCurrent: boolean;
}
