/**
 * RRULE ⇄ EWS recurrence (`Recurrence`: pattern + range), with the limits EWS documents encoded:
 * monthly/yearly absolute patterns on one day of one month, relative patterns on one weekday (or the
 * `Day`/`Weekday`/`WeekendDay` groups) of one week, no interval on yearly patterns (a yearly rule
 * with INTERVAL=n becomes a monthly one every 12·n months), and EWS's own reading of days 29–31 (an
 * occurrence on day 31 falls on the last day of a shorter month). UNTIL is converted in the series'
 * zone to the inclusive `EndDate` of the last occurrence, and back to the start of that occurrence.
 */
import type { DayOfWeek, DayOfWeekIndex, MonthName, Recurrence, RecurrencePattern, RecurrenceRange } from "@ewsdav/ews-client";
import ICAL from "ical.js";
import { checkBudget, currentLimits, DEFAULT_MAPPER_LIMITS, limitExceeded, rethrowLimit } from "../limits.js";
import type { DroppedProperty } from "../result.js";
import { DAY_MS, EWS_MONTHS, EWS_WEEKDAYS, fieldsOf, formatIsoDate, ICAL_WEEKDAYS, localMs, timeOfDayMs, weekdayOf } from "../timezone/clock.js";
import type { EventTimeZone } from "../timezone/resolve.js";
import { expandSeries, parseSeriesRule } from "./expand.js";

/** An RRULE in jCal form (ical.js' recur value: lower-case keys, `wkst` 1 = Sunday … 7 = Saturday). */
export type JCalRecur = Record<string, unknown>;

/** Where a series starts and how its times are written. */
export interface SeriesContext {
  /** DTSTART as a local-time number (wall clock in the series' zone, or the date for all-day series). */
  startLocal: number;
  /** True for all-day series (DATE values). */
  allDay: boolean;
  /** The series' zone; null for floating times. */
  zone: EventTimeZone | null;
}

/** What {@link rruleToRecurrence} returns. */
export interface RecurrenceReading {
  /** The EWS recurrence, or null when EWS cannot say the rule. */
  recurrence: Recurrence | null;
  /** What could not be carried exactly (an approximated or refused rule). */
  dropped: DroppedProperty[];
}

const INDEX_NAMES: DayOfWeekIndex[] = ["First", "Second", "Third", "Fourth"];
const UNSUPPORTED_PARTS = ["bysecond", "byminute", "byhour", "byyearday", "byweekno"];
const WEEKDAY_GROUP: Record<string, DayOfWeek> = { "MO,TU,WE,TH,FR": "Weekday", "SA,SU": "WeekendDay", "MO,TU,WE,TH,FR,SA,SU": "Day" };
const GROUP_DAYS: Record<string, string[]> = { Weekday: ["MO", "TU", "WE", "TH", "FR"], WeekendDay: ["SA", "SU"], Day: ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] };
const ORDER = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function ewsDay(code: string): DayOfWeek {
  return EWS_WEEKDAYS[(ICAL_WEEKDAYS as readonly string[]).indexOf(code)]! as DayOfWeek;
}

function icalDay(day: DayOfWeek): string {
  return ICAL_WEEKDAYS[(EWS_WEEKDAYS as readonly string[]).indexOf(day)]!;
}

function indexName(ordinal: number): DayOfWeekIndex | null {
  if (ordinal === -1) return "Last";
  return INDEX_NAMES[ordinal - 1] ?? null;
}

function ordinalOf(index: DayOfWeekIndex): number {
  return index === "Last" ? -1 : INDEX_NAMES.indexOf(index) + 1;
}

function parseLocal(text: string): number | null {
  const match = /^(\d{4})-?(\d\d)-?(\d\d)(?:T(\d\d):?(\d\d):?(\d\d))?/.exec(text);
  if (!match) return null;
  return localMs(Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4] ?? 0), Number(match[5] ?? 0), Number(match[6] ?? 0));
}

