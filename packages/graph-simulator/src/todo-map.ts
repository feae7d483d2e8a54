/**
 * A task record (the EWS simulator's `t:Task` element tree) as Graph's `todoTask`, and a Graph
 * request body onto the record: one mailbox answers EWS and To Do. The correspondence follows the
 * two services' documentation of the same Outlook task properties (title ↔ Subject, dueDateTime ↔
 * DueDate, status ↔ Status, recurrence ↔ the task's Recurrence …; Microsoft's todoTask page maps
 * each property to the item's MAPI property).
 *
 * What To Do has and EWS does not show — checklist items (steps), linked resources and open
 * extensions — is kept on the same record as named properties of a property set of the
 * simulator's own (as Exchange keeps them in MAPI named properties that EWS clients do not know
 * of): they survive edits and moves made over EWS, and EWS never shows them as ewsdav's UID.
 */
import { randomUUID } from "node:crypto";
import { el, ianaZoneFor, localToUtc, utcToLocal, type ItemRecord, type XmlElement } from "@ewsdav/ews-simulator";
import { badValue, GraphSimError, unknownProperty } from "./errors.js";
import { extendedElement } from "./extended-properties.js";

/** The simulator's own property set for To Do data EWS does not show. */
const TODO_SET = "2f0c9f5e-4b1d-4c6a-9e0b-7d3a5c1e8f42";
const stored = (name: string) => extendedElement({ type: "String", set: TODO_SET, name }, "");
const CHECKLIST_KEY = stored("ToDoChecklistItems").key;
const LINKED_KEY = stored("ToDoLinkedResources").key;
const EXTENSIONS_KEY = stored("ToDoOpenExtensions").key;

/** A checklist item as kept on the record. */
export interface StoredChecklistItem {
  id: string;
  displayName: string | null;
  isChecked: boolean;
  checkedDateTime: string | null;
  createdDateTime: string;
}

/** A linked resource as kept on the record. */
export interface StoredLinkedResource {
  id: string;
  applicationName: string | null;
  displayName: string | null;
  externalId: string | null;
  webUrl: string | null;
}

/** An open extension as kept on the record: its name and custom properties (primitives or arrays of them). */
export interface StoredExtension {
  extensionName: string;
  data: Record<string, unknown>;
}

function readStored<T>(item: ItemRecord, key: string): T[] {
  const text = item.extended.get(key)?.children.find((c) => c.name === "Value")?.text;
  if (!text) return [];
  return JSON.parse(text) as T[];
}

function writeStored(extended: Map<string, XmlElement>, name: string, key: string, values: unknown[]): void {
  if (values.length === 0) extended.delete(key);
  else extended.set(key, extendedElement({ type: "String", set: TODO_SET, name }, JSON.stringify(values)).element);
}

/** The checklist items of a task record. */
export const checklistOf = (item: ItemRecord) => readStored<StoredChecklistItem>(item, CHECKLIST_KEY);
/** The linked resources of a task record. */
export const linkedResourcesOf = (item: ItemRecord) => readStored<StoredLinkedResource>(item, LINKED_KEY);
/** The open extensions of a task record. */
export const extensionsOf = (item: ItemRecord) => readStored<StoredExtension>(item, EXTENSIONS_KEY);
/** Stores checklist items in a copy of the record's extended properties. */
export const setChecklist = (extended: Map<string, XmlElement>, v: StoredChecklistItem[]) => writeStored(extended, "ToDoChecklistItems", CHECKLIST_KEY, v);
/** Stores linked resources. */
export const setLinkedResources = (extended: Map<string, XmlElement>, v: StoredLinkedResource[]) => writeStored(extended, "ToDoLinkedResources", LINKED_KEY, v);
/** Stores open extensions. */
export const setExtensions = (extended: Map<string, XmlElement>, v: StoredExtension[]) => writeStored(extended, "ToDoOpenExtensions", EXTENSIONS_KEY, v);

// ------------------------------------------------------------------ values

