/**
 * MimeContent of calendar items: the iCalendar object (RFC 5545) Exchange returns for
 * IncludeMimeContent / item:MimeContent on a CalendarItem, built from the simulator's stored item
 * (not from ewsdav's mappers). Shaped after Exchange's output: METHOD:PUBLISH, a VTIMEZONE for
 * the item's StartTimeZone (rules derived as for the TimeZoneDefinition the simulator returns)
 * with local DTSTART/DTEND, the series as RRULE with EXDATE for deleted occurrences and one VEVENT
 * with RECURRENCE-ID per modified occurrence, ORGANIZER/ATTENDEE for meetings, VALARM for a
 * reminder. An item whose zone is unknown is written in UTC. DavMail reads events this way.
 */
import type { SimulatedMailbox } from "./mailbox.js";
import type { ItemRecord, ItemTarget } from "./records.js";
import { isoUtc, parseDateTime } from "./recurrence.js";
import { timeZoneDefinition, utcToLocal, zoneOfItem } from "./time-zones.js";
import { child, childrenNamed, childText, type XmlElement } from "./xml.js";

/** RFC 5545 3.3.11 TEXT escaping. */
function text(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r?\n/g, "\\n");
}

/** RFC 5545 3.1 folding: lines of at most 75 octets, continuation lines start with a space. */
function fold(line: string): string {
  const bytes = Buffer.from(line, "utf8");
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let start = 0;
  let limit = 75;
  while (start < bytes.length) {
    let end = Math.min(start + limit, bytes.length);
    while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--; // never split a UTF-8 sequence
    parts.push(bytes.subarray(start, end).toString("utf8"));
    start = end;
    limit = 74;
  }
  return parts.join("\r\n ");
}

const basicUtc = (ms: number) => isoUtc(ms).replace(/[-:]/g, "");
const basicLocal = (ms: number) => isoUtc(ms).replace(/[-:]/g, "").replace(/Z$/, "");

const DAY_CODES: Record<string, string[]> = {
  Sunday: ["SU"], Monday: ["MO"], Tuesday: ["TU"], Wednesday: ["WE"], Thursday: ["TH"], Friday: ["FR"], Saturday: ["SA"],
  Day: ["SU", "MO", "TU", "WE", "TH", "FR", "SA"], Weekday: ["MO", "TU", "WE", "TH", "FR"], WeekendDay: ["SU", "SA"],
};
const WEEK_INDEX: Record<string, number> = { First: 1, Second: 2, Third: 3, Fourth: 4, Last: -1 };
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

function days(value: string | undefined): string {
  return (value ?? "").trim().split(/\s+/).flatMap((d) => DAY_CODES[d] ?? []).join(",");
}

