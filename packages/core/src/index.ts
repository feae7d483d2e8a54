/**
 * `@ewsdav/core`: the ewsdav sync engine — correlation state, plan → execute, the side and
 * store interfaces, an in-memory store and an in-memory side. The EWS, DAV and vdir sides and the
 * SQLite store are subpath exports (`@ewsdav/core/ews`, `/dav`, `/vdir`, `/sqlite`).
 * @packageDocumentation
 */
export * from "./engine/side.js";
export * from "./engine/state.js";
export * from "./engine/vobject.js";
export * from "./engine/normalise.js";
export * from "./engine/merge.js";
export * from "./engine/plan.js";
export * from "./engine/errors.js";
export * from "./engine/events.js";
export * from "./engine/report.js";
export { execute, runPool, chunk, type ActionOutcome, type ExecuteContext } from "./engine/execute.js";
export {
  runPairCycle, runPairCycleReporting, FULL_SCOPE, type CycleOptions, type CycleDeps, type CycleScope, type SafetyOptions, type SlotScope,
} from "./engine/cycle.js";
export { SyncWatch, type WatchOptions, type WatchTrigger, type WatchStatistics, type PairWatchStatus, type SideWatchStatus, type WatchHost } from "./engine/watch.js";
export { DEFAULT_LEASE_OPTIONS, defaultLeaseOwner, type LeaseOptions, type CycleLease } from "./engine/lease.js";
export * from "./engine/engine.js";
export { MemoryStateStore, type MemoryStateStoreOptions } from "./stores/memory.js";
export { MemorySide, type MemorySideOptions, type MemorySideCalls, type MemoryWrite } from "./sides/memory.js";
