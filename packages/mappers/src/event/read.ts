/**
 * VEVENT → EWS calendar item: one VEVENT (a master, a single event or an override) to the fields
 * of a `CalendarItem`, with everything the item cannot hold reported.
 */
import type { Attendee, CalendarItem, Importance, LegacyFreeBusyStatus, Mailbox, ResponseType, Sensitivity } from "@ewsdav/ews-client";
import { checkCount, currentLimits } from "../limits.js";
import { filesFromAttach } from "../vobject/attach.js";
import { MapperError, type DroppedProperty } from "../result.js";
import { DAY_MS, timeOfDayMs } from "../timezone/clock.js";
import { canonicalIanaZone } from "../timezone/iana.js";
import { ianaZone, resolveTzid, UTC_ZONE, type EventTimeZone, type TzidResolution } from "../timezone/resolve.js";
import type { JCalComponent } from "../timezone/vtimezone.js";
import { all, first, param, readTime, readTimeValue, text, type EventTime, type JComponent, type JProperty } from "./jcal.js";
import { rruleToRecurrence, type JCalRecur } from "./recurrence.js";
import type { EventTimeZoneSchema } from "./types.js";

/** What a VEVENT's times resolve against: the object's VTIMEZONEs and the mailbox's zone. */
export class ZoneContext {
  private readonly resolved = new Map<string, TzidResolution>();
  constructor(
    private readonly vtimezones: Map<string, JCalComponent>,
    /** The zone for DATE values and floating times. */
    readonly defaultZone: EventTimeZone,
  ) {}

  /** The zone of a TZID, or null when it is unknown and the object has no VTIMEZONE for it. */
  zone(tzid: string): EventTimeZone | null {
    return this.resolution(tzid).zone;
  }

  /** Why the object's VTIMEZONE for a TZID cannot be used, when it has one that cannot. */
  problem(tzid: string): string | undefined {
    return this.resolution(tzid).problem;
  }

  private resolution(tzid: string): TzidResolution {
    let found = this.resolved.get(tzid);
    if (!found) this.resolved.set(tzid, (found = resolveTzid(tzid, this.vtimezones.get(tzid) ?? null)));
    return found;
  }

  /** The VTIMEZONE the object itself has for a TZID. */
  vtimezone(tzid: string): JCalComponent | undefined {
    return this.vtimezones.get(tzid);
  }
}

/** Builds a {@link ZoneContext} from a VCALENDAR (jCal) and an IANA default zone. */
export function zoneContextOf(calendar: JComponent | null, defaultZone: string | undefined): ZoneContext {
  const map = new Map<string, JCalComponent>();
  for (const child of calendar?.[2] ?? []) {
    if (child[0] !== "vtimezone") continue;
    const tzid = text(first(child, "tzid"));
    if (tzid) map.set(tzid, child as unknown as JCalComponent);
  }
  return new ZoneContext(map, mailboxZone(defaultZone));
}

/** The zone for the `timeZone` option (default UTC); throws {@link MapperError} `INVALID_VALUE` naming `timeZone` for a name the runtime does not know. */
export function mailboxZone(name: string | undefined): EventTimeZone {
  if (!name) return UTC_ZONE;
  if (!canonicalIanaZone(name)) throw new MapperError("INVALID_VALUE", "timeZone", `"${name.slice(0, 64)}" is not an IANA time zone the runtime knows`);
  return ianaZone(name);
}

/** An `xs:dateTime` in UTC (`2026-03-01T08:00:00Z`) of an instant. */
export function ewsDateTime(utc: number): string {
  return `${new Date(utc).toISOString().slice(0, 19)}Z`;
}

/** The instant of an `xs:dateTime` as EWS sends it (UTC `Z`, an offset, or no zone read as UTC). */
export function parseEwsDateTime(value: string, field: string): number {
  const match = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)?$/.exec(value.trim());
  if (!match) throw new MapperError("INVALID_VALUE", field, `"${value}" is not an xs:dateTime`);
  const local = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6] ?? 0));
  const zone = match[7];
  if (!zone || zone === "Z") return local;
  const sign = zone.startsWith("-") ? -1 : 1;
  return local - sign * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60) * 1000;
}

