/**
 * What a side could not carry is in the cycle's report: the engine syncing a vdir folder with the
 * EWS side over the simulator, for each lossy case of the mapping — a 4th EMAIL, a 2nd work ADR,
 * an ADR PO box, further NICKNAMEs and URLs, X- properties, an RRULE Exchange cannot hold, an
 * alarm Exchange cannot hold, a 2nd alarm on a task (on the write to Exchange) and an HTML body
 * reduced to text and Exchange-only fields (on the read from Exchange). Each entry names the item
 * (UID and id), the side, the property and a reason.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { MemoryStateStore, SyncEngine, type PairRecord, type PairReport, type SideReport } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";
import { VdirSide } from "@ewsdav/core/vdir";

type Dropped = SideReport["dropped"][number];

const CARD = [
  "BEGIN:VCARD",
  "VERSION:4.0",
  "UID:lossy-contact",
  "FN:Ada Lovelace",
  "N:Lovelace;Ada;;;",
  "NICKNAME:Ada,Countess",
  "URL:https://ada.example.org/",
  "URL:https://second.example.org/",
  "EMAIL;TYPE=work:one@example.org",
  "EMAIL;TYPE=home:two@example.org",
  "EMAIL;TYPE=other:three@example.org",
  "EMAIL:fourth@example.org",
  "ADR;TYPE=work:PO Box 7;;1 Engine Street;London;;N1 7AA;United Kingdom",
  "ADR;TYPE=work:;;2 Other Street;Paris;;75001;France",
  "X-EXAMPLE-FLAG:on",
  "END:VCARD",
  "",
].join("\r\n");

const EVENT = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//ewsdav//dropped report//EN",
  "BEGIN:VEVENT",
  "UID:lossy-event",
  "DTSTAMP:20260101T000000Z",
  "DTSTART:20260105T090000Z",
  "DTEND:20260105T100000Z",
  "SUMMARY:Twice a month",
  "RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15",
  "X-EXAMPLE-FLAG:on",
  "BEGIN:VALARM",
  "ACTION:DISPLAY",
  "DESCRIPTION:After the start",
  "TRIGGER:PT10M",
  "END:VALARM",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");

const TASK = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//ewsdav//dropped report//EN",
  "BEGIN:VTODO",
  "UID:lossy-task",
  "DTSTAMP:20260101T000000Z",
  "SUMMARY:Two reminders",
  "DUE:20260312T170000Z",
  "X-EXAMPLE-FLAG:on",
  "BEGIN:VALARM",
  "ACTION:DISPLAY",
  "DESCRIPTION:First",
  "TRIGGER;VALUE=DATE-TIME:20260312T080000Z",
  "END:VALARM",
  "BEGIN:VALARM",
  "ACTION:DISPLAY",
  "DESCRIPTION:Second",
  "TRIGGER;VALUE=DATE-TIME:20260312T160000Z",
  "END:VALARM",
  "END:VTODO",
  "END:VCALENDAR",
  "",
].join("\r\n");

/** The report's entries for one item and property, with what every entry must say. */
function entries(report: PairReport, uid: string, property: string, on: Dropped["on"]): Dropped[] {
  const found = report.remote.dropped.filter((d) => d.uid === uid && d.property === property && d.on === on);
  for (const d of found) {
    expect(d.id, `${uid} ${property}: the item's id on the side`).toBeTruthy();
    expect(d.reason.length, `${uid} ${property}: a reason`).toBeGreaterThan(5);
  }
  return found;
}

