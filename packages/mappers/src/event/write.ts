/**
 * EWS calendar item → VEVENT(s), merged onto the existing object. Each group of properties that
 * carries one EWS field (times, summary, body, free/busy, …) is compared with what the base says:
 * when EWS holds the same value, the base's properties stay byte for byte (so a round trip never
 * rewrites an Outlook TZID, an RRULE spelled differently or a PRIORITY of 3); when it differs, the
 * group is written anew. Properties EWS cannot hold (COLOR, URL, X- properties, further alarms,
 * RDATE …) are never touched.
 */
import type { Attendee, CalendarItem, LegacyFreeBusyStatus, ResponseType } from "@ewsdav/ews-client";
import { htmlToText } from "../body.js";
import { rethrowLimit } from "../limits.js";
import type { DroppedProperty } from "../result.js";
import { reconcileAttach } from "../vobject/attach.js";
import { DAY_MS, timeOfDayMs } from "../timezone/clock.js";
import { zoneFromDefinition, zoneFromLegacyTimeZone, type EventTimeZone } from "../timezone/resolve.js";
import { escapeText } from "@ewsdav/vobject";
import { windowsZoneForIana } from "../timezone/windows.js";
import { all, cloneComponent, cloneProperty, first, jcalDate, jcalDateTime, param, readTime, type JComponent, type JProperty } from "./jcal.js";
import { emailOf, exdateInstants, parseEwsDateTime, readVEvent, resolveTime, type VEventReading, type ZoneContext } from "./read.js";
import { occurrencesOf, recurrenceToRRule, sameRecurrence } from "./recurrence.js";

/** How the times of a series are written on the DAV side. */
export interface TimeForm {
  /** A DATE, a UTC DATE-TIME, one with a TZID, or a floating one. */
  kind: "date" | "utc" | "zoned" | "floating";
  /** The zone times are computed in (the default zone for dates and floating times). */
  zone: EventTimeZone;
  /** The TZID written, for `zoned`. */
  tzid?: string;
}

/** Everything the writer needs besides the item. */
export interface WriteContext {
  /** The zone for items without a time zone (the mailbox's zone). */
  defaultZone: EventTimeZone;
  /** The base object's zones. */
  baseZones: ZoneContext;
  /** DTSTAMP for new VEVENTs (jCal UTC date-time). */
  stamp: string;
  /** Collected loss report. */
  dropped: DroppedProperty[];
}

/** True when two zones give the same wall-clock times (the same IANA zone or the same Windows zone). */
export function sameZone(a: EventTimeZone, b: EventTimeZone): boolean {
  if (a === b || a.tzid === b.tzid) return true;
  if (a.isUtc && b.isUtc) return true;
  if (a.iana && b.iana) return a.iana === b.iana || (windowsZoneForIana(a.iana) !== null && windowsZoneForIana(a.iana) === windowsZoneForIana(b.iana));
  return false;
}

/** The zone an EWS item's times are in: StartTimeZone, else MeetingTimeZone, else the default. */
export function itemZone(item: CalendarItem, which: "start" | "end", defaultZone: EventTimeZone): EventTimeZone {
  const definition = which === "end" ? (item.endTimeZone ?? item.startTimeZone) : item.startTimeZone;
  if (definition) {
    const zone = zoneFromDefinition(definition);
    if (zone) return zone;
  }
  if (item.meetingTimeZone) {
    const zone = zoneFromLegacyTimeZone(item.meetingTimeZone);
    if (zone) return zone;
  }
  return defaultZone;
}

/** The form in which to write times of `zone`, reusing the base's TZID (or floating form) when it names the same zone. */
export function timeForm(zone: EventTimeZone, allDay: boolean, baseStart: JProperty | undefined, context: WriteContext): TimeForm {
  if (allDay) return { kind: "date", zone };
  if (zone.isUtc) {
    const baseTime = readTime(baseStart);
    if (baseTime?.kind === "floating" && context.defaultZone.isUtc) return { kind: "floating", zone };
    return { kind: "utc", zone };
  }
  const baseTime = readTime(baseStart);
  if (baseTime?.kind === "floating" && sameZone(zone, context.defaultZone)) return { kind: "floating", zone: context.defaultZone };
  if (baseTime?.kind === "zoned") {
    const baseZone = context.baseZones.zone(baseTime.tzid);
    if (baseZone && sameZone(baseZone, zone)) return { kind: "zoned", zone: baseZone, tzid: baseTime.tzid };
  }
  return { kind: "zoned", zone, tzid: zone.tzid };
}

