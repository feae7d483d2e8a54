/**
 * Events: VEVENT ⇄ EWS `CalendarItem`, with exact time zones, full recurrence and exceptions.
 *
 * - `eventFromVEvent(text, options)` → `{ item, uid, occurrenceOperations, dropped }`: the master
 *   (or single) item, and the operations on occurrences (RECURRENCE-ID overrides → modify,
 *   EXDATE → delete) the EWS side performs after writing the master.
 * - `eventToVEvent(item, { base, exceptions })` → `{ text, uid, dropped }`: the VCALENDAR with the
 *   master, its overrides and every VTIMEZONE referenced, merged onto `base`.
 * - `normalizeVEvent` / `veventHash`: the normalised form and content hash the engine compares.
 * @module
 */
import type { Attachment, CalendarItem, FileAttachment, OccurrenceInfo, ResponseType } from "@ewsdav/ews-client";
import { checkBudget, checkCount, currentLimits, guardItem, rethrowLimit, uidHint } from "../limits.js";
import { MapperError, type DroppedProperty } from "../result.js";
import { sameFiles } from "../vobject/attach.js";
import { readVObjectsWith, writeComponent, type RawLines } from "../vobject/codec.js";
import { hashNormalized, normalizeICalendarComponents } from "../vobject/normalize.js";
import type { EventTimeZone } from "../timezone/resolve.js";
import { parseVTimezoneText, vtimezoneForIana } from "../timezone/vtimezone.js";
import { all, first, readTime, text, type JComponent } from "./jcal.js";
import { ewsDateTime, exdateInstants, mailboxZone, parseEwsDateTime, readVEvent, resolveTime, tzidsOf, zoneContextOf, type VEventReading, type ZoneContext } from "./read.js";
import { occurrencesOf, sameRecurrence, type SeriesOccurrences } from "./recurrence.js";
import type { EventFromVEventOptions, EventFromVEventResult, EventToVEventOptions, EventToVEventResult, OccurrenceOperation } from "./types.js";
import { itemZone, readBase, seriesStartLocal, timeForm, writeVEvent, type TimeForm, type WriteContext } from "./write.js";

export type { EventFromVEventOptions, EventFromVEventResult, EventToVEventOptions, EventToVEventResult, OccurrenceOperation, EventTimeZoneSchema } from "./types.js";
export { EVENT_MAPPING_ROWS } from "./metadata.js";
export { rruleToRecurrence, recurrenceToRRule, sameRecurrence, occurrenceIndex, neighbours, SeriesOccurrences, occurrencesOf, MAX_EXPANDED_OCCURRENCES, type SeriesContext, type RecurrenceReading, type JCalRecur } from "./recurrence.js";

const PRODID = "-//ewsdav//mappers//EN";

interface ParsedCalendar {
  calendar: JComponent;
  problems: DroppedProperty[];
  /** Each property's line as read, so what the merge leaves alone is written back byte for byte. */
  rawLines: RawLines;
}

/** Parses an event's text; its raw lines only for a base (`what` = "base"), which is merged onto. */
function parseCalendar(text: string, what: "text" | "base"): ParsedCalendar {
  const { components, problems, rawLines } = readVObjectsWith(text, "icalendar", what === "base");
  let calendar = components.find((component) => component[0] === "vcalendar");
  if (!calendar) {
    const events = components.filter((component) => component[0] === "vevent");
    if (events.length === 0) throw new MapperError("MISSING_COMPONENT", "VEVENT", `no VEVENT in the ${what}`);
    calendar = ["vcalendar", [], components];
  }
  if (!calendar[2].some((component) => component[0] === "vevent")) throw new MapperError("MISSING_COMPONENT", "VEVENT", `no VEVENT in the ${what}`);
  return { calendar, problems: problems.map((problem) => ({ property: problem.property ?? "(line)", reason: problem.reason, error: problem })), rawLines };
}

