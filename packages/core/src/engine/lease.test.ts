/**
 * One writer per pair, in the engine: cycles of a pair in one engine wait for each other
 * (`runOnce()` beside `runCycle()`, `syncItems()` and `watch()`); a second engine on the same
 * store — another process or host — waits up to `lease.waitMs`, then reports `pair-busy` without
 * writing, while its other pairs go on; a lease left by a dead process is taken over after its
 * TTL; a cycle whose lease was taken over (paused past its TTL) stops before any further side
 * effect and commits nothing. Cycles are held inside a side call to make them overlap; the store's
 * lease clock is moved by hand.
 */
import { describe, expect, it } from "vitest";
import { MemorySide, type MemorySideOptions } from "../sides/memory.js";
import { MemoryStateStore } from "../stores/memory.js";
import { vcard } from "../fixtures.test-support.js";
import { until } from "../../../../test/harness/wait.js";
import { SyncEngine, type SyncEngineOptions } from "./engine.js";
import { EngineError } from "./errors.js";
import type { ChangeFeed, SideError, VObject, WriteResult } from "./side.js";

/** A memory side whose `changes` or `create` can be held open (the cycle is then "in flight"). */
class HoldingSide extends MemorySide {
  #hold: { op: "changes" | "create"; entered: () => void; released: Promise<void> } | null = null;

  /** Holds the next call of `op` until the returned `release` is called; `entered` resolves once it is held. */
  holdNext(op: "changes" | "create"): { entered: Promise<void>; release: () => void } {
    let entered!: () => void;
    let release!: () => void;
    const enteredP = new Promise<void>((r) => (entered = r));
    const released = new Promise<void>((r) => (release = r));
    this.#hold = { op, entered, released };
    return { entered: enteredP, release };
  }

  async #wait(op: "changes" | "create", signal: AbortSignal | undefined): Promise<void> {
    const hold = this.#hold;
    if (!hold || hold.op !== op) return;
    this.#hold = null;
    hold.entered();
    await new Promise<void>((resolve, reject) => {
      void hold.released.then(resolve);
      signal?.addEventListener("abort", () => reject(signal.reason instanceof Error ? signal.reason : new Error("aborted")), { once: true });
    });
  }

  override async changes(collection: string, cursor: string | null, signal?: AbortSignal): Promise<ChangeFeed> {
    await this.#wait("changes", signal);
    return super.changes(collection, cursor);
  }

  override async create(collection: string, items: readonly VObject[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
    await this.#wait("create", signal);
    return super.create(collection, items);
  }
}

const T0 = Date.parse("2026-12-05T12:00:00.000Z");

/** Two sides with two collections each, a store with a hand-moved lease clock, pairs `p` and `q`. */
async function world(opts: { local?: MemorySideOptions } = {}) {
  let clock = T0;
  const store = new MemoryStateStore({ now: () => clock });
  const local = new HoldingSide({ name: "local", ...opts.local });
  const remote = new HoldingSide({ name: "remote" });
  for (const c of ["p", "q"]) {
    local.addCollection(c, "contacts");
    remote.addCollection(c, "contacts");
  }
  const engineOf = (options: Partial<SyncEngineOptions> = {}) => new SyncEngine({ store, sides: [local, remote], ...options });
  const setup = engineOf();
  for (const id of ["p", "q"]) await setup.link({ id, kind: "contacts", local: { side: "local", collection: id }, remote: { side: "remote", collection: id } });
  return {
    store,
    local,
    remote,
    engineOf,
    advance: (ms: number) => void (clock += ms),
  };
}

/** UIDs of a collection, each once; fails on a duplicate. */
function uidsOnce(side: MemorySide, collection: string): string[] {
  const uids = side.items(collection).map((i) => i.uid!);
  expect(new Set(uids).size, `duplicates on ${side.name}/${collection}: ${uids.sort().join(" ")}`).toBe(uids.length);
  return uids.sort();
}

