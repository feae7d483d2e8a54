/**
 * What the calendar and event routes share (events.ts, event-delta.ts): the request's shape and
 * preferences (`IdType="ImmutableId"`, `odata.maxpagesize`, `outlook.timezone`,
 * `outlook.body-content-type`), ids of calendars, events and occurrences, query options, and the
 * rendering of events, instances, calendar views and calendars.
 */
import { decodeId, type FolderRecord, type ItemRecord, type ItemTarget, type SimulatedMailbox } from "@ewsdav/ews-simulator";
import { GraphSimError, notFound } from "./errors.js";
import { cancelledOccurrences, eventToGraph, ianaOf, type EventRenderContext } from "./event-map.js";
import { ENTRY_ID, extendedIdOf, folderEntryId, formatExtendedId, PARENT_ENTRY_ID, parseExtendedId, sameExtendedId, type ExtendedId } from "./extended-properties.js";
import { ewsIdOfRest, resolveGraphId, restId } from "./ids.js";

import type { RouteRequest, RouteResponse } from "./route-types.js";

export type { RouteRequest, RouteResponse };

/** The first path segments this module answers. */
export const CALENDAR_SEGMENTS: ReadonlySet<string> = new Set(["calendars", "calendar", "events", "calendarView"]);

/** Every property of `event` (with its base types) that `$select` may name. */
export const EVENT_PROPERTIES = new Set([
  "id", "categories", "changeKey", "createdDateTime", "lastModifiedDateTime", "allowNewTimeProposals", "attendees", "body", "bodyPreview",
  "cancelledOccurrences", "end", "hasAttachments", "hideAttendees", "iCalUId", "importance", "isAllDay", "isCancelled", "isDraft", "isOnlineMeeting",
  "isOrganizer", "isReminderOn", "location", "locations", "onlineMeeting", "onlineMeetingProvider", "onlineMeetingUrl", "organizer",
  "originalEndTimeZone", "originalStart", "originalStartTimeZone", "recurrence", "reminderMinutesBeforeStart", "responseRequested", "responseStatus",
  "sensitivity", "seriesMasterId", "showAs", "start", "subject", "transactionId", "type", "webLink",
]);
export const CALENDAR_PROPERTIES = new Set([
  "id", "allowedOnlineMeetingProviders", "canEdit", "canShare", "canViewPrivateItems", "changeKey", "color", "defaultOnlineMeetingProvider", "hexColor",
  "isDefaultCalendar", "isRemovable", "isTallyingResponses", "name", "owner",
]);
export const CALENDAR_COLORS = ["auto", "lightBlue", "lightGreen", "lightOrange", "lightGray", "lightYellow", "lightTeal", "lightPink", "lightBrown", "lightRed", "maxColor"];
export const KNOWN_OPTIONS = new Set(["$select", "$top", "$skip", "$expand", "startDateTime", "endDateTime", "startdatetime", "enddatetime"]);
export const UNSUPPORTED_OPTIONS = new Set(["$filter", "$orderby", "$count", "$search", "$format"]);
export const DEFAULT_PAGE = 10;
export const MAX_TOP = 1000;
export const DEFAULT_DELTA_PAGE = 100;

/** Calendar colors chosen over Graph (EWS has no property for them). */
export const colors = new WeakMap<FolderRecord, string>();

// ---------------------------------------------------------------- request helpers

export interface Preferences {
  immutable: boolean;
  maxPageSize: number | undefined;
  zoneName: string;
  zone: string;
  bodyType: "text" | "html" | undefined;
  /** What goes into `Preference-Applied`. */
  applied: string[];
}

export function preferences(req: RouteRequest): Preferences {
  const prefer = req.headers.prefer ?? "";
  const applied: string[] = [];
  const immutable = /(^|[,;\s])IdType\s*=\s*"?ImmutableId"?/i.test(prefer);
  if (immutable) applied.push('IdType="ImmutableId"');
  const size = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(prefer);
  const tz = /outlook\.timezone\s*=\s*"([^"]*)"/i.exec(prefer);
  let zoneName = "UTC";
  let zone = "UTC";
  if (tz && tz[1]) {
    const iana = ianaOf(tz[1]);
    // An unknown zone is not applied: the answer stays in UTC.
    if (iana) {
      zoneName = tz[1];
      zone = iana;
      applied.push(`outlook.timezone="${tz[1]}"`);
    }
  }
  const body = /outlook\.body-content-type\s*=\s*"?(text|html)"?/i.exec(prefer);
  const bodyType = body ? (body[1]!.toLowerCase() as "text" | "html") : undefined;
  if (bodyType) applied.push(`outlook.body-content-type="${bodyType}"`);
  return { immutable, maxPageSize: size ? Math.max(1, Number(size[1])) : undefined, zoneName, zone, bodyType, applied };
}

