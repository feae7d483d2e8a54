/**
 * To Do tasks over Graph: VTODO ⇄ `microsoft.graph.todoTask`, through the EWS task mapper. A
 * todoTask is read into the EWS `Task` model (To Do tasks are Exchange tasks: the same status,
 * importance, dates, reminder and recurrence) and `taskToVTodo` writes the VTODO; a VTODO is read by
 * `taskFromVTodo` and its EWS task written as a Graph body. What Graph holds differently:
 *
 * - Start and due are dates in To Do (`dateTimeTimeZone` at midnight): a DTSTART / DUE with a time
 *   is reported on the write, and on the read onto the basis keeps its time of day and form (a
 *   TZID, UTC, floating) — moved to the day To Do says.
 * - No PERCENT-COMPLETE between 0 and 100, no CLASS, no place for the forms of DTSTART / DUE (the
 *   EWS side's extended property), and To Do attachments are not mapped (ATTACH): reported, and kept
 *   from the basis on the read.
 * - `checklistItems` (steps) and `linkedResources` have no VTODO property: reported on the read,
 *   never written (a PATCH leaves them).
 * - The UID is the open extension `ewsdav.uid` (B's decision, `GRAPH_TODO_UID_EXTENSION`): read
 *   from `extensions` (`$expand=extensions`), returned as `extension` to write with the task.
 * @module
 */
import type { Task, TaskRecurrence, TaskStatus } from "@ewsdav/ews-client";
import type { GraphDateTimeTimeZone, GraphTaskStatus, GraphTodoTask, GraphTodoTaskInput, GraphTodoUidExtension } from "@ewsdav/graph-client";
import { ewsdavUidProperty, readEwsdavUid, withEwsdavUid } from "../identity.js";
import type { MapperLimits } from "../limits.js";
import { guardMapper, type DroppedProperty } from "../result.js";
import { taskFromVTodo, taskToVTodo } from "../task/index.js";
import { nearestMidnight, parseEwsDateTime, readTimeForms, type TimeForm } from "../task/times.js";
import { UTC_ZONE, type EventTimeZone } from "../timezone/resolve.js";
import { str } from "./common.js";
import { ewsRecurrence, graphRecurrence } from "./recurrence.js";
import { graphLocal, readGraphTime, zoneOfGraphName } from "./time.js";
import { windowsZoneForIana } from "../timezone/windows.js";

/** The `extensionName` of the open extension carrying a task's UID (`GRAPH_TODO_UID_EXTENSION` of @ewsdav/graph-client). */
export const GRAPH_TODO_UID_EXTENSION_NAME = "ewsdav.uid";

/** Options of {@link graphTaskToVTodo}. */
export interface GraphTaskToVTodoOptions {
  /** The DAV side's VTODO (last synced): merged onto, so what To Do cannot hold stays. */
  basis?: string | null;
  /** UID to write when the task carries none. */
  uid?: string;
  /** DTSTAMP of a new object (default: the task's last modification time, else now). */
  now?: Date;
  /** Bounds on the work this item may cost. */
  limits?: Partial<MapperLimits>;
}

/** What {@link graphTaskToVTodo} returns. */
export interface GraphTaskToVTodoResult {
  /** The iCalendar text (a VCALENDAR with the VTODO). */
  text: string;
  /** The task's ewsdav UID (its `ewsdav.uid` extension), or null. */
  uid: string | null;
  /** The Graph properties no VTODO property carries (named as Graph names them). */
  dropped: DroppedProperty[];
}

/** Options of {@link graphTaskFromVTodo}. */
export interface GraphTaskFromVTodoOptions {
  /** Bounds on the work this item may cost. */
  limits?: Partial<MapperLimits>;
}

/** What {@link graphTaskFromVTodo} returns. */
export interface GraphTaskFromVTodoResult {
  /**
   * The Graph body for POST / PATCH: every property the mapping manages, `null` where the VTODO
   * says nothing. `checklistItems`, `linkedResources` and `extensions` are not in it.
   */
  task: GraphTodoTaskInput;
  /** The open extension that stores the UID (in a create body's `extensions`, or POSTed to the task's `extensions`); null without a UID. */
  extension: GraphTodoUidExtension | null;
  /** The VTODO's UID, or null. */
  uid: string | null;
  /** What the VTODO says that a todoTask cannot hold. */
  dropped: DroppedProperty[];
}

