import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EWS_SCHEMA_DIR } from "../../../test/harness/ews-schema.js";
import { startEwsSimulator, type EwsSimulator } from "./index.js";
import { SEQUENCE_OF } from "./schema-order.js";
import { codes, find, findAll, soap } from "./soap.test-support.js";

const GUID = "f8d1b3a2-4c5e-4f60-9a7b-0c1d2e3f4a5b";
const UID_URI = `<t:ExtendedFieldURI PropertySetId="${GUID}" PropertyName="EwsDavUid" PropertyType="String"/>`;
const uidProp = (value: string) => `<t:ExtendedProperty>${UID_URI}<t:Value>${value}</t:Value></t:ExtendedProperty>`;

function itemIds(result: Awaited<ReturnType<typeof soap>>): Array<{ Id: string; ChangeKey: string }> {
  return findAll(result.root, "ItemId").map((i) => ({ Id: i.attrs.Id!, ChangeKey: i.attrs.ChangeKey! }));
}

const getItem = (ids: string, shape = "AllProperties", additional = "") =>
  `<m:GetItem><m:ItemShape><t:BaseShape>${shape}</t:BaseShape>${additional ? `<t:AdditionalProperties>${additional}</t:AdditionalProperties>` : ""}</m:ItemShape><m:ItemIds>${ids}</m:ItemIds></m:GetItem>`;

