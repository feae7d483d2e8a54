/**
 * Events over Graph (the events {@link ItemCodec}): the side's items are single events and series
 * masters (`/events/{id}`), created in `/calendars/{calendar}/events`. A read asks for the
 * properties sync maps (`$select`, `cancelledOccurrences` among them: Graph gives it only when
 * selected), the series' exceptions (`$expand=exceptionOccurrences`) and ewsdav's UID property;
 * `graphEventToICalendar` of `@ewsdav/mappers` writes the master, its exceptions (RECURRENCE-ID
 * overrides) and its cancelled occurrences (EXDATE) as one iCalendar object, rendered onto the
 * basis. A write sends the master (POST, or PATCH with `If-Match`), then the series' exceptions:
 * the series' instances are read once (`/events/{master}/instances` over the range of the original
 * starts concerned), each occurrence found by its original start and PATCHed (an exception) or
 * DELETEd (a cancelled occurrence), in batches; the master is then read again, so its etag and text
 * are what Graph holds after the last of them. What Graph cannot undo (an exception or a cancelled
 * occurrence the text no longer has, still on the master) is reported in `dropped`, and so is an EXDATE
 * that matches no occurrence of the series (not cancelled already either); a create whose
 * occurrence writes fail keeps its series (the engine learns its id) and reports the failure.
 *
 * A read by id is scoped to the pair's calendar (`outside`): the event's PidTagParentEntryId
 * against the calendar's PidTagEntryId, or, where they differ, against the PidTagParentEntryId of
 * an event the calendar lists; so an event moved to Deleted Items reads as gone.
 *
 * File attachments (non-inline, within `maxAttachmentBytes`) are read when `hasAttachments` says
 * so and written after the event (added, removed, unchanged ones left alone; see `files.ts`).
 *
 * Events made over EWS or in Outlook carry their own UID (Graph's `iCalUId`); ewsdav's UID property
 * wins where it is set.
 *
 * @module
 */
import type { GraphEvent, GraphEventInput } from "@ewsdav/graph-client";
import { graphEventFromICalendar, graphEventToICalendar } from "@ewsdav/mappers";
import { SideError } from "../../engine/side.js";
import { sendAll } from "./batch.js";
import { queryOf, type GraphEntity, type ItemCodec, type MappedWrite, type Rendered } from "./codec.js";
import { UID_EXPAND } from "./contacts.js";
import { UID_PROPERTY_ID, type GraphContext } from "./context.js";
import { answerError, toSideError } from "./errors.js";
import { attachmentCap, droppedOf, eachLimited, filesOf, readAttachments, syncAttachments, withFiles, type FileBytes } from "./files.js";

/** What a read of an event selects: what the mapping reads, what versions and `modified` need. */
export const EVENT_SELECT = [
  "changeKey", "lastModifiedDateTime", "categories", "originalStartTimeZone", "originalEndTimeZone", "iCalUId", "reminderMinutesBeforeStart", "isReminderOn",
  "hasAttachments", "subject", "importance", "sensitivity", "isAllDay", "isCancelled", "isOrganizer", "responseRequested", "seriesMasterId", "showAs", "type",
  "isOnlineMeeting", "onlineMeetingProvider", "recurrence", "onlineMeeting", "responseStatus", "body", "start", "end", "location", "locations", "attendees",
  "organizer", "originalStart", "cancelledOccurrences",
];

const JSON_HEADERS = { "content-type": "application/json" } as const;

/** What follows a series master's write: its exceptions and cancelled occurrences. */
interface SeriesFollowUp {
  exceptions: Array<{ originalStart: string; event: GraphEventInput }>;
  cancelled: string[];
}

/** What follows an event's write: its series' occurrences, then its attachments. */
interface EventFollowUp {
  create: boolean;
  series?: SeriesFollowUp;
  /** The files the event should carry (within the cap). */
  wanted: FileBytes[];
  /** Files of the text left out (over the cap): never deleted from the mailbox. */
  oversize: Set<string>;
}