const STATUS: Record<TaskStatus, GraphTaskStatus> = { NotStarted: "notStarted", InProgress: "inProgress", Completed: "completed", WaitingOnOthers: "waitingOnOthers", Deferred: "deferred" };
const EWS_STATUS: Record<GraphTaskStatus, TaskStatus> = { notStarted: "NotStarted", inProgress: "InProgress", completed: "Completed", waitingOnOthers: "WaitingOnOthers", deferred: "Deferred" };
const DAY = 86_400_000;
const floorDay = (ms: number) => Math.floor(ms / DAY) * DAY;

/** The zone a remembered form reads wall clocks in (dates and floating times are wall clocks stored as UTC). */
function formZone(form: TimeForm): EventTimeZone {
  return form.startsWith("tz:") ? (zoneOfGraphName(form.slice(3)) ?? UTC_ZONE) : UTC_ZONE;
}

/** The Graph name of a form's zone (dates and floating times: UTC, as EWS keeps them). */
function formZoneName(form: TimeForm): string {
  if (!form.startsWith("tz:")) return "UTC";
  const zone = zoneOfGraphName(form.slice(3));
  if (!zone || zone.isUtc) return "UTC";
  return (zone.iana && windowsZoneForIana(zone.iana)) ?? zone.iana ?? "UTC";
}

/** A task's start or due as To Do keeps it: the date (in the form's zone) at midnight. */
function graphDate(value: string | undefined, form: TimeForm, property: string, dropped: DroppedProperty[]): GraphDateTimeTimeZone | null {
  const ms = value === undefined ? null : parseEwsDateTime(value);
  if (ms === null) return null;
  const local = formZone(form).toLocal(ms);
  if (local % DAY !== 0) dropped.push({ property, reason: "To Do keeps the date of a task's start and due, not the time (the time stays on the DAV side)", value });
  return { dateTime: graphLocal(floorDay(local)), timeZone: formZoneName(form) };
}

/** A Graph time as an EWS instant (`xs:dateTime`, UTC), or undefined. */
function instant(time: GraphDateTimeTimeZone | null | undefined, property: string, dropped: DroppedProperty[]): string | undefined {
  if (!time) return undefined;
  const read = readGraphTime(time);
  if ("problem" in read) {
    dropped.push({ property, reason: read.problem });
    return undefined;
  }
  return read.utc;
}

/** A todoTask as the EWS model. */
function toEws(task: GraphTodoTask, dropped: DroppedProperty[]): Task {
  const item: Task = {};
  const title = str(task.title);
  if (title !== undefined) item.subject = title;
  const content = str(task.body?.content);
  if (content !== undefined) item.body = { bodyType: task.body?.contentType === "html" ? "HTML" : "Text", value: content };
  if (task.categories?.length) item.categories = [...task.categories];
  if (task.importance) item.importance = task.importance === "low" ? "Low" : task.importance === "high" ? "High" : "Normal";
  const status = EWS_STATUS[task.status ?? "notStarted"] ?? "NotStarted";
  item.status = status;
  item.isComplete = status === "Completed";
  if (status === "Completed") item.percentComplete = 100;
  const start = instant(task.startDateTime, "startDateTime", dropped);
  if (start) item.startDate = start;
  const due = instant(task.dueDateTime, "dueDateTime", dropped);
  if (due) item.dueDate = due;
  const completed = instant(task.completedDateTime, "completedDateTime", dropped);
  if (completed && status === "Completed") item.completeDate = completed;
  if (task.isReminderOn) {
    item.reminderIsSet = true;
    const at = instant(task.reminderDateTime, "reminderDateTime", dropped);
    if (at) item.reminderDueBy = at;
  }
  const recurrence = ewsRecurrence(task.recurrence, dropped);
  if (recurrence) item.recurrence = recurrence as TaskRecurrence;
  const uid = todoUid(task);
  if (uid) item.extendedProperties = [ewsdavUidProperty(uid)];
  for (const step of task.checklistItems ?? []) dropped.push({ property: "checklistItems", reason: "no VTODO property for a step of a task", value: step.displayName ?? "" });
  for (const link of task.linkedResources ?? []) dropped.push({ property: "linkedResources", reason: "no VTODO property", value: link.webUrl ?? link.displayName ?? "" });
  return item;
}

