/**
 * Crash safety: for every k, the process "dies" just before or just after the k-th side effect of
 * a large-ish cycle (the sides stop answering and the state store keeps only what was committed
 * until then); a new engine on the same state then runs without faults and must reach exactly
 * what an uninterrupted run reaches, with no duplicate and no loss.
 */
import { describe, expect, it } from "vitest";
import { MemorySide, type MemoryWrite } from "../sides/memory.js";
import { MemoryStateStore } from "../stores/memory.js";
import { SqliteStateStore } from "../stores/sqlite.js";
import { prop, vcard } from "../testing/fixtures.js";
import { SyncEngine } from "./engine.js";
import type { ItemRecord, JournalEntry, LeaseAttempt, LeaseRequest, PairLease, PairRecord, Slot, StateOp, StateStore, StateWriteOptions } from "./state.js";

class Killed extends Error {
  readonly code = "killed";
}

/** A store that, once the process is "dead", refuses every write (what was committed stays). */
class MortalStore implements StateStore {
  dead = false;
  constructor(readonly inner: StateStore) {}
  listPairs(): Promise<PairRecord[]> {
    return this.inner.listPairs();
  }
  getPair(id: string): Promise<PairRecord | null> {
    return this.inner.getPair(id);
  }
  listItems(id: string): Promise<ItemRecord[]> {
    return this.inner.listItems(id);
  }
  hasUnconfirmed(id: string, slot: Slot): Promise<boolean> {
    return this.inner.hasUnconfirmed(id, slot);
  }
  listJournal(id: string): Promise<JournalEntry[]> {
    return this.inner.listJournal(id);
  }
  write(ops: readonly StateOp[], options?: StateWriteOptions): Promise<void> {
    if (this.dead) return Promise.reject(new Killed("dead"));
    return this.inner.write(ops, options);
  }
  // A dead process neither renews nor releases its lease: it is left to expire.
  acquireLease(request: LeaseRequest): Promise<LeaseAttempt> {
    if (this.dead) return Promise.reject(new Killed("dead"));
    return this.inner.acquireLease(request);
  }
  renewLease(lease: PairLease, ttlMs: number): Promise<PairLease | null> {
    if (this.dead) return Promise.reject(new Killed("dead"));
    return this.inner.renewLease(lease, ttlMs);
  }
  releaseLease(lease: PairLease): Promise<void> {
    if (this.dead) return Promise.reject(new Killed("dead"));
    return this.inner.releaseLease(lease);
  }
  getLease(pairId: string): Promise<PairLease | null> {
    return this.inner.getLease(pairId);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const C = "c";

/** Builds the same world every time: a synced pair, then edits of every kind on both sides. */
type StoreFactory = () => StateStore;
/** The stores' lease clock: a restart after a death moves it past the dead engine's lease. */
let clock = 0;
const now = () => clock;
let makeStore: StoreFactory = () => new MemoryStateStore({ now });

async function world(initialOnly: boolean) {
  const local = new MemorySide({ name: "local", maxBatch: 4 });
  const remote = new MemorySide({ name: "remote", maxBatch: 3 });
  local.addCollection(C, "contacts");
  remote.addCollection(C, "contacts");
  const inner = makeStore();
  for (let i = 0; i < 12; i++) local.put(C, vcard(`l${i}`, { FN: `L${i}`, NOTE: "0" }));
  for (let i = 0; i < 12; i++) remote.put(C, vcard(`r${i}`, { FN: `R${i}`, NOTE: "0" }));
  for (let i = 0; i < 6; i++) {
    local.put(C, vcard(`both${i}`, { FN: `B${i}`, NOTE: "0" }));
    remote.put(C, vcard(`both${i}`, { FN: `B${i}`, NOTE: i % 2 ? "0" : "other" }));
  }
  local.put(C, vcard(null, { FN: "no uid" }));
  const engine = new SyncEngine({ store: inner, sides: [local, remote] });
  await engine.link({ id: "p", kind: "contacts", local: { side: "local", collection: C }, remote: { side: "remote", collection: C } });
  if (!initialOnly) {
    await engine.runOnce();
    const id = (side: MemorySide, uid: string) => side.items(C).find((x) => x.uid === uid)!.id;
    for (let i = 0; i < 4; i++) local.edit(C, id(local, `l${i}`), vcard(`l${i}`, { FN: `L${i}`, NOTE: "local" }));
    for (let i = 0; i < 4; i++) remote.edit(C, id(remote, `r${i}`), vcard(`r${i}`, { FN: `R${i}`, NOTE: "remote" }));
    for (let i = 0; i < 3; i++) {
      local.edit(C, id(local, `both${i}`), vcard(`both${i}`, { FN: `B${i}`, NOTE: "L", TITLE: "t" }));
      remote.edit(C, id(remote, `both${i}`), vcard(`both${i}`, { FN: `B${i}!`, NOTE: "R" }));
    }
    local.delete(C, id(local, "l10"));
    remote.delete(C, id(remote, "r10"));
    local.delete(C, id(local, "r11"));
    remote.edit(C, id(remote, "r11"), vcard("r11", { FN: "R11", NOTE: "survives" }));
    for (let i = 0; i < 5; i++) local.put(C, vcard(`nl${i}`, { FN: `NL${i}` }));
    for (let i = 0; i < 5; i++) remote.put(C, vcard(`nr${i}`, { FN: `NR${i}` }));
    remote.put(C, vcard(null, { FN: "remote no uid" }));
  }
  return { local, remote, inner };
}

function contents(side: MemorySide): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of side.items(C)) {
    expect(item.uid).not.toBeNull();
    expect(out[item.uid!], `duplicate ${item.uid} on ${side.name}`).toBeUndefined();
    out[item.uid!] = ["FN", "NOTE", "TITLE"].map((p) => prop(item.text, p)).join("|");
  }
  return out;
}

