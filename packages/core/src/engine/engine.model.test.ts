/**
 * Model-based tests: fast-check drives random histories of user edits on both sides, clean and
 * adversarial sync cycles and state loss, and checks the engine against a model of what two-way
 * sync with per-property merges must produce.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemorySide } from "../sides/memory.js";
import { MemoryStateStore } from "../stores/memory.js";
import { prop, vcard } from "../fixtures.test-support.js";
import { SyncEngine } from "./engine.js";
import { assignedUid } from "./plan.js";
import type { Slot } from "./state.js";

const PROPS = ["FN", "NOTE", "TITLE"] as const;
type Props = Record<(typeof PROPS)[number], string>;
const VALUES = ["a", "b", "c", "ü é", `long-${"z".repeat(90)}`, "with\\, comma"];

interface ModelItem {
  /** Content after the last clean sync (null: never synced). */
  synced: Props | null;
  local: Props | null;
  remote: Props | null;
}

interface Model {
  items: Map<string, ModelItem>;
  /** False after an adversarial cycle: the next clean sync checks invariants only, then adopts reality. */
  strict: boolean;
  /** UIDs deleted by a user on some side (they may legitimately be gone). */
  deleted: Set<string>;
  nextUid: number;
  policy: "local-wins" | "remote-wins";
}

interface Real {
  local: MemorySide;
  remote: MemorySide;
  store: MemoryStateStore;
  engine: SyncEngine;
}

const COLLECTION = "c";
const WEIRD_UIDS = (n: number) => [`u${n}`, `weird uid/${n}@example.org`, `${n}`, `urn:uuid:0000-${n}`, `ä;,:${n}`][n % 5]!;

function newEngine(real: Omit<Real, "engine">, policy: Model["policy"]): SyncEngine {
  return new SyncEngine({ store: real.store, sides: [real.local, real.remote], policy: { conflict: policy } });
}

async function link(engine: SyncEngine): Promise<void> {
  await engine.link({ id: "p", kind: "contacts", local: { side: "local", collection: COLLECTION }, remote: { side: "remote", collection: COLLECTION } });
}

function read(side: MemorySide): Map<string, Props> {
  const out = new Map<string, Props>();
  for (const item of side.items(COLLECTION)) {
    expect(item.uid, `${side.name} item without UID`).not.toBeNull();
    expect(out.has(item.uid!), `duplicate UID ${item.uid} on ${side.name}`).toBe(false);
    out.set(item.uid!, { FN: prop(item.text, "FN")!, NOTE: prop(item.text, "NOTE")!, TITLE: prop(item.text, "TITLE")! });
  }
  return out;
}

function idOf(side: MemorySide, uid: string): string {
  return side.items(COLLECTION).find((i) => i.uid === uid)!.id;
}

const same = (a: Props, b: Props) => PROPS.every((p) => a[p] === b[p]);

/** What a clean sync must produce for one item (undefined: the item is gone). */
function expected(item: ModelItem, policy: Model["policy"]): Props | undefined {
  const { local: l, remote: r, synced: b } = item;
  const winner = (lv: string, rv: string) => (policy === "local-wins" ? lv : rv);
  if (!b) {
    if (l && r) return Object.fromEntries(PROPS.map((p) => [p, l[p] === r[p] ? l[p] : winner(l[p], r[p])])) as Props;
    return l ?? r ?? undefined;
  }
  if (!l && !r) return undefined;
  if (!l) return same(r!, b) ? undefined : r!;
  if (!r) return same(l, b) ? undefined : l;
  return Object.fromEntries(
    PROPS.map((p) => [p, l[p] === b[p] ? r[p] : r[p] === b[p] ? l[p] : l[p] === r[p] ? l[p] : winner(l[p], r[p])]),
  ) as Props;
}