describe("the cycle's report names what a side dropped (engine, EWS side over the simulator ↔ vdir)", () => {
  let sim: EwsSimulator;
  let client: EwsClient;
  let engine: SyncEngine;
  let pairs: Record<"contacts" | "events" | "tasks", PairRecord>;
  let root: string;
  let vdir: VdirSide;

  beforeAll(async () => {
    sim = await startEwsSimulator({});
    client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), mailbox: "alice@example.com" });
    const ews = new EwsSide({ client, name: "exchange" });
    root = mkdtempSync(join(tmpdir(), "ewsdav-dropped-"));
    vdir = new VdirSide({ root, name: "files", fsync: false });
    engine = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, vdir] });
    const folders = await ews.listCollections();
    const link = async (kind: "contacts" | "events" | "tasks") => {
      const local = await vdir.createCollection(kind, kind);
      return engine.link({ id: kind, kind, remote: { side: "exchange", collection: folders.find((f) => f.kind === kind)!.id }, local: { side: "files", collection: local.id } });
    };
    pairs = { contacts: await link("contacts"), events: await link("events"), tasks: await link("tasks") };
  });
  afterAll(async () => {
    await client?.close?.();
    await sim?.stop();
  });

  it("on the write to Exchange: each lossy property of each item, with the item, the side and a reason", async () => {
    writeFileSync(join(root, pairs.contacts.local.collection, "lossy.vcf"), CARD);
    writeFileSync(join(root, pairs.events.local.collection, "lossy.ics"), EVENT);
    writeFileSync(join(root, pairs.tasks.local.collection, "lossy.ics"), TASK);
    const report = await engine.runOnce();
    expect(report.ok, JSON.stringify(report.pairs.map((p) => [p.error, p.errors]))).toBe(true);
    const [contacts, events, tasks] = (["contacts", "events", "tasks"] as const).map((id) => report.pairs.find((p) => p.pairId === id)!);

    // Contacts: a 4th EMAIL, a 2nd work ADR and a PO box, a 2nd NICKNAME and URL, an X- property.
    const contactId = contacts!.remote.created.find((r) => r.uid === "lossy-contact")?.id;
    expect(contactId).toBeTruthy();
    expect(entries(contacts!, "lossy-contact", "EMAIL", "write")).toHaveLength(1);
    const adr = entries(contacts!, "lossy-contact", "ADR", "write");
    expect(adr.map((d) => d.reason).join(" | ")).toMatch(/post office box/i);
    expect(adr.map((d) => d.reason).join(" | ")).toMatch(/work address/i);
    expect(entries(contacts!, "lossy-contact", "NICKNAME", "write")).toHaveLength(1);
    expect(entries(contacts!, "lossy-contact", "URL", "write")).toHaveLength(1);
    expect(entries(contacts!, "lossy-contact", "X-EXAMPLE-FLAG", "write")).toHaveLength(1);
    for (const d of contacts!.remote.dropped) expect(d.id).toBe(contactId);

    // Events: a rule Exchange cannot hold, an alarm after the start, an X- property.
    expect(entries(events!, "lossy-event", "RRULE", "write").length).toBeGreaterThan(0);
    expect(entries(events!, "lossy-event", "VALARM", "write").length).toBeGreaterThan(0);
    expect(entries(events!, "lossy-event", "X-EXAMPLE-FLAG", "write")).toHaveLength(1);

    // Tasks: a second reminder, an X- property.
    expect(entries(tasks!, "lossy-task", "VALARM", "write")).toHaveLength(1);
    expect(entries(tasks!, "lossy-task", "X-EXAMPLE-FLAG", "write")).toHaveLength(1);

    // What was dropped stays in the files: nothing is written back to the DAV side over it.
    for (const p of [contacts!, events!, tasks!]) expect(p.local.updated, p.pairId).toEqual([]);
  });

  it("on the read from Exchange: an HTML body reduced to text, and fields vCard / VTODO cannot say", async () => {
    const box = sim.mailbox("alice@example.com");
    box.createItem(
      pairs.contacts.remote.collection,
      "<Contact><Body BodyType=\"HTML\">&lt;p&gt;Met at the &lt;b&gt;museum&lt;/b&gt;&lt;/p&gt;&lt;table&gt;&lt;tr&gt;&lt;td&gt;x&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;</Body><DisplayName>Grace Hopper</DisplayName><GivenName>Grace</GivenName><Surname>Hopper</Surname><Mileage>40 km</Mileage></Contact>",
    );
    box.createItem(
      pairs.tasks.remote.collection,
      "<Task><Subject>Bill the client</Subject><Body BodyType=\"HTML\">&lt;p&gt;Send the &lt;i&gt;invoice&lt;/i&gt;&lt;/p&gt;</Body><BillingInformation>Project 7</BillingInformation></Task>",
    );
    const report = await engine.runOnce();
    expect(report.ok, JSON.stringify(report.pairs.map((p) => [p.error, p.errors]))).toBe(true);
    const contacts = report.pairs.find((p) => p.pairId === "contacts")!;
    const tasks = report.pairs.find((p) => p.pairId === "tasks")!;
    const contactUid = contacts.local.created[0]?.uid;
    const taskUid = tasks.local.created[0]?.uid;
    expect(contactUid).toBeTruthy();
    expect(taskUid).toBeTruthy();
    expect(entries(contacts, contactUid!, "Body", "read")).toHaveLength(1);
    expect(entries(contacts, contactUid!, "Mileage", "read")).toHaveLength(1);
    expect(entries(tasks, taskUid!, "Body", "read")).toHaveLength(1);
    expect(entries(tasks, taskUid!, "BillingInformation", "read")).toHaveLength(1);
  });
});