async function uninterrupted(initialOnly: boolean) {
  const { local, remote, inner } = await world(initialOnly);
  let effects = 0;
  local.options.afterEffect = remote.options.afterEffect = () => void effects++;
  await new SyncEngine({ store: inner, sides: [local, remote] }).runOnce();
  return { effects, local: contents(local), remote: contents(remote) };
}

describe.each([
  ["the first sync", true, "memory"],
  ["a cycle with edits, merges, deletions and creations on both sides", false, "memory"],
  ["a cycle with edits, merges, deletions and creations on both sides", false, "sqlite"],
] as const)("crash safety during %s (%s store)", (_name, initialOnly, storeKind) => {
  it("for every k, dying before or after the k-th side effect, then running again converges with no duplicate and no loss", async () => {
    makeStore = storeKind === "sqlite" ? () => new SqliteStateStore({ path: ":memory:", now }) : () => new MemoryStateStore({ now });
    const reference = await uninterrupted(initialOnly);
    expect(reference.local).toEqual(reference.remote);
    expect(reference.effects).toBeGreaterThan(20);
    for (const when of ["before", "after"] as const) {
      for (let k = 1; k <= reference.effects; k++) {
        const { local, remote, inner } = await world(initialOnly);
        const store = new MortalStore(inner);
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
        local.options = { ...local.options, gate, [`${when}Effect`]: die };
        remote.options = { ...remote.options, gate, [`${when}Effect`]: die };
        await new SyncEngine({ store, sides: [local, remote] }).runOnce().catch(() => undefined);
        expect(store.dead, `k=${k} ${when}`).toBe(true);
        // Restart: same state, healthy sides, once the dead engine's lease has expired.
        expect(await inner.getLease("p"), `k=${k} ${when}: the dead engine's lease`).not.toBeNull();
        clock += 60_001;
        local.options = { name: "local", maxBatch: 4 };
        remote.options = { name: "remote", maxBatch: 3 };
        const engine = new SyncEngine({ store: inner, sides: [local, remote] });
        const report = await engine.runOnce();
        expect(report.ok, `k=${k} ${when}: ${JSON.stringify(report.pairs[0]?.errors)}`).toBe(true);
        await engine.runOnce();
        const l = contents(local);
        const r = contents(remote);
        expect(l, `k=${k} ${when}`).toEqual(r);
        // Same items as the uninterrupted run; the assigned UIDs of UID-less items are derived from ids, so they match too.
        expect(Object.keys(l).sort(), `k=${k} ${when}`).toEqual(Object.keys(reference.local).sort());
        expect(l, `k=${k} ${when}`).toEqual(reference.local);
        expect(await inner.listJournal("p")).toEqual([]);
      }
    }
  });
});
