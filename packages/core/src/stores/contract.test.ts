/**
 * The {@link StateStore} contract (contract.test-support.ts) on the in-process stores: memory,
 * SQLite on better-sqlite3, and SQLite on the runtime's `node:sqlite` where the runtime has it
 * (registered there, absent elsewhere). PostgreSQL runs the same suite in
 * packages/core/test/postgres.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll } from "vitest";
import { MemoryStateStore } from "./memory.js";
import { loadNodeSqlite } from "./node-sqlite.js";
import { SqliteStateStore } from "./sqlite.js";
import { describeStateStoreContract } from "./contract.test-support.js";

describeStateStoreContract("memory", {
  async fresh() {
    let store: MemoryStateStore | undefined;
    // Every connection to a memory store is the store itself.
    return { open: async (options) => (store ??= new MemoryStateStore(options)) };
  },
});

/** The folders of the SQLite files, removed when the file's tests are done. */
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

const sqlite = (driver: "node:sqlite" | typeof Database) => ({
  async fresh() {
    const folder = mkdtempSync(join(tmpdir(), "ewsdav-contract-"));
    folders.push(folder);
    const path = join(folder, "state.db");
    return { open: async (options: { now: () => number; runsKept?: number }) => new SqliteStateStore({ path, driver, ...options }) };
  },
});

describeStateStoreContract("SQLite, better-sqlite3", sqlite(Database));
if (loadNodeSqlite() !== null) describeStateStoreContract("SQLite, node:sqlite", sqlite("node:sqlite"));
