/**
 * The Graph column of the mapping tables: for every row of the EWS mappers' tables (matched by
 * property and EWS fields), what the vCard / iCalendar property becomes over Graph, how well Graph
 * carries it, and what is different from EWS; and the rows of Graph properties that no EWS row names
 * (`graphOnly`). `docs/mapping.md` is generated from them beside the EWS rows.
 * @module
 */
import { CONTACT_MAPPING_ROWS } from "../contact/metadata.js";
import { EVENT_MAPPING_ROWS } from "../event/metadata.js";
import type { MappingRow, SupportLevel } from "../result.js";
import { TASK_MAPPING_ROWS } from "../task/metadata.js";

/** What one row of an EWS mapping table becomes over Graph. */
export interface GraphMappingRow {
  /** Which mapper the row belongs to. */
  kind: MappingRow["kind"];
  /** The vCard / iCalendar property, as the EWS row names it (a Graph-only row: the Graph property, the DAV side's view in `notes`). */
  property: string;
  /** The EWS row's fields (with `property`, the key to the EWS row); empty for a Graph-only row. */
  ewsFields: string[];
  /** The Graph property or properties it maps to (`businessPhones[0]`, `start`, `extensions[ewsdav.uid]`). */
  graphFields: string[];
  /** How well Graph carries it. */
  support: SupportLevel;
  /** What Graph does differently from EWS, or what happens to what Graph cannot hold. */
  notes?: string;
  /** True for a Graph property that no EWS row names. */
  graphOnly?: boolean;
}

type Cell = Pick<GraphMappingRow, "graphFields" | "support" | "notes">;
const same = (graphFields: string[], notes?: string): Cell => ({ graphFields, support: "supported", ...(notes ? { notes } : {}) });
const limited = (graphFields: string[], notes: string): Cell => ({ graphFields, support: "limited", notes });
const none = (notes: string): Cell => ({ graphFields: [], support: "not-supported", notes });
const KEPT = "reported on the write and kept from the basis on the read (the DAV side keeps it)";

/** The Graph cell of each EWS row, by `property|ewsFields`; a row not listed keeps the EWS row's support with the same-named Graph field. */
function build(rows: readonly MappingRow[], cells: Record<string, Cell>, graphOnly: GraphMappingRow[]): readonly GraphMappingRow[] {
  const out: GraphMappingRow[] = rows.map((row) => {
    const cell = cells[`${row.property}|${row.ewsFields.join(",")}`] ?? cells[row.property];
    if (!cell) throw new Error(`no Graph cell for the ${row.kind} row ${row.property}`);
    return { kind: row.kind, property: row.property, ewsFields: [...row.ewsFields], ...cell };
  });
  return Object.freeze([...out, ...graphOnly.map((row) => ({ ...row, graphOnly: true }))]);
}

const PHONES: Record<string, Cell> = {
  BusinessPhone: limited(["businessPhones[0]"], "Graph lists 2 business numbers; the list comes back in the slots (TYPE) the basis gave it."),
  BusinessPhone2: limited(["businessPhones[1]"], "The second business number."),
  HomePhone: limited(["homePhones[0]"], "Graph lists 2 home numbers."),
  HomePhone2: limited(["homePhones[1]"], "The second home number."),
  MobilePhone: same(["mobilePhone"]),
};