/** The RRULE value of an EWS Recurrence (RecurrenceType), `until` being the last occurrence's start. */
function rrule(recurrence: XmlElement, until: number | undefined): string | undefined {
  const pattern = recurrence.children[0];
  const range = recurrence.children[1];
  if (!pattern) return undefined;
  const interval = childText(pattern, "Interval") ?? "1";
  const parts: string[] = [];
  switch (pattern.name) {
    case "DailyRecurrence": parts.push("FREQ=DAILY", `INTERVAL=${interval}`); break;
    case "WeeklyRecurrence":
      parts.push("FREQ=WEEKLY", `INTERVAL=${interval}`, `BYDAY=${days(childText(pattern, "DaysOfWeek"))}`);
      if (childText(pattern, "FirstDayOfWeek")) parts.push(`WKST=${DAY_CODES[childText(pattern, "FirstDayOfWeek")!]?.[0] ?? "SU"}`);
      break;
    case "AbsoluteMonthlyRecurrence": parts.push("FREQ=MONTHLY", `INTERVAL=${interval}`, `BYMONTHDAY=${childText(pattern, "DayOfMonth")}`); break;
    case "RelativeMonthlyRecurrence":
      parts.push("FREQ=MONTHLY", `INTERVAL=${interval}`, `BYDAY=${days(childText(pattern, "DaysOfWeek"))}`, `BYSETPOS=${WEEK_INDEX[childText(pattern, "DayOfWeekIndex") ?? ""] ?? 1}`);
      break;
    case "AbsoluteYearlyRecurrence":
      parts.push("FREQ=YEARLY", `BYMONTHDAY=${childText(pattern, "DayOfMonth")}`, `BYMONTH=${MONTHS.indexOf(childText(pattern, "Month") ?? "") + 1}`);
      break;
    case "RelativeYearlyRecurrence":
      parts.push("FREQ=YEARLY", `BYDAY=${days(childText(pattern, "DaysOfWeek"))}`, `BYSETPOS=${WEEK_INDEX[childText(pattern, "DayOfWeekIndex") ?? ""] ?? 1}`,
        `BYMONTH=${MONTHS.indexOf(childText(pattern, "Month") ?? "") + 1}`);
      break;
    default: return undefined;
  }
  if (range?.name === "NumberedRecurrence") parts.push(`COUNT=${childText(range, "NumberOfOccurrences")}`);
  else if (range?.name === "EndDateRecurrence" && until !== undefined) parts.push(`UNTIL=${basicUtc(until)}`);
  return parts.join(";");
}

/** VTIMEZONE lines for a Windows zone id, from the TimeZoneDefinition the simulator derives. */
function vtimezone(id: string): string[] | undefined {
  const definition = timeZoneDefinition(id, "StartTimeZone");
  if (!definition) return undefined;
  const periods = childrenNamed(child(definition, "Periods"), "Period");
  const minutes = (duration: string | undefined) => {
    const m = /^(-)?PT(?:(\d+)H)?(?:(\d+)M)?$/.exec(duration ?? "");
    return m ? (m[1] ? -1 : 1) * (Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) : 0;
  };
  const offsetOf = (periodId: string) => -minutes(periods.find((p) => p.attrs.Id === periodId)?.attrs.Bias);
  const utcOffset = (m: number) => `${m < 0 ? "-" : "+"}${String(Math.floor(Math.abs(m) / 60)).padStart(2, "0")}${String(Math.abs(m) % 60).padStart(2, "0")}`;
  const lines = ["BEGIN:VTIMEZONE", `TZID:${id}`];
  const transitions = childrenNamed(child(child(definition, "TransitionsGroups"), "TransitionsGroup"), "RecurringDayTransition");
  if (transitions.length === 0) {
    const offset = utcOffset(offsetOf(periods[0]?.attrs.Id ?? ""));
    lines.push("BEGIN:STANDARD", "DTSTART:16010101T000000", `TZOFFSETFROM:${offset}`, `TZOFFSETTO:${offset}`, "END:STANDARD");
  } else {
    for (const t of transitions) {
      const to = childText(t, "To") ?? "";
      const other = transitions.find((o) => o !== t);
      const from = other ? offsetOf(childText(other, "To") ?? "") : offsetOf(to);
      const at = minutes(childText(t, "TimeOffset"));
      const kind = to.endsWith("Daylight") ? "DAYLIGHT" : "STANDARD";
      const occurrence = Number(childText(t, "Occurrence") ?? "1");
      lines.push(`BEGIN:${kind}`, `DTSTART:16010101T${String(Math.floor(at / 60)).padStart(2, "0")}${String(at % 60).padStart(2, "0")}00`,
        `TZOFFSETFROM:${utcOffset(from)}`, `TZOFFSETTO:${utcOffset(offsetOf(to))}`,
        `RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=${occurrence}${DAY_CODES[childText(t, "DayOfWeek") ?? ""]?.[0] ?? "SU"};BYMONTH=${childText(t, "Month")}`,
        `END:${kind}`);
    }
  }
  lines.push("END:VTIMEZONE");
  return lines;
}

