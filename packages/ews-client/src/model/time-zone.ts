/**
 * Time zones of calendar items: the Exchange 2010+ `TimeZoneDefinitionType` (periods, transition
 * groups, transitions) and the Exchange 2007 `TimeZoneType` (`MeetingTimeZone`).
 * @module
 */
import type { DayOfWeek, RelativeYearlyRecurrencePattern } from "./recurrence.js";

/** One period of a time zone: a named offset (types.xsd `PeriodType`). */
export interface TimeZonePeriod {
  /** Offset from UTC to subtract, `xs:duration` (e.g. `-PT1H` for UTC+1) (`Bias` attribute). */
  bias?: string;
  /** Display name, e.g. `Standard` or `Daylight` (`Name` attribute). */
  name?: string;
  /** Id referenced by transitions, e.g. `trule:Microsoft/Registry/W. Europe Standard Time/2006-Standard` (`Id`). */
  id?: string;
}

/** Where a transition leads (types.xsd `TransitionTargetType`). */
export interface TransitionTarget {
  /** Whether the target is a `Period` or a transitions `Group` (`Kind` attribute). */
  kind: "Period" | "Group";
  /** The id of the target period or group. */
  value: string;
}

/** A transition without a date: the initial one of a group or definition (`t:Transition`). */
export interface PlainTransition {
  /** Discriminator: the element name. */
  kind: "Transition";
  /** Target (`t:To`). */
  to: TransitionTarget;
}

/** A transition at a fixed instant (`t:AbsoluteDateTransition`), e.g. switching rule groups in a year. */
export interface AbsoluteDateTransition {
  /** Discriminator: the element name. */
  kind: "AbsoluteDateTransition";
  /** Target (`t:To`). */
  to: TransitionTarget;
  /** When, `xs:dateTime` (`t:DateTime`). */
  dateTime: string;
}

/** A yearly transition on e.g. the last Sunday of March (`t:RecurringDayTransition`). */
export interface RecurringDayTransition {
  /** Discriminator: the element name. */
  kind: "RecurringDayTransition";
  /** Target (`t:To`). */
  to: TransitionTarget;
  /** Local time of day of the switch, `xs:duration` (e.g. `PT2H`) (`t:TimeOffset`). */
  timeOffset: string;
  /** Month 1–12 (`t:Month`). */
  month: number;
  /** Day of the week (`t:DayOfWeek`). */
  dayOfWeek: DayOfWeek;
  /** Week of the month, 1–4, or -1 for the last (`t:Occurrence`). */
  occurrence: number;
}

/** A yearly transition on a fixed day of a month (`t:RecurringDateTransition`). */
export interface RecurringDateTransition {
  /** Discriminator: the element name. */
  kind: "RecurringDateTransition";
  /** Target (`t:To`). */
  to: TransitionTarget;
  /** Local time of day of the switch, `xs:duration` (`t:TimeOffset`). */
  timeOffset: string;
  /** Month 1–12 (`t:Month`). */
  month: number;
  /** Day of the month (`t:Day`). */
  day: number;
}

/** Any member of the `t:Transition` substitution group. */
export type Transition = PlainTransition | AbsoluteDateTransition | RecurringDayTransition | RecurringDateTransition;

/** A list of transitions with an optional id (types.xsd `ArrayOfTransitionsType`). */
export interface TransitionList {
  /** The group id (`Id` attribute), referenced by `TransitionTarget` of kind `Group`. */
  id?: string;
  /** The transitions, in document order. */
  transitions: Transition[];
}

/**
 * A full time zone definition (types.xsd `TimeZoneDefinitionType`), as Exchange 2010+ sends in
 * `StartTimeZone`/`EndTimeZone`. A definition with only an `id` names a Windows zone and is
 * enough in requests.
 */
export interface TimeZoneDefinition {
  /** Windows time zone id, e.g. `W. Europe Standard Time` (`Id` attribute). */
  id?: string;
  /** Display name (`Name` attribute). */
  name?: string;
  /** The periods (`t:Periods/t:Period`). */
  periods?: TimeZonePeriod[];
  /** Groups of yearly transitions (`t:TransitionsGroups/t:TransitionsGroup`). */
  transitionsGroups?: TransitionList[];
  /** The top-level transitions between groups (`t:Transitions`). */
  transitions?: TransitionList;
}

/**
 * A daylight or standard change of an Exchange 2007 time zone (types.xsd `TimeChangeType`):
 * either a yearly rule or a fixed date, and the local time of the change.
 */
export interface TimeChange {
  /** Name of the zone during this part of the year (`TimeZoneName` attribute). */
  timeZoneName?: string;
  /** Offset added to `BaseOffset` during this part, `xs:duration` (`t:Offset`). */
  offset: string;
  /** The yearly rule (`t:RelativeYearlyRecurrence`), when the change recurs. */
  relativeYearlyRecurrence?: RelativeYearlyRecurrencePattern;
  /** A one-off date (`t:AbsoluteDate`, `xs:date`), when it does not. */
  absoluteDate?: string;
  /** Local time of the change, `xs:time` (`t:Time`). */
  time: string;
}

/**
 * An Exchange 2007 SP1 time zone (types.xsd `TimeZoneType`), used in `MeetingTimeZone`
 * when talking to servers older than Exchange 2010.
 */
export interface LegacyTimeZone {
  /** Name of the zone (`TimeZoneName` attribute). */
  timeZoneName?: string;
  /** Offset from UTC to subtract, `xs:duration` (`t:BaseOffset`). */
  baseOffset?: string;
  /** The change to standard time (`t:Standard`). */
  standard?: TimeChange;
  /** The change to daylight time (`t:Daylight`). */
  daylight?: TimeChange;
}
