/**
 * The {@link StateStore} contract, one suite run against every store: memory and SQLite (both
 * drivers) in `contract.test.ts`, PostgreSQL in `packages/core/test/postgres.test.ts` (it starts a
 * throwaway cluster). Round trips, uniqueness and all-or-nothing writes, the unconfirmed marks and
 * the version listing, the journal, the runs and their pruning, closed stores, and the pair lease
 * (acquire, renew, expiry and takeover, release, fencing tokens, fenced writes). Time is the
 * store's lease clock, moved by hand: no test waits for a TTL.
 *
 * What only one store has (SQLite's file, WAL and migrations from older files; PostgreSQL's
 * schemas, pools and concurrent migrators) stays in that store's own tests.
 */
import { afterEach, describe, expect, it } from "vitest";
import { StateError, type ItemRecord, type JournalEntry, type PairLease, type PairRecord, type RunRecord, type StateOp, type StateStore } from "../engine/state.js";

/** How the suite opens a store of one kind. */
export interface StoreBackend {
  /**
   * A fresh, empty place for state (a file, a schema) and a way to open stores on it: each call of
   * `open` is another connection to the same state (for the memory store, the same instance).
   */
  fresh(): Promise<{ open(options: StoreOpenOptions): Promise<StateStore> }>;
}

/** What the suite asks of a store it opens. */
export interface StoreOpenOptions {
  /** The lease clock (milliseconds since the epoch). */
  now: () => number;
  runsKept?: number;
}

/** The pair every contract case (and the stores' own tests) writes: contacts between a vdir book and an EWS folder. */
export const contractPair: PairRecord = {
  id: "p",
  kind: "contacts",
  local: { side: "vdir", collection: "book" },
  remote: { side: "ews", collection: "AAMk=" },
  cursors: { local: null, remote: null },
  pending: { local: [], remote: [] },
};
const pair = contractPair;
const slot = (id: string, version: string | null = "v") => ({ id, version, hash: "h", text: "BEGIN:VCARD\r\nEND:VCARD\r\n" });
const T0 = Date.parse("2026-12-05T12:00:00.000Z");

function run(pairId: string, n: number): RunRecord {
  const counts = { created: n, updated: 0, deleted: 0, tagged: 0 };
  return {
    pairId,
    startedAt: new Date(T0 + n * 1_000).toISOString(),
    finishedAt: new Date(T0 + n * 1_000 + 500).toISOString(),
    trigger: "once",
    dryRun: false,
    outcome: n % 2 === 0 ? "ok" : "items-failed",
    stop: null,
    counts: { local: counts, remote: { ...counts, created: 0 } },
    merged: 0,
    paired: n,
    conflicts: 0,
    errors: n % 2 === 0 ? [] : [{ code: "item-failed", slot: "remote", uid: `u${n}`, id: null, message: "refused: ä" }],
    errorCount: n % 2,
    dropped: [],
    droppedCount: 0,
    codes: n % 2 === 0 ? [] : ["item-failed"],
  };
}

