/**
 * The task mapping table as data: every VTODO property the mapper reads or writes, its EWS
 * field(s), how well it is carried and its limit. `docs/mapping.md` is generated from it.
 */
import { withExamples, type MappingExample, type MappingRow } from "../result.js";

const task = (property: string, ewsFields: string[], support: MappingRow["support"], notes?: string, limit?: string): MappingRow => {
  const row: MappingRow = { kind: "task", property, ewsFields, support };
  if (limit !== undefined) row.limit = limit;
  if (notes !== undefined) row.notes = notes;
  return row;
};

/**
 * An example per row, by the row's property: the VTODO lines, what comes back from Exchange where
 * its form differs, and what must be reported dropped.
 */
const EXAMPLES: Record<string, MappingExample> = {
  UID: { dav: ["UID:claim-task-uid@example.com"] },
  SUMMARY: { dav: ["SUMMARY:File the report"] },
  DESCRIPTION: { dav: ["DESCRIPTION:Steps:\\n1. write\\, then file"] },
  DTSTART: { dav: ["DTSTART;TZID=Europe/Berlin:20260310T090000"] },
  "DUE (or DTSTART + DURATION)": { dav: ["DUE:20260312T170000Z"] },
  COMPLETED: { dav: ["COMPLETED:20260311T120000Z", "STATUS:COMPLETED", "PERCENT-COMPLETE:100"] },
  "PERCENT-COMPLETE": { dav: ["PERCENT-COMPLETE:40", "STATUS:IN-PROCESS"] },
  "STATUS + X-EWS-STATUS": { dav: ["STATUS:IN-PROCESS", "X-EWS-STATUS:WaitingOnOthers"] },
  PRIORITY: { dav: ["PRIORITY:1"] },
  CLASS: { dav: ["CLASS:PRIVATE"] },
  CATEGORIES: { dav: ["CATEGORIES:Home,Errands"] },
  "VALARM (first display/audio alarm)": {
    dav: ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Reminder", "TRIGGER;VALUE=DATE-TIME:20260312T080000Z", "END:VALARM", "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Again", "TRIGGER;VALUE=DATE-TIME:20260312T160000Z", "END:VALARM"],
    context: ["DUE:20260312T170000Z"],
    back: ["BEGIN:VALARM", "TRIGGER;VALUE=DATE-TIME:20260312T080000Z"],
    dropped: ["VALARM"],
  },
  RRULE: {
    dav: ["RRULE:FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3", "RRULE:FREQ=WEEKLY;BYDAY=FR"],
    context: ["DTSTART;VALUE=DATE:20260115", "DUE;VALUE=DATE:20260115"],
    back: ["RRULE:FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3"],
    dropped: ["RRULE"],
  },
  "X-EWS-REGENERATION": { dav: ["X-EWS-REGENERATION:FREQ=DAILY;INTERVAL=3;COUNT=5"], context: ["DTSTART;VALUE=DATE:20260115", "DUE;VALUE=DATE:20260115"] },
  ATTACH: {
    dav: ["ATTACH;FMTTYPE=text/plain;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=todo.txt:aGVsbG8gd29ybGQ=", "ATTACH:https://files.example.com/brief.pdf"],
    back: ["ATTACH;FMTTYPE=text/plain;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=todo.txt:aGVsbG8gd29ybGQ="],
    dropped: ["ATTACH"],
  },
  "EXDATE, RDATE, ATTENDEE, ORGANIZER, URL, LOCATION, GEO, RELATED-TO, X- properties": {
    dav: ["LOCATION:Kitchen", "URL:https://example.com/task", "ATTENDEE:mailto:bob@example.com", "X-EXAMPLE-FLAG:on"],
  },
  "(EWS only) ActualWork, TotalWork, BillingInformation, Companies, Contacts, Mileage": {
    dav: [],
    ews: {
      fields: { actualWork: 30, totalWork: 60, billingInformation: "Project 7", companies: ["Analytical Engines Ltd"], contacts: ["Charles Babbage"], mileage: "12 km" },
      dropped: ["ActualWork", "TotalWork", "BillingInformation", "Companies", "Contacts", "Mileage"],
    },
  },
};

