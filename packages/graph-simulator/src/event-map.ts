/**
 * A calendar item record (EWS element tree) as Graph's `event` resource, and a Graph request body
 * onto the record, so one mailbox answers EWS and Graph: subject ↔ Subject, body ↔ Body, start/end
 * ↔ Start/End with StartTimeZone/EndTimeZone, recurrence (patternedRecurrence) ↔ Recurrence (every
 * pattern and range), attendees ↔ Required/OptionalAttendees and Resources, showAs ↔
 * LegacyFreeBusyStatus, iCalUId ↔ UID … A series master's exceptions and deleted occurrences are the
 * record's; an occurrence or exception is rendered from the master and its exception record.
 *
 * What the record cannot hold is refused (501) rather than dropped: a yearly interval above 1, a
 * location's address or coordinates. `organizer` is ignored on writes, as Outlook ignores it for
 * events the mailbox owner organises.
 */
import {
  el, ianaZoneFor, isoUtc, localToUtc, OCCURRENCE_PROPERTIES, parseDateTime, utcToLocal, zoneOfItem, type ItemRecord, type ItemTarget,
  type ItemUpdate, type SimulatedMailbox, type XmlElement,
} from "@ewsdav/ews-simulator";
import { badValue, GraphSimError, unknownProperty } from "./errors.js";
import { parseExtendedProperties } from "./extended-properties.js";

// ---------------------------------------------------------------- time zones

/**
 * Windows zone names the simulator knows (facts of CLDR's windowsZones table, the same zones the
 * EWS simulator maps): used to give an IANA name given over Graph its Windows name, as Outlook keeps
 * Windows names (`originalStartTimeZone`).
 */
const WINDOWS_ZONES = [
  "UTC", "Greenwich Standard Time", "GMT Standard Time", "W. Europe Standard Time", "Romance Standard Time", "Central Europe Standard Time",
  "Central European Standard Time", "GTB Standard Time", "FLE Standard Time", "E. Europe Standard Time", "Turkey Standard Time", "Russian Standard Time",
  "Israel Standard Time", "South Africa Standard Time", "Arabian Standard Time", "India Standard Time", "SE Asia Standard Time", "Singapore Standard Time",
  "China Standard Time", "Tokyo Standard Time", "Korea Standard Time", "W. Australia Standard Time", "AUS Eastern Standard Time", "New Zealand Standard Time",
  "Hawaiian Standard Time", "Alaskan Standard Time", "Pacific Standard Time", "US Mountain Standard Time", "Mountain Standard Time", "Central Standard Time",
  "Canada Central Standard Time", "Central America Standard Time", "Eastern Standard Time", "Atlantic Standard Time", "E. South America Standard Time",
];
let windowsOfIana: Map<string, string> | undefined;

/** A zone name as Outlook stores it: Windows names as they are, a known IANA name as its Windows name; undefined when unknown. */
export function storedZoneName(name: string): string | undefined {
  if (!windowsOfIana) {
    windowsOfIana = new Map();
    for (const w of WINDOWS_ZONES) {
      const iana = ianaZoneFor(w);
      if (iana && !windowsOfIana.has(iana)) windowsOfIana.set(iana, w);
    }
    windowsOfIana.set("Etc/UTC", "UTC");
    windowsOfIana.set("Etc/GMT", "UTC");
  }
  if (WINDOWS_ZONES.includes(name)) return name;
  const iana = ianaZoneFor(name);
  if (!iana) return undefined;
  return windowsOfIana.get(iana) ?? name;
}

/** The IANA zone of a Graph zone name (UTC for "UTC"); undefined when unknown. */
export function ianaOf(name: string): string | undefined {
  return name === "UTC" ? "UTC" : ianaZoneFor(name);
}

/** A UTC instant as Graph's local dateTime in `iana` (`2026-12-07T09:00:00.0000000`). */
export function localDateTime(ms: number, iana: string): string {
  const local = iana === "UTC" ? ms : utcToLocal(ms, iana);
  return `${new Date(local).toISOString().slice(0, 19)}.0000000`;
}

