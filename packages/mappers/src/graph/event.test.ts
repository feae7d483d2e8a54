import { describe, expect, it } from "vitest";
import type { GraphEvent, GraphEventInput } from "@ewsdav/graph-client";
import { eventFromVEvent, normalizeVEvent, unfoldLines, veventHash } from "../index.js";
import { EVENT_FIXTURES } from "../event/client-fixtures.test-support.js";
import { graphEventFromICalendar, graphEventToICalendar } from "./index.js";
import { csdlProblems, storedSeries } from "./graph.test-support.js";

/** What only Graph drops beyond the EWS mapper's own reports. */
const GRAPH_DROPS = new Set(["ATTENDEE;PARTSTAT", "DTSTART;TZID", "DTEND;TZID"]);
const NOW = new Date("2026-01-01T00:00:00Z");
const cal = (...lines: string[]) => ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav tests//EN", ...lines, "END:VCALENDAR", ""].join("\r\n");
const event = (...lines: string[]) => cal("BEGIN:VEVENT", "UID:graph-event@ewsdav.test", "DTSTAMP:20260101T000000Z", "SUMMARY:Review", ...lines, "END:VEVENT");

function checkBodies(written: ReturnType<typeof graphEventFromICalendar>): void {
  expect(csdlProblems("event", written.master)).toEqual([]);
  for (const exception of written.exceptions) expect(csdlProblems("event", exception.event)).toEqual([]);
}

/** A Graph body with attendee names equal to their address left out (Graph names an unnamed attendee by its address). */
const unnamed = (input: GraphEventInput): GraphEventInput => ({
  ...input,
  ...(input.attendees ? { attendees: input.attendees.map((a) => (a.emailAddress?.name === a.emailAddress?.address ? { ...a, emailAddress: { address: a.emailAddress?.address ?? null } } : a)) } : {}),
});

describe.each(EVENT_FIXTURES)("Graph: $client", (fixture) => {
  const options = fixture.timeZone ? { timeZone: fixture.timeZone } : {};
  const written = graphEventFromICalendar(fixture.text, options);
  // The mailbox is the DAV object's organizer (Graph makes the mailbox the organizer).
  const organizer = eventFromVEvent(fixture.text, options).item.organizer;
  const stored = () => storedSeries(written, undefined, organizer?.emailAddress ? { address: organizer.emailAddress, ...(organizer.name ? { name: organizer.name } : {}) } : undefined);

  it("maps to Graph bodies that conform to the CSDL; reports what the EWS mapper reports plus only what Graph lacks", () => {
    checkBodies(written);
    const ews = eventFromVEvent(fixture.text, options);
    expect(written.uid).toBe(ews.uid);
    expect(written.dropped.slice(0, ews.dropped.length)).toEqual(ews.dropped);
    for (const entry of written.dropped.slice(ews.dropped.length)) expect(GRAPH_DROPS.has(entry.property), entry.property).toBe(true);
    expect(written.cancelled).toEqual(ews.occurrenceOperations.filter((op) => op.kind === "deleteOccurrence").map((op) => op.originalStart));
    expect(written.exceptions.map((e) => e.originalStart)).toEqual(ews.occurrenceOperations.filter((op) => op.kind === "modifyOccurrence").map((op) => op.originalStart));
  });

  it("read back from Graph onto its text, comes back unchanged", () => {
    const { master, exceptions } = stored();
    const back = graphEventToICalendar(master, exceptions, { ...options, basis: fixture.text, now: NOW, attachments: written.attachments });
    expect(normalizeVEvent(back.text)).toBe(normalizeVEvent(fixture.text));
    expect(veventHash(back.text)).toBe(veventHash(fixture.text));
  });

  it("a new object from Graph maps back to the same Graph bodies", () => {
    const { master, exceptions } = stored();
    const fresh = graphEventToICalendar(master, exceptions, { ...options, now: NOW, attachments: written.attachments });
    const again = graphEventFromICalendar(fresh.text, options);
    expect(unnamed(again.master)).toEqual(unnamed(written.master));
    expect(again.exceptions).toEqual(written.exceptions);
    expect(again.cancelled).toEqual(written.cancelled);
  });

  it("a change made in Outlook touches only its own property", () => {
    const { master, exceptions } = stored();
    const { text } = graphEventToICalendar({ ...master, subject: "Changed in Outlook" }, exceptions, { ...options, basis: fixture.text, attachments: written.attachments });
    const before = normalizeVEvent(fixture.text).split("\n");
    const after = normalizeVEvent(text).split("\n");
    expect(after.filter((line) => !before.includes(line))).toEqual(['summary:["Changed in Outlook"]']);
    const removed = before.filter((line) => !after.includes(line));
    expect(removed.length).toBe(1);
    expect(removed[0]).toMatch(/^summary[;:]/);
  });
});

