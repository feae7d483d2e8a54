/**
 * The event mapping table as data: each VEVENT property, its EWS field(s), how well it is carried
 * and the EWS limit. `docs/mapping.md` is generated from it.
 */
import type { MappingRow } from "../result.js";

/** Every row of the VEVENT ⇄ CalendarItem mapping. */
export const EVENT_MAPPING_ROWS: MappingRow[] = [
  { kind: "event", property: "UID", ewsFields: ["UID"], support: "supported" },
  { kind: "event", property: "SUMMARY", ewsFields: ["Subject"], support: "supported" },
  { kind: "event", property: "DESCRIPTION / X-ALT-DESC;FMTTYPE=text/html", ewsFields: ["Body"], support: "supported", notes: "An HTML body is kept as X-ALT-DESC, with its plain text as DESCRIPTION; a text body is DESCRIPTION. A truncated EWS body never overwrites the DAV description." },
  { kind: "event", property: "LOCATION", ewsFields: ["Location"], support: "supported" },
  { kind: "event", property: "DTSTART / DTEND / DURATION (TZID, UTC, floating)", ewsFields: ["Start", "End", "StartTimeZone", "EndTimeZone", "MeetingTimeZone"], support: "supported", notes: "IANA and Windows TZIDs map through windows-iana; other TZIDs travel with their rules as a full TimeZoneDefinition; every TZID written has its VTIMEZONE (generated from the runtime's zone data for 1970–2037). UTC stays UTC; floating times are placed in the mailbox zone and written back floating. MeetingTimeZone (Exchange 2007 SP1) carries the rule of the event's year." },
  { kind: "event", property: "DTSTART;VALUE=DATE / DTEND;VALUE=DATE", ewsFields: ["IsAllDayEvent", "Start", "End"], support: "supported", notes: "All-day events, also over several days; DTEND is exclusive; midnight in the mailbox zone on EWS." },
  { kind: "event", property: "RRULE", ewsFields: ["Recurrence"], support: "limited", limit: "Daily, Weekly (several days, WKST ⇄ FirstDayOfWeek), AbsoluteMonthly / AbsoluteYearly on one day of one month, RelativeMonthly / RelativeYearly on one weekday (or Day/Weekday/WeekendDay) of one week (BYDAY ordinal or BYSETPOS); COUNT 1–999, UNTIL, no end; INTERVAL 1–999 (yearly intervals become 12·n months)", notes: "UNTIL converts exactly in the series' zone to the EndDate of the last occurrence. BYMONTHDAY=-1 is EWS day 31 (last day of every month); days 29–31 alone are mapped and reported (EWS moves them to the last day of shorter months). Several BYMONTHDAY/BYMONTH, BYHOUR/BYMINUTE/BYSECOND/BYYEARDAY/BYWEEKNO, FREQ=HOURLY and finer: reported, the EWS item is a single event and the DAV side keeps the rule." },
  { kind: "event", property: "RDATE / EXRULE", ewsFields: [], support: "not-supported", notes: "Reported; kept on the DAV side." },
  { kind: "event", property: "EXDATE", ewsFields: ["DeletedOccurrences"], support: "supported", notes: "Written to EWS as deleteOccurrence operations (DeleteItem on the occurrence); a DATE in the EXDATE of a timed series names that day's occurrence. An EXDATE that names no occurrence of the pattern deletes nothing: it is reported and kept on the DAV side." },
  { kind: "event", property: "VEVENT with RECURRENCE-ID", ewsFields: ["ModifiedOccurrences", "OccurrenceItemId", "OriginalStart"], support: "supported", notes: "Written to EWS as modifyOccurrence operations (UpdateItem on the occurrence); read back from the exception items. Exchange refuses an occurrence moved past its neighbours (ErrorOccurrenceCrossingBoundary)." },
  { kind: "event", property: "TRANSP + X-MICROSOFT-CDO-BUSYSTATUS", ewsFields: ["LegacyFreeBusyStatus"], support: "supported", notes: "Free ⇄ TRANSPARENT/FREE; Tentative, Busy, OOF, WorkingElsewhere ⇄ OPAQUE with their busy status." },
  { kind: "event", property: "PRIORITY", ewsFields: ["Importance"], support: "limited", limit: "three levels", notes: "1–4 High, 5 and 0 Normal, 6–9 Low; an unchanged importance keeps the DAV value." },
  { kind: "event", property: "CLASS", ewsFields: ["Sensitivity"], support: "supported", notes: "PUBLIC ⇄ Normal, PRIVATE ⇄ Private, CONFIDENTIAL ⇄ Confidential; Personal is CLASS:PRIVATE;X-EWS-SENSITIVITY=Personal." },
  { kind: "event", property: "CATEGORIES", ewsFields: ["Categories"], support: "supported" },
  { kind: "event", property: "ATTACH", ewsFields: ["Attachments"], support: "limited", limit: "inline binary only", notes: "Binary ATTACH ⇄ file attachments (written with CreateAttachment); URI attachments have no EWS form and stay on the DAV side." },
  { kind: "event", property: "ORGANIZER", ewsFields: ["Organizer"], support: "supported" },
  { kind: "event", property: "ATTENDEE (ROLE, PARTSTAT, CUTYPE, CN)", ewsFields: ["RequiredAttendees", "OptionalAttendees", "Resources"], support: "supported", notes: "REQ-PARTICIPANT/CHAIR ⇄ required, OPT-/NON-PARTICIPANT ⇄ optional, CUTYPE=RESOURCE/ROOM ⇄ resources; PARTSTAT ⇄ ResponseType. A response one side does not know never resets one the other side has. Sync writes send no invitations (SendToNone)." },
  { kind: "event", property: "VALARM (first)", ewsFields: ["ReminderIsSet", "ReminderMinutesBeforeStart"], support: "limited", limit: "one reminder, before the start", notes: "Relative (to start or end) and absolute triggers become minutes before the start; further alarms and alarms after the start are reported and stay on the DAV side." },
  { kind: "event", property: "COLOR", ewsFields: [], support: "not-supported", notes: "Kept on the DAV side." },
  { kind: "event", property: "STATUS", ewsFields: ["IsCancelled"], support: "limited", limit: "read-only on EWS", notes: "A cancelled EWS meeting writes STATUS:CANCELLED; other STATUS values stay on the DAV side." },
  { kind: "event", property: "URL, GEO, CONTACT, RESOURCES, COMMENT, RELATED-TO, X-…", ewsFields: [], support: "not-supported", notes: "Reported; kept on the DAV side by the merge." },
];
