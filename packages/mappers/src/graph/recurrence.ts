/**
 * Graph's `patternedRecurrence` ⇄ the EWS model's `Recurrence` (events) and `TaskRecurrence`
 * (tasks): the same six patterns and three ranges under other names, so the EWS mappers' RRULE
 * tables apply unchanged. Differences: Graph lists the days of a relative pattern where EWS names
 * one day or a group (`Weekday`, `WeekendDay`, `Day`); Graph's yearly patterns take an interval,
 * EWS's do not (an absolute yearly every n years is EWS's monthly every 12·n months, as the EWS
 * mapper writes `FREQ=YEARLY;INTERVAL=n`); EWS's regenerating task patterns have no Graph form.
 * @module
 */
import type { DayOfWeek, DayOfWeekIndex, MonthName, Recurrence, RecurrencePattern, RecurrenceRange, TaskRecurrence } from "@ewsdav/ews-client";
import type { GraphDayOfWeek, GraphPatternedRecurrence, GraphRecurrencePattern, GraphRecurrenceRange, GraphWeekIndex } from "@ewsdav/graph-client";
import type { DroppedProperty } from "../result.js";

const DAYS: readonly GraphDayOfWeek[] = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const EWS_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
const MONTHS: readonly MonthName[] = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const WEEKDAYS: readonly GraphDayOfWeek[] = ["monday", "tuesday", "wednesday", "thursday", "friday"];
const WEEKEND: readonly GraphDayOfWeek[] = ["saturday", "sunday"];

/** EWS days (groups expanded) as Graph days. */
function graphDays(days: readonly DayOfWeek[]): GraphDayOfWeek[] {
  const out = new Set<GraphDayOfWeek>();
  for (const day of days) {
    if (day === "Day") DAYS.forEach((d) => out.add(d));
    else if (day === "Weekday") WEEKDAYS.forEach((d) => out.add(d));
    else if (day === "WeekendDay") WEEKEND.forEach((d) => out.add(d));
    else out.add(day.toLowerCase() as GraphDayOfWeek);
  }
  return DAYS.filter((d) => out.has(d));
}

const ewsDay = (day: GraphDayOfWeek): DayOfWeek => EWS_DAYS[DAYS.indexOf(day)] ?? "Sunday";
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Graph's days of a relative pattern as EWS's single day or group; null when no EWS value says them. */
function relativeDay(days: readonly GraphDayOfWeek[]): DayOfWeek | null {
  const unique = [...new Set(days)];
  if (unique.length === 1) return ewsDay(unique[0]!);
  if (sameSet(unique, DAYS)) return "Day";
  if (sameSet(unique, WEEKDAYS)) return "Weekday";
  if (sameSet(unique, WEEKEND)) return "WeekendDay";
  return null;
}

const INDEX: Record<GraphWeekIndex, DayOfWeekIndex> = { first: "First", second: "Second", third: "Third", fourth: "Fourth", last: "Last" };
const dateOnly = (value: string) => value.slice(0, 10);

/** An EWS recurrence as Graph's, the range's zone named `zoneName`. */
export function graphRecurrence(recurrence: Recurrence | TaskRecurrence, zoneName: string | null, dropped: DroppedProperty[], property = "RRULE"): GraphPatternedRecurrence | null {
  const p = recurrence.pattern;
  let pattern: GraphRecurrencePattern;
  switch (p.kind) {
    case "DailyRecurrence":
      pattern = { type: "daily", interval: p.interval };
      break;
    case "WeeklyRecurrence":
      pattern = { type: "weekly", interval: p.interval, daysOfWeek: graphDays(p.daysOfWeek), firstDayOfWeek: p.firstDayOfWeek && !["Day", "Weekday", "WeekendDay"].includes(p.firstDayOfWeek) ? (p.firstDayOfWeek.toLowerCase() as GraphDayOfWeek) : "sunday" };
      break;
    case "AbsoluteMonthlyRecurrence":
      pattern = { type: "absoluteMonthly", interval: p.interval, dayOfMonth: p.dayOfMonth };
      break;
    case "RelativeMonthlyRecurrence":
      pattern = { type: "relativeMonthly", interval: p.interval, daysOfWeek: graphDays([p.daysOfWeek]), index: p.dayOfWeekIndex.toLowerCase() as GraphWeekIndex };
      break;
    case "AbsoluteYearlyRecurrence":
      pattern = { type: "absoluteYearly", interval: 1, dayOfMonth: p.dayOfMonth, month: MONTHS.indexOf(p.month) + 1 };
      break;
    case "RelativeYearlyRecurrence":
      pattern = { type: "relativeYearly", interval: 1, daysOfWeek: graphDays([p.daysOfWeek]), index: p.dayOfWeekIndex.toLowerCase() as GraphWeekIndex, month: MONTHS.indexOf(p.month) + 1 };
      break;
    default:
      dropped.push({ property, reason: `Graph has no regenerating pattern (Exchange's ${p.kind}: the next occurrence ${p.interval} unit(s) after completion)` });
      return null;
  }
  const r = recurrence.range;
  const range: GraphRecurrenceRange = { type: r.kind === "NoEndRecurrence" ? "noEnd" : r.kind === "EndDateRecurrence" ? "endDate" : "numbered", startDate: dateOnly(r.startDate) };
  if (r.kind === "EndDateRecurrence") range.endDate = dateOnly(r.endDate);
  if (r.kind === "NumberedRecurrence") range.numberOfOccurrences = r.numberOfOccurrences;
  if (zoneName) range.recurrenceTimeZone = zoneName;
  return { pattern, range };
}

