/**
 * Property-based round trips (fast-check, the suite's fixed seed) through the Graph mappers, with
 * the EWS mappers' generators: any DAV text the EWS round trips cover, written to Graph and read back
 * onto itself, is unchanged; every body conforms to the CSDL; only what Graph lacks is reported.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzRuns } from "../fuzz.test-support.js";
import { normalizeVEvent, normalizeVTodo, eventToVEvent, eventFromVEvent, taskFromVTodo } from "../index.js";
import { todoContent, todoText } from "../arbitraries.test-support.js";
import { itemArbitrary } from "../event/arbitraries.test-support.js";
import { graphEventFromICalendar, graphEventToICalendar, graphTaskFromVTodo, graphTaskToVTodo } from "./index.js";
import { csdlProblems, storedSeries, storedTask } from "./graph.test-support.js";

const RUNS = Number(process.env.MAPPER_FC_RUNS ?? 100);

describe("Graph event round trips (fast-check)", () => {
  it("VEVENT → Graph → VEVENT onto itself is unchanged; bodies conform; only PARTSTAT is Graph's own report", () => {
    fc.assert(
      fc.property(itemArbitrary, ({ item, zone }) => {
        const ics = eventToVEvent(item, { timeZone: zone, now: new Date(0) }).text;
        const written = graphEventFromICalendar(ics, { timeZone: zone });
        expect(csdlProblems("event", written.master)).toEqual([]);
        const ews = eventFromVEvent(ics, { timeZone: zone });
        expect(written.dropped.slice(0, ews.dropped.length)).toEqual(ews.dropped);
        for (const entry of written.dropped.slice(ews.dropped.length)) expect(entry.property).toBe("ATTENDEE;PARTSTAT");
        const organizer = ews.item.organizer?.emailAddress;
        const { master, exceptions } = storedSeries(written, undefined, organizer ? { address: organizer, ...(ews.item.organizer?.name ? { name: ews.item.organizer.name } : {}) } : undefined);
        const back = graphEventToICalendar(master, exceptions, { timeZone: zone, basis: ics, now: new Date(0) });
        expect(normalizeVEvent(back.text)).toBe(normalizeVEvent(ics));
      }),
      { numRuns: fuzzRuns(RUNS) },
    );
  });
});

describe("Graph task round trips (fast-check)", () => {
  it("VTODO → To Do → VTODO onto itself is unchanged; the body conforms; only what To Do lacks is reported", () => {
    fc.assert(
      fc.property(todoContent, (content) => {
        const text = todoText(content);
        const written = graphTaskFromVTodo(text);
        expect(csdlProblems("todoTask", written.task)).toEqual([]);
        const ews = taskFromVTodo(text);
        for (const entry of written.dropped.slice(ews.dropped.length)) expect(["DTSTART", "DUE", "COMPLETED", "PERCENT-COMPLETE", "CLASS", "X-EWS-REGENERATION", "ATTACH"]).toContain(entry.property);
        const back = graphTaskToVTodo(storedTask(written), { basis: text });
        expect(normalizeVTodo(back.text)).toBe(normalizeVTodo(text));
      }),
      { numRuns: fuzzRuns(RUNS) },
    );
  });
});
