/**
 * The event mapping table as data: each VEVENT property, its EWS field(s), how well it is carried
 * and the EWS limit. `docs/mapping.md` is generated from it.
 */
import { withExamples, type MappingExample, type MappingRow } from "../result.js";

/**
 * An example per row, by the row's property: the VEVENT lines (in a mailbox whose zone is
 * Europe/Berlin), what comes back from Exchange where its form differs, and what must be
 * reported dropped.
 */
const EXAMPLES: Record<string, MappingExample> = {
  UID: { dav: ["UID:040000008200E00074C5B7101A82E008-claim@example.com"] },
  SUMMARY: { dav: ["SUMMARY:Design review"] },
  "DESCRIPTION / X-ALT-DESC;FMTTYPE=text/html": {
    dav: ["DESCRIPTION:Agenda: numbers", "X-ALT-DESC;FMTTYPE=text/html:<html><body><p>Agenda: <b>numbers</b></p></body></html>"],
  },
  LOCATION: { dav: ["LOCATION:Room 4.12"] },
  "DTSTART / DTEND / DURATION (TZID, UTC, floating)": {
    dav: ["DTSTART;TZID=Europe/Berlin:20260310T090000", "DURATION:PT90M"],
    back: ["DTSTART;TZID=Europe/Berlin:20260310T090000", "DTEND;TZID=Europe/Berlin:20260310T103000"],
  },
  "DTSTART;VALUE=DATE / DTEND;VALUE=DATE": { dav: ["DTSTART;VALUE=DATE:20260312", "DTEND;VALUE=DATE:20260314"] },
  RRULE: {
    dav: ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6", "RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15"],
    back: ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;WKST=MO;COUNT=6"],
    dropped: ["RRULE"],
    context: ["DTSTART;TZID=Europe/Berlin:20260105T090000", "DTEND;TZID=Europe/Berlin:20260105T093000"],
  },
  "RDATE / EXRULE": { dav: ["RDATE:20260120T090000Z"] },
  EXDATE: {
    dav: ["RRULE:FREQ=DAILY;COUNT=5", "EXDATE:20260107T090000Z"],
    ews: { fields: {}, dropped: [], occurrences: [{ instanceIndex: 3, delete: true }] },
  },
  "VEVENT with RECURRENCE-ID": {
    dav: ["RRULE:FREQ=DAILY;COUNT=5"],
    after: ["BEGIN:VEVENT", "UID:claim-exception@ewsdav.test", "DTSTAMP:20260101T000000Z", "RECURRENCE-ID:20260106T090000Z", "DTSTART:20260106T110000Z", "DTEND:20260106T120000Z", "SUMMARY:Moved occurrence", "END:VEVENT"],
    context: ["UID:claim-exception@ewsdav.test"],
    back: ["RRULE:FREQ=DAILY;COUNT=5", "RECURRENCE-ID:20260106T090000Z", "DTSTART:20260106T110000Z", "SUMMARY:Moved occurrence"],
    ews: { fields: {}, dropped: [], occurrences: [{ instanceIndex: 2, fields: { start: "2026-01-06T11:00:00Z", end: "2026-01-06T12:00:00Z", subject: "Moved occurrence" } }] },
  },
  "TRANSP + X-MICROSOFT-CDO-BUSYSTATUS": { dav: ["TRANSP:OPAQUE", "X-MICROSOFT-CDO-BUSYSTATUS:OOF"] },
  PRIORITY: { dav: ["PRIORITY:2"], back: ["PRIORITY:1"] },
  CLASS: { dav: ["CLASS:CONFIDENTIAL"] },
  CATEGORIES: { dav: ["CATEGORIES:Work,Review"] },
  ATTACH: {
    dav: ["ATTACH;FMTTYPE=text/plain;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=notes.txt:aGVsbG8gd29ybGQ=", "ATTACH:https://files.example.com/agenda.pdf"],
    back: ["ATTACH;FMTTYPE=text/plain;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=notes.txt:aGVsbG8gd29ybGQ="],
    dropped: ["ATTACH"],
  },
  // A meeting a DAV client made for someone else: Exchange makes the mailbox the organizer, so the other organizer must be reported.
  ORGANIZER: { dav: ["ORGANIZER;CN=Bob:mailto:bob@example.com", "ATTENDEE;CN=Carol;PARTSTAT=ACCEPTED:mailto:carol@example.com"], back: ["ATTENDEE;CN=Carol;PARTSTAT=ACCEPTED:mailto:carol@example.com"], dropped: ["ORGANIZER"] },
  "ATTENDEE (ROLE, PARTSTAT, CUTYPE, CN)": {
    dav: ["ATTENDEE;CN=Carol;PARTSTAT=ACCEPTED:mailto:carol@example.com", "ATTENDEE;ROLE=OPT-PARTICIPANT;CN=Dave;PARTSTAT=TENTATIVE:mailto:dave@example.com", "ATTENDEE;CUTYPE=RESOURCE;CN=Projector;PARTSTAT=NEEDS-ACTION:mailto:projector@example.com"],
  },
  "VALARM (first)": {
    dav: ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Reminder", "TRIGGER:-PT15M", "END:VALARM", "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Second", "TRIGGER:-PT5M", "END:VALARM"],
    back: ["BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M"],
    dropped: ["VALARM"],
  },
  COLOR: { dav: ["COLOR:turquoise"] },
  STATUS: { dav: ["STATUS:TENTATIVE"], back: [], dropped: ["STATUS"] },
  "URL, GEO, CONTACT, RESOURCES, COMMENT, RELATED-TO, X-…": { dav: ["URL:https://example.com/meeting", "GEO:48.1;11.6", "COMMENT:bring slides", "X-EXAMPLE-FLAG:on"] },
};

