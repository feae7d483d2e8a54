/**
 * Issue 13, items 2 and 5, end to end over HTTP: the EWS simulator ↔ a vdir folder through the
 * engine. Contact photos both ways (added, changed, removed on each side; over the cap and by URL
 * reported), binary ATTACH of events and tasks both ways, URI ATTACH reported and kept, only
 * changed files sent (a quiet cycle and an edit of another field send no attachment operation),
 * a foreign ORGANIZER reported on create and update, Gender carried against a simulated
 * Exchange 2016 and reported against Exchange 2010 SP2 (the client negotiates the version).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient, type FileAttachment } from "@ewsdav/ews-client";
import { EXCHANGE_2010_SP2_VERSION, EXCHANGE_2016_VERSION, startEwsSimulator, type EwsServerVersionInfo, type EwsSimulator } from "@ewsdav/ews-simulator";
import { MemoryStateStore, SyncEngine, type CollectionKind, type PairReport, type SyncReport } from "@ewsdav/core";
import { EwsSide, type EwsSideOptions } from "@ewsdav/core/ews";
import { VdirSide } from "@ewsdav/core/vdir";
import { prop } from "../src/fixtures.test-support.js";

const ATTACHMENT_OPERATIONS = ["CreateAttachment", "DeleteAttachment"];

/** Deterministic bytes standing for a file's content. */
const bytes = (length: number, seed: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed * 7 + (i >> 3)) & 255));
const b64 = (length: number, seed: number) => bytes(length, seed).toString("base64");

const ok = (r: SyncReport) => expect(r.ok, JSON.stringify(r.pairs.map((p) => [p.pairId, p.error, p.errors.slice(0, 3)]))).toBe(true);
const pairOf = (r: SyncReport, kind: string): PairReport => r.pairs.find((p) => p.pairId === kind)!;

function card(uid: string, extra: string[], version: "3.0" | "4.0" = "3.0"): string {
  return ["BEGIN:VCARD", `VERSION:${version}`, `UID:${uid}`, `FN:${uid}`, `N:${uid};;;;`, ...extra, "END:VCARD", ""].join("\r\n");
}

function calendar(component: "VEVENT" | "VTODO", uid: string, extra: string[]): string {
  const times = component === "VEVENT" ? ["DTSTART:20260310T090000Z", "DTEND:20260310T100000Z"] : [];
  return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", `BEGIN:${component}`, `UID:${uid}`, "DTSTAMP:20260101T000000Z", ...times, `SUMMARY:${uid}`, ...extra, `END:${component}`, "END:VCALENDAR", ""].join("\r\n");
}

/** Unfolded property lines of a vobject text with the given name. */
function lines(text: string, name: string): string[] {
  return text.replace(/\r?\n[ \t]/g, "").split(/\r?\n/).filter((line) => new RegExp(`^${name}[;:]`, "i").test(line));
}

