/**
 * Task recurrence: RRULE (jCal `recur` values) ⇄ EWS `TaskRecurrence`, and the regeneration
 * patterns iCalendar cannot say, carried in `X-EWS-REGENERATION` with RRULE syntax
 * (`FREQ=DAILY;INTERVAL=3;COUNT=5`: the next task is due 3 days after the previous one is done).
 */
import type { DayOfWeek, DayOfWeekIndex, MonthName, RecurrencePattern, RecurrenceRange, RegenerationPattern, TaskRecurrence } from "@ewsdav/ews-client";

/** The X- property that carries a regeneration pattern. */
export const REGENERATION_PROPERTY = "x-ews-regeneration";

const ICAL_DAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"] as const;
const EWS_DAYS: DayOfWeek[] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS: MonthName[] = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const INDEXES: Array<[DayOfWeekIndex, number]> = [["First", 1], ["Second", 2], ["Third", 3], ["Fourth", 4], ["Last", -1]];
const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"];
const WEEKEND = ["SA", "SU"];
const KNOWN_KEYS = new Set(["freq", "interval", "count", "until", "byday", "bymonthday", "bymonth", "bysetpos", "wkst"]);

/** A jCal `recur` value as ical.js reads it. */
export type RecurValue = Record<string, unknown>;

/**
 * Where a task series starts, for converting UNTIL in the series' own zone: the wall-clock start
 * (DTSTART, else DUE, as a local-time number) and how instants of its form become wall-clock
 * times and back (the TZID's zone; identity for UTC and floating times).
 */
export interface TaskSeriesAnchor {
  /** Wall-clock time of the series' first start (local-time number, see the time-zone clock). */
  local: number;
  /** True when DTSTART is a date (UNTIL is then a date too). */
  dateOnly: boolean;
  /** True when DTSTART is floating (UNTIL is then a local time, without Z). */
  floating: boolean;
  /** Wall-clock time of a UTC instant in the series' zone. */
  toLocal(utcMs: number): number;
  /** UTC instant of a wall-clock time in the series' zone. */
  toUtc(local: number): number;
}

const DAY_MS = 86_400_000;
const timeOfDay = (ms: number): number => ((ms % DAY_MS) + DAY_MS) % DAY_MS;
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

const list = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);
const numbers = (value: unknown): number[] => list(value).map((entry) => Number(entry));

function dayOfWeekFromDate(date: string): DayOfWeek {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  return EWS_DAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()]!;
}

function groupDay(days: string[]): DayOfWeek | null {
  const set = new Set(days);
  if (set.size === 7) return "Day";
  if (set.size === 5 && WEEKDAYS.every((day) => set.has(day))) return "Weekday";
  if (set.size === 2 && WEEKEND.every((day) => set.has(day))) return "WeekendDay";
  if (set.size === 1) {
    const index = ICAL_DAYS.indexOf(days[0] as (typeof ICAL_DAYS)[number]);
    return index >= 0 ? EWS_DAYS[index]! : null;
  }
  return null;
}

function daysOfGroup(day: DayOfWeek): string[] {
  if (day === "Day") return [...ICAL_DAYS.slice(1), "SU"];
  if (day === "Weekday") return WEEKDAYS;
  if (day === "WeekendDay") return ["SU", "SA"];
  return [ICAL_DAYS[EWS_DAYS.indexOf(day)]!];
}

function indexName(n: number): DayOfWeekIndex | null {
  return INDEXES.find(([, value]) => value === n)?.[0] ?? null;
}

/**
 * The EWS recurrence of an RRULE, or a reason why EWS cannot say it. `startDate` (`YYYY-MM-DD`)
 * is the first day of the series (DTSTART, else DUE).
 */