/** EWS day-of-month for an RRULE's BYMONTHDAY set, with whether it is exact. */
function dayOfMonthOf(monthDays: number[], setPos: number[]): { day: number; exact: boolean } | null {
  if (monthDays.length === 1 && setPos.length === 0) {
    const day = monthDays[0]!;
    if (day === -1) return { day: 31, exact: true };
    if (day >= 1 && day <= 28) return { day, exact: true };
    if (day >= 29 && day <= 31) return { day, exact: false };
    return null;
  }
  // BYMONTHDAY=28,29,30;BYSETPOS=-1: day 30, or the last day of a shorter month — EWS's own reading.
  if (setPos.length === 1 && setPos[0] === -1) {
    const sorted = [...monthDays].sort((a, b) => a - b);
    const last = sorted[sorted.length - 1]!;
    if (last >= 29 && last <= 30 && sorted[0] === 28 && sorted.every((day, i) => day === 28 + i)) return { day: last, exact: true };
  }
  return null;
}

/**
 * Maps an RRULE (jCal) of a series starting at `context` to an EWS recurrence. A rule EWS cannot
 * say yields `recurrence: null` and a `dropped` entry naming the part; a rule EWS reads slightly
 * differently (BYMONTHDAY=29–31 alone) is mapped and reported.
 */
