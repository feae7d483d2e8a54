/**
 * EWS notifications: streaming (with reconnects, heartbeat watchdog and re-subscription) and pull
 * (with a persistable watermark).
 * @module
 */
export { NotificationConnection, type NotificationConnectionOptions, type OpenStream } from "./connection.js";
export { EnvelopeSplitter } from "./envelope-stream.js";
export {
  buildGetEvents,
  buildGetStreamingEvents,
  buildPullSubscribe,
  buildStreamingSubscribe,
  buildUnsubscribe,
  parseNotification,
  SYNC_EVENT_TYPES,
  type NotificationEvent,
  type NotificationEventType,
  type ParsedNotification,
  type SubscriptionTarget,
} from "./messages.js";
export { PullSubscription, type PullBatch, type PullOptions, type PullSubscriptionState } from "./pull.js";
export { StreamingSubscription, type StreamingItem, type StreamingOptions, type StreamingStatistics } from "./streaming.js";