function todoUid(task: GraphTodoTask): string | null {
  for (const extension of task.extensions ?? []) {
    if (extension.extensionName === GRAPH_TODO_UID_EXTENSION_NAME || extension.id === `microsoft.graph.openTypeExtension.${GRAPH_TODO_UID_EXTENSION_NAME}`) {
      return typeof extension.uid === "string" && extension.uid !== "" ? extension.uid : null;
    }
  }
  return null;
}

/**
 * The day To Do says, at the basis's time of day in the basis's form (so a DUE;TZID=…:…T170000 moved
 * to another day in To Do keeps 17:00 in its zone); the basis's value itself when the day is the same.
 */
function onBasisDay(graph: string | undefined, basis: string | undefined, form: TimeForm | undefined): string | undefined {
  if (graph === undefined || basis === undefined || form === undefined || form === "date") return graph;
  const g = parseEwsDateTime(graph);
  const b = parseEwsDateTime(basis);
  if (g === null || b === null) return graph;
  const zone = formZone(form);
  const basisLocal = zone.toLocal(b);
  // Exchange keeps a task date as a local midnight: the nearest midnight is the day.
  const day = nearestMidnight(g);
  const local = day + (((basisLocal % DAY) + DAY) % DAY);
  return `${new Date(zone.toUtc(local)).toISOString().slice(0, 19)}Z`;
}

/**
 * Maps a To Do task (read with `$expand=extensions`, and `checklistItems` to report them) to
 * iCalendar text, merged onto `basis` when given: what To Do cannot hold (a time of day, the
 * percentage, CLASS, other alarms, X- properties) stays as the basis has it.
 */
export function graphTaskToVTodo(task: GraphTodoTask, options: GraphTaskToVTodoOptions = {}): GraphTaskToVTodoResult {
  return guardMapper(null, () => mapGraphTaskToVTodo(task, options));
}

