/**
 * Recurrence of calendar items and tasks to and from XML (patterns, then ranges, in schema order).
 * @module
 */
import { EwsInputError } from "../errors.js";
import type {
  DayOfWeek,
  DayOfWeekIndex,
  MonthName,
  Recurrence,
  RecurrencePattern,
  RecurrenceRange,
  RegenerationPattern,
  TaskRecurrence,
  TaskRecurrencePattern,
} from "../model/recurrence.js";
import { childText, type XmlElement } from "../xml/parse.js";
import { xmlElement, xmlText } from "../xml/writer.js";
import { parseRelativeYearly, relativeYearlyXml } from "./time-zone-xml.js";
import { dateText, enumText, intText, type WriteContext } from "./values.js";

const DAYS: readonly DayOfWeek[] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Day", "Weekday", "WeekendDay"];
const INDEXES: readonly DayOfWeekIndex[] = ["First", "Second", "Third", "Fourth", "Last"];
const MONTHS: readonly MonthName[] = [
  "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
];
const REGENERATIONS = ["DailyRegeneration", "WeeklyRegeneration", "MonthlyRegeneration", "YearlyRegeneration"] as const;

function patternXml(p: TaskRecurrencePattern, ctx: WriteContext, field: string): string {
  const interval = (n: number) => xmlText("t:Interval", intText(n, ctx, `${field}.interval`, 1, 999));
  switch (p.kind) {
    case "RelativeYearlyRecurrence":
      enumText(p.daysOfWeek, DAYS, ctx, `${field}.daysOfWeek`);
      enumText(p.dayOfWeekIndex, INDEXES, ctx, `${field}.dayOfWeekIndex`);
      enumText(p.month, MONTHS, ctx, `${field}.month`);
      return relativeYearlyXml(p);
    case "AbsoluteYearlyRecurrence":
      return xmlElement(
        "t:AbsoluteYearlyRecurrence",
        undefined,
        xmlText("t:DayOfMonth", intText(p.dayOfMonth, ctx, `${field}.dayOfMonth`, 1, 31)),
        xmlText("t:Month", enumText(p.month, MONTHS, ctx, `${field}.month`)),
      );
    case "RelativeMonthlyRecurrence":
      return xmlElement(
        "t:RelativeMonthlyRecurrence",
        undefined,
        interval(p.interval),
        xmlText("t:DaysOfWeek", enumText(p.daysOfWeek, DAYS, ctx, `${field}.daysOfWeek`)),
        xmlText("t:DayOfWeekIndex", enumText(p.dayOfWeekIndex, INDEXES, ctx, `${field}.dayOfWeekIndex`)),
      );
    case "AbsoluteMonthlyRecurrence":
      return xmlElement(
        "t:AbsoluteMonthlyRecurrence",
        undefined,
        interval(p.interval),
        xmlText("t:DayOfMonth", intText(p.dayOfMonth, ctx, `${field}.dayOfMonth`, 1, 31)),
      );
    case "WeeklyRecurrence":
      if (p.daysOfWeek.length === 0) throw new EwsInputError(ctx.item, `${field}.daysOfWeek`, "a weekly recurrence needs at least one day");
      for (const d of p.daysOfWeek) enumText(d, DAYS, ctx, `${field}.daysOfWeek`);
      return xmlElement(
        "t:WeeklyRecurrence",
        undefined,
        interval(p.interval),
        xmlText("t:DaysOfWeek", p.daysOfWeek.join(" ")),
        p.firstDayOfWeek !== undefined && xmlText("t:FirstDayOfWeek", enumText(p.firstDayOfWeek, DAYS, ctx, `${field}.firstDayOfWeek`)),
      );
    case "DailyRecurrence":
      return xmlElement("t:DailyRecurrence", undefined, interval(p.interval));
    case "DailyRegeneration":
    case "WeeklyRegeneration":
    case "MonthlyRegeneration":
    case "YearlyRegeneration":
      return xmlElement(`t:${p.kind}`, undefined, interval(p.interval));
    default:
      throw new EwsInputError(ctx.item, `${field}.kind`, `unknown recurrence pattern "${(p as { kind: string }).kind}"`);
  }
}

