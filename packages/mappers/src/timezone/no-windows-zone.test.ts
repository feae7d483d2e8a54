/**
 * A zone no Windows zone reproduces (Antarctica/Troll; under tz data 2026c also Edmonton's and
 * Vancouver's new rules; a custom VTIMEZONE) travels to Exchange as its full rules and comes back
 * with the same offsets: VEVENT → CalendarItem → CreateItem on the EWS simulator over loopback →
 * GetItem → VEVENT, on whatever tz data the runtime has. Which IANA zones are concerned is read from
 * the runtime (see timezone.test.ts); the custom zone is the same on every runtime.
 */
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient, isEwsError, type CalendarItem, type ItemId } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { eventFromVEvent, eventToVEvent } from "../event/index.js";
import { localMs } from "./clock.js";
import { ianaOffsetSeconds, ianaTransitions, windowsZoneForIana, zoneFromDefinition } from "./index.js";

const HOUR = 3_600_000;

/** Pacific time with the US rules until 2025, then UTC-7 all year from 8 March 2026 (as BC's law has it). */
const CUSTOM_TZID = "Pacific Time (UTC-7 from 2026)";
const CUSTOM_VTIMEZONE = [
  "BEGIN:VTIMEZONE",
  `TZID:${CUSTOM_TZID}`,
  "BEGIN:DAYLIGHT", "DTSTART:20070311T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU;UNTIL=20250309T100000Z", "TZOFFSETFROM:-0800", "TZOFFSETTO:-0700", "END:DAYLIGHT",
  "BEGIN:STANDARD", "DTSTART:20071104T020000", "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU;UNTIL=20251102T090000Z", "TZOFFSETFROM:-0700", "TZOFFSETTO:-0800", "END:STANDARD",
  "BEGIN:STANDARD", "DTSTART:20260308T020000", "TZOFFSETFROM:-0800", "TZOFFSETTO:-0700", "END:STANDARD",
  "END:VTIMEZONE",
].join("\r\n");

/** The custom zone's offset at a UTC instant, in seconds, from its rules written out by hand. */
function customOffset(utcMs: number): number {
  if (utcMs >= Date.UTC(2026, 2, 8, 10)) return -7 * 3600;
  const year = new Date(utcMs).getUTCFullYear();
  const nthSunday = (month: number, n: number) => {
    const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
    return 1 + ((7 - first) % 7) + 7 * (n - 1);
  };
  const start = Date.UTC(year, 2, nthSunday(2, 2), 10); // 02:00 PST
  const end = Date.UTC(year, 10, nthSunday(10, 1), 9); // 02:00 PDT
  return utcMs >= start && utcMs < end ? -7 * 3600 : -8 * 3600;
}

/** Instants to compare offsets at: both sides of every change of `offsetAt` found by `changes`, and every day from `fromYear`. */
function checkInstants(fromYear: number, toYear: number, changes: number[]): number[] {
  const out: number[] = [];
  for (let t = localMs(fromYear, 1, 1) + 12 * HOUR; t < localMs(toYear + 1, 1, 1); t += 86_400_000) out.push(t);
  for (const at of changes) out.push(at - 1, at, at + HOUR);
  return out;
}

const vevent = (tzid: string, vtimezone: string, uid: string) =>
  [
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav//tz test//EN", vtimezone,
    "BEGIN:VEVENT", `UID:${uid}`, "DTSTAMP:20260101T000000Z", `DTSTART;TZID=${tzid}:20260715T093000`, `DTEND;TZID=${tzid}:20260715T103000`,
    "SUMMARY:Zone without a Windows zone", "END:VEVENT",
    "END:VCALENDAR", "",
  ].filter(Boolean).join("\r\n");