/**
 * A date / date-time property of an instant in a form. `nominal` is the wall-clock reading to write
 * instead of the instant's own, when it names the same instant (a series' start in a DST gap).
 */
export function timeProperty(name: string, utc: number, form: TimeForm, nominal?: number): JProperty {
  if (nominal !== undefined && form.kind === "zoned" && nominal !== form.zone.toLocal(utc) && form.zone.toUtc(nominal) === utc) {
    return [name, { tzid: form.tzid! }, "date-time", jcalDateTime(nominal)];
  }
  switch (form.kind) {
    case "date":
      return [name, {}, "date", jcalDate(form.zone.toLocal(utc))];
    case "utc":
      return [name, {}, "date-time", jcalDateTime(utc, true)];
    case "floating":
      return [name, {}, "date-time", jcalDateTime(form.zone.toLocal(utc))];
    case "zoned": {
      const local = form.zone.toLocal(utc);
      // The second pass through a repeated hour has no wall-clock name of its own (RFC 5545 reads
      // it as the first): such an instant is written in UTC so it stays exact.
      if (form.zone.toUtc(local) !== utc) return [name, {}, "date-time", jcalDateTime(utc, true)];
      return [name, { tzid: form.tzid! }, "date-time", jcalDateTime(local)];
    }
  }
}

/** An iCalendar DURATION (`P1DT2H30M`, `PT0S`) of a non-negative number of seconds. */
export function icalDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const days = Math.floor(whole / 86_400);
  const hours = Math.floor((whole % 86_400) / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  const time = `${hours ? `${hours}H` : ""}${minutes ? `${minutes}M` : ""}${rest ? `${rest}S` : ""}`;
  return `P${days ? `${days}D` : ""}${time ? `T${time}` : days ? "" : "T0S"}`;
}

/** The value (jCal text) of an instant in a form, for multi-valued EXDATE. */
function timeValue(utc: number, form: TimeForm): string {
  return String(timeProperty("x", utc, form)[3]);
}

const BUSY_OUT: Record<LegacyFreeBusyStatus, string | null> = { Free: "FREE", Tentative: "TENTATIVE", Busy: "BUSY", OOF: "OOF", WorkingElsewhere: "WORKINGELSEWHERE", NoData: null };
const PARTSTAT_OUT: Record<ResponseType, string | null> = { Accept: "ACCEPTED", Decline: "DECLINED", Tentative: "TENTATIVE", Organizer: "ACCEPTED", NoResponseReceived: "NEEDS-ACTION", Unknown: null };

/** Plain text of an HTML body for DESCRIPTION: head, style and script blocks go, then the shared reduction. */
export function eventBodyText(html: string): string {
  return htmlToText(html.replace(/<(script|style|head)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ""));
}

function attendeesOf(item: CalendarItem): Array<{ attendee: Attendee; kind: "required" | "optional" | "resource" }> {
  return [
    ...(item.requiredAttendees ?? []).map((attendee) => ({ attendee, kind: "required" as const })),
    ...(item.optionalAttendees ?? []).map((attendee) => ({ attendee, kind: "optional" as const })),
    ...(item.resources ?? []).map((attendee) => ({ attendee, kind: "resource" as const })),
  ];
}

