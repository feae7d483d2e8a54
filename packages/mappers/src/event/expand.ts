/**
 * Expansion of the series rules EWS can hold (RFC 5545 §3.3.10), without a general recurrence
 * engine: DAILY (with INTERVAL, or on BYDAY weekdays), WEEKLY (INTERVAL, BYDAY, WKST), MONTHLY and
 * YEARLY (INTERVAL, one or more BYMONTH, BYMONTHDAY and/or BYDAY with ordinals, BYSETPOS over the
 * period's set), COUNT and UNTIL. Each period (day, week, month, year) is worked out from the
 * calendar directly, so one step costs at most a month's or a year's days — ical.js needs ~1.5 ms per
 * occurrence for a `BYDAY=MO,…,FR;BYSETPOS=-1` rule, which made lookups far into such a series the
 * slowest input the bounds fuzzer found. A rule outside this set is left to ical.js (see
 * `SeriesOccurrences`).
 *
 * A DTSTART that does not match its rule gives a recurrence set RFC 5545 leaves undefined; this
 * expander reads it as ical.js does (so both sides of the mapper agree with what was there before):
 * a DAILY series starts with DTSTART whatever its BYDAY, the others with their first match at or
 * after DTSTART. COUNT counts the occurrences so given.
 */
import { checkBudget } from "../limits.js";
import { DAY_MS, daysInMonth, fieldsOf, ICAL_WEEKDAYS, localMs, timeOfDayMs, weekdayOf } from "../timezone/clock.js";
import { pickedMonthDays, recurIntegers, recurList } from "../recur-values.js";

/** A rule {@link parseSeriesRule} accepted. */
export interface SeriesRule {
  /** FREQ. */
  freq: "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY";
  /** INTERVAL (≥ 1). */
  interval: number;
  /** BYMONTH (YEARLY only). */
  months: number[];
  /** BYMONTHDAY (±1–31). */
  monthDays: number[];
  /** BYDAY: weekday 0 = Sunday …, ordinal within the month or year period (null = every). */
  days: Array<{ weekday: number; ordinal: number | null }>;
  /** BYSETPOS over the period's set. */
  setPos: number[];
  /** COUNT. */
  count: number | null;
  /** WKST, 0 = Sunday … (default Monday). */
  weekStart: number;
  /** UNTIL as written (jCal): a date, a local date-time or a UTC one (`Z`). */
  until: string | null;
}

const PARTS = new Set(["freq", "interval", "count", "until", "bymonth", "bymonthday", "byday", "bysetpos", "wkst"]);

/** The rule in the form {@link expandSeries} takes, or null when it is not one it expands. */
export function parseSeriesRule(rule: Record<string, unknown>): SeriesRule | null {
  for (const key of Object.keys(rule)) if (!PARTS.has(key)) return null;
  const freq = String(rule.freq ?? "").toUpperCase();
  if (freq !== "DAILY" && freq !== "WEEKLY" && freq !== "MONTHLY" && freq !== "YEARLY") return null;
  const interval = rule.interval === undefined ? 1 : Number(rule.interval);
  if (!Number.isInteger(interval) || interval < 1 || interval > 10_000) return null;
  const count = rule.count === undefined ? null : Number(rule.count);
  if (count !== null && (!Number.isInteger(count) || count < 1)) return null;
  const months = recurIntegers(rule.bymonth, (n) => n >= 1 && n <= 12);
  const monthDays = recurIntegers(rule.bymonthday, (n) => n !== 0 && n >= -31 && n <= 31);
  const setPos = recurIntegers(rule.bysetpos, (n) => n !== 0 && n >= -366 && n <= 366);
  if (!months || !monthDays || !setPos) return null;
  const days: SeriesRule["days"] = [];
  for (const entry of recurList(rule.byday)) {
    const match = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/i.exec(String(entry).trim());
    if (!match) return null;
    const ordinal = match[1] ? Number(match[1]) : null;
    if (ordinal !== null && (ordinal === 0 || Math.abs(ordinal) > 5)) return null;
    days.push({ weekday: (ICAL_WEEKDAYS as readonly string[]).indexOf(match[2]!.toUpperCase()), ordinal });
  }
  // The combinations RFC 5545 gives a meaning this expander implements (ordinals only in months).
  if (freq === "DAILY" && (months.length || monthDays.length || setPos.length || days.some((d) => d.ordinal !== null))) return null;
  if (freq === "WEEKLY" && (months.length || monthDays.length || setPos.length || days.some((d) => d.ordinal !== null))) return null;
  if (freq === "MONTHLY" && months.length) return null;
  if (freq === "YEARLY" && months.length === 0 && (days.length || monthDays.length)) return null;
  // WKST as jCal numbers it (1 = Sunday … 7) or as a weekday code.
  const code = (ICAL_WEEKDAYS as readonly string[]).indexOf(String(rule.wkst ?? "").toUpperCase());
  const wkst = rule.wkst === undefined ? 2 : code >= 0 ? code + 1 : Number(rule.wkst);
  if (!Number.isInteger(wkst) || wkst < 1 || wkst > 7) return null;
  const until = rule.until === undefined ? null : String(rule.until);
  if (until !== null && !/^\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\dZ?)?$/.test(until)) return null;
  return { freq, interval, months, monthDays, days, setPos, count, weekStart: wkst - 1, until };
}