const newCards = (side: MemorySide, collection: string, prefix: string, n: number) => {
  for (let i = 0; i < n; i++) side.put(collection, vcard(`${prefix}${i}`, { FN: `${prefix} ${i}` }));
};

describe("one writer per pair, in one engine", () => {
  it("runOnce() beside runCycle(), syncItems() and another runOnce() waits for the cycle in flight: one at a time, every item once", async () => {
    const { local, remote, engineOf } = await world();
    const engine = engineOf({ lease: { waitMs: 0 } }); // in-process waiting is not bounded by waitMs
    newCards(local, "p", "l", 20);
    newCards(remote, "p", "r", 5);
    let started = 0; // cycles of pair p that began reading
    engine.events.on("progress", (e) => void (e.pairId === "p" && e.phase === "reading" && e.done === 0 && started++));
    const held = local.holdNext("changes");
    const first = engine.runOnce({ pairIds: ["p"] });
    await held.entered;
    const others = [
      engine.runCycle("p"),
      engine.runOnce({ pairIds: ["p"] }),
      engine.syncItems("p", { local: [local.items("p")[0]!.id] }),
    ] as const;
    const q = await engine.runOnce({ pairIds: ["q"] }); // another pair is not held up
    expect(q.ok).toBe(true);
    // While the first cycle is held, none of the others has begun.
    expect(started).toBe(1);
    held.release();
    const [firstReport, cycle, again, items] = await Promise.all([first, ...others]);
    expect(firstReport.ok).toBe(true);
    expect(firstReport.pairs[0]!.remote.created).toHaveLength(20);
    for (const report of [cycle, again.pairs[0]!, items]) {
      expect(report.error).toBeNull();
      expect(report.errors).toEqual([]);
      expect(report.remote.created.length + report.local.created.length).toBe(0);
    }
    expect(uidsOnce(local, "p")).toEqual(uidsOnce(remote, "p"));
    expect(uidsOnce(remote, "p")).toHaveLength(25);
    expect(started).toBe(4);
  });

  it("a runOnce() meeting a watch() waits for the watch's cycle in flight and then runs; the watch holds no lease between cycles", async () => {
    const { local, remote, store, engineOf } = await world();
    const engine = engineOf({ lease: { waitMs: 0 } });
    newCards(local, "p", "l", 10);
    const held = remote.holdNext("create");
    const watch = await engine.watch({ pairIds: ["p"], pollIntervalMs: 60_000, debounceMs: 0 });
    try {
      await held.entered;
      expect((await store.getLease("p"))?.owner).toBe(engine.leaseOwner);
      const scheduled = engine.runOnce({ pairIds: ["p"] });
      held.release();
      const report = await scheduled;
      expect(report.ok).toBe(true);
      await until("the watch's first cycle", () => watch.pairs()[0]!.cycles === 1);
      expect(watch.pairs()[0]!.lastReport!.error).toBeNull();
      expect(await store.getLease("p")).toBeNull(); // released between cycles
      expect(uidsOnce(remote, "p")).toEqual(uidsOnce(local, "p"));
      expect(uidsOnce(remote, "p")).toHaveLength(10);
    } finally {
      await watch.stop();
    }
  });
});