/** Graph's `dateTimeTimeZone` read as a UTC instant, or a 400. */
export function instantOf(value: unknown, name: string): { ms: number; zone: string } {
  if (typeof value !== "object" || value === null) throw badValue(name, "microsoft.graph.dateTimeTimeZone");
  const { dateTime, timeZone, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest).find((k) => !k.startsWith("@odata."));
  if (extra) throw unknownProperty(extra, "dateTimeTimeZone");
  if (typeof dateTime !== "string") throw badValue(`${name}.dateTime`, "Edm.String");
  const zoneName = timeZone === undefined || timeZone === null || timeZone === "" ? "UTC" : timeZone;
  if (typeof zoneName !== "string") throw badValue(`${name}.timeZone`, "Edm.String");
  const stored = storedZoneName(zoneName);
  const iana = stored === undefined ? undefined : ianaOf(stored);
  if (!stored || !iana) throw new GraphSimError(400, "TimeZoneNotSupportedException", `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${zoneName}'.`);
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(dateTime.trim());
  if (!m) throw new GraphSimError(400, "ErrorInvalidRequest", `Cannot convert the literal '${dateTime}' to the expected type 'Edm.DateTime'.`);
  if (m[7]) return { ms: Date.parse(dateTime.trim()), zone: stored };
  const local = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  return { ms: iana === "UTC" ? local : localToUtc(local, iana), zone: stored };
}

// ---------------------------------------------------------------- enumerations

const IMPORTANCE: Record<string, string> = { Low: "low", Normal: "normal", High: "high" };
const SENSITIVITY: Record<string, string> = { Normal: "normal", Personal: "personal", Private: "private", Confidential: "confidential" };
const SHOW_AS: Record<string, string> = { Free: "free", Tentative: "tentative", Busy: "busy", OOF: "oof", WorkingElsewhere: "workingElsewhere", NoData: "unknown" };
const RESPONSE: Record<string, string> = {
  Unknown: "none", Organizer: "organizer", Tentative: "tentativelyAccepted", Accept: "accepted", Decline: "declined", NoResponseReceived: "notResponded",
};
const ATTENDEE_LISTS: Array<[string, string]> = [["RequiredAttendees", "required"], ["OptionalAttendees", "optional"], ["Resources", "resource"]];
const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const WEEK_INDEX = ["first", "second", "third", "fourth", "last"];
const invert = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k]));
const capital = (s: string) => s[0]!.toUpperCase() + s.slice(1);

// ---------------------------------------------------------------- reading

const text = (e: XmlElement | undefined, name: string) => e?.children.find((c) => c.name === name)?.text;
const NO_RESPONSE_TIME = "0001-01-01T00:00:00Z";

/** A recipient (`Mailbox` element) as Graph's emailAddress. */
function emailAddressOf(mailbox: XmlElement | undefined): { name: string; address: string } {
  const address = text(mailbox, "EmailAddress") ?? "";
  return { name: text(mailbox, "Name") ?? address, address };
}

/** EWS DaysOfWeek (`Monday Wednesday`, `Weekday` …) as Graph's daysOfWeek. */
function daysOf(value: string | undefined): string[] {
  const out = new Set<string>();
  for (const name of (value ?? "").split(/\s+/).filter(Boolean)) {
    if (name === "Day") DAYS.forEach((d) => out.add(d));
    else if (name === "Weekday") DAYS.slice(1, 6).forEach((d) => out.add(d));
    else if (name === "WeekendDay") ["sunday", "saturday"].forEach((d) => out.add(d));
    else if (DAYS.includes(name.toLowerCase())) out.add(name.toLowerCase());
  }
  return DAYS.filter((d) => out.has(d));
}