function bodyText(body: XmlElement | undefined): string | undefined {
  if (!body || body.text === "") return undefined;
  if (body.attrs.BodyType !== "HTML") return body.text;
  return body.text.replace(/<br\s*\/?>/gi, "\n").replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&").trim();
}

function attendeeLines(props: Map<string, XmlElement>): string[] {
  const out: string[] = [];
  for (const [name, role] of [["RequiredAttendees", "REQ-PARTICIPANT"], ["OptionalAttendees", "OPT-PARTICIPANT"], ["Resources", "NON-PARTICIPANT"]] as const) {
    for (const attendee of childrenNamed(props.get(name), "Attendee")) {
      const mailbox = child(attendee, "Mailbox");
      const address = childText(mailbox, "EmailAddress");
      if (!address) continue;
      const cn = childText(mailbox, "Name");
      out.push(`ATTENDEE;ROLE=${role};PARTSTAT=NEEDS-ACTION;RSVP=TRUE${cn ? `;CN="${cn.replace(/"/g, "'")}"` : ""}:mailto:${address}`);
    }
  }
  return out;
}

/** The lines of one VEVENT (the master, a plain occurrence or an exception). */
function veventLines(box: SimulatedMailbox, item: ItemRecord, props: Map<string, XmlElement>, times: { start: number; end: number },
  zone: { id: string; iana: string } | undefined, extra: string[]): string[] {
  const allDay = props.get("IsAllDayEvent")?.text === "true";
  const when = (name: string, ms: number) => {
    if (allDay) {
      const local = zone ? utcToLocal(ms, zone.iana) : ms;
      return `${name};VALUE=DATE:${basicLocal(local).slice(0, 8)}`;
    }
    return zone ? `${name};TZID=${zone.id}:${basicLocal(utcToLocal(ms, zone.iana))}` : `${name}:${basicUtc(ms)}`;
  };
  const lines: string[] = ["BEGIN:VEVENT"];
  const meeting = ["RequiredAttendees", "OptionalAttendees", "Resources"].some((n) => props.has(n));
  if (meeting) {
    const organizer = child(props.get("Organizer"), "Mailbox");
    lines.push(`ORGANIZER;CN="${(childText(organizer, "Name") ?? box.displayName).replace(/"/g, "'")}":mailto:${childText(organizer, "EmailAddress") ?? box.smtpAddress}`);
    lines.push(...attendeeLines(props));
  }
  const description = bodyText(props.get("Body"));
  if (description !== undefined) lines.push(`DESCRIPTION:${text(description)}`);
  lines.push(...extra);
  lines.push(`UID:${props.get("UID")?.text ?? item.props.get("UID")?.text ?? ""}`);
  lines.push(`SUMMARY:${text(props.get("Subject")?.text ?? "")}`);
  lines.push(when("DTSTART", times.start), when("DTEND", times.end));
  const sensitivity = props.get("Sensitivity")?.text;
  lines.push(`CLASS:${sensitivity === "Private" ? "PRIVATE" : sensitivity === "Confidential" ? "CONFIDENTIAL" : "PUBLIC"}`);
  const importance = props.get("Importance")?.text;
  lines.push(`PRIORITY:${importance === "High" ? 1 : importance === "Low" ? 9 : 5}`);
  const categories = childrenNamed(props.get("Categories"), "String").map((s) => text(s.text));
  if (categories.length) lines.push(`CATEGORIES:${categories.join(",")}`);
  lines.push(`DTSTAMP:${basicUtc(item.modified)}`, `CREATED:${basicUtc(item.created)}`, `LAST-MODIFIED:${basicUtc(item.modified)}`);
  lines.push(`TRANSP:${props.get("LegacyFreeBusyStatus")?.text === "Free" ? "TRANSPARENT" : "OPAQUE"}`);
  lines.push(`STATUS:${props.get("IsCancelled")?.text === "true" ? "CANCELLED" : "CONFIRMED"}`, "SEQUENCE:0");
  const location = props.get("Location")?.text;
  if (location) lines.push(`LOCATION:${text(location)}`);
  lines.push(`X-MICROSOFT-CDO-BUSYSTATUS:${(props.get("LegacyFreeBusyStatus")?.text ?? "Busy").toUpperCase()}`);
  lines.push(`X-MICROSOFT-CDO-ALLDAYEVENT:${allDay ? "TRUE" : "FALSE"}`);
  if (props.get("ReminderIsSet")?.text === "true") {
    lines.push("BEGIN:VALARM", "DESCRIPTION:REMINDER", `TRIGGER;RELATED=START:-PT${props.get("ReminderMinutesBeforeStart")?.text ?? "15"}M`, "ACTION:DISPLAY", "END:VALARM");
  }
  lines.push("END:VEVENT");
  return lines;
}

