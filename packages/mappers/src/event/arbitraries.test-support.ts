/**
 * fast-check generators of EWS calendar items within the EWS limits, shared by the event mapper's
 * property tests and schema tests. Test support only: nothing in the package imports it.
 */
import fc from "fast-check";
import type { Attendee, CalendarItem, DayOfWeek, Recurrence, RecurrencePattern, RecurrenceRange } from "@ewsdav/ews-client";
import { DAY_MS, EWS_MONTHS, EWS_WEEKDAYS, formatIsoDate, localMs } from "../timezone/clock.js";
import { ianaZone } from "../timezone/resolve.js";
import { windowsZoneForIana } from "../timezone/windows.js";
import { ewsDateTime } from "./read.js";

/** Zones the generated items use (with and without DST, half-hour offsets, southern hemisphere). */
export const ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "America/Sao_Paulo", "Asia/Kolkata", "UTC", "Europe/London", "America/Los_Angeles", "Pacific/Auckland", "Asia/Tehran"];
/** Zones with DST. */
export const DST_ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Europe/London", "America/Los_Angeles", "Pacific/Auckland"];
const EMAILS = ["ann@example.org", "bob@example.org", "cho@example.net", "dan@example.com", "eve@example.com"];
const RESPONSES = ["Accept", "Decline", "Tentative", "NoResponseReceived"] as const;
const WEEKDAY_GROUPS: DayOfWeek[] = ["Day", "Weekday", "WeekendDay"];
const INDEXES = ["First", "Second", "Third", "Fourth", "Last"] as const;

