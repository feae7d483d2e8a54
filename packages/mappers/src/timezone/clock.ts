/**
 * Wall-clock arithmetic shared by the time-zone and event code. A "local time" is a wall-clock
 * reading (year, month, day, hour, minute, second) stored as the number of milliseconds it would be
 * if it were UTC (`Date.UTC(...)`), so plain integer arithmetic works on it and no host time zone
 * ever enters the computation.
 */

/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

/** A wall-clock reading split into fields (month 1–12). */
export interface ClockFields {
  /** Full year. */
  year: number;
  /** Month, 1–12. */
  month: number;
  /** Day of the month, 1–31. */
  day: number;
  /** Hour, 0–23. */
  hour: number;
  /** Minute, 0–59. */
  minute: number;
  /** Second, 0–59. */
  second: number;
}

/** The local-time number of the given fields. */
export function localMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  if (year >= 0 && year < 100) {
    // Date.UTC reads years 0–99 as 1900–1999; odd input (DTSTART:00010101T000000) means year 1.
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(hour, minute, second, 0);
    return date.getTime();
  }
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** Splits a local-time number (or a UTC instant) into its fields. */
export function fieldsOf(ms: number): ClockFields {
  const date = new Date(ms);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  };
}

/** Day of the week of a local-time number, 0 = Sunday … 6 = Saturday. */
export function weekdayOf(ms: number): number {
  return new Date(ms).getUTCDay();
}

/** Number of days in a month (month 1–12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Milliseconds since local midnight of a local-time number. */
export function timeOfDayMs(ms: number): number {
  return ((ms % DAY_MS) + DAY_MS) % DAY_MS;
}

/**
 * The local date of the `week`-th `weekday` of a month (week 1–5, or -1 for the last), at midnight.
 * Week 5 means the fifth if the month has one, else the last (the Windows convention).
 */
export function nthWeekdayOfMonth(year: number, month: number, weekday: number, week: number): number {
  if (week < 0) {
    const last = localMs(year, month, daysInMonth(year, month));
    const back = (weekdayOf(last) - weekday + 7) % 7;
    return last - back * DAY_MS;
  }
  const first = localMs(year, month, 1);
  const ahead = (weekday - weekdayOf(first) + 7) % 7;
  let day = 1 + ahead + (week - 1) * 7;
  while (day > daysInMonth(year, month)) day -= 7;
  return localMs(year, month, day);
}

const two = (value: number): string => String(value).padStart(2, "0");

/** Basic iCalendar form `YYYYMMDDTHHMMSS` of a local-time number (append `Z` for UTC). */
export function formatICalDateTime(ms: number): string {
  const f = fieldsOf(ms);
  return `${String(f.year).padStart(4, "0")}${two(f.month)}${two(f.day)}T${two(f.hour)}${two(f.minute)}${two(f.second)}`;
}

/** Basic iCalendar form `YYYYMMDD` of a local-time number. */
export function formatICalDate(ms: number): string {
  const f = fieldsOf(ms);
  return `${String(f.year).padStart(4, "0")}${two(f.month)}${two(f.day)}`;
}

/** Extended ISO form `YYYY-MM-DDTHH:MM:SS` of a local-time number (append `Z` for UTC). */
export function formatIsoDateTime(ms: number): string {
  const f = fieldsOf(ms);
  return `${String(f.year).padStart(4, "0")}-${two(f.month)}-${two(f.day)}T${two(f.hour)}:${two(f.minute)}:${two(f.second)}`;
}

/** Extended ISO date `YYYY-MM-DD` of a local-time number. */
export function formatIsoDate(ms: number): string {
  return formatIsoDateTime(ms).slice(0, 10);
}

/** iCalendar UTC offset text (`+0100`, `-0430`, `-004430`) of an offset in seconds east of UTC. */
export function formatUtcOffset(seconds: number): string {
  const sign = seconds < 0 ? "-" : "+";
  const abs = Math.abs(seconds);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  return `${sign}${two(h)}${two(m)}${s ? two(s) : ""}`;
}

/** Parses iCalendar UTC offset text (`+0100`, `-04:30`, `+013045`) to seconds east of UTC, or null. */
export function parseUtcOffset(text: string): number | null {
  const match = /^([+-])(\d\d):?(\d\d)(?::?(\d\d))?$/.exec(text.trim());
  if (!match) return null;
  const value = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4] ?? 0);
  return match[1] === "-" ? -value : value;
}

/** Parses an `xs:duration` restricted to days, hours, minutes, seconds (`-PT1H`, `PT5H30M`, `P1DT2H`) to seconds, or null. */
export function parseXsDuration(text: string): number | null {
  const match = /^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text.trim());
  if (!match || text.trim() === "P" || text.trim().endsWith("T")) return null;
  const seconds = Number(match[2] ?? 0) * 86400 + Number(match[3] ?? 0) * 3600 + Number(match[4] ?? 0) * 60 + Math.round(Number(match[5] ?? 0));
  return match[1] ? -seconds : seconds;
}

/** Formats seconds as an `xs:duration` (`-PT1H`, `PT5H30M`, `PT0M`). */
export function formatXsDuration(seconds: number): string {
  if (seconds === 0) return "PT0M";
  const sign = seconds < 0 ? "-" : "";
  let rest = Math.abs(seconds);
  const days = Math.floor(rest / 86400);
  rest -= days * 86400;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const s = rest % 60;
  let out = `${sign}P${days ? `${days}D` : ""}`;
  if (h || m || s) out += `T${h ? `${h}H` : ""}${m ? `${m}M` : ""}${s ? `${s}S` : ""}`;
  return out;
}

/** Weekday names as EWS spells them, index 0 = Sunday. */
export const EWS_WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
/** Weekday codes as iCalendar spells them, index 0 = Sunday. */
export const ICAL_WEEKDAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"] as const;
/** Month names as EWS spells them, index 0 = January. */
export const EWS_MONTHS = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
] as const;
