/**
 * Time zones to and from XML: `TimeZoneDefinitionType` (Exchange 2010+) and `TimeZoneType`
 * (Exchange 2007 `MeetingTimeZone`), in schema order.
 * @module
 */
import type { DayOfWeek, DayOfWeekIndex, MonthName, RelativeYearlyRecurrencePattern } from "../model/recurrence.js";
import type {
  LegacyTimeZone,
  TimeChange,
  TimeZoneDefinition,
  TimeZonePeriod,
  Transition,
  TransitionList,
  TransitionTarget,
} from "../model/time-zone.js";
import { child, childText, children, type XmlElement } from "../xml/parse.js";
import { xmlElement, xmlText } from "../xml/writer.js";

function transitionXml(t: Transition): string {
  const to = xmlText("t:To", t.to.value, { Kind: t.to.kind });
  switch (t.kind) {
    case "Transition":
      return xmlElement("t:Transition", undefined, to);
    case "AbsoluteDateTransition":
      return xmlElement("t:AbsoluteDateTransition", undefined, to, xmlText("t:DateTime", t.dateTime));
    case "RecurringDayTransition":
      return xmlElement(
        "t:RecurringDayTransition",
        undefined,
        to,
        xmlText("t:TimeOffset", t.timeOffset),
        xmlText("t:Month", t.month),
        xmlText("t:DayOfWeek", t.dayOfWeek),
        xmlText("t:Occurrence", t.occurrence),
      );
    case "RecurringDateTransition":
      return xmlElement(
        "t:RecurringDateTransition",
        undefined,
        to,
        xmlText("t:TimeOffset", t.timeOffset),
        xmlText("t:Month", t.month),
        xmlText("t:Day", t.day),
      );
  }
}

function transitionListXml(name: string, list: TransitionList): string {
  return xmlElement(name, { Id: list.id }, ...list.transitions.map(transitionXml));
}

/** Serialises a time zone definition as the element `name` (e.g. `t:StartTimeZone`). */
export function timeZoneDefinitionXml(name: string, tz: TimeZoneDefinition): string {
  const periods = tz.periods && tz.periods.length > 0 ? tz.periods : undefined;
  return xmlElement(
    name,
    { Id: tz.id, Name: tz.name },
    periods &&
      xmlElement("t:Periods", undefined, ...periods.map((p) => xmlElement("t:Period", { Bias: p.bias, Name: p.name, Id: p.id }))),
    periods &&
      tz.transitionsGroups &&
      xmlElement("t:TransitionsGroups", undefined, ...tz.transitionsGroups.map((g) => transitionListXml("t:TransitionsGroup", g))),
    periods && tz.transitions && transitionListXml("t:Transitions", tz.transitions),
  );
}

/** Serialises a RelativeYearlyRecurrence pattern (shared with recurrence serialisation). */
export function relativeYearlyXml(p: RelativeYearlyRecurrencePattern): string {
  return xmlElement(
    "t:RelativeYearlyRecurrence",
    undefined,
    xmlText("t:DaysOfWeek", p.daysOfWeek),
    xmlText("t:DayOfWeekIndex", p.dayOfWeekIndex),
    xmlText("t:Month", p.month),
  );
}

function timeChangeXml(name: string, c: TimeChange): string {
  return xmlElement(
    name,
    { TimeZoneName: c.timeZoneName },
    xmlText("t:Offset", c.offset),
    c.relativeYearlyRecurrence ? relativeYearlyXml(c.relativeYearlyRecurrence) : xmlText("t:AbsoluteDate", c.absoluteDate),
    xmlText("t:Time", c.time),
  );
}

/** Serialises an Exchange 2007 `MeetingTimeZone`. */
export function legacyTimeZoneXml(name: string, tz: LegacyTimeZone): string {
  const both = tz.standard && tz.daylight;
  return xmlElement(
    name,
    { TimeZoneName: tz.timeZoneName },
    tz.baseOffset !== undefined && xmlText("t:BaseOffset", tz.baseOffset),
    tz.baseOffset !== undefined && both && timeChangeXml("t:Standard", tz.standard!),
    tz.baseOffset !== undefined && both && timeChangeXml("t:Daylight", tz.daylight!),
  );
}

