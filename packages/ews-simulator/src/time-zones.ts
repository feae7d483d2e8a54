/**
 * Time zones for the simulator's recurrence expansion: a series repeats at the same local wall
 * time in its own time zone (StartTimeZone / StartTimeZoneId / MeetingTimeZone), as Exchange
 * expands it, so occurrences move in UTC across DST changes. Windows zone ids are mapped to
 * IANA zones for the zones in common use (mapping facts from CLDR's windowsZones table); unknown
 * ids fall back to UTC.
 */
import { NS_T, type XmlElement } from "./xml.js";

const WINDOWS_TO_IANA: Record<string, string> = {
  UTC: "UTC",
  "Greenwich Standard Time": "Atlantic/Reykjavik",
  "GMT Standard Time": "Europe/London",
  "W. Europe Standard Time": "Europe/Berlin",
  "Romance Standard Time": "Europe/Paris",
  "Central Europe Standard Time": "Europe/Budapest",
  "Central European Standard Time": "Europe/Warsaw",
  "GTB Standard Time": "Europe/Bucharest",
  "FLE Standard Time": "Europe/Kiev",
  "E. Europe Standard Time": "Europe/Chisinau",
  "Turkey Standard Time": "Europe/Istanbul",
  "Russian Standard Time": "Europe/Moscow",
  "Israel Standard Time": "Asia/Jerusalem",
  "South Africa Standard Time": "Africa/Johannesburg",
  "Arabian Standard Time": "Asia/Dubai",
  "India Standard Time": "Asia/Calcutta",
  "SE Asia Standard Time": "Asia/Bangkok",
  "Singapore Standard Time": "Asia/Singapore",
  "China Standard Time": "Asia/Shanghai",
  "Tokyo Standard Time": "Asia/Tokyo",
  "Korea Standard Time": "Asia/Seoul",
  "W. Australia Standard Time": "Australia/Perth",
  "AUS Eastern Standard Time": "Australia/Sydney",
  "New Zealand Standard Time": "Pacific/Auckland",
  "Hawaiian Standard Time": "Pacific/Honolulu",
  "Alaskan Standard Time": "America/Anchorage",
  "Pacific Standard Time": "America/Los_Angeles",
  "US Mountain Standard Time": "America/Phoenix",
  "Mountain Standard Time": "America/Denver",
  "Central Standard Time": "America/Chicago",
  "Canada Central Standard Time": "America/Regina",
  "Central America Standard Time": "America/Guatemala",
  "Eastern Standard Time": "America/New_York",
  "Atlantic Standard Time": "America/Halifax",
  "E. South America Standard Time": "America/Sao_Paulo",
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The IANA zone for a Windows zone id (or an IANA id), or undefined when unknown. */
export function ianaZoneFor(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const mapped = WINDOWS_TO_IANA[id];
  if (mapped) return mapped;
  try {
    formatter(id);
    return id;
  } catch {
    return undefined;
  }
}

/** The zone a calendar item's times are expressed in, from its stored properties. */
export function zoneOfItem(props: ReadonlyMap<string, XmlElement>): string | undefined {
  return ianaZoneFor(props.get("StartTimeZone")?.attrs.Id)
    ?? ianaZoneFor(props.get("StartTimeZoneId")?.text.trim())
    ?? ianaZoneFor(props.get("MeetingTimeZone")?.attrs.TimeZoneName);
}

/** Offset of `zone` from UTC at the instant `utcMs`, in ms (east positive). */
export function zoneOffset(utcMs: number, zone: string): number {
  const parts = formatter(zone).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - (utcMs - (utcMs % 1000 + 1000) % 1000);
}

/** The UTC instant of a local wall time (given as if it were UTC ms) in `zone`. */
export function localToUtc(localAsUtcMs: number, zone: string): number {
  let guess = localAsUtcMs - zoneOffset(localAsUtcMs, zone);
  const corrected = localAsUtcMs - zoneOffset(guess, zone);
  if (corrected !== guess) guess = corrected;
  return guess;
}

/** The local wall time (as if it were UTC ms) of a UTC instant in `zone`. */
export function utcToLocal(utcMs: number, zone: string): number {
  return utcMs + zoneOffset(utcMs, zone);
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** An xs:duration for a signed number of minutes ("-PT1H", "PT5H30M", "PT0M"). */
function duration(minutes: number): string {
  const sign = minutes < 0 ? "-" : "";
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  return `${sign}PT${h ? `${h}H` : ""}${m || !h ? `${m}M` : ""}`;
}

/** The instant in (from, to] where the zone's offset changes (to the minute). */
function findChange(zone: string, from: number, to: number): number {
  const before = zoneOffset(from, zone);
  let lo = from;
  let hi = to;
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 2 / 60_000) * 60_000;
    if (zoneOffset(mid, zone) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * A full TimeZoneDefinition (Periods, TransitionsGroups, Transitions) for a Windows or IANA zone
 * id, shaped like the ones Exchange returns for StartTimeZone/EndTimeZone; undefined for unknown
 * ids. The rules are derived from the zone's offsets in `year` (default 2026).
 */
export function timeZoneDefinition(id: string, elementName: string, year = 2026): XmlElement | undefined {
  const zone = ianaZoneFor(id);
  if (!zone) return undefined;
  const day = 86_400_000;
  const changes: number[] = [];
  let previous = zoneOffset(Date.UTC(year, 0, 1), zone);
  for (let t = Date.UTC(year, 0, 1) + day; t <= Date.UTC(year, 11, 31, 23); t += day) {
    const offset = zoneOffset(t, zone);
    if (offset !== previous) changes.push(findChange(zone, t - day, t));
    previous = offset;
  }
  const offsets = [zoneOffset(Date.UTC(year, 0, 1), zone), ...changes.map((c) => zoneOffset(c, zone))];
  const standard = Math.min(...offsets) / 60_000;
  const daylight = Math.max(...offsets) / 60_000;
  const ruleId = (name: string) => `trule:Microsoft/Registry/${id}/${year}-${name}`;
  const node = (name: string, attrs: Record<string, string> = {}, children: XmlElement[] | string = []): XmlElement => ({
    ns: NS_T, name, attrs, children: Array.isArray(children) ? children : [], text: Array.isArray(children) ? "" : children,
  });
  const periods = [node("Period", { Bias: duration(-standard), Name: "Standard", Id: ruleId("Standard") })];
  let group: XmlElement[];
  if (changes.length === 0 || standard === daylight) {
    group = [node("Transition", {}, [node("To", { Kind: "Period" }, ruleId("Standard"))])];
  } else {
    periods.push(node("Period", { Bias: duration(-daylight), Name: "Daylight", Id: ruleId("Daylight") }));
    group = changes.map((instant) => {
      const before = zoneOffset(instant - 60_000, zone);
      const toDaylight = zoneOffset(instant, zone) / 60_000 === daylight;
      const local = new Date(instant + before);
      const dayOfMonth = local.getUTCDate();
      const last = dayOfMonth + 7 > new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0)).getUTCDate();
      const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
      return node("RecurringDayTransition", {}, [
        node("To", { Kind: "Period" }, ruleId(toDaylight ? "Daylight" : "Standard")),
        node("TimeOffset", {}, duration(minutes)),
        node("Month", {}, String(local.getUTCMonth() + 1)),
        node("DayOfWeek", {}, WEEKDAYS[local.getUTCDay()]!),
        node("Occurrence", {}, last ? "-1" : String(Math.ceil(dayOfMonth / 7))),
      ]);
    });
  }
  return node(elementName, { Id: id }, [
    node("Periods", {}, periods),
    node("TransitionsGroups", {}, [{ ...node("TransitionsGroup", { Id: "0" }, group) }]),
    node("Transitions", {}, [node("Transition", {}, [node("To", { Kind: "Group" }, "0")])]),
  ]);
}

