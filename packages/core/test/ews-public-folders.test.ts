/**
 * Public folders sync (issue 13 item 6). Exchange refuses SyncFolderItems on public folders, and so
 * does the simulator's public store (ErrorInvalidOperation); the EWS side then takes the folder's
 * feed from FindItem — a complete listing of ids and ChangeKeys, compared by the engine with its
 * state. Engine ↔ vdir over HTTP on the simulator's public store, a contacts and a calendar folder:
 * create, edit and delete each way; more items than one FindItem page; a folder that does not
 * change costs one FindItem walk and no GetItem.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient, EwsProtocolError } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { MemoryStateStore, SyncEngine, type PairRecord, type SyncReport } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";
import { VdirSide } from "@ewsdav/core/vdir";
import { prop, vcard, vevent } from "../src/fixtures.test-support.js";

const CONTACTS = 23;
const PAGE = 5;

/** FindItem requests of one walk over `n` items in pages of `p`, each page after the first overlapping the one before by one item. */
const walkPages = (n: number, p: number) => (n <= p ? 1 : 1 + Math.ceil((n - p) / (p - 1)));

const ok = (r: SyncReport) => expect(r.ok, JSON.stringify(r.pairs.map((p) => [p.pairId, p.error, p.errors.slice(0, 3)]))).toBe(true);

