import { describe, expect, it } from "vitest";
import type { Task } from "@ewsdav/ews-client";
import { EWSDAV_TASK_TIME_FORMS_PROPERTY, importanceOf, MapperError, taskFromVTodo, taskToVTodo } from "../index.js";

const todo = (...lines: string[]) => ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VTODO", "UID:t-1", "DTSTAMP:20260101T000000Z", ...lines, "END:VTODO", "END:VCALENDAR", ""].join("\r\n");
const forms = (task: Task) => JSON.parse(task.extendedProperties?.find((property) => property.fieldUri.propertyName === EWSDAV_TASK_TIME_FORMS_PROPERTY.propertyName)?.value ?? "{}") as Record<string, string>;

describe("importance, sensitivity and status", () => {
  it("maps PRIORITY 1–4 to High, 5/0 to Normal, 6–9 to Low", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(importanceOf)).toEqual(["Normal", "High", "High", "High", "High", "Normal", "Low", "Low", "Low", "Low"]);
    expect(taskToVTodo({ subject: "x", importance: "High" }).text).toContain("PRIORITY:1");
    expect(taskToVTodo({ subject: "x", importance: "Low" }).text).toContain("PRIORITY:9");
    expect(taskToVTodo({ subject: "x", importance: "Normal" }).text).not.toContain("PRIORITY");
  });

  it("reports a PRIORITY out of range and maps the rest", () => {
    const { item, dropped } = taskFromVTodo(todo("PRIORITY:12", "SUMMARY:still"));
    expect(item.subject).toBe("still");
    expect(dropped[0]).toMatchObject({ property: "PRIORITY", error: { code: "INVALID_VALUE", property: "PRIORITY" } });
  });

  it("maps CLASS and keeps Personal in CLASS;X-EWS-SENSITIVITY", () => {
    expect(taskFromVTodo(todo("CLASS:PRIVATE")).item.sensitivity).toBe("Private");
    expect(taskFromVTodo(todo("CLASS:CONFIDENTIAL")).item.sensitivity).toBe("Confidential");
    expect(taskFromVTodo(todo("CLASS:PUBLIC")).item.sensitivity).toBe("Normal");
    const personal = taskToVTodo({ subject: "p", sensitivity: "Personal" }).text;
    expect(personal).toContain("CLASS;X-EWS-SENSITIVITY=Personal:PRIVATE");
    expect(taskFromVTodo(personal).item.sensitivity).toBe("Personal");
  });

  it.each([
    ["NotStarted", "NEEDS-ACTION", null],
    ["InProgress", "IN-PROCESS", null],
    ["Completed", "COMPLETED", null],
    ["WaitingOnOthers", "IN-PROCESS", "WaitingOnOthers"],
    ["Deferred", "NEEDS-ACTION", "Deferred"],
  ] as const)("status %s ⇄ STATUS:%s", (status, ical, kept) => {
    const { text } = taskToVTodo({ subject: "s", status });
    expect(text).toContain(`STATUS:${ical}`);
    if (kept) expect(text).toContain(`X-EWS-STATUS:${kept}`);
    else expect(text).not.toContain("X-EWS-STATUS");
    expect(taskFromVTodo(text).item.status).toBe(status);
  });

  it("lets a client's new STATUS win over a stale X-EWS-STATUS, and reports CANCELLED", () => {
    expect(taskFromVTodo(todo("STATUS:COMPLETED", "X-EWS-STATUS:Deferred")).item.status).toBe("Completed");
    const cancelled = taskFromVTodo(todo("STATUS:CANCELLED"));
    expect(cancelled.item.status).toBe("Deferred");
    expect(cancelled.dropped).toMatchObject([{ property: "STATUS", value: "CANCELLED" }]);
    // The merge keeps CANCELLED while Exchange still says Deferred.
    const base = todo("STATUS:CANCELLED");
    expect(taskToVTodo(cancelled.item, { base }).text).toContain("STATUS:CANCELLED");
  });
});