/** Graph's recurrence as EWS's; null (reported) when the pattern or range cannot be read. */
export function ewsRecurrence(recurrence: GraphPatternedRecurrence | null | undefined, dropped: DroppedProperty[], property = "recurrence"): Recurrence | null {
  const p = recurrence?.pattern;
  const r = recurrence?.range;
  if (!p || !r || !p.type) return null;
  const refuse = (why: string): null => {
    dropped.push({ property, reason: why, value: JSON.stringify(recurrence).slice(0, 200) });
    return null;
  };
  const interval = Math.max(1, p.interval ?? 1);
  const month = MONTHS[(p.month ?? 0) - 1];
  let pattern: RecurrencePattern;
  switch (p.type) {
    case "daily":
      pattern = { kind: "DailyRecurrence", interval };
      break;
    case "weekly": {
      const days = (p.daysOfWeek ?? []).map(ewsDay);
      if (days.length === 0) return refuse("a weekly pattern without days");
      pattern = { kind: "WeeklyRecurrence", interval, daysOfWeek: days, firstDayOfWeek: ewsDay(p.firstDayOfWeek ?? "sunday") };
      break;
    }
    case "absoluteMonthly":
      if (!p.dayOfMonth) return refuse("a monthly pattern without its day");
      pattern = { kind: "AbsoluteMonthlyRecurrence", interval, dayOfMonth: p.dayOfMonth };
      break;
    case "relativeMonthly":
    case "relativeYearly": {
      const day = relativeDay(p.daysOfWeek ?? []);
      if (!day) return refuse("days of a relative pattern that no EWS day or group says");
      const index = INDEX[p.index ?? "first"];
      if (p.type === "relativeMonthly") pattern = { kind: "RelativeMonthlyRecurrence", interval, daysOfWeek: day, dayOfWeekIndex: index };
      else if (!month) return refuse("a yearly pattern without its month");
      else if (interval === 1) pattern = { kind: "RelativeYearlyRecurrence", daysOfWeek: day, dayOfWeekIndex: index, month };
      else pattern = { kind: "RelativeMonthlyRecurrence", interval: 12 * interval, daysOfWeek: day, dayOfWeekIndex: index };
      break;
    }
    case "absoluteYearly":
      if (!month || !p.dayOfMonth) return refuse("a yearly pattern without its month or day");
      pattern = interval === 1 ? { kind: "AbsoluteYearlyRecurrence", dayOfMonth: p.dayOfMonth, month } : { kind: "AbsoluteMonthlyRecurrence", interval: 12 * interval, dayOfMonth: p.dayOfMonth };
      break;
    default:
      return refuse(`unknown pattern type ${String(p.type)}`);
  }
  const startDate = r.startDate ? dateOnly(r.startDate) : null;
  if (!startDate) return refuse("a range without its start date");
  let range: RecurrenceRange;
  if (r.type === "endDate" && r.endDate) range = { kind: "EndDateRecurrence", startDate, endDate: dateOnly(r.endDate) };
  else if (r.type === "numbered" && r.numberOfOccurrences) range = { kind: "NumberedRecurrence", startDate, numberOfOccurrences: r.numberOfOccurrences };
  else range = { kind: "NoEndRecurrence", startDate };
  return { pattern, range };
}