/** Every row of the task mapping (VTODO ⇄ EWS `Task`). */
export const TASK_MAPPING_ROWS: readonly MappingRow[] = withExamples([
  task("UID", ["ExtendedProperty[ewsdav-uid]"], "supported", "Kept in a named property of ewsdav's own property set (`EWSDAV_UID_PROPERTY`)."),
  task("SUMMARY", ["Subject"], "supported"),
  task("DESCRIPTION", ["Body"], "supported", "Written as a Text body; an HTML body is reduced to text."),
  task("DTSTART", ["StartDate"], "supported", "A date, UTC, floating or TZID time. EWS keeps the instant; the form (TZID, date, floating) is remembered in `ewsdav-task-time-forms` so it comes back the same. Without memory (a task made in Outlook) a date is written."),
  task("DUE (or DTSTART + DURATION)", ["DueDate"], "supported", "As DTSTART. A DURATION is read as DUE; the merge keeps DURATION while the due instant is unchanged."),
  task("COMPLETED", ["CompleteDate"], "supported", "Always UTC."),
  task("PERCENT-COMPLETE", ["PercentComplete"], "supported"),
  task("STATUS + X-EWS-STATUS", ["Status"], "supported", "NEEDS-ACTION ⇄ NotStarted, IN-PROCESS ⇄ InProgress, COMPLETED ⇄ Completed; WaitingOnOthers (IN-PROCESS) and Deferred (NEEDS-ACTION) are kept in X-EWS-STATUS; CANCELLED becomes Deferred (reported). A client that changes STATUS wins over a stale X-EWS-STATUS."),
  task("PRIORITY", ["Importance"], "supported", "1–4 High, 5 / 0 / none Normal, 6–9 Low; High is written 1, Low 9, Normal writes none (an existing 5 or 0 stays)."),
  task("CLASS", ["Sensitivity"], "supported", "PUBLIC / none ⇄ Normal, PRIVATE ⇄ Private, CONFIDENTIAL ⇄ Confidential; Personal is CLASS;X-EWS-SENSITIVITY=Personal:PRIVATE (as for events)."),
  task("CATEGORIES", ["Categories"], "supported"),
  task("VALARM (first display/audio alarm)", ["ReminderIsSet", "ReminderDueBy"], "limited", "Absolute and relative (RELATED=START/END) triggers; a relative trigger stays relative when the reminder moves. Further alarms are reported and kept on the DAV side.", "1 reminder"),
  task("RRULE", ["Recurrence (Daily, Weekly, AbsoluteMonthly, RelativeMonthly, AbsoluteYearly, RelativeYearly; NoEnd, EndDate, Numbered)"], "limited", "BYDAY with ordinals or BYSETPOS (1–4, -1; weekdays, weekend days, every day), BYMONTHDAY, BYMONTH, COUNT, UNTIL, WKST. UNTIL converts in the series' zone (DTSTART's, else DUE's) to the EndDate of the last occurrence, and back to that occurrence's start. Rules EWS cannot say (BYHOUR, several BYMONTHDAY, yearly intervals …) are reported and kept on the DAV side.", "1 rule"),
  task("X-EWS-REGENERATION", ["Recurrence (DailyRegeneration, WeeklyRegeneration, MonthlyRegeneration, YearlyRegeneration)"], "supported", "iCalendar cannot say \"N days after completion\": RRULE syntax in an X- property (`FREQ=DAILY;INTERVAL=3;COUNT=5`)."),
  task("ATTACH", ["Attachments"], "limited", "As for events: binary ATTACH ⇄ file attachments (CreateAttachment / DeleteAttachment after the task, only changed files; GetAttachment on read); over the cap (EwsSide `maxAttachmentBytes`) reported; URI ATTACH reported and kept on the DAV side.", "binary, 10 MiB each (option)"),
  task("EXDATE, RDATE, ATTENDEE, ORGANIZER, URL, LOCATION, GEO, RELATED-TO, X- properties", [], "not-supported", "Reported in `dropped`; kept exactly on the DAV side by the merge onto the base."),
  task("(EWS only) ActualWork, TotalWork, BillingInformation, Companies, Contacts, Mileage", ["ActualWork", "TotalWork", "BillingInformation", "Companies", "Contacts", "Mileage"], "not-supported", "Reported in `dropped` on the way to VTODO."),
], EXAMPLES);
