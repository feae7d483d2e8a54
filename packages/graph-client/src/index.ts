/**
 * `@ewsdav/graph-client`: a hand-written Microsoft Graph v1.0 client on `@ewsdav/http` — contact
 * folders and contacts (CRUD with If-Match), delta with the delta link as the cursor, JSON
 * batching, throttling (429/503/504 with Retry-After, 4 requests in flight per mailbox), typed
 * errors with Graph's error code, immutable ids.
 *
 * ```ts
 * const graph = new GraphClient({ getToken: provider.getToken, user: "alice@contoso.com" });
 * const round = await graph.contactsDelta(folderId, cursor);
 * ```
 * @packageDocumentation
 */
export {
  GraphClient, GRAPH_MAX_BATCH, type GraphBatchRequest, type GraphBatchResponse, type GraphClientOptions, type GraphDeltaResult, type GraphDeltaRound, type GraphReadOptions,
  type GraphWriteOptions,
} from "./client.js";
export {
  GraphClientError, GraphError, GraphInputError, GraphPreconditionFailedError, GraphSyncStateNotFoundError, GraphTransportError,
} from "./errors.js";
export type {
  GraphContact, GraphContactFolder, GraphContactInput, GraphConvertIdResult, GraphEmailAddress, GraphExchangeIdFormat, GraphPhysicalAddress,
  GraphSingleValueExtendedProperty,
} from "./model.js";
export {
  ConcurrencyLimiter, MAILBOX_CONCURRENCY, GraphTransport, type GraphHttpRequest, type GraphHttpResponse, type GraphTokenProvider, type GraphTokenRequest,
  type GraphTransportOptions, type GraphTransportStats,
} from "./transport.js";
export type {
  GraphBodyType, GraphDateTimeTimeZone, GraphDayOfWeek, GraphImportance, GraphItemBody, GraphPatternedRecurrence, GraphRecurrencePattern,
  GraphRecurrencePatternType, GraphRecurrenceRange, GraphRecurrenceRangeType, GraphWeekIndex,
} from "./model-common.js";
export type {
  GraphAttendee, GraphAttendeeType, GraphCalendar, GraphCalendarColor, GraphCalendarInput, GraphEvent, GraphEventAttachment, GraphEventInput, GraphEventType,
  GraphFreeBusyStatus, GraphLocation, GraphLocationType, GraphLocationUniqueIdType, GraphOnlineMeetingInfo, GraphOnlineMeetingProviderType, GraphOutlookGeoCoordinates,
  GraphPhone, GraphRecipient, GraphRemovedRow, GraphResponseStatus, GraphResponseType, GraphSensitivity, GraphTimeSlot,
} from "./model-calendar.js";
export {
  GRAPH_TODO_UID_EXTENSION, GRAPH_TODO_UID_EXTENSION_ID, todoTaskUid, todoUidExtension, type GraphChecklistItem, type GraphChecklistItemInput, type GraphLinkedResource,
  type GraphLinkedResourceInput, type GraphOpenTypeExtension, type GraphProfilePhoto, type GraphTaskStatus, type GraphTodoTask, type GraphTodoTaskInput, type GraphTodoTaskList,
  type GraphTodoTaskListInput, type GraphTodoUidExtension, type GraphWellknownListName,
} from "./model-todo.js";
// ---- change notifications and file attachments (C)
export type {
  GraphChangeNotification, GraphChangeNotificationCollection, GraphChangeType, GraphLifecycleEventType, GraphLifecycleNotification, GraphResourceData,
  GraphSubscription, GraphSubscriptionInput,
} from "./model-notifications.js";
export type { GraphAttachmentItem, GraphFileAttachment, GraphFileAttachmentInput, GraphTaskFileAttachment, GraphUploadSession } from "./model-attachments.js";
export {
  maxSubscriptionLifetimeMs, SubscriptionKeeper, type GraphSubscriptionApi, type SubscriptionKeeperEvents, type SubscriptionKeeperOptions,
} from "./notifications.js";
export { GraphWebhookReceiver, type GraphNotificationSink, type GraphWebhookReceiverOptions, type GraphWebhookStats } from "./webhook.js";
export {
  GRAPH_INLINE_ATTACHMENT_LIMIT, GRAPH_UPLOAD_CHUNK_UNIT, type GraphAnyFileAttachment, type GraphAttachmentFile, type GraphAttachmentParent,
  type GraphAttachmentUploadOptions,
} from "./attachments.js";
