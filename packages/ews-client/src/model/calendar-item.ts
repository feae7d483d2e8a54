/**
 * Calendar items (types.xsd `CalendarItemType`).
 * @module
 */
import type { ItemBase, Mailbox } from "./common.js";
import type { ItemId } from "./ids.js";
import type { Recurrence } from "./recurrence.js";
import type { LegacyTimeZone, TimeZoneDefinition } from "./time-zone.js";

/** Free/busy status (types.xsd `LegacyFreeBusyType`). */
export type LegacyFreeBusyStatus = "Free" | "Tentative" | "Busy" | "OOF" | "WorkingElsewhere" | "NoData";

/** An attendee's response (types.xsd `ResponseTypeType`). */
export type ResponseType = "Unknown" | "Organizer" | "Tentative" | "Accept" | "Decline" | "NoResponseReceived";

/** The role of a calendar item in a series (types.xsd `CalendarItemTypeType`). */
export type CalendarItemKind = "Single" | "Occurrence" | "Exception" | "RecurringMaster";

/** An attendee (types.xsd `AttendeeType`). */
export interface Attendee {
  /** Who (`t:Mailbox`). */
  mailbox: Mailbox;
  /** Their response (`t:ResponseType`). */
  responseType?: ResponseType;
  /** When they last responded, `xs:dateTime` (`t:LastResponseTime`). */
  lastResponseTime?: string;
  /** A new start they proposed (`t:ProposedStart`, Exchange 2013+). */
  proposedStart?: string;
  /** A new end they proposed (`t:ProposedEnd`, Exchange 2013+). */
  proposedEnd?: string;
}

/** An occurrence of a series as the master lists it (types.xsd `OccurrenceInfoType`). */
export interface OccurrenceInfo {
  /** The occurrence's own item id (`t:ItemId`). */
  itemId: ItemId;
  /** Its start, `xs:dateTime` (`t:Start`). */
  start: string;
  /** Its end, `xs:dateTime` (`t:End`). */
  end: string;
  /** Where the pattern had it before it was moved, `xs:dateTime` (`t:OriginalStart`). */
  originalStart: string;
}

/** A deleted occurrence of a series (types.xsd `DeletedOccurrenceInfoType`). */
export interface DeletedOccurrenceInfo {
  /** The original start of the deleted occurrence, `xs:dateTime` (`t:Start`). */
  start: string;
}

/**
 * A calendar item (types.xsd `CalendarItemType`). Dates are the `xs:dateTime` strings EWS sends
 * (UTC, or in the request's `TimeZoneContext`). Subject, body, importance, sensitivity, categories,
 * reminders and extended properties come from {@link ItemBase}.
 */
export interface CalendarItem extends ItemBase {
  /** iCalendar UID (`t:UID`). */
  uid?: string;
  /** RECURRENCE-ID of an occurrence or exception (read-only, `t:RecurrenceId`). */
  recurrenceId?: string;
  /** DTSTAMP (`t:DateTimeStamp`). */
  dateTimeStamp?: string;
  /** Start (`t:Start`). */
  start?: string;
  /** End (`t:End`). */
  end?: string;
  /** Original start of an occurrence (read-only, `t:OriginalStart`). */
  originalStart?: string;
  /** All-day event (`t:IsAllDayEvent`). */
  isAllDayEvent?: boolean;
  /** Free/busy status (`t:LegacyFreeBusyStatus`). */
  legacyFreeBusyStatus?: LegacyFreeBusyStatus;
  /** Location as text (`t:Location`). */
  location?: string;
  /** Whether the item is a meeting with attendees (read-only, `t:IsMeeting`). */
  isMeeting?: boolean;
  /** Whether the meeting was cancelled (read-only, `t:IsCancelled`). */
  isCancelled?: boolean;
  /** Whether the item is part of a series (read-only, `t:IsRecurring`). */
  isRecurring?: boolean;
  /** Whether responses are requested (`t:IsResponseRequested`). */
  isResponseRequested?: boolean;
  /** Role in a series (read-only, `t:CalendarItemType`). */
  calendarItemType?: CalendarItemKind;
  /** The mailbox owner's own response (read-only, `t:MyResponseType`). */
  myResponseType?: ResponseType;
  /** The organizer (read-only after creation, `t:Organizer/t:Mailbox`). */
  organizer?: Mailbox;
  /** Required attendees (`t:RequiredAttendees/t:Attendee`). */
  requiredAttendees?: Attendee[];
  /** Optional attendees (`t:OptionalAttendees/t:Attendee`). */
  optionalAttendees?: Attendee[];
  /** Resources such as rooms (`t:Resources/t:Attendee`). */
  resources?: Attendee[];
  /** Duration, `xs:duration` (read-only, `t:Duration`). */
  duration?: string;
  /** Time zone display name (read-only, `t:TimeZone`). */
  timeZone?: string;
  /** Sequence number (read-only, `t:AppointmentSequenceNumber`). */
  appointmentSequenceNumber?: number;
  /** The series' recurrence (`t:Recurrence`), on recurring masters. */
  recurrence?: Recurrence;
  /** First occurrence of the series (read-only, `t:FirstOccurrence`). */
  firstOccurrence?: OccurrenceInfo;
  /** Last occurrence of the series (read-only, `t:LastOccurrence`). */
  lastOccurrence?: OccurrenceInfo;
  /** Occurrences that were changed (read-only, `t:ModifiedOccurrences/t:Occurrence`). */
  modifiedOccurrences?: OccurrenceInfo[];
  /** Occurrences that were deleted (read-only, `t:DeletedOccurrences/t:DeletedOccurrence`). */
  deletedOccurrences?: DeletedOccurrenceInfo[];
  /** Exchange 2007 SP1 time zone (`t:MeetingTimeZone`); used only when talking to Exchange 2007. */
  meetingTimeZone?: LegacyTimeZone;
  /** Time zone of the start (`t:StartTimeZone`, Exchange 2010+). */
  startTimeZone?: TimeZoneDefinition;
  /** Time zone of the end (`t:EndTimeZone`, Exchange 2010+). */
  endTimeZone?: TimeZoneDefinition;
  /** Conference type: 0 NetMeeting, 1 NetShow, 2 chat (`t:ConferenceType`). */
  conferenceType?: number;
  /** Whether attendees may propose new times (`t:AllowNewTimeProposal`). */
  allowNewTimeProposal?: boolean;
  /** Whether it is an online meeting (`t:IsOnlineMeeting`). */
  isOnlineMeeting?: boolean;
  /** Meeting workspace URL (`t:MeetingWorkspaceUrl`). */
  meetingWorkspaceUrl?: string;
  /** NetShow URL (`t:NetShowUrl`). */
  netShowUrl?: string;
}
