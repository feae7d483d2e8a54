/**
 * The first pull in pages (pages.ts): when it is taken and when not, that it writes what the
 * usual path writes, and that a listing cut after k pages, or a process killed at any side effect
 * or between pages, leaves a state from which the next cycle (the usual path) finishes the pull
 * with every item exactly once on both sides.
 */
import { describe, expect, it } from "vitest";
import { MemorySide, type MemoryWrite } from "../sides/memory.js";
import { MemoryStateStore } from "../stores/memory.js";
import { SqliteStateStore } from "../stores/sqlite.js";
import { prop, vcard } from "../fixtures.test-support.js";
import { Killed, mortal } from "../../test/mortal-store.test-support.js";
import { SyncEngine } from "./engine.js";
import type { StateStore } from "./state.js";

const C = "c";
let clock = 0;
const now = () => clock;

function contents(side: MemorySide): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of side.items(C)) {
    expect(item.uid, `${side.name}: an item without UID`).not.toBeNull();
    expect(out[item.uid!], `duplicate ${item.uid} on ${side.name}`).toBeUndefined();
    out[item.uid!] = ["FN", "NOTE"].map((p) => prop(item.text, p)).join("|");
  }
  return out;
}

/** A remote side listing in pages of `pageSize` with `count` items (two without UID, two sharing one), an empty local side, a linked pair. */
async function world(options: { pageSize?: number; count?: number; store?: StateStore; localItems?: number } = {}) {
  const remote = new MemorySide({ name: "remote", maxBatch: 3, pageSize: options.pageSize ?? 4 });
  const local = new MemorySide({ name: "local", maxBatch: 2 });
  remote.addCollection(C, "contacts");
  local.addCollection(C, "contacts");
  const count = options.count ?? 17;
  for (let i = 0; i < count; i++) remote.put(C, vcard(i === 3 || i === 9 ? null : i === 13 ? "r1" : `r${i}`, { FN: `R${i}`, NOTE: "n" }));
  for (let i = 0; i < (options.localItems ?? 0); i++) local.put(C, vcard(`l${i}`, { FN: `L${i}` }));
  const store = options.store ?? new MemoryStateStore({ now });
  const engine = new SyncEngine({ store, sides: [local, remote] });
  await engine.link({ id: "p", kind: "contacts", local: { side: "local", collection: C }, remote: { side: "remote", collection: C } });
  return { local, remote, store, engine };
}

/** The same world and one cycle on the usual path (no pages): the reference. */
async function reference(count = 17) {
  const w = await world({ count });
  const plain = new MemorySide({ name: "remote", maxBatch: 3 });
  plain.addCollection(C, "contacts");
  for (const item of w.remote.items(C)) plain.put(C, item.text);
  const store = new MemoryStateStore({ now });
  const engine = new SyncEngine({ store, sides: [w.local, plain] });
  await engine.link({ id: "p", kind: "contacts", local: { side: "local", collection: C }, remote: { side: "remote", collection: C } });
  const report = await engine.runOnce();
  expect(report.ok).toBe(true);
  return { local: contents(w.local), report: report.pairs[0]! };
}