export function rruleToRecurrence(rule: JCalRecur, context: SeriesContext): RecurrenceReading {
  const dropped: DroppedProperty[] = [];
  const refuse = (reason: string): RecurrenceReading => ({ recurrence: null, dropped: [{ property: "RRULE", reason: `Exchange cannot hold this rule: ${reason}` }] });
  const freq = String(rule.freq ?? "").toUpperCase();
  const interval = Number(rule.interval ?? 1);
  if (!Number.isInteger(interval) || interval < 1 || interval > 999) return refuse(`INTERVAL=${String(rule.interval)} (Exchange allows 1–999)`);
  for (const part of UNSUPPORTED_PARTS) if (rule[part] !== undefined) return refuse(`${part.toUpperCase()} has no Exchange equivalent`);
  const start = fieldsOf(context.startLocal);
  const startDay = ICAL_WEEKDAYS[weekdayOf(context.startLocal)]!;
  const byDay = list(rule.byday).map((entry) => {
    const match = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/i.exec(String(entry).trim());
    return match ? { ordinal: match[1] ? Number(match[1]) : null, day: match[2]!.toUpperCase() } : null;
  });
  if (byDay.some((entry) => entry === null)) return refuse(`BYDAY=${list(rule.byday).join(",")}`);
  const days = byDay as Array<{ ordinal: number | null; day: string }>;
  const monthDays = list(rule.bymonthday).map(Number);
  const months = list(rule.bymonth).map(Number);
  const setPos = list(rule.bysetpos).map(Number);
  let pattern: RecurrencePattern;

  const relative = (): { dayOfWeek: DayOfWeek; index: DayOfWeekIndex } | null => {
    if (monthDays.length > 0) return null;
    if (days.length === 1 && setPos.length === 0 && days[0]!.ordinal !== null) {
      const index = indexName(days[0]!.ordinal);
      return index ? { dayOfWeek: ewsDay(days[0]!.day), index } : null;
    }
    if (days.length >= 1 && setPos.length === 1 && days.every((entry) => entry.ordinal === null)) {
      const index = indexName(setPos[0]!);
      if (!index) return null;
      if (days.length === 1) return { dayOfWeek: ewsDay(days[0]!.day), index };
      const key = [...new Set(days.map((entry) => entry.day))].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)).join(",");
      const group = WEEKDAY_GROUP[key];
      return group ? { dayOfWeek: group, index } : null;
    }
    return null;
  };

  switch (freq) {
    case "DAILY": {
      if (months.length || monthDays.length || setPos.length) return refuse("DAILY with BYMONTH/BYMONTHDAY/BYSETPOS");
      if (days.length > 0) {
        if (interval !== 1 || days.some((entry) => entry.ordinal !== null)) return refuse("DAILY with BYDAY and an interval");
        pattern = { kind: "WeeklyRecurrence", interval: 1, daysOfWeek: sortDays(days.map((entry) => entry.day)).map(ewsDay), firstDayOfWeek: "Monday" };
      } else pattern = { kind: "DailyRecurrence", interval };
      break;
    }
    case "WEEKLY": {
      if (months.length || monthDays.length || setPos.length) return refuse("WEEKLY with BYMONTH/BYMONTHDAY/BYSETPOS");
      if (days.some((entry) => entry.ordinal !== null)) return refuse("WEEKLY with ordinal BYDAY");
      const wkst = rule.wkst === undefined ? 2 : Number(rule.wkst);
      const firstDayOfWeek = EWS_WEEKDAYS[(wkst - 1 + 7) % 7]! as DayOfWeek;
      pattern = { kind: "WeeklyRecurrence", interval, daysOfWeek: sortDays(days.length ? days.map((entry) => entry.day) : [startDay]).map(ewsDay), firstDayOfWeek };
      break;
    }
    case "MONTHLY":
    case "YEARLY": {
      const yearly = freq === "YEARLY";
      if (months.length > 1 || (!yearly && months.length > 0)) return refuse(`BYMONTH=${months.join(",")} (Exchange repeats in one month only)`);
      const month = months[0] ?? start.month;
      const monthName = EWS_MONTHS[month - 1] as MonthName;
      const monthInterval = yearly ? interval * 12 : interval;
      if (monthInterval > 999) return refuse(`INTERVAL=${interval}`);
      if (days.length > 0) {
        const rel = relative();
        if (!rel) return refuse(`BYDAY=${list(rule.byday).join(",")}${setPos.length ? `;BYSETPOS=${setPos.join(",")}` : ""} (Exchange takes one weekday, or day/weekday/weekend day, in one week)`);
        pattern = yearly && interval === 1
          ? { kind: "RelativeYearlyRecurrence", daysOfWeek: rel.dayOfWeek, dayOfWeekIndex: rel.index, month: monthName }
          : { kind: "RelativeMonthlyRecurrence", interval: monthInterval, daysOfWeek: rel.dayOfWeek, dayOfWeekIndex: rel.index };
      } else {
        const reading = dayOfMonthOf(monthDays.length ? monthDays : [start.day], setPos);
        if (!reading) return refuse(`BYMONTHDAY=${monthDays.join(",")}${setPos.length ? `;BYSETPOS=${setPos.join(",")}` : ""} (Exchange takes one day of the month)`);
        if (!reading.exact) dropped.push({ property: "RRULE", reason: `Exchange puts day ${reading.day} on the last day of shorter months, where the RRULE skips them` });
        pattern = yearly && interval === 1
          ? { kind: "AbsoluteYearlyRecurrence", dayOfMonth: reading.day, month: monthName }
          : { kind: "AbsoluteMonthlyRecurrence", interval: monthInterval, dayOfMonth: reading.day };
      }
      break;
    }
    default:
      return refuse(`FREQ=${freq || "(none)"} (Exchange repeats daily, weekly, monthly or yearly)`);
  }

  const startDate = formatIsoDate(context.startLocal);
  let range: RecurrenceRange;
  if (rule.count !== undefined) {
    const count = Number(rule.count);
    if (!Number.isInteger(count) || count < 1 || count > 999) return refuse(`COUNT=${String(rule.count)} (Exchange allows 1–999 occurrences)`);
    range = { kind: "NumberedRecurrence", startDate, numberOfOccurrences: count };
  } else if (rule.until !== undefined) {
    const text = String(rule.until);
    const until = parseLocal(text);
    if (until === null) return refuse(`UNTIL=${text} is not a date`);
    let endLocal = until;
    if (/Z$/.test(text) && context.zone && !context.allDay) endLocal = context.zone.toLocal(until);
    // EndDate is inclusive: the day of the last occurrence at or before UNTIL.
    let endDay = endLocal - timeOfDayMs(endLocal);
    if (!context.allDay && text.length > 10 && timeOfDayMs(endLocal) < timeOfDayMs(context.startLocal)) endDay -= DAY_MS;
    range = { kind: "EndDateRecurrence", startDate, endDate: formatIsoDate(endDay) };
  } else {
    range = { kind: "NoEndRecurrence", startDate };
  }
  return { recurrence: { pattern, range }, dropped };
}

