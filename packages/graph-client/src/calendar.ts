/**
 * Calendars and events of one mailbox over Graph v1.0: calendars (list, get, create, delete),
 * events (CRUD with `If-Match`), a series' instances, one occurrence changed (it becomes an
 * exception) or cancelled, and the calendarView delta of a calendar over a window — the way to
 * follow a calendar's changes in v1.0 (delta on a calendar's events without a window is beta-only).
 *
 * calendarView delta answers instances (single events, occurrences, exceptions), never series
 * masters: {@link calendarViewDelta} reads the masters of the occurrences and exceptions it saw in
 * `$batch`es of at most 20 (`$expand=exceptionOccurrences`, `cancelledOccurrences` selected), so a
 * caller gets each series whole. Every read can ask for dateTimes in a zone (`Prefer:
 * outlook.timezone`) and a body type (`Prefer: outlook.body-content-type`).
 *
 * Functions take the mailbox's {@link GraphRequester}; `GraphClient` delegates to them.
 * @module
 */
import { GraphTransportError, graphErrorOf } from "./errors.js";
import type { GraphCalendar, GraphCalendarInput, GraphEvent, GraphEventInput } from "./model-calendar.js";
import { asObject, odataQuote, type GraphDeltaRound, type GraphReadOptions, type GraphRequester } from "./requester.js";

/** How event reads are answered: zone of dateTimes and body type. */
export interface GraphEventReadOptions extends GraphReadOptions {
  /** `Prefer: outlook.timezone="…"` (a Windows or IANA zone name): dateTimes in that zone instead of UTC. */
  readonly timeZone?: string;
  /** `Prefer: outlook.body-content-type`: bodies as text or as HTML. */
  readonly bodyType?: "text" | "html";
  /** `$expand=exceptionOccurrences`: a series master's exceptions with it. */
  readonly expandExceptions?: boolean;
  /**
   * {@link calendarViewDelta} only: how the masters of the series seen are read — `"whole"`
   * (default: every sync property, exceptions expanded, the extended properties asked for),
   * `"versions"` (`$select=changeKey`: the id and etag, what a feed of versions needs) or `"none"`
   * (not read: `masters` is empty and an occurrence whose series is gone is not told apart).
   */
  readonly masters?: "whole" | "versions" | "none";
}

/** Options of an event write. */
export interface GraphEventWriteOptions {
  /** `If-Match`: the `@odata.etag` read with the event (a series' for one of its occurrences); a changed event answers 412. */
  readonly ifMatch?: string;
  /** How the answer is given (zone, body type). */
  readonly timeZone?: string;
  readonly bodyType?: "text" | "html";
  readonly signal?: AbortSignal;
}

/** A time window: ISO 8601 date-times (with an offset; without one, UTC) or Dates. */
export interface GraphTimeWindow {
  readonly start: string | Date;
  readonly end: string | Date;
}

/** One calendarView delta round: the instances that changed, the ids that left the view, the cursor, and the masters of the series seen. */
export interface GraphCalendarViewRound extends GraphDeltaRound<GraphEvent> {
  /**
   * The series masters of the occurrences and exceptions in `changed`, read whole: `recurrence`,
   * `cancelledOccurrences`, `exceptionOccurrences`, and the extended properties asked for.
   */
  readonly masters: GraphEvent[];
}

/** A batch as the client runs it (`GraphClient.batch`). */
export type GraphBatchRunner = (requests: Array<{ id: string; method: "GET"; url: string; headers?: Record<string, string> }>, options: { signal?: AbortSignal }) =>
  Promise<Array<{ id: string; status: number; body: unknown; headers: Readonly<Record<string, string>> }>>;

/**
 * The properties sync reads of an event: Graph's default set and `cancelledOccurrences` (given only
 * when selected), `originalStart` and `exceptionOccurrences` (expanded).
 */
