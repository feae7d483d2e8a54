/**
 * Options and results of the event mapper, and the occurrence operations it asks the EWS side to
 * perform for the exceptions of a series.
 */
import type { CalendarItem } from "@ewsdav/ews-client";
import type { MapperLimits } from "../limits.js";
import type { DroppedProperty } from "../result.js";

/** Which EWS time-zone elements to fill: `StartTimeZone`/`EndTimeZone` (2010+) or `MeetingTimeZone` (2007 SP1). */
export type EventTimeZoneSchema = "Exchange2010" | "Exchange2007_SP1";

/** Options of `eventFromVEvent`. */
export interface EventFromVEventOptions {
  /**
   * IANA zone in which all-day events and floating times are placed on the EWS side (the
   * mailbox's zone). Default `UTC`.
   */
  timeZone?: string;
  /** Fill `MeetingTimeZone` for Exchange 2007 SP1 instead of `StartTimeZone`/`EndTimeZone`. Default `Exchange2010`. */
  timeZoneSchema?: EventTimeZoneSchema;
  /**
   * The calendar item as EWS holds it now (the recurring master with `modifiedOccurrences` and
   * `deletedOccurrences`), when updating: occurrences already deleted are not deleted again,
   * exceptions that the DAV side no longer has are reset, and attendees' responses EWS knows are
   * kept where the DAV side only says NEEDS-ACTION.
   */
  current?: CalendarItem;
  /** Bounds on the work this item may cost (counts, date horizon, time budget); defaults in `DEFAULT_MAPPER_LIMITS`. */
  limits?: Partial<MapperLimits>;
}

/**
 * One operation on an occurrence of a recurring series that the EWS side must perform after
 * creating or updating the master. EWS addresses an occurrence by `OccurrenceItemId`
 * (`RecurringMasterId` + `InstanceIndex`); `originalStart` (UTC `xs:dateTime`, `Z`) is the start the
 * pattern gives the occurrence — compare it with `OriginalStart` of the occurrences EWS lists to be
 * sure of the index.
 *
 * - `modifyOccurrence`: UpdateItem on the occurrence with `SetItemField` for every field in
 *   `changes` (always `start` and `end`; other fields only where they differ from the master).
 * - `deleteOccurrence`: DeleteItem on the occurrence (an EXDATE on the DAV side).
 *
 * `instanceIndex` counts every occurrence the pattern produces, deleted ones included (as EWS
 * numbers `InstanceIndex`). Overrides and EXDATEs that name no occurrence of the pattern, and
 * overrides moved onto a neighbour's day (ErrorOccurrenceCrossingBoundary), get no operation: they
 * stay on the DAV side and are reported. It is null only for a reset whose occurrence the pattern
 * no longer has. With
 * `current`, an exception EWS has but the DAV side no longer has comes back as a
 * `modifyOccurrence` to the pattern's time and the master's fields (EWS cannot drop an exception).
 * Apply deletions and modifications in the order given; each changes the master's change key, so
 * re-read it (or use the key UpdateItem/DeleteItem returns) before the next.
 *
 * Both are idempotent: applying a modification that is already in place changes nothing, and
 * deleting an occurrence that EWS lists in `DeletedOccurrences` is skipped by the mapper when
 * `current` is given.
 */
export type OccurrenceOperation =
  | {
      kind: "modifyOccurrence";
      /** Start of the occurrence as the pattern places it (UTC `xs:dateTime`). */
      originalStart: string;
      /** 1-based position of the occurrence in the pattern (EWS `InstanceIndex`), counted from the series start. */
      instanceIndex: number | null;
      /** The fields to set on the occurrence. */
      changes: Partial<CalendarItem>;
    }
  | {
      kind: "deleteOccurrence";
      /** Start of the occurrence as the pattern places it (UTC `xs:dateTime`). */
      originalStart: string;
      /** 1-based position of the occurrence in the pattern (EWS `InstanceIndex`). */
      instanceIndex: number | null;
    };

/** What `eventFromVEvent` returns. */
export interface EventFromVEventResult {
  /** The calendar item (the recurring master for a series), ready for CreateItem / UpdateItem. */
  item: CalendarItem;
  /** The event's UID, or null when it has none. */
  uid: string | null;
  /** What the EWS side must do to the series' occurrences, in order (empty for single events). */
  occurrenceOperations: OccurrenceOperation[];
  /**
   * How a sync writes the item: never send meeting invitations or cancellations (`SendToNone`);
   * a host that wants them sends them itself.
   */
  sendMeetingInvitations: "SendToNone";
  /** Everything in the VEVENT the calendar item cannot hold; it stays on the DAV side. */
  dropped: DroppedProperty[];
}

/** Options of `eventToVEvent`. */
export interface EventToVEventOptions {
  /** The existing iCalendar object to merge onto: what EWS cannot hold stays exactly as it is there. */
  base?: string | null;
  /**
   * The modified occurrences of the series as full items (GetItem on the `ItemId`s of
   * `modifiedOccurrences`), written as RECURRENCE-ID overrides. Without them an override carries
   * only the moved times and the master's other properties.
   */
  exceptions?: CalendarItem[];
  /** IANA zone for items without a time zone (the mailbox's zone). Default `UTC`. */
  timeZone?: string;
  /** UID to write when the item carries none. */
  uid?: string;
  /** The time written as DTSTAMP of a new object. Default: now. */
  now?: Date;
  /** Bounds on the work this item may cost (counts, date horizon, time budget); defaults in `DEFAULT_MAPPER_LIMITS`. */
  limits?: Partial<MapperLimits>;
}

/** What `eventToVEvent` returns. */
export interface EventToVEventResult {
  /** The iCalendar text (VCALENDAR with the VEVENTs and every VTIMEZONE they reference). */
  text: string;
  /** The UID written. */
  uid: string;
  /** The EWS fields that no iCalendar property carries. */
  dropped: DroppedProperty[];
}
