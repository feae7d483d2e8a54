/**
 * The EWS client against the EWS simulator over real HTTP on loopback: folder discovery, full and
 * incremental sync, batched item operations with partial failures, conflicts, throttling and
 * transport faults, hostile responses. Every exchange is validated against the official schema.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  basicAuth,
  EwsClient,
  EwsInputError,
  type EwsError,
  EwsResponseError,
  HttpError,
  InvalidSyncStateError,
  isEwsError,
  ResponseTooLargeError,
  TransportError,
  XmlSecurityError,
  type CalendarItem,
  type Contact,
  type EwsClientOptions,
  type ItemId,
  type ParsedItem,
  type RetryEvent,
  type Task,
  type TypedItem,
} from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { EWS_SCHEMA_DIR } from "../../../test/harness/ews-schema.js";
import { itemChangeDescriptions, DISPLAY_NAME_PREFIX_PROPERTY, type ExchangeVersion } from "@ewsdav/ews-client";
import { fullCalendarItem, fullContact, fullTask, TEST_PROPERTY_SET } from "../src/testdata/items.test-support.js";

const USER = "alice@example.com";
const PASSWORD = "secret";
const UID_PROPERTY = { propertySetId: "c11ff724-aa03-4555-9952-8fa248a11c3e", propertyName: "ewsdav-uid", propertyType: "String" } as const;

let sim: EwsSimulator;
const clients: EwsClient[] = [];

function client(options: Partial<EwsClientOptions> = {}): EwsClient {
  const c = new EwsClient({
    url: sim.url,
    auth: basicAuth({ username: USER, password: PASSWORD }),
    mailbox: USER,
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
    ...options,
  });
  clients.push(c);
  return c;
}

function contactOf(result: ParsedItem | EwsError | undefined): Contact {
  if (!result || isEwsError(result) || result.type !== "Contact") throw new Error(`expected a contact, got ${String(result)}`);
  return result.item;
}

beforeAll(async () => {
  sim = await startEwsSimulator({ seed: "small" });
});

afterEach(async () => {
  sim.faults.clear();
  const violations = await sim.validateExchanges(EWS_SCHEMA_DIR);
  sim.clearExchanges();
  expect(violations.map((v) => `${v.side} ${v.operation}: ${v.message}`)).toEqual([]);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim?.stop();
});

describe("folders", () => {
  it("discovers contact, calendar and task folders, also under the public folders root", async () => {
    const ews = client();
    const contacts = await ews.findFolder({ folderClass: "IPF.Contact" });
    expect(contacts.map((f) => f.displayName)).toEqual(expect.arrayContaining(["Contacts", "Family"]));
    expect(contacts.every((f) => f.kind === "ContactsFolder" && f.folderClass === "IPF.Contact")).toBe(true);
    const calendars = await ews.findFolder({ folderClass: "IPF.Appointment", traversal: "Shallow" });
    expect(calendars.length).toBeGreaterThan(0);
    const tasks = await ews.findFolder({ folderClass: "IPF.Task" });
    expect(tasks.map((f) => f.displayName)).toContain("Tasks");
    const publicContacts = await ews.findFolder({ parent: { distinguishedId: "publicfoldersroot" }, folderClass: "IPF.Contact" });
    expect(publicContacts.length).toBeGreaterThan(0);
    const [root, contactsFolder, missing] = await ews.getFolder([{ distinguishedId: "msgfolderroot" }, { distinguishedId: "contacts" }, { id: "AAMkAGnotafolder=" }]);
    expect(isEwsError(root)).toBe(false);
    expect(contactsFolder).toMatchObject({ kind: "ContactsFolder", folderClass: "IPF.Contact" });
    expect(missing).toBeInstanceOf(EwsResponseError);
    expect((missing as EwsResponseError).index).toBe(2);
    expect(ews.serverVersion?.majorVersion).toBe(15);
  });

  it("creates folders and follows the hierarchy incrementally", async () => {
    const ews = client();
    let hierarchy = await ews.syncFolderHierarchy(undefined);
    while (!hierarchy.includesLastFolderInRange) hierarchy = await ews.syncFolderHierarchy(hierarchy.syncState);
    const created = await ews.createFolder({ distinguishedId: "contacts" }, [{ displayName: "Partners & Co", folderClass: "IPF.Contact" }, { displayName: "Trips", kind: "CalendarFolder" }]);
    expect(created.every((r) => !isEwsError(r))).toBe(true);
    sim.mailbox(USER).createFolder("tasks", "Made elsewhere", "IPF.Task");
    const next = await ews.syncFolderHierarchy(hierarchy.syncState);
    const names = next.changes.filter((c) => c.type === "Create").map((c) => (c.type === "Create" ? c.folder.displayName : ""));
    expect(names.sort()).toEqual(["Made elsewhere", "Partners & Co", "Trips"]);
    const found = await ews.findFolder({ folderClass: "IPF.Contact" });
    expect(found.map((f) => f.displayName)).toContain("Partners & Co");
  });
});

describe("sync", () => {
  it("syncs more than 512 changes in pages, then exactly the changes made by another client", async () => {
    const box = sim.mailbox(USER);
    const folder = box.createFolder("msgfolderroot", "Bulk contacts", "IPF.Contact");
    for (let i = 0; i < 1100; i++) box.createItem(folder.id, `<Contact><GivenName>Bulk${i}</GivenName><Surname>Person</Surname></Contact>`);
    const ews = client();
    const pages: number[] = [];
    const ids: ItemId[] = [];
    let state: string | undefined;
    for await (const page of ews.syncFolderItemsPages({ folder: { id: folder.id }, maxChangesReturned: 512 })) {
      pages.push(page.changes.length);
      ids.push(...page.changes.map((c) => c.itemId));
      expect(page.changes.every((c) => c.type === "Create")).toBe(true);
      state = page.syncState;
    }
    expect(pages).toEqual([512, 512, 76]);
    expect(new Set(ids.map((i) => i.id)).size).toBe(1100);

    // Nothing changed: one request, no changes.
    const before = sim.requestCount("SyncFolderItems");
    const quiet = await ews.syncFolderItems({ folder: { id: folder.id }, syncState: state! });
    expect(quiet).toMatchObject({ includesLastItemInRange: true, changes: [] });
    expect(sim.requestCount("SyncFolderItems") - before).toBe(1);

    // Another client edits, deletes and creates.
    const edited = ids.slice(0, 5).map((id) => box.updateItem(id.id, "<Contact><JobTitle>Edited</JobTitle></Contact>").id);
    const deleted = ids.slice(10, 13).map((id) => id.id);
    for (const id of deleted) box.deleteItem(id);
    const createdElsewhere = [box.createItem(folder.id, "<Contact><GivenName>New1</GivenName></Contact>").id, box.createItem(folder.id, "<Contact><GivenName>New2</GivenName></Contact>").id];
    const delta = await ews.syncFolderItems({ folder: { id: folder.id }, syncState: state! });
    const byType = (t: string) => delta.changes.filter((c) => c.type === t).map((c) => c.itemId.id).sort();
    expect(byType("Update")).toEqual([...edited].sort());
    expect(byType("Delete")).toEqual([...deleted].sort());
    expect(byType("Create")).toEqual([...createdElsewhere].sort());
    expect(delta.includesLastItemInRange).toBe(true);

    // Batched GetItem of everything: 50 per request, one bad id fails alone.
    const live = ids.filter((id) => !deleted.includes(id.id));
    const requestsBefore = sim.requestCount("GetItem");
    const withBad = [...live.slice(0, 60), { id: "AAMkAGbogus=" }, ...live.slice(60)];
    const results = await ews.getItem(withBad);
    expect(sim.requestCount("GetItem") - requestsBefore).toBe(Math.ceil(withBad.length / 50));
    expect(results).toHaveLength(withBad.length);
    expect(results[60]).toBeInstanceOf(EwsResponseError);
    expect((results[60] as EwsResponseError).index).toBe(60);
    expect(results.filter(isEwsError)).toHaveLength(1);
    expect(contactOf(results[0]).jobTitle).toBe("Edited");
    expect(contactOf(results[100]).surname).toBe("Person");
  }, 60_000);

  it("pages FindItem with IndexedPageItemView until the last item, also in a public folder", async () => {
    const box = sim.mailbox(USER);
    const folder = box.createFolder("msgfolderroot", "Paged tasks", "IPF.Task");
    for (let i = 0; i < 250; i++) box.createItem(folder.id, `<Task><Subject>Paged ${i}</Subject></Task>`);
    const ews = client();
    const before = sim.requestCount("FindItem");
    const items = await ews.findItem({ folder: { id: folder.id }, pageSize: 100, shape: { baseShape: "IdOnly", additionalProperties: [{ fieldUri: "item:Subject" }] } });
    expect(sim.requestCount("FindItem") - before).toBe(3);
    expect(items).toHaveLength(250);
    expect(new Set(items.map((i) => (i.type === "Task" ? i.item.subject : ""))).size).toBe(250);
    const [publicContacts] = await ews.findFolder({ parent: { distinguishedId: "publicfoldersroot" }, folderClass: "IPF.Contact" });
    const publicItems = await ews.findItem({ folder: publicContacts!.folderId, pageSize: 2 });
    expect(publicItems.length).toBeGreaterThan(0);
  });

  it("surfaces a rejected sync state as InvalidSyncStateError", async () => {
    const ews = client();
    const error = await ews.syncFolderItems({ folder: { distinguishedId: "contacts" }, syncState: "bm90IGEgc3RhdGU=" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSyncStateError);
  });
});

describe("writes", () => {
  it("creates contacts, tasks and events in one batch, an invalid item failing alone, and reads them back", async () => {
    const ews = client();
    const contact: Contact = {
      givenName: "Zoë",
      surname: "O'Brien <test>",
      title: "Dr.",
      generation: "Jr.",
      emailAddresses: { EmailAddress1: { address: "zoe@example.com", name: "Zoë" } },
      phoneNumbers: { MobilePhone: "+49 1", BusinessFax: "+49 2" },
      physicalAddresses: { Home: { street: "Weg 1", city: "Köln", postalCode: "50667", countryOrRegion: "DE" } },
      birthday: "1990-05-17T00:00:00Z",
      body: { bodyType: "Text", value: "a & b" },
      categories: ["One", "Two"],
      extendedProperties: [{ fieldUri: UID_PROPERTY, value: "uid-zoe" }],
    };
    const task: Task = {
      subject: "Water plants",
      dueDate: "2026-12-01T00:00:00Z",
      status: "InProgress",
      percentComplete: 40,
      recurrence: { pattern: { kind: "WeeklyRegeneration", interval: 1 }, range: { kind: "NoEndRecurrence", startDate: "2026-11-01" } },
    };
    const event: CalendarItem = {
      subject: "Planning",
      uid: "ewsdav-test-uid-1@example.com",
      start: "2026-12-01T09:00:00Z",
      end: "2026-12-01T10:00:00Z",
      location: "Room 4",
      reminderIsSet: true,
      reminderMinutesBeforeStart: 10,
      startTimeZone: { id: "W. Europe Standard Time" },
      endTimeZone: { id: "W. Europe Standard Time" },
      requiredAttendees: [{ mailbox: { emailAddress: "bob@example.com", name: "Bob" } }],
      recurrence: { pattern: { kind: "WeeklyRecurrence", interval: 1, daysOfWeek: ["Tuesday"] }, range: { kind: "NumberedRecurrence", startDate: "2026-12-01", numberOfOccurrences: 5 } },
    };
    const items: TypedItem[] = [
      { type: "Contact", item: contact },
      { type: "Task", item: task },
      { type: "Contact", item: { givenName: "Bad", birthday: "yesterday" } },
      { type: "CalendarItem", item: event },
    ];
    const created = await ews.createItem(items);
    expect(created[2]).toBeInstanceOf(EwsInputError);
    expect((created[2] as EwsInputError).field).toBe("birthday");
    const ids = created.filter((r): r is ItemId => !isEwsError(r));
    expect(ids).toHaveLength(3);
    const [c, t, e] = await ews.getItem(ids, { shape: { baseShape: "AllProperties", additionalProperties: [{ extended: UID_PROPERTY }] } });
    expect(contactOf(c)).toMatchObject({
      givenName: "Zoë",
      surname: "O'Brien <test>",
      generation: "Jr.",
      emailAddresses: { EmailAddress1: { address: "zoe@example.com" } },
      phoneNumbers: { MobilePhone: "+49 1", BusinessFax: "+49 2" },
      physicalAddresses: { Home: { street: "Weg 1", city: "Köln", postalCode: "50667", countryOrRegion: "DE" } },
      birthday: "1990-05-17T00:00:00Z",
      categories: ["One", "Two"],
      extendedProperties: [{ fieldUri: UID_PROPERTY, value: "uid-zoe" }],
    });
    expect(t).toMatchObject({ type: "Task", item: { subject: "Water plants", status: "InProgress", percentComplete: 40, recurrence: task.recurrence } });
    expect(e).toMatchObject({ type: "CalendarItem", item: { uid: event.uid, calendarItemType: "RecurringMaster", recurrence: event.recurrence, location: "Room 4" } });
  });

  it("updates from field diffs with change keys: stale keys conflict, unchanged items cost nothing, partial failures stay per item", async () => {
    const ews = client();
    const box = sim.mailbox(USER);
    const a = box.createItem("contacts", "<Contact><GivenName>Ann</GivenName><Surname>Lee</Surname><JobTitle>Dev</JobTitle></Contact>");
    const b = box.createItem("contacts", "<Contact><GivenName>Ben</GivenName></Contact>");
    const c = box.createItem("contacts", "<Contact><GivenName>Cid</GivenName></Contact>");
    const [ra, rb, rc] = await ews.getItem([{ id: a.id }, { id: b.id }, { id: c.id }]);
    const annBefore = contactOf(ra);
    const benBefore = contactOf(rb);
    const cidBefore = contactOf(rc);
    // Another client changes Ben: our change key for Ben is now stale.
    box.updateItem(b.id, "<Contact><Surname>Changed elsewhere</Surname></Contact>");
    const requests = sim.requestCount("UpdateItem");
    const results = await ews.updateItem([
      { target: annBefore.itemId!, before: { type: "Contact", item: annBefore }, after: { type: "Contact", item: { ...annBefore, givenName: "Anna", jobTitle: undefined, phoneNumbers: { MobilePhone: "+1 5" } } } },
      { target: benBefore.itemId!, before: { type: "Contact", item: benBefore }, after: { type: "Contact", item: { ...benBefore, givenName: "Benjamin" } } },
      { target: cidBefore.itemId!, before: { type: "Contact", item: cidBefore }, after: { type: "Contact", item: { ...cidBefore } } },
      { target: { id: c.id }, before: { type: "Contact", item: cidBefore }, after: { type: "Contact", item: { ...cidBefore, surname: "X" } } },
    ]);
    expect(sim.requestCount("UpdateItem") - requests).toBe(1);
    expect(results[0]).toMatchObject({ unchanged: false, itemId: { id: a.id } });
    expect((results[0] as { itemId: ItemId }).itemId.changeKey).not.toBe(annBefore.itemId!.changeKey);
    expect(results[1]).toBeInstanceOf(EwsResponseError);
    expect(results[1]).toMatchObject({ responseCode: "ErrorIrresolvableConflict", index: 1 });
    expect(results[2]).toEqual({ itemId: cidBefore.itemId, unchanged: true });
    expect(results[3]).toBeInstanceOf(EwsInputError);
    const ann = box.item(a.id)!;
    expect([ann.get("GivenName"), ann.get("JobTitle"), ann.get("Surname")]).toEqual(["Anna", undefined, "Lee"]);
    expect(box.item(b.id)!.get("GivenName")).toBe("Ben");
    // AlwaysOverwrite wins over the stale key.
    const forced = await ews.updateItem(
      [{ target: benBefore.itemId!, before: { type: "Contact", item: benBefore }, after: { type: "Contact", item: { ...benBefore, givenName: "Benjamin" } } }],
      { conflictResolution: "AlwaysOverwrite" },
    );
    expect(isEwsError(forced[0])).toBe(false);
    expect(box.item(b.id)!.get("GivenName")).toBe("Benjamin");
  });

  it("deletes in batches with per-item results, and addresses occurrences of a series", async () => {
    const ews = client();
    const [master] = await ews.createItem([
      {
        type: "CalendarItem",
        item: {
          subject: "Daily",
          start: "2026-03-02T08:00:00Z",
          end: "2026-03-02T08:30:00Z",
          recurrence: { pattern: { kind: "DailyRecurrence", interval: 1 }, range: { kind: "NumberedRecurrence", startDate: "2026-03-02", numberOfOccurrences: 5 } },
        },
      },
    ]);
    const masterId = master as ItemId;
    const [got] = await ews.getItem([masterId]);
    const event = (got as { item: CalendarItem }).item;
    const moved = await ews.updateItem([
      {
        target: { recurringMasterId: masterId.id, changeKey: event.itemId!.changeKey!, instanceIndex: 2 },
        before: { type: "CalendarItem", item: { subject: event.subject!, start: "2026-03-03T08:00:00Z", end: "2026-03-03T08:30:00Z" } },
        after: { type: "CalendarItem", item: { subject: "Daily (moved)", start: "2026-03-03T10:00:00Z", end: "2026-03-03T10:30:00Z" } },
      },
    ]);
    expect(moved[0]).toMatchObject({ unchanged: false });
    const deletedOccurrence = await ews.deleteItem([{ recurringMasterId: masterId.id, instanceIndex: 4 }]);
    expect(deletedOccurrence).toEqual([true]);
    const [after] = await ews.getItem([masterId]);
    const master2 = (after as { item: CalendarItem }).item;
    expect(master2.modifiedOccurrences).toHaveLength(1);
    expect(master2.deletedOccurrences).toHaveLength(1);
    expect(master2.recurrence?.pattern.kind).toBe("DailyRecurrence");

    const box = sim.mailbox(USER);
    const x = box.createItem("tasks", "<Task><Subject>x</Subject></Task>");
    const y = box.createItem("tasks", "<Task><Subject>y</Subject></Task>");
    box.deleteItem(y.id);
    const results = await ews.deleteItem([{ id: x.id }, { id: y.id }, masterId], { deleteType: "HardDelete" });
    expect(results[0]).toBe(true);
    expect(results[1]).toMatchObject({ responseCode: "ErrorItemNotFound", index: 1 });
    expect(results[2]).toBe(true);
    expect(box.item(x.id)).toBeUndefined();
  });

  it("creates, reads and deletes file attachments and contact photos", async () => {
    const ews = client();
    const [created] = await ews.createItem([{ type: "Contact", item: { givenName: "Pic" } }]);
    const contactId = created as ItemId;
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]).toString("base64");
    const [photo] = await ews.setContactPhoto(contactId, jpeg);
    expect(isEwsError(photo)).toBe(false);
    const [note] = await ews.createAttachment({ id: contactId.id }, [{ kind: "file", name: "notes & more.txt", contentType: "text/plain", content: Buffer.from("hello").toString("base64") }]);
    const attachments = await ews.getAttachment([(photo as { id: string }).id, (note as { id: string }).id, "AAMkAGnoattachment="]);
    expect(attachments[0]).toMatchObject({ kind: "file", name: "ContactPicture.jpg", isContactPhoto: true, content: jpeg });
    expect(attachments[1]).toMatchObject({ name: "notes & more.txt", content: Buffer.from("hello").toString("base64") });
    expect(attachments[2]).toBeInstanceOf(EwsResponseError);
    const [item] = await ews.getItem([{ id: contactId.id }]);
    expect(contactOf(item).hasPicture).toBe(true);
    const [removed] = await ews.deleteAttachment([(note as { id: string }).id]);
    expect(removed).toMatchObject({ rootItemId: contactId.id });
    expect(sim.mailbox(USER).item(contactId.id)!.attachments).toHaveLength(1);
  });
});

describe("items with every field set", () => {
  it.each(["Exchange2010_SP2", "Exchange2016"] as ExchangeVersion[])("round-trip through the server with nothing left to update (%s)", async (version) => {
    const ews = client({ version });
    const originals: TypedItem[] = [
      { type: "Contact", item: fullContact() },
      { type: "Task", item: fullTask() },
      { type: "CalendarItem", item: fullCalendarItem() },
    ];
    const created = await ews.createItem(originals);
    const ids = created.filter((r): r is ItemId => !isEwsError(r));
    expect(ids).toHaveLength(3);
    const read = await ews.getItem(ids, {
      shape: {
        baseShape: "AllProperties",
        additionalProperties: [
          { extended: DISPLAY_NAME_PREFIX_PROPERTY },
          { extended: { propertySetId: TEST_PROPERTY_SET, propertyName: "ewsdav-uid", propertyType: "String" } },
          { extended: { distinguishedPropertySetId: "PublicStrings", propertyId: 34000, propertyType: "Integer" } },
          { extended: { distinguishedPropertySetId: "Address", propertyName: "keywords", propertyType: "StringArray" } },
          { extended: { propertyTag: "0x0E07", propertyType: "Integer" } },
        ],
      },
    });
    read.forEach((result, i) => {
      if (isEwsError(result) || result.type === "Unsupported") throw new Error(`item ${i} not read back: ${String(result)}`);
      // What we wrote is what the server holds: the diff from the read item to the original is empty.
      expect(itemChangeDescriptions(result, originals[i]!, { item: `item ${i}`, version })).toEqual([]);
    });
    expect((read[0] as { item: Contact }).item.title).toBe("Dr.");
  });
});

describe("throttling and transport faults", () => {
  it("honours BackOffMilliseconds from ErrorServerBusy and reports each retry", async () => {
    const ews = client();
    const events: RetryEvent[] = [];
    ews.on("retry", (e) => events.push(e));
    sim.faults.inject({ kind: "serverBusy", backOffMilliseconds: 120, operation: "GetFolder", times: 2 });
    const [folder] = await ews.getFolder([{ distinguishedId: "contacts" }]);
    expect(isEwsError(folder)).toBe(false);
    expect(events.map((e) => [e.reason, e.serverDelayMs])).toEqual([
      ["server-busy", 120],
      ["server-busy", 120],
    ]);
    expect(events.every((e) => e.delayMs >= 120)).toBe(true);
  });

  it("retries HTTP 503 and 429 for writes too, since the server did not run them", async () => {
    const ews = client();
    const events: RetryEvent[] = [];
    ews.on("retry", (e) => events.push(e));
    sim.faults.inject({ kind: "http503", retryAfterSeconds: 0, operation: "CreateItem" });
    sim.faults.inject({ kind: "http429", retryAfterSeconds: 0, operation: "CreateItem" });
    const [id] = await ews.createItem([{ type: "Task", item: { subject: "once" } }]);
    expect(isEwsError(id)).toBe(false);
    expect(events.map((e) => e.reason)).toEqual(["http-503", "http-429"]);
    expect(sim.mailbox(USER).items("tasks").filter((i) => i.get("Subject") === "once")).toHaveLength(1);
  });

  it("retries reads after a connection reset and a truncated body; never repeats a CreateItem that may have run", async () => {
    const ews = client();
    const events: RetryEvent[] = [];
    ews.on("retry", (e) => events.push(e));
    sim.faults.inject({ kind: "connectionReset", operation: "SyncFolderItems" });
    sim.faults.inject({ kind: "truncatedBody", operation: "SyncFolderItems" });
    const page = await ews.syncFolderItems({ folder: { distinguishedId: "contacts" } });
    expect(page.changes.length).toBeGreaterThan(0);
    expect(events.map((e) => e.reason)).toEqual(["transport", "malformed-response"]);

    sim.faults.inject({ kind: "connectionReset", operation: "CreateItem" });
    const error = await ews.createItem([{ type: "Task", item: { subject: "maybe-once" } }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(sim.mailbox(USER).items("tasks").filter((i) => i.get("Subject") === "maybe-once")).toHaveLength(1);
  });

  it("refuses responses over the size limit, and wrong credentials with HttpError 401", async () => {
    const small = client({ transport: { maxResponseBytes: 600 } });
    await expect(small.findFolder()).rejects.toBeInstanceOf(ResponseTooLargeError);
    const wrong = client({ auth: basicAuth({ username: USER, password: "wrong" }) });
    const error = (await wrong.findFolder().catch((e: unknown) => e)) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    expect(error.status).toBe(401);
    expect(error.message).not.toContain("wrong");
  });
});

describe("hostile responses over HTTP", () => {
  let hostile: Server;
  let url = "";
  const bodies: string[] = [];
  beforeAll(async () => {
    hostile = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/xml; charset=utf-8" });
        res.end(bodies.shift() ?? "");
      });
    });
    await new Promise<void>((resolve) => hostile.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}/EWS/Exchange.asmx`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => hostile.close(() => resolve()));
  });

  it.each([
    ["billion laughs", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&lol1;</s:Body></s:Envelope>`, "doctype"],
    ["external entity", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&xxe;</s:Body></s:Envelope>`, "doctype"],
    ["undeclared entity", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&xxe;</s:Body></s:Envelope>`, "entity"],
    ["deep nesting", `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${"<a>".repeat(500)}${"</a>".repeat(500)}</s:Body></s:Envelope>`, "depth"],
  ])("refuses %s", async (_name, body, rule) => {
    bodies.push(body);
    const ews = new EwsClient({ url, retry: false });
    clients.push(ews);
    const error = (await ews.findFolder().catch((e: unknown) => e)) as XmlSecurityError;
    expect(error).toBeInstanceOf(XmlSecurityError);
    expect(error.rule).toBe(rule);
  });
});