/** Reads an event again (after its occurrences or attachments changed its etag). */
async function reread(ctx: GraphContext, id: string, signal?: AbortSignal): Promise<GraphEntity> {
  const [fresh] = await sendAll(ctx, [{ method: "GET", url: `${ctx.client.path("events", id)}?${READ_QUERY}` }], signal);
  if (!fresh || fresh.status >= 400) throw fresh ? answerError(fresh, id, "GET event") : new SideError("transient", "GET event: no answer", id);
  return fresh.body as GraphEntity;
}

/**
 * After an event's write: its series' occurrences, then its attachments made what the text says
 * (see `files.ts`); the event read again when either changed it. The result keeps the text
 * written's ATTACH (`"keep"`).
 */
async function afterEventWrite(ctx: GraphContext, written: GraphEntity, mapped: MappedWrite, signal?: AbortSignal): Promise<GraphEntity> {
  const followUp = mapped.followUp as EventFollowUp;
  let entity = written;
  if (followUp.series) {
    try {
      entity = await applySeries(ctx, written, followUp.series, mapped.dropped, signal);
    } catch (error) {
      if (!followUp.create) throw error; // an update is tried again
      // The series exists: the engine must learn its id (never create it twice). What was not
      // written of its occurrences is reported; the text read back says what Graph holds.
      mapped.dropped.push({ property: "RECURRENCE-ID", reason: `the series was created, but Graph refused its exceptions or cancelled occurrences: ${(error as Error).message}` });
      entity = await reread(ctx, written.id, signal).catch(() => written);
    }
  }
  const listCurrent = !followUp.create && (written as { hasAttachments?: boolean }).hasAttachments !== false;
  if (followUp.wanted.length > 0 || listCurrent) {
    try {
      const changed = await syncAttachments(ctx, written.id, followUp.wanted, followUp.oversize, listCurrent, signal);
      if (changed) entity = await reread(ctx, written.id, signal);
    } catch (error) {
      if (!followUp.create) throw error; // an update is tried again
      // The event exists: what was refused is reported, never the item created twice.
      mapped.dropped.push({ property: "ATTACH", reason: `Graph refused an attachment: ${(error as Error).message}` });
      entity = await reread(ctx, written.id, signal).catch(() => entity);
    }
  }
  return withFiles(entity, { attachments: "keep", dropped: [] });
}

/**
 * PidTagParentEntryId (MS-OXPROPS: tag 0x0E09, PtypBinary, computed by the store for every item):
 * the entry id of the folder that holds the event. Graph v1.0's event has no `parentFolderId`, and
 * with immutable ids `GET /events/{id}` finds an event wherever it is (Deleted Items, another
 * calendar); this property says where.
 */
const PARENT_ENTRY_ID = "Binary 0x0E09";
/** PidTagEntryId (MS-OXPROPS: tag 0x0FFF, PtypBinary): a calendar folder's own entry id, what its events' PidTagParentEntryId holds. */
const ENTRY_ID = "Binary 0x0FFF";

/** The `$select`/`$expand` of a read: the sync properties, the exceptions, ewsdav's UID property and the parent folder's entry id. */
const READ_QUERY = queryOf(EVENT_SELECT, `exceptionOccurrences,singleValueExtendedProperties($filter=id eq '${UID_PROPERTY_ID}' or id eq '${PARENT_ENTRY_ID}')`);

/** Whether a Graph extended property id names the MAPI tag `tag` (`Binary 0xe09`, `Binary 0x0E09` …). */
function isTag(id: string, type: string, tag: number): boolean {
  const m = /^(\w+)\s+0x([0-9a-f]{1,4})$/i.exec(id.trim());
  return !!m && m[1]!.toLowerCase() === type.toLowerCase() && parseInt(m[2]!, 16) === tag;
}

