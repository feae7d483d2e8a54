/**
 * Active mode over in-memory sides: a remote side with push (like an EWS mailbox with
 * notifications) and a local side without (like a CalDAV/CardDAV server, polled). Tests wait for
 * outcomes (bounded), and assert counts and contents, never times.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MemorySide, type MemorySideOptions } from "../sides/memory.js";
import { MemoryStateStore } from "../stores/memory.js";
import { prop, vcard } from "../fixtures.test-support.js";
import { SyncEngine } from "./engine.js";
import type { WatchCycleEvent, WatchStatusEvent } from "./events.js";
import type { SyncWatch, WatchOptions } from "./watch.js";
import { until } from "../../../../test/harness/wait.js";

const watches: SyncWatch[] = [];
afterEach(async () => {
  await Promise.all(watches.splice(0).map((w) => w.stop()));
});

async function setup(opts: { local?: MemorySideOptions; remote?: MemorySideOptions; pairs?: number } = {}) {
  const local = new MemorySide({ name: "dav", ...opts.local });
  const remote = new MemorySide({ name: "ews", push: true, ...opts.remote });
  const store = new MemoryStateStore();
  const engine = new SyncEngine({ store, sides: [local, remote] });
  const count = opts.pairs ?? 1;
  for (let i = 0; i < count; i++) {
    local.addCollection(`book${i}`, "contacts");
    remote.addCollection(`contacts${i}`, "contacts");
    await engine.link({ id: `p${i}`, kind: "contacts", remote: { side: "ews", collection: `contacts${i}` }, local: { side: "dav", collection: `book${i}` } });
  }
  const cycles: WatchCycleEvent[] = [];
  const statuses: WatchStatusEvent[] = [];
  engine.events.on("watch-cycle", (e) => cycles.push(e));
  engine.events.on("watch-status", (e) => statuses.push(e));
  const watch = async (options: WatchOptions = {}) => {
    const w = await engine.watch({ pollIntervalMs: 20, debounceMs: 10, maxDelayMs: 100, retryDelayMs: 20, ...options });
    watches.push(w);
    return w;
  };
  return { local, remote, store, engine, cycles, statuses, watch };
}

const uids = (side: MemorySide, collection: string) => side.items(collection).map((i) => i.uid).sort();
const note = (side: MemorySide, collection: string, uid: string) => {
  const item = side.items(collection).find((i) => i.uid === uid);
  return item ? prop(item.text, "NOTE") : undefined;
};

describe("SyncEngine.watch", () => {
  it("catches up first, then propagates creates, edits and deletes made on either side", async () => {
    const { local, remote, watch, cycles } = await setup();
    local.put("book0", vcard("before-l", { FN: "Before L" }));
    remote.put("contacts0", vcard("before-r", { FN: "Before R" }));
    const w = await watch();
    await until("the first cycle", () => cycles.length > 0);
    expect(cycles[0]!.triggers).toContain("start");
    await until("catch-up both ways", () => uids(local, "book0").length === 2 && uids(remote, "contacts0").length === 2);

    // Remote (push) → local.
    const rid = remote.put("contacts0", vcard("r1", { FN: "R1", NOTE: "one" }));
    await until("remote create arrives", () => note(local, "book0", "r1") === "one");
    remote.edit("contacts0", rid, vcard("r1", { FN: "R1", NOTE: "two" }));
    await until("remote edit arrives", () => note(local, "book0", "r1") === "two");
    remote.delete("contacts0", rid);
    await until("remote delete arrives", () => !uids(local, "book0").includes("r1"));

    // Local (polled) → remote.
    const lid = local.put("book0", vcard("l1", { FN: "L1", NOTE: "one" }));
    await until("local create arrives", () => note(remote, "contacts0", "l1") === "one");
    local.edit("book0", lid, vcard("l1", { FN: "L1", NOTE: "two" }));
    await until("local edit arrives", () => note(remote, "contacts0", "l1") === "two");
    local.delete("book0", lid);
    await until("local delete arrives", () => !uids(remote, "contacts0").includes("l1"));

    expect(cycles.some((c) => c.triggers.includes("notification"))).toBe(true);
    expect(cycles.some((c) => c.triggers.includes("poll"))).toBe(true);
    expect(cycles.every((c) => c.report.error === null && c.report.errors.length === 0)).toBe(true);
    expect(w.sides()).toEqual(expect.arrayContaining([{ side: "ews", state: "connected" }, { side: "dav", state: "polling" }]));
  });

  it("reads only the items a notification names, and skips its own writes coming back", async () => {
    const { local, remote, watch, cycles } = await setup();
    for (let i = 0; i < 20; i++) remote.put("contacts0", vcard(`u${i}`, { FN: `U${i}` }));
    const w = await watch({ pollIntervalMs: 60_000 });
    await until("initial copy", () => uids(local, "book0").length === 20);
    await until("quiet", () => w.pairs().every((p) => !p.running && !p.waiting));
    const before = cycles.length;
    remote.resetCalls();
    const id = remote.items("contacts0")[3]!.id;
    remote.edit("contacts0", id, vcard("u3", { FN: "U3", NOTE: "edited" }));
    await until("edit arrives", () => note(local, "book0", "u3") === "edited");
    await until("its cycle reported", () => cycles.slice(before).some((c) => c.report.local.updated.length === 1));
    // One fetch of the one item named, no change feed read; the local write made no echo cycle that wrote.
    expect(remote.calls.fetch).toBe(1);
    expect(remote.calls.changes).toBe(0);
    expect(remote.calls.itemWrites).toBe(0);
  });

  it("merges a burst of 1,000 changes into a few batched cycles", async () => {
    const { local, remote, watch, cycles } = await setup();
    await watch({ pollIntervalMs: 60_000, maxItemsPerCycle: 5_000 });
    await until("the first cycle", () => cycles.length > 0);
    const before = cycles.length;
    for (let i = 0; i < 1000; i++) remote.put("contacts0", vcard(`b${i}`, { FN: `B${i}` }));
    await until("all 1,000 arrive", () => local.items("book0").length === 1000, 20_000);
    const burst = cycles.length - before;
    expect(burst).toBeGreaterThan(0);
    // The burst is announced item by item; the cycles it takes are bounded by the coalescing, not the count.
    expect(burst).toBeLessThanOrEqual(10);
  });

  it("reads the change feed instead when a notification names more items than maxItemsPerCycle", async () => {
    const { local, remote, watch, cycles } = await setup();
    await watch({ pollIntervalMs: 60_000, maxItemsPerCycle: 10, debounceMs: 50 });
    await until("the first cycle", () => cycles.length > 0);
    remote.resetCalls();
    for (let i = 0; i < 50; i++) remote.put("contacts0", vcard(`f${i}`, { FN: `F${i}` }));
    await until("all arrive", () => local.items("book0").length === 50);
    expect(remote.calls.changes).toBeGreaterThan(0);
  });

  it("a lost notification is caught by the periodic full cycle", async () => {
    const { local, remote, watch, cycles } = await setup({ remote: { dropNotice: () => lose } });
    let lose = false;
    await watch({ pollIntervalMs: 60_000, fullCycleIntervalMs: 300 });
    await until("the first cycle", () => cycles.length > 0);
    lose = true;
    remote.put("contacts0", vcard("lost", { FN: "Lost" }));
    lose = false;
    await until("the periodic cycle brings it", () => uids(local, "book0").includes("lost"));
    expect(cycles.some((c) => c.triggers.includes("periodic") && c.report.local.created.length === 1)).toBe(true);
  });

  it("a gap (reconnect) reads the change feeds, so changes made while disconnected arrive", async () => {
    const { local, remote, watch, cycles } = await setup({ remote: { dropNotice: () => disconnected } });
    let disconnected = false;
    await watch({ pollIntervalMs: 60_000 });
    await until("the first cycle", () => cycles.length > 0);
    disconnected = true;
    remote.put("contacts0", vcard("offline", { FN: "Offline" }));
    disconnected = false;
    remote.announceGap();
    await until("it arrives after the gap", () => uids(local, "book0").includes("offline"));
    expect(cycles.some((c) => c.triggers.includes("gap"))).toBe(true);
  });

  it("an item first learned from a notification and then deleted unannounced is deleted by the next feed", async () => {
    // The remote feed never mentions items created and deleted since its cursor (as SyncFolderItems).
    let lose = false;
    const { local, remote, watch, cycles } = await setup({ remote: { omitCreatedThenDeleted: true, dropNotice: () => lose } });
    await watch({ pollIntervalMs: 60_000 });
    await until("the first cycle", () => cycles.length > 0);
    const id = remote.put("contacts0", vcard("brief", { FN: "Brief" }));
    await until("it arrives by notification", () => uids(local, "book0").includes("brief"));
    lose = true;
    remote.delete("contacts0", id);
    lose = false;
    remote.announceGap();
    await until("the feed after the gap deletes it", () => !uids(local, "book0").includes("brief"));
  });

  it("polls the feed while push is broken, reports it, and opens push again later", async () => {
    const { local, remote, watch, statuses } = await setup();
    const w = await watch({ pollIntervalMs: 20, pushRetryMs: 200 });
    await until("push connected", () => remote.watchers === 1);
    remote.breakPush();
    await until("falls back to polling", () => statuses.some((s) => s.side === "ews" && s.state === "polling"));
    remote.put("contacts0", vcard("polled", { FN: "Polled" }));
    await until("arrives by polling", () => uids(local, "book0").includes("polled"));
    await until("push reopened", () => remote.watchers === 1 && w.sides().find((s) => s.side === "ews")!.state === "connected");
    remote.put("contacts0", vcard("pushed", { FN: "Pushed" }));
    await until("arrives by push", () => uids(local, "book0").includes("pushed"));
  });

  it("loses nothing across a restart: the next watch catches up from the stored cursors", async () => {
    const { local, remote, watch } = await setup();
    const first = await watch();
    remote.put("contacts0", vcard("a", { FN: "A" }));
    await until("a arrives", () => uids(local, "book0").includes("a"));
    await first.stop();
    expect(remote.watchers).toBe(0);
    // While no watch runs (the host is down): changes on both sides.
    remote.put("contacts0", vcard("b", { FN: "B" }));
    local.put("book0", vcard("c", { FN: "C" }));
    await watch();
    await until("both arrive", () => uids(local, "book0").includes("b") && uids(remote, "contacts0").includes("c"));
    expect(uids(local, "book0")).toEqual(["a", "b", "c"]);
    expect(uids(remote, "contacts0")).toEqual(["a", "b", "c"]);
  });

  it("a failing side backs off without stalling the other pairs", async () => {
    let down = false;
    const local = new MemorySide({ name: "dav" });
    const broken = new MemorySide({ name: "broken", gate: () => { if (down) throw new Error("server down"); } });
    const remote = new MemorySide({ name: "ews", push: true });
    local.addCollection("book", "contacts");
    broken.addCollection("b", "contacts");
    remote.addCollection("c1", "contacts");
    remote.addCollection("c2", "contacts");
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [local, remote, broken] });
    await engine.link({ id: "good", kind: "contacts", remote: { side: "ews", collection: "c1" }, local: { side: "dav", collection: "book" } });
    await engine.link({ id: "bad", kind: "contacts", remote: { side: "ews", collection: "c2" }, local: { side: "broken", collection: "b" } });
    const seen: WatchCycleEvent[] = [];
    engine.events.on("watch-cycle", (e) => seen.push(e));
    const w = await engine.watch({ pollIntervalMs: 20, debounceMs: 5, retryDelayMs: 50, maxRetryDelayMs: 400 });
    watches.push(w);
    await until("both pairs ran", () => new Set(seen.map((e) => e.pairId)).size === 2);
    down = true;
    remote.put("c2", vcard("stuck", { FN: "Stuck" }));
    remote.put("c1", vcard("flows", { FN: "Flows" }));
    await until("the good pair goes on", () => uids(local, "book").includes("flows"));
    const failed = () => seen.filter((e) => e.pairId === "bad" && e.retryInMs !== null);
    await until("the bad pair fails three times in a row", () => failed().length >= 3);
    const delays = failed().map((e) => e.retryInMs!);
    expect(delays[1]!).toBeGreaterThan(delays[0]!);
    expect(delays[2]!).toBeGreaterThan(delays[1]!);
    expect(w.pairs().find((p) => p.pairId === "bad")!.failing).not.toBeNull();
    // Meanwhile the good pair kept working.
    remote.put("c1", vcard("still", { FN: "Still" }));
    await until("the good pair still goes on", () => uids(local, "book").includes("still"));
    down = false;
    await until("the bad pair recovers", () => uids(broken, "b").includes("stuck"), 10_000);
    await until("no longer failing", () => w.pairs().find((p) => p.pairId === "bad")!.failing === null);
  });

  it("stop() closes push, ends polling and lets the cycle in flight finish; nothing runs after", async () => {
    const { local, remote, watch, cycles, statuses } = await setup();
    const w = await watch();
    await until("push connected", () => remote.watchers === 1);
    for (let i = 0; i < 30; i++) remote.put("contacts0", vcard(`s${i}`, { FN: `S${i}` }));
    await w.stop();
    await w.done;
    expect(remote.watchers).toBe(0);
    expect(statuses.filter((s) => s.state === "stopped").map((s) => s.side).sort()).toEqual(["dav", "ews"]);
    const after = cycles.length;
    local.resetCalls();
    remote.put("contacts0", vcard("late", { FN: "Late" }));
    await new Promise((r) => setTimeout(r, 100));
    expect(cycles.length).toBe(after);
    expect(local.calls.changes).toBe(0);
  });

  it("stops when its signal aborts", async () => {
    const { remote, watch } = await setup();
    const controller = new AbortController();
    const w = await watch({ signal: controller.signal });
    await until("push connected", () => remote.watchers === 1);
    controller.abort();
    await w.done;
    expect(remote.watchers).toBe(0);
  });

  it("refuses options out of range and unknown pairs", async () => {
    const { engine } = await setup();
    await expect(engine.watch({ pollIntervalMs: -1 })).rejects.toMatchObject({ code: "invalid-option" });
    await expect(engine.watch({ pairIds: ["nope"] })).rejects.toMatchObject({ code: "unknown-pair" });
  });
});
