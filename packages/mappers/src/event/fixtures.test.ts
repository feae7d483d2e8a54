/**
 * Regression fixtures written for ewsdav: the classic ways calendar sync breaks, and VEVENTs in the
 * shapes Outlook, Google, Apple and Thunderbird write.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzRuns } from "../fuzz.test-support.js";
import type { CalendarItem, TimeZoneDefinition } from "@ewsdav/ews-client";
import { MapperError } from "../result.js";
import { unfoldLines } from "../vobject/codec.js";
import { eventFromVEvent, eventToVEvent, normalizeVEvent, veventHash } from "./index.js";
import { APPLE_EVENT, GOOGLE_EVENT, OUTLOOK_EVENT, THUNDERBIRD_EVENT } from "./client-fixtures.test-support.js";

const calendar = (...lines: string[]): string => ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav tests//EN", ...lines, "END:VCALENDAR", ""].join("\r\n");
/** Unfolded content lines of the VEVENTs (VTIMEZONE blocks left out). */
const eventLines = (text: string): string[] => {
  const lines = text.replace(/\r\n[ \t]/g, "").split("\r\n");
  return lines.slice(lines.indexOf("BEGIN:VEVENT"));
};
/** The first VEVENT line starting with `prefix`. */
const lineOf = (text: string, prefix: string): string | undefined => eventLines(text).find((line) => line.startsWith(prefix));
/** True when a VEVENT holds exactly this (unfolded) line. */
const hasLine = (text: string, line: string): boolean => eventLines(text).includes(line);

const WEEKLY_BERLIN = calendar(
  "BEGIN:VEVENT",
  "UID:weekly-berlin@ewsdav.test",
  "DTSTAMP:20260101T000000Z",
  "DTSTART;TZID=Europe/Berlin:20260302T090000",
  "DTEND;TZID=Europe/Berlin:20260302T100000",
  "RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260601T070000Z",
  "EXDATE;TZID=Europe/Berlin:20260316T090000",
  "SUMMARY:Team meeting",
  "END:VEVENT",
  "BEGIN:VEVENT",
  "UID:weekly-berlin@ewsdav.test",
  "DTSTAMP:20260101T000000Z",
  "RECURRENCE-ID;TZID=Europe/Berlin:20260406T090000",
  "DTSTART;TZID=Europe/Berlin:20260406T113000",
  "DTEND;TZID=Europe/Berlin:20260406T123000",
  "SUMMARY:Team meeting (moved)",
  "END:VEVENT",
);

