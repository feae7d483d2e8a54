import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expandRecurrence, isoUtc, SimRecurrenceError } from "./recurrence.js";
import { parseXml } from "./xml.js";

const T = "http://schemas.microsoft.com/exchange/services/2006/types";
const rec = (inner: string) => parseXml(`<Recurrence xmlns="${T}">${inner}</Recurrence>`);
const days = (ms: number[]) => ms.map((m) => isoUtc(m).slice(0, 16));

describe("expandRecurrence", () => {
  it("expands weekly patterns with several days and an interval, keeping the master's time of day", () => {
    const r = rec(`<WeeklyRecurrence><Interval>2</Interval><DaysOfWeek>Monday Thursday</DaysOfWeek><FirstDayOfWeek>Monday</FirstDayOfWeek></WeeklyRecurrence><NumberedRecurrence><StartDate>2026-01-06</StartDate><NumberOfOccurrences>5</NumberOfOccurrences></NumberedRecurrence>`);
    expect(days(expandRecurrence(r, Date.parse("2026-01-06T09:30:00Z")))).toEqual([
      "2026-01-08T09:30", "2026-01-19T09:30", "2026-01-22T09:30", "2026-02-02T09:30", "2026-02-05T09:30",
    ]);
  });

  it("clamps absolute monthly days to the month's end and stops at an EndDate", () => {
    const r = rec(`<AbsoluteMonthlyRecurrence><Interval>1</Interval><DayOfMonth>31</DayOfMonth></AbsoluteMonthlyRecurrence><EndDateRecurrence><StartDate>2026-01-01</StartDate><EndDate>2026-04-30</EndDate></EndDateRecurrence>`);
    expect(days(expandRecurrence(r, Date.parse("2026-01-31T08:00:00Z")))).toEqual([
      "2026-01-31T08:00", "2026-02-28T08:00", "2026-03-31T08:00", "2026-04-30T08:00",
    ]);
  });

  it("expands relative monthly and yearly patterns and daily intervals", () => {
    const lastFriday = rec(`<RelativeMonthlyRecurrence><Interval>1</Interval><DaysOfWeek>Friday</DaysOfWeek><DayOfWeekIndex>Last</DayOfWeekIndex></RelativeMonthlyRecurrence><NumberedRecurrence><StartDate>2026-01-01</StartDate><NumberOfOccurrences>3</NumberOfOccurrences></NumberedRecurrence>`);
    expect(days(expandRecurrence(lastFriday, Date.parse("2026-01-30T12:00:00Z")))).toEqual(["2026-01-30T12:00", "2026-02-27T12:00", "2026-03-27T12:00"]);
    const thanksgiving = rec(`<RelativeYearlyRecurrence><DaysOfWeek>Thursday</DaysOfWeek><DayOfWeekIndex>Fourth</DayOfWeekIndex><Month>November</Month></RelativeYearlyRecurrence><NumberedRecurrence><StartDate>2026-01-01</StartDate><NumberOfOccurrences>2</NumberOfOccurrences></NumberedRecurrence>`);
    expect(days(expandRecurrence(thanksgiving, 0))).toEqual(["2026-11-26T00:00", "2027-11-25T00:00"]);
    const birthday = rec(`<AbsoluteYearlyRecurrence><DayOfMonth>29</DayOfMonth><Month>February</Month></AbsoluteYearlyRecurrence><NumberedRecurrence><StartDate>2027-01-01</StartDate><NumberOfOccurrences>2</NumberOfOccurrences></NumberedRecurrence>`);
    expect(days(expandRecurrence(birthday, 0))).toEqual(["2027-02-28T00:00", "2028-02-29T00:00"]);
    const everyThird = rec(`<DailyRecurrence><Interval>3</Interval></DailyRecurrence><NoEndRecurrence><StartDate>2026-01-30</StartDate></NoEndRecurrence>`);
    expect(days(expandRecurrence(everyThird, 0, { maxCount: 3 }))).toEqual(["2026-01-30T00:00", "2026-02-02T00:00", "2026-02-05T00:00"]);
    expect(expandRecurrence(everyThird, 0, { until: Date.parse("2026-02-03T00:00:00Z") })).toHaveLength(2);
  });

  it("keeps the local wall-clock time of the series' time zone across DST changes", () => {
    const r = rec(`<WeeklyRecurrence><Interval>1</Interval><DaysOfWeek>Monday</DaysOfWeek></WeeklyRecurrence><NumberedRecurrence><StartDate>2026-03-23</StartDate><NumberOfOccurrences>2</NumberOfOccurrences></NumberedRecurrence>`);
    // 09:00 in Berlin is 08:00Z before the switch to summer time (29 March 2026) and 07:00Z after it.
    expect(days(expandRecurrence(r, Date.parse("2026-03-23T08:00:00Z"), { timeZone: "Europe/Berlin" }))).toEqual(["2026-03-23T08:00", "2026-03-30T07:00"]);
    const ny = rec(`<DailyRecurrence><Interval>1</Interval></DailyRecurrence><NumberedRecurrence><StartDate>2026-10-31</StartDate><NumberOfOccurrences>3</NumberOfOccurrences></NumberedRecurrence>`);
    // 23:30 in New York on 31 October is 03:30Z the next day; after 1 November it is 04:30Z.
    expect(days(expandRecurrence(ny, Date.parse("2026-11-01T03:30:00Z"), { timeZone: "America/New_York" }))).toEqual(["2026-11-01T03:30", "2026-11-02T04:30", "2026-11-03T04:30"]);
  });

  it("refuses patterns it cannot expand with a typed error", () => {
    expect(() => expandRecurrence(rec(`<WeeklyRecurrence><Interval>0</Interval><DaysOfWeek>Monday</DaysOfWeek></WeeklyRecurrence><NoEndRecurrence><StartDate>2026-01-01</StartDate></NoEndRecurrence>`), 0)).toThrow(SimRecurrenceError);
    expect(() => expandRecurrence(rec(`<NoEndRecurrence><StartDate>2026-01-01</StartDate></NoEndRecurrence>`), 0)).toThrow(/no supported pattern/);
  });
});

describe("isoUtc", () => {
  it("writes whole seconds in UTC as before it remembered its last value, for any time Date can hold, repeated or not", () => {
    const reference = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    const times = fc.integer({ min: -8.64e15, max: 8.64e15 });
    fc.assert(
      fc.property(fc.array(times, { minLength: 1, maxLength: 6 }), (list) => {
        for (const ms of [...list, ...list.slice().reverse(), list[0]!]) expect(isoUtc(ms)).toBe(reference(ms));
      }),
      { numRuns: 300 },
    );
    for (const ms of [0, -1, 253402300799999, 253402300800000, -62167219200001, Date.parse("2026-12-06T14:33:25.999Z")]) expect(isoUtc(ms)).toBe(reference(ms));
  });
});
