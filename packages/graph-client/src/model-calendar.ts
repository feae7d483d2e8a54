/**
 * Graph v1.0 calendars and events as JSON — `calendar`, `event` (as read: {@link GraphEvent}; as
 * written: {@link GraphEventInput}) and the complex types and enumerations they use (`attendee`,
 * `recipient`, `location`, `responseStatus`, `onlineMeetingInfo`, `eventType`, `freeBusyStatus`,
 * `sensitivity`, …) — only what sync needs, written from the v1.0 CSDL and Microsoft's "event
 * resource type" documentation. Type-level conformance to `@microsoft/microsoft-graph-types` is
 * checked in model.typecheck.ts; the tests check every body against the CSDL.
 * @module
 */
import type { GraphEmailAddress, GraphPhysicalAddress, GraphSingleValueExtendedProperty } from "./model.js";
import type { GraphDateTimeTimeZone, GraphImportance, GraphItemBody, GraphPatternedRecurrence } from "./model-common.js";

/** `microsoft.graph.eventType`: a single event, an occurrence or an exception of a series, or the series master. */
export type GraphEventType = "singleInstance" | "occurrence" | "exception" | "seriesMaster";

/** `microsoft.graph.freeBusyStatus` (an event's `showAs`). */
export type GraphFreeBusyStatus = "unknown" | "free" | "tentative" | "busy" | "oof" | "workingElsewhere";

/** `microsoft.graph.sensitivity`. */
export type GraphSensitivity = "normal" | "personal" | "private" | "confidential";

/** `microsoft.graph.responseType`. */
export type GraphResponseType = "none" | "organizer" | "tentativelyAccepted" | "accepted" | "declined" | "notResponded";

/** `microsoft.graph.attendeeType`. */
export type GraphAttendeeType = "required" | "optional" | "resource";

/** `microsoft.graph.locationType`. */
export type GraphLocationType =
  | "default" | "conferenceRoom" | "homeAddress" | "businessAddress" | "geoCoordinates" | "streetAddress" | "hotel" | "restaurant" | "localBusiness" | "postalAddress";

/** `microsoft.graph.locationUniqueIdType`. */
export type GraphLocationUniqueIdType = "unknown" | "locationStore" | "directory" | "private" | "bing";

/** `microsoft.graph.onlineMeetingProviderType`. */
export type GraphOnlineMeetingProviderType = "unknown" | "skypeForBusiness" | "skypeForConsumer" | "teamsForBusiness";

/** `microsoft.graph.calendarColor`. */
export type GraphCalendarColor =
  | "auto" | "lightBlue" | "lightGreen" | "lightOrange" | "lightGray" | "lightYellow" | "lightTeal" | "lightPink" | "lightBrown" | "lightRed" | "maxColor";

/** `microsoft.graph.recipient`: an organizer (or any recipient) by email address. */
export interface GraphRecipient {
  emailAddress?: GraphEmailAddress | null;
}

/** `microsoft.graph.responseStatus`: a response and when it was sent (`time`, `Edm.DateTimeOffset`). */
export interface GraphResponseStatus {
  response?: GraphResponseType | null;
  time?: string | null;
}

/** `microsoft.graph.timeSlot`. */
export interface GraphTimeSlot {
  start?: GraphDateTimeTimeZone;
  end?: GraphDateTimeTimeZone;
}

/** `microsoft.graph.attendee`: a recipient with its kind and its response (`status`, read-only). */
export interface GraphAttendee extends GraphRecipient {
  type?: GraphAttendeeType | null;
  status?: GraphResponseStatus | null;
  proposedNewTime?: GraphTimeSlot | null;
}

/** `microsoft.graph.outlookGeoCoordinates`. */
export interface GraphOutlookGeoCoordinates {
  latitude?: number | null;
  longitude?: number | null;
  altitude?: number | null;
  accuracy?: number | null;
  altitudeAccuracy?: number | null;
}

/** `microsoft.graph.location`. */
export interface GraphLocation {
  displayName?: string | null;
  address?: GraphPhysicalAddress | null;
  coordinates?: GraphOutlookGeoCoordinates | null;
  locationEmailAddress?: string | null;
  locationUri?: string | null;
  locationType?: GraphLocationType | null;
  uniqueId?: string | null;
  uniqueIdType?: GraphLocationUniqueIdType | null;
}

/** `microsoft.graph.phone` (in an online meeting's dial-in numbers). */
export interface GraphPhone {
  number?: string | null;
  type?: "home" | "business" | "mobile" | "other" | "assistant" | "homeFax" | "businessFax" | "otherFax" | "pager" | "radio" | null;
  language?: string | null;
  region?: string | null;
}

/** `microsoft.graph.onlineMeetingInfo` (read-only on an event). */
export interface GraphOnlineMeetingInfo {
  joinUrl?: string | null;
  conferenceId?: string | null;
  phones?: GraphPhone[] | null;
  quickDial?: string | null;
  tollFreeNumbers?: string[] | null;
  tollNumber?: string | null;
}

