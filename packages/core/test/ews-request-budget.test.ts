/**
 * What the EWS side asks Exchange (the simulator over HTTP) for: a fetch reads the modified
 * occurrences of every series in it with one batched GetItem, not one GetItem per series (and the
 * series still carry their exceptions); a quiet cycle is one SyncFolderItems per folder and reads
 * no item; the UID tags of a first sync are one UpdateItem per batch of contacts or tasks, with no
 * item read for them, and a stale ChangeKey fails a tag as a precondition.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { seedLarge, startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { MemoryStateStore, SideError, SyncEngine, type CollectionKind, type SideItem, type WriteResult } from "@ewsdav/core";
import { readFileSync, readdirSync } from "node:fs";
import { EWSDAV_UID_PROPERTY, readEwsdavUid } from "@ewsdav/mappers";
import { EwsSide } from "@ewsdav/core/ews";
import { VdirSide } from "@ewsdav/core/vdir";

describe("the EWS side's requests", () => {
  let sim: EwsSimulator;
  let client: EwsClient;
  const byOperation = new Map<string, number>();
  const dirs: string[] = [];
  beforeAll(async () => {
    // 60 events: a weekly series with a modified and a deleted occurrence every 20th (3 series), 20 contacts, 10 tasks.
    sim = await startEwsSimulator({ seed: (box) => seedLarge(box, { contacts: 20, events: 60, tasks: 10 }), record: false });
    client = new EwsClient({
      url: sim.url,
      auth: basicAuth({ username: "alice@example.com", password: "secret" }),
      mailbox: "alice@example.com",
      layers: [(next) => (request) => (byOperation.set(request.operation, (byOperation.get(request.operation) ?? 0) + 1), next(request))],
    });
  });
  afterAll(async () => {
    await client?.close();
    await sim?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const topFolder = async (ews: EwsSide, kind: CollectionKind) =>
    (await ews.listCollections()).find((f) => f.kind === kind && ["Contacts", "Calendar", "Tasks"].includes(f.displayName))!;

  it("reads the modified occurrences of all the series of a fetch in one GetItem, and renders them", async () => {
    const ews = new EwsSide({ client, name: "ews" });
    const calendar = await topFolder(ews, "events");
    const feed = await ews.changes(calendar.id, null);
    const ids = feed.changed.map((c) => c.id);
    expect(ids).toHaveLength(60);
    byOperation.clear();
    const items = await ews.fetch(calendar.id, ids);
    expect(items.filter((i) => i instanceof SideError)).toEqual([]);
    const series = (items as SideItem[]).filter((i) => /RRULE:/.test(i.text));
    expect(series).toHaveLength(3);
    for (const s of series) expect(s.text.match(/^RECURRENCE-ID/gm)).toHaveLength(1);
    for (const s of series) expect(s.text).toMatch(/\(moved\)/);
    // Two batches of the items (50 ids per GetItem) and one for the exceptions of the three series.
    expect(byOperation.get("GetItem")).toBe(3);
  });

  it("makes a quiet cycle one SyncFolderItems per folder, with no item read", async () => {
    const ews = new EwsSide({ client, name: "ews" });
    const root = mkdtempSync(join(tmpdir(), "ewsdav-ews-budget-"));
    dirs.push(root);
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, new VdirSide({ root, fsync: false })] });
    for (const kind of ["contacts", "events", "tasks"] as const) {
      await engine.link({ kind, remote: { side: "ews", collection: (await topFolder(ews, kind)).id }, local: { side: "vdir", create: { displayName: kind } } });
    }
    expect((await engine.runOnce()).ok).toBe(true);
    await engine.runOnce(); // the echoes of the UID tags
    byOperation.clear();
    const quiet = await engine.runOnce();
    expect(quiet.ok).toBe(true);
    expect(Object.fromEntries(byOperation)).toEqual({ SyncFolderItems: 3 });
    for (const p of quiet.pairs) expect(p.remote.fetched + p.local.fetched, p.pairId).toBe(0);
  });

  it("tags a first sync's contacts and tasks with one UpdateItem per batch, reading nothing for the tags", async () => {
    const fresh = await startEwsSimulator({ seed: (box) => seedLarge(box, { contacts: 120, events: 3, tasks: 10 }), record: false });
    const counts = new Map<string, number>();
    const own = new EwsClient({
      url: fresh.url,
      auth: basicAuth({ username: "alice@example.com", password: "secret" }),
      mailbox: "alice@example.com",
      layers: [(next) => (request) => (counts.set(request.operation, (counts.get(request.operation) ?? 0) + 1), next(request))],
    });
    try {
      const ews = new EwsSide({ client: own, name: "ews" });
      const root = mkdtempSync(join(tmpdir(), "ewsdav-ews-tags-"));
      dirs.push(root);
      const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, new VdirSide({ root, fsync: false })] });
      const folders: Record<string, string> = {};
      for (const kind of ["contacts", "events", "tasks"] as const) {
        folders[kind] = (await topFolder(ews, kind)).id;
        await engine.link({ kind, remote: { side: "ews", collection: folders[kind]! }, local: { side: "vdir", create: { displayName: kind } } });
      }
      counts.clear();
      const first = await engine.runOnce();
      expect(first.ok).toBe(true);
      const tagged = first.pairs.reduce((n, p) => n + p.remote.tagged.length, 0);
      expect(tagged).toBe(130);
      // 120 contacts in 3 batches of 50 and 10 tasks in 1: one UpdateItem each; GetItem only reads the
      // feeds' items (3 + 1 + 1 batches, and one for the exceptions of the series among the events),
      // none before or after a tag.
      expect(counts.get("UpdateItem")).toBe(4);
      expect(counts.get("GetItem")).toBe(6);
      // Exchange holds each file's UID in ewsdav's property, at the ChangeKey the engine stored.
      for (const kind of ["contacts", "tasks"] as const) {
        const feed = await ews.changes(folders[kind]!, null);
        const items = await own.getItem(feed.changed.map((c) => ({ id: c.id })), { shape: { baseShape: "IdOnly", additionalProperties: [{ extended: EWSDAV_UID_PROPERTY }] } });
        const uids = new Set(items.map((i) => (i instanceof Error || i.type === "Unsupported" ? null : readEwsdavUid(i.item))));
        expect(uids.has(null)).toBe(false);
        const dir = join(root, readdirSync(root).find((d) => d.startsWith(kind))!);
        const fileUids = new Set(readdirSync(dir).filter((f) => /\.(vcf|ics)$/.test(f)).map((f) => /^UID:(.*)$/m.exec(readFileSync(join(dir, f), "utf8"))?.[1]?.trim() ?? null));
        expect(fileUids).toEqual(uids);
      }
      // The echoes of the tags: the ChangeKeys from UpdateItem's answers are those the feed reports, so nothing is read.
      counts.clear();
      const echo = await engine.runOnce();
      expect(echo.ok).toBe(true);
      expect(counts.get("GetItem") ?? 0).toBe(0);
      expect(counts.get("UpdateItem") ?? 0).toBe(0);
    } finally {
      await own.close();
      await fresh.stop();
    }
  });

  it("fails a tag with a superseded ChangeKey (the item changed since it was read) as a precondition, and keeps the change", async () => {
    const ews = new EwsSide({ client, name: "ews" });
    const tasks = await topFolder(ews, "tasks");
    const feed = await ews.changes(tasks.id, null);
    const a = feed.changed[0]!;
    const [read] = (await ews.fetch(tasks.id, [a.id])) as SideItem[];
    // A change made after the read (here a tag of our own): the ChangeKey read is now superseded.
    const [first] = await ews.tag!(tasks.id, [{ id: a.id, version: read!.version, uid: "tag-first", text: read!.text }]);
    expect((first as WriteResult).version).not.toBe(read!.version);
    const [late] = await ews.tag!(tasks.id, [{ id: a.id, version: read!.version, uid: "tag-late", text: read!.text }]);
    expect(late).toBeInstanceOf(SideError);
    expect((late as SideError).code).toBe("precondition-failed");
    const [now] = (await ews.fetch(tasks.id, [a.id])) as SideItem[];
    expect(now!.uid).toBe("tag-first");
    expect(now!.version).toBe((first as WriteResult).version);
  });

  it("fails a tag whose ChangeKey is stale as a precondition, and leaves the item as it was", async () => {
    const ews = new EwsSide({ client, name: "ews" });
    const contacts = await topFolder(ews, "contacts");
    const feed = await ews.changes(contacts.id, null);
    const [a, b] = feed.changed;
    const [read] = (await ews.fetch(contacts.id, [a!.id])) as SideItem[];
    const answers = await ews.tag!(contacts.id, [
      { id: a!.id, version: "stale-change-key", uid: "tag-stale", text: read!.text },
      { id: b!.id, version: b!.version, uid: "tag-fresh", text: "BEGIN:VCARD\r\nEND:VCARD\r\n" },
    ]);
    expect(answers[0]).toBeInstanceOf(SideError);
    expect((answers[0] as SideError).code).toBe("precondition-failed");
    const ok = answers[1] as WriteResult;
    expect(ok.id).toBe(b!.id);
    expect(ok.version).not.toBe(b!.version);
    const [again, tagged] = (await ews.fetch(contacts.id, [a!.id, b!.id])) as SideItem[];
    expect(again!.version).toBe(read!.version);
    expect(again!.uid).toBe(read!.uid);
    expect(tagged!.uid).toBe("tag-fresh");
    expect(tagged!.version).toBe(ok.version);
  });

  it("carries the content of the first listing (rendered as a read without basis would), and ids only after", async () => {
    const ews = new EwsSide({ client, name: "ews" });
    for (const kind of ["contacts", "events", "tasks"] as const) {
      const folder = await topFolder(ews, kind);
      byOperation.clear();
      const first = await ews.changes(folder.id, null);
      expect(first.complete).toBe(true);
      // The listing and its GetItem batches (and the series' exceptions): no other request.
      expect(Object.keys(Object.fromEntries(byOperation)).sort()).toEqual(["GetItem", "SyncFolderItems"]);
      const carried = first.changed as SideItem[];
      expect(carried.every((c) => typeof c.text === "string")).toBe(true);
      const read = (await ews.fetch(folder.id, carried.map((c) => c.id))) as SideItem[];
      // DTSTAMP is the time of rendering (RFC 5545): two renders a second apart differ there alone.
      const unstamped = (text: string) => text.replace(/^DTSTAMP:.*\r?\n/gm, "");
      expect(carried.map((c) => ({ id: c.id, version: c.version, uid: c.uid, text: unstamped(c.text), modified: c.modified }))).toEqual(
        read.map((r) => ({ id: r.id, version: r.version, uid: r.uid, text: unstamped(r.text), modified: r.modified })),
      );
      const next = await ews.changes(folder.id, first.cursor);
      expect(next.complete).toBe(false);
      expect(next.changed.every((c) => !("text" in c))).toBe(true);
    }
  });

  it("lists ids and ChangeKeys after a GetItem batch of the first listing failed as a whole, so the folder's first sync goes on", async () => {
    const ews = new EwsSide({ client, name: "ews" });
    const folder = await topFolder(ews, "contacts");
    const whole = await ews.changes(folder.id, null);
    // Every GetItem answer cut short (a malformed answer, never a complete one).
    sim.faults.inject({ kind: "cutBody", after: "</t:Contact>", framing: "close", operation: "GetItem", times: 1_000 });
    try {
      // The cycle whose listing failed fails; the next ones list without content.
      await expect(ews.changes(folder.id, null)).rejects.toThrow();
      const feed = await ews.changes(folder.id, null);
      expect(feed.complete).toBe(true);
      expect(feed.changed.every((c) => !("text" in c))).toBe(true);
      expect(feed.changed.map((c) => c.id).sort()).toEqual(whole.changed.map((c) => c.id).sort());
      expect(feed.cursor).toBeTruthy();
    } finally {
      sim.faults.clear();
    }
  });
});