/** Every row of the VEVENT ⇄ CalendarItem mapping. */
export const EVENT_MAPPING_ROWS: MappingRow[] = withExamples([
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
  { kind: "event", property: "ATTACH", ewsFields: ["Attachments"], support: "limited", limit: "binary, 10 MiB each (option); series master only", notes: "Binary ATTACH (`ENCODING=BASE64;VALUE=BINARY`, name from X-FILENAME / FILENAME, type from FMTTYPE) ⇄ file attachments: written after the item with CreateAttachment / DeleteAttachment, only the files that changed (name, size, content hash); Exchange's files are read with GetAttachment. A file over the cap (EwsSide `maxAttachmentBytes`) is reported and neither sent nor read (nor deleted in Exchange by a DAV edit). URI ATTACH: Exchange holds links only as ReferenceAttachment (OneDrive/SharePoint providers of Exchange Online), so it is reported and stays on the DAV side. Inline (body) attachments are reported. Attachments of a single occurrence (an override's own ATTACH) are reported and stay on the DAV side." },
  { kind: "event", property: "ORGANIZER", ewsFields: ["Organizer"], support: "limited", limit: "the mailbox on items created or changed by sync", notes: "Exchange's organizer is written to DAV (on meetings). Exchange makes the mailbox the organizer of every item created through EWS and keeps the organizer it has on updates, so a DAV ORGANIZER naming someone else is reported in `dropped` on create and update (the mailbox address comes from the client's `mailbox` option, else from the first meeting created)." },
  { kind: "event", property: "ATTENDEE (ROLE, PARTSTAT, CUTYPE, CN)", ewsFields: ["RequiredAttendees", "OptionalAttendees", "Resources"], support: "supported", notes: "REQ-PARTICIPANT/CHAIR ⇄ required, OPT-/NON-PARTICIPANT ⇄ optional, CUTYPE=RESOURCE/ROOM ⇄ resources (ROOM comes back as RESOURCE); PARTSTAT ⇄ ResponseType. A response one side does not know never resets one the other side has. Sync writes send no invitations (SendToNone)." },
  { kind: "event", property: "VALARM (first)", ewsFields: ["ReminderIsSet", "ReminderMinutesBeforeStart"], support: "limited", limit: "one reminder, before the start", notes: "Relative (to start or end) and absolute triggers become minutes before the start; further alarms and alarms after the start are reported and stay on the DAV side." },
  { kind: "event", property: "COLOR", ewsFields: [], support: "not-supported", notes: "Kept on the DAV side." },
  { kind: "event", property: "STATUS", ewsFields: ["IsCancelled"], support: "limited", limit: "read-only on EWS", notes: "A cancelled EWS meeting writes STATUS:CANCELLED; other STATUS values stay on the DAV side." },
  { kind: "event", property: "URL, GEO, CONTACT, RESOURCES, COMMENT, RELATED-TO, X-…", ewsFields: [], support: "not-supported", notes: "Reported; kept on the DAV side by the merge." },
], EXAMPLES);