/** Adopts what both sides hold as the synced content. */
function adopt(model: Model, real: Real): void {
  const l = read(real.local);
  const r = read(real.remote);
  model.items.clear();
  for (const uid of new Set([...l.keys(), ...r.keys()])) {
    model.items.set(uid, { synced: l.get(uid) && r.get(uid) ? l.get(uid)! : null, local: l.get(uid) ?? null, remote: r.get(uid) ?? null });
  }
}

async function cleanSyncAndCheck(model: Model, real: Real): Promise<void> {
  const report = await real.engine.runOnce({ allowEmptySide: true, allowMassDelete: true });
  expect(report.ok, JSON.stringify(report.pairs[0]?.errors ?? report.pairs[0]?.error)).toBe(true);
  const l = read(real.local);
  const r = read(real.remote);
  expect([...l.keys()].sort()).toEqual([...r.keys()].sort());
  for (const [uid, props] of l) expect(r.get(uid), uid).toEqual(props);
  if (model.strict) {
    const want = new Map<string, Props>();
    for (const [uid, item] of model.items) {
      const e = expected(item, model.policy);
      if (e) want.set(uid, e);
    }
    expect(Object.fromEntries(l)).toEqual(Object.fromEntries(want));
  } else {
    // No loss: an item no user deleted is still there.
    for (const [uid, item] of model.items) {
      if (!model.deleted.has(uid) && (item.local || item.remote)) expect(l.has(uid), `lost ${uid}`).toBe(true);
    }
  }
  // A second cycle with no edits writes nothing and reads one change feed per side.
  real.local.resetCalls();
  real.remote.resetCalls();
  await real.engine.runOnce({ allowEmptySide: true, allowMassDelete: true });
  expect(real.local.calls.itemWrites + real.remote.calls.itemWrites).toBe(0);
  expect([real.local.calls.changes, real.remote.calls.changes]).toEqual([1, 1]);
  model.strict = true;
  model.deleted.clear();
  adopt(model, real);
}

type Cmd = fc.AsyncCommand<Model, Real>;

class Create implements Cmd {
  constructor(
    readonly slot: Slot | "both",
    readonly props: Props,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const uid = WEIRD_UIDS(model.nextUid++);
    const item: ModelItem = { synced: null, local: null, remote: null };
    for (const slot of this.slot === "both" ? (["local", "remote"] as const) : [this.slot]) {
      real[slot].put(COLLECTION, vcard(uid, this.props));
      item[slot] = { ...this.props };
    }
    model.items.set(uid, item);
  }
  toString = () => `create(${this.slot}, ${JSON.stringify(this.props)})`;
}

class Edit implements Cmd {
  constructor(
    readonly slot: Slot,
    readonly pick: number,
    readonly property: (typeof PROPS)[number],
    readonly value: string,
  ) {}
  #uid(model: Model) {
    const uids = [...model.items].filter(([, i]) => i[this.slot]).map(([u]) => u);
    return uids[this.pick % uids.length];
  }
  check = (model: Model) => this.#uid(model) !== undefined;
  async run(model: Model, real: Real) {
    const uid = this.#uid(model)!;
    const item = model.items.get(uid)!;
    item[this.slot] = { ...item[this.slot]!, [this.property]: this.value };
    real[this.slot].edit(COLLECTION, idOf(real[this.slot], uid), vcard(uid, item[this.slot]!));
  }
  toString = () => `edit(${this.slot}, #${this.pick}, ${this.property}=${this.value.slice(0, 10)})`;
}

class Delete implements Cmd {
  constructor(
    readonly slot: Slot,
    readonly pick: number,
  ) {}
  #uid(model: Model) {
    const uids = [...model.items].filter(([, i]) => i[this.slot]).map(([u]) => u);
    return uids[this.pick % uids.length];
  }
  check = (model: Model) => this.#uid(model) !== undefined;
  async run(model: Model, real: Real) {
    const uid = this.#uid(model)!;
    real[this.slot].delete(COLLECTION, idOf(real[this.slot], uid));
    model.items.get(uid)![this.slot] = null;
    model.deleted.add(uid);
  }
  toString = () => `delete(${this.slot}, #${this.pick})`;
}