/** Writes a text to "Graph" and reads it back as a new object and onto the text. */
function roundTrip(text: string, timeZone?: string) {
  const options = timeZone ? { timeZone } : {};
  const written = graphEventFromICalendar(text, options);
  checkBodies(written);
  const { master, exceptions } = storedSeries(written);
  const onto = graphEventToICalendar(master, exceptions, { ...options, basis: text, now: NOW });
  const fresh = graphEventToICalendar(master, exceptions, { ...options, now: NOW });
  return { written, master, exceptions, onto, fresh, lines: unfoldLines(fresh.text) };
}

describe("Graph events: series, exceptions, cancelled occurrences", () => {
  const series = cal(
    "BEGIN:VEVENT", "UID:series@ewsdav.test", "DTSTAMP:20260101T000000Z", "SUMMARY:Stand-up",
    "DTSTART;TZID=Europe/Berlin:20260105T090000", "DTEND;TZID=Europe/Berlin:20260105T091500",
    "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;WKST=MO;COUNT=12", "EXDATE;TZID=Europe/Berlin:20260107T090000,20260114T090000", "END:VEVENT",
    "BEGIN:VEVENT", "UID:series@ewsdav.test", "DTSTAMP:20260101T000000Z", "RECURRENCE-ID;TZID=Europe/Berlin:20260109T090000",
    "DTSTART;TZID=Europe/Berlin:20260109T100000", "DTEND;TZID=Europe/Berlin:20260109T103000", "SUMMARY:Stand-up (moved)", "LOCATION:Room 2", "END:VEVENT",
  );

  it("a weekly series with two cancelled occurrences and a moved one", () => {
    const { written, master, onto } = roundTrip(series);
    expect(written.master.recurrence).toEqual({
      pattern: { type: "weekly", interval: 1, daysOfWeek: ["monday", "wednesday", "friday"], firstDayOfWeek: "monday" },
      range: { type: "numbered", startDate: "2026-01-05", numberOfOccurrences: 12, recurrenceTimeZone: "W. Europe Standard Time" },
    });
    expect(written.master.start).toEqual({ dateTime: "2026-01-05T09:00:00.0000000", timeZone: "W. Europe Standard Time" });
    expect(written.cancelled).toEqual(["2026-01-07T08:00:00Z", "2026-01-14T08:00:00Z"]);
    expect(master.cancelledOccurrences).toEqual(["OID.AAMkMASTER=.2026-01-07", "OID.AAMkMASTER=.2026-01-14"]);
    expect(written.exceptions).toEqual([{
      originalStart: "2026-01-09T08:00:00Z",
      event: {
        start: { dateTime: "2026-01-09T10:00:00.0000000", timeZone: "W. Europe Standard Time" }, end: { dateTime: "2026-01-09T10:30:00.0000000", timeZone: "W. Europe Standard Time" },
        subject: "Stand-up (moved)", location: { displayName: "Room 2" },
      },
    }]);
    expect(unfoldLines(onto.text).filter((l) => !l.startsWith("DTSTAMP"))).toEqual(expect.arrayContaining(unfoldLines(series).filter((l) => !l.startsWith("DTSTAMP") && !/VTIMEZONE|TZOFFSET|TZNAME|^DTSTART:|^RRULE:FREQ=YEARLY|STANDARD|DAYLIGHT/.test(l))));
    expect(normalizeVEvent(onto.text)).toBe(normalizeVEvent(series));
  });

  it("an occurrence cancelled in Outlook comes back as an EXDATE; an exception made there as an override", () => {
    const { master, exceptions } = storedSeries(graphEventFromICalendar(series));
    const outlook: GraphEvent = { ...master, cancelledOccurrences: [...master.cancelledOccurrences!, "OID.AAMkMASTER=.2026-01-16"] };
    const extra: GraphEvent = { ...exceptions[0]!, id: "AAMkX=", originalStart: "2026-01-12T08:00:00Z", subject: "Monday special", start: { dateTime: "2026-01-12T11:00:00.0000000", timeZone: "W. Europe Standard Time" }, end: { dateTime: "2026-01-12T11:15:00.0000000", timeZone: "W. Europe Standard Time" } };
    const lines = unfoldLines(graphEventToICalendar(outlook, [...exceptions, extra], { basis: series }).text);
    expect(lines.find((l) => l.startsWith("EXDATE"))).toBe("EXDATE;TZID=Europe/Berlin:20260107T090000,20260114T090000,20260116T090000");
    expect(lines).toContain("RECURRENCE-ID;TZID=Europe/Berlin:20260112T090000");
    expect(lines).toContain("SUMMARY:Monday special");
  });

  it("with current, an exception the DAV side dropped is reset and a cancelled occurrence is not cancelled again", () => {
    const current = storedSeries(graphEventFromICalendar(series));
    const withoutOverride = series.replace(/BEGIN:VEVENT\r\nUID:series@ewsdav.test\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID[\s\S]*?END:VEVENT\r\n/, "");
    const written = graphEventFromICalendar(withoutOverride, { current });
    expect(written.cancelled).toEqual([]);
    expect(written.exceptions.map((e) => [e.originalStart, e.event.start?.dateTime, e.event.subject])).toEqual([["2026-01-09T08:00:00Z", "2026-01-09T09:00:00.0000000", "Stand-up"]]);
  });

  it("reads times Graph gives in UTC (Prefer: outlook.timezone) in the zone the event was made in", () => {
    const { master, exceptions } = storedSeries(graphEventFromICalendar(series));
    const utc: GraphEvent = { ...master, start: { dateTime: "2026-01-05T08:00:00.0000000", timeZone: "UTC" }, end: { dateTime: "2026-01-05T08:15:00.0000000", timeZone: "UTC" }, originalStartTimeZone: "W. Europe Standard Time", originalEndTimeZone: "W. Europe Standard Time" };
    expect(normalizeVEvent(graphEventToICalendar(utc, exceptions, { basis: series }).text)).toBe(normalizeVEvent(series));
  });
});