/** `2026-12-06T09:00:00Z` (Edm.DateTimeOffset as Graph writes it). */
export function offsetText(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function parseUtc(text: string | undefined): number {
  if (!text) return Number.NaN;
  const v = text.trim();
  return Date.parse(/[zZ]|[+-]\d{2}:\d{2}$/.test(v) ? v : `${v}Z`);
}

/** The zone of `Prefer: outlook.timezone="…"`, or UTC. */
export function preferredZone(headers: Record<string, string>): string {
  const m = /outlook\.timezone\s*=\s*"([^"]+)"/i.exec(headers.prefer ?? "");
  return m ? m[1]! : "UTC";
}

function isUtcName(zone: string): boolean {
  return /^(utc|etc\/utc|gmt|etc\/gmt|z|coordinated universal time)$/i.test(zone.trim());
}

/** An instant as `dateTimeTimeZone` in `zone` (Windows or IANA; unknown zones answer in UTC as the service does). */
export function dateTimeTimeZone(ms: number, zone: string): { dateTime: string; timeZone: string } {
  const iana = isUtcName(zone) ? undefined : ianaZoneFor(zone);
  const local = iana ? utcToLocal(ms, iana) : ms;
  return { dateTime: new Date(local).toISOString().replace(/\.(\d{3})Z$/, ".$10000"), timeZone: iana ? zone : "UTC" };
}

/** A request's `dateTimeTimeZone` as an instant. */
export function instantOf(name: string, value: unknown): number {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badValue(name, "microsoft.graph.dateTimeTimeZone");
  for (const k of Object.keys(value)) if (k !== "dateTime" && k !== "timeZone" && !k.startsWith("@odata.")) throw unknownProperty(k, "dateTimeTimeZone");
  const { dateTime, timeZone } = value as { dateTime?: unknown; timeZone?: unknown };
  if (typeof dateTime !== "string") throw badValue(`${name}/dateTime`, "Edm.String");
  if (timeZone !== undefined && timeZone !== null && typeof timeZone !== "string") throw badValue(`${name}/timeZone`, "Edm.String");
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/.exec(dateTime.trim());
  if (!m) throw new GraphSimError(400, "ErrorInvalidArgument", `'${dateTime}' is not a valid dateTime for ${name}.`);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  const zone = typeof timeZone === "string" && timeZone !== "" ? timeZone : "UTC";
  if (isUtcName(zone)) return wall;
  const iana = ianaZoneFor(zone);
  if (!iana) throw new GraphSimError(400, "ErrorInvalidTimeZone", `The time zone '${zone}' is not supported.`);
  return localToUtc(wall, iana);
}

// ------------------------------------------------------------------ recurrence

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;
const EWS_DAY = (d: string) => d[0]!.toUpperCase() + d.slice(1);
const INDEXES = ["first", "second", "third", "fourth", "last"] as const;
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const PATTERN_TYPES = ["daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly"] as const;
const RANGE_TYPES = ["endDate", "noEnd", "numbered"] as const;

/** EWS DaysOfWeek text ("Monday Tuesday", "Weekday" …) as Graph's day list. */
function graphDays(text: string | undefined): string[] {
  const out: string[] = [];
  for (const d of (text ?? "").split(/\s+/).filter(Boolean)) {
    if (d === "Day") out.push(...DAYS);
    else if (d === "Weekday") out.push(...DAYS.slice(1, 6));
    else if (d === "WeekendDay") out.push("saturday", "sunday");
    else if (DAYS.includes(d.toLowerCase() as (typeof DAYS)[number])) out.push(d.toLowerCase());
  }
  return [...new Set(out)];
}

const childText = (e: XmlElement | undefined, name: string) => e?.children.find((c) => c.name === name)?.text.trim();
const dateOnly = (text: string | undefined) => (text ?? "").slice(0, 10);

/**
 * A task's EWS `Recurrence` as `patternedRecurrence` (every member present, as Graph answers); a
 * regeneration pattern ("N days after completion") has no Graph form: null.
 */
