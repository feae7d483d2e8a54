/**
 * Bounded work on any input: each bound of `MapperLimits` stops an item past it with a
 * `LIMIT_EXCEEDED` error naming the item's UID and the field, in both directions; the time budget
 * is measured with a clock the test controls, so nothing here depends on how fast the machine is.
 */
import type { CalendarItem, TimeZoneDefinition } from "@ewsdav/ews-client";
import { describe, expect, it } from "vitest";
import { contactFromVCard, eventFromVEvent, eventToVEvent, MapperError, taskFromVTodo, zoneFromDefinition, type MapperLimits } from "./index.js";
import { DEFAULT_MAPPER_LIMITS, withBudget } from "./limits.js";

/** Runs `run` and returns the MapperError it throws (failing when it throws nothing or something else). */
function mapperError(run: () => unknown): MapperError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MapperError);
    return error as MapperError;
  }
  throw new Error("expected a MapperError");
}

function expectLimit(run: () => unknown, property: string, uid: string | null, reason?: RegExp): void {
  const error = mapperError(run);
  expect({ code: error.code, property: error.property, uid: error.uid }).toEqual({ code: "LIMIT_EXCEEDED", property, uid });
  if (reason) expect(error.reason).toMatch(reason);
  expect(error.message).toContain(property);
  if (uid) expect(error.message).toContain(uid);
}

const calendar = (...lines: string[]): string => ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav tests//EN", ...lines, "END:VCALENDAR", ""].join("\r\n");
const event = (uid: string, ...lines: string[]): string[] => ["BEGIN:VEVENT", `UID:${uid}`, "DTSTAMP:20260101T000000Z", ...lines, "END:VEVENT"];

/** A clock that moves on by `step` ms every time it is read. */
function steppingClock(step: number): () => number {
  let now = 0;
  return () => (now += step);
}

describe("bounds on VEVENT → EWS", () => {
  const daily = (uid: string, ...extra: string[]): string =>
    calendar(...event(uid, "DTSTART;TZID=Europe/Berlin:20260105T090000", "DTEND;TZID=Europe/Berlin:20260105T100000", "RRULE:FREQ=DAILY", ...extra));

  it("an EXDATE beyond the occurrences a series is expanded to names the UID and EXDATE", () => {
    expectLimit(() => eventFromVEvent(daily("far@ewsdav.test", "EXDATE;TZID=Europe/Berlin:20260301T090000"), { limits: { maxOccurrences: 30 } }), "EXDATE", "far@ewsdav.test", /beyond the first 30 occurrences/);
    // Within the bound the same EXDATE is an ordinary deletion.
    expect(eventFromVEvent(daily("near@ewsdav.test", "EXDATE;TZID=Europe/Berlin:20260301T090000")).occurrenceOperations).toEqual([{ kind: "deleteOccurrence", originalStart: "2026-03-01T08:00:00Z", instanceIndex: 56 }]);
  });

  it("an override beyond the horizon year names the UID and RECURRENCE-ID", () => {
    const text = calendar(
      ...event("horizon@ewsdav.test", "DTSTART:20261231T090000Z", "RRULE:FREQ=YEARLY"),
      ...event("horizon@ewsdav.test", "RECURRENCE-ID:20301231T090000Z", "DTSTART:20301231T100000Z", "SUMMARY:moved"),
    );
    expectLimit(() => eventFromVEvent(text, { limits: { horizonYear: 2028 } }), "RECURRENCE-ID", "horizon@ewsdav.test", /up to the end of 2028/);
    expect(eventFromVEvent(text).occurrenceOperations).toMatchObject([{ kind: "modifyOccurrence", instanceIndex: 5 }]);
  });

  it("too many EXDATE values, overrides or attendees name the UID and the property", () => {
    const exdates = Array.from({ length: 11 }, (_, i) => `EXDATE:202601${String(10 + i).padStart(2, "0")}T080000Z`);
    expectLimit(() => eventFromVEvent(daily("exdates@ewsdav.test", ...exdates), { limits: { maxExdates: 10 } }), "EXDATE", "exdates@ewsdav.test", /11 EXDATE values, more than the 10/);
    const overrides = [1, 2, 3].flatMap((day) => event("overrides@ewsdav.test", `RECURRENCE-ID;TZID=Europe/Berlin:2026010${5 + day}T090000`, `DTSTART;TZID=Europe/Berlin:2026010${5 + day}T093000`));
    const withOverrides = calendar(...event("overrides@ewsdav.test", "DTSTART;TZID=Europe/Berlin:20260105T090000", "RRULE:FREQ=DAILY"), ...overrides);
    expectLimit(() => eventFromVEvent(withOverrides, { limits: { maxOverrides: 2 } }), "RECURRENCE-ID", "overrides@ewsdav.test");
    expect(eventFromVEvent(withOverrides).occurrenceOperations).toHaveLength(3);
    const attendees = Array.from({ length: 4 }, (_, i) => `ATTENDEE:mailto:a${i}@example.org`);
    expectLimit(() => eventFromVEvent(calendar(...event("crowd@ewsdav.test", "DTSTART:20260105T090000Z", ...attendees)), { limits: { maxAttendees: 3 } }), "ATTENDEE", "crowd@ewsdav.test");
  });

  it("too many content lines or properties name the UID, before anything is mapped", () => {
    const comments = Array.from({ length: 30 }, (_, i) => `COMMENT:line ${i}`);
    const text = calendar(...event("long@ewsdav.test", "DTSTART:20260105T090000Z", ...comments));
    expectLimit(() => eventFromVEvent(text, { limits: { maxLines: 20 } }), "content lines", "long@ewsdav.test", /content lines, more than the 20/);
    expectLimit(() => eventFromVEvent(text, { limits: { maxProperties: 10 } }), "VEVENT", "long@ewsdav.test", /properties in one component/);
    expectLimit(() => contactFromVCard(["BEGIN:VCARD", "VERSION:4.0", "UID:card@ewsdav.test", "FN:Many", ...comments.map((line) => line.replace("COMMENT", "NOTE")), "END:VCARD"].join("\r\n"), { limits: { maxProperties: 10 } }), "VCARD", "card@ewsdav.test");
    expectLimit(() => taskFromVTodo(calendar("BEGIN:VTODO", "UID:todo@ewsdav.test", ...comments, "END:VTODO"), { limits: { maxLines: 20 } }), "content lines", "todo@ewsdav.test");
  });

  it("a mapping past its time budget stops in the loop that expands, naming the UID and the field", () => {
    // A clock that jumps 10 s at every reading: the budget of 5 s is gone at the first reading.
    const limits: Partial<MapperLimits> = { clock: steppingClock(10_000) };
    expectLimit(() => eventFromVEvent(daily("slow@ewsdav.test", "EXDATE;TZID=Europe/Berlin:20300301T090000"), { limits }), "EXDATE", "slow@ewsdav.test", /time budget of 5000 ms/);
    // The same event with a clock that stands still maps.
    expect(eventFromVEvent(daily("slow@ewsdav.test", "EXDATE;TZID=Europe/Berlin:20300301T090000"), { limits: { clock: () => 0 } }).occurrenceOperations).toHaveLength(1);
  });

  it("a VTIMEZONE expanded past the time budget fails the item instead of reading it in another zone", () => {
    const zone = ["BEGIN:VTIMEZONE", "TZID:Old Zone", "BEGIN:STANDARD", "DTSTART:16011028T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD", "BEGIN:DAYLIGHT", "DTSTART:16010325T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT", "END:VTIMEZONE"];
    const text = calendar(...zone, ...event("zone@ewsdav.test", "DTSTART;TZID=Old Zone:20260105T090000"));
    expectLimit(() => eventFromVEvent(text, { limits: { clock: steppingClock(10_000) } }), "VTIMEZONE", "zone@ewsdav.test");
    expect(eventFromVEvent(text).item.start).toBe("2026-01-05T08:00:00Z");
  });
});

