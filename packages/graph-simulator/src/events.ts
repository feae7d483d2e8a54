/**
 * The Graph routes of calendars and events over the mailbox's calendar records (the EWS simulator's
 * CalendarItems, their recurrences, modified and deleted occurrences), so an event made over EWS is
 * read over Graph and the reverse:
 * - `/calendars` (list, create), `/calendars/{id}` (get, PATCH, DELETE), `/calendar` (the default);
 * - `/events` and `/calendars/{id}/events` (list, create), `/events/{id}` (get, PATCH with If-Match,
 *   DELETE, `POST …/cancel`), where the id may name one occurrence: a PATCH makes it an exception, a
 *   DELETE (or cancel) a cancelled occurrence the master lists in `cancelledOccurrences`;
 * - `/events/{id}/instances?startDateTime=&endDateTime=` (occurrences and exceptions);
 * - `calendarView` and `calendarView/delta` per calendar (and of the default calendar), with
 *   `@odata.nextLink`/`@odata.deltaLink`, `Prefer: odata.maxpagesize`, `@removed` rows, 410
 *   `syncStateNotFound` on a rejected token;
 * - `$select`, `$expand=singleValueExtendedProperties(…)` and `exceptionOccurrences`, `$top`/`$skip`;
 * - `Prefer: outlook.timezone="…"` (dateTimes in that zone) and `Prefer: outlook.body-content-type`.
 *
 * calendarView delta answers instances (single events, occurrences, exceptions), never masters, as
 * Graph's does. Its state is a snapshot of the instances the holder was sent (kept by the
 * simulator, named by the signed token), so a round reports exactly the instances that appeared,
 * changed or left the window since — an occurrence cancelled, an event moved out, a series deleted.
 */
import { decodeId, el, type FolderRecord, type ItemRecord, type ItemTarget, type SimulatedMailbox } from "@ewsdav/ews-simulator";
import type { DeltaTokens } from "./delta.js";
import { GraphSimError, notFound } from "./errors.js";
import { cancelledOccurrences, eventChanges, eventToGraph, ianaOf, transactionIds, updatesOf, type EventRenderContext } from "./event-map.js";
import { extendedIdOf, formatExtendedId, parseExtendedId, sameExtendedId, type ExtendedId } from "./extended-properties.js";
import { ewsIdOfRest, resolveGraphId, restId } from "./ids.js";
import type { RouteRequest, RouteResponse } from "./routes.js";

/** The first path segments this module answers. */
export const CALENDAR_SEGMENTS: ReadonlySet<string> = new Set(["calendars", "calendar", "events", "calendarView"]);

/** Every property of `event` (with its base types) that `$select` may name. */
const EVENT_PROPERTIES = new Set([
  "id", "categories", "changeKey", "createdDateTime", "lastModifiedDateTime", "allowNewTimeProposals", "attendees", "body", "bodyPreview",
  "cancelledOccurrences", "end", "hasAttachments", "hideAttendees", "iCalUId", "importance", "isAllDay", "isCancelled", "isDraft", "isOnlineMeeting",
  "isOrganizer", "isReminderOn", "location", "locations", "onlineMeeting", "onlineMeetingProvider", "onlineMeetingUrl", "organizer",
  "originalEndTimeZone", "originalStart", "originalStartTimeZone", "recurrence", "reminderMinutesBeforeStart", "responseRequested", "responseStatus",
  "sensitivity", "seriesMasterId", "showAs", "start", "subject", "transactionId", "type", "webLink",
]);
const CALENDAR_PROPERTIES = new Set([
  "id", "allowedOnlineMeetingProviders", "canEdit", "canShare", "canViewPrivateItems", "changeKey", "color", "defaultOnlineMeetingProvider", "hexColor",
  "isDefaultCalendar", "isRemovable", "isTallyingResponses", "name", "owner",
]);
const CALENDAR_COLORS = ["auto", "lightBlue", "lightGreen", "lightOrange", "lightGray", "lightYellow", "lightTeal", "lightPink", "lightBrown", "lightRed", "maxColor"];
const KNOWN_OPTIONS = new Set(["$select", "$top", "$skip", "$expand", "startDateTime", "endDateTime", "startdatetime", "enddatetime"]);
const UNSUPPORTED_OPTIONS = new Set(["$filter", "$orderby", "$count", "$search", "$format"]);
const DEFAULT_PAGE = 10;
const MAX_TOP = 1000;
const DEFAULT_DELTA_PAGE = 100;

