/**
 * Fuzzing the mappers' expansions with generated VTIMEZONE and RRULE components (every FREQ, BY*
 * parts in and out of range, COUNT/UNTIL, odd dates from year 1 to 9999, offsets to the minute), and
 * the other direction with generated EWS series (custom TimeZoneDefinitions, huge recurrences, many
 * deleted and modified occurrences):
 * every input must map or fail with a typed error, within a per-input time limit. Each input runs
 * in a worker thread, so an input the mapper never returns on is a finding, not a hung suite.
 *
 * In the suite: a fixed seed (the setup file's) and a few seconds. In fuzz mode (`EWSDAV_FUZZ`):
 * the fuzz seed, as many inputs as `EWSDAV_FUZZ_SECONDS` allows, a limit of
 * `EWSDAV_FUZZ_INPUT_MS` (default 2 s) per input, and a report line in `EWSDAV_FUZZ_REPORT`.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { FUZZ_MODE, fuzzBudgetMs, fuzzRuns, fuzzSeed, reportFuzz } from "./fuzz.test-support.js";
import { MapRunner } from "./map-runner.test-support.js";

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

const WINDOWS_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Day", "Weekday", "WeekendDay"] as const;
const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"] as const;
const INDEXES = ["First", "Second", "Third", "Fourth", "Last"] as const;
/** `xs:dateTime` values from year 1 to 9999, and a few that are not dates at all. */
const ewsInstant = fc.oneof(
  fc.integer({ min: Date.UTC(1, 0, 1), max: Date.UTC(9999, 11, 31) }).map((ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z")),
  fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }).map((ms) => new Date(ms - (ms % 1_800_000)).toISOString().replace(/\.\d{3}Z$/, "Z")),
  fc.constantFrom("2026-02-30T09:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-03-29T01:30:00+01:00", "garbage"),
);
const duration = fc.oneof(fc.integer({ min: -1440, max: 1440 }).map((m) => `${m < 0 ? "-" : ""}PT${Math.abs(m)}M`), fc.constantFrom("PT0M", "-PT60M", "P1D", "PT99999H", "nonsense"));

/** A custom `TimeZoneDefinition`: periods, yearly groups with odd months and weeks, dated eras. */
const definitionArbitrary = fc
  .record({
    biases: fc.array(duration, { minLength: 1, maxLength: 3 }),
    rules: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant("RecurringDayTransition" as const), month: fc.integer({ min: 0, max: 13 }), dayOfWeek: fc.constantFrom(...WINDOWS_DAYS.slice(0, 7)), occurrence: fc.integer({ min: -2, max: 7 }), timeOffset: duration, to: fc.nat(3) }),
        fc.record({ kind: fc.constant("RecurringDateTransition" as const), month: fc.integer({ min: 0, max: 13 }), day: fc.integer({ min: 0, max: 32 }), timeOffset: duration, to: fc.nat(3) }),
      ),
      { maxLength: 4 },
    ),
    eras: fc.array(fc.record({ at: ewsInstant, group: fc.boolean(), to: fc.nat(3) }), { maxLength: 4 }),
  })
  .map(({ biases, rules, eras }) => {
    const periods = biases.map((bias, i) => ({ id: `P${i}`, name: i % 2 ? "Daylight" : "Standard", bias }));
    const period = (n: number) => ({ kind: "Period" as const, value: `P${n % periods.length}` });
    return {
      id: "Fuzz Definition",
      name: "Fuzz Definition",
      periods,
      transitionsGroups: [{ id: "G", transitions: rules.map((rule) => ({ ...rule, to: period(rule.to) })) }],
      transitions: {
        transitions: [
          { kind: "Transition" as const, to: rules.length ? { kind: "Group" as const, value: "G" } : period(0) },
          ...eras.map((era) => ({ kind: "AbsoluteDateTransition" as const, dateTime: era.at.replace(/Z$/, ""), to: era.group ? { kind: "Group" as const, value: "G" } : period(era.to) })),
        ],
      },
    };
  });