export function taskRecurrenceFromRRule(recur: RecurValue, startDate: string, anchor: TaskSeriesAnchor | null = null): TaskRecurrence | string {
  if (recur === null || typeof recur !== "object" || Array.isArray(recur)) return "RRULE value is not a recurrence rule";
  for (const key of Object.keys(recur)) if (!KNOWN_KEYS.has(key)) return `${key.toUpperCase()} has no Exchange equivalent`;
  const freq = String(recur.freq ?? "").toUpperCase();
  const interval = recur.interval === undefined ? 1 : Number(recur.interval);
  if (!Number.isInteger(interval) || interval < 1 || interval > 999) return `INTERVAL ${String(recur.interval)} is out of range`;
  const byday = list(recur.byday).map((day) => day.toUpperCase());
  const plainDays = byday.filter((day) => /^[A-Z]{2}$/.test(day));
  const ordinalDays = byday.map((day) => /^([+-]?\d{1,2})([A-Z]{2})$/.exec(day)).filter((match): match is RegExpExecArray => match !== null);
  if (plainDays.length + ordinalDays.length !== byday.length || plainDays.some((day) => !ICAL_DAYS.includes(day as never))) return "BYDAY has values Exchange cannot hold";
  const bymonthday = numbers(recur.bymonthday);
  const bymonth = numbers(recur.bymonth);
  const bysetpos = numbers(recur.bysetpos);
  if (bymonthday.length > 1 || bymonth.length > 1 || bysetpos.length > 1) return "several BYMONTHDAY / BYMONTH / BYSETPOS values have no Exchange equivalent";
  const [, month, day] = startDate.split("-").map(Number) as [number, number, number];

  let pattern: RecurrencePattern;
  const relative = (): { daysOfWeek: DayOfWeek; dayOfWeekIndex: DayOfWeekIndex } | string => {
    if (ordinalDays.length === 1 && plainDays.length === 0 && bysetpos.length === 0) {
      const index = indexName(Number(ordinalDays[0]![1]));
      const dayIndex = ICAL_DAYS.indexOf(ordinalDays[0]![2] as (typeof ICAL_DAYS)[number]);
      if (!index || dayIndex < 0) return "BYDAY ordinal must be 1–4 or -1";
      return { daysOfWeek: EWS_DAYS[dayIndex]!, dayOfWeekIndex: index };
    }
    if (ordinalDays.length === 0 && plainDays.length > 0 && bysetpos.length === 1) {
      const index = indexName(bysetpos[0]!);
      const group = groupDay(plainDays);
      if (!index || !group) return "BYDAY with BYSETPOS must name one day, weekdays, weekend days or every day";
      return { daysOfWeek: group, dayOfWeekIndex: index };
    }
    if (bymonthday[0] === -1 && byday.length === 0) return { daysOfWeek: "Day", dayOfWeekIndex: "Last" };
    return "this BYDAY / BYSETPOS combination has no Exchange equivalent";
  };
  switch (freq) {
    case "DAILY":
      if (bymonthday.length || bymonth.length || bysetpos.length || ordinalDays.length) return "DAILY with BYMONTHDAY / BYMONTH / BYSETPOS has no Exchange equivalent";
      if (plainDays.length > 0) {
        if (interval !== 1) return "DAILY with BYDAY and INTERVAL > 1 has no Exchange equivalent";
        pattern = { kind: "WeeklyRecurrence", interval: 1, daysOfWeek: plainDays.map((entry) => EWS_DAYS[ICAL_DAYS.indexOf(entry as never)]!) };
      } else pattern = { kind: "DailyRecurrence", interval };
      break;
    case "WEEKLY": {
      if (bymonthday.length || bymonth.length || bysetpos.length || ordinalDays.length) return "WEEKLY with BYMONTHDAY / BYMONTH / BYSETPOS has no Exchange equivalent";
      const days = plainDays.length > 0 ? plainDays.map((entry) => EWS_DAYS[ICAL_DAYS.indexOf(entry as never)]!) : [dayOfWeekFromDate(startDate)];
      const weekly: RecurrencePattern = { kind: "WeeklyRecurrence", interval, daysOfWeek: days };
      if (recur.wkst !== undefined) {
        const wkst = typeof recur.wkst === "number" ? EWS_DAYS[recur.wkst - 1] : EWS_DAYS[ICAL_DAYS.indexOf(String(recur.wkst).toUpperCase() as never)];
        if (wkst) weekly.firstDayOfWeek = wkst;
      }
      pattern = weekly;
      break;
    }
    case "MONTHLY":
      if (bymonth.length) return "MONTHLY with BYMONTH has no Exchange equivalent";
      if (byday.length === 0 && bysetpos.length === 0 && (bymonthday.length === 0 || (bymonthday[0]! >= 1 && bymonthday[0]! <= 31))) {
        pattern = { kind: "AbsoluteMonthlyRecurrence", interval, dayOfMonth: bymonthday[0] ?? day };
      } else {
        const read = relative();
        if (typeof read === "string") return read;
        pattern = { kind: "RelativeMonthlyRecurrence", interval, ...read };
      }
      break;
    case "YEARLY": {
      if (interval !== 1) return "Exchange yearly patterns have no interval (every year only)";
      const monthIndex = bymonth[0] ?? month;
      if (!(monthIndex >= 1 && monthIndex <= 12)) return "BYMONTH out of range";
      if (byday.length === 0 && bysetpos.length === 0) {
        const dayOfMonth = bymonthday[0] ?? day;
        if (!(dayOfMonth >= 1 && dayOfMonth <= 31)) return "BYMONTHDAY out of range for Exchange";
        pattern = { kind: "AbsoluteYearlyRecurrence", dayOfMonth, month: MONTHS[monthIndex - 1]! };
      } else {
        if (bymonthday.length) return "YEARLY with BYDAY and BYMONTHDAY has no Exchange equivalent";
        const read = relative();
        if (typeof read === "string") return read;
        pattern = { kind: "RelativeYearlyRecurrence", ...read, month: MONTHS[monthIndex - 1]! };
      }
      break;
    }
    default:
      return `FREQ=${freq || "(none)"} has no Exchange equivalent`;
  }
  const range = rangeFrom(recur, startDate, anchor);
  if (typeof range === "string") return range;
  return { pattern, range };
}

