/**
 * The complex types Graph's calendar and To Do resources share — `dateTimeTimeZone`, `itemBody`,
 * `patternedRecurrence` with its pattern and range, `importance` — as JSON, from the v1.0 CSDL.
 * @module
 */

/** `microsoft.graph.dateTimeTimeZone`: a local date-time (`2026-12-06T09:00:00.0000000`) and a Windows or IANA zone name. */
export interface GraphDateTimeTimeZone {
  dateTime: string;
  timeZone?: string | null;
}

/** `microsoft.graph.bodyType`. */
export type GraphBodyType = "text" | "html";

/** `microsoft.graph.itemBody`. */
export interface GraphItemBody {
  content?: string | null;
  contentType?: GraphBodyType | null;
}

/** `microsoft.graph.importance`. */
export type GraphImportance = "low" | "normal" | "high";

/** `microsoft.graph.dayOfWeek`. */
export type GraphDayOfWeek = "sunday" | "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday";

/** `microsoft.graph.recurrencePatternType`. */
export type GraphRecurrencePatternType = "daily" | "weekly" | "absoluteMonthly" | "relativeMonthly" | "absoluteYearly" | "relativeYearly";

/** `microsoft.graph.weekIndex`. */
export type GraphWeekIndex = "first" | "second" | "third" | "fourth" | "last";

/** `microsoft.graph.recurrenceRangeType`. */
export type GraphRecurrenceRangeType = "endDate" | "noEnd" | "numbered";

/** `microsoft.graph.recurrencePattern`. */
export interface GraphRecurrencePattern {
  type?: GraphRecurrencePatternType | null;
  interval?: number;
  dayOfMonth?: number;
  daysOfWeek?: GraphDayOfWeek[] | null;
  firstDayOfWeek?: GraphDayOfWeek | null;
  index?: GraphWeekIndex | null;
  month?: number;
}

/** `microsoft.graph.recurrenceRange`: dates are `YYYY-MM-DD` (`Edm.Date`). */
export interface GraphRecurrenceRange {
  type?: GraphRecurrenceRangeType | null;
  startDate?: string | null;
  endDate?: string | null;
  numberOfOccurrences?: number;
  recurrenceTimeZone?: string | null;
}

/** `microsoft.graph.patternedRecurrence`. */
export interface GraphPatternedRecurrence {
  pattern?: GraphRecurrencePattern | null;
  range?: GraphRecurrenceRange | null;
}
