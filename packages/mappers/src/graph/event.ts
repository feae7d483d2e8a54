/**
 * Events over Graph: iCalendar ⇄ `microsoft.graph.event`, through the EWS event mapper. A Graph
 * series master and its exceptions are read into the EWS `CalendarItem` model (with
 * `modifiedOccurrences` and `deletedOccurrences` from `exceptionOccurrences` and
 * `cancelledOccurrences`), and `eventToVEvent` writes the VCALENDAR; a VCALENDAR is read by
 * `eventFromVEvent` and its item and occurrence operations written as Graph bodies. So time zones
 * (VTIMEZONE generation, floating and all-day times), RRULE ⇄ pattern, EXDATE and RECURRENCE-ID,
 * the merge onto the basis and the reports are the EWS mapper's own. What Graph adds:
 *
 * - `dateTimeTimeZone` takes a Windows or IANA zone name and no custom zone: a time in a zone only a
 *   VTIMEZONE defines is written in UTC and reported (`DTSTART;TZID`).
 * - Attendees' responses (`status`) are read-only in Graph: PARTSTAT is not written (reported) and
 *   a response Graph does not know never resets the DAV side's.
 * - The organizer is the mailbox: no `organizer` is written; the side, which knows the mailbox,
 *   reports an ORGANIZER naming someone else (as the EWS side does).
 * - Cancelled occurrences are `OID.{masterId}.{YYYY-MM-DD}` strings, the date the occurrence had in
 *   the series' zone; exceptions are events with `originalStart` (UTC).
 * - The UID is ewsdav's extended property (Graph id syntax) when set, else the event's `iCalUId`
 *   (an event made over EWS or in Outlook has its own UID, which Graph shows as `iCalUId`).
 * - Attachments travel as bytes beside the body (`attachments`), as Graph uploads them apart.
 * @module
 */
import type { Attendee, CalendarItem, FileAttachment, LegacyFreeBusyStatus, Mailbox, ResponseType } from "@ewsdav/ews-client";
import type { GraphAttendee, GraphEvent, GraphEventInput, GraphFreeBusyStatus, GraphResponseType } from "@ewsdav/graph-client";
import { eventFromVEvent, eventToVEvent } from "../event/index.js";
import { parseEwsDateTime } from "../event/read.js";
import type { MapperLimits } from "../limits.js";
import { guardMapper, MapperError, type DroppedProperty } from "../result.js";
import { UTC_ZONE, zoneFromDefinition } from "../timezone/resolve.js";
import { fromBase64, graphUidProperty, readGraphUid, str, toBase64 } from "./common.js";
import { ewsRecurrence, graphRecurrence } from "./recurrence.js";
import { graphLocal, graphNameOfZone, graphTime, readGraphTime, zoneOfGraphName } from "./time.js";

/** A file attachment as bytes (Graph's `fileAttachment`: `name`, `contentType`, `contentBytes`). */
export interface GraphFileContent {
  name: string;
  contentType?: string;
  bytes: Uint8Array;
  isInline?: boolean;
}

/** Options of {@link graphEventToICalendar}. */
export interface GraphEventToICalendarOptions {
  /** The DAV side's text of the event (last synced): merged onto, so what Graph cannot hold stays. */
  basis?: string | null;
  /** UID to write when the event carries neither ewsdav's UID property nor an `iCalUId`. */
  uid?: string;
  /** The mailbox's IANA zone (floating times and all-day events of the DAV side are placed in it). Default UTC. */
  timeZone?: string;
  /** The master's file attachments with their content; absent: not read (the basis's ATTACH stay). */
  attachments?: readonly GraphFileContent[];
  /** DTSTAMP of a new object. Default: now. */
  now?: Date;
  /** Bounds on the work this item may cost. */
  limits?: Partial<MapperLimits>;
}

/** What {@link graphEventToICalendar} returns. */
export interface GraphEventToICalendarResult {
  /** The VCALENDAR text (master, overrides, VTIMEZONEs). */
  text: string;
  /** The UID written. */
  uid: string;
  /** The Graph properties no iCalendar property carries (named as Graph names them). */
  dropped: DroppedProperty[];
}

/** Options of {@link graphEventFromICalendar}. */
export interface GraphEventFromICalendarOptions {
  /** The mailbox's IANA zone (floating times and all-day events are placed in it). Default UTC. */
  timeZone?: string;
  /**
   * The event as Graph holds it now, when updating (the master with `cancelledOccurrences`, and its
   * exceptions): occurrences already cancelled are not cancelled again, and an exception the DAV
   * side no longer has comes back in `exceptions` reset to the pattern's time and the master's fields.
   */
  current?: { master: GraphEvent; exceptions: readonly GraphEvent[] };
  /** Bounds on the work this item may cost. */
  limits?: Partial<MapperLimits>;
}