describe("Graph events: times", () => {
  it("all-day events: midnight to midnight in the mailbox zone, DATE values back", () => {
    const text = event("DTSTART;VALUE=DATE:20260312", "DTEND;VALUE=DATE:20260314");
    const { written, lines, onto } = roundTrip(text, "America/New_York");
    expect(written.master.isAllDay).toBe(true);
    expect(written.master.start).toEqual({ dateTime: "2026-03-12T00:00:00.0000000", timeZone: "Eastern Standard Time" });
    expect(written.master.end).toEqual({ dateTime: "2026-03-14T00:00:00.0000000", timeZone: "Eastern Standard Time" });
    expect(lines).toEqual(expect.arrayContaining(["DTSTART;VALUE=DATE:20260312", "DTEND;VALUE=DATE:20260314"]));
    expect(unfoldLines(onto.text)).toEqual(unfoldLines(text));
  });

  it("floating times are placed in the mailbox zone and come back floating onto the text", () => {
    const text = event("DTSTART:20260310T090000", "DTEND:20260310T100000");
    const { written, onto } = roundTrip(text, "Europe/Berlin");
    expect(written.master.start).toEqual({ dateTime: "2026-03-10T09:00:00.0000000", timeZone: "W. Europe Standard Time" });
    expect(unfoldLines(onto.text)).toEqual(unfoldLines(text));
  });

  it("UTC times stay UTC", () => {
    const text = event("DTSTART:20260310T090000Z", "DTEND:20260310T100000Z");
    const { written, onto } = roundTrip(text);
    expect(written.master.start).toEqual({ dateTime: "2026-03-10T09:00:00.0000000", timeZone: "UTC" });
    expect(unfoldLines(onto.text)).toEqual(unfoldLines(text));
  });

  it("an IANA zone name from Graph is read like its Windows zone", () => {
    const graph: GraphEvent = { id: "x", iCalUId: "iana@ewsdav.test", subject: "IANA", start: { dateTime: "2026-07-01T09:00:00.0000000", timeZone: "Europe/Paris" }, end: { dateTime: "2026-07-01T10:00:00.0000000", timeZone: "Europe/Paris" } };
    const lines = unfoldLines(graphEventToICalendar(graph, [], { now: NOW }).text);
    expect(lines).toContain("DTSTART;TZID=Europe/Paris:20260701T090000");
    expect(lines).toContain("UID:iana@ewsdav.test");
  });

  it("a zone only its VTIMEZONE defines is written in UTC and reported", () => {
    const text = cal(
      "BEGIN:VTIMEZONE", "TZID:Custom Office Time", "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:+0330", "TZOFFSETTO:+0330", "END:STANDARD", "END:VTIMEZONE",
      "BEGIN:VEVENT", "UID:custom@ewsdav.test", "DTSTAMP:20260101T000000Z", "SUMMARY:Custom", "DTSTART;TZID=Custom Office Time:20260310T090000", "DTEND;TZID=Custom Office Time:20260310T100000", "END:VEVENT",
    );
    const written = graphEventFromICalendar(text);
    expect(written.master.start).toEqual({ dateTime: "2026-03-10T05:30:00.0000000", timeZone: "UTC" });
    expect(written.dropped.map((d) => d.property)).toEqual(expect.arrayContaining(["DTSTART;TZID", "DTEND;TZID"]));
  });
});

