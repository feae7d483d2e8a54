/**
 * The notification operations of EWS as XML: Subscribe (streaming and pull), GetEvents,
 * GetStreamingEvents, Unsubscribe, and the parsing of `Notification` elements into typed events.
 * Element order follows messages.xsd / types.xsd (BaseSubscriptionRequestType, NotificationType).
 * @module
 */
import { EwsInputError } from "../errors.js";
import { parseFolderId, parseItemId } from "../items/common-xml.js";
import type { FolderId, FolderReference, ItemId } from "../model/ids.js";
import { folderReferenceXml } from "../operations/paths.js";
import { child, childText, type XmlElement } from "../xml/parse.js";
import { xmlElement, xmlText } from "../xml/writer.js";

/** Event types one can subscribe to (types.xsd `NotificationEventTypeType`, without the `Event` suffix). */
export type NotificationEventType = "Copied" | "Created" | "Deleted" | "Modified" | "Moved" | "NewMail" | "FreeBusyChanged";

/** The event types a sync engine needs (default of both subscription kinds). */
export const SYNC_EVENT_TYPES: readonly NotificationEventType[] = ["Created", "Deleted", "Modified", "Moved", "Copied", "NewMail"];

/** One event of a notification. */
export interface NotificationEvent {
  /** The subscription it came from. */
  subscriptionId: string;
  /** The event type; `Status` is a pull heartbeat (no change). */
  type: NotificationEventType | "Status";
  /** The event's watermark (pull subscriptions; absent in streaming notifications). */
  watermark: string | undefined;
  /** When the change happened (ISO 8601), absent on Status events. */
  timeStamp: string | undefined;
  /** The item changed, for item events. */
  itemId: ItemId | undefined;
  /** The folder changed, for folder events. */
  folderId: FolderId | undefined;
  /** The folder holding the item or folder. */
  parentFolderId: FolderId | undefined;
  /** Moved/Copied: the old item id. */
  oldItemId: ItemId | undefined;
  /** Moved/Copied: the old folder id (folder events). */
  oldFolderId: FolderId | undefined;
  /** Moved/Copied: the old parent folder. */
  oldParentFolderId: FolderId | undefined;
  /** Modified folder events: the unread count. */
  unreadCount: number | undefined;
}

/** One parsed `Notification` element. */
export interface ParsedNotification {
  /** The subscription the notification belongs to (`t:SubscriptionId`). */
  subscriptionId: string;
  /** The watermark before the first event (`t:PreviousWatermark`, pull notifications). */
  previousWatermark: string | undefined;
  /** More events are waiting on the server (`t:MoreEvents`): call GetEvents again. */
  moreEvents: boolean;
  /** The events, in server order (Status heartbeats included). */
  events: NotificationEvent[];
}

const EVENT_ELEMENTS: Record<string, NotificationEvent["type"]> = {
  CopiedEvent: "Copied",
  CreatedEvent: "Created",
  DeletedEvent: "Deleted",
  ModifiedEvent: "Modified",
  MovedEvent: "Moved",
  NewMailEvent: "NewMail",
  StatusEvent: "Status",
  FreeBusyChangedEvent: "FreeBusyChanged",
};

function foldersXml(folders: readonly FolderReference[], item: string): string {
  if (folders.length === 0) throw new EwsInputError(item, "folders", "at least one folder is required (or subscribe to all folders)");
  return xmlElement("t:FolderIds", undefined, ...folders.map(folderReferenceXml));
}

function eventTypesXml(types: readonly NotificationEventType[], item: string): string {
  if (types.length === 0) throw new EwsInputError(item, "eventTypes", "at least one event type is required");
  return xmlElement("t:EventTypes", undefined, ...types.map((t) => xmlText("t:EventType", `${t}Event`)));
}

/** What to subscribe to. */
export interface SubscriptionTarget {
  /** Folders to watch (many at once). Ignored when `allFolders`. */
  folders: readonly FolderReference[];
  /** Watch every folder of the mailbox (`SubscribeToAllFolders`). */
  allFolders?: boolean;
  /** Event types (default {@link SYNC_EVENT_TYPES}). */
  eventTypes?: readonly NotificationEventType[];
}

