/**
 * Occurrences of a recurring series: which properties an occurrence may override, the original
 * starts of a series, an occurrence addressed by its 1-based instance index, and the times of an
 * unmodified occurrence. Pure functions over an {@link ItemRecord}; the store keeps the exceptions.
 */
import { SimError } from "./errors.js";
import type { ItemRecord, ItemTarget } from "./records.js";
import { expandRecurrence, parseDateTime } from "./recurrence.js";
import { zoneOfItem } from "./time-zones.js";

/**
 * Properties an occurrence may override (everything else comes from the master). Exchange keeps a
 * modified occurrence as an exception (MS-OXOCAL: an exception attachment, an embedded message with
 * the instance's own properties), including the instance's display time zones:
 * PidLidAppointmentTimeZoneDefinitionStartDisplay (MS-OXOCAL 2.2.1.42) and its EndDisplay
 * counterpart, which EWS exposes as StartTimeZone and EndTimeZone. So UpdateItem on an occurrence accepts them (exchangelib sends both whenever it moves
 * an occurrence). exchangelib's own test_change_occurrence saves an occurrence unfolded from a
 * calendar view with every writable field against Exchange Online (Set of Subject, Sensitivity,
 * Categories, Importance, ReminderMinutesBeforeStart, Start/End, LegacyFreeBusyStatus,
 * Start/EndTimeZone; Delete of Body, InReplyTo, Location, When, the attendee lists,
 * MeetingWorkspaceUrl, NetShowUrl), so those are accepted too. What stays the series' own is
 * refused with ErrorInvalidPropertyForOperation: Recurrence (PidLidAppointmentRecur lives on the
 * master only), the UID (PidLidGlobalObjectId is shared by every instance), the legacy
 * MeetingTimeZone and the time zone ids of the series.
 */
export const OCCURRENCE_PROPERTIES = new Set([
  "Subject", "Body", "Importance", "Sensitivity", "Categories", "ReminderIsSet", "ReminderMinutesBeforeStart", "Start", "End",
  "IsAllDayEvent", "LegacyFreeBusyStatus", "Location", "RequiredAttendees", "OptionalAttendees", "Resources", "IsCancelled",
  "EnhancedLocation", "StartTimeZone", "EndTimeZone", "InReplyTo", "When", "MeetingWorkspaceUrl", "NetShowUrl",
]);

/** The occurrence of a series at a 1-based instance index, or a SimError naming why there is none. */
export function occurrenceOf(item: ItemRecord, index: number): ItemTarget {
  const recurrence = item.props.get("Recurrence");
  if (item.kind !== "CalendarItem" || !recurrence) {
    throw new SimError("ErrorItemNotFound", "The recurring master item was not found or is not a recurring calendar item.");
  }
  const starts = occurrenceStarts(item, index);
  const originalStart = starts[index - 1];
  if (index < 1 || originalStart === undefined) {
    throw new SimError("ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange", "The occurrence index is out of the recurrence range.");
  }
  if (item.deletedOccurrences.has(originalStart)) {
    throw new SimError("ErrorCalendarOccurrenceIsDeletedFromRecurrence", "The occurrence has been deleted from the recurrence.");
  }
  return { item, occurrence: { index, originalStart } };
}

/** Original starts of a series (at least `atLeast` of them when the series is that long). */
export function occurrenceStarts(item: ItemRecord, atLeast = 0, until?: number): number[] {
  const recurrence = item.props.get("Recurrence");
  if (!recurrence) return [];
  const start = parseDateTime(item.props.get("Start")?.text);
  const maxCount = until !== undefined ? 100_000 : Math.max(2000, atLeast);
  return expandRecurrence(recurrence, Number.isNaN(start) ? 0 : start, { maxCount, until, timeZone: zoneOfItem(item.props) });
}

/** Start and end of an unmodified occurrence. */
export function occurrenceTimes(item: ItemRecord, originalStart: number): { start: number; end: number } {
  const start = parseDateTime(item.props.get("Start")?.text);
  const end = parseDateTime(item.props.get("End")?.text);
  return { start: originalStart, end: originalStart + Math.max(0, end - start) };
}