/** A simulator, a client, the EWS side and a vdir folder linked for contacts, events and tasks. */
async function world(options: { serverVersion?: EwsServerVersionInfo; side?: Partial<EwsSideOptions> } = {}) {
  const sim = await startEwsSimulator({ ...(options.serverVersion ? { serverVersion: options.serverVersion } : {}) });
  const client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }) });
  const ews = new EwsSide({ client, name: "ews", ...options.side });
  const root = mkdtempSync(join(tmpdir(), "ewsdav-attach-"));
  const vdir = new VdirSide({ root, fsync: false });
  const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, vdir], policy: { conflict: "remote-wins" } });
  const folders = await ews.listCollections();
  const box = sim.mailbox("alice@example.com");
  const remote: Record<CollectionKind, string> = { contacts: "", events: "", tasks: "" };
  const local: Record<CollectionKind, string> = { contacts: "", events: "", tasks: "" };
  for (const kind of ["contacts", "events", "tasks"] as const) {
    remote[kind] = folders.find((f) => f.kind === kind && ["Contacts", "Calendar", "Tasks"].includes(f.displayName))!.id;
    local[kind] = (await vdir.createCollection(kind, kind)).id;
    await engine.link({ id: kind, kind, remote: { side: "ews", collection: remote[kind] }, local: { side: "vdir", collection: local[kind] } });
  }
  const write = (kind: CollectionKind, name: string, text: string) => writeFileSync(join(root, local[kind], name), text);
  const read = (kind: CollectionKind, name: string) => readFileSync(join(root, local[kind], name), "utf8");
  const files = (kind: CollectionKind) => readdirSync(join(root, local[kind])).filter((f) => /\.(vcf|ics)$/.test(f));
  /** The Exchange item whose ewsdav UID (or calendar UID) or subject/name matches. */
  const ewsItem = (kind: CollectionKind, name: string) =>
    box.items(remote[kind]).find((i) => i.get("Subject") === name || i.get("DisplayName") === name || i.get("GivenName") === name || i.get("Surname") === name || i.get("UID") === name)!;
  /** Content (base64) of an Exchange attachment, read by another EWS client. */
  const content = async (attachmentId: string) => ((await client.getAttachment([attachmentId]))[0] as FileAttachment).content;
  /** Runs a cycle and returns it with the operations it sent to Exchange. */
  const cycle = async () => {
    sim.clearExchanges();
    const report = await engine.runOnce();
    return { report, operations: sim.exchanges.map((e) => e.operation ?? "") };
  };
  /** Runs cycles until one writes nothing (echoes and tags settle), at most four. */
  const settle = async () => {
    for (let i = 0; i < 4; i++) {
      const { report } = await cycle();
      ok(report);
      if (report.pairs.every((p) => p.local.created.length + p.local.updated.length + p.remote.created.length + p.remote.updated.length + p.remote.tagged.length === 0)) return;
    }
    throw new Error("the pairs did not settle");
  };
  const stop = async () => {
    await client.close();
    await sim.stop();
  };
  return { sim, client, ews, box, engine, remote, local, write, read, files, ewsItem, content, cycle, settle, stop };
}

type World = Awaited<ReturnType<typeof world>>;

