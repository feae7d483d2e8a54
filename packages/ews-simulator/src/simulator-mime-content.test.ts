import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EWS_SCHEMA_DIR } from "../../../test/harness/ews-schema.js";
import { startEwsSimulator, type EwsSimulator } from "./index.js";
import { codes, find, findAll, soap } from "./soap.test-support.js";

const getMime = (ids: string) => `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape><m:ItemIds>${ids}</m:ItemIds></m:GetItem>`;

describe("EWS simulator: MimeContent of calendar items is the iCalendar Exchange returns (DavMail reads events so)", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small" });
  });
  afterAll(() => sim.stop());

  const mime = async (ids: string) => {
    const result = await soap(sim.url, getMime(ids));
    expect(codes(result).every((c) => c === "NoError")).toBe(true);
    return findAll(result.root, "MimeContent").map((m) => {
      expect(m.attrs.CharacterSet).toBe("UTF-8");
      return Buffer.from(m.text, "base64").toString("utf8");
    });
  };

  it("a zoned weekly series: VTIMEZONE, local DTSTART, RRULE, EXDATE and an exception — an independent parser expands it to the simulator's occurrences", async () => {
    const box = sim.mailbox("alice@example.com");
    const series = box.createItem("calendar", `<CalendarItem><Subject>Standup; daily, really</Subject><Body BodyType="Text">Line one
line two</Body><Start>2026-03-16T08:00:00Z</Start><End>2026-03-16T08:15:00Z</End><Location>Room 4</Location><Recurrence><WeeklyRecurrence><Interval>1</Interval><DaysOfWeek>Monday Wednesday</DaysOfWeek></WeeklyRecurrence><EndDateRecurrence><StartDate>2026-03-16</StartDate><EndDate>2026-04-08</EndDate></EndDateRecurrence></Recurrence><StartTimeZone Id="W. Europe Standard Time"/><EndTimeZone Id="W. Europe Standard Time"/></CalendarItem>`);
    box.deleteOccurrence(series.id, 2);
    box.modifyOccurrence(series.id, 3, `<CalendarItem><Subject>Moved standup</Subject><Start>2026-03-23T12:00:00Z</Start><End>2026-03-23T12:30:00Z</End></CalendarItem>`);
    const ics = (await mime(`<t:ItemId Id="${series.id}"/>`))[0]!;
    expect(ics).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(ics).toContain("BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\n");
    expect(ics).toContain("DTSTART;TZID=W. Europe Standard Time:20260316T090000\r\n");
    expect(ics).toContain("SUMMARY:Standup\\; daily\\, really\r\n");
    expect(ics).toContain("DESCRIPTION:Line one\\nline two\r\n");
    expect(ics).toContain("EXDATE;TZID=W. Europe Standard Time:20260318T090000\r\n");
    expect(ics).toContain("RECURRENCE-ID;TZID=W. Europe Standard Time:20260323T090000\r\n");
    expect(ics.split("\r\n").every((l) => Buffer.byteLength(l) <= 75)).toBe(true);

    const calendar = new ICAL.Component(ICAL.parse(ics));
    for (const zone of calendar.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(new ICAL.Timezone(zone));
    const [master, exception] = calendar.getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));
    expect(exception!.summary).toBe("Moved standup");
    expect(exception!.startDate.toJSDate().toISOString()).toBe("2026-03-23T12:00:00.000Z");
    const expanded: string[] = [];
    const iterator = master!.iterator();
    for (let next = iterator.next(); next; next = iterator.next()) {
      const when = next.toJSDate().getTime();
      if (!master!.component.getAllProperties("exdate").some((e) => (e.getFirstValue() as ICAL.Time).toJSDate().getTime() === when)) expanded.push(new Date(when).toISOString());
    }
    const view = await soap(sim.url, `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="calendar:RecurrenceId"/><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape><m:CalendarView StartDate="2026-03-01T00:00:00Z" EndDate="2026-05-01T00:00:00Z"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>`);
    const originals = findAll(view.root, "CalendarItem").filter((c) => /standup/i.test(find(c, "Subject")?.text ?? "") && find(c, "Subject")?.text !== "Standup (Berlin)")
      .map((c) => new Date(find(c, "RecurrenceId")!.text).toISOString());
    expect(expanded).toEqual(originals);
    expect(expanded[0]).toBe("2026-03-16T08:00:00.000Z");
    expect(expanded).toContain("2026-03-30T07:00:00.000Z"); // after the DST change, 09:00 local is 07:00 UTC
  });

  it("an occurrence's MimeContent is that one instance with its RECURRENCE-ID; a meeting carries ORGANIZER and ATTENDEEs", async () => {
    const box = sim.mailbox("alice@example.com");
    const master = box.items("calendar").find((i) => i.get("Subject") === "Weekly sync")!;
    const [occurrence] = await mime(`<t:OccurrenceItemId RecurringMasterId="${master.id}" InstanceIndex="2"/>`);
    expect(occurrence!.match(/BEGIN:VEVENT/g)).toHaveLength(1);
    expect(occurrence).toContain("RECURRENCE-ID:20260112T090000Z\r\n");
    expect(occurrence).not.toContain("RRULE");
    const meeting = box.createItem("calendar", `<CalendarItem><Subject>Review</Subject><Start>2026-04-01T10:00:00Z</Start><End>2026-04-01T11:00:00Z</End><RequiredAttendees><Attendee><Mailbox><Name>Bob</Name><EmailAddress>bob@example.org</EmailAddress></Mailbox></Attendee></RequiredAttendees></CalendarItem>`);
    const [ics] = await mime(`<t:ItemId Id="${meeting.id}"/>`);
    const event = new ICAL.Event(new ICAL.Component(ICAL.parse(ics!)).getFirstSubcomponent("vevent")!);
    expect(event.organizer).toBe("mailto:alice@example.com");
    expect(event.attendees.map((a) => a.getFirstValue())).toEqual(["mailto:bob@example.org"]);
    expect(event.startDate.toJSDate().toISOString()).toBe("2026-04-01T10:00:00.000Z");
  });

  it("is returned by GetItem only when asked for, never by FindItem, and only for calendar items", async () => {
    const box = sim.mailbox("alice@example.com");
    const contact = box.items("contacts")[0]!;
    expect(await mime(`<t:ItemId Id="${contact.id}"/>`)).toEqual([]);
    const plain = await soap(sim.url, `<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="${box.items("calendar")[0]!.id}"/></m:ItemIds></m:GetItem>`);
    expect(find(plain.root, "MimeContent")).toBeUndefined();
    const found = await soap(sim.url, `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>`);
    expect(find(found.root, "MimeContent")).toBeUndefined();
  });

  it("sends responses that validate against the official schema", async () => {
    expect(await sim.validateExchanges(EWS_SCHEMA_DIR)).toEqual([]);
  });
});