export function recurrenceToGraph(recurrence: XmlElement | undefined): Record<string, unknown> | null {
  if (!recurrence) return null;
  const [p, r] = recurrence.children;
  if (!p || !r || p.name.endsWith("Regeneration")) return null;
  const type = { DailyRecurrence: "daily", WeeklyRecurrence: "weekly", AbsoluteMonthlyRecurrence: "absoluteMonthly", RelativeMonthlyRecurrence: "relativeMonthly", AbsoluteYearlyRecurrence: "absoluteYearly", RelativeYearlyRecurrence: "relativeYearly" }[p.name];
  if (!type) return null;
  const month = childText(p, "Month");
  const index = childText(p, "DayOfWeekIndex");
  const pattern = {
    type,
    interval: Number(childText(p, "Interval") ?? 1),
    month: month ? MONTHS.indexOf(month) + 1 : 0,
    dayOfMonth: Number(childText(p, "DayOfMonth") ?? 0),
    daysOfWeek: graphDays(childText(p, "DaysOfWeek")),
    firstDayOfWeek: (childText(p, "FirstDayOfWeek") ?? "Sunday").toLowerCase(),
    index: (index ?? "First").toLowerCase(),
  };
  const rangeType = { NoEndRecurrence: "noEnd", EndDateRecurrence: "endDate", NumberedRecurrence: "numbered" }[r.name] ?? "noEnd";
  const range = {
    type: rangeType,
    startDate: dateOnly(childText(r, "StartDate")),
    endDate: rangeType === "endDate" ? dateOnly(childText(r, "EndDate")) : "0001-01-01",
    recurrenceTimeZone: "UTC",
    numberOfOccurrences: Number(childText(r, "NumberOfOccurrences") ?? 0),
  };
  return { pattern, range };
}

function intOf(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw badValue(name, "Edm.Int32");
  if (v < min || v > max) throw new GraphSimError(400, "ErrorInvalidArgument", `${name} must be between ${min} and ${max}.`);
  return v;
}

function checkKeys(value: Record<string, unknown>, allowed: string[], type: string): void {
  for (const k of Object.keys(value)) if (!allowed.includes(k) && !k.startsWith("@odata.")) throw unknownProperty(k, type);
}