describe("start and due dates with their time zone", () => {
  it("reads a TZID time as its instant and remembers the zone", () => {
    const { item } = taskFromVTodo(todo("DTSTART;TZID=Europe/Berlin:20260705T090000", "DUE;TZID=America/New_York:20260706T170000"));
    expect(item.startDate).toBe("2026-07-05T07:00:00Z");
    expect(item.dueDate).toBe("2026-07-06T21:00:00Z");
    expect(forms(item)).toEqual({ start: "tz:Europe/Berlin", due: "tz:America/New_York" });
  });

  it("reads Windows zone names Outlook writes", () => {
    expect(taskFromVTodo(todo("DTSTART;TZID=W. Europe Standard Time:20260105T090000")).item.startDate).toBe("2026-01-05T08:00:00Z");
  });

  it("writes a moved time back in the remembered zone, with its VTIMEZONE", () => {
    const { item } = taskFromVTodo(todo("DTSTART;TZID=Europe/Berlin:20260705T090000"));
    const { text } = taskToVTodo({ ...item, startDate: "2026-12-01T10:00:00Z" });
    expect(text).toContain("DTSTART;TZID=Europe/Berlin:20261201T110000");
    expect(text).toContain("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin");
  });

  it("keeps floating times floating and dates dates", () => {
    const floating = taskFromVTodo(todo("DTSTART:20260105T090000", "DUE;VALUE=DATE:20260107"));
    expect(floating.item.startDate).toBe("2026-01-05T09:00:00Z");
    const text = taskToVTodo(floating.item).text;
    expect(text).toContain("DTSTART:20260105T090000\r\n");
    expect(text).toContain("DUE;VALUE=DATE:20260107");
  });

  it("writes a task made in Outlook (no remembered form) with dates, rounding Exchange's local midnight", () => {
    const { text } = taskToVTodo({ subject: "o", startDate: "2026-01-04T23:00:00Z", dueDate: "2026-01-06T05:00:00Z" });
    expect(text).toContain("DTSTART;VALUE=DATE:20260105");
    expect(text).toContain("DUE;VALUE=DATE:20260106");
  });

  it("reports an unknown TZID and a bad date by name, and maps the rest", () => {
    const { item, dropped } = taskFromVTodo(todo("DTSTART;TZID=Mars/Olympus:20260105T090000", "DUE:2026-13-45", "SUMMARY:rest"));
    expect(item.subject).toBe("rest");
    expect(item.startDate).toBeUndefined();
    expect(dropped.map((entry) => [entry.property, entry.error?.code])).toEqual([
      ["DTSTART", "INVALID_VALUE"],
      ["DUE", "INVALID_VALUE"],
    ]);
  });

  it("reads DTSTART + DURATION as the due date and keeps DURATION while it is unchanged", () => {
    const base = todo("DTSTART:20260105T090000Z", "DURATION:PT2H");
    const { item } = taskFromVTodo(base);
    expect(item.dueDate).toBe("2026-01-05T11:00:00Z");
    expect(taskToVTodo(item, { base }).text).toContain("DURATION:PT2H");
    expect(taskToVTodo({ ...item, dueDate: "2026-01-05T12:00:00Z" }, { base }).text).toContain("DUE:20260105T120000Z");
  });
});

describe("reminder", () => {
  it("reads relative triggers against DTSTART or DUE and absolute ones as they are", () => {
    expect(taskFromVTodo(todo("DTSTART:20260105T090000Z", "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT30M", "END:VALARM")).item.reminderDueBy).toBe("2026-01-05T08:30:00Z");
    expect(taskFromVTodo(todo("DUE:20260105T090000Z", "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER;RELATED=END:-P1D", "END:VALARM")).item.reminderDueBy).toBe("2026-01-04T09:00:00Z");
    expect(taskFromVTodo(todo("BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER;VALUE=DATE-TIME:20260105T070000Z", "END:VALARM")).item).toMatchObject({ reminderIsSet: true, reminderDueBy: "2026-01-05T07:00:00Z" });
  });

  it("reports a relative trigger without its anchor", () => {
    const { item, dropped } = taskFromVTodo(todo("BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT30M", "END:VALARM"));
    expect(item.reminderIsSet).toBe(false);
    expect(dropped[0]).toMatchObject({ property: "VALARM", error: { property: "TRIGGER" } });
  });

  it("keeps a moved reminder relative and leaves a second alarm alone", () => {
    const base = todo("DUE:20260105T090000Z", "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:d", "TRIGGER;RELATED=END:-PT15M", "END:VALARM", "BEGIN:VALARM", "ACTION:EMAIL", "TRIGGER:-P1D", "X-KEEP:1", "END:VALARM");
    const { item } = taskFromVTodo(base);
    const moved = taskToVTodo({ ...item, reminderDueBy: "2026-01-05T08:00:00Z" }, { base }).text;
    expect(moved).toContain("TRIGGER;RELATED=END:-PT1H");
    expect(moved).toContain("X-KEEP:1");
    const cleared = taskToVTodo({ ...item, reminderIsSet: false }, { base }).text;
    expect(cleared).not.toContain("RELATED=END:-PT15M");
    expect(cleared).toContain("X-KEEP:1");
  });
});

