/**
 * Fuzzing the mappers' expansions with generated VTIMEZONE and RRULE components (every FREQ, BY*
 * parts in and out of range, COUNT/UNTIL, odd dates from year 1 to 9999, offsets to the minute):
 * every input must map or fail with a typed error, within a per-input time limit. Each input runs
 * in a worker thread, so an input the mapper never returns on is a finding, not a hung suite.
 *
 * In the suite: a fixed seed (the setup file's) and a few seconds. In fuzz mode (`EWSDAV_FUZZ`):
 * the fuzz seed, as many inputs as `EWSDAV_FUZZ_SECONDS` allows, a limit of
 * `EWSDAV_FUZZ_INPUT_MS` (default 2 s) per input, and a report line in `EWSDAV_FUZZ_REPORT`.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { FUZZ_MODE, fuzzBudgetMs, fuzzRuns, fuzzSeed, reportFuzz } from "./test-support/fuzz.js";
import { MapRunner } from "./test-support/map-runner.js";

/** An input slower than this is a finding (in the suite, only a stall is: nothing here asserts speed). */
const INPUT_LIMIT_MS = FUZZ_MODE ? Number(process.env.EWSDAV_FUZZ_INPUT_MS ?? 2_000) : 20_000;

const pad = (value: number, width: number): string => String(Math.abs(value)).padStart(width, "0");

/** Dates from year 1 to 9999, months 0–13, days 0–32, hours 0–24: many do not exist. */
const oddDate = fc.record({
  year: fc.oneof(fc.integer({ min: 1, max: 9999 }), fc.constantFrom(1, 1601, 1899, 1970, 2026, 2028, 2037, 2100, 2199, 2200, 2201, 9999)),
  month: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(0, 13)),
  day: fc.oneof(fc.integer({ min: 1, max: 28 }), fc.constantFrom(0, 29, 30, 31, 32)),
  hour: fc.oneof(fc.integer({ min: 0, max: 23 }), fc.constant(24)),
  minute: fc.constantFrom(0, 30, 59),
  form: fc.constantFrom("local", "utc", "date"),
}).map((d) => `${pad(d.year, 4)}${pad(d.month, 2)}${pad(d.day, 2)}${d.form === "date" ? "" : `T${pad(d.hour, 2)}${pad(d.minute, 2)}00${d.form === "utc" ? "Z" : ""}`}`);

const FREQS = ["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY", "FORTNIGHTLY", ""];
const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const ints = (min: number, max: number, extra: number[] = []) => fc.array(fc.oneof(fc.integer({ min, max }), fc.constantFrom(...(extra.length ? extra : [min]))), { minLength: 1, maxLength: 4 });

/** An RRULE with any FREQ and BY* parts, in and out of range, with or without COUNT / UNTIL. */
export const rruleArbitrary = fc
  .record(
    {
      freq: fc.constantFrom(...FREQS),
      interval: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom(12, 24, 999, 1_000_000)),
      count: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(999, 100_000, 10_000_000)),
      until: oddDate,
      bymonth: ints(1, 12, [0, -1, 13, 2]),
      bymonthday: ints(-31, 31, [0, 32, -32, 29, 30, 31]),
      byday: fc.array(fc.tuple(fc.option(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(-60, 53, 60, 0))), fc.constantFrom(...WEEKDAYS)).map(([n, day]) => `${n ?? ""}${day}`), { minLength: 1, maxLength: 4 }),
      bysetpos: ints(-5, 5, [0, 366, -366, 400]),
      byhour: ints(0, 23, [24]),
      byminute: ints(0, 59, [60]),
      bysecond: ints(0, 59, [60, 61]),
      byyearday: ints(-366, 366, [0, 367]),
      byweekno: ints(-53, 53, [0, 54]),
      wkst: fc.constantFrom(...WEEKDAYS),
    },
    { requiredKeys: ["freq"] },
  )
  .map((rule) =>
    Object.entries(rule)
      .map(([key, value]) => `${key.toUpperCase()}=${Array.isArray(value) ? value.join(",") : String(value)}`)
      .join(";"),
  );

const ordinalDay = fc.tuple(fc.constantFrom(-1, 1, 2, 3, 4, 5, -2), fc.constantFrom(...WEEKDAYS)).map(([n, day]) => `${n}${day}`);
const rangeParts = fc.oneof(fc.constant(""), fc.integer({ min: 1, max: 30 }).map((n) => `;COUNT=${n}`), oddDate.map((date) => `;UNTIL=${date}`));

/** Rules the way zones write them, and near misses (days that do not occur, a second rule a year). */
export const zoneRuleArbitrary = fc
  .record({
    month: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(0, 13, "2,10", "3,4")),
    day: fc.oneof(
      ordinalDay.map((day) => `BYDAY=${day}`),
      fc.integer({ min: 1, max: 31 }).map((day) => `BYMONTHDAY=${day}`),
      fc.constantFrom("BYDAY=SU;BYMONTHDAY=8,9,10,11,12,13,14", "BYDAY=SU;BYSETPOS=-1", "BYDAY=SA,SU;BYSETPOS=1", "BYDAY=1SU;BYMONTHDAY=20", "BYDAY=SU", "BYMONTHDAY=-1", "BYDAY=5FR"),
    ),
    interval: fc.constantFrom("", "", ";INTERVAL=2"),
    range: rangeParts,
  })
  .map((r) => `FREQ=YEARLY;BYMONTH=${r.month};${r.day}${r.interval}${r.range}`);

