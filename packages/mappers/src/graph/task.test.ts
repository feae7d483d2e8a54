import { describe, expect, it } from "vitest";
import type { GraphTodoTask } from "@ewsdav/graph-client";
import { normalizeVTodo, taskFromVTodo, unfoldLines, vtodoHash } from "../index.js";
import { TASK_FIXTURES } from "../task/client-fixtures.test-support.js";
import { graphTaskFromVTodo, graphTaskToVTodo } from "./index.js";
import { csdlProblems, storedTask } from "./graph.test-support.js";

/** What only Graph drops beyond the EWS mapper's own reports. */
const GRAPH_DROPS = new Set(["DTSTART", "DUE", "COMPLETED", "PERCENT-COMPLETE", "CLASS", "RRULE", "X-EWS-REGENERATION", "ATTACH"]);
const NOW = new Date("2026-01-01T00:00:00Z");
const todo = (...lines: string[]) => ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav tests//EN", "BEGIN:VTODO", "UID:todo@ewsdav.test", "DTSTAMP:20260101T000000Z", "SUMMARY:Pay rent", ...lines, "END:VTODO", "END:VCALENDAR", ""].join("\r\n");

describe.each(TASK_FIXTURES)("Graph: $client", (fixture) => {
  const written = graphTaskFromVTodo(fixture.text);

  it("maps to a todoTask body that conforms to the CSDL, and reports what the EWS mapper reports plus only what To Do lacks", () => {
    expect(csdlProblems("todoTask", written.task)).toEqual([]);
    const ews = taskFromVTodo(fixture.text);
    expect(written.uid).toBe(ews.uid);
    expect(written.extension).toEqual({ "@odata.type": "microsoft.graph.openTypeExtension", extensionName: "ewsdav.uid", uid: ews.uid });
    expect(written.dropped.slice(0, ews.dropped.length)).toEqual(ews.dropped);
    for (const entry of written.dropped.slice(ews.dropped.length)) expect(GRAPH_DROPS.has(entry.property), entry.property).toBe(true);
  });

  it("read back from To Do onto its text, comes back unchanged", () => {
    const back = graphTaskToVTodo(storedTask(written), { basis: fixture.text });
    expect(normalizeVTodo(back.text)).toBe(normalizeVTodo(fixture.text));
    expect(vtodoHash(back.text)).toBe(vtodoHash(fixture.text));
    expect(unfoldLines(back.text)).toEqual(unfoldLines(fixture.text));
  });

  it("a new VTODO from To Do maps back to the same body", () => {
    const fresh = graphTaskToVTodo(storedTask(written), { now: NOW });
    const again = graphTaskFromVTodo(fresh.text);
    // A new VTODO has dates (To Do keeps no form): the same dates, in UTC.
    const dates = (task: typeof written.task) => ({ ...task, startDateTime: task.startDateTime?.dateTime ?? null, dueDateTime: task.dueDateTime?.dateTime ?? null });
    expect(dates(again.task)).toEqual(dates(written.task));
    expect(again.uid).toBe(written.uid);
  });

  it("a change made in To Do touches only its own property", () => {
    const back = graphTaskToVTodo({ ...storedTask(written), title: "Changed in To Do" }, { basis: fixture.text });
    const before = new Set(normalizeVTodo(fixture.text).split("\n"));
    const after = new Set(normalizeVTodo(back.text).split("\n"));
    const added = [...after].filter((line) => !before.has(line));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^summary(;language=de-DE)?:\["Changed in To Do"\]$/);
    expect([...before].filter((line) => !after.has(line)).every((line) => line.startsWith("summary"))).toBe(true);
  });
});

