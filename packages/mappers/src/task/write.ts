/**
 * EWS task → VTODO, merging onto an existing calendar object (`base`) field by field: a field
 * whose EWS value equals what the base VTODO already says keeps the base's property untouched
 * (TZID, relative triggers, parameters, spelling); properties and components EWS cannot hold
 * (ATTENDEE, URL, a second VALARM, X- properties …) are never touched.
 */
import ICAL from "ical.js";
import type { FileAttachment, Task } from "@ewsdav/ews-client";
import { readEwsdavUid } from "../identity.js";
import type { DroppedProperty } from "../result.js";
import { reconcileAttach, sameFiles } from "../vobject/attach.js";
import { readVObjects, type JComponent, type JProperty } from "../vobject/codec.js";
import { bodyText } from "../body.js";
import { isRegeneration, REGENERATION_PROPERTY, regenerationText, rruleFromRecurrence } from "./recurrence.js";
import { readTodo, SENSITIVITY_PARAMETER, SENSITIVITY_TO_ICAL, STATUS_PROPERTY, STATUS_TO_ICAL, vtimezonesOf, type TaskReading } from "./read.js";
import { ewsDateTime, parseEwsDateTime, readTimeForms, seriesAnchor, writeTaskTime, ZoneBook, type TimeForm } from "./times.js";

/** The PRODID of calendars ewsdav creates. */
export const EWSDAV_PRODID = "-//ewsdav//mappers//EN";

/** Options of {@link writeTodoCalendar}. */
export interface WriteTodoOptions {
  /** UID to write when the item carries none. */
  uid?: string;
  /** DTSTAMP of a new VTODO (default: the item's last modification time, else now). */
  now?: Date;
}

/** The EWS-side task fields that no VTODO property carries. */
const EWS_ONLY_FIELDS: Array<keyof Task> = ["actualWork", "totalWork", "billingInformation", "companies", "contacts", "mileage"];

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const left = a ?? [];
  const right = b ?? [];
  return left.length === right.length && left.every((value, index) => value === right[index]);
}

const instant = (value: string | undefined): number | null => (value === undefined ? null : parseEwsDateTime(value));

/**
 * Writes an EWS task into a VCALENDAR with one VTODO, merging onto `base` (a parsed VCALENDAR) when
 * given. The base is taken over, not copied: the calendar returned is `base.calendar` changed in
 * place (the caller parsed it for this call alone).
 */
