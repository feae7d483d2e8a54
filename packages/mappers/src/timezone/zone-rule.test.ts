/**
 * VTIMEZONE rules: only those a zone can have are expanded (checked without iterating), every
 * other makes the VTIMEZONE invalid, and the expansion agrees with ical.js on the rules zones use.
 */
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { fieldsOf, localMs } from "./clock.js";
import { ianaTransitions } from "./iana.js";
import { zoneFromTzid, resolveTzid } from "./resolve.js";
import { parseVTimezoneText, readVTimezone, vtimezoneForIana } from "./vtimezone.js";
import { checkZoneRule, expandZoneRule, ruleDays } from "./zone-rule.js";

/** The jCal recur data ical.js reads from an RRULE value. */
const recur = (value: string): Record<string, unknown> => ICAL.Recur.fromString(value).toJSON() as Record<string, unknown>;

const vtimezone = (standardRule: string, daylightRule = "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"): string =>
  [
    "BEGIN:VTIMEZONE", "TZID:Test Zone",
    "BEGIN:STANDARD", "DTSTART:19701025T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", standardRule, "END:STANDARD",
    "BEGIN:DAYLIGHT", "DTSTART:19700329T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", daylightRule, "END:DAYLIGHT",
    "END:VTIMEZONE",
  ].join("\r\n");

describe("VTIMEZONE rules", () => {
  const start = localMs(1970, 10, 25, 3);

  it.each([
    ["FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"],
    ["FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"],
    ["FREQ=YEARLY;BYMONTH=2;BYDAY=5SU"], // only in some leap years, but it occurs
    ["FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=22"],
    ["FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"],
    ["FREQ=YEARLY;BYMONTH=4;BYDAY=SU;BYMONTHDAY=8,9,10,11,12,13,14"],
    ["FREQ=YEARLY;BYMONTH=10;BYDAY=SU;BYSETPOS=-1"],
    ["FREQ=YEARLY;UNTIL=19961027T010000Z;BYMONTH=10;BYDAY=-1SU"],
    ["FREQ=YEARLY;COUNT=3;BYMONTH=10;BYDAY=-1SU"],
    ["FREQ=YEARLY"], // DTSTART's month and day
  ])("accepts %s", (rule) => {
    expect(checkZoneRule(recur(rule), start)).not.toHaveProperty("refused");
  });

  it.each([
    ["FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", /FREQ=DAILY/],
    ["FREQ=SECONDLY;BYMONTH=12;BYDAY=1SU", /FREQ=SECONDLY/],
    ["FREQ=MONTHLY;BYDAY=-1SU", /FREQ=MONTHLY/],
    ["FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", /never occur/],
    ["FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31", /never occur/],
    ["FREQ=YEARLY;BYMONTH=3;BYDAY=1SU;BYMONTHDAY=20", /never occur/],
    ["FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;BYHOUR=2", /BYHOUR/],
    ["FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;BYMINUTE=5", /BYMINUTE/],
    ["FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;BYSECOND=5", /BYSECOND/],
    ["FREQ=YEARLY;BYYEARDAY=100", /BYYEARDAY/],
    ["FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", /BYWEEKNO/],
    ["FREQ=YEARLY;BYMONTH=10;BYDAY=SU", /picks \d+ days/],
    ["FREQ=YEARLY;BYMONTH=10;BYDAY=6SU", /BYDAY/],
  ])("refuses %s", (rule, reason) => {
    const checked = checkZoneRule(recur(rule), start);
    expect(checked).toHaveProperty("refused");
    expect((checked as { refused: string }).refused).toMatch(reason);
  });

  it("picks the days a rule names, BYSETPOS over the year's set", () => {
    const rule = checkZoneRule(recur("FREQ=YEARLY;BYMONTH=10;BYDAY=SU;BYSETPOS=-1"), start);
    if ("refused" in rule) throw new Error(rule.refused);
    expect(ruleDays(rule, 2026).map((day) => fieldsOf(day).day)).toEqual([25]);
    const fifth = checkZoneRule(recur("FREQ=YEARLY;BYMONTH=2;BYDAY=5SU"), start);
    if ("refused" in fifth) throw new Error(fifth.refused);
    expect(ruleDays(fifth, 2026)).toEqual([]);
    expect(ruleDays(fifth, 2004).map((day) => fieldsOf(day).day)).toEqual([29]);
  });

  it("expands like ical.js for the rules zones use, from a DTSTART on the rule (COUNT, UNTIL, INTERVAL)", () => {
    const cases: Array<[string, number]> = [
      ["FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", start],
      ["FREQ=YEARLY;BYMONTH=3;BYDAY=2SU;COUNT=7", localMs(1970, 3, 8, 2)],
      ["FREQ=YEARLY;INTERVAL=2;BYMONTH=4;BYMONTHDAY=1", localMs(1970, 4, 1, 2)],
      ["FREQ=YEARLY;BYMONTH=9;BYDAY=SU;BYMONTHDAY=8,9,10,11,12,13,14", localMs(1970, 9, 13, 2)],
      ["FREQ=YEARLY;UNTIL=20070311T080000Z;BYMONTH=4;BYDAY=1SU", localMs(1987, 4, 5, 2)],
    ];
    for (const [value, start] of cases) {
      const rule = checkZoneRule(recur(value), start);
      if ("refused" in rule) throw new Error(rule.refused);
      const until = /UNTIL=(\d{4})(\d\d)(\d\d)T(\d\d)/.exec(value);
      const ours = expandZoneRule(rule, start, localMs(2040, 1, 1), until ? localMs(Number(until[1]), Number(until[2]), Number(until[3]), Number(until[4])) : null);
      const iterator = ICAL.Recur.fromString(value).iterator(ICAL.Time.fromData({ ...fieldsOf(start), isDate: false }));
      const theirs: number[] = [];
      for (let next = iterator.next(); next && next.year < 2040; next = iterator.next()) theirs.push(localMs(next.year, next.month, next.day, next.hour, next.minute, next.second));
      expect(ours, value).toEqual(theirs);
    }
  });

  it("never expands past the horizon, whatever the start", () => {
    const rule = checkZoneRule(recur("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"), localMs(1601, 10, 28, 3));
    if ("refused" in rule) throw new Error(rule.refused);
    const onsets = expandZoneRule(rule, localMs(1601, 10, 28, 3), localMs(2101, 1, 1), null);
    expect(onsets).toHaveLength(500);
    expect(fieldsOf(onsets[onsets.length - 1]!).year).toBe(2100);
  });
});

