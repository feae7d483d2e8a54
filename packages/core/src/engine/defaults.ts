/**
 * Every default of the engine in one place: the policies, the safety thresholds, how many pairs
 * sync at once, how often a cycle re-plans items that changed under it, the pair lease and the
 * timings of active mode. The options that override them are documented where they are taken
 * (`SyncEngineOptions`, `LeaseOptions`, `WatchOptions`).
 *
 * @module
 */
import type { ConflictPolicy } from "./merge.js";
import type { SafetyOptions } from "./scope.js";

/** The default policies: a property changed on both sides keeps the remote value; a modification survives a deletion; missing UIDs are written back. */
export const DEFAULT_POLICY: Readonly<{ conflict: ConflictPolicy; deleteVersusModify: "modification-wins" | "deletion-wins"; tagWrites: boolean }> = {
  conflict: "remote-wins",
  deleteVersusModify: "modification-wins",
  tagWrites: true,
};

/** The default safety thresholds: a cycle stops before deleting more than 20 % and more than 10 of a side's known items. */
export const DEFAULT_SAFETY: Readonly<SafetyOptions> = { massDeleteRatio: 0.2, massDeleteMinimum: 10, emptiedMinimum: 3 };

/** How many pairs `runOnce()` syncs at once by default. */
export const DEFAULT_PAIR_CONCURRENCY = 1;

/** How many times an item that changed under a write is re-read and re-planned in the same cycle. */
export const REPLAN_ROUNDS = 2;

/** The defaults of the pair lease: 60 s to live (renewed every third of it), 30 s to wait for a pair another process holds. */
export const DEFAULT_LEASE_OPTIONS: Readonly<{ ttlMs: number; waitMs: number }> = { ttlMs: 60_000, waitMs: 30_000 };

/** The default timings of active mode (`SyncEngine.watch`), in milliseconds, and its item limit. */
export const DEFAULT_WATCH_SETTINGS: Readonly<{
  pollIntervalMs: number;
  fullCycleIntervalMs: number;
  debounceMs: number;
  maxDelayMs: number;
  maxItemsPerCycle: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  pushRetryMs: number;
}> = {
  pollIntervalMs: 5_000,
  fullCycleIntervalMs: 15 * 60_000,
  debounceMs: 100,
  maxDelayMs: 2_000,
  maxItemsPerCycle: 200,
  retryDelayMs: 1_000,
  maxRetryDelayMs: 5 * 60_000,
  pushRetryMs: 60_000,
};