describe("recurrence", () => {
  it("reports an RRULE EWS cannot say and keeps it on merge", () => {
    const base = todo("DTSTART:20260105T090000Z", "RRULE:FREQ=DAILY;BYHOUR=9,17");
    const { item, dropped } = taskFromVTodo(base);
    expect(item.recurrence).toBeUndefined();
    expect(dropped).toMatchObject([{ property: "RRULE", reason: expect.stringContaining("BYHOUR") as unknown as string }]);
    expect(taskToVTodo(item, { base }).text).toContain("RRULE:FREQ=DAILY;BYHOUR=9,17");
  });

  it("writes regeneration patterns as X-EWS-REGENERATION and reads them back", () => {
    const task: Task = { subject: "r", startDate: "2026-01-05T00:00:00Z", recurrence: { pattern: { kind: "MonthlyRegeneration", interval: 2 }, range: { kind: "EndDateRecurrence", startDate: "2026-01-05", endDate: "2026-12-31" } } };
    const { text } = taskToVTodo(task);
    expect(text).toContain("X-EWS-REGENERATION:FREQ=MONTHLY;INTERVAL=2;UNTIL=20261231");
    expect(text).not.toContain("RRULE");
    expect(taskFromVTodo(text).item.recurrence).toEqual(task.recurrence);
  });

  it("converts UNTIL in the series' zone to the day of the last occurrence, and back to its start", () => {
    // 20:00 New York is 01:00 UTC the next day: the last occurrence is on 10 January, not 11.
    const evening = todo("DTSTART;TZID=America/New_York:20260105T200000", "RRULE:FREQ=DAILY;UNTIL=20260111T010000Z");
    const read = taskFromVTodo(evening).item;
    expect(read.recurrence?.range).toEqual({ kind: "EndDateRecurrence", startDate: "2026-01-05", endDate: "2026-01-10" });
    expect(taskToVTodo({ ...read, subject: "moved on" }, { base: evening }).text).toContain("RRULE:FREQ=DAILY;UNTIL=20260111T010000Z");
    // 00:30 Berlin is 23:30 UTC the day before: the last occurrence is on 10 January, not 9.
    const early = todo("DTSTART;TZID=Europe/Berlin:20260105T003000", "RRULE:FREQ=DAILY;UNTIL=20260109T233000Z");
    expect(taskFromVTodo(early).item.recurrence?.range).toMatchObject({ endDate: "2026-01-10" });
    // An UNTIL one second before the last start ends the day before.
    expect(taskFromVTodo(early.replace("T233000Z", "T232959Z")).item.recurrence?.range).toMatchObject({ endDate: "2026-01-09" });
    // EWS's EndDate written fresh: the start of the last occurrence, in UTC.
    const fromExchange: Task = { ...read, recurrence: { pattern: { kind: "DailyRecurrence", interval: 1 }, range: { kind: "EndDateRecurrence", startDate: "2026-01-05", endDate: "2026-07-01" } } };
    expect(taskToVTodo(fromExchange, { base: evening }).text).toContain("RRULE:FREQ=DAILY;UNTIL=20260702T000000Z");
  });

  it("maps yearly rules with an interval as not expressible", () => {
    expect(taskFromVTodo(todo("DTSTART;VALUE=DATE:20260105", "RRULE:FREQ=YEARLY;INTERVAL=2")).dropped[0]?.reason).toContain("every year only");
  });
});

describe("body", () => {
  it("reduces an HTML body to text in DESCRIPTION and names DESCRIPTION in the report", () => {
    const { text, dropped } = taskToVTodo({ subject: "b", body: { bodyType: "HTML", value: "<html><body><p>Do <b>this</b></p></body></html>" } });
    expect(text).toContain("DESCRIPTION:Do this");
    expect(dropped).toEqual([{ property: "Body", reason: "HTML formatting is reduced to text in DESCRIPTION" }]);
  });
});

describe("malformed input", () => {
  it("throws a typed error when there is no VTODO", () => {
    expect(() => taskFromVTodo("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")).toThrow(MapperError);
    expect(() => taskToVTodo({ subject: "x" }, { base: "garbage" })).toThrow(expect.objectContaining({ code: "MISSING_COMPONENT" }));
  });

  it("maps the series master when an override comes first, and keeps the override on merge", () => {
    const text = ["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VTODO", "UID:s", "RECURRENCE-ID;VALUE=DATE:20260112", "SUMMARY:override", "END:VTODO", "BEGIN:VTODO", "UID:s", "DTSTART;VALUE=DATE:20260105", "RRULE:FREQ=WEEKLY;BYDAY=MO", "SUMMARY:master", "END:VTODO", "END:VCALENDAR", ""].join("\r\n");
    const { item, dropped } = taskFromVTodo(text);
    expect(item.subject).toBe("master");
    expect(dropped.map((entry) => entry.property)).toEqual(["VTODO"]);
    const merged = taskToVTodo({ ...item, subject: "master renamed" }, { base: text }).text;
    expect(merged).toContain("SUMMARY:override");
    expect(merged).toContain("SUMMARY:master renamed");
  });

  it("reads a bare VTODO and a VTODO whose calendar never ends", () => {
    expect(taskFromVTodo("BEGIN:VTODO\r\nUID:b\r\nSUMMARY:bare\r\nEND:VTODO\r\n").item.subject).toBe("bare");
    expect(taskFromVTodo("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nSUMMARY:open\r\n").item.subject).toBe("open");
  });
});