describe("a VTIMEZONE with a rule no zone can have", () => {
  it("is invalid as a whole, and its TZID resolves to no zone, with the reason", () => {
    for (const rule of ["RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "RRULE:FREQ=SECONDLY;BYMONTH=12;BYDAY=1SU", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"]) {
      const component = parseVTimezoneText(vtimezone(rule))!;
      const read = readVTimezone(component);
      expect(read.invalid).toMatch(/STANDARD observance is not one a time zone can have/);
      expect(read.transitions).toEqual([]);
      expect(zoneFromTzid("Test Zone", component)).toBeNull();
      expect(resolveTzid("Test Zone", component).problem).toBe(read.invalid);
    }
  });

  it("is invalid when an observance lists more onsets than the mappers accept", () => {
    const rdates = Array.from({ length: 2001 }, (_, i) => `RDATE:${1000 + i}0101T000000`).join("\r\n");
    const component = parseVTimezoneText(vtimezone(rdates))!;
    expect(readVTimezone(component).invalid).toMatch(/more than 2000 onsets/);
  });

  it("leaves every VTIMEZONE generated from the runtime's zone data valid and exact", () => {
    for (const zone of ["Europe/Berlin", "America/Sao_Paulo", "Africa/Casablanca", "Australia/Lord_Howe", "Pacific/Auckland", "America/Godthab"]) {
      const read = readVTimezone(parseVTimezoneText(vtimezoneForIana(zone))!, 2037);
      expect(read.invalid).toBeUndefined();
      expect(read.transitions.filter((t) => t.at >= localMs(1971, 1, 1)).map((t) => [t.at, t.to])).toEqual(ianaTransitions(zone, 1971, 2037).map((t) => [t.at, t.to]));
    }
  });
});