/** The value of the Binary property `tag` among an entity's `singleValueExtendedProperties`, as bytes (base64 in Graph's answer). */
function binaryOf(entity: object, tag: number): Buffer | undefined {
  const all = (entity as { singleValueExtendedProperties?: unknown }).singleValueExtendedProperties;
  const props = Array.isArray(all) ? (all as Array<{ id?: unknown; value?: unknown }>) : [];
  const found = props.find((p) => typeof p.id === "string" && isTag(p.id, "Binary", tag));
  return typeof found?.value === "string" && found.value !== "" ? Buffer.from(found.value, "base64") : undefined;
}

/** The entity without PidTagParentEntryId among its extended properties (where the event is, not what it says: never mapped). */
function withoutParentEntryId(entity: GraphEntity): GraphEntity {
  const all = entity.singleValueExtendedProperties;
  if (!Array.isArray(all)) return entity;
  const kept = (all as Array<{ id?: unknown }>).filter((p) => !(typeof p.id === "string" && isTag(p.id, "Binary", 0x0e09)));
  return kept.length === all.length ? entity : { ...entity, singleValueExtendedProperties: kept };
}

/** The entry id of each calendar, by the side's context (read once per calendar: it never changes; a failed read is asked again next time). */
const calendarEntryIds = new WeakMap<GraphContext, Map<string, Promise<Buffer | null>>>();

/**
 * A calendar's PidTagEntryId, read once (`GET /calendars/{id}` with the property expanded; Graph's
 * calendar carries singleValueExtendedProperties) and kept; null when Graph does not give it.
 */
async function calendarEntryId(ctx: GraphContext, calendar: string, signal?: AbortSignal): Promise<Buffer | null> {
  let known = calendarEntryIds.get(ctx);
  if (!known) calendarEntryIds.set(ctx, (known = new Map()));
  const cached = known.get(calendar);
  if (cached !== undefined) return cached;
  const read = readCalendarEntryId(ctx, calendar, signal);
  known.set(calendar, read);
  read.catch(() => known.delete(calendar));
  return read;
}

async function readCalendarEntryId(ctx: GraphContext, calendar: string, signal?: AbortSignal): Promise<Buffer | null> {
  const url = `${ctx.client.path("calendars", calendar)}?${queryOf(["id"], `singleValueExtendedProperties($filter=id eq '${ENTRY_ID}')`)}`;
  const [answer] = await sendAll(ctx, [{ method: "GET", url }], signal);
  if (!answer || answer.status >= 400) throw answer ? answerError(answer, null, "GET calendar") : new SideError("transient", "GET calendar: no answer");
  if (typeof answer.body !== "object" || answer.body === null) throw new SideError("transient", "GET calendar: an answer without the calendar (cut or malformed)");
  return binaryOf(answer.body, 0x0fff) ?? null;
}

/** Per side and calendar: the PidTagParentEntryId an event the calendar itself lists carries (null: the calendar was empty). */
const listedParentIds = new WeakMap<GraphContext, Map<string, Buffer | null>>();

/**
 * The PidTagParentEntryId of an event the calendar lists (`/calendars/{id}/events?$top=1`, the
 * property expanded), or null when the calendar has no event, or undefined when Graph does not give
 * the property. Not cached here: the caller keeps a value it found.
 */
async function listedParentId(ctx: GraphContext, calendar: string, signal?: AbortSignal): Promise<Buffer | null | undefined> {
  const url = `${ctx.client.path("calendars", calendar, "events")}?$top=1&${queryOf(["id"], `singleValueExtendedProperties($filter=id eq '${PARENT_ENTRY_ID}')`)}`;
  const [answer] = await sendAll(ctx, [{ method: "GET", url }], signal);
  if (!answer || answer.status >= 400) throw answer ? answerError(answer, null, "GET the calendar's events") : new SideError("transient", "GET the calendar's events: no answer");
  const body = answer.body as { value?: unknown } | null;
  if (typeof body !== "object" || body === null || !Array.isArray(body.value)) throw new SideError("transient", "GET the calendar's events: an answer without its value (cut or malformed)");
  const first = body.value[0] as GraphEntity | undefined;
  if (first === undefined) return null;
  return binaryOf(first, 0x0e09);
}