describe("one writer per pair, across engines on one store (processes, hosts)", () => {
  it("a second engine reports pair-busy for a pair whose lease is held, without reading or writing it; its other pairs go on", async () => {
    const { local, remote, store, engineOf } = await world();
    const a = engineOf({ lease: { owner: "host-a" } });
    const b = engineOf({ lease: { owner: "host-b", waitMs: 0 } });
    newCards(local, "p", "l", 5);
    newCards(local, "q", "m", 3);
    const held = remote.holdNext("create");
    const running = a.runOnce({ pairIds: ["p"] });
    await held.entered;
    const commits = store.commits;
    const busy = await b.runOnce();
    const [p, q] = busy.pairs;
    expect(busy.ok).toBe(false);
    expect(p!.error).toMatchObject({ code: "pair-busy" });
    expect(p!.error!.message).toMatch(/pair p: another process \(host-a\) is syncing this pair/);
    expect(p!.dryRun).toBe(true);
    expect(p!.local.feedRequests + p!.remote.feedRequests).toBe(0);
    expect(q!.error).toBeNull();
    expect(q!.remote.created).toHaveLength(3);
    expect(remote.items("p")).toHaveLength(0); // a's creates are still held
    expect(store.commits).toBeGreaterThan(commits); // q was written…
    held.release();
    expect((await running).ok).toBe(true);
    expect(uidsOnce(remote, "p")).toHaveLength(5); // …and p by a alone
    // syncItems() throws it as an EngineError.
    const again = remote.holdNext("changes");
    newCards(local, "p", "n", 1);
    const next = a.runOnce({ pairIds: ["p"] });
    await again.entered;
    await expect(b.syncItems("p", { local: [local.items("p")[0]!.id] })).rejects.toMatchObject({ name: "EngineError", code: "pair-busy", pairId: "p" });
    again.release();
    await next;
  });

  it("a second engine started together waits (bounded by waitMs) and then runs: every item once on both sides", async () => {
    const { local, remote, engineOf } = await world();
    const a = engineOf({ lease: { owner: "host-a" } });
    const b = engineOf({ lease: { owner: "host-b", waitMs: 60_000 } });
    newCards(local, "p", "l", 20);
    newCards(remote, "p", "r", 20);
    const held = local.holdNext("create");
    const first = a.runOnce({ pairIds: ["p"] });
    await held.entered;
    const second = b.runOnce({ pairIds: ["p"] });
    held.release();
    const [ra, rb] = await Promise.all([first, second]);
    expect(ra.ok && rb.ok).toBe(true);
    expect(rb.pairs[0]!.local.created.length + rb.pairs[0]!.remote.created.length).toBe(0);
    expect(uidsOnce(local, "p")).toEqual(uidsOnce(remote, "p"));
    expect(uidsOnce(local, "p")).toHaveLength(40);
  });

  it("a lease left by a dead process is taken over once it expires, by a run that was waiting or by the next one", async () => {
    const { local, remote, store, engineOf, advance } = await world();
    newCards(local, "p", "l", 4);
    // A process that took the lease and was killed (nothing renews or releases it).
    expect((await store.acquireLease({ pairId: "p", owner: "killed-host", ttlMs: 60_000 })).acquired).toBe(true);
    const impatient = await engineOf({ lease: { owner: "b", waitMs: 0 } }).runOnce({ pairIds: ["p"] });
    expect(impatient.pairs[0]!.error?.code).toBe("pair-busy");
    expect(impatient.pairs[0]!.error!.message).toContain("killed-host");
    const waiting = engineOf({ lease: { owner: "c", waitMs: 120_000 } }).runOnce({ pairIds: ["p"] });
    advance(60_000);
    const report = await waiting;
    expect(report.ok).toBe(true);
    expect(uidsOnce(remote, "p")).toHaveLength(4);
    expect(await store.getLease("p")).toBeNull();
  });

  it("renewal keeps the lease past its first TTL while the cycle runs", async () => {
    const { local, store, engineOf, advance } = await world();
    const a = engineOf({ lease: { owner: "host-a", ttlMs: 300 } }); // renewed every 100 ms (real time)
    newCards(local, "p", "l", 2);
    const held = local.holdNext("changes");
    const running = a.runOnce({ pairIds: ["p"] });
    await held.entered;
    const first = (await store.getLease("p"))!;
    expect(first.expiresAt).toBe(new Date(T0 + 300).toISOString());
    advance(200);
    await until("a renewal", async () => (await store.getLease("p"))!.expiresAt === new Date(T0 + 500).toISOString());
    advance(200); // past the first expiry (T0 + 300), before the renewed one
    const busy = await engineOf({ lease: { owner: "host-b", waitMs: 0 } }).runOnce({ pairIds: ["p"] });
    expect(busy.pairs[0]!.error?.code).toBe("pair-busy");
    held.release();
    expect((await running).ok).toBe(true);
    expect((await store.getLease("p"))).toBeNull();
  });

  it("a cycle paused past its TTL whose lease was taken over commits nothing more and makes no further side effect (lease-lost)", async () => {
    const { local, remote, store, engineOf, advance } = await world();
    const a = engineOf({ lease: { owner: "host-a", ttlMs: 60_000 } });
    newCards(local, "p", "l", 6);
    const held = remote.holdNext("changes"); // a is paused while reading its feeds
    const paused = a.runOnce({ pairIds: ["p"] });
    await held.entered;
    advance(60_000);
    const b = await engineOf({ lease: { owner: "host-b", waitMs: 0 } }).runOnce({ pairIds: ["p"] });
    expect(b.ok).toBe(true);
    expect(b.pairs[0]!.remote.created).toHaveLength(6);
    // Someone edits an item in Exchange: a, waking up, plans to write it to the local side.
    const edited = remote.items("p")[0]!;
    remote.edit("p", edited.id, vcard(edited.uid, { FN: "edited while a slept" }));
    const writesBefore = remote.calls.itemWrites + local.calls.itemWrites;
    const commitsBefore = store.commits;
    const itemsBefore = await store.listItems("p");
    const cursorsBefore = (await store.getPair("p"))!.cursors;
    held.release(); // a wakes up, reads the remote feed with the edit, and plans an update
    const report = (await paused).pairs[0]!;
    expect(report.error).toMatchObject({ code: "lease-lost" });
    expect(report.error!.message).toMatch(/^pair p: the lease of host-a \(token 1\) is no longer held \(released\); nothing was written; the cycle stopped$/);
    expect(remote.calls.itemWrites + local.calls.itemWrites).toBe(writesBefore);
    expect(store.commits).toBe(commitsBefore);
    expect(await store.listItems("p")).toEqual(itemsBefore);
    expect((await store.getPair("p"))!.cursors).toEqual(cursorsBefore);
    expect(uidsOnce(remote, "p")).toHaveLength(6);
    expect((await store.getLease("p"))).toBeNull(); // b released; a's lost lease is not a's to release
  });

  it("a renewal that finds the lease taken over aborts the cycle's requests in flight; the cycle stops with lease-lost", async () => {
    const { local, remote, store, engineOf, advance } = await world();
    const a = engineOf({ lease: { owner: "host-a", ttlMs: 300 } });
    newCards(local, "p", "l", 3);
    const held = remote.holdNext("create"); // never released: only the abort ends it
    const running = a.runOnce({ pairIds: ["p"] });
    await held.entered;
    advance(300);
    expect((await store.acquireLease({ pairId: "p", owner: "intruder", ttlMs: 60_000 })).acquired).toBe(true);
    const report = (await running).pairs[0]!;
    expect(report.error).toMatchObject({ code: "lease-lost" });
    expect(report.error!.message).toContain("taken over");
    expect(remote.items("p")).toHaveLength(0);
    expect(await store.listItems("p")).toEqual([]);
    expect((await store.getLease("p"))?.owner).toBe("intruder");
  });
});