/** Series rules of the kinds EWS can hold (so they reach the occurrence expansion), with days 29–31 and long intervals. */
export const seriesRuleArbitrary = fc
  .record({
    body: fc.oneof(
      fc.integer({ min: 1, max: 999 }).map((n) => `FREQ=DAILY;INTERVAL=${n}`),
      fc.uniqueArray(fc.constantFrom(...WEEKDAYS), { minLength: 1, maxLength: 7 }).map((days) => `FREQ=WEEKLY;BYDAY=${days.join(",")}`),
      fc.tuple(fc.constantFrom(1, 2, 12, 24, 36), fc.oneof(fc.integer({ min: 1, max: 31 }), fc.constant(-1))).map(([n, day]) => `FREQ=MONTHLY;INTERVAL=${n};BYMONTHDAY=${day}`),
      fc.tuple(fc.constantFrom(1, 3, 12), ordinalDay).map(([n, day]) => `FREQ=MONTHLY;INTERVAL=${n};BYDAY=${day}`),
      fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 })).map(([month, day]) => `FREQ=YEARLY;BYMONTH=${month};BYMONTHDAY=${day}`),
      fc.tuple(fc.integer({ min: 1, max: 12 }), ordinalDay).map(([month, day]) => `FREQ=YEARLY;BYMONTH=${month};BYDAY=${day}`),
      fc.constantFrom("FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "FREQ=YEARLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29"),
    ),
    range: rangeParts,
  })
  .map((r) => `${r.body}${r.range}`);

const offset = fc.integer({ min: -1439, max: 1439 }).map((minutes) => `${minutes < 0 ? "-" : "+"}${pad(Math.trunc(minutes / 60), 2)}${pad(minutes % 60, 2)}`);

