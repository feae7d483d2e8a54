/**
 * The Graph side's change feeds: a delta query per collection, its `@odata.deltaLink` the cursor.
 *
 * - Contacts: `contacts/delta` of the folder.
 * - To Do tasks: `tasks/delta` of the list.
 * - Events: calendarView delta of the calendar over the side's window (Graph v1.0 has no delta of
 *   a calendar's events without one). It returns instances; the side's items are single events and
 *   series masters, so an occurrence or exception stands for its series (at the master's etag,
 *   read by the client with the round: `$select=changeKey` only). A round that reports instances
 *   removed (an event deleted, an occurrence cancelled, a series gone or moved out of the window) is
 *   answered with the calendar's listing (`/calendars/{id}/events?$select=changeKey`, every single
 *   event and series master whatever its dates, 1000 a page), `complete`, and the round's cursor is
 *   kept: a removed instance does not say which series it belonged to, and the engine's comparison
 *   of a complete listing with its state finds both the deleted items and the changed series. A
 *   full round (no cursor) is a delta round over the window for the cursor alone (its instances
 *   not read further) and the listing for the items. So a first sync takes the whole calendar, as
 *   the EWS side's SyncFolderItems does; the window bounds only what the delta rounds watch. An
 *   edit of an event outside the window (in Outlook) is seen at the next listing: one is made at
 *   least every `calendarListingHours` (default 24). The cursor holds the window it was made over
 *   and the time of the last listing (`graph-window:v2:{start}|{end}|{listedAt ms}|{link}`; a v1
 *   cursor reads as never listed); once the window has moved on by more than
 *   {@link WINDOW_SLACK_DAYS} days, the feed restarts.
 *
 * No cursor, or one Graph rejects (410 `syncStateNotFound`, or a cursor that is not one of this
 * side's delta links), restarts as a full delta round: every item with its version, `complete`
 * (the engine compares it with its state, as it does with the EWS side's rejected SyncState).
 * Feeds carry ids and versions (`@odata.etag`) only: the engine reads what it does not hold at that
 * version, in `$batch`es.
 *
 * A delta page that is cut or malformed (neither a next nor a delta link, no `value`) fails the
 * feed (the client throws): a partial round is never taken as complete, and the cursor is not
 * moved.
 *
 * @module
 */
import { GraphSyncStateNotFoundError, type GraphEvent } from "@ewsdav/graph-client";
import type { ChangeFeed, Versioned } from "../../engine/side.js";
import { needCalendars, needTodo } from "./apis.js";
import { contactFolderOf, kindOf } from "./collections.js";
import { versionOf, type GraphContext } from "./context.js";
import { DEFAULT_CALENDAR_LISTING_HOURS, DEFAULT_CALENDAR_WINDOW } from "./options.js";

/** The properties a contacts delta round asks for: the id comes anyway, the change key makes the version when no etag does. */
const CONTACT_DELTA_SELECT = ["changeKey"];

/** How an events cursor begins (v2 holds the time of the last listing; a v1 cursor reads as never listed). */
const WINDOW_CURSOR = "graph-window:v2:";
const WINDOW_CURSOR_V1 = "graph-window:v1:";

/** Days the calendar window may move on before an events feed restarts over the new one. */
export const WINDOW_SLACK_DAYS = 7;

const DAY = 86_400_000;

/** One round: ids and versions, removed ids, the next link. */
interface Round {
  changed: Versioned[];
  removed: string[];
  cursor: string;
}

/**
 * Whether `cursor` can be one of this side's delta links: an absolute http(s) URL on the client's
 * own origin. Anything else (a cursor from another cloud or base URL) restarts the feed.
 */
function usable(ctx: GraphContext, cursor: string | null): cursor is string {
  if (cursor === null) return false;
  try {
    const url = new URL(cursor);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === new URL(ctx.client.serviceRoot).origin;
  } catch {
    return false;
  }
}

/** The calendar window now: whole UTC days, so it stays the same through a day. */
function windowNow(ctx: GraphContext): { start: string; end: string } {
  const w = ctx.options.calendarWindow ?? DEFAULT_CALENDAR_WINDOW;
  const today = Math.floor(Date.now() / DAY) * DAY;
  return { start: new Date(today - w.pastDays * DAY).toISOString(), end: new Date(today + w.futureDays * DAY).toISOString() };
}

/** A delta round of a collection of `kind` (`from`: a delta link, or undefined for a full round). */
async function roundOf(ctx: GraphContext, kind: string, collection: string, from: string | undefined, window: { start: string; end: string }, signal?: AbortSignal): Promise<Round> {
  const call = signal ? { signal } : {};
  if (kind === "contacts") {
    const r = await ctx.client.contactsDelta(contactFolderOf(collection), from, { select: CONTACT_DELTA_SELECT, ...call });
    return { changed: r.changed.map((e) => ({ id: e.id, version: versionOf(e) })), removed: r.removed, cursor: r.cursor };
  }
  if (kind === "tasks") {
    const r = await needTodo(ctx.client).todoTasksDelta(collection, from, call);
    return { changed: r.changed.map((e) => ({ id: e.id, version: versionOf(e) })), removed: r.removed, cursor: r.cursor };
  }
  // The feed carries versions only: the masters' etags, nothing of the single events beyond the round's own.
  const r = await needCalendars(ctx.client).calendarViewDelta(collection, window, from, { masters: "versions", ...call });
  const masters = new Map<string, GraphEvent>(r.masters.map((m) => [m.id, m]));
  const changed = new Map<string, Versioned>();
  for (const e of r.changed) {
    const series = (e.type === "occurrence" || e.type === "exception") && typeof e.seriesMasterId === "string" ? masters.get(e.seriesMasterId) : undefined;
    const item = series ?? e;
    if ((e.type === "occurrence" || e.type === "exception") && !series) continue; // its series is gone: the client reports it removed
    changed.set(item.id, { id: item.id, version: versionOf(item) });
  }
  return { changed: [...changed.values()], removed: r.removed, cursor: r.cursor };
}

