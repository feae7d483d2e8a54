import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EWS_SCHEMA_DIR } from "../../../test/harness/ews-schema.js";
import { startEwsSimulator, type EwsSimulator } from "./index.js";
import { codes, find, findAll, soap } from "./soap.test-support.js";
import type { XmlElement } from "./xml.js";

const tag = (hex: string, type: string) => `<t:ExtendedFieldURI PropertyTag="${hex}" PropertyType="${type}"/>`;
const RECURRING = `<t:ExtendedFieldURI DistinguishedPropertySetId="Appointment" PropertyId="33315" PropertyType="Boolean"/>`;
const values = (item: XmlElement | undefined) =>
  Object.fromEntries(findAll(item, "ExtendedProperty").map((p) => {
    const uri = find(p, "ExtendedFieldURI")!.attrs;
    return [uri.PropertyTag ?? `${uri.DistinguishedPropertySetId}:${uri.PropertyId}`, find(p, "Value")?.text];
  }));

describe("EWS simulator: MAPI properties Exchange computes, through ExtendedFieldURI (DavMail's view; issue 13 item 7)", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small" });
  });
  afterAll(() => sim.stop());

  const getFolder = (id: string) => soap(sim.url, `<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>${tag("0x3613", "String")}${tag("0x670a", "SystemTime")}${tag("0x3602", "Integer")}${tag("0x360a", "Boolean")}</t:AdditionalProperties></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="${id}"/></m:FolderIds></m:GetFolder>`);

  it("folders: container class, content count, subfolders and a commit time that moves with their content", async () => {
    const box = sim.mailbox("alice@example.com");
    const before = values(find((await getFolder("calendar")).root, "CalendarFolder"));
    expect(before).toMatchObject({ "0x3613": "IPF.Appointment", "0x3602": String(box.items("calendar").length), "0x360a": "true" });
    expect(before["0x670a"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const contacts = values(find((await getFolder("contacts")).root, "ContactsFolder"));
    expect(contacts).toMatchObject({ "0x3613": "IPF.Contact" });
    const folder = box.folderRecord("calendar");
    folder.contentChanged = 0;
    box.createItem("calendar", "<CalendarItem><Subject>moves the commit time</Subject></CalendarItem>");
    expect(folder.contentChanged).toBeGreaterThan(0);
  });

  it("FindFolder restricts on the container class, as DavMail looks for calendars", async () => {
    const result = await soap(sim.url, `<m:FindFolder Traversal="Shallow"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="folder:DisplayName"/></t:AdditionalProperties></m:FolderShape><m:Restriction><t:IsEqualTo>${tag("0x3613", "String")}<t:FieldURIOrConstant><t:Constant Value="IPF.Appointment"/></t:FieldURIOrConstant></t:IsEqualTo></m:Restriction><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindFolder>`);
    expect(codes(result)).toEqual(["NoError"]);
    expect(findAll(result.root, "DisplayName").map((d) => d.text)).toEqual(["Team Calendar"]);
  });

  it("items: article number (sortable), modification time, message class, subject and PidLidRecurring in a restriction", async () => {
    const box = sim.mailbox("alice@example.com");
    const shape = `<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>${tag("0xe23", "Integer")}${tag("0x3008", "SystemTime")}${tag("0x1a", "String")}${tag("0x37", "String")}${RECURRING}</t:AdditionalProperties></m:ItemShape>`;
    const find = (restriction: string) => soap(sim.url, `<m:FindItem Traversal="Shallow">${shape}<m:IndexedPageItemView MaxEntriesReturned="100" Offset="0" BasePoint="Beginning"/><m:Restriction>${restriction}</m:Restriction><m:SortOrder><t:FieldOrder Order="Descending">${tag("0xe23", "Integer")}</t:FieldOrder></m:SortOrder><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>`);
    const recurring = await find(`<t:IsEqualTo>${RECURRING}<t:FieldURIOrConstant><t:Constant Value="true"/></t:FieldURIOrConstant></t:IsEqualTo>`);
    const items = findAll(recurring.root, "CalendarItem").map(values);
    const masters = box.items("calendar").filter((i) => i.element("Recurrence"));
    expect(items.map((v) => v["0x37"]).sort()).toEqual(masters.map((m) => m.get("Subject")).sort());
    expect(items.every((v) => v["Appointment:33315"] === "true" && v["0x1a"] === "IPM.Appointment" && /Z$/.test(v["0x3008"]!))).toBe(true);
    const numbers = items.map((v) => Number(v["0xe23"]));
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    const single = await find(`<t:IsEqualTo>${RECURRING}<t:FieldURIOrConstant><t:Constant Value="false"/></t:FieldURIOrConstant></t:IsEqualTo>`);
    expect(findAll(single.root, "CalendarItem").length).toBe(box.items("calendar").length - masters.length);
  });

  it("contacts: names, phones, the first e-mail and the business address under their MAPI names", async () => {
    const box = sim.mailbox("alice@example.com");
    const contact = box.createItem("contacts", `<Contact><GivenName>Ada</GivenName><CompanyName>Engines Ltd</CompanyName><EmailAddresses><Entry Key="EmailAddress1">ada@example.org</Entry></EmailAddresses><PhysicalAddresses><Entry Key="Business"><City>London</City></Entry></PhysicalAddresses><PhoneNumbers><Entry Key="MobilePhone">+44 7700 900000</Entry></PhoneNumbers><Surname>Lovelace</Surname></Contact>`);
    const result = await soap(sim.url, `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>${tag("0x3a06", "String")}${tag("0x3a11", "String")}${tag("0x3a16", "String")}${tag("0x3a1c", "String")}${tag("0x3a17", "String")}<t:ExtendedFieldURI DistinguishedPropertySetId="Address" PropertyId="32899" PropertyType="String"/><t:ExtendedFieldURI DistinguishedPropertySetId="Address" PropertyId="32838" PropertyType="String"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${contact.id}"/></m:ItemIds></m:GetItem>`);
    expect(values(find(result.root, "Contact"))).toEqual({
      "0x3a06": "Ada", "0x3a11": "Lovelace", "0x3a16": "Engines Ltd", "0x3a1c": "+44 7700 900000", "Address:32899": "ada@example.org", "Address:32838": "London",
    });
  });

  it("categories as PidNameKeywords (a multi-valued PublicStrings property)", async () => {
    const box = sim.mailbox("alice@example.com");
    const task = box.createItem("tasks", "<Task><Subject>Tagged</Subject><Categories><String>Red</String><String>Blue</String></Categories></Task>");
    const result = await soap(sim.url, `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="Keywords" PropertyType="StringArray"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${task.id}"/></m:ItemIds></m:GetItem>`);
    expect(findAll(find(result.root, "Values"), "Value").map((v) => v.text)).toEqual(["Red", "Blue"]);
  });

  it("sends responses that validate against the official schema", async () => {
    expect(await sim.validateExchanges(EWS_SCHEMA_DIR)).toEqual([]);
  });
});
