/**
 * The field table of calendar items (types.xsd `CalendarItemType`, in schema order).
 * @module
 */
import type { Attendee, CalendarItem, OccurrenceInfo, ResponseType } from "../model/calendar-item.js";
import type { Recurrence } from "../model/recurrence.js";
import type { LegacyTimeZone, TimeZoneDefinition } from "../model/time-zone.js";
import { EwsInputError } from "../errors.js";
import { child, childText, children, type XmlElement } from "../xml/parse.js";
import { xmlElement, xmlText } from "../xml/writer.js";
import { mailboxXml, parseItemId, parseMailbox } from "./common-xml.js";
import { booleanField, dateTimeField, enumField, intField, stringField, type FieldDef, type ItemWriteContext } from "./field-table.js";
import { itemBaseFields } from "./item-base-fields.js";
import { parseRecurrence, recurrenceXml } from "./recurrence-xml.js";
import { legacyTimeZoneXml, parseLegacyTimeZone, parseTimeZoneDefinition, timeZoneDefinitionXml } from "./time-zone-xml.js";
import { dateTimeText } from "./values.js";

const FREE_BUSY = ["Free", "Tentative", "Busy", "OOF", "WorkingElsewhere", "NoData"];
const RESPONSES = ["Unknown", "Organizer", "Tentative", "Accept", "Decline", "NoResponseReceived"];

function attendeeXml(a: Attendee, ctx: ItemWriteContext, field: string): string {
  if (!a.mailbox.emailAddress && !a.mailbox.itemId) throw new EwsInputError(ctx.item, field, "an attendee needs an e-mail address");
  return xmlElement(
    "t:Attendee",
    undefined,
    mailboxXml("t:Mailbox", a.mailbox),
    a.responseType !== undefined && RESPONSES.includes(a.responseType) && xmlText("t:ResponseType", a.responseType),
    a.lastResponseTime !== undefined && xmlText("t:LastResponseTime", dateTimeText(a.lastResponseTime, ctx, `${field}.lastResponseTime`)),
  );
}

function parseAttendees(e: XmlElement): Attendee[] {
  return children(e, "Attendee").map((a) => {
    const mailbox = child(a, "Mailbox");
    const attendee: Attendee = { mailbox: mailbox ? parseMailbox(mailbox) : {} };
    const response = childText(a, "ResponseType");
    if (response !== undefined) attendee.responseType = response as ResponseType;
    const last = childText(a, "LastResponseTime");
    if (last !== undefined) attendee.lastResponseTime = last;
    const ps = childText(a, "ProposedStart");
    if (ps !== undefined) attendee.proposedStart = ps;
    const pe = childText(a, "ProposedEnd");
    if (pe !== undefined) attendee.proposedEnd = pe;
    return attendee;
  });
}

function attendeeField(key: "requiredAttendees" | "optionalAttendees" | "resources", element: string): FieldDef<CalendarItem> {
  return {
    key,
    element,
    uri: `calendar:${element}`,
    appendable: true,
    write: ((v: Attendee[], ctx: ItemWriteContext) =>
      v.length === 0 ? "" : xmlElement(`t:${element}`, undefined, ...v.map((a, i) => attendeeXml(a, ctx, `${key}[${i}]`)))) as FieldDef<CalendarItem>["write"],
    read: (e, item) => (item[key] = parseAttendees(e)),
  };
}

function parseOccurrence(e: XmlElement): OccurrenceInfo {
  const id = child(e, "ItemId");
  return {
    itemId: id ? parseItemId(id) : { id: "" },
    start: childText(e, "Start") ?? "",
    end: childText(e, "End") ?? "",
    originalStart: childText(e, "OriginalStart") ?? "",
  };
}

/** The calendar item field table. */
/**
 * A zone wanted by `Id` alone is the zone the server holds under that `Id`: Exchange answers an
 * `Id`-only `StartTimeZone`/`EndTimeZone` with the whole definition, which is no change to write.
 */
function sameZone(current: unknown, wanted: unknown): boolean {
  const want = wanted as TimeZoneDefinition;
  const idOnly = want.id !== undefined && !want.periods?.length && !want.transitionsGroups?.length && !want.transitions;
  return idOnly && (current as TimeZoneDefinition).id === want.id;
}

