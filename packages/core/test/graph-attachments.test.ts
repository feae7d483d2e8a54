/**
 * The Graph side's contact photos and event file attachments end to end over HTTP: the Graph
 * simulator (sharing the EWS simulator's mailbox, so what Graph writes is seen over EWS) ↔ a vdir
 * folder through the engine. A photo both ways (and as the contact's photo attachment over EWS),
 * a DAV-side removal of a photo reported (Graph cannot delete one) without a loop; an event with a
 * 5 MB attachment both ways (an upload session), removal of an attachment both ways, a file over
 * the cap reported and the rest synced.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { ConcurrencyLimiter, GraphClient, type GraphFileAttachment } from "@ewsdav/graph-client";
import { checkExchanges, startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { MemoryStateStore, SyncEngine, type CollectionKind, type SyncReport } from "@ewsdav/core";
import { GraphSide } from "@ewsdav/core/graph";
import { VdirSide } from "@ewsdav/core/vdir";

/** Deterministic bytes standing for a file's content. */
const bytes = (length: number, seed: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed * 7 + (i >> 3)) & 255));
const b64 = (length: number, seed: number) => bytes(length, seed).toString("base64");
/** Deterministic bytes behind an image signature (Graph reads the photo's type from its bytes). */
const image = (type: "jpeg" | "png", length: number, seed: number) => {
  const head = type === "jpeg" ? Buffer.from([0xff, 0xd8, 0xff, 0xe0]) : Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([head, bytes(length - head.length, seed)]);
};

const ok = (r: SyncReport) => expect(r.ok, JSON.stringify(r.pairs.map((p) => [p.pairId, p.error, p.errors.slice(0, 3)]))).toBe(true);
const pairOf = (r: SyncReport, kind: string) => r.pairs.find((p) => p.pairId === kind)!;
const writes = (r: SyncReport) => r.pairs.reduce((n, p) => n + p.local.created.length + p.local.updated.length + p.local.deleted.length + p.remote.created.length + p.remote.updated.length + p.remote.deleted.length + p.remote.tagged.length, 0);

function card(uid: string, extra: string[], version: "3.0" | "4.0" = "3.0"): string {
  return ["BEGIN:VCARD", `VERSION:${version}`, `UID:${uid}`, `FN:${uid}`, `N:${uid};;;;`, ...extra, "END:VCARD", ""].join("\r\n");
}

function calendar(uid: string, extra: string[]): string {
  const day = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, "");
  return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT", `UID:${uid}`, "DTSTAMP:20260101T000000Z", `DTSTART:${day}T090000Z`, `DTEND:${day}T100000Z`, `SUMMARY:${uid}`, ...extra, "END:VEVENT", "END:VCALENDAR", ""].join("\r\n");
}

/** Unfolded property lines of a vobject text with the given name. */
function lines(text: string, name: string): string[] {
  return text.replace(/\r?\n[ \t]/g, "").split(/\r?\n/).filter((line) => new RegExp(`^${name}[;:]`, "i").test(line));
}

