/**
 * Microsoft To Do over Graph: task lists, tasks (CRUD with `If-Match`), `tasks/delta` per list
 * with the `@odata.deltaLink` as the cursor, checklist items, linked resources, and ewsdav's UID in
 * the open extension {@link GRAPH_TODO_UID_EXTENSION} (see model-todo.ts for why there). Functions
 * over the shared {@link GraphRequester}; `GraphClient` delegates to them.
 *
 * Ids: a task's id is the Exchange item's REST id and changes when the task moves to another list
 * (Microsoft offers immutable ids for Outlook items, not for todoTask, so these requests never ask
 * for them: the ids are REST ids whatever the client's `immutableIds` option and whatever the
 * service does with the header); `translateExchangeIds(ids, "ewsId", "restId")` gives the To Do id
 * of a task known by its EWS id.
 * @module
 */
import { GraphError, GraphInputError } from "./errors.js";
import {
  GRAPH_TODO_UID_EXTENSION, todoUidExtension, type GraphChecklistItem, type GraphChecklistItemInput, type GraphLinkedResource, type GraphLinkedResourceInput,
  type GraphTodoTask, type GraphTodoTaskInput, type GraphTodoTaskList, type GraphTodoTaskListInput,
} from "./model-todo.js";
import type { GraphDeltaRound, GraphRequester } from "./requester.js";

/** What a task read can expand: `extensions` (ewsdav's UID among them), `checklistItems`, `linkedResources`. */
export type GraphTodoExpand = "extensions" | "checklistItems" | "linkedResources";

/** Options of a task read. */
export interface GraphTodoReadOptions {
  /** `$select`: the properties to return (id always comes). */
  readonly select?: readonly string[];
  /** `$expand`: default `["extensions"]`, so each task comes with its UID ({@link todoTaskUid}); `[]` expands nothing. */
  readonly expand?: readonly GraphTodoExpand[];
  /** `Prefer: outlook.timezone`: the zone (Windows or IANA) dateTimeTimeZone values come in (default UTC). */
  readonly timeZone?: string;
  /** Page size (`$top` for lists, `odata.maxpagesize` for delta). */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
}

/** Options of a task write. */
export interface GraphTodoWriteOptions {
  /** `If-Match`: the task's `@odata.etag`; a changed task answers 412 ({@link GraphPreconditionFailedError}). */
  readonly ifMatch?: string;
  readonly signal?: AbortSignal;
}

/** A delta round of one list's tasks. */
export type GraphTodoDeltaRound = GraphDeltaRound<GraphTodoTask>;

const DEFAULT_EXPAND: readonly GraphTodoExpand[] = ["extensions"];

function lists(r: GraphRequester, ...rest: string[]): URL {
  return r.url(r.path("todo", "lists", ...rest));
}

function readQuery(options: GraphTodoReadOptions, list: boolean): Record<string, string | undefined> {
  const expand = options.expand ?? DEFAULT_EXPAND;
  return {
    $select: options.select?.length ? options.select.join(",") : undefined,
    $expand: expand.length ? expand.join(",") : undefined,
    $top: list && options.pageSize !== undefined ? String(options.pageSize) : undefined,
  };
}

/**
 * The `Prefer` header of every To Do request: never `IdType="ImmutableId"` (To Do ids are REST ids,
 * whatever the client's option, so an id read here is the one `translateExchangeIds(…, "ewsId",
 * "restId")` gives), `outlook.timezone` (default UTC, the service's default) and, for delta pages,
 * `odata.maxpagesize`.
 */
function todoPrefer(timeZone: string | undefined, maxPageSize?: number): Record<string, string> {
  const parts = [`outlook.timezone="${(timeZone ?? "UTC").replace(/"/g, "")}"`, maxPageSize !== undefined ? `odata.maxpagesize=${maxPageSize}` : undefined];
  return { prefer: parts.filter((p): p is string => p !== undefined).join(", ") };
}

/** Headers of a To Do write: the To Do `Prefer` and `If-Match` when an etag is given. */
function writeHeaders(r: GraphRequester, options: GraphTodoWriteOptions): Record<string, string> {
  return { ...todoPrefer(undefined), ...r.ifMatch(options.ifMatch) };
}

