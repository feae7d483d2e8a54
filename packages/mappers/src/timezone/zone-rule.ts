/**
 * The RRULE of a VTIMEZONE observance, checked and expanded without a general recurrence engine.
 *
 * A time zone changes its offset at most a few times a year on a day fixed by its rule, so an
 * observance's RRULE is accepted only in the form a zone can have (RFC 5545 §3.6.5 and every zone
 * database): `FREQ=YEARLY` (any INTERVAL), `BYMONTH` with `BYDAY`, `BYMONTHDAY` or `BYSETPOS` (or
 * neither, meaning DTSTART's day), no `BYHOUR`/`BYMINUTE`/`BYSECOND`/`BYYEARDAY`/`BYWEEKNO`, and days
 * that occur. Whether the days occur is decided without iterating the rule: the days a rule picks in
 * a year depend only on whether the year is a leap year and on the weekday of 1 January, and the 28
 * years 2001–2028 have every combination. Such a rule is expanded here year by year up to a
 * horizon, so no input can make the expansion run longer than (years × 12 months × 31 days) steps —
 * the rules ical.js's iterator cannot finish one step of (`FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30`, a
 * `FREQ=SECONDLY` rule) are refused before anything is expanded.
 */
import { checkBudget } from "../limits.js";
import { DAY_MS, fieldsOf, ICAL_WEEKDAYS, timeOfDayMs } from "./clock.js";
import { pickedMonthDays, recurIntegers, recurList } from "../recur-values.js";

/** A VTIMEZONE RRULE that passed {@link checkZoneRule}. */
export interface ZoneRule {
  /** Every `interval` years. */
  interval: number;
  /** Months (1–12). */
  months: number[];
  /** BYDAY entries: weekday 0 = Sunday … 6, ordinal within the month (null = every such weekday). */
  days: Array<{ weekday: number; ordinal: number | null }>;
  /** BYMONTHDAY values (±1–31). */
  monthDays: number[];
  /** BYSETPOS values, over the days the rule picks in a year. */
  setPos: number[];
  /** COUNT, if any (DTSTART is the first). */
  count: number | null;
}

/** Most onsets a zone rule may pick in one year (a zone changes its offset a few times a year at most). */
export const MAX_RULE_ONSETS_PER_YEAR = 4;

const ALLOWED_PARTS = new Set(["freq", "interval", "count", "until", "bymonth", "byday", "bymonthday", "bysetpos", "wkst"]);

/**
 * Checks an observance's RRULE (jCal recur data, as ical.js parses it) against what a zone can
 * have, for an observance starting at `startLocal`. Returns the rule, or the reason it is refused.
 */
export function checkZoneRule(data: Record<string, unknown>, startLocal: number): ZoneRule | { refused: string } {
  const refuse = (reason: string) => ({ refused: reason });
  const freq = String(data.freq ?? "").toUpperCase();
  if (freq !== "YEARLY") return refuse(`FREQ=${freq || "(none)"}: a time zone's rule repeats yearly`);
  for (const key of Object.keys(data)) {
    if (!ALLOWED_PARTS.has(key.toLowerCase())) return refuse(`${key.toUpperCase()} has no place in a time zone's rule`);
  }
  const interval = data.interval === undefined ? 1 : Number(data.interval);
  if (!Number.isInteger(interval) || interval < 1 || interval > 1000) return refuse(`INTERVAL=${String(data.interval)}`);
  let count: number | null = null;
  if (data.count !== undefined) {
    count = Number(data.count);
    if (!Number.isInteger(count) || count < 1) return refuse(`COUNT=${String(data.count)}`);
  }
  const start = fieldsOf(startLocal);
  const months = data.bymonth === undefined ? [start.month] : recurIntegers(data.bymonth, (n) => n >= 1 && n <= 12);
  if (!months || months.length === 0) return refuse(`BYMONTH=${recurList(data.bymonth).join(",")}`);
  const monthDays = recurIntegers(data.bymonthday, (n) => n !== 0 && n >= -31 && n <= 31);
  if (!monthDays) return refuse(`BYMONTHDAY=${recurList(data.bymonthday).join(",")}`);
  const setPos = recurIntegers(data.bysetpos, (n) => n !== 0 && n >= -366 && n <= 366);
  if (!setPos) return refuse(`BYSETPOS=${recurList(data.bysetpos).join(",")}`);
  const days: ZoneRule["days"] = [];
  for (const entry of recurList(data.byday)) {
    const match = /^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$/i.exec(String(entry).trim());
    if (!match) return refuse(`BYDAY=${recurList(data.byday).join(",")} (a zone's rule names a weekday, or the 1st–5th or last 1st–5th one of the month)`);
    days.push({ weekday: (ICAL_WEEKDAYS as readonly string[]).indexOf(match[2]!.toUpperCase()), ordinal: match[1] ? Number(match[1]) : null });
  }
  if (days.length === 0 && monthDays.length === 0) monthDays.push(start.day);
  const rule: ZoneRule = { interval, months: [...new Set(months)].sort((a, b) => a - b), days, monthDays, setPos, count };
  // Dates that occur: every kind of year (leap or not × weekday of 1 January) is among 2001–2028.
  let occurs = false;
  for (let year = 2001; year <= 2028; year++) {
    const picked = ruleDays(rule, year).length;
    if (picked > MAX_RULE_ONSETS_PER_YEAR) return refuse(`picks ${picked} days in ${year}; a time zone's rule changes the offset once a year`);
    if (picked > 0) occurs = true;
  }
  if (!occurs) return refuse("names days that never occur");
  return rule;
}

/** The days (local midnight) a checked rule picks in one year, in order. */
export function ruleDays(rule: ZoneRule, year: number): number[] {
  const picked: number[] = [];
  for (const month of rule.months) picked.push(...pickedMonthDays(rule, year, month));
  if (rule.setPos.length === 0) return picked;
  const chosen = new Set<number>();
  for (const position of rule.setPos) {
    const at = position > 0 ? picked[position - 1] : picked[picked.length + position];
    if (at !== undefined) chosen.add(at);
  }
  return [...chosen].sort((a, b) => a - b);
}

/**
 * The onsets (local times) of a checked rule from `startLocal` (which counts as the first, as
 * RFC 5545 says of DTSTART) while before `horizonLocal` and not after `untilLocal`.
 */
export function expandZoneRule(rule: ZoneRule, startLocal: number, horizonLocal: number, untilLocal: number | null): number[] {
  const out: number[] = [startLocal];
  const time = timeOfDayMs(startLocal);
  const first = fieldsOf(startLocal).year;
  const last = fieldsOf(horizonLocal - DAY_MS).year;
  for (let year = first; year <= last; year += rule.interval) {
    checkBudget("VTIMEZONE");
    for (const day of ruleDays(rule, year)) {
      const local = day + time;
      if (local <= startLocal) continue;
      if (local >= horizonLocal || (untilLocal !== null && local > untilLocal)) return out;
      if (rule.count !== null && out.length >= rule.count) return out;
      out.push(local);
    }
  }
  return out;
}