class Touch implements Cmd {
  constructor(readonly slot: Slot) {}
  check = () => true;
  async run(_model: Model, real: Real) {
    for (const item of real[this.slot].items(COLLECTION)) real[this.slot].touch(COLLECTION, item.id);
  }
  toString = () => `touch-all(${this.slot})`;
}

/** The side forgets the cursors it gave out: the next feed is a full listing. */
class ForgetCursors implements Cmd {
  constructor(readonly slot: Slot) {}
  check = () => true;
  async run(_model: Model, real: Real) {
    real[this.slot].forgetCursors(COLLECTION);
  }
  toString = () => `forget-cursors(${this.slot})`;
}

class Sync implements Cmd {
  check = () => true;
  async run(model: Model, real: Real) {
    await cleanSyncAndCheck(model, real);
  }
  toString = () => "sync";
}

/** A cycle with failing writes and an edit by someone else on the remote side during the cycle. */
class AdversarialSync implements Cmd {
  constructor(
    readonly failEvery: number,
    readonly concurrentValue: string,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    let n = 0;
    let edited = false;
    real.local.options.failWrite = () => ++n % this.failEvery === 0;
    real.remote.options.failWrite = () => ++n % this.failEvery === 0;
    real.remote.options.beforeWrite = (w) => {
      if (edited || w.op === "create") return;
      const item = real.remote.items(COLLECTION).find((i) => i.id === w.id);
      if (!item) return;
      edited = true;
      real.remote.edit(COLLECTION, w.id, vcard(item.uid, { FN: prop(item.text, "FN")!, NOTE: prop(item.text, "NOTE")!, TITLE: this.concurrentValue }));
    };
    try {
      await real.engine.runOnce({ allowEmptySide: true, allowMassDelete: true });
    } finally {
      delete real.local.options.failWrite;
      delete real.remote.options.failWrite;
      delete real.remote.options.beforeWrite;
    }
    const deleted = new Set(model.deleted);
    adopt(model, real);
    for (const uid of deleted) model.deleted.add(uid);
    for (const item of model.items.values()) item.synced = null;
    model.strict = false;
  }
  toString = () => `adversarial-sync(fail every ${this.failEvery})`;
}

/**
 * A cycle scoped as active mode scopes them: one slot's change feed (or none), and on the other
 * slot only some items read by id, as a notification names them. The next clean sync must still
 * converge without loss or duplicates (items first seen by id wait for their feed to confirm them).
 */
class ScopedSync implements Cmd {
  constructor(
    readonly feedSlot: Slot | null,
    readonly pickEvery: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const named = (slot: Slot) =>
      real[slot]
        .items(COLLECTION)
        .filter((_, i) => i % this.pickEvery === 0)
        .map((i) => ({ id: i.id, version: i.version }));
    const scopeOf = (slot: Slot) => (this.feedSlot === slot ? { feed: true as const } : { items: named(slot) });
    const report = await real.engine.runCycle("p", { local: scopeOf("local"), remote: scopeOf("remote") }, { allowEmptySide: true, allowMassDelete: true });
    expect(report.error).toBeNull();
    expect(report.errors).toEqual([]);
    const deleted = new Set(model.deleted);
    adopt(model, real);
    for (const uid of deleted) model.deleted.add(uid);
    for (const item of model.items.values()) item.synced = null;
    model.strict = false;
  }
  toString = () => `scoped-sync(feed ${this.feedSlot ?? "none"}, every ${this.pickEvery}th item by id)`;
}

/**
 * A user makes an item without a UID on one side (as Outlook does), then deletes or edits it while
 * the cycle that copies it to the other side writes the UID onto it (between the listing and the
 * tag). A deletion wins over the copy just made, in the same cycle: neither the copy nor the deleted
 * original comes back. An edit arrives on both sides, once, the item tagged with the copy's UID.
 */
