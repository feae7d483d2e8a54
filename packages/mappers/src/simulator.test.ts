/**
 * End to end through the EWS simulator over loopback: every client-shaped vCard and VTODO is
 * mapped, created on EWS (CreateItem, the contact photo with CreateAttachment), read back with
 * GetItem (ewsdav's extended properties asked for by name) and GetAttachment, and written back
 * onto the original: nothing changes, in normalised form. Every request the mapped items caused
 * is then validated against the official EWS schema.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ewsSchemaValidator } from "../../../test/harness/ews-schema.js";
import { basicAuth, EwsClient, isEwsError, type Contact, type FileAttachment, type ItemId, type Task } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { contactFromVCard, contactToVCard, EWSDAV_EXTENDED_PROPERTIES, normalizeVCard, normalizeVTodo, readEwsdavUid, taskFromVTodo, taskToVTodo } from "./index.js";
import { CONTACT_FIXTURES } from "./contact/client-fixtures.test-support.js";
import { TASK_FIXTURES } from "./task/client-fixtures.test-support.js";
import { ewsContact, ewsTask } from "./arbitraries.test-support.js";

describe("contact and task mappers with the EWS simulator", () => {
  let sim: EwsSimulator;
  let client: EwsClient;
  const requests: string[] = [];
  beforeAll(async () => {
    sim = await startEwsSimulator();
    // Exchange 2016 schema: Gender is a Contact element only from there on.
    client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), retry: false, version: "Exchange2016", layers: [(next) => (request) => (requests.push(request.body), next(request))] });
  });
  afterAll(() => sim.stop());

  const created = (result: ItemId | unknown): ItemId => {
    if (!result || isEwsError(result)) throw new Error(`EWS call failed: ${String((result as Error | undefined)?.message ?? result)}`);
    return result as ItemId;
  };

  it.each(CONTACT_FIXTURES.map((fixture) => [fixture.client, fixture] as const))("%s: vCard → EWS → vCard changes nothing", async (_client, fixture) => {
    const { item } = contactFromVCard(fixture.text);
    const { attachments, ...fields } = item;
    const id = created((await client.createItem([{ type: "Contact", item: fields }]))[0]);
    const photo = attachments?.[0] as FileAttachment | undefined;
    if (photo?.content) expect(isEwsError((await client.createAttachment(id, [photo]))[0])).toBe(false);

    const [read] = await client.getItem([{ id: id.id }], { shape: { additionalProperties: EWSDAV_EXTENDED_PROPERTIES.contact.map((extended) => ({ extended })) } });
    if (!read || isEwsError(read) || read.type !== "Contact") throw new Error("GetItem failed");
    const stored: Contact = read.item;
    expect(readEwsdavUid(stored)).toBe(contactFromVCard(fixture.text).uid);
    const photos = (stored.attachments ?? []).filter((attachment): attachment is FileAttachment => attachment.kind === "file" && attachment.isContactPhoto === true);
    if (photo?.content) {
      expect(photos).toHaveLength(1);
      const [content] = await client.getAttachment([photos[0]!.attachmentId!.id]);
      if (!content || isEwsError(content)) throw new Error("GetAttachment failed");
      stored.attachments = [content];
    }
    const { text } = contactToVCard(stored, { base: fixture.text });
    expect(normalizeVCard(text)).toBe(normalizeVCard(fixture.text));
  });

  it.each(TASK_FIXTURES.map((fixture) => [fixture.client, fixture] as const))("%s: VTODO → EWS → VTODO changes nothing", async (_client, fixture) => {
    const { item } = taskFromVTodo(fixture.text);
    const id = created((await client.createItem([{ type: "Task", item }]))[0]);
    const [read] = await client.getItem([{ id: id.id }], { shape: { additionalProperties: EWSDAV_EXTENDED_PROPERTIES.task.map((extended) => ({ extended })) } });
    if (!read || isEwsError(read) || read.type !== "Task") throw new Error("GetItem failed");
    const stored: Task = read.item;
    expect(readEwsdavUid(stored)).toBe(taskFromVTodo(fixture.text).uid);
    const { text } = taskToVTodo(stored, { base: fixture.text });
    expect(normalizeVTodo(text)).toBe(normalizeVTodo(fixture.text));
    // A new VTODO from what Exchange holds maps to the same task.
    const again = taskFromVTodo(taskToVTodo(stored).text).item;
    expect({ ...again, extendedProperties: undefined }).toMatchObject({ ...item, extendedProperties: undefined });
  });

  it("creates generated contacts and tasks (every phone slot, IM, recurrence pattern) as the mappers make them", async () => {
    const contacts = fc.sample(ewsContact, { numRuns: 40, seed: 6 }).map((item) => {
      const { attachments: _photo, ...fields } = contactFromVCard(contactToVCard(item).text).item;
      return { type: "Contact" as const, item: fields };
    });
    const tasks = fc.sample(ewsTask, { numRuns: 40, seed: 6 }).map((item) => ({ type: "Task" as const, item: taskFromVTodo(taskToVTodo(item).text).item }));
    const results = await client.createItem([...contacts, ...tasks]);
    expect(results.filter((result) => isEwsError(result))).toEqual([]);
  });

  it("sent only requests the official EWS schema accepts", async () => {
    expect(requests.filter((body) => body.includes("CreateItem")).length).toBeGreaterThan(CONTACT_FIXTURES.length + TASK_FIXTURES.length);
    expect(await ewsSchemaValidator().validate(requests)).toEqual([]);
  });
});
