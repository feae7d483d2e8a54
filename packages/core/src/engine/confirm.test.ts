/**
 * The end of a cycle confirms, with the cursors, the items its feeds covered: by one
 * `confirm-slot` where every unconfirmed item of the slot is such an item (a first pull), by a
 * record per item otherwise. Both must leave the same state.
 */
import { describe, expect, it } from "vitest";
import { vcard } from "../fixtures.test-support.js";
import { MemorySide } from "../sides/memory.js";
import { MemoryStateStore } from "../stores/memory.js";
import { SyncEngine } from "./engine.js";
import type { StateOp, StateWriteOptions } from "./state.js";

/** A memory store that keeps every op written, to see which form the confirmation took. */
class RecordingStore extends MemoryStateStore {
  readonly ops: StateOp[][] = [];
  override async write(ops: readonly StateOp[], options?: StateWriteOptions): Promise<void> {
    this.ops.push([...ops]);
    return super.write(ops, options);
  }
}

async function setup() {
  const local = new MemorySide({ name: "local" });
  const remote = new MemorySide({ name: "remote" });
  local.addCollection("book", "contacts");
  remote.addCollection("contacts", "contacts");
  const store = new RecordingStore();
  const engine = new SyncEngine({ store, sides: [local, remote] });
  await engine.link({ id: "p", kind: "contacts", remote: { side: "remote", collection: "contacts" }, local: { side: "local", collection: "book" } });
  return { local, remote, store, engine };
}

const unconfirmed = async (store: MemoryStateStore) =>
  Object.fromEntries((await store.listItems("p")).map((r) => [r.uid, { local: r.local?.unconfirmed === true, remote: r.remote?.unconfirmed === true }]));

describe("confirming what the feeds covered at the end of a cycle", () => {
  it("a first pull confirms the slot it read with one confirm-slot; the items it created stay unconfirmed until their feed lists them", async () => {
    const { remote, store, engine } = await setup();
    for (const uid of ["a", "b", "c"]) remote.put("contacts", vcard(uid, { FN: uid }));
    expect((await engine.runOnce()).ok).toBe(true);
    const last = store.ops.at(-1)!;
    expect(last.filter((op) => op.op === "confirm-slot")).toEqual([{ op: "confirm-slot", pairId: "p", slot: "remote" }]);
    expect(last.filter((op) => op.op === "put-item")).toEqual([]);
    expect(await unconfirmed(store)).toEqual({ a: { local: true, remote: false }, b: { local: true, remote: false }, c: { local: true, remote: false } });
    // The next cycle's listing of the local side confirms the created items.
    expect((await engine.runOnce()).ok).toBe(true);
    expect(await unconfirmed(store)).toEqual({ a: { local: false, remote: false }, b: { local: false, remote: false }, c: { local: false, remote: false } });
  });

  it("where an item created on a fed slot is unconfirmed there too, each covered item is confirmed by its record and the created one stays unconfirmed", async () => {
    const { local, remote, store, engine } = await setup();
    local.put("book", vcard("made-here", { FN: "Local" }));
    remote.put("contacts", vcard("read-there", { FN: "Remote" }));
    expect((await engine.runOnce()).ok).toBe(true);
    const last = store.ops.at(-1)!;
    expect(last.some((op) => op.op === "confirm-slot")).toBe(false);
    expect(await unconfirmed(store)).toEqual({
      "made-here": { local: false, remote: true },
      "read-there": { local: true, remote: false },
    });
    expect((await engine.runOnce()).ok).toBe(true);
    expect(await unconfirmed(store)).toEqual({ "made-here": { local: false, remote: false }, "read-there": { local: false, remote: false } });
  });
});
