/**
 * The engine over Graph ↔ Radicale: the Graph side against the Graph simulator (whose mailbox the
 * EWS simulator serves too), Radicale from the harness. Contacts both ways: first sync (creates
 * each way, UIDs tagged), updates, deletions, an edit on both sides merged, `If-Match` refusing a
 * stale version, a rejected delta token (410 → full round, nothing written), throttling inside
 * `$batch` and of whole requests mid-cycle, and a cut delta page: the cycle fails that feed, keeps
 * its state and cursor, and the next one loses nothing.
 */
import type { DavClient } from "@ewsdav/dav-client";
import { seedLarge, type EwsSimulator } from "@ewsdav/ews-simulator";
import type { GraphClient } from "@ewsdav/graph-client";
import { checkExchanges, type GraphSimulator } from "@ewsdav/graph-simulator";
import { MemoryStateStore, SideError, SyncEngine, type SyncReport } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { GraphSide } from "@ewsdav/core/graph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DavServer } from "../../../test/harness/dav-servers.js";
import { expectOk, startGraphDavRig, type GraphDavRig } from "./graph-rig.test-support.js";
import { prop, vcard, vevent } from "../src/fixtures.test-support.js";

/** A VTODO in a VCALENDAR. */
const vtodo = (uid: string, summary: string) =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ewsdav//test//EN\r\nBEGIN:VTODO\r\nUID:${uid}\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:${summary}\r\nSTATUS:NEEDS-ACTION\r\nEND:VTODO\r\nEND:VCALENDAR\r\n`;

const ok = expectOk;
const count = (r: SyncReport, what: "created" | "updated" | "deleted", slot: "local" | "remote") => r.pairs.reduce((n, p) => n + p[slot][what].length, 0);