const text = (min = 1) => fc.string({ minLength: min, maxLength: 24 }).filter((value) => value.trim() === value && value.trim().length >= min);
/** Parameter values (CN) cannot hold DQUOTE, and ical.js reads a backslash in them as an escape. */
const paramText = () => text().filter((value) => !/["\\]/.test(value));
const weekday = fc.constantFrom(...(EWS_WEEKDAYS as readonly DayOfWeek[]));

/** A generated item and the mailbox zone it was made for. */
export interface Generated {
  item: CalendarItem;
  zone: string;
}

function patternArbitrary(): fc.Arbitrary<RecurrencePattern> {
  return fc.oneof(
    fc.record({ kind: fc.constant("DailyRecurrence" as const), interval: fc.integer({ min: 1, max: 30 }) }),
    fc.record({ kind: fc.constant("WeeklyRecurrence" as const), interval: fc.integer({ min: 1, max: 4 }), daysOfWeek: fc.uniqueArray(weekday, { minLength: 1, maxLength: 7 }), firstDayOfWeek: fc.constantFrom<DayOfWeek>("Sunday", "Monday") }),
    fc.record({ kind: fc.constant("AbsoluteMonthlyRecurrence" as const), interval: fc.integer({ min: 1, max: 36 }), dayOfMonth: fc.integer({ min: 1, max: 31 }) }),
    fc.record({ kind: fc.constant("RelativeMonthlyRecurrence" as const), interval: fc.integer({ min: 1, max: 36 }), daysOfWeek: fc.oneof(weekday, fc.constantFrom(...WEEKDAY_GROUPS)), dayOfWeekIndex: fc.constantFrom(...INDEXES) }),
    fc.record({ kind: fc.constant("AbsoluteYearlyRecurrence" as const), dayOfMonth: fc.integer({ min: 1, max: 28 }), month: fc.constantFrom(...EWS_MONTHS) }),
    fc.record({ kind: fc.constant("RelativeYearlyRecurrence" as const), daysOfWeek: fc.oneof(weekday, fc.constantFrom(...WEEKDAY_GROUPS)), dayOfWeekIndex: fc.constantFrom(...INDEXES), month: fc.constantFrom(...EWS_MONTHS) }),
  );
}

function rangeArbitrary(startDate: string): fc.Arbitrary<RecurrenceRange> {
  const start = Date.parse(`${startDate}T00:00:00Z`);
  return fc.oneof(
    fc.constant<RecurrenceRange>({ kind: "NoEndRecurrence", startDate }),
    fc.integer({ min: 1, max: 999 }).map((count): RecurrenceRange => ({ kind: "NumberedRecurrence", startDate, numberOfOccurrences: count })),
    fc.integer({ min: 0, max: 2000 }).map((days): RecurrenceRange => ({ kind: "EndDateRecurrence", startDate, endDate: formatIsoDate(start + days * DAY_MS) })),
  );
}

const attendeeArbitrary = (email: string): fc.Arbitrary<Attendee> =>
  fc.record({ name: fc.option(paramText(), { nil: undefined }), response: fc.constantFrom(...RESPONSES) }).map(({ name, response }) => ({ mailbox: name ? { emailAddress: email, name } : { emailAddress: email }, responseType: response }));

/** Calendar items (single or recurring) within the EWS limits. */
export const itemArbitrary: fc.Arbitrary<Generated> = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    allDay: fc.boolean(),
    year: fc.integer({ min: 2018, max: 2032 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.constantFrom(0, 15, 30, 45),
    durationMinutes: fc.integer({ min: 0, max: 600 }),
    durationDays: fc.integer({ min: 1, max: 6 }),
    subject: fc.option(text(0), { nil: undefined }),
    location: fc.option(text(), { nil: undefined }),
    body: fc.option(fc.oneof(text().map((value) => ({ bodyType: "Text" as const, value })), text().map((value) => ({ bodyType: "HTML" as const, value: `<p>${value.replace(/[<>&]/g, "")}</p>` }))), { nil: undefined }),
    busy: fc.constantFrom("Free", "Tentative", "Busy", "OOF", "WorkingElsewhere") as fc.Arbitrary<CalendarItem["legacyFreeBusyStatus"]>,
    importance: fc.constantFrom("Low", "Normal", "High") as fc.Arbitrary<CalendarItem["importance"]>,
    sensitivity: fc.constantFrom("Normal", "Personal", "Private", "Confidential") as fc.Arbitrary<CalendarItem["sensitivity"]>,
    categories: fc.uniqueArray(text().filter((value) => !value.includes(",")), { maxLength: 4 }),
    reminder: fc.option(fc.integer({ min: 0, max: 10080 }), { nil: undefined }),
    people: fc.uniqueArray(fc.constantFrom(...EMAILS), { maxLength: 5 }),
    roles: fc.array(fc.constantFrom("required", "optional", "resource"), { minLength: 5, maxLength: 5 }),
    organizerName: fc.option(paramText(), { nil: undefined }),
    recurring: fc.boolean(),
    pattern: patternArbitrary(),
    rangeSeed: fc.integer({ min: 0, max: 1000 }),
  })
  .chain((g) => {
    const zone = ianaZone(g.zone);
    const startLocal = g.allDay ? localMs(g.year, g.month, g.day) : localMs(g.year, g.month, g.day, g.hour, g.minute);
    const startUtc = zone.toUtc(startLocal);
    const endUtc = g.allDay ? zone.toUtc(startLocal + g.durationDays * DAY_MS) : startUtc + g.durationMinutes * 60000;
    const startDate = formatIsoDate(zone.toLocal(startUtc) - (g.allDay ? 0 : 0));
    return fc.tuple(rangeArbitrary(startDate.slice(0, 10)), fc.tuple(...EMAILS.map(attendeeArbitrary))).map(([range, attendees]) => {
      const windows = windowsZoneForIana(g.zone)!;
      const item: CalendarItem = {
        uid: `${g.year}${g.month}${g.day}-${g.rangeSeed}@ewsdav.test`,
        start: ewsDateTime(startUtc),
        end: ewsDateTime(endUtc),
        isAllDayEvent: g.allDay,
        startTimeZone: { id: windows },
        endTimeZone: { id: windows },
        legacyFreeBusyStatus: g.busy,
        importance: g.importance,
        sensitivity: g.sensitivity,
        reminderIsSet: g.reminder !== undefined,
      };
      if (g.subject !== undefined) item.subject = g.subject;
      if (g.location !== undefined) item.location = g.location;
      if (g.body) item.body = g.body;
      if (g.categories.length) item.categories = g.categories;
      if (g.reminder !== undefined) item.reminderMinutesBeforeStart = g.reminder;
      // An organizer comes with attendees (a meeting); EWS's owner-organizer of a plain appointment is not written.
      if (g.people.length > 1) {
        const organizer = g.people[0]!;
        item.organizer = g.organizerName ? { emailAddress: organizer, name: g.organizerName } : { emailAddress: organizer };
        g.people.slice(1).forEach((email, index) => {
          const attendee = attendees[EMAILS.indexOf(email)]!;
          const role = g.roles[index]!;
          if (role === "required") (item.requiredAttendees ??= []).push(attendee);
          else if (role === "optional") (item.optionalAttendees ??= []).push(attendee);
          else (item.resources ??= []).push(attendee);
        });
      }
      if (g.recurring) item.recurrence = { pattern: g.pattern, range } as Recurrence;
      return { item, zone: g.zone };
    });
  });

