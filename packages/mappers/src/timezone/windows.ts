/**
 * Windows time zone ids (as Exchange names them) ⇄ IANA zone names, through the CLDR table that
 * windows-iana maintains. A zone the table does not name, or names with a Windows zone whose rules
 * differ today, is matched by its offsets instead; a zone no Windows zone matches gets none (the
 * mapper then sends a full `TimeZoneDefinition`).
 */
import { findIana, findWindows, WINDOWS_TO_IANA_MAP } from "windows-iana";
import { localMs } from "./clock.js";
import { canonicalIanaZone, ianaOffsetSeconds, ianaTransitions } from "./iana.js";

/** Exchange's id for UTC in some responses. */
export const EXCHANGE_UTC_ID = "tzone://Microsoft/Utc";

/** Years compared when deciding whether two zones are equivalent: last year to twelve years ahead. */
export function equivalenceYears(now: number = Date.now()): [number, number] {
  const year = new Date(now).getUTCFullYear();
  return [year - 1, year + 12];
}

const signatures = new Map<string, string>();

/** A text that is equal for two IANA zones exactly when their offsets agree over {@link equivalenceYears}. */
export function offsetSignature(zone: string): string {
  let signature = signatures.get(zone);
  if (signature === undefined) {
    const [from, to] = equivalenceYears();
    const initial = ianaOffsetSeconds(zone, localMs(from, 1, 1));
    signature = `${initial};${ianaTransitions(zone, from, to).map((t) => `${t.at}>${t.to}`).join(",")}`;
    signatures.set(zone, signature);
  }
  return signature;
}

/** True when two IANA zones have the same offsets at every instant of {@link equivalenceYears}. */
export function equivalentIanaZones(a: string, b: string): boolean {
  return a === b || offsetSignature(a) === offsetSignature(b);
}

let windowsIds: string[] | null = null;

/** Every Windows zone id the table knows. */
export function knownWindowsZones(): string[] {
  windowsIds ??= [...new Set(WINDOWS_TO_IANA_MAP.map((entry) => entry.windowsName as string))];
  return windowsIds;
}

const windowsByIana = new Map<string, string | null>();

/**
 * The Windows zone id for an IANA zone, or null when no Windows zone has its offsets today. The
 * CLDR choice is taken when it is equivalent; otherwise the first Windows zone that is.
 */
export function windowsZoneForIana(iana: string): string | null {
  const cached = windowsByIana.get(iana);
  if (cached !== undefined) return cached;
  let result: string | null = null;
  const canonical = canonicalIanaZone(iana);
  if (canonical) {
    const candidates = [...findWindows(iana), ...findWindows(canonical)];
    for (const candidate of candidates) {
      const primary = ianaForWindowsZone(candidate);
      if (primary && equivalentIanaZones(primary, canonical)) {
        result = candidate;
        break;
      }
    }
    if (!result) {
      for (const candidate of knownWindowsZones()) {
        const primary = ianaForWindowsZone(candidate);
        if (primary && equivalentIanaZones(primary, canonical)) {
          result = candidate;
          break;
        }
      }
    }
  }
  windowsByIana.set(iana, result);
  return result;
}

/**
 * The IANA zone for a Windows zone id (the CLDR "001" zone, e.g. `W. Europe Standard Time` →
 * `Europe/Berlin`), in the runtime's spelling; null when the id is unknown.
 */
export function ianaForWindowsZone(windowsId: string): string | null {
  const cached = ianaByWindows.get(windowsId);
  if (cached !== undefined) return cached;
  let result: string | null = null;
  if (windowsId === EXCHANGE_UTC_ID) result = "UTC";
  else {
    for (const name of findIana(windowsId.trim())) {
      if (canonicalIanaZone(name)) {
        result = name;
        break;
      }
    }
  }
  if (ianaByWindows.size > 10_000) ianaByWindows.clear();
  ianaByWindows.set(windowsId, result);
  return result;
}

const ianaByWindows = new Map<string, string | null>();