export function writeTodoCalendar(item: Task, base: { calendar: JComponent; todoIndex: number } | null, options: WriteTodoOptions = {}): { calendar: JComponent; dropped: DroppedProperty[] } {
  const calendar: JComponent = base
    ? base.calendar
    : ["vcalendar", [["version", {}, "text", "2.0"], ["prodid", {}, "text", EWSDAV_PRODID]], [["vtodo", [], []]]];
  const todoIndex = base ? base.todoIndex : 0;
  const todo = calendar[2][todoIndex]!;
  const zones = new ZoneBook(vtimezonesOf(calendar));
  const was: TaskReading = readTodo(todo, calendar, zones);
  const props = todo[1];
  const removed = new Set<number>();
  const appended: JProperty[] = [];
  const dropped: DroppedProperty[] = [];
  const neededZones = new Set<string>();
  const bound = (key: string) => was.bindings.get(key) ?? [];
  const removeAll = (key: string) => bound(key).forEach((index) => removed.add(index));
  const replace = (key: string, property: JProperty | null) => {
    const indexes = bound(key);
    if (property === null) return removeAll(key);
    if (indexes[0] !== undefined) {
      const old = props[indexes[0]]!;
      // Keep the base property's own parameters (e.g. LANGUAGE) unless the new one sets its own.
      const params = { ...old[1], ...property[1] };
      if (!("tzid" in property[1])) delete params.tzid;
      props[indexes[0]] = [property[0], params, property[2], ...property.slice(3)] as JProperty;
      indexes.slice(1).forEach((index) => removed.add(index));
    } else appended.push(property);
  };

  if (!base) {
    const stamp = options.now ?? (item.lastModifiedTime ? new Date(instant(item.lastModifiedTime) ?? Date.now()) : new Date());
    appended.push(["dtstamp", {}, "date-time", ewsDateTime(stamp.getTime())]);
  }
  const uid = readEwsdavUid(item) ?? options.uid ?? null;
  if (uid !== null && uid !== was.uid) {
    if (bound("uid").length > 0) replace("uid", ["uid", {}, "text", uid]);
    else appended.unshift(["uid", {}, "text", uid]);
  }

  if ((item.subject ?? "") !== (was.item.subject ?? "")) replace("subject", item.subject ? ["summary", {}, "text", item.subject] : null);
  const description = bodyText(item, dropped, "DESCRIPTION");
  if ((description ?? "") !== (was.item.body?.value ?? "")) replace("body", description ? ["description", {}, "text", description] : null);

  // DTSTART / DUE in their remembered form (the base's, else the item's memory, else a date).
  const forms = readTimeForms(item);
  const writeTime = (key: "start" | "due", name: string, value: string | undefined) => {
    const ms = instant(value);
    if (value !== undefined && ms === null) dropped.push({ property: key === "start" ? "StartDate" : "DueDate", reason: "not an xs:dateTime", value });
    const before = was.times[key];
    if (ms === (before?.utcMs ?? null)) return;
    if (ms === null) return removeAll(key);
    const form: TimeForm = before?.form ?? forms[key] ?? "date";
    const written = writeTaskTime(name, ms, form, zones);
    if (written.tzid && !zones.has(written.tzid)) neededZones.add(written.tzid);
    const index = bound(key)[0];
    if (index !== undefined && props[index]![0] === "duration") {
      removed.add(index);
      appended.push(written.property);
    } else replace(key, written.property);
  };
  writeTime("start", "dtstart", item.startDate);
  writeTime("due", "due", item.dueDate);
  const completed = instant(item.completeDate);
  if (completed !== (was.times.completed?.utcMs ?? null)) replace("completed", completed === null ? null : ["completed", {}, "date-time", ewsDateTime(completed)]);

  const fresh = base === null;
  const percent = (task: Task) => task.percentComplete ?? (task.status === "Completed" ? 100 : 0);
  // Exchange always has a percentage; the one a VTODO without PERCENT-COMPLETE implies (0, or 100
  // when completed) is not written into a base that has none.
  const samePercent =
    item.percentComplete === undefined ||
    item.percentComplete === was.item.percentComplete ||
    (was.item.percentComplete === undefined && item.percentComplete === (item.status === "Completed" ? 100 : 0));
  if (fresh ? item.percentComplete !== undefined : !samePercent) replace("percent", percent(item) === 0 && item.percentComplete === undefined ? null : ["percent-complete", {}, "integer", percent(item)]);

  const status = item.status ?? "NotStarted";
  if (status !== (was.item.status ?? "NotStarted") || fresh) {
    const statusIndexes = bound("status").filter((index) => props[index]![0] === "status");
    const xIndexes = bound("status").filter((index) => props[index]![0] === STATUS_PROPERTY);
    const statusProperty: JProperty = ["status", {}, "text", STATUS_TO_ICAL[status]];
    if (statusIndexes[0] !== undefined) props[statusIndexes[0]] = [...statusProperty] as JProperty;
    else appended.push(statusProperty);
    xIndexes.forEach((index) => removed.add(index));
    if (status === "WaitingOnOthers" || status === "Deferred") appended.push([STATUS_PROPERTY, {}, "unknown", status]);
  }

  const importance = item.importance ?? "Normal";
  if (importance !== (was.item.importance ?? "Normal")) {
    replace("importance", importance === "Normal" ? (bound("importance").length > 0 ? ["priority", {}, "integer", 5] : null) : ["priority", {}, "integer", importance === "High" ? 1 : 9]);
  }

  const sensitivity = item.sensitivity ?? "Normal";
  if (sensitivity !== (was.item.sensitivity ?? "Normal")) {
    removeAll("sensitivity");
    if (sensitivity !== "Normal") appended.push(["class", sensitivity === "Personal" ? { [SENSITIVITY_PARAMETER]: "Personal" } : {}, "text", SENSITIVITY_TO_ICAL[sensitivity]]);
  }

  const categories = (item.categories ?? []).filter((category) => category !== "");
  if (!sameList(categories, was.item.categories)) {
    const indexes = bound("categories");
    indexes.slice(1).forEach((index) => removed.add(index));
    if (categories.length === 0) indexes.forEach((index) => removed.add(index));
    else if (indexes[0] !== undefined) props[indexes[0]] = ["categories", props[indexes[0]]![1], "text", ...categories];
    else appended.push(["categories", {}, "text", ...categories]);
  }

  // Recurrence
  if (JSON.stringify(item.recurrence ?? null) !== JSON.stringify(was.item.recurrence ?? null)) {
    removeAll("recurrence");
    const recurrence = item.recurrence;
    if (recurrence) {
      if (isRegeneration(recurrence.pattern)) appended.push([REGENERATION_PROPERTY, {}, "unknown", regenerationText(recurrence.pattern, recurrence.range)]);
      else {
        const startForm = was.times.start?.form ?? forms.start ?? "date";
        // UNTIL is the start of the last occurrence in the series' zone: DTSTART, else DUE, anchors it.
        const anchorValue = instant(item.startDate) ?? instant(item.dueDate);
        const anchorForm = item.startDate !== undefined ? startForm : (was.times.due?.form ?? forms.due ?? "date");
        const anchor = anchorValue === null ? null : seriesAnchor(anchorValue, anchorForm, zones);
        appended.push(["rrule", {}, "recur", rruleFromRecurrence(recurrence.pattern, recurrence.range, startForm === "date", anchor)]);
      }
      if (!item.startDate && !was.times.start && !item.dueDate) {
        appended.push(["dtstart", {}, "date", recurrence.range.startDate.slice(0, 10)]);
      }
    }
  }

  // Reminder ⇄ the first VALARM.
  const reminderMs = item.reminderIsSet ? instant(item.reminderDueBy) : null;
  const reminderBefore = was.reminder?.utcMs ?? null;
  const alarms = todo[2];
  let newAlarm: JComponent | null = null;
  if (reminderMs !== reminderBefore) {
    if (reminderMs === null) {
      if (was.alarmIndex >= 0) alarms.splice(was.alarmIndex, 1);
    } else {
      let trigger: JProperty = ["trigger", { value: "DATE-TIME" }, "date-time", ewsDateTime(reminderMs)];
      const relative = was.reminder?.relative;
      if (relative) {
        const anchorValue = relative.related === "end" ? item.dueDate : item.startDate;
        const anchor = instant(anchorValue);
        if (anchor !== null) {
          const duration = ICAL.Duration.fromSeconds(Math.round((reminderMs - anchor) / 1000)).toString();
          trigger = ["trigger", relative.related === "end" ? { related: "END" } : {}, "duration", duration];
        }
      }
      if (trigger[2] === "date-time") trigger = ["trigger", {}, "date-time", ewsDateTime(reminderMs)];
      if (was.alarmIndex >= 0) {
        const alarm = alarms[was.alarmIndex]!;
        alarm[1] = alarm[1].map((property) => (property[0] === "trigger" ? trigger : property));
      } else {
        newAlarm = ["valarm", [["action", {}, "text", "DISPLAY"], ["description", {}, "text", item.subject || "Reminder"], trigger], []];
      }
    }
  }
  if (newAlarm) alarms.push(newAlarm);

  for (const field of EWS_ONLY_FIELDS) {
    const value = item[field];
    if (value === undefined || value === "" || value === 0 || (Array.isArray(value) && value.length === 0)) continue;
    dropped.push({ property: field.charAt(0).toUpperCase() + field.slice(1), reason: "no VTODO property", value: Array.isArray(value) ? value.join(",") : String(value) });
  }
  // ATTACH ⇄ file attachments with content; files whose content was not fetched leave the base's ATTACH alone.
  const files = (item.attachments ?? []).filter((attachment): attachment is FileAttachment => attachment.kind === "file");
  for (const attachment of item.attachments ?? []) {
    if (attachment.kind !== "file") dropped.push({ property: `Attachments[${attachment.name}]`, reason: "an attached item has no iCalendar form" });
  }
  if (files.every((file) => file.content !== undefined)) {
    if (!sameFiles(files, was.item.attachments?.filter((attachment): attachment is FileAttachment => attachment.kind === "file"))) {
      const attach = props.map((property, index) => ({ property, index })).filter(({ property }) => property[0] === "attach");
      const { kept, appended: added } = reconcileAttach(attach.map(({ property }) => property), files);
      for (const { property, index } of attach) if (!kept.includes(property)) removed.add(index);
      appended.push(...added);
    }
  } else dropped.push({ property: "Attachments", reason: "attachment content not fetched; the DAV side keeps its ATTACH properties" });

  todo[1] = [...props.filter((_, index) => !removed.has(index)), ...appended];
  for (const tzid of neededZones) {
    const zone = zones.zone(tzid);
    if (!zone) continue;
    const parsed = readVObjects(`BEGIN:VCALENDAR\r\n${zone.vtimezone()}\r\nEND:VCALENDAR\r\n`, "icalendar").components[0]?.[2][0];
    if (parsed) calendar[2].unshift(parsed);
  }
  return { calendar, dropped };
}
