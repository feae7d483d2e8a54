import { describe, expect, it } from "vitest";
import { ewsSchemaValidator } from "../../../../test/harness/ews-schema.js";
import { buildEnvelope, type ExchangeVersion, type SoapHeaders } from "../soap/envelope.js";
import type { CalendarItem } from "../model/calendar-item.js";
import type { RecurrencePattern, RecurrenceRange, RegenerationPattern } from "../model/recurrence.js";
import type { TypedItem } from "../items/item-xml.js";
import { fullCalendarItem, fullContact, fullTask, TEST_PROPERTY_SET, WEST_EUROPE } from "../testdata/items.test-support.js";
import { buildCreateAttachment, buildDeleteAttachment, buildGetAttachment } from "./attachments.js";
import { buildCreateFolder, buildFindFolder, buildGetFolder, buildSyncFolderHierarchy } from "./folders.js";
import {
  buildCreateItem,
  buildDeleteItem,
  buildFindItem,
  buildGetItem,
  buildItemChange,
  buildMoveItem,
  buildSyncFolderItems,
  buildUpdateItem,
} from "./items.js";

const PATTERNS: RecurrencePattern[] = [
  { kind: "DailyRecurrence", interval: 2 },
  { kind: "WeeklyRecurrence", interval: 1, daysOfWeek: ["Tuesday"] },
  { kind: "WeeklyRecurrence", interval: 3, daysOfWeek: ["Monday", "Friday", "Saturday"], firstDayOfWeek: "Sunday" },
  { kind: "AbsoluteMonthlyRecurrence", interval: 1, dayOfMonth: 31 },
  { kind: "RelativeMonthlyRecurrence", interval: 2, daysOfWeek: "Weekday", dayOfWeekIndex: "Last" },
  { kind: "AbsoluteYearlyRecurrence", dayOfMonth: 29, month: "February" },
  { kind: "RelativeYearlyRecurrence", daysOfWeek: "Thursday", dayOfWeekIndex: "Fourth", month: "November" },
];
const RANGES: RecurrenceRange[] = [
  { kind: "NoEndRecurrence", startDate: "2026-01-01" },
  { kind: "EndDateRecurrence", startDate: "2026-01-01", endDate: "2027-12-31" },
  { kind: "NumberedRecurrence", startDate: "2026-01-01-08:00", numberOfOccurrences: 10 },
];
const REGENERATIONS: RegenerationPattern["kind"][] = ["DailyRegeneration", "WeeklyRegeneration", "MonthlyRegeneration", "YearlyRegeneration"];

function envelope(operation: string, version: ExchangeVersion = "Exchange2010_SP2", extra: Partial<SoapHeaders> = {}): string {
  return buildEnvelope({ version, ...extra }, operation);
}

