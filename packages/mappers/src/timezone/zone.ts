/**
 * A time zone as the event mapper uses it: a name and a way to convert between UTC instants and
 * wall-clock times. Backed either by the runtime's IANA data or by a list of transitions read from a
 * VTIMEZONE or an EWS `TimeZoneDefinition`.
 */
import { DAY_MS } from "./clock.js";

/** One change of UTC offset. Offsets are seconds east of UTC; `at` is the UTC instant in ms. */
export interface ZoneTransition {
  /** UTC instant of the change (ms since the epoch). */
  at: number;
  /** Offset in force before the change. */
  from: number;
  /** Offset in force from the change on. */
  to: number;
  /** True when the change starts daylight-saving time. */
  daylight: boolean;
  /** Name of the period the change leads to (TZNAME / EWS period name), when known. */
  name?: string;
}

/** Converts between UTC instants and wall-clock times of one zone. */
export interface OffsetRules {
  /** Offset (seconds east of UTC) in force at a UTC instant. */
  offsetAt(utcMs: number): number;
}

/**
 * The UTC instant of a wall-clock time (see `clock.ts` for the local-time number). Follows RFC 5545
 * §3.3.5: a time that falls in a gap is read with the offset before the gap (so 02:30 on the spring
 * change means 03:30 of the new offset); a time that occurs twice means its first occurrence.
 */
export function localToUtc(rules: OffsetRules, local: number): number {
  const before = rules.offsetAt(local - DAY_MS);
  const after = rules.offsetAt(local + DAY_MS);
  const candidates: number[] = [];
  for (const offset of before === after ? [before] : [before, after]) {
    const utc = local - offset * 1000;
    if (rules.offsetAt(utc) === offset) candidates.push(utc);
  }
  if (candidates.length > 0) return Math.min(...candidates);
  return local - before * 1000;
}

/** The wall-clock time (local-time number) of a UTC instant. */
export function utcToLocal(rules: OffsetRules, utcMs: number): number {
  return utcMs + rules.offsetAt(utcMs) * 1000;
}

/** Offset rules from a sorted list of transitions; before the first, its `from` offset holds. */
export class TransitionRules implements OffsetRules {
  constructor(
    readonly transitions: readonly ZoneTransition[],
    readonly initialOffset: number,
  ) {}

  /** Offset in force at a UTC instant (binary search over the transitions). */
  offsetAt(utcMs: number): number {
    const list = this.transitions;
    let low = 0;
    let high = list.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (list[mid]!.at <= utcMs) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found < 0 ? this.initialOffset : list[found]!.to;
  }
}