function rangeXml(r: RecurrenceRange, ctx: WriteContext, field: string): string {
  const start = xmlText("t:StartDate", dateText(r.startDate, ctx, `${field}.startDate`));
  switch (r.kind) {
    case "NoEndRecurrence":
      return xmlElement("t:NoEndRecurrence", undefined, start);
    case "EndDateRecurrence":
      return xmlElement("t:EndDateRecurrence", undefined, start, xmlText("t:EndDate", dateText(r.endDate, ctx, `${field}.endDate`)));
    case "NumberedRecurrence":
      return xmlElement(
        "t:NumberedRecurrence",
        undefined,
        start,
        xmlText("t:NumberOfOccurrences", intText(r.numberOfOccurrences, ctx, `${field}.numberOfOccurrences`, 1, 999)),
      );
    default:
      throw new EwsInputError(ctx.item, `${field}.kind`, `unknown recurrence range "${(r as { kind: string }).kind}"`);
  }
}

/** `<t:Recurrence>` of a calendar item (regeneration patterns refused). */
export function recurrenceXml(r: Recurrence, ctx: WriteContext, field = "recurrence"): string {
  if ((REGENERATIONS as readonly string[]).includes(r.pattern.kind)) {
    throw new EwsInputError(ctx.item, `${field}.pattern`, "regeneration patterns exist only for tasks");
  }
  return xmlElement("t:Recurrence", undefined, patternXml(r.pattern, ctx, `${field}.pattern`), rangeXml(r.range, ctx, `${field}.range`));
}

/** `<t:Recurrence>` of a task. */
export function taskRecurrenceXml(r: TaskRecurrence, ctx: WriteContext, field = "recurrence"): string {
  return xmlElement("t:Recurrence", undefined, patternXml(r.pattern, ctx, `${field}.pattern`), rangeXml(r.range, ctx, `${field}.range`));
}

function parsePattern(e: XmlElement): TaskRecurrencePattern | undefined {
  const interval = Number(childText(e, "Interval") ?? 1);
  switch (e.name) {
    case "RelativeYearlyRecurrence":
      return parseRelativeYearly(e);
    case "AbsoluteYearlyRecurrence":
      return { kind: e.name, dayOfMonth: Number(childText(e, "DayOfMonth")), month: (childText(e, "Month") ?? "January") as MonthName };
    case "RelativeMonthlyRecurrence":
      return {
        kind: e.name,
        interval,
        daysOfWeek: (childText(e, "DaysOfWeek") ?? "Day") as DayOfWeek,
        dayOfWeekIndex: (childText(e, "DayOfWeekIndex") ?? "First") as DayOfWeekIndex,
      };
    case "AbsoluteMonthlyRecurrence":
      return { kind: e.name, interval, dayOfMonth: Number(childText(e, "DayOfMonth")) };
    case "WeeklyRecurrence": {
      const p: RecurrencePattern = {
        kind: e.name,
        interval,
        daysOfWeek: (childText(e, "DaysOfWeek") ?? "").split(/\s+/).filter(Boolean) as DayOfWeek[],
      };
      const first = childText(e, "FirstDayOfWeek");
      if (first !== undefined) p.firstDayOfWeek = first as DayOfWeek;
      return p;
    }
    case "DailyRecurrence":
      return { kind: e.name, interval };
    case "DailyRegeneration":
    case "WeeklyRegeneration":
    case "MonthlyRegeneration":
    case "YearlyRegeneration":
      return { kind: e.name, interval } satisfies RegenerationPattern;
    default:
      return undefined;
  }
}

function parseRange(e: XmlElement): RecurrenceRange | undefined {
  const startDate = childText(e, "StartDate") ?? "";
  switch (e.name) {
    case "NoEndRecurrence":
      return { kind: e.name, startDate };
    case "EndDateRecurrence":
      return { kind: e.name, startDate, endDate: childText(e, "EndDate") ?? "" };
    case "NumberedRecurrence":
      return { kind: e.name, startDate, numberOfOccurrences: Number(childText(e, "NumberOfOccurrences")) };
    default:
      return undefined;
  }
}

/** Reads a `RecurrenceType` or `TaskRecurrenceType` element; `undefined` when it holds no known pattern or range. */
export function parseTaskRecurrence(e: XmlElement): TaskRecurrence | undefined {
  let pattern: TaskRecurrencePattern | undefined;
  let range: RecurrenceRange | undefined;
  for (const c of e.children) {
    pattern ??= parsePattern(c);
    range ??= parseRange(c);
  }
  return pattern && range ? { pattern, range } : undefined;
}

/** Reads a calendar item's `RecurrenceType`. */
export function parseRecurrence(e: XmlElement): Recurrence | undefined {
  const r = parseTaskRecurrence(e);
  if (!r || (REGENERATIONS as readonly string[]).includes(r.pattern.kind)) return undefined;
  return r as Recurrence;
}

