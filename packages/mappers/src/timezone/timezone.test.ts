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
  legacyTimeZoneFromTransitions,
  parseVTimezoneText,
  TransitionRules,
  vtimezoneForIana,
  windowsZoneForIana,
  zoneFromDefinition,
  zoneFromTzid,
} from "./index.js";
import { equivalenceYears } from "./windows.js";

const ALL_ZONES = Intl.supportedValuesOf("timeZone");
const MONTH = 30 * 86_400_000;

/** Offsets at an instant according to ical.js' own reading of a VTIMEZONE (an independent implementation). */
function icalJsOffsets(vtimezone: string): (utcMs: number) => number {
  const component = new ICAL.Component(ICAL.parse(`BEGIN:VCALENDAR\r\n${vtimezone}\r\nEND:VCALENDAR`) as never).getFirstSubcomponent("vtimezone")!;
  const zone = new ICAL.Timezone({ component } as never) as unknown as {
    _ensureCoverage(year: number): void;
    changes: Array<{ year: number; month: number; day: number; hour: number; minute: number; second: number; utcOffset: number }>;
  };
  zone._ensureCoverage(2038);
  const changes = zone.changes.map((c) => ({ at: Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second), offset: c.utcOffset })).sort((a, b) => a.at - b.at);
  return (utcMs) => {
    let low = 0;
    let high = changes.length - 1;
    let found = 0;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (changes[mid]!.at <= utcMs) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return changes[found]?.offset ?? 0;
  };
}

/** ical.js reads offsets to the minute only; the runtime knows Monrovia's -0:44:30 until 1972. */
const toMinute = (seconds: number): number => Math.sign(seconds) * Math.floor(Math.abs(seconds) / 60) * 60;

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
    // No Windows zone has Troll's +00/+02 rule; it travels as a full definition instead.
    expect(withoutWindowsZone).toEqual(ALL_ZONES.filter((zone) => zone === "Antarctica/Troll"));
    for (const zone of withoutWindowsZone) {
      const definition = ianaZone(zone).definition();
      expect(definition.periods?.length).toBeGreaterThan(0);
      const back = zoneFromDefinition(definition)!;
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
  it("reproduces the offsets of every IANA zone for 1970–2037 (read back by ical.js)", () => {
    const failures: string[] = [];
    for (const zone of ALL_ZONES) {
      const text = vtimezoneForIana(zone);
      const offsetOf = icalJsOffsets(text);
      const samples: number[] = [];
      for (let t = localMs(1970, 1, 15); t < localMs(2037, 12, 31); t += MONTH) samples.push(t);
      for (const transition of ianaTransitions(zone, 1970, 2037)) samples.push(transition.at - 60_000, transition.at, transition.at + 3_600_000);
      for (const t of samples) {
        const expected = toMinute(ianaOffsetSeconds(zone, t));
        if (offsetOf(t) !== expected) {
          failures.push(`${zone} at ${new Date(t).toISOString()}: ${offsetOf(t)} ≠ ${expected}`);
          break;
        }
      }
    }
    expect(failures).toEqual([]);
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
    for (let t = localMs(1996, 1, 1); t < localMs(2037, 12, 31); t += 86_400_000 / 4) expect(rules.offsetAt(t)).toBe(ianaOffsetSeconds("Europe/Berlin", t));
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
    for (let t = localMs(1987, 1, 1); t < localMs(2037, 12, 31); t += 86_400_000 / 4) expect(zone.offsetAt(t)).toBe(ianaOffsetSeconds("America/New_York", t));
    // Carried exactly through a VTIMEZONE and back.
    const again = zoneFromTzid(zone.tzid, parseVTimezoneText(zone.vtimezone()))!;
    const definition = again.definition();
    expect(definition.id).toBe("Customized Time Zone");
    expect(definition.transitionsGroups).toHaveLength(2);
    const back = zoneFromDefinition(definition)!;
    for (let t = localMs(1987, 1, 1); t < localMs(2037, 12, 31); t += 86_400_000 / 4) expect(back.offsetAt(t)).toBe(zone.offsetAt(t));
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
    for (let t = localMs(year, 1, 1); t < localMs(year, 12, 31); t += 3_600_000) expect(zone.offsetAt(t)).toBe(ianaOffsetSeconds("Europe/Berlin", t));
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
