/**
 * The EWS ↔ DAV matrix: the EWS simulator against each DAV server the harness starts
 * (Radicale, Xandikos, sabre/dav in Nextcloud's layout), over HTTP, for contacts, events and
 * tasks: create, edit and delete on each side, with the other side's state checked after every
 * cycle, and no duplicates. One simulator and one DAV server per kind, reused by its cases.
 *
 * sabre/dav answers a multiget naming one missing href with 404 for the whole REPORT; a delete
 * made there must still reach Exchange (issue 13, item 1), not fail the pair as `transient`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DavClient, type DavItem } from "@ewsdav/dav-client";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { MemoryStateStore, SyncEngine, type CollectionKind, type PairRecord, type SyncReport } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { EwsSide } from "@ewsdav/core/ews";
import { DAV_SERVER_KINDS, startDavServer, type DavServer } from "../../../test/harness/dav-servers.js";
import { prop, vcard, vevent } from "../src/fixtures.test-support.js";

const KINDS: readonly CollectionKind[] = ["contacts", "events", "tasks"];
const MAILBOX = "alice@example.com";

function vtodo(uid: string, summary: string, due: string): string {
  return [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//ewsdav//matrix//EN",
    "BEGIN:VTODO",
    `UID:${uid}`,
    "DTSTAMP:20260101T000000Z",
    `SUMMARY:${summary}`,
    `DUE:${due}`,
    "STATUS:NEEDS-ACTION",
    "END:VTODO",
    "END:VCALENDAR",
    "",
  ].join("\r\n");
}

/** The name the other side shows: FN of a card, SUMMARY of an event or task. */
const davLabel = (kind: CollectionKind, text: string) => prop(text, kind === "contacts" ? "FN" : "SUMMARY");

/** The report's failures, for the assertion message. */
const failures = (r: SyncReport) => JSON.stringify(r.pairs.filter((p) => p.error || p.errors.length).map((p) => [p.pairId, p.error, p.errors.slice(0, 3)]));