/**
 * The EWS range of an RRULE. UNTIL becomes the inclusive EndDate: the day, in the series' zone, of
 * the last start at or before UNTIL (a date-time UNTIL earlier in the day than the series' time
 * of day ends the day before).
 */
function rangeFrom(recur: RecurValue, startDate: string, anchor: TaskSeriesAnchor | null): RecurrenceRange | string {
  if (recur.count !== undefined) {
    const count = Number(recur.count);
    if (!Number.isInteger(count) || count < 1 || count > 999) return `COUNT ${String(recur.count)} is out of range for Exchange (1–999)`;
    return { kind: "NumberedRecurrence", startDate, numberOfOccurrences: count };
  }
  if (recur.until !== undefined) {
    const until = String(recur.until);
    const match = /^(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2})(?:\.\d+)?(Z)?)?/.exec(until.trim());
    if (!match) return "UNTIL is not a date";
    const [, y, mo, d, h, mi, sec, utc] = match;
    if (h === undefined || !anchor || anchor.dateOnly) return { kind: "EndDateRecurrence", startDate, endDate: `${y}-${mo}-${d}` };
    const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
    const local = utc ? anchor.toLocal(wall) : wall;
    const day = local - timeOfDay(local) - (timeOfDay(local) < timeOfDay(anchor.local) ? DAY_MS : 0);
    return { kind: "EndDateRecurrence", startDate, endDate: isoDate(day) };
  }
  return { kind: "NoEndRecurrence", startDate };
}

/**
 * UNTIL for an EWS EndDate: the start of the last occurrence, on EndDate at the series' time of
 * day — a date for date series, local for floating ones, else UTC (RFC 5545 §3.3.10). Without an
 * anchor, the end of EndDate in UTC.
 */
function untilValue(endDate: string, dateOnly: boolean, anchor: TaskSeriesAnchor | null): string {
  const date = endDate.slice(0, 10);
  if (dateOnly || anchor?.dateOnly) return date;
  if (!anchor) return `${date}T23:59:59Z`;
  const last = Date.parse(`${date}T00:00:00Z`) + timeOfDay(anchor.local);
  if (Number.isNaN(last)) return date;
  return anchor.floating ? new Date(last).toISOString().slice(0, 19) : `${new Date(anchor.toUtc(last)).toISOString().slice(0, 19)}Z`;
}

function rangeParts(range: RecurrenceRange, dateOnly: boolean, anchor: TaskSeriesAnchor | null): RecurValue {
  if (range.kind === "NumberedRecurrence") return { count: range.numberOfOccurrences };
  if (range.kind === "EndDateRecurrence") return { until: untilValue(range.endDate, dateOnly, anchor) };
  return {};
}

/**
 * The jCal RRULE value of an EWS pattern (not a regeneration); `dateOnly` when DTSTART is a date.
 * With the series' `anchor`, UNTIL is the start of the last occurrence in the series' zone.
 */