/** Init of a To Do request without options of its own. */
const plain = (signal: AbortSignal | undefined) => ({ signal, headers: todoPrefer(undefined) });

// ------------------------------------------------------------ lists

/** Every To Do list of the mailbox (the default one has `wellknownListName` `defaultList`). */
export function listTodoLists(r: GraphRequester, options: { signal?: AbortSignal } = {}): Promise<GraphTodoTaskList[]> {
  return r.listAll(lists(r), options.signal, todoPrefer(undefined));
}

/** One list. */
export function getTodoList(r: GraphRequester, listId: string, options: { signal?: AbortSignal } = {}): Promise<GraphTodoTaskList> {
  return r.json("GET", lists(r, listId), plain(options.signal));
}

/** Creates a list. */
export function createTodoList(r: GraphRequester, list: GraphTodoTaskListInput, options: { signal?: AbortSignal } = {}): Promise<GraphTodoTaskList> {
  return r.json("POST", lists(r), { body: list, ...plain(options.signal) });
}

/** Renames a list. */
export function updateTodoList(r: GraphRequester, listId: string, patch: GraphTodoTaskListInput, options: { signal?: AbortSignal } = {}): Promise<GraphTodoTaskList> {
  return r.json("PATCH", lists(r, listId), { body: patch, ...plain(options.signal) });
}

/** Deletes a list and its tasks (the default list cannot be deleted). */
export async function deleteTodoList(r: GraphRequester, listId: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  await r.call("DELETE", lists(r, listId), plain(options.signal));
}

// ------------------------------------------------------------ tasks

/** Every task of a list, all pages (with their UID extension unless `expand` says otherwise). */
export function listTodoTasks(r: GraphRequester, listId: string, options: GraphTodoReadOptions = {}): Promise<GraphTodoTask[]> {
  return r.listAll(r.url(r.path("todo", "lists", listId, "tasks"), readQuery(options, true)), options.signal, todoPrefer(options.timeZone));
}

/** One task. */
export function getTodoTask(r: GraphRequester, listId: string, taskId: string, options: GraphTodoReadOptions = {}): Promise<GraphTodoTask> {
  return r.json("GET", r.url(r.path("todo", "lists", listId, "tasks", taskId), readQuery(options, false)), { signal: options.signal, headers: todoPrefer(options.timeZone) });
}

/**
 * Creates a task in a list; with `uid`, ewsdav's UID extension is created with it (in the same
 * request). Returns the task with its id and `@odata.etag`.
 */
export async function createTodoTask(r: GraphRequester, listId: string, task: GraphTodoTaskInput, options: { uid?: string; signal?: AbortSignal } = {}): Promise<GraphTodoTask> {
  if (options.uid !== undefined && task.extensions?.some((x) => x.extensionName === GRAPH_TODO_UID_EXTENSION)) {
    throw new GraphInputError("createTodoTask: the UID is given twice (uid and an extension)");
  }
  const body: GraphTodoTaskInput = options.uid !== undefined ? { ...task, extensions: [...(task.extensions ?? []), todoUidExtension(options.uid)] } : task;
  return r.json("POST", r.url(r.path("todo", "lists", listId, "tasks")), { body, ...plain(options.signal) });
}

/**
 * Changes a task (PATCH: the properties given replace the stored ones, `null` clears one);
 * `ifMatch` makes a changed task answer 412. Checklist items, linked resources and extensions of
 * an existing task change through their own functions.
 */
export async function updateTodoTask(r: GraphRequester, listId: string, taskId: string, patch: GraphTodoTaskInput, options: GraphTodoWriteOptions = {}): Promise<GraphTodoTask> {
  if (patch.checklistItems !== undefined || patch.linkedResources !== undefined || patch.extensions !== undefined) {
    throw new GraphInputError("updateTodoTask: checklistItems, linkedResources and extensions of an existing task change through their own collections");
  }
  return r.json("PATCH", r.url(r.path("todo", "lists", listId, "tasks", taskId)), { body: patch, signal: options.signal, headers: writeHeaders(r, options) });
}

/** Deletes a task; `ifMatch` makes a changed task answer 412. */
export async function deleteTodoTask(r: GraphRequester, listId: string, taskId: string, options: GraphTodoWriteOptions = {}): Promise<void> {
  await r.call("DELETE", r.url(r.path("todo", "lists", listId, "tasks", taskId)), { signal: options.signal, headers: writeHeaders(r, options) });
}