/**
 * The iCalendar text Exchange returns as the MimeContent of a calendar item or of one occurrence
 * (CRLF lines, folded).
 */
export function calendarItemIcs(box: SimulatedMailbox, target: ItemTarget): string {
  const { item, occurrence } = target;
  const id = item.props.get("StartTimeZone")?.attrs.Id ?? item.props.get("StartTimeZoneId")?.text.trim();
  const iana = zoneOfItem(item.props);
  const zoneLines = id && iana ? vtimezone(id) : undefined;
  const zone = zoneLines && id && iana ? { id, iana } : undefined;
  const lines = ["BEGIN:VCALENDAR", "METHOD:PUBLISH", "PRODID:Microsoft Exchange Server 2010", "VERSION:2.0", ...(zoneLines ?? [])];
  const recurrenceId = (originalStart: number) => zone ? `RECURRENCE-ID;TZID=${zone.id}:${basicLocal(utcToLocal(originalStart, zone.iana))}` : `RECURRENCE-ID:${basicUtc(originalStart)}`;
  const instanceProps = (originalStart: number) => new Map([...item.props, ...(item.exceptions.get(originalStart)?.props ?? [])]);
  const instanceTimes = (originalStart: number, props: Map<string, XmlElement>) => {
    const plain = box.occurrenceTimes(item, originalStart);
    const start = parseDateTime(props.get("Start")?.text);
    const end = parseDateTime(props.get("End")?.text);
    return item.exceptions.has(originalStart) && !Number.isNaN(start) && !Number.isNaN(end) ? { start, end } : plain;
  };
  if (occurrence) {
    const props = instanceProps(occurrence.originalStart);
    lines.push(...veventLines(box, item, props, instanceTimes(occurrence.originalStart, props), zone, [recurrenceId(occurrence.originalStart)]));
  } else {
    const recurrence = item.props.get("Recurrence");
    const extra: string[] = [];
    if (recurrence) {
      const starts = box.occurrenceStarts(item);
      const rule = rrule(recurrence, recurrence.children[1]?.name === "EndDateRecurrence" ? starts[starts.length - 1] : undefined);
      if (rule) extra.push(`RRULE:${rule}`);
      for (const deleted of [...item.deletedOccurrences].sort((a, b) => a - b)) {
        extra.push(zone ? `EXDATE;TZID=${zone.id}:${basicLocal(utcToLocal(deleted, zone.iana))}` : `EXDATE:${basicUtc(deleted)}`);
      }
    }
    const start = parseDateTime(item.props.get("Start")?.text);
    const end = parseDateTime(item.props.get("End")?.text);
    lines.push(...veventLines(box, item, item.props, { start, end }, zone, extra));
    for (const originalStart of [...item.exceptions.keys()].sort((a, b) => a - b)) {
      const props = instanceProps(originalStart);
      lines.push(...veventLines(box, item, props, instanceTimes(originalStart, props), zone, [recurrenceId(originalStart)]));
    }
  }
  lines.push("END:VCALENDAR");
  return lines.map(fold).join("\r\n") + "\r\n";
}
