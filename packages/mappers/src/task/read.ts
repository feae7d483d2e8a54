/**
 * VTODO → EWS task: reads the first VTODO of a parsed calendar into a {@link Task}, recording
 * which properties each EWS field came from, so the other direction can merge onto the same VTODO.
 */
import ICAL from "ical.js";
import { rethrowLimit } from "../limits.js";
import type { Importance, Sensitivity, Task, TaskStatus } from "@ewsdav/ews-client";
import { withEwsdavUid } from "../identity.js";
import { MapperError, type DroppedProperty } from "../result.js";
import type { JComponent, JProperty } from "../vobject/codec.js";
import { filesFromAttach, isBinaryAttach } from "../vobject/attach.js";
import { textOf } from "../vobject/properties.js";
import { isRegeneration, REGENERATION_PROPERTY, regenerationFromText, taskRecurrenceFromRRule, type RecurValue } from "./recurrence.js";
import { ewsValueOf, readTaskTime, seriesAnchor, timeFormsProperty, ZoneBook, type TaskTime, type TaskTimeForms } from "./times.js";

/** X- property keeping the EWS status where STATUS cannot say it (WaitingOnOthers, Deferred). */
export const STATUS_PROPERTY = "x-ews-status";
/** X- parameter of CLASS keeping the EWS sensitivity where CLASS cannot say it (Personal), as the event mapper does. */
export const SENSITIVITY_PARAMETER = "x-ews-sensitivity";

/** The STATUS each EWS status is written as. */
export const STATUS_TO_ICAL: Record<TaskStatus, string> = {
  NotStarted: "NEEDS-ACTION",
  InProgress: "IN-PROCESS",
  Completed: "COMPLETED",
  WaitingOnOthers: "IN-PROCESS",
  Deferred: "NEEDS-ACTION",
};
/** The CLASS each EWS sensitivity is written as (Normal writes none). */
export const SENSITIVITY_TO_ICAL: Record<Sensitivity, string> = { Normal: "PUBLIC", Personal: "PRIVATE", Private: "PRIVATE", Confidential: "CONFIDENTIAL" };

/** The EWS importance of a PRIORITY: 1–4 High, 5 (and 0 / none) Normal, 6–9 Low. */
export function importanceOf(priority: number): Importance {
  if (priority >= 1 && priority <= 4) return "High";
  if (priority >= 6 && priority <= 9) return "Low";
  return "Normal";
}

/** What a VTODO's first reminder says. */
export interface TaskReminder {
  /** When it fires. */
  utcMs: number;
  /** Set for a relative trigger: the offset and what it is relative to. */
  relative?: { seconds: number; related: "start" | "end" };
}

/** The task read from a VTODO, what was lost, and where each field came from. */
export interface TaskReading {
  /** The EWS task. */
  item: Task;
  /** What the VTODO says that the task cannot hold. */
  dropped: DroppedProperty[];
  /** Field key → property indexes in the VTODO. */
  bindings: Map<string, number[]>;
  /** The VTODO's UID, or null. */
  uid: string | null;
  /** DTSTART, DUE (or DTSTART + DURATION) and COMPLETED as read. */
  times: { start: TaskTime | null; due: TaskTime | null; completed: TaskTime | null };
  /** The first alarm carried as the reminder, or null. */
  reminder: TaskReminder | null;
  /** Index of the VALARM carried as the reminder, or -1. */
  alarmIndex: number;
}

const META = new Set(["dtstamp", "created", "last-modified", "sequence"]);

/** The VTIMEZONEs of a calendar by TZID. */
export function vtimezonesOf(calendar: JComponent | null): Map<string, JComponent> {
  const zones = new Map<string, JComponent>();
  for (const child of calendar?.[2] ?? []) {
    if (child[0] !== "vtimezone") continue;
    const tzid = child[1].find((property) => property[0] === "tzid");
    if (tzid) zones.set(String(tzid[3]), child);
  }
  return zones;
}

