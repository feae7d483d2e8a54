/**
 * Event mapper throughput: events/s in both directions, for single events and for weekly series
 * with exceptions and deleted occurrences (Europe/Berlin, across DST), and for the client-shaped
 * fixtures. Pure CPU, no I/O. The mappers share a series' expansion between calls, as the engine
 * maps the same series again to recognise echoes: the "first sight" line maps series never seen
 * before (no warm-up), the others are warm.
 *
 * Each line gives the wall-clock rate and the CPU time (user + system) of the process while it ran.
 *
 *   npx tsx bench/mappers-events.ts [events]
 */
import type { CalendarItem } from "@ewsdav/ews-client";
import { eventFromVEvent, eventToVEvent, ianaZone } from "@ewsdav/mappers";
import { EVENT_FIXTURES } from "../packages/mappers/src/event/client-fixtures.test-support.js";

const count = Number(process.argv[2] ?? 2000);
const ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney"];
const WINDOWS: Record<string, string> = { "Europe/Berlin": "W. Europe Standard Time", "America/New_York": "Eastern Standard Time", "Asia/Tokyo": "Tokyo Standard Time", "Australia/Sydney": "AUS Eastern Standard Time" };

function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function singleItem(i: number): { item: CalendarItem; zone: string } {
  const zone = ZONES[i % ZONES.length]!;
  const start = Date.UTC(2026, i % 12, 1 + (i % 27), 8 + (i % 9));
  return {
    zone,
    item: {
      uid: `single-${i}@bench.ewsdav`,
      subject: `Meeting ${i}`,
      location: `Room ${i % 40}`,
      body: { bodyType: "HTML", value: `<html><body><p>Agenda for meeting ${i}</p><ul><li>one</li><li>two</li></ul></body></html>` },
      start: iso(start),
      end: iso(start + 3_600_000),
      isAllDayEvent: false,
      startTimeZone: { id: WINDOWS[zone]! },
      endTimeZone: { id: WINDOWS[zone]! },
      legacyFreeBusyStatus: "Busy",
      importance: i % 5 === 0 ? "High" : "Normal",
      categories: ["Work"],
      reminderIsSet: true,
      reminderMinutesBeforeStart: 15,
      organizer: { emailAddress: "boss@example.org", name: "Boss" },
      requiredAttendees: [
        { mailbox: { emailAddress: "ann@example.org", name: "Ann" }, responseType: "Accept" },
        { mailbox: { emailAddress: "bob@example.org", name: "Bob" }, responseType: "Tentative" },
      ],
    },
  };
}

function seriesItem(i: number): { item: CalendarItem; exceptions: CalendarItem[]; zone: string } {
  const zone = "Europe/Berlin";
  // Mondays 09:00 local from February or March (CET) on, so the series crosses the change to CEST;
  // each series starts in a different week, so none shares its expansion with another.
  const berlin = ianaZone(zone);
  const occurrence = (k: number): number => berlin.toUtc(Date.UTC(2026, 1, 2 + 7 * (k + i), 9));
  const base = singleItem(i).item;
  const item: CalendarItem = {
    ...base,
    uid: `series-${i}@bench.ewsdav`,
    start: iso(occurrence(0)),
    end: iso(occurrence(0) + 3_600_000),
    startTimeZone: { id: "W. Europe Standard Time" },
    endTimeZone: { id: "W. Europe Standard Time" },
    recurrence: { pattern: { kind: "WeeklyRecurrence", interval: 1, daysOfWeek: ["Monday"], firstDayOfWeek: "Monday" }, range: { kind: "NumberedRecurrence", startDate: new Date(berlin.toLocal(occurrence(0))).toISOString().slice(0, 10), numberOfOccurrences: 52 } },
    deletedOccurrences: [3, 9, 17].map((k) => ({ start: iso(occurrence(k)) })),
    modifiedOccurrences: [5, 12, 20].map((k) => ({ itemId: { id: `occ-${i}-${k}` }, start: iso(occurrence(k) + 1_800_000), end: iso(occurrence(k) + 5_400_000), originalStart: iso(occurrence(k)) })),
  };
  const exceptions = (item.modifiedOccurrences ?? []).map((info, n) => {
    const exception: CalendarItem = { ...base, uid: item.uid, subject: `Moved occurrence ${n}`, start: info.start, end: info.end, originalStart: info.originalStart, startTimeZone: item.startTimeZone, endTimeZone: item.endTimeZone };
    return exception;
  });
  return { item, exceptions, zone };
}

