/**
 * Expansion of EWS recurrence patterns (RecurrenceType: one pattern element and one range
 * element) into the original start times of the occurrences, so occurrences can be addressed by
 * InstanceIndex (1-based, counting every occurrence the pattern produces, deleted ones too).
 *
 * Occurrences keep the master's local wall-clock time in the series' time zone (an IANA zone
 * given in the options; UTC without one), so they move in UTC across DST changes, as Exchange's do.
 */
import { localToUtc, utcToLocal } from "./time-zones.js";
import { childText, type XmlElement } from "./xml.js";

/** A recurrence the simulator cannot expand (unknown pattern or range, bad values). */
export class SimRecurrenceError extends Error {
  /** Matches the EWS response code used for it. */
  readonly code = "ErrorCalendarInvalidRecurrence";
  constructor(message: string) {
    super(message);
    this.name = "SimRecurrenceError";
  }
}

const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTH_NAMES = [
  "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
];
const WEEK_INDEX: Record<string, number> = { First: 0, Second: 1, Third: 2, Fourth: 3, Last: -1 };
const DAY_MS = 86_400_000;

function parseDate(value: string | undefined, what: string): number {
  const m = value ? /^(\d{4})-(\d{2})-(\d{2})/.exec(value) : null;
  if (!m) throw new SimRecurrenceError(`${what} is missing or not a date: ${value ?? "(none)"}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

function positiveInt(value: string | undefined, what: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new SimRecurrenceError(`${what} must be a positive integer, got ${value ?? "(none)"}`);
  return n;
}

function dayMatcher(daysOfWeek: string | undefined): (dow: number) => boolean {
  const names = (daysOfWeek ?? "").split(/\s+/).filter(Boolean);
  if (names.length === 0) throw new SimRecurrenceError("DaysOfWeek is empty");
  const set = new Set<number>();
  for (const name of names) {
    if (name === "Day") for (let i = 0; i < 7; i++) set.add(i);
    else if (name === "Weekday") for (let i = 1; i <= 5; i++) set.add(i);
    else if (name === "WeekendDay") { set.add(0); set.add(6); }
    else {
      const i = DAY_NAMES.indexOf(name);
      if (i === -1) throw new SimRecurrenceError(`Unknown day of week: ${name}`);
      set.add(i);
    }
  }
  return (dow) => set.has(dow);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

function relativeDay(year: number, month: number, matches: (dow: number) => boolean, index: number): number | undefined {
  const candidates: number[] = [];
  for (let d = 1; d <= daysInMonth(year, month); d++) {
    const t = Date.UTC(year, month, d);
    if (matches(new Date(t).getUTCDay())) candidates.push(t);
  }
  return index === -1 ? candidates[candidates.length - 1] : candidates[index];
}

function monthOf(value: string | undefined): number {
  const i = MONTH_NAMES.indexOf(value ?? "");
  if (i === -1) throw new SimRecurrenceError(`Unknown month: ${value ?? "(none)"}`);
  return i;
}

/** Generates candidate occurrence days (UTC midnight) from the pattern, starting at rangeStart. */
function* patternDays(pattern: XmlElement, rangeStart: number): Generator<number> {
  const start = new Date(rangeStart);
  const y0 = start.getUTCFullYear();
  const m0 = start.getUTCMonth();
  switch (pattern.name) {
    case "DailyRecurrence": {
      const interval = positiveInt(childText(pattern, "Interval"), "DailyRecurrence/Interval");
      for (let t = rangeStart; ; t += interval * DAY_MS) yield t;
    }
    case "WeeklyRecurrence": {
      const interval = positiveInt(childText(pattern, "Interval"), "WeeklyRecurrence/Interval");
      const matches = dayMatcher(childText(pattern, "DaysOfWeek"));
      const firstDay = Math.max(0, DAY_NAMES.indexOf(childText(pattern, "FirstDayOfWeek") ?? "Sunday"));
      const weekStart = rangeStart - ((start.getUTCDay() - firstDay + 7) % 7) * DAY_MS;
      for (let w = 0; ; w += interval) {
        for (let d = 0; d < 7; d++) {
          const t = weekStart + (w * 7 + d) * DAY_MS;
          if (t >= rangeStart && matches(new Date(t).getUTCDay())) yield t;
        }
      }
    }
    case "AbsoluteMonthlyRecurrence": {
      const interval = positiveInt(childText(pattern, "Interval"), "AbsoluteMonthlyRecurrence/Interval");
      const day = positiveInt(childText(pattern, "DayOfMonth"), "AbsoluteMonthlyRecurrence/DayOfMonth");
      for (let k = 0; ; k += interval) {
        const y = y0 + Math.floor((m0 + k) / 12);
        const m = (m0 + k) % 12;
        const t = Date.UTC(y, m, Math.min(day, daysInMonth(y, m)));
        if (t >= rangeStart) yield t;
      }
    }
    case "RelativeMonthlyRecurrence": {
      const interval = positiveInt(childText(pattern, "Interval"), "RelativeMonthlyRecurrence/Interval");
      const matches = dayMatcher(childText(pattern, "DaysOfWeek"));
      const index = WEEK_INDEX[childText(pattern, "DayOfWeekIndex") ?? ""];
      if (index === undefined) throw new SimRecurrenceError("RelativeMonthlyRecurrence/DayOfWeekIndex is invalid");
      for (let k = 0; ; k += interval) {
        const t = relativeDay(y0 + Math.floor((m0 + k) / 12), (m0 + k) % 12, matches, index);
        if (t !== undefined && t >= rangeStart) yield t;
      }
    }
    case "AbsoluteYearlyRecurrence": {
      const day = positiveInt(childText(pattern, "DayOfMonth"), "AbsoluteYearlyRecurrence/DayOfMonth");
      const month = monthOf(childText(pattern, "Month"));
      for (let y = y0; ; y++) {
        const t = Date.UTC(y, month, Math.min(day, daysInMonth(y, month)));
        if (t >= rangeStart) yield t;
      }
    }
    case "RelativeYearlyRecurrence": {
      const matches = dayMatcher(childText(pattern, "DaysOfWeek"));
      const index = WEEK_INDEX[childText(pattern, "DayOfWeekIndex") ?? ""];
      if (index === undefined) throw new SimRecurrenceError("RelativeYearlyRecurrence/DayOfWeekIndex is invalid");
      const month = monthOf(childText(pattern, "Month"));
      for (let y = y0; ; y++) {
        const t = relativeDay(y, month, matches, index);
        if (t !== undefined && t >= rangeStart) yield t;
      }
    }
    default:
      throw new SimRecurrenceError(`Recurrence pattern ${pattern.name} is not supported by the simulator`);
  }
}

const PATTERNS = new Set([
  "DailyRecurrence", "WeeklyRecurrence", "AbsoluteMonthlyRecurrence", "RelativeMonthlyRecurrence",
  "AbsoluteYearlyRecurrence", "RelativeYearlyRecurrence",
]);

/** Options for {@link expandRecurrence}. */
export interface ExpandOptions {
  /** Stop after this many occurrences (safety cap for series without end). Default 2000. */
  maxCount?: number;
  /** Stop before occurrences starting at or after this time (ms since epoch). */
  until?: number;
  /** IANA time zone the series repeats in (default UTC). */
  timeZone?: string;
}

/**
 * Original start times (ms since epoch, UTC) of a series' occurrences, in order; index 0 is
 * InstanceIndex 1. `masterStart` gives the time of day.
 */
export function expandRecurrence(recurrence: XmlElement, masterStart: number, options: ExpandOptions = {}): number[] {
  const pattern = recurrence.children.find((c) => PATTERNS.has(c.name));
  if (!pattern) throw new SimRecurrenceError("Recurrence has no supported pattern element");
  const range = recurrence.children.find((c) => c.name.endsWith("Recurrence") && !PATTERNS.has(c.name));
  if (!range) throw new SimRecurrenceError("Recurrence has no range element");
  const rangeStart = parseDate(childText(range, "StartDate"), `${range.name}/StartDate`);
  let endDay = Number.POSITIVE_INFINITY;
  let count = options.maxCount ?? 2000;
  if (range.name === "EndDateRecurrence") endDay = parseDate(childText(range, "EndDate"), "EndDateRecurrence/EndDate");
  else if (range.name === "NumberedRecurrence") {
    count = Math.min(count, positiveInt(childText(range, "NumberOfOccurrences"), "NumberedRecurrence/NumberOfOccurrences"));
  } else if (range.name !== "NoEndRecurrence") throw new SimRecurrenceError(`Recurrence range ${range.name} is not supported`);
  if (endDay < rangeStart) throw new SimRecurrenceError("EndDateRecurrence/EndDate is before its StartDate");
  const zone = options.timeZone && options.timeZone !== "UTC" ? options.timeZone : undefined;
  const localStart = zone ? utcToLocal(masterStart, zone) : masterStart;
  const timeOfDay = ((localStart % DAY_MS) + DAY_MS) % DAY_MS;
  const out: number[] = [];
  for (const day of patternDays(pattern, rangeStart)) {
    if (out.length >= count || day > endDay) break;
    const t = zone ? localToUtc(day + timeOfDay, zone) : day + timeOfDay;
    if (options.until !== undefined && t >= options.until) break;
    out.push(t);
  }
  return out;
}

let lastMs = Number.NaN;
let lastIso = "";

/**
 * Formats ms since epoch as the xs:dateTime form Exchange uses (UTC, whole seconds). The last value
 * is remembered: an item's dates, and a batch of items made together, repeat it.
 */
export function isoUtc(ms: number): string {
  if (ms === lastMs) return lastIso;
  const iso = new Date(ms).toISOString();
  // `YYYY-MM-DDTHH:mm:ss.sssZ`; years outside 0–9999 take the longer form the expression handles.
  const text = iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d{3}Z$/, "Z");
  lastMs = ms;
  lastIso = text;
  return text;
}

/** Reads an xs:dateTime (with Z, offset or none = UTC) as ms since epoch, or NaN. */
export function parseDateTime(value: string | undefined): number {
  if (!value) return Number.NaN;
  const v = value.trim();
  return Date.parse(/[zZ]|[+-]\d{2}:\d{2}$/.test(v) ? v : `${v}Z`);
}
