/**
 * Dates of contacts: vCard BDAY / ANNIVERSARY values (with or without a year) ⇄ the `xs:dateTime`
 * EWS keeps for `Birthday` and `WeddingAnniversary`.
 */
import { MapperError } from "../result.js";

/** A calendar date, with `year` null when the vCard omits it (`--0102`). */
export interface ContactDate {
  /** The year, or null when the vCard gives none. */
  year: number | null;
  /** Month, 1–12. */
  month: number;
  /** Day of the month. */
  day: number;
}

/** The year Outlook and Apple use for "no year" (`X-APPLE-OMIT-YEAR=1604`). */
export const NO_YEAR = 1604;

function valid(year: number | null, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year ?? 2000, month, 0)).getUTCDate();
  return day <= days;
}

/**
 * Reads a vCard date (jCard form `1980-01-02`, `--01-02`, `19800102`, `1980-01-02T10:00:00Z`,
 * Apple's `1604-01-02` with `X-APPLE-OMIT-YEAR`). Throws {@link MapperError} for anything else.
 */
export function parseContactDate(property: string, raw: string, omitYear: number | null = null): ContactDate {
  const text = raw.trim();
  let match = /^(\d{4})-?(\d{2})-?(\d{2})(?:T.*)?$/.exec(text);
  if (match) {
    const year = Number(match[1]);
    const month = Number(match[2]);
    const day = Number(match[3]);
    const result = { year: year === omitYear || year === NO_YEAR ? null : year, month, day };
    if (valid(result.year, month, day)) return result;
  }
  match = /^--(\d{2})-?(\d{2})$/.exec(text);
  if (match) {
    const result = { year: null, month: Number(match[1]), day: Number(match[2]) };
    if (valid(null, result.month, result.day)) return result;
  }
  throw new MapperError("INVALID_VALUE", property, `not a date: ${JSON.stringify(text.slice(0, 40))}`);
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** The EWS `xs:dateTime` for a contact date: midnight UTC, year 1604 when there is none. */
export function contactDateToEws(date: ContactDate): string {
  return `${pad(date.year ?? NO_YEAR, 4)}-${pad(date.month)}-${pad(date.day)}T00:00:00Z`;
}

/**
 * Reads an EWS `xs:dateTime` birthday or anniversary. Exchange stores midnight in the writer's
 * time zone, so the instant is rounded to the nearest UTC midnight (`1980-01-01T23:00:00Z` is
 * 2 January). Year 1604 means "no year".
 */
export function contactDateFromEws(property: string, value: string): ContactDate {
  const instant = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(instant)) throw new MapperError("INVALID_VALUE", property, `not an xs:dateTime: ${JSON.stringify(value.slice(0, 40))}`);
  const rounded = new Date(instant + 12 * 3600 * 1000);
  const year = rounded.getUTCFullYear();
  return { year: year === NO_YEAR ? null : year, month: rounded.getUTCMonth() + 1, day: rounded.getUTCDate() };
}

/** The jCard form of a date: `1980-01-02`, or `--01-02` without a year. */
export function contactDateToJCard(date: ContactDate): string {
  return date.year === null ? `--${pad(date.month)}-${pad(date.day)}` : `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

/** Equal dates (same year or both without one). */
export function sameContactDate(a: ContactDate | null, b: ContactDate | null): boolean {
  if (a === null || b === null) return a === b;
  return a.year === b.year && a.month === b.month && a.day === b.day;
}