/**
 * Which events read by id are outside `calendar` (see {@link ItemCodec.outside}): their
 * PidTagParentEntryId (0x0E09) is not the calendar's. The calendar's own PidTagEntryId (0x0FFF) is
 * tried first (one request per calendar, kept); it is the same bytes in the simulator, but a server
 * may encode the two differently (flags, provider bytes), so on the first event that does not match
 * it the reference becomes the 0x0E09 of an event the calendar itself lists (one request, kept
 * while it keeps matching). With that reference an event is outside on evidence only: an empty
 * calendar holds none of the events read; an event or a calendar without the property (a server
 * that does not give computed properties) is taken as in the calendar: never a deletion on a doubt.
 */
async function eventsOutside(ctx: GraphContext, calendar: string, entities: readonly GraphEntity[], signal?: AbortSignal): Promise<boolean[]> {
  const parents = entities.map((e) => binaryOf(e, 0x0e09));
  if (parents.every((p) => p === undefined)) return entities.map(() => false);
  let listed = listedParentIds.get(ctx);
  if (!listed) listedParentIds.set(ctx, (listed = new Map()));
  const own = await calendarEntryId(ctx, calendar, signal);
  const learnt = listed.get(calendar);
  const matches = (p: Buffer) => (own !== null && p.equals(own)) || (learnt != null && p.equals(learnt));
  if (parents.every((p) => p === undefined || matches(p))) return entities.map(() => false);
  // A mismatch: compare with what an event the calendar lists carries, asked now (a cached
  // reference that no longer matches may be a calendar emptied since, so asked again too).
  const reference = await listedParentId(ctx, calendar, signal);
  if (reference === undefined) return entities.map(() => false);
  if (reference === null) {
    listed.delete(calendar);
    return parents.map((p) => p !== undefined && !(own !== null && p.equals(own)));
  }
  listed.set(calendar, reference);
  return parents.map((p) => p !== undefined && !(own !== null && p.equals(own)) && !p.equals(reference));
}

/** Whether an occurrence's `originalStart` is the instant `instant` (both as Graph or the mapper write them). */
function sameInstant(a: string | null | undefined, b: string): boolean {
  const x = instantOf(a);
  return x !== undefined && x === instantOf(b);
}