describe("a weekly series across the DST change (Europe/Berlin)", () => {
  const result = eventFromVEvent(WEEKLY_BERLIN, { timeZone: "Europe/Berlin" });

  it("sends the start in UTC with the Windows zone, so Exchange expands it at 09:00 local", () => {
    expect(result.item.start).toBe("2026-03-02T08:00:00Z");
    expect(result.item.startTimeZone).toEqual({ id: "W. Europe Standard Time" });
    expect(result.item.recurrence?.pattern).toEqual({ kind: "WeeklyRecurrence", interval: 1, daysOfWeek: ["Monday"], firstDayOfWeek: "Monday" });
  });

  it("converts UNTIL at the last occurrence to that occurrence's date", () => {
    expect(result.item.recurrence?.range).toEqual({ kind: "EndDateRecurrence", startDate: "2026-03-02", endDate: "2026-06-01" });
    // One second earlier excludes 1 June: the range ends the day before (no Monday lies between 25 and 31 May).
    const oneSecondEarlier = eventFromVEvent(WEEKLY_BERLIN.replace("UNTIL=20260601T070000Z", "UNTIL=20260601T065959Z"));
    expect(oneSecondEarlier.item.recurrence?.range).toMatchObject({ endDate: "2026-05-31" });
  });

  it("deletes the EXDATE occurrence and moves the overridden one, addressed after the clocks changed", () => {
    expect(result.occurrenceOperations).toEqual([
      { kind: "deleteOccurrence", originalStart: "2026-03-16T08:00:00Z", instanceIndex: 3 },
      {
        kind: "modifyOccurrence",
        // 09:00 CEST is 07:00 UTC: the occurrence after the change keeps its local time.
        originalStart: "2026-04-06T07:00:00Z",
        instanceIndex: 6,
        changes: { start: "2026-04-06T09:30:00Z", end: "2026-04-06T10:30:00Z", subject: "Team meeting (moved)" },
      },
    ]);
    expect(result.sendMeetingInvitations).toBe("SendToNone");
  });

  it("writes the series back from EWS with the same local times, EXDATE and override (a series edited on EWS)", () => {
    const master: CalendarItem = {
      ...result.item,
      // Edited on Exchange in winter: one hour later for the whole series.
      start: "2026-03-02T09:00:00Z",
      end: "2026-03-02T10:00:00Z",
      deletedOccurrences: [{ start: "2026-03-16T09:00:00Z" }],
      modifiedOccurrences: [{ itemId: { id: "occ" }, start: "2026-04-06T09:30:00Z", end: "2026-04-06T10:30:00Z", originalStart: "2026-04-06T08:00:00Z" }],
    };
    const exception: CalendarItem = { ...result.item, subject: "Team meeting (moved)", start: "2026-04-06T09:30:00Z", end: "2026-04-06T10:30:00Z", originalStart: "2026-04-06T08:00:00Z" };
    delete exception.recurrence;
    const { text } = eventToVEvent(master, { base: WEEKLY_BERLIN, exceptions: [exception], timeZone: "Europe/Berlin" });
    expect(lineOf(text, "DTSTART;TZID=Europe/Berlin:2026030")).toBe("DTSTART;TZID=Europe/Berlin:20260302T100000");
    expect(lineOf(text, "EXDATE")).toBe("EXDATE;TZID=Europe/Berlin:20260316T100000");
    expect(lineOf(text, "RECURRENCE-ID")).toBe("RECURRENCE-ID;TZID=Europe/Berlin:20260406T100000");
    expect(lineOf(text, "RRULE")).toBe("RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=MO;UNTIL=20260601T080000Z");
    expect(text).toContain("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin");
  });

  it("keeps an override moved past the next occurrence on the DAV side (EWS refuses it) and says so", () => {
    const crossing = WEEKLY_BERLIN.replace("DTSTART;TZID=Europe/Berlin:20260406T113000", "DTSTART;TZID=Europe/Berlin:20260414T113000").replace("DTEND;TZID=Europe/Berlin:20260406T123000", "DTEND;TZID=Europe/Berlin:20260414T123000");
    const moved = eventFromVEvent(crossing);
    expect(moved.occurrenceOperations.map((op) => op.kind)).toEqual(["deleteOccurrence"]);
    expect(moved.dropped).toContainEqual(expect.objectContaining({ property: "RECURRENCE-ID", value: "2026-04-06T07:00:00Z" }));
    // Written back from EWS (which has no such exception), the DAV side keeps its override.
    const master: CalendarItem = { ...moved.item, deletedOccurrences: [{ start: "2026-03-16T08:00:00Z" }] };
    const back = eventToVEvent(master, { base: crossing }).text;
    expect(hasLine(back, "RECURRENCE-ID;TZID=Europe/Berlin:20260406T090000")).toBe(true);
    expect(hasLine(back, "DTSTART;TZID=Europe/Berlin:20260414T113000")).toBe(true);
    // An override whose RECURRENCE-ID is not on the pattern (a Tuesday) is DAV-only too.
    const offPattern = WEEKLY_BERLIN.replace("RECURRENCE-ID;TZID=Europe/Berlin:20260406T090000", "RECURRENCE-ID;TZID=Europe/Berlin:20260407T090000");
    const off = eventFromVEvent(offPattern);
    expect(off.occurrenceOperations.map((op) => op.kind)).toEqual(["deleteOccurrence"]);
    expect(hasLine(eventToVEvent(master, { base: offPattern }).text, "RECURRENCE-ID;TZID=Europe/Berlin:20260407T090000")).toBe(true);
    // Within its own week (to Friday) it is fine.
    const friday = WEEKLY_BERLIN.replace("DTSTART;TZID=Europe/Berlin:20260406T113000", "DTSTART;TZID=Europe/Berlin:20260410T113000").replace("DTEND;TZID=Europe/Berlin:20260406T123000", "DTEND;TZID=Europe/Berlin:20260410T123000");
    expect(eventFromVEvent(friday).occurrenceOperations.map((op) => op.kind)).toEqual(["deleteOccurrence", "modifyOccurrence"]);
  });

  it("reports an EXDATE that names no occurrence, deletes nothing for it, and keeps it on the DAV side", () => {
    // 17 March is a Tuesday; a DATE EXDATE in a timed series names the occurrence on that day.
    const offPattern = WEEKLY_BERLIN.replace("EXDATE;TZID=Europe/Berlin:20260316T090000", "EXDATE;TZID=Europe/Berlin:20260316T090000,20260317T090000\r\nEXDATE;VALUE=DATE:20260323");
    const mapped = eventFromVEvent(offPattern);
    expect(mapped.occurrenceOperations.filter((op) => op.kind === "deleteOccurrence").map((op) => [op.originalStart, op.instanceIndex])).toEqual([["2026-03-16T08:00:00Z", 3], ["2026-03-23T08:00:00Z", 4]]);
    expect(mapped.dropped).toEqual([expect.objectContaining({ property: "EXDATE", value: "2026-03-17T08:00:00Z" })]);
    // EWS lists only the occurrences it deleted: written back, the object is unchanged.
    const master: CalendarItem = { ...mapped.item, deletedOccurrences: [{ start: "2026-03-16T08:00:00Z" }, { start: "2026-03-23T08:00:00Z" }], modifiedOccurrences: [{ itemId: { id: "occ" }, start: "2026-04-06T09:30:00Z", end: "2026-04-06T10:30:00Z", originalStart: "2026-04-06T07:00:00Z" }] };
    const exception: CalendarItem = { ...mapped.item, subject: "Team meeting (moved)", start: "2026-04-06T09:30:00Z", end: "2026-04-06T10:30:00Z", originalStart: "2026-04-06T07:00:00Z" };
    delete exception.recurrence;
    expect(veventHash(eventToVEvent(master, { base: offPattern, exceptions: [exception] }).text)).toBe(veventHash(offPattern));
    // A deletion made on EWS rewrites EXDATE and still keeps the off-pattern value.
    const more = eventToVEvent({ ...master, deletedOccurrences: [...master.deletedOccurrences!, { start: "2026-03-30T07:00:00Z" }] }, { base: offPattern, exceptions: [exception] }).text;
    expect(lineOf(more, "EXDATE")).toBe("EXDATE;TZID=Europe/Berlin:20260316T090000,20260317T090000,20260323T090000,20260330T090000");
  });

  it("does not delete again what EWS already deleted, and resets an exception the DAV side dropped", () => {
    const current: CalendarItem = {
      ...result.item,
      deletedOccurrences: [{ start: "2026-03-16T08:00:00Z" }],
      modifiedOccurrences: [{ itemId: { id: "old" }, start: "2026-05-04T12:00:00Z", end: "2026-05-04T13:00:00Z", originalStart: "2026-05-04T07:00:00Z" }],
    };
    const again = eventFromVEvent(WEEKLY_BERLIN, { current });
    expect(again.occurrenceOperations.map((op) => [op.kind, op.originalStart])).toEqual([
      ["modifyOccurrence", "2026-04-06T07:00:00Z"],
      ["modifyOccurrence", "2026-05-04T07:00:00Z"],
    ]);
    expect(again.occurrenceOperations[1]).toMatchObject({ instanceIndex: 10, changes: { start: "2026-05-04T07:00:00Z", end: "2026-05-04T08:00:00Z", subject: "Team meeting" } });
  });

  it("leaves the object untouched when EWS holds what the DAV side already has (no echo rewrite)", () => {
    const master: CalendarItem = { ...result.item, deletedOccurrences: [{ start: "2026-03-16T08:00:00Z" }], modifiedOccurrences: [{ itemId: { id: "occ" }, start: "2026-04-06T09:30:00Z", end: "2026-04-06T10:30:00Z", originalStart: "2026-04-06T07:00:00Z" }] };
    const exception: CalendarItem = { ...result.item, subject: "Team meeting (moved)", start: "2026-04-06T09:30:00Z", end: "2026-04-06T10:30:00Z", originalStart: "2026-04-06T07:00:00Z", reminderIsSet: false };
    delete exception.recurrence;
    const { text } = eventToVEvent(master, { base: WEEKLY_BERLIN, exceptions: [exception] });
    expect(veventHash(text)).toBe(veventHash(WEEKLY_BERLIN));
  });
});

