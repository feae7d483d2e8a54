import { describe, expect, it } from "vitest";
import { ianaZoneFor, localToUtc, timeZoneDefinition, utcToLocal } from "./time-zones.js";
import type { XmlElement } from "./xml.js";

const rules = (def: XmlElement | undefined) =>
  (def?.children.find((c) => c.name === "TransitionsGroups")?.children[0]?.children ?? []).map((t) =>
    t.children.map((c) => (c.name === "To" ? c.text.split("-").pop() : c.text)).join(" "));

describe("simulator time zones", () => {
  it("maps Windows zone ids to IANA zones and accepts IANA ids", () => {
    expect(ianaZoneFor("W. Europe Standard Time")).toBe("Europe/Berlin");
    expect(ianaZoneFor("America/Chicago")).toBe("America/Chicago");
    expect(ianaZoneFor("Atlantis Standard Time")).toBeUndefined();
  });

  it("converts wall-clock times across DST both ways", () => {
    const local = Date.UTC(2026, 2, 30, 9);
    const utc = localToUtc(local, "Europe/Berlin");
    expect(new Date(utc).toISOString()).toBe("2026-03-30T07:00:00.000Z");
    expect(utcToLocal(utc, "Europe/Berlin")).toBe(local);
  });

  it("builds Exchange-shaped definitions with recurring transitions, or a single period without DST", () => {
    const berlin = timeZoneDefinition("W. Europe Standard Time", "StartTimeZone");
    expect(berlin?.children.find((c) => c.name === "Periods")?.children.map((p) => p.attrs.Bias)).toEqual(["-PT1H", "-PT2H"]);
    expect(rules(berlin)).toEqual(["Daylight PT2H 3 Sunday -1", "Standard PT3H 10 Sunday -1"]);
    expect(rules(timeZoneDefinition("Eastern Standard Time", "StartTimeZone"))).toEqual(["Daylight PT2H 3 Sunday 2", "Standard PT2H 11 Sunday 1"]);
    expect(rules(timeZoneDefinition("AUS Eastern Standard Time", "EndTimeZone"))).toEqual(["Standard PT3H 4 Sunday 1", "Daylight PT2H 10 Sunday 1"]);
    const india = timeZoneDefinition("India Standard Time", "StartTimeZone");
    expect(india?.children.find((c) => c.name === "Periods")?.children.map((p) => p.attrs.Bias)).toEqual(["-PT5H30M"]);
    expect(rules(india)).toEqual(["Standard"]);
    expect(timeZoneDefinition("Atlantis Standard Time", "StartTimeZone")).toBeUndefined();
  });
});
