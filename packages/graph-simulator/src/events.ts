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
 * The delta is event-delta.ts's; what the routes share (ids, preferences, rendering) event-request.ts's.
 */
import { el, type FolderRecord, type ItemRecord } from "@ewsdav/ews-simulator";
import { GraphSimError } from "./errors.js";
import { eventChanges, transactionIds, updatesOf } from "./event-map.js";
import { calendarViewDelta } from "./event-delta.js";
import {
  bodyObject, calendarExtended, CALENDAR_COLORS, CALENDAR_PROPERTIES, calendarOf, calendarViewOf, checkIfMatch, checkOptions, colors, defaultCalendar, EVENT_PROPERTIES, eventOf,
  instancesOf, isCalendarFolder, itemIdOf, list, methodNotAllowed, noRoute, parseExpand, parseSelect, preferences, renderCalendar, renderEvent, windowOf,
  withPreferences, type RouteRequest, type RouteResponse,
} from "./event-request.js";

export { CALENDAR_SEGMENTS, type RouteRequest, type RouteResponse } from "./event-request.js";

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
    const extended = calendarExtended(req, folder);
    if (extended) body.singleValueExtendedProperties = extended;
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