describe.each(DAV_SERVER_KINDS)("EWS simulator ↔ %s: create, edit, delete each way", (serverKind) => {
  let sim: EwsSimulator;
  let server: DavServer;
  let ewsClient: EwsClient;
  let davClient: DavClient;
  let engine: SyncEngine;
  const pairs = {} as Record<CollectionKind, PairRecord>;

  beforeAll(async () => {
    [sim, server] = await Promise.all([startEwsSimulator({ record: false }), startDavServer(serverKind)]);
    ewsClient = new EwsClient({ url: sim.url, auth: basicAuth({ username: MAILBOX, password: "secret" }), mailbox: MAILBOX });
    davClient = new DavClient({ baseUrl: server.url, auth: { type: "basic", username: server.username, password: server.password }, headers: server.headers });
    const ews = new EwsSide({ client: ewsClient, name: "ews" });
    const dav = new DavSide({ client: davClient, name: "dav" });
    const folders = await ews.listCollections();
    const ewsId = (k: CollectionKind) => folders.find((f) => f.kind === k && ["Contacts", "Calendar", "Tasks"].includes(f.displayName))!.id;
    engine = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, dav], policy: { conflict: "remote-wins" } });
    for (const kind of KINDS) {
      const collection = await dav.createCollection(kind, `Matrix ${kind}`);
      pairs[kind] = await engine.link({ id: kind, kind, remote: { side: "ews", collection: ewsId(kind) }, local: { side: "dav", collection: collection.id } });
    }
  }, 120_000);

  afterAll(async () => {
    await davClient?.close();
    await ewsClient?.close?.();
    await Promise.all([sim?.stop(), server?.stop()]);
  });

  const box = () => sim.mailbox(MAILBOX);
  const ewsItems = (kind: CollectionKind) => box().items(pairs[kind].remote.collection);
  const davItems = (kind: CollectionKind): Promise<DavItem[]> => davClient.fetchAll(pairs[kind].local.collection);
  const ewsLabel = (kind: CollectionKind, item: ReturnType<typeof ewsItems>[number]) => item.get(kind === "contacts" ? "DisplayName" : "Subject");

  /** One cycle that must succeed, then one that must find nothing to do (echoes suppressed). */
  async function cycle(): Promise<SyncReport> {
    const report = await engine.runOnce();
    expect(report.ok, failures(report)).toBe(true);
    const quiet = await engine.runOnce();
    expect(quiet.ok, failures(quiet)).toBe(true);
    for (const p of quiet.pairs) {
      const writes = [p.local, p.remote].reduce((n, s) => n + s.created.length + s.updated.length + s.deleted.length, 0);
      expect(writes, `${p.pairId}: a second cycle wrote again`).toBe(0);
    }
    return report;
  }

  /** Both sides hold exactly these labels, per kind (no duplicates, nothing left over). */
  async function expectBoth(kind: CollectionKind, labels: string[]): Promise<void> {
    expect(ewsItems(kind).map((i) => ewsLabel(kind, i)).sort(), `${kind} in Exchange`).toEqual([...labels].sort());
    expect((await davItems(kind)).map((i) => davLabel(kind, i.data)).sort(), `${kind} on ${serverKind}`).toEqual([...labels].sort());
  }

  describe("EWS → DAV", () => {
    const ids = {} as Record<CollectionKind, string>;

    it("creates a contact, an event and a task", async () => {
      ids.contacts = box().createItem(
        pairs.contacts.remote.collection,
        "<Contact><FileAs>Matrix, Ewa</FileAs><DisplayName>Ewa Matrix</DisplayName><GivenName>Ewa</GivenName>" +
          '<EmailAddresses><Entry Key="EmailAddress1">ewa@example.net</Entry></EmailAddresses><JobTitle>Tester</JobTitle><Surname>Matrix</Surname></Contact>',
      ).id;
      ids.events = box().createItem(
        pairs.events.remote.collection,
        "<CalendarItem><Subject>Exchange meeting</Subject><Start>2026-12-10T10:00:00Z</Start><End>2026-12-10T11:00:00Z</End><Location>Room 7</Location></CalendarItem>",
      ).id;
      ids.tasks = box().createItem(
        pairs.tasks.remote.collection,
        "<Task><Subject>Exchange task</Subject><DueDate>2026-12-12T17:00:00Z</DueDate><Status>NotStarted</Status></Task>",
      ).id;
      const report = await cycle();
      for (const kind of KINDS) expect(report.pairs.find((p) => p.pairId === kind)!.local.created, kind).toHaveLength(1);
      await expectBoth("contacts", ["Ewa Matrix"]);
      await expectBoth("events", ["Exchange meeting"]);
      await expectBoth("tasks", ["Exchange task"]);
      const [card] = await davItems("contacts");
      expect(prop(card!.data, "EMAIL")).toBe("ewa@example.net");
      expect(prop(card!.data, "TITLE")).toBe("Tester");
      expect(prop((await davItems("events"))[0]!.data, "LOCATION")).toBe("Room 7");
    });

    it("carries edits", async () => {
      box().updateItem(ids.contacts, "<Contact><JobTitle>Lead tester</JobTitle></Contact>");
      box().updateItem(ids.events, "<CalendarItem><Subject>Exchange meeting (moved)</Subject></CalendarItem>");
      box().updateItem(ids.tasks, "<Task><Subject>Exchange task (renamed)</Subject></Task>");
      const report = await cycle();
      for (const kind of KINDS) expect(report.pairs.find((p) => p.pairId === kind)!.local.updated, kind).toHaveLength(1);
      expect(prop((await davItems("contacts"))[0]!.data, "TITLE")).toBe("Lead tester");
      await expectBoth("contacts", ["Ewa Matrix"]);
      await expectBoth("events", ["Exchange meeting (moved)"]);
      await expectBoth("tasks", ["Exchange task (renamed)"]);
    });

    it("carries deletions", async () => {
      for (const kind of KINDS) box().deleteItem(ids[kind]);
      const report = await cycle();
      for (const kind of KINDS) expect(report.pairs.find((p) => p.pairId === kind)!.local.deleted, kind).toHaveLength(1);
      for (const kind of KINDS) await expectBoth(kind, []);
    });
  });

  describe("DAV → EWS", () => {
    const written = {} as Record<CollectionKind, { href: string; etag: string }>;
    const texts: Record<CollectionKind, (label: string) => string> = {
      contacts: (label) => vcard("matrix-dav-contact", { FN: label, N: "Dav;Daria;;;", EMAIL: "daria@example.org", TITLE: "Author" }),
      events: (label) => vevent("matrix-dav-event", { SUMMARY: label, DTSTART: "20261215T090000Z", DTEND: "20261215T100000Z", LOCATION: "Hall" }),
      tasks: (label) => vtodo("matrix-dav-task", label, "20261218T170000Z"),
    };

    it("creates a contact, an event and a task", async () => {
      for (const kind of KINDS) written[kind] = await davClient.createItem(pairs[kind].local.collection, { text: texts[kind](`DAV ${kind}`) });
      const report = await cycle();
      for (const kind of KINDS) expect(report.pairs.find((p) => p.pairId === kind)!.remote.created, kind).toHaveLength(1);
      await expectBoth("contacts", ["DAV contacts"]);
      await expectBoth("events", ["DAV events"]);
      await expectBoth("tasks", ["DAV tasks"]);
      const [contact] = ewsItems("contacts");
      expect(contact!.get("JobTitle")).toBe("Author");
      expect(ewsItems("events")[0]!.get("Location")).toBe("Hall");
    });

    it("carries edits", async () => {
      for (const kind of KINDS) {
        const current = await davClient.getItem(written[kind].href);
        written[kind] = await davClient.updateItem({ href: current.href, etag: current.etag, text: texts[kind](`DAV ${kind} edited`) });
      }
      const report = await cycle();
      for (const kind of KINDS) expect(report.pairs.find((p) => p.pairId === kind)!.remote.updated, kind).toHaveLength(1);
      for (const kind of KINDS) await expectBoth(kind, [`DAV ${kind} edited`]);
    });

    it("carries the deletion of an item the engine had just written, read again by id beside an edit (on sabre/dav, a multiget that answers 404 as a whole)", async () => {
      // Written by the engine into DAV, then deleted there before a cycle saw it listed: the
      // next cycle reads it by id, in one multiget with the edited item.
      const fresh = {
        contacts: "<Contact><FileAs>Fresh</FileAs><DisplayName>Fresh contacts</DisplayName><GivenName>Fresh</GivenName></Contact>",
        events: "<CalendarItem><Subject>Fresh events</Subject><Start>2026-12-20T10:00:00Z</Start><End>2026-12-20T11:00:00Z</End></CalendarItem>",
        tasks: "<Task><Subject>Fresh tasks</Subject><Status>NotStarted</Status></Task>",
      };
      for (const kind of KINDS) box().createItem(pairs[kind].remote.collection, fresh[kind]);
      const first = await engine.runOnce();
      expect(first.ok, failures(first)).toBe(true);
      for (const kind of KINDS) {
        const copy = (await davItems(kind)).find((i) => davLabel(kind, i.data) === `Fresh ${kind}`)!;
        await davClient.deleteItem({ href: copy.href, etag: copy.etag });
        const current = await davClient.getItem(written[kind].href);
        written[kind] = await davClient.updateItem({ href: current.href, etag: current.etag, text: texts[kind](`DAV ${kind} edited twice`) });
      }
      const report = await cycle();
      for (const kind of KINDS) {
        const pair = report.pairs.find((p) => p.pairId === kind)!;
        expect(pair.remote.deleted, kind).toHaveLength(1);
        expect(pair.remote.updated, kind).toHaveLength(1);
      }
      for (const kind of KINDS) await expectBoth(kind, [`DAV ${kind} edited twice`]);
    });

    it("carries deletions (on sabre/dav, through the multiget that answers 404 as a whole)", async () => {
      for (const kind of KINDS) {
        const current = await davClient.getItem(written[kind].href);
        await davClient.deleteItem({ href: current.href, etag: current.etag });
      }
      const report = await cycle();
      for (const kind of KINDS) expect(report.pairs.find((p) => p.pairId === kind)!.remote.deleted, kind).toHaveLength(1);
      for (const kind of KINDS) await expectBoth(kind, []);
    });
  });
});