/** `m:Subscribe` with a `StreamingSubscriptionRequest`. */
export function buildStreamingSubscribe(target: SubscriptionTarget): string {
  return xmlElement(
    "m:Subscribe",
    undefined,
    xmlElement(
      "m:StreamingSubscriptionRequest",
      target.allFolders ? { SubscribeToAllFolders: true } : undefined,
      target.allFolders ? "" : foldersXml(target.folders, "StreamingSubscription"),
      eventTypesXml(target.eventTypes ?? SYNC_EVENT_TYPES, "StreamingSubscription"),
    ),
  );
}

/** `m:Subscribe` with a `PullSubscriptionRequest` (timeout 1–1440 minutes; from `watermark` when given). */
export function buildPullSubscribe(target: SubscriptionTarget, timeoutMinutes: number, watermark?: string): string {
  if (!Number.isInteger(timeoutMinutes) || timeoutMinutes < 1 || timeoutMinutes > 1440) {
    throw new EwsInputError("PullSubscription", "timeoutMinutes", "must be an integer from 1 to 1440");
  }
  return xmlElement(
    "m:Subscribe",
    undefined,
    xmlElement(
      "m:PullSubscriptionRequest",
      target.allFolders ? { SubscribeToAllFolders: true } : undefined,
      target.allFolders ? "" : foldersXml(target.folders, "PullSubscription"),
      eventTypesXml(target.eventTypes ?? SYNC_EVENT_TYPES, "PullSubscription"),
      watermark !== undefined ? xmlText("t:Watermark", watermark) : "",
      xmlText("t:Timeout", timeoutMinutes),
    ),
  );
}

/** `m:GetEvents`. */
export function buildGetEvents(subscriptionId: string, watermark: string): string {
  return xmlElement("m:GetEvents", undefined, xmlText("m:SubscriptionId", subscriptionId), xmlText("m:Watermark", watermark));
}

/** `m:GetStreamingEvents` (connection timeout 1–30 minutes). */
export function buildGetStreamingEvents(subscriptionIds: readonly string[], connectionTimeoutMinutes: number): string {
  if (!Number.isInteger(connectionTimeoutMinutes) || connectionTimeoutMinutes < 1 || connectionTimeoutMinutes > 30) {
    throw new EwsInputError("StreamingSubscription", "connectionTimeoutMinutes", "must be an integer from 1 to 30");
  }
  if (subscriptionIds.length === 0) throw new EwsInputError("StreamingSubscription", "subscriptionIds", "at least one subscription is required");
  return xmlElement(
    "m:GetStreamingEvents",
    undefined,
    xmlElement("m:SubscriptionIds", undefined, ...subscriptionIds.map((id) => xmlText("t:SubscriptionId", id))),
    xmlText("m:ConnectionTimeout", connectionTimeoutMinutes),
  );
}

/** `m:Unsubscribe`. */
export function buildUnsubscribe(subscriptionId: string): string {
  return xmlElement("m:Unsubscribe", undefined, xmlText("m:SubscriptionId", subscriptionId));
}

function optionalFolder(e: XmlElement | undefined): FolderId | undefined {
  return e ? parseFolderId(e) : undefined;
}

/** Parses one `t:Notification` element. */
export function parseNotification(notification: XmlElement): ParsedNotification {
  const subscriptionId = childText(notification, "SubscriptionId") ?? "";
  const events: NotificationEvent[] = [];
  for (const e of notification.children) {
    const type = EVENT_ELEMENTS[e.name];
    if (!type) continue;
    const itemId = child(e, "ItemId");
    const oldItemId = child(e, "OldItemId");
    const unread = childText(e, "UnreadCount");
    events.push({
      subscriptionId,
      type,
      watermark: childText(e, "Watermark"),
      timeStamp: childText(e, "TimeStamp"),
      itemId: itemId ? parseItemId(itemId) : undefined,
      folderId: optionalFolder(child(e, "FolderId")),
      parentFolderId: optionalFolder(child(e, "ParentFolderId")),
      oldItemId: oldItemId ? parseItemId(oldItemId) : undefined,
      oldFolderId: optionalFolder(child(e, "OldFolderId")),
      oldParentFolderId: optionalFolder(child(e, "OldParentFolderId")),
      unreadCount: unread !== undefined ? Number(unread) : undefined,
    });
  }
  return {
    subscriptionId,
    previousWatermark: childText(notification, "PreviousWatermark"),
    moreEvents: childText(notification, "MoreEvents") === "true",
    events,
  };
}