interface EventGroup {
  uid: string | null;
  master: JComponent | null;
  overrides: JComponent[];
}

function eventGroup(calendar: JComponent, uid?: string | null): EventGroup {
  const events = calendar[2].filter((component) => component[0] === "vevent");
  const wanted = uid ?? text(first(events[0]!, "uid")) ?? null;
  const mine = events.filter((event) => (text(first(event, "uid")) ?? null) === wanted);
  return { uid: wanted, master: mine.find((event) => !first(event, "recurrence-id")) ?? null, overrides: mine.filter((event) => !!first(event, "recurrence-id")) };
}

/** The occurrences of a series read from a VEVENT, or null when it has no rule EWS can hold. */
export function seriesOccurrences(series: VEventReading): SeriesOccurrences | null {
  if (!series.rrule || !series.start) return null;
  return occurrencesOf(series.rrule, series.start.local, series.allDay, series.start.zone);
}

function dayOf(local: number): number {
  return Math.floor(local / 86_400_000);
}

/**
 * True when moving the occurrence of `series` at `originalUtc` to `newStartUtc` puts it onto or
 * past the day of a neighbouring occurrence, which Exchange refuses (ErrorOccurrenceCrossingBoundary).
 */
export function crossesNeighbours(series: VEventReading, originalUtc: number, newStartUtc: number, occurrences: SeriesOccurrences | null = seriesOccurrences(series)): boolean {
  if (!series.start || !occurrences) return false;
  const zone = series.start.zone;
  const around = occurrences.around(originalUtc, "RECURRENCE-ID");
  const newDay = dayOf(zone.toLocal(newStartUtc));
  return (around.previous !== null && newDay <= dayOf(zone.toLocal(around.previous))) || (around.next !== null && newDay >= dayOf(zone.toLocal(around.next)));
}

const OCCURRENCE_FIELDS: Array<keyof CalendarItem> = [
  "subject", "body", "location", "legacyFreeBusyStatus", "importance", "sensitivity", "categories",
  "reminderIsSet", "reminderMinutesBeforeStart", "isAllDayEvent", "requiredAttendees", "optionalAttendees", "resources",
];

function changesAgainst(master: CalendarItem, occurrence: CalendarItem): Partial<CalendarItem> {
  const changes: Partial<CalendarItem> = { start: occurrence.start!, end: occurrence.end! };
  for (const field of OCCURRENCE_FIELDS) {
    if (JSON.stringify(master[field] ?? null) !== JSON.stringify(occurrence[field] ?? null)) (changes as Record<string, unknown>)[field] = occurrence[field];
  }
  if (occurrence.startTimeZone && JSON.stringify(occurrence.startTimeZone) !== JSON.stringify(master.startTimeZone)) changes.startTimeZone = occurrence.startTimeZone;
  if (occurrence.endTimeZone && JSON.stringify(occurrence.endTimeZone) !== JSON.stringify(master.endTimeZone)) changes.endTimeZone = occurrence.endTimeZone;
  return changes;
}

/**
 * Maps a VEVENT (the first UID in the text; its master and RECURRENCE-ID overrides) to an EWS
 * calendar item and the occurrence operations of its series.
 *
 * Throws {@link MapperError} `MISSING_COMPONENT` when the text holds no VEVENT and
 * `INVALID_VALUE` (naming DTSTART and the UID) when the event has no readable start; every other
 * problem is reported in `dropped` and the rest is mapped. It never throws anything but a
 * {@link MapperError} (a bug would surface as `INTERNAL_ERROR`).
 */
export function eventFromVEvent(text: string, options: EventFromVEventOptions = {}): EventFromVEventResult {
  return guardItem(uidHint(text), options.limits, () => mapEventFromVEvent(text, options));
}