function allRequests(): Array<[string, string]> {
  const docs: Array<[string, string]> = [];
  const add = (name: string, operation: string, version?: ExchangeVersion, extra?: Partial<SoapHeaders>) => docs.push([name, envelope(operation, version, extra)]);

  // Headers.
  add("GetFolder impersonation smtp", buildGetFolder([{ distinguishedId: "contacts" }]), "Exchange2013_SP1", { impersonation: { primarySmtpAddress: "bob@example.com" } });
  add("GetFolder impersonation sid", buildGetFolder([{ distinguishedId: "contacts" }]), "Exchange2010_SP2", { impersonation: { sid: "S-1-5-21-1" } });
  add("GetFolder impersonation upn", buildGetFolder([{ distinguishedId: "contacts" }]), "Exchange2010", { impersonation: { principalName: "bob@corp" } });
  add("GetFolder tz context", buildGetFolder([{ distinguishedId: "calendar" }]), "Exchange2010_SP2", { timeZoneContext: WEST_EUROPE, impersonation: { smtpAddress: "x@y" } });
  add("GetFolder tz context id only", buildGetFolder([{ distinguishedId: "calendar" }]), "Exchange2016", { timeZoneContext: { id: "UTC" } });

  // Folders.
  add(
    "GetFolder many",
    buildGetFolder([
      { distinguishedId: "msgfolderroot" },
      { distinguishedId: "contacts", mailbox: "shared@example.com" },
      { id: "AAMk=", changeKey: "AQAA" },
      { distinguishedId: "publicfoldersroot" },
    ]),
  );
  add("FindFolder plain", buildFindFolder({}, 0, "Deep"));
  add("FindFolder exact", buildFindFolder({ folderClass: "IPF.Contact", parent: { distinguishedId: "msgfolderroot" } }, 0, "Deep"));
  add("FindFolder prefix", buildFindFolder({ folderClass: "IPF.Appointment", folderClassMatch: "prefix", pageSize: 10 }, 20, "Shallow"));
  add("FindFolder public", buildFindFolder({ folderClass: "IPF.Task", parent: { distinguishedId: "publicfoldersroot" } }, 0, "Shallow"));
  add(
    "CreateFolder",
    buildCreateFolder({ distinguishedId: "msgfolderroot" }, [
      { displayName: "Team <contacts> & co", folderClass: "IPF.Contact" },
      { displayName: "Cal", kind: "CalendarFolder" },
      { displayName: "Todo", folderClass: "IPF.Task" },
      { displayName: "Plain" },
    ]),
  );
  add("SyncFolderHierarchy first", buildSyncFolderHierarchy(undefined));
  add("SyncFolderHierarchy state", buildSyncFolderHierarchy("H4sIAAAA==", { distinguishedId: "msgfolderroot" }));

  // Sync and find.
  add("SyncFolderItems first", buildSyncFolderItems({ folder: { distinguishedId: "contacts" } }));
  add(
    "SyncFolderItems state shape ignore",
    buildSyncFolderItems({
      folder: { id: "AAMkFolder", changeKey: "AQ" },
      syncState: "H4sIAAAAAAAEAO29B2AcSZ==",
      maxChangesReturned: 1,
      ignore: [{ id: "a" }, { id: "b", changeKey: "c" }],
      shape: {
        baseShape: "IdOnly",
        additionalProperties: [
          { fieldUri: "item:Subject" },
          { fieldUri: "contacts:PhoneNumber", fieldIndex: "MobilePhone" },
          { extended: { propertySetId: TEST_PROPERTY_SET, propertyName: "ewsdav-uid", propertyType: "String" } },
          { extended: { propertyTag: "0x3A45", propertyType: "String" } },
        ],
      },
    }),
  );
  add("SyncFolderItems 512", buildSyncFolderItems({ folder: { distinguishedId: "calendar" }, maxChangesReturned: 512, shape: { baseShape: "Default", bodyType: "Text" } }));
  add("FindItem", buildFindItem({ folder: { distinguishedId: "tasks" } }, 0));
  add("FindItem page", buildFindItem({ folder: { id: "F" }, pageSize: 5, traversal: "Associated", shape: { baseShape: "AllProperties", bodyType: "HTML" } }, 100));
  add("FindItem sorted", buildFindItem({ folder: { id: "F" }, pageSize: 500, sortOrder: [{ path: { fieldUri: "item:DateTimeCreated" } }, { path: { fieldUri: "item:Subject" }, descending: true }] }, 499));
  add("MoveItem", buildMoveItem([{ id: "A", changeKey: "B" }, { id: "C" }], { distinguishedId: "deleteditems" }));

  // GetItem.
  add("GetItem ids", buildGetItem([{ id: "A", changeKey: "B" }, { id: "C" }, { recurringMasterId: "M", instanceIndex: 3 }, { recurringMasterId: "M", changeKey: "K", instanceIndex: 1 }], undefined));
  add(
    "GetItem shape",
    buildGetItem([{ id: "A" }], {
      baseShape: "IdOnly",
      bodyType: "Text",
      additionalProperties: [{ fieldUri: "item:Body" }, { extended: { distinguishedPropertySetId: "Common", propertyId: 34101, propertyType: "Boolean" } }],
    }),
  );

  // CreateItem: full items in every version.
  for (const version of ["Exchange2007_SP1", "Exchange2010", "Exchange2010_SP2", "Exchange2013_SP1", "Exchange2016"] as ExchangeVersion[]) {
    const items: TypedItem[] = [
      { type: "Contact", item: fullContact() },
      { type: "Task", item: fullTask() },
      { type: "CalendarItem", item: fullCalendarItem() },
    ];
    add(`CreateItem full ${version}`, buildCreateItem(items, { savedItemFolder: { distinguishedId: "contacts" } }, version), version);
  }
  add("CreateItem minimal", buildCreateItem([{ type: "Contact", item: {} }, { type: "Task", item: {} }, { type: "CalendarItem", item: {} }], {}, "Exchange2010_SP2"));
  add("CreateItem send all", buildCreateItem([{ type: "CalendarItem", item: { subject: "x" } }], { sendMeetingInvitations: "SendOnlyToAll", savedItemFolder: { id: "F" } }, "Exchange2010_SP2"));
  const patterned: TypedItem[] = [];
  for (const pattern of PATTERNS) for (const range of RANGES) patterned.push({ type: "CalendarItem", item: { subject: pattern.kind, start: "2026-01-01T10:00:00Z", end: "2026-01-01T11:00:00Z", recurrence: { pattern, range } } });
  for (const pattern of [...PATTERNS, ...REGENERATIONS.map((kind) => ({ kind, interval: 2 }) as RegenerationPattern)]) {
    for (const range of RANGES) patterned.push({ type: "Task", item: { subject: pattern.kind, recurrence: { pattern, range } } });
  }
  add("CreateItem recurrences", buildCreateItem(patterned, {}, "Exchange2010_SP2"));

  // UpdateItem: set everything, delete everything, change some, append attendees, occurrences.
  const contactFull: TypedItem = { type: "Contact", item: fullContact() };
  const taskFull: TypedItem = { type: "Task", item: fullTask() };
  const eventFull: TypedItem = { type: "CalendarItem", item: fullCalendarItem() };
  const changed = fullCalendarItem();
  changed.subject = "Weekly sync (moved)";
  changed.requiredAttendees = [...changed.requiredAttendees!, { mailbox: { emailAddress: "dave@example.com" } }];
  changed.recurrence = { pattern: { kind: "DailyRecurrence", interval: 1 }, range: { kind: "NumberedRecurrence", startDate: "2026-01-05", numberOfOccurrences: 3 } };
  delete changed.location;
  changed.extendedProperties = [{ fieldUri: { propertyTag: "0x0E07", propertyType: "Integer" }, value: "2" }];
  const contactChanged = fullContact();
  contactChanged.phoneNumbers = { MobilePhone: "+49 1" };
  contactChanged.emailAddresses = { EmailAddress2: { address: "new@example.com" } };
  contactChanged.physicalAddresses = { Business: { city: "Berlin" } };
  contactChanged.title = "Prof.";
  contactChanged.imAddresses = {};
  for (const version of ["Exchange2007_SP1", "Exchange2010_SP2", "Exchange2016"] as ExchangeVersion[]) {
    const changes = [
      buildItemChange({ target: { id: "C1", changeKey: "K1" }, before: { type: "Contact", item: {} }, after: contactFull }, version, "u0"),
      buildItemChange({ target: { id: "C1", changeKey: "K1" }, before: contactFull, after: { type: "Contact", item: {} } }, version, "u1"),
      buildItemChange({ target: { id: "C1", changeKey: "K1" }, before: contactFull, after: { type: "Contact", item: contactChanged } }, version, "u2"),
      buildItemChange({ target: { id: "T1", changeKey: "K2" }, before: { type: "Task", item: {} }, after: taskFull }, version, "u3"),
      buildItemChange({ target: { id: "T1", changeKey: "K2" }, before: taskFull, after: { type: "Task", item: {} } }, version, "u4"),
      buildItemChange({ target: { id: "E1", changeKey: "K3" }, before: { type: "CalendarItem", item: {} }, after: eventFull }, version, "u5"),
      buildItemChange({ target: { id: "E1", changeKey: "K3" }, before: eventFull, after: { type: "CalendarItem", item: changed } }, version, "u6"),
      buildItemChange({ target: { id: "E1", changeKey: "K3" }, before: eventFull, after: { type: "CalendarItem", item: {} } }, version, "u7"),
      buildItemChange(
        { target: { recurringMasterId: "E1", changeKey: "K3", instanceIndex: 2 }, before: eventFull, after: { type: "CalendarItem", item: { ...fullCalendarItem(), start: "2026-01-07T10:00:00Z" } as CalendarItem } },
        version,
        "u8",
      ),
    ].filter((c): c is string => c !== undefined);
    add(`UpdateItem ${version}`, buildUpdateItem(changes, { conflictResolution: "AutoResolve" }, true), version);
  }
  add(
    "UpdateItem no calendar",
    buildUpdateItem([buildItemChange({ target: { id: "C", changeKey: "K" }, before: contactFull, after: { type: "Contact", item: { ...fullContact(), givenName: "Anna" } } }, "Exchange2010_SP2", "x")!], {}, false),
  );

  // DeleteItem and attachments.
  add("DeleteItem", buildDeleteItem([{ id: "A", changeKey: "B" }, { recurringMasterId: "M", instanceIndex: 4 }], {}));
  add("DeleteItem hard", buildDeleteItem([{ id: "A" }], { deleteType: "HardDelete", affectedTaskOccurrences: "SpecifiedOccurrenceOnly", sendMeetingCancellations: "SendOnlyToAll" }));
  add(
    "CreateAttachment",
    buildCreateAttachment({ id: "P", changeKey: "K" }, [
      { kind: "file", name: "ContactPicture.jpg", contentType: "image/jpeg", isContactPhoto: true, content: "/9j/4AAQSkZJRg==" },
      { kind: "file", name: "a & b.txt", content: "", isInline: false, contentId: "cid1" },
    ]),
  );
  add("GetAttachment", buildGetAttachment(["AT1", "AT2"]));
  add("DeleteAttachment", buildDeleteAttachment(["AT1"]));
  return docs;
}

describe("every request the client builds", () => {
  it("validates against the official EWS schema", async () => {
    const docs = allRequests();
    expect(docs.length).toBeGreaterThan(30);
    const violations = await ewsSchemaValidator().validate(docs.map(([, xml]) => xml));
    const named = violations.map((v) => `${docs[v.document]![0]}: line ${v.line}: ${v.message}`);
    expect(named).toEqual([]);
  }, 60_000);

  it("the validator does catch an ordering mistake in one of our documents", async () => {
    const good = envelope(buildCreateItem([{ type: "CalendarItem", item: { uid: "u", start: "2026-01-01T10:00:00Z" } }], {}, "Exchange2010_SP2"));
    const swapped = good.replace(/(<t:UID>u<\/t:UID>)(<t:Start>[^<]*<\/t:Start>)/, "$2$1");
    expect(swapped).not.toBe(good);
    const violations = await ewsSchemaValidator().validate([good, swapped]);
    expect(violations.map((v) => v.document)).toEqual([1]);
  }, 60_000);
});
