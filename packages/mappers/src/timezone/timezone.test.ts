import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import type { TimeZoneDefinition } from "@ewsdav/ews-client";
import { localMs } from "./clock.js";
import {
  definitionFromLegacyTimeZone,
  definitionFromTransitions,
  definitionTransitions,
  equivalentIanaZones,
  ianaForWindowsZone,
  ianaOffsetSeconds,
  ianaTransitions,
  ianaZone,
  knownWindowsZones,
  legacyTimeZoneFromTransitions,
  parseVTimezoneText,
  TransitionRules,
  vtimezoneForIana,
  windowsZoneForIana,
  zoneFromDefinition,
  zoneFromTzid,
  zoneTransitions,
  type EventTimeZone,
} from "./index.js";
import { equivalenceYears } from "./windows.js";

const ALL_ZONES = Intl.supportedValuesOf("timeZone");
const MONTH = 30 * 86_400_000;

const FROM = localMs(1970, 1, 1);
const TO = localMs(2038, 1, 1);

/** An offset history: the offset at 1 January 1970 and every change up to 2038, in order. */
interface History {
  initial: number;
  changes: Array<{ at: number; to: number }>;
}

/** Drops changes that do not change the offset (and everything outside 1970–2037). */
function history(initial: number, changes: ReadonlyArray<{ at: number; to: number }>): History {
  let offset = initial;
  const out: History["changes"] = [];
  for (const change of changes) {
    if (change.at <= FROM || change.at >= TO || change.to === offset) continue;
    out.push({ at: change.at, to: change.to });
    offset = change.to;
  }
  return { initial, changes: out };
}

/** ical.js reads offsets to the minute only (the runtime knows Monrovia's -0:44:30 until 1972). */
const toMinute = (seconds: number): number => Math.sign(seconds) * Math.floor(Math.abs(seconds) / 60) * 60;

/** The offset history of a VTIMEZONE as ical.js (an independent implementation) expands it. */
function icalJsHistory(vtimezone: string): History {
  const component = new ICAL.Component(ICAL.parse(`BEGIN:VCALENDAR\r\n${vtimezone}\r\nEND:VCALENDAR`) as never).getFirstSubcomponent("vtimezone")!;
  const zone = new ICAL.Timezone({ component } as never) as unknown as {
    _ensureCoverage(year: number): void;
    changes: Array<{ year: number; month: number; day: number; hour: number; minute: number; second: number; utcOffset: number }>;
  };
  zone._ensureCoverage(2038);
  const changes = zone.changes.map((c) => ({ at: Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second), to: c.utcOffset })).sort((a, b) => a.at - b.at);
  let initial = changes[0]?.to ?? 0;
  for (const change of changes) if (change.at <= FROM) initial = change.to;
  return history(initial, changes);
}

/** The runtime's offset history of an IANA zone, to the minute when `minutes` (for comparing with ical.js). */
function runtimeHistory(zone: string, minutes = false): History {
  const round = minutes ? toMinute : (seconds: number) => seconds;
  return history(round(ianaOffsetSeconds(zone, FROM)), ianaTransitions(zone, 1970, 2037).map((t) => ({ at: t.at, to: round(t.to) })));
}

/** The offset history of a resolved zone (its own expansion of the rules). */
function zoneHistory(zone: EventTimeZone): History {
  return history(zone.offsetAt(FROM), zoneTransitions(zone, 1970, 2037).map((t) => ({ at: t.at, to: t.to })));
}

/** Instants of an offset change whose offsets have seconds are compared to the minute (ical.js rounds them). */
function sameHistory(actual: History, expected: History): boolean {
  if (actual.initial !== expected.initial || actual.changes.length !== expected.changes.length) return false;
  return actual.changes.every((change, i) => {
    const want = expected.changes[i]!;
    return change.to === want.to && Math.abs(change.at - want.at) < 60_000;
  });
}

/**
 * Whether two zones have the same offset at every instant of `[from, to)` in the runtime's data:
 * offsets are piecewise constant, so comparing them at the window's start and on both sides of
 * every offset change of either zone compares them everywhere (the changes are checked complete
 * against ical.js below).
 */
function sameRuntimeOffsets(a: string, b: string, from: number, to: number): boolean {
  const years = [fieldsYear(from), fieldsYear(to)] as const;
  const instants = [from, ...ianaTransitions(a, ...years).map((t) => t.at), ...ianaTransitions(b, ...years).map((t) => t.at)].filter((t) => t >= from && t < to);
  return instants.every((t) => ianaOffsetSeconds(a, t) === ianaOffsetSeconds(b, t) && ianaOffsetSeconds(a, t - 1) === ianaOffsetSeconds(b, t - 1));
}
const fieldsYear = (ms: number): number => new Date(ms).getUTCFullYear();