/** A request's `patternedRecurrence` as the task's EWS `Recurrence` (refused as Graph refuses an incomplete one). */
export function recurrenceFromGraph(value: unknown, fallbackStart: number | undefined): XmlElement {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badValue("recurrence", "microsoft.graph.patternedRecurrence");
  checkKeys(value as Record<string, unknown>, ["pattern", "range"], "patternedRecurrence");
  const { pattern, range } = value as { pattern?: Record<string, unknown> | null; range?: Record<string, unknown> | null };
  if (!pattern || typeof pattern !== "object") throw new GraphSimError(400, "ErrorInvalidArgument", "recurrence needs a pattern.");
  checkKeys(pattern, ["type", "interval", "month", "dayOfMonth", "daysOfWeek", "firstDayOfWeek", "index"], "recurrencePattern");
  const type = pattern.type as string;
  if (!PATTERN_TYPES.includes(type as (typeof PATTERN_TYPES)[number])) throw new GraphSimError(400, "ErrorInvalidArgument", `'${String(type)}' is not a recurrence pattern type.`);
  const interval = pattern.interval === undefined ? 1 : intOf("recurrence/pattern/interval", pattern.interval, 1, 999);
  const days = (): string => {
    const list = pattern.daysOfWeek;
    if (!Array.isArray(list) || list.length === 0 || list.some((d) => !DAYS.includes(d as (typeof DAYS)[number]))) {
      throw new GraphSimError(400, "ErrorInvalidArgument", `A ${type} pattern needs daysOfWeek.`);
    }
    return (list as string[]).map(EWS_DAY).join(" ");
  };
  const index = () => {
    const i = (pattern.index ?? "first") as string;
    if (!INDEXES.includes(i as (typeof INDEXES)[number])) throw badValue("recurrence/pattern/index", "microsoft.graph.weekIndex");
    return EWS_DAY(i);
  };
  const month = () => MONTHS[intOf("recurrence/pattern/month", pattern.month, 1, 12) - 1]!;
  const dayOfMonth = () => intOf("recurrence/pattern/dayOfMonth", pattern.dayOfMonth, 1, 31);
  let p: XmlElement;
  switch (type) {
    case "daily": p = el("DailyRecurrence", {}, [el("Interval", {}, interval)]); break;
    case "weekly": {
      const first = pattern.firstDayOfWeek;
      if (first !== undefined && first !== null && !DAYS.includes(first as (typeof DAYS)[number])) throw badValue("recurrence/pattern/firstDayOfWeek", "microsoft.graph.dayOfWeek");
      p = el("WeeklyRecurrence", {}, [el("Interval", {}, interval), el("DaysOfWeek", {}, days()), typeof first === "string" && el("FirstDayOfWeek", {}, EWS_DAY(first))]);
      break;
    }
    case "absoluteMonthly": p = el("AbsoluteMonthlyRecurrence", {}, [el("Interval", {}, interval), el("DayOfMonth", {}, dayOfMonth())]); break;
    case "relativeMonthly": p = el("RelativeMonthlyRecurrence", {}, [el("Interval", {}, interval), el("DaysOfWeek", {}, days()), el("DayOfWeekIndex", {}, index())]); break;
    case "absoluteYearly": p = el("AbsoluteYearlyRecurrence", {}, [el("DayOfMonth", {}, dayOfMonth()), el("Month", {}, month())]); break;
    default: p = el("RelativeYearlyRecurrence", {}, [el("DaysOfWeek", {}, days()), el("DayOfWeekIndex", {}, index()), el("Month", {}, month())]);
  }
  const r = range ?? {};
  if (typeof r !== "object") throw badValue("recurrence/range", "microsoft.graph.recurrenceRange");
  checkKeys(r, ["type", "startDate", "endDate", "recurrenceTimeZone", "numberOfOccurrences"], "recurrenceRange");
  const rangeType = (r.type ?? "noEnd") as string;
  if (!RANGE_TYPES.includes(rangeType as (typeof RANGE_TYPES)[number])) throw badValue("recurrence/range/type", "microsoft.graph.recurrenceRangeType");
  const isDate = (v: unknown): v is string => typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v);
  const startDate = isDate(r.startDate) ? r.startDate : fallbackStart !== undefined ? offsetText(fallbackStart).slice(0, 10) : undefined;
  if (!startDate) throw new GraphSimError(400, "ErrorInvalidArgument", "recurrence needs a range startDate (or the task a dueDateTime).");
  const start = el("StartDate", {}, startDate);
  let rangeEl: XmlElement;
  if (rangeType === "endDate") {
    if (!isDate(r.endDate) || r.endDate === "0001-01-01") throw new GraphSimError(400, "ErrorInvalidArgument", "An endDate range needs an endDate.");
    rangeEl = el("EndDateRecurrence", {}, [start, el("EndDate", {}, r.endDate)]);
  } else if (rangeType === "numbered") {
    rangeEl = el("NumberedRecurrence", {}, [start, el("NumberOfOccurrences", {}, intOf("recurrence/range/numberOfOccurrences", r.numberOfOccurrences, 1, 999))]);
  } else rangeEl = el("NoEndRecurrence", {}, [start]);
  return el("Recurrence", {}, [p, rangeEl]);
}

// ------------------------------------------------------------------ the task

const STATUS_TO_GRAPH: Record<string, string> = { NotStarted: "notStarted", InProgress: "inProgress", Completed: "completed", WaitingOnOthers: "waitingOnOthers", Deferred: "deferred" };
const STATUS_FROM_GRAPH = Object.fromEntries(Object.entries(STATUS_TO_GRAPH).map(([k, v]) => [v, k]));
const IMPORTANCE_FROM_GRAPH: Record<string, string> = { low: "Low", normal: "Normal", high: "High" };
const DATES: Record<string, string> = { dueDateTime: "DueDate", startDateTime: "StartDate", completedDateTime: "CompleteDate", reminderDateTime: "ReminderDueBy" };
/** Read-only properties Graph ignores in a request body. */
const READ_ONLY = new Set(["id", "createdDateTime", "lastModifiedDateTime", "bodyLastModifiedDateTime", "hasAttachments"]);