/** An EWS Recurrence as Graph's patternedRecurrence (every field, as Graph answers). */
export function recurrenceToGraph(recurrence: XmlElement, zone: string): Record<string, unknown> {
  const [pattern, range] = recurrence.children;
  const interval = Number(text(pattern, "Interval") ?? 1);
  const index = text(pattern, "DayOfWeekIndex");
  const month = text(pattern, "Month");
  const types: Record<string, string> = {
    DailyRecurrence: "daily", WeeklyRecurrence: "weekly", AbsoluteMonthlyRecurrence: "absoluteMonthly", RelativeMonthlyRecurrence: "relativeMonthly",
    AbsoluteYearlyRecurrence: "absoluteYearly", RelativeYearlyRecurrence: "relativeYearly",
  };
  const ranges: Record<string, string> = { EndDateRecurrence: "endDate", NoEndRecurrence: "noEnd", NumberedRecurrence: "numbered" };
  const day = (v: string | undefined) => (v ?? "").slice(0, 10);
  return {
    pattern: {
      type: types[pattern?.name ?? ""] ?? "daily",
      interval,
      month: month ? MONTHS.indexOf(month) + 1 : 0,
      dayOfMonth: Number(text(pattern, "DayOfMonth") ?? 0),
      daysOfWeek: daysOf(text(pattern, "DaysOfWeek")),
      firstDayOfWeek: (text(pattern, "FirstDayOfWeek") ?? "Sunday").toLowerCase(),
      index: index ? index.toLowerCase() : "first",
    },
    range: {
      type: ranges[range?.name ?? ""] ?? "noEnd",
      startDate: day(text(range, "StartDate")),
      endDate: range?.name === "EndDateRecurrence" ? day(text(range, "EndDate")) : "0001-01-01",
      recurrenceTimeZone: zone,
      numberOfOccurrences: range?.name === "NumberedRecurrence" ? Number(text(range, "NumberOfOccurrences")) : 0,
    },
  };
}

/** How an event is rendered: the asked zone and body type, and the ids of things. */
export interface EventRenderContext {
  box: SimulatedMailbox;
  /** The zone dateTimes are answered in (`Prefer: outlook.timezone`), as named and as IANA. */
  zoneName: string;
  zone: string;
  /** `Prefer: outlook.body-content-type`. */
  bodyType: "text" | "html" | undefined;
  itemId: (number: number) => string;
  occurrenceId: (item: ItemRecord, index: number) => string;
}

/** An HTML body as text, the way Outlook converts it (tags out, entities decoded, breaks kept). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(br|\/p|\/div|\/li|\/tr)\b[^>]*>/gi, "\n")
    .replace(/<(head|style|script)\b[\s\S]*?<\/\1>/gi, "")
    .replace(/<[^>]*>/g, "")
    .replace(/&(amp|lt|gt|quot|apos|nbsp|#\d+);/g, (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " } as Record<string, string>)[e] ?? String.fromCharCode(Number(e.slice(1))))
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** A text body as HTML, the way Outlook converts it. */
export function textToHtml(value: string): string {
  const escaped = value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\r?\n/g, "<br>\r\n");
  return `<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n</head>\r\n<body>\r\n${escaped}\r\n</body>\r\n</html>\r\n`;
}

function bodyOf(stored: XmlElement | undefined, wanted: "text" | "html" | undefined): { contentType: string; content: string } {
  const type = (stored?.attrs.BodyType ?? "Text").toLowerCase() === "html" ? "html" : "text";
  const content = stored?.text ?? "";
  if (!wanted || wanted === type) return { contentType: type, content };
  return wanted === "text" ? { contentType: "text", content: htmlToText(content) } : { contentType: "html", content: textToHtml(content) };
}

/**
 * The UID of one instance as Graph's iCalUId: Outlook's instance ids carry the occurrence's
 * original date in bytes 16–19 of the global object id (MS-OXOCAL PidLidGlobalObjectId); a UID that
 * is not one of Outlook's stays the series' UID.
 */
export function instanceUid(uid: string, originalStart: number | undefined): string {
  if (originalStart === undefined || !/^040000008200E00074C5B7101A82E008[0-9A-F]{8}/i.test(uid)) return uid;
  const d = new Date(originalStart);
  const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, "0");
  return `${uid.slice(0, 32)}${hex(d.getUTCFullYear(), 4)}${hex(d.getUTCMonth() + 1, 2)}${hex(d.getUTCDate(), 2)}${uid.slice(40)}`;
}

/** The series' zone (IANA) and its stored name. */
export function seriesZone(item: ItemRecord): { iana: string; name: string } {
  const name = item.props.get("StartTimeZone")?.attrs.Id ?? item.props.get("StartTimeZoneId")?.text.trim() ?? "UTC";
  return { iana: zoneOfItem(item.props) ?? "UTC", name };
}

/** `OID.{masterId}.{yyyy-mm-dd}`: a cancelled occurrence by its original start's date in the series' zone. */
export function cancelledOccurrenceId(masterId: string, originalStart: number, iana: string): string {
  return `OID.${masterId}.${localDateTime(originalStart, iana).slice(0, 10)}`;
}

/**
 * The Graph representation of an event (a single event, a series master, an occurrence or an
 * exception): every property Graph returns without `$select`, plus `originalStart` on instances and
 * `cancelledOccurrences` on masters (given only when selected, as Graph does).
 */
