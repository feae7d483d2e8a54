import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzRuns } from "../fuzz.test-support.js";
import type { Task } from "@ewsdav/ews-client";
import { normalizeVTodo, taskFromVTodo, taskToVTodo, EWSDAV_UID_PROPERTY } from "../index.js";
import { ewsTask, todoContent, todoText } from "../arbitraries.test-support.js";

// MAPPER_FC_RUNS=2000 for a longer hunt; the default keeps the suite fast.
const RUNS = { numRuns: fuzzRuns(Number(process.env.MAPPER_FC_RUNS ?? 150)) };

/** The task without ewsdav's bookkeeping (the remembered time forms). */
function comparable(task: Task): Task {
  const copy = JSON.parse(JSON.stringify(task)) as Task;
  copy.extendedProperties = (copy.extendedProperties ?? []).filter((property) => property.fieldUri.propertyName === EWSDAV_UID_PROPERTY.propertyName);
  return copy;
}

describe("task round trips (fast-check)", () => {
  it("VTODO → EWS → VTODO is unchanged in normalised form", () => {
    fc.assert(
      fc.property(todoContent, (content) => {
        const text = todoText(content);
        const read = taskFromVTodo(text);
        expect(read.dropped).toEqual([]);
        const written = taskToVTodo(read.item, { now: new Date(0) });
        expect(written.dropped).toEqual([]);
        expect(normalizeVTodo(written.text)).toBe(normalizeVTodo(text));
      }),
      RUNS,
    );
  });

  it("EWS → VTODO → EWS gives the same task", () => {
    fc.assert(
      fc.property(ewsTask, (item) => {
        const written = taskToVTodo(item, { now: new Date(0) });
        expect(written.dropped).toEqual([]);
        const read = taskFromVTodo(written.text);
        expect(read.dropped).toEqual([]);
        expect(comparable(read.item)).toEqual(comparable(item));
      }),
      RUNS,
    );
  });

  it("beyond the limits, exactly the overflow is reported and the rest maps as without it", () => {
    const overflow = fc.record({
      alarms: fc.integer({ min: 0, max: 2 }),
      xProperties: fc.uniqueArray(fc.stringMatching(/^[A-Z]{1,8}$/), { maxLength: 2 }),
      url: fc.boolean(),
      attendee: fc.boolean(),
    });
    fc.assert(
      fc.property(
        todoContent.filter((content) => content.alarm !== null),
        overflow,
        (content, extra) => {
          const lines = [...extra.xProperties.map((name) => `X-${name};X-P=1:value ${name}`), ...(extra.url ? ["URL:https://example.com/t"] : []), ...(extra.attendee ? ["ATTENDEE;CN=Someone:mailto:someone@example.com"] : [])];
          const alarms = Array.from({ length: extra.alarms }, (_, index) => `BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER;VALUE=DATE-TIME:20300101T0${index}0000Z\r\nEND:VALARM`);
          const within = taskFromVTodo(todoText(content));
          const beyond = taskFromVTodo(todoText(content, lines, alarms));
          expect(beyond.item).toEqual(within.item);
          const reported = beyond.dropped.map((entry) => entry.property).sort();
          const expected = [...extra.xProperties.map((name) => `X-${name}`), ...(extra.url ? ["URL"] : []), ...(extra.attendee ? ["ATTENDEE"] : []), ...alarms.map(() => "VALARM")].sort();
          expect(reported).toEqual(expected);
        },
      ),
      RUNS,
    );
  });

  it("merging an EWS task onto a base never alters the base's unsupported properties and components", () => {
    const unsupported = fc.constantFrom(
      "URL:https://example.com/task",
      "X-APPLE-SORT-ORDER:123456",
      "ATTENDEE;CN=Some One;X-UNKNOWN=1:mailto:someone@example.com",
      "RELATED-TO;RELTYPE=PARENT:parent-uid",
      "X-CUSTOM;X-Param=Value:kept exactly",
      "LOCATION:Room 1\\, second floor",
    );
    fc.assert(
      fc.property(todoContent, fc.uniqueArray(unsupported, { minLength: 1, maxLength: 4 }), fc.boolean(), ewsTask, (content, extras, secondAlarm, item) => {
        const alarm = "BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER;RELATED=END:-P1D\r\nX-KEEP:yes\r\nEND:VALARM";
        const base = todoText({ ...content, alarm: content.alarm ?? { date: { year: 2030, month: 1, day: 1 }, hour: 9, minute: 0 } }, extras, secondAlarm ? [alarm] : []);
        const merged = taskToVTodo(item, { base, now: new Date(0) });
        const mergedLines = normalizeVTodo(merged.text);
        for (const line of normalizeVTodo(todoText({ ...emptyTodo, uid: content.uid }, extras)).split("\n")) {
          if (/^(begin|end):|^uid|^status/.test(line)) continue;
          expect(mergedLines.split("\n")).toContain(line);
        }
        if (secondAlarm) expect(mergedLines).toContain('x-keep:["yes"]');
        // A percentage a VTODO implies (0, or 100 when completed) need not be written.
        const effective = (task: Task): Task => ({ ...task, percentComplete: task.percentComplete ?? (task.status === "Completed" ? 100 : 0) });
        const back = effective(comparable(taskFromVTodo(merged.text).item));
        const expected = effective(comparable(item));
        // A recurrence needs a start; a kept second alarm becomes the reminder when EWS removed the first;
        // the rest must come back as the item says.
        const ignore = { recurrence: undefined, startDate: undefined, extendedProperties: undefined, ...(secondAlarm ? { reminderIsSet: undefined, reminderDueBy: undefined } : {}) };
        expect({ ...back, ...ignore }).toEqual({ ...expected, ...ignore });
      }),
      { numRuns: Math.ceil(RUNS.numRuns / 2) },
    );
  });
});

const emptyTodo = {
  uid: "",
  summary: null,
  description: null,
  start: null,
  due: null,
  completed: null,
  percent: null,
  status: "NEEDS-ACTION" as const,
  priority: null,
  klass: null,
  categories: [],
  rrule: null,
  regeneration: null,
  alarm: null,
};
