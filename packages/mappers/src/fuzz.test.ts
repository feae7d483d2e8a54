import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CalendarItem, Task } from "@ewsdav/ews-client";
import { contactFromVCard, contactToVCard, eventFromVEvent, eventToVEvent, MapperError, normalizeVCard, normalizeVEvent, normalizeVTodo, taskFromVTodo, taskToVTodo, vcardHash, veventHash, vtodoHash } from "./index.js";
import { CONTACT_FIXTURES } from "./contact/client-fixtures.test-support.js";
import { EVENT_FIXTURES } from "./event/client-fixtures.test-support.js";
import { TASK_FIXTURES } from "./task/client-fixtures.test-support.js";
import { FUZZ_MODE } from "./fuzz.test-support.js";

/** 20 times more runs in fuzz mode (`EWSDAV_FUZZ`) or with MAPPER_FUZZ_SCALE=20; the default keeps the suite fast. */
const FUZZ_SCALE = FUZZ_MODE ? 20 : Number(process.env.MAPPER_FUZZ_SCALE ?? 1);

/** Runs a mapper call: it either returns or throws a MapperError that is not a caught bug. */
function typedOrResult(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MapperError);
    expect((error as MapperError).code).not.toBe("INTERNAL_ERROR");
  }
}

/** Every entry point on one text: read, write new, merge onto it, normalise, hash. */
function exerciseContact(text: string): void {
  typedOrResult(() => {
    const { item } = contactFromVCard(text);
    for (const version of ["3.0", "4.0"] as const) contactFromVCard(contactToVCard(item, { version }).text);
    contactFromVCard(contactToVCard(item, { base: text }).text);
  });
  typedOrResult(() => normalizeVCard(text));
  typedOrResult(() => vcardHash(text));
}

function exerciseTask(text: string): void {
  typedOrResult(() => {
    const { item } = taskFromVTodo(text);
    taskFromVTodo(taskToVTodo(item, { now: new Date(0) }).text);
    taskFromVTodo(taskToVTodo(item, { base: text }).text);
  });
  typedOrResult(() => normalizeVTodo(text));
  typedOrResult(() => vtodoHash(text));
}

function exerciseEvent(text: string): void {
  typedOrResult(() => {
    const { item } = eventFromVEvent(text, { timeZone: "Europe/Berlin" });
    const withUid: CalendarItem = { ...item, uid: item.uid ?? "fuzz@ewsdav.test" };
    eventFromVEvent(eventToVEvent(withUid, { now: new Date(0) }).text);
    eventFromVEvent(eventToVEvent(withUid, { base: text, timeZone: "America/New_York" }).text);
  });
  typedOrResult(() => normalizeVEvent(text));
  typedOrResult(() => veventHash(text));
}

const VALUE_TYPES = ["", ";VALUE=RECUR", ";VALUE=PERIOD", ";VALUE=DATE", ";VALUE=DATE-TIME", ";VALUE=INTEGER", ";VALUE=FLOAT", ";VALUE=BOOLEAN", ";VALUE=DURATION", ";VALUE=UTC-OFFSET", ";VALUE=BINARY", ";VALUE=URI", ";VALUE=TIME", ";TZID=Nowhere/Else", ";RELATED=END"];
const PROPERTY_VALUES = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("FREQ=DAILY;COUNT=2", "20260101T000000Z/PT1H", "-PT15M", "P1W", "19800102", "--0102", "tel:+1", "data:image/png;base64,AAAA", "1;2;3", "a,b,c", "TRUE", "+0100", "T102030"));

const SPICY = [":", ";", ",", "=", "\\", '"', "\r\n", "\n", " ", "\t", "^", ".", "-", "T", "Z", "0", "9", "P", "BEGIN:", "END:", "VALUE=RECUR", "VALUE=PERIOD", "TZID=", "ENCODING=QUOTED-PRINTABLE", "=0D=0A", "ü", "\u0000", "\uFDD0", "data:", "tel:", "--", "X-", "item1."];

