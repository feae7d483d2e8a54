/**
 * The EWS side against the EWS simulator over HTTP, synced with a vdir folder through the engine:
 * first sync of the seeded mailbox (contacts, a recurring series with a modified and a deleted
 * occurrence, tasks), UID tagging, edits on both sides, a quiet cycle, lost state.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { MemoryStateStore, SyncEngine, type CollectionKind, type PairRecord } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";
import { VdirSide } from "@ewsdav/core/vdir";
import { prop } from "../src/fixtures.test-support.js";

describe("EwsSide on the EWS simulator", () => {
  let sim: EwsSimulator;
  let client: EwsClient;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small" });
    client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), mailbox: "alice@example.com" });
  });
  afterAll(async () => {
    await client?.close?.();
    await sim?.stop();
  });

  it("syncs the seeded mailbox with a vdir folder both ways, quietly afterwards, and rebuilds lost state", async () => {
    const ews = new EwsSide({ client, name: "ews" });
    const root = mkdtempSync(join(tmpdir(), "ewsdav-ews-"));
    const vdir = new VdirSide({ root, fsync: false });
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, vdir] });
    const folders = await ews.listCollections();
    const top = (kind: CollectionKind) => folders.find((f) => f.kind === kind && ["Contacts", "Calendar", "Tasks"].includes(f.displayName))!;
    const pairs: PairRecord[] = [];
    for (const kind of ["contacts", "events", "tasks"] as const) {
      pairs.push(await engine.link({ kind, remote: { side: "ews", collection: top(kind).id }, local: { side: "vdir", create: { displayName: kind } } }));
    }
    const first = await engine.runOnce();
    expect(first.ok, JSON.stringify(first.pairs.map((p) => [p.error, p.errors]))).toBe(true);
    const files = (kind: string) => readdirSync(join(root, pairs.find((p) => p.kind === kind)!.local.collection)).filter((f) => /\.(vcf|ics)$/.test(f));
    expect(files("contacts").length).toBeGreaterThanOrEqual(5);
    expect(files("events").length).toBeGreaterThanOrEqual(3);
    expect(files("tasks").length).toBeGreaterThanOrEqual(3);
    const series = files("events").map((f) => readFileSync(join(root, pairs[1]!.local.collection, f), "utf8")).find((t) => t.includes("Weekly sync"))!;
    expect(series).toMatch(/RRULE:/);
    expect(series).toMatch(/RECURRENCE-ID/);
    expect(series).toMatch(/EXDATE/);

    // Echoes, tags and their echoes settle; then a quiet cycle reads one feed per folder and writes nothing.
    await engine.runOnce();
    await engine.runOnce();
    const quiet = await engine.runOnce();
    expect(quiet.ok).toBe(true);
    for (const p of quiet.pairs) {
      expect(p.local.created.length + p.local.updated.length + p.remote.created.length + p.remote.updated.length + p.remote.tagged.length, p.pairId).toBe(0);
      expect(p.remote.fetched + p.local.fetched, p.pairId).toBe(0);
    }

    // A change on each side.
    const contactsDir = join(root, pairs[0]!.local.collection);
    const cardFile = files("contacts")[0]!;
    const card = readFileSync(join(contactsDir, cardFile), "utf8");
    writeFileSync(join(contactsDir, cardFile), card.replace(/^NOTE[^\r\n]*\r?\n/m, "").replace("END:VCARD", "NOTE:edited in the vdir folder\r\nEND:VCARD"));
    const uid = prop(card, "UID")!;
    const changed = await engine.runOnce();
    expect(changed.ok, JSON.stringify(changed.pairs.map((p) => p.errors))).toBe(true);
    expect(changed.pairs[0]!.remote.updated.map((r) => r.uid)).toEqual([uid]);
    const remoteItems = await ews.fetch(pairs[0]!.remote.collection, [changed.pairs[0]!.remote.updated[0]!.id!]);
    expect(prop((remoteItems[0] as { text: string }).text, "NOTE")).toBe("edited in the vdir folder");

    // Lost state: a new store pairs everything again instead of copying.
    const engine2 = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, vdir] });
    for (const p of pairs) await engine2.link({ id: p.id, kind: p.kind, remote: p.remote, local: p.local });
    const rebuilt = await engine2.runOnce();
    expect(rebuilt.ok, JSON.stringify(rebuilt.pairs.map((p) => [p.error, p.errors]))).toBe(true);
    for (const p of rebuilt.pairs) expect(p.local.created.length + p.remote.created.length, p.pairId).toBe(0);
    expect(files("contacts").length).toBe(readdirSync(contactsDir).filter((f) => f.endsWith(".vcf")).length);
  });

  it("creates vdir items in EWS (a series with an override and an EXDATE), takes EWS-side edits back, and settles a conflict by policy", async () => {
    const ews = new EwsSide({ client, name: "ews" });
    const root = mkdtempSync(join(tmpdir(), "ewsdav-ews2-"));
    const vdir = new VdirSide({ root, fsync: false });
    const box = sim.mailbox("alice@example.com");
    const calendar = box.createFolder("calendar", "From files", "IPF.Appointment");
    const tasks = box.createFolder("tasks", "Files tasks", "IPF.Task");
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, vdir], policy: { conflict: "remote-wins" } });
    const cal = await vdir.createCollection("events", "cal");
    const todo = await vdir.createCollection("tasks", "todo");
    const series = [
      "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN",
      "BEGIN:VEVENT", "UID:series-1@files", "DTSTAMP:20260101T000000Z", "DTSTART:20260105T090000Z", "DTEND:20260105T093000Z",
      "SUMMARY:Standup", "RRULE:FREQ=DAILY;COUNT=5", "EXDATE:20260107T090000Z", "END:VEVENT",
      "BEGIN:VEVENT", "UID:series-1@files", "DTSTAMP:20260101T000000Z", "RECURRENCE-ID:20260106T090000Z",
      "DTSTART:20260106T100000Z", "DTEND:20260106T103000Z", "SUMMARY:Standup (moved)", "END:VEVENT",
      "END:VCALENDAR", "",
    ].join("\r\n");
    writeFileSync(join(root, cal.id, "series.ics"), series);
    writeFileSync(join(root, todo.id, "t.ics"), ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VTODO", "UID:task-1@files", "DTSTAMP:20260101T000000Z", "SUMMARY:Water plants", "END:VTODO", "END:VCALENDAR", ""].join("\r\n"));
    await engine.link({ id: "cal", kind: "events", remote: { side: "ews", collection: calendar.id }, local: { side: "vdir", collection: cal.id } });
    await engine.link({ id: "todo", kind: "tasks", remote: { side: "ews", collection: tasks.id }, local: { side: "vdir", collection: todo.id } });
    const first = await engine.runOnce();
    expect(first.ok, JSON.stringify(first.pairs.map((p) => [p.error, p.errors]))).toBe(true);
    const [master] = box.items(calendar.id);
    expect(master?.get("Subject")).toBe("Standup");
    expect(master?.get("UID")).toBe("series-1@files");
    const [back] = (await ews.fetch(calendar.id, [master!.id])) as Array<{ text: string }>;
    expect(back!.text).toMatch(/RECURRENCE-ID[^\r\n]*20260106T090000Z/);
    expect(back!.text).toMatch(/EXDATE[^\r\n]*20260107T090000Z/);
    const [task] = box.items(tasks.id);
    expect(task?.get("Subject")).toBe("Water plants");
    await engine.runOnce();
    const quiet = await engine.runOnce();
    for (const p of quiet.pairs) expect(p.local.updated.length + p.remote.updated.length + p.local.created.length + p.remote.created.length, p.pairId).toBe(0);

    // Another client renames the task in Exchange; the file follows.
    box.updateItem(task!.id, "<Task><Subject>Water all plants</Subject></Task>");
    await engine.runOnce();
    const taskText = readFileSync(join(root, todo.id, "t.ics"), "utf8");
    expect(prop(taskText, "SUMMARY")).toBe("Water all plants");

    // Both sides change the summary: remote wins, both end equal.
    writeFileSync(join(root, todo.id, "t.ics"), taskText.replace("SUMMARY:Water all plants", "SUMMARY:local title"));
    box.updateItem(task!.id, "<Task><Subject>remote title</Subject></Task>");
    const conflict = await engine.runOnce();
    expect(conflict.pairs.find((p) => p.pairId === "todo")!.conflicts).toMatchObject([{ property: "SUMMARY", winner: "remote" }]);
    expect(prop(readFileSync(join(root, todo.id, "t.ics"), "utf8"), "SUMMARY")).toBe("remote title");
    expect(box.items(tasks.id)[0]!.get("Subject")).toBe("remote title");
  });

  it("an Exchange edit made between our UpdateItem and its read-back is not taken as the base: the next cycle carries it", async () => {
    const box = sim.mailbox("alice@example.com");
    let interleave: (() => void) | undefined;
    // A client whose UpdateItem answers are followed, once, by an edit "in Outlook".
    const racing = new EwsClient({
      url: sim.url,
      auth: basicAuth({ username: "alice@example.com", password: "secret" }),
      mailbox: "alice@example.com",
      layers: [
        (next) => async (request) => {
          const response = await next(request);
          if (request.operation === "UpdateItem" && interleave) {
            const edit = interleave;
            interleave = undefined;
            edit();
          }
          return response;
        },
      ],
    });
    try {
      const ews = new EwsSide({ client: racing, name: "ews" });
      const root = mkdtempSync(join(tmpdir(), "ewsdav-ews-race-"));
      const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, new VdirSide({ root, fsync: false })] });
      const folder = (await ews.listCollections()).find((f) => f.kind === "tasks" && f.displayName === "Tasks")!;
      const pair = await engine.link({ kind: "tasks", remote: { side: "ews", collection: folder.id }, local: { side: "vdir", create: { displayName: "race" } } });
      const task = box.createItem(folder.id, "<Task><Subject>Race me</Subject></Task>");
      for (let i = 0; i < 3; i++) expect((await engine.runOnce()).ok).toBe(true);
      const dir = join(root, pair.local.collection);
      const file = readdirSync(dir).find((f) => readFileSync(join(dir, f), "utf8").includes("SUMMARY:Race me"))!;
      // Our side edits the description; Exchange's side changes the subject while our write is in flight.
      writeFileSync(join(dir, file), readFileSync(join(dir, file), "utf8").replace("SUMMARY:Race me", "SUMMARY:Race me\r\nDESCRIPTION:from the files"));
      interleave = () => box.updateItem(task.id, "<Task><Subject>Renamed in Outlook</Subject></Task>");
      expect((await engine.runOnce()).ok).toBe(true);
      expect(interleave).toBeUndefined();
      expect(box.item(task.id)!.get("Body") ?? "").toContain("from the files");
      await engine.runOnce();
      const text = readFileSync(join(dir, file), "utf8");
      expect(prop(text, "SUMMARY")).toBe("Renamed in Outlook");
      expect(text).toContain("from the files");
    } finally {
      await racing.close();
    }
  });
});