/** A time of the event resolved to its instant, its zone and its wall-clock reading. */
export interface ResolvedTime {
  /** The value as written. */
  time: EventTime;
  /** Its instant. */
  utc: number;
  /** The zone the time is written in on EWS (UTC for UTC times, the default zone for dates and floating times). */
  zone: EventTimeZone;
  /** Wall-clock reading in {@link zone} (the date for DATE values). */
  local: number;
}

/** Resolves an {@link EventTime}; an unknown TZID is read in the default zone and reported. */
export function resolveTime(time: EventTime, context: ZoneContext, property: string, dropped: DroppedProperty[]): ResolvedTime {
  switch (time.kind) {
    case "utc":
      return { time, utc: time.utc, zone: UTC_ZONE, local: time.utc };
    case "date":
    case "floating":
      return { time, utc: context.defaultZone.toUtc(time.local), zone: context.defaultZone, local: time.local };
    case "zoned": {
      const zone = context.zone(time.tzid);
      if (!zone) {
        const problem = context.problem(time.tzid);
        const reason = problem
          ? `the VTIMEZONE of TZID "${time.tzid}" is invalid (${problem}); read in ${context.defaultZone.tzid}`
          : `TZID "${time.tzid}" is neither known nor defined by a VTIMEZONE; read in ${context.defaultZone.tzid}`;
        dropped.push({ property, reason, value: time.tzid });
        return { time, utc: context.defaultZone.toUtc(time.local), zone: context.defaultZone, local: time.local };
      }
      return { time, utc: zone.toUtc(time.local), zone, local: time.local };
    }
  }
}

/** Parses an iCalendar duration (`-PT15M`, `P1D`, `-P1W`) to seconds, or null. */
export function parseICalDuration(value: string): number | null {
  const match = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value.trim());
  if (!match || /P$|T$/.test(value.trim())) return null;
  const seconds = Number(match[2] ?? 0) * 7 * 86400 + Number(match[3] ?? 0) * 86400 + Number(match[4] ?? 0) * 3600 + Number(match[5] ?? 0) * 60 + Number(match[6] ?? 0);
  return match[1] === "-" ? -seconds : seconds;
}

const BUSY_STATUS: Record<string, LegacyFreeBusyStatus> = { FREE: "Free", TENTATIVE: "Tentative", BUSY: "Busy", OOF: "OOF", WORKINGELSEWHERE: "WorkingElsewhere" };
const PARTSTAT: Record<string, ResponseType> = { "NEEDS-ACTION": "NoResponseReceived", ACCEPTED: "Accept", DECLINED: "Decline", TENTATIVE: "Tentative" };

/** Properties the reader maps; everything else on a VEVENT is reported as not carried. */
export const MAPPED_VEVENT_PROPERTIES = new Set([
  "uid", "summary", "description", "x-alt-desc", "location", "dtstart", "dtend", "duration", "transp",
  "x-microsoft-cdo-busystatus", "priority", "class", "categories", "attach", "attendee", "organizer",
  "rrule", "exdate", "recurrence-id",
]);
/** Properties that carry no content of their own (regenerated on every write). */
export const IGNORED_VEVENT_PROPERTIES = new Set(["dtstamp", "sequence", "created", "last-modified"]);

/** The e-mail address of a CAL-ADDRESS value (`mailto:` stripped), or null. */
export function emailOf(value: unknown): string | null {
  const raw = String(value ?? "").trim();
  if (raw === "") return null;
  return raw.replace(/^mailto:/i, "");
}

/** What reading one VEVENT gives. */
export interface VEventReading {
  /** The mapped fields. */
  item: CalendarItem;
  /** The VEVENT's UID, or null. */
  uid: string | null;
  /** DTSTART resolved; null when the VEVENT has none. */
  start: ResolvedTime | null;
  /** True for an all-day event (DATE values). */
  allDay: boolean;
  /** The RRULE (jCal), if any. */
  rrule: JCalRecur | null;
  /** What the VEVENT says that the item cannot hold. */
  dropped: DroppedProperty[];
}

/** Options of {@link readVEvent}. */
export interface ReadVEventOptions {
  /** Which EWS time-zone elements to fill. */
  schema: EventTimeZoneSchema;
  /** Responses EWS already knows, by lower-case e-mail, kept where the VEVENT says only NEEDS-ACTION. */
  knownResponses?: Map<string, ResponseType>;
}