const contactCells: Record<string, Cell> = {
  UID: same(["singleValueExtendedProperties[String {6c1f1b53-7d2e-4a8e-9a43-2f1d5e8b0c71} Name ewsdav-uid]"], "The same named property as over EWS (`GRAPH_UID_PROPERTY_ID`): one UID over both protocols."),
  FN: same(["displayName", "fileAs"]),
  "N (family name)": same(["surname"]),
  "N (given name)": same(["givenName"]),
  "N (additional names)": same(["middleName"]),
  "N (prefix)": same(["title"]),
  "N (suffix)": same(["generation"]),
  NICKNAME: same(["nickName"]),
  BDAY: same(["birthday"]),
  "ANNIVERSARY / X-ANNIVERSARY / X-MS-ANNIVERSARY / Apple X-ABDATE (Anniversary)": none(`A Graph contact has no anniversary: ${KEPT}.`),
  "GENDER / X-GENDER": none(`A Graph contact has no gender: ${KEPT}.`),
  PHOTO: limited(["/contacts/{id}/photo/$value"], "A separate resource: the mapper takes and gives the bytes (`photo`), the side reads and PUTs them. Graph cannot delete a contact's photo: a PHOTO removed on the DAV side is reported and the mailbox keeps its photo. A photo over the cap (GraphSide `maxPhotoBytes`) is reported and neither sent nor read."),
  "ORG (organisation)": same(["companyName"]),
  "ORG (first unit)": same(["department"]),
  TITLE: same(["jobTitle"]),
  ROLE: same(["profession"]),
  "RELATED;TYPE=spouse / X-MS-SPOUSE / X-SPOUSE / Apple X-ABRELATEDNAMES (Spouse, Partner)": same(["spouseName"]),
  "X-MS-MANAGER / X-MANAGER / RELATED;TYPE=x-manager / Apple X-ABRELATEDNAMES (Manager)": same(["manager"]),
  "X-MS-ASSISTANT / X-ASSISTANT / RELATED;TYPE=x-assistant / Apple X-ABRELATEDNAMES (Assistant)": same(["assistantName"]),
  "RELATED;TYPE=child / X-CHILD / Apple X-ABRELATEDNAMES (Child)": same(["children"]),
  CATEGORIES: same(["categories"]),
  NOTE: same(["personalNotes"]),
  URL: same(["businessHomePage"]),
  "ADR;TYPE=work": limited(["businessAddress"], "As over EWS; Graph has no mailing-address flag (PostalAddressIndex): PREF chooses the address only."),
  "ADR;TYPE=home": limited(["homeAddress"], "As over EWS."),
  "ADR;TYPE=other or untyped": limited(["otherAddress"], "As over EWS."),
  "EMAIL;TYPE=work": limited(["emailAddresses[]"], "Graph lists up to 3 addresses without slots: rendered onto the basis, each address takes the slot (TYPE) the basis gave it; a new address takes the first free slot."),
  "EMAIL;TYPE=home": limited(["emailAddresses[]"], "See EMAIL;TYPE=work."),
  "EMAIL;TYPE=other": limited(["emailAddresses[]"], "See EMAIL;TYPE=work."),
  "IMPP / X-MS-IMADDRESS / X-AIM, X-JABBER, X-ICQ, X-MSN, X-YAHOO, X-SKYPE, X-GOOGLE-TALK, X-QQ, X-GADUGADU": limited(["imAddresses[]"], "A list of 3, slotted by the basis as e-mail addresses are."),
  "TEL;TYPE=video, text, msg, bbs, modem …": limited(["businessPhones", "homePhones", "mobilePhone"], "As over EWS, into the slots Graph has (a TEL with no known type is OtherTelephone, which Graph lacks)."),
  "Groups (item1.EMAIL) and X-ABLabel": limited([], "As over EWS."),
  "KEY, LOGO, SOUND, GEO, TZ, LANG, MEMBER, KIND=group, CLIENTPIDMAP, X- properties, unknown parameters": none("As over EWS."),
  "(EWS only) Initials, OfficeLocation, Mileage, Companies": none("Over Graph: `initials` and `officeLocation` (reported on the read by their Graph names, never written); Graph has no mileage or companies."),
};
for (const row of CONTACT_MAPPING_ROWS) {
  const key = /^PhoneNumbers\[(\w+)\]$/.exec(row.ewsFields[0] ?? "")?.[1];
  if (key) contactCells[`${row.property}|${row.ewsFields.join(",")}`] = PHONES[key] ?? none(`No Graph field for EWS's ${key}: ${KEPT}.`);
}

/** Every row of the contact mapping, over Graph (`microsoft.graph.contact`). */
export const GRAPH_CONTACT_MAPPING_ROWS: readonly GraphMappingRow[] = build(CONTACT_MAPPING_ROWS, contactCells, [
  { kind: "contact", property: "yomiGivenName, yomiSurname, yomiCompanyName", ewsFields: [], graphFields: ["yomiGivenName", "yomiSurname", "yomiCompanyName"], support: "not-supported", notes: "No vCard property: reported on the read, never written (a PATCH leaves them)." },
]);

const taskCells: Record<string, Cell> = {
  UID: same(["extensions[ewsdav.uid]"], "An open extension (todoTask has no extended properties in v1.0): not the property the EWS side uses, so a task tagged over EWS is recognised by its translated id after a move."),
  SUMMARY: same(["title"]),
  DESCRIPTION: same(["body"]),
  DTSTART: limited(["startDateTime"], `To Do keeps a date: a time of day (and the TZID, UTC or floating form) is ${KEPT}, moved to the day To Do says.`),
  "DUE (or DTSTART + DURATION)": limited(["dueDateTime"], "As DTSTART."),
  COMPLETED: same(["completedDateTime"]),
  "PERCENT-COMPLETE": limited(["status"], `Only 0 and 100 (the status says them); a percentage between is ${KEPT} while the status is unchanged.`),
  "STATUS + X-EWS-STATUS": same(["status"], "The same five values (notStarted, inProgress, completed, waitingOnOthers, deferred)."),
  PRIORITY: same(["importance"]),
  CLASS: none(`A To Do task has no sensitivity: ${KEPT}.`),
  CATEGORIES: same(["categories"]),
  "VALARM (first display/audio alarm)": limited(["isReminderOn", "reminderDateTime"], "As over EWS."),
  RRULE: limited(["recurrence"], "The same patterns and ranges as EWS."),
  "X-EWS-REGENERATION": none(`Graph has no regenerating pattern: ${KEPT}.`),
  ATTACH: none("To Do attachments are not mapped (kept on the DAV side)."),
  "EXDATE, RDATE, ATTENDEE, ORGANIZER, URL, LOCATION, GEO, RELATED-TO, X- properties": none("As over EWS."),
  "(EWS only) ActualWork, TotalWork, BillingInformation, Companies, Contacts, Mileage": none("A todoTask has none of them."),
};

