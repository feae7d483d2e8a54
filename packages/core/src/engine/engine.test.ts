import { describe, expect, it } from "vitest";
import { MemorySide, type MemorySideOptions } from "../sides/memory.js";
import { MemoryStateStore } from "../stores/memory.js";
import { prop, vcard } from "../fixtures.test-support.js";
import { EngineError } from "./errors.js";
import { SyncEngine, type SyncEngineOptions } from "./engine.js";
import type { ItemOutcomeEvent } from "./events.js";

async function setup(opts: { local?: MemorySideOptions; remote?: MemorySideOptions; engine?: Partial<SyncEngineOptions> } = {}) {
  const local = new MemorySide({ name: "local", ...opts.local });
  const remote = new MemorySide({ name: "remote", ...opts.remote });
  local.addCollection("book", "contacts");
  remote.addCollection("contacts", "contacts");
  const store = new MemoryStateStore();
  const engine = new SyncEngine({ store, sides: [local, remote], ...opts.engine });
  const pair = await engine.link({ id: "p", kind: "contacts", remote: { side: "remote", collection: "contacts" }, local: { side: "local", collection: "book" } });
  return { local, remote, store, engine, pair };
}

const byUid = (side: MemorySide, collection: string) => new Map(side.items(collection).map((i) => [i.uid, i]));