class RaceTheTag implements Cmd {
  constructor(
    readonly slot: Slot,
    readonly race: "delete" | "edit",
    readonly props: Props,
    readonly value: string,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const side = real[this.slot];
    const other = real[this.slot === "local" ? "remote" : "local"];
    const id = side.put(COLLECTION, vcard(null, this.props));
    const edited = { ...this.props, TITLE: `${this.value}!` };
    let raced = false;
    side.options.beforeWrite = (w) => {
      if (raced || w.id !== id || (w.op !== "tag" && w.op !== "update")) return;
      raced = true;
      if (this.race === "delete") side.delete(COLLECTION, id);
      else side.edit(COLLECTION, id, vcard(null, edited));
    };
    let report;
    try {
      report = await real.engine.runOnce({ allowEmptySide: true, allowMassDelete: true });
    } finally {
      delete side.options.beforeWrite;
    }
    expect(report.ok, JSON.stringify(report.pairs[0]?.errors ?? report.pairs[0]?.error)).toBe(true);
    const copyUid = assignedUid(this.slot, id);
    if (raced && this.race === "delete") {
      // Neither the copy nor the original is there: not after this cycle, not after the next ones.
      expect(side.items(COLLECTION).some((i) => i.id === id || i.uid === copyUid)).toBe(false);
      expect(other.items(COLLECTION).some((i) => i.uid === copyUid)).toBe(false);
    } else if (raced && !side.options.missingVersions) {
      // The edit arrived on the other side, and the item carries the UID of its counterpart there.
      const item = side.items(COLLECTION).find((i) => i.id === id)!;
      expect(item.uid).not.toBeNull();
      const twin = other.items(COLLECTION).filter((i) => i.uid === item.uid);
      expect(twin.map((i) => prop(i.text, "TITLE"))).toEqual([edited.TITLE]);
    }
    // An item the engine paired with the raced one by content goes with its deletion.
    const deleted = new Set(model.deleted);
    for (const [uid, item] of model.items) if (Object.values(item).some((p) => p && same(p, this.props))) deleted.add(uid);
    adopt(model, real);
    for (const uid of deleted) model.deleted.add(uid);
    for (const item of model.items.values()) item.synced = null;
    model.strict = false;
  }
  toString = () => `race-the-tag(${this.slot}, ${this.race}, ${JSON.stringify(this.props)})`;
}

/** The state is lost; the next cycle must rebuild it by pairing, not by copying. */
class LoseState implements Cmd {
  check = () => true;
  async run(model: Model, real: Real) {
    const clean = model.strict && [...model.items.values()].every((i) => i.synced && i.local && i.remote && same(i.local, i.synced) && same(i.remote, i.synced));
    real.store = new MemoryStateStore();
    real.engine = newEngine(real, model.policy);
    await link(real.engine);
    if (clean) {
      real.local.resetCalls();
      real.remote.resetCalls();
      await cleanSyncAndCheck(model, real);
    } else {
      for (const item of model.items.values()) item.synced = null;
    }
  }
  toString = () => "lose-state";
}

const propsArb = fc.record({ FN: fc.constantFrom(...VALUES), NOTE: fc.constantFrom(...VALUES), TITLE: fc.constantFrom(...VALUES) });
const slotArb = fc.constantFrom<Slot>("local", "remote");

