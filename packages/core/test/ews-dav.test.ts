/**
 * End to end over HTTP: the EWS simulator ↔ Radicale and ↔ Xandikos, for contacts, events
 * (weekly series with modified and deleted occurrences) and tasks: initial sync both ways,
 * edits, deletions, concurrent edits of one item on both sides, lost state, mass-deletion guard.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DavClient } from "@ewsdav/dav-client";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { seedLarge, startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { MemoryStateStore, SyncEngine, type CollectionKind, type PairRecord, type SyncReport } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { EwsSide } from "@ewsdav/core/ews";
import { DAV_SERVER_KINDS, startDavServer, type DavServer } from "../../../test/harness/dav-servers.js";
import { prop, vcard } from "../src/fixtures.test-support.js";

const SIZES = { contacts: 60, events: 40, tasks: 20 };
const DAV_ONLY_CONTACTS = 10;

const ok = (r: SyncReport) => expect(r.ok, JSON.stringify(r.pairs.map((p) => [p.pairId, p.error, p.errors.slice(0, 3)]))).toBe(true);

describe.each(DAV_SERVER_KINDS)("EWS simulator ↔ %s", (kind) => {
  let sim: EwsSimulator;
  let server: DavServer;
  let ewsClient: EwsClient;
  let davClient: DavClient;
  beforeAll(async () => {
    [sim, server] = await Promise.all([startEwsSimulator({ seed: (box) => seedLarge(box, SIZES), record: false }), startDavServer(kind)]);
    ewsClient = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), mailbox: "alice@example.com" });
    davClient = new DavClient({ baseUrl: server.url, auth: { type: "basic", username: server.username, password: server.password }, headers: server.headers });
  });
  afterAll(async () => {
    await davClient?.close();
    await ewsClient?.close?.();
    await Promise.all([sim?.stop(), server?.stop()]);
  });

  it("syncs both ways, propagates edits and deletions, merges concurrent edits, rebuilds lost state and guards mass deletions", async () => {
    const box = sim.mailbox("alice@example.com");
    const ews = new EwsSide({ client: ewsClient, name: "ews" });
    const dav = new DavSide({ client: davClient, name: "dav" });
    await server.seedCollection({
      name: "book",
      kind: "addressbook",
      items: Array.from({ length: DAV_ONLY_CONTACTS }, (_, i) => ({
        name: `dav-${i}.vcf`,
        text: vcard(`dav-contact-${i}`, { FN: `Dav Person ${i}`, N: `Person;Dav;;;`, EMAIL: `dav${i}@example.org` }, ["IMPP:xmpp:dav@example.org", "X-DAV-ONLY:kept"]),
      })),
    });
    await server.seedCollection({ name: "cal", kind: "calendar", items: [] });
    const davCollections = await dav.listCollections();
    const davId = (name: string) => davCollections.find((c) => c.id.replace(/\/$/, "").endsWith(`/${name}`))!.id;
    const todo = await dav.createCollection("tasks", "Todo");
    const ewsFolders = await ews.listCollections();
    const ewsId = (k: CollectionKind) => ewsFolders.find((f) => f.kind === k && ["Contacts", "Calendar", "Tasks"].includes(f.displayName))!.id;

    const store = new MemoryStateStore();
    const engine = new SyncEngine({ store, sides: [ews, dav], policy: { conflict: "remote-wins" } });
    const pairs: Record<CollectionKind, PairRecord> = {
      contacts: await engine.link({ id: "contacts", kind: "contacts", remote: { side: "ews", collection: ewsId("contacts") }, local: { side: "dav", collection: davId("book") } }),
      events: await engine.link({ id: "events", kind: "events", remote: { side: "ews", collection: ewsId("events") }, local: { side: "dav", collection: davId("cal") } }),
      tasks: await engine.link({ id: "tasks", kind: "tasks", remote: { side: "ews", collection: ewsId("tasks") }, local: { side: "dav", collection: todo.id } }),
    };

    // 1. Initial sync, both directions.
    const first = await engine.runOnce();
    ok(first);
    const davItems = async (k: CollectionKind) => davClient.fetchAll(pairs[k].local.collection);
    expect((await davItems("contacts")).length).toBe(SIZES.contacts + DAV_ONLY_CONTACTS);
    expect((await davItems("events")).length).toBe(SIZES.events);
    expect((await davItems("tasks")).length).toBe(SIZES.tasks);
    expect(box.items(pairs.contacts.remote.collection).length).toBe(SIZES.contacts + DAV_ONLY_CONTACTS);
    const series = (await davItems("events")).find((i) => i.data.includes("SUMMARY:Series 0"))!;
    expect(series.data).toMatch(/RRULE/);
    expect(series.data).toMatch(/RECURRENCE-ID/);
    expect(series.data).toMatch(/EXDATE/);
    ok(await engine.runOnce()); // echoes of writes and UID tags

    // 2. Edits and deletions on each side; a concurrent edit of one contact on both sides.
    const contacts = await davItems("contacts");
    const davContact = contacts.find((i) => i.data.includes("UID:dav-contact-1"))!;
    await davClient.updateItem({ href: davContact.href, etag: davContact.etag, text: davContact.data.replace(/^FN:.*$/m, "FN:Dav Person One") });
    const shared = contacts.find((i) => i.data.includes("UID:dav-contact-2"))!;
    await davClient.updateItem({ href: shared.href, etag: shared.etag, text: shared.data.replace("END:VCARD", "NOTE:note from DAV\r\nEND:VCARD") });
    const sharedEws = box.items(pairs.contacts.remote.collection).find((i) => i.get("GivenName") === "Dav" && (i.get("DisplayName") ?? "").includes("Person 2"))!;
    box.updateItem(sharedEws.id, "<Contact><JobTitle>Title from EWS</JobTitle></Contact>");
    const task = box.items(pairs.tasks.remote.collection)[0]!;
    box.updateItem(task.id, "<Task><Subject>Renamed in Exchange</Subject></Task>");
    const goneEws = box.items(pairs.contacts.remote.collection).find((i) => i.id !== sharedEws.id && i.get("GivenName") !== "Dav")!;
    box.deleteItem(goneEws.id);
    const events = await davItems("events");
    const goneDav = events.find((i) => !i.data.includes("RRULE"))!;
    await davClient.deleteItem({ href: goneDav.href, etag: goneDav.etag });
    const second = await engine.runOnce();
    ok(second);
    const ewsTexts = (await ews.fetch(pairs.contacts.remote.collection, box.items(pairs.contacts.remote.collection).map((i) => i.id))) as Array<{ uid: string | null; text: string }>;
    expect(prop(ewsTexts.find((t) => t.uid === "dav-contact-1")!.text, "FN")).toBe("Dav Person One");
    const afterContacts = await davItems("contacts");
    const merged = afterContacts.find((i) => i.data.includes("UID:dav-contact-2"))!;
    expect(prop(merged.data, "NOTE")).toBe("note from DAV");
    expect(prop(merged.data, "TITLE")).toBe("Title from EWS");
    // What Exchange cannot hold stays on the DAV side through an Exchange-side edit.
    expect(prop(merged.data, "IMPP")).toBe("xmpp:dav@example.org");
    expect(prop(merged.data, "X-DAV-ONLY")).toBe("kept");
    expect(box.item(sharedEws.id)!.get("JobTitle")).toBe("Title from EWS");
    expect((box.item(sharedEws.id)!.get("Body") ?? "")).toContain("note from DAV");
    expect(afterContacts.length).toBe(SIZES.contacts + DAV_ONLY_CONTACTS - 1);
    expect((await davItems("tasks")).some((i) => prop(i.data, "SUMMARY") === "Renamed in Exchange")).toBe(true);
    expect(box.items(pairs.events.remote.collection).length).toBe(SIZES.events - 1);

    // 3. Lost state: a new store pairs everything, copies nothing.
    const engine2 = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, dav] });
    for (const p of Object.values(pairs)) await engine2.link({ id: p.id, kind: p.kind, remote: p.remote, local: p.local });
    const rebuilt = await engine2.runOnce();
    ok(rebuilt);
    for (const p of rebuilt.pairs) expect(p.local.created.length + p.remote.created.length, p.pairId).toBe(0);
    expect((await davItems("contacts")).length).toBe(SIZES.contacts + DAV_ONLY_CONTACTS - 1);

    // 4. Mass deletion on the DAV side is stopped before any write.
    const toDelete = (await davItems("contacts")).slice(0, 30);
    for (const item of toDelete) await davClient.deleteItem({ href: item.href, etag: item.etag });
    const guarded = await engine2.runOnce();
    const contactsReport = guarded.pairs.find((p) => p.pairId === "contacts")!;
    expect(contactsReport.error?.code).toBe("mass-delete");
    expect(box.items(pairs.contacts.remote.collection).length).toBe(SIZES.contacts + DAV_ONLY_CONTACTS - 1);
  });
});