describe("Graph side: contact photos and event attachments (Graph simulator on the EWS simulator's mailbox ↔ vdir)", () => {
  let ewsSim: EwsSimulator;
  let sim: GraphSimulator;
  let graph: GraphClient;
  let root: string;
  let engine: SyncEngine;
  const remote: Record<CollectionKind, string> = { contacts: "", events: "", tasks: "" };
  const local: Record<CollectionKind, string> = { contacts: "", events: "", tasks: "" };
  const write = (kind: CollectionKind, name: string, text: string) => writeFileSync(join(root, local[kind], name), text);
  const read = (kind: CollectionKind, name: string) => readFileSync(join(root, local[kind], name), "utf8");
  const fileWith = (kind: CollectionKind, needle: string) => readdirSync(join(root, local[kind])).map((f) => read(kind, f)).find((t) => t.includes(needle));
  /** Runs cycles until one writes nothing, at most four; returns the reports. */
  const settle = async () => {
    const reports: SyncReport[] = [];
    for (let i = 0; i < 4; i++) {
      const report = await engine.runOnce();
      ok(report);
      reports.push(report);
      if (writes(report) === 0) return reports;
    }
    throw new Error("the pairs did not settle");
  };
  const contactOf = async (uid: string) => (await graph.listContacts(undefined, { extendedProperties: ["String {6c1f1b53-7d2e-4a8e-9a43-2f1d5e8b0c71} Name ewsdav-uid"], pageSize: 100 })).find((c) => c.displayName === uid)!;
  const eventOf = async (subject: string) => (await graph.listEvents(remote.events)).find((e) => e.subject === subject)!;

  beforeAll(async () => {
    ewsSim = await startEwsSimulator({ record: false });
    sim = await startGraphSimulator({ mailbox: (a) => ewsSim.mailbox(a), tokens: { t: "alice@example.com" } });
    graph = new GraphClient({ baseUrl: sim.url, getToken: async () => "t", limiter: new ConcurrencyLimiter(4), baseDelayMs: 10 });
    const side = new GraphSide({ client: graph, name: "graph", maxPhotoBytes: 4096, maxAttachmentBytes: 5.5 * 1024 * 1024 });
    root = mkdtempSync(join(tmpdir(), "ewsdav-graph-attach-"));
    const vdir = new VdirSide({ root, fsync: false });
    engine = new SyncEngine({ store: new MemoryStateStore(), sides: [side, vdir], policy: { conflict: "remote-wins" } });
    const collections = await side.listCollections();
    remote.contacts = "contacts";
    remote.events = collections.find((c) => c.kind === "events")!.id;
    for (const kind of ["contacts", "events"] as const) {
      local[kind] = (await vdir.createCollection(kind, kind)).id;
      await engine.link({ id: kind, kind, remote: { side: "graph", collection: remote[kind] }, local: { side: "vdir", collection: local[kind] } });
    }
  });
  afterAll(async () => {
    await graph?.close();
    await Promise.all([sim?.stop(), ewsSim?.stop()]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("a photo both ways (seen over EWS as the contact's photo); unchanged never sent again; removal and over the cap reported, never looping", async () => {
    const photo = image("jpeg", 1500, 1);
    write("contacts", "dana.vcf", card("dana", [`PHOTO;ENCODING=b;TYPE=JPEG:${photo.toString("base64")}`]));
    await settle();
    const dana = await contactOf("dana");
    const got = await graph.getContactPhoto(dana.id);
    expect(got?.contentType).toBe("image/jpeg");
    expect(Buffer.compare(got!.bytes, photo)).toBe(0);
    // Over EWS: the contact's photo attachment.
    const record = ewsSim.mailbox("alice@example.com").items("contacts").find((i) => i.get("DisplayName") === "dana" || i.get("GivenName") === "dana" || i.get("Surname") === "dana");
    expect(record?.attachments.filter((a) => a.isContactPhoto).map((a) => a.size)).toEqual([1500]);

    // A quiet cycle and an edit of another field: no photo PUT.
    sim.clear();
    write("contacts", "dana.vcf", card("dana", [`PHOTO;ENCODING=b;TYPE=JPEG:${photo.toString("base64")}`, "TITLE:Boss"]));
    await settle();
    expect(sim.requests.filter((r) => r.method === "PUT" && r.url.includes("/photo"))).toEqual([]);

    // Graph → DAV: a contact made over Graph with a photo.
    const png = image("png", 2000, 2);
    const erin = await graph.createContact({ displayName: "erin", givenName: "erin" });
    await graph.setContactPhoto(erin.id, png, "image/png");
    await settle();
    const erinCard = fileWith("contacts", "FN:erin")!;
    expect(lines(erinCard, "PHOTO").join("")).toContain(png.toString("base64").slice(0, 60));

    // Removed on DAV: Graph cannot delete it: reported, the mailbox keeps it, nothing loops.
    write("contacts", "dana.vcf", card("dana", ["TITLE:Boss"]));
    const [removal] = await settle();
    expect(pairOf(removal!, "contacts").remote.dropped.map((d) => d.property)).toContain("PHOTO");
    expect(await graph.getContactPhoto(dana.id)).toBeDefined();
    expect(lines(read("contacts", "dana.vcf"), "PHOTO")).toEqual([]);

    // Over the cap: reported, the rest of the card goes on.
    write("contacts", "fay.vcf", card("fay", [`PHOTO;ENCODING=b;TYPE=JPEG:${image("jpeg", 6000, 3).toString("base64")}`, "EMAIL:fay@example.org"]));
    const [big] = await settle();
    expect(JSON.stringify(pairOf(big!, "contacts"))).toContain("maxPhotoBytes");
    const fay = await contactOf("fay");
    expect(fay.emailAddresses?.[0]?.address).toBe("fay@example.org");
    expect(await graph.getContactPhoto(fay.id)).toBeUndefined();
    // A change over Graph is read back without taking the card's (over the cap) PHOTO away.
    await graph.updateContact(fay.id, { jobTitle: "Editor" });
    await settle();
    const fayCard = fileWith("contacts", "FN:fay")!;
    expect(fayCard).toContain("TITLE:Editor");
    expect(lines(fayCard, "PHOTO")).toHaveLength(1);
    expect(checkExchanges(sim.requests)).toEqual([]);
  });

  it("an event with a 5 MB attachment both ways (upload session), removal both ways, a file over the cap reported and the rest synced", async () => {
    const big = bytes(5 * 1024 * 1024, 4);
    const small = bytes(3000, 5);
    sim.clear();
    write("events", "plan.ics", calendar("plan", [
      `ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=application/pdf;X-FILENAME=big.pdf:${big.toString("base64")}`,
      `ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=text/plain;X-FILENAME=notes.txt:${small.toString("base64")}`,
    ]));
    await settle();
    expect(sim.requests.some((r) => r.url.includes("createUploadSession"))).toBe(true);
    const plan = await eventOf("plan");
    const files = (await graph.listAttachments({ event: plan.id }, { select: ["id", "name", "size", "contentType", "isInline"] })) as GraphFileAttachment[];
    expect(files.map((f) => [f.name, f.size]).sort()).toEqual([["big.pdf", big.length], ["notes.txt", small.length]]);
    const bigId = files.find((f) => f.name === "big.pdf")!.id;
    expect(Buffer.compare(await graph.getAttachmentContent({ event: plan.id }, bigId), big)).toBe(0);

    // Graph → DAV: an event made over Graph with a 5 MB file.
    const other = await graph.createEvent({ subject: "review", start: { dateTime: "2026-12-20T10:00:00", timeZone: "UTC" }, end: { dateTime: "2026-12-20T11:00:00", timeZone: "UTC" } }, remote.events);
    const big2 = bytes(5 * 1024 * 1024, 6);
    await graph.addAttachment({ event: other.id }, { name: "slides.bin", content: big2, contentType: "application/octet-stream" });
    await settle();
    const review = fileWith("events", "SUMMARY:review")!;
    const attach = lines(review, "ATTACH");
    expect(attach).toHaveLength(1);
    expect(attach[0]!.slice(attach[0]!.indexOf(":") + 1)).toBe(big2.toString("base64"));

    // Removed on DAV: the file goes from Graph; the other stays untouched.
    sim.clear();
    write("events", "plan.ics", calendar("plan", [`ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=application/pdf;X-FILENAME=big.pdf:${big.toString("base64")}`]));
    await settle();
    expect(((await graph.listAttachments({ event: plan.id }, { select: ["id", "name"] })) as GraphFileAttachment[]).map((f) => f.name)).toEqual(["big.pdf"]);
    expect(sim.requests.filter((r) => r.method === "POST" && r.url.includes("/attachments"))).toEqual([]);

    // Removed over Graph: the ATTACH goes from DAV.
    const slides = ((await graph.listAttachments({ event: other.id }, { select: ["id", "name"] })) as GraphFileAttachment[])[0]!;
    await graph.deleteAttachment({ event: other.id }, slides.id);
    await settle();
    expect(lines(fileWith("events", "SUMMARY:review")!, "ATTACH")).toEqual([]);

    // Over the cap: reported, the rest of the event synced.
    write("events", "huge.ics", calendar("huge", [`ATTACH;ENCODING=BASE64;VALUE=BINARY;FMTTYPE=application/zip;X-FILENAME=huge.zip:${b64(6 * 1024 * 1024, 7)}`, "LOCATION:Room 1"]));
    const [first] = await settle();
    expect(JSON.stringify(pairOf(first!, "events"))).toContain("maxAttachmentBytes");
    const huge = await eventOf("huge");
    expect(huge.location?.displayName).toBe("Room 1");
    expect(await graph.listAttachments({ event: huge.id }, { select: ["id"] })).toEqual([]);
    // A change over Graph is read back without taking the event's (over the cap) ATTACH away.
    await graph.updateEvent(huge.id, { subject: "huge", location: { displayName: "Room 2" } });
    await settle();
    const hugeText = fileWith("events", "SUMMARY:huge")!;
    expect(hugeText).toContain("LOCATION:Room 2");
    expect(lines(hugeText, "ATTACH")).toHaveLength(1);
  });
});