/** What {@link graphEventFromICalendar} returns. */
export interface GraphEventFromICalendarResult {
  /** The single event or series master, for POST / PATCH (with the UID in ewsdav's extended property). */
  master: GraphEventInput;
  /**
   * The occurrences to change after the master is written (PATCH on the occurrence whose
   * `originalStart` is this instant, UTC `xs:dateTime`): only the fields that differ from the
   * master, and always `start` and `end`.
   */
  exceptions: Array<{ originalStart: string; event: GraphEventInput }>;
  /** The occurrences to cancel (DELETE), by their original start (UTC `xs:dateTime`; the date in the series' zone is the `OID` date). */
  cancelled: string[];
  /** The event's UID, or null. */
  uid: string | null;
  /** The master's file attachments (inline ATTACH), for the side to upload. */
  attachments: GraphFileContent[];
  /** What the text says that a Graph event cannot hold. */
  dropped: DroppedProperty[];
}

const SHOW_AS: Record<GraphFreeBusyStatus, LegacyFreeBusyStatus> = { free: "Free", tentative: "Tentative", busy: "Busy", oof: "OOF", workingElsewhere: "WorkingElsewhere", unknown: "NoData" };
const RESPONSES: Partial<Record<GraphResponseType, ResponseType>> = { organizer: "Organizer", accepted: "Accept", declined: "Decline", tentativelyAccepted: "Tentative", notResponded: "NoResponseReceived" };
const capital = <T extends string>(value: string): T => (value.charAt(0).toUpperCase() + value.slice(1)) as T;

function mailboxOf(recipient: { emailAddress?: { name?: string | null; address?: string | null } | null } | null | undefined): Mailbox | undefined {
  const address = str(recipient?.emailAddress?.address);
  if (!address) return undefined;
  const mailbox: Mailbox = { emailAddress: address };
  const name = str(recipient?.emailAddress?.name);
  if (name && name !== address) mailbox.name = name;
  return mailbox;
}

/** A Graph event (master, single, or an exception) as the EWS model. */
function toEws(event: GraphEvent, dropped: DroppedProperty[], role: "master" | "exception"): CalendarItem {
  const item: CalendarItem = {};
  const uid = readGraphUid(event.singleValueExtendedProperties) ?? str(event.iCalUId);
  if (uid && role === "master") item.uid = uid;
  // An empty subject is kept as "" (as EWS gives it), so a basis's empty SUMMARY stays.
  if (typeof event.subject === "string") item.subject = event.subject;
  const content = str(event.body?.content);
  if (content !== undefined) item.body = { bodyType: event.body?.contentType === "html" ? "HTML" : "Text", value: content };
  for (const which of ["start", "end"] as const) {
    const time = readGraphTime(event[which], which === "start" ? event.originalStartTimeZone : event.originalEndTimeZone);
    if ("problem" in time) {
      if (which === "start") throw new MapperError("INVALID_VALUE", "start", `the event's start cannot be read: ${time.problem}`, uid ?? null);
      dropped.push({ property: which, reason: time.problem });
      continue;
    }
    item[which] = time.utc;
    item[which === "start" ? "startTimeZone" : "endTimeZone"] = time.definition;
  }
  if (event.isAllDay) item.isAllDayEvent = true;
  // An empty location is Graph's (and Exchange's) "none"; kept as "" so a base's empty LOCATION stays.
  if (typeof event.location?.displayName === "string") item.location = event.location.displayName;
  for (const extra of (event.locations ?? []).slice(1)) dropped.push({ property: "locations", reason: "iCalendar has one LOCATION", value: extra.displayName ?? "" });
  if (event.location?.address && Object.values(event.location.address).some((v) => !!v)) dropped.push({ property: "location.address", reason: "no iCalendar property" });
  const attendees = (kind: GraphAttendee["type"]) =>
    (event.attendees ?? []).filter((a) => (a.type ?? "required") === kind).flatMap((a): Attendee[] => {
      const mailbox = mailboxOf(a);
      if (!mailbox) return [];
      const attendee: Attendee = { mailbox };
      const response = a.status?.response ? RESPONSES[a.status.response] : undefined;
      if (response) attendee.responseType = response;
      return [attendee];
    });
  const required = attendees("required"), optional = attendees("optional"), resources = attendees("resource");
  if (required.length) item.requiredAttendees = required;
  if (optional.length) item.optionalAttendees = optional;
  if (resources.length) item.resources = resources;
  const organizer = mailboxOf(event.organizer);
  if (organizer && (required.length || optional.length || resources.length)) item.organizer = organizer;
  if (event.categories?.length) item.categories = [...event.categories];
  if (event.importance) item.importance = capital<NonNullable<CalendarItem["importance"]>>(event.importance);
  if (event.sensitivity) item.sensitivity = capital<NonNullable<CalendarItem["sensitivity"]>>(event.sensitivity);
  if (event.showAs) item.legacyFreeBusyStatus = SHOW_AS[event.showAs];
  if (event.isReminderOn !== undefined && event.isReminderOn !== null) item.reminderIsSet = event.isReminderOn;
  if (event.isReminderOn && typeof event.reminderMinutesBeforeStart === "number") item.reminderMinutesBeforeStart = event.reminderMinutesBeforeStart;
  if (event.isOnlineMeeting) item.isOnlineMeeting = true;
  if (role === "master") {
    const recurrence = ewsRecurrence(event.recurrence, dropped);
    if (recurrence) item.recurrence = recurrence;
  }
  if (role === "exception" && event.originalStart) item.originalStart = ewsInstant(event.originalStart);
  for (const property of event.singleValueExtendedProperties ?? []) {
    if (readGraphUid([property]) === null) dropped.push({ property: `singleValueExtendedProperties[${property.id}]`, reason: "no iCalendar property", value: property.value });
  }
  if (event.hideAttendees) dropped.push({ property: "hideAttendees", reason: "no iCalendar property" });
  return item;
}

