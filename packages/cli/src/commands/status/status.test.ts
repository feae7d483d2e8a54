/**
 * The parts of `ewsdav status` and `unlink` that need no server: a run's lines (bounded lists say
 * how many more there were) and which config entry a linked pair came from.
 */
import { describe, expect, it } from "vitest";
import type { PairRecord, RunRecord } from "@ewsdav/core";
import { syncConfigSchema } from "../../config.js";
import { runLines } from "./run.js";
import { configEntryOf } from "./state-file.js";

const zero = { created: 0, updated: 0, deleted: 0, tagged: 0 };
const run: RunRecord = {
  pairId: "p",
  startedAt: "2026-12-05T10:00:00.000Z",
  finishedAt: "2026-12-05T10:00:02.000Z",
  trigger: "watch",
  dryRun: false,
  outcome: "items-failed",
  stop: null,
  counts: { local: { ...zero, created: 2 }, remote: { ...zero, updated: 1, tagged: 2 } },
  merged: 1,
  paired: 0,
  conflicts: 3,
  errors: [{ code: "rejected", slot: "remote", uid: "u1", id: "AAMk1", message: "refused" }],
  errorCount: 4,
  dropped: [{ slot: "remote", uid: "u2", id: "AAMk2", property: "IMPP", reason: "EWS has no field for it", on: "write" }],
  droppedCount: 1,
  codes: ["rejected"],
};

describe("ewsdav status lines", () => {
  it("prints a run's head, its errors and dropped properties by side name, and how many more errors there were", () => {
    expect(runLines(run, { local: "files", remote: "work" })).toEqual([
      "2026-12-05 10:00:00Z  watch  items-failed  files +2 ~0 -0 | work +0 ~1 -0 tag 2 | paired 0 merged 1 conflicts 3",
      "    error rejected work u1: refused",
      "    and 3 more errors",
      "    dropped by work: u2 [AAMk2] IMPP — EWS has no field for it",
    ]);
  });

  it("prints a stop without counts when nothing was written, with its code, cause and message", () => {
    const stopped: RunRecord = { ...run, outcome: "stopped", stop: { code: "feed-failed", cause: "EWS_UNAUTHORIZED", message: "pair p: HTTP 401" }, counts: { local: zero, remote: zero }, merged: 0, conflicts: 0, errors: [], errorCount: 0, dropped: [], droppedCount: 0 };
    expect(runLines(stopped, { local: "files", remote: "work" })).toEqual(["2026-12-05 10:00:00Z  watch  stopped (feed-failed, EWS_UNAUTHORIZED)", "    pair p: HTTP 401"]);
  });
});

describe("the config entry of a linked pair", () => {
  const config = syncConfigSchema.parse({
    state: "s.db",
    accounts: { work: { type: "vdir", path: "a" }, files: { type: "vdir", path: "b" } },
    pairs: [
      { id: "named", kind: "contacts", remote: { account: "work", folder: "Contacts" }, local: { account: "files", collection: "cards" } },
      { kind: "events", remote: { account: "work", folder: "Calendar" }, local: { account: "files", collection: "cal" } },
      { kind: "tasks", remote: { account: "work", folder: "Tasks" }, local: { account: "files", collection: "todo" } },
      { kind: "tasks", remote: { account: "work", folder: "Chores" }, local: { account: "files", collection: "chores" } },
    ],
  });
  const pair = (id: string, kind: PairRecord["kind"], local: string): PairRecord => ({
    id,
    kind,
    local: { side: "files", collection: local },
    remote: { side: "work", collection: "AAMk=" },
    cursors: { local: null, remote: null },
    pending: { local: [], remote: [] },
  });

  it("is found by id, by kind and accounts when only one entry fits, by the collection among several; else unknown", () => {
    expect(configEntryOf(config, pair("named", "contacts", "x"))).toBe(0);
    expect(configEntryOf(config, pair("pair-1", "events", "elsewhere"))).toBe(1);
    expect(configEntryOf(config, pair("pair-2", "tasks", "chores"))).toBe(3);
    expect(configEntryOf(config, pair("pair-3", "tasks", "other"))).toBeNull();
    expect(configEntryOf(null, pair("named", "contacts", "x"))).toBeNull();
  });
});
