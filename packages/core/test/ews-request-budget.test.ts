/**
 * What the EWS side asks Exchange (the simulator over HTTP) for: a fetch reads the modified
 * occurrences of every series in it with one batched GetItem, not one GetItem per series (and the
 * series still carry their exceptions); a quiet cycle is one SyncFolderItems per folder and reads
 * no item.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { seedLarge, startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { MemoryStateStore, SideError, SyncEngine, type CollectionKind, type SideItem } from "@ewsdav/core";
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
});