/** A Graph `Edm.DateTimeOffset` as EWS's UTC `xs:dateTime`. */
function ewsInstant(value: string): string {
  const ms = Date.parse(/Z|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  if (!Number.isFinite(ms)) throw new MapperError("INVALID_VALUE", "originalStart", `"${value.slice(0, 40)}" is not a date-time`);
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** The instants of a master's cancelled occurrences: each `OID.{id}.{date}`'s date at the series' time of day in its zone. */
function cancelledInstants(master: GraphEvent, item: CalendarItem, dropped: DroppedProperty[]): string[] {
  if (!item.start) return [];
  const zone = (item.startTimeZone && zoneFromDefinition(item.startTimeZone)) || zoneOfGraphName(master.recurrence?.range?.recurrenceTimeZone) || UTC_ZONE;
  const startLocal = zone.toLocal(parseEwsDateTime(item.start, "start"));
  const timeOfDay = ((startLocal % 86_400_000) + 86_400_000) % 86_400_000;
  const out: string[] = [];
  for (const id of master.cancelledOccurrences ?? []) {
    const match = /(\d{4})-(\d\d)-(\d\d)$/.exec(id);
    if (!match) {
      dropped.push({ property: "cancelledOccurrences", reason: "not an OID.{masterId}.{date} occurrence id", value: id.slice(0, 80) });
      continue;
    }
    const local = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) + timeOfDay;
    out.push(`${new Date(zone.toUtc(local)).toISOString().slice(0, 19)}Z`);
  }
  return out;
}

/** A series master (or single event) and its exceptions as the EWS master with its occurrence lists, and the exceptions as items. */
function seriesToEws(master: GraphEvent, exceptions: readonly GraphEvent[], dropped: DroppedProperty[]): { item: CalendarItem; exceptions: CalendarItem[] } {
  const item = toEws(master, dropped, "master");
  const items: CalendarItem[] = [];
  if (item.recurrence) {
    item.calendarItemType = "RecurringMaster";
    const deleted = cancelledInstants(master, item, dropped);
    if (deleted.length) item.deletedOccurrences = deleted.map((start) => ({ start }));
    const modified = [];
    for (const exception of exceptions) {
      if (!exception.originalStart || exception.isCancelled) continue;
      const occurrence = toEws(exception, dropped, "exception");
      occurrence.calendarItemType = "Exception";
      items.push(occurrence);
      modified.push({ itemId: { id: exception.id }, start: occurrence.start!, end: occurrence.end ?? occurrence.start!, originalStart: occurrence.originalStart! });
    }
    if (modified.length) item.modifiedOccurrences = modified;
  } else if (exceptions.length) {
    dropped.push({ property: "exceptionOccurrences", reason: "exceptions of an event without a recurrence pattern Graph showed" });
  }
  return { item, exceptions: items };
}

/** EWS names in the EWS mapper's reports → Graph's names. */
const GRAPH_NAMES: Record<string, string> = { isOnlineMeeting: "isOnlineMeeting", allowNewTimeProposal: "allowNewTimeProposals", ExtendedProperties: "singleValueExtendedProperties" };

/**
 * Maps a Graph event — a single event, or a series master with its exceptions (`exceptionOccurrences`,
 * or the instances of type `exception`) — to iCalendar text, merged onto `basis` when given.
 * Throws `MapperError` `INVALID_VALUE` when the master's start cannot be read or no UID is known.
 */
export function graphEventToICalendar(master: GraphEvent, exceptions: readonly GraphEvent[] = [], options: GraphEventToICalendarOptions = {}): GraphEventToICalendarResult {
  return guardMapper(null, () => mapGraphEventToICalendar(master, exceptions, options));
}

function mapGraphEventToICalendar(master: GraphEvent, exceptions: readonly GraphEvent[], options: GraphEventToICalendarOptions): GraphEventToICalendarResult {
  const dropped: DroppedProperty[] = [];
  const all = exceptions.length ? exceptions : (master.exceptionOccurrences ?? []);
  const series = seriesToEws(master, all, dropped);
  // Graph says "" both for an empty and for no subject / location: the basis tells which (none without one).
  // Read only when needed (an empty subject or location, attachments not read): it costs a second parse of the basis.
  let basisRead: CalendarItem | undefined | null = null;
  const basisItem = () => (basisRead ??= options.basis ? eventFromVEvent(options.basis, { ...(options.timeZone ? { timeZone: options.timeZone } : {}) }).item : undefined);
  for (const field of ["subject", "location"] as const) {
    if (series.item[field] === "" && basisItem()?.[field] !== "") delete series.item[field];
  }
  if (options.attachments) {
    series.item.attachments = options.attachments.map((file): FileAttachment => {
      const attachment: FileAttachment = { kind: "file", name: file.name, content: toBase64(file.bytes) };
      if (file.contentType) attachment.contentType = file.contentType;
      if (file.isInline) attachment.isInline = true;
      return attachment;
    });
  } else if (options.basis && basisItem()?.attachments) {
    // Not read: the basis's attachments stay as they are (the EWS mapper compares them with the base's).
    series.item.attachments = basisItem()!.attachments!;
  }
  const written = eventToVEvent(series.item, {
    exceptions: series.exceptions,
    ...(options.basis ? { base: options.basis } : {}),
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  return { text: written.text, uid: written.uid, dropped: [...dropped, ...written.dropped.map((d) => ({ ...d, property: GRAPH_NAMES[d.property] ?? d.property }))] };
}

const GRAPH_SHOW_AS: Record<LegacyFreeBusyStatus, GraphFreeBusyStatus> = { Free: "free", Tentative: "tentative", Busy: "busy", OOF: "oof", WorkingElsewhere: "workingElsewhere", NoData: "unknown" };

/** The Graph body of EWS fields; `only` lists the fields to write (an exception's changes), else every field the mapping manages. */
function toGraph(item: Partial<CalendarItem>, dropped: DroppedProperty[], only?: ReadonlySet<string>): GraphEventInput {
  const has = (field: keyof CalendarItem) => !only || only.has(field);
  const out: GraphEventInput = {};
  if (has("subject")) out.subject = item.subject ?? "";
  if (has("body")) out.body = { contentType: item.body?.bodyType === "HTML" ? "html" : "text", content: item.body?.value ?? "" };
  const allDay = item.isAllDayEvent === true;
  for (const which of ["start", "end"] as const) {
    if (!has(which) || !item[which]) continue;
    const definition = which === "start" ? item.startTimeZone : (item.endTimeZone ?? item.startTimeZone);
    let name = graphNameOfZone(definition);
    let zone = definition ? zoneFromDefinition(definition) : UTC_ZONE;
    if (!name || !zone) {
      dropped.push({ property: `${which === "start" ? "DTSTART" : "DTEND"};TZID`, reason: "Graph takes Windows or IANA zone names only, no custom zone: the time is written in UTC", value: definition?.id ?? definition?.name ?? "" });
      name = "UTC";
      zone = UTC_ZONE;
    }
    out[which] = graphTime(parseEwsDateTime(item[which]!, which), zone, name);
  }
  if (has("isAllDayEvent")) out.isAllDay = allDay;
  if (has("location")) out.location = { displayName: item.location ?? "" };
  if (has("requiredAttendees") || has("optionalAttendees") || has("resources")) {
    const list: GraphAttendee[] = [];
    const add = (attendees: Attendee[] | undefined, type: GraphAttendee["type"]) => {
      for (const a of attendees ?? []) {
        if (!a.mailbox.emailAddress) continue;
        list.push({ type, emailAddress: a.mailbox.name ? { address: a.mailbox.emailAddress, name: a.mailbox.name } : { address: a.mailbox.emailAddress } });
        if (a.responseType && a.responseType !== "NoResponseReceived" && a.responseType !== "Unknown" && a.responseType !== "Organizer") {
          dropped.push({ property: "ATTENDEE;PARTSTAT", reason: "an attendee's response is read-only in Graph; it stays on the DAV side", value: a.mailbox.emailAddress });
        }
      }
    };
    add(item.requiredAttendees, "required");
    add(item.optionalAttendees, "optional");
    add(item.resources, "resource");
    out.attendees = list;
  }
  if (has("categories")) out.categories = [...(item.categories ?? [])];
  if (has("importance")) out.importance = (item.importance ?? "Normal").toLowerCase() as GraphEventInput["importance"];
  if (has("sensitivity")) out.sensitivity = (item.sensitivity ?? "Normal").toLowerCase() as GraphEventInput["sensitivity"];
  if (has("legacyFreeBusyStatus")) out.showAs = GRAPH_SHOW_AS[item.legacyFreeBusyStatus ?? "Busy"];
  if (has("reminderIsSet")) out.isReminderOn = item.reminderIsSet === true;
  if (has("reminderMinutesBeforeStart") && item.reminderIsSet && item.reminderMinutesBeforeStart !== undefined) out.reminderMinutesBeforeStart = item.reminderMinutesBeforeStart;
  return out;
}

/** The EWS model of the event Graph holds now (for `eventFromVEvent`'s `current`). */
function currentAsEws(current: GraphEventFromICalendarOptions["current"]): CalendarItem | undefined {
  if (!current) return undefined;
  try {
    return seriesToEws(current.master, current.exceptions, []).item;
  } catch (error) {
    if (error instanceof MapperError) return undefined;
    throw error;
  }
}

/**
 * Maps iCalendar text (the first UID's master and its RECURRENCE-ID overrides) to a Graph event
 * body, the exceptions to write on its occurrences and the occurrences to cancel. Throws
 * `MapperError` `MISSING_COMPONENT` when the text holds no VEVENT and `INVALID_VALUE` when the
 * event has no readable start; everything else that cannot be carried is in `dropped`.
 */
export function graphEventFromICalendar(text: string, options: GraphEventFromICalendarOptions = {}): GraphEventFromICalendarResult {
  return guardMapper(null, () => mapGraphEventFromICalendar(text, options));
}

function mapGraphEventFromICalendar(text: string, options: GraphEventFromICalendarOptions): GraphEventFromICalendarResult {
  const current = currentAsEws(options.current);
  const read = eventFromVEvent(text, {
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    ...(current ? { current } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const dropped: DroppedProperty[] = [...read.dropped];
  const item = read.item;
  const master = toGraph(item, dropped);
  const zoneName = graphNameOfZone(item.startTimeZone) ?? "UTC";
  master.recurrence = item.recurrence ? graphRecurrence(item.recurrence, zoneName, dropped) : null;
  if (read.uid !== null) master.singleValueExtendedProperties = [graphUidProperty(read.uid)];
  const exceptions: GraphEventFromICalendarResult["exceptions"] = [];
  const cancelled: string[] = [];
  for (const operation of read.occurrenceOperations) {
    if (operation.kind === "deleteOccurrence") cancelled.push(operation.originalStart);
    else {
      const changes = { ...operation.changes, isAllDayEvent: operation.changes.isAllDayEvent ?? item.isAllDayEvent };
      if (!changes.startTimeZone && item.startTimeZone) changes.startTimeZone = item.startTimeZone;
      if (!changes.endTimeZone && item.endTimeZone) changes.endTimeZone = item.endTimeZone;
      const fields = new Set<string>(Object.keys(operation.changes));
      if (fields.has("reminderMinutesBeforeStart")) fields.add("reminderIsSet");
      exceptions.push({ originalStart: operation.originalStart, event: toGraph(changes, dropped, fields) });
    }
  }
  const attachments = (item.attachments ?? []).flatMap((a): GraphFileContent[] => {
    if (a.kind !== "file" || a.content === undefined) return [];
    const file: GraphFileContent = { name: a.name, bytes: fromBase64(a.content) };
    if (a.contentType) file.contentType = a.contentType;
    if (a.isInline) file.isInline = true;
    return [file];
  });
  return { master, exceptions, cancelled, uid: read.uid, attachments, dropped };
}

/** Graph's wall-clock form, for tests and sides that build `dateTimeTimeZone` values themselves. */
export { graphLocal };
