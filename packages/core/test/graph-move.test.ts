/**
 * Moving a pair's EWS end to Graph, on one mailbox served by both simulators (the EWS simulator and
 * the Graph simulator share its records): a pair synced EWS ↔ Radicale is moved (ids translated,
 * versions kept as etags, the cursor restarted), and the next cycle over Graph creates and deletes
 * nothing on either side and changes no text; then a change on each side syncs. The move refuses a
 * busy pair, a pair with an interrupted cycle and (without `force`) an id Graph cannot translate,
 * leaving the state as it was; run again, it finds the pair moved.
 */
import { DavClient } from "@ewsdav/dav-client";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { seedLarge, startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { ConcurrencyLimiter, GraphClient } from "@ewsdav/graph-client";
import { startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { MemoryStateStore, SyncEngine, type ItemRecord, type PairRecord, type SyncReport } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { EwsSide } from "@ewsdav/core/ews";
import { GraphSide, MoveError, movePairToGraph } from "@ewsdav/core/graph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDavServer, type DavServer } from "../../../test/harness/dav-servers.js";
import { prop, vcard } from "../src/fixtures.test-support.js";

const ok = (r: SyncReport) => expect(r.ok, JSON.stringify(r.pairs.map((p) => [p.pairId, p.error, p.errors.slice(0, 3)]))).toBe(true);
const writes = (r: SyncReport) =>
  r.pairs.map((p) => ({ pair: p.pairId, created: p.local.created.length + p.remote.created.length, deleted: p.local.deleted.length + p.remote.deleted.length }));

describe("moving a pair from EWS to Graph (one mailbox over both protocols ↔ Radicale)", () => {
  let ewsSim: EwsSimulator;
  let graphSim: GraphSimulator;
  let dav: DavServer;
  let ewsClient: EwsClient;
  let graph: GraphClient;
  let davClient: DavClient;

  beforeAll(async () => {
    [ewsSim, dav] = await Promise.all([startEwsSimulator({ record: false }), startDavServer("radicale")]);
    graphSim = await startGraphSimulator({ mailbox: (a) => ewsSim.mailbox(a), tokens: { t: "alice@example.com" } });
    ewsClient = new EwsClient({ url: ewsSim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), mailbox: "alice@example.com" });
    graph = new GraphClient({ baseUrl: graphSim.url, getToken: async () => "t", limiter: new ConcurrencyLimiter(4) });
    davClient = new DavClient({ baseUrl: dav.url, auth: { type: "basic", username: dav.username, password: dav.password }, headers: dav.headers });
  });
  afterAll(async () => {
    await davClient?.close();
    await graph?.close();
    await ewsClient?.close?.();
    await Promise.all([graphSim?.stop(), ewsSim?.stop(), dav?.stop()]);
  });

  it("moves the contacts pair: zero creates, zero deletes, texts unchanged; then changes on each side sync", async () => {
    const box = ewsSim.mailbox("alice@example.com");
    seedLarge(box, { contacts: 8, events: 0, tasks: 0 });
    const ews = new EwsSide({ client: ewsClient, name: "ews" });
    const davSide = new DavSide({ client: davClient, name: "dav" });
    await dav.seedCollection({
      name: "book",
      kind: "addressbook",
      items: Array.from({ length: 3 }, (_, i) => ({ name: `dav-${i}.vcf`, text: vcard(`dav-contact-${i}`, { FN: `Dav Person ${i}`, N: `Person;Dav;;;`, EMAIL: `dav${i}@example.org` }, ["X-DAV-ONLY:kept"]) })),
    });
    const davCollections = await davSide.listCollections();
    const book = davCollections.find((c) => c.id.replace(/\/$/, "").endsWith("/book"))!.id;
    const ewsContacts = (await ews.listCollections()).find((f) => f.kind === "contacts" && f.displayName === "Contacts")!.id;

    const store = new MemoryStateStore();
    const overEws = new SyncEngine({ store, sides: [ews, davSide] });
    await overEws.link({ id: "contacts", kind: "contacts", remote: { side: "ews", collection: ewsContacts }, local: { side: "dav", collection: book } });
    ok(await overEws.runOnce());
    ok(await overEws.runOnce()); // echoes and UID tags
    const davBefore = new Map((await davClient.fetchAll(book)).map((i) => [i.href, i.data]));
    expect(davBefore.size).toBe(11);
    const stateBefore = await store.listItems("contacts");

    // A busy pair is refused, and so is a pair with an interrupted cycle; the state is as it was.
    const held = await store.acquireLease({ pairId: "contacts", owner: "a running cycle", ttlMs: 60_000 });
    expect(held.acquired).toBe(true);
    await expect(movePairToGraph(store, "contacts", "remote", graph)).rejects.toMatchObject({ code: "pair-busy" });
    if (held.acquired) await store.releaseLease(held.lease);
    const someone = stateBefore[0]!;
    await store.write([{ op: "journal-begin", entry: { pairId: "contacts", uid: someone.uid, slot: "remote", op: "update", itemId: someone.remote!.id, startedAt: new Date().toISOString() } }]);
    await expect(movePairToGraph(store, "contacts", "remote", graph)).rejects.toMatchObject({ code: "interrupted-cycle" });
    await store.write([{ op: "journal-end", pairId: "contacts", uid: someone.uid, slot: "remote" }]);

    // An item deleted in Exchange since the last cycle: Graph cannot translate its id; named, nothing moved.
    const doomed = stateBefore.find((r) => r.remote && r.local)!;
    box.deleteItem(doomed.remote!.id);
    const refused = await movePairToGraph(store, "contacts", "remote", graph).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MoveError);
    expect((refused as MoveError).code).toBe("untranslatable");
    expect((refused as MoveError).failed).toEqual([expect.objectContaining({ what: "item", uid: doomed.uid, id: doomed.remote!.id })]);
    expect(await store.listItems("contacts")).toEqual(stateBefore);
    expect((await store.getPair("contacts"))!.remote).toEqual({ side: "ews", collection: ewsContacts });
    ok(await overEws.runOnce()); // the deletion syncs over EWS
    davBefore.clear();
    for (const i of await davClient.fetchAll(book)) davBefore.set(i.href, i.data);
    expect(davBefore.size).toBe(10);

    // The move.
    const report = await movePairToGraph(store, "contacts", "remote", graph, { sideName: "graph" });
    expect(report).toMatchObject({ moved: true, alreadyMoved: false, items: 10, failed: [] });
    const pair = (await store.getPair("contacts")) as PairRecord;
    expect(pair.remote.side).toBe("graph");
    expect(pair.remote.collection).not.toBe(ewsContacts);
    expect(pair.cursors.remote).toBeNull();
    expect(pair.cursors.local).not.toBeNull();
    const moved = await store.listItems("contacts");
    const byUid = (records: ItemRecord[]) => new Map(records.map((r) => [r.uid, r]));
    const before = byUid(stateBefore);
    for (const r of moved) {
      const old = before.get(r.uid)!;
      expect(r.local).toEqual(old.local);
      expect(r.remote!.text).toBe(old.remote!.text);
      expect(r.remote!.id).not.toBe(old.remote!.id);
      expect(r.remote!.version).toBe(`W/"${old.remote!.version}"`);
    }
    // Run again (a second run, or a run after a kill -9 that had finished): nothing to do.
    expect(await movePairToGraph(store, "contacts", "remote", graph, { sideName: "graph" })).toMatchObject({ moved: true, alreadyMoved: true });
    expect(await store.listItems("contacts")).toEqual(moved);

    // The next cycle over Graph: nothing created, deleted or changed.
    const graphSide = new GraphSide({ client: graph, name: "graph" });
    const overGraph = new SyncEngine({ store, sides: [graphSide, davSide] });
    graphSim.clear();
    const first = await overGraph.runOnce();
    ok(first);
    expect(writes(first)).toEqual([{ pair: "contacts", created: 0, deleted: 0 }]);
    expect(first.pairs[0]!.local.updated.length + first.pairs[0]!.remote.updated.length).toBe(0);
    const davAfter = new Map((await davClient.fetchAll(book)).map((i) => [i.href, i.data]));
    expect(davAfter).toEqual(davBefore);
    expect((await store.getPair("contacts"))!.cursors.remote).toMatch(/^http/);
    const quiet = await overGraph.runOnce();
    ok(quiet);
    expect(writes(quiet)).toEqual([{ pair: "contacts", created: 0, deleted: 0 }]);

    // A change on each side syncs: a DAV edit reaches Exchange (seen over EWS), an Exchange edit (over EWS) reaches DAV.
    const davItem = (await davClient.fetchAll(book)).find((i) => i.data.includes("UID:dav-contact-1"))!;
    await davClient.updateItem({ href: davItem.href, etag: davItem.etag, text: davItem.data.replace(/^FN:.*$/m, "FN:Dav Person One") });
    const exchangeItem = box.items(ewsContacts).find((i) => i.get("GivenName") !== "Dav")!;
    box.updateItem(exchangeItem.id, "<Contact><JobTitle>Title from Exchange</JobTitle></Contact>");
    const changed = await overGraph.runOnce();
    ok(changed);
    expect(writes(changed)).toEqual([{ pair: "contacts", created: 0, deleted: 0 }]);
    const overEwsNow = (await ews.fetch(ewsContacts, box.items(ewsContacts).map((i) => i.id))) as Array<{ uid: string | null; text: string }>;
    expect(prop(overEwsNow.find((t) => t.uid === "dav-contact-1")!.text, "FN")).toBe("Dav Person One");
    const davNow = await davClient.fetchAll(book);
    expect(davNow.some((i) => prop(i.data, "TITLE") === "Title from Exchange")).toBe(true);
    expect(prop(davNow.find((i) => i.data.includes("UID:dav-contact-1"))!.data, "X-DAV-ONLY")).toBe("kept");
  });
  // Calendars and To Do come with the client's calendar and To Do areas (issue 18, A and B); on a branch without them this test does not run.
  it("moves the events and tasks pairs (a series with an exception and a cancelled occurrence): zero creates, zero deletes, texts unchanged; then changes sync", async () => {
    const box = ewsSim.mailbox("alice@example.com");
    seedLarge(box, { contacts: 0, events: 3, tasks: 3 }); // event 0: a weekly series with one moved and one deleted occurrence
    const ews = new EwsSide({ client: ewsClient, name: "ews" });
    const davSide = new DavSide({ client: davClient, name: "dav" });
    const cal = await davSide.createCollection("events", "Moved calendar");
    const todo = await davSide.createCollection("tasks", "Moved tasks");
    const ewsFolders = await ews.listCollections();
    const ewsCalendar = ewsFolders.find((f) => f.kind === "events" && f.displayName === "Calendar")!.id;
    const ewsTasks = ewsFolders.find((f) => f.kind === "tasks" && f.displayName === "Tasks")!.id;
    const store = new MemoryStateStore();
    const overEws = new SyncEngine({ store, sides: [ews, davSide] });
    await overEws.link({ id: "events", kind: "events", remote: { side: "ews", collection: ewsCalendar }, local: { side: "dav", collection: cal.id } });
    await overEws.link({ id: "tasks", kind: "tasks", remote: { side: "ews", collection: ewsTasks }, local: { side: "dav", collection: todo.id } });
    ok(await overEws.runOnce());
    ok(await overEws.runOnce());
    const davTexts = async (collection: string) => new Map((await davClient.fetchAll(collection)).map((i) => [i.href, i.data]));
    const eventsBefore = await davTexts(cal.id);
    const tasksBefore = await davTexts(todo.id);
    expect(eventsBefore.size).toBe(3);
    expect([...eventsBefore.values()].some((t) => /RRULE/.test(t) && /RECURRENCE-ID/.test(t) && /EXDATE/.test(t))).toBe(true);
    expect(tasksBefore.size).toBe(3);

    for (const pairId of ["events", "tasks"]) {
      const report = await movePairToGraph(store, pairId, "remote", graph, { sideName: "graph" });
      expect(report).toMatchObject({ moved: true, alreadyMoved: false, failed: [] });
    }
    const graphSide = new GraphSide({ client: graph, name: "graph" });
    const overGraph = new SyncEngine({ store, sides: [graphSide, davSide] });
    const first = await overGraph.runOnce();
    ok(first);
    expect(writes(first)).toEqual([{ pair: "events", created: 0, deleted: 0 }, { pair: "tasks", created: 0, deleted: 0 }]);
    expect(await davTexts(cal.id)).toEqual(eventsBefore);
    expect(await davTexts(todo.id)).toEqual(tasksBefore);
    const again = await overGraph.runOnce();
    ok(again);
    expect(writes(again)).toEqual([{ pair: "events", created: 0, deleted: 0 }, { pair: "tasks", created: 0, deleted: 0 }]);

    // A change on each side syncs.
    const single = [...(await davClient.fetchAll(cal.id))].find((i) => i.data.includes("SUMMARY:Event 1"))!;
    await davClient.updateItem({ href: single.href, etag: single.etag, text: single.data.replace("SUMMARY:Event 1", "SUMMARY:Event 1 from DAV") });
    const task = box.items(ewsTasks).find((i) => i.get("Subject") === "Task 2")!;
    box.updateItem(task.id, "<Task><Subject>Task 2 from Exchange</Subject></Task>");
    const changed = await overGraph.runOnce();
    ok(changed);
    expect(writes(changed)).toEqual([{ pair: "events", created: 0, deleted: 0 }, { pair: "tasks", created: 0, deleted: 0 }]);
    expect(box.items(ewsCalendar).some((i) => i.get("Subject") === "Event 1 from DAV")).toBe(true);
    expect((await davClient.fetchAll(todo.id)).some((i) => prop(i.data, "SUMMARY") === "Task 2 from Exchange")).toBe(true);
    expect(box.items(ewsCalendar).length).toBe(3);
    expect(box.items(ewsTasks).length).toBe(3);
  });
});
