/**
 * Reading the parts of an RRULE as ical.js hands them over (jCal recur data: a value or a list of
 * values, numbers or strings), shared by the series expander and the zone-rule check.
 *
 * @module
 */

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
