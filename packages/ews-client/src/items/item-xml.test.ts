import { describe, expect, it } from "vitest";
import { EwsInputError } from "../errors.js";
import type { CalendarItem } from "../model/calendar-item.js";
import type { Contact } from "../model/contact.js";
import { parseXml } from "../xml/parse.js";
import { fullCalendarItem, fullContact, fullTask } from "../testdata/items.test-support.js";
import { itemChangeDescriptions, itemXml, parseItemElement, type TypedItem } from "./item-xml.js";

const T = 'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"';

function roundTrip(typed: TypedItem, version: "Exchange2010_SP2" | "Exchange2016" | "Exchange2007_SP1" = "Exchange2016"): TypedItem {
  const xml = itemXml(typed, { item: "test", version }).replace(/^<t:(\w+)/, `<t:$1 ${T}`);
  const parsed = parseItemElement(parseXml(xml));
  if (parsed.type === "Unsupported") throw new Error("unsupported");
  return parsed;
}

describe("item serialisation round trip", () => {
  it("keeps every writable contact field (title travels as property 0x3A45)", () => {
    const contact = fullContact();
    const back = roundTrip({ type: "Contact", item: contact });
    expect(back.type).toBe("Contact");
    const got = back.item as Contact;
    expect(got.title).toBe("Dr.");
    const { extendedProperties, ...rest } = got;
    const { extendedProperties: expectedProps, ...expectedRest } = contact;
    expect(rest).toEqual(expectedRest);
    expect(extendedProperties).toEqual([...expectedProps!, { fieldUri: { propertyTag: "0x3A45", propertyType: "String" }, value: "Dr." }]);
  });

  it("keeps every writable task field, including regeneration", () => {
    expect(roundTrip({ type: "Task", item: fullTask() })).toEqual({ type: "Task", item: fullTask() });
  });

  it("keeps every writable calendar field for Exchange 2010+ (MeetingTimeZone only for 2007)", () => {
    const event = fullCalendarItem();
    const back = roundTrip({ type: "CalendarItem", item: event }).item as CalendarItem;
    const { meetingTimeZone, ...expected } = event;
    expect(back).toEqual(expected);
    const old = roundTrip({ type: "CalendarItem", item: event }, "Exchange2007_SP1").item as CalendarItem;
    expect(old.meetingTimeZone).toEqual(meetingTimeZone);
    expect(old.startTimeZone).toBeUndefined();
  });

  it("writes Gender only for servers that know it", () => {
    expect(itemXml({ type: "Contact", item: { gender: "Female" } }, { item: "x", version: "Exchange2010_SP2" })).not.toContain("Gender");
    expect(itemXml({ type: "Contact", item: { gender: "Female" } }, { item: "x", version: "Exchange2016" })).toContain("<t:Gender>Female</t:Gender>");
  });

  it("escapes text and attribute values", () => {
    const xml = itemXml({ type: "Contact", item: { givenName: `<a href="x">&</a>`, emailAddresses: { EmailAddress1: { address: "a@b", name: `"q" & <r>` } } } }, { item: "x", version: "Exchange2010_SP2" });
    expect(xml).toContain("<t:GivenName>&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;</t:GivenName>");
    expect(xml).toContain('Name="&quot;q&quot; &amp; &lt;r&gt;"');
  });
});