export function eventToGraph(ctx: EventRenderContext, target: ItemTarget): Record<string, unknown> {
  const { item, occurrence } = target;
  const exception = occurrence ? item.exceptions.get(occurrence.originalStart) : undefined;
  const prop = (name: string) => (exception?.props.has(name) ? exception.props.get(name) : item.props.get(name));
  const id = occurrence ? ctx.occurrenceId(item, occurrence.index) : ctx.itemId(item.number);
  const recurring = item.props.has("Recurrence");
  const type = occurrence ? (exception ? "exception" : "occurrence") : recurring ? "seriesMaster" : "singleInstance";
  const times = occurrence ? item.exceptions.has(occurrence.originalStart) ? undefined : ctx.box.occurrenceTimes(item, occurrence.originalStart) : undefined;
  const start = times?.start ?? parseDateTime(prop("Start")?.text);
  const end = times?.end ?? parseDateTime(prop("End")?.text);
  const allDay = prop("IsAllDayEvent")?.text === "true";
  const { iana: ownZone, name: ownZoneName } = seriesZone(item);
  const startZoneName = prop("StartTimeZone")?.attrs.Id ?? ownZoneName;
  const endZoneName = prop("EndTimeZone")?.attrs.Id ?? item.props.get("EndTimeZone")?.attrs.Id ?? startZoneName;
  // All-day events keep their dates whatever zone is asked for: midnight to midnight of their own zone.
  const dt = (ms: number) => allDay ? `${localDateTime(ms, ianaOf(startZoneName) ?? ownZone).slice(0, 10)}T00:00:00.0000000` : localDateTime(ms, ctx.zone);
  const body = bodyOf(prop("Body"), ctx.bodyType);
  const location = prop("Location")?.text ?? "";
  const locationJson = location
    ? { displayName: location, locationType: "default", uniqueId: location, uniqueIdType: "private" }
    : { displayName: "", locationType: "default", uniqueIdType: "unknown" };
  const attendees: unknown[] = [];
  for (const [list, kind] of ATTENDEE_LISTS) {
    for (const a of prop(list)?.children ?? []) {
      const mailbox = a.children.find((c) => c.name === "Mailbox");
      attendees.push({
        type: kind,
        status: { response: RESPONSE[text(a, "ResponseType") ?? "Unknown"] ?? "none", time: text(a, "LastResponseTime") ?? NO_RESPONSE_TIME },
        emailAddress: emailAddressOf(mailbox),
      });
    }
  }
  const organizerEl = item.props.get("Organizer")?.children.find((c) => c.name === "Mailbox");
  const organizer = organizerEl ? emailAddressOf(organizerEl) : { name: ctx.box.displayName, address: ctx.box.smtpAddress };
  const uid = item.props.get("UID")?.text ?? "";
  const created = new Date(item.created).toISOString();
  const modified = new Date(item.modified).toISOString();
  const bodyText = body.contentType === "html" ? htmlToText(body.content) : body.content;
  const joinUrl = prop("JoinOnlineMeetingUrl")?.text;
  const out: Record<string, unknown> = {
    id,
    createdDateTime: created,
    lastModifiedDateTime: modified,
    changeKey: ctx.box.itemChangeKey(item),
    categories: (prop("Categories")?.children ?? []).map((c) => c.text),
    transactionId: transactionIds.get(item) ?? null,
    originalStartTimeZone: startZoneName,
    originalEndTimeZone: endZoneName,
    iCalUId: instanceUid(uid, occurrence?.originalStart),
    reminderMinutesBeforeStart: Number(prop("ReminderMinutesBeforeStart")?.text ?? 15),
    isReminderOn: (prop("ReminderIsSet")?.text ?? "true") === "true",
    hasAttachments: item.attachments.some((a) => !a.isInline),
    subject: prop("Subject")?.text ?? "",
    bodyPreview: bodyText.replace(/\s+/g, " ").trim().slice(0, 255),
    importance: IMPORTANCE[prop("Importance")?.text ?? "Normal"] ?? "normal",
    sensitivity: SENSITIVITY[prop("Sensitivity")?.text ?? "Normal"] ?? "normal",
    isAllDay: allDay,
    isCancelled: prop("IsCancelled")?.text === "true",
    isOrganizer: true,
    responseRequested: (prop("IsResponseRequested")?.text ?? "true") === "true",
    seriesMasterId: occurrence ? ctx.itemId(item.number) : null,
    showAs: SHOW_AS[prop("LegacyFreeBusyStatus")?.text ?? "Busy"] ?? "busy",
    type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: prop("IsOnlineMeeting")?.text === "true",
    onlineMeetingProvider: prop("IsOnlineMeeting")?.text === "true" ? "teamsForBusiness" : "unknown",
    allowNewTimeProposals: (prop("AllowNewTimeProposal")?.text ?? "true") === "true",
    isDraft: false,
    hideAttendees: false,
    recurrence: !occurrence && recurring ? recurrenceToGraph(item.props.get("Recurrence")!, ownZoneName) : null,
    onlineMeeting: joinUrl ? { joinUrl } : null,
    responseStatus: { response: "organizer", time: NO_RESPONSE_TIME },
    body,
    start: { dateTime: dt(start), timeZone: ctx.zoneName },
    end: { dateTime: dt(end), timeZone: ctx.zoneName },
    location: locationJson,
    locations: location ? [locationJson] : [],
    attendees,
    organizer: { emailAddress: organizer },
  };
  if (occurrence) out.originalStart = isoUtc(occurrence.originalStart);
  return out;
}