function mapEventFromVEvent(text: string, options: EventFromVEventOptions): EventFromVEventResult {
  const { calendar, problems } = parseCalendar(text, "text");
  const dropped: DroppedProperty[] = [...problems];
  const group = eventGroup(calendar);
  const zones = zoneContextOf(calendar, options.timeZone);
  const knownResponses = new Map<string, ResponseType>();
  for (const attendee of [...(options.current?.requiredAttendees ?? []), ...(options.current?.optionalAttendees ?? []), ...(options.current?.resources ?? [])]) {
    if (attendee.mailbox.emailAddress && attendee.responseType) knownResponses.set(attendee.mailbox.emailAddress.toLowerCase(), attendee.responseType);
  }
  const readOptions = { schema: options.timeZoneSchema ?? "Exchange2010", knownResponses } as const;
  const others = calendar[2].filter((component) => component[0] === "vevent" && (text_(component) ?? null) !== group.uid);
  if (others.length > 0) dropped.push({ property: "VEVENT", reason: `${others.length} VEVENT(s) with another UID are not part of this item` });
  const masterComponent = group.master ?? group.overrides[0]!;
  if (!group.master) dropped.push({ property: "RECURRENCE-ID", reason: "the object holds only an override without its series; mapped as a single event" });
  const master = readVEvent(masterComponent, zones, readOptions);
  dropped.push(...master.dropped);
  const operations: OccurrenceOperation[] = [];
  const start = master.start;
  if (group.master && master.item.recurrence && start && start.time.kind === "zoned" && start.zone.toLocal(start.utc) !== start.local) {
    // RFC 5545 starts the first occurrence one gap length later and keeps the others at DTSTART's
    // time; EWS takes the pattern's time of day from the start it is given, so it repeats the
    // series at the shifted time (the EWS → iCalendar direction reads it back from OriginalStarts).
    dropped.push({ property: "DTSTART", reason: `the series starts at a wall-clock time that does not exist that day (a DST gap in ${start.zone.tzid}); Exchange repeats it at the time it starts that day, ${ewsDateTime(start.utc)}`, value: ewsDateTime(start.utc) });
  }
  if (group.master) {
    if (master.item.recurrence && master.start && master.rrule) operations.push(...occurrenceOperations(group, master, zones, readOptions, options.current, dropped));
    else if (group.overrides.length > 0 || all(masterComponent, "exdate").length > 0) {
      dropped.push({ property: "RECURRENCE-ID", reason: "overrides and EXDATEs of a series Exchange cannot hold stay on the DAV side" });
    }
  }
  return { item: master.item, uid: master.uid, occurrenceOperations: operations, sendMeetingInvitations: "SendToNone", dropped };
}

function text_(component: JComponent): string | undefined {
  return text(first(component, "uid"));
}