describe("EWS simulator: items", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small" });
  });
  afterAll(() => sim.stop());

  it("CreateItem creates many items with per-item results, extended properties and generated calendar UIDs", async () => {
    const family = sim.mailbox("alice@example.com").folder("contacts");
    const result = await soap(sim.url, `<m:CreateItem MessageDisposition="SaveOnly" SendMeetingInvitations="SendToNone"><m:SavedItemFolderId><t:FolderId Id="${family.id}"/></m:SavedItemFolderId><m:Items>
      <t:Contact>${uidProp("uid-1")}<t:GivenName>Zoë</t:GivenName><t:EmailAddresses><t:Entry Key="EmailAddress1">zoe@example.org</t:Entry></t:EmailAddresses><t:Surname>O'Hara &amp; Co</t:Surname></t:Contact>
      <t:Contact><t:ItemId Id="AAMkAAA="/><t:GivenName>Refused</t:GivenName></t:Contact>
      <t:Contact>${uidProp("uid-3")}<t:GivenName>Yann</t:GivenName></t:Contact>
      <t:CalendarItem><t:Subject>Planning</t:Subject><t:Start>2026-03-02T09:00:00Z</t:Start><t:End>2026-03-02T10:00:00Z</t:End></t:CalendarItem>
      <t:CalendarItem><t:Subject>Backwards</t:Subject><t:Start>2026-03-02T09:00:00Z</t:Start><t:End>2026-03-02T08:00:00Z</t:End></t:CalendarItem>
    </m:Items></m:CreateItem>`);
    expect(codes(result)).toEqual(["NoError", "ErrorInvalidPropertySet", "NoError", "NoError", "ErrorCalendarEndDateIsEarlierThanStartDate"]);
    const [zoe, yann, planning] = itemIds(result);
    const box = sim.mailbox("alice@example.com");
    expect(box.item(zoe!.Id)?.get("Surname")).toBe("O'Hara & Co");
    expect(box.item(zoe!.Id)?.extendedValue(GUID, "EwsDavUid")).toBe("uid-1");
    expect(box.item(zoe!.Id)?.folderId).toBe(family.id);
    expect(box.item(yann!.Id)?.changeKey).toBe(yann!.ChangeKey);
    expect(box.item(planning!.Id)?.folderId).toBe(box.folder("contacts").id);
    expect(box.item(planning!.Id)?.get("UID")).toMatch(/^040000008200E00074C5B7101A82E008[0-9A-F]+$/);
  });

  it("stores extended properties of every kind: named, by id, by tag and multi-valued", async () => {
    const uris = [
      UID_URI,
      `<t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="X-Custom" PropertyType="String"/>`,
      `<t:ExtendedFieldURI PropertySetId="${GUID}" PropertyId="42" PropertyType="Integer"/>`,
      `<t:ExtendedFieldURI PropertyTag="0x3A45" PropertyType="String"/>`,
      `<t:ExtendedFieldURI PropertySetId="${GUID}" PropertyName="Tags" PropertyType="StringArray"/>`,
    ];
    const props = [
      `<t:ExtendedProperty>${uris[0]}<t:Value>uid-x</t:Value></t:ExtendedProperty>`,
      `<t:ExtendedProperty>${uris[1]}<t:Value>custom</t:Value></t:ExtendedProperty>`,
      `<t:ExtendedProperty>${uris[2]}<t:Value>7</t:Value></t:ExtendedProperty>`,
      `<t:ExtendedProperty>${uris[3]}<t:Value>Dr.</t:Value></t:ExtendedProperty>`,
      `<t:ExtendedProperty>${uris[4]}<t:Values><t:Value>a</t:Value><t:Value>b</t:Value></t:Values></t:ExtendedProperty>`,
    ].join("");
    const created = await soap(sim.url, `<m:CreateItem SendMeetingInvitations="SendToNone"><m:Items><t:Task><t:Subject>T</t:Subject>${props}</t:Task><t:CalendarItem><t:Subject>E</t:Subject>${props}<t:Start>2026-04-01T10:00:00Z</t:Start><t:End>2026-04-01T11:00:00Z</t:End></t:CalendarItem></m:Items></m:CreateItem>`);
    expect(codes(created)).toEqual(["NoError", "NoError"]);
    const ids = itemIds(created).map((i) => `<t:ItemId Id="${i.Id}"/>`).join("");
    const got = await soap(sim.url, getItem(ids, "IdOnly", uris.map((u) => u.replace("0x3A45", "14917")).join("")));
    for (const kind of ["Task", "CalendarItem"]) {
      const item = find(got.root, kind)!;
      const values = findAll(item, "ExtendedProperty").map((p) => findAll(p, "Value").map((v) => v.text).join(","));
      expect(values).toEqual(["uid-x", "custom", "7", "Dr.", "a,b"]);
    }
  });

  it("CreateItem puts items in their default folder and requires SendMeetingInvitations for calendar items", async () => {
    const missing = await soap(sim.url, `<m:CreateItem><m:Items><t:CalendarItem><t:Subject>x</t:Subject></t:CalendarItem><t:Task><t:Subject>Buy milk</t:Subject></t:Task></m:Items></m:CreateItem>`);
    expect(codes(missing)).toEqual(["ErrorSendMeetingInvitationsRequired", "NoError"]);
    const task = itemIds(missing)[0]!;
    expect(sim.mailbox("alice@example.com").item(task.Id)?.folderId).toBe(sim.mailbox("alice@example.com").folder("tasks").id);
  });

  it("GetItem returns the requested shape, properties in schema order, and per-item errors", async () => {
    const box = sim.mailbox("alice@example.com");
    const ann = box.items("contacts")[0]!;
    const gone = box.createItem("contacts", "<Contact><GivenName>Gone</GivenName></Contact>");
    box.deleteItem(gone.id);
    const result = await soap(sim.url, getItem(
      `<t:ItemId Id="${ann.id}"/><t:ItemId Id="${gone.id}"/><t:ItemId Id="@@@"/><t:ItemId Id="${ann.id}" ChangeKey="${ann.changeKey}"/>`,
      "AllProperties",
      `<t:ExtendedFieldURI PropertySetId="c11ff724-aa03-4555-9952-8fa248a11c3e" PropertyName="SeedIndex" PropertyType="String"/>`,
    ));
    expect(codes(result)).toEqual(["NoError", "ErrorItemNotFound", "ErrorInvalidIdMalformed", "NoError"]);
    const contact = find(result.root, "Contact")!;
    const order = SEQUENCE_OF.Contact;
    const positions = contact.children.map((c) => order.indexOf(c.name));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(find(contact, "ExtendedProperty")?.children[1]?.text).toBe("0");
    expect(find(contact, "HasPicture")?.text).toBe("true");
    expect(find(contact, "Attachments")?.children[0]?.name).toBe("FileAttachment");
    const errorMessage = findAll(result.root, "GetItemResponseMessage")[1]!;
    expect(errorMessage.attrs.ResponseClass).toBe("Error");
    expect(find(errorMessage, "Items")?.children).toEqual([]);

    const idOnly = await soap(sim.url, getItem(`<t:ItemId Id="${ann.id}"/>`, "IdOnly", `<t:FieldURI FieldURI="contacts:Surname"/><t:IndexedFieldURI FieldURI="contacts:EmailAddress" FieldIndex="EmailAddress1"/><t:IndexedFieldURI FieldURI="contacts:PhysicalAddress:City" FieldIndex="Business"/>`));
    const only = find(idOnly.root, "Contact")!;
    expect(only.children.map((c) => c.name)).toEqual(["ItemId", "EmailAddresses", "PhysicalAddresses", "Surname"]);
    expect(find(only, "PhysicalAddresses")?.children[0]?.children.map((c) => c.name)).toEqual(["City"]);
    expect(find(only, "ExtendedProperty")).toBeUndefined();
  });

  it("UpdateItem sets, appends and deletes fields, indexed entries and extended properties, bumping the ChangeKey", async () => {
    const box = sim.mailbox("alice@example.com");
    const c = box.createItem("contacts", `<Contact><Body BodyType="Text">Hello</Body><GivenName>Ann</GivenName><EmailAddresses><Entry Key="EmailAddress1">a@x.org</Entry></EmailAddresses><JobTitle>Boss</JobTitle><Surname>Lee</Surname></Contact>`);
    const result = await soap(sim.url, `<m:UpdateItem ConflictResolution="AutoResolve" MessageDisposition="SaveOnly"><m:ItemChanges><t:ItemChange><t:ItemId Id="${c.id}" ChangeKey="${c.changeKey}"/><t:Updates>
      <t:SetItemField><t:FieldURI FieldURI="contacts:GivenName"/><t:Contact><t:GivenName>Anna</t:GivenName></t:Contact></t:SetItemField>
      <t:SetItemField><t:IndexedFieldURI FieldURI="contacts:EmailAddress" FieldIndex="EmailAddress2"/><t:Contact><t:EmailAddresses><t:Entry Key="EmailAddress2">b@x.org</t:Entry></t:EmailAddresses></t:Contact></t:SetItemField>
      <t:SetItemField><t:IndexedFieldURI FieldURI="contacts:PhysicalAddress:City" FieldIndex="Home"/><t:Contact><t:PhysicalAddresses><t:Entry Key="Home"><t:City>Lyon</t:City></t:Entry></t:PhysicalAddresses></t:Contact></t:SetItemField>
      <t:SetItemField><t:IndexedFieldURI FieldURI="contacts:PhysicalAddress:Street" FieldIndex="Home"/><t:Contact><t:PhysicalAddresses><t:Entry Key="Home"><t:Street>1 Rue</t:Street></t:Entry></t:PhysicalAddresses></t:Contact></t:SetItemField>
      <t:AppendToItemField><t:FieldURI FieldURI="item:Body"/><t:Contact><t:Body BodyType="Text"> world</t:Body></t:Contact></t:AppendToItemField>
      <t:DeleteItemField><t:FieldURI FieldURI="contacts:JobTitle"/></t:DeleteItemField>
      <t:SetItemField>${UID_URI}<t:Contact>${uidProp("uid-9")}</t:Contact></t:SetItemField>
    </t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`);
    expect(codes(result)).toEqual(["NoError"]);
    const updated = itemIds(result)[0]!;
    expect(updated.Id).toBe(c.id);
    expect(updated.ChangeKey).not.toBe(c.changeKey);
    const after = box.item(c.id)!;
    expect(after.changeKey).toBe(updated.ChangeKey);
    expect(after.get("GivenName")).toBe("Anna");
    expect(after.get("JobTitle")).toBeUndefined();
    expect(after.get("Body")).toBe("Hello world");
    expect(after.element("EmailAddresses")?.children.map((e) => e.text)).toEqual(["a@x.org", "b@x.org"]);
    expect(after.element("PhysicalAddresses")?.children[0]?.children.map((e) => e.name)).toEqual(["Street", "City"]);
    expect(after.extendedValue(GUID, "EwsDavUid")).toBe("uid-9");

    const removeEntry = await soap(sim.url, `<m:UpdateItem ConflictResolution="AutoResolve"><m:ItemChanges><t:ItemChange><t:ItemId Id="${c.id}" ChangeKey="${after.changeKey}"/><t:Updates><t:DeleteItemField><t:IndexedFieldURI FieldURI="contacts:EmailAddress" FieldIndex="EmailAddress1"/></t:DeleteItemField><t:DeleteItemField>${UID_URI}</t:DeleteItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`);
    expect(codes(removeEntry)).toEqual(["NoError"]);
    expect(box.item(c.id)!.element("EmailAddresses")?.children.map((e) => e.text)).toEqual(["b@x.org"]);
    expect(box.item(c.id)!.extendedValue(GUID, "EwsDavUid")).toBeUndefined();
  });

  it("UpdateItem with a stale ChangeKey fails with ErrorIrresolvableConflict unless AlwaysOverwrite, per item", async () => {
    const box = sim.mailbox("alice@example.com");
    const a = box.createItem("contacts", "<Contact><GivenName>A</GivenName></Contact>");
    const b = box.createItem("contacts", "<Contact><GivenName>B</GivenName></Contact>");
    box.updateItem(a.id, "<Contact><Surname>changed elsewhere</Surname></Contact>");
    const change = (id: string, ck: string | undefined, name: string) =>
      `<t:ItemChange><t:ItemId Id="${id}"${ck ? ` ChangeKey="${ck}"` : ""}/><t:Updates><t:SetItemField><t:FieldURI FieldURI="contacts:GivenName"/><t:Contact><t:GivenName>${name}</t:GivenName></t:Contact></t:SetItemField></t:Updates></t:ItemChange>`;
    const stale = await soap(sim.url, `<m:UpdateItem ConflictResolution="AutoResolve"><m:ItemChanges>${change(a.id, a.changeKey, "A2")}${change(b.id, b.changeKey, "B2")}${change(b.id, undefined, "B3")}</m:ItemChanges></m:UpdateItem>`);
    expect(codes(stale)).toEqual(["ErrorIrresolvableConflict", "NoError", "ErrorChangeKeyRequiredForWriteOperations"]);
    expect(box.item(a.id)?.get("GivenName")).toBe("A");
    expect(box.item(b.id)?.get("GivenName")).toBe("B2");
    const never = await soap(sim.url, `<m:UpdateItem ConflictResolution="NeverOverwrite"><m:ItemChanges>${change(a.id, a.changeKey, "A2")}</m:ItemChanges></m:UpdateItem>`);
    expect(codes(never)).toEqual(["ErrorIrresolvableConflict"]);
    const overwrite = await soap(sim.url, `<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges>${change(a.id, a.changeKey, "A3")}</m:ItemChanges></m:UpdateItem>`);
    expect(codes(overwrite)).toEqual(["NoError"]);
    expect(box.item(a.id)?.get("GivenName")).toBe("A3");
    expect(box.item(a.id)?.get("Surname")).toBe("changed elsewhere");
  });

  it("UpdateItem refuses read-only properties, wrong property counts and properties of other types", async () => {
    const box = sim.mailbox("alice@example.com");
    const c = box.createItem("contacts", "<Contact><GivenName>A</GivenName></Contact>");
    const upd = (inner: string) => `<m:UpdateItem ConflictResolution="AlwaysOverwrite"><m:ItemChanges><t:ItemChange><t:ItemId Id="${c.id}"/><t:Updates>${inner}</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`;
    expect(codes(await soap(sim.url, upd(`<t:SetItemField><t:FieldURI FieldURI="item:DateTimeCreated"/><t:Contact><t:DateTimeCreated>2020-01-01T00:00:00Z</t:DateTimeCreated></t:Contact></t:SetItemField>`)))).toEqual(["ErrorInvalidPropertySet"]);
    expect(codes(await soap(sim.url, upd(`<t:SetItemField><t:FieldURI FieldURI="contacts:GivenName"/><t:Contact><t:GivenName>x</t:GivenName><t:Surname>y</t:Surname></t:Contact></t:SetItemField>`)))).toEqual(["ErrorIncorrectUpdatePropertyCount"]);
    expect(codes(await soap(sim.url, upd(`<t:SetItemField><t:FieldURI FieldURI="calendar:Location"/><t:CalendarItem><t:Location>x</t:Location></t:CalendarItem></t:SetItemField>`)))).toEqual(["ErrorInvalidPropertyRequest"]);
    expect(codes(await soap(sim.url, upd(`<t:SetItemField><t:ExtendedFieldURI PropertySetId="${GUID}" PropertyName="N" PropertyType="Integer"/><t:Contact><t:ExtendedProperty><t:ExtendedFieldURI PropertySetId="${GUID}" PropertyName="N" PropertyType="Integer"/><t:Value>twelve</t:Value></t:ExtendedProperty></t:Contact></t:SetItemField>`)))).toEqual(["ErrorInvalidExtendedPropertyValue"]);
    expect(box.item(c.id)?.get("GivenName")).toBe("A");
  });

  it("DeleteItem deletes per item, moves to Deleted Items on request and checks the required attributes", async () => {
    const box = sim.mailbox("alice@example.com");
    const a = box.createItem("contacts", "<Contact><GivenName>Del A</GivenName></Contact>");
    const b = box.createItem("contacts", "<Contact><GivenName>Del B</GivenName></Contact>");
    const hard = await soap(sim.url, `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="${a.id}"/><t:ItemId Id="${a.id}"/></m:ItemIds></m:DeleteItem>`);
    expect(codes(hard)).toEqual(["NoError", "ErrorItemNotFound"]);
    expect(box.item(a.id)).toBeUndefined();
    const before = box.folder("deleteditems").totalCount;
    expect(codes(await soap(sim.url, `<m:DeleteItem DeleteType="MoveToDeletedItems"><m:ItemIds><t:ItemId Id="${b.id}"/></m:ItemIds></m:DeleteItem>`))).toEqual(["NoError"]);
    expect(box.item(b.id)).toBeUndefined();
    expect(box.folder("deleteditems").totalCount).toBe(before + 1);
    expect(box.items("deleteditems").some((i) => i.get("GivenName") === "Del B")).toBe(true);
    const event = box.items("calendar")[0]!;
    const task = box.items("tasks")[0]!;
    const missing = await soap(sim.url, `<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="${event.id}"/><t:ItemId Id="${task.id}"/></m:ItemIds></m:DeleteItem>`);
    expect(codes(missing)).toEqual(["ErrorSendMeetingCancellationsRequired", "ErrorAffectedTaskOccurrencesRequired"]);
    const withAttrs = await soap(sim.url, `<m:DeleteItem DeleteType="SoftDelete" SendMeetingCancellations="SendToNone" AffectedTaskOccurrences="AllOccurrences"><m:ItemIds><t:ItemId Id="${event.id}"/><t:ItemId Id="${task.id}"/></m:ItemIds></m:DeleteItem>`);
    expect(codes(withAttrs)).toEqual(["NoError", "NoError"]);
  });

  it("MoveItem gives the item a new id in the target folder; sync sees a Delete there and a Create here", async () => {
    const box = sim.mailbox("alice@example.com");
    const from = box.createFolder("contacts", "Move from", "IPF.Contact");
    const to = box.createFolder("contacts", "Move to", "IPF.Contact");
    const a = box.createItem(from.id, `<Contact>${uidProp("moved-uid")}<GivenName>Mover</GivenName></Contact>`);
    const b = box.createItem(from.id, "<Contact><GivenName>Other</GivenName></Contact>");
    const sync = async (folder: string, state?: string) => {
      const r = await soap(sim.url, `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:FolderId Id="${folder}"/></m:SyncFolderId>${state ? `<m:SyncState>${state}</m:SyncState>` : ""}<m:MaxChangesReturned>100</m:MaxChangesReturned></m:SyncFolderItems>`);
      return { state: find(r.root, "SyncState")!.text, changes: find(r.root, "Changes")!.children.map((c) => `${c.name}:${find(c, "ItemId")!.attrs.Id}`) };
    };
    const fromState = (await sync(from.id)).state;
    const toState = (await sync(to.id)).state;
    const moved = await soap(sim.url, `<m:MoveItem><m:ToFolderId><t:FolderId Id="${to.id}"/></m:ToFolderId><m:ItemIds><t:ItemId Id="${a.id}"/><t:ItemId Id="${a.id}"/></m:ItemIds></m:MoveItem>`);
    expect(codes(moved)).toEqual(["NoError", "ErrorItemNotFound"]);
    const newId = find(moved.root, "ItemId")!.attrs.Id!;
    expect(newId).not.toBe(a.id);
    expect(box.item(newId)?.extendedValue(GUID, "EwsDavUid")).toBe("moved-uid");
    const other = box.moveItem(b.id, to.id);
    expect((await sync(from.id, fromState)).changes).toEqual([`Delete:${a.id}`, `Delete:${b.id}`]);
    expect((await sync(to.id, toState)).changes).toEqual([`Create:${newId}`, `Create:${other.id}`]);
  });

  it("CreateAttachment / GetAttachment / DeleteAttachment handle file attachments and contact photos", async () => {
    const box = sim.mailbox("alice@example.com");
    const c = box.createItem("contacts", "<Contact><GivenName>Photo</GivenName></Contact>");
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]).toString("base64");
    const created = await soap(sim.url, `<m:CreateAttachment><m:ParentItemId Id="${c.id}" ChangeKey="${c.changeKey}"/><m:Attachments><t:FileAttachment><t:Name>ContactPicture.jpg</t:Name><t:ContentType>image/jpeg</t:ContentType><t:IsContactPhoto>true</t:IsContactPhoto><t:Content>${png}</t:Content></t:FileAttachment><t:FileAttachment><t:Name>notes.txt</t:Name><t:Content>${Buffer.from("hi").toString("base64")}</t:Content></t:FileAttachment></m:Attachments></m:CreateAttachment>`);
    expect(codes(created)).toEqual(["NoError", "NoError"]);
    const ids = findAll(created.root, "AttachmentId");
    expect(ids[0]?.attrs.RootItemId).toBe(c.id);
    expect(ids[1]?.attrs.RootItemChangeKey).toBe(box.item(c.id)!.changeKey);
    expect(box.item(c.id)!.changeKey).not.toBe(c.changeKey);
    const got = await soap(sim.url, `<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="${ids[0]!.attrs.Id}"/><t:AttachmentId Id="${c.id}"/></m:AttachmentIds></m:GetAttachment>`);
    expect(codes(got)).toEqual(["NoError", "ErrorInvalidIdMalformed"]);
    expect(find(got.root, "Content")?.text).toBe(png);
    expect(find(got.root, "IsContactPhoto")?.text).toBe("true");
    const item = await soap(sim.url, getItem(`<t:ItemId Id="${c.id}"/>`, "IdOnly", `<t:FieldURI FieldURI="contacts:HasPicture"/><t:FieldURI FieldURI="item:Attachments"/>`));
    expect(find(item.root, "HasPicture")?.text).toBe("true");
    const deleted = await soap(sim.url, `<m:DeleteAttachment><m:AttachmentIds><t:AttachmentId Id="${ids[0]!.attrs.Id}"/><t:AttachmentId Id="${ids[0]!.attrs.Id}"/></m:AttachmentIds></m:DeleteAttachment>`);
    expect(codes(deleted)).toEqual(["NoError", "ErrorInvalidAttachmentId"]);
    expect(find(deleted.root, "RootItemId")?.attrs.RootItemId).toBe(c.id);
    expect(box.item(c.id)!.attachments.map((a) => a.name)).toEqual(["notes.txt"]);
  });

  it("FindItem pages with IndexedPageItemView and filters with a restriction", async () => {
    const box = sim.mailbox("alice@example.com");
    const folder = box.createFolder("contacts", "Paging", "IPF.Contact");
    for (let i = 0; i < 23; i++) box.createItem(folder.id, `<Contact><GivenName>P${String(i).padStart(2, "0")}</GivenName><Surname>${i % 2 ? "Odd" : "Even"}</Surname></Contact>`);
    const page = (offset: number, restriction = "") => soap(sim.url, `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="contacts:GivenName"/></t:AdditionalProperties></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="10" Offset="${offset}" BasePoint="Beginning"/>${restriction}<m:SortOrder><t:FieldOrder Order="Descending"><t:FieldURI FieldURI="contacts:GivenName"/></t:FieldOrder></m:SortOrder><m:ParentFolderIds><t:FolderId Id="${folder.id}"/></m:ParentFolderIds></m:FindItem>`);
    const names: string[] = [];
    let offset = 0;
    for (;;) {
      const r = await page(offset);
      const root = find(r.root, "RootFolder")!;
      names.push(...findAll(r.root, "GivenName").map((g) => g.text));
      expect(root.attrs.TotalItemsInView).toBe("23");
      offset = Number(root.attrs.IndexedPagingOffset);
      if (root.attrs.IncludesLastItemInRange === "true") break;
    }
    expect(names).toHaveLength(23);
    expect(names[0]).toBe("P22");
    expect(names[22]).toBe("P00");
    const odd = await page(0, `<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI="contacts:Surname"/><t:FieldURIOrConstant><t:Constant Value="Odd"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction>`);
    expect(find(odd.root, "RootFolder")?.attrs.TotalItemsInView).toBe("11");
  });

  it("computes DisplayName, FileAs and CompleteName of contacts that do not set them", async () => {
    const box = sim.mailbox("alice@example.com");
    const c = box.createItem("contacts", "<Contact><GivenName>Marie</GivenName><MiddleName>S.</MiddleName><Generation>Jr.</Generation><Surname>Curie</Surname></Contact>");
    const result = await soap(sim.url, getItem(`<t:ItemId Id="${c.id}"/>`));
    const contact = find(result.root, "Contact")!;
    expect(find(contact, "DisplayName")?.text).toBe("Marie S. Curie");
    expect(find(contact, "FileAs")?.text).toBe("Curie, Marie");
    expect(find(contact, "CompleteName")?.children.map((n) => `${n.name}=${n.text}`)).toEqual([
      "FirstName=Marie", "MiddleName=S.", "LastName=Curie", "Suffix=Jr.", "FullName=Marie S. Curie",
    ]);
    box.updateItem(c.id, "<Contact><DisplayName>Madame Curie</DisplayName></Contact>");
    const again = await soap(sim.url, getItem(`<t:ItemId Id="${c.id}"/>`, "IdOnly", `<t:FieldURI FieldURI="contacts:DisplayName"/>`));
    expect(find(again.root, "DisplayName")?.text).toBe("Madame Curie");
  });

  it("serves distribution lists found among the contacts", async () => {
    const list = sim.mailbox("alice@example.com").items("contacts").find((i) => i.kind === "DistributionList")!;
    const result = await soap(sim.url, getItem(`<t:ItemId Id="${list.id}"/>`));
    const element = find(result.root, "DistributionList")!;
    expect(find(element, "ItemClass")?.text).toBe("IPM.DistList");
    expect(findAll(element, "Member")).toHaveLength(2);
  });

  it("returns the body in the requested BodyType", async () => {
    const box = sim.mailbox("alice@example.com");
    const html = box.createItem("contacts", `<Contact><Body BodyType="HTML">&lt;html&gt;&lt;body&gt;&lt;p&gt;Tom &amp;amp; Jerry&lt;/p&gt;&lt;/body&gt;&lt;/html&gt;</Body><GivenName>H</GivenName></Contact>`);
    const text = box.createItem("contacts", `<Contact><Body BodyType="Text">a &lt; b</Body><GivenName>T</GivenName></Contact>`);
    const get = (id: string, type: string) => soap(sim.url, `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:BodyType>${type}</t:BodyType><t:AdditionalProperties><t:FieldURI FieldURI="item:Body"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`);
    const itemBody = (r: Awaited<ReturnType<typeof soap>>) => findAll(r.root, "Body").find((b) => b.attrs.BodyType !== undefined);
    const asText = itemBody(await get(html.id, "Text"))!;
    expect(asText.attrs.BodyType).toBe("Text");
    expect(asText.text).toBe("Tom & Jerry");
    expect(itemBody(await get(html.id, "Best"))?.attrs.BodyType).toBe("HTML");
    const asHtml = itemBody(await get(text.id, "HTML"))!;
    expect(asHtml.text).toBe("<html><body>a &lt; b</body></html>");
  });

  it("stores date-times in UTC as Exchange returns them", async () => {
    const box = sim.mailbox("alice@example.com");
    const created = await soap(sim.url, `<m:CreateItem><m:Items><t:Task><t:Subject>Due</t:Subject><t:DueDate>2026-05-01T17:00:00.250+02:00</t:DueDate></t:Task></m:Items></m:CreateItem>`);
    const id = find(created.root, "ItemId")!.attrs.Id!;
    expect(box.item(id)?.get("DueDate")).toBe("2026-05-01T15:00:00Z");
  });

  it("sends responses that validate against the official schema", async () => {
    expect(await sim.validateExchanges(EWS_SCHEMA_DIR)).toEqual([]);
  });
});