/** The offsets of the VTIMEZONE in a VCALENDAR text as ical.js (an independent reader) expands them. */
function icalZone(text: string): { offsetAt(utcMs: number): number } {
  const component = new ICAL.Component(ICAL.parse(text) as never).getFirstSubcomponent("vtimezone")!;
  const zone = new ICAL.Timezone({ component } as never) as unknown as {
    _ensureCoverage(year: number): void;
    changes: Array<{ year: number; month: number; day: number; hour: number; minute: number; second: number; utcOffset: number; prevUtcOffset: number }>;
  };
  zone._ensureCoverage(2038);
  // ical.js keeps each change as its UTC instant with the offsets before and after it.
  const changes = zone.changes.map((c) => ({ at: Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second), to: c.utcOffset, from: c.prevUtcOffset })).sort((a, b) => a.at - b.at);
  return {
    offsetAt(utcMs) {
      let offset = changes[0]?.from ?? 0;
      for (const change of changes) if (change.at <= utcMs) offset = change.to;
      return offset;
    },
  };
}

describe("zones without a Windows zone, through the EWS simulator", () => {
  let sim: EwsSimulator;
  let client: EwsClient;
  beforeAll(async () => {
    sim = await startEwsSimulator();
    client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), retry: false, version: "Exchange2016" });
  });
  afterAll(() => sim.stop());

  async function roundTrip(text: string): Promise<{ sent: CalendarItem; stored: CalendarItem; back: string }> {
    const { item: sent } = eventFromVEvent(text);
    const [created] = await client.createItem([{ type: "CalendarItem", item: sent }]);
    if (!created || isEwsError(created)) throw new Error(`CreateItem failed: ${String((created as Error | undefined)?.message)}`);
    const [read] = await client.getItem([{ id: (created as ItemId).id }]);
    if (!read || isEwsError(read) || read.type !== "CalendarItem") throw new Error("GetItem failed");
    return { sent, stored: read.item, back: eventToVEvent(read.item).text };
  }

  const ianaZones = Intl.supportedValuesOf("timeZone").filter((zone) => windowsZoneForIana(zone) === null);

  it.each(ianaZones)("%s (the runtime's tz data) goes out as a full definition and comes back with the runtime's offsets", async (zone) => {
    const { sent, stored, back } = await roundTrip(vevent(zone, "", `${zone}@ewsdav.test`));
    expect(sent.startTimeZone?.periods?.length).toBeGreaterThan(0);
    expect(stored.start).toBe(new Date(localMs(2026, 7, 15, 9, 30) - ianaOffsetSeconds(zone, localMs(2026, 7, 15, 9, 30)) * 1000).toISOString().replace(".000", ""));
    const fromEws = zoneFromDefinition(stored.startTimeZone!)!;
    const vtimezone = icalZone(back);
    const changes = ianaTransitions(zone, 1970, 2037).map((t) => t.at);
    for (const t of checkInstants(2000, 2037, changes)) {
      expect(fromEws.offsetAt(t), `${zone} (EWS definition) at ${new Date(t).toISOString()}`).toBe(ianaOffsetSeconds(zone, t));
    }
    // ical.js reads offsets to the minute; zones without a Windows zone have whole-minute offsets since 2000.
    for (const t of checkInstants(2000, 2037, changes)) expect(vtimezone.offsetAt(t), `${zone} (VTIMEZONE) at ${new Date(t).toISOString()}`).toBe(ianaOffsetSeconds(zone, t));
  });

  it("a custom VTIMEZONE whose rules no Windows zone has goes out as a full definition and comes back with its offsets", async () => {
    const { sent, stored, back } = await roundTrip(vevent(CUSTOM_TZID, CUSTOM_VTIMEZONE, "custom-zone@ewsdav.test"));
    expect(sent.startTimeZone?.id).not.toMatch(/Standard Time$/);
    expect(sent.startTimeZone?.periods?.length).toBeGreaterThan(0);
    expect(stored.start).toBe("2026-07-15T16:30:00Z");
    const fromEws = zoneFromDefinition(stored.startTimeZone!)!;
    const vtimezone = icalZone(back);
    const changes: number[] = [];
    for (let year = 2008; year <= 2037; year++) for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += HOUR) if (customOffset(t) !== customOffset(t - HOUR)) changes.push(t);
    expect(changes.length).toBeGreaterThan(30);
    for (const t of checkInstants(2008, 2037, changes)) {
      expect(fromEws.offsetAt(t), `EWS definition at ${new Date(t).toISOString()}`).toBe(customOffset(t));
      expect(vtimezone.offsetAt(t), `VTIMEZONE at ${new Date(t).toISOString()}`).toBe(customOffset(t));
    }
  });
});
