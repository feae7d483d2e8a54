/**
 * Property-based round trips (fast-check) over events within the EWS limits: EWS → VEVENT → EWS
 * gives the same item, VEVENT → EWS → VEVENT the same object (normalised), and recurring series
 * with random exceptions and deletions in zones with DST give exactly the occurrence operations.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Attendee, CalendarItem, DayOfWeek, Recurrence, RecurrencePattern, RecurrenceRange } from "@ewsdav/ews-client";
import { DAY_MS, EWS_MONTHS, EWS_WEEKDAYS, formatIsoDate, localMs } from "../timezone/clock.js";
import { ianaZone } from "../timezone/resolve.js";
import { windowsZoneForIana } from "../timezone/windows.js";
import { eventFromVEvent, eventToVEvent, normalizeVEvent, sameRecurrence } from "./index.js";
import { ewsDateTime } from "./read.js";

const ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "America/Sao_Paulo", "Asia/Kolkata", "UTC", "Europe/London", "America/Los_Angeles", "Pacific/Auckland", "Asia/Tehran"];
const DST_ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Europe/London", "America/Los_Angeles", "Pacific/Auckland"];
const EMAILS = ["ann@example.org", "bob@example.org", "cho@example.net", "dan@example.com", "eve@example.com"];
const RESPONSES = ["Accept", "Decline", "Tentative", "NoResponseReceived"] as const;
const WEEKDAY_GROUPS: DayOfWeek[] = ["Day", "Weekday", "WeekendDay"];
const INDEXES = ["First", "Second", "Third", "Fourth", "Last"] as const;

const text = (min = 1) => fc.string({ minLength: min, maxLength: 24 }).filter((value) => value.trim() === value && value.trim().length >= min);
/** Parameter values (CN) cannot hold DQUOTE, and ical.js reads a backslash in them as an escape. */
const paramText = () => text().filter((value) => !/["\\]/.test(value));
const weekday = fc.constantFrom(...(EWS_WEEKDAYS as readonly DayOfWeek[]));

interface Generated {
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

const itemArbitrary: fc.Arbitrary<Generated> = fc
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
      if (g.people.length > 0) {
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

/** The fields the mapper carries, in a comparable form. */
function project(item: CalendarItem): Record<string, unknown> {
  const people = (list: Attendee[] | undefined) => (list ?? []).map((a) => [a.mailbox.emailAddress, a.mailbox.name ?? null, a.responseType ?? null]);
  return {
    uid: item.uid,
    start: item.start,
    end: item.end,
    allDay: item.isAllDayEvent ?? false,
    zone: item.startTimeZone?.id,
    endZone: item.endTimeZone?.id,
    subject: item.subject ?? null,
    location: item.location ?? null,
    body: item.body ?? null,
    busy: item.legacyFreeBusyStatus ?? "Busy",
    importance: item.importance ?? "Normal",
    sensitivity: item.sensitivity ?? "Normal",
    categories: item.categories ?? [],
    reminder: item.reminderIsSet ? item.reminderMinutesBeforeStart : null,
    organizer: item.organizer ? [item.organizer.emailAddress, item.organizer.name ?? null] : null,
    required: people(item.requiredAttendees),
    optional: people(item.optionalAttendees),
    resources: people(item.resources),
  };
}

describe("EWS → VEVENT → EWS", () => {
  it("gives back the same calendar item", () => {
    fc.assert(
      fc.property(itemArbitrary, ({ item, zone }) => {
        const { text: ics } = eventToVEvent(item, { timeZone: zone, now: new Date(0) });
        // Every TZID written has its VTIMEZONE in the object.
        const referenced = new Set([...ics.replace(/\r\n[ \t]/g, "").matchAll(/;TZID=([^;:]+)[;:]/g)].map((match) => match[1]!));
        for (const tzid of referenced) expect(ics).toContain(`BEGIN:VTIMEZONE\r\nTZID:${tzid}\r\n`);
        const back = eventFromVEvent(ics, { timeZone: zone });
        expect(project(back.item)).toEqual(project(item));
        expect(sameRecurrence(back.item.recurrence, item.recurrence), JSON.stringify([item.recurrence, back.item.recurrence])).toBe(true);
        expect(back.dropped).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

describe("VEVENT → EWS → VEVENT", () => {
  it("gives back the same object, written fresh or merged onto itself", () => {
    fc.assert(
      fc.property(itemArbitrary, ({ item, zone }) => {
        const original = eventToVEvent(item, { timeZone: zone, now: new Date(0) }).text;
        const { item: mapped } = eventFromVEvent(original, { timeZone: zone });
        expect(normalizeVEvent(eventToVEvent(mapped, { timeZone: zone, now: new Date(0) }).text)).toBe(normalizeVEvent(original));
        expect(eventToVEvent(mapped, { timeZone: zone, base: original }).text).toBe(original);
      }),
      { numRuns: 100 },
    );
  });
});

describe("recurring series with exceptions and deletions across DST", () => {
  const seriesArbitrary = fc.record({
    zone: fc.constantFrom(...DST_ZONES),
    allDay: fc.boolean(),
    year: fc.integer({ min: 2020, max: 2030 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 22 }),
    stepDays: fc.constantFrom(1, 2, 7, 14),
    marks: fc.array(fc.constantFrom("keep", "keep", "delete", "modify"), { minLength: 40, maxLength: 40 }),
    shiftMinutes: fc.integer({ min: -90, max: 90 }),
  });

  it("maps EXDATEs and overrides to exactly the delete/modify operations, and back", () => {
    fc.assert(
      fc.property(seriesArbitrary, (g) => {
        const zone = ianaZone(g.zone);
        const windows = windowsZoneForIana(g.zone)!;
        const startLocal = g.allDay ? localMs(g.year, g.month, g.day) : localMs(g.year, g.month, g.day, g.hour, 0);
        const occurrenceUtc = (k: number): number => zone.toUtc(startLocal + k * g.stepDays * DAY_MS);
        const length = g.allDay ? DAY_MS : 3_600_000;
        const endOf = (k: number): number => (g.allDay ? occurrenceUtc(k + 1 / g.stepDays) : occurrenceUtc(k) + length);
        const master: CalendarItem = {
          uid: `series-${g.year}-${g.month}-${g.day}@ewsdav.test`,
          subject: "Series",
          start: ewsDateTime(occurrenceUtc(0)),
          end: ewsDateTime(endOf(0)),
          isAllDayEvent: g.allDay,
          startTimeZone: { id: windows },
          endTimeZone: { id: windows },
          legacyFreeBusyStatus: "Busy",
          reminderIsSet: false,
          recurrence: {
            pattern: g.stepDays % 7 === 0
              ? { kind: "WeeklyRecurrence", interval: g.stepDays / 7, daysOfWeek: [EWS_WEEKDAYS[new Date(startLocal).getUTCDay()]! as DayOfWeek], firstDayOfWeek: "Monday" }
              : { kind: "DailyRecurrence", interval: g.stepDays },
            range: { kind: "NumberedRecurrence", startDate: formatIsoDate(startLocal), numberOfOccurrences: 40 },
          },
        };
        const deleted: number[] = [];
        const exceptions: CalendarItem[] = [];
        g.marks.forEach((mark, k) => {
          if (k === 0) return;
          if (mark === "delete") deleted.push(k);
          if (mark === "modify") {
            const shift = g.allDay ? 0 : g.shiftMinutes * 60000;
            const exception: CalendarItem = { ...master, subject: `Occurrence ${k}`, start: ewsDateTime(occurrenceUtc(k) + shift), end: ewsDateTime(endOf(k) + shift), originalStart: ewsDateTime(occurrenceUtc(k)) };
            delete exception.recurrence;
            exceptions.push(exception);
          }
        });
        const withExceptions: CalendarItem = {
          ...master,
          deletedOccurrences: deleted.map((k) => ({ start: ewsDateTime(occurrenceUtc(k)) })),
          modifiedOccurrences: exceptions.map((e, i) => ({ itemId: { id: `occ-${i}` }, start: e.start!, end: e.end!, originalStart: e.originalStart! })),
        };
        const ics = eventToVEvent(withExceptions, { exceptions, timeZone: g.zone, now: new Date(0) }).text;
        const result = eventFromVEvent(ics, { timeZone: g.zone });
        expect(result.dropped).toEqual([]);
        const deletes = result.occurrenceOperations.filter((op) => op.kind === "deleteOccurrence");
        const modifies = result.occurrenceOperations.filter((op) => op.kind === "modifyOccurrence");
        expect(deletes.map((op) => [op.originalStart, op.instanceIndex])).toEqual(deleted.map((k) => [ewsDateTime(occurrenceUtc(k)), k + 1]));
        expect(modifies.map((op) => op.originalStart).sort()).toEqual(exceptions.map((e) => e.originalStart!).sort());
        for (const op of modifies) {
          const exception = exceptions.find((e) => e.originalStart === op.originalStart)!;
          expect(op.changes).toMatchObject({ start: exception.start, end: exception.end, subject: exception.subject });
          expect(op.instanceIndex).toBe(Number(exception.subject!.split(" ")[1]) + 1);
        }
        // Applying the operations on EWS and reading the series back gives the same object.
        const applied: CalendarItem = {
          ...result.item,
          deletedOccurrences: deletes.map((op) => ({ start: op.originalStart })),
          modifiedOccurrences: modifies.map((op, i) => ({ itemId: { id: `occ-${i}` }, start: op.changes.start!, end: op.changes.end!, originalStart: op.originalStart })),
        };
        const appliedExceptions = modifies.map((op) => ({ ...result.item, ...op.changes, originalStart: op.originalStart, recurrence: undefined }));
        const again = eventToVEvent(applied, { exceptions: appliedExceptions, timeZone: g.zone, base: ics }).text;
        expect(normalizeVEvent(again)).toBe(normalizeVEvent(ics));
      }),
      { numRuns: 60 },
    );
  });
});