const patternArbitrary = fc.oneof(
  fc.record({ kind: fc.constant("DailyRecurrence" as const), interval: fc.oneof(fc.integer({ min: 1, max: 999 }), fc.constantFrom(0, 1_000_000)) }),
  fc.record({ kind: fc.constant("WeeklyRecurrence" as const), interval: fc.integer({ min: 1, max: 99 }), daysOfWeek: fc.uniqueArray(fc.constantFrom(...WINDOWS_DAYS), { minLength: 1, maxLength: 4 }), firstDayOfWeek: fc.constantFrom("Sunday", "Monday") }),
  fc.record({ kind: fc.constant("AbsoluteMonthlyRecurrence" as const), interval: fc.integer({ min: 1, max: 999 }), dayOfMonth: fc.integer({ min: 0, max: 32 }) }),
  fc.record({ kind: fc.constant("RelativeMonthlyRecurrence" as const), interval: fc.integer({ min: 1, max: 999 }), daysOfWeek: fc.constantFrom(...WINDOWS_DAYS), dayOfWeekIndex: fc.constantFrom(...INDEXES) }),
  fc.record({ kind: fc.constant("AbsoluteYearlyRecurrence" as const), dayOfMonth: fc.integer({ min: 0, max: 32 }), month: fc.constantFrom(...MONTH_NAMES) }),
  fc.record({ kind: fc.constant("RelativeYearlyRecurrence" as const), daysOfWeek: fc.constantFrom(...WINDOWS_DAYS), dayOfWeekIndex: fc.constantFrom(...INDEXES), month: fc.constantFrom(...MONTH_NAMES) }),
);
const rangeArbitrary = fc.oneof(
  fc.record({ kind: fc.constant("NoEndRecurrence" as const) }),
  fc.record({ kind: fc.constant("NumberedRecurrence" as const), numberOfOccurrences: fc.oneof(fc.integer({ min: 1, max: 999 }), fc.constantFrom(0, 100_000, 1_000_000_000)) }),
  fc.record({ kind: fc.constant("EndDateRecurrence" as const), endDate: ewsInstant.map((at) => at.slice(0, 10)) }),
);

/** A recurring EWS calendar item with odd zones, huge or odd recurrences, and many occurrences deleted or moved. */
export const ewsItemArbitrary = fc
  .record({
    start: ewsInstant,
    lengthMinutes: fc.integer({ min: 0, max: 3000 }),
    zone: fc.oneof(fc.constantFrom({ id: "W. Europe Standard Time" }, { id: "New Zealand Standard Time" }, { id: "UTC" }, { id: "No Such Zone" }), definitionArbitrary),
    allDay: fc.boolean(),
    pattern: fc.option(patternArbitrary, { freq: 4 }),
    range: rangeArbitrary,
    deleted: fc.array(fc.oneof(fc.integer({ min: 0, max: 3000 }), ewsInstant), { maxLength: 30 }),
    modified: fc.array(fc.oneof(fc.integer({ min: 0, max: 3000 }), ewsInstant), { maxLength: 10 }),
    attendees: fc.nat(6),
  })
  .map((g) => {
    const startMs = Date.parse(g.start);
    const at = (entry: number | string): string => (typeof entry === "string" ? entry : Number.isNaN(startMs) ? g.start : new Date(startMs + entry * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z"));
    const end = Number.isNaN(startMs) ? g.start : new Date(startMs + g.lengthMinutes * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const item = {
      uid: "ews-fuzz@ewsdav.test",
      subject: "Fuzz",
      start: g.start,
      end,
      isAllDayEvent: g.allDay,
      startTimeZone: g.zone,
      endTimeZone: g.zone,
      ...(g.pattern ? { recurrence: { pattern: g.pattern, range: { ...g.range, startDate: g.start.slice(0, 10) } } } : {}),
      deletedOccurrences: g.deleted.map((entry) => ({ start: at(entry) })),
      modifiedOccurrences: g.modified.map((entry, i) => ({ itemId: { id: `occ-${i}` }, start: at(entry), end: at(entry), originalStart: at(entry) })),
      requiredAttendees: Array.from({ length: g.attendees }, (_, i) => ({ mailbox: { emailAddress: `guest${i}@example.org` } })),
    };
    const exceptions = item.modifiedOccurrences.map((occurrence) => ({ ...item, recurrence: undefined, start: occurrence.start, end: occurrence.end, originalStart: occurrence.originalStart, subject: "Moved" }));
    return JSON.stringify({ item, exceptions });
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
  async function finding(text: string, kind: "ics" | "ews" = "ics"): Promise<{ line: string | null; ms: number }> {
    const run = await runner.run(text, "Europe/Berlin", kind);
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

  it(
    "every generated EWS series (odd zones, huge recurrences, many deleted and moved occurrences) maps or fails typed within the limit",
    async () => {
      const found: string[] = [];
      let inputs = 0;
      let slowest = 0;
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(ewsItemArbitrary, async (json) => {
          inputs++;
          const result = await finding(json, "ews");
          slowest = Math.max(slowest, result.ms);
          if (result.line) found.push(result.line);
        }),
        FUZZ_MODE ? { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: fuzzBudgetMs(), markInterruptAsFailure: false } : { numRuns: fuzzRuns(80) },
      );
      reportFuzz({ name: "mappers: generated EWS series", seed: fuzzSeed(), tried: { inputs, slowestMs: Math.round(slowest), seconds: Math.round((performance.now() - started) / 1000) }, found });
      expect(found).toEqual([]);
    },
    FUZZ_MODE ? fuzzBudgetMs() + 120_000 : 120_000,
  );
});