/** A random edit of a text: delete, insert, duplicate or swap lines, truncate. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...SPICY), fc.string({ maxLength: 8 })) }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(text: string, edits: Array<typeof mutation extends fc.Arbitrary<infer T> ? T : never>): string {
  let out = text;
  for (const edit of edits) {
    const at = out.length === 0 ? 0 : edit.at % out.length;
    if (edit.kind === "delete") out = out.slice(0, at) + out.slice(at + edit.length);
    else if (edit.kind === "insert") out = out.slice(0, at) + edit.text + out.slice(at);
    else if (edit.kind === "truncate") out = out.slice(0, at);
    else {
      const lines = out.split("\r\n");
      const i = edit.at % lines.length;
      if (edit.kind === "duplicate") lines.splice(i, 0, lines[i]!);
      else {
        const j = edit.with % lines.length;
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
      out = lines.join("\r\n");
    }
  }
  return out;
}

describe("fuzzing: random and mutated text never crashes the mappers", () => {
  it("random text gives a typed error or a result", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 300 }), fc.array(fc.constantFrom(...SPICY), { maxLength: 60 }).map((parts) => parts.join(""))), (text) => {
        exerciseContact(text);
        exerciseContact(`BEGIN:VCARD\r\nVERSION:4.0\r\n${text}\r\nEND:VCARD\r\n`);
        exerciseTask(text);
        exerciseTask(`BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\n${text}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n`);
        exerciseEvent(text);
        exerciseEvent(`BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260101T100000Z\r\n${text}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`);
      }),
      { numRuns: 200 * FUZZ_SCALE },
    );
  });

  it("mutated client vCards give a typed error or a result", () => {
    fc.assert(
      fc.property(fc.constantFrom(...CONTACT_FIXTURES.map((fixture) => fixture.text)), fc.array(mutation, { minLength: 1, maxLength: 6 }), (text, edits) => {
        exerciseContact(mutate(text, edits));
      }),
      { numRuns: 250 * FUZZ_SCALE },
    );
  });

  it("mutated client VTODOs give a typed error or a result", () => {
    fc.assert(
      fc.property(fc.constantFrom(...TASK_FIXTURES.map((fixture) => fixture.text)), fc.array(mutation, { minLength: 1, maxLength: 6 }), (text, edits) => {
        exerciseTask(mutate(text, edits));
      }),
      { numRuns: 250 * FUZZ_SCALE },
    );
  });

  it("mutated client VEVENTs give a typed error or a result", () => {
    fc.assert(
      fc.property(fc.constantFrom(...EVENT_FIXTURES.map((fixture) => fixture.text)), fc.array(mutation, { minLength: 1, maxLength: 6 }), (text, edits) => {
        exerciseEvent(mutate(text, edits));
      }),
      { numRuns: 200 * FUZZ_SCALE },
    );
  });

  it("EWS items with values out of range or of the wrong shape give a typed error or a result", () => {
    const junk = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("", "2026-13-45T99:00:00Z", "-PT1H", "PT25H", "tzone://Microsoft/Utc", "W. Europe Standard Time", "Customized Time Zone", "NaN", "1604-01-01T00:00:00Z", "9999-12-31T23:59:59Z"));
    const instant = fc.oneof(junk, fc.integer({ min: -5_000_000, max: 5_000_000 }).map((minutes) => new Date(Date.UTC(2026, 0, 1) + minutes * 60_000).toISOString()));
    const definition = fc.record(
      {
        id: junk,
        name: junk,
        periods: fc.array(fc.record({ id: junk, name: junk, bias: junk }), { maxLength: 3 }),
        transitionsGroups: fc.array(fc.record({ id: junk, transitions: fc.array(fc.oneof(
          fc.record({ kind: fc.constant("Transition" as const), to: fc.record({ kind: fc.constantFrom("Period" as const, "Group" as const), value: junk }) }),
          fc.record({ kind: fc.constant("RecurringDayTransition" as const), to: fc.record({ kind: fc.constant("Period" as const), value: junk }), timeOffset: junk, month: fc.integer({ min: -1, max: 14 }), dayOfWeek: fc.constantFrom("Sunday", "Monday", "Day", "Weekday", "Blursday") as fc.Arbitrary<never>, occurrence: fc.integer({ min: -3, max: 7 }) }),
          fc.record({ kind: fc.constant("RecurringDateTransition" as const), to: fc.record({ kind: fc.constant("Period" as const), value: junk }), timeOffset: junk, month: fc.integer({ min: -1, max: 14 }), day: fc.integer({ min: -1, max: 40 }) }),
          fc.record({ kind: fc.constant("AbsoluteDateTransition" as const), to: fc.record({ kind: fc.constantFrom("Period" as const, "Group" as const), value: junk }), dateTime: instant }),
        ), { maxLength: 3 }) }), { maxLength: 2 }),
        transitions: fc.record({ transitions: fc.array(fc.record({ kind: fc.constantFrom("Transition" as const, "AbsoluteDateTransition" as const), to: fc.record({ kind: fc.constantFrom("Period" as const, "Group" as const), value: junk }), dateTime: instant }), { maxLength: 3 }) }),
      },
      { requiredKeys: [] },
    );
    const pattern = fc.oneof(
      fc.record({ kind: fc.constant("DailyRecurrence" as const), interval: fc.integer({ min: -2, max: 2000 }) }),
      fc.record({ kind: fc.constant("WeeklyRecurrence" as const), interval: fc.integer({ min: -2, max: 2000 }), daysOfWeek: fc.array(fc.constantFrom("Monday", "Sunday", "Weekday", "Day", "Someday") as fc.Arbitrary<never>, { maxLength: 3 }) }),
      fc.record({ kind: fc.constant("AbsoluteMonthlyRecurrence" as const), interval: fc.integer({ min: -2, max: 2000 }), dayOfMonth: fc.integer({ min: -3, max: 40 }) }),
      fc.record({ kind: fc.constant("RelativeYearlyRecurrence" as const), daysOfWeek: fc.constantFrom("Friday", "WeekendDay", "Nope") as fc.Arbitrary<never>, dayOfWeekIndex: fc.constantFrom("First", "Last", "Fifth") as fc.Arbitrary<never>, month: fc.constantFrom("March", "Smarch") as fc.Arbitrary<never> }),
    );
    const range = fc.oneof(
      fc.record({ kind: fc.constant("NoEndRecurrence" as const), startDate: junk }),
      fc.record({ kind: fc.constant("EndDateRecurrence" as const), startDate: junk, endDate: junk }),
      fc.record({ kind: fc.constant("NumberedRecurrence" as const), startDate: junk, numberOfOccurrences: fc.integer({ min: -5, max: 5000 }) }),
    );
    const item = fc.record(
      {
        uid: junk,
        subject: junk,
        start: instant,
        end: instant,
        isAllDayEvent: fc.boolean(),
        startTimeZone: definition,
        endTimeZone: definition,
        legacyFreeBusyStatus: fc.constantFrom("Free", "OOF", "NoData", "Whatever") as fc.Arbitrary<never>,
        reminderIsSet: fc.boolean(),
        reminderMinutesBeforeStart: fc.integer({ min: -100, max: 1_000_000 }),
        recurrence: fc.record({ pattern, range }),
        deletedOccurrences: fc.array(fc.record({ start: instant }), { maxLength: 3 }),
        modifiedOccurrences: fc.array(fc.record({ itemId: fc.constant({ id: "x" }), start: instant, end: instant, originalStart: instant }), { maxLength: 3 }),
        attachments: fc.array(fc.record({ kind: fc.constant("file" as const), name: junk, content: fc.option(junk, { nil: undefined }) }), { maxLength: 2 }),
        requiredAttendees: fc.array(fc.record({ mailbox: fc.record({ emailAddress: junk, name: fc.option(junk, { nil: undefined }) }), responseType: fc.constantFrom("Accept", "Unknown", "Bogus") as fc.Arbitrary<never> }), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(item, fc.option(fc.constantFrom(...EVENT_FIXTURES.map((fixture) => fixture.text)), { nil: undefined }), (candidate, base) => {
        typedOrResult(() => eventToVEvent(candidate as CalendarItem, { uid: "fuzz@ewsdav.test", base, now: new Date(0) }));
        typedOrResult(() => taskToVTodo(candidate as unknown as Task, { base: null }));
      }),
      { numRuns: 300 * FUZZ_SCALE },
    );
  });

  it("property values of every kind, with every VALUE type, are read without a crash", () => {
    const names = ["BDAY", "ANNIVERSARY", "TEL", "EMAIL", "ADR", "N", "ORG", "PHOTO", "GENDER", "CATEGORIES", "IMPP", "RELATED", "URL", "UID", "NOTE", "X-ABDATE", "NICKNAME"];
    const todoNames = ["DTSTART", "DUE", "COMPLETED", "DURATION", "PERCENT-COMPLETE", "PRIORITY", "CLASS", "STATUS", "RRULE", "X-EWS-REGENERATION", "TRIGGER", "CATEGORIES", "SUMMARY"];
    const types = VALUE_TYPES;
    const values = PROPERTY_VALUES;
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.constantFrom(...todoNames), fc.constantFrom(...types), values, (name, todoName, type, value) => {
        exerciseContact(`BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n${name}${type}:${value}\r\nEND:VCARD\r\n`);
        exerciseContact(`BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\n${name}${type}:${value}\r\nEND:VCARD\r\n`);
        exerciseTask(`BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nDTSTART:20260101T000000Z\r\n${todoName}${type}:${value}\r\nBEGIN:VALARM\r\nTRIGGER${type}:${value}\r\nEND:VALARM\r\nEND:VTODO\r\nEND:VCALENDAR\r\n`);
      }),
      { numRuns: 300 * FUZZ_SCALE },
    );
  });

  it("VEVENT property values of every kind, with every VALUE type, are read without a crash", () => {
    const eventNames = ["DTSTART", "DTEND", "DURATION", "RRULE", "EXDATE", "RDATE", "RECURRENCE-ID", "ATTENDEE", "ORGANIZER", "ATTACH", "PRIORITY", "CLASS", "TRANSP", "X-MICROSOFT-CDO-BUSYSTATUS", "X-ALT-DESC", "CATEGORIES", "UID"];
    const series = "DTSTART;TZID=Europe/Berlin:20260302T090000\r\nRRULE:FREQ=WEEKLY;COUNT=5";
    fc.assert(
      fc.property(fc.constantFrom(...eventNames), fc.constantFrom(...VALUE_TYPES), PROPERTY_VALUES, (name, type, value) => {
        exerciseEvent(`BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:v@x\r\n${series}\r\n${name}${type}:${value}\r\nBEGIN:VALARM\r\nTRIGGER${type}:${value}\r\nEND:VALARM\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:v@x\r\nRECURRENCE-ID${type}:${value}\r\nDTSTART;TZID=Europe/Berlin:20260309T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`);
      }),
      { numRuns: 150 * FUZZ_SCALE },
    );
  });

  it("a very long and deeply nested text finishes (no loops, no blow-up)", () => {
    const many = `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n${"EMAIL:a@b.example\r\n".repeat(5000)}${"BEGIN:X\r\n".repeat(50)}END:VCARD\r\n`;
    exerciseContact(many);
    exerciseTask(`BEGIN:VCALENDAR\r\n${"BEGIN:VTODO\r\n".repeat(200)}SUMMARY:${"x".repeat(100_000)}\r\n`);
    // A daily series with many EXDATEs and overrides, and a rule that never ends.
    const exdates = Array.from({ length: 300 }, (_, day) => `EXDATE:${new Date(Date.UTC(2026, 0, 1 + 2 * day, 9)).toISOString().replace(/[-:]/g, "").slice(0, 15)}Z`).join("\r\n");
    const overrides = Array.from({ length: 200 }, (_, day) => `BEGIN:VEVENT\r\nUID:big@x\r\nRECURRENCE-ID:${new Date(Date.UTC(2026, 0, 2 + 2 * day, 9)).toISOString().replace(/[-:]/g, "").slice(0, 15)}Z\r\nDTSTART:${new Date(Date.UTC(2026, 0, 2 + 2 * day, 10)).toISOString().replace(/[-:]/g, "").slice(0, 15)}Z\r\nEND:VEVENT`).join("\r\n");
    exerciseEvent(`BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:big@x\r\nDTSTART:20260101T090000Z\r\nRRULE:FREQ=DAILY\r\n${exdates}\r\nEND:VEVENT\r\n${overrides}\r\nEND:VCALENDAR\r\n`);
    expect(contactFromVCard(many).dropped.length).toBeGreaterThan(4990);
    // Near the property bound (20 000 per component): reading a VTODO was quadratic in its
    // CATEGORIES (19 000 took 19 s); it is linear now.
    const categories = Array.from({ length: 19_000 }, (_, i) => `CATEGORIES:c${i}`).join("\r\n");
    expect(taskFromVTodo(`BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:t@x\r\n${categories}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n`).item.categories).toHaveLength(19_000);
  });
});