/** Reads a VTODO (with the calendar around it, for VTIMEZONEs). Never throws: problems go to `dropped`. */
export function readTodo(todo: JComponent, calendar: JComponent | null, zones: ZoneBook = new ZoneBook(vtimezonesOf(calendar))): TaskReading {
  const props = todo[1];
  const item: Task = {};
  const dropped: DroppedProperty[] = [];
  const bindings = new Map<string, number[]>();
  const explained = new Set<number>();
  const bind = (key: string, index: number) => {
    const list = bindings.get(key);
    if (list) list.push(index);
    else bindings.set(key, [index]);
    explained.add(index);
  };
  const drop = (index: number, reason: string, error?: MapperError) => {
    explained.add(index);
    const property = props[index]!;
    const entry: DroppedProperty = { property: property[0].toUpperCase(), reason };
    const value = textOf(property);
    if (value !== "" && value.length <= 200 && typeof property[3] !== "object") entry.value = value;
    if (error) entry.error = error;
    dropped.push(entry);
  };
  const invalid = (index: number, error: unknown) => {
    const mapperError = error instanceof MapperError ? error : new MapperError("INVALID_VALUE", props[index]![0].toUpperCase(), error instanceof Error ? error.message : String(error));
    drop(index, `invalid value: ${mapperError.reason}`, mapperError);
  };
  const first = (name: string): number | null => {
    let found: number | null = null;
    props.forEach((property, index) => {
      if (property[0] !== name) return;
      if (found === null) found = index;
      else drop(index, `a VTODO has one ${name.toUpperCase()}`);
    });
    return found;
  };

  let uid: string | null = null;
  const uidIndex = first("uid");
  if (uidIndex !== null) {
    uid = textOf(props[uidIndex]!).trim() || null;
    bind("uid", uidIndex);
  }
  const summary = first("summary");
  if (summary !== null) {
    const text = textOf(props[summary]!);
    if (text !== "") item.subject = text;
    bind("subject", summary);
  }
  const description = first("description");
  if (description !== null) {
    const text = textOf(props[description]!);
    if (text !== "") item.body = { bodyType: "Text", value: text };
    bind("body", description);
  }

  const times: TaskReading["times"] = { start: null, due: null, completed: null };
  const forms: TaskTimeForms = {};
  const readTime = (name: string, key: "start" | "due" | "completed") => {
    const index = first(name);
    if (index === null) return;
    try {
      const time = readTaskTime(props[index]!, zones);
      times[key] = time;
      bind(key, index);
    } catch (error) {
      rethrowLimit(error);
      invalid(index, error);
    }
  };
  readTime("dtstart", "start");
  readTime("due", "due");
  readTime("completed", "completed");
  const duration = first("duration");
  if (duration !== null) {
    if (times.due) drop(duration, "DUE and DURATION together; DUE wins");
    else if (!times.start) drop(duration, "DURATION without DTSTART has no Exchange equivalent");
    else {
      try {
        const seconds = ICAL.Duration.fromString(String(props[duration]![3])).toSeconds();
        times.due = { utcMs: times.start.utcMs + seconds * 1000, form: times.start.form };
        bind("due", duration);
      } catch (error) {
        invalid(duration, new MapperError("INVALID_VALUE", "DURATION", `not a duration: ${error instanceof Error ? error.message : String(error)}`));
      }
    }
  }
  if (times.start) {
    item.startDate = ewsValueOf(times.start);
    forms.start = times.start.form;
  }
  if (times.due) {
    item.dueDate = ewsValueOf(times.due);
    forms.due = times.due.form;
  }
  if (times.completed) item.completeDate = ewsValueOf(times.completed);

  const percent = first("percent-complete");
  if (percent !== null) {
    const value = Number(props[percent]![3]);
    if (Number.isInteger(value) && value >= 0 && value <= 100) {
      item.percentComplete = value;
      bind("percent", percent);
    } else invalid(percent, new MapperError("INVALID_VALUE", "PERCENT-COMPLETE", `${String(props[percent]![3]).slice(0, 20)} is not 0–100`));
  }

  // STATUS, with the EWS status kept in X-EWS-STATUS when it is consistent with STATUS.
  const status = first("status");
  const statusX = first(STATUS_PROPERTY);
  const statusText = status === null ? null : textOf(props[status]!).trim().toUpperCase();
  const kept = statusX === null ? null : (textOf(props[statusX]!).trim() as TaskStatus);
  if (kept !== null && kept in STATUS_TO_ICAL && STATUS_TO_ICAL[kept] === (statusText ?? "NEEDS-ACTION")) {
    item.status = kept;
    bind("status", statusX!);
    if (status !== null) bind("status", status);
  } else {
    if (statusX !== null) bind("status", statusX);
    if (status !== null) bind("status", status);
    switch (statusText) {
      case "IN-PROCESS":
        item.status = "InProgress";
        break;
      case "COMPLETED":
        item.status = "Completed";
        break;
      case "CANCELLED":
        item.status = "Deferred";
        dropped.push({ property: "STATUS", reason: "Exchange has no cancelled status; the task is Deferred there", value: "CANCELLED" });
        break;
      case "NEEDS-ACTION":
        item.status = "NotStarted";
        break;
      case null:
        item.status = times.completed ? "Completed" : "NotStarted";
        break;
      default:
        invalid(status!, new MapperError("INVALID_VALUE", "STATUS", `${JSON.stringify(statusText.slice(0, 20))} is not a VTODO status`));
        item.status = "NotStarted";
    }
  }

  const priority = first("priority");
  item.importance = "Normal";
  if (priority !== null) {
    const value = Number(props[priority]![3]);
    if (Number.isInteger(value) && value >= 0 && value <= 9) {
      item.importance = importanceOf(value);
      bind("importance", priority);
    } else invalid(priority, new MapperError("INVALID_VALUE", "PRIORITY", `${String(props[priority]![3]).slice(0, 20)} is not 0–9`));
  }

  const klass = first("class");
  const classText = klass === null ? null : textOf(props[klass]!).trim().toUpperCase();
  const keptParam = klass === null ? undefined : props[klass]![1][SENSITIVITY_PARAMETER];
  const keptSensitivity = keptParam === undefined ? null : ((Array.isArray(keptParam) ? keptParam[0] : keptParam)?.trim() as Sensitivity);
  item.sensitivity = "Normal";
  if (keptSensitivity !== null && keptSensitivity in SENSITIVITY_TO_ICAL && SENSITIVITY_TO_ICAL[keptSensitivity] === (classText ?? "PUBLIC")) {
    item.sensitivity = keptSensitivity;
  } else if (classText === "PRIVATE") item.sensitivity = "Private";
  else if (classText === "CONFIDENTIAL") item.sensitivity = "Confidential";
  else if (classText !== null && classText !== "PUBLIC") dropped.push({ property: "CLASS", reason: "an unknown class; read as Private would hide it, so it is Normal in Exchange", value: classText });
  if (klass !== null) bind("sensitivity", klass);

  const categories: string[] = [];
  const seen = new Set<string>();
  props.forEach((property, index) => {
    if (property[0] !== "categories") return;
    for (const value of property.slice(3)) {
      const text = String(value).trim();
      if (text !== "" && !seen.has(text)) {
        seen.add(text);
        categories.push(text);
      }
    }
    bind("categories", index);
  });
  if (categories.length > 0) item.categories = categories;

  // Recurrence: RRULE, or a regeneration pattern in X-EWS-REGENERATION.
  const anchor = times.start ?? times.due;
  const anchorDate = anchor ? ewsValueOf({ ...anchor, utcMs: anchor.form.startsWith("tz:") ? anchorLocal(anchor, zones) : anchor.utcMs }).slice(0, 10) : null;
  const regeneration = first(REGENERATION_PROPERTY);
  const rrules = props.map((property, index) => ({ property, index })).filter(({ property }) => property[0] === "rrule");
  if (regeneration !== null) {
    if (!anchorDate) drop(regeneration, "a regenerating task needs DTSTART or DUE");
    else {
      const read = regenerationFromText(textOf(props[regeneration]!), anchorDate);
      if (typeof read === "string") invalid(regeneration, new MapperError("INVALID_VALUE", "X-EWS-REGENERATION", read));
      else {
        item.recurrence = read;
        bind("recurrence", regeneration);
      }
    }
    for (const { index } of rrules) if (!explained.has(index)) drop(index, "the task regenerates (X-EWS-REGENERATION); Exchange holds one recurrence");
  } else if (rrules.length > 0) {
    const [firstRule, ...rest] = rrules;
    if (!anchorDate) drop(firstRule!.index, "RRULE without DTSTART or DUE");
    else {
      const read = taskRecurrenceFromRRule(firstRule!.property[3] as RecurValue, anchorDate, seriesAnchor(anchor!.utcMs, anchor!.form, zones));
      if (typeof read === "string") drop(firstRule!.index, `RRULE not expressible in Exchange: ${read}`);
      else {
        item.recurrence = read;
        bind("recurrence", firstRule!.index);
      }
    }
    for (const { index } of rest) drop(index, "Exchange holds one recurrence rule");
  }
  if (item.recurrence && isRegeneration(item.recurrence.pattern) && regeneration === null) delete item.recurrence;

  // The first display or audio VALARM is the reminder.
  let reminder: TaskReminder | null = null;
  let alarmIndex = -1;
  todo[2].forEach((child, index) => {
    if (child[0] !== "valarm") {
      dropped.push({ property: child[0].toUpperCase(), reason: "a subcomponent with no Exchange equivalent (kept on the DAV side)" });
      return;
    }
    if (reminder !== null) {
      dropped.push({ property: "VALARM", reason: "Exchange holds one reminder (kept on the DAV side)" });
      return;
    }
    const read = readAlarm(child, times, zones);
    if (read instanceof MapperError) dropped.push({ property: "VALARM", reason: `invalid value: ${read.reason}`, error: read });
    else {
      reminder = read;
      alarmIndex = index;
    }
  });
  if (reminder !== null) {
    item.reminderIsSet = true;
    item.reminderDueBy = ewsValueOf({ utcMs: (reminder as TaskReminder).utcMs, form: "utc" });
  } else item.reminderIsSet = false;

  // ATTACH: binary ones are file attachments (the EWS side writes them with CreateAttachment);
  // URI ones are reported and stay on the DAV side.
  const attach = props.map((property, index) => ({ property, index })).filter(({ property }) => property[0] === "attach");
  if (attach.length > 0) {
    const files = filesFromAttach(attach.map(({ property }) => property), dropped);
    for (const { property, index } of attach) {
      if (isBinaryAttach(property)) bind("attachments", index);
      else explained.add(index);
    }
    if (files.length > 0) item.attachments = files;
  }

  props.forEach((property, index) => {
    if (explained.has(index) || META.has(property[0])) return;
    drop(index, property[0].startsWith("x-") ? "an extension property with no Exchange field (kept on the DAV side)" : "no Exchange field (kept on the DAV side)");
  });

  const extended = uid ? withEwsdavUid(undefined, uid) : [];
  const formsProperty = timeFormsProperty(forms);
  if (formsProperty) extended.push(formsProperty);
  if (extended.length > 0) item.extendedProperties = extended;
  return { item, dropped, bindings, uid, times, reminder, alarmIndex };
}