/** A VTIMEZONE of 1–3 observances with odd DTSTARTs, offsets, RRULEs and RDATEs. */
export const vtimezoneArbitrary = fc
  .array(
    fc.record({
      kind: fc.constantFrom("STANDARD", "DAYLIGHT"),
      start: oddDate,
      from: offset,
      to: offset,
      rrule: fc.option(fc.oneof({ arbitrary: zoneRuleArbitrary, weight: 3 }, { arbitrary: rruleArbitrary, weight: 1 })),
      rdates: fc.array(oddDate, { maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .map((observances) => [
    "BEGIN:VTIMEZONE",
    "TZID:Fuzz Zone",
    ...observances.flatMap((o) => [`BEGIN:${o.kind}`, `DTSTART:${o.start.replace(/Z$/, "")}`, `TZOFFSETFROM:${o.from}`, `TZOFFSETTO:${o.to}`, ...(o.rrule ? [`RRULE:${o.rrule}`] : []), ...o.rdates.map((date) => `RDATE:${date}`), `END:${o.kind}`]),
    "END:VTIMEZONE",
  ]);

/** Series starts: ordinary days, month ends, leap days, and times in a DST gap or overlap. */
const START = fc.constantFrom(
  { tz: "Fuzz Zone", at: [2026, 1, 5, 9, 0] },
  { tz: "Fuzz Zone", at: [2026, 1, 31, 9, 0] },
  { tz: "Fuzz Zone", at: [1601, 1, 1, 0, 0] },
  { tz: "Pacific/Auckland", at: [2028, 9, 24, 2, 0] },
  { tz: "Europe/Berlin", at: [2026, 3, 29, 2, 30] },
  { tz: "Europe/Berlin", at: [2026, 10, 25, 2, 30] },
  { tz: "America/New_York", at: [2024, 2, 29, 0, 0] },
  { tz: "", at: [2026, 8, 31, 0, 0] },
  { tz: "UTC", at: [2199, 12, 31, 23, 0] },
);

const stamp = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, "").slice(0, 15);

/** A VCALENDAR with a generated VTIMEZONE and a VEVENT with a generated RRULE, EXDATEs and an override. */
export const calendarArbitrary = fc
  .record({
    vtimezone: vtimezoneArbitrary,
    start: START,
    allDay: fc.boolean(),
    rrule: fc.option(fc.oneof({ arbitrary: seriesRuleArbitrary, weight: 3 }, { arbitrary: rruleArbitrary, weight: 1 })),
    // EXDATEs and an override on days after the start (most on the pattern or near it), or anywhere.
    exdates: fc.array(fc.oneof(fc.integer({ min: 0, max: 4000 }), oddDate), { maxLength: 4 }),
    override: fc.option(fc.oneof(fc.integer({ min: 0, max: 4000 }), oddDate)),
  })
  .map((g) => {
    const [year, month, day, hour, minute] = g.start.at as [number, number, number, number, number];
    const startMs = Date.UTC(year, month - 1, day, hour, minute);
    const timed = !g.allDay;
    const tz = timed && g.start.tz ? `;TZID=${g.start.tz}` : "";
    const value = (ms: number): string => (timed ? stamp(ms) : `${stamp(ms).slice(0, 8)}`);
    const dateParam = timed ? tz : ";VALUE=DATE";
    const time = (entry: number | string): string => (typeof entry === "number" ? `${dateParam}:${value(startMs + entry * 86_400_000)}` : `${entry.endsWith("Z") || !entry.includes("T") ? "" : tz}:${entry}`);
    return [
      "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ewsdav fuzz//EN",
      ...g.vtimezone,
      "BEGIN:VEVENT", "UID:fuzz@ewsdav.test", "DTSTAMP:20260101T000000Z", `DTSTART${dateParam}:${value(startMs)}`, "SUMMARY:Fuzz",
      ...(g.rrule ? [`RRULE:${g.rrule}`] : []),
      ...g.exdates.map((entry) => `EXDATE${time(entry)}`),
      "END:VEVENT",
      ...(g.override !== null ? ["BEGIN:VEVENT", "UID:fuzz@ewsdav.test", `RECURRENCE-ID${time(g.override)}`, `DTSTART${time(g.override)}`, "SUMMARY:Moved", "END:VEVENT"] : []),
      "END:VCALENDAR", "",
    ].join("\r\n");
  });

/** Inputs kept as explicit examples: the rules of issue 12 item 2 and rules near them. */
const EXAMPLES: string[] = [
  ["RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "RRULE:FREQ=SECONDLY;BYMONTH=12;BYDAY=1SU"],
  ["RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=6SU"],
  ["RRULE:FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=31;BYHOUR=25", "RRULE:FREQ=HOURLY;BYYEARDAY=367"],
].flatMap(([standard, daylight]) => [
  // Through the VTIMEZONE, and as the event's own RRULE.
  ["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VTIMEZONE", "TZID:Fuzz Zone", "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0000", standard, "END:STANDARD", "BEGIN:DAYLIGHT", "DTSTART:19700301T000000", "TZOFFSETFROM:+0000", "TZOFFSETTO:+0100", daylight, "END:DAYLIGHT", "END:VTIMEZONE", "BEGIN:VEVENT", "UID:fuzz@ewsdav.test", "DTSTART;TZID=Fuzz Zone:20260105T090000", "END:VEVENT", "END:VCALENDAR", ""].join("\r\n"),
  ["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "UID:fuzz@ewsdav.test", "DTSTART:20260205T090000Z", standard, "EXDATE:20990205T090000Z", "END:VEVENT", "END:VCALENDAR", ""].join("\r\n"),
  ["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "UID:fuzz@ewsdav.test", "DTSTART:20260205T090000Z", daylight, "EXDATE:20990205T090000Z", "END:VEVENT", "END:VCALENDAR", ""].join("\r\n"),
]);

describe("fuzzing the expansions: generated VTIMEZONE and RRULE components", () => {
  const runner = new MapRunner(INPUT_LIMIT_MS + 5_000);
  afterAll(() => runner.stop());

  /** Runs one input; a finding (a crash, a stall, an input over the limit) is described in one line. */
  async function finding(text: string): Promise<{ line: string | null; ms: number }> {
    const run = await runner.run(text, "Europe/Berlin");
    const shown = JSON.stringify(text.length > 600 ? `${text.slice(0, 600)}…` : text);
    if (run.outcome === "stalled") return { line: `stalled (terminated after ${Math.round(run.ms)} ms): ${shown}`, ms: run.ms };
    if (run.outcome.startsWith("crash")) return { line: `${run.outcome.slice(0, 200)}: ${shown}`, ms: run.ms };
    if (run.ms > INPUT_LIMIT_MS) return { line: `took ${Math.round(run.ms)} ms (limit ${INPUT_LIMIT_MS} ms): ${shown}`, ms: run.ms };
    return { line: null, ms: run.ms };
  }

  it.each(EXAMPLES.map((text, i) => [i + 1, text] as const))("example %i maps or fails typed, and returns", async (_i, text) => {
    expect((await finding(text)).line).toBeNull();
  });

  it(
    "every generated input maps or fails with a typed error within the per-input limit",
    async () => {
      const found: string[] = [];
      let inputs = 0;
      let slowest = 0;
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(calendarArbitrary, async (text) => {
          inputs++;
          const result = await finding(text);
          slowest = Math.max(slowest, result.ms);
          if (result.line) found.push(result.line);
        }),
        FUZZ_MODE ? { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: fuzzBudgetMs(), markInterruptAsFailure: false } : { numRuns: fuzzRuns(120) },
      );
      reportFuzz({ name: "mappers: generated VTIMEZONE and RRULE components", seed: fuzzSeed(), tried: { inputs, slowestMs: Math.round(slowest), seconds: Math.round((performance.now() - started) / 1000) }, found });
      expect(found).toEqual([]);
    },
    FUZZ_MODE ? fuzzBudgetMs() + 120_000 : 120_000,
  );
});