/** The cancelled occurrences of a series master (`cancelledOccurrences`). */
export function cancelledOccurrences(ctx: EventRenderContext, item: ItemRecord): string[] {
  const { iana } = seriesZone(item);
  return [...item.deletedOccurrences].sort((a, b) => a - b).map((s) => cancelledOccurrenceId(ctx.itemId(item.number), s, iana));
}

/** Transaction ids given at creation (Graph keeps them with the event; EWS has no element for them). */
export const transactionIds = new WeakMap<ItemRecord, string>();

// ---------------------------------------------------------------- writing

/** Properties of the event CSDL that Graph computes or keeps read-only: ignored in a body, as Graph ignores them. */
const READ_ONLY = new Set([
  "id", "changeKey", "createdDateTime", "lastModifiedDateTime", "iCalUId", "type", "seriesMasterId", "originalStart", "originalStartTimeZone",
  "originalEndTimeZone", "cancelledOccurrences", "hasAttachments", "bodyPreview", "isCancelled", "isOrganizer", "isDraft", "responseStatus",
  "onlineMeeting", "onlineMeetingUrl", "webLink", "organizer", "calendar", "instances", "exceptionOccurrences",
]);
/** Writable properties the records cannot hold: refused rather than dropped. */
const NOT_STORED = new Set(["attachments", "extensions", "multiValueExtendedProperties"]);
/** Writable properties Graph accepts that the record keeps as they are or by a fixed default. */
const ACCEPTED_AS_DEFAULT = new Set(["hideAttendees", "onlineMeetingProvider"]);

function str(name: string, v: unknown): string {
  if (typeof v !== "string") throw badValue(name, "Edm.String");
  return v;
}
function bool(name: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw badValue(name, "Edm.Boolean");
  return v;
}
function enumOf(name: string, v: unknown, table: Record<string, string>, type: string): string {
  const m = typeof v === "string" ? table[v] : undefined;
  if (m === undefined) throw new GraphSimError(400, "RequestBodyRead", `The value '${String(v)}' is not valid for property '${name}' of type 'microsoft.graph.${type}'.`);
  return m;
}

function checkKeys(value: unknown, allowed: string[], type: string, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badValue(name, `microsoft.graph.${type}`);
  for (const k of Object.keys(value)) if (!allowed.includes(k) && !k.startsWith("@odata.")) throw unknownProperty(k, type);
  return value as Record<string, unknown>;
}

function mailboxEl(address: unknown): XmlElement {
  const a = checkKeys(address ?? {}, ["name", "address"], "emailAddress", "emailAddress");
  const email = a.address === undefined || a.address === null ? "" : str("emailAddress.address", a.address);
  const name = a.name === undefined || a.name === null ? email : str("emailAddress.name", a.name);
  return el("Mailbox", {}, [el("Name", {}, name), el("EmailAddress", {}, email), el("RoutingType", {}, "SMTP")]);
}