describe("Windows ⇄ IANA", () => {
  it("maps every IANA zone the runtime knows to a Windows zone and back to an equivalent zone", () => {
    const withoutWindowsZone: string[] = [];
    for (const zone of ALL_ZONES) {
      const windows = windowsZoneForIana(zone);
      if (!windows) {
        withoutWindowsZone.push(zone);
        continue;
      }
      const back = ianaForWindowsZone(windows);
      expect(back, `${zone} → ${windows}`).not.toBeNull();
      expect(equivalentIanaZones(back!, zone), `${zone} → ${windows} → ${back}`).toBe(true);
    }
    // Which zones have no Windows zone is the runtime's tz data's verdict, not ours (Troll's +00/+02
    // rule has none; under tz data 2026c neither have Edmonton's nor Vancouver's new rules): a zone
    // has none exactly when no Windows zone's zone has its offsets over the years the mapper compares.
    const [fromYear, toYear] = equivalenceYears();
    const [from, to] = [localMs(fromYear, 1, 1), localMs(toYear + 1, 1, 1)];
    const windowsZones = [...new Set(knownWindowsZones().map(ianaForWindowsZone).filter((zone): zone is string => zone !== null))];
    const initial = (zone: string) => ianaOffsetSeconds(zone, from);
    const expected = ALL_ZONES.filter((zone) => !windowsZones.some((w) => initial(w) === initial(zone) && sameRuntimeOffsets(w, zone, from, to)));
    expect(withoutWindowsZone).toEqual(expected);
  });

  it("sends a zone without a Windows zone as its full rules, read back to the runtime's offsets 1970–2037", () => {
    for (const zone of ALL_ZONES.filter((z) => windowsZoneForIana(z) === null)) {
      const definition = ianaZone(zone).definition();
      expect(definition.periods?.length, zone).toBeGreaterThan(0);
      const back = zoneFromDefinition(definition)!;
      expect(sameHistory(zoneHistory(back), runtimeHistory(zone)), zone).toBe(true);
      const [from, to] = equivalenceYears();
      for (let t = localMs(from, 1, 1); t < localMs(to, 12, 31); t += 86_400_000) expect(back.offsetAt(t)).toBe(ianaOffsetSeconds(zone, t));
    }
  });

  it("knows Exchange's ids and the ones Outlook writes as TZID", () => {
    expect(windowsZoneForIana("Europe/Berlin")).toBe("W. Europe Standard Time");
    expect(windowsZoneForIana("Europe/Vienna")).toBe("W. Europe Standard Time");
    expect(ianaForWindowsZone("W. Europe Standard Time")).toBe("Europe/Berlin");
    expect(ianaForWindowsZone("Pacific Standard Time")).toBe("America/Los_Angeles");
    expect(ianaForWindowsZone("No Such Standard Time")).toBeNull();
    expect(zoneFromTzid("W. Europe Standard Time")?.iana).toBe("Europe/Berlin");
    expect(zoneFromTzid("/mozilla.org/20050126_1/America/New_York")?.iana).toBe("America/New_York");
    expect(zoneFromDefinition({ id: "tzone://Microsoft/Utc" })?.isUtc).toBe(true);
  });
});

describe("VTIMEZONE generated from the runtime's zone data", () => {
  it("reproduces the offsets of every IANA zone for 1970–2037 exactly (read back by ical.js)", () => {
    // Exact: the same offset on 1 January 1970 and the same list of changes (instant and new
    // offset) up to 2038 means the same offset at every instant of the span.
    const failures = ALL_ZONES.filter((zone) => !sameHistory(icalJsHistory(vtimezoneForIana(zone)), runtimeHistory(zone, true)));
    expect(failures).toEqual([]);
    expect(ALL_ZONES.length).toBeGreaterThan(300);
  });

  it("writes a compact block with open-ended rules for a zone with today's EU rule", () => {
    const text = vtimezoneForIana("Europe/Berlin");
    expect(text).toContain("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n");
    expect(text).toContain("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n");
    expect(text.split("BEGIN:").length).toBeLessThan(10);
  });

  it("reads the block back with its own reader to the same transitions, to the second", () => {
    for (const zone of ["Africa/Monrovia", "America/Sao_Paulo", "Africa/Casablanca", "Australia/Lord_Howe", "Asia/Tehran"]) {
      const read = zoneFromTzid(`Custom ${zone}`, parseVTimezoneText(vtimezoneForIana(zone)))!;
      for (const t of ianaTransitions(zone, 1970, 2037)) {
        expect(read.offsetAt(t.at - 1000), zone).toBe(t.from);
        expect(read.offsetAt(t.at), zone).toBe(t.to);
      }
    }
  });
});