/**
 * An event's attachment as listed (`$expand=attachments`): the properties of the base
 * `microsoft.graph.attachment`, with its `@odata.type` (`#microsoft.graph.fileAttachment`, …). The
 * content (`contentBytes`) and upload sessions are the attachments module's (model-attachments.ts).
 */
export interface GraphEventAttachment {
  "@odata.type"?: string;
  id: string;
  name?: string | null;
  contentType?: string | null;
  size?: number;
  isInline?: boolean;
  lastModifiedDateTime?: string | null;
}

/** The writable properties of a `microsoft.graph.calendar` (create and update). */
export interface GraphCalendarInput {
  name?: string | null;
  color?: GraphCalendarColor | null;
}

/** A `microsoft.graph.calendar` as read. */
export interface GraphCalendar extends GraphCalendarInput {
  id: string;
  "@odata.etag"?: string;
  changeKey?: string | null;
  hexColor?: string | null;
  isDefaultCalendar?: boolean | null;
  isRemovable?: boolean | null;
  canEdit?: boolean | null;
  canShare?: boolean | null;
  canViewPrivateItems?: boolean | null;
  isTallyingResponses?: boolean | null;
  owner?: GraphEmailAddress | null;
  allowedOnlineMeetingProviders?: GraphOnlineMeetingProviderType[] | null;
  defaultOnlineMeetingProvider?: GraphOnlineMeetingProviderType | null;
}

/**
 * The writable properties of a `microsoft.graph.event` the client uses (POST, and PATCH of a
 * single event, a series master or one occurrence). `start`/`end` carry their own zone; an all-day
 * event has midnight-to-midnight times in one zone. `recurrence` only on a series master.
 * `organizer` is written only where the service takes it (shared calendars); otherwise the mailbox
 * owner organises what it creates.
 */
export interface GraphEventInput {
  subject?: string | null;
  body?: GraphItemBody | null;
  start?: GraphDateTimeTimeZone | null;
  end?: GraphDateTimeTimeZone | null;
  isAllDay?: boolean | null;
  recurrence?: GraphPatternedRecurrence | null;
  location?: GraphLocation | null;
  locations?: GraphLocation[] | null;
  attendees?: GraphAttendee[] | null;
  organizer?: GraphRecipient | null;
  categories?: string[] | null;
  importance?: GraphImportance | null;
  sensitivity?: GraphSensitivity | null;
  showAs?: GraphFreeBusyStatus | null;
  isReminderOn?: boolean | null;
  reminderMinutesBeforeStart?: number | null;
  isOnlineMeeting?: boolean | null;
  onlineMeetingProvider?: GraphOnlineMeetingProviderType | null;
  allowNewTimeProposals?: boolean | null;
  responseRequested?: boolean | null;
  hideAttendees?: boolean | null;
  /** A client's idempotency key for POST: the service refuses a second event with the same one. */
  transactionId?: string | null;
  singleValueExtendedProperties?: GraphSingleValueExtendedProperty[];
}

/**
 * A `microsoft.graph.event` as read: every property optional (`$select` trims them) but `id`.
 * `type` tells a series master (with `recurrence`, `cancelledOccurrences` and, with
 * `$expand=exceptionOccurrences`, its exceptions) from its occurrences and exceptions (with
 * `seriesMasterId` and `originalStart`, the start the occurrence had in the pattern).
 */
export interface GraphEvent extends GraphEventInput {
  id: string;
  "@odata.etag"?: string;
  "@odata.type"?: string;
  changeKey?: string | null;
  createdDateTime?: string | null;
  lastModifiedDateTime?: string | null;
  /** The event's iCalendar UID, shared by a series master and all its instances. */
  iCalUId?: string | null;
  type?: GraphEventType | null;
  seriesMasterId?: string | null;
  /** An occurrence's or exception's start in its series' pattern (`Edm.DateTimeOffset`, UTC). */
  originalStart?: string | null;
  originalStartTimeZone?: string | null;
  originalEndTimeZone?: string | null;
  /**
   * On a series master: the cancelled (deleted) occurrences, each `OID.{seriesMasterId}.{date}`
   * with the occurrence's original start date (`YYYY-MM-DD`).
   */
  cancelledOccurrences?: string[];
  /** On a series master, with `$expand=exceptionOccurrences`: its exceptions (modified occurrences). */
  exceptionOccurrences?: GraphEvent[] | null;
  hasAttachments?: boolean | null;
  attachments?: GraphEventAttachment[] | null;
  bodyPreview?: string | null;
  isCancelled?: boolean | null;
  isOrganizer?: boolean | null;
  isDraft?: boolean | null;
  responseStatus?: GraphResponseStatus | null;
  onlineMeeting?: GraphOnlineMeetingInfo | null;
  onlineMeetingUrl?: string | null;
  webLink?: string | null;
}

/** A row of a delta answer that says an item left the view: `{ id, "@removed": { reason } }`. */
export interface GraphRemovedRow {
  id: string;
  "@removed": { reason?: "deleted" | "changed" | string };
}
