/**
 * Reading the parts of an RRULE as ical.js hands them over (jCal recur data: a value or a list of
 * values, numbers or strings), and the days of a month BYMONTHDAY and BYDAY pick; shared by the
 * series expander and the zone-rule check.
 *
 * @module
 */
import { daysInMonth, localMs, weekdayOf } from "./timezone/clock.js";

/** A recur part as a list: absent → empty, one value → one entry. */
export function recurList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * A recur part as integers, each accepted by `ok`; null when any entry is not a plain integer
 * (a number, or a string of at most four digits with an optional sign) or is refused.
 */
export function recurIntegers(value: unknown, ok: (n: number) => boolean): number[] | null {
  const out: number[] = [];
  for (const entry of recurList(value)) {
    const n = typeof entry === "number" ? entry : /^[+-]?\d{1,4}$/.test(String(entry).trim()) ? Number(String(entry).trim()) : Number.NaN;
    if (!Number.isInteger(n) || !ok(n)) return null;
    out.push(n);
  }
  return out;
}

/** The BYMONTHDAY and BYDAY parts of a rule, as the expander and the zone-rule check hold them. */
export interface MonthDayParts {
  /** BYMONTHDAY: 1…31, or −1…−31 counting from the month's end. */
  monthDays: readonly number[];
  /** BYDAY: a weekday (0 = Sunday) with an optional ordinal (±1…±5 within the month). */
  days: ReadonlyArray<{ weekday: number; ordinal: number | null }>;
}

/**
 * The days (local midnight, in order) of one month that BYMONTHDAY and BYDAY pick (RFC 5545
 * §3.3.10: negative month days and ordinals count from the month's end); every day when the rule
 * names neither.
 */
export function pickedMonthDays(rule: MonthDayParts, year: number, month: number): number[] {
  const length = daysInMonth(year, month);
  const out: number[] = [];
  for (let day = 1; day <= length; day++) {
    if (rule.monthDays.length > 0 && !rule.monthDays.some((md) => md === day || md === day - length - 1)) continue;
    const at = localMs(year, month, day);
    if (rule.days.length > 0) {
      const weekday = weekdayOf(at);
      const forward = Math.ceil(day / 7);
      const backward = -(Math.floor((length - day) / 7) + 1);
      if (!rule.days.some((d) => d.weekday === weekday && (d.ordinal === null || d.ordinal === forward || d.ordinal === backward))) continue;
    }
    out.push(at);
  }
  return out;
}