function timeZoneFields(item: CalendarItem, zone: EventTimeZone, endZone: EventTimeZone, year: number, schema: EventTimeZoneSchema): void {
  if (schema === "Exchange2007_SP1") {
    const legacy = zone.legacy(year);
    if (legacy) item.meetingTimeZone = legacy;
    return;
  }
  item.startTimeZone = zone.definition();
  item.endTimeZone = endZone.definition();
}

/**
 * Reads one VEVENT. Throws {@link MapperError} `INVALID_VALUE` naming DTSTART when it is missing or
 * unreadable; every other problem is reported in `dropped` and the rest is mapped.
 */
export function readVEvent(event: JComponent, context: ZoneContext, options: ReadVEventOptions): VEventReading {
  const dropped: DroppedProperty[] = [];
  const item: CalendarItem = {};
  const uid = text(first(event, "uid")) ?? null;
  if (uid) item.uid = uid;

  const startProperty = first(event, "dtstart");
  const startTime = readTime(startProperty);
  if (!startTime) throw new MapperError("INVALID_VALUE", "DTSTART", startProperty ? `unreadable value "${String(startProperty[3])}"` : "the VEVENT has no DTSTART", uid);
  const start = resolveTime(startTime, context, "DTSTART", dropped);
  const allDay = startTime.kind === "date";
  let end: ResolvedTime | null = null;
  const endProperty = first(event, "dtend");
  if (endProperty) {
    const endTime = readTime(endProperty);
    if (!endTime) dropped.push({ property: "DTEND", reason: `unreadable value "${String(endProperty[3])}"`, error: new MapperError("INVALID_VALUE", "DTEND", "unreadable value", uid) });
    else end = resolveTime(allDay && endTime.kind !== "date" ? { kind: "date", local: endTime.kind === "utc" ? endTime.utc : endTime.local } : endTime, context, "DTEND", dropped);
  }
  if (!end) {
    const durationText = text(first(event, "duration"));
    const seconds = durationText ? parseICalDuration(durationText) : null;
    if (durationText && seconds === null) dropped.push({ property: "DURATION", reason: `unreadable value "${durationText}"` });
    const length = seconds !== null ? seconds * 1000 : allDay ? DAY_MS : 0;
    if (allDay) end = { time: { kind: "date", local: start.local + length }, utc: start.zone.toUtc(start.local + length), zone: start.zone, local: start.local + length };
    else end = { ...start, utc: start.utc + length, local: start.zone.toLocal(start.utc + length) };
  }
  if (end.utc < start.utc) {
    dropped.push({ property: "DTEND", reason: "ends before it starts; read as ending at the start" });
    end = { ...start };
  }
  item.start = ewsDateTime(start.utc);
  item.end = ewsDateTime(end.utc);
  item.isAllDayEvent = allDay;
  timeZoneFields(item, start.zone, allDay ? start.zone : end.zone, new Date(start.local).getUTCFullYear(), options.schema);

  const summary = text(first(event, "summary"));
  if (summary !== undefined) item.subject = summary;
  const html = first(event, "x-alt-desc");
  const description = text(first(event, "description"));
  if (html && /html/i.test(param(html, "fmttype") ?? "text/html")) item.body = { bodyType: "HTML", value: text(html) ?? "" };
  else if (description !== undefined) item.body = { bodyType: "Text", value: description };
  const location = text(first(event, "location"));
  if (location !== undefined) item.location = location;

  const busy = text(first(event, "x-microsoft-cdo-busystatus"))?.toUpperCase();
  const transp = text(first(event, "transp"))?.toUpperCase();
  if (busy && BUSY_STATUS[busy]) item.legacyFreeBusyStatus = BUSY_STATUS[busy];
  else item.legacyFreeBusyStatus = transp === "TRANSPARENT" ? "Free" : "Busy";
  if (busy && !BUSY_STATUS[busy]) dropped.push({ property: "X-MICROSOFT-CDO-BUSYSTATUS", reason: `unknown status "${busy}"; TRANSP used` });

  const priorityText = text(first(event, "priority"));
  if (priorityText !== undefined) {
    const priority = Number(priorityText);
    let importance: Importance = "Normal";
    if (!Number.isInteger(priority) || priority < 0 || priority > 9) dropped.push({ property: "PRIORITY", reason: `"${priorityText}" is not 0–9` });
    else if (priority >= 1 && priority <= 4) importance = "High";
    else if (priority >= 6) importance = "Low";
    item.importance = importance;
  }
  const classProperty = first(event, "class");
  if (classProperty) {
    const value = (text(classProperty) ?? "").toUpperCase();
    const exact = param(classProperty, "x-ews-sensitivity");
    let sensitivity: Sensitivity = "Normal";
    if (exact && ["Normal", "Personal", "Private", "Confidential"].includes(exact)) sensitivity = exact as Sensitivity;
    else if (value === "PRIVATE") sensitivity = "Private";
    else if (value === "CONFIDENTIAL") sensitivity = "Confidential";
    else if (value !== "PUBLIC") dropped.push({ property: "CLASS", reason: `"${value}" has no Exchange sensitivity; read as Normal` });
    item.sensitivity = sensitivity;
  }
  const categories = all(event, "categories").flatMap((property) => property.slice(3).map(String)).filter((value) => value !== "");
  if (categories.length > 0) item.categories = categories;

  // Attachments: inline binary content becomes a file attachment (the EWS side writes it with
  // CreateAttachment); a URI is reported (see vobject/attach.ts).
  const attachments = filesFromAttach(all(event, "attach"), dropped);
  if (attachments.length > 0) item.attachments = attachments;

  // Organizer and attendees.
  const organizer = first(event, "organizer");
  const organizerEmail = organizer ? emailOf(organizer[3]) : null;
  if (organizer && organizerEmail) {
    const mailbox: Mailbox = { emailAddress: organizerEmail };
    const cn = param(organizer, "cn");
    if (cn) mailbox.name = cn;
    item.organizer = mailbox;
  }
  const attendeeProperties = all(event, "attendee");
  checkCount("ATTENDEE", attendeeProperties.length, currentLimits().maxAttendees, "attendees");
  for (const property of attendeeProperties) {
    const email = emailOf(property[3]);
    if (!email) {
      dropped.push({ property: "ATTENDEE", reason: "no address" });
      continue;
    }
    const mailbox: Mailbox = { emailAddress: email };
    const cn = param(property, "cn");
    if (cn) mailbox.name = cn;
    const attendee: Attendee = { mailbox };
    const partstat = (param(property, "partstat") ?? "NEEDS-ACTION").toUpperCase();
    let response = PARTSTAT[partstat];
    if (!response) {
      dropped.push({ property: "ATTENDEE", reason: `PARTSTAT=${partstat} has no Exchange response`, value: email });
      response = "Unknown";
    }
    const known = options.knownResponses?.get(email.toLowerCase());
    if ((response === "NoResponseReceived" || response === "Unknown") && known && known !== "Unknown" && known !== "NoResponseReceived") response = known;
    if (organizerEmail && email.toLowerCase() === organizerEmail.toLowerCase() && response === "Accept") response = "Organizer";
    attendee.responseType = response;
    const cutype = (param(property, "cutype") ?? "INDIVIDUAL").toUpperCase();
    const role = (param(property, "role") ?? "REQ-PARTICIPANT").toUpperCase();
    if (cutype === "RESOURCE" || cutype === "ROOM") (item.resources ??= []).push(attendee);
    else if (role === "OPT-PARTICIPANT" || role === "NON-PARTICIPANT") {
      if (role === "NON-PARTICIPANT") dropped.push({ property: "ATTENDEE", reason: "ROLE=NON-PARTICIPANT is an optional attendee in Exchange", value: email });
      (item.optionalAttendees ??= []).push(attendee);
    } else {
      if (role !== "REQ-PARTICIPANT" && role !== "CHAIR") dropped.push({ property: "ATTENDEE", reason: `ROLE=${role} is a required attendee in Exchange`, value: email });
      (item.requiredAttendees ??= []).push(attendee);
    }
  }

  // Reminder: the first VALARM before the start; the others stay on the DAV side.
  const alarms = event[2].filter((child) => child[0] === "valarm");
  item.reminderIsSet = false;
  alarms.forEach((alarm, index) => {
    if (index > 0) {
      dropped.push({ property: "VALARM", reason: "Exchange holds one reminder; further alarms stay on the DAV side" });
      return;
    }
    const minutes = alarmMinutesBeforeStart(alarm, start.utc, end!.utc);
    if (minutes === null) {
      dropped.push({ property: "VALARM", reason: "the alarm does not fire before the start; Exchange reminders do" });
      return;
    }
    item.reminderIsSet = true;
    item.reminderMinutesBeforeStart = minutes;
  });

  let rrule: JCalRecur | null = null;
  const rrules = all(event, "rrule");
  if (rrules.length > 0) {
    rrule = rrules[0]![3] as JCalRecur;
    if (rrules.length > 1) dropped.push({ property: "RRULE", reason: "Exchange holds one rule; the others stay on the DAV side" });
    const zone = startTime.kind === "floating" || startTime.kind === "date" ? context.defaultZone : start.zone;
    const reading = rruleToRecurrence(rrule, { startLocal: start.local, allDay, zone: startTime.kind === "floating" ? null : zone });
    dropped.push(...reading.dropped);
    if (reading.recurrence) item.recurrence = reading.recurrence;
    else rrule = null;
  }
  for (const property of event[1]) {
    const name = property[0];
    if (MAPPED_VEVENT_PROPERTIES.has(name) || IGNORED_VEVENT_PROPERTIES.has(name)) continue;
    if (name === "rdate" || name === "exrule") dropped.push({ property: name.toUpperCase(), reason: "an Exchange series follows one pattern; stays on the DAV side" });
    else dropped.push({ property: name.toUpperCase(), reason: "no Exchange field; stays on the DAV side" });
  }
  return { item, uid, start, allDay, rrule, dropped };
}