const commands = [
  fc.tuple(fc.constantFrom<Slot | "both">("local", "remote", "both"), propsArb).map(([s, p]) => new Create(s, p)),
  fc.tuple(slotArb, fc.nat(50), fc.constantFrom(...PROPS), fc.constantFrom(...VALUES)).map(([s, i, p, v]) => new Edit(s, i, p, v)),
  fc.tuple(slotArb, fc.nat(50), fc.constantFrom(...PROPS), fc.constantFrom(...VALUES)).map(([s, i, p, v]) => new Edit(s, i, p, v)),
  fc.tuple(slotArb, fc.nat(50)).map(([s, i]) => new Delete(s, i)),
  slotArb.map((s) => new Touch(s)),
  slotArb.map((s) => new ForgetCursors(s)),
  fc.constant(new Sync()),
  fc.constant(new Sync()),
  fc.tuple(fc.integer({ min: 2, max: 5 }), fc.constantFrom(...VALUES)).map(([f, v]) => new AdversarialSync(f, v)),
  fc.constant(new LoseState()),
  fc.tuple(fc.constantFrom<Slot | null>("local", "remote", null), fc.integer({ min: 1, max: 3 })).map(([f, k]) => new ScopedSync(f, k)),
  fc.tuple(fc.constantFrom<Slot | null>("local", "remote", null), fc.integer({ min: 1, max: 3 })).map(([f, k]) => new ScopedSync(f, k)),
  fc.tuple(slotArb, fc.constantFrom<"delete" | "edit">("delete", "edit"), propsArb, fc.constantFrom(...VALUES)).map(([s, r, p, v]) => new RaceTheTag(s, r, p, v)),
];

/** Histories per run; `ENGINE_FC_RUNS=2000` for a longer hunt. */
const RUNS = Number(process.env.ENGINE_FC_RUNS ?? 60);

describe("engine model", () => {
  it("converges, never duplicates or loses, merges per property, and is quiet when nothing changed", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands(commands, { maxCommands: 60, size: "large" }),
        fc.constantFrom<Model["policy"]>("local-wins", "remote-wins"),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        async (cmds, policy, localWithoutVersions, remoteOmitsCreatedThenDeleted, remoteFeedCarriesContent, remoteRendersOnBasis, remoteTags) => {
          const local = new MemorySide({ name: "local", missingVersions: localWithoutVersions, maxBatch: 3 });
          const remote = new MemorySide({
            name: "remote",
            maxBatch: 4,
            // As the EWS and Graph sides: UIDs written through SyncSide.tag.
            tags: remoteTags,
            omitCreatedThenDeleted: remoteOmitsCreatedThenDeleted,
            feedCarriesContent: remoteFeedCarriesContent,
            // As the EWS side: its feed's texts are taken only for items the state holds no text of.
            rendersOnBasis: remoteRendersOnBasis,
          });
          local.addCollection(COLLECTION, "contacts");
          remote.addCollection(COLLECTION, "contacts");
          const store = new MemoryStateStore();
          const real: Real = { local, remote, store, engine: newEngine({ local, remote, store }, policy) };
          await link(real.engine);
          const model: Model = { items: new Map(), strict: true, deleted: new Set(), nextUid: 0, policy };
          await fc.asyncModelRun(() => ({ model, real }), [...cmds, new Sync()]);
        },
      ),
      { numRuns: RUNS },
    );
  }, 30_000 + RUNS * 400);
});

/**
 * The same model with sides that list in pages ({@link MemorySide} `pageSize`): a first pull into
 * an empty pair (and one after the state is lost, when the other side is empty) takes the paged
 * path (pages.ts); every later cycle the usual one. The same properties hold.
 */
describe("engine model, sides listing in pages", () => {
  it("converges, never duplicates or loses, merges per property, and is quiet when nothing changed", async () => {
    let paged = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.commands(commands, { maxCommands: 60, size: "large" }),
        fc.constantFrom<Model["policy"]>("local-wins", "remote-wins"),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        async (cmds, policy, pageSize, localPages, remoteFeedCarriesContent, remoteTags) => {
          const beforePage = () => void paged++;
          const local = new MemorySide({ name: "local", maxBatch: 3, ...(localPages ? { pageSize: 2, beforePage } : {}) });
          const remote = new MemorySide({ name: "remote", maxBatch: 4, pageSize, beforePage, tags: remoteTags, feedCarriesContent: remoteFeedCarriesContent });
          local.addCollection(COLLECTION, "contacts");
          remote.addCollection(COLLECTION, "contacts");
          const store = new MemoryStateStore();
          const real: Real = { local, remote, store, engine: newEngine({ local, remote, store }, policy) };
          await link(real.engine);
          const model: Model = { items: new Map(), strict: true, deleted: new Set(), nextUid: 0, policy };
          await fc.asyncModelRun(() => ({ model, real }), [...cmds, new Sync()]);
        },
      ),
      { numRuns: RUNS },
    );
    expect(paged).toBeGreaterThan(0);
  }, 30_000 + RUNS * 400);
});