function mapGraphTaskToVTodo(task: GraphTodoTask, options: GraphTaskToVTodoOptions): GraphTaskToVTodoResult {
  const dropped: DroppedProperty[] = [];
  let item = toEws(task, dropped);
  const uid = readEwsdavUid(item);
  if (options.basis) {
    const basis = taskFromVTodo(options.basis, options.limits ? { limits: options.limits } : {}).item;
    const forms = readTimeForms(basis);
    const merged: Task = { ...item };
    merged.sensitivity = basis.sensitivity ?? "Normal";
    if (basis.status === item.status && basis.completeDate !== undefined && merged.completeDate === undefined) merged.completeDate = basis.completeDate; // COMPLETED of a task not completed
    if (basis.attachments) merged.attachments = basis.attachments; // To Do attachments are not mapped: the basis's ATTACH stay
    if (basis.status === item.status && basis.percentComplete !== undefined) merged.percentComplete = basis.percentComplete;
    const start = onBasisDay(item.startDate, basis.startDate, forms.start);
    if (start) merged.startDate = start;
    const due = onBasisDay(item.dueDate, basis.dueDate, forms.due);
    if (due) merged.dueDate = due;
    // A regenerating pattern ("3 days after completion") has no Graph form: the basis's stays while To Do has no pattern.
    if (!merged.recurrence && basis.recurrence?.pattern.kind.endsWith("Regeneration")) merged.recurrence = basis.recurrence;
    // Graph always names the first day of the week (Sunday unless told): a basis's weekly rule without WKST keeps none.
    const pattern = merged.recurrence?.pattern;
    const basisPattern = basis.recurrence?.pattern;
    if (pattern?.kind === "WeeklyRecurrence" && basisPattern?.kind === "WeeklyRecurrence" && basisPattern.firstDayOfWeek === undefined && pattern.firstDayOfWeek === "Sunday") {
      const { firstDayOfWeek: _sunday, ...rest } = pattern;
      merged.recurrence = { ...merged.recurrence!, pattern: rest };
    }
    // The basis's extended properties (the forms of DTSTART / DUE), with To Do's UID when it has one.
    const basisUid = readEwsdavUid(basis);
    const extended = basis.extendedProperties ?? [];
    if (uid ?? basisUid) merged.extendedProperties = withEwsdavUid(extended, (uid ?? basisUid)!);
    else if (extended.length) merged.extendedProperties = extended;
    item = merged;
  }
  const written = taskToVTodo(item, {
    ...(options.basis ? { base: options.basis } : {}),
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.now ? { now: options.now } : task.lastModifiedDateTime ? { now: new Date(task.lastModifiedDateTime) } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  return { text: written.text, uid, dropped: [...dropped, ...written.dropped] };
}

/**
 * Maps a VTODO to a To Do task body and the extension that carries its UID. Throws `MapperError`
 * `MISSING_COMPONENT` when the text holds no VTODO; everything else that cannot be carried is in
 * `dropped`.
 */
export function graphTaskFromVTodo(text: string, options: GraphTaskFromVTodoOptions = {}): GraphTaskFromVTodoResult {
  return guardMapper(null, () => mapGraphTaskFromVTodo(text, options));
}

function mapGraphTaskFromVTodo(text: string, options: GraphTaskFromVTodoOptions): GraphTaskFromVTodoResult {
  const read = taskFromVTodo(text, options.limits ? { limits: options.limits } : {});
  const item = read.item;
  const dropped: DroppedProperty[] = [...read.dropped];
  const forms = readTimeForms(item);
  const status = item.status ?? (item.isComplete ? "Completed" : "NotStarted");
  const task: GraphTodoTaskInput = {
    title: item.subject ?? "",
    body: { contentType: item.body?.bodyType === "HTML" ? "html" : "text", content: item.body?.value ?? "" },
    categories: [...(item.categories ?? [])],
    importance: item.importance === "Low" ? "low" : item.importance === "High" ? "high" : "normal",
    status: STATUS[status],
    startDateTime: graphDate(item.startDate, forms.start ?? "date", "DTSTART", dropped),
    dueDateTime: graphDate(item.dueDate, forms.due ?? "date", "DUE", dropped),
    completedDateTime: status === "Completed" && item.completeDate ? { dateTime: graphLocal(parseEwsDateTime(item.completeDate) ?? 0), timeZone: "UTC" } : null,
    isReminderOn: item.reminderIsSet === true,
    reminderDateTime: item.reminderIsSet && item.reminderDueBy ? { dateTime: graphLocal(parseEwsDateTime(item.reminderDueBy) ?? 0), timeZone: "UTC" } : null,
    recurrence: item.recurrence ? graphRecurrence(item.recurrence, null, dropped, item.recurrence.pattern.kind.endsWith("Regeneration") ? "X-EWS-REGENERATION" : "RRULE") : null,
  };
  if (item.percentComplete !== undefined && item.percentComplete !== 0 && item.percentComplete !== 100) {
    dropped.push({ property: "PERCENT-COMPLETE", reason: "To Do has no percentage (only the status)", value: String(item.percentComplete) });
  }
  if (item.completeDate && status !== "Completed") dropped.push({ property: "COMPLETED", reason: "To Do keeps a completion time only for a completed task", value: item.completeDate });
  for (const attachment of item.attachments ?? []) dropped.push({ property: "ATTACH", reason: "To Do attachments are not mapped (the ATTACH stays on the DAV side)", value: attachment.name });
  if (item.sensitivity && item.sensitivity !== "Normal") dropped.push({ property: "CLASS", reason: "a To Do task has no sensitivity", value: item.sensitivity });
  const extension: GraphTodoUidExtension | null = read.uid === null ? null : { "@odata.type": "microsoft.graph.openTypeExtension", extensionName: GRAPH_TODO_UID_EXTENSION_NAME, uid: read.uid };
  return { task, extension, uid: read.uid, dropped };
}