describe("public folders on the EWS simulator ↔ vdir", () => {
  let sim: EwsSimulator;
  let client: EwsClient;
  let root: string;
  beforeAll(async () => {
    sim = await startEwsSimulator({ record: false });
    client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), mailbox: "alice@example.com" });
    root = mkdtempSync(join(tmpdir(), "ewsdav-public-"));
  });
  afterAll(async () => {
    await client?.close();
    await sim?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("syncs a public contacts and calendar folder both ways through a FindItem feed; a quiet cycle reads nothing", async () => {
    const pub = sim.publicFolders;
    const contactsFolder = pub.createFolder("publicfoldersroot", "Company Contacts", "IPF.Contact");
    const calendarFolder = pub.createFolder("publicfoldersroot", "Company Calendar", "IPF.Appointment");
    for (let i = 0; i < CONTACTS; i++) pub.createItem(contactsFolder.id, `<Contact><GivenName>Pub${i}</GivenName><Surname>Person</Surname></Contact>`);
    const meeting = pub.createItem(calendarFolder.id, "<CalendarItem><Subject>All hands</Subject><Start>2030-01-07T15:00:00Z</Start><End>2030-01-07T16:00:00Z</End></CalendarItem>");
    pub.createItem(calendarFolder.id, "<CalendarItem><Subject>Offsite</Subject><Start>2030-02-03T09:00:00Z</Start><End>2030-02-03T17:00:00Z</End></CalendarItem>");

    const ews = new EwsSide({ client, name: "ews", publicFolders: true, listingPageSize: PAGE });
    const vdir = new VdirSide({ root, fsync: false });
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, vdir], policy: { conflict: "remote-wins" } });
    const collections = await ews.listCollections();
    expect(collections.map((c) => c.id)).toEqual(expect.arrayContaining([contactsFolder.id, calendarFolder.id]));
    const contacts: PairRecord = await engine.link({ id: "pub-contacts", kind: "contacts", remote: { side: "ews", collection: contactsFolder.id }, local: { side: "vdir", create: { displayName: "pub-contacts" } } });
    const events: PairRecord = await engine.link({ id: "pub-events", kind: "events", remote: { side: "ews", collection: calendarFolder.id }, local: { side: "vdir", create: { displayName: "pub-events" } } });
    const dir = (p: PairRecord) => join(root, p.local.collection);
    const files = (p: PairRecord) =>
      readdirSync(dir(p))
        .filter((name) => /\.(vcf|ics)$/.test(name))
        .map((name) => ({ name, text: readFileSync(join(dir(p), name), "utf8") }));
    const fileWith = (p: PairRecord, needle: string) => files(p).find((f) => f.text.includes(needle));

    // 1. First sync: every item, over several FindItem pages (the folder refused SyncFolderItems).
    const findBefore = sim.requestCount("FindItem");
    ok(await engine.runOnce());
    expect(sim.requestCount("FindItem") - findBefore).toBeGreaterThanOrEqual(Math.ceil(CONTACTS / PAGE) + 1);
    expect(files(contacts)).toHaveLength(CONTACTS);
    expect(files(events)).toHaveLength(2);
    expect(fileWith(events, "SUMMARY:All hands")).toBeDefined();
    ok(await engine.runOnce()); // the UID tags written to Exchange come back in the listing

    // 2. A cycle over folders that did not change: one FindItem walk each, no GetItem, no write.
    const before = { find: sim.requestCount("FindItem"), get: sim.requestCount("GetItem"), update: sim.requestCount("UpdateItem") };
    const quiet = await engine.runOnce();
    ok(quiet);
    expect(sim.requestCount("GetItem") - before.get).toBe(0);
    expect(sim.requestCount("UpdateItem") - before.update).toBe(0);
    expect(sim.requestCount("FindItem") - before.find).toBe(walkPages(CONTACTS, PAGE) + walkPages(2, PAGE));
    for (const p of quiet.pairs) expect([...p.local.created, ...p.local.updated, ...p.local.deleted, ...p.remote.created, ...p.remote.updated, ...p.remote.deleted]).toEqual([]);

    // 3. Exchange → vdir: an edit, a deletion and a creation in each folder.
    const [edited, gone] = pub.items(contactsFolder.id).filter((i) => ["Pub3", "Pub17"].includes(i.get("GivenName") ?? ""));
    pub.updateItem(edited!.id, "<Contact><JobTitle>Edited in Exchange</JobTitle></Contact>");
    pub.deleteItem(gone!.id);
    pub.createItem(contactsFolder.id, "<Contact><GivenName>Newcomer</GivenName><Surname>Exchange</Surname></Contact>");
    pub.updateItem(meeting.id, "<CalendarItem><Subject>All hands (moved)</Subject></CalendarItem>");
    pub.deleteItem(pub.items(calendarFolder.id).find((i) => i.get("Subject") === "Offsite")!.id);
    pub.createItem(calendarFolder.id, "<CalendarItem><Subject>Launch</Subject><Start>2030-03-01T10:00:00Z</Start><End>2030-03-01T11:00:00Z</End></CalendarItem>");
    ok(await engine.runOnce());
    expect(files(contacts)).toHaveLength(CONTACTS);
    expect(prop(fileWith(contacts, "Pub3")!.text, "TITLE")).toBe("Edited in Exchange");
    expect(fileWith(contacts, "Pub17")).toBeUndefined();
    expect(fileWith(contacts, "Newcomer")).toBeDefined();
    expect(fileWith(events, "SUMMARY:All hands (moved)")).toBeDefined();
    expect(fileWith(events, "SUMMARY:Offsite")).toBeUndefined();
    expect(fileWith(events, "SUMMARY:Launch")).toBeDefined();
    ok(await engine.runOnce());

    // 4. vdir → Exchange: an edit, a deletion and a creation in each folder.
    const local = fileWith(contacts, "Pub5")!;
    writeFileSync(join(dir(contacts), local.name), local.text.replace("END:VCARD", "NOTE:from the files\r\nEND:VCARD"));
    unlinkSync(join(dir(contacts), fileWith(contacts, "Pub8")!.name));
    writeFileSync(join(dir(contacts), "dav-made.vcf"), vcard("dav-made-1", { FN: "Made Locally", N: "Locally;Made;;;" }));
    const launch = fileWith(events, "SUMMARY:Launch")!;
    writeFileSync(join(dir(events), launch.name), launch.text.replace("SUMMARY:Launch", "SUMMARY:Launch (final)"));
    unlinkSync(join(dir(events), fileWith(events, "SUMMARY:All hands (moved)")!.name));
    writeFileSync(join(dir(events), "dav-made.ics"), vevent("dav-made-event", { SUMMARY: "Planned locally", DTSTART: "20300405T080000Z", DTEND: "20300405T090000Z" }));
    ok(await engine.runOnce());
    const remoteContacts = pub.items(contactsFolder.id);
    expect(remoteContacts).toHaveLength(CONTACTS);
    expect(remoteContacts.find((i) => i.get("GivenName") === "Pub5")!.get("Body") ?? "").toContain("from the files");
    expect(remoteContacts.some((i) => i.get("GivenName") === "Pub8")).toBe(false);
    expect(remoteContacts.some((i) => i.get("GivenName") === "Made")).toBe(true);
    const remoteEvents = pub.items(calendarFolder.id).map((i) => i.get("Subject"));
    expect(remoteEvents.sort()).toEqual(["Launch (final)", "Planned locally"]);

    // 5. Settled: the cycle after the echoes is quiet again.
    ok(await engine.runOnce());
    const settled = sim.requestCount("GetItem");
    ok(await engine.runOnce());
    expect(sim.requestCount("GetItem") - settled).toBe(0);
  });

  it("a FindItem walk that cannot complete is an error, never a partial listing that would read as deletions", async () => {
    const pub = sim.publicFolders;
    const folder = pub.createFolder("publicfoldersroot", "Cut Contacts", "IPF.Contact");
    for (let i = 0; i < 12; i++) pub.createItem(folder.id, `<Contact><GivenName>Cut${i}</GivenName></Contact>`);
    const ews = new EwsSide({ client, name: "ews", publicFolders: true, listingPageSize: 4 });
    await ews.listCollections();
    const full = await ews.changes(folder.id, null);
    expect(full.complete).toBe(true);
    expect(full.changed).toHaveLength(12);
    // The same listing again: nothing changed, and the feed says so.
    expect(await ews.changes(folder.id, full.cursor)).toEqual({ cursor: full.cursor, changed: [], deleted: [], complete: false });
    // A page cut after its first item, well-framed (and not retried here): the XML does not parse, the feed throws.
    const once = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), mailbox: "alice@example.com", retry: false });
    try {
      const side = new EwsSide({ client: once, name: "ews", publicFolders: true, listingPageSize: 4 });
      await side.listCollections();
      sim.faults.inject({ kind: "cutBody", after: "</t:Contact>", framing: "length", operation: "FindItem" });
      await expect(side.changes(folder.id, full.cursor)).rejects.toThrow();
    } finally {
      sim.faults.clear();
      await once.close();
    }
    // Items deleted and created while the walk is between pages: the walk starts again and lists the folder as it is.
    let calls = 0;
    const racing = new EwsClient({
      url: sim.url,
      auth: basicAuth({ username: "alice@example.com", password: "secret" }),
      mailbox: "alice@example.com",
      layers: [
        (next) => async (request) => {
          if (request.operation === "FindItem" && ++calls === 2) {
            const first = pub.items(folder.id)[0]!;
            pub.deleteItem(first.id);
            pub.createItem(folder.id, "<Contact><GivenName>Late</GivenName></Contact>");
          }
          return next(request);
        },
      ],
    });
    try {
      const side = new EwsSide({ client: racing, name: "ews", publicFolders: true, listingPageSize: 4 });
      await side.listCollections();
      const feed = await side.changes(folder.id, full.cursor);
      expect(feed.complete).toBe(true);
      expect(new Set(feed.changed.map((c) => c.id))).toEqual(new Set(pub.items(folder.id).map((i) => i.id)));
    } finally {
      await racing.close();
    }
    // A folder that keeps changing under every walk: an error, after the bounded restarts.
    const churning = new EwsClient({
      url: sim.url,
      auth: basicAuth({ username: "alice@example.com", password: "secret" }),
      mailbox: "alice@example.com",
      layers: [
        (next) => async (request) => {
          if (request.operation === "FindItem" && request.body.includes('Offset="0"') === false) pub.deleteItem(pub.items(folder.id)[0]!.id);
          return next(request);
        },
      ],
    });
    try {
      const side = new EwsSide({ client: churning, name: "ews", publicFolders: true, listingPageSize: 4 });
      await side.listCollections();
      await expect(side.changes(folder.id, null)).rejects.toBeInstanceOf(EwsProtocolError);
    } finally {
      await churning.close();
    }
  });
});