describe("the engine over Graph ↔ Radicale", () => {
  let rig: GraphDavRig | undefined;
  let ewsSim: EwsSimulator, sim: GraphSimulator, dav: DavServer, graph: GraphClient, davClient: DavClient;
  beforeAll(async () => void ({ ewsSim, sim, dav, graph, davClient } = rig = await startGraphDavRig()));
  afterAll(() => rig?.stop());

  it("contacts: both ways, edits, deletions, merges, If-Match, 410, throttling and a cut delta page", async () => {
    const box = ewsSim.mailbox("alice@example.com");
    seedLarge(box, { contacts: 12, events: 0, tasks: 0 });
    const side = new GraphSide({ client: graph, name: "graph", maxBatch: 25 });
    const davSide = new DavSide({ client: davClient, name: "dav" });
    await dav.seedCollection({
      name: "people",
      kind: "addressbook",
      items: Array.from({ length: 4 }, (_, i) => ({ name: `d${i}.vcf`, text: vcard(`dav-${i}`, { FN: `Dav Person ${i}`, N: "Person;Dav;;;", EMAIL: `dav${i}@example.org`, TEL: `+1 555 010${i}` }, ["X-DAV-ONLY:kept"]) })),
    });
    const book = (await davSide.listCollections()).find((c) => c.id.replace(/\/$/, "").endsWith("/people"))!.id;
    const collections = await side.listCollections();
    expect(collections[0]).toMatchObject({ id: "contacts", kind: "contacts" });
    const folder = await side.createCollection("contacts", "Synced");
    expect((await side.listCollections()).map((c) => c.displayName)).toContain("Synced");
    // The seeded contacts live in the default folder; the pair syncs it.
    void folder;
    const store = new MemoryStateStore();
    const engine = new SyncEngine({ store, sides: [side, davSide], policy: { conflict: "remote-wins" } });
    await engine.link({ id: "contacts", kind: "contacts", remote: { side: "graph", collection: "contacts" }, local: { side: "dav", collection: book } });

    // 1. First sync: Exchange's contacts to Radicale, Radicale's to Exchange; the UIDs tagged.
    const first = await engine.runOnce();
    ok(first);
    expect(count(first, "created", "local")).toBe(12);
    expect(count(first, "created", "remote")).toBe(4);
    const second = await engine.runOnce();
    ok(second);
    expect(count(second, "created", "local") + count(second, "created", "remote")).toBe(0);
    const davItems = () => davClient.fetchAll(book);
    expect((await davItems()).length).toBe(16);
    const graphContacts = await graph.listContacts(undefined, { extendedProperties: ["String {6c1f1b53-7d2e-4a8e-9a43-2f1d5e8b0c71} Name ewsdav-uid"], pageSize: 100 });
    expect(graphContacts.length).toBe(16);
    expect(graphContacts.every((c) => c.singleValueExtendedProperties?.[0]?.value)).toBe(true);
    const fromDav = graphContacts.find((c) => c.singleValueExtendedProperties?.[0]?.value === "dav-1")!;
    expect(fromDav).toMatchObject({ displayName: "Dav Person 1", emailAddresses: [{ address: "dav1@example.org" }] });
    const quiet = await engine.runOnce();
    ok(quiet);
    expect(quiet.pairs[0]!.remote.fetched).toBe(0);

    // 2. Edits and deletions on each side; one contact edited on both sides (different fields: merged).
    let items = await davItems();
    const d1 = items.find((i) => i.data.includes("UID:dav-1"))!;
    await davClient.updateItem({ href: d1.href, etag: d1.etag, text: d1.data.replace(/^FN:.*$/m, "FN:Dav Person One") });
    const d2 = items.find((i) => i.data.includes("UID:dav-2"))!;
    await davClient.updateItem({ href: d2.href, etag: d2.etag, text: d2.data.replace("END:VCARD", "NOTE:note from DAV\r\nEND:VCARD") });
    const g2 = graphContacts.find((c) => c.singleValueExtendedProperties?.[0]?.value === "dav-2")!;
    await graph.updateContact(g2.id, { jobTitle: "Title from Graph" });
    const gone = graphContacts.find((c) => !c.singleValueExtendedProperties?.[0]?.value.startsWith("dav-"))!;
    await graph.deleteContact(gone.id);
    const d3 = items.find((i) => i.data.includes("UID:dav-3"))!;
    await davClient.deleteItem({ href: d3.href, etag: d3.etag });
    const edits = await engine.runOnce();
    ok(edits);
    items = await davItems();
    expect(items.length).toBe(14);
    const merged = items.find((i) => i.data.includes("UID:dav-2"))!;
    expect(prop(merged.data, "NOTE")).toBe("note from DAV");
    expect(prop(merged.data, "TITLE")).toBe("Title from Graph");
    expect(prop(merged.data, "X-DAV-ONLY")).toBe("kept");
    expect((await graph.getContact(g2.id)).personalNotes).toContain("note from DAV");
    expect((await graph.getContact(fromDav.id)).displayName).toBe("Dav Person One");
    expect((await graph.listContacts(undefined, { pageSize: 100 })).length).toBe(14);
    ok(await engine.runOnce());

    // 3. If-Match: a write under a stale etag is refused, for an update and a delete.
    const [current] = await side.fetch("contacts", [fromDav.id]);
    if (current instanceof SideError || !current) throw new Error("read failed");
    await graph.updateContact(fromDav.id, { jobTitle: "Changed meanwhile" });
    const [stale] = await side.update("contacts", [{ id: current.id, version: current.version, uid: current.uid, text: current.text.replace(/^FN:.*$/m, "FN:Lost") }]);
    expect(stale).toBeInstanceOf(SideError);
    expect((stale as SideError).code).toBe("precondition-failed");
    const [staleDelete] = await side.remove("contacts", [{ id: current.id, version: current.version }]);
    expect((staleDelete as SideError).code).toBe("precondition-failed");
    expect((await graph.getContact(fromDav.id)).displayName).toBe("Dav Person One");
    ok(await engine.runOnce());
    expect(prop((await davItems()).find((i) => i.data.includes("UID:dav-1"))!.data, "TITLE")).toBe("Changed meanwhile");

    // 4. A rejected delta token: a full round, compared with the state; nothing written.
    sim.expireDeltaTokens();
    const relisted = await engine.runOnce();
    ok(relisted);
    expect(count(relisted, "created", "local") + count(relisted, "deleted", "local") + count(relisted, "updated", "local")).toBe(0);
    expect(relisted.pairs[0]!.remote.fetched).toBe(0);

    // 5. Throttling mid-cycle: answers inside $batch and whole requests, retried; the cycle completes.
    box.updateItem(box.items(box.folderId(box.folderRecord("contacts"))).find((i) => i.get("GivenName") !== "Dav")!.id, "<Contact><JobTitle>Throttled</JobTitle></Contact>");
    const t1 = items.find((i) => i.data.includes("UID:dav-0"))!;
    await davClient.updateItem({ href: t1.href, etag: t1.etag, text: t1.data.replace(/^FN:.*$/m, "FN:Dav Person Zero") });
    sim.throttle({ status: 429, retryAfterSeconds: 0, count: 2, inBatch: true, match: /^(GET|PATCH) \/me\/contacts\/(?!delta)[A-Za-z0-9_-]+$/ });
    sim.throttle({ status: 503, retryAfterSeconds: 0, count: 1, match: /delta/ });
    const throttled = await engine.runOnce();
    ok(throttled);
    expect((await davItems()).some((i) => prop(i.data, "TITLE") === "Throttled")).toBe(true);
    const g0 = graphContacts.find((c) => c.singleValueExtendedProperties?.[0]?.value === "dav-0")!;
    expect((await graph.getContact(g0.id)).displayName).toBe("Dav Person Zero");
    expect(sim.requests.some((r) => r.inBatch && r.status === 429)).toBe(true);

    // 6. A cut delta page: the feed fails, the pair writes nothing and keeps its cursor; the next cycle catches up.
    const cursor = (await store.getPair("contacts"))!.cursors.remote;
    box.updateItem(box.items(box.folderId(box.folderRecord("contacts"))).find((i) => i.get("GivenName") !== "Dav")!.id, "<Contact><JobTitle>After the cut</JobTitle></Contact>");
    sim.rewrite({ match: /contacts\/delta/, rewrite: (body) => ({ ...(body as object), "@odata.nextLink": undefined, "@odata.deltaLink": undefined }) });
    const cut = await engine.runOnce();
    expect(cut.ok).toBe(false);
    expect(cut.pairs[0]!.error?.code).toBe("feed-failed");
    expect((await store.getPair("contacts"))!.cursors.remote).toBe(cursor);
    sim.rewrite({ match: /contacts\/delta/, rewrite: (body) => JSON.stringify(body).slice(0, 50) });
    const malformed = await engine.runOnce();
    expect(malformed.pairs[0]!.error?.code).toBe("feed-failed");
    const caughtUp = await engine.runOnce();
    ok(caughtUp);
    expect((await davItems()).some((i) => prop(i.data, "TITLE") === "After the cut")).toBe(true);
    expect((await davItems()).length).toBe(14);
    expect(checkExchanges(sim.requests)).toEqual([]);
  });
  // Calendars and To Do come with the client's calendar and To Do areas (issue 18, A and B); on a branch without them this test does not run.
  it("events and tasks: both ways, a series with an exception and a cancelled occurrence, edits and deletions", async () => {
    const box = ewsSim.mailbox("alice@example.com");
    seedLarge(box, { contacts: 0, events: 3, tasks: 3 }); // event 0: a weekly series with one moved and one deleted occurrence
    const side = new GraphSide({ client: graph, name: "graph" });
    const davSide = new DavSide({ client: davClient, name: "dav" });
    const series = vevent("dav-series", { SUMMARY: "DAV standup", DTSTART: "20260302T090000Z", DTEND: "20260302T093000Z", RRULE: "FREQ=WEEKLY;COUNT=6", EXDATE: "20260316T090000Z" }).replace(
      "END:VCALENDAR",
      "BEGIN:VEVENT\r\nUID:dav-series\r\nDTSTAMP:20240101T000000Z\r\nRECURRENCE-ID:20260309T090000Z\r\nSUMMARY:DAV standup (late)\r\nDTSTART:20260309T110000Z\r\nDTEND:20260309T113000Z\r\nEND:VEVENT\r\nEND:VCALENDAR",
    );
    await dav.seedCollection({
      name: "cal",
      kind: "calendar",
      items: [
        { name: "series.ics", text: series },
        { name: "single.ics", text: vevent("dav-single", { SUMMARY: "DAV lunch", DTSTART: "20260410T120000Z", DTEND: "20260410T130000Z" }) },
      ],
    });
    const davCollections = await davSide.listCollections();
    const cal = davCollections.find((c) => c.id.replace(/\/$/, "").endsWith("/cal"))!.id;
    const todo = await davSide.createCollection("tasks", "Todo");
    await davSide.create(todo.id, [{ uid: "dav-task", text: vtodo("dav-task", "Task from DAV") }]);
    const graphCollections = await side.listCollections();
    const calendar = graphCollections.find((c) => c.kind === "events" && c.displayName === "Calendar")!.id;
    const list = graphCollections.find((c) => c.kind === "tasks" && c.displayName === "Tasks")!.id;
    const store = new MemoryStateStore();
    const engine = new SyncEngine({ store, sides: [side, davSide] });
    await engine.link({ id: "events", kind: "events", remote: { side: "graph", collection: calendar }, local: { side: "dav", collection: cal } });
    await engine.link({ id: "tasks", kind: "tasks", remote: { side: "graph", collection: list }, local: { side: "dav", collection: todo.id } });

    const first = await engine.runOnce();
    ok(first);
    const davEvents = () => davClient.fetchAll(cal);
    const events = await davEvents();
    expect(events.length).toBe(5);
    const ewsSeries = events.find((i) => i.data.includes("SUMMARY:Series 0"))!;
    expect(ewsSeries.data).toMatch(/RRULE:FREQ=WEEKLY/);
    expect(ewsSeries.data).toMatch(/RECURRENCE-ID/);
    expect(ewsSeries.data).toMatch(/EXDATE/);
    expect(ewsSeries.data).toContain("SUMMARY:Series 0 (moved)");
    expect((await davClient.fetchAll(todo.id)).length).toBe(4);
    // The DAV series in Exchange: the pattern, the exception and the cancelled occurrence (seen over EWS's records).
    const calendarItems = box.items(box.folderId(box.folderRecord("calendar")));
    expect(calendarItems.length).toBe(5);
    const [graphSeries] = (await side.fetch(calendar, [(await side.changes(calendar, null)).changed.map((c) => c.id)].flat())).filter((r) => !(r instanceof SideError) && r.uid === "dav-series") as Array<{ text: string }>;
    expect(graphSeries).toBeDefined();
    expect(graphSeries!.text).toMatch(/RRULE:FREQ=WEEKLY/);
    expect(graphSeries!.text).toContain("SUMMARY:DAV standup (late)");
    expect(graphSeries!.text).toMatch(/EXDATE[^:]*:20260316/);
    const second = await engine.runOnce();
    ok(second);
    expect(count(second, "created", "local") + count(second, "created", "remote") + count(second, "deleted", "local") + count(second, "deleted", "remote")).toBe(0);

    // Edits and deletions both ways.
    let davNow = await davEvents();
    const lunch = davNow.find((i) => i.data.includes("UID:dav-single"))!;
    await davClient.updateItem({ href: lunch.href, etag: lunch.etag, text: lunch.data.replace("SUMMARY:DAV lunch", "SUMMARY:DAV lunch moved") });
    const exchangeSingle = calendarItems.find((i) => i.get("Subject") === "Event 1")!;
    box.updateItem(exchangeSingle.id, "<CalendarItem><Subject>Event 1 renamed in Exchange</Subject></CalendarItem>");
    const exchangeTask = box.items(box.folderId(box.folderRecord("tasks"))).find((i) => i.get("Subject") === "Task 1")!;
    box.updateItem(exchangeTask.id, "<Task><Subject>Task 1 renamed in Exchange</Subject></Task>");
    const gone = davNow.find((i) => i.data.includes("SUMMARY:Event 2"))!;
    await davClient.deleteItem({ href: gone.href, etag: gone.etag });
    const edits = await engine.runOnce();
    ok(edits);
    davNow = await davEvents();
    expect(davNow.length).toBe(4);
    expect(davNow.some((i) => prop(i.data, "SUMMARY") === "Event 1 renamed in Exchange")).toBe(true);
    expect(box.items(box.folderId(box.folderRecord("calendar"))).some((i) => i.get("Subject") === "DAV lunch moved")).toBe(true);
    expect(box.items(box.folderId(box.folderRecord("calendar"))).length).toBe(4);
    expect((await davClient.fetchAll(todo.id)).some((i) => prop(i.data, "SUMMARY") === "Task 1 renamed in Exchange")).toBe(true);
    const quiet = await engine.runOnce();
    ok(quiet);
    expect(count(quiet, "created", "local") + count(quiet, "created", "remote") + count(quiet, "updated", "local") + count(quiet, "updated", "remote")).toBe(0);
  });
});