describe("EWS side: contact photos, attachments and the organizer against the simulator (Exchange 2016)", () => {
  let w: World;
  beforeAll(async () => {
    w = await world({ side: { maxPhotoBytes: 4096, maxAttachmentBytes: 64 * 1024 } });
  });
  afterAll(() => w?.stop());

  it("a DAV photo (vCard 3.0 ENCODING=b) reaches Exchange as the contact photo; changed and removed follow; an unchanged photo is never sent again", async () => {
    const photo = b64(1500, 1);
    w.write("contacts", "dana.vcf", card("dana", [`PHOTO;ENCODING=b;TYPE=JPEG:${photo}`]));
    const { report, operations } = await w.cycle();
    ok(report);
    expect(operations.filter((o) => o === "CreateAttachment")).toHaveLength(1);
    const created = w.ewsItem("contacts", "dana");
    expect(created.attachments).toMatchObject([{ isContactPhoto: true, size: 1500 }]);
    expect(await w.content(created.attachments[0]!.id)).toBe(photo);
    await w.settle();

    // A quiet cycle, then an edit of another field: no attachment is sent or deleted.
    const quiet = await w.cycle();
    ok(quiet.report);
    expect(quiet.operations.filter((o) => ATTACHMENT_OPERATIONS.includes(o) || o === "GetAttachment")).toEqual([]);
    w.write("contacts", "dana.vcf", w.read("contacts", "dana.vcf").replace(/^FN:.*$/m, "FN:Dana Renamed"));
    const renamed = await w.cycle();
    ok(renamed.report);
    expect(pairOf(renamed.report, "contacts").remote.updated).toHaveLength(1);
    expect(renamed.operations.filter((o) => ATTACHMENT_OPERATIONS.includes(o))).toEqual([]);
    expect(w.ewsItem("contacts", "dana").attachments.map((a) => a.id)).toEqual([created.attachments[0]!.id]);
    await w.settle();

    // Changed on DAV (now a vCard 4.0 data URI): the old photo goes, the new one comes, once.
    const next = b64(1800, 2);
    w.write("contacts", "dana.vcf", card("dana", [`PHOTO:data:image/png;base64,${next}`], "4.0"));
    const changed = await w.cycle();
    ok(changed.report);
    expect(changed.operations.filter((o) => ATTACHMENT_OPERATIONS.includes(o))).toEqual(["DeleteAttachment", "CreateAttachment"]);
    const after = w.ewsItem("contacts", "dana");
    expect(after.attachments).toMatchObject([{ isContactPhoto: true, size: 1800, contentType: "image/png" }]);
    expect(await w.content(after.attachments[0]!.id)).toBe(next);
    await w.settle();
    expect(lines(w.read("contacts", "dana.vcf"), "PHOTO").join("")).toContain(next);

    // Removed on DAV: the photo is deleted in Exchange.
    w.write("contacts", "dana.vcf", card("dana", []));
    const removed = await w.cycle();
    ok(removed.report);
    expect(removed.operations.filter((o) => ATTACHMENT_OPERATIONS.includes(o))).toEqual(["DeleteAttachment"]);
    expect(w.ewsItem("contacts", "dana").attachments).toEqual([]);
    await w.settle();
  });

  it("an Exchange photo reaches the DAV card; changed and removed in Exchange follow", async () => {
    const item = w.box.createItem("contacts", "<Contact><GivenName>Eli</GivenName><Surname>Exchange</Surname></Contact>");
    const photo = b64(1200, 3);
    const first = w.box.addAttachment(item.id, { name: "ContactPicture.jpg", contentType: "image/jpeg", content: bytes(1200, 3), isContactPhoto: true });
    ok((await w.cycle()).report);
    const file = () => w.files("contacts").map((f) => w.read("contacts", f)).find((t) => t.includes("Exchange"))!;
    expect(lines(file(), "PHOTO")).toHaveLength(1);
    expect(lines(file(), "PHOTO")[0]).toContain(photo);
    await w.settle();

    // Changed by another client: delete the old photo, add a new one.
    const next = b64(900, 4);
    await w.client.deleteAttachment([first]);
    w.box.addAttachment(item.id, { name: "ContactPicture.jpg", contentType: "image/jpeg", content: bytes(900, 4), isContactPhoto: true });
    ok((await w.cycle()).report);
    expect(lines(file(), "PHOTO")).toHaveLength(1);
    expect(lines(file(), "PHOTO")[0]).toContain(next);
    await w.settle();

    // Removed in Exchange: the card loses its photo.
    await w.client.deleteAttachment([w.ewsItem("contacts", "Eli").attachments[0]!.id]);
    ok((await w.cycle()).report);
    expect(lines(file(), "PHOTO")).toEqual([]);
    await w.settle();
  });

  it("reads the photos of a batch of Exchange contacts in one GetAttachment", async () => {
    for (let i = 0; i < 3; i++) {
      const item = w.box.createItem("contacts", `<Contact><GivenName>Batch${i}</GivenName><Surname>Photo</Surname></Contact>`);
      w.box.addAttachment(item.id, { name: "ContactPicture.jpg", contentType: "image/jpeg", content: bytes(600 + i, 20 + i), isContactPhoto: true });
    }
    const { report } = await w.cycle();
    ok(report);
    const reads = w.sim.exchanges.filter((e) => e.operation === "GetAttachment");
    expect(reads[0]!.requestXml.match(/<t:AttachmentId /g)).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      const text = w.files("contacts").map((f) => w.read("contacts", f)).find((t) => t.includes(`Batch${i}`))!;
      expect(lines(text, "PHOTO")[0]).toContain(b64(600 + i, 20 + i));
    }
    await w.settle();
  });

  it("a photo over the cap or by URL is reported, not sent; an Exchange photo over the cap is reported, not read", async () => {
    w.write("contacts", "big.vcf", card("big", [`PHOTO;ENCODING=b;TYPE=JPEG:${b64(6000, 5)}`]));
    w.write("contacts", "url.vcf", card("url", ["PHOTO;VALUE=uri:https://example.org/p.jpg"]));
    const { report, operations } = await w.cycle();
    ok(report);
    expect(operations).not.toContain("CreateAttachment");
    const dropped = pairOf(report, "contacts").remote.dropped;
    expect(dropped.find((d) => d.uid === "big" && d.property === "PHOTO")?.reason).toMatch(/6000 bytes is over the 4096-byte cap \(maxPhotoBytes\)/);
    expect(dropped.find((d) => d.uid === "url" && d.property === "PHOTO")?.reason).toMatch(/URL/);
    expect(w.ewsItem("contacts", "big").attachments).toEqual([]);
    await w.settle();
    // The DAV card keeps its photo.
    expect(lines(w.read("contacts", "big.vcf"), "PHOTO")).toHaveLength(1);

    const item = w.box.createItem("contacts", "<Contact><GivenName>Huge</GivenName><Surname>Photo</Surname></Contact>");
    w.box.addAttachment(item.id, { name: "ContactPicture.jpg", contentType: "image/jpeg", content: bytes(5000, 6), isContactPhoto: true });
    const read = await w.cycle();
    ok(read.report);
    expect(read.operations).not.toContain("GetAttachment");
    expect(pairOf(read.report, "contacts").remote.dropped.some((d) => d.property === "PHOTO" && /5000 bytes is over the 4096-byte cap/.test(d.reason))).toBe(true);
    const huge = w.files("contacts").map((f) => w.read("contacts", f)).find((t) => t.includes("Huge"))!;
    expect(lines(huge, "PHOTO")).toEqual([]);
    await w.settle();
    expect(w.box.item(item.id)!.attachments).toHaveLength(1); // never deleted by the DAV side

    // A DAV card whose photo becomes a URL says nothing about Exchange's photo: it stays.
    const pat = w.box.createItem("contacts", "<Contact><GivenName>Pat</GivenName><Surname>Url</Surname></Contact>");
    w.box.addAttachment(pat.id, { name: "ContactPicture.jpg", contentType: "image/jpeg", content: bytes(700, 30), isContactPhoto: true });
    ok((await w.cycle()).report);
    await w.settle();
    const patFile = w.files("contacts").find((f) => w.read("contacts", f).includes("Url"))!;
    w.write("contacts", patFile, w.read("contacts", patFile).replace(/\r\n[ \t]/g, "").replace(/^PHOTO[^\r\n]*/m, "PHOTO;VALUE=uri:https://example.org/pat.jpg"));
    const toUrl = await w.cycle();
    ok(toUrl.report);
    expect(pairOf(toUrl.report, "contacts").remote.updated).toHaveLength(1);
    expect(toUrl.operations).not.toContain("DeleteAttachment");
    expect(w.box.item(pat.id)!.attachments).toHaveLength(1);
  });

  it("binary ATTACH of an event and a task reach Exchange as file attachments; only changed files are sent; URI ATTACH is reported and kept", async () => {
    const pdf = b64(3000, 7);
    const notes = b64(500, 8);
    w.write("events", "review.ics", calendar("VEVENT", "review", [
      `ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=application/pdf;X-FILENAME=agenda.pdf:${pdf}`,
      "ATTACH:https://files.example.org/minutes.odt",
    ]));
    w.write("tasks", "pack.ics", calendar("VTODO", "pack", [`ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=text/plain;FILENAME=list.txt:${notes}`]));
    const { report, operations } = await w.cycle();
    ok(report);
    expect(operations.filter((o) => o === "CreateAttachment")).toHaveLength(2);
    const event = w.ewsItem("events", "review");
    expect(event.attachments).toMatchObject([{ name: "agenda.pdf", contentType: "application/pdf", size: 3000, isContactPhoto: false }]);
    expect(await w.content(event.attachments[0]!.id)).toBe(pdf);
    const task = w.ewsItem("tasks", "pack");
    expect(task.attachments).toMatchObject([{ name: "list.txt", contentType: "text/plain", size: 500 }]);
    expect(await w.content(task.attachments[0]!.id)).toBe(notes);
    const uri = pairOf(report, "events").remote.dropped.find((d) => d.uid === "review" && d.property === "ATTACH");
    expect(uri?.reason).toMatch(/ReferenceAttachment/);
    await w.settle();
    const reviewText = w.read("events", "review.ics");
    expect(lines(reviewText, "ATTACH").some((l) => l.includes("https://files.example.org/minutes.odt"))).toBe(true);
    expect(lines(reviewText, "ATTACH").filter((l) => l.includes(pdf))).toHaveLength(1);

    // Another field changes on DAV: the unchanged file is not sent again; a second file is added alone.
    const more = b64(700, 9);
    w.write("events", "review.ics", reviewText.replace(/SUMMARY:review/, "SUMMARY:review (v2)").replace("END:VEVENT", `ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=image/png;X-FILENAME=chart.png:${more}\r\nEND:VEVENT`));
    const edited = await w.cycle();
    ok(edited.report);
    expect(edited.operations.filter((o) => ATTACHMENT_OPERATIONS.includes(o))).toEqual(["CreateAttachment"]);
    expect(w.ewsItem("events", "review (v2)").attachments.map((a) => [a.name, a.size])).toEqual([["agenda.pdf", 3000], ["chart.png", 700]]);
    await w.settle();
    const quiet = await w.cycle();
    ok(quiet.report);
    expect(quiet.operations.filter((o) => ATTACHMENT_OPERATIONS.includes(o) || o === "GetAttachment")).toEqual([]);
  });

  it("files attached in Exchange reach the DAV event and task as binary ATTACH; removed ones go", async () => {
    const event = w.box.createItem("calendar", "<CalendarItem><Subject>Offsite</Subject><Start>2026-04-01T09:00:00Z</Start><End>2026-04-01T17:00:00Z</End></CalendarItem>");
    const task = w.box.createItem("tasks", "<Task><Subject>File taxes</Subject></Task>");
    const map = b64(2500, 10);
    const form = b64(800, 11);
    const mapId = w.box.addAttachment(event.id, { name: "map.png", contentType: "image/png", content: bytes(2500, 10) });
    w.box.addAttachment(task.id, { name: "form.pdf", contentType: "application/pdf", content: bytes(800, 11) });
    ok((await w.cycle()).report);
    const eventText = () => w.files("events").map((f) => w.read("events", f)).find((t) => t.includes("SUMMARY:Offsite"))!;
    const taskText = w.files("tasks").map((f) => w.read("tasks", f)).find((t) => t.includes("SUMMARY:File taxes"))!;
    const attach = lines(eventText(), "ATTACH");
    expect(attach).toHaveLength(1);
    expect(attach[0]).toMatch(/FMTTYPE=image\/png/);
    expect(attach[0]).toMatch(/X-FILENAME=map\.png/);
    expect(attach[0]).toContain(map);
    expect(lines(taskText, "ATTACH")[0]).toMatch(/X-FILENAME=form\.pdf/);
    expect(lines(taskText, "ATTACH")[0]).toContain(form);
    await w.settle();

    await w.client.deleteAttachment([mapId]);
    ok((await w.cycle()).report);
    expect(lines(eventText(), "ATTACH")).toEqual([]);
    await w.settle();
  });

  it("an event file over the cap is reported and not sent", async () => {
    w.write("events", "huge.ics", calendar("VEVENT", "huge", [`ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=video/mp4;X-FILENAME=talk.mp4:${b64(70 * 1024, 12)}`]));
    const { report, operations } = await w.cycle();
    ok(report);
    expect(operations).not.toContain("CreateAttachment");
    expect(pairOf(report, "events").remote.dropped.find((d) => d.uid === "huge" && d.property === "ATTACH")?.reason).toMatch(/over the 65536-byte cap \(maxAttachmentBytes\); not sent/);
    await w.settle();
    expect(lines(w.read("events", "huge.ics"), "ATTACH")).toHaveLength(1);
  });

  it("a meeting whose DAV ORGANIZER is not the mailbox is reported on create and on update; the mailbox's own is not", async () => {
    w.write("events", "foreign.ics", calendar("VEVENT", "foreign", ["ORGANIZER;CN=Bob:mailto:bob@example.org", "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@example.org"]));
    w.write("events", "own.ics", calendar("VEVENT", "own", ["ORGANIZER:mailto:alice@example.com", "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@example.org"]));
    const { report } = await w.cycle();
    ok(report);
    const dropped = pairOf(report, "events").remote.dropped;
    expect(dropped.find((d) => d.uid === "foreign" && d.property === "ORGANIZER")?.reason).toMatch(/mailbox the organizer \(alice@example.com\).*bob@example.org/);
    expect(dropped.some((d) => d.uid === "own" && d.property === "ORGANIZER")).toBe(false);
    const [held] = (await w.ews.fetch(w.remote.events, [w.ewsItem("events", "foreign").id])) as Array<{ text: string }>;
    expect(lines(held!.text, "ORGANIZER")[0]).toMatch(/mailto:alice@example.com/i);
    await w.settle();
    // The organizer Exchange holds is written to the DAV side.
    expect(lines(w.read("events", "own.ics"), "ORGANIZER")[0]).toMatch(/mailto:alice@example.com/i);

    // An update that hands the mailbox's meeting to another organizer is reported too.
    const text = w.read("events", "own.ics");
    w.write("events", "own.ics", text.replace(/^ORGANIZER.*$/m, "ORGANIZER;CN=Dave:mailto:dave@example.org"));
    const updated = await w.cycle();
    ok(updated.report);
    expect(pairOf(updated.report, "events").remote.updated.map((u) => u.uid)).toContain("own");
    expect(pairOf(updated.report, "events").remote.dropped.find((d) => d.uid === "own" && d.property === "ORGANIZER")?.reason).toMatch(/alice@example.com.*dave@example.org/);
  });
});