/** Every property of a todoTask (for `$select`). */
export const TODO_TASK_PROPERTIES = new Set([
  "id", "body", "bodyLastModifiedDateTime", "categories", "completedDateTime", "createdDateTime", "dueDateTime", "hasAttachments", "importance",
  "isReminderOn", "lastModifiedDateTime", "recurrence", "reminderDateTime", "startDateTime", "status", "title",
]);

/** The Graph representation of a task record (every property, as Graph returns them without `$select`). */
export function taskToGraph(item: ItemRecord, id: string, zone: string): Record<string, unknown> {
  const p = item.props;
  const out: Record<string, unknown> = {
    id,
    importance: (p.get("Importance")?.text ?? "Normal").toLowerCase(),
    isReminderOn: p.get("ReminderIsSet")?.text === "true",
    status: STATUS_TO_GRAPH[p.get("Status")?.text ?? "NotStarted"] ?? "notStarted",
    title: p.get("Subject")?.text ?? "",
    createdDateTime: new Date(item.created).toISOString().replace(/Z$/, "0000Z"),
    lastModifiedDateTime: new Date(item.modified).toISOString().replace(/Z$/, "0000Z"),
    bodyLastModifiedDateTime: new Date(item.modified).toISOString().replace(/Z$/, "0000Z"),
    hasAttachments: item.attachments.some((a) => !a.isInline),
    categories: (p.get("Categories")?.children ?? []).map((c) => c.text),
    body: { content: p.get("Body")?.text ?? "", contentType: (p.get("Body")?.attrs.BodyType ?? "Text").toLowerCase() === "html" ? "html" : "text" },
  };
  for (const [graph, ews] of Object.entries(DATES)) {
    const ms = parseUtc(p.get(ews)?.text);
    if (!Number.isNaN(ms)) out[graph] = dateTimeTimeZone(ms, zone);
  }
  const recurrence = recurrenceToGraph(p.get("Recurrence"));
  if (recurrence) out.recurrence = recurrence;
  return out;
}

/** A checklist item as Graph answers it. */
export function checklistItemToGraph(c: StoredChecklistItem): Record<string, unknown> {
  return { displayName: c.displayName, createdDateTime: c.createdDateTime, checkedDateTime: c.checkedDateTime, isChecked: c.isChecked, id: c.id };
}

/** A linked resource as Graph answers it. */
export function linkedResourceToGraph(l: StoredLinkedResource): Record<string, unknown> {
  return { id: l.id, webUrl: l.webUrl, applicationName: l.applicationName, displayName: l.displayName, externalId: l.externalId };
}

/** An open extension as Graph answers it. */
export function extensionToGraph(x: StoredExtension): Record<string, unknown> {
  return { "@odata.type": "#microsoft.graph.openTypeExtension", id: `microsoft.graph.openTypeExtension.${x.extensionName}`, extensionName: x.extensionName, ...x.data };
}

function stringOrNull(name: string, v: unknown): string | null {
  if (v === null || typeof v === "string") return v;
  throw badValue(name, "Edm.String");
}

function offsetOrNull(name: string, v: unknown): string | null {
  if (v === null) return null;
  if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(Date.parse(v))) throw badValue(name, "Edm.DateTimeOffset");
  return offsetText(Date.parse(v));
}

