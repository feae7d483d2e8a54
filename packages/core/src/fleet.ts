/**
 * `@ewsdav/core/fleet`: many mailboxes synced by a fleet of worker processes on PostgreSQL and
 * pg-boss (both optional peer dependencies: `pg`, `pg-boss`). See {@link Fleet}.
 * @module
 */
export { Fleet, type FleetOptions, type WorkerOptions, type SchedulerOptions, type FleetAccount, type PairSchedule, type PairStatus, type FleetHandle } from "./fleet/fleet.js";
export { FleetError, type FleetAccountConfig, type FleetEwsAccount, type FleetDavAccount, type FleetVdirAccount, type FleetEwsAuth, type FleetPairConfig } from "./fleet/accounts.js";
export { KeyRing, FleetKeyError, FLEET_KEYS_ENV } from "./fleet/keys.js";
export { FLEET_MIGRATIONS } from "./fleet/schema.js";
export { backoffMs, type FleetRetryOptions, type JobDetails, type JobOutcome, type JobTrigger } from "./fleet/run.js";
export type { ActiveOptions, SubscriptionEvent } from "./fleet/active.js";