function occurrenceOperations(
  group: EventGroup,
  master: VEventReading,
  zones: ZoneContext,
  readOptions: Parameters<typeof readVEvent>[2],
  current: CalendarItem | undefined,
  dropped: DroppedProperty[],
): OccurrenceOperation[] {
  const start = master.start!;
  const seriesZone = start.zone;
  const allDay = master.allDay;
  const occurrences = occurrencesOf(master.rrule!, start.local, allDay, seriesZone);
  const index = (utc: number, property = "RECURRENCE-ID"): number | null => occurrences.indexOf(utc, property);
  const limits = currentLimits();
  checkCount("RECURRENCE-ID", group.overrides.length, limits.maxOverrides, "overrides (VEVENTs with a RECURRENCE-ID)");
  checkCount("ModifiedOccurrences", current?.modifiedOccurrences?.length ?? 0, limits.maxOverrides, "modified occurrences");
  checkCount("DeletedOccurrences", current?.deletedOccurrences?.length ?? 0, limits.maxExdates, "deleted occurrences");
  const alreadyDeleted = new Set((current?.deletedOccurrences ?? []).map((entry) => safeInstant(entry.start)));
  const operations: OccurrenceOperation[] = [];
  const deleted = new Set<number>();
  for (const originalUtc of exdateInstants(group.master!, master, zones, dropped)) {
    deleted.add(originalUtc);
    if (alreadyDeleted.has(originalUtc)) continue;
    checkBudget("EXDATE");
    const instanceIndex = index(originalUtc, "EXDATE");
    // An EXDATE that names no occurrence of the pattern deletes nothing on EWS; it stays on the DAV side.
    if (instanceIndex === null) dropped.push({ property: "EXDATE", reason: "names no occurrence of the pattern, so there is nothing to delete in Exchange; it stays on the DAV side", value: ewsDateTime(originalUtc) });
    else operations.push({ kind: "deleteOccurrence", originalStart: ewsDateTime(originalUtc), instanceIndex });
  }
  const modified = new Set<number>();
  for (const override of group.overrides) {
    checkBudget("RECURRENCE-ID");
    const recurrenceId = readTime(first(override, "recurrence-id"));
    if (!recurrenceId) {
      dropped.push({ property: "RECURRENCE-ID", reason: "unreadable value; override stays on the DAV side" });
      continue;
    }
    const originalUtc = resolveTime(recurrenceId, zones, "RECURRENCE-ID", dropped).utc;
    if (deleted.has(originalUtc)) continue;
    let reading: VEventReading;
    try {
      reading = readVEvent(override, zones, readOptions);
    } catch (error) {
      rethrowLimit(error);
      dropped.push({ property: "RECURRENCE-ID", reason: `override not readable: ${(error as Error).message}` });
      continue;
    }
    for (const entry of reading.dropped) if (!dropped.some((d) => d.property === entry.property && d.reason === entry.reason)) dropped.push(entry);
    modified.add(originalUtc);
    // Exchange refuses to move an occurrence onto or past the day of its neighbours
    // (ErrorOccurrenceCrossingBoundary): such an override stays on the DAV side only.
    if (index(originalUtc) === null) {
      dropped.push({ property: "RECURRENCE-ID", reason: "the override's RECURRENCE-ID is not an occurrence of the pattern; Exchange cannot hold it, it stays on the DAV side", value: ewsDateTime(originalUtc) });
      continue;
    }
    if (crossesNeighbours(master, originalUtc, parseEwsDateTime(reading.item.start!, "Start"), occurrences)) {
      dropped.push({ property: "RECURRENCE-ID", reason: "Exchange cannot move an occurrence onto or past the day of another occurrence; the override stays on the DAV side", value: ewsDateTime(originalUtc) });
      continue;
    }
    // Attachments live on the series master only: an override's own ATTACH is not sent.
    if (reading.item.attachments?.length && !sameFiles(reading.item.attachments.filter(isFile), master.item.attachments?.filter(isFile))) {
      dropped.push({ property: "ATTACH", reason: "an occurrence's own attachments are not sent (ewsdav writes attachments on the series master only); they stay on the DAV side", value: ewsDateTime(originalUtc) });
    }
    operations.push({ kind: "modifyOccurrence", originalStart: ewsDateTime(originalUtc), instanceIndex: index(originalUtc), changes: changesAgainst(master.item, reading.item) });
  }
  // Exceptions EWS has that the DAV side no longer has: back to the pattern's time and the master's fields.
  const duration = parseEwsDateTime(master.item.end!, "End") - parseEwsDateTime(master.item.start!, "Start");
  for (const occurrence of current?.modifiedOccurrences ?? []) {
    const originalUtc = safeInstant(occurrence.originalStart);
    if (Number.isNaN(originalUtc) || modified.has(originalUtc) || deleted.has(originalUtc)) continue;
    const reset: CalendarItem = { ...master.item, start: ewsDateTime(originalUtc), end: ewsDateTime(originalUtc + duration) };
    operations.push({ kind: "modifyOccurrence", originalStart: ewsDateTime(originalUtc), instanceIndex: index(originalUtc), changes: { ...changesAgainst({}, reset), start: reset.start!, end: reset.end! } });
  }
  return operations;
}