/** An `originalStart` (with or without an offset: UTC) in ms, or undefined. */
function instantOf(a: string | null | undefined): number | undefined {
  if (!a) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(a) ? a : `${a}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Instants as a comparable set (ms). */
function instantSet(values: ReadonlyArray<string | null | undefined>): Set<number> {
  return new Set(values.map(instantOf).filter((ms): ms is number => ms !== undefined));
}

/**
 * Applies a series' exceptions and cancellations once its master is written: reads the series'
 * instances once, over the range of the original starts concerned (a day either side; bounded by
 * them, not the whole series), finds each occurrence by its original start, PATCHes the exceptions
 * and DELETEs the cancelled ones (an occurrence already gone is fine), then reads the master again.
 * An EXDATE at no occurrence (nor a cancelled one) is reported in `dropped`.
 *
 * What Graph cannot undo is reported in `dropped`, never tried again: an exception the text no
 * longer has (Graph has no call that turns an exception back into a plain occurrence) and a
 * cancelled occurrence the text no longer cancels (Graph cannot bring one back). The text then
 * read back holds them, as Graph does.
 */
async function applySeries(ctx: GraphContext, master: GraphEntity, followUp: SeriesFollowUp, dropped: MappedWrite["dropped"], signal?: AbortSignal): Promise<GraphEntity> {
  const starts = [...followUp.exceptions.map((e) => e.originalStart), ...followUp.cancelled];
  const writes: Array<{ method: "PATCH" | "DELETE"; url: string; headers?: Record<string, string>; body?: unknown }> = [];
  const unmatched: string[] = [];
  if (starts.length > 0) {
    const ms = [...instantSet(starts)];
    const window = { start: new Date(Math.min(...ms) - 86_400_000).toISOString(), end: new Date(Math.max(...ms) + 86_400_000).toISOString() };
    let instances: GraphEvent[];
    try {
      instances = await ctx.client.listInstances(master.id, window, { select: ["originalStart", "type"], pageSize: 1000, ...(signal ? { signal } : {}) });
    } catch (error) {
      throw toSideError(error, master.id);
    }
    const occurrenceAt = (start: string) => instances.find((o) => sameInstant(o.originalStart, start))?.id;
    for (const e of followUp.exceptions) {
      const id = occurrenceAt(e.originalStart);
      if (id === undefined) throw new SideError("rejected", `the series has no occurrence at ${e.originalStart} to change`, master.id);
      writes.push({ method: "PATCH", url: ctx.client.path("events", id), headers: JSON_HEADERS, body: e.event });
    }
    for (const start of followUp.cancelled) {
      const id = occurrenceAt(start);
      if (id !== undefined) writes.push({ method: "DELETE", url: ctx.client.path("events", id) });
      else unmatched.push(start); // cancelled already, or no occurrence there: told apart once the master is read again
    }
  }
  const answers = await sendAll(ctx, writes, signal);
  answers.forEach((answer) => {
    if (answer.status >= 400 && !(answer.status === 404)) throw answerError(answer, master.id, "write an occurrence of the series");
  });
  const fresh = await reread(ctx, master.id, signal);
  const event = fresh as unknown as GraphEvent;
  const wantedExceptions = instantSet(followUp.exceptions.map((e) => e.originalStart));
  const wantedCancelled = instantSet(followUp.cancelled);
  for (const e of event.exceptionOccurrences ?? []) {
    const at = instantOf(e.originalStart);
    if (at !== undefined && !wantedExceptions.has(at) && !wantedCancelled.has(at)) {
      dropped.push(droppedOf("RECURRENCE-ID", "Graph cannot turn an exception back into a plain occurrence of its series; the exception is kept", new Date(at).toISOString()));
    }
  }
  // Graph gives a cancelled occurrence as `OID.{master id}.{date}`: its date is what is compared.
  // The date is local to the series' zone (UTC−12 … UTC+14): an instant matches it within that span.
  const cancelledDays = (event.cancelledOccurrences ?? []).map((c) => /(\d{4}-\d{2}-\d{2})$/.exec(String(c))?.[1]).filter((d): d is string => d !== undefined);
  const onDay = (ms: number, day: string) => {
    const midnight = Date.parse(`${day}T00:00:00Z`);
    return ms >= midnight - 14 * 3_600_000 && ms < midnight + 36 * 3_600_000;
  };
  for (const day of cancelledDays) {
    if (![...wantedCancelled].some((ms) => onDay(ms, day))) {
      dropped.push(droppedOf("EXDATE", "Graph cannot bring back a cancelled occurrence; it stays cancelled", day));
    }
  }
  // An EXDATE that matched no occurrence and is not among the series' cancelled ones: the series has
  // no occurrence at that original start (a date off the pattern, or beyond its end). Nothing to
  // cancel, so reported, never tried again.
  for (const start of unmatched) {
    const ms = instantOf(start);
    if (ms === undefined || !cancelledDays.some((day) => onDay(ms, day))) {
      dropped.push(droppedOf("EXDATE", "the series has no occurrence at this original start; nothing was cancelled", ms === undefined ? start : new Date(ms).toISOString()));
    }
  }
  return fresh;
}

/** The basis's binary ATTACH over the cap: never sent, so never in the mailbox, and kept on a read. */
function oversizeAttachments(ctx: GraphContext, basis: string | undefined): FileBytes[] {
  if (basis === undefined || !/^ATTACH[;:]/im.test(basis)) return [];
  try {
    const cap = attachmentCap(ctx);
    return graphEventFromICalendar(basis, ctx.options.timeZone ? { timeZone: ctx.options.timeZone } : {}).attachments.filter((a) => a.bytes.length > cap);
  } catch {
    return [];
  }
}

export const EVENTS: ItemCodec = {
  kind: "events",
  itemPath: (ctx, _collection, id) => ctx.client.path("events", id),
  createPath: (ctx, collection) => ctx.client.path("calendars", collection, "events"),
  readQuery: READ_QUERY,
  outside: eventsOutside,
  async render(ctx: GraphContext, _collection: string, entities: readonly GraphEntity[], bases: ReadonlyArray<string | undefined>, signal?: AbortSignal): Promise<Array<Rendered | Error>> {
    const zone = ctx.options.timeZone ? { timeZone: ctx.options.timeZone } : {};
    const files = await eachLimited(entities, 4, async (entity) => {
      const known = filesOf(entity);
      if (known) return known;
      const event = entity as unknown as GraphEvent;
      if (event.type === "occurrence" || event.type === "exception") return { attachments: "keep" as const, dropped: [] };
      if (event.hasAttachments !== true) return { attachments: [], dropped: [] };
      try {
        return await readAttachments(ctx, entity.id, signal);
      } catch (error) {
        return error as Error;
      }
    });
    return entities.map((entity, i) => {
      const basis = bases[i];
      const event = withoutParentEntryId(entity) as unknown as GraphEvent;
      if (event.type === "occurrence" || event.type === "exception") return new SideError("rejected", "an occurrence is read through its series", entity.id);
      const f = files[i]!;
      if (f instanceof Error) return f;
      const read = f.attachments === "keep" || f.attachments === undefined ? undefined : [...f.attachments, ...oversizeAttachments(ctx, basis)];
      const options = { ...zone, ...(read ? { attachments: read } : {}) };
      const withDropped = (r: Rendered): Rendered => (f.dropped.length ? { ...r, dropped: [...r.dropped, ...f.dropped] } : r);
      const exceptions = event.exceptionOccurrences ?? [];
      try {
        return withDropped(graphEventToICalendar(event, exceptions, { ...options, ...(basis === undefined ? {} : { basis }) }));
      } catch (error) {
        if (basis === undefined) return error as Error;
        try {
          return withDropped(graphEventToICalendar(event, exceptions, options));
        } catch (again) {
          return again as Error;
        }
      }
    });
  },
  map(ctx: GraphContext, text: string, create: boolean): MappedWrite {
    const r = graphEventFromICalendar(text, ctx.options.timeZone ? { timeZone: ctx.options.timeZone } : {});
    const dropped = [...r.dropped];
    const cap = attachmentCap(ctx);
    const wanted: FileBytes[] = [];
    const oversize = new Set<string>();
    for (const file of r.attachments) {
      if (file.bytes.length > cap) {
        dropped.push(droppedOf("ATTACH", `${file.bytes.length} bytes is over the ${cap}-byte cap (maxAttachmentBytes); not sent`, file.name));
        oversize.add(file.name);
      } else if (file.isInline) dropped.push(droppedOf("ATTACH", "an inline attachment belongs to the HTML body; not sent", file.name));
      else wanted.push(file);
    }
    const recurring = (r.master as { recurrence?: unknown }).recurrence != null;
    const series: SeriesFollowUp | undefined = r.exceptions.length || r.cancelled.length || (recurring && !create) ? { exceptions: r.exceptions, cancelled: r.cancelled } : undefined;
    const followUp: EventFollowUp = { create, wanted, oversize, ...(series ? { series } : {}) };
    return { body: r.master as Record<string, unknown>, uid: r.uid, dropped, followUp };
  },
  afterWrite: (ctx, _collection, written, mapped, signal) => afterEventWrite(ctx, written, mapped, signal),
  tagBody: (uid) => ({ singleValueExtendedProperties: [{ id: UID_PROPERTY_ID, value: uid }] }),
};