/** The days (local midnight) of one month the rule picks, before BYSETPOS. */
function monthSet(rule: SeriesRule, year: number, month: number, startDayOfMonth: number): number[] {
  if (rule.monthDays.length > 0 || rule.days.length > 0) return pickedMonthDays(rule, year, month);
  // Neither part: the day of the month the series started on, where the month has it.
  return startDayOfMonth <= daysInMonth(year, month) ? [localMs(year, month, startDayOfMonth)] : [];
}

function applySetPos(set: number[], setPos: number[]): number[] {
  if (setPos.length === 0) return set;
  const chosen = new Set<number>();
  for (const position of setPos) {
    const at = position > 0 ? set[position - 1] : set[set.length + position];
    if (at !== undefined) chosen.add(at);
  }
  return [...chosen].sort((a, b) => a - b);
}

/**
 * The occurrences (wall-clock starts) of a rule from `startLocal`, in order, up to the end of
 * `lastYear`; `toUtc` reads a wall-clock start as an instant (for a UTC UNTIL). Each period is
 * checked against the item's time budget (`property` names what is being expanded). Returns
 * `"end"` when the rule ended (COUNT, UNTIL) and `"horizon"` when `lastYear` cut it.
 */
export function* expandSeries(rule: SeriesRule, startLocal: number, allDay: boolean, lastYear: number, toUtc: (local: number) => number, property = "RRULE"): Generator<number, "end" | "horizon"> {
  const time = allDay ? 0 : timeOfDayMs(startLocal);
  const startDay = startLocal - timeOfDayMs(startLocal);
  const start = fieldsOf(startDay);
  const endOfHorizon = localMs(lastYear + 1, 1, 1);
  let until: ((local: number) => boolean) | null = null;
  if (rule.until !== null) {
    const text = rule.until;
    const [y, mo, d, h, mi, s] = text.split(/[-T:Z]/).map(Number) as [number, number, number, number?, number?, number?];
    const value = localMs(y, mo, d, h ?? 0, mi ?? 0, s ?? 0);
    if (text.length === 10) until = (local) => local - timeOfDayMs(local) > value;
    else if (text.endsWith("Z") && !allDay) until = (local) => toUtc(local) > value;
    else until = (local) => local > value;
  }
  let emitted = 0;
  if (rule.freq === "DAILY") {
    if (startLocal >= endOfHorizon) return "horizon";
    if (until?.(startLocal)) return "end";
    yield startLocal;
    emitted = 1;
  }
  const emit = function* (days: number[]): Generator<number, "end" | "horizon" | null> {
    for (const day of days) {
      const local = day + time;
      if (local < startLocal || (emitted > 0 && local === startLocal)) continue;
      if (local >= endOfHorizon) return "horizon";
      if ((until && until(local)) || (rule.count !== null && emitted >= rule.count)) return "end";
      emitted++;
      yield local;
    }
    return null;
  };
  for (let period = 0; ; period += rule.interval) {
    checkBudget(property);
    let days: number[];
    let periodStart: number;
    switch (rule.freq) {
      case "DAILY": {
        if (rule.days.length > 0) {
          // Every day is a period; the weekdays filter (interval 1 only: EWS holds no other).
          periodStart = startDay + period * DAY_MS;
          days = rule.days.some((d) => d.weekday === weekdayOf(periodStart)) ? [periodStart] : [];
        } else {
          periodStart = startDay + period * DAY_MS;
          days = [periodStart];
        }
        break;
      }
      case "WEEKLY": {
        const weekStart = startDay - ((weekdayOf(startDay) - rule.weekStart + 7) % 7) * DAY_MS + period * 7 * DAY_MS;
        periodStart = weekStart;
        const weekdays = rule.days.length > 0 ? rule.days.map((d) => d.weekday) : [weekdayOf(startDay)];
        days = [...new Set(weekdays.map((weekday) => weekStart + ((weekday - rule.weekStart + 7) % 7) * DAY_MS))].sort((a, b) => a - b);
        break;
      }
      case "MONTHLY": {
        const monthIndex = start.month - 1 + period;
        const year = start.year + Math.floor(monthIndex / 12);
        const month = (monthIndex % 12) + 1;
        periodStart = localMs(year, month, 1);
        days = applySetPos(monthSet(rule, year, month, start.day), rule.setPos);
        break;
      }
      case "YEARLY": {
        const year = start.year + period;
        periodStart = localMs(year, 1, 1);
        const months = rule.months.length > 0 ? [...new Set(rule.months)].sort((a, b) => a - b) : [start.month];
        days = applySetPos(months.flatMap((month) => monthSet(rule, year, month, start.day)), rule.setPos);
        break;
      }
    }
    if (periodStart >= endOfHorizon) return "horizon";
    const ended = yield* emit(days);
    if (ended) return ended;
  }
}