/** Graph's patternedRecurrence as an EWS Recurrence element (the series' zone is the start's). */
export function recurrenceFromGraph(value: unknown): XmlElement {
  const r = checkKeys(value, ["pattern", "range"], "patternedRecurrence", "recurrence");
  const p = checkKeys(r.pattern, ["type", "interval", "month", "dayOfMonth", "daysOfWeek", "firstDayOfWeek", "index"], "recurrencePattern", "recurrence.pattern");
  const g = checkKeys(r.range, ["type", "startDate", "endDate", "recurrenceTimeZone", "numberOfOccurrences"], "recurrenceRange", "recurrence.range");
  const bad = (message: string) => new GraphSimError(400, "ErrorInvalidRecurrence", message);
  const interval = p.interval === undefined ? 1 : Number(p.interval);
  if (!Number.isInteger(interval) || interval < 1) throw bad("The recurrence pattern's interval must be a positive integer.");
  const days = () => {
    if (!Array.isArray(p.daysOfWeek) || p.daysOfWeek.length === 0 || p.daysOfWeek.some((d) => !DAYS.includes(String(d)))) throw bad("The recurrence pattern needs daysOfWeek.");
    return el("DaysOfWeek", {}, (p.daysOfWeek as string[]).map(capital).join(" "));
  };
  const index = () => {
    const i = p.index === undefined || p.index === null ? "first" : String(p.index);
    if (!WEEK_INDEX.includes(i)) throw bad(`'${i}' is not a week index.`);
    return el("DayOfWeekIndex", {}, capital(i));
  };
  const dayOfMonth = () => {
    const d = Number(p.dayOfMonth);
    if (!Number.isInteger(d) || d < 1 || d > 31) throw bad("The recurrence pattern needs a dayOfMonth from 1 to 31.");
    return el("DayOfMonth", {}, d);
  };
  const month = () => {
    const m = Number(p.month);
    if (!Number.isInteger(m) || m < 1 || m > 12) throw bad("The recurrence pattern needs a month from 1 to 12.");
    return el("Month", {}, MONTHS[m - 1]!);
  };
  const yearly = () => {
    if (interval !== 1) throw new GraphSimError(501, "NotImplemented", "The simulator's records hold yearly recurrences of interval 1 only.");
  };
  let pattern: XmlElement;
  switch (p.type) {
    case "daily": pattern = el("DailyRecurrence", {}, [el("Interval", {}, interval)]); break;
    case "weekly": {
      const first = p.firstDayOfWeek === undefined || p.firstDayOfWeek === null ? "sunday" : String(p.firstDayOfWeek);
      if (!DAYS.includes(first)) throw bad(`'${first}' is not a day of the week.`);
      pattern = el("WeeklyRecurrence", {}, [el("Interval", {}, interval), days(), el("FirstDayOfWeek", {}, capital(first))]);
      break;
    }
    case "absoluteMonthly": pattern = el("AbsoluteMonthlyRecurrence", {}, [el("Interval", {}, interval), dayOfMonth()]); break;
    case "relativeMonthly": pattern = el("RelativeMonthlyRecurrence", {}, [el("Interval", {}, interval), days(), index()]); break;
    case "absoluteYearly": yearly(); pattern = el("AbsoluteYearlyRecurrence", {}, [dayOfMonth(), month()]); break;
    case "relativeYearly": yearly(); pattern = el("RelativeYearlyRecurrence", {}, [days(), index(), month()]); break;
    default: throw bad(`'${String(p.type)}' is not a recurrence pattern type.`);
  }
  const date = (v: unknown, what: string) => {
    if (typeof v !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw bad(`The recurrence range needs a ${what} (YYYY-MM-DD).`);
    return v;
  };
  const startDate = el("StartDate", {}, date(g.startDate, "startDate"));
  let range: XmlElement;
  switch (g.type) {
    case "endDate": range = el("EndDateRecurrence", {}, [startDate, el("EndDate", {}, date(g.endDate, "endDate"))]); break;
    case "noEnd": range = el("NoEndRecurrence", {}, [startDate]); break;
    case "numbered": {
      const n = Number(g.numberOfOccurrences);
      if (!Number.isInteger(n) || n < 1) throw bad("A numbered recurrence range needs numberOfOccurrences ≥ 1.");
      range = el("NumberedRecurrence", {}, [startDate, el("NumberOfOccurrences", {}, n)]);
      break;
    }
    default: throw bad(`'${String(g.type)}' is not a recurrence range type.`);
  }
  return el("Recurrence", {}, [pattern, range]);
}

/** What a Graph body sets and deletes on a calendar item record. */
export interface EventChanges {
  /** Properties to set, as EWS elements. */
  set: XmlElement[];
  /** Properties to delete, by element name. */
  remove: string[];
  /** Extended properties to set. */
  extended: Array<{ element: XmlElement }>;
  transactionId?: string;
}

/** Reads a Graph event body (POST or PATCH) into changes of the record; unknown properties and bad values answer 400 as Graph does. */
export function eventChanges(body: Record<string, unknown>): EventChanges {
  const set: XmlElement[] = [];
  const remove: string[] = [];
  const out: EventChanges = { set, remove, extended: [] };
  const put = (name: string, v: unknown, make: () => XmlElement) => (v === null ? remove.push(name) : set.push(make()));
  let start: { ms: number; zone: string } | undefined;
  let end: { ms: number; zone: string } | undefined;
  for (const [key, v] of Object.entries(body)) {
    if (key.startsWith("@odata.")) continue;
    if (READ_ONLY.has(key)) continue;
    if (NOT_STORED.has(key)) throw new GraphSimError(501, "NotImplemented", `The simulator does not store ${key} on an event this way.`);
    switch (key) {
      case "subject": put("Subject", v, () => el("Subject", {}, str(key, v))); break;
      case "body": {
        if (v === null) { remove.push("Body"); break; }
        const b = checkKeys(v, ["content", "contentType"], "itemBody", key);
        const type = b.contentType === undefined || b.contentType === null ? "text" : enumOf("body.contentType", b.contentType, { text: "Text", html: "HTML" }, "bodyType");
        set.push(el("Body", { BodyType: type }, b.content === undefined || b.content === null ? "" : str("body.content", b.content)));
        break;
      }
      case "start": if (v !== null) start = instantOf(v, key); break;
      case "end": if (v !== null) end = instantOf(v, key); break;
      case "isAllDay": put("IsAllDayEvent", v, () => el("IsAllDayEvent", {}, bool(key, v))); break;
      case "recurrence": put("Recurrence", v, () => recurrenceFromGraph(v)); break;
      case "location": {
        if (v === null) { remove.push("Location"); break; }
        const l = checkKeys(v, ["displayName", "address", "coordinates", "locationEmailAddress", "locationUri", "locationType", "uniqueId", "uniqueIdType"], "location", key);
        for (const k of ["address", "coordinates", "locationEmailAddress", "locationUri"]) {
          const x = l[k];
          if (x !== undefined && x !== null && !(typeof x === "object" && Object.keys(x).length === 0) && x !== "") throw new GraphSimError(501, "NotImplemented", `The simulator stores a location's displayName only, not its ${k}.`);
        }
        const name = l.displayName === undefined || l.displayName === null ? "" : str("location.displayName", l.displayName);
        if (name === "") remove.push("Location");
        else set.push(el("Location", {}, name));
        break;
      }
      case "locations": {
        if (v === null || (Array.isArray(v) && v.length === 0)) break;
        if (!Array.isArray(v)) throw badValue(key, "Collection(microsoft.graph.location)");
        if (v.length > 1) throw new GraphSimError(501, "NotImplemented", "The simulator stores one location.");
        if (body.location === undefined) {
          const l = checkKeys(v[0], ["displayName", "address", "coordinates", "locationEmailAddress", "locationUri", "locationType", "uniqueId", "uniqueIdType"], "location", key);
          if (typeof l.displayName === "string" && l.displayName !== "") set.push(el("Location", {}, l.displayName));
        }
        break;
      }
      case "attendees": {
        const lists: Record<string, XmlElement[]> = { required: [], optional: [], resource: [] };
        if (v !== null) {
          if (!Array.isArray(v)) throw badValue(key, "Collection(microsoft.graph.attendee)");
          for (const a of v) {
            const x = checkKeys(a, ["type", "status", "emailAddress", "proposedNewTime"], "attendee", key);
            const kind = x.type === undefined || x.type === null ? "required" : enumOf("attendees.type", x.type, { required: "required", optional: "optional", resource: "resource" }, "attendeeType");
            lists[kind]!.push(el("Attendee", {}, [mailboxEl(x.emailAddress)]));
          }
        }
        for (const [list, kind] of ATTENDEE_LISTS) put(list, lists[kind]!.length ? lists[kind] : null, () => el(list, {}, lists[kind]!));
        break;
      }
      case "categories": {
        if (v !== null && (!Array.isArray(v) || v.some((c) => typeof c !== "string"))) throw badValue(key, "Collection(Edm.String)");
        put("Categories", v === null || (v as string[]).length === 0 ? null : v, () => el("Categories", {}, (v as string[]).map((c) => el("String", {}, c))));
        break;
      }
      case "importance": put("Importance", v, () => el("Importance", {}, enumOf(key, v, invert(IMPORTANCE), "importance"))); break;
      case "sensitivity": put("Sensitivity", v, () => el("Sensitivity", {}, enumOf(key, v, invert(SENSITIVITY), "sensitivity"))); break;
      case "showAs": put("LegacyFreeBusyStatus", v, () => el("LegacyFreeBusyStatus", {}, enumOf(key, v, invert(SHOW_AS), "freeBusyStatus"))); break;
      case "isReminderOn": put("ReminderIsSet", v, () => el("ReminderIsSet", {}, bool(key, v))); break;
      case "reminderMinutesBeforeStart": {
        if (v !== null && (typeof v !== "number" || !Number.isInteger(v))) throw badValue(key, "Edm.Int32");
        put("ReminderMinutesBeforeStart", v, () => el("ReminderMinutesBeforeStart", {}, v as number));
        break;
      }
      case "isOnlineMeeting": put("IsOnlineMeeting", v, () => el("IsOnlineMeeting", {}, bool(key, v))); break;
      case "allowNewTimeProposals": put("AllowNewTimeProposal", v, () => el("AllowNewTimeProposal", {}, bool(key, v))); break;
      case "responseRequested": put("IsResponseRequested", v, () => el("IsResponseRequested", {}, bool(key, v))); break;
      case "transactionId": if (v !== null) out.transactionId = str(key, v); break;
      case "singleValueExtendedProperties": out.extended = parseExtendedProperties(v); break;
      default:
        if (ACCEPTED_AS_DEFAULT.has(key)) break;
        throw unknownProperty(key, "event");
    }
  }
  if (start) set.push(el("Start", {}, isoUtc(start.ms)), el("StartTimeZone", { Id: start.zone }));
  if (end) set.push(el("End", {}, isoUtc(end.ms)), el("EndTimeZone", { Id: end.zone }));
  if (body.isAllDay === true && start && end) {
    const midnight = (x: { ms: number; zone: string }) => localDateTime(x.ms, ianaOf(x.zone) ?? "UTC").slice(11, 19) === "00:00:00";
    if (!midnight(start) || !midnight(end) || end.ms <= start.ms) {
      throw new GraphSimError(400, "ErrorPropertyValidationFailure", "An all-day event's start and end must be midnight, and the end after the start.");
    }
  }
  return out;
}

/** The changes as UpdateItem's updates (set, delete, extended properties) of a calendar item or one occurrence. */
export function updatesOf(changes: EventChanges, occurrence: boolean): ItemUpdate[] {
  const updates: ItemUpdate[] = [];
  const uri = (name: string) => el("FieldURI", { FieldURI: `${["Subject", "Body", "Importance", "Sensitivity", "Categories", "ReminderIsSet", "ReminderMinutesBeforeStart"].includes(name) ? "item" : "calendar"}:${name}` });
  for (const value of changes.set) {
    if (occurrence && !OCCURRENCE_PROPERTIES.has(value.name)) {
      throw new GraphSimError(400, "ErrorInvalidPropertyForOperation", `${value.name === "Recurrence" ? "recurrence" : value.name} cannot be changed on one occurrence of a series.`);
    }
    updates.push({ action: "set", path: uri(value.name), item: el("CalendarItem", {}, [value]) });
  }
  for (const name of changes.remove) {
    if (occurrence && !OCCURRENCE_PROPERTIES.has(name)) throw new GraphSimError(400, "ErrorInvalidPropertyForOperation", `${name} cannot be changed on one occurrence of a series.`);
    updates.push({ action: "delete", path: uri(name) });
  }
  for (const { element } of changes.extended) {
    if (occurrence) throw new GraphSimError(400, "ErrorInvalidPropertyForOperation", "Extended properties cannot be set on one occurrence of a series.");
    updates.push({ action: "set", path: element.children[0]!, item: el("CalendarItem", {}, [element]) });
  }
  return updates;
}