/** Every row of the task mapping, over Graph (`microsoft.graph.todoTask`). */
export const GRAPH_TASK_MAPPING_ROWS: readonly GraphMappingRow[] = build(TASK_MAPPING_ROWS, taskCells, [
  { kind: "task", property: "checklistItems (steps), linkedResources", ewsFields: [], graphFields: ["checklistItems", "linkedResources"], support: "not-supported", notes: "No VTODO property: reported on the read, never written." },
]);

const eventCells: Record<string, Cell> = {
  UID: limited(["singleValueExtendedProperties[… Name ewsdav-uid]", "iCalUId"], "ewsdav's property when set (Graph's iCalUId is read-only and Graph gives a new event its own), else the event's iCalUId (an event made over EWS or in Outlook)."),
  SUMMARY: same(["subject"]),
  "DESCRIPTION / X-ALT-DESC;FMTTYPE=text/html": same(["body"]),
  LOCATION: same(["location.displayName"], "Further `locations` and a location's address are reported on the read."),
  "DTSTART / DTEND / DURATION (TZID, UTC, floating)": limited(["start", "end"], "`dateTimeTimeZone` with the Windows zone (or the IANA name Graph was given; times Graph gives in UTC are read in `originalStartTimeZone`). Graph takes no custom zone: a TZID only its VTIMEZONE defines is written in UTC and reported."),
  "DTSTART;VALUE=DATE / DTEND;VALUE=DATE": same(["isAllDay", "start", "end"], "Midnight to midnight in the mailbox zone."),
  RRULE: limited(["recurrence"], "`patternedRecurrence`: the same patterns and ranges as EWS; a yearly pattern every n years is read as every 12·n months; days of a relative pattern that no EWS value says are reported."),
  "RDATE / EXRULE": none("As over EWS."),
  EXDATE: same(["cancelledOccurrences"], "`OID.{masterId}.{date}`, the date in the series' zone; the side DELETEs the occurrence (`cancelled`)."),
  "VEVENT with RECURRENCE-ID": same(["exceptionOccurrences", "originalStart"], "The side PATCHes the occurrence whose originalStart is given (`exceptions`)."),
  "TRANSP + X-MICROSOFT-CDO-BUSYSTATUS": same(["showAs"]),
  PRIORITY: limited(["importance"], "As over EWS."),
  CLASS: same(["sensitivity"]),
  CATEGORIES: same(["categories"]),
  ATTACH: limited(["attachments"], "File attachments travel as bytes beside the body (`attachments`), uploaded by the side (by an upload session from 3 MB); URIs stay on the DAV side. A file over the cap (GraphSide `maxAttachmentBytes`) is reported and neither sent nor read; inline attachments (of the HTML body) and item or reference attachments are reported."),
  ORGANIZER: limited(["organizer"], "Read; not written (Graph makes the mailbox the organizer), the side reports another ORGANIZER."),
  "ATTENDEE (ROLE, PARTSTAT, CUTYPE, CN)": limited(["attendees"], `Types both ways; a response (status) is read-only in Graph: PARTSTAT is ${KEPT} (a response Graph knows comes through).`),
  "VALARM (first)": limited(["isReminderOn", "reminderMinutesBeforeStart"], "As over EWS."),
  COLOR: none("As over EWS."),
  STATUS: limited(["isCancelled"], "As over EWS."),
  "URL, GEO, CONTACT, RESOURCES, COMMENT, RELATED-TO, X-…": none("As over EWS."),
};

/** Every row of the event mapping, over Graph (`microsoft.graph.event`). */
export const GRAPH_EVENT_MAPPING_ROWS: readonly GraphMappingRow[] = build(EVENT_MAPPING_ROWS, eventCells, [
  { kind: "event", property: "isOnlineMeeting (with onlineMeeting), hideAttendees", ewsFields: [], graphFields: ["isOnlineMeeting", "onlineMeeting", "hideAttendees"], support: "not-supported", notes: "No iCalendar property: reported on the read when set, never written (a PATCH leaves them)." },
  { kind: "event", property: "allowNewTimeProposals, responseRequested, transactionId", ewsFields: [], graphFields: ["allowNewTimeProposals", "responseRequested", "transactionId"], support: "not-supported", notes: "Graph's own settings of a meeting: not mapped, never written." },
]);