function isFile(attachment: Attachment): attachment is FileAttachment {
  return attachment.kind === "file";
}

function safeInstant(value: string): number {
  try {
    return parseEwsDateTime(value, "OriginalStart");
  } catch {
    return Number.NaN;
  }
}

/**
 * Maps an EWS calendar item (a single event or a recurring master, with its modified occurrences
 * in `exceptions`) to iCalendar text, merged onto `base` when given. Throws {@link MapperError}
 * `MISSING_COMPONENT` when `base` holds no VEVENT, `INVALID_VALUE` for an unreadable Start/End,
 * and nothing but a {@link MapperError} for anything else.
 */
export function eventToVEvent(item: CalendarItem, options: EventToVEventOptions = {}): EventToVEventResult {
  return guardItem(item?.uid ?? options.uid ?? null, options.limits, () => mapEventToVEvent(item, options));
}

function mapEventToVEvent(item: CalendarItem, options: EventToVEventOptions): EventToVEventResult {
  const dropped: DroppedProperty[] = [];
  const parsed = options.base ? parseCalendar(options.base, "base") : null;
  const uid = item.uid ?? options.uid ?? (parsed ? eventGroup(parsed.calendar).uid : null) ?? null;
  if (!uid) throw new MapperError("INVALID_VALUE", "UID", "the item has no UID and none was given");
  const baseCalendar = parsed?.calendar ?? null;
  // Merge onto the base's events of this UID; a base holding another UID is merged onto its first event.
  const baseHasUid = !!baseCalendar && baseCalendar[2].some((component) => component[0] === "vevent" && text(first(component, "uid")) === uid);
  const baseGroup = baseCalendar ? eventGroup(baseCalendar, baseHasUid ? uid : undefined) : null;
  const defaultZone = mailboxZone(options.timeZone);
  const baseZones = zoneContextOf(baseCalendar, options.timeZone);
  const stamp = `${(options.now ?? new Date()).toISOString().slice(0, 19)}Z`;
  const context: WriteContext = { defaultZone, baseZones, stamp, dropped };
  if (!item.start) throw new MapperError("INVALID_VALUE", "Start", "the calendar item has no Start", uid);

  const limits = currentLimits();
  checkCount("DeletedOccurrences", item.deletedOccurrences?.length ?? 0, limits.maxExdates, "deleted occurrences");
  checkCount("ModifiedOccurrences", item.modifiedOccurrences?.length ?? 0, limits.maxOverrides, "modified occurrences");
  checkCount("ModifiedOccurrences", options.exceptions?.length ?? 0, limits.maxOverrides, "exceptions");
  checkCount("RequiredAttendees", (item.requiredAttendees?.length ?? 0) + (item.optionalAttendees?.length ?? 0) + (item.resources?.length ?? 0), limits.maxAttendees, "attendees and resources");
  const allDay = item.isAllDayEvent === true;
  const startUtc = parseEwsDateTime(item.start, "Start");
  const baseMaster = baseGroup?.master ?? null;
  const baseMasterReading = readBase(baseMaster, baseZones);
  const seriesForm: TimeForm = timeForm(itemZone(item, "start", defaultZone), allDay, baseMaster ? first(baseMaster, "dtstart") : undefined, context);
  // The wall-clock time the pattern repeats at, told apart from a start shifted out of a DST gap by
  // the occurrences EWS lists and the base's DTSTART.
  const hints: number[] = [];
  if (item.recurrence) {
    for (const info of item.modifiedOccurrences ?? []) hints.push(seriesForm.zone.toLocal(parseEwsDateTime(info.originalStart, "OriginalStart")));
    for (const entry of item.deletedOccurrences ?? []) hints.push(seriesForm.zone.toLocal(parseEwsDateTime(entry.start, "DeletedOccurrences")));
    const baseStart = baseMasterReading?.start;
    if (baseStart && baseStart.utc === startUtc && baseStart.time.kind === "zoned") hints.push(baseStart.local);
  }
  const startLocal = seriesStartLocal(startUtc, seriesForm, hints);
  const deleted = (item.deletedOccurrences ?? []).map((entry) => parseEwsDateTime(entry.start, "DeletedOccurrences"));
  const masterEvent = writeVEvent(item, baseMaster, baseMasterReading, { role: "master", uid, seriesForm, seriesStartLocal: startLocal, deleted }, context);

  // Overrides: one per modified occurrence; base overrides of occurrences EWS no longer lists go,
  // unless the base's rule is one EWS could not hold (then the DAV side keeps its series as it is).
  const baseOverrides = new Map<number, JComponent>();
  for (const override of baseGroup?.overrides ?? []) {
    const time = readTime(first(override, "recurrence-id"));
    if (time) baseOverrides.set(resolveTime(time, baseZones, "RECURRENCE-ID", []).utc, override);
  }
  const keepBaseSeries = !!baseMaster && all(baseMaster, "rrule").length > 0 && !baseMasterReading?.item.recurrence && !item.recurrence;
  const overrides: JComponent[] = [];
  if (keepBaseSeries) overrides.push(...(baseGroup?.overrides ?? []));
  else if (item.recurrence) {
    const exceptionsByStart = new Map<number, CalendarItem>();
    for (const exception of options.exceptions ?? []) {
      if (exception.originalStart) exceptionsByStart.set(parseEwsDateTime(exception.originalStart, "OriginalStart"), exception);
    }
    const deletedSet = new Set(deleted);
    for (const info of item.modifiedOccurrences ?? []) {
      checkBudget("ModifiedOccurrences");
      const originalUtc = parseEwsDateTime(info.originalStart, "OriginalStart");
      if (deletedSet.has(originalUtc)) continue;
      const occurrence = exceptionsByStart.get(originalUtc) ?? fromOccurrenceInfo(item, info);
      const base = baseOverrides.get(originalUtc) ?? null;
      const occurrenceItem: CalendarItem = { ...occurrence, uid, isAllDayEvent: occurrence.isAllDayEvent ?? item.isAllDayEvent };
      delete occurrenceItem.recurrence;
      overrides.push(writeVEvent(occurrenceItem, base, readBase(base, baseZones), { role: "override", uid, seriesForm, seriesStartLocal: startLocal, recurrenceId: originalUtc }, context));
    }
    // Overrides EWS could not take (moved onto a neighbour's day) stay as the DAV side has them,
    // as long as EWS still has the series' pattern and has not deleted that occurrence.
    const written = new Set((item.modifiedOccurrences ?? []).map((info) => parseEwsDateTime(info.originalStart, "OriginalStart")));
    const sameSeries = !!baseMasterReading && sameRecurrence(baseMasterReading.item.recurrence, item.recurrence) && baseMasterReading.item.start === item.start;
    let baseOccurrences: SeriesOccurrences | null | undefined;
    for (const [originalUtc, base] of baseOverrides) {
      if (!sameSeries || written.has(originalUtc) || deletedSet.has(originalUtc)) continue;
      const reading = readBase(base, baseZones);
      if (!reading?.item.start || !baseMasterReading?.rrule || !baseMasterReading.start) continue;
      baseOccurrences ??= seriesOccurrences(baseMasterReading);
      const onPattern = baseOccurrences?.indexOf(originalUtc) != null;
      if (!onPattern || crossesNeighbours(baseMasterReading, originalUtc, parseEwsDateTime(reading.item.start, "Start"), baseOccurrences)) overrides.push(base);
    }
  }
  overrides.sort((a, b) => String(first(a, "recurrence-id")?.[3]).localeCompare(String(first(b, "recurrence-id")?.[3])));

  // The calendar: the base's other components stay; VTIMEZONEs are exactly those referenced.
  const events = [masterEvent, ...overrides];
  const tzids = new Set<string>();
  for (const event of events) tzidsOf(event, tzids);
  const calendar: JComponent = baseCalendar ? [baseCalendar[0], baseCalendar[1].map((p) => p), []] : ["vcalendar", [["version", {}, "text", "2.0"], ["prodid", {}, "text", PRODID]], []];
  const others = (baseCalendar?.[2] ?? []).filter((component) => component[0] !== "vtimezone" && !(component[0] === "vevent" && (text(first(component, "uid")) ?? null) === (baseGroup?.uid ?? null)));
  for (const component of others) tzidsOf(component, tzids);
  for (const tzid of [...tzids].sort()) {
    const own = baseZones.vtimezone(tzid);
    if (own) calendar[2].push(own as unknown as JComponent);
    else {
      const zone = baseZones.zone(tzid) ?? (tzid === seriesForm.tzid ? seriesForm.zone : null) ?? zoneForTzid(item, tzid, defaultZone);
      const block = zone ? vtimezoneComponent(zone, tzid) : null;
      if (block) calendar[2].push(block as unknown as JComponent);
      else dropped.push({ property: "VTIMEZONE", reason: `no definition for TZID "${tzid}"` });
    }
  }
  calendar[2].push(...events, ...others);
  for (const field of ["isOnlineMeeting", "meetingWorkspaceUrl", "netShowUrl", "conferenceType", "allowNewTimeProposal"] as const) {
    if (item[field] !== undefined && item[field] !== false) dropped.push({ property: field, reason: "no iCalendar property" });
  }
  if (item.extendedProperties?.length) dropped.push({ property: "ExtendedProperties", reason: "no iCalendar property" });
  return { text: writeComponent(calendar, "icalendar", parsed?.rawLines), uid, dropped };
}

