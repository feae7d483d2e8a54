/**
 * What the event mapper produces is something Exchange accepts: the items (with their time zones,
 * recurrences, 2007 MeetingTimeZone, custom TimeZoneDefinitions) and the occurrence operations,
 * serialised by the EWS client's own request builders, validate against the official EWS schema.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCreateItem, buildDeleteItem, buildEnvelope, buildItemChange, buildUpdateItem, type CalendarItem, type ExchangeVersion } from "@ewsdav/ews-client";
import { ewsSchemaValidator } from "../../../../test/harness/ews-schema.js";
import { ianaZone } from "../timezone/resolve.js";
import { itemArbitrary } from "./arbitraries.test-support.js";
import { eventFromVEvent, eventToVEvent } from "./index.js";

const createEnvelope = (items: CalendarItem[], version: ExchangeVersion): string =>
  buildEnvelope({ version }, buildCreateItem(items.map((item) => ({ type: "CalendarItem" as const, item })), {}, version));

const SERIES = [
  "BEGIN:VCALENDAR", "VERSION:2.0",
  "BEGIN:VEVENT", "UID:series@ewsdav.test", "DTSTART;TZID=Europe/Berlin:20260302T090000", "DTEND;TZID=Europe/Berlin:20260302T100000",
  "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=20", "EXDATE;TZID=Europe/Berlin:20260316T090000", "SUMMARY:Weekly",
  "ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann@example.org", "END:VEVENT",
  "BEGIN:VEVENT", "UID:series@ewsdav.test", "RECURRENCE-ID;TZID=Europe/Berlin:20260406T090000", "DTSTART;TZID=Europe/Berlin:20260406T113000", "DTEND;TZID=Europe/Berlin:20260406T123000", "SUMMARY:Moved", "LOCATION:Room 2", "END:VEVENT",
  "END:VCALENDAR", "",
].join("\r\n");

describe("event mapper output against the EWS schema", () => {
  it("CreateItem of mapped items, UpdateItem/DeleteItem of occurrence operations", async () => {
    const docs: Array<[string, string]> = [];
    // Generated items, mapped through VEVENT and back (what the engine sends on a DAV → EWS write).
    const samples = fc.sample(itemArbitrary, { numRuns: 60, seed: 7 });
    const mapped = samples.map(({ item, zone }) => eventFromVEvent(eventToVEvent(item, { timeZone: zone }).text, { timeZone: zone }).item);
    docs.push(["CreateItem (generated, 2016)", createEnvelope(mapped, "Exchange2016")]);
    const legacy = samples.slice(0, 20).map(({ item, zone }) => eventFromVEvent(eventToVEvent(item, { timeZone: zone }).text, { timeZone: zone, timeZoneSchema: "Exchange2007_SP1" }).item);
    docs.push(["CreateItem (generated, 2007 SP1 MeetingTimeZone)", createEnvelope(legacy, "Exchange2007_SP1")]);
    // A zone no Windows zone matches travels as a full definition; so does a custom VTIMEZONE.
    const troll = ianaZone("Antarctica/Troll");
    docs.push(["CreateItem (custom definition)", createEnvelope([{ uid: "troll@x", subject: "Troll", start: "2026-07-01T10:00:00Z", end: "2026-07-01T11:00:00Z", startTimeZone: troll.definition(), endTimeZone: troll.definition() }], "Exchange2016")]);
    // The series and its operations.
    const series = eventFromVEvent(SERIES);
    docs.push(["CreateItem (series master)", createEnvelope([series.item], "Exchange2016")]);
    const changes: string[] = [];
    const deletions: Array<{ recurringMasterId: string; changeKey: string; instanceIndex: number }> = [];
    for (const operation of series.occurrenceOperations) {
      const target = { recurringMasterId: "AAMkMaster=", changeKey: "CK1", instanceIndex: operation.instanceIndex ?? 1 };
      if (operation.kind === "modifyOccurrence") {
        const before: CalendarItem = { ...series.item, start: operation.originalStart };
        delete before.recurrence;
        const change = buildItemChange({ target, before: { type: "CalendarItem", item: before }, after: { type: "CalendarItem", item: { ...before, ...operation.changes } } }, "Exchange2016", "modifyOccurrence");
        if (change) changes.push(change);
      } else deletions.push(target);
    }
    expect(changes).toHaveLength(1);
    expect(deletions).toHaveLength(1);
    docs.push(["UpdateItem (modifyOccurrence)", buildEnvelope({ version: "Exchange2016" }, buildUpdateItem(changes, {}, true))]);
    docs.push(["DeleteItem (deleteOccurrence)", buildEnvelope({ version: "Exchange2016" }, buildDeleteItem(deletions, {}))]);

    const violations = await ewsSchemaValidator().validate(docs.map(([, xml]) => xml));
    expect(violations.map((v) => `${docs[v.document]![0]}: line ${v.line}: ${v.message}`)).toEqual([]);
    const doc = (prefix: string): string => docs.find(([name]) => name.startsWith(prefix))![1];
    expect(doc("UpdateItem")).toContain('InstanceIndex="6"');
    expect(doc("CreateItem (custom")).toContain("<t:RecurringDayTransition>");
    expect(doc("CreateItem (generated, 2007")).toContain("<t:MeetingTimeZone");
    expect(doc("CreateItem (generated, 2016)")).toContain("<t:StartTimeZone");
  }, 120_000);
});