function sortDays(codes: string[]): string[] {
  return [...new Set(codes)].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
}

function expandDays(days: DayOfWeek[]): string[] {
  return sortDays(days.flatMap((day) => GROUP_DAYS[day] ?? [icalDay(day)]));
}

function monthDayParts(day: number): JCalRecur {
  if (day >= 31) return { bymonthday: -1 };
  if (day >= 29) return { bymonthday: Array.from({ length: day - 27 }, (_, i) => 28 + i), bysetpos: -1 };
  return { bymonthday: day };
}

function relativeParts(dayOfWeek: DayOfWeek, index: DayOfWeekIndex): JCalRecur {
  const ordinal = ordinalOf(index);
  const group = GROUP_DAYS[dayOfWeek];
  if (group) return { byday: group, bysetpos: ordinal };
  return { byday: `${ordinal}${icalDay(dayOfWeek)}` };
}

/**
 * Maps an EWS recurrence to an RRULE (jCal) for a series starting at `context`. `EndDate` becomes
 * UNTIL at the start of the last occurrence (UTC for zoned series, local for floating ones, a DATE
 * for all-day series).
 */
export function recurrenceToRRule(recurrence: Recurrence, context: SeriesContext): JCalRecur {
  const pattern = recurrence.pattern;
  let rule: JCalRecur;
  const withInterval = (freq: string, interval: number): JCalRecur => (interval > 1 ? { freq, interval } : { freq });
  switch (pattern.kind) {
    case "DailyRecurrence":
      rule = withInterval("DAILY", pattern.interval);
      break;
    case "WeeklyRecurrence": {
      rule = { ...withInterval("WEEKLY", pattern.interval), byday: expandDays(pattern.daysOfWeek) };
      if (pattern.firstDayOfWeek && !GROUP_DAYS[pattern.firstDayOfWeek]) rule.wkst = (EWS_WEEKDAYS as readonly string[]).indexOf(pattern.firstDayOfWeek) + 1;
      break;
    }
    case "AbsoluteMonthlyRecurrence":
      rule = pattern.interval % 12 === 0 && pattern.interval > 12
        ? { ...withInterval("YEARLY", pattern.interval / 12), bymonth: fieldsOf(context.startLocal).month, ...monthDayParts(pattern.dayOfMonth) }
        : { ...withInterval("MONTHLY", pattern.interval), ...monthDayParts(pattern.dayOfMonth) };
      break;
    case "RelativeMonthlyRecurrence":
      rule = pattern.interval % 12 === 0 && pattern.interval > 12
        ? { ...withInterval("YEARLY", pattern.interval / 12), bymonth: fieldsOf(context.startLocal).month, ...relativeParts(pattern.daysOfWeek, pattern.dayOfWeekIndex) }
        : { ...withInterval("MONTHLY", pattern.interval), ...relativeParts(pattern.daysOfWeek, pattern.dayOfWeekIndex) };
      break;
    case "AbsoluteYearlyRecurrence":
      rule = { freq: "YEARLY", bymonth: EWS_MONTHS.indexOf(pattern.month as (typeof EWS_MONTHS)[number]) + 1, ...monthDayParts(pattern.dayOfMonth) };
      break;
    case "RelativeYearlyRecurrence":
      rule = { freq: "YEARLY", bymonth: EWS_MONTHS.indexOf(pattern.month as (typeof EWS_MONTHS)[number]) + 1, ...relativeParts(pattern.daysOfWeek, pattern.dayOfWeekIndex) };
      break;
  }
  const range = recurrence.range;
  if (range.kind === "NumberedRecurrence") rule.count = range.numberOfOccurrences;
  else if (range.kind === "EndDateRecurrence") {
    const endDate = parseLocal(range.endDate.slice(0, 10));
    if (endDate !== null) {
      if (context.allDay) rule.until = formatIsoDate(endDate);
      else {
        const lastStart = endDate + timeOfDayMs(context.startLocal);
        rule.until = context.zone ? `${new Date(context.zone.toUtc(lastStart)).toISOString().slice(0, 19)}Z` : new Date(lastStart).toISOString().slice(0, 19);
      }
    }
  }
  return rule;
}