describe("Graph events: every recurrence pattern", () => {
  const cases: Array<[string, string, string, object]> = [
    ["daily", "20260105T090000", "FREQ=DAILY;INTERVAL=2;COUNT=5", { type: "daily", interval: 2 }],
    ["weekly", "20260105T090000", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=SU;UNTIL=20260301T085959Z", { type: "weekly", interval: 2, daysOfWeek: ["monday", "thursday"], firstDayOfWeek: "sunday" }],
    ["absolute monthly", "20260115T090000", "FREQ=MONTHLY;BYMONTHDAY=15", { type: "absoluteMonthly", interval: 1, dayOfMonth: 15 }],
    ["relative monthly", "20260113T090000", "FREQ=MONTHLY;INTERVAL=3;BYDAY=2TU;COUNT=4", { type: "relativeMonthly", interval: 3, daysOfWeek: ["tuesday"], index: "second" }],
    ["relative monthly, last weekday", "20260130T090000", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3", { type: "relativeMonthly", interval: 1, daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"], index: "last" }],
    ["absolute yearly", "20260704T090000", "FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=4", { type: "absoluteYearly", interval: 1, dayOfMonth: 4, month: 7 }],
    ["relative yearly", "20261126T090000", "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;COUNT=3", { type: "relativeYearly", interval: 1, daysOfWeek: ["thursday"], index: "fourth", month: 11 }],
  ];
  it.each(cases)("%s", (_, start, rrule, pattern) => {
    const text = event(`DTSTART;TZID=Europe/Berlin:${start}`, `DTEND;TZID=Europe/Berlin:${start.slice(0, 9)}100000`, `RRULE:${rrule}`);
    const { written, onto, fresh } = roundTrip(text);
    expect(written.master.recurrence?.pattern).toEqual(pattern);
    expect(normalizeVEvent(onto.text)).toBe(normalizeVEvent(text));
    expect(graphEventFromICalendar(fresh.text).master).toEqual(written.master);
  });

  it("Graph's yearly pattern every 2 years is EWS's every 24 months; days no EWS value says are reported", () => {
    const graph: GraphEvent = {
      id: "y", iCalUId: "y@ewsdav.test", subject: "Biennial",
      start: { dateTime: "2026-07-04T09:00:00.0000000", timeZone: "UTC" }, end: { dateTime: "2026-07-04T10:00:00.0000000", timeZone: "UTC" },
      recurrence: { pattern: { type: "absoluteYearly", interval: 2, dayOfMonth: 4, month: 7 }, range: { type: "noEnd", startDate: "2026-07-04" } },
    };
    expect(unfoldLines(graphEventToICalendar(graph, [], { now: NOW }).text).find((l) => l.startsWith("RRULE"))).toMatch(/^RRULE:FREQ=(YEARLY;INTERVAL=2|MONTHLY;INTERVAL=24)/);
    const odd: GraphEvent = { ...graph, recurrence: { pattern: { type: "relativeMonthly", interval: 1, daysOfWeek: ["monday", "friday"], index: "first" }, range: { type: "noEnd", startDate: "2026-07-06" } } };
    const out = graphEventToICalendar(odd, [], { now: NOW });
    expect(out.dropped.map((d) => d.property)).toContain("recurrence");
    expect(unfoldLines(out.text).some((l) => l.startsWith("RRULE"))).toBe(false);
  });
});