export const GRAPH_EVENT_SYNC_PROPERTIES: readonly string[] = [
  "id", "createdDateTime", "lastModifiedDateTime", "changeKey", "categories", "transactionId", "originalStartTimeZone", "originalEndTimeZone", "iCalUId",
  "reminderMinutesBeforeStart", "isReminderOn", "hasAttachments", "subject", "bodyPreview", "importance", "sensitivity", "isAllDay", "isCancelled",
  "isOrganizer", "responseRequested", "seriesMasterId", "showAs", "type", "webLink", "onlineMeetingUrl", "isOnlineMeeting", "onlineMeetingProvider",
  "allowNewTimeProposals", "isDraft", "hideAttendees", "recurrence", "onlineMeeting", "responseStatus", "body", "start", "end", "location", "locations",
  "attendees", "organizer", "originalStart", "cancelledOccurrences", "exceptionOccurrences",
];

/** The most requests of one `$batch`. */
const BATCH = 20;

const iso = (t: string | Date) => (typeof t === "string" ? t : t.toISOString());

/** The `Prefer` header of an event read or write: immutable ids, zone, body type, page size. */
function preferOf(r: GraphRequester, options: { timeZone?: string; bodyType?: "text" | "html"; pageSize?: number }, pageSize = false): Record<string, string> {
  return r.prefer(
    options.timeZone !== undefined ? `outlook.timezone="${options.timeZone.replace(/"/g, "")}"` : undefined,
    options.bodyType !== undefined ? `outlook.body-content-type="${options.bodyType}"` : undefined,
    pageSize && options.pageSize !== undefined ? `odata.maxpagesize=${options.pageSize}` : undefined,
  );
}

/** `$select`, `$expand` (extended properties, exceptions) and, for lists, `$top` of an event read. */
function eventQuery(r: GraphRequester, options: GraphEventReadOptions, list = false): Record<string, string | undefined> {
  const q = r.readQuery(options, list);
  const expand = [q.$expand, options.expandExceptions ? "exceptionOccurrences" : undefined].filter(Boolean).join(",");
  return { ...q, $expand: expand || undefined };
}

function calendarPath(r: GraphRequester, calendarId: string | undefined, ...rest: string[]): string {
  return calendarId === undefined ? r.path("calendar", ...rest) : r.path("calendars", calendarId, ...rest);
}

// ---------------------------------------------------------------- calendars

/** Every calendar of the mailbox (the default first, as Outlook lists them). */
export function listCalendars(r: GraphRequester, options: { signal?: AbortSignal } = {}): Promise<GraphCalendar[]> {
  return r.listAll(r.url(r.path("calendars")), options.signal);
}

/** One calendar; without an id, the default calendar (`/calendar`). */
export async function getCalendar(r: GraphRequester, id: string | undefined, options: { signal?: AbortSignal } = {}): Promise<GraphCalendar> {
  return r.json<GraphCalendar>("GET", r.url(calendarPath(r, id)), options);
}

/** Creates a calendar. */
export async function createCalendar(r: GraphRequester, calendar: GraphCalendarInput, options: { signal?: AbortSignal } = {}): Promise<GraphCalendar> {
  return r.json<GraphCalendar>("POST", r.url(r.path("calendars")), { body: calendar, signal: options.signal });
}

/** Deletes a calendar and its events (the default calendar cannot be deleted). */
export async function deleteCalendar(r: GraphRequester, id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  await r.call("DELETE", r.url(r.path("calendars", id)), options);
}

// ---------------------------------------------------------------- events

/** Every event (single events and series masters) of a calendar (default: the default calendar), all pages. */
export function listEvents(r: GraphRequester, calendarId: string | undefined, options: GraphEventReadOptions = {}): Promise<GraphEvent[]> {
  return r.listAll(r.url(calendarPath(r, calendarId, "events"), eventQuery(r, options, true)), options.signal, preferOf(r, options));
}

/** One event, series master, occurrence or exception. */
export async function getEvent(r: GraphRequester, id: string, options: GraphEventReadOptions = {}): Promise<GraphEvent> {
  return r.json<GraphEvent>("GET", r.url(r.path("events", id), eventQuery(r, options)), { headers: preferOf(r, options), signal: options.signal });
}

