/**
 * `@ewsdav/graph-simulator`: a Microsoft Graph v1.0 simulator over HTTP for tests, over the same
 * mailbox records as the EWS simulator, so one mailbox answers both protocols.
 *
 * ```ts
 * const ews = await startEwsSimulator();
 * const graph = await startGraphSimulator({ mailbox: (a) => ews.mailbox(a), tokens: { t1: "alice@example.com" } });
 * // GET graph.url + "/me/contacts" with Authorization: Bearer t1
 * ```
 * @packageDocumentation
 */
export {
  startGraphSimulator, type GraphRequestRecord, type GraphSimulator, type GraphSimulatorOptions, type GraphThrottleRule, type GraphRewriteRule,
} from "./server.js";
export { GraphSimError } from "./errors.js";
// Conformance to the Graph v1.0 CSDL, for tests of the simulator and of clients.
export { checkExchanges, graphSchemaPath, loadGraphSchema, type GraphSchema, type LoggedExchange } from "./csdl.js";
// Change notifications and file attachments (C).
export type { GraphNotificationHooks, SimLifecycleEvent } from "./subscriptions.js";
export type { GraphDeliveryRecord, GraphNotificationOptions } from "./notify.js";
export { INLINE_ATTACHMENT_LIMIT } from "./attachments.js";
