/**
 * An upgrade after a crash: a process of the previous release (SQLite schema 8) dies with side
 * effects journaled in that release's form — full texts, a copy's other slot left out only when it
 * is the written text (`otherTextWritten`), records holding both slots' texts — and the new release
 * opens the database (migration 9), reads the same journal entries, resumes them and converges with
 * no duplicate and no loss.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { vcard } from "../fixtures.test-support.js";
import { MemorySide } from "../sides/memory.js";
import { SQLITE_MIGRATIONS, SqliteStateStore } from "../stores/sqlite.js";
import { parseDetail } from "../stores/sql-rows.js";
import { SyncEngine } from "./engine.js";
import type { JournalDetail, JournalEntry, StateStore } from "./state.js";

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** The stored form of a journal detail as schema 8 writes it (the release before migration 9). */
function schema8Detail(detail: JournalDetail): string {
  if (detail.other && detail.written && detail.other.text === detail.written.text) {
    const { text: _, ...other } = detail.other;
    return JSON.stringify({ ...detail, other, otherTextWritten: true });
  }
  return JSON.stringify(detail);
}

/** A store whose process dies at the first write that would record a finished action: what was committed before stays. */
function dying(inner: StateStore): StateStore {
  let dead = false;
  return new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (key === "write") {
        return (ops: Parameters<StateStore["write"]>[0], options?: Parameters<StateStore["write"]>[1]) => {
          if (!dead && ops.some((op) => op.op === "journal-end")) dead = true;
          return dead ? Promise.reject(new Error("killed")) : target.write(ops, options);
        };
      }
      if (key === "recordRun" || key === "releaseLease" || key === "renewLease") {
        return (...a: unknown[]) => (dead ? Promise.reject(new Error("killed")) : (value as (...x: unknown[]) => unknown).apply(target, a));
      }
      return (value as (...x: unknown[]) => unknown).bind(target);
    },
  });
}

function world(): { local: MemorySide; remote: MemorySide } {
  const local = new MemorySide({ name: "local", maxBatch: 2 });
  const remote = new MemorySide({ name: "remote", maxBatch: 2 });
  local.addCollection("c", "contacts");
  remote.addCollection("c", "contacts");
  // Cards with a UID are copied as they are; cards without one are copied with a UID and tagged.
  for (let i = 0; i < 6; i++) local.put("c", vcard(`u${i}`, { FN: `With ${i}`, NOTE: "n".repeat(40) }));
  for (let i = 0; i < 5; i++) local.put("c", vcard(null, { FN: `Without ${i}`, NOTE: "m".repeat(40) }));
  for (let i = 0; i < 3; i++) remote.put("c", vcard(`r${i}`, { FN: `Remote ${i}` }));
  return { local, remote };
}

const texts = (side: MemorySide) => side.items("c").map((i) => i.text).sort();

describe("resume after an upgrade", () => {
  it("a journal written in schema 8's form (full texts) resumes under schema 9 with no duplicate and no loss", async () => {
    const folder = mkdtempSync(join(tmpdir(), "ewsdav-upgrade-"));
    folders.push(folder);
    const path = join(folder, "state.db");
    const { local, remote } = world();
    const first = new SqliteStateStore(path);
    const engine = new SyncEngine({ store: dying(first), sides: [local, remote], lease: { owner: "host" } });
    await engine.link({ id: "p", kind: "contacts", local: { side: "local", collection: "c" }, remote: { side: "remote", collection: "c" } });
    await engine.runOnce().catch(() => undefined);
    const journal = await first.listJournal("p");
    await first.close();
    expect(journal.length).toBeGreaterThan(0);
    // Side effects of the journaled actions happened (copies made) and were not recorded.
    expect(remote.items("c").length).toBeGreaterThan(3);
    // Both forms the new release writes once are in this journal: a copy, and a copy with a UID tag.
    expect(journal.some((e) => e.detail?.other && e.detail.other.text === e.detail.written?.text)).toBe(true);
    expect(journal.some((e) => e.detail?.otherWrite?.written && e.detail.otherWrite.written.text === e.detail.written?.text)).toBe(true);

    // The database as the previous release leaves it: schema 8, journal details and records in full.
    const raw = new Database(path);
    const rows = raw.prepare("SELECT uid, slot, detail FROM journal").all() as Array<{ uid: string; slot: string; detail: string }>;
    const rewrite = raw.prepare("UPDATE journal SET detail = ? WHERE uid = ? AND slot = ?");
    let twice = 0;
    for (const row of rows) {
      const old = schema8Detail(parseDetail(row.detail));
      const text = parseDetail(row.detail).written?.text;
      if (text && old.split(JSON.stringify(text)).length === 3) twice++;
      rewrite.run(old, row.uid, row.slot);
    }
    expect(twice).toBeGreaterThan(0);
    raw.exec("UPDATE items SET remote_text = local_text WHERE remote_id IS NOT NULL AND remote_text IS NULL");
    raw.exec("UPDATE items SET remote_hash = local_hash WHERE remote_id IS NOT NULL AND remote_hash IS NULL");
    raw.pragma("user_version = 8");
    raw.close();

    const upgraded = new SqliteStateStore(path);
    expect(upgraded.schemaVersion).toBe(SQLITE_MIGRATIONS.length);
    const sorted = (list: JournalEntry[]) => [...list].sort((a, b) => (a.uid + a.slot < b.uid + b.slot ? -1 : 1));
    expect(sorted(await upgraded.listJournal("p"))).toEqual(sorted(journal));
    const resumed = await new SyncEngine({ store: upgraded, sides: [local, remote], lease: { owner: "host" } }).runOnce();
    expect(resumed.ok).toBe(true);
    expect(await upgraded.listJournal("p")).toEqual([]);
    const quiet = await new SyncEngine({ store: upgraded, sides: [local, remote], lease: { owner: "host" } }).runOnce();
    const writes = quiet.pairs.reduce((n, p) => n + p.local.created.length + p.local.updated.length + p.remote.created.length + p.remote.updated.length, 0);
    expect(writes).toBe(0);
    await upgraded.close();

    // The same as a run that never crashed: every card once on each side, with the same texts.
    const reference = world();
    const store = new SqliteStateStore(join(folder, "reference.db"));
    const clean = new SyncEngine({ store, sides: [reference.local, reference.remote] });
    await clean.link({ id: "p", kind: "contacts", local: { side: "local", collection: "c" }, remote: { side: "remote", collection: "c" } });
    expect((await clean.runOnce()).ok).toBe(true);
    await store.close();
    expect(local.items("c")).toHaveLength(14);
    expect(remote.items("c")).toHaveLength(14);
    expect(texts(local)).toEqual(texts(reference.local));
    expect(texts(remote)).toEqual(texts(reference.remote));
  });
});