/** True when two recurrences say the same thing (pattern and range, ignoring StartDate's offset suffix). */
export function sameRecurrence(a: Recurrence | undefined, b: Recurrence | undefined): boolean {
  if (!a || !b) return a === b;
  const canonical = (r: Recurrence): string => {
    const pattern = { ...r.pattern } as Record<string, unknown>;
    if (pattern.kind === "WeeklyRecurrence") {
      pattern.daysOfWeek = expandDays(pattern.daysOfWeek as DayOfWeek[]);
      pattern.firstDayOfWeek = pattern.firstDayOfWeek ?? "Monday";
    }
    const range = { ...r.range } as Record<string, unknown>;
    range.startDate = String(range.startDate).slice(0, 10);
    if (typeof range.endDate === "string") range.endDate = range.endDate.slice(0, 10);
    return JSON.stringify([Object.entries(pattern).sort(), Object.entries(range).sort()]);
  };
  return canonical(a) === canonical(b);
}

/** Most occurrences of a series that are ever expanded by default (EWS numbers at most 999 by COUNT; open series are cut here); see `MapperLimits.maxOccurrences`. */
export const MAX_EXPANDED_OCCURRENCES = DEFAULT_MAPPER_LIMITS.maxOccurrences;

/**
 * The occurrences of a series, expanded once and on demand (as far as the latest instant asked
 * for), so a series with many exceptions costs one expansion instead of one per exception.
 * `toUtc` turns an expanded wall-clock start into its instant, so an occurrence in a DST gap is
 * found too. A rule ical.js cannot expand has no occurrences.
 *
 * The expansion is bounded (`MapperLimits`): it stops after `maxOccurrences` occurrences or past the
 * end of `horizonYear`, and each step is checked against the item's time budget. Asking for an
 * instant beyond where a bound stopped the expansion throws `LIMIT_EXCEEDED` naming `property`,
 * since whether that instant is an occurrence cannot be known.
 */
export class SeriesOccurrences {
  private readonly instants: number[] = [];
  /** Next wall-clock start, `null` at the rule's end, `"horizon"` when the horizon year cut it. */
  private iterator: { next(): number | null | "horizon" } | null;
  /** Set when a bound (not the rule's own end) stopped the expansion: what stopped it. */
  private cutBy: string | null = null;
  private readonly maxOccurrences: number;
  private readonly horizonYear: number;

  constructor(
    rule: JCalRecur,
    startLocal: number,
    private readonly allDay: boolean,
    private readonly toUtc: (local: number) => number,
  ) {
    const limits = currentLimits();
    this.maxOccurrences = limits.maxOccurrences;
    this.horizonYear = limits.horizonYear;
    const parsed = parseSeriesRule(rule);
    if (parsed) {
      // The rules EWS holds are expanded period by period (expand.ts); ical.js only for others.
      const generator = expandSeries(parsed, startLocal, allDay, limits.horizonYear, toUtc);
      this.iterator = {
        next: () => {
          const step = generator.next();
          return step.done ? (step.value === "horizon" ? "horizon" : null) : step.value;
        },
      };
      return;
    }
    try {
      const iterator = ICAL.Recur.fromData({ ...rule } as never).iterator(ICAL.Time.fromData({ ...fieldsOf(startLocal), isDate: allDay }));
      this.iterator = {
        next: () => {
          const next = iterator.next();
          if (!next) return null;
          if (next.year > this.horizonYear) return "horizon";
          return localMs(next.year, next.month, next.day, allDay ? 0 : next.hour, allDay ? 0 : next.minute, allDay ? 0 : next.second);
        },
      };
    } catch {
      this.iterator = null;
    }
  }