describe("all-day events", () => {
  const SPANNING_DST = calendar("BEGIN:VEVENT", "UID:allday@ewsdav.test", "DTSTAMP:20260101T000000Z", "DTSTART;VALUE=DATE:20260328", "DTEND;VALUE=DATE:20260331", "SUMMARY:Trip", "END:VEVENT");

  it("maps a three-day event over the spring change to midnights in the mailbox zone", () => {
    const { item } = eventFromVEvent(SPANNING_DST, { timeZone: "Europe/Berlin" });
    expect(item).toMatchObject({ isAllDayEvent: true, start: "2026-03-27T23:00:00Z", end: "2026-03-30T22:00:00Z", startTimeZone: { id: "W. Europe Standard Time" } });
    const { text } = eventToVEvent(item, { timeZone: "Europe/Berlin" });
    expect(lineOf(text, "DTSTART")).toBe("DTSTART;VALUE=DATE:20260328");
    expect(lineOf(text, "DTEND")).toBe("DTEND;VALUE=DATE:20260331");
  });

  it("gives a one-day event without DTEND one day", () => {
    const { item } = eventFromVEvent(calendar("BEGIN:VEVENT", "UID:d@x", "DTSTART;VALUE=DATE:20261024", "END:VEVENT"), { timeZone: "America/New_York" });
    expect(item).toMatchObject({ start: "2026-10-24T04:00:00Z", end: "2026-10-25T04:00:00Z" });
  });
});