/** A checklist item body (create or PATCH) applied onto `base`. */
export function applyChecklistItem(body: Record<string, unknown>, base: StoredChecklistItem | undefined, now: number): StoredChecklistItem {
  const out: StoredChecklistItem = base ? { ...base } : { id: randomUUID(), displayName: null, isChecked: false, checkedDateTime: null, createdDateTime: offsetText(now) };
  for (const [k, v] of Object.entries(body)) {
    if (k.startsWith("@odata.") || k === "id" || k === "createdDateTime") continue;
    if (k === "displayName") out.displayName = stringOrNull(k, v);
    else if (k === "isChecked") {
      if (typeof v !== "boolean") throw badValue(k, "Edm.Boolean");
      if (v && !out.isChecked && body.checkedDateTime === undefined) out.checkedDateTime = offsetText(now);
      if (!v) out.checkedDateTime = null;
      out.isChecked = v;
    } else if (k === "checkedDateTime") out.checkedDateTime = offsetOrNull(k, v);
    else throw unknownProperty(k, "checklistItem");
  }
  if (!base && (out.displayName === null || out.displayName === "")) throw new GraphSimError(400, "invalidRequest", "A checklist item needs a displayName.");
  return out;
}

/** A linked resource body (create or PATCH) applied onto `base`. */
export function applyLinkedResource(body: Record<string, unknown>, base: StoredLinkedResource | undefined): StoredLinkedResource {
  const out: StoredLinkedResource = base ? { ...base } : { id: randomUUID(), applicationName: null, displayName: null, externalId: null, webUrl: null };
  for (const [k, v] of Object.entries(body)) {
    if (k.startsWith("@odata.") || k === "id") continue;
    if (k === "applicationName" || k === "displayName" || k === "externalId" || k === "webUrl") out[k] = stringOrNull(k, v);
    else throw unknownProperty(k, "linkedResource");
  }
  return out;
}

/** An open extension body (create, or PATCH onto `base`): the name and custom properties of primitive values. */
export function applyExtension(body: Record<string, unknown>, base: StoredExtension | undefined): StoredExtension {
  const type = body["@odata.type"];
  if (!base && type !== "microsoft.graph.openTypeExtension" && type !== "#microsoft.graph.openTypeExtension") {
    throw new GraphSimError(400, "invalidRequest", "An open extension needs @odata.type microsoft.graph.openTypeExtension.");
  }
  const name = body.extensionName ?? base?.extensionName;
  if (typeof name !== "string" || name.trim() === "") throw new GraphSimError(400, "invalidRequest", "An open extension needs an extensionName.");
  if (base && name !== base.extensionName) throw new GraphSimError(400, "invalidRequest", "The extensionName of an extension cannot change.");
  const data: Record<string, unknown> = base ? { ...base.data } : {};
  const primitive = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);
  for (const [k, v] of Object.entries(body)) {
    if (k.startsWith("@odata.") || k === "extensionName" || k === "id") continue;
    if (!primitive(v) && !(Array.isArray(v) && v.every(primitive))) throw new GraphSimError(400, "invalidRequest", `The value of '${k}' must be a primitive or an array of primitives.`);
    data[k] = v;
  }
  return { extensionName: name, data };
}

/**
 * Applies a todoTask body (a create or a PATCH) to copies of a record's properties and extended
 * properties, checking every property first. PATCH semantics: a property given replaces the
 * stored value, `null` clears it, one not given is left alone. Status and completion follow each
 * other as To Do keeps them: `completed` sets the completion time (now, unless given) and 100
 * percent; leaving `completed` clears the completion time.
 */
