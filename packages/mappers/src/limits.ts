/**
 * Bounds on the work one item may cost. Every expansion that depends on the input — RRULE
 * occurrences, VTIMEZONE onsets, EXDATE / RDATE lists, overrides, attendees, content lines,
 * properties — stops at a count and a date horizon, and the mapping of one item runs under a time
 * budget. The mappers are synchronous, so the budget is cooperative: the loops that depend on the
 * input call {@link checkBudget}, which throws a {@link MapperError} `LIMIT_EXCEEDED` naming the
 * item (its UID) and the field once the deadline has passed. An item past a bound fails alone; the
 * caller (the EWS side, `npm run map`) reports it and goes on with the others.
 *
 * The budget of the item being mapped is held here while its entry point runs (one at a time: the
 * code between `begin` and `end` never yields), so the loops need no extra parameter.
 */
import { guardMapper, MapperError } from "./result.js";

/** The bounds of one mapping; every field has a default (see {@link DEFAULT_MAPPER_LIMITS}). */
export interface MapperLimits {
  /** Most occurrences of one series expanded (RRULE); a series is never expanded further. */
  maxOccurrences: number;
  /** No expansion (RRULE, VTIMEZONE rule) goes past the end of this year. */
  horizonYear: number;
  /** Most EXDATE values of one event, and most `DeletedOccurrences` of one EWS series. */
  maxExdates: number;
  /** Most RECURRENCE-ID overrides of one event, and most `ModifiedOccurrences` of one EWS series. */
  maxOverrides: number;
  /** Most attendees (ATTENDEE properties, or EWS required + optional attendees + resources). */
  maxAttendees: number;
  /** Most content lines in one text. */
  maxLines: number;
  /** Most properties in one component. */
  maxProperties: number;
  /** Most onsets one VTIMEZONE observance lists (DTSTART + RDATEs), and most observances per VTIMEZONE. */
  maxZoneOnsets: number;
  /** Most transitions (top level and in groups) of one EWS `TimeZoneDefinition`. */
  maxZoneTransitions: number;
  /** Milliseconds the mapping of one item may take. */
  timeBudgetMs: number;
  /** The clock the budget is measured with (ms); `performance.now` unless a test passes its own. */
  clock: () => number;
}

/** The bounds the mappers use when an entry point is given none. */
export const DEFAULT_MAPPER_LIMITS: Readonly<MapperLimits> = Object.freeze({
  maxOccurrences: 10_000,
  horizonYear: 2200,
  maxExdates: 5_000,
  maxOverrides: 2_000,
  maxAttendees: 2_000,
  maxLines: 200_000,
  maxProperties: 20_000,
  maxZoneOnsets: 2_000,
  maxZoneTransitions: 1_000,
  timeBudgetMs: 5_000,
  clock: () => performance.now(),
});

interface Budget {
  limits: MapperLimits;
  deadline: number;
  uid: string | null;
  /** Calls since the clock was last read (the clock is read every {@link CLOCK_STRIDE} checks). */
  calls: number;
}

/** How many {@link checkBudget} calls share one reading of the clock. */
const CLOCK_STRIDE = 64;

let active: Budget | null = null;

/** The limits in force: those of the item being mapped, or the defaults outside any mapping. */
export function currentLimits(): MapperLimits {
  return active?.limits ?? DEFAULT_MAPPER_LIMITS;
}

/**
 * Runs `run` as the mapping of one item under `limits` (merged onto the defaults). A call nested in
 * a mapping already running shares that mapping's budget.
 */
export function withBudget<T>(uid: string | null, limits: Partial<MapperLimits> | undefined, run: () => T): T {
  if (active) {
    if (uid && !active.uid) active.uid = uid;
    return run();
  }
  const merged: MapperLimits = { ...DEFAULT_MAPPER_LIMITS, ...(limits ?? {}) };
  active = { limits: merged, deadline: merged.clock() + merged.timeBudgetMs, uid, calls: 0 };
  try {
    return run();
  } finally {
    active = null;
  }
}

/** Names the item being mapped (its UID), once known, so that a bound it passes names it. */
export function budgetItem(uid: string | null | undefined): void {
  if (active && uid && !active.uid) active.uid = uid;
}

/** The UID of the item being mapped, when known. */
export function budgetUid(): string | null {
  return active?.uid ?? null;
}

/** The error for an item past a bound: `LIMIT_EXCEEDED`, naming the item and the field. */
export function limitExceeded(property: string, reason: string): MapperError {
  return new MapperError("LIMIT_EXCEEDED", property, reason, active?.uid ?? null);
}

/**
 * Throws `LIMIT_EXCEEDED` naming `property` when the mapping of the current item has used up its
 * time budget. Cheap enough for every step of a loop (the clock is read every few calls).
 */
export function checkBudget(property: string): void {
  const budget = active;
  if (!budget) return;
  if (++budget.calls < CLOCK_STRIDE) return;
  budget.calls = 0;
  if (budget.limits.clock() > budget.deadline) {
    throw limitExceeded(property, `mapping the item took longer than its time budget of ${budget.limits.timeBudgetMs} ms (stopped while expanding ${property})`);
  }
}

/** Throws `LIMIT_EXCEEDED` naming `property` when `count` is over `max` (`what` says what was counted). */
export function checkCount(property: string, count: number, max: number, what: string): void {
  if (count > max) throw limitExceeded(property, `${count} ${what}, more than the ${max} the mappers accept for one item`);
}

/** The UID written in vCard / iCalendar text (first UID line), for naming an item before it is parsed. */
export function uidHint(text: unknown): string | null {
  if (typeof text !== "string") return null;
  const match = /^UID[^:\r\n]*:([^\r\n]{1,256})/im.exec(text.length > 1_000_000 ? text.slice(0, 1_000_000) : text);
  return match ? match[1]!.trim() || null : null;
}

/**
 * Runs a mapper entry point for one item: under its budget ({@link withBudget}), failing only with
 * a {@link MapperError} (see {@link guardMapper}). A `LIMIT_EXCEEDED` raised before the UID was
 * known is given the UID found meanwhile.
 */
export function guardItem<T>(uid: string | null, limits: Partial<MapperLimits> | undefined, run: () => T): T {
  return withBudget(uid, limits, () => {
    try {
      return guardMapper(uid, run);
    } catch (error) {
      const known = budgetUid();
      if (error instanceof MapperError && error.code === "LIMIT_EXCEEDED" && !error.uid && known) throw new MapperError(error.code, error.property, error.reason, known);
      throw error;
    }
  });
}

/** Rethrows a bound's error (`LIMIT_EXCEEDED`), which must fail the item, from a catch that tolerates others. */
export function rethrowLimit(error: unknown): void {
  if (error instanceof MapperError && error.code === "LIMIT_EXCEEDED") throw error;
}