describe("time forms", () => {
  it("keeps UTC times in UTC and floating times floating", () => {
    const utc = calendar("BEGIN:VEVENT", "UID:u@x", "DTSTART:20260510T120000Z", "DTEND:20260510T130000Z", "END:VEVENT");
    const fromUtc = eventFromVEvent(utc);
    expect(fromUtc.item.startTimeZone).toEqual({ id: "UTC" });
    expect(lineOf(eventToVEvent(fromUtc.item).text, "DTSTART")).toBe("DTSTART:20260510T120000Z");
    const floating = calendar("BEGIN:VEVENT", "UID:f@x", "DTSTART:20260510T120000", "DTEND:20260510T130000", "END:VEVENT");
    const fromFloating = eventFromVEvent(floating, { timeZone: "Asia/Tokyo" });
    expect(fromFloating.item.start).toBe("2026-05-10T03:00:00Z");
    expect(lineOf(eventToVEvent(fromFloating.item, { base: floating, timeZone: "Asia/Tokyo" }).text, "DTSTART")).toBe("DTSTART:20260510T120000");
  });

  it("carries an event in a custom Exchange zone exactly, with its VTIMEZONE", () => {
    const custom: TimeZoneDefinition = {
      id: "Customized Time Zone",
      name: "Customized Time Zone",
      periods: [
        { bias: "-PT5H30M", name: "Standard", id: "Std" },
        { bias: "-PT6H30M", name: "Daylight", id: "Dlt" },
      ],
      transitionsGroups: [{ id: "0", transitions: [
        { kind: "RecurringDayTransition", to: { kind: "Period", value: "Dlt" }, timeOffset: "PT2H", month: 4, dayOfWeek: "Sunday", occurrence: 1 },
        { kind: "RecurringDayTransition", to: { kind: "Period", value: "Std" }, timeOffset: "PT3H", month: 10, dayOfWeek: "Sunday", occurrence: -1 },
      ] }],
      transitions: { transitions: [{ kind: "Transition", to: { kind: "Group", value: "0" } }] },
    };
    const item: CalendarItem = { uid: "custom@x", subject: "Custom", start: "2026-07-01T03:30:00Z", end: "2026-07-01T04:30:00Z", startTimeZone: custom, endTimeZone: custom, isAllDayEvent: false };
    const { text } = eventToVEvent(item);
    // 03:30 UTC + 6:30 (daylight) = 10:00 local.
    expect(lineOf(text, "DTSTART")).toBe("DTSTART;TZID=Customized Time Zone:20260701T100000");
    expect(text).toContain("TZID:Customized Time Zone");
    expect(text).toContain("RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU");
    const back = eventFromVEvent(text);
    expect(back.item.start).toBe("2026-07-01T03:30:00Z");
    expect(back.item.startTimeZone?.id).toBe("Customized Time Zone");
    expect(back.item.startTimeZone?.periods?.map((period) => period.bias).sort()).toEqual(["-PT5H30M", "-PT6H30M"]);
  });

  it("fills MeetingTimeZone for Exchange 2007 SP1", () => {
    const { item } = eventFromVEvent(WEEKLY_BERLIN, { timeZoneSchema: "Exchange2007_SP1" });
    expect(item.startTimeZone).toBeUndefined();
    expect(item.meetingTimeZone).toMatchObject({ timeZoneName: "W. Europe Standard Time", baseOffset: "-PT1H" });
    const { text } = eventToVEvent(item);
    expect(lineOf(text, "DTSTART")).toBe("DTSTART;TZID=Europe/Berlin:20260302T090000");
  });
});