/** Creates an event (a series master when it has a `recurrence`) in a calendar (default: the default calendar). */
export async function createEvent(r: GraphRequester, event: GraphEventInput, calendarId: string | undefined, options: Omit<GraphEventWriteOptions, "ifMatch"> = {}): Promise<GraphEvent> {
  const answer = asObject((await r.call("POST", r.url(calendarPath(r, calendarId, "events")), { body: event, headers: preferOf(r, options), signal: options.signal, idempotent: event.transactionId != null })).body, "POST event");
  return answer as unknown as GraphEvent;
}

/**
 * Changes an event (PATCH: the properties given replace the stored ones). On an occurrence's id it
 * changes that occurrence alone, which becomes an exception of its series.
 */
export async function updateEvent(r: GraphRequester, id: string, patch: GraphEventInput, options: GraphEventWriteOptions = {}): Promise<GraphEvent> {
  const headers = { ...preferOf(r, options), ...r.ifMatch(options.ifMatch) };
  return r.json<GraphEvent>("PATCH", r.url(r.path("events", id)), { body: patch, headers, signal: options.signal });
}

/** Deletes an event, a whole series (the master's id) or one occurrence (it becomes a cancelled occurrence of the series). */
export async function deleteEvent(r: GraphRequester, id: string, options: GraphEventWriteOptions = {}): Promise<void> {
  const headers = r.ifMatch(options.ifMatch);
  await r.call("DELETE", r.url(r.path("events", id)), { ...(headers ? { headers } : {}), signal: options.signal });
}

/** Cancels a meeting the mailbox organises (`POST …/cancel`, attendees get the comment); on an occurrence, that occurrence. */
export async function cancelEvent(r: GraphRequester, id: string, comment: string | undefined, options: { signal?: AbortSignal } = {}): Promise<void> {
  await r.call("POST", r.url(r.path("events", id, "cancel")), { body: comment === undefined ? {} : { Comment: comment }, signal: options.signal });
}

/** The occurrences and exceptions of a series master in a window, by start. */
export function listInstances(r: GraphRequester, id: string, window: GraphTimeWindow, options: GraphEventReadOptions = {}): Promise<GraphEvent[]> {
  const query = { ...eventQuery(r, options, true), startDateTime: iso(window.start), endDateTime: iso(window.end) };
  return r.listAll(r.url(r.path("events", id, "instances"), query), options.signal, preferOf(r, options));
}

/** The instances of a calendar's view of a window (`calendarView`), by start. */
export function listCalendarView(r: GraphRequester, calendarId: string | undefined, window: GraphTimeWindow, options: GraphEventReadOptions = {}): Promise<GraphEvent[]> {
  const query = { ...eventQuery(r, options, true), startDateTime: iso(window.start), endDateTime: iso(window.end) };
  return r.listAll(r.url(calendarPath(r, calendarId, "calendarView"), query), options.signal, preferOf(r, options));
}

// ---------------------------------------------------------------- calendarView delta

/**
 * One calendarView delta round of a calendar (default: the default calendar): from `cursor` (a
 * previous round's delta link, which keeps its window) or, without one, every instance of `window`.
 * Follows every next link (a page with neither link is a cut answer: an error), then reads the
 * series masters of the occurrences and exceptions seen, in `$batch`es of at most 20, with their
 * exceptions expanded and `cancelledOccurrences`; with `extendedProperties`, the single events are
 * read again the same way (calendarView delta expands nothing). `masters: "versions"` reads the
 * masters' ids and etags only, `masters: "none"` nothing (see {@link GraphEventReadOptions.masters}). An event gone before it is read
 * is reported removed (with the instances of a series gone). A dropped sync state throws
 * `GraphSyncStateNotFoundError`: the caller then starts again without a cursor.
 */
