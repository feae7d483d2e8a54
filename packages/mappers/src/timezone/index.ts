/**
 * Time zones for the event mapper: Windows ⇄ IANA, VTIMEZONE generation from the runtime's zone
 * data, EWS `TimeZoneDefinition` ⇄ VTIMEZONE for custom zones, and resolved zones that convert
 * between UTC and wall-clock time.
 * @module
 */
export { ianaForWindowsZone, windowsZoneForIana, equivalentIanaZones, knownWindowsZones, EXCHANGE_UTC_ID } from "./windows.js";
export { canonicalIanaZone, isIanaZone, ianaOffsetSeconds, ianaTransitions } from "./iana.js";
export { vtimezoneForIana, writeVTimezone, readVTimezone, parseVTimezoneText, type JCalComponent, type JCalProperty, type ReadZoneTransitions, type WriteVTimezoneOptions } from "./vtimezone.js";
export {
  definitionTransitions,
  definitionFromTransitions,
  definitionFromLegacyTimeZone,
  legacyTimeZoneFromTransitions,
  type DefinitionTransitions,
  type DefinitionFromTransitionsOptions,
} from "./definition.js";
export { zoneFromTzid, resolveTzid, type TzidResolution, zoneFromDefinition, zoneFromLegacyTimeZone, ianaZone, ianaZoneOfTzid, zoneTransitions, UTC_ZONE, type EventTimeZone } from "./resolve.js";
export { checkZoneRule, expandZoneRule, ruleDays, MAX_RULE_ONSETS_PER_YEAR, type ZoneRule } from "./zone-rule.js";
export { localToUtc, utcToLocal, TransitionRules, type ZoneTransition, type OffsetRules } from "./zone.js";
