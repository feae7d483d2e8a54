import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EWS_SCHEMA_DIR } from "../../../test/harness/ews-schema.js";
import { startEwsSimulator, type EwsSimulator, type SimItemInfo } from "./index.js";
import { codes, find, findAll, soap } from "./soap.test-support.js";

const getItem = (ids: string, shape = "AllProperties") =>
  `<m:GetItem><m:ItemShape><t:BaseShape>${shape}</t:BaseShape></m:ItemShape><m:ItemIds>${ids}</m:ItemIds></m:GetItem>`;
const occurrence = (master: SimItemInfo, index: number, changeKey = "") =>
  `<t:OccurrenceItemId RecurringMasterId="${master.id}"${changeKey ? ` ChangeKey="${changeKey}"` : ""} InstanceIndex="${index}"/>`;

describe("EWS simulator: recurring series, occurrences and exceptions", () => {
  let sim: EwsSimulator;
  let master: SimItemInfo;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small" });
    master = sim.mailbox("alice@example.com").items("calendar").find((i) => i.get("Subject") === "Weekly sync")!;
  });
  afterAll(() => sim.stop());

  it("GetItem on a master returns Recurrence, First/LastOccurrence, ModifiedOccurrences and DeletedOccurrences", async () => {
    const result = await soap(sim.url, getItem(`<t:ItemId Id="${master.id}"/>`));
    const item = find(result.root, "CalendarItem")!;
    expect(find(item, "CalendarItemType")?.text).toBe("RecurringMaster");
    expect(find(item, "WeeklyRecurrence")).toBeDefined();
    expect(find(find(item, "FirstOccurrence"), "Start")?.text).toBe("2026-01-05T09:00:00Z");
    expect(find(find(item, "LastOccurrence"), "Start")?.text).toBe("2026-03-09T09:00:00Z");
    const modified = findAll(find(item, "ModifiedOccurrences"), "Occurrence");
    expect(modified.map((o) => find(o, "OriginalStart")?.text)).toEqual(["2026-01-19T09:00:00Z"]);
    expect(find(modified[0], "Start")?.text).toBe("2026-01-19T11:00:00Z");
    expect(findAll(find(item, "DeletedOccurrences"), "Start").map((s) => s.text)).toEqual(["2026-02-02T09:00:00Z"]);
  });

  it("addresses occurrences by InstanceIndex, with typed errors for deleted and out-of-range ones", async () => {
    const result = await soap(sim.url, getItem(`${occurrence(master, 2)}${occurrence(master, 3)}${occurrence(master, 5)}${occurrence(master, 11)}`));
    expect(codes(result)).toEqual(["NoError", "NoError", "ErrorCalendarOccurrenceIsDeletedFromRecurrence", "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange"]);
    const [plain, exception] = findAll(result.root, "CalendarItem");
    expect(find(plain, "CalendarItemType")?.text).toBe("Occurrence");
    expect(find(plain, "RecurrenceId")?.text).toBe("2026-01-12T09:00:00Z");
    expect(find(plain, "Start")?.text).toBe("2026-01-12T09:00:00Z");
    expect(find(plain, "Recurrence")).toBeUndefined();
    expect(find(plain, "UID")?.text).toBe(master.get("UID"));
    expect(find(exception, "CalendarItemType")?.text).toBe("Exception");
    expect(find(exception, "Subject")?.text).toBe("Weekly sync (moved)");
    const occurrenceId = find(plain, "ItemId")!.attrs.Id!;
    expect(occurrenceId).not.toBe(master.id);
    const byId = await soap(sim.url, getItem(`<t:ItemId Id="${occurrenceId}"/><t:RecurringMasterItemId OccurrenceId="${occurrenceId}"/>`, "IdOnly"));
    expect(findAll(byId.root, "ItemId").map((i) => i.attrs.Id)).toEqual([occurrenceId, master.id]);
  });

  it("UpdateItem on an occurrence creates an exception and updates the master, seen by sync as one Update", async () => {
    const box = sim.mailbox("alice@example.com");
    const calendar = box.folder("calendar").id;
    const sync = (state = "") => soap(sim.url, `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:FolderId Id="${calendar}"/></m:SyncFolderId>${state ? `<m:SyncState>${state}</m:SyncState>` : ""}<m:MaxChangesReturned>100</m:MaxChangesReturned></m:SyncFolderItems>`);
    const state = find((await sync()).root, "SyncState")!.text;
    const current = box.item(master.id)!;
    const result = await soap(sim.url, `<m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange>${occurrence(master, 4, current.changeKey)}<t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>Special edition</t:Subject></t:CalendarItem></t:SetItemField><t:SetItemField><t:FieldURI FieldURI="calendar:Location"/><t:CalendarItem><t:Location>Roof</t:Location></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`);
    expect(codes(result)).toEqual(["NoError"]);
    const after = box.item(master.id)!;
    expect(after.changeKey).not.toBe(current.changeKey);
    expect(after.modifiedOccurrences).toEqual(["2026-01-19T09:00:00Z", "2026-01-26T09:00:00Z"]);
    const changes = find((await sync(state)).root, "Changes")!.children;
    expect(changes.map((c) => `${c.name}:${find(c, "ItemId")?.attrs.Id}`)).toEqual([`Update:${master.id}`]);
    const stale = await soap(sim.url, `<m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange>${occurrence(master, 6, current.changeKey)}<t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>x</t:Subject></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`);
    expect(codes(stale)).toEqual(["ErrorIrresolvableConflict"]);
    const notAllowed = await soap(sim.url, `<m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange>${occurrence(master, 6)}<t:Updates><t:SetItemField><t:FieldURI FieldURI="calendar:UID"/><t:CalendarItem><t:UID>x</t:UID></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`);
    expect(codes(notAllowed)).toEqual(["ErrorInvalidPropertyForOperation"]);
  });

  it("UpdateItem on an occurrence accepts StartTimeZone/EndTimeZone with a move, as Exchange does (issue 13 item 7), and still refuses Recurrence", async () => {
    const box = sim.mailbox("alice@example.com");
    const series = box.createItem("calendar", `<CalendarItem><Subject>Zoned</Subject><Start>2026-02-02T09:00:00Z</Start><End>2026-02-02T10:00:00Z</End><Recurrence><WeeklyRecurrence><Interval>1</Interval><DaysOfWeek>Monday</DaysOfWeek></WeeklyRecurrence><NumberedRecurrence><StartDate>2026-02-02</StartDate><NumberOfOccurrences>4</NumberOfOccurrences></NumberedRecurrence></Recurrence></CalendarItem>`);
    const current = series;
    const zone = (name: string) => `<t:SetItemField><t:FieldURI FieldURI="calendar:${name}"/><t:CalendarItem><t:${name} Id="W. Europe Standard Time"/></t:CalendarItem></t:SetItemField>`;
    const time = (name: string, value: string) => `<t:SetItemField><t:FieldURI FieldURI="calendar:${name}"/><t:CalendarItem><t:${name}>${value}</t:${name}></t:CalendarItem></t:SetItemField>`;
    const moved = await soap(sim.url, `<m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange>${occurrence(series, 3, current.changeKey)}<t:Updates>${time("Start", "2026-02-16T15:00:00+01:00")}${zone("StartTimeZone")}${time("End", "2026-02-16T16:00:00+01:00")}${zone("EndTimeZone")}</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`);
    expect(codes(moved)).toEqual(["NoError"]);
    const got = await soap(sim.url, getItem(occurrence(series, 3)));
    const item = find(got.root, "CalendarItem")!;
    expect(find(item, "CalendarItemType")?.text).toBe("Exception");
    expect(find(item, "Start")?.text).toBe("2026-02-16T14:00:00Z");
    expect(find(item, "StartTimeZone")?.attrs.Id).toBe("W. Europe Standard Time");
    expect(find(item, "EndTimeZone")?.attrs.Id).toBe("W. Europe Standard Time");
    const after = box.item(series.id)!;
    const recurrence = await soap(sim.url, `<m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange>${occurrence(series, 3, after.changeKey)}<t:Updates><t:SetItemField><t:FieldURI FieldURI="calendar:Recurrence"/><t:CalendarItem><t:Recurrence><t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence><t:NoEndRecurrence><t:StartDate>2026-01-05</t:StartDate></t:NoEndRecurrence></t:Recurrence></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`);
    expect(codes(recurrence)).toEqual(["ErrorInvalidPropertyForOperation"]);
  });

  it("DeleteItem on an occurrence adds it to DeletedOccurrences, also for a modified one", async () => {
    const box = sim.mailbox("alice@example.com");
    const result = await soap(sim.url, `<m:DeleteItem DeleteType="HardDelete" SendMeetingCancellations="SendToNone"><m:ItemIds>${occurrence(master, 6)}${occurrence(master, 4)}${occurrence(master, 5)}</m:ItemIds></m:DeleteItem>`);
    expect(codes(result)).toEqual(["NoError", "NoError", "ErrorCalendarOccurrenceIsDeletedFromRecurrence"]);
    const after = box.item(master.id)!;
    expect(after.deletedOccurrences).toEqual(["2026-01-26T09:00:00Z", "2026-02-02T09:00:00Z", "2026-02-09T09:00:00Z"]);
    expect(after.modifiedOccurrences).toEqual(["2026-01-19T09:00:00Z"]);
  });

  it("FindItem with a CalendarView expands series into occurrences and exceptions, without masters", async () => {
    const result = await soap(sim.url, `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="calendar:RecurrenceId"/></t:AdditionalProperties></m:ItemShape><m:CalendarView StartDate="2026-01-01T00:00:00Z" EndDate="2026-02-01T00:00:00Z"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>`);
    const items = findAll(result.root, "CalendarItem");
    const summary = items.map((i) => `${find(i, "Start")?.text.slice(0, 10)} ${find(i, "CalendarItemType")?.text} ${find(i, "Subject")?.text}`);
    expect(summary).toEqual([
      "2026-01-05 Occurrence Weekly sync",
      "2026-01-05 Occurrence Monthly review",
      "2026-01-07 Single Kick-off",
      "2026-01-09 Single Company holiday",
      "2026-01-12 Occurrence Weekly sync",
      "2026-01-19 Exception Weekly sync (moved)",
    ]);
    expect(find(result.root, "RootFolder")?.attrs).toMatchObject({ TotalItemsInView: "6", IncludesLastItemInRange: "true" });
    const limited = await soap(sim.url, `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:CalendarView MaxEntriesReturned="2" StartDate="2026-01-01T00:00:00Z" EndDate="2026-02-01T00:00:00Z"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>`);
    expect(find(limited.root, "RootFolder")?.attrs.IncludesLastItemInRange).toBe("false");
    expect(findAll(limited.root, "ItemId")).toHaveLength(2);
  });

  it("changing the master's recurrence removes its exceptions and deleted occurrences", async () => {
    const box = sim.mailbox("alice@example.com");
    box.updateItem(master.id, `<CalendarItem><Recurrence><DailyRecurrence><Interval>1</Interval></DailyRecurrence><NumberedRecurrence><StartDate>2026-01-05</StartDate><NumberOfOccurrences>3</NumberOfOccurrences></NumberedRecurrence></Recurrence></CalendarItem>`);
    const after = box.item(master.id)!;
    expect(after.modifiedOccurrences).toEqual([]);
    expect(after.deletedOccurrences).toEqual([]);
    const result = await soap(sim.url, getItem(occurrence(master, 3) + occurrence(master, 4), "IdOnly"));
    expect(codes(result)).toEqual(["NoError", "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange"]);
  });

  it("CreateItem validates recurrences and stores recurring tasks", async () => {
    const result = await soap(sim.url, `<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items>
      <t:CalendarItem><t:Subject>Bad</t:Subject><t:Start>2026-01-05T09:00:00Z</t:Start><t:End>2026-01-05T10:00:00Z</t:End><t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence><t:EndDateRecurrence><t:StartDate>2026-01-05</t:StartDate><t:EndDate>2025-01-01</t:EndDate></t:EndDateRecurrence></t:Recurrence></t:CalendarItem>
      <t:Task><t:Subject>Water plants</t:Subject><t:Recurrence><t:DailyRegeneration><t:Interval>3</t:Interval></t:DailyRegeneration><t:NoEndRecurrence><t:StartDate>2026-01-05</t:StartDate></t:NoEndRecurrence></t:Recurrence></t:Task>
    </m:Items></m:CreateItem>`);
    expect(codes(result)).toEqual(["ErrorCalendarInvalidRecurrence", "NoError"]);
    const taskId = findAll(result.root, "ItemId")[0]!.attrs.Id!;
    const task = await soap(sim.url, getItem(`<t:ItemId Id="${taskId}"/>`));
    expect(find(task.root, "IsRecurring")?.text).toBe("true");
    expect(find(task.root, "DailyRegeneration")).toBeDefined();
  });

  it("expands a series in its StartTimeZone, or the TimeZoneContext's zone when none is given", async () => {
    const create = (zone: string, header = "") => soap(sim.url, `<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:CalendarItem><t:Subject>Standup</t:Subject><t:Start>2026-03-23T09:00:00+01:00</t:Start><t:End>2026-03-23T09:15:00+01:00</t:End><t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday</t:DaysOfWeek></t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>2026-03-23</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>${zone}</t:CalendarItem></m:Items></m:CreateItem>`, header ? { header } : {});
    const explicit = await create(`<t:StartTimeZone Id="W. Europe Standard Time"/><t:EndTimeZone Id="W. Europe Standard Time"/>`);
    const fromContext = await create("", `<t:RequestServerVersion Version="Exchange2013_SP1"/><t:TimeZoneContext><t:TimeZoneDefinition Id="W. Europe Standard Time"/></t:TimeZoneContext>`);
    const utc = await create("");
    const starts = async (created: Awaited<ReturnType<typeof soap>>) => {
      const id = find(created.root, "ItemId")!.attrs.Id!;
      const got = await soap(sim.url, getItem(`<t:ItemId Id="${id}"/>${[1, 2, 3].map((i) => `<t:OccurrenceItemId RecurringMasterId="${id}" InstanceIndex="${i}"/>`).join("")}`));
      return findAll(got.root, "CalendarItem").map((c) => find(c, "Start")?.text);
    };
    expect(await starts(explicit)).toEqual(["2026-03-23T08:00:00Z", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"]);
    expect(await starts(fromContext)).toEqual(["2026-03-23T08:00:00Z", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"]);
    expect(await starts(utc)).toEqual(["2026-03-23T08:00:00Z", "2026-03-23T08:00:00Z", "2026-03-30T08:00:00Z", "2026-04-06T08:00:00Z"]);
    const id = find(explicit.root, "ItemId")!.attrs.Id!;
    const master = await soap(sim.url, getItem(`<t:ItemId Id="${id}"/>`));
    const zone = find(master.root, "StartTimeZone")!;
    expect(zone.attrs.Id).toBe("W. Europe Standard Time");
    expect(findAll(zone, "Period").map((p) => p.attrs.Name)).toEqual(["Standard", "Daylight"]);
    expect(findAll(zone, "RecurringDayTransition")).toHaveLength(2);
  });

  it("sends responses that validate against the official schema", async () => {
    expect(await sim.validateExchanges(EWS_SCHEMA_DIR)).toEqual([]);
  });
});