export async function calendarViewDelta(
  r: GraphRequester, batch: GraphBatchRunner, calendarId: string | undefined, window: GraphTimeWindow, cursor: string | undefined, options: GraphEventReadOptions = {},
): Promise<GraphCalendarViewRound> {
  const first = cursor !== undefined ? new URL(cursor) : r.url(calendarPath(r, calendarId, "calendarView", "delta"), { startDateTime: iso(window.start), endDateTime: iso(window.end) });
  const round = await r.deltaRound<GraphEvent>(first, { headers: preferOf(r, options, true), signal: options.signal });
  const masterIds = [...new Set(round.changed.filter((e) => e.type === "occurrence" || e.type === "exception").map((e) => e.seriesMasterId).filter((id): id is string => typeof id === "string"))];
  if (round.changed.some((e) => (e.type === "occurrence" || e.type === "exception") && typeof e.seriesMasterId !== "string")) {
    throw new GraphTransportError("MALFORMED_RESPONSE", "calendarView delta: an occurrence without its seriesMasterId");
  }
  if (options.masters === "none") return { changed: round.changed, removed: round.removed, cursor: round.cursor, masters: [] };
  const whole = options.masters !== "versions";
  // Single events are read again only for the extended properties asked for (calendarView delta expands nothing).
  const singles = new Set(whole && options.extendedProperties?.length ? round.changed.filter((e) => e.type === "singleInstance" || e.type == null).map((e) => e.id) : []);
  const read = await readEvents(r, batch, [...masterIds, ...singles], whole ? options : { ...options, versionsOnly: true });
  const masters = masterIds.flatMap((id) => (read.get(id) ? [read.get(id)!] : []));
  const removed = new Set(round.removed);
  const changed: GraphEvent[] = [];
  for (const e of round.changed) {
    const master = typeof e.seriesMasterId === "string" ? e.seriesMasterId : undefined;
    if (master !== undefined && (e.type === "occurrence" || e.type === "exception")) {
      if (read.get(master) === undefined) removed.add(e.id);
      else changed.push(e);
    } else if (singles.has(e.id)) {
      const full = read.get(e.id);
      if (full === undefined) removed.add(e.id);
      else changed.push(full);
    } else changed.push(e);
  }
  return { changed, removed: [...removed], cursor: round.cursor, masters };
}

/**
 * Reads events whole (sync's properties, exceptions expanded, the extended properties asked for)
 * in batches; an id that is gone (404) maps to undefined. A member that failed otherwise (throttled
 * inside the batch …) is read again on its own, through the transport's retries.
 */
async function readEvents(r: GraphRequester, batch: GraphBatchRunner, ids: string[], options: GraphEventReadOptions & { versionsOnly?: boolean }): Promise<Map<string, GraphEvent | undefined>> {
  const out = new Map<string, GraphEvent | undefined>();
  const ext = options.extendedProperties ?? [];
  const query = new URLSearchParams(options.versionsOnly ? { $select: "changeKey" } : {
    $select: GRAPH_EVENT_SYNC_PROPERTIES.join(","),
    $expand: ["exceptionOccurrences", ...(ext.length ? [`singleValueExtendedProperties($filter=${ext.map((id) => `id eq ${odataQuote(id)}`).join(" or ")})`] : [])].join(","),
  });
  const headers = preferOf(r, options);
  const urlOf = (id: string) => `${r.path("events", id)}?${query.toString()}`;
  for (let at = 0; at < ids.length; at += BATCH) {
    const chunk = ids.slice(at, at + BATCH);
    const answers = await batch(chunk.map((id, i) => ({ id: String(i + 1), method: "GET", url: urlOf(id), headers })), options.signal ? { signal: options.signal } : {});
    for (const [i, id] of chunk.entries()) {
      const answer = answers[i]!;
      if (answer.status === 200 && typeof answer.body === "object" && answer.body !== null && typeof (answer.body as { id?: unknown }).id === "string") {
        out.set(id, answer.body as GraphEvent);
      } else if (answer.status === 200) {
        throw new GraphTransportError("MALFORMED_RESPONSE", "GET event (in $batch): the answer is not an event");
      } else if (answer.status === 404) {
        out.set(id, undefined);
      } else if (answer.status === 429 || answer.status === 503 || answer.status === 504) {
        const again = await r.call("GET", r.url(urlOf(id)), { headers, signal: options.signal }).catch((error: unknown) => {
          if ((error as { status?: number }).status === 404) return undefined;
          throw error;
        });
        out.set(id, again === undefined ? undefined : asObject(again.body, "GET event") as unknown as GraphEvent);
      } else {
        throw graphErrorOf(answer.status, JSON.stringify(answer.body ?? null), answer.headers["request-id"], undefined, `GET ${r.path("events", "…")} (in $batch)`);
      }
    }
  }
  return out;
}
