/**
 * Recurrence patterns and ranges of calendar items and tasks (types.xsd `RecurrenceType`,
 * `TaskRecurrenceType` and the pattern/range types they choose from).
 * @module
 */

/** Days as types.xsd `DayOfWeekType` names them, including the groups `Day`, `Weekday`, `WeekendDay`. */
export type DayOfWeek =
  | "Sunday"
  | "Monday"
  | "Tuesday"
  | "Wednesday"
  | "Thursday"
  | "Friday"
  | "Saturday"
  | "Day"
  | "Weekday"
  | "WeekendDay";

/** Which week of the month (types.xsd `DayOfWeekIndexType`). */
export type DayOfWeekIndex = "First" | "Second" | "Third" | "Fourth" | "Last";

/** Month names (types.xsd `MonthNamesType`). */
export type MonthName =
  | "January"
  | "February"
  | "March"
  | "April"
  | "May"
  | "June"
  | "July"
  | "August"
  | "September"
  | "October"
  | "November"
  | "December";

/** Every `interval` days (`t:DailyRecurrence`). */
export interface DailyRecurrencePattern {
  /** Discriminator: the element name. */
  kind: "DailyRecurrence";
  /** Days between occurrences (`t:Interval`). */
  interval: number;
}

/** Every `interval` weeks on the given days (`t:WeeklyRecurrence`). */
export interface WeeklyRecurrencePattern {
  /** Discriminator: the element name. */
  kind: "WeeklyRecurrence";
  /** Weeks between occurrences (`t:Interval`). */
  interval: number;
  /** The days of the week (`t:DaysOfWeek`, a space-separated list on the wire). */
  daysOfWeek: DayOfWeek[];
  /** The first day of the week, which matters for intervals above 1 (`t:FirstDayOfWeek`, 2010+). */
  firstDayOfWeek?: DayOfWeek;
}

/** Every `interval` months on a day of the month (`t:AbsoluteMonthlyRecurrence`). */
export interface AbsoluteMonthlyRecurrencePattern {
  /** Discriminator: the element name. */
  kind: "AbsoluteMonthlyRecurrence";
  /** Months between occurrences (`t:Interval`). */
  interval: number;
  /** Day of the month, 1–31 (`t:DayOfMonth`). */
  dayOfMonth: number;
}

/** Every `interval` months on e.g. the second Tuesday (`t:RelativeMonthlyRecurrence`). */
export interface RelativeMonthlyRecurrencePattern {
  /** Discriminator: the element name. */
  kind: "RelativeMonthlyRecurrence";
  /** Months between occurrences (`t:Interval`). */
  interval: number;
  /** The day (`t:DaysOfWeek`, a single value here despite the name). */
  daysOfWeek: DayOfWeek;
  /** Which week (`t:DayOfWeekIndex`). */
  dayOfWeekIndex: DayOfWeekIndex;
}

/** Every year on a date (`t:AbsoluteYearlyRecurrence`). */
export interface AbsoluteYearlyRecurrencePattern {
  /** Discriminator: the element name. */
  kind: "AbsoluteYearlyRecurrence";
  /** Day of the month (`t:DayOfMonth`). */
  dayOfMonth: number;
  /** Month (`t:Month`). */
  month: MonthName;
}

/** Every year on e.g. the last Sunday of March (`t:RelativeYearlyRecurrence`). */
export interface RelativeYearlyRecurrencePattern {
  /** Discriminator: the element name. */
  kind: "RelativeYearlyRecurrence";
  /** The day (`t:DaysOfWeek`, a single value). */
  daysOfWeek: DayOfWeek;
  /** Which week (`t:DayOfWeekIndex`). */
  dayOfWeekIndex: DayOfWeekIndex;
  /** Month (`t:Month`). */
  month: MonthName;
}

/** The patterns a calendar item can recur by (types.xsd group `RecurrencePatternTypes`). */
export type RecurrencePattern =
  | DailyRecurrencePattern
  | WeeklyRecurrencePattern
  | AbsoluteMonthlyRecurrencePattern
  | RelativeMonthlyRecurrencePattern
  | AbsoluteYearlyRecurrencePattern
  | RelativeYearlyRecurrencePattern;

/**
 * A task that regenerates: the next occurrence is due `interval` units after the previous one
 * was completed (`t:DailyRegeneration`, `t:WeeklyRegeneration`, `t:MonthlyRegeneration`, `t:YearlyRegeneration`).
 */
export interface RegenerationPattern {
  /** Discriminator: the element name. */
  kind: "DailyRegeneration" | "WeeklyRegeneration" | "MonthlyRegeneration" | "YearlyRegeneration";
  /** Units between completion and the next occurrence (`t:Interval`). */
  interval: number;
}

/** The patterns a task can recur by (types.xsd group `TaskRecurrencePatternTypes`). */
export type TaskRecurrencePattern = RecurrencePattern | RegenerationPattern;

/** A series without end (`t:NoEndRecurrence`). */
export interface NoEndRecurrenceRange {
  /** Discriminator: the element name. */
  kind: "NoEndRecurrence";
  /** First day of the series, `xs:date` as EWS sends it (may carry an offset, e.g. `2026-01-05-08:00`). */
  startDate: string;
}

/** A series ending on a date (`t:EndDateRecurrence`). */
export interface EndDateRecurrenceRange {
  /** Discriminator: the element name. */
  kind: "EndDateRecurrence";
  /** First day of the series (`xs:date`). */
  startDate: string;
  /** Last day of the series, inclusive (`xs:date`). */
  endDate: string;
}

/** A series of a given number of occurrences (`t:NumberedRecurrence`). */
export interface NumberedRecurrenceRange {
  /** Discriminator: the element name. */
  kind: "NumberedRecurrence";
  /** First day of the series (`xs:date`). */
  startDate: string;
  /** How many occurrences (`t:NumberOfOccurrences`). */
  numberOfOccurrences: number;
}

/** The ranges of a series (types.xsd group `RecurrenceRangeTypes`). */
export type RecurrenceRange = NoEndRecurrenceRange | EndDateRecurrenceRange | NumberedRecurrenceRange;

/** A calendar item's recurrence (types.xsd `RecurrenceType`). */
export interface Recurrence {
  /** How it repeats. */
  pattern: RecurrencePattern;
  /** From when and until when. */
  range: RecurrenceRange;
}

/** A task's recurrence (types.xsd `TaskRecurrenceType`), which may regenerate. */
export interface TaskRecurrence {
  /** How it repeats or regenerates. */
  pattern: TaskRecurrencePattern;
  /** From when and until when. */
  range: RecurrenceRange;
}