/**
 * One delta round of a list's tasks: from `cursor` (a previous round's delta link) or, without
 * one, every task; follows every next link and returns the changes (with their UID extension
 * unless `expand` says otherwise) and the round's delta link. A dropped sync state throws
 * `GraphSyncStateNotFoundError` (410): list the tasks in full (no cursor). A page with neither a
 * next nor a delta link is a cut answer, an error.
 */
export function todoTasksDelta(r: GraphRequester, listId: string, cursor: string | undefined, options: GraphTodoReadOptions = {}): Promise<GraphTodoDeltaRound> {
  const first = cursor !== undefined ? new URL(cursor) : r.url(r.path("todo", "lists", listId, "tasks", "delta"), { ...readQuery(options, false) });
  return r.deltaRound<GraphTodoTask>(first, { signal: options.signal, headers: todoPrefer(options.timeZone, options.pageSize) });
}

/**
 * Sets ewsdav's UID on an existing task (creates the extension, or changes it when the task has
 * one already).
 */
export async function setTodoTaskUid(r: GraphRequester, listId: string, taskId: string, uid: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  const base = r.path("todo", "lists", listId, "tasks", taskId, "extensions");
  try {
    await r.call("POST", r.url(base), { body: todoUidExtension(uid), ...plain(options.signal) });
  } catch (error) {
    if (!(error instanceof GraphError) || error.status !== 409) throw error;
    await r.call("PATCH", r.url(`${base}/${encodeURIComponent(GRAPH_TODO_UID_EXTENSION)}`), { body: { uid }, ...plain(options.signal) });
  }
}

// ------------------------------------------------------------ checklist items and linked resources

function sub(r: GraphRequester, listId: string, taskId: string, collection: string, ...rest: string[]): URL {
  return r.url(r.path("todo", "lists", listId, "tasks", taskId, collection, ...rest));
}

/** A task's checklist items (steps). */
export function listChecklistItems(r: GraphRequester, listId: string, taskId: string, options: { signal?: AbortSignal } = {}): Promise<GraphChecklistItem[]> {
  return r.listAll(sub(r, listId, taskId, "checklistItems"), options.signal, todoPrefer(undefined));
}

/** Adds a checklist item. */
export function createChecklistItem(r: GraphRequester, listId: string, taskId: string, item: GraphChecklistItemInput, options: { signal?: AbortSignal } = {}): Promise<GraphChecklistItem> {
  return r.json("POST", sub(r, listId, taskId, "checklistItems"), { body: item, ...plain(options.signal) });
}

/** Changes a checklist item. */
export function updateChecklistItem(r: GraphRequester, listId: string, taskId: string, itemId: string, patch: GraphChecklistItemInput, options: { signal?: AbortSignal } = {}): Promise<GraphChecklistItem> {
  return r.json("PATCH", sub(r, listId, taskId, "checklistItems", itemId), { body: patch, ...plain(options.signal) });
}

/** Deletes a checklist item. */
export async function deleteChecklistItem(r: GraphRequester, listId: string, taskId: string, itemId: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  await r.call("DELETE", sub(r, listId, taskId, "checklistItems", itemId), plain(options.signal));
}

/** A task's linked resources. */
export function listLinkedResources(r: GraphRequester, listId: string, taskId: string, options: { signal?: AbortSignal } = {}): Promise<GraphLinkedResource[]> {
  return r.listAll(sub(r, listId, taskId, "linkedResources"), options.signal, todoPrefer(undefined));
}

/** Adds a linked resource. */
export function createLinkedResource(r: GraphRequester, listId: string, taskId: string, resource: GraphLinkedResourceInput, options: { signal?: AbortSignal } = {}): Promise<GraphLinkedResource> {
  return r.json("POST", sub(r, listId, taskId, "linkedResources"), { body: resource, ...plain(options.signal) });
}

/** Deletes a linked resource. */
export async function deleteLinkedResource(r: GraphRequester, listId: string, taskId: string, resourceId: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  await r.call("DELETE", sub(r, listId, taskId, "linkedResources", resourceId), plain(options.signal));
}
