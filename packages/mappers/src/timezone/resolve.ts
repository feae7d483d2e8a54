/**
 * Resolving the time zone of an event, from either side, to one {@link EventTimeZone}: a TZID with
 * its VTIMEZONE (DAV side) or a `TimeZoneDefinition` / `MeetingTimeZone` (EWS side).
 *
 * - IANA names (also with the `/mozilla.org/…/` or `/softwarestudio.org/…/` prefixes older clients
 *   wrote) and Windows ids (Outlook writes `W. Europe Standard Time`) resolve to the runtime's IANA
 *   data; the EWS side names them by their Windows id.
 * - Anything else is a custom zone: its rules come from the VTIMEZONE in the object or from the
 *   EWS definition, and travel to the other side as a full VTIMEZONE / `TimeZoneDefinition`.
 */
import type { LegacyTimeZone, TimeZoneDefinition } from "@ewsdav/ews-client";
import { fieldsOf, localMs } from "./clock.js";
import {
  definitionFromLegacyTimeZone,
  definitionFromTransitions,
  definitionTransitions,
  hasRules,
  legacyTimeZoneFromTransitions,
} from "./definition.js";
import { canonicalIanaZone, ianaOffsetSeconds, ianaTransitions } from "./iana.js";
import { readVTimezone, vtimezoneForIana, writeVTimezone, type JCalComponent } from "./vtimezone.js";
import { EXCHANGE_UTC_ID, ianaForWindowsZone, windowsZoneForIana } from "./windows.js";
import { localToUtc, TransitionRules, type OffsetRules, type ZoneTransition } from "./zone.js";

/** A resolved time zone of an event. */
export interface EventTimeZone extends OffsetRules {
  /** The TZID the DAV object uses for it. */
  readonly tzid: string;
  /** The IANA zone when the zone is one the runtime knows, else null (a custom zone). */
  readonly iana: string | null;
  /** True for UTC (times are written with `Z`, no VTIMEZONE). */
  readonly isUtc: boolean;
  /** UTC instant of a wall-clock time (see `clock.ts`), RFC 5545 rules for gaps and overlaps. */
  toUtc(local: number): number;
  /** Wall-clock time of a UTC instant. */
  toLocal(utcMs: number): number;
  /** The VTIMEZONE text (no final CRLF) for {@link tzid}. */
  vtimezone(): string;
  /** The definition to send as `StartTimeZone`/`EndTimeZone`: `{ id }` for a Windows zone, the full rules otherwise. */
  definition(): TimeZoneDefinition;
  /** The Exchange 2007 `MeetingTimeZone` for the rule in force in `year`, or null when none fits. */
  legacy(year: number): LegacyTimeZone | null;
}

abstract class BaseZone implements EventTimeZone {
  abstract readonly tzid: string;
  abstract readonly iana: string | null;
  readonly isUtc: boolean = false;
  abstract offsetAt(utcMs: number): number;
  abstract vtimezone(): string;
  abstract definition(): TimeZoneDefinition;
  abstract legacy(year: number): LegacyTimeZone | null;
  toUtc(local: number): number {
    return localToUtc(this, local);
  }
  toLocal(utcMs: number): number {
    return utcMs + this.offsetAt(utcMs) * 1000;
  }
}

class IanaZone extends BaseZone {
  override readonly isUtc: boolean;
  constructor(
    readonly tzid: string,
    readonly iana: string,
  ) {
    super();
    this.isUtc = /^(Etc\/)?(UTC|UCT|GMT|Zulu|Universal|Greenwich)$/i.test(iana) || iana === "Etc/GMT0";
  }
  offsetAt(utcMs: number): number {
    return this.isUtc ? 0 : ianaOffsetSeconds(this.iana, utcMs);
  }
  vtimezone(): string {
    return vtimezoneForIana(this.iana, this.tzid);
  }
  definition(): TimeZoneDefinition {
    const windows = windowsZoneForIana(this.iana);
    if (windows) return { id: windows };
    // No Windows zone has these offsets (Antarctica/Troll …): send the rules themselves.
    const initial = ianaOffsetSeconds(this.iana, localMs(1970, 1, 1));
    return definitionFromTransitions(this.iana, this.iana, initial, ianaTransitions(this.iana, 1970, 2037));
  }
  legacy(year: number): LegacyTimeZone | null {
    const initial = ianaOffsetSeconds(this.iana, localMs(year, 1, 1));
    return legacyTimeZoneFromTransitions(windowsZoneForIana(this.iana) ?? this.iana, initial, ianaTransitions(this.iana, year, year), year);
  }
}

class CustomZone extends BaseZone {
  readonly iana = null;
  private readonly rules: TransitionRules;
  constructor(
    readonly tzid: string,
    private readonly name: string | undefined,
    readonly initialOffset: number,
    readonly transitions: ZoneTransition[],
  ) {
    super();
    this.rules = new TransitionRules(transitions, initialOffset);
  }
  offsetAt(utcMs: number): number {
    return this.rules.offsetAt(utcMs);
  }
  vtimezone(): string {
    const from = localMs(1970, 1, 1);
    const inRange = this.transitions.filter((t) => t.at >= from && fieldsOf(t.at).year <= 2037);
    return writeVTimezone(this.tzid, this.offsetAt(from), inRange);
  }
  definition(): TimeZoneDefinition {
    return definitionFromTransitions(this.tzid, this.name ?? this.tzid, this.initialOffset, this.transitions.filter((t) => fieldsOf(t.at).year <= 2037));
  }
  legacy(year: number): LegacyTimeZone | null {
    const inYear = this.transitions.filter((t) => fieldsOf(t.at).year === year);
    return legacyTimeZoneFromTransitions(this.tzid, this.offsetAt(localMs(year, 1, 1)), inYear, year);
  }
}