describe("custom zones: TimeZoneDefinition ⇄ VTIMEZONE", () => {
  it("writes, for the rules of every IANA zone sent as a definition, a VTIMEZONE with the same offsets for 1970–2037, which reads back to the same definition", () => {
    const failures: string[] = [];
    for (const zone of ALL_ZONES) {
      const expected = runtimeHistory(zone);
      const definition = definitionFromTransitions("Customized Time Zone", zone, ianaOffsetSeconds(zone, FROM), ianaTransitions(zone, 1970, 2037));
      const custom = zoneFromDefinition(definition)!;
      if (!sameHistory(zoneHistory(custom), expected)) failures.push(`${zone}: definition`);
      const text = custom.vtimezone();
      if (!sameHistory(icalJsHistory(text), runtimeHistory(zone, true))) failures.push(`${zone}: VTIMEZONE (ical.js)`);
      const read = zoneFromTzid(custom.tzid, parseVTimezoneText(text))!;
      if (!sameHistory(zoneHistory(read), expected)) failures.push(`${zone}: VTIMEZONE (own reader)`);
      const again = zoneFromDefinition(read.definition())!;
      if (read.definition().id !== "Customized Time Zone" || !sameHistory(zoneHistory(again), expected)) failures.push(`${zone}: definition again`);
    }
    expect(failures).toEqual([]);
  });
});

