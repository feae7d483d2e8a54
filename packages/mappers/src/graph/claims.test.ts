/**
 * The Graph column's claims, checked with the EWS rows' examples: every example written through
 * the Graph mapper gives bodies that conform to the CSDL, reports what the Graph row says Graph
 * cannot hold, and — read back from Graph onto the text — gives the text back (nothing is lost on
 * the DAV side); for a row Graph supports, a new object from Graph has the example's lines.
 */
import { describe, expect, it } from "vitest";
import { normalizeICalendarComponents, normalizeVCard, normalizeVTodo, unfoldLines } from "../index.js";
import { CONTACT_MAPPING_ROWS } from "../contact/metadata.js";
import { EVENT_MAPPING_ROWS } from "../event/metadata.js";
import { TASK_MAPPING_ROWS } from "../task/metadata.js";
import type { MappingRow } from "../result.js";
import { GRAPH_CONTACT_MAPPING_ROWS, GRAPH_EVENT_MAPPING_ROWS, GRAPH_TASK_MAPPING_ROWS, graphContactFromVCard, graphContactToVCard, graphEventFromICalendar, graphEventToICalendar, graphTaskFromVTodo, graphTaskToVTodo, type GraphMappingRow } from "./index.js";
import { csdlProblems, storedContact, storedSeries, storedTask } from "./graph.test-support.js";

const key = (row: { property: string; ewsFields: readonly string[] }) => `${row.property}|${row.ewsFields.join(",")}`;
const nameOf = (line: string) => line.split(/[;:]/)[0]!.toUpperCase();
const withContext = (defaults: string[], context: string[]) => [...defaults.filter((d) => !context.some((c) => nameOf(c) === nameOf(d))), ...context];

function pairs(rows: readonly MappingRow[], graph: readonly GraphMappingRow[]): Array<[string, MappingRow, GraphMappingRow]> {
  const byKey = new Map(graph.map((row) => [key(row), row]));
  return rows.filter((row) => row.example && row.example.dav.length > 0).map((row) => [`${row.property} (${row.ewsFields.join(", ") || "—"})`, row, byKey.get(key(row))!]);
}

function expectReported(row: MappingRow, graph: GraphMappingRow, dropped: Array<{ property: string }>): void {
  if (graph.support !== "not-supported" || row.support === "not-supported") return;
  const names = new Set(dropped.map((d) => d.property.split(/[;:]/)[0]!.toUpperCase()));
  for (const line of row.example!.dav) if (!/^(BEGIN|END):/.test(line)) expect(names.has(nameOf(line)), `${nameOf(line)} reported`).toBe(true);
}

describe("Graph column claims: contacts", () => {
  it.each(pairs(CONTACT_MAPPING_ROWS, GRAPH_CONTACT_MAPPING_ROWS))("%s", (_, row, graph) => {
    const e = row.example!;
    const lines = withContext(["UID:urn:uuid:0c7b5f4e-1111-4d1e-9a43-2f1d5e8b0c71", "FN:Ada Lovelace"], [...(e.context ?? []), ...e.dav]);
    const text = ["BEGIN:VCARD", "VERSION:4.0", ...lines, "END:VCARD", ""].join("\r\n");
    const written = graphContactFromVCard(text);
    expect(csdlProblems("contact", written.contact)).toEqual([]);
    expectReported(row, graph, written.dropped);
    const stored = storedContact(written.contact);
    const photo = written.photo ? { photo: written.photo } : {};
    expect(normalizeVCard(graphContactToVCard(stored, { basis: text, ...photo }).text)).toBe(normalizeVCard(text));
    if (graph.support === "supported" && row.support === "supported" && !e.back) {
      const fresh = normalizeVCard(graphContactToVCard(stored, photo).text);
      expect(fresh).toBe(normalizeVCard(text));
    }
  });
});

describe("Graph column claims: tasks", () => {
  it.each(pairs(TASK_MAPPING_ROWS, GRAPH_TASK_MAPPING_ROWS))("%s", (_, row, graph) => {
    const e = row.example!;
    const lines = withContext(["UID:claim-task@ewsdav.test", "DTSTAMP:20260101T000000Z", "SUMMARY:Claim"], [...(e.context ?? []), ...e.dav]);
    const text = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav tests//EN", "BEGIN:VTODO", ...lines, "END:VTODO", "END:VCALENDAR", ""].join("\r\n");
    const written = graphTaskFromVTodo(text);
    expect(csdlProblems("todoTask", written.task)).toEqual([]);
    expectReported(row, graph, written.dropped);
    expect(normalizeVTodo(graphTaskToVTodo(storedTask(written), { basis: text }).text)).toBe(normalizeVTodo(text));
  });
});

describe("Graph column claims: events", () => {
  it.each(pairs(EVENT_MAPPING_ROWS, GRAPH_EVENT_MAPPING_ROWS))("%s", (_, row, graph) => {
    const e = row.example!;
    const defaults = ["UID:claim-event@ewsdav.test", "DTSTAMP:20260101T000000Z", "DTSTART;TZID=Europe/Berlin:20260105T090000", "DTEND;TZID=Europe/Berlin:20260105T093000", "SUMMARY:Claim"];
    const lines = withContext(defaults, [...(e.context ?? []), ...e.dav]);
    const text = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav tests//EN", "BEGIN:VEVENT", ...lines, "END:VEVENT", ...(e.after ?? []), "END:VCALENDAR", ""].join("\r\n");
    const options = { timeZone: "Europe/Berlin" };
    const written = graphEventFromICalendar(text, options);
    expect(csdlProblems("event", written.master)).toEqual([]);
    for (const exception of written.exceptions) expect(csdlProblems("event", exception.event)).toEqual([]);
    expectReported(row, graph, written.dropped);
    const organizer = unfoldLines(text).find((l) => l.startsWith("ORGANIZER"))?.replace(/^.*mailto:/i, "");
    const { master, exceptions } = storedSeries(written, undefined, organizer ? { address: organizer } : undefined);
    const back = graphEventToICalendar(master, exceptions, { ...options, basis: text, attachments: written.attachments });
    expect(normalizeICalendarComponents(text, "vevent")).toMatch(/^begin:vevent/);
    expect(normalizeICalendarComponents(back.text, "vevent")).toBe(normalizeICalendarComponents(text, "vevent"));
  });
});
