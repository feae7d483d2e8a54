/**
 * IANA zones as the runtime knows them (through `Intl`): the UTC offset at an instant, and the list
 * of offset transitions in a span of years, found by sampling and bisection.
 */
import { DAY_MS, localMs } from "./clock.js";
import type { ZoneTransition } from "./zone.js";

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
const knownZones = new Map<string, string | null>();

function offsetFormatter(zone: string): Intl.DateTimeFormat {
  let formatter = offsetFormatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset", year: "numeric" });
    offsetFormatters.set(zone, formatter);
  }
  return formatter;
}

/**
 * The runtime's canonical spelling of an IANA zone name (`Asia/Kolkata` may come back as
 * `Asia/Calcutta`), or null when the runtime does not know the zone. `UTC`/`Etc/UTC` are known.
 */
export function canonicalIanaZone(name: string): string | null {
  const cached = knownZones.get(name);
  if (cached !== undefined) return cached;
  let canonical: string | null = null;
  if (/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) {
    try {
      canonical = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      canonical = null;
    }
  }
  knownZones.set(name, canonical);
  return canonical;
}

/** True when the runtime knows the IANA zone. */
export function isIanaZone(name: string): boolean {
  return canonicalIanaZone(name) !== null;
}

const HOUR_MS = 3_600_000;
const offsetCache = new Map<string, Map<number, number>>();

/**
 * The UTC offset (seconds east of UTC) of an IANA zone at an instant. Offsets are cached per hour
 * of UTC when the offset is the same at both ends of the hour (a change inside the hour is never cached).
 */
export function ianaOffsetSeconds(zone: string, utcMs: number): number {
  let cache = offsetCache.get(zone);
  if (!cache) offsetCache.set(zone, (cache = new Map()));
  const hour = Math.floor(utcMs / HOUR_MS);
  const cached = cache.get(hour);
  if (cached !== undefined) return cached;
  const atStart = formatOffset(zone, hour * HOUR_MS);
  if (formatOffset(zone, hour * HOUR_MS + HOUR_MS - 1) === atStart) {
    if (cache.size > 50_000) cache.clear();
    cache.set(hour, atStart);
    return atStart;
  }
  return formatOffset(zone, utcMs);
}

function formatOffset(zone: string, utcMs: number): number {
  const text = offsetFormatter(zone).format(utcMs);
  const at = text.lastIndexOf("GMT");
  const match = /^GMT(?:([+-])(\d{1,2})(?::(\d\d))?(?::(\d\d))?)?$/.exec(text.slice(at));
  if (!match || !match[1]) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3] ?? 0) * 60 + Number(match[4] ?? 0);
  return match[1] === "-" ? -seconds : seconds;
}

const STEP_MS = 4 * DAY_MS;

/**
 * Every offset change of an IANA zone from the start of `fromYear` to the end of `toYear` (UTC), to
 * the second. Samples every four days (no zone has changed offset twice within four days since 1970)
 * and bisects each change. Each year is scanned once per zone and cached, so overlapping spans
 * (the VTIMEZONE span 1970–2037, the equivalence span around today) cost one scan.
 */
export function ianaTransitions(zone: string, fromYear: number, toYear: number): ZoneTransition[] {
  const out: ZoneTransition[] = [];
  for (let year = fromYear; year <= toYear; year++) for (const transition of yearTransitions(zone, year)) out.push({ ...transition });
  markDaylight(out);
  return out;
}

const yearCache = new Map<string, ZoneTransition[]>();

function yearTransitions(zone: string, year: number): readonly ZoneTransition[] {
  const key = `${zone}|${year}`;
  let cached = yearCache.get(key);
  if (!cached) {
    cached = scanTransitions(zone, year);
    if (yearCache.size > 100_000) yearCache.clear();
    yearCache.set(key, cached);
  }
  return cached;
}

/** The changes from the start of `year` (UTC) up to and including the start of the next year. */
function scanTransitions(zone: string, year: number): ZoneTransition[] {
  const out: ZoneTransition[] = [];
  const end = localMs(year + 1, 1, 1);
  let t = localMs(year, 1, 1);
  let offset = formatOffset(zone, t);
  while (t < end) {
    const next = Math.min(t + STEP_MS, end);
    if (formatOffset(zone, next) === offset) {
      t = next;
      continue;
    }
    let low = t;
    let high = next;
    while (high - low > 1000) {
      const mid = low + Math.floor((high - low) / 2000) * 1000;
      if (formatOffset(zone, mid) === offset) low = mid;
      else high = mid;
    }
    const to = formatOffset(zone, high);
    out.push({ at: high, from: offset, to, daylight: false });
    // Scanning goes on from the change, so a second change inside the same step is found too.
    offset = to;
    t = high;
  }
  return out;
}

/**
 * Marks daylight-saving transitions: a rise in offset that is undone within about a year. A
 * permanent change of the standard offset stays a standard transition.
 */
export function markDaylight(transitions: ZoneTransition[]): void {
  for (let i = 0; i < transitions.length; i++) {
    const current = transitions[i]!;
    current.daylight = false;
    if (current.to <= current.from) continue;
    const back = transitions[i + 1];
    if (back && back.to < current.to && back.at - current.at < 370 * DAY_MS) current.daylight = true;
    else if (!back && i > 0) {
      // The last rise of an open-ended rule: daylight if the previous cycle was daylight too.
      const previousRise = transitions[i - 2];
      if (previousRise && previousRise.to === current.to && previousRise.from === current.from) current.daylight = true;
    }
  }
}