export function itemIdOf(req: RouteRequest, prefs: Preferences, number: number): string {
  return prefs.immutable ? req.immutable.idOf("item", number) : restId(req.box, "item", number);
}

export function folderIdOf(req: RouteRequest, prefs: Preferences, folder: FolderRecord): string {
  return prefs.immutable ? req.immutable.idOf("folder", folder.number) : restId(req.box, "folder", folder.number);
}

export const REST = Buffer.from("GR");
export const IMMUTABLE = Buffer.from("GI");
export const IMMUTABLE_OCCURRENCE = Buffer.from("GO");

/**
 * The id of one occurrence: its REST form wraps the EWS occurrence id (master and instance index);
 * its immutable form is the master's immutable id and the index, so it survives a move of the series.
 */
export function occurrenceIdOf(req: RouteRequest, prefs: Preferences, item: ItemRecord, index: number): string {
  if (!prefs.immutable) return Buffer.concat([REST, Buffer.from(req.box.occurrenceId(item, index), "base64")]).toString("base64url");
  const master = Buffer.from(req.immutable.idOf("item", item.number), "base64url");
  const i = Buffer.alloc(4);
  i.writeUInt32BE(index);
  return Buffer.concat([IMMUTABLE_OCCURRENCE, master.subarray(2), i]).toString("base64url");
}

export function renderContext(req: RouteRequest, prefs: Preferences): EventRenderContext {
  return {
    box: req.box, zoneName: prefs.zoneName, zone: prefs.zone, bodyType: prefs.bodyType,
    itemId: (n) => itemIdOf(req, prefs, n),
    occurrenceId: (item, index) => occurrenceIdOf(req, prefs, item, index),
  };
}

export function isCalendarFolder(box: SimulatedMailbox, folder: FolderRecord | undefined): folder is FolderRecord {
  return !!folder && !folder.deleted && (folder.folderClass ?? "").startsWith("IPF.Appointment") && box.isUnder(folder, box.distinguishedFolder("msgfolderroot")!);
}

export function defaultCalendar(box: SimulatedMailbox): FolderRecord {
  return box.distinguishedFolder("calendar")!;
}

export function calendarOf(req: RouteRequest, id: string): FolderRecord {
  const target = resolveGraphId(req.box, req.immutable, id);
  const folder = target?.kind === "folder" ? req.box.folderByNumber(target.number) : undefined;
  if (!isCalendarFolder(req.box, folder)) throw notFound();
  return folder;
}

/** An event id (a REST or immutable id of an item, or of one occurrence) as a target, or 404. */
export function eventOf(req: RouteRequest, id: string, folder?: FolderRecord): ItemTarget {
  let target: ItemTarget | undefined;
  const resolveOccurrence = (item: ItemRecord | undefined, index: number): ItemTarget | undefined => {
    if (!item || item.kind !== "CalendarItem") return undefined;
    try {
      return req.box.occurrenceOf(item, index);
    } catch {
      return undefined;
    }
  };
  const ews = ewsIdOfRest(id);
  const decoded = ews === undefined ? undefined : decodeId(ews);
  if (decoded && decoded.store === req.box.guidHex && decoded.kind === "occurrence") {
    target = resolveOccurrence(req.box.itemIndex.get(decoded.number), decoded.extra);
  } else if (/^[A-Za-z0-9_-]+$/.test(id) && Buffer.from(id, "base64url").subarray(0, 2).equals(IMMUTABLE_OCCURRENCE)) {
    const bytes = Buffer.from(id, "base64url");
    if (bytes.length === 27) {
      const master = req.immutable.resolve(Buffer.concat([IMMUTABLE, bytes.subarray(2, 23)]).toString("base64url"));
      if (master?.kind === "item") target = resolveOccurrence(req.box.itemIndex.get(master.number), bytes.readUInt32BE(23));
    }
  } else {
    const t = resolveGraphId(req.box, req.immutable, id);
    const item = t?.kind === "item" ? req.box.itemIndex.get(t.number) : undefined;
    if (item?.kind === "CalendarItem") target = { item };
  }
  if (!target || (folder && target.item.folder !== folder)) throw notFound();
  return target;
}