/** The UTC zone. */
export const UTC_ZONE: EventTimeZone = new IanaZone("UTC", "UTC");

const PREFIXED = /^\/(?:mozilla\.org|softwarestudio\.org|citadel\.org|inverse\.ca|freeassociation\.sourceforge\.net)\/[^/]*\/(.+)$/i;

/** The IANA zone a TZID names (IANA name, prefixed IANA name, Windows id), or null. */
export function ianaZoneOfTzid(tzid: string): string | null {
  const trimmed = tzid.trim().replace(/^"|"$/g, "");
  const prefixed = PREFIXED.exec(trimmed);
  const candidates = [trimmed, prefixed?.[1] ?? "", trimmed.replace(/^\/+/, "")];
  for (const candidate of candidates) {
    if (candidate && canonicalIanaZone(candidate) && /\/|^UTC$|^GMT$|^Etc/.test(candidate)) return candidate;
  }
  if (/^(UTC|GMT|Z|Etc\/UTC|Etc\/GMT)$/i.test(trimmed)) return "UTC";
  return ianaForWindowsZone(trimmed);
}

const ianaZones = new Map<string, EventTimeZone>();

/** The zone for an IANA name, written under `tzid` (defaults to the name). */
export function ianaZone(iana: string, tzid: string = iana): EventTimeZone {
  const key = `${iana}\u0000${tzid}`;
  let zone = ianaZones.get(key);
  if (!zone) ianaZones.set(key, (zone = new IanaZone(tzid, iana)));
  return zone;
}

/**
 * The zone of a TZID in a DAV object: known names resolve to IANA data; other TZIDs need their
 * VTIMEZONE (jCal), whose rules are then used. Null when the TZID is unknown and has no usable
 * VTIMEZONE (see {@link resolveTzid} for the reason).
 */
export function zoneFromTzid(tzid: string, vtimezone?: JCalComponent | null): EventTimeZone | null {
  return resolveTzid(tzid, vtimezone).zone;
}

/** What {@link resolveTzid} found: the zone, or null and why. */
export interface TzidResolution {
  /** The zone, or null when the TZID is unknown and its VTIMEZONE (if any) cannot be used. */
  zone: EventTimeZone | null;
  /** Why the object's VTIMEZONE for the TZID cannot be used (an RRULE no zone can have, too many onsets). */
  problem?: string;
}

/** Like {@link zoneFromTzid}, and says why a VTIMEZONE the object has for the TZID was refused. */
export function resolveTzid(tzid: string, vtimezone?: JCalComponent | null): TzidResolution {
  const iana = ianaZoneOfTzid(tzid);
  if (iana) return { zone: ianaZone(iana, iana === "UTC" && /^utc$/i.test(tzid) ? "UTC" : iana === tzid ? tzid : iana) };
  if (!vtimezone) return { zone: null };
  const read = readVTimezone(vtimezone);
  if (read.invalid) return { zone: null, problem: read.invalid };
  if (read.transitions.length === 0 && !vtimezone[2].some((child) => child[0] === "standard" || child[0] === "daylight")) return { zone: null };
  const initial = read.transitions.length === 0 ? (read.initialOffset ?? 0) : read.initialOffset;
  return { zone: new CustomZone(tzid, undefined, initial, read.transitions) };
}

/**
 * The zone of an EWS `StartTimeZone`/`EndTimeZone`: a Windows id resolves to its IANA zone; a
 * definition with an unknown id (or "Customized Time Zone") uses its own periods and transitions.
 * Null when the definition has neither a known id nor rules.
 */
export function zoneFromDefinition(definition: TimeZoneDefinition): EventTimeZone | null {
  const id = definition.id?.trim();
  if (id === EXCHANGE_UTC_ID) return UTC_ZONE;
  const iana = id ? ianaForWindowsZone(id) : null;
  if (iana) return ianaZone(iana);
  if (!hasRules(definition)) return null;
  const expanded = definitionTransitions(definition);
  return new CustomZone(id || definition.name || "Custom Time Zone", definition.name, expanded.initialOffset, expanded.transitions);
}

/** The zone of an Exchange 2007 `MeetingTimeZone`: by name when it is a Windows id, else by its rule. */
export function zoneFromLegacyTimeZone(legacy: LegacyTimeZone): EventTimeZone | null {
  const iana = legacy.timeZoneName ? ianaForWindowsZone(legacy.timeZoneName) : null;
  if (iana) return ianaZone(iana);
  return zoneFromDefinition(definitionFromLegacyTimeZone(legacy));
}

/** Utility for tests and callers: the transitions of any zone between two years. */
export function zoneTransitions(zone: EventTimeZone, fromYear: number, toYear: number): ZoneTransition[] {
  if (zone.iana) return ianaTransitions(zone.iana, fromYear, toYear);
  const custom = zone as CustomZone;
  const from = localMs(fromYear, 1, 1);
  const to = localMs(toYear + 1, 1, 1);
  return custom.transitions.filter((t) => t.at >= from && t.at < to);
}
