/**
 * End to end through the EWS simulator over loopback: a VEVENT series with a moved and a deleted
 * occurrence is created on EWS by the mapped master plus its occurrence operations (CreateItem,
 * UpdateItem / DeleteItem on OccurrenceItemId with the mapper's InstanceIndex), read back with
 * GetItem, and mapped to iCalendar again — giving the same object.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient, isEwsError, type CalendarItem, type ItemId } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { eventFromVEvent, eventToVEvent, normalizeVEvent } from "./index.js";

const SERIES = [
  "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav tests//EN",
  "BEGIN:VEVENT", "UID:sim-series@ewsdav.test", "DTSTAMP:20260101T000000Z",
  "DTSTART;TZID=Europe/Berlin:20260302T090000", "DTEND;TZID=Europe/Berlin:20260302T100000",
  "RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=MO;COUNT=12", "EXDATE;TZID=Europe/Berlin:20260316T090000",
  "SUMMARY:Weekly", "LOCATION:Room 1", "TRANSP:OPAQUE", "X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "END:VEVENT",
  "BEGIN:VEVENT", "UID:sim-series@ewsdav.test", "DTSTAMP:20260101T000000Z",
  "RECURRENCE-ID;TZID=Europe/Berlin:20260406T090000",
  "DTSTART;TZID=Europe/Berlin:20260406T113000", "DTEND;TZID=Europe/Berlin:20260406T123000",
  "SUMMARY:Weekly (moved after the clocks changed)", "LOCATION:Room 1", "TRANSP:OPAQUE", "X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "END:VEVENT",
  "END:VCALENDAR", "",
].join("\r\n");

describe("event mapper with the EWS simulator", () => {
  let sim: EwsSimulator;
  let client: EwsClient;
  beforeAll(async () => {
    sim = await startEwsSimulator();
    client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), retry: false });
  });
  afterAll(() => sim.stop());

  const fetchOne = async (id: string | { recurringMasterId: string; instanceIndex: number }): Promise<CalendarItem> => {
    const [result] = await client.getItem([typeof id === "string" ? { id } : id]);
    if (!result || isEwsError(result) || result.type !== "CalendarItem") throw new Error(`GetItem failed: ${String(result)}`);
    return result.item;
  };

  it("creates the series, applies the occurrence operations and reads back the same object", async () => {
    const mapped = eventFromVEvent(SERIES, { timeZone: "Europe/Berlin" });
    const [created] = await client.createItem([{ type: "CalendarItem", item: mapped.item }], { sendMeetingInvitations: mapped.sendMeetingInvitations });
    if (!created || isEwsError(created)) throw new Error(`CreateItem failed: ${String(created)}`);
    let masterId: ItemId = created;
    for (const operation of mapped.occurrenceOperations) {
      const target = { recurringMasterId: masterId.id, changeKey: masterId.changeKey, instanceIndex: operation.instanceIndex! };
      if (operation.kind === "deleteOccurrence") {
        const [deleted] = await client.deleteItem([target], { deleteType: "HardDelete" });
        expect(isEwsError(deleted)).toBe(false);
      } else {
        const before = await fetchOne(target);
        expect(before.originalStart ?? before.start).toBe(operation.originalStart);
        const [updated] = await client.updateItem([{ target, before: { type: "CalendarItem", item: before }, after: { type: "CalendarItem", item: { ...before, ...operation.changes } } }]);
        if (!updated || isEwsError(updated)) throw new Error(`UpdateItem failed: ${String(updated)}`);
      }
      const master = await fetchOne(masterId.id);
      masterId = master.itemId!;
    }
    const master = await fetchOne(masterId.id);
    expect(master.deletedOccurrences?.map((o) => o.start)).toEqual(["2026-03-16T08:00:00Z"]);
    expect(master.modifiedOccurrences?.map((o) => [o.originalStart, o.start])).toEqual([["2026-04-06T07:00:00Z", "2026-04-06T09:30:00Z"]]);
    const exceptions = await Promise.all((master.modifiedOccurrences ?? []).map((o) => fetchOne(o.itemId.id)));
    const { text } = eventToVEvent(master, { exceptions, base: SERIES, timeZone: "Europe/Berlin" });
    expect(normalizeVEvent(text)).toBe(normalizeVEvent(SERIES));
    const fresh = eventToVEvent(master, { exceptions, timeZone: "Europe/Berlin" }).text;
    expect(normalizeVEvent(fresh)).toBe(normalizeVEvent(SERIES));
  });

  it("carries an all-day event over the spring change and an event in a custom VTIMEZONE through EWS", async () => {
    const objects = [
      ["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "UID:sim-allday@ewsdav.test", "DTSTART;VALUE=DATE:20260328", "DTEND;VALUE=DATE:20260331", "SUMMARY:Trip", "TRANSP:TRANSPARENT", "X-MICROSOFT-CDO-BUSYSTATUS:FREE", "END:VEVENT", "END:VCALENDAR", ""],
      [
        "BEGIN:VCALENDAR", "VERSION:2.0",
        "BEGIN:VTIMEZONE", "TZID:Company Time", "BEGIN:STANDARD", "DTSTART:19700101T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "TZOFFSETFROM:+0630", "TZOFFSETTO:+0530", "END:STANDARD",
        "BEGIN:DAYLIGHT", "DTSTART:19700301T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU", "TZOFFSETFROM:+0530", "TZOFFSETTO:+0630", "END:DAYLIGHT", "END:VTIMEZONE",
        "BEGIN:VEVENT", "UID:sim-custom@ewsdav.test", "DTSTART;TZID=Company Time:20260715T100000", "DTEND;TZID=Company Time:20260715T110000", "SUMMARY:Custom", "TRANSP:OPAQUE", "X-MICROSOFT-CDO-BUSYSTATUS:OOF", "END:VEVENT", "END:VCALENDAR", "",
      ],
    ].map((lines) => lines.join("\r\n"));
    for (const original of objects) {
      const mapped = eventFromVEvent(original, { timeZone: "Europe/Berlin" });
      const [created] = await client.createItem([{ type: "CalendarItem", item: mapped.item }]);
      if (!created || isEwsError(created)) throw new Error(`CreateItem failed: ${String(created)}`);
      const stored = await fetchOne(created.id);
      expect(stored.start).toBe(mapped.item.start);
      if (original.includes("Company Time")) {
        // Sent and stored as a full definition: the custom rules, not a guessed Windows zone.
        expect(stored.startTimeZone?.id).toBe("Company Time");
        expect([...new Set(stored.startTimeZone?.periods?.map((period) => period.bias))].sort()).toEqual(["-PT5H30M", "-PT6H30M"]);
      }
      const { text } = eventToVEvent(stored, { base: original, timeZone: "Europe/Berlin" });
      expect(normalizeVEvent(text)).toBe(normalizeVEvent(original));
      const fresh = eventToVEvent(stored, { timeZone: "Europe/Berlin" }).text;
      expect(eventFromVEvent(fresh, { timeZone: "Europe/Berlin" }).item.start).toBe(mapped.item.start);
    }
  });
});