export function checkOptions(query: URLSearchParams): void {
  for (const key of query.keys()) {
    if (UNSUPPORTED_OPTIONS.has(key)) throw new GraphSimError(501, "NotImplemented", `The simulator does not implement ${key}.`);
    if (key.startsWith("$") && !KNOWN_OPTIONS.has(key)) throw new GraphSimError(400, "BadRequest", `Query option '${key}' is not allowed.`);
  }
}

export function parseSelect(query: URLSearchParams, allowed: Set<string>, type: string): string[] | undefined {
  const raw = query.get("$select");
  if (raw === null) return undefined;
  const names = raw.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!allowed.has(n) && !(type === "event" && (n === "singleValueExtendedProperties" || n === "exceptionOccurrences"))) {
      throw new GraphSimError(400, "RequestBroker--ParseUri", `Could not find a property named '${n}' on type 'microsoft.graph.${type}'.`);
    }
  }
  return names;
}

/** What `$expand` asks for: extended properties (by id, or all) and the exceptions of a master. */
export interface Expand {
  extended?: ExtendedId[] | "all";
  exceptions?: boolean;
}

/** Splits at commas outside parentheses. */
export function topLevel(raw: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === "(") depth++;
    else if (raw[i] === ")") depth--;
    else if (raw[i] === "," && depth === 0) {
      out.push(raw.slice(from, i));
      from = i + 1;
    }
  }
  out.push(raw.slice(from));
  return out.map((s) => s.trim()).filter(Boolean);
}

export function parseExpand(query: URLSearchParams): Expand {
  const raw = query.get("$expand");
  const out: Expand = {};
  if (raw === null) return out;
  for (const part of topLevel(raw)) {
    if (/^exceptionOccurrences$/.test(part)) {
      out.exceptions = true;
      continue;
    }
    const m = /^singleValueExtendedProperties\s*(?:\(\s*\$filter\s*=\s*(.+)\)\s*)?$/.exec(part);
    if (!m) throw new GraphSimError(400, "BadRequest", `Parsing OData Select and Expand failed: could not expand '${part}'.`);
    if (m[1] === undefined) {
      out.extended = "all";
      continue;
    }
    out.extended = m[1].split(/\s+or\s+/i).map((c) => {
      const f = /^\s*id\s+eq\s+'((?:[^']|'')*)'\s*$/.exec(c);
      if (!f) throw new GraphSimError(400, "BadRequest", `Invalid filter clause '${c}'.`);
      return parseExtendedId(f[1]!.replace(/''/g, "'"));
    });
  }
  return out;
}

export function pageSize(query: URLSearchParams): number {
  const top = query.get("$top");
  if (top === null) return DEFAULT_PAGE;
  if (!/^\d+$/.test(top) || Number(top) < 1) throw new GraphSimError(400, "BadRequest", `Invalid value '${top}' for $top query option.`);
  return Math.min(Number(top), MAX_TOP);
}

export function skipOf(query: URLSearchParams): number {
  const skip = query.get("$skip");
  if (skip === null) return 0;
  if (!/^\d+$/.test(skip)) throw new GraphSimError(400, "BadRequest", `Invalid value '${skip}' for $skip query option.`);
  return Number(skip);
}

export function bodyObject(req: RouteRequest): Record<string, unknown> {
  if (typeof req.body !== "object" || req.body === null || Array.isArray(req.body)) throw new GraphSimError(400, "BadRequest", "Empty Payload. JSON content expected.");
  return req.body as Record<string, unknown>;
}