describe("bad input names the item and the field", () => {
  const ctx = { item: "CreateItem[7]", version: "Exchange2010_SP2" as const };
  const cases: Array<[TypedItem, string]> = [
    [{ type: "Contact", item: { birthday: "1980-04-01" } }, "birthday"],
    [{ type: "Task", item: { percentComplete: 150 } }, "percentComplete"],
    [{ type: "Task", item: { status: "Done" as never } }, "status"],
    [{ type: "Contact", item: { phoneNumbers: { Fax: "1" } as never } }, "phoneNumbers.Fax"],
    [{ type: "CalendarItem", item: { recurrence: { pattern: { kind: "DailyRegeneration", interval: 1 } as never, range: { kind: "NoEndRecurrence", startDate: "2026-01-01" } } } }, "recurrence.pattern"],
    [{ type: "CalendarItem", item: { recurrence: { pattern: { kind: "WeeklyRecurrence", interval: 1, daysOfWeek: [] }, range: { kind: "NoEndRecurrence", startDate: "2026-01-01" } } } }, "recurrence.pattern.daysOfWeek"],
    [{ type: "CalendarItem", item: { recurrence: { pattern: { kind: "DailyRecurrence", interval: 1 }, range: { kind: "NoEndRecurrence", startDate: "1/1/2026" } } } }, "recurrence.range.startDate"],
    [{ type: "Contact", item: { extendedProperties: [{ fieldUri: { propertyTag: "0x1", propertyName: "x", propertyType: "String" }, value: "v" }] } }, "extendedProperties"],
    [{ type: "Contact", item: { extendedProperties: [{ fieldUri: { propertySetId: "g", propertyType: "String" }, value: "v" }] } }, "extendedProperties"],
    [{ type: "Contact", item: { extendedProperties: [{ fieldUri: { propertyTag: "0x1", propertyType: "StringArray" } }] } }, "extendedProperties"],
    [{ type: "CalendarItem", item: { requiredAttendees: [{ mailbox: { name: "nobody" } }] } }, "requiredAttendees[0]"],
  ];
  it.each(cases)("%j → %s", (typed, field) => {
    let error: unknown;
    try {
      itemXml(typed, ctx);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EwsInputError);
    expect((error as EwsInputError).item).toBe("CreateItem[7]");
    expect((error as EwsInputError).field).toBe(field);
    expect((error as EwsInputError).code).toBe("EWS_INVALID_INPUT");
  });
});