describe("a first pull in pages", () => {
  it("is taken for an empty pair, writes what the usual path writes, and the next cycle is quiet", async () => {
    const ref = await reference();
    const { local, remote, engine } = await world();
    const pages: number[] = [];
    remote.options.beforePage = (n) => void pages.push(n);
    const progress: string[] = [];
    engine.events.on("progress", (e) => void progress.push(`${e.phase} ${e.done}/${e.total}`));
    const report = await engine.runOnce();
    expect(report.ok, JSON.stringify(report.pairs[0]?.errors)).toBe(true);
    expect(pages).toEqual([0, 1, 2, 3, 4]);
    expect(remote.calls.fetch).toBe(0); // every item taken as listed
    expect(contents(local)).toEqual(ref.local);
    expect(contents(remote)).toEqual(contents(local));
    const pair = report.pairs[0]!;
    const uids = (refs: Array<{ uid: string }>) => refs.map((r) => r.uid).sort();
    expect(uids(pair.local.created)).toEqual(uids(ref.report.local.created));
    expect(pair.remote.fetched).toBe(ref.report.remote.fetched);
    expect(pair.errors).toEqual([]);
    expect(progress[0]).toBe("reading 0/2");
    expect(progress.at(-1)).toMatch(/^done (\d+)\/\1$/);
    expect(progress.filter((p) => p.startsWith("writing")).length).toBeGreaterThan(0);
    remote.resetCalls();
    local.resetCalls();
    const again = await engine.runOnce();
    expect(again.ok).toBe(true);
    const p = again.pairs[0]!;
    expect(p.local.created.length + p.remote.created.length + p.local.updated.length + p.remote.updated.length).toBe(0);
    expect(local.calls.create + remote.calls.create).toBe(0);
  });

  it("is not taken when the other side holds an item, in a dry run, or once the state holds records", async () => {
    for (const setup of ["local item", "dry run", "records"] as const) {
      const { local, remote, engine } = await world({ localItems: setup === "local item" ? 1 : 0 });
      const pages: number[] = [];
      if (setup === "records") {
        remote.options.beforePage = (n) => {
          if (n === 1) throw new Error("cut");
        };
        expect((await engine.runOnce()).ok).toBe(false);
      }
      remote.options.beforePage = (n) => void pages.push(n);
      const report = await engine.runOnce(setup === "dry run" ? { dryRun: true } : {});
      expect(report.ok, setup).toBe(true);
      expect(pages, setup).toEqual([]);
      if (setup !== "dry run") expect(contents(local)).toEqual(contents(remote));
      else expect(local.items(C)).toEqual([]);
    }
  });

  for (const k of [0, 1, 2, 4]) {
    it(`a listing cut before page ${k} stops the cycle (feed-failed) with no cursor; the next cycle finishes without duplicates`, async () => {
      const ref = await reference();
      const { local, remote, store, engine } = await world();
      remote.options.beforePage = (n) => {
        if (n === k) throw new Error("connection closed mid-multistatus");
      };
      const report = await engine.runOnce();
      expect(report.ok).toBe(false);
      expect(report.pairs[0]!.error?.code).toBe("feed-failed");
      // Pages written before the cut are no dry run: the report says what was written.
      expect(report.pairs[0]!.dryRun).toBe(k === 0);
      if (k > 0) expect(report.pairs[0]!.local.created.length).toBeGreaterThan(0);
      expect((await store.getPair("p"))!.cursors).toEqual({ local: null, remote: null });
      expect(await store.listJournal("p")).toEqual([]);
      delete remote.options.beforePage;
      const next = await engine.runOnce();
      expect(next.ok, JSON.stringify(next.pairs[0]?.errors)).toBe(true);
      expect(contents(local)).toEqual(ref.local);
      expect(contents(remote)).toEqual(contents(local));
      expect((await engine.runOnce()).pairs[0]!.local.created).toEqual([]);
    });
  }

  for (const storeKind of ["memory", "sqlite"] as const) {
    it(`for every k, a process killed before or after its k-th side effect, or between pages, is finished by the next cycle (${storeKind} store)`, async () => {
      const ref = await reference();
      const effectsOf = async () => {
        const { local, remote, engine } = await world();
        let effects = 0;
        local.options.afterEffect = remote.options.afterEffect = () => void effects++;
        expect((await engine.runOnce()).ok).toBe(true);
        return effects;
      };
      const effects = await effectsOf();
      expect(effects).toBeGreaterThan(15);
      const kills: Array<{ when: "before" | "after" | "page"; k: number }> = [
        ...(["before", "after"] as const).flatMap((when) => Array.from({ length: effects }, (_, i) => ({ when, k: i + 1 }))),
        ...[1, 2, 3, 4].map((k) => ({ when: "page" as const, k })),
      ];
      for (const { when, k } of kills) {
        const inner = storeKind === "sqlite" ? new SqliteStateStore({ path: ":memory:", now }) : new MemoryStateStore({ now });
        const store = mortal(inner);
        const { local, remote } = await world({ store });
        let n = 0;
        const die = (_w: MemoryWrite) => {
          if (++n === k) {
            store.dead = true;
            throw new Killed(`killed ${when} effect ${k}`);
          }
        };
        const gate = () => {
          if (store.dead) throw new Killed("dead");
        };
        local.options = { ...local.options, gate, ...(when === "page" ? {} : { [`${when}Effect`]: die }) };
        remote.options = {
          ...remote.options,
          gate,
          ...(when === "page" ? { beforePage: (p: number) => void (p === k && ((store.dead = true), 0)) } : { [`${when}Effect`]: die }),
        };
        await new SyncEngine({ store, sides: [local, remote] }).runOnce().catch(() => undefined);
        expect(store.dead, `${when} ${k}`).toBe(true);
        clock += 60_001;
        local.options = { name: "local", maxBatch: 2 };
        remote.options = { name: "remote", maxBatch: 3, pageSize: 4 };
        const engine = new SyncEngine({ store: inner, sides: [local, remote] });
        const report = await engine.runOnce();
        expect(report.ok, `${when} ${k}: ${JSON.stringify(report.pairs[0]?.errors ?? report.pairs[0]?.error)}`).toBe(true);
        await engine.runOnce();
        expect(contents(local), `${when} ${k}`).toEqual(ref.local);
        expect(contents(remote), `${when} ${k}`).toEqual(contents(local));
        expect(await inner.listJournal("p")).toEqual([]);
      }
    }, 120_000);
  }

  it("calls each side no more often at once than its maxConcurrency, as the usual path does", async () => {
    const { local, remote, engine } = await world({ pageSize: 8, count: 40 });
    let now = 0;
    let peak = 0;
    const create = local.create.bind(local);
    local.create = async (...args: Parameters<typeof create>) => {
      peak = Math.max(peak, ++now);
      try {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return await create(...args);
      } finally {
        now--;
      }
    };
    const report = await engine.runOnce();
    expect(report.ok).toBe(true);
    expect(local.items(C).length).toBe(remote.items(C).length);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(local.capabilities.maxConcurrency);
  });

  it("an item listed twice fails the cycle; the next one (usual path) is whole", async () => {
    const { local, remote, engine } = await world({ count: 6 });
    const listPages = remote.listPages!;
    (remote as { listPages?: unknown }).listPages = async function* (collection: string) {
      for await (const page of listPages(collection)) {
        yield page;
        if (page.type === "items") yield page; // the same page again
      }
    };
    const report = await engine.runOnce();
    expect(report.pairs[0]!.error?.code).toBe("feed-failed");
    (remote as { listPages?: unknown }).listPages = listPages;
    expect((await engine.runOnce()).ok).toBe(true);
    expect(contents(local)).toEqual(contents(remote));
  });
});