export function checkIfMatch(req: RouteRequest, item: ItemRecord): void {
  const ifMatch = req.headers["if-match"];
  if (ifMatch === undefined || ifMatch.trim() === "*") return;
  const current = req.box.itemChangeKey(item);
  const given = ifMatch.split(",").map((s) => s.trim().replace(/^W\//, "").replace(/^"|"$/g, ""));
  if (!given.includes(current)) {
    throw new GraphSimError(412, "ErrorIrresolvableConflict",
      "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.");
  }
}

export function methodNotAllowed(): GraphSimError {
  return new GraphSimError(405, "ErrorInvalidRequest", "The OData request is not supported.");
}

export function noRoute(): GraphSimError {
  return new GraphSimError(400, "BadRequest", "Resource not found for the segment.");
}

/** Reads `startDateTime`/`endDateTime` (ISO 8601; without an offset, UTC). */
export function windowOf(query: URLSearchParams): { from: number; to: number } {
  const get = (name: string) => query.get(name) ?? query.get(name.toLowerCase()) ?? query.get(name[0]!.toUpperCase() + name.slice(1));
  const s = get("startDateTime");
  const e = get("endDateTime");
  if (s === null || e === null) {
    throw new GraphSimError(400, "ErrorInvalidParameter", "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.");
  }
  const parse = (v: string) => Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(v.trim()) ? v.trim() : `${v.trim()}Z`);
  const from = parse(s);
  const to = parse(e);
  if (Number.isNaN(from) || Number.isNaN(to)) throw new GraphSimError(400, "ErrorInvalidParameter", "StartDateTime and EndDateTime must be ISO 8601 date-times.");
  if (to < from) throw new GraphSimError(400, "ErrorInvalidParameter", "The EndDateTime must be later than the StartDateTime.");
  return { from, to };
}

// ---------------------------------------------------------------- rendering

export function withPreferences(prefs: Preferences, response: RouteResponse): RouteResponse {
  if (prefs.applied.length === 0) return response;
  return { ...response, headers: { ...response.headers, "preference-applied": prefs.applied.join(", ") } };
}

export function renderEvent(req: RouteRequest, prefs: Preferences, target: ItemTarget, select: string[] | undefined, expand: Expand): Record<string, unknown> {
  const ctx = renderContext(req, prefs);
  const full = eventToGraph(ctx, target);
  const master = !target.occurrence && target.item.props.has("Recurrence");
  const out: Record<string, unknown> = { "@odata.etag": `W/"${req.box.itemChangeKey(target.item)}"` };
  if (select) {
    out.id = full.id;
    for (const n of select) {
      if (n === "cancelledOccurrences") out.cancelledOccurrences = master ? cancelledOccurrences(ctx, target.item) : [];
      else if (n in full) out[n] = full[n];
    }
  } else Object.assign(out, full);
  if (expand.extended !== undefined) {
    const props: Array<{ id: string; value: string }> = [];
    for (const element of target.item.extended.values()) {
      const id = extendedIdOf(element);
      if (!id) continue;
      if (expand.extended !== "all" && !expand.extended.some((e) => sameExtendedId(e, id))) continue;
      props.push({ id: formatExtendedId(id), value: element.children.find((c) => c.name === "Value")?.text ?? "" });
    }
    // PidTagParentEntryId is computed by the store for every item (MS-OXPROPS 0x0E09): the entry id
    // of the folder holding it, which changes when the item moves (to Deleted Items …) while its
    // immutable id stays. Given when asked for by its tag, as Exchange gives computed properties.
    if (expand.extended !== "all" && expand.extended.some((e) => sameExtendedId(e, PARENT_ENTRY_ID))) {
      props.push({ id: formatExtendedId(PARENT_ENTRY_ID), value: folderEntryId(req.box, target.item.folder.number) });
    }
    if (props.length > 0) out.singleValueExtendedProperties = props;
  }
  if (expand.exceptions) {
    out.exceptionOccurrences = master ? exceptionTargets(req.box, target.item).map((t) => renderEvent(req, prefs, t, undefined, {})) : [];
  }
  return out;
}

/** The exceptions of a series, in original-start order, with their instance indexes. */
export function exceptionTargets(box: SimulatedMailbox, item: ItemRecord): ItemTarget[] {
  const originals = [...item.exceptions.keys()].sort((a, b) => a - b);
  if (originals.length === 0) return [];
  const starts = box.occurrenceStarts(item, 0, originals[originals.length - 1]! + 1);
  return originals.flatMap((s) => {
    const index = starts.indexOf(s) + 1;
    return index > 0 ? [{ item, occurrence: { index, originalStart: s } }] : [];
  });
}

export function timesOf(box: SimulatedMailbox, target: ItemTarget): { start: number; end: number } {
  const { item, occurrence } = target;
  const parse = (v: string | undefined) => Date.parse(v && !/[zZ]|[+-]\d{2}:\d{2}$/.test(v) ? `${v}Z` : v ?? "");
  if (!occurrence) return { start: parse(item.props.get("Start")?.text), end: parse(item.props.get("End")?.text) };
  const exception = item.exceptions.get(occurrence.originalStart);
  if (exception) return { start: parse(exception.props.get("Start")?.text), end: parse(exception.props.get("End")?.text) };
  return box.occurrenceTimes(item, occurrence.originalStart);
}

/** The instances of one event overlapping [from, to): itself when single; else its live occurrences and exceptions. */
export function instancesOf(box: SimulatedMailbox, item: ItemRecord, from: number, to: number): ItemTarget[] {
  const overlaps = (t: ItemTarget) => {
    const { start, end } = timesOf(box, t);
    return start < to && (end > from || (end === start && start >= from));
  };
  if (!item.props.has("Recurrence")) return overlaps({ item }) ? [{ item }] : [];
  let until = to;
  for (const s of item.exceptions.keys()) until = Math.max(until, s + 1);
  const out: ItemTarget[] = [];
  box.occurrenceStarts(item, 0, until).forEach((originalStart, i) => {
    if (item.deletedOccurrences.has(originalStart)) return;
    const t = { item, occurrence: { index: i + 1, originalStart } };
    if (overlaps(t)) out.push(t);
  });
  return out;
}

/** The instances of a calendar in [from, to), by start. */
export function calendarViewOf(box: SimulatedMailbox, folder: FolderRecord, from: number, to: number): ItemTarget[] {
  const out: ItemTarget[] = [];
  for (const item of folder.items.values()) if (item.kind === "CalendarItem") out.push(...instancesOf(box, item, from, to));
  return out.sort((a, b) => timesOf(box, a).start - timesOf(box, b).start || a.item.number - b.item.number);
}

/** One page of a collection: only the members on it are rendered. */
export function list<T>(req: RouteRequest, context: string, all: T[], render: (member: T) => unknown): RouteResponse {
  const size = pageSize(req.query);
  const skip = skipOf(req.query);
  const body: Record<string, unknown> = { "@odata.context": `${req.root}/$metadata#${context}`, value: all.slice(skip, skip + size).map(render) };
  if (skip + size < all.length) {
    const q = new URLSearchParams(req.query);
    q.set("$top", String(size));
    q.set("$skip", String(skip + size));
    body["@odata.nextLink"] = `${req.root}${req.userPath}/${req.segments.join("/")}?${q.toString().replace(/%24/g, "$")}`;
  }
  return { status: 200, body };
}

/**
 * A calendar's `$expand=singleValueExtendedProperties($filter=…)`: the calendar folder's computed
 * PidTagEntryId (MS-OXPROPS 0x0FFF) when asked for, the value an item's PidTagParentEntryId holds
 * while the item is in that calendar. Anything else in `$expand` is refused, as on a calendar.
 */
export function calendarExtended(req: RouteRequest, folder: FolderRecord): Array<{ id: string; value: string }> | undefined {
  if (req.query.get("$expand") === null) return undefined;
  const expand = parseExpand(req.query);
  if (expand.exceptions) throw new GraphSimError(400, "BadRequest", "Parsing OData Select and Expand failed: Could not find a property named 'exceptionOccurrences' on type 'microsoft.graph.calendar'.");
  if (expand.extended === undefined || expand.extended === "all") return undefined;
  const props = expand.extended.some((e) => sameExtendedId(e, ENTRY_ID)) ? [{ id: formatExtendedId(ENTRY_ID), value: folderEntryId(req.box, folder.number) }] : [];
  return props.length ? props : undefined;
}

export function renderCalendar(req: RouteRequest, prefs: Preferences, folder: FolderRecord, select?: string[]): Record<string, unknown> {
  const isDefault = folder === defaultCalendar(req.box);
  const full: Record<string, unknown> = {
    id: folderIdOf(req, prefs, folder),
    name: folder.displayName,
    color: colors.get(folder) ?? "auto",
    hexColor: "",
    isDefaultCalendar: isDefault,
    changeKey: req.box.folderChangeKey(folder),
    canShare: true,
    canViewPrivateItems: true,
    canEdit: true,
    allowedOnlineMeetingProviders: ["teamsForBusiness"],
    defaultOnlineMeetingProvider: "teamsForBusiness",
    isTallyingResponses: true,
    isRemovable: !isDefault,
    owner: { name: req.box.displayName, address: req.box.smtpAddress },
  };
  if (!select) return full;
  const out: Record<string, unknown> = { id: full.id };
  for (const n of select) out[n] = full[n];
  return out;
}