const parsedIanaBlocks = new Map<string, JComponent | null>();

/** The VTIMEZONE (jCal) of a zone under `tzid`; IANA blocks are parsed once and shared (never mutated). */
function vtimezoneComponent(zone: EventTimeZone, tzid: string): JComponent | null {
  if (!zone.iana) return parseVTimezoneText(zone.vtimezone()) as unknown as JComponent | null;
  const key = `${zone.iana}\u0000${tzid}`;
  if (!parsedIanaBlocks.has(key)) parsedIanaBlocks.set(key, parseVTimezoneText(vtimezoneForIana(zone.iana, tzid)) as unknown as JComponent | null);
  return parsedIanaBlocks.get(key) ?? null;
}

function zoneForTzid(item: CalendarItem, tzid: string, defaultZone: EventTimeZone): EventTimeZone | null {
  for (const which of ["start", "end"] as const) {
    const zone = itemZone(item, which, defaultZone);
    if (zone.tzid === tzid) return zone;
  }
  return null;
}

function fromOccurrenceInfo(master: CalendarItem, info: OccurrenceInfo): CalendarItem {
  const occurrence: CalendarItem = { ...master, start: info.start, end: info.end, originalStart: info.originalStart };
  delete occurrence.recurrence;
  delete occurrence.modifiedOccurrences;
  delete occurrence.deletedOccurrences;
  return occurrence;
}

/**
 * The normalised form of the VEVENT(s) in iCalendar text: VTIMEZONE blocks, PRODID, DTSTAMP,
 * LAST-MODIFIED, property order and folding are ignored (see the shared iCalendar normaliser).
 */
export function normalizeVEvent(text: string): string {
  return normalizeICalendarComponents(text, "vevent");
}

/** SHA-256 (hex) of {@link normalizeVEvent}: equal for an event and the echo of its own write. */
export function veventHash(text: string): string {
  return hashNormalized(normalizeVEvent(text));
}

