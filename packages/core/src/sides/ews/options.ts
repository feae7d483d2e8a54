/**
 * The options of the EWS side ({@link EwsSideOptions}) and the default caps on the files it
 * carries (contact photos, event and task attachments).
 *
 * @module
 */
import type { EwsClient, NotificationConnection, StreamingOptions } from "@ewsdav/ews-client";

/** Options of `EwsSide`. */
export interface EwsSideOptions {
  /** A configured client (URL, auth, mailbox); the side does not close it. */
  client: EwsClient;
  /** The side's name (default `"ews"`); with several accounts, one name per account. */
  name?: string;
  /** Also list public folders (default false). */
  publicFolders?: boolean;
  /**
   * Items per FindItem page where a folder's change feed is a listing (public folders, which
   * refuse SyncFolderItems; default 500).
   */
  listingPageSize?: number;
  /** IANA zone of the mailbox, for all-day and floating times (default `UTC`). */
  timeZone?: string;
  /** Refuse every write (default false). */
  readOnly?: boolean;
  /** Items per batch call (default 50) and batch calls at once (default 2). */
  maxBatch?: number;
  /** Batch calls at once (default 2). */
  maxConcurrency?: number;
  /**
   * Notifications for active mode (`SyncEngine.watch`): a connection to the same mailbox (same
   * URL, auth and mailbox as the client). Without it the side has no push and is polled.
   */
  notifications?: NotificationConnection;
  /** Tuning of the streaming subscription (connection timeout, stall detection, reconnect delays). */
  streaming?: Pick<StreamingOptions, "connectionTimeoutMinutes" | "stallTimeoutMs" | "reconnectDelayMs" | "maxReconnectDelayMs" | "maxConsecutiveFailures">;
  /** How often a pull subscription (the fallback) asks for events (default 5 000 ms). */
  pullIntervalMs?: number;
  /** Minutes a pull subscription lives without a GetEvents (default 30). */
  pullTimeoutMinutes?: number;
  /**
   * Largest contact photo carried either way, in bytes (default {@link DEFAULT_MAX_PHOTO_BYTES}).
   * A larger photo is reported in `dropped` and neither sent nor read.
   */
  maxPhotoBytes?: number;
  /**
   * Largest event or task attachment carried either way, in bytes (default
   * {@link DEFAULT_MAX_ATTACHMENT_BYTES}). A larger one is reported in `dropped`, neither sent nor
   * read, and never deleted on Exchange by a DAV-side edit.
   */
  maxAttachmentBytes?: number;
  /**
   * The mailbox's SMTP address: Exchange makes it the organizer of every meeting created through
   * EWS, so a DAV ORGANIZER naming someone else is reported. Default: the client's `mailbox`
   * (or impersonated address); without either, it is read from the first meeting created.
   */
  mailbox?: string;
}

/**
 * Default cap on a contact photo (100 KiB): the largest contact photo Exchange serves to ActiveSync
 * devices (MS-ASCMD `Picture/MaxSize`, at most 102 400 bytes) and Active Directory's limit on a
 * thumbnail photo. Exchange stores larger ones, but phones would not get them.
 */
export const DEFAULT_MAX_PHOTO_BYTES = 100 * 1024;

/**
 * Default cap on one event or task attachment (10 MiB). Exchange's own limits are its configurable
 * message size limits (tens of MB; 150 MB at most in Exchange Online), too much to carry through a
 * sync cycle that holds items in memory and as vobject text (base64 adds a third, and DAV servers
 * refuse large objects); 10 MiB keeps office documents and photos and reports the rest.
 */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