describe.each([
  ["Exchange 2016", EXCHANGE_2016_VERSION, true],
  ["Exchange 2010 SP2", EXCHANGE_2010_SP2_VERSION, false],
] as Array<[string, EwsServerVersionInfo, boolean]>)("Gender against a simulated %s", (_, serverVersion, carried) => {
  let w: World;
  beforeAll(async () => {
    w = await world({ serverVersion });
  });
  afterAll(() => w?.stop());

  it(carried ? "is written to Exchange (the client negotiated Exchange2016)" : "is reported as dropped (the server speaks Exchange2010_SP2)", async () => {
    w.write("contacts", "gina.vcf", card("gina", ["GENDER:F"], "4.0"));
    const { report } = await w.cycle();
    ok(report);
    const gender = pairOf(report, "contacts").remote.dropped.find((d) => d.uid === "gina" && d.property === "GENDER");
    const item = w.ewsItem("contacts", "gina");
    if (carried) {
      expect(gender).toBeUndefined();
      expect(item.get("Gender")).toBe("Female");
      expect(w.client.version).toBe("Exchange2016");
    } else {
      expect(gender?.reason).toMatch(/Exchange2016.*Exchange2010_SP2/);
      expect(item.get("Gender")).toBeUndefined();
      expect(w.client.version).toBe("Exchange2010_SP2");
    }
    await w.settle();
    expect(w.read("contacts", "gina.vcf")).toMatch(/GENDER:F/);
  });
});