function parseTarget(e: XmlElement | undefined): TransitionTarget {
  return { kind: e?.attributes.Kind === "Group" ? "Group" : "Period", value: e?.text ?? "" };
}

function parseTransition(e: XmlElement): Transition | undefined {
  const to = parseTarget(child(e, "To"));
  switch (e.name) {
    case "Transition":
      return { kind: "Transition", to };
    case "AbsoluteDateTransition":
      return { kind: "AbsoluteDateTransition", to, dateTime: childText(e, "DateTime") ?? "" };
    case "RecurringDayTransition":
      return {
        kind: "RecurringDayTransition",
        to,
        timeOffset: childText(e, "TimeOffset") ?? "",
        month: Number(childText(e, "Month")),
        dayOfWeek: (childText(e, "DayOfWeek") ?? "Sunday") as DayOfWeek,
        occurrence: Number(childText(e, "Occurrence")),
      };
    case "RecurringDateTransition":
      return {
        kind: "RecurringDateTransition",
        to,
        timeOffset: childText(e, "TimeOffset") ?? "",
        month: Number(childText(e, "Month")),
        day: Number(childText(e, "Day")),
      };
    default:
      return undefined;
  }
}

function parseTransitionList(e: XmlElement): TransitionList {
  const list: TransitionList = { transitions: [] };
  if (e.attributes.Id !== undefined) list.id = e.attributes.Id;
  for (const c of e.children) {
    const t = parseTransition(c);
    if (t) list.transitions.push(t);
  }
  return list;
}

/** Parses a `TimeZoneDefinitionType` element. */
export function parseTimeZoneDefinition(e: XmlElement): TimeZoneDefinition {
  const tz: TimeZoneDefinition = {};
  if (e.attributes.Id !== undefined) tz.id = e.attributes.Id;
  if (e.attributes.Name !== undefined) tz.name = e.attributes.Name;
  const periods = child(e, "Periods");
  if (periods) {
    tz.periods = children(periods, "Period").map((p) => {
      const period: TimeZonePeriod = {};
      if (p.attributes.Bias !== undefined) period.bias = p.attributes.Bias;
      if (p.attributes.Name !== undefined) period.name = p.attributes.Name;
      if (p.attributes.Id !== undefined) period.id = p.attributes.Id;
      return period;
    });
  }
  const groups = child(e, "TransitionsGroups");
  if (groups) tz.transitionsGroups = children(groups, "TransitionsGroup").map(parseTransitionList);
  const transitions = child(e, "Transitions");
  if (transitions) tz.transitions = parseTransitionList(transitions);
  return tz;
}

/** Parses a RelativeYearlyRecurrence pattern element. */
export function parseRelativeYearly(e: XmlElement): RelativeYearlyRecurrencePattern {
  return {
    kind: "RelativeYearlyRecurrence",
    daysOfWeek: (childText(e, "DaysOfWeek") ?? "Sunday") as DayOfWeek,
    dayOfWeekIndex: (childText(e, "DayOfWeekIndex") ?? "First") as DayOfWeekIndex,
    month: (childText(e, "Month") ?? "January") as MonthName,
  };
}

function parseTimeChange(e: XmlElement): TimeChange {
  const c: TimeChange = { offset: childText(e, "Offset") ?? "PT0M", time: childText(e, "Time") ?? "00:00:00" };
  if (e.attributes.TimeZoneName !== undefined) c.timeZoneName = e.attributes.TimeZoneName;
  const rel = child(e, "RelativeYearlyRecurrence");
  if (rel) c.relativeYearlyRecurrence = parseRelativeYearly(rel);
  const abs = childText(e, "AbsoluteDate");
  if (abs !== undefined) c.absoluteDate = abs;
  return c;
}

/** Parses an Exchange 2007 `TimeZoneType` element (`MeetingTimeZone`). */
export function parseLegacyTimeZone(e: XmlElement): LegacyTimeZone {
  const tz: LegacyTimeZone = {};
  if (e.attributes.TimeZoneName !== undefined) tz.timeZoneName = e.attributes.TimeZoneName;
  const base = childText(e, "BaseOffset");
  if (base !== undefined) tz.baseOffset = base;
  const std = child(e, "Standard");
  if (std) tz.standard = parseTimeChange(std);
  const dst = child(e, "Daylight");
  if (dst) tz.daylight = parseTimeChange(dst);
  return tz;
}
