/**
 * `@ewsdav/core/fleet`: many mailboxes synced by a fleet of worker processes on PostgreSQL and
 * pg-boss (both optional peer dependencies: `pg`, `pg-boss`). See {@link Fleet}.
 * @module
 */
export { Fleet } from "./fleet/fleet.js";
export type { FleetOptions, WorkerOptions, SchedulerOptions, FleetAccount, PairSchedule, PairStatus, FleetHandle } from "./fleet/types.js";
export { FleetError, type FleetAccountConfig, type FleetEwsAccount, type FleetDavAccount, type FleetVdirAccount, type FleetEwsAuth, type FleetPairConfig, type FleetOAuthCommon, type FleetOAuthDelegated, type FleetOAuthAppOnly } from "./fleet/accounts.js";
export type { DeviceCodePrompt, TokenCacheInfo } from "./fleet/tokens.js";
export { KeyRing, FleetKeyError, FLEET_KEYS_ENV } from "./fleet/keys.js";
export { FLEET_MIGRATIONS } from "./fleet/schema.js";
export { backoffMs, type FleetRetryOptions, type JobDetails, type JobOutcome, type JobTrigger } from "./fleet/run.js";
export type { ActiveOptions, SubscriptionEvent } from "./fleet/active.js";