/** Registers the contract suite for one store kind. */
export function describeStateStoreContract(name: string, backend: StoreBackend): void {
  describe(`StateStore contract (${name})`, () => {
    const open: StateStore[] = [];
    let clock = T0;
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });
    /** A fresh store (clock reset to T0) and a way to open another connection to its state. */
    const make = async (options: { runsKept?: number } = {}) => {
      clock = T0;
      const place = await backend.fresh();
      const connect = async () => {
        const s = await place.open({ now: () => clock, ...options });
        open.push(s);
        return s;
      };
      return { store: await connect(), connect };
    };
    const uids = async (s: StateStore, pairId = "p") => (await s.listItems(pairId)).map((i) => i.uid).sort();

    describe("records", () => {
      it("round-trips pairs, cursors, pending ids, items and journal entries, seen by another connection", async () => {
        const { store, connect } = await make();
        const local = { ...slot("l1"), unconfirmed: true, seenAt: "2026-12-05T10:00:00.000Z" };
        const detail = {
          written: { text: "BEGIN:VCARD\r\nFN:\u00e9\r\nEND:VCARD\r\n", hash: "h" },
          expectedVersion: null,
          writesOther: false,
          other: { id: "f.vcf", version: "v1", hash: "h0", text: "BEGIN:VCARD\r\nEND:VCARD\r\n" },
        };
        const entry: JournalEntry = { pairId: "p", uid: "weird uid/ä", slot: "remote", op: "create", itemId: null, startedAt: "2026-12-05T10:00:01.000Z", detail };
        await store.write([
          { op: "put-pair", pair },
          { op: "put-item", pairId: "p", item: { uid: "weird uid/ä", local, remote: null } },
          { op: "put-item", pairId: "p", item: { uid: "both", local: slot("l2", null), remote: slot("r2") } },
          { op: "set-cursors", pairId: "p", cursors: { local: "c1", remote: "c2" }, pending: { local: ["x", "y"], remote: [] } },
          { op: "journal-begin", entry },
        ]);
        const other = await connect();
        expect(await other.getPair("p")).toEqual({ ...pair, cursors: { local: "c1", remote: "c2" }, pending: { local: ["x", "y"], remote: [] } });
        expect(await other.listPairs()).toHaveLength(1);
        expect(await other.getPair("nope")).toBeNull();
        const items = (await other.listItems("p")).sort((a, b) => (a.uid < b.uid ? -1 : 1));
        expect(items).toEqual([
          { uid: "both", local: slot("l2", null), remote: slot("r2") },
          { uid: "weird uid/ä", local, remote: null },
        ]);
        expect(await other.listJournal("p")).toEqual([entry]);
        expect(await other.listItems("nope")).toEqual([]);
        expect(await other.listJournal("nope")).toEqual([]);
      });

      it("lists pairs by id; put-pair replaces a pair's record and keeps its items", async () => {
        const { store } = await make();
        await store.write([{ op: "put-pair", pair: { ...pair, id: "b" } }, { op: "put-pair", pair: { ...pair, id: "a" } }]);
        await store.write([{ op: "put-item", pairId: "a", item: { uid: "u", local: slot("l"), remote: null } }]);
        await store.write([{ op: "put-pair", pair: { ...pair, id: "a", cursors: { local: "k", remote: null } } }]);
        expect((await store.listPairs()).map((p) => p.id).sort()).toEqual(["a", "b"]);
        expect((await store.getPair("a"))!.cursors.local).toBe("k");
        expect(await uids(store, "a")).toEqual(["u"]);
      });

      it("a put-item replaces the record of its UID; delete-item and clear-items remove records; delete-pair removes everything of the pair", async () => {
        const { store } = await make();
        await store.write([
          { op: "put-pair", pair },
          { op: "put-pair", pair: { ...pair, id: "q" } },
          { op: "put-item", pairId: "p", item: { uid: "a", local: slot("l1"), remote: null } },
          { op: "put-item", pairId: "p", item: { uid: "b", local: slot("l2"), remote: null } },
          { op: "put-item", pairId: "p", item: { uid: "c", local: slot("l3"), remote: null } },
          { op: "put-item", pairId: "q", item: { uid: "a", local: slot("l1"), remote: null } },
        ]);
        await store.write([{ op: "put-item", pairId: "p", item: { uid: "a", local: null, remote: slot("r1", "v9") } }]);
        expect((await store.listItems("p")).find((i) => i.uid === "a")).toEqual({ uid: "a", local: null, remote: slot("r1", "v9") });
        await store.write([
          { op: "delete-item", pairId: "p", uid: "b" },
          { op: "delete-item", pairId: "p", uid: "missing" },
        ]);
        expect(await uids(store)).toEqual(["a", "c"]);
        await store.write([{ op: "clear-items", pairId: "p" }]);
        expect(await uids(store)).toEqual([]);
        expect(await store.getPair("p")).not.toBeNull();
        await store.write([
          { op: "put-item", pairId: "p", item: { uid: "d", local: slot("l1"), remote: null } },
          { op: "journal-begin", entry: { pairId: "p", uid: "d", slot: "local", op: "update", itemId: "l1", startedAt: "t" } },
        ]);
        await store.recordRun(run("p", 1));
        await store.write([{ op: "delete-pair", pairId: "p" }]);
        expect(await store.getPair("p")).toBeNull();
        expect(await store.listItems("p")).toEqual([]);
        expect(await store.listJournal("p")).toEqual([]);
        expect(await store.listRuns("p")).toEqual([]);
        expect(await uids(store, "q")).toEqual(["a"]); // another pair keeps the same UID and ids
      });

      it("enforces one record per UID and each side id in one record per pair, and rolls the whole write back on a violation", async () => {
        const { store } = await make();
        await store.write([
          { op: "put-pair", pair },
          { op: "put-item", pairId: "p", item: { uid: "a", local: slot("l1"), remote: slot("r1") } },
        ]);
        const attempt = store.write([
          { op: "put-item", pairId: "p", item: { uid: "b", local: slot("l2"), remote: null } },
          { op: "set-cursors", pairId: "p", cursors: { local: "moved", remote: null }, pending: { local: [], remote: [] } },
          { op: "journal-begin", entry: { pairId: "p", uid: "b", slot: "local", op: "create", itemId: null, startedAt: "t" } },
          { op: "put-item", pairId: "p", item: { uid: "c", local: null, remote: slot("r1") } },
        ]);
        await expect(attempt).rejects.toBeInstanceOf(StateError);
        await expect(attempt).rejects.toMatchObject({ code: "unique-violation" });
        expect(await uids(store)).toEqual(["a"]);
        expect((await store.getPair("p"))!.cursors.local).toBeNull();
        expect(await store.listJournal("p")).toEqual([]);
        // The local id of one record is not the local id of another, in the same write either.
        await expect(
          store.write([
            { op: "put-item", pairId: "p", item: { uid: "d", local: slot("l9"), remote: null } },
            { op: "put-item", pairId: "p", item: { uid: "e", local: slot("l9"), remote: null } },
          ]),
        ).rejects.toMatchObject({ code: "unique-violation" });
        expect(await uids(store)).toEqual(["a"]);
      });

      it("lets an id move from one record to another within one write, in the order of its operations", async () => {
        const { store } = await make();
        await store.write([
          { op: "put-pair", pair },
          { op: "put-item", pairId: "p", item: { uid: "a", local: slot("l1"), remote: null } },
          { op: "put-item", pairId: "p", item: { uid: "b", local: slot("l2"), remote: null } },
        ]);
        await store.write([
          { op: "put-item", pairId: "p", item: { uid: "a", local: slot("l3"), remote: null } },
          { op: "put-item", pairId: "p", item: { uid: "c", local: slot("l1"), remote: null } },
          { op: "delete-item", pairId: "p", uid: "b" },
          { op: "put-item", pairId: "p", item: { uid: "d", local: slot("l2"), remote: null } },
          { op: "put-item", pairId: "p", item: { uid: "d", local: slot("l2", "v2"), remote: slot("r2") } },
        ]);
        const byUid = Object.fromEntries((await store.listItems("p")).map((i) => [i.uid, i.local?.id + "/" + i.local?.version]));
        expect(byUid).toEqual({ a: "l3/v", c: "l1/v", d: "l2/v2" });
      });

      it("refuses operations on an unknown pair as unknown-pair, writing nothing", async () => {
        const { store } = await make();
        await store.write([{ op: "put-pair", pair }]);
        const ops: StateOp[] = [
          { op: "put-item", pairId: "nope", item: { uid: "x", local: slot("q"), remote: null } },
          { op: "set-cursors", pairId: "nope", cursors: { local: "c", remote: null }, pending: { local: [], remote: [] } },
          { op: "journal-begin", entry: { pairId: "nope", uid: "x", slot: "local", op: "create", itemId: null, startedAt: "t" } },
        ];
        for (const op of ops) {
          const attempt = store.write([{ op: "put-item", pairId: "p", item: { uid: "y", local: slot("l"), remote: null } }, op]);
          await expect(attempt).rejects.toMatchObject({ name: "StateError", code: "unknown-pair" });
        }
        expect(await uids(store)).toEqual([]);
        expect(await store.listPairs()).toHaveLength(1);
      });

      it("writes and reads back a batch of 2,000 items in one write", async () => {
        const { store } = await make();
        const text = (i: number) => `BEGIN:VCARD\r\nUID:u${i}\r\nFN:N ${i} \u00e4\r\nEND:VCARD\r\n`;
        const items: ItemRecord[] = Array.from({ length: 2_000 }, (_, i) => ({
          uid: `u${String(i).padStart(5, "0")}`,
          local: { id: `${i}.vcf`, version: `e${i}`, hash: `h${i}`, text: text(i), seenAt: "2026-12-05T10:00:00.000Z" },
          remote: i % 3 === 0 ? null : { id: `AAMk${i}=`, version: null, hash: `h${i}`, text: text(i), ...(i % 2 === 0 ? { unconfirmed: true } : {}) },
        }));
        await store.write([{ op: "put-pair", pair }, ...items.map((item) => ({ op: "put-item" as const, pairId: "p", item }))]);
        const back = (await store.listItems("p")).sort((a, b) => (a.uid < b.uid ? -1 : 1));
        expect(back).toEqual(items);
        expect((await store.listVersions!("p", "remote")).size).toBe(items.filter((i) => i.remote).length);
        await store.write(items.slice(0, 1_000).map((item) => ({ op: "delete-item" as const, pairId: "p", uid: item.uid })));
        expect(await store.listItems("p")).toHaveLength(1_000);
      });

      it("reads back records whose two slots share their text, their hash, both or neither, and replaces one form by another", async () => {
        const { store, connect } = await make();
        const text = "BEGIN:VCARD\r\nUID:s\r\nFN:\u00e9\r\nEND:VCARD\r\n";
        const other = text.replace("FN:", "FN:x");
        const records: ItemRecord[] = [
          { uid: "same", local: { id: "l1", version: "v1", hash: "h", text, unconfirmed: true }, remote: { id: "r1", version: null, hash: "h", text, seenAt: "2026-12-05T10:00:00.000Z" } },
          { uid: "text only", local: { id: "l2", version: "v", hash: "h1", text }, remote: { id: "r2", version: "v", hash: "h2", text } },
          { uid: "hash only", local: { id: "l3", version: "v", hash: "h", text }, remote: { id: "r3", version: "v", hash: "h", text: other } },
          { uid: "neither", local: { id: "l4", version: "v", hash: "h", text }, remote: { id: "r4", version: "v", hash: "h9", text: other } },
          { uid: "empty", local: { id: "l5", version: "v", hash: "", text: "" }, remote: { id: "r5", version: "v", hash: "", text: "" } },
          { uid: "remote only", local: null, remote: { id: "r6", version: "v", hash: "h", text } },
        ];
        await store.write([{ op: "put-pair", pair }, ...records.map((item) => ({ op: "put-item" as const, pairId: "p", item }))]);
        const sorted = (list: ItemRecord[]) => [...list].sort((a, b) => (a.uid < b.uid ? -1 : 1));
        expect(sorted(await (await connect()).listItems("p"))).toEqual(sorted(records));
        // Each record rewritten in another form (a slot edited, then copied again) reads as written.
        const rewritten: ItemRecord[] = [
          { ...records[0]!, remote: { ...records[0]!.remote!, hash: "h2", text: other } },
          { ...records[3]!, remote: { ...records[3]!.remote!, hash: "h", text } },
          { ...records[5]!, local: { id: "l6", version: "v", hash: "h", text } },
        ];
        await store.write(rewritten.map((item) => ({ op: "put-item" as const, pairId: "p", item })));
        const expected = records.map((r) => rewritten.find((w) => w.uid === r.uid) ?? r);
        expect(sorted(await (await connect()).listItems("p"))).toEqual(sorted(expected));
        expect(await store.listVersions!("p", "remote")).toEqual(new Map(expected.map((r) => [r.remote!.id, r.remote!.version])));
      });

      it("rejects writes and lease steps once closed", async () => {
        const { store } = await make();
        await store.write([{ op: "put-pair", pair }]);
        await store.close();
        await expect(store.write([{ op: "clear-items", pairId: "p" }])).rejects.toMatchObject({ code: "closed" });
        await expect(store.acquireLease({ pairId: "p", owner: "a", ttlMs: 1_000 })).rejects.toMatchObject({ code: "closed" });
        await expect(store.recordRun(run("p", 1))).rejects.toMatchObject({ code: "closed" });
      });
    });

    describe("what a quiet cycle reads", () => {
      it("answers whether a slot has unconfirmed items, lists ids and versions without texts, and confirm-slot clears one slot's marks", async () => {
        const { store } = await make();
        await store.write([
          { op: "put-pair", pair },
          { op: "put-pair", pair: { ...pair, id: "q" } },
          { op: "put-item", pairId: "p", item: { uid: "old", local: slot("l1", "v1"), remote: null } },
          { op: "put-item", pairId: "p", item: { uid: "new", local: { ...slot("l2", null), unconfirmed: true }, remote: { ...slot("r1", "v2"), unconfirmed: true } } },
          { op: "put-item", pairId: "q", item: { uid: "x", local: null, remote: { ...slot("r1"), unconfirmed: true } } },
        ]);
        expect(await store.hasUnconfirmed("p", "remote")).toBe(true);
        expect(await store.hasUnconfirmed("p", "local")).toBe(true);
        expect(await store.listVersions!("p", "local")).toEqual(
          new Map([
            ["l1", "v1"],
            ["l2", null],
          ]),
        );
        expect(await store.listVersions!("p", "remote")).toEqual(new Map([["r1", "v2"]]));
        expect(await store.listVersions!("other", "remote")).toEqual(new Map());
        await store.write([{ op: "confirm-slot", pairId: "p", slot: "remote" }]);
        expect(await store.hasUnconfirmed("p", "remote")).toBe(false);
        expect(await store.hasUnconfirmed("p", "local")).toBe(true);
        expect(await store.hasUnconfirmed("q", "remote")).toBe(true); // another pair keeps its marks
        expect((await store.listItems("p")).find((i) => i.uid === "new")).toEqual({ uid: "new", local: { ...slot("l2", null), unconfirmed: true }, remote: slot("r1", "v2") });
        expect(await store.hasUnconfirmed("nope", "local")).toBe(false);
      });
    });

    describe("journal", () => {
      it("keeps one entry per item and slot, in the order they started; ends one, clears all", async () => {
        const { store } = await make();
        const entry = (uid: string, slot: "local" | "remote", startedAt: string, op: JournalEntry["op"] = "create"): JournalEntry => ({
          pairId: "p",
          uid,
          slot,
          op,
          itemId: op === "create" ? null : `${uid}-id`,
          startedAt,
        });
        await store.write([{ op: "put-pair", pair }]);
        await store.write([
          { op: "journal-begin", entry: entry("a", "local", "2026-12-05T10:00:00.000Z") },
          { op: "journal-begin", entry: entry("a", "remote", "2026-12-05T10:00:01.000Z") },
          { op: "journal-begin", entry: entry("b", "local", "2026-12-05T10:00:02.000Z") },
        ]);
        await store.write([{ op: "journal-begin", entry: entry("a", "local", "2026-12-05T10:00:00.000Z", "update") }]);
        expect(await store.listJournal("p")).toEqual([
          entry("a", "local", "2026-12-05T10:00:00.000Z", "update"),
          entry("a", "remote", "2026-12-05T10:00:01.000Z"),
          entry("b", "local", "2026-12-05T10:00:02.000Z"),
        ]);
        await store.write([
          { op: "journal-end", pairId: "p", uid: "a", slot: "remote" },
          { op: "journal-end", pairId: "p", uid: "b", slot: "remote" }, // none: nothing happens
        ]);
        expect((await store.listJournal("p")).map((e) => `${e.uid}/${e.slot}`)).toEqual(["a/local", "b/local"]);
        await store.write([{ op: "journal-clear", pairId: "p" }]);
        expect(await store.listJournal("p")).toEqual([]);
      });

      it("applies a write's journal and item operations in their order: an entry begun and ended in one write is gone, one begun twice holds the last", async () => {
        const { store } = await make();
        const entry = (uid: string, startedAt: string, op: JournalEntry["op"] = "create"): JournalEntry => ({ pairId: "p", uid, slot: "local", op, itemId: null, startedAt });
        await store.write([{ op: "put-pair", pair }]);
        await store.write([
          { op: "journal-begin", entry: entry("a", "2026-12-05T10:00:00.000Z") },
          { op: "put-item", pairId: "p", item: { uid: "a", local: slot("l1"), remote: null } },
          { op: "journal-end", pairId: "p", uid: "a", slot: "local" },
          { op: "journal-begin", entry: entry("b", "2026-12-05T10:00:01.000Z") },
          { op: "journal-begin", entry: entry("b", "2026-12-05T10:00:02.000Z", "update") },
          { op: "put-item", pairId: "p", item: { uid: "b", local: slot("l2"), remote: null } },
          { op: "delete-item", pairId: "p", uid: "a" },
          { op: "put-item", pairId: "p", item: { uid: "a", local: slot("l3"), remote: null } },
          { op: "journal-clear", pairId: "p" },
          { op: "journal-begin", entry: entry("c", "2026-12-05T10:00:03.000Z") },
        ]);
        expect(await store.listJournal("p")).toEqual([entry("c", "2026-12-05T10:00:03.000Z")]);
        expect((await store.listItems("p")).map((i) => `${i.uid}:${i.local!.id}`).sort()).toEqual(["a:l3", "b:l2"]);
        await store.write([
          { op: "journal-begin", entry: entry("b", "2026-12-05T10:00:01.000Z") },
          { op: "journal-begin", entry: entry("b", "2026-12-05T10:00:04.000Z", "update") },
          { op: "clear-items", pairId: "p" },
          { op: "put-item", pairId: "p", item: { uid: "d", local: slot("l1"), remote: null } },
        ]);
        expect((await store.listJournal("p")).map((e) => `${e.uid}:${e.op}`)).toEqual(["c:create", "b:update"]);
        expect(await uids(store)).toEqual(["d"]);
      });

      it("reads back a journaled copy whose other slot holds the written text, and one whose other slot differs", async () => {
        const { store, connect } = await make();
        await store.write([{ op: "put-pair", pair }]);
        const text = "BEGIN:VCARD\r\nUID:u\r\nFN:A\r\nEND:VCARD\r\n";
        const detail = { written: { text, hash: "h" }, expectedVersion: null, writesOther: false, other: { id: "r1", version: "v", hash: "h", text } };
        const entry: JournalEntry = { pairId: "p", uid: "u", slot: "local", op: "create", itemId: null, startedAt: "2026-12-05T10:00:00.000Z", detail };
        const edited: JournalEntry = { ...entry, uid: "w", detail: { ...detail, other: { ...detail.other, id: "r2", text: text.replace("FN:A", "FN:B") } } };
        const deleted: JournalEntry = {
          ...entry,
          uid: "x",
          op: "delete",
          itemId: "l9",
          startedAt: "2026-12-05T10:00:01.000Z",
          detail: { written: null, expectedVersion: "v7", writesOther: true, otherWrite: { op: "delete", itemId: "r9", written: null, expectedVersion: "v8" }, other: null },
        };
        await store.write([{ op: "journal-begin", entry }, { op: "journal-begin", entry: edited }, { op: "journal-begin", entry: deleted }]);
        expect(await (await connect()).listJournal("p")).toEqual([entry, edited, deleted]);
      });

      it("reads back a journaled copy with a UID tag (both writes write one text), and a merge whose writes differ", async () => {
        const { store, connect } = await make();
        await store.write([{ op: "put-pair", pair }]);
        const text = "BEGIN:VCARD\r\nUID:u\r\nFN:A\r\nEND:VCARD\r\n";
        const tag = { op: "tag" as const, itemId: "r1", written: { text, hash: "h" }, expectedVersion: "v1", changed: [] };
        const create: JournalEntry = {
          pairId: "p",
          uid: "u",
          slot: "local",
          op: "create",
          itemId: null,
          startedAt: "2026-12-05T10:00:00.000Z",
          detail: { written: { text, hash: "h" }, expectedVersion: null, writesOther: true, otherWrite: tag, other: null },
        };
        const tagged: JournalEntry = {
          ...create,
          slot: "remote",
          op: "tag",
          itemId: "r1",
          detail: { written: { text, hash: "h" }, expectedVersion: "v1", changed: [], writesOther: true, otherWrite: { op: "create", itemId: null, written: { text, hash: "h" }, expectedVersion: null }, other: null },
        };
        const merged: JournalEntry = {
          ...create,
          uid: "m",
          op: "update",
          itemId: "l2",
          detail: {
            written: { text, hash: "h" },
            expectedVersion: "e",
            changed: [{ key: "FN", added: false }],
            writesOther: true,
            otherWrite: { op: "update", itemId: "r2", written: { text: text.replace("FN:A", "FN:B"), hash: "h2" }, expectedVersion: "f", changed: [{ key: "FN", added: true }] },
            other: null,
          },
        };
        // The same texts under other hashes (a normaliser that changed between two reads): each hash is kept.
        const rehashed: JournalEntry = { ...create, uid: "v", detail: { ...create.detail!, otherWrite: { ...tag, written: { text, hash: "h-other" } } } };
        const copied: JournalEntry = {
          ...create,
          uid: "w",
          detail: { written: { text, hash: "h" }, expectedVersion: null, writesOther: false, other: { id: "r3", version: "v", hash: "h-other", text, unconfirmed: true } },
        };
        await store.write([create, tagged, merged, rehashed, copied].map((entry) => ({ op: "journal-begin" as const, entry })));
        const back = await (await connect()).listJournal("p");
        expect(back.sort((a, b) => (a.uid + a.slot < b.uid + b.slot ? -1 : 1))).toEqual([merged, create, tagged, rehashed, copied]);
      });
    });

    describe("runs", () => {
      it("records runs, lists them newest first (with a limit), prunes to the newest kept, and refuses an unknown pair", async () => {
        const { store, connect } = await make({ runsKept: 3 });
        await store.write([{ op: "put-pair", pair }, { op: "put-pair", pair: { ...pair, id: "q" } }]);
        for (let n = 1; n <= 5; n++) await store.recordRun(run("p", n));
        await store.recordRun(run("q", 9));
        const other = await connect();
        expect(await other.listRuns("p")).toEqual([run("p", 5), run("p", 4), run("p", 3)]);
        expect(await other.listRuns("p", 1)).toEqual([run("p", 5)]);
        expect(await other.listRuns("p", 0)).toEqual([]);
        expect(await other.listRuns("q")).toEqual([run("q", 9)]);
        expect(await other.listRuns("nope")).toEqual([]);
        await expect(store.recordRun(run("nope", 1))).rejects.toMatchObject({ name: "StateError", code: "unknown-pair" });
        await store.write([{ op: "clear-items", pairId: "p" }]);
        expect(await store.listRuns("p")).toHaveLength(3);
      });
    });

    describe("pair leases", () => {
      const acquire = async (s: StateStore, owner: string, ttlMs = 10_000, pairId = "p"): Promise<PairLease> => {
        const answer = await s.acquireLease({ pairId, owner, ttlMs });
        if (!answer.acquired) throw new Error(`expected ${owner} to acquire; ${answer.holder.owner} holds it`);
        return answer.lease;
      };

      it("acquires a free lease with an expiry by the store's clock; a second owner is told who holds it", async () => {
        const { store: s, connect } = await make();
        const a = await acquire(s, "host-a", 10_000);
        expect(a).toEqual({ pairId: "p", owner: "host-a", token: 1, expiresAt: new Date(T0 + 10_000).toISOString() });
        expect(await s.getLease("p")).toEqual(a);
        const other = await connect();
        expect(await other.acquireLease({ pairId: "p", owner: "host-b", ttlMs: 10_000 })).toEqual({ acquired: false, holder: a });
        // Leases are per pair.
        expect((await other.acquireLease({ pairId: "q", owner: "host-b", ttlMs: 10_000 })).acquired).toBe(true);
        expect(await s.getLease("none")).toBeNull();
      });

      it("renewal extends the expiry and keeps the token; the lease then outlives its first TTL", async () => {
        const { store: s } = await make();
        const a = await acquire(s, "host-a", 10_000);
        clock += 8_000;
        const renewed = await s.renewLease(a, 10_000);
        expect(renewed).toEqual({ ...a, expiresAt: new Date(T0 + 18_000).toISOString() });
        clock += 8_000; // past the first expiry, within the renewed one
        expect((await s.acquireLease({ pairId: "p", owner: "host-b", ttlMs: 10_000 })).acquired).toBe(false);
      });

      it("an expired lease is taken over with a greater token; the old holder can neither renew nor write", async () => {
        const { store: s, connect } = await make();
        await s.write([{ op: "put-pair", pair }]);
        const a = await acquire(s, "host-a", 10_000);
        await s.write([{ op: "put-item", pairId: "p", item: { uid: "one", local: slot("l1"), remote: null } }], { lease: a });
        clock += 10_000; // expiresAt is exclusive
        expect(await s.getLease("p")).toBeNull();
        const other = await connect();
        const b = await acquire(other, "host-b", 10_000);
        expect(b.token).toBeGreaterThan(a.token);
        expect(await s.renewLease(a, 10_000)).toBeNull();
        const stale = s.write(
          [
            { op: "put-item", pairId: "p", item: { uid: "two", local: slot("l2"), remote: null } },
            { op: "set-cursors", pairId: "p", cursors: { local: "moved", remote: null }, pending: { local: [], remote: [] } },
          ],
          { lease: a },
        );
        await expect(stale).rejects.toMatchObject({ name: "StateError", code: "lease-lost" });
        await expect(stale).rejects.toThrow(/host-a.*host-b/);
        // Nothing of the refused write is there; the new holder writes.
        expect(await uids(s)).toEqual(["one"]);
        expect((await s.getPair("p"))!.cursors.local).toBeNull();
        await other.write([{ op: "put-item", pairId: "p", item: { uid: "two", local: slot("l2"), remote: null } }], { lease: b });
        expect(await uids(s)).toEqual(["one", "two"]);
        // The old holder's release does not free the new holder's lease.
        await s.releaseLease(a);
        expect(await s.getLease("p")).toEqual(b);
      });

      it("a late renewal of a lease nobody took over succeeds (expiry says when others may take it, the token who did)", async () => {
        const { store: s } = await make();
        await s.write([{ op: "put-pair", pair }]);
        const a = await acquire(s, "host-a", 10_000);
        clock += 15_000;
        const renewed = await s.renewLease(a, 10_000);
        expect(renewed).toEqual({ ...a, expiresAt: new Date(T0 + 25_000).toISOString() });
        await s.write([{ op: "put-item", pairId: "p", item: { uid: "one", local: slot("l1"), remote: null } }], { lease: a });
        expect((await s.acquireLease({ pairId: "p", owner: "host-b", ttlMs: 10_000 })).acquired).toBe(false);
      });

      it("release frees the lease at once; tokens keep growing across releases and unlinks", async () => {
        const { store: s } = await make();
        await s.write([{ op: "put-pair", pair }]);
        const a = await acquire(s, "host-a");
        await s.releaseLease(a);
        expect(await s.getLease("p")).toBeNull();
        const b = await acquire(s, "host-b");
        expect(b.token).toBe(a.token + 1);
        await expect(s.write([{ op: "clear-items", pairId: "p" }], { lease: a })).rejects.toMatchObject({ code: "lease-lost" });
        await s.releaseLease(b);
        await expect(s.write([{ op: "clear-items", pairId: "p" }], { lease: b })).rejects.toMatchObject({ code: "lease-lost" });
        await expect(s.write([{ op: "clear-items", pairId: "p" }], { lease: b })).rejects.toThrow(/released/);
        await expect(s.renewLease(b, 1_000)).resolves.toBeNull();
        // Unlinking the pair does not reset the counter (a stale holder of an old token stays fenced off).
        await s.write([{ op: "delete-pair", pairId: "p" }]);
        await s.write([{ op: "put-pair", pair }]);
        expect((await acquire(s, "host-c")).token).toBe(b.token + 1);
      });

      it("the same owner acquiring again (a restarted host with a fixed id) gets a new token; the old one is fenced off", async () => {
        const { store: s } = await make();
        await s.write([{ op: "put-pair", pair }]);
        const before = await acquire(s, "host-a");
        const after = await acquire(s, "host-a");
        expect(after.token).toBe(before.token + 1);
        await expect(s.write([{ op: "clear-items", pairId: "p" }], { lease: before })).rejects.toMatchObject({ code: "lease-lost" });
        await s.write([{ op: "clear-items", pairId: "p" }], { lease: after });
      });

      it("writes without a lease are unaffected; a bad request is a typed error naming the pair", async () => {
        const { store: s } = await make();
        await s.write([{ op: "put-pair", pair }]);
        await acquire(s, "host-a");
        await s.write([{ op: "put-item", pairId: "p", item: { uid: "x", local: slot("l"), remote: null } }]);
        await expect(s.acquireLease({ pairId: "p", owner: "", ttlMs: 1_000 })).rejects.toMatchObject({ code: "invalid-lease" });
        await expect(s.acquireLease({ pairId: "p", owner: "host-b", ttlMs: 0 })).rejects.toThrow(/pair p: lease ttlMs/);
        await expect(s.acquireLease({ pairId: "p", owner: "host-b", ttlMs: Number.NaN })).rejects.toBeInstanceOf(StateError);
        await expect(s.renewLease({ pairId: "p", owner: "host-a", token: 1, expiresAt: "" }, -1)).rejects.toMatchObject({ code: "invalid-lease" });
      });

      it("of many owners racing for one free lease, exactly one acquires it", async () => {
        const { store: s, connect } = await make();
        const stores = [s, await connect(), await connect()];
        const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => stores[i % 3]!.acquireLease({ pairId: "p", owner: `host-${i}`, ttlMs: 10_000 })));
        const winners = answers.filter((a) => a.acquired);
        expect(winners).toHaveLength(1);
        const winner = winners[0]!.acquired ? winners[0]!.lease : null;
        for (const a of answers) if (!a.acquired) expect(a.holder).toEqual(winner);
      });
    });
  });
}
