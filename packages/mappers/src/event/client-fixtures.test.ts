/**
 * Every client-shaped VEVENT (Outlook, Google, Apple, Thunderbird, Nextcloud, Android): the item
 * and occurrence operations it maps to, what it reports, and that EWS's copy written back onto it
 * is an echo.
 */
import { describe, expect, it } from "vitest";
import type { CalendarItem } from "@ewsdav/ews-client";
import { unfoldLines } from "../vobject/codec.js";
import { eventFromVEvent, eventToVEvent, normalizeVEvent, veventHash, type EventFromVEventResult } from "./index.js";
import { EVENT_FIXTURES } from "./client-fixtures.test-support.js";

/** The series as EWS holds it once the operations are applied: master, deleted and modified occurrences, exception items. */
function onExchange(result: EventFromVEventResult): { master: CalendarItem; exceptions: CalendarItem[] } {
  const deletes = result.occurrenceOperations.filter((op) => op.kind === "deleteOccurrence");
  const modifies = result.occurrenceOperations.filter((op) => op.kind === "modifyOccurrence");
  const master: CalendarItem = { ...result.item };
  if (deletes.length > 0) master.deletedOccurrences = deletes.map((op) => ({ start: op.originalStart }));
  if (modifies.length > 0) master.modifiedOccurrences = modifies.map((op, i) => ({ itemId: { id: `occ-${i}` }, start: op.changes.start!, end: op.changes.end!, originalStart: op.originalStart }));
  const exceptions = modifies.map((op) => {
    const exception: CalendarItem = { ...result.item, ...op.changes, originalStart: op.originalStart };
    delete exception.recurrence;
    return exception;
  });
  return { master, exceptions };
}

/** The item with EWS's defaults left out (Normal importance and sensitivity, an empty location), which a new object does not spell. */
function withoutDefaults(item: CalendarItem): CalendarItem {
  const out: CalendarItem = { ...item };
  if (out.importance === "Normal") delete out.importance;
  if (out.sensitivity === "Normal") delete out.sensitivity;
  if (out.location === "") delete out.location;
  return out;
}

describe.each(EVENT_FIXTURES)("$client", (fixture) => {
  const options = fixture.timeZone ? { timeZone: fixture.timeZone } : {};

  it("maps to the expected calendar item and operations, and reports exactly what it cannot carry", () => {
    const result = eventFromVEvent(fixture.text, options);
    expect(result.item).toMatchObject(fixture.expected);
    expect(result.uid).toBe(result.item.uid);
    expect(result.dropped.map((entry) => entry.property).sort()).toEqual([...fixture.dropped].sort());
    expect(result.occurrenceOperations).toEqual(fixture.operations ?? []);
    expect(result.sendMeetingInvitations).toBe("SendToNone");
  });

  it("is written back from EWS onto itself without a change, keeping its own VTIMEZONEs", () => {
    const { master, exceptions } = onExchange(eventFromVEvent(fixture.text, options));
    const { text } = eventToVEvent(master, { ...options, base: fixture.text, exceptions });
    expect(normalizeVEvent(text)).toBe(normalizeVEvent(fixture.text));
    expect(veventHash(text)).toBe(veventHash(fixture.text));
    for (const block of fixture.text.match(/BEGIN:VTIMEZONE[\s\S]*?END:VTIMEZONE\r\n/g) ?? []) expect(text).toContain(block);
  });

  it("is written back line for line as the client spelled it (adding only the VTIMEZONEs it lacked)", () => {
    const { master, exceptions } = onExchange(eventFromVEvent(fixture.text, options));
    const written = unfoldLines(eventToVEvent(master, { ...options, base: fixture.text, exceptions }).text);
    const generated = new Set<number>();
    written.forEach((line, index) => {
      if (line !== "BEGIN:VTIMEZONE" || fixture.text.includes(written[index + 1]!)) return;
      for (let i = index; i < written.length && written[i - 1] !== "END:VTIMEZONE"; i++) generated.add(i);
    });
    expect(written.filter((_, index) => !generated.has(index))).toEqual(unfoldLines(fixture.text));
  });

  it("survives a new object and back, with the same item and operations", () => {
    const first = eventFromVEvent(fixture.text, options);
    const { master, exceptions } = onExchange(first);
    const { text } = eventToVEvent(master, { ...options, exceptions, now: new Date("2026-01-01T00:00:00Z") });
    const again = eventFromVEvent(text, options);
    expect(withoutDefaults(again.item)).toEqual(withoutDefaults(first.item));
    expect(again.occurrenceOperations).toEqual(first.occurrenceOperations);
  });

  it("a change made in Exchange touches only its own property", () => {
    const { master, exceptions } = onExchange(eventFromVEvent(fixture.text, options));
    const { text } = eventToVEvent({ ...master, subject: "Changed in Outlook" }, { ...options, base: fixture.text, exceptions });
    const before = normalizeVEvent(fixture.text).split("\n");
    const after = normalizeVEvent(text).split("\n");
    const added = after.filter((line) => !before.includes(line));
    const removed = before.filter((line) => !after.includes(line));
    expect(added).toEqual(['summary:["Changed in Outlook"]']);
    expect(removed.length).toBe(1);
    expect(removed[0]).toMatch(/^summary[;:]/);
  });
});