function measure(label: string, runs: number, body: (i: number) => void, warmUp = true): void {
  if (warmUp) for (let i = 0; i < Math.min(200, runs); i++) body(i);
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < runs; i++) body(i);
  const used = process.cpuUsage(cpu);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(`${label.padEnd(44)} ${String(Math.round(runs / seconds)).padStart(8)} events/s  (${runs} in ${seconds.toFixed(2)} s, CPU ${cpuSeconds.toFixed(2)} s = ${Math.round(runs / cpuSeconds)} per CPU s)`);
}

const singles = Array.from({ length: count }, (_, i) => singleItem(i));
const singleTexts = singles.map(({ item, zone }) => eventToVEvent(item, { timeZone: zone }).text);
const seriesCount = Math.max(100, Math.floor(count / 4));
const series = Array.from({ length: seriesCount }, (_, i) => seriesItem(i));
const seriesTexts = series.map(({ item, exceptions, zone }) => eventToVEvent(item, { exceptions, timeZone: zone }).text);

console.log(`event mapper, ${count} single events and ${seriesCount} weekly series (52 occurrences, 3 moved, 3 deleted)`);
measure("single: EWS → VEVENT (new object)", count, (i) => void eventToVEvent(singles[i % count]!.item, { timeZone: singles[i % count]!.zone }));
measure("single: EWS → VEVENT (merged onto base)", count, (i) => void eventToVEvent(singles[i % count]!.item, { timeZone: singles[i % count]!.zone, base: singleTexts[i % count]! }));
measure("single: VEVENT → EWS", count, (i) => void eventFromVEvent(singleTexts[i % count]!, { timeZone: singles[i % count]!.zone }));
measure("series+exceptions: EWS → VEVENT (new)", seriesCount, (i) => void eventToVEvent(series[i]!.item, { exceptions: series[i]!.exceptions, timeZone: series[i]!.zone }));
measure("series+exceptions: EWS → VEVENT (merged)", seriesCount, (i) => void eventToVEvent(series[i]!.item, { exceptions: series[i]!.exceptions, timeZone: series[i]!.zone, base: seriesTexts[i]! }));
measure("series+exceptions: VEVENT → EWS (+ operations)", seriesCount, (i) => void eventFromVEvent(seriesTexts[i]!, { timeZone: series[i]!.zone }));
const unseen = Array.from({ length: seriesCount }, (_, i) => seriesItem(seriesCount + i));
const unseenTexts = unseen.map(({ item, exceptions, zone }) => eventToVEvent(item, { exceptions, timeZone: zone }).text);
measure("series+exceptions: VEVENT → EWS, first sight", seriesCount, (i) => void eventFromVEvent(unseenTexts[i]!, { timeZone: "Europe/Berlin" }), false);
const clientTexts = EVENT_FIXTURES.map((fixture) => ({ text: fixture.text, zone: fixture.timeZone ?? "UTC" }));
const clientItems = clientTexts.map(({ text, zone }) => eventFromVEvent(text, { timeZone: zone }).item);
measure("client-shaped VEVENTs → EWS", count, (i) => void eventFromVEvent(clientTexts[i % clientTexts.length]!.text, { timeZone: clientTexts[i % clientTexts.length]!.zone }));
measure("client-shaped: EWS → merged onto the client's", count, (i) => void eventToVEvent(clientItems[i % clientItems.length]!, { timeZone: clientTexts[i % clientTexts.length]!.zone, base: clientTexts[i % clientTexts.length]!.text }));
const check = eventFromVEvent(seriesTexts[0]!, { timeZone: "Europe/Berlin" });
console.log(`series check: ${check.occurrenceOperations.filter((op) => op.kind === "deleteOccurrence").length} deletes, ${check.occurrenceOperations.filter((op) => op.kind === "modifyOccurrence").length} modifies, ${check.dropped.length} dropped`);
console.log(`peak RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);
