/**
 * Microsoft To Do over Graph v1.0, as JSON: `todoTaskList`, `todoTask` (as read and as written),
 * `checklistItem`, `linkedResource`, the `taskStatus` and `wellknownListName` enums, and the one
 * open extension ewsdav writes on a task (`openTypeExtension` named {@link GRAPH_TODO_UID_EXTENSION}),
 * written from Microsoft's resource documentation and the v1.0 CSDL. Type-level conformance to
 * `@microsoft/microsoft-graph-types` is checked in model.typecheck.ts; the tests check every body
 * against the CSDL.
 *
 * Where a task's ewsdav UID lives over Graph: `todoTask` has no extended properties in v1.0, so
 * the UID lives in an open extension with the fixed name {@link GRAPH_TODO_UID_EXTENSION} and one
 * custom property, `uid` ({@link GraphTodoUidExtension}). It survives edits made in To Do, Outlook
 * and over EWS (the service keeps it in a MAPI named property of its own), but EWS does not show it
 * as ewsdav's UID property, and a task tagged over EWS does not show its UID property as this
 * extension: after a move from EWS to Graph a task is recognised by its id, translated with
 * `translateExchangeIds` (To Do task ids are the Exchange item ids in Graph's REST form; see
 * `GraphClient.translateExchangeIds`), and the Graph side writes the extension at its next write.
 * @module
 */
import type { GraphDateTimeTimeZone, GraphImportance, GraphItemBody, GraphPatternedRecurrence } from "./model-common.js";

/** `microsoft.graph.taskStatus`. */
export type GraphTaskStatus = "notStarted" | "inProgress" | "completed" | "waitingOnOthers" | "deferred";

/** `microsoft.graph.wellknownListName`: `defaultList` is the mailbox's default Tasks folder. */
export type GraphWellknownListName = "none" | "defaultList" | "flaggedEmails" | "unknownFutureValue";

/** The `extensionName` of the open extension that carries a task's ewsdav UID (fixed: one MAPI named property per mailbox). */
export const GRAPH_TODO_UID_EXTENSION = "ewsdav.uid";

/** The `id` Graph gives that extension: the extension type and its name. */
export const GRAPH_TODO_UID_EXTENSION_ID = `microsoft.graph.openTypeExtension.${GRAPH_TODO_UID_EXTENSION}`;

/** The open extension (`microsoft.graph.openTypeExtension`, an open type) that carries a task's ewsdav UID. */
export interface GraphTodoUidExtension {
  "@odata.type": "#microsoft.graph.openTypeExtension" | "microsoft.graph.openTypeExtension";
  /** Read-only: {@link GRAPH_TODO_UID_EXTENSION_ID}. */
  id?: string;
  extensionName: typeof GRAPH_TODO_UID_EXTENSION;
  /** The VTODO UID. */
  uid: string;
}

/** A `microsoft.graph.openTypeExtension` as read: its name and its custom properties. */
export interface GraphOpenTypeExtension {
  "@odata.type"?: string;
  id?: string;
  extensionName?: string;
  [custom: string]: unknown;
}

/** The writable properties of `microsoft.graph.checklistItem` (a step of a task). */
export interface GraphChecklistItemInput {
  displayName?: string | null;
  isChecked?: boolean | null;
  checkedDateTime?: string | null;
}

/** A `microsoft.graph.checklistItem` as read. */
export interface GraphChecklistItem extends GraphChecklistItemInput {
  id: string;
  /** `Edm.DateTimeOffset`, UTC. */
  createdDateTime?: string;
}

/** The writable properties of `microsoft.graph.linkedResource` (a link to the task's source). */
export interface GraphLinkedResourceInput {
  applicationName?: string | null;
  displayName?: string | null;
  externalId?: string | null;
  webUrl?: string | null;
}

/** A `microsoft.graph.linkedResource` as read. */
export interface GraphLinkedResource extends GraphLinkedResourceInput {
  id: string;
}

/**
 * The writable properties of `microsoft.graph.todoTask`. `checklistItems`, `linkedResources` and
 * `extensions` may be given when a task is created (Graph creates them with it); afterwards they
 * are changed through their own collections.
 */
export interface GraphTodoTaskInput {
  title?: string | null;
  body?: GraphItemBody | null;
  categories?: string[] | null;
  importance?: GraphImportance;
  status?: GraphTaskStatus;
  isReminderOn?: boolean;
  reminderDateTime?: GraphDateTimeTimeZone | null;
  startDateTime?: GraphDateTimeTimeZone | null;
  dueDateTime?: GraphDateTimeTimeZone | null;
  completedDateTime?: GraphDateTimeTimeZone | null;
  recurrence?: GraphPatternedRecurrence | null;
  checklistItems?: GraphChecklistItemInput[] | null;
  linkedResources?: GraphLinkedResourceInput[] | null;
  extensions?: GraphTodoUidExtension[] | null;
}

/** A `microsoft.graph.todoTask` as read (every property optional: `$select` trims them). */
export interface GraphTodoTask extends Omit<GraphTodoTaskInput, "checklistItems" | "linkedResources" | "extensions"> {
  id: string;
  "@odata.etag"?: string;
  createdDateTime?: string;
  lastModifiedDateTime?: string;
  bodyLastModifiedDateTime?: string;
  hasAttachments?: boolean | null;
  /** With `$expand=checklistItems`. */
  checklistItems?: GraphChecklistItem[] | null;
  /** With `$expand=linkedResources`. */
  linkedResources?: GraphLinkedResource[] | null;
  /** With `$expand=extensions`: ewsdav's {@link GraphTodoUidExtension} among others'. */
  extensions?: GraphOpenTypeExtension[] | null;
}

/** The writable properties of `microsoft.graph.todoTaskList`. */
export interface GraphTodoTaskListInput {
  displayName?: string | null;
}

/** A `microsoft.graph.todoTaskList`: a Tasks folder of the mailbox. */
export interface GraphTodoTaskList extends GraphTodoTaskListInput {
  id: string;
  "@odata.etag"?: string;
  isOwner?: boolean;
  isShared?: boolean;
  wellknownListName?: GraphWellknownListName;
}

/** The ewsdav UID a task carries in {@link GRAPH_TODO_UID_EXTENSION} (read with `$expand=extensions`), or undefined. */
export function todoTaskUid(task: Pick<GraphTodoTask, "extensions">): string | undefined {
  for (const extension of task.extensions ?? []) {
    if (extension.extensionName === GRAPH_TODO_UID_EXTENSION || extension.id === GRAPH_TODO_UID_EXTENSION_ID) {
      return typeof extension.uid === "string" && extension.uid !== "" ? extension.uid : undefined;
    }
  }
  return undefined;
}

/** The open extension that stores `uid` on a task (in a create body's `extensions`, or POSTed to the task's `extensions`). */
export function todoUidExtension(uid: string): GraphTodoUidExtension {
  return { "@odata.type": "microsoft.graph.openTypeExtension", extensionName: GRAPH_TODO_UID_EXTENSION, uid };
}

/** `microsoft.graph.profilePhoto`: a contact photo's metadata (its bytes are at `photo/$value`). */
export interface GraphProfilePhoto {
  id: string;
  "@odata.mediaContentType"?: string;
  "@odata.mediaEtag"?: string;
  height?: number | null;
  width?: number | null;
}