describe("bounds on EWS → VEVENT", () => {
  const master: CalendarItem = {
    uid: "ews-series@ewsdav.test",
    subject: "Series",
    start: "2026-01-05T08:00:00Z",
    end: "2026-01-05T09:00:00Z",
    startTimeZone: { id: "W. Europe Standard Time" },
    recurrence: { pattern: { kind: "DailyRecurrence", interval: 1 }, range: { kind: "NoEndRecurrence", startDate: "2026-01-05" } },
  };
  const day = (k: number): string => new Date(Date.parse("2026-01-05T08:00:00Z") + k * 86_400_000).toISOString().slice(0, 19) + "Z";

  it("too many deleted or modified occurrences, or attendees, name the UID and the EWS field", () => {
    const deleted = { ...master, deletedOccurrences: [1, 2, 3].map((k) => ({ start: day(k) })) };
    expectLimit(() => eventToVEvent(deleted, { limits: { maxExdates: 2 } }), "DeletedOccurrences", "ews-series@ewsdav.test");
    const modified = { ...master, modifiedOccurrences: [1, 2, 3].map((k) => ({ itemId: { id: `o${k}` }, start: day(k), end: day(k), originalStart: day(k) })) };
    expectLimit(() => eventToVEvent(modified, { limits: { maxOverrides: 2 } }), "ModifiedOccurrences", "ews-series@ewsdav.test");
    const crowd = { ...master, requiredAttendees: [1, 2, 3].map((k) => ({ mailbox: { emailAddress: `a${k}@example.org` } })) };
    expectLimit(() => eventToVEvent(crowd, { limits: { maxAttendees: 2 } }), "RequiredAttendees", "ews-series@ewsdav.test");
    // Within the bounds, all three map.
    expect(eventToVEvent({ ...deleted, ...modified, deletedOccurrences: deleted.deletedOccurrences.slice(0, 1), modifiedOccurrences: modified.modifiedOccurrences.slice(1) }).text).toContain("EXDATE");
  });

  it("a TimeZoneDefinition with more transitions than accepted names the field", () => {
    const definition: TimeZoneDefinition = {
      id: "Made Up Zone",
      name: "Made Up Zone",
      periods: [{ id: "Std", name: "Standard", bias: "-PT1H" }],
      transitions: { transitions: Array.from({ length: 1001 }, () => ({ kind: "Transition" as const, to: { kind: "Period" as const, value: "Std" } })) },
    } as TimeZoneDefinition;
    expectLimit(() => withBudget("tz@ewsdav.test", undefined, () => zoneFromDefinition(definition)), "TimeZoneDefinition", "tz@ewsdav.test");
  });

  it("has defaults wide enough for real calendars", () => {
    expect(DEFAULT_MAPPER_LIMITS).toMatchObject({ maxOccurrences: 10_000, horizonYear: 2200, timeBudgetMs: 5_000 });
  });
});
