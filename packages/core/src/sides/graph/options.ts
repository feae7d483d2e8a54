/**
 * The options of the Graph side ({@link GraphSideOptions}) and their defaults.
 *
 * @module
 */
import type { GraphClient, GraphWebhookReceiver, SubscriptionKeeperOptions } from "@ewsdav/graph-client";

/** The calendar window of the Graph side: calendarView delta tracks events that overlap it. */
export interface GraphCalendarWindow {
  /** Days before today the window starts (default {@link DEFAULT_CALENDAR_WINDOW}). */
  pastDays: number;
  /** Days after today the window ends. */
  futureDays: number;
}

/** Options of `GraphSide`. */
export interface GraphSideOptions {
  /** A configured client of one mailbox (base URL, token provider, user); the side does not close it. */
  client: GraphClient;
  /** The side's name (default `"graph"`); with several accounts, one name per account. Never a secret. */
  name?: string;
  /** Refuse every write (default false). */
  readOnly?: boolean;
  /** Items per engine call (default 50); the side sends them in `$batch`es of at most 20 requests. */
  maxBatch?: number;
  /** Engine calls at once (default 2); the client keeps at most 4 requests in flight per mailbox anyway. */
  maxConcurrency?: number;
  /**
   * The window of calendarView delta (Graph v1.0 has no delta of a calendar's events without one):
   * changes to events that overlap it (a series when one of its occurrences does) are seen at the
   * next round. It does not limit what is synced: a first sync, and every listing of the calendar,
   * take every event whatever its dates; an edit of an event outside the window is seen at the next
   * listing (a removal in the calendar, the window moving on by more than a week, or
   * {@link calendarListingHours}). Default {@link DEFAULT_CALENDAR_WINDOW}. Changing it restarts the
   * calendars' feeds (their cursors are tied to the window they were made with).
   */
  calendarWindow?: GraphCalendarWindow;
  /**
   * Hours after which a calendar's feed lists the whole calendar again (default
   * {@link DEFAULT_CALENDAR_LISTING_HOURS}): the bound on how late an edit of an event outside
   * {@link calendarWindow} is seen. 0 lists at every round.
   */
  calendarListingHours?: number;
  /** IANA zone of the mailbox, for all-day and floating times (default `UTC`). */
  timeZone?: string;
  /**
   * Push for active mode (`SyncEngine.watch`): change notifications through a webhook receiver the
   * host mounts on its own public https endpoint (`receiver` at `notificationUrl`), subscriptions
   * kept and renewed by the side; without a receiver (or when Graph cannot validate it), the
   * collections' feeds are polled (`keeper.pollIntervalMs`). Without `push` the side has no
   * `watch` and the engine polls it.
   */
  push?: GraphPushOptions;
  /**
   * Largest contact photo carried either way, in bytes (default {@link DEFAULT_MAX_PHOTO_BYTES}, as
   * on the EWS side). A larger one is reported in `dropped`, neither read nor sent; the rest of the
   * contact goes on.
   */
  maxPhotoBytes?: number;
  /**
   * Largest event attachment carried either way, in bytes (default
   * {@link DEFAULT_MAX_ATTACHMENT_BYTES}, as on the EWS side). A larger one is reported in
   * `dropped`, neither read nor sent (nor deleted); the rest of the event goes on.
   */
  maxAttachmentBytes?: number;
}

/** The push options of the Graph side ({@link GraphSideOptions.push}). */
export interface GraphPushOptions {
  /** The receiver the host mounted at {@link notificationUrl}. */
  receiver?: GraphWebhookReceiver;
  /** The receiver's public https URL. */
  notificationUrl?: string;
  /** Where lifecycle notifications go (default `notificationUrl`). */
  lifecycleNotificationUrl?: string;
  /** The subscription keeper's timings (lifetime, renewal margin, poll interval …). */
  keeper?: Pick<SubscriptionKeeperOptions, "lifetimeMs" | "renewMarginMs" | "pollIntervalMs" | "retryPushMs" | "renewRetryMs">;
}

/** The default calendar window: a year back, two years ahead. */
export const DEFAULT_CALENDAR_WINDOW: Readonly<GraphCalendarWindow> = Object.freeze({ pastDays: 365, futureDays: 730 });

/** The default hours between two listings of a calendar ({@link GraphSideOptions.calendarListingHours}). */
export const DEFAULT_CALENDAR_LISTING_HOURS = 24;

/** The default cap on a contact photo (100 KiB, the EWS side's default). */
export const DEFAULT_MAX_PHOTO_BYTES = 100 * 1024;

/** The default cap on one event attachment (10 MiB, the EWS side's default). */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/** The default items per engine call. */
export const DEFAULT_MAX_BATCH = 50;