/** Minutes before the start at which a VALARM fires, or null when it fires after the start or cannot be read. */
export function alarmMinutesBeforeStart(alarm: JComponent, startUtc: number, endUtc: number): number | null {
  const trigger = first(alarm, "trigger");
  if (!trigger) return null;
  let fires: number | null = null;
  if (trigger[2] === "date-time") {
    const time = readTimeValue(trigger[3], undefined);
    if (time?.kind === "utc") fires = time.utc;
  } else {
    const seconds = parseICalDuration(String(trigger[3] ?? ""));
    if (seconds !== null) fires = ((param(trigger, "related") ?? "START").toUpperCase() === "END" ? endUtc : startUtc) + seconds * 1000;
  }
  if (fires === null || fires > startUtc) return null;
  return Math.round((startUtc - fires) / 60000);
}

/** Every property of a VEVENT with a TZID parameter (for collecting the VTIMEZONEs to write). */
export function tzidsOf(component: JComponent, into: Set<string>): void {
  for (const property of component[1]) {
    const tzid = param(property as JProperty, "tzid");
    if (tzid) into.add(tzid);
  }
  for (const child of component[2]) tzidsOf(child, into);
}

/**
 * The instants a series' EXDATEs name, in order and without duplicates. A DATE in the EXDATE of a
 * timed series names the occurrence on that day (at the series' time of day). Unreadable values
 * are reported in `dropped`.
 */
export function exdateInstants(event: JComponent, series: Pick<VEventReading, "start" | "allDay">, context: ZoneContext, dropped: DroppedProperty[]): number[] {
  const out = new Set<number>();
  const properties = all(event, "exdate");
  checkCount("EXDATE", properties.reduce((sum, property) => sum + property.length - 3, 0), currentLimits().maxExdates, "EXDATE values");
  for (const property of properties) {
    for (const value of property.slice(3)) {
      const time = readTimeValue(value, param(property, "tzid"));
      if (!time) {
        dropped.push({ property: "EXDATE", reason: `unreadable value "${String(value)}"` });
        continue;
      }
      const start = series.start;
      if (time.kind === "date" && !series.allDay && start) out.add(start.zone.toUtc(time.local + timeOfDayMs(start.local)));
      else out.add(resolveTime(time, context, "EXDATE", dropped).utc);
    }
  }
  return [...out];
}