  /** Expands until an occurrence after `targetUtc` is known (or the series ends, or a bound stops it). */
  private expandPast(targetUtc: number, property: string): void {
    const list = this.instants;
    while (this.iterator && (list.length === 0 || list[list.length - 1]! <= targetUtc)) {
      checkBudget(property);
      if (list.length >= this.maxOccurrences) {
        this.stop(`the first ${this.maxOccurrences} occurrences`);
        break;
      }
      let next: number | null | "horizon";
      try {
        next = this.iterator.next();
      } catch (error) {
        rethrowLimit(error);
        next = null;
      }
      if (next === null) {
        this.iterator = null;
        break;
      }
      if (next === "horizon") {
        this.stop(`the occurrences up to the end of ${this.horizonYear}`);
        break;
      }
      list.push(this.toUtc(next));
    }
    if (this.cutBy && (list.length === 0 || list[list.length - 1]! <= targetUtc)) {
      throw limitExceeded(property, `${new Date(targetUtc).toISOString().slice(0, 19)}Z lies beyond ${this.cutBy} of the series, as far as the mappers expand a series`);
    }
  }

  private stop(cutBy: string): void {
    this.iterator = null;
    this.cutBy = cutBy;
  }

  /** Position of the first occurrence at or after `targetUtc` in the expanded list. */
  private lowerBound(targetUtc: number, property: string): number {
    this.expandPast(targetUtc, property);
    const list = this.instants;
    let low = 0;
    let high = list.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (list[mid]! < targetUtc) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /**
   * The 1-based position (EWS `InstanceIndex`) of the occurrence starting at `targetUtc`, or null.
   * `property` names what asks (EXDATE, RECURRENCE-ID …) in the error of a bound.
   */
  indexOf(targetUtc: number, property = "RRULE"): number | null {
    const at = this.lowerBound(targetUtc, property);
    return this.instants[at] === targetUtc ? at + 1 : null;
  }

  /** The occurrences just before and just after `targetUtc` (null where there is none). */
  around(targetUtc: number, property = "RRULE"): { previous: number | null; next: number | null } {
    const at = this.lowerBound(targetUtc, property);
    const list = this.instants;
    const after = list[at] === targetUtc ? at + 1 : at;
    return { previous: at > 0 ? list[at - 1]! : null, next: list[after] ?? null };
  }
}

const sharedOccurrences = new WeakMap<EventTimeZone, Map<string, SeriesOccurrences>>();

/**
 * The {@link SeriesOccurrences} of a series in `zone`, shared between calls (ical.js expands rules
 * slowly, and the engine maps the same series again and again to recognise echoes). Zones the
 * mapper resolves by IANA name are shared objects, so their series are found again; at most 256
 * series are kept per zone.
 */
export function occurrencesOf(rule: JCalRecur, startLocal: number, allDay: boolean, zone: EventTimeZone): SeriesOccurrences {
  let byKey = sharedOccurrences.get(zone);
  if (!byKey) sharedOccurrences.set(zone, (byKey = new Map()));
  const limits = currentLimits();
  const key = `${JSON.stringify(rule)}|${startLocal}|${allDay}|${limits.maxOccurrences}|${limits.horizonYear}`;
  let occurrences = byKey.get(key);
  if (!occurrences) {
    if (byKey.size >= 256) byKey.delete(byKey.keys().next().value!);
    occurrences = new SeriesOccurrences(rule, startLocal, allDay, (local) => zone.toUtc(local));
    byKey.set(key, occurrences);
  }
  return occurrences;
}

/**
 * The 1-based position, in the rule's expansion from `startLocal`, of the occurrence whose start is
 * the instant `targetUtc` (see {@link SeriesOccurrences}), or null.
 */
export function occurrenceIndex(rule: JCalRecur, startLocal: number, allDay: boolean, toUtc: (local: number) => number, targetUtc: number): number | null {
  return new SeriesOccurrences(rule, startLocal, allDay, toUtc).indexOf(targetUtc);
}

/** The pattern's occurrences (instants) just before and just after the one at `targetUtc`. */
export function neighbours(rule: JCalRecur, startLocal: number, allDay: boolean, toUtc: (local: number) => number, targetUtc: number): { previous: number | null; next: number | null } {
  return new SeriesOccurrences(rule, startLocal, allDay, toUtc).around(targetUtc);
}