/** Text with LF line ends (iCalendar TEXT cannot hold a CR; EWS text bodies use CRLF). */
function lf(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

function equalJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** What kind of VEVENT is written. */
export interface EventShape {
  /** `master` (or single) or `override` (with RECURRENCE-ID). */
  role: "master" | "override";
  /** The UID written. */
  uid: string;
  /** The series' time form (for RRULE/EXDATE/RECURRENCE-ID). */
  seriesForm: TimeForm;
  /** Series start as a wall-clock reading in the series form's zone. */
  seriesStartLocal: number;
  /** RECURRENCE-ID instant, for overrides. */
  recurrenceId?: number;
  /** Deleted occurrences (instants), for the master. */
  deleted?: number[];
}

/**
 * Writes one VEVENT for `item` onto `base` (a clone is changed, never the input). Groups whose
 * EWS value equals what `baseReading` read from the base keep the base's properties.
 */
export function writeVEvent(item: CalendarItem, base: JComponent | null, baseReading: VEventReading | null, shape: EventShape, context: WriteContext): JComponent {
  const event: JComponent = base ? cloneComponent(base) : ["vevent", [], []];
  const baseItem = baseReading?.item;
  const replace = (names: string[], properties: JProperty[]): void => {
    const at = event[1].findIndex((property) => names.includes(property[0]));
    event[1] = event[1].filter((property) => !names.includes(property[0]));
    event[1].splice(at < 0 ? event[1].length : at, 0, ...properties);
  };
  const keep = (same: boolean): boolean => !!baseReading && same;

  if (!first(event, "uid") || baseReading?.uid !== shape.uid) replace(["uid"], [["uid", {}, "text", shape.uid]]);
  if (!first(event, "dtstamp")) replace(["dtstamp"], [["dtstamp", {}, "date-time", context.stamp]]);

  // Times.
  const allDay = item.isAllDayEvent === true;
  const startZone = itemZone(item, "start", context.defaultZone);
  const endZone = allDay ? startZone : itemZone(item, "end", context.defaultZone);
  if (item.start) {
    const startUtc = parseEwsDateTime(item.start, "Start");
    let endUtc = item.end ? parseEwsDateTime(item.end, "End") : startUtc;
    const sameTimes =
      !!baseItem && baseItem.start === item.start && baseItem.end === item.end && baseItem.isAllDayEvent === allDay &&
      !!baseReading?.start && sameZone(baseReading.start.zone, startZone);
    if (!keep(sameTimes)) {
      // An override without a base of its own writes its times like the series (same TZID spelling).
      const seriesLike = shape.role === "override" && !first(event, "dtstart") && shape.seriesForm.kind !== "date" && sameZone(shape.seriesForm.zone, startZone);
      const startForm = seriesLike && !allDay ? shape.seriesForm : timeForm(startZone, allDay, first(event, "dtstart"), context);
      const endForm = allDay ? startForm : seriesLike && sameZone(shape.seriesForm.zone, endZone) ? shape.seriesForm : timeForm(endZone, false, first(event, "dtend") ?? first(event, "dtstart"), context);
      if (allDay && startForm.zone.toLocal(endUtc) - startForm.zone.toLocal(startUtc) < DAY_MS) endUtc = startForm.zone.toUtc(startForm.zone.toLocal(startUtc) + DAY_MS);
      // A series whose first start is shifted out of a DST gap keeps the wall-clock time its pattern repeats at.
      const nominal = shape.role === "master" && !allDay && sameZone(startForm.zone, shape.seriesForm.zone) ? shape.seriesStartLocal : undefined;
      // An end in the second pass through a repeated hour has no wall-clock name in its zone (it
      // would be written in UTC, and read back in UTC): in the start's zone it is a DURATION.
      const endUnnamed = !allDay && endForm.kind === "zoned" && endForm.zone.toUtc(endForm.zone.toLocal(endUtc)) !== endUtc;
      const endProperty: JProperty = endUnnamed && startForm.kind === "zoned" && sameZone(startForm.zone, endForm.zone) && endUtc >= startUtc
        ? ["duration", {}, "duration", icalDuration((endUtc - startUtc) / 1000)]
        : timeProperty("dtend", endUtc, endForm);
      replace(["dtstart", "dtend", "duration"], [timeProperty("dtstart", startUtc, startForm, nominal), endProperty]);
    }
  }
  if (shape.role === "override" && shape.recurrenceId !== undefined) {
    const existing = readTime(first(event, "recurrence-id"));
    const existingUtc = existing ? resolveTime(existing, context.baseZones, "RECURRENCE-ID", []).utc : null;
    if (existingUtc !== shape.recurrenceId) replace(["recurrence-id"], [timeProperty("recurrence-id", shape.recurrenceId, shape.seriesForm)]);
  }

  // Text fields.
  if (!keep(baseItem?.subject === item.subject)) replace(["summary"], item.subject !== undefined ? [["summary", {}, "text", item.subject]] : []);
  if (item.body?.isTruncated) context.dropped.push({ property: "Body", reason: "EWS sent a truncated body; the DAV side keeps its description" });
  else if (!keep(equalJson(baseItem?.body && { t: baseItem.body.bodyType, v: lf(baseItem.body.value) }, item.body && { t: item.body.bodyType, v: lf(item.body.value) }))) {
    const properties: JProperty[] = [];
    if (item.body?.bodyType === "HTML") {
      const plain = eventBodyText(item.body.value);
      if (plain !== "") properties.push(["description", {}, "text", plain]);
      properties.push(["x-alt-desc", { fmttype: "text/html" }, "unknown", escapeText(item.body.value, "icalendar")]);
    } else if (item.body && item.body.value !== "") properties.push(["description", {}, "text", item.body.value]);
    replace(["description", "x-alt-desc"], properties);
  }
  if (!keep(baseItem?.location === item.location)) replace(["location"], item.location ? [["location", {}, "text", item.location]] : []);

  // Free/busy, importance, sensitivity, categories.
  const busy = item.legacyFreeBusyStatus ?? "Busy";
  if (!keep((baseItem?.legacyFreeBusyStatus ?? "Busy") === busy)) {
    const status = BUSY_OUT[busy] ?? null;
    replace(["transp", "x-microsoft-cdo-busystatus"], status === null ? [] : [["transp", {}, "text", busy === "Free" ? "TRANSPARENT" : "OPAQUE"], ["x-microsoft-cdo-busystatus", {}, "unknown", status]]);
  }
  const importance = item.importance ?? "Normal";
  if (!keep((baseItem?.importance ?? "Normal") === importance)) replace(["priority"], importance === "High" ? [["priority", {}, "integer", 1]] : importance === "Low" ? [["priority", {}, "integer", 9]] : []);
  const sensitivity = item.sensitivity ?? "Normal";
  if (!keep((baseItem?.sensitivity ?? "Normal") === sensitivity)) {
    const value: JProperty[] =
      sensitivity === "Private" ? [["class", {}, "text", "PRIVATE"]]
      : sensitivity === "Confidential" ? [["class", {}, "text", "CONFIDENTIAL"]]
      : sensitivity === "Personal" ? [["class", { "x-ews-sensitivity": "Personal" }, "text", "PRIVATE"]]
      : [];
    replace(["class"], value);
  }
  if (!keep(equalJson(baseItem?.categories ?? [], item.categories ?? []))) replace(["categories"], item.categories?.length ? [["categories", {}, "text", ...item.categories]] : []);

  // Recurrence (master only).
  if (shape.role === "master") {
    const baseHasUnsayableRule = !!base && all(base, "rrule").length > 0 && !baseItem?.recurrence;
    if (baseHasUnsayableRule && !item.recurrence) {
      // EWS could not hold the base's rule: the base keeps it, with its EXDATEs.
    } else {
      if (!keep(sameRecurrence(baseItem?.recurrence, item.recurrence) && baseItem?.start === item.start && baseItem?.isAllDayEvent === allDay)) {
        replace(["rrule"], item.recurrence ? [["rrule", {}, "recur", recurrenceToRRule(item.recurrence, { startLocal: shape.seriesStartLocal, allDay, zone: shape.seriesForm.kind === "floating" ? null : shape.seriesForm.zone })]] : []);
      }
      const deleted = [...new Set(shape.deleted ?? [])].sort((a, b) => a - b);
      const baseDeleted = base && baseReading ? exdateInstants(base, baseReading, context.baseZones, []).sort((a, b) => a - b) : [];
      // EXDATEs of the base that name no occurrence of the pattern delete nothing, so EWS never
      // lists them: while the series is the same, they stay as the DAV side has them.
      const sameSeries = !!baseItem && sameRecurrence(baseItem.recurrence, item.recurrence) && baseItem.start === item.start && baseItem.isAllDayEvent === allDay;
      const rule = baseReading?.rrule;
      const seriesStart = baseReading?.start;
      const occurrences = !equalJson(baseDeleted, deleted) && sameSeries && rule && seriesStart ? occurrencesOf(rule, seriesStart.local, baseReading.allDay, seriesStart.zone) : null;
      const offPattern = occurrences ? baseDeleted.filter((utc) => occurrences.indexOf(utc) === null) : [];
      const onPattern = baseDeleted.filter((utc) => !offPattern.includes(utc));
      if (!equalJson(onPattern, deleted)) {
        const values = [...new Set([...deleted, ...offPattern])].sort((a, b) => a - b).map((utc) => timeValue(utc, shape.seriesForm));
        const form = shape.seriesForm;
        replace(["exdate"], values.length === 0 ? [] : [["exdate", form.kind === "zoned" ? { tzid: form.tzid! } : {}, form.kind === "date" ? "date" : "date-time", ...values]]);
      }
    }
  }

  // Organizer and attendees.
  // EWS names an organizer (the mailbox owner) on every item; iCalendar has one only on meetings,
  // so a plain appointment gets no ORGANIZER unless the DAV side already had one.
  const isMeeting = attendeesOf(item).length > 0 || item.isMeeting === true || !!first(event, "organizer");
  const organizerEmail = isMeeting ? item.organizer?.emailAddress : undefined;
  if (!keep((baseItem?.organizer?.emailAddress ?? "").toLowerCase() === (organizerEmail ?? "").toLowerCase() && (!organizerEmail || item.organizer?.name === undefined || baseItem?.organizer?.name === item.organizer.name))) {
    const baseOrganizer = first(event, "organizer");
    if (!organizerEmail) replace(["organizer"], []);
    else {
      const property: JProperty = baseOrganizer && emailOf(baseOrganizer[3])?.toLowerCase() === organizerEmail.toLowerCase() ? cloneProperty(baseOrganizer) : ["organizer", {}, "cal-address", `mailto:${organizerEmail}`];
      if (item.organizer?.name) property[1].cn = item.organizer.name;
      replace(["organizer"], [property]);
    }
  }
  writeAttendees(event, item);

  // Reminder: the first VALARM; further alarms are never touched.
  const sameReminder = (baseItem?.reminderIsSet ?? false) === (item.reminderIsSet ?? false) && (!item.reminderIsSet || baseItem?.reminderMinutesBeforeStart === item.reminderMinutesBeforeStart);
  if (!keep(sameReminder)) {
    const alarms = event[2].filter((child) => child[0] === "valarm");
    const mappedFirst = baseItem?.reminderIsSet === true && alarms.length > 0;
    const others = event[2].filter((child) => child[0] !== "valarm");
    const rest = mappedFirst ? alarms.slice(1) : alarms;
    const trigger: JProperty = ["trigger", {}, "duration", `-PT${Math.max(0, item.reminderMinutesBeforeStart ?? 0)}M`];
    let firstAlarm: JComponent | null = null;
    if (item.reminderIsSet) {
      if (mappedFirst) {
        firstAlarm = cloneComponent(alarms[0]!);
        firstAlarm[1] = firstAlarm[1].filter((property) => property[0] !== "trigger");
        firstAlarm[1].unshift(trigger);
      } else firstAlarm = ["valarm", [["action", {}, "text", "DISPLAY"], ["description", {}, "text", "Reminder"], trigger], []];
    }
    event[2] = [...others, ...(firstAlarm ? [firstAlarm] : []), ...rest];
  }

  // Attachments with content; EWS attachments not fetched leave the base's ATTACH alone.
  const files = (item.attachments ?? []).filter((attachment) => attachment.kind === "file");
  for (const attachment of item.attachments ?? []) {
    if (attachment.kind === "item") context.dropped.push({ property: "Attachments", reason: "an attached item has no iCalendar form", value: attachment.name });
  }
  if (files.every((file) => file.content !== undefined)) {
    const baseFiles = (baseItem?.attachments ?? []).map((file) => ({ n: file.name, c: (file as { content?: string }).content }));
    if (!keep(equalJson(baseFiles, files.map((file) => ({ n: file.name, c: file.content }))))) {
      // URI attachments stay; a binary ATTACH whose file EWS still has (same name and content) stays as the
      // client spelled it; the others go, and EWS's new files are appended.
      const { kept, appended } = reconcileAttach(all(event, "attach"), files);
      replace(["attach"], [...kept, ...appended]);
    }
  } else context.dropped.push({ property: "Attachments", reason: "attachment content not fetched; the DAV side keeps its ATTACH properties" });

  if (item.isCancelled && (first(event, "status")?.[3] ?? "") !== "CANCELLED") replace(["status"], [["status", {}, "text", "CANCELLED"]]);
  return event;
}

function writeAttendees(event: JComponent, item: CalendarItem): void {
  const existing = all(event, "attendee");
  const byEmail = new Map(existing.map((property) => [emailOf(property[3])?.toLowerCase() ?? "", property]));
  const written: JProperty[] = [];
  for (const { attendee, kind } of attendeesOf(item)) {
    const email = attendee.mailbox.emailAddress;
    if (!email) continue;
    const base = byEmail.get(email.toLowerCase());
    const property: JProperty = base ? cloneProperty(base) : ["attendee", {}, "cal-address", `mailto:${email}`];
    if (attendee.mailbox.name) property[1].cn = attendee.mailbox.name;
    const role = kind === "optional" ? "OPT-PARTICIPANT" : "REQ-PARTICIPANT";
    const currentRole = (param(property, "role") ?? "REQ-PARTICIPANT").toUpperCase();
    if (kind === "optional" ? currentRole !== "OPT-PARTICIPANT" && currentRole !== "NON-PARTICIPANT" : currentRole !== "REQ-PARTICIPANT" && currentRole !== "CHAIR") property[1].role = role;
    else if (!base && kind === "optional") property[1].role = role;
    const cutype = (param(property, "cutype") ?? "INDIVIDUAL").toUpperCase();
    if (kind === "resource" && cutype !== "RESOURCE" && cutype !== "ROOM") property[1].cutype = "RESOURCE";
    if (kind !== "resource" && (cutype === "RESOURCE" || cutype === "ROOM")) delete property[1].cutype;
    // A response EWS does not know (Unknown / none yet) never resets one the DAV side has.
    const partstat = attendee.responseType ? (PARTSTAT_OUT[attendee.responseType] ?? null) : null;
    if (partstat === "NEEDS-ACTION") {
      if (!base) property[1].partstat = partstat;
    } else if (partstat !== null) property[1].partstat = partstat;
    written.push(property);
  }
  const at = event[1].findIndex((property) => property[0] === "attendee");
  event[1] = event[1].filter((property) => property[0] !== "attendee");
  event[1].splice(at < 0 ? event[1].length : at, 0, ...written);
}

/**
 * The wall-clock start of a series in its form's zone: the wall-clock time its pattern repeats at.
 *
 * Usually that is the reading of the start instant. But a start whose wall-clock time does not
 * exist that day (it falls in a DST gap) is, as RFC 5545 §3.3.5 says, read with the offset before
 * the gap — it starts one gap length later — and Exchange (like Windows) converts such a time the
 * same way; its other occurrences keep the nominal time, and so do the `OriginalStart`s EWS lists
 * for them. The instant alone cannot tell a 03:00 series from a 02:00 one shifted to 03:00, so
 * `hints` decide: wall-clock readings of the series' own occurrences (OriginalStart of modified and
 * deleted occurrences) or of the base's DTSTART. When one of them has the gap reading's time of
 * day, the series starts at that reading.
 */
export function seriesStartLocal(startUtc: number, form: TimeForm, hints: readonly number[] = []): number {
  const local = form.zone.toLocal(startUtc);
  if (form.kind === "date") return local - timeOfDayMs(local);
  const nominal = gapReading(form.zone, startUtc);
  if (nominal !== null && hints.some((hint) => timeOfDayMs(hint) === timeOfDayMs(nominal))) return nominal;
  return local;
}

/**
 * The wall-clock time in a DST gap that RFC 5545 reads as `utc` (one gap length before the
 * instant's own reading), or null when the instant is not the shifted reading of a gap time.
 */
export function gapReading(zone: EventTimeZone, utc: number): number | null {
  const gap = zone.offsetAt(utc) - zone.offsetAt(utc - DAY_MS);
  if (gap <= 0) return null;
  const nominal = zone.toLocal(utc) - gap * 1000;
  return zone.toUtc(nominal) === utc && zone.toLocal(zone.toUtc(nominal)) !== nominal ? nominal : null;
}

/** Reads a base VEVENT for comparison; a base that cannot be read compares as nothing. */
export function readBase(base: JComponent | null, zones: ZoneContext): VEventReading | null {
  if (!base) return null;
  try {
    return readVEvent(base, zones, { schema: "Exchange2010" });
  } catch (error) {
    rethrowLimit(error);
    return null;
  }
}