/** Calendar colors chosen over Graph (EWS has no property for them). */
const colors = new WeakMap<FolderRecord, string>();

// ---------------------------------------------------------------- request helpers

interface Preferences {
  immutable: boolean;
  maxPageSize: number | undefined;
  zoneName: string;
  zone: string;
  bodyType: "text" | "html" | undefined;
  /** What goes into `Preference-Applied`. */
  applied: string[];
}

function preferences(req: RouteRequest): Preferences {
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

function itemIdOf(req: RouteRequest, prefs: Preferences, number: number): string {
  return prefs.immutable ? req.immutable.idOf("item", number) : restId(req.box, "item", number);
}

function folderIdOf(req: RouteRequest, prefs: Preferences, folder: FolderRecord): string {
  return prefs.immutable ? req.immutable.idOf("folder", folder.number) : restId(req.box, "folder", folder.number);
}

const REST = Buffer.from("GR");
const IMMUTABLE = Buffer.from("GI");
const IMMUTABLE_OCCURRENCE = Buffer.from("GO");

/**
 * The id of one occurrence: its REST form wraps the EWS occurrence id (master and instance index);
 * its immutable form is the master's immutable id and the index, so it survives a move of the series.
 */
function occurrenceIdOf(req: RouteRequest, prefs: Preferences, item: ItemRecord, index: number): string {
  if (!prefs.immutable) return Buffer.concat([REST, Buffer.from(req.box.occurrenceId(item, index), "base64")]).toString("base64url");
  const master = Buffer.from(req.immutable.idOf("item", item.number), "base64url");
  const i = Buffer.alloc(4);
  i.writeUInt32BE(index);
  return Buffer.concat([IMMUTABLE_OCCURRENCE, master.subarray(2), i]).toString("base64url");
}

function renderContext(req: RouteRequest, prefs: Preferences): EventRenderContext {
  return {
    box: req.box, zoneName: prefs.zoneName, zone: prefs.zone, bodyType: prefs.bodyType,
    itemId: (n) => itemIdOf(req, prefs, n),
    occurrenceId: (item, index) => occurrenceIdOf(req, prefs, item, index),
  };
}

function isCalendarFolder(box: SimulatedMailbox, folder: FolderRecord | undefined): folder is FolderRecord {
  return !!folder && !folder.deleted && (folder.folderClass ?? "").startsWith("IPF.Appointment") && box.isUnder(folder, box.distinguishedFolder("msgfolderroot")!);
}

function defaultCalendar(box: SimulatedMailbox): FolderRecord {
  return box.distinguishedFolder("calendar")!;
}

function calendarOf(req: RouteRequest, id: string): FolderRecord {
  const target = resolveGraphId(req.box, req.immutable, id);
  const folder = target?.kind === "folder" ? req.box.folderByNumber(target.number) : undefined;
  if (!isCalendarFolder(req.box, folder)) throw notFound();
  return folder;
}

/** An event id (a REST or immutable id of an item, or of one occurrence) as a target, or 404. */
function eventOf(req: RouteRequest, id: string, folder?: FolderRecord): ItemTarget {
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

function checkOptions(query: URLSearchParams): void {
  for (const key of query.keys()) {
    if (UNSUPPORTED_OPTIONS.has(key)) throw new GraphSimError(501, "NotImplemented", `The simulator does not implement ${key}.`);
    if (key.startsWith("$") && !KNOWN_OPTIONS.has(key)) throw new GraphSimError(400, "BadRequest", `Query option '${key}' is not allowed.`);
  }
}

function parseSelect(query: URLSearchParams, allowed: Set<string>, type: string): string[] | undefined {
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
interface Expand {
  extended?: ExtendedId[] | "all";
  exceptions?: boolean;
}

/** Splits at commas outside parentheses. */
function topLevel(raw: string): string[] {
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

function parseExpand(query: URLSearchParams): Expand {
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

function pageSize(query: URLSearchParams): number {
  const top = query.get("$top");
  if (top === null) return DEFAULT_PAGE;
  if (!/^\d+$/.test(top) || Number(top) < 1) throw new GraphSimError(400, "BadRequest", `Invalid value '${top}' for $top query option.`);
  return Math.min(Number(top), MAX_TOP);
}

function skipOf(query: URLSearchParams): number {
  const skip = query.get("$skip");
  if (skip === null) return 0;
  if (!/^\d+$/.test(skip)) throw new GraphSimError(400, "BadRequest", `Invalid value '${skip}' for $skip query option.`);
  return Number(skip);
}

function bodyObject(req: RouteRequest): Record<string, unknown> {
  if (typeof req.body !== "object" || req.body === null || Array.isArray(req.body)) throw new GraphSimError(400, "BadRequest", "Empty Payload. JSON content expected.");
  return req.body as Record<string, unknown>;
}

function checkIfMatch(req: RouteRequest, item: ItemRecord): void {
  const ifMatch = req.headers["if-match"];
  if (ifMatch === undefined || ifMatch.trim() === "*") return;
  const current = req.box.itemChangeKey(item);
  const given = ifMatch.split(",").map((s) => s.trim().replace(/^W\//, "").replace(/^"|"$/g, ""));
  if (!given.includes(current)) {
    throw new GraphSimError(412, "ErrorIrresolvableConflict",
      "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.");
  }
}

function methodNotAllowed(): GraphSimError {
  return new GraphSimError(405, "ErrorInvalidRequest", "The OData request is not supported.");
}

function noRoute(): GraphSimError {
  return new GraphSimError(400, "BadRequest", "Resource not found for the segment.");
}

/** Reads `startDateTime`/`endDateTime` (ISO 8601; without an offset, UTC). */
function windowOf(query: URLSearchParams): { from: number; to: number } {
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

function withPreferences(prefs: Preferences, response: RouteResponse): RouteResponse {
  if (prefs.applied.length === 0) return response;
  return { ...response, headers: { ...response.headers, "preference-applied": prefs.applied.join(", ") } };
}

function renderEvent(req: RouteRequest, prefs: Preferences, target: ItemTarget, select: string[] | undefined, expand: Expand): Record<string, unknown> {
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
    if (props.length > 0) out.singleValueExtendedProperties = props;
  }
  if (expand.exceptions) {
    out.exceptionOccurrences = master ? exceptionTargets(req.box, target.item).map((t) => renderEvent(req, prefs, t, undefined, {})) : [];
  }
  return out;
}

/** The exceptions of a series, in original-start order, with their instance indexes. */
function exceptionTargets(box: SimulatedMailbox, item: ItemRecord): ItemTarget[] {
  const originals = [...item.exceptions.keys()].sort((a, b) => a - b);
  if (originals.length === 0) return [];
  const starts = box.occurrenceStarts(item, 0, originals[originals.length - 1]! + 1);
  return originals.flatMap((s) => {
    const index = starts.indexOf(s) + 1;
    return index > 0 ? [{ item, occurrence: { index, originalStart: s } }] : [];
  });
}

function timesOf(box: SimulatedMailbox, target: ItemTarget): { start: number; end: number } {
  const { item, occurrence } = target;
  const parse = (v: string | undefined) => Date.parse(v && !/[zZ]|[+-]\d{2}:\d{2}$/.test(v) ? `${v}Z` : v ?? "");
  if (!occurrence) return { start: parse(item.props.get("Start")?.text), end: parse(item.props.get("End")?.text) };
  const exception = item.exceptions.get(occurrence.originalStart);
  if (exception) return { start: parse(exception.props.get("Start")?.text), end: parse(exception.props.get("End")?.text) };
  return box.occurrenceTimes(item, occurrence.originalStart);
}

/** The instances of one event overlapping [from, to): itself when single; else its live occurrences and exceptions. */
function instancesOf(box: SimulatedMailbox, item: ItemRecord, from: number, to: number): ItemTarget[] {
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
function calendarViewOf(box: SimulatedMailbox, folder: FolderRecord, from: number, to: number): ItemTarget[] {
  const out: ItemTarget[] = [];
  for (const item of folder.items.values()) if (item.kind === "CalendarItem") out.push(...instancesOf(box, item, from, to));
  return out.sort((a, b) => timesOf(box, a).start - timesOf(box, b).start || a.item.number - b.item.number);
}

/** One page of a collection: only the members on it are rendered. */
function list<T>(req: RouteRequest, context: string, all: T[], render: (member: T) => unknown): RouteResponse {
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

function renderCalendar(req: RouteRequest, prefs: Preferences, folder: FolderRecord, select?: string[]): Record<string, unknown> {
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

// ---------------------------------------------------------------- calendarView delta

/** One instance the holder of a token was sent: its item, its instance (index and original start) and the item's modSeq then. */
interface SentInstance {
  n: number;
  i?: number;
  o?: number;
  v: number;
}
/** A round being paged: its rows (changed keys, then removed ones) and the snapshot its delta link names. */
interface DeltaRoundState {
  changed: SentInstance[];
  removed: SentInstance[];
  snapshot: number;
}
interface CalendarDeltaStore {
  next: number;
  snapshots: Map<number, Map<string, SentInstance>>;
  rounds: Map<number, DeltaRoundState>;
}
const deltaStores = new WeakMap<DeltaTokens, CalendarDeltaStore>();

function deltaStore(tokens: DeltaTokens): CalendarDeltaStore {
  let store = deltaStores.get(tokens);
  if (!store) deltaStores.set(tokens, (store = { next: 1, snapshots: new Map(), rounds: new Map() }));
  return store;
}

const keyOf = (s: { n: number; o?: number }) => (s.o === undefined ? `${s.n}` : `${s.n}@${s.o}`);

function calendarViewDelta(req: RouteRequest, folder: FolderRecord): RouteResponse {
  const prefs = preferences(req);
  const token = req.query.get("$deltatoken") ?? req.query.get("$skiptoken");
  for (const key of req.query.keys()) {
    if (key.startsWith("$") && key !== "$deltatoken" && key !== "$skiptoken") throw new GraphSimError(400, "BadRequest", `Query option '${key}' is not supported with delta.`);
  }
  const store = deltaStore(req.tokens);
  const gone = () => new GraphSimError(410, "syncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again.");
  let window: { from: number; to: number };
  let round: DeltaRoundState;
  let roundId: number;
  let offset = 0;
  const state = token === null ? undefined : req.tokens.read(token, req.box, folder);
  if (state) {
    try {
      window = JSON.parse(state.sel ?? "") as { from: number; to: number };
    } catch {
      throw gone();
    }
  } else window = windowOf(req.query);
  if (state?.u !== undefined) {
    roundId = state.u;
    offset = state.a ?? 0;
    const found = store.rounds.get(roundId);
    if (!found) throw gone();
    round = found;
  } else {
    const previous = state ? store.snapshots.get(state.w) : new Map<string, SentInstance>();
    if (!previous) throw gone();
    const current = new Map<string, SentInstance>();
    for (const t of calendarViewOf(req.box, folder, window.from, window.to)) {
      const sent: SentInstance = { n: t.item.number, v: t.item.modSeq, ...(t.occurrence ? { i: t.occurrence.index, o: t.occurrence.originalStart } : {}) };
      current.set(keyOf(sent), sent);
    }
    const changed = [...current.values()].filter((s) => previous.get(keyOf(s))?.v !== s.v);
    const removed = [...previous.values()].filter((s) => !current.has(keyOf(s)));
    const snapshot = store.next++;
    store.snapshots.set(snapshot, current);
    roundId = store.next++;
    round = { changed, removed, snapshot };
    store.rounds.set(roundId, round);
  }
  const size = prefs.maxPageSize ?? DEFAULT_DELTA_PAGE;
  const rows = [...round.changed.map((s) => ({ s, removed: false })), ...round.removed.map((s) => ({ s, removed: true }))];
  const page = rows.slice(offset, offset + size);
  const value: unknown[] = [];
  const ctx = renderContext(req, prefs);
  for (const { s, removed } of page) {
    const id = s.i === undefined ? ctx.itemId(s.n) : (() => {
      const item = req.box.itemIndex.get(s.n);
      // A deleted series: its occurrences' ids are still made from its number.
      return item ? ctx.occurrenceId(item, s.i) : occurrenceIdOf(req, prefs, { number: s.n } as ItemRecord, s.i);
    })();
    if (removed) {
      value.push({ "@odata.type": "#microsoft.graph.event", id, "@removed": { reason: "deleted" } });
      continue;
    }
    const item = req.box.itemIndex.get(s.n);
    let target: ItemTarget | undefined = item && item.folder === folder ? { item } : undefined;
    if (target && s.i !== undefined) {
      try {
        target = req.box.occurrenceOf(target.item, s.i);
      } catch {
        target = undefined;
      }
    }
    // Changed again or gone since the round began: the next round tells (the snapshot still has the old version).
    if (!target) continue;
    value.push({ "@odata.type": "#microsoft.graph.event", ...renderEvent(req, prefs, target, undefined, {}) });
  }
  const link = `${req.root}${req.userPath}/${req.segments.join("/")}`;
  const sel = JSON.stringify(window);
  const body: Record<string, unknown> = { "@odata.context": `${req.root}/$metadata#Collection(event)`, value };
  if (offset + size < rows.length) {
    body["@odata.nextLink"] = `${link}?$skiptoken=${req.tokens.issue({ s: req.box.guidHex, f: folder.number, w: round.snapshot, u: roundId, a: offset + size, sel })}`;
  } else {
    store.rounds.delete(roundId);
    body["@odata.deltaLink"] = `${link}?$deltatoken=${req.tokens.issue({ s: req.box.guidHex, f: folder.number, w: round.snapshot, sel })}`;
  }
  if (prefs.maxPageSize !== undefined) prefs.applied.push(`odata.maxpagesize=${prefs.maxPageSize}`);
  return withPreferences(prefs, { status: 200, body });
}

// ---------------------------------------------------------------- routes

function calendarViewRoute(req: RouteRequest, folder: FolderRecord, rest: string[]): RouteResponse {
  if (req.method !== "GET") throw methodNotAllowed();
  if (rest.length === 1 && /^(delta|microsoft\.graph\.delta)(\(\))?$/.test(rest[0]!)) return calendarViewDelta(req, folder);
  if (rest.length !== 0) throw noRoute();
  checkOptions(req.query);
  const prefs = preferences(req);
  const { from, to } = windowOf(req.query);
  const select = parseSelect(req.query, EVENT_PROPERTIES, "event");
  const expand = parseExpand(req.query);
  return withPreferences(prefs, list(req, "events", calendarViewOf(req.box, folder, from, to), (t) => renderEvent(req, prefs, t, select, expand)));
}

function eventsRoute(req: RouteRequest, folder: FolderRecord | undefined, rest: string[]): RouteResponse {
  const prefs = preferences(req);
  const home = folder ?? defaultCalendar(req.box);
  if (rest.length === 0) {
    if (req.method === "GET") {
      checkOptions(req.query);
      const select = parseSelect(req.query, EVENT_PROPERTIES, "event");
      const expand = parseExpand(req.query);
      const items = [...home.items.values()].filter((i) => i.kind === "CalendarItem");
      return withPreferences(prefs, list(req, "events", items, (i) => renderEvent(req, prefs, { item: i }, select, expand)));
    }
    if (req.method === "POST") {
      const changes = eventChanges(bodyObject(req));
      const children = [...changes.set, ...changes.extended.map((e) => e.element)];
      let item: ItemRecord;
      try {
        item = req.box.createItemRecord(home, el("CalendarItem", {}, children), true);
      } catch (error) {
        throw asGraphError(error);
      }
      if (changes.transactionId !== undefined) transactionIds.set(item, changes.transactionId);
      const id = itemIdOf(req, prefs, item.number);
      return withPreferences(prefs, { status: 201, body: renderEvent(req, prefs, { item }, undefined, {}), headers: { location: `${req.root}${req.userPath}/events/${id}` } });
    }
    throw methodNotAllowed();
  }
  const target = eventOf(req, rest[0]!, folder);
  if (rest.length === 1) {
    if (req.method === "GET") {
      checkOptions(req.query);
      const body = renderEvent(req, prefs, target, parseSelect(req.query, EVENT_PROPERTIES, "event"), parseExpand(req.query));
      return withPreferences(prefs, { status: 200, body: { "@odata.context": `${req.root}/$metadata#events/$entity`, ...body } });
    }
    if (req.method === "PATCH") {
      checkIfMatch(req, target.item);
      const changes = eventChanges(bodyObject(req));
      if (changes.transactionId !== undefined && changes.transactionId !== transactionIds.get(target.item)) {
        throw new GraphSimError(400, "ErrorInvalidRequest", "The transactionId of an event cannot be changed.");
      }
      try {
        req.box.applyUpdates(target, updatesOf(changes, !!target.occurrence));
      } catch (error) {
        throw asGraphError(error);
      }
      return withPreferences(prefs, { status: 200, body: renderEvent(req, prefs, target, undefined, {}) });
    }
    if (req.method === "DELETE") {
      checkIfMatch(req, target.item);
      req.box.deleteTarget(target, "MoveToDeletedItems");
      return { status: 204 };
    }
    throw methodNotAllowed();
  }
  if (rest.length === 2 && rest[1] === "instances") {
    if (req.method !== "GET") throw methodNotAllowed();
    checkOptions(req.query);
    const { from, to } = windowOf(req.query);
    const select = parseSelect(req.query, EVENT_PROPERTIES, "event");
    const expand = parseExpand(req.query);
    const instances = target.occurrence || !target.item.props.has("Recurrence") ? [] : instancesOf(req.box, target.item, from, to);
    return withPreferences(prefs, list(req, "events", instances, (t) => renderEvent(req, prefs, t, select, expand)));
  }
  if (rest.length === 2 && (rest[1] === "cancel" || rest[1] === "microsoft.graph.cancel")) {
    if (req.method !== "POST") throw methodNotAllowed();
    const body = req.body === undefined ? {} : bodyObject(req);
    for (const k of Object.keys(body)) if (k !== "Comment" && k !== "comment") throw new GraphSimError(400, "RequestBodyRead", `The parameter '${k}' in the request payload is not a valid parameter for the operation 'cancel'.`);
    // The mailbox owner organises its events: cancelling one removes it (an occurrence becomes a cancelled occurrence).
    req.box.deleteTarget(target, "MoveToDeletedItems");
    return { status: 202 };
  }
  throw noRoute();
}

function calendarsRoute(req: RouteRequest): RouteResponse {
  const prefs = preferences(req);
  if (req.method === "GET") {
    checkOptions(req.query);
    const select = parseSelect(req.query, CALENDAR_PROPERTIES, "calendar");
    const root = req.box.distinguishedFolder("msgfolderroot")!;
    const all: FolderRecord[] = [];
    const walk = (f: FolderRecord) => {
      for (const c of req.box.childFolders(f)) {
        if (isCalendarFolder(req.box, c)) all.push(c);
        walk(c);
      }
    };
    walk(root);
    const def = defaultCalendar(req.box);
    all.sort((a, b) => (a === def ? -1 : b === def ? 1 : a.number - b.number));
    return withPreferences(prefs, list(req, "calendars", all, (f) => renderCalendar(req, prefs, f, select)));
  }
  if (req.method === "POST") {
    const body = bodyObject(req);
    for (const k of Object.keys(body)) {
      if (!k.startsWith("@odata.") && k !== "name" && k !== "color" && k !== "hexColor") throw new GraphSimError(400, "RequestBodyRead", `The property '${k}' does not exist on type 'microsoft.graph.calendar'.`);
    }
    if (typeof body.name !== "string" || body.name.trim() === "") throw new GraphSimError(400, "ErrorInvalidParameter", "A calendar needs a name.");
    if (body.color !== undefined && body.color !== null && !CALENDAR_COLORS.includes(String(body.color))) throw new GraphSimError(400, "RequestBodyRead", `The value '${String(body.color)}' is not valid for property 'color'.`);
    try {
      const folder = req.box.createFolderRecord(defaultCalendar(req.box), body.name, "IPF.Appointment");
      if (typeof body.color === "string") colors.set(folder, body.color);
      return withPreferences(prefs, { status: 201, body: renderCalendar(req, prefs, folder) });
    } catch (error) {
      if ((error as { code?: string }).code === "ErrorFolderExists") throw new GraphSimError(409, "ErrorFolderExists", "A folder with the specified name already exists.");
      throw error;
    }
  }
  throw methodNotAllowed();
}

function calendarRoute(req: RouteRequest, folder: FolderRecord): RouteResponse {
  const prefs = preferences(req);
  if (req.method === "GET") {
    checkOptions(req.query);
    const body = renderCalendar(req, prefs, folder, parseSelect(req.query, CALENDAR_PROPERTIES, "calendar"));
    return withPreferences(prefs, { status: 200, body: { "@odata.context": `${req.root}/$metadata#calendars/$entity`, ...body } });
  }
  if (req.method === "PATCH") {
    const body = bodyObject(req);
    for (const k of Object.keys(body)) {
      if (!k.startsWith("@odata.") && k !== "name" && k !== "color") throw new GraphSimError(400, "RequestBodyRead", `The property '${k}' does not exist on type 'microsoft.graph.calendar'.`);
    }
    if (body.color !== undefined && body.color !== null && !CALENDAR_COLORS.includes(String(body.color))) throw new GraphSimError(400, "RequestBodyRead", `The value '${String(body.color)}' is not valid for property 'color'.`);
    if (typeof body.name === "string" && body.name.trim() !== "" && body.name !== folder.displayName) {
      if (folder.distinguished) throw new GraphSimError(400, "ErrorInvalidRequest", "The default calendar cannot be renamed.");
      req.box.renameFolder(req.box.folderId(folder), body.name);
    }
    if (typeof body.color === "string") colors.set(folder, body.color);
    return withPreferences(prefs, { status: 200, body: renderCalendar(req, prefs, folder) });
  }
  if (req.method === "DELETE") {
    if (folder.distinguished) throw new GraphSimError(403, "ErrorDeleteDistinguishedFolder", "Distinguished folders cannot be deleted.");
    req.box.deleteFolderRecord(folder);
    return { status: 204 };
  }
  throw methodNotAllowed();
}

/** A SimError of the record store as Graph's error (a bad recurrence, times the wrong way round …). */
function asGraphError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (error instanceof GraphSimError || typeof code !== "string") return error;
  return new GraphSimError(400, code, (error as Error).message);
}

/** Runs a request under `/calendars`, `/calendar`, `/events` or `/calendarView`. */
export function calendarRouteOf(req: RouteRequest): RouteResponse {
  const [first, second, ...rest] = req.segments;
  if (first === "events") return eventsRoute(req, undefined, req.segments.slice(1));
  if (first === "calendarView") return calendarViewRoute(req, defaultCalendar(req.box), req.segments.slice(1));
  let folder: FolderRecord;
  let tail: string[];
  if (first === "calendar") {
    folder = defaultCalendar(req.box);
    tail = req.segments.slice(1);
  } else {
    if (second === undefined) return calendarsRoute(req);
    folder = calendarOf(req, second);
    tail = rest;
  }
  if (tail.length === 0) return calendarRoute(req, folder);
  if (tail[0] === "events") return eventsRoute(req, folder, tail.slice(1));
  if (tail[0] === "calendarView") return calendarViewRoute(req, folder, tail.slice(1));
  throw noRoute();
}