function anchorLocal(time: TaskTime, zones: ZoneBook): number {
  const zone = zones.zone(time.form.slice(3));
  return zone ? zone.toLocal(time.utcMs) : time.utcMs;
}

function readAlarm(alarm: JComponent, times: TaskReading["times"], zones: ZoneBook): TaskReminder | MapperError {
  const trigger = alarm[1].find((property) => property[0] === "trigger");
  if (!trigger) return new MapperError("INVALID_VALUE", "TRIGGER", "VALARM without TRIGGER");
  const value = String(trigger[3] ?? "");
  if (trigger[2] === "date-time") {
    try {
      const time = readTaskTime(["trigger", trigger[1], "date-time", value], zones);
      return { utcMs: time.utcMs };
    } catch (error) {
      rethrowLimit(error);
      return error instanceof MapperError ? error : new MapperError("INVALID_VALUE", "TRIGGER", String(error));
    }
  }
  let seconds: number;
  try {
    if (!/^[+-]?P/i.test(value)) throw new Error("not a duration");
    seconds = ICAL.Duration.fromString(value).toSeconds();
  } catch {
    return new MapperError("INVALID_VALUE", "TRIGGER", `not a duration: ${JSON.stringify(value.slice(0, 30))}`);
  }
  const relatedParam = trigger[1].related;
  const related = String(Array.isArray(relatedParam) ? relatedParam[0] : (relatedParam ?? "START")).toUpperCase() === "END" ? "end" : "start";
  const anchor = related === "end" ? times.due : times.start;
  if (!anchor) return new MapperError("INVALID_VALUE", "TRIGGER", `a trigger relative to ${related === "end" ? "DUE" : "DTSTART"}, which the VTODO does not have`);
  return { utcMs: anchor.utcMs + seconds * 1000, relative: { seconds, related } };
}
