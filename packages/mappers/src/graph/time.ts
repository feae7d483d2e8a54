/**
 * Graph's `dateTimeTimeZone` (a wall-clock reading and a Windows or IANA zone name) ⇄ the EWS
 * model's instants (`xs:dateTime` in UTC) and `TimeZoneDefinition`s, through the mappers' own zone
 * code (windows-iana and the runtime's zone data), so Graph times resolve exactly as EWS ones do.
 * @module
 */
import type { TimeZoneDefinition } from "@ewsdav/ews-client";
import type { GraphDateTimeTimeZone } from "@ewsdav/graph-client";
import { ewsDateTime } from "../event/read.js";
import { canonicalIanaZone } from "../timezone/iana.js";
import { ianaZone, UTC_ZONE, zoneFromDefinition, type EventTimeZone } from "../timezone/resolve.js";
import { EXCHANGE_UTC_ID, ianaForWindowsZone, windowsZoneForIana } from "../timezone/windows.js";

/** Names Graph and Exchange use for UTC. */
const UTC_NAMES = new Set(["utc", "etc/utc", "etc/gmt", "gmt", "z", EXCHANGE_UTC_ID.toLowerCase(), "coordinated universal time"]);

/** The zone a Graph zone name (Windows id, IANA name or UTC) names, or null when neither knows it. */
export function zoneOfGraphName(name: string | null | undefined): EventTimeZone | null {
  const trimmed = (name ?? "").trim();
  if (trimmed === "" || UTC_NAMES.has(trimmed.toLowerCase())) return UTC_ZONE;
  if (ianaForWindowsZone(trimmed)) return zoneFromDefinition({ id: trimmed });
  const iana = canonicalIanaZone(trimmed);
  return iana ? ianaZone(iana, trimmed) : null;
}

/**
 * The Graph name of an EWS zone: the Windows id when there is one (what Exchange stores), else the
 * IANA name (Graph takes both), `UTC` for UTC; null for a zone only its rules define (Graph takes
 * no custom zones).
 */
export function graphNameOfZone(definition: TimeZoneDefinition | undefined): string | null {
  if (!definition) return "UTC";
  const id = definition.id?.trim();
  if (id === EXCHANGE_UTC_ID) return "UTC";
  if (id && ianaForWindowsZone(id)) return id;
  const zone = zoneFromDefinition(definition);
  if (!zone) return null;
  if (zone.isUtc) return "UTC";
  if (zone.iana) return windowsZoneForIana(zone.iana) ?? zone.iana;
  return null;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Graph's form of a wall-clock reading: `2026-03-10T09:00:00.0000000`. */
export function graphLocal(local: number): string {
  const d = new Date(local);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.0000000`;
}

/** The wall-clock reading of Graph's `dateTime` (fractions and a stray offset ignored), or null. */
export function parseGraphLocal(value: string | null | undefined): number | null {
  const match = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?)?/.exec((value ?? "").trim());
  if (!match) return null;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4] ?? 0), Number(match[5] ?? 0), Number(match[6] ?? 0));
  return Number.isFinite(ms) ? ms : null;
}

/** A Graph time read: its instant (`xs:dateTime`, UTC) and its zone, or a reason it cannot be read. */
export type GraphTimeReading = { utc: string; zone: EventTimeZone; definition: TimeZoneDefinition } | { problem: string };

/**
 * Reads a `dateTimeTimeZone`. `displayZone` (an event's `originalStartTimeZone`, when the side
 * asked for times in UTC with `Prefer: outlook.timezone`) is the zone the event was made in: the
 * instant is read in `time.timeZone`, the zone kept is the display zone.
 */
export function readGraphTime(time: GraphDateTimeTimeZone | null | undefined, displayZone?: string | null): GraphTimeReading {
  if (!time) return { problem: "missing" };
  const local = parseGraphLocal(time.dateTime);
  if (local === null) return { problem: `"${String(time.dateTime).slice(0, 40)}" is not a date-time` };
  const zone = zoneOfGraphName(time.timeZone);
  if (!zone) return { problem: `unknown time zone "${String(time.timeZone).slice(0, 64)}"` };
  const utc = zone.toUtc(local);
  const shown = zone.isUtc && displayZone ? (zoneOfGraphName(displayZone) ?? zone) : zone;
  return { utc: ewsDateTime(utc), zone: shown, definition: shown.definition() };
}

/** A `dateTimeTimeZone` of an instant in a zone named `name`. */
export function graphTime(utcMs: number, zone: EventTimeZone, name: string): GraphDateTimeTimeZone {
  return { dateTime: graphLocal(zone.toLocal(utcMs)), timeZone: name };
}
