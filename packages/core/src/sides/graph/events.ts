/**
 * Events over Graph (the events {@link ItemCodec}): the side's items are single events and series
 * masters (`/events/{id}`), created in `/calendars/{calendar}/events`. A read asks for the
 * properties sync maps (`$select`, `cancelledOccurrences` among them: Graph gives it only when
 * selected), the series' exceptions (`$expand=exceptionOccurrences`) and ewsdav's UID property;
 * `graphEventToICalendar` of `@ewsdav/mappers` writes the master, its exceptions (RECURRENCE-ID
 * overrides) and its cancelled occurrences (EXDATE) as one iCalendar object, rendered onto the
 * basis. A write sends the master (POST, or PATCH with `If-Match`), then the series' exceptions:
 * each occurrence is found by its original start (`/events/{master}/instances` over the day around
 * it) and PATCHed (an exception) or DELETEd (a cancelled occurrence), all in batches; the master is
 * then read again, so its etag and text are what Graph holds after the last of them.
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
import { answerError } from "./errors.js";

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

/** The `$select`/`$expand` of a read: the sync properties, the exceptions and ewsdav's UID property. */
const READ_QUERY = queryOf(EVENT_SELECT, `exceptionOccurrences,${UID_EXPAND}`);

/** A day's window around an instant, for `/instances`. */
function dayAround(instant: string): { start: string; end: string } {
  const ms = Date.parse(instant);
  return { start: new Date(ms - 86_400_000).toISOString(), end: new Date(ms + 86_400_000).toISOString() };
}

/** Whether an occurrence's `originalStart` is the instant `instant` (both as Graph or the mapper write them). */
function sameInstant(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const x = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(a) ? a : `${a}Z`);
  const y = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(b) ? b : `${b}Z`);
  return Number.isFinite(x) && x === y;
}

/**
 * Applies a series' exceptions and cancellations once its master is written: finds each
 * occurrence by its original start, PATCHes the exceptions and DELETEs the cancelled ones (an
 * occurrence already gone is fine), then reads the master again.
 */
async function applySeries(ctx: GraphContext, master: GraphEntity, followUp: SeriesFollowUp, signal?: AbortSignal): Promise<GraphEntity> {
  const starts = [...followUp.exceptions.map((e) => e.originalStart), ...followUp.cancelled];
  const lookups = await sendAll(ctx, starts.map((start) => {
    const w = dayAround(start);
    return { method: "GET" as const, url: `${ctx.client.path("events", master.id, "instances")}?startDateTime=${encodeURIComponent(w.start)}&endDateTime=${encodeURIComponent(w.end)}` };
  }), signal);
  const occurrenceOf = (n: number): string | undefined => {
    const answer = lookups[n]!;
    if (answer.status >= 400) throw answerError(answer, master.id, "GET instances");
    const value = (answer.body as { value?: unknown } | undefined)?.value;
    if (!Array.isArray(value)) throw new SideError("transient", "GET instances: an answer without its value (cut or malformed)", master.id);
    return (value as GraphEvent[]).find((o) => sameInstant(o.originalStart, starts[n]!))?.id;
  };
  const writes: Array<{ method: "PATCH" | "DELETE"; url: string; headers?: Record<string, string>; body?: unknown }> = [];
  followUp.exceptions.forEach((e, n) => {
    const id = occurrenceOf(n);
    if (id === undefined) throw new SideError("rejected", `the series has no occurrence at ${e.originalStart} to change`, master.id);
    writes.push({ method: "PATCH", url: ctx.client.path("events", id), headers: JSON_HEADERS, body: e.event });
  });
  followUp.cancelled.forEach((_, k) => {
    const id = occurrenceOf(followUp.exceptions.length + k);
    if (id !== undefined) writes.push({ method: "DELETE", url: ctx.client.path("events", id) }); // else cancelled already
  });
  const answers = await sendAll(ctx, writes, signal);
  answers.forEach((answer) => {
    if (answer.status >= 400 && !(answer.status === 404)) throw answerError(answer, master.id, "write an occurrence of the series");
  });
  const [fresh] = await sendAll(ctx, [{ method: "GET", url: `${ctx.client.path("events", master.id)}?${READ_QUERY}` }], signal);
  if (!fresh || fresh.status >= 400) throw fresh ? answerError(fresh, master.id, "GET event") : new SideError("transient", "GET event: no answer", master.id);
  return fresh.body as GraphEntity;
}

export const EVENTS: ItemCodec = {
  kind: "events",
  itemPath: (ctx, _collection, id) => ctx.client.path("events", id),
  createPath: (ctx, collection) => ctx.client.path("calendars", collection, "events"),
  readQuery: READ_QUERY,
  async render(ctx: GraphContext, _collection: string, entities: readonly GraphEntity[], bases: ReadonlyArray<string | undefined>): Promise<Array<Rendered | Error>> {
    const zone = ctx.options.timeZone ? { timeZone: ctx.options.timeZone } : {};
    return entities.map((entity, i) => {
      const basis = bases[i];
      const event = entity as unknown as GraphEvent;
      if (event.type === "occurrence" || event.type === "exception") return new SideError("rejected", "an occurrence is read through its series", entity.id);
      const exceptions = event.exceptionOccurrences ?? [];
      try {
        return graphEventToICalendar(event, exceptions, { ...zone, ...(basis === undefined ? {} : { basis }) });
      } catch (error) {
        if (basis === undefined) return error as Error;
        try {
          return graphEventToICalendar(event, exceptions, zone);
        } catch (again) {
          return again as Error;
        }
      }
    });
  },
  map(ctx: GraphContext, text: string): MappedWrite {
    const r = graphEventFromICalendar(text, ctx.options.timeZone ? { timeZone: ctx.options.timeZone } : {});
    const dropped = [...r.dropped];
    if (r.attachments.length) dropped.push({ property: "ATTACH", reason: "the Graph side does not write event attachments yet" });
    const followUp: SeriesFollowUp | undefined = r.exceptions.length || r.cancelled.length ? { exceptions: r.exceptions, cancelled: r.cancelled } : undefined;
    return { body: r.master as Record<string, unknown>, uid: r.uid, dropped, ...(followUp ? { followUp } : {}) };
  },
  afterWrite: (ctx, _collection, written, mapped, signal) => applySeries(ctx, written, mapped.followUp as SeriesFollowUp, signal),
  tagBody: (uid) => ({ singleValueExtendedProperties: [{ id: UID_PROPERTY_ID, value: uid }] }),
};