export function applyGraphTask(body: Record<string, unknown>, props: Map<string, XmlElement>, extended: Map<string, XmlElement>, now: number, creating: boolean): void {
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith("@odata.") || READ_ONLY.has(name)) continue;
    if (name === "title") {
      const v = stringOrNull(name, value);
      if (v === null || v === "") props.delete("Subject");
      else props.set("Subject", el("Subject", {}, v));
    } else if (name === "body") {
      if (value === null) {
        props.delete("Body");
        continue;
      }
      if (typeof value !== "object" || Array.isArray(value)) throw badValue(name, "microsoft.graph.itemBody");
      checkKeys(value as Record<string, unknown>, ["content", "contentType"], "itemBody");
      const { content, contentType } = value as { content?: unknown; contentType?: unknown };
      const text = stringOrNull("body/content", content ?? null);
      if (contentType !== undefined && contentType !== null && contentType !== "text" && contentType !== "html") throw badValue("body/contentType", "microsoft.graph.bodyType");
      if (text === null || text === "") props.delete("Body");
      else props.set("Body", el("Body", { BodyType: contentType === "html" ? "HTML" : "Text" }, text));
    } else if (name === "categories") {
      if (value !== null && (!Array.isArray(value) || value.some((c) => typeof c !== "string"))) throw badValue(name, "Collection(Edm.String)");
      const list = (value ?? []) as string[];
      if (list.length === 0) props.delete("Categories");
      else props.set("Categories", el("Categories", {}, list.map((c) => el("String", {}, c))));
    } else if (name === "importance") {
      const v = IMPORTANCE_FROM_GRAPH[String(value)];
      if (!v) throw badValue(name, "microsoft.graph.importance");
      props.set("Importance", el("Importance", {}, v));
    } else if (name === "status") {
      const v = STATUS_FROM_GRAPH[String(value)];
      if (!v) throw badValue(name, "microsoft.graph.taskStatus");
      props.set("Status", el("Status", {}, v));
      if (v === "Completed") {
        props.set("PercentComplete", el("PercentComplete", {}, 100));
        if (!props.has("CompleteDate") && body.completedDateTime === undefined) props.set("CompleteDate", el("CompleteDate", {}, offsetText(now)));
      } else {
        if (body.completedDateTime === undefined) props.delete("CompleteDate");
        props.set("PercentComplete", el("PercentComplete", {}, v === "NotStarted" ? 0 : Number(props.get("PercentComplete")?.text ?? 0) % 100));
      }
    } else if (name === "isReminderOn") {
      if (typeof value !== "boolean") throw badValue(name, "Edm.Boolean");
      props.set("ReminderIsSet", el("ReminderIsSet", {}, value));
    } else if (name in DATES) {
      const ews = DATES[name]!;
      if (value === null) props.delete(ews);
      else props.set(ews, el(ews, {}, offsetText(instantOf(name, value))));
    } else if (name === "recurrence") {
      if (value === null) props.delete("Recurrence");
      else {
        const due = body.dueDateTime ? instantOf("dueDateTime", body.dueDateTime) : parseUtc(props.get("DueDate")?.text);
        props.set("Recurrence", recurrenceFromGraph(value, Number.isNaN(due) ? undefined : due));
      }
    } else if (creating && name === "checklistItems") {
      if (value === null) continue;
      if (!Array.isArray(value)) throw badValue(name, "Collection(microsoft.graph.checklistItem)");
      setChecklist(extended, value.map((v) => applyChecklistItem(objectOf(name, v), undefined, now)));
    } else if (creating && name === "linkedResources") {
      if (value === null) continue;
      if (!Array.isArray(value)) throw badValue(name, "Collection(microsoft.graph.linkedResource)");
      setLinkedResources(extended, value.map((v) => applyLinkedResource(objectOf(name, v), undefined)));
    } else if (creating && name === "extensions") {
      if (value === null) continue;
      if (!Array.isArray(value)) throw badValue(name, "Collection(microsoft.graph.extension)");
      const list = value.map((v) => applyExtension(objectOf(name, v), undefined));
      if (new Set(list.map((x) => x.extensionName)).size !== list.length) throw new GraphSimError(409, "NameAlreadyExists", "An extension of that name already exists.");
      setExtensions(extended, list);
    } else if (name === "checklistItems" || name === "linkedResources" || name === "extensions") {
      throw new GraphSimError(400, "invalidRequest", `${name} of an existing task are changed through their own collection.`);
    } else if (name === "attachments" || name === "attachmentSessions") {
      throw new GraphSimError(400, "invalidRequest", `${name} are added through their own collection.`);
    } else {
      throw unknownProperty(name, "todoTask");
    }
  }
  if (creating && !props.has("Subject")) throw new GraphSimError(400, "invalidRequest", "A task needs a title.");
}

function objectOf(name: string, v: unknown): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw badValue(name, "an object");
  return v as Record<string, unknown>;
}