export const CALENDAR_ITEM_FIELDS: readonly FieldDef<CalendarItem>[] = [
  ...itemBaseFields<CalendarItem>(),
  stringField<CalendarItem>("uid", "UID", "calendar:UID"),
  dateTimeField<CalendarItem>("recurrenceId", "RecurrenceId", undefined),
  dateTimeField<CalendarItem>("dateTimeStamp", "DateTimeStamp", undefined),
  dateTimeField<CalendarItem>("start", "Start", "calendar:Start"),
  dateTimeField<CalendarItem>("end", "End", "calendar:End"),
  dateTimeField<CalendarItem>("originalStart", "OriginalStart", undefined),
  booleanField<CalendarItem>("isAllDayEvent", "IsAllDayEvent", "calendar:IsAllDayEvent"),
  enumField<CalendarItem>("legacyFreeBusyStatus", "LegacyFreeBusyStatus", "calendar:LegacyFreeBusyStatus", FREE_BUSY),
  stringField<CalendarItem>("location", "Location", "calendar:Location"),
  booleanField<CalendarItem>("isMeeting", "IsMeeting", undefined),
  booleanField<CalendarItem>("isCancelled", "IsCancelled", undefined),
  booleanField<CalendarItem>("isRecurring", "IsRecurring", undefined),
  booleanField<CalendarItem>("isResponseRequested", "IsResponseRequested", "calendar:IsResponseRequested"),
  enumField<CalendarItem>("calendarItemType", "CalendarItemType", undefined, []),
  enumField<CalendarItem>("myResponseType", "MyResponseType", undefined, []),
  {
    key: "organizer",
    element: "Organizer",
    read: (e, item) => {
      const m = child(e, "Mailbox");
      if (m) item.organizer = parseMailbox(m);
    },
  },
  attendeeField("requiredAttendees", "RequiredAttendees"),
  attendeeField("optionalAttendees", "OptionalAttendees"),
  attendeeField("resources", "Resources"),
  stringField<CalendarItem>("duration", "Duration", undefined),
  stringField<CalendarItem>("timeZone", "TimeZone", undefined),
  intField<CalendarItem>("appointmentSequenceNumber", "AppointmentSequenceNumber", undefined),
  {
    key: "recurrence",
    element: "Recurrence",
    uri: "calendar:Recurrence",
    write: ((v: Recurrence, ctx: ItemWriteContext) => recurrenceXml(v, ctx)) as FieldDef<CalendarItem>["write"],
    read: (e, item) => {
      const r = parseRecurrence(e);
      if (r) item.recurrence = r;
    },
  },
  { key: "firstOccurrence", element: "FirstOccurrence", read: (e, item) => (item.firstOccurrence = parseOccurrence(e)) },
  { key: "lastOccurrence", element: "LastOccurrence", read: (e, item) => (item.lastOccurrence = parseOccurrence(e)) },
  {
    key: "modifiedOccurrences",
    element: "ModifiedOccurrences",
    read: (e, item) => (item.modifiedOccurrences = children(e, "Occurrence").map(parseOccurrence)),
  },
  {
    key: "deletedOccurrences",
    element: "DeletedOccurrences",
    read: (e, item) => (item.deletedOccurrences = children(e, "DeletedOccurrence").map((d) => ({ start: childText(d, "Start") ?? "" }))),
  },
  {
    key: "meetingTimeZone",
    element: "MeetingTimeZone",
    uri: "calendar:MeetingTimeZone",
    maxWriteVersion: "Exchange2007_SP1",
    write: ((v: LegacyTimeZone) => legacyTimeZoneXml("t:MeetingTimeZone", v)) as FieldDef<CalendarItem>["write"],
    read: (e, item) => (item.meetingTimeZone = parseLegacyTimeZone(e)),
  },
  {
    key: "startTimeZone",
    element: "StartTimeZone",
    uri: "calendar:StartTimeZone",
    minVersion: "Exchange2010",
    write: ((v: TimeZoneDefinition) => timeZoneDefinitionXml("t:StartTimeZone", v)) as FieldDef<CalendarItem>["write"],
    read: (e, item) => (item.startTimeZone = parseTimeZoneDefinition(e)),
    sameValue: sameZone,
  },
  {
    key: "endTimeZone",
    element: "EndTimeZone",
    uri: "calendar:EndTimeZone",
    minVersion: "Exchange2010",
    write: ((v: TimeZoneDefinition) => timeZoneDefinitionXml("t:EndTimeZone", v)) as FieldDef<CalendarItem>["write"],
    read: (e, item) => (item.endTimeZone = parseTimeZoneDefinition(e)),
    sameValue: sameZone,
  },
  intField<CalendarItem>("conferenceType", "ConferenceType", "calendar:ConferenceType", [0, 2]),
  booleanField<CalendarItem>("allowNewTimeProposal", "AllowNewTimeProposal", "calendar:AllowNewTimeProposal"),
  booleanField<CalendarItem>("isOnlineMeeting", "IsOnlineMeeting", "calendar:IsOnlineMeeting"),
  stringField<CalendarItem>("meetingWorkspaceUrl", "MeetingWorkspaceUrl", "calendar:MeetingWorkspaceUrl"),
  stringField<CalendarItem>("netShowUrl", "NetShowUrl", "calendar:NetShowUrl"),
];
