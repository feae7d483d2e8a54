/**
 * `@ewsdav/core`: the ewsdav sync engine — correlation state, plan → execute, the side and
 * store interfaces, an in-memory store and an in-memory side. The EWS, DAV and vdir sides and the
 * SQLite store are subpath exports (`@ewsdav/core/ews`, `/dav`, `/vdir`, `/sqlite`).
 *
 * The public surface: the engine ({@link SyncEngine}, its options, active mode), the contracts a
 * side or a store implements (`SyncSide` and its notices, `StateStore` and its records, journal and
 * leases), the cycle's scopes and options, reports, events, errors, the defaults, and the memory
 * doubles. How a cycle runs inside (the planner, the executor, the journal's resume rules) is not
 * exported: it may change without a breaking release (see docs/engine.md).
 * @packageDocumentation
 */
// The engine.
export * from "./engine/engine.js";
export { SyncWatch, type WatchOptions, type WatchStatistics, type PairWatchStatus, type SideWatchStatus } from "./engine/watch.js";
export { FULL_SCOPE, type CycleOptions, type CycleScope, type SafetyOptions, type SlotScope } from "./engine/scope.js";
export { DEFAULT_LEASE_OPTIONS, DEFAULT_PAIR_CONCURRENCY, DEFAULT_POLICY, DEFAULT_SAFETY, DEFAULT_WATCH_SETTINGS } from "./engine/defaults.js";
export { defaultLeaseOwner, type LeaseOptions } from "./engine/lease.js";
// The contracts: sides (with their notices) and stores.
export * from "./engine/side.js";
export * from "./engine/state.js";
// Items as the engine compares them: vobjects, normalisers, conflict policies.
// The line-level toolkit itself is @ewsdav/vobject; core exports only the normaliser contract.
export { defaultNormaliser, type Normaliser, type NormaliserByKind } from "./engine/normalise.js";
export type { ConflictPolicy, ConflictResolver, PropertyConflict, ResolvedConflict } from "./engine/merge.js";
export type { Action, ActionKind, Write } from "./engine/plan.js";
// Reports, events, errors.
export { emptyPairReport, emptySideReport, summarise, type ItemError, type ItemRef, type PairReport, type SideReport, type SyncReport } from "./engine/report.js";
export * from "./engine/events.js";
export * from "./engine/errors.js";
// The memory doubles.
export { MemoryStateStore, type MemoryStateStoreOptions } from "./stores/memory.js";
export { MemorySide, type MemorySideOptions, type MemorySideCalls, type MemoryWrite } from "./sides/memory.js";