describe("a lease that cannot be renewed", () => {
  it("stops the cycle with lease-lost once a whole TTL passed without a renewal (the store unreachable)", async () => {
    class Unreachable extends MemoryStateStore {
      down = false;
      override async renewLease(...args: Parameters<MemoryStateStore["renewLease"]>) {
        if (this.down) throw new Error("database unreachable");
        return super.renewLease(...args);
      }
    }
    const store = new Unreachable();
    const local = new HoldingSide({ name: "local" });
    const remote = new HoldingSide({ name: "remote" });
    local.addCollection("p", "contacts");
    remote.addCollection("p", "contacts");
    const engine = new SyncEngine({ store, sides: [local, remote], lease: { ttlMs: 150 } });
    await engine.link({ id: "p", kind: "contacts", local: { side: "local", collection: "p" }, remote: { side: "remote", collection: "p" } });
    newCards(local, "p", "l", 2);
    const held = remote.holdNext("create"); // only the abort ends it
    const running = engine.runOnce();
    await held.entered;
    store.down = true;
    const report = (await running).pairs[0]!;
    expect(report.error).toMatchObject({ code: "lease-lost" });
    expect(report.error!.message).toMatch(/could not be renewed for 150 ms \(database unreachable\)/);
    expect(remote.items("p")).toHaveLength(0);
    expect(await store.listItems("p")).toEqual([]);
  });
});