describe("TimeZoneDefinition ⇄ transitions", () => {
  const exchangeWesternEurope: TimeZoneDefinition = {
    id: "W. Europe Standard Time",
    name: "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
    periods: [
      { bias: "-PT1H", name: "Standard", id: "trule:Microsoft/Registry/W. Europe Standard Time/1-Standard" },
      { bias: "-PT2H", name: "Daylight", id: "trule:Microsoft/Registry/W. Europe Standard Time/1-Daylight" },
    ],
    transitionsGroups: [
      {
        id: "0",
        transitions: [
          { kind: "RecurringDayTransition", to: { kind: "Period", value: "trule:Microsoft/Registry/W. Europe Standard Time/1-Daylight" }, timeOffset: "PT2H", month: 3, dayOfWeek: "Sunday", occurrence: -1 },
          { kind: "RecurringDayTransition", to: { kind: "Period", value: "trule:Microsoft/Registry/W. Europe Standard Time/1-Standard" }, timeOffset: "PT3H", month: 10, dayOfWeek: "Sunday", occurrence: -1 },
        ],
      },
    ],
    transitions: { transitions: [{ kind: "Transition", to: { kind: "Group", value: "0" } }] },
  };

  it("expands Exchange's W. Europe definition to Europe/Berlin's offsets since 1996", () => {
    const { initialOffset, transitions } = definitionTransitions(exchangeWesternEurope);
    const rules = new TransitionRules(transitions, initialOffset);
    const since1996 = (list: ReadonlyArray<{ at: number; to: number }>) => list.filter((t) => t.at >= localMs(1996, 1, 1) && t.at < TO).map((t) => [t.at, t.to]);
    expect(rules.offsetAt(localMs(1996, 1, 1))).toBe(ianaOffsetSeconds("Europe/Berlin", localMs(1996, 1, 1)));
    expect(since1996(transitions)).toEqual(since1996(ianaTransitions("Europe/Berlin", 1996, 2037)));
    expect(since1996(transitions)).toHaveLength(2 * 42);
  });

  it("reads a Customized Time Zone with dynamic years (AbsoluteDateTransition between groups)", () => {
    // US Eastern before and after the 2007 change, as Exchange sends a custom zone.
    const custom: TimeZoneDefinition = {
      id: "Customized Time Zone",
      name: "Customized Time Zone",
      periods: [
        { bias: "PT5H", name: "Standard", id: "Std" },
        { bias: "PT4H", name: "Daylight", id: "Dlt" },
      ],
      transitionsGroups: [
        { id: "0", transitions: [
          { kind: "RecurringDayTransition", to: { kind: "Period", value: "Dlt" }, timeOffset: "PT2H", month: 4, dayOfWeek: "Sunday", occurrence: 1 },
          { kind: "RecurringDayTransition", to: { kind: "Period", value: "Std" }, timeOffset: "PT2H", month: 10, dayOfWeek: "Sunday", occurrence: -1 },
        ] },
        { id: "1", transitions: [
          { kind: "RecurringDayTransition", to: { kind: "Period", value: "Dlt" }, timeOffset: "PT2H", month: 3, dayOfWeek: "Sunday", occurrence: 2 },
          { kind: "RecurringDayTransition", to: { kind: "Period", value: "Std" }, timeOffset: "PT2H", month: 11, dayOfWeek: "Sunday", occurrence: 1 },
        ] },
      ],
      transitions: { transitions: [
        { kind: "Transition", to: { kind: "Group", value: "0" } },
        { kind: "AbsoluteDateTransition", to: { kind: "Group", value: "1" }, dateTime: "2007-01-01T00:00:00" },
      ] },
    };
    const zone = zoneFromDefinition(custom)!;
    expect(zone.iana).toBeNull();
    const list = (transitions: ReadonlyArray<{ at: number; to: number }>) => transitions.map((t) => [t.at, t.to]);
    expect(zone.offsetAt(localMs(1987, 1, 1))).toBe(ianaOffsetSeconds("America/New_York", localMs(1987, 1, 1)));
    expect(list(zoneTransitions(zone, 1987, 2037))).toEqual(list(ianaTransitions("America/New_York", 1987, 2037)));
    // Carried exactly through a VTIMEZONE and back.
    const again = zoneFromTzid(zone.tzid, parseVTimezoneText(zone.vtimezone()))!;
    const definition = again.definition();
    expect(definition.id).toBe("Customized Time Zone");
    expect(definition.transitionsGroups).toHaveLength(2);
    const back = zoneFromDefinition(definition)!;
    expect(back.offsetAt(localMs(1970, 1, 1))).toBe(zone.offsetAt(localMs(1970, 1, 1)));
    expect(list(zoneTransitions(back, 1970, 2037))).toEqual(list(zoneTransitions(zone, 1970, 2037)));
  });

  it("turns the transitions of every IANA zone into a definition with the same offsets", () => {
    for (const zone of ALL_ZONES.filter((_, index) => index % 3 === 0)) {
      const initial = ianaOffsetSeconds(zone, localMs(1970, 1, 1));
      const transitions = ianaTransitions(zone, 1970, 2037);
      const definition = definitionFromTransitions(zone, zone, initial, transitions);
      const expanded = definitionTransitions(definition, 1970, 2037);
      const rules = new TransitionRules(expanded.transitions, expanded.initialOffset);
      for (const t of transitions) {
        expect(rules.offsetAt(t.at - 1000), zone).toBe(t.from);
        expect(rules.offsetAt(t.at), zone).toBe(t.to);
      }
      expect(rules.offsetAt(localMs(2037, 7, 1)), zone).toBe(ianaOffsetSeconds(zone, localMs(2037, 7, 1)));
    }
  });

  it("maps the Exchange 2007 MeetingTimeZone both ways for the rule of a year", () => {
    const year = 2026;
    const legacy = legacyTimeZoneFromTransitions("W. Europe Standard Time", 3600, ianaTransitions("Europe/Berlin", year, year), year)!;
    expect(legacy.baseOffset).toBe("-PT1H");
    expect(legacy.daylight?.relativeYearlyRecurrence).toMatchObject({ dayOfWeekIndex: "Last", month: "March", daysOfWeek: "Sunday" });
    expect(legacy.daylight?.time).toBe("02:00:00");
    const zone = zoneFromDefinition(definitionFromLegacyTimeZone({ ...legacy, timeZoneName: "Legacy Berlin" }))!;
    expect(zone.offsetAt(localMs(year, 1, 1))).toBe(3600);
    expect(zoneTransitions(zone, year, year).map((t) => [t.at, t.to])).toEqual(ianaTransitions("Europe/Berlin", year, year).map((t) => [t.at, t.to]));
  });
});

describe("wall-clock conversion", () => {
  const berlin = ianaZone("Europe/Berlin");
  it("reads a time in the spring gap with the offset before it (RFC 5545)", () => {
    expect(new Date(berlin.toUtc(localMs(2026, 3, 29, 2, 30))).toISOString()).toBe("2026-03-29T01:30:00.000Z");
  });
  it("reads a time that occurs twice as its first occurrence", () => {
    expect(new Date(berlin.toUtc(localMs(2026, 10, 25, 2, 30))).toISOString()).toBe("2026-10-25T00:30:00.000Z");
  });
  it("round-trips UTC → local → UTC outside the overlap", () => {
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 3_600_000 * 7) {
      const local = berlin.toLocal(t);
      const back = berlin.toUtc(local);
      if (back !== t) expect(berlin.toLocal(back)).toBe(local);
    }
  });
});