/** The most events of one page of the calendar's listing (`$top`; Outlook's collections give at most 1000). */
const LISTING_PAGE = 1000;

/**
 * Every event of a calendar (single events and series masters, whatever their dates) with its
 * version: `GET /calendars/{id}/events?$select=changeKey`, all pages. A complete listing of the
 * side's items, so the engine finds the deleted ones (absent) and the changed ones (another
 * version) by comparing it with its state, without a read by id.
 */
async function eventListing(ctx: GraphContext, calendar: string, signal?: AbortSignal): Promise<Versioned[]> {
  const events = await needCalendars(ctx.client).listEvents(calendar, { select: ["changeKey"], pageSize: LISTING_PAGE, ...(signal ? { signal } : {}) });
  return events.map((e) => ({ id: e.id, version: versionOf(e) }));
}

/** An events cursor's parts (a v1 cursor: never listed, so a listing is due), or null. */
function parseWindowCursor(cursor: string | null): { start: string; end: string; listedAt: number; link: string } | null {
  if (cursor?.startsWith(WINDOW_CURSOR)) {
    const m = /^([^|]+)\|([^|]+)\|(\d+)\|(.+)$/s.exec(cursor.slice(WINDOW_CURSOR.length));
    return m ? { start: m[1]!, end: m[2]!, listedAt: Number(m[3]), link: m[4]! } : null;
  }
  if (cursor?.startsWith(WINDOW_CURSOR_V1)) {
    const m = /^([^|]+)\|([^|]+)\|(.+)$/s.exec(cursor.slice(WINDOW_CURSOR_V1.length));
    return m ? { start: m[1]!, end: m[2]!, listedAt: 0, link: m[3]! } : null;
  }
  return null;
}

/** The changes of a collection since `cursor` (`null`: every item, as a complete listing). */
export async function changes(ctx: GraphContext, collection: string, cursor: string | null, signal?: AbortSignal): Promise<ChangeFeed> {
  const kind = await kindOf(ctx, collection, signal);
  if (kind !== "events") {
    const full = async (): Promise<ChangeFeed> => {
      const r = await roundOf(ctx, kind, collection, undefined, windowNow(ctx), signal);
      return { cursor: r.cursor, changed: r.changed, deleted: [], complete: true };
    };
    if (!usable(ctx, cursor)) return full();
    try {
      const r = await roundOf(ctx, kind, collection, cursor, windowNow(ctx), signal);
      return { cursor: r.cursor, changed: r.changed, deleted: r.removed, complete: false };
    } catch (error) {
      if (!(error instanceof GraphSyncStateNotFoundError)) throw error;
      return full(); // the sync state is gone: a full round, compared with the state by the engine
    }
  }
  // Events: the cursor carries its window.
  const now = windowNow(ctx);
  // A full round: a calendarView delta round over the window for the cursor (its instances are not
  // needed: nothing of it is read further), then the calendar's listing for the items. The delta round
  // comes first, so a change made between the two is in the listing and reported again by the next
  // round, never missed.
  const full = async (): Promise<ChangeFeed> => {
    const r = await needCalendars(ctx.client).calendarViewDelta(collection, now, undefined, { masters: "none", ...(signal ? { signal } : {}) });
    const listedAt = Date.now();
    return { cursor: `${WINDOW_CURSOR}${now.start}|${now.end}|${listedAt}|${r.cursor}`, changed: await eventListing(ctx, collection, signal), deleted: [], complete: true };
  };
  const parsed = parseWindowCursor(cursor);
  if (!parsed || !usable(ctx, parsed.link) || Math.abs(Date.parse(parsed.start) - Date.parse(now.start)) > WINDOW_SLACK_DAYS * DAY) return full();
  const window = { start: parsed.start, end: parsed.end };
  const everyMs = (ctx.options.calendarListingHours ?? DEFAULT_CALENDAR_LISTING_HOURS) * 3_600_000;
  try {
    const r = await roundOf(ctx, kind, collection, parsed.link, window, signal);
    // Which series lost an instance, a removal does not say: the calendar's listing (after the round,
    // so nothing between is missed) answers it, and the round's cursor is kept. The listing also
    // comes when the last one is `calendarListingHours` old: it is what sees an edit of an event
    // outside the window, which the window's delta never reports.
    if (r.removed.length || !(Date.now() - parsed.listedAt < everyMs)) {
      const listedAt = Date.now();
      return { cursor: `${WINDOW_CURSOR}${window.start}|${window.end}|${listedAt}|${r.cursor}`, changed: await eventListing(ctx, collection, signal), deleted: [], complete: true };
    }
    return { cursor: `${WINDOW_CURSOR}${window.start}|${window.end}|${parsed.listedAt}|${r.cursor}`, changed: r.changed, deleted: [], complete: false };
  } catch (error) {
    if (!(error instanceof GraphSyncStateNotFoundError)) throw error;
    return full();
  }
}