export function rruleFromRecurrence(pattern: RecurrencePattern, range: RecurrenceRange, dateOnly: boolean, anchor: TaskSeriesAnchor | null = null): RecurValue {
  const recur: RecurValue = {};
  const interval = (n: number) => {
    if (n > 1) recur.interval = n;
  };
  const toIcal = (day: DayOfWeek) => ICAL_DAYS[EWS_DAYS.indexOf(day)]!;
  const relative = (daysOfWeek: DayOfWeek, index: DayOfWeekIndex) => {
    const n = INDEXES.find(([name]) => name === index)?.[1] ?? 1;
    if (daysOfWeek === "Day" || daysOfWeek === "Weekday" || daysOfWeek === "WeekendDay") {
      recur.byday = daysOfGroup(daysOfWeek);
      recur.bysetpos = n;
    } else recur.byday = `${n}${toIcal(daysOfWeek)}`;
  };
  switch (pattern.kind) {
    case "DailyRecurrence":
      recur.freq = "DAILY";
      interval(pattern.interval);
      break;
    case "WeeklyRecurrence":
      recur.freq = "WEEKLY";
      interval(pattern.interval);
      recur.byday = pattern.daysOfWeek.flatMap(daysOfGroup);
      if (pattern.firstDayOfWeek && EWS_DAYS.includes(pattern.firstDayOfWeek)) recur.wkst = toIcal(pattern.firstDayOfWeek);
      break;
    case "AbsoluteMonthlyRecurrence":
      recur.freq = "MONTHLY";
      interval(pattern.interval);
      recur.bymonthday = pattern.dayOfMonth;
      break;
    case "RelativeMonthlyRecurrence":
      recur.freq = "MONTHLY";
      interval(pattern.interval);
      relative(pattern.daysOfWeek, pattern.dayOfWeekIndex);
      break;
    case "AbsoluteYearlyRecurrence":
      recur.freq = "YEARLY";
      recur.bymonth = MONTHS.indexOf(pattern.month) + 1;
      recur.bymonthday = pattern.dayOfMonth;
      break;
    case "RelativeYearlyRecurrence":
      recur.freq = "YEARLY";
      recur.bymonth = MONTHS.indexOf(pattern.month) + 1;
      relative(pattern.daysOfWeek, pattern.dayOfWeekIndex);
      break;
  }
  return { ...recur, ...rangeParts(range, dateOnly, anchor) };
}

const REGENERATION_FREQ: Record<RegenerationPattern["kind"], string> = {
  DailyRegeneration: "DAILY",
  WeeklyRegeneration: "WEEKLY",
  MonthlyRegeneration: "MONTHLY",
  YearlyRegeneration: "YEARLY",
};

/** True for the regeneration patterns. */
export function isRegeneration(pattern: TaskRecurrence["pattern"]): pattern is RegenerationPattern {
  return pattern.kind in REGENERATION_FREQ;
}

/** The `X-EWS-REGENERATION` text of a regenerating task (`FREQ=WEEKLY;INTERVAL=2;COUNT=4`). */
export function regenerationText(pattern: RegenerationPattern, range: RecurrenceRange): string {
  const parts = [`FREQ=${REGENERATION_FREQ[pattern.kind]}`, `INTERVAL=${pattern.interval}`];
  if (range.kind === "NumberedRecurrence") parts.push(`COUNT=${range.numberOfOccurrences}`);
  if (range.kind === "EndDateRecurrence") parts.push(`UNTIL=${range.endDate.slice(0, 10).replace(/-/g, "")}`);
  return parts.join(";");
}

/** Reads `X-EWS-REGENERATION` text, or returns why it cannot be read. */
export function regenerationFromText(text: string, startDate: string): TaskRecurrence | string {
  const fields = new Map<string, string>();
  for (const part of text.split(";")) {
    const [key, value] = part.split("=");
    if (key && value !== undefined) fields.set(key.trim().toUpperCase(), value.trim());
  }
  const freq = fields.get("FREQ")?.toUpperCase();
  const kind = (Object.entries(REGENERATION_FREQ).find(([, value]) => value === freq)?.[0] ?? null) as RegenerationPattern["kind"] | null;
  if (!kind) return `FREQ ${JSON.stringify(freq ?? "")} is not DAILY, WEEKLY, MONTHLY or YEARLY`;
  const interval = Number(fields.get("INTERVAL") ?? "1");
  if (!Number.isInteger(interval) || interval < 1 || interval > 999) return "INTERVAL out of range";
  const recur: RecurValue = {};
  if (fields.has("COUNT")) recur.count = fields.get("COUNT");
  if (fields.has("UNTIL")) recur.until = fields.get("UNTIL");
  const range = rangeFrom(recur, startDate, null);
  if (typeof range === "string") return range;
  return { pattern: { kind, interval }, range };
}