describe("SyncEngine passive mode", () => {
  it("copies new items both ways, then a second cycle writes nothing and reads one feed per side", async () => {
    const { local, remote, engine } = await setup();
    local.put("book", vcard("a", { FN: "Ada" }));
    remote.put("contacts", vcard("b", { FN: "Bob" }));
    const first = await engine.runOnce();
    expect(first.ok).toBe(true);
    expect(first.pairs[0]!.remote.created.map((r) => r.uid)).toEqual(["a"]);
    expect(first.pairs[0]!.local.created.map((r) => r.uid)).toEqual(["b"]);
    expect([...byUid(local, "book").keys()].sort()).toEqual(["a", "b"]);
    expect([...byUid(remote, "contacts").keys()].sort()).toEqual(["a", "b"]);
    local.resetCalls();
    remote.resetCalls();
    const second = await engine.runOnce();
    expect(local.calls.itemWrites + remote.calls.itemWrites).toBe(0);
    expect(local.calls.changes).toBe(1);
    expect(remote.calls.changes).toBe(1);
    expect(second.pairs[0]!.local.created.length + second.pairs[0]!.remote.created.length).toBe(0);
  });

  it("pairs items already on both sides at the first sync instead of duplicating them", async () => {
    const { local, remote, engine } = await setup();
    local.put("book", vcard("same", { FN: "Same", NOTE: "x" }));
    remote.put("contacts", vcard("same", { NOTE: "x", FN: "Same" }, ["PRODID:-//other//EN"]));
    const report = await engine.runOnce();
    expect(report.pairs[0]!.paired.map((r) => r.uid)).toEqual(["same"]);
    expect(local.calls.itemWrites + remote.calls.itemWrites).toBe(0);
    expect(local.items("book")).toHaveLength(1);
    expect(remote.items("contacts")).toHaveLength(1);
  });

  it("propagates edits and deletions, and merges different properties changed on both sides", async () => {
    const { local, remote, engine } = await setup();
    const lid = local.put("book", vcard("a", { FN: "Ada", NOTE: "n0", TITLE: "t0" }));
    local.put("book", vcard("gone", { FN: "Gone" }));
    await engine.runOnce();
    const rid = byUid(remote, "contacts").get("a")!.id;
    local.edit("book", lid, vcard("a", { FN: "Ada", NOTE: "n1", TITLE: "t0" }));
    remote.edit("contacts", rid, vcard("a", { FN: "Ada", NOTE: "n0", TITLE: "t1" }));
    remote.delete("contacts", byUid(remote, "contacts").get("gone")!.id);
    const report = await engine.runOnce();
    expect(report.pairs[0]!.merged.map((r) => r.uid)).toEqual(["a"]);
    expect(report.pairs[0]!.local.deleted.map((r) => r.uid)).toEqual(["gone"]);
    for (const text of [byUid(local, "book").get("a")!.text, byUid(remote, "contacts").get("a")!.text]) {
      expect(prop(text, "NOTE")).toBe("n1");
      expect(prop(text, "TITLE")).toBe("t1");
    }
    expect(byUid(local, "book").has("gone")).toBe(false);
  });

  it.each([
    ["remote-wins", "remote"],
    ["local-wins", "local"],
  ] as const)("settles the same property changed on both sides by %s", async (policy, winner) => {
    const { local, remote, engine } = await setup({ engine: { policy: { conflict: policy } } });
    const lid = local.put("book", vcard("a", { FN: "Ada", NOTE: "base" }));
    await engine.runOnce();
    local.edit("book", lid, vcard("a", { FN: "Ada", NOTE: "local" }));
    remote.edit("contacts", byUid(remote, "contacts").get("a")!.id, vcard("a", { FN: "Ada", NOTE: "remote" }));
    const report = await engine.runOnce();
    expect(report.pairs[0]!.conflicts).toHaveLength(1);
    expect(report.pairs[0]!.conflicts[0]).toMatchObject({ uid: "a", property: "NOTE", winner });
    expect(prop(byUid(local, "book").get("a")!.text, "NOTE")).toBe(winner);
    expect(prop(byUid(remote, "contacts").get("a")!.text, "NOTE")).toBe(winner);
  });

  it("newest-wins compares the items' REV, and a callback can decide per property", async () => {
    const { local, remote, engine } = await setup({ engine: { policy: { conflict: "newest-wins" } } });
    const lid = local.put("book", vcard("a", { FN: "Ada", NOTE: "base", REV: "20240101T000000Z" }));
    await engine.runOnce();
    local.edit("book", lid, vcard("a", { FN: "Ada", NOTE: "local", REV: "20240301T000000Z" }));
    remote.edit("contacts", byUid(remote, "contacts").get("a")!.id, vcard("a", { FN: "Ada", NOTE: "remote", REV: "20240201T000000Z" }));
    await engine.runOnce();
    expect(prop(byUid(remote, "contacts").get("a")!.text, "NOTE")).toBe("local");

    const seen: string[] = [];
    const cb = await setup({ engine: { policy: { conflict: (c) => (seen.push(c.property), c.property === "NOTE" ? "local" : "remote") } } });
    const id = cb.local.put("book", vcard("b", { FN: "B", NOTE: "0", TITLE: "0" }));
    await cb.engine.runOnce();
    cb.local.edit("book", id, vcard("b", { FN: "B", NOTE: "L", TITLE: "L" }));
    cb.remote.edit("contacts", byUid(cb.remote, "contacts").get("b")!.id, vcard("b", { FN: "B", NOTE: "R", TITLE: "R" }));
    await cb.engine.runOnce();
    const text = byUid(cb.remote, "contacts").get("b")!.text;
    expect(seen.sort()).toEqual(["NOTE", "TITLE"]);
    expect([prop(text, "NOTE"), prop(text, "TITLE")]).toEqual(["L", "R"]);
  });

  it("keeps a modification over a deletion by default, and deletes with deletion-wins", async () => {
    for (const [rule, survives] of [["modification-wins", true], ["deletion-wins", false]] as const) {
      const { local, remote, engine } = await setup({ engine: { policy: { deleteVersusModify: rule } } });
      const lid = local.put("book", vcard("a", { FN: "Ada" }));
      await engine.runOnce();
      local.delete("book", lid);
      remote.edit("contacts", byUid(remote, "contacts").get("a")!.id, vcard("a", { FN: "Ada Lovelace" }));
      const report = await engine.runOnce();
      expect(report.pairs[0]!.deleteVersusModify).toEqual([{ uid: "a", deleted: "local", winner: survives ? "modification" : "deletion" }]);
      expect(byUid(local, "book").has("a")).toBe(survives);
      expect(byUid(remote, "contacts").has("a")).toBe(survives);
    }
  });

  it("gives items without a UID one, writes it back once, and pairs UID-less twins by content", async () => {
    const { local, remote, engine } = await setup();
    local.put("book", vcard(null, { FN: "No Uid" }));
    local.put("book", vcard(null, { FN: "Twin" }));
    remote.put("contacts", vcard(null, { FN: "Twin" }));
    const report = await engine.runOnce();
    expect(remote.items("contacts")).toHaveLength(2);
    expect(local.items("book")).toHaveLength(2);
    const uids = local.items("book").map((i) => i.uid);
    expect(uids.every((u) => u !== null)).toBe(true);
    expect(remote.items("contacts").map((i) => i.uid).sort()).toEqual([...uids].sort());
    expect(report.pairs[0]!.local.tagged.length + report.pairs[0]!.remote.tagged.length).toBeGreaterThanOrEqual(2);
    local.resetCalls();
    remote.resetCalls();
    await engine.runOnce();
    await engine.runOnce();
    expect(local.calls.itemWrites + remote.calls.itemWrites).toBe(0);
  });

  it("tags through a side's own tag call when it has one (no update), storing the tag's text and the new version", async () => {
    const { local, remote, engine, store } = await setup({ local: { tags: true }, remote: { tags: true } });
    const lid = local.put("book", vcard(null, { FN: "Local No Uid" }));
    remote.put("contacts", vcard(null, { FN: "Remote No Uid" }));
    const report = await engine.runOnce();
    expect(report.ok).toBe(true);
    expect(report.pairs[0]!.local.tagged).toHaveLength(1);
    expect(report.pairs[0]!.remote.tagged).toHaveLength(1);
    expect(local.calls.tag + remote.calls.tag).toBe(2);
    expect(local.calls.update + remote.calls.update).toBe(0);
    const tagged = local.items("book").find((i) => i.id === lid)!;
    expect(tagged.uid).not.toBeNull();
    const record = (await store.listItems("p")).find((r) => r.uid === tagged.uid)!;
    expect(record.local).toMatchObject({ id: lid, version: tagged.version, text: tagged.text });
    local.resetCalls();
    remote.resetCalls();
    await engine.runOnce();
    expect(local.calls.itemWrites + remote.calls.itemWrites + local.calls.fetch + remote.calls.fetch).toBe(0);
  });

  it("takes a feed's texts from a side that renders onto a basis only for ids it holds no text of; the others are read onto their basis", async () => {
    const fetched: Array<{ ids: string[]; basis: string[] }> = [];
    const onFetch = (ids: readonly string[], basis: ReadonlyMap<string, string> | undefined) => void fetched.push({ ids: [...ids], basis: [...(basis?.keys() ?? [])] });
    const { local, remote, engine } = await setup({ remote: { rendersOnBasis: true, feedCarriesContent: true, onFetch } });
    const a = remote.put("contacts", vcard("a", { FN: "A" }));
    remote.put("contacts", vcard("b", { FN: "B" }));
    expect((await engine.runOnce()).ok).toBe(true);
    expect(fetched).toEqual([]); // new items: the feed's texts, no read
    expect([...byUid(local, "book").keys()].sort()).toEqual(["a", "b"]);
    // A full listing (the side forgot the cursor) with an edited item and a new one: the new one is
    // taken from the feed, the edited one, which the state holds a text of, is read onto that text.
    remote.edit("contacts", a, vcard("a", { FN: "A", NOTE: "edited" }));
    const c = remote.put("contacts", vcard("c", { FN: "C" }));
    remote.forgetCursors("contacts");
    expect((await engine.runOnce()).ok).toBe(true);
    expect(fetched).toEqual([{ ids: [a], basis: [a] }]);
    expect(fetched.flatMap((f) => f.ids)).not.toContain(c);
    expect(prop(byUid(local, "book").get("a")!.text, "NOTE")).toBe("edited");
    expect(byUid(local, "book").has("c")).toBe(true);
  });

  it("with tag writes off, leaves UID-less items untouched and keeps identity in the state", async () => {
    const { local, remote, engine } = await setup({ engine: { tagWrites: false } });
    const lid = local.put("book", vcard(null, { FN: "No Uid" }));
    await engine.runOnce();
    expect(local.items("book")[0]!.uid).toBeNull();
    expect(remote.items("contacts")).toHaveLength(1);
    local.edit("book", lid, vcard(null, { FN: "No Uid", NOTE: "edited" }));
    await engine.runOnce();
    expect(remote.items("contacts")).toHaveLength(1);
    expect(prop(remote.items("contacts")[0]!.text, "NOTE")).toBe("edited");
    expect(local.items("book")[0]!.uid).toBeNull();
  });

  it("treats two items with the same UID on one side as two items", async () => {
    const { local, remote, engine } = await setup();
    local.put("book", vcard("dup", { FN: "One" }));
    local.put("book", vcard("dup", { FN: "Two" }));
    await engine.runOnce();
    await engine.runOnce();
    expect(remote.items("contacts")).toHaveLength(2);
    expect(new Set(local.items("book").map((i) => i.uid)).size).toBe(2);
  });

  it("stops before writing when a side suddenly lists nothing, naming the override", async () => {
    const { local, remote, engine } = await setup();
    for (let i = 0; i < 3; i++) local.put("book", vcard(`u${i}`, { FN: `N${i}` }));
    await engine.runOnce();
    for (const item of remote.items("contacts")) remote.delete("contacts", item.id);
    remote.forgetCursors("contacts");
    const report = await engine.runOnce();
    expect(report.ok).toBe(false);
    expect(report.pairs[0]!.error?.code).toBe("empty-side");
    expect(report.pairs[0]!.error?.message).toContain("allowEmptySide");
    expect(local.items("book")).toHaveLength(3);
    await engine.runOnce({ allowEmptySide: true });
    expect(local.items("book")).toHaveLength(0);
  });

  it("stops when a side's change feed deletes every item the state knows there (three or more), not when it deletes fewer", async () => {
    const { local, remote, engine } = await setup();
    for (let i = 0; i < 3; i++) local.put("book", vcard(`u${i}`, { FN: `N${i}` }));
    await engine.runOnce();
    // An incremental feed (the cursor kept), as a sync-collection report or SyncFolderItems gives it.
    for (const item of remote.items("contacts")) remote.delete("contacts", item.id);
    const report = await engine.runOnce();
    expect(report.pairs[0]!.error?.code).toBe("empty-side");
    expect(report.pairs[0]!.error?.message).toContain("reports every one of its items deleted");
    expect(local.items("book")).toHaveLength(3);
    await engine.runOnce({ allowEmptySide: true });
    expect(local.items("book")).toHaveLength(0);

    // Two of three deleted: carried.
    for (let i = 0; i < 3; i++) local.put("book", vcard(`v${i}`, { FN: `M${i}` }));
    await engine.runOnce();
    for (const item of remote.items("contacts").slice(0, 2)) remote.delete("contacts", item.id);
    expect((await engine.runOnce()).ok).toBe(true);
    expect(local.items("book")).toHaveLength(1);
  });

  it("stops a mass deletion (over 20 % and over 10 items) and lets allowMassDelete through", async () => {
    const { local, remote, engine } = await setup();
    for (let i = 0; i < 40; i++) local.put("book", vcard(`u${i}`, { FN: `N${i}` }));
    await engine.runOnce();
    for (const item of remote.items("contacts").slice(0, 11)) remote.delete("contacts", item.id);
    const stopped = await engine.runOnce();
    expect(stopped.pairs[0]!.error?.code).toBe("mass-delete");
    expect(stopped.pairs[0]!.error?.message).toContain("allowMassDelete");
    expect(stopped.pairs[0]!.plan?.filter((a) => a.kind === "delete")).toHaveLength(11);
    expect(local.items("book")).toHaveLength(40);
    await engine.runOnce({ allowMassDelete: true });
    expect(local.items("book")).toHaveLength(29);
  });

  it("a dry run returns the plan and writes nothing", async () => {
    const { local, remote, store, engine } = await setup();
    local.put("book", vcard("a", { FN: "Ada" }));
    const report = await engine.runOnce({ dryRun: true });
    expect(report.pairs[0]!.plan?.map((a) => [a.kind, a.uid])).toEqual([["create", "a"]]);
    expect(remote.items("contacts")).toHaveLength(0);
    expect(await store.listItems("p")).toHaveLength(0);
    expect((await store.getPair("p"))!.cursors).toEqual({ local: null, remote: null });
  });

  it("re-reads and re-plans an item edited between the plan and the write, in the same cycle", async () => {
    let armed = false;
    const { local, remote, engine } = await setup();
    const lid = local.put("book", vcard("a", { FN: "Ada", NOTE: "0", TITLE: "0" }));
    await engine.runOnce();
    const rid = byUid(remote, "contacts").get("a")!.id;
    remote.options.beforeWrite = (w) => {
      if (armed && w.id === rid) {
        armed = false;
        remote.edit("contacts", rid, vcard("a", { FN: "Ada", NOTE: "0", TITLE: "concurrent" }));
      }
    };
    armed = true;
    local.edit("book", lid, vcard("a", { FN: "Ada", NOTE: "local", TITLE: "0" }));
    const events: ItemOutcomeEvent[] = [];
    engine.events.on("item", (e) => events.push(e));
    const report = await engine.runOnce();
    expect(report.ok).toBe(true);
    expect(events.map((e) => e.outcome)).toEqual(["retried", "done"]);
    for (const text of [byUid(local, "book").get("a")!.text, byUid(remote, "contacts").get("a")!.text]) {
      expect([prop(text, "NOTE"), prop(text, "TITLE")]).toEqual(["local", "concurrent"]);
    }
  });

  it("takes items whose feed entry carries their content as read, without fetching them, and re-reads one changed under a write", async () => {
    const { local, remote, engine } = await setup({ remote: { feedCarriesContent: true }, local: { feedCarriesContent: true } });
    remote.put("contacts", vcard("a", { FN: "Ada", NOTE: "0", TITLE: "0" }));
    remote.put("contacts", vcard("b", { FN: "Bob" }));
    local.put("book", vcard("c", { FN: "Cy" }));
    const first = await engine.runOnce();
    expect(first.ok).toBe(true);
    expect(remote.calls.fetch + local.calls.fetch).toBe(0);
    expect(first.pairs[0]!.remote.fetched).toBe(2);
    expect([...byUid(local, "book").keys()].sort()).toEqual(["a", "b", "c"]);
    expect([...byUid(remote, "contacts").keys()].sort()).toEqual(["a", "b", "c"]);

    // An item edited between the feed and the write is read again from the side, not from the feed.
    const lid = byUid(local, "book").get("a")!.id;
    let armed = true;
    local.options.beforeWrite = (w) => {
      if (armed && w.id === lid) {
        armed = false;
        local.edit("book", lid, vcard("a", { FN: "Ada", NOTE: "0", TITLE: "concurrent" }));
      }
    };
    remote.edit("contacts", byUid(remote, "contacts").get("a")!.id, vcard("a", { FN: "Ada", NOTE: "remote", TITLE: "0" }));
    local.resetCalls();
    remote.resetCalls();
    const second = await engine.runOnce();
    expect(second.ok).toBe(true);
    expect(remote.calls.fetch).toBe(1); // the re-plan's read; the feed's edit was not fetched
    expect(local.calls.fetch).toBe(1);
    for (const text of [byUid(local, "book").get("a")!.text, byUid(remote, "contacts").get("a")!.text]) {
      expect([prop(text, "NOTE"), prop(text, "TITLE")]).toEqual(["remote", "concurrent"]);
    }
  });

  it("records one failing item, goes on with the others and retries it next cycle", async () => {
    let fail = true;
    const { local, remote, engine } = await setup({ remote: { failWrite: (w) => fail && w.uid === "bad" } });
    local.put("book", vcard("bad", { FN: "Bad" }));
    local.put("book", vcard("good", { FN: "Good" }));
    const first = await engine.runOnce();
    expect(first.ok).toBe(false);
    expect(first.pairs[0]!.errors).toMatchObject([{ uid: "bad", code: "rejected", slot: "remote" }]);
    expect([...byUid(remote, "contacts").keys()]).toEqual(["good"]);
    fail = false;
    const second = await engine.runOnce();
    expect(second.ok).toBe(true);
    expect([...byUid(remote, "contacts").keys()].sort()).toEqual(["bad", "good"]);
  });

  it("recognises ETags that change without content change, and sides without ETags, without writing", async () => {
    const { local, remote, engine } = await setup({ remote: { missingVersions: true } });
    const lid = local.put("book", vcard("a", { FN: "Ada" }));
    await engine.runOnce();
    await engine.runOnce();
    local.touch("book", lid);
    local.resetCalls();
    remote.resetCalls();
    await engine.runOnce();
    expect(local.calls.fetch).toBe(1);
    expect(local.calls.itemWrites + remote.calls.itemWrites).toBe(0);
  });

  it("treats an item it created that the next feed does not mention as deleted (created and deleted within the window)", async () => {
    const { local, remote, engine } = await setup({ local: { omitCreatedThenDeleted: true } });
    remote.put("contacts", vcard("a", { FN: "Ada" }));
    remote.put("contacts", vcard("b", { FN: "Bob" }));
    await engine.runOnce();
    local.delete("book", byUid(local, "book").get("a")!.id);
    const report = await engine.runOnce();
    expect(report.pairs[0]!.remote.deleted.map((r) => r.uid)).toEqual(["a"]);
    expect([...byUid(remote, "contacts").keys()]).toEqual(["b"]);
    local.delete("book", byUid(local, "book").get("b")!.id);
    await engine.runOnce();
    expect(remote.items("contacts")).toEqual([]);
  });

  it("rebuilds lost state by pairing, without duplicates or writes", async () => {
    const { local, remote, engine } = await setup();
    for (let i = 0; i < 5; i++) local.put("book", vcard(`u${i}`, { FN: `N${i}` }));
    local.put("book", vcard(null, { FN: "untagged later" }));
    await engine.runOnce();
    const store2 = new MemoryStateStore();
    const engine2 = new SyncEngine({ store: store2, sides: [local, remote] });
    await engine2.link({ id: "p", kind: "contacts", remote: { side: "remote", collection: "contacts" }, local: { side: "local", collection: "book" } });
    local.resetCalls();
    remote.resetCalls();
    const report = await engine2.runOnce();
    expect(report.pairs[0]!.paired).toHaveLength(6);
    expect(local.calls.itemWrites + remote.calls.itemWrites).toBe(0);
    expect(local.items("book")).toHaveLength(6);
    expect(remote.items("contacts")).toHaveLength(6);
  });

  it("keeps properties a lossy side cannot hold on the other side, through edits on the lossy side", async () => {
    const { local, remote, engine } = await setup({ remote: { dropsProperties: ["IMPP", "X-LOCAL"], reportStoredText: true } });
    local.put("book", vcard("a", { FN: "Ada", TITLE: "t0" }, ["IMPP:xmpp:ada@example.org", "X-LOCAL:keep"]));
    await engine.runOnce();
    expect(byUid(remote, "contacts").get("a")!.text).not.toContain("IMPP");
    remote.edit("contacts", byUid(remote, "contacts").get("a")!.id, vcard("a", { FN: "Ada", TITLE: "edited remotely" }));
    await engine.runOnce();
    const text = byUid(local, "book").get("a")!.text;
    expect(prop(text, "TITLE")).toBe("edited remotely");
    expect(prop(text, "IMPP")).toBe("xmpp:ada@example.org");
    expect(prop(text, "X-LOCAL")).toBe("keep");
  });

  it("gives the logger ids, codes and counts, never item content", async () => {
    const lines: string[] = [];
    const log = (level: string) => (message: string, fields?: Record<string, unknown>) => lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
    const { local, engine } = await setup({
      remote: { failWrite: (w) => w.uid === "bad" },
      engine: { logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") } },
    });
    local.put("book", vcard("bad", { FN: "SECRET-CONTENT" }));
    local.put("book", vcard("ok", { FN: "ALSO-SECRET" }));
    await engine.runOnce();
    expect(lines.some((l) => l.startsWith("warn item failed") && l.includes('"code":"rejected"'))).toBe(true);
    expect(lines.join("\n")).not.toMatch(/SECRET/);
  });

  it("syncs a single item by id without reading the change feeds", async () => {
    const { local, remote, engine } = await setup();
    await engine.runOnce();
    const lid = local.put("book", vcard("one", { FN: "One" }));
    local.put("book", vcard("other", { FN: "Other" }));
    local.resetCalls();
    const report = await engine.syncItems("p", { local: [lid] });
    expect(local.calls.changes).toBe(0);
    expect(report.remote.created.map((r) => r.uid)).toEqual(["one"]);
    expect([...byUid(remote, "contacts").keys()]).toEqual(["one"]);
    await engine.runOnce();
    expect([...byUid(remote, "contacts").keys()].sort()).toEqual(["one", "other"]);
  });

  it("never writes to a read-only side", async () => {
    const { local, remote, engine } = await setup({ remote: { readOnly: true } });
    remote.put("contacts", vcard("r", { FN: "R" }));
    local.put("book", vcard("l", { FN: "L" }));
    const report = await engine.runOnce();
    expect(report.ok).toBe(true);
    expect(remote.calls.itemWrites).toBe(0);
    expect([...byUid(local, "book").keys()].sort()).toEqual(["l", "r"]);
  });

  it("links only collections of the same kind, can create the local one, and unlinks", async () => {
    const local = new MemorySide({ name: "local" });
    const remote = new MemorySide({ name: "remote" });
    remote.addCollection("cal", "events");
    remote.addCollection("tasks", "tasks");
    local.addCollection("book", "contacts");
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [local, remote] });
    await expect(engine.link({ kind: "events", remote: { side: "remote", collection: "cal" }, local: { side: "local", collection: "book" } })).rejects.toMatchObject({
      code: "kind-mismatch",
    });
    const pair = await engine.link({ kind: "tasks", remote: { side: "remote", collection: "tasks" }, local: { side: "local", create: { displayName: "Tasks" } } });
    expect((await local.listCollections()).find((c) => c.id === pair.local.collection)?.kind).toBe("tasks");
    await expect(engine.link({ kind: "tasks", remote: { side: "remote", collection: "tasks" }, local: { side: "local", create: { displayName: "T2" } } })).rejects.toBeInstanceOf(
      EngineError,
    );
    await engine.unlink(pair.id);
    expect(await engine.listPairs()).toEqual([]);
  });

  it("emits progress per pair and an outcome per item", async () => {
    const { local, engine } = await setup();
    for (let i = 0; i < 3; i++) local.put("book", vcard(`u${i}`, { FN: `N${i}` }));
    const phases: string[] = [];
    const outcomes: string[] = [];
    engine.events.on("progress", (e) => phases.push(e.phase));
    engine.events.on("item", (e) => outcomes.push(`${e.kind}:${e.outcome}`));
    await engine.runOnce();
    expect(phases[0]).toBe("reading");
    expect(phases.at(-1)).toBe("done");
    expect(phases).toContain("writing");
    expect(outcomes).toEqual(["create:done", "create:done", "create:done"]);
  });

  it("a cycle whose feeds report nothing moves the cursors without reading the state's items", async () => {
    let reads = 0;
    class CountingStore extends MemoryStateStore {
      override async listItems(pairId: string) {
        reads++;
        return super.listItems(pairId);
      }
    }
    const { local, remote, engine, pair } = await setup({ engine: { store: new CountingStore() } });
    for (let i = 0; i < 5; i++) remote.put("contacts", vcard(`q${i}`, { FN: `Q${i}` }));
    await engine.runOnce();
    await engine.runOnce(); // the echoes of the first cycle's writes
    reads = 0;
    const quiet = await engine.runOnce();
    expect(quiet.ok).toBe(true);
    expect(reads).toBe(0);
    const poll = await engine.runCycle(pair.id, { local: { feed: true }, remote: { items: [] } });
    expect(poll.local.feedRequests).toBe(1);
    expect(reads).toBe(0);
    // A change is seen as before.
    local.put("book", vcard("new", { FN: "New" }));
    await engine.runCycle(pair.id, { local: { feed: true }, remote: { items: [] } });
    expect(reads).toBe(1);
    expect(remote.items("contacts").map((i) => i.uid)).toContain("new");
  });

  it("an edit that lands between a create on one side and the UID tag on the other is carried in the same cycle, without a second copy", async () => {
    const { local, remote, engine, pair } = await setup();
    await engine.runOnce();
    const card = (note: string) => `BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Eve\r\nNOTE:${note}\r\nEND:VCARD\r\n`;
    const id = remote.put("contacts", card("one")); // no UID: the cycle creates it locally and tags it remotely
    let edited = false;
    remote.options.beforeWrite = (w) => {
      if (edited || w.op !== "update") return;
      edited = true;
      remote.edit("contacts", id, card("two")); // as Outlook would, just before our tag arrives
    };
    const report = await engine.runCycle(pair.id, { local: { items: [] }, remote: { items: [{ id }] } });
    delete remote.options.beforeWrite;
    expect(edited).toBe(true);
    expect(report.errors).toEqual([]);
    expect(report.local.created).toHaveLength(1);
    expect(local.items("book").map((i) => prop(i.text, "NOTE"))).toEqual(["two"]);
    const [tagged] = remote.items("contacts");
    expect(tagged!.uid).toBe(local.items("book")[0]!.uid);
    const again = await engine.runOnce();
    expect(again.ok).toBe(true);
    expect(local.items("book")).toHaveLength(1);
    expect(remote.items("contacts")).toHaveLength(1);
  });
});

describe("an item whose side gives no UID and whose text cannot be read", () => {
  it("fails alone as unreadable, naming the item; the rest of the cycle goes on", async () => {
    const { local, remote, engine } = await setup();
    local.put("book", vcard("a", { FN: "Ada" }));
    const bad = local.put("book", vcard("b", { FN: "Bob" }));
    // The side hands the engine a text it cannot parse, with no UID of its own.
    const fetch = local.fetch.bind(local);
    local.fetch = async (collection, ids) =>
      (await fetch(collection, ids)).map((r) => ("text" in r && r.id === bad ? { ...r, uid: null, text: "BEGIN:VCARD\r\nFN:One\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:Two\r\nEND:VCARD\r\n" } : r));
    const report = await engine.runOnce();
    const pair = report.pairs[0]!;
    expect(pair.remote.created.map((r) => r.uid)).toEqual(["a"]);
    expect(pair.errors.map((e) => [e.slot, e.id, e.code])).toEqual([["local", bad, "vobject-parse"]]);
    expect([...byUid(remote, "contacts").keys()]).toEqual(["a"]);
  });
});
