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
import { prop, vcard } from "../fixtures.test-support.js";
import { SyncEngine } from "./engine.js";
import type { ChangeFeed } from "./side.js";
import type { ItemRecord, JournalEntry, LeaseAttempt, LeaseRequest, PairLease, PairRecord, RunRecord, Slot, StateOp, StateStore, StateWriteOptions } from "./state.js";

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
  listVersions(id: string, slot: Slot): Promise<Map<string, string | null>> {
    return this.inner.listVersions!(id, slot);
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
  // A dead process records no run either.
  recordRun(run: RunRecord): Promise<void> {
    if (this.dead) return Promise.reject(new Killed("dead"));
    return this.inner.recordRun(run);
  }
  listRuns(pairId: string, limit?: number): Promise<RunRecord[]> {
    return this.inner.listRuns(pairId, limit);
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

async function world(initialOnly: boolean, tags = false) {
  const local = new MemorySide({ name: "local", maxBatch: 4, tags });
  const remote = new MemorySide({ name: "remote", maxBatch: 3, tags });
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

async function uninterrupted(initialOnly: boolean, tags: boolean) {
  const { local, remote, inner } = await world(initialOnly, tags);
  let effects = 0;
  local.options.afterEffect = remote.options.afterEffect = () => void effects++;
  await new SyncEngine({ store: inner, sides: [local, remote] }).runOnce();
  return { effects, local: contents(local), remote: contents(remote), tagCalls: local.calls.tag + remote.calls.tag };
}

describe.each([
  ["the first sync", true, "memory", false],
  ["the first sync", true, "memory", true],
  ["a cycle with edits, merges, deletions and creations on both sides", false, "memory", false],
  ["a cycle with edits, merges, deletions and creations on both sides", false, "sqlite", false],
  ["a cycle with edits, merges, deletions and creations on both sides", false, "sqlite", true],
] as const)("crash safety during %s (first sync only: %s; %s store; sides with SyncSide.tag: %s)", (_name, initialOnly, storeKind, tags) => {
  it("for every k, dying before or after the k-th side effect, then running again converges with no duplicate and no loss", async () => {
    makeStore = storeKind === "sqlite" ? () => new SqliteStateStore({ path: ":memory:", now }) : () => new MemoryStateStore({ now });
    const reference = await uninterrupted(initialOnly, tags);
    if (tags) expect(reference.tagCalls).toBeGreaterThan(0);
    expect(reference.local).toEqual(reference.remote);
    expect(reference.effects).toBeGreaterThan(20);
    for (const when of ["before", "after"] as const) {
      for (let k = 1; k <= reference.effects; k++) {
        const { local, remote, inner } = await world(initialOnly, tags);
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

/**
 * Every interrupted side effect, resumed: for each kind of action (create, update, delete, tag, a
 * merge writing both slots) in each direction, with a lossless and a lossy remote side, the process
 * dies before or after each of its side effects, or after the action was recorded (before the
 * cursors moved), with feeds that report or leave out (as SyncFolderItems does) an item created and
 * deleted since the cursor (and then once more with the run that resumes killed too); then the user edits or deletes the item on either end, or does nothing; then the
 * engine runs again. What must hold: no duplicate, both ends equal, the journal empty; an edit made
 * after the crash is on both ends (with the change the killed cycle carried); a deletion made after
 * the crash on an end no write of the action was going to stays a deletion; what the lossy side
 * cannot hold stays on the other. A deletion of an item a write was going to, before that write was
 * recorded, meets the change that write carried: `deleteVersusModify` (modification-wins) settles it,
 * as it does without a crash (the journal cannot tell whether the user deleted it before or after the
 * write, nor a copy we created and the user deleted from a create that never happened).
 */
describe("crash safety: every action × slot × kill point × later user action", () => {
  type Field = "TITLE" | "NOTE";
  type UserAction = "none" | "edit-local" | "edit-remote" | "delete-local" | "delete-remote";
  interface Scenario {
    name: string;
    /** The item synced before the change (`null`: the change creates it). */
    synced: boolean;
    /** The change on the sides that the killed cycle carries. */
    change(w: ScenarioWorld): void;
    /** Which field a user edit on each end changes after the crash. */
    edits: Record<Slot, Field>;
    /** What both ends hold at the end for a user action (only the fields given are checked; `null`: gone), when the action was recorded or not. */
    expected(action: UserAction, recorded: boolean): Partial<Record<Field, string>> | null;
  }
  interface ScenarioWorld {
    local: MemorySide;
    remote: MemorySide;
    id(side: MemorySide): string | undefined;
  }
  const X = "X";
  const card = (uid: string | null, c: Record<Field, string>, lossy: boolean, extra: string[] = []) =>
    vcard(uid, { FN: X, TITLE: c.TITLE, NOTE: c.NOTE }, lossy ? ["X-LOCAL:kept", ...extra] : extra);
  const set = (side: MemorySide, id: string, field: Field, value: string) => {
    const text = side.items(C).find((i) => i.id === id)!.text;
    side.edit(C, id, text.replace(new RegExp(`^${field}:.*$`, "m"), `${field}:${value}`));
  };
  const base = { TITLE: "t0", NOTE: "n0" };
  /** The usual expectations: the change's result `c`, a later edit on top, a deletion on the source end wins, on the target end it meets the change. */
  const usual = (c: Record<Field, string>, source: Slot, edits: Record<Slot, Field>) => (action: UserAction, recorded: boolean) => {
    if (action === "none") return c;
    const [kind, end] = action.split("-") as ["edit" | "delete", Slot];
    if (kind === "edit") return { ...c, [edits[end]]: `after-${end}` };
    return end === source || recorded ? null : c;
  };
  const scenarios: Scenario[] = [];
  for (const source of ["local", "remote"] as const) {
    const target = otherSlotOf(source);
    const edits = { [source]: "TITLE", [target]: "NOTE" } as Record<Slot, Field>;
    scenarios.push({
      name: `update ${target} (${source} edited)`,
      synced: true,
      change: (w) => set(w[source], w.id(w[source])!, "TITLE", "t1"),
      edits,
      expected: usual({ TITLE: "t1", NOTE: "n0" }, source, edits),
    });
    scenarios.push({
      name: `create on ${target} (new on ${source})`,
      synced: false,
      change: (w) => void w[source].put(C, card("x-new", { TITLE: "t1", NOTE: "n0" }, false)),
      edits,
      expected: usual({ TITLE: "t1", NOTE: "n0" }, source, edits),
    });
    scenarios.push({
      name: `create on ${target} and tag ${source} (new on ${source}, without a UID)`,
      synced: false,
      change: (w) => void w[source].put(C, card(null, { TITLE: "t1", NOTE: "n0" }, false)),
      edits,
      expected: usual({ TITLE: "t1", NOTE: "n0" }, source, edits),
    });
    scenarios.push({
      name: `delete on ${target} (${source} deleted)`,
      synced: true,
      change: (w) => w[source].delete(C, w.id(w[source])!),
      edits,
      // Only the target end still has it: an edit there meets the deletion and survives; a deletion agrees.
      expected: (action) => (action === `edit-${target}` ? { ...base, [edits[target]]: `after-${target}` } : null),
    });
  }
  scenarios.push({
    name: "merge, writing both slots (local edited TITLE, remote edited NOTE)",
    synced: true,
    change: (w) => {
      set(w.local, w.id(w.local)!, "TITLE", "t1");
      set(w.remote, w.id(w.remote)!, "NOTE", "n1");
    },
    edits: { local: "TITLE", remote: "NOTE" },
    expected: (action, recorded) => {
      const c = { TITLE: "t1", NOTE: "n1" };
      if (action === "none") return c;
      if (action === "edit-local") return { ...c, TITLE: "after-local" };
      if (action === "edit-remote") return { ...c, NOTE: "after-remote" };
      if (recorded) return null;
      // The other end's change survives the deletion (whether its own copy got this end's change is the kill's luck).
      return action === "delete-local" ? { NOTE: "n1" } : { TITLE: "t1" };
    },
  });

  function otherSlotOf(slot: Slot): Slot {
    return slot === "local" ? "remote" : "local";
  }

  /** A synced pair with two bystanders and, when the scenario says so, the item; then the scenario's change. */
  async function scenarioWorld(s: Scenario, lossy: boolean, omit: boolean, tags = false) {
    clock += 60_001;
    const local = new MemorySide({ name: "local", omitCreatedThenDeleted: omit, tags });
    const remote = new MemorySide({ name: "remote", omitCreatedThenDeleted: omit, tags, ...(lossy ? { dropsProperties: ["X-LOCAL"], reportStoredText: true } : {}) });
    local.addCollection(C, "contacts");
    remote.addCollection(C, "contacts");
    for (const b of ["b1", "b2"]) local.put(C, vcard(b, { FN: b, TITLE: "t", NOTE: "n" }));
    if (s.synced) local.put(C, card("x", base, lossy));
    const inner = new MemoryStateStore({ now });
    const engine = new SyncEngine({ store: inner, sides: [local, remote] });
    await engine.link({ id: "p", kind: "contacts", local: { side: "local", collection: C }, remote: { side: "remote", collection: C } });
    expect((await engine.runOnce()).ok).toBe(true);
    const w: ScenarioWorld = { local, remote, id: (side) => side.items(C).find((i) => prop(i.text, "FN") === X)?.id };
    s.change(w);
    if (lossy && !s.synced) {
      // The new item carries a property the remote side cannot hold, on the local end.
      for (const side of [local, remote]) {
        const id = w.id(side);
        if (id && side === local) side.edit(C, id, side.items(C).find((i) => i.id === id)!.text.replace("END:VCARD", "X-LOCAL:kept\r\nEND:VCARD"));
      }
    }
    return { ...w, inner };
  }

  /** FN → "TITLE|NOTE" on one end; fails on a duplicate. */
  function byName(side: MemorySide): Record<string, string> {
    const out: Record<string, string> = {};
    for (const item of side.items(C)) {
      const fn = prop(item.text, "FN")!;
      expect(out[fn], `duplicate ${fn} on ${side.name}`).toBeUndefined();
      out[fn] = `${prop(item.text, "TITLE")}|${prop(item.text, "NOTE")}`;
    }
    return out;
  }

  const actions: UserAction[] = ["none", "edit-local", "edit-remote", "delete-local", "delete-remote"];
  describe.each(
    scenarios.flatMap((s): Array<readonly [string, Scenario, boolean, boolean, boolean, boolean]> => [
      [s.name, s, false, false, false, false],
      [`${s.name}, lossy remote`, s, true, false, false, false],
      [`${s.name}, feeds leaving out items created and deleted since the cursor`, s, false, true, false, false],
      [`${s.name}, such feeds, and the resuming run killed too`, s, false, true, true, false],
      // A tag through SyncSide.tag (as on EWS), killed at every point too.
      ...(/ and tag /.test(s.name) ? [[`${s.name}, sides with SyncSide.tag`, s, false, false, false, true] as const] : []),
    ]),
  )("%s", (_name, scenario, lossy, omit, killResumeToo, tags) => {
    it("resumes exactly at every kill point, whatever the user does next on either end", async () => {
      // The clean run: how many side effects the cycle makes.
      const clean = await scenarioWorld(scenario, lossy, omit, tags);
      let effects = 0;
      clean.local.options.afterEffect = clean.remote.options.afterEffect = () => void effects++;
      await new SyncEngine({ store: clean.inner, sides: [clean.local, clean.remote] }).runOnce();
      expect(effects).toBeGreaterThan(0);
      const points = [...Array.from({ length: effects }, (_, i) => [`before effect ${i + 1}`, "before", i + 1] as const), ...Array.from({ length: effects }, (_, i) => [`after effect ${i + 1}`, "after", i + 1] as const), ["after the record, before the cursors", "recorded", 0] as const];
      const failures: string[] = [];
      let tried = 0;
      for (const [pointName, when, k] of points) {
        for (const action of actions) {
          const w = await scenarioWorld(scenario, lossy, omit, tags);
          const store = new MortalStore(w.inner);
          let n = 0;
          const die = () => {
            if (++n === k) {
              store.dead = true;
              throw new Killed(`killed ${pointName}`);
            }
          };
          const gate = () => {
            if (store.dead) throw new Killed("dead");
          };
          if (when === "recorded") {
            const write = store.write.bind(store);
            store.write = (ops, options) => {
              if (ops.some((o) => o.op === "set-cursors")) store.dead = true;
              return write(ops, options);
            };
          }
          for (const side of [w.local, w.remote]) side.options = { ...side.options, gate, ...(when === "recorded" ? {} : { [`${when}Effect`]: die }) };
          await new SyncEngine({ store, sides: [w.local, w.remote] }).runOnce().catch(() => undefined);
          const label = `${pointName}, then ${action}`;
          if (!store.dead) {
            failures.push(`${label}: the kill did not land`);
            continue;
          }
          for (const side of [w.local, w.remote]) side.options = { ...side.options, gate: () => undefined, beforeEffect: () => undefined, afterEffect: () => undefined };
          // The user, on one end, after the crash.
          if (action !== "none") {
            const [kind, end] = action.split("-") as ["edit" | "delete", Slot];
            const id = w.id(w[end]);
            if (!id) continue; // not there to act on (at this kill point)
            if (kind === "edit") set(w[end], id, scenario.edits[end], `after-${end}`);
            else w[end].delete(C, id);
          }
          tried++;
          const localX0 = w.local.items(C).find((i) => prop(i.text, "FN") === X);
          const keepsXLocal = lossy && localX0 !== undefined && prop(localX0.text, "X-LOCAL") === "kept";
          clock += 60_001;
          if (killResumeToo) {
            // The run that resumes dies too, right after it stored what it resolved (adopted records, cleared journal).
            const again = new MortalStore(w.inner);
            const write = again.write.bind(again);
            again.write = async (ops, options) => {
              await write(ops, options);
              if (ops.some((o) => o.op === "journal-clear")) again.dead = true;
            };
            const gate = () => {
              if (again.dead) throw new Killed("killed while resuming");
            };
            for (const side of [w.local, w.remote]) side.options = { ...side.options, gate };
            await new SyncEngine({ store: again, sides: [w.local, w.remote] }).runOnce().catch(() => undefined);
            for (const side of [w.local, w.remote]) side.options = { ...side.options, gate: () => undefined };
            clock += 60_001;
          }
          const engine = new SyncEngine({ store: w.inner, sides: [w.local, w.remote] });
          const report = await engine.runOnce();
          await engine.runOnce();
          const expected = scenario.expected(action, when === "recorded");
          const l = byName(w.local);
          const r = byName(w.remote);
          const matches = (value: string | undefined) => {
            if (expected === null) return value === undefined;
            if (value === undefined) return false;
            const [title, note] = value.split("|");
            return (expected.TITLE === undefined || expected.TITLE === title) && (expected.NOTE === undefined || expected.NOTE === note);
          };
          const problems: string[] = [];
          if (!report.ok) problems.push(`errors ${JSON.stringify(report.pairs[0]?.errors ?? report.pairs[0]?.error)}`);
          if (!sameMap(l, r)) problems.push(`ends differ: local ${JSON.stringify(l)}, remote ${JSON.stringify(r)}`);
          if (l.b1 !== "t|n" || l.b2 !== "t|n" || Object.keys(l).length > 3) problems.push(`bystanders: ${JSON.stringify(l)}`);
          if (!matches(l[X])) problems.push(`local has ${l[X] ?? "no item"}`);
          const localX = w.local.items(C).find((i) => prop(i.text, "FN") === X);
          if (keepsXLocal && localX && prop(localX.text, "X-LOCAL") !== "kept") problems.push("local lost X-LOCAL");
          if ((await w.inner.listJournal("p")).length) problems.push("journal not empty");
          if (problems.length) failures.push(`${label}: want ${JSON.stringify(expected ?? "gone")}; ${problems.join("; ")}`);
        }
      }
      expect(failures).toEqual([]);
      expect(tried).toBeGreaterThan(points.length);
    });
  });

  function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
  }
});

/**
 * A side whose incremental feed does not name every new item (as a Graph calendar view's delta
 * never names an event outside its window): its incremental feeds leave out the items whose UID
 * starts with `far-`; its full listings (cursor `null`) name them. It records the cursors asked.
 */
class HidingSide extends MemorySide {
  readonly cursorsAsked: Array<string | null> = [];
  override async changes(collection: string, cursor: string | null): Promise<ChangeFeed> {
    this.cursorsAsked.push(cursor);
    const feed = await super.changes(collection, cursor);
    if (feed.complete) return feed;
    const far = new Set(this.items(collection).filter((i) => i.uid?.startsWith("far-")).map((i) => i.id));
    return { ...feed, changed: feed.changed.filter((c) => !far.has(c.id)) };
  }
}

describe("crash safety of a create on a side whose incremental feed does not name every new item", () => {
  for (const target of ["remote", "local"] as const) {
    for (const when of ["before", "after"] as const) {
      it(`dying ${when} the create on the ${target} side, the resuming cycle lists that side in full: one copy, adopted or made once`, async () => {
        makeStore = () => new MemoryStateStore({ now });
        const hiding = new HidingSide({ name: target });
        const plain = new MemorySide({ name: target === "remote" ? "local" : "remote" });
        const [local, remote] = target === "remote" ? [plain, hiding] : [hiding, plain];
        local.addCollection(C, "contacts");
        remote.addCollection(C, "contacts");
        const inner = makeStore();
        const engine = new SyncEngine({ store: inner, sides: [local, remote] });
        await engine.link({ id: "p", kind: "contacts", local: { side: "local", collection: C }, remote: { side: "remote", collection: C } });
        plain.put(C, vcard("near", { FN: "Near" }));
        expect((await engine.runOnce()).ok).toBe(true);
        expect(hiding.items(C)).toHaveLength(1);

        plain.put(C, vcard("far-1", { FN: "Far" }));
        const store = new MortalStore(inner);
        hiding.options = {
          ...hiding.options,
          gate: () => {
            if (store.dead) throw new Killed("dead");
          },
          [`${when}Effect`]: (w: MemoryWrite) => {
            if (w.op !== "create") return;
            store.dead = true;
            throw new Killed(`killed ${when} the create`);
          },
        };
        await new SyncEngine({ store, sides: [local, remote] }).runOnce().catch(() => undefined);
        expect(store.dead).toBe(true);
        expect(await inner.listJournal("p")).toHaveLength(1);
        expect(hiding.items(C).filter((i) => i.uid === "far-1")).toHaveLength(when === "after" ? 1 : 0);

        clock += 60_001;
        hiding.options = { name: target };
        hiding.cursorsAsked.length = 0;
        const again = new SyncEngine({ store: inner, sides: [local, remote] });
        const resumed = await again.runOnce();
        expect(resumed.ok, JSON.stringify(resumed.pairs[0]?.errors)).toBe(true);
        // The resuming cycle read the side of the journaled create in full.
        expect(hiding.cursorsAsked).toEqual([null]);
        expect(resumed.pairs[0]![target].created).toHaveLength(when === "after" ? 0 : 1);
        expect(await inner.listJournal("p")).toEqual([]);
        // Later cycles read from the cursor again, and find nothing to do.
        for (let i = 0; i < 2; i++) {
          const report = await again.runOnce();
          expect(report.ok).toBe(true);
          expect(report.pairs[0]![target].created).toEqual([]);
        }
        expect(hiding.cursorsAsked.slice(1).every((c) => c !== null)).toBe(true);
        expect(contents(local)).toEqual(contents(remote));
        expect(Object.keys(contents(hiding)).sort()).toEqual(["far-1", "near"]);
        const record = (await inner.listItems("p")).find((r) => r.uid === "far-1");
        expect(record?.[target]?.id).toBe(hiding.items(C).find((i) => i.uid === "far-1")!.id);
        expect(record?.[target]?.unconfirmed).toBeUndefined();
      });
    }
  }
});