describe("recurrence limits", () => {
  it("reports a rule EWS cannot say, sends a single event, and keeps the rule on the DAV side", () => {
    const text = calendar("BEGIN:VEVENT", "UID:r@x", "DTSTART;TZID=Europe/Paris:20260101T080000", "DTEND;TZID=Europe/Paris:20260101T090000", "RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15", "RDATE;TZID=Europe/Paris:20260704T080000", "COLOR:teal", "END:VEVENT");
    const result = eventFromVEvent(text);
    expect(result.item.recurrence).toBeUndefined();
    expect(result.dropped.map((d) => d.property)).toEqual(expect.arrayContaining(["RRULE", "RDATE", "COLOR"]));
    const back = eventToVEvent({ ...result.item, subject: "changed on EWS" }, { base: text }).text;
    expect(lineOf(back, "RRULE")).toBe("RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15");
    expect(lineOf(back, "RDATE")).toBe("RDATE;TZID=Europe/Paris:20260704T080000");
    expect(lineOf(back, "COLOR")).toBe("COLOR:teal");
    expect(lineOf(back, "SUMMARY")).toBe("SUMMARY:changed on EWS");
  });

  it("maps BYMONTHDAY=-1 to EWS's day 31 and EWS's day 30 back to its exact RRULE", () => {
    const last = eventFromVEvent(calendar("BEGIN:VEVENT", "UID:m@x", "DTSTART:20260131T100000Z", "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=12", "END:VEVENT"));
    expect(last.item.recurrence).toEqual({ pattern: { kind: "AbsoluteMonthlyRecurrence", interval: 1, dayOfMonth: 31 }, range: { kind: "NumberedRecurrence", startDate: "2026-01-31", numberOfOccurrences: 12 } });
    const day30: CalendarItem = { uid: "m30@x", start: "2026-01-30T10:00:00Z", end: "2026-01-30T11:00:00Z", startTimeZone: { id: "UTC" }, recurrence: { pattern: { kind: "AbsoluteMonthlyRecurrence", interval: 1, dayOfMonth: 30 }, range: { kind: "NoEndRecurrence", startDate: "2026-01-30" } } };
    expect(lineOf(eventToVEvent(day30).text, "RRULE")).toBe("RRULE:FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1");
    const biennial = eventFromVEvent(calendar("BEGIN:VEVENT", "UID:y@x", "DTSTART;VALUE=DATE:20260315", "RRULE:FREQ=YEARLY;INTERVAL=2", "END:VEVENT"));
    expect(biennial.item.recurrence?.pattern).toEqual({ kind: "AbsoluteMonthlyRecurrence", interval: 24, dayOfMonth: 15 });
    const weekdays = eventFromVEvent(calendar("BEGIN:VEVENT", "UID:w@x", "DTSTART:20260105T100000Z", "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "END:VEVENT"));
    expect(weekdays.item.recurrence?.pattern).toEqual({ kind: "RelativeMonthlyRecurrence", interval: 1, daysOfWeek: "Weekday", dayOfWeekIndex: "Last" });
  });
});

describe("attendees and organizer", () => {
  const MEETING = calendar(
    "BEGIN:VEVENT",
    "UID:meeting@x",
    "DTSTART:20260601T100000Z",
    "DTEND:20260601T110000Z",
    "ORGANIZER;CN=Olga Organizer:mailto:olga@example.org",
    "ATTENDEE;CN=Olga Organizer;PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:olga@example.org",
    "ATTENDEE;CN=Anna;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:anna@example.org",
    "ATTENDEE;PARTSTAT=DECLINED;ROLE=OPT-PARTICIPANT:mailto:bert@example.org",
    "ATTENDEE;CUTYPE=ROOM;CN=Room 1:mailto:room1@example.org",
    "END:VEVENT",
  );

  it("maps roles, responses and resources both ways", () => {
    const { item } = eventFromVEvent(MEETING);
    expect(item.organizer).toEqual({ emailAddress: "olga@example.org", name: "Olga Organizer" });
    expect(item.requiredAttendees?.map((a) => [a.mailbox.emailAddress, a.responseType])).toEqual([["olga@example.org", "Organizer"], ["anna@example.org", "Accept"]]);
    expect(item.optionalAttendees?.map((a) => [a.mailbox.emailAddress, a.responseType])).toEqual([["bert@example.org", "Decline"]]);
    expect(item.resources?.map((a) => a.mailbox.emailAddress)).toEqual(["room1@example.org"]);
    const fresh = eventToVEvent(item).text;
    expect(lineOf(fresh, "ORGANIZER")).toBe("ORGANIZER;CN=Olga Organizer:mailto:olga@example.org");
    expect(hasLine(fresh, "ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=DECLINED:mailto:bert@example.org")).toBe(true);
    expect(hasLine(fresh, "ATTENDEE;CN=Room 1;CUTYPE=RESOURCE;PARTSTAT=NEEDS-ACTION:mailto:room1@example.org")).toBe(true);
  });

  it("never resets a response the DAV side has to NEEDS-ACTION when EWS does not know it", () => {
    const { item } = eventFromVEvent(MEETING);
    const unknown: CalendarItem = { ...item, requiredAttendees: item.requiredAttendees!.map((a) => ({ ...a, responseType: "NoResponseReceived" })) };
    const text = eventToVEvent(unknown, { base: MEETING }).text;
    expect(hasLine(text, "ATTENDEE;CN=Anna;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:anna@example.org")).toBe(true);
  });

  it("keeps the responses EWS knows when the DAV side only says NEEDS-ACTION", () => {
    const current: CalendarItem = { requiredAttendees: [{ mailbox: { emailAddress: "anna@example.org" }, responseType: "Accept" }] };
    const { item } = eventFromVEvent(MEETING.replace("PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;RSVP", "PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP"), { current });
    expect(item.requiredAttendees?.[1]?.responseType).toBe("Accept");
  });
});

// The client-shaped texts live in client-fixtures.ts (shared with the fuzzer and the generic
// fixture tests); these are the assertions particular to each.
describe("attachments", () => {
  const WITH_FILES = calendar(
    "BEGIN:VEVENT", "UID:att@x", "DTSTAMP:20260101T000000Z", "DTSTART:20260105T090000Z", "DTEND:20260105T100000Z", "SUMMARY:With files",
    "ATTACH;FMTTYPE=text/plain;ENCODING=BASE64;VALUE=BINARY;X-APPLE-FILENAME=notes.txt:SGVsbG8gd29ybGQ=",
    "ATTACH;FMTTYPE=application/pdf:https://files.example.org/agenda.pdf",
    "END:VEVENT",
  );

  it("maps inline ATTACH to file attachments and reports a URI, which stays on the DAV side", () => {
    const { item, dropped } = eventFromVEvent(WITH_FILES);
    expect(item.attachments).toEqual([{ kind: "file", name: "notes.txt", contentType: "text/plain", content: "SGVsbG8gd29ybGQ=" }]);
    expect(dropped).toEqual([expect.objectContaining({ property: "ATTACH", value: "https://files.example.org/agenda.pdf" })]);
    expect(unfoldLines(eventToVEvent(item, { base: WITH_FILES }).text)).toEqual(unfoldLines(WITH_FILES));
  });

  it("adds and removes files EWS changed, keeping the others as the client spelled them", () => {
    const { item } = eventFromVEvent(WITH_FILES);
    const added = eventToVEvent({ ...item, attachments: [...item.attachments!, { kind: "file", name: "b.bin", contentType: "application/octet-stream", content: "AAEC" }] }, { base: WITH_FILES }).text;
    expect(eventLines(added).filter((line) => line.startsWith("ATTACH"))).toEqual([
      "ATTACH;FMTTYPE=text/plain;ENCODING=BASE64;VALUE=BINARY;X-APPLE-FILENAME=notes.txt:SGVsbG8gd29ybGQ=",
      "ATTACH;FMTTYPE=application/pdf:https://files.example.org/agenda.pdf",
      "ATTACH;ENCODING=BASE64;FMTTYPE=application/octet-stream;X-FILENAME=b.bin;VALUE=BINARY:AAEC",
    ]);
    expect(eventFromVEvent(added).item.attachments?.map((file) => file.name)).toEqual(["notes.txt", "b.bin"]);
    const removed = eventToVEvent({ ...item, attachments: [] }, { base: WITH_FILES }).text;
    expect(eventLines(removed).filter((line) => line.startsWith("ATTACH"))).toEqual(["ATTACH;FMTTYPE=application/pdf:https://files.example.org/agenda.pdf"]);
  });

  it("keeps the DAV side's files when EWS's content was not fetched, and says so", () => {
    const { item } = eventFromVEvent(WITH_FILES);
    const { text, dropped } = eventToVEvent({ ...item, subject: "renamed", attachments: [{ kind: "file", name: "notes.txt", attachmentId: { id: "a1" } }] }, { base: WITH_FILES });
    expect(eventLines(text).filter((line) => line.startsWith("ATTACH"))).toHaveLength(2);
    expect(dropped).toEqual([expect.objectContaining({ property: "Attachments" })]);
  });
});

describe("client-shaped VEVENTs", () => {
  // What an Outlook export maps to (and drops) is checked with every client fixture in
  // client-fixtures.test.ts; here, how it is written back, and a series made from it.
  it("writes an Outlook export (Windows TZID, busy status, HTML body) back unchanged", () => {
    const outlook = OUTLOOK_EVENT;
    const { item } = eventFromVEvent(outlook);
    const back = eventToVEvent(item, { base: outlook }).text;
    // Unchanged properties are written back as Outlook spelled them (the quoted TZID too).
    expect(lineOf(back, "DTSTART")).toBe('DTSTART;TZID="W. Europe Standard Time":20260415T140000');
    expect(back).toContain("TZID:W. Europe Standard Time\r\nBEGIN:STANDARD\r\nDTSTART:16011028T030000");
    expect(normalizeVEvent(back)).toBe(normalizeVEvent(outlook));
    // A series made on EWS from it: the new override speaks the series' TZID, and only that VTIMEZONE is written.
    const series: CalendarItem = {
      ...item,
      recurrence: { pattern: { kind: "WeeklyRecurrence", interval: 1, daysOfWeek: ["Wednesday"], firstDayOfWeek: "Monday" }, range: { kind: "NumberedRecurrence", startDate: "2026-04-15", numberOfOccurrences: 5 } },
      modifiedOccurrences: [{ itemId: { id: "o" }, start: "2026-04-22T13:00:00Z", end: "2026-04-22T14:00:00Z", originalStart: "2026-04-22T12:00:00Z" }],
    };
    const withOverride = eventToVEvent(series, { base: outlook }).text;
    expect(hasLine(withOverride, "RECURRENCE-ID;TZID=W. Europe Standard Time:20260422T140000")).toBe(true);
    expect(hasLine(withOverride, "DTSTART;TZID=W. Europe Standard Time:20260422T150000")).toBe(true);
    expect(withOverride.match(/BEGIN:VTIMEZONE/g)).toHaveLength(1);
  });

  it("reads a Google Calendar event (IANA zone, RSVP guests, weekly on two days)", () => {
    const google = GOOGLE_EVENT;
    const { item, dropped } = eventFromVEvent(google);
    expect(item.start).toBe("2026-11-03T14:30:00Z");
    expect(item.startTimeZone).toEqual({ id: "Eastern Standard Time" });
    expect(item.recurrence).toEqual({ pattern: { kind: "WeeklyRecurrence", interval: 1, daysOfWeek: ["Tuesday", "Thursday"], firstDayOfWeek: "Sunday" }, range: { kind: "NumberedRecurrence", startDate: "2026-11-03", numberOfOccurrences: 10 } });
    expect(item.reminderMinutesBeforeStart).toBe(10);
    expect(item.requiredAttendees?.map((a) => a.responseType)).toEqual(["Organizer", "NoResponseReceived"]);
    expect(dropped.map((d) => d.property)).toContain("STATUS");
    const back = eventToVEvent(item, { base: google }).text;
    expect(normalizeVEvent(back)).toBe(normalizeVEvent(google));
  });

  it("reads an Apple Calendar event (absolute alarm, Apple X- properties kept)", () => {
    const apple = APPLE_EVENT;
    const { item, dropped } = eventFromVEvent(apple);
    expect(item.location).toBe("Tonhalle\nClaridenstrasse 7, Zürich");
    expect(item.start).toBe("2026-10-15T16:00:00Z");
    expect(item.reminderMinutesBeforeStart).toBe(60);
    expect(dropped.map((d) => d.property)).toEqual(expect.arrayContaining(["X-APPLE-TRAVEL-ADVISORY-BEHAVIOR", "X-APPLE-STRUCTURED-LOCATION"]));
    const back = eventToVEvent(item, { base: apple }).text;
    expect(back).toContain("TRIGGER;VALUE=DATE-TIME:20261015T150000Z");
    expect(normalizeVEvent(back)).toBe(normalizeVEvent(apple));
    const remindEarlier = eventToVEvent({ ...item, reminderMinutesBeforeStart: 30 }, { base: apple }).text;
    expect(remindEarlier).toContain("TRIGGER:-PT30M");
    expect(remindEarlier).toContain("X-WR-ALARMUID:0C7E2C8B-5A43-4F6D-8B1E-6A2B9D3E4F51");
  });

  it("reads a Thunderbird event (Mozilla TZID prefix, CLASS, categories, second alarm kept)", () => {
    const thunderbird = THUNDERBIRD_EVENT;
    const { item, dropped } = eventFromVEvent(thunderbird);
    expect(item).toMatchObject({ start: "2026-02-12T07:30:00Z", startTimeZone: { id: "W. Europe Standard Time" }, sensitivity: "Confidential", categories: ["Persönlich", "Gesundheit"], reminderMinutesBeforeStart: 60 });
    expect(dropped.map((d) => d.property)).toEqual(expect.arrayContaining(["VALARM", "X-MOZ-GENERATION"]));
    const back = eventToVEvent({ ...item, subject: "Zahnarzt (verschoben)" }, { base: thunderbird }).text;
    expect(hasLine(back, "TRIGGER;VALUE=DURATION:-P1D")).toBe(true);
    expect(back).toContain("TZID:/mozilla.org/20050126_1/Europe/Berlin\r\n");
    expect(lineOf(back, "DTSTART")).toBe("DTSTART;TZID=/mozilla.org/20050126_1/Europe/Berlin:20260212T083000");
    expect(back).toContain("X-MOZ-GENERATION:2");
  });
});

describe("bad input", () => {
  it("names the missing component and the unreadable start", () => {
    expect(() => eventFromVEvent(calendar("BEGIN:VTODO", "UID:t@x", "END:VTODO"))).toThrow(MapperError);
    try {
      eventFromVEvent(calendar("BEGIN:VEVENT", "UID:bad@x", "DTSTART:not-a-date", "END:VEVENT"));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MapperError);
      expect((error as MapperError).property).toBe("DTSTART");
      expect((error as MapperError).uid).toBe("bad@x");
    }
  });
});

describe("malformed and mutated input", () => {
  const samples = [WEEKLY_BERLIN, calendar("BEGIN:VEVENT", "UID:x@y", "DTSTART;TZID=Nowhere/Special:20260101T100000", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "END:VEVENT")];
  it("returns a result or a MapperError, never anything else", () => {
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.string({ maxLength: 12 })), { maxLength: 6 }), (sample, edits) => {
        let text = sample;
        for (const [at, remove, insert] of edits) {
          const position = at % (text.length + 1);
          text = text.slice(0, position) + insert + text.slice(position + remove);
        }
        try {
          const { item } = eventFromVEvent(text, { timeZone: "Europe/Berlin" });
          eventToVEvent({ ...item, uid: item.uid ?? "fallback@x" }, { base: text });
        } catch (error) {
          expect(error).toBeInstanceOf(MapperError);
        }
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  it("refuses an unknown mailbox zone with a typed error naming the option", () => {
    expect(() => eventFromVEvent(WEEKLY_BERLIN, { timeZone: "Mars/Olympus_Mons" })).toThrow(MapperError);
    expect(() => eventToVEvent({ uid: "x@y", start: "2026-01-01T00:00:00Z" }, { timeZone: "Not/A_Zone" })).toThrow(/timeZone/);
  });

  it("reads an unknown TZID without VTIMEZONE in the mailbox zone and says so", () => {
    const { item, dropped } = eventFromVEvent(samples[1]!, { timeZone: "Europe/Berlin" });
    expect(item.start).toBe("2026-01-01T09:00:00Z");
    expect(dropped.map((d) => d.property)).toEqual(expect.arrayContaining(["DTSTART", "RRULE"]));
  });

  it("treats an EWS text body with CRLF line ends as the DESCRIPTION it came from", () => {
    const base = calendar("BEGIN:VEVENT", "UID:crlf@x", "DTSTART:20260101T090000Z", "DTEND:20260101T100000Z", "DESCRIPTION;LANGUAGE=de:line one\\nline two", "END:VEVENT");
    const { item } = eventFromVEvent(base);
    const fromExchange: CalendarItem = { ...item, body: { bodyType: "Text", value: "line one\r\nline two" } };
    // Unchanged, so the base's property (with its LANGUAGE) stays as it is.
    expect(hasLine(eventToVEvent(fromExchange, { base }).text, "DESCRIPTION;LANGUAGE=de:line one\\nline two")).toBe(true);
  });

  it("derives DESCRIPTION from an Outlook HTML body without its style block", () => {
    const item: CalendarItem = { uid: "h@x", start: "2026-01-01T09:00:00Z", end: "2026-01-01T10:00:00Z", body: { bodyType: "HTML", value: "<html><head><style>p{color:red}</style></head><body><p>Hello &amp; welcome</p></body></html>" } };
    expect(lineOf(eventToVEvent(item).text, "DESCRIPTION")).toBe("DESCRIPTION:Hello & welcome");
  });
});