describe("Graph events: what Graph holds differently", () => {
  it("the UID: ewsdav's property first, else iCalUId, else the option", () => {
    const base: GraphEvent = { id: "u", subject: "U", start: { dateTime: "2026-03-10T09:00:00.0000000", timeZone: "UTC" }, end: { dateTime: "2026-03-10T10:00:00.0000000", timeZone: "UTC" } };
    expect(graphEventToICalendar({ ...base, iCalUId: "ical", singleValueExtendedProperties: [{ id: "String {6c1f1b53-7d2e-4a8e-9a43-2f1d5e8b0c71} Name ewsdav-uid", value: "mine" }] }).uid).toBe("mine");
    expect(graphEventToICalendar({ ...base, iCalUId: "ical" }).uid).toBe("ical");
    expect(graphEventToICalendar(base, [], { uid: "given" }).uid).toBe("given");
  });

  it("attendees: types both ways; PARTSTAT is reported on the write (read-only in Graph) and kept from the text on the read", () => {
    const text = event("DTSTART:20260310T090000Z", "DTEND:20260310T100000Z", "ORGANIZER;CN=Me:mailto:me@example.com",
      "ATTENDEE;CN=Carol;PARTSTAT=ACCEPTED:mailto:carol@example.com", "ATTENDEE;ROLE=OPT-PARTICIPANT;CN=Dave;PARTSTAT=NEEDS-ACTION:mailto:dave@example.com", "ATTENDEE;CUTYPE=RESOURCE;CN=Room:mailto:room@example.com");
    const { written, master, onto } = roundTrip(text);
    expect(written.master.attendees).toEqual([
      { type: "required", emailAddress: { address: "carol@example.com", name: "Carol" } },
      { type: "optional", emailAddress: { address: "dave@example.com", name: "Dave" } },
      { type: "resource", emailAddress: { address: "room@example.com", name: "Room" } },
    ]);
    expect(written.dropped.filter((d) => d.property === "ATTENDEE;PARTSTAT").map((d) => d.value)).toEqual(["carol@example.com"]);
    expect(unfoldLines(onto.text)).toContain("ATTENDEE;CN=Carol;PARTSTAT=ACCEPTED:mailto:carol@example.com");
    // A response Graph knows comes through.
    const declined: GraphEvent = { ...master, organizer: { emailAddress: { address: "me@example.com", name: "Me" } }, attendees: master.attendees!.map((a) => (a.emailAddress?.address === "dave@example.com" ? { ...a, status: { response: "declined" } } : a)) };
    expect(unfoldLines(graphEventToICalendar(declined, [], { basis: text }).text).find((l) => l.includes("dave@"))).toContain("PARTSTAT=DECLINED");
  });

  it("show-as, importance, sensitivity, reminder, categories, HTML body", () => {
    const graph: GraphEvent = {
      id: "s", iCalUId: "s@ewsdav.test", subject: "Fields", start: { dateTime: "2026-03-10T09:00:00.0000000", timeZone: "UTC" }, end: { dateTime: "2026-03-10T10:00:00.0000000", timeZone: "UTC" },
      showAs: "oof", importance: "high", sensitivity: "private", isReminderOn: true, reminderMinutesBeforeStart: 15, categories: ["Red", "Travel"],
      body: { contentType: "html", content: "<html><body><p>Hi <b>there</b></p></body></html>" },
    };
    const out = graphEventToICalendar(graph, [], { now: NOW });
    const lines = unfoldLines(out.text);
    expect(lines).toEqual(expect.arrayContaining(["X-MICROSOFT-CDO-BUSYSTATUS:OOF", "PRIORITY:1", "CLASS:PRIVATE", "CATEGORIES:Red,Travel", "TRIGGER:-PT15M"]));
    expect(lines.some((l) => l.startsWith("X-ALT-DESC;FMTTYPE=text/html:"))).toBe(true);
    const back = graphEventFromICalendar(out.text);
    expect(back.master).toMatchObject({ showAs: "oof", importance: "high", sensitivity: "private", isReminderOn: true, reminderMinutesBeforeStart: 15, categories: ["Red", "Travel"], body: { contentType: "html" } });
    expect(csdlProblems("event", back.master)).toEqual([]);
  });

  it("attachments travel as bytes beside the body; without them the text's ATTACH stay", () => {
    const text = event("DTSTART:20260310T090000Z", "DTEND:20260310T100000Z", "ATTACH;FMTTYPE=text/plain;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=notes.txt:aGVsbG8gd29ybGQ=");
    const written = graphEventFromICalendar(text);
    expect(written.attachments.map((a) => [a.name, a.contentType, Buffer.from(a.bytes).toString()])).toEqual([["notes.txt", "text/plain", "hello world"]]);
    const { master } = storedSeries(written);
    expect(unfoldLines(graphEventToICalendar(master, [], { basis: text }).text)).toEqual(unfoldLines(text));
    expect(unfoldLines(graphEventToICalendar(master, [], { basis: text, attachments: [] }).text).some((l) => l.startsWith("ATTACH"))).toBe(false);
  });
});

describe("Graph mappers: errors", () => {
  it("throw nothing but MapperError: no VEVENT, an unreadable start, an unknown zone", async () => {
    const { MapperError } = await import("../result.js");
    expect(() => graphEventFromICalendar("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")).toThrow(MapperError);
    expect(() => graphEventToICalendar({ id: "x", iCalUId: "u", start: { dateTime: "yesterday", timeZone: "UTC" } })).toThrow(MapperError);
    expect(() => graphEventToICalendar({ id: "x", iCalUId: "u", start: { dateTime: "2026-03-10T09:00:00", timeZone: "Mars/Olympus" } })).toThrow(MapperError);
    const odd = { id: "x", iCalUId: "u", start: { dateTime: "2026-03-10T09:00:00", timeZone: "UTC" }, attendees: [null] } as unknown as GraphEvent;
    expect(() => graphEventToICalendar(odd)).toThrow(MapperError);
  });
});