/**
 * An item made without ewsdav's UID (in Outlook) is copied to the other side and tagged where it
 * is; a user who deletes or edits it between the listing and the tag makes the tag answer
 * `not-found` or `precondition-failed`. The deletion must win against the copy just made (never a
 * re-creation of the original, never a second copy); the edit must arrive, once.
 */
describe("a deletion or an edit between the listing and the UID tag", () => {
  const cases = (["local", "remote"] as const).flatMap((source) =>
    ([true, false] as const).flatMap((tags) => (["delete", "edit"] as const).map((race) => [source, tags, race] as const)),
  );
  it.each(cases)("new on %s without a UID (SyncSide.tag: %s), %s during the tag", async (source, tags, race) => {
    const target: Slot = source === "local" ? "remote" : "local";
    const sides = {
      local: new MemorySide({ name: "local", tags }),
      remote: new MemorySide({ name: "remote", tags }),
    };
    for (const side of Object.values(sides)) side.addCollection(COLLECTION, "contacts");
    const store = new MemoryStateStore();
    const engine = newEngine({ local: sides.local, remote: sides.remote, store }, "local-wins");
    await link(engine);
    sides[source].put(COLLECTION, vcard("bystander", { FN: "B", NOTE: "n", TITLE: "t" }));
    expect((await engine.runOnce()).ok).toBe(true);
    const id = sides[source].put(COLLECTION, vcard(null, { FN: "Outlook", NOTE: "n0", TITLE: "t0" }));
    let raced = false;
    sides[source].options.beforeWrite = (w) => {
      if (raced || w.id !== id || (w.op !== "tag" && w.op !== "update")) return;
      raced = true;
      if (race === "delete") sides[source].delete(COLLECTION, id);
      else sides[source].edit(COLLECTION, id, vcard(null, { FN: "Outlook", NOTE: "edited", TITLE: "t0" }));
    };
    const first = await engine.runOnce();
    delete sides[source].options.beforeWrite;
    expect(raced).toBe(true);
    expect(first.ok, JSON.stringify(first.pairs[0]?.errors)).toBe(true);
    // Then cycles with no user action: the outcome settles and stays.
    for (let i = 0; i < 3; i++) expect((await engine.runOnce()).ok).toBe(true);
    const names = (slot: Slot) => sides[slot].items(COLLECTION).map((i) => `${prop(i.text, "FN")}|${prop(i.text, "NOTE")}`).sort();
    if (race === "delete") {
      expect(names(source)).toEqual(["B|n"]);
      expect(names(target)).toEqual(["B|n"]);
    } else {
      expect(names(source)).toEqual(["B|n", "Outlook|edited"]);
      expect(names(target)).toEqual(["B|n", "Outlook|edited"]);
      // Tagged in the end, with the copy's UID.
      const copy = sides[target].items(COLLECTION).find((i) => prop(i.text, "FN") === "Outlook")!;
      expect(sides[source].items(COLLECTION).find((i) => i.id === id)!.uid).toBe(copy.uid);
    }
    // Quiet from now on.
    sides.local.resetCalls();
    sides.remote.resetCalls();
    await engine.runOnce();
    expect(sides.local.calls.itemWrites + sides.remote.calls.itemWrites).toBe(0);
  });
});