describe("one writer per pair, for watch() and link()", () => {
  it("a watch whose pair another engine is syncing reports pair-busy, backs off, and syncs once the lease is free", async () => {
    const { local, remote, engineOf } = await world();
    const a = engineOf({ lease: { owner: "host-a" } });
    const b = engineOf({ lease: { owner: "host-b", waitMs: 0 } });
    newCards(local, "p", "l", 3);
    const held = remote.holdNext("create");
    const running = a.runOnce({ pairIds: ["p"] });
    await held.entered;
    const cycles: Array<string | null> = [];
    b.events.on("watch-cycle", ({ report }) => cycles.push(report.error?.code ?? null));
    const watch = await b.watch({ pairIds: ["p"], pollIntervalMs: 60_000, debounceMs: 0, retryDelayMs: 5 });
    try {
      await until("a busy cycle", () => cycles.length >= 1);
      expect(cycles[0]).toBe("pair-busy");
      expect(watch.pairs()[0]!.failing?.code).toBe("pair-busy");
      held.release();
      expect((await running).ok).toBe(true);
      newCards(remote, "p", "r", 2);
      await until("a cycle after the lease was freed", () => cycles.includes(null));
      expect(uidsOnce(local, "p")).toEqual(uidsOnce(remote, "p"));
      expect(uidsOnce(local, "p")).toHaveLength(5);
    } finally {
      await watch.stop();
    }
  });

  it("two engines linking the same remote collection at once make one pair and one local collection", async () => {
    const store = new MemoryStateStore();
    const local = new HoldingSide({ name: "local" });
    const remote = new HoldingSide({ name: "remote" });
    remote.addCollection("c", "contacts");
    const engines = ["a", "b", "c"].map((owner) => new SyncEngine({ store, sides: [local, remote], lease: { owner } }));
    const results = await Promise.allSettled(
      engines.map((e) => e.link({ kind: "contacts", remote: { side: "remote", collection: "c" }, local: { side: "local", create: { displayName: "Contacts" } } })),
    );
    const linked = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(linked).toHaveLength(1);
    expect(refused.map((r) => (r.reason as EngineError).code)).toEqual(["already-linked", "already-linked"]);
    expect(refused.every((r) => (r.reason as EngineError).pairId === (linked[0] as PromiseFulfilledResult<{ id: string }>).value.id)).toBe(true);
    expect(await store.listPairs()).toHaveLength(1);
    expect((await local.listCollections()).map((c) => c.displayName)).toEqual(["Contacts"]);
  });
});

describe("lease options", () => {
  it("are checked when the engine is built", async () => {
    const { engineOf } = await world();
    for (const lease of [{ ttlMs: 0 }, { ttlMs: Number.NaN }, { waitMs: -1 }, { owner: "" }]) {
      expect(() => engineOf({ lease }), JSON.stringify(lease)).toThrow(EngineError);
    }
    expect(() => engineOf({ lease: { ttlMs: -5 } })).toThrow(/lease\.ttlMs/);
  });

  it("a cycle aborted while it waits for the lease ends with aborted, having written nothing", async () => {
    const { local, store, engineOf } = await world();
    newCards(local, "p", "l", 1);
    expect((await store.acquireLease({ pairId: "p", owner: "elsewhere", ttlMs: 60_000 })).acquired).toBe(true);
    const controller = new AbortController();
    const waiting = engineOf({ lease: { waitMs: 60_000 } }).runOnce({ pairIds: ["p"], signal: controller.signal });
    controller.abort();
    const report = (await waiting).pairs[0]!;
    expect(report.error?.code).toBe("aborted");
    expect(await store.listItems("p")).toEqual([]);
  });
});