describe("Graph tasks: what To Do holds differently", () => {
  it("status, importance, dates, reminder, categories both ways", () => {
    const text = todo("STATUS:IN-PROCESS", "PRIORITY:1", "DUE;VALUE=DATE:20260310", "DTSTART;VALUE=DATE:20260301", "CATEGORIES:Home", "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Reminder", "TRIGGER;VALUE=DATE-TIME:20260309T080000Z", "END:VALARM");
    const { task, dropped } = graphTaskFromVTodo(text);
    expect(task).toMatchObject({
      title: "Pay rent", status: "inProgress", importance: "high", categories: ["Home"],
      dueDateTime: { dateTime: "2026-03-10T00:00:00.0000000", timeZone: "UTC" }, startDateTime: { dateTime: "2026-03-01T00:00:00.0000000", timeZone: "UTC" },
      isReminderOn: true, reminderDateTime: { dateTime: "2026-03-09T08:00:00.0000000", timeZone: "UTC" },
    });
    expect(dropped).toEqual([]);
    expect(unfoldLines(graphTaskToVTodo(storedTask(graphTaskFromVTodo(text)), { basis: text }).text)).toEqual(unfoldLines(text));
  });

  it("a due date To Do gives as a local midnight in another zone (or in UTC) is the same date", () => {
    const graph: GraphTodoTask = { id: "t", title: "Zoned", status: "notStarted", dueDateTime: { dateTime: "2026-03-09T23:00:00.0000000", timeZone: "UTC" } };
    expect(unfoldLines(graphTaskToVTodo(graph, { uid: "u", now: NOW }).text)).toContain("DUE;VALUE=DATE:20260310");
    const berlin: GraphTodoTask = { ...graph, dueDateTime: { dateTime: "2026-03-10T00:00:00.0000000", timeZone: "W. Europe Standard Time" } };
    expect(unfoldLines(graphTaskToVTodo(berlin, { uid: "u", now: NOW }).text)).toContain("DUE;VALUE=DATE:20260310");
  });

  it("a DUE with a time: the date goes to To Do (the time reported) and the time comes back from the basis, also on another day", () => {
    const text = todo("DUE;TZID=Europe/Berlin:20260310T170000");
    const written = graphTaskFromVTodo(text);
    expect(written.task.dueDateTime).toEqual({ dateTime: "2026-03-10T00:00:00.0000000", timeZone: "W. Europe Standard Time" });
    expect(written.dropped.map((d) => d.property)).toEqual(["DUE"]);
    const stored = storedTask(written);
    expect(unfoldLines(graphTaskToVTodo(stored, { basis: text }).text)).toContain("DUE;TZID=Europe/Berlin:20260310T170000");
    const moved = { ...stored, dueDateTime: { dateTime: "2026-03-12T00:00:00.0000000", timeZone: "W. Europe Standard Time" } };
    expect(unfoldLines(graphTaskToVTodo(moved, { basis: text }).text)).toContain("DUE;TZID=Europe/Berlin:20260312T170000");
  });

  it("PERCENT-COMPLETE and CLASS are reported and kept from the basis while the status is the same", () => {
    const text = todo("STATUS:IN-PROCESS", "PERCENT-COMPLETE:40", "CLASS:CONFIDENTIAL");
    const written = graphTaskFromVTodo(text);
    expect(written.dropped.map((d) => d.property)).toEqual(["PERCENT-COMPLETE", "CLASS"]);
    expect(unfoldLines(graphTaskToVTodo(storedTask(written), { basis: text }).text)).toEqual(unfoldLines(text));
    const done = graphTaskToVTodo({ ...storedTask(written), status: "completed", completedDateTime: { dateTime: "2026-03-11T10:00:00.0000000", timeZone: "UTC" } }, { basis: text });
    const lines = unfoldLines(done.text);
    expect(lines).toEqual(expect.arrayContaining(["STATUS:COMPLETED", "CLASS:CONFIDENTIAL", "COMPLETED:20260311T100000Z"]));
    expect(lines.find((l) => l.startsWith("PERCENT-COMPLETE"))).toBe("PERCENT-COMPLETE:100");
  });

  it("waitingOnOthers and deferred travel as the EWS mapper writes them", () => {
    for (const status of ["waitingOnOthers", "deferred"] as const) {
      const out = graphTaskToVTodo({ id: "s", title: "S", status }, { uid: "u", now: NOW });
      expect(graphTaskFromVTodo(out.text).task.status).toBe(status);
    }
  });

  it("steps and linked resources are reported by their Graph names; the UID is read from the extension", () => {
    const graph: GraphTodoTask = {
      id: "c", title: "Steps", status: "notStarted", checklistItems: [{ id: "1", displayName: "first" }], linkedResources: [{ id: "2", webUrl: "https://example.com/x" }],
      extensions: [{ "@odata.type": "#microsoft.graph.openTypeExtension", id: "microsoft.graph.openTypeExtension.ewsdav.uid", extensionName: "ewsdav.uid", uid: "steps-uid" }],
    };
    const out = graphTaskToVTodo(graph, { now: NOW });
    expect(out.uid).toBe("steps-uid");
    expect(unfoldLines(out.text)).toContain("UID:steps-uid");
    expect(out.dropped.map((d) => [d.property, d.value])).toEqual([["checklistItems", "first"], ["linkedResources", "https://example.com/x"]]);
  });

  it("recurrence: a weekly RRULE both ways; a regenerating one is reported", () => {
    const text = todo("DUE;VALUE=DATE:20260105", "RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=SU");
    const written = graphTaskFromVTodo(text);
    expect(written.task.recurrence).toMatchObject({ pattern: { type: "weekly", interval: 1, daysOfWeek: ["monday"], firstDayOfWeek: "sunday" }, range: { type: "noEnd", startDate: "2026-01-05" } });
    expect(csdlProblems("todoTask", written.task)).toEqual([]);
    expect(normalizeVTodo(graphTaskToVTodo(storedTask(written), { basis: text }).text)).toBe(normalizeVTodo(text));
    const regen = graphTaskFromVTodo(todo("DUE;VALUE=DATE:20260105", "X-EWS-REGENERATION:FREQ=DAILY;INTERVAL=3"));
    expect(regen.task.recurrence).toBeNull();
    expect(regen.dropped.map((d) => d.property)).toContain("X-EWS-REGENERATION");
  });
});