describe("UpdateItem field changes", () => {
  const ctx = { item: "UpdateItem[0]", version: "Exchange2010_SP2" as const };
  const c = (item: Contact): TypedItem => ({ type: "Contact", item });
  const e = (item: CalendarItem): TypedItem => ({ type: "CalendarItem", item });

  it("finds nothing to change between equal items, whatever the read-only fields", () => {
    const a = fullContact();
    const b = { ...fullContact(), itemId: { id: "x", changeKey: "y" }, hasPicture: true, completeName: { title: "Dr." }, itemClass: undefined };
    expect(itemChangeDescriptions(c(a), c(b), ctx)).toEqual([]);
  });

  it("takes a zone wanted by Id alone as the whole definition the server answers for that Id", () => {
    const ctx16 = { item: "UpdateItem[0]", version: "Exchange2016" as const };
    const held = fullCalendarItem();
    const wanted = { ...held, startTimeZone: { id: held.startTimeZone!.id! }, endTimeZone: { id: held.startTimeZone!.id! } };
    expect(itemChangeDescriptions(e({ ...held, endTimeZone: held.startTimeZone! }), e(wanted), ctx16)).toEqual([]);
    const elsewhere = itemChangeDescriptions(e(held), e({ ...held, endTimeZone: { id: "Tokyo Standard Time" } }), ctx16);
    expect(elsewhere).toEqual([
      '<t:SetItemField><t:FieldURI FieldURI="calendar:EndTimeZone"/><t:CalendarItem><t:EndTimeZone Id="Tokyo Standard Time"/></t:CalendarItem></t:SetItemField>',
    ]);
  });

  it("sets changed fields, deletes removed ones", () => {
    const updates = itemChangeDescriptions(c({ givenName: "Ann", surname: "Lee", jobTitle: "x" }), c({ givenName: "Anna", surname: "Lee" }), ctx);
    expect(updates).toEqual([
      '<t:SetItemField><t:FieldURI FieldURI="contacts:GivenName"/><t:Contact><t:GivenName>Anna</t:GivenName></t:Contact></t:SetItemField>',
      '<t:DeleteItemField><t:FieldURI FieldURI="contacts:JobTitle"/></t:DeleteItemField>',
    ]);
  });

  it("changes dictionary entries one by one (phones, e-mails, address parts)", () => {
    const updates = itemChangeDescriptions(
      c({ phoneNumbers: { HomePhone: "1", MobilePhone: "2" }, emailAddresses: { EmailAddress1: { address: "a@x" } }, physicalAddresses: { Home: { city: "A", street: "S" } } }),
      c({ phoneNumbers: { MobilePhone: "3" }, emailAddresses: { EmailAddress1: { address: "a@x" }, EmailAddress2: { address: "b@x" } }, physicalAddresses: { Home: { city: "B", street: "S" } } }),
      ctx,
    );
    expect(updates).toEqual([
      '<t:SetItemField><t:IndexedFieldURI FieldURI="contacts:EmailAddress" FieldIndex="EmailAddress2"/><t:Contact><t:EmailAddresses><t:Entry Key="EmailAddress2">b@x</t:Entry></t:EmailAddresses></t:Contact></t:SetItemField>',
      '<t:SetItemField><t:IndexedFieldURI FieldURI="contacts:PhysicalAddress:City" FieldIndex="Home"/><t:Contact><t:PhysicalAddresses><t:Entry Key="Home"><t:City>B</t:City></t:Entry></t:PhysicalAddresses></t:Contact></t:SetItemField>',
      '<t:DeleteItemField><t:IndexedFieldURI FieldURI="contacts:PhoneNumber" FieldIndex="HomePhone"/></t:DeleteItemField>',
      '<t:SetItemField><t:IndexedFieldURI FieldURI="contacts:PhoneNumber" FieldIndex="MobilePhone"/><t:Contact><t:PhoneNumbers><t:Entry Key="MobilePhone">3</t:Entry></t:PhoneNumbers></t:Contact></t:SetItemField>',
    ]);
  });

  it("writes the title through the extended property and deletes it when removed", () => {
    expect(itemChangeDescriptions(c({}), c({ title: "Dr." }), ctx)).toEqual([
      '<t:SetItemField><t:ExtendedFieldURI PropertyTag="0x3A45" PropertyType="String"/><t:Contact><t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x3A45" PropertyType="String"/><t:Value>Dr.</t:Value></t:ExtendedProperty></t:Contact></t:SetItemField>',
    ]);
    expect(itemChangeDescriptions(c({ title: "Dr." }), c({}), ctx)).toEqual([
      '<t:DeleteItemField><t:ExtendedFieldURI PropertyTag="0x3A45" PropertyType="String"/></t:DeleteItemField>',
    ]);
  });

  it("appends attendees added at the end, sets the list when it changed otherwise", () => {
    const bob = { mailbox: { emailAddress: "bob@x" } };
    const carol = { mailbox: { emailAddress: "carol@x" } };
    const appended = itemChangeDescriptions(e({ requiredAttendees: [bob] }), e({ requiredAttendees: [bob, carol] }), ctx);
    expect(appended).toEqual([
      '<t:AppendToItemField><t:FieldURI FieldURI="calendar:RequiredAttendees"/><t:CalendarItem><t:RequiredAttendees><t:Attendee><t:Mailbox><t:EmailAddress>carol@x</t:EmailAddress></t:Mailbox></t:Attendee></t:RequiredAttendees></t:CalendarItem></t:AppendToItemField>',
    ]);
    const replaced = itemChangeDescriptions(e({ requiredAttendees: [bob, carol] }), e({ requiredAttendees: [carol] }), ctx);
    expect(replaced[0]).toMatch(/^<t:SetItemField><t:FieldURI FieldURI="calendar:RequiredAttendees"\/>/);
  });

  it("refuses to turn one kind into another", () => {
    expect(() => itemChangeDescriptions(c({}), { type: "Task", item: {} }, ctx)).toThrow(EwsInputError);
  });
});

describe("UpdateItem field changes ignore what describes a read", () => {
  it("does not rewrite a body only because the read marked it IsTruncated=false", () => {
    const ctx = { item: "u", version: "Exchange2010_SP2" as const };
    const before: TypedItem = { type: "Task", item: { body: { bodyType: "Text", value: "x", isTruncated: false } } };
    const after: TypedItem = { type: "Task", item: { body: { bodyType: "Text", value: "x" } } };
    expect(itemChangeDescriptions(before, after, ctx)).toEqual([]);
  });
});
