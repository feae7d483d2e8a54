/**
 * Tasks: VTODO ⇄ EWS {@link Task}.
 * @module
 */
import type { Task } from "@ewsdav/ews-client";
import { guardItem, uidHint, type MapperLimits } from "../limits.js";
import { MapperError, type DroppedProperty } from "../result.js";
import { readVObjectsWith, writeComponent, type JComponent, type RawLines } from "../vobject/codec.js";
import { readTodo } from "./read.js";
import { writeTodoCalendar } from "./write.js";

export { EWSDAV_TASK_TIME_FORMS_PROPERTY, type TimeForm, type TaskTimeForms } from "./times.js";
export { STATUS_PROPERTY as TASK_STATUS_PROPERTY, SENSITIVITY_PARAMETER as TASK_SENSITIVITY_PARAMETER, importanceOf } from "./read.js";
export { REGENERATION_PROPERTY } from "./recurrence.js";
export { EWSDAV_PRODID } from "./write.js";

/** What {@link taskFromVTodo} returns. */
export interface TaskFromVTodoResult {
  /** The EWS task (UID and the forms of DTSTART/DUE in ewsdav's extended properties). */
  item: Task;
  /** The VTODO's UID, or null. */
  uid: string | null;
  /** Everything the VTODO says that the EWS task cannot hold, and values that could not be read. */
  dropped: DroppedProperty[];
}

/** Options of {@link taskFromVTodo}. */
export interface TaskFromVTodoOptions {
  /** Bounds on the work this item may cost (counts, date horizon, time budget); defaults in `DEFAULT_MAPPER_LIMITS`. */
  limits?: Partial<MapperLimits>;
}

/** Options of {@link taskToVTodo}. */
export interface TaskToVTodoOptions {
  /** Bounds on the work this item may cost (counts, date horizon, time budget); defaults in `DEFAULT_MAPPER_LIMITS`. */
  limits?: Partial<MapperLimits>;

  /** The existing iCalendar object to merge onto: what EWS cannot hold stays exactly as it is there. */
  base?: string | null;
  /** UID to write when the item carries none. */
  uid?: string;
  /** DTSTAMP of a new object (default: the item's last modification time, else now). */
  now?: Date;
}

/** What {@link taskToVTodo} returns. */
export interface TaskToVTodoResult {
  /** The iCalendar text (a VCALENDAR with one VTODO and the VTIMEZONEs it needs). */
  text: string;
  /** The EWS fields that no VTODO property carries. */
  dropped: DroppedProperty[];
}

/** Finds the VTODO of a text; its raw lines only for a base (`what` = "base"), which is merged onto. */
function findTodo(text: string, what: "text" | "base"): { calendar: JComponent; todoIndex: number; extra: DroppedProperty[]; rawLines: RawLines } {
  const { components, problems, rawLines } = readVObjectsWith(text, "icalendar", what === "base");
  const extra: DroppedProperty[] = problems.map((problem) => ({ property: problem.property ?? "(line)", reason: problem.reason, error: problem }));
  for (const root of components) {
    if (root[0] === "vtodo") return { calendar: ["vcalendar", [["version", {}, "text", "2.0"]], [root]], todoIndex: 0, extra, rawLines };
    if (root[0] !== "vcalendar") continue;
    const todos = root[2].map((child, index) => ({ child, index })).filter(({ child }) => child[0] === "vtodo");
    // The series master (no RECURRENCE-ID) is the task; overrides stay on the DAV side.
    const first = todos.find(({ child }) => !child[1].some((property) => property[0] === "recurrence-id")) ?? todos[0];
    if (!first) continue;
    if (todos.length > 1) extra.push({ property: "VTODO", reason: `only the first of ${todos.length} VTODOs in the ${what} is mapped` });
    return { calendar: root, todoIndex: first.index, extra, rawLines };
  }
  throw new MapperError("MISSING_COMPONENT", "VTODO", problems[0] ? `no VTODO in the ${what} (${problems[0].message})` : `no VTODO in the ${what}`);
}

/**
 * Maps iCalendar text with a VTODO (the first one) to an EWS task. Throws {@link MapperError}
 * `MISSING_COMPONENT` when there is no VTODO; every other problem is reported in `dropped`.
 */
export function taskFromVTodo(text: string, options: TaskFromVTodoOptions = {}): TaskFromVTodoResult {
  return guardItem(uidHint(text), options.limits, () => {
    const { calendar, todoIndex, extra } = findTodo(text, "text");
    const reading = readTodo(calendar[2][todoIndex]!, calendar);
    return { item: reading.item, uid: reading.uid, dropped: [...extra, ...reading.dropped] };
  });
}

/**
 * Maps an EWS task to iCalendar text. With `base`, merges onto its first VTODO: unchanged fields
 * keep the base's properties, and what EWS cannot hold stays untouched. Throws {@link MapperError}
 * only when `base` has no VTODO.
 */
export function taskToVTodo(item: Task, options: TaskToVTodoOptions = {}): TaskToVTodoResult {
  return guardItem(options.uid ?? null, options.limits, () => {
    const base = options.base ? findTodo(options.base, "base") : null;
    const writeOptions: { uid?: string; now?: Date } = {};
    if (options.uid !== undefined) writeOptions.uid = options.uid;
    if (options.now !== undefined) writeOptions.now = options.now;
    const { calendar, dropped } = writeTodoCalendar(item, base ? { calendar: base.calendar, todoIndex: base.todoIndex } : null, writeOptions);
    return { text: writeComponent(calendar, "icalendar", base?.rawLines), dropped };
  });
}
