/**
 * The Graph client of one mailbox: contact folders and contacts (CRUD with `If-Match`), paging
 * through `@odata.nextLink`, `contacts/delta` per folder with the `@odata.deltaLink` as the cursor,
 * JSON batching, `translateExchangeIds`, `Prefer: IdType="ImmutableId"`. Every answer is checked
 * for the shape it must have: an answer without its `value`, or a delta page with neither a next
 * nor a delta link, is an error, never a complete listing.
 */
import { parseRetryAfter } from "@ewsdav/http";
import { GraphInputError, GraphTransportError, graphErrorOf } from "./errors.js";
import * as calendar from "./calendar.js";
import type { GraphCalendarViewRound, GraphEventReadOptions, GraphEventWriteOptions, GraphTimeWindow } from "./calendar.js";
import type { GraphCalendar, GraphCalendarInput, GraphEvent, GraphEventInput } from "./model-calendar.js";
import type { GraphContact, GraphContactFolder, GraphContactInput, GraphConvertIdResult, GraphExchangeIdFormat } from "./model.js";
import { asObject, GraphRequester, type GraphDeltaRound, type GraphReadOptions } from "./requester.js";
import type { ConcurrencyLimiter, GraphTokenProvider, GraphTransport, GraphTransportOptions } from "./transport.js";
import * as attachments from "./attachments.js";
import type { GraphAnyFileAttachment, GraphAttachmentFile, GraphAttachmentParent, GraphAttachmentUploadOptions } from "./attachments.js";
import type { GraphSubscription, GraphSubscriptionInput } from "./model-notifications.js";
import * as notifications from "./notifications.js";
import type {
  GraphChecklistItem, GraphChecklistItemInput, GraphLinkedResource, GraphLinkedResourceInput, GraphProfilePhoto, GraphTodoTask, GraphTodoTaskInput, GraphTodoTaskList,
  GraphTodoTaskListInput,
} from "./model-todo.js";
import * as photos from "./photos.js";
import type { GraphContactPhoto } from "./photos.js";
import * as todo from "./todo.js";
import type { GraphTodoDeltaRound, GraphTodoReadOptions, GraphTodoWriteOptions } from "./todo.js";

export type { GraphDeltaRound, GraphReadOptions } from "./requester.js";

/** Options of {@link GraphClient}. */
export interface GraphClientOptions extends Omit<GraphTransportOptions, "getToken" | "limiter"> {
  /** The service root (default `https://graph.microsoft.com/v1.0`). */
  readonly baseUrl?: string;
  /** The mailbox: a user principal name or object id (`/users/{user}`), or undefined for `/me` (delegated tokens). */
  readonly user?: string;
  /** The limiter's key for `/me` (default `me`); set it to the signed-in address when several clients share a mailbox. */
  readonly mailboxKey?: string;
  /** Bearer tokens. */
  readonly getToken: GraphTokenProvider;
  /** Ask for immutable ids (`Prefer: IdType="ImmutableId"`, default true): ids that survive moves. */
  readonly immutableIds?: boolean;
  /** The concurrency limiter (default the process-wide one, 4 per mailbox). */
  readonly limiter?: ConcurrencyLimiter;
}

/** Options of a write. */
export interface GraphWriteOptions {
  /** `If-Match`: the `@odata.etag` read with the item; a changed item answers 412. */
  readonly ifMatch?: string;
  readonly signal?: AbortSignal;
}

/** A delta round of contacts ({@link GraphClient.contactsDelta}). */
export type GraphDeltaResult = GraphDeltaRound<GraphContact>;

/** One request of a batch. */
export interface GraphBatchRequest {
  /** Unique in the batch. */
  readonly id: string;
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Relative to the service root, e.g. `/me/contacts/{id}` (see {@link GraphClient.path}). */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Ids of earlier requests this one waits for (it is not run when one of them fails: 424). */
  readonly dependsOn?: readonly string[];
}

/**
 * One answer of a batch. A member whose content type is JSON (or that names none) carries its
 * parsed JSON in `body`; any other member (a photo's or an attachment's `$value`) carries its bytes
 * in `bytes`, decoded from the base64 string Graph sends for it, and no `body`. A member whose
 * bytes cannot be read (a body that is not a base64 string) carries neither, and says why in
 * `malformed`: a failed answer for that member, never an empty one.
 */
export interface GraphBatchResponse {
  readonly id: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The member's JSON body (undefined for a member that carries `bytes`, or none). */
  readonly body: unknown;
  /** The member's bytes, for a member whose content type is not JSON. */
  readonly bytes?: Buffer;
  /** Why the member's body could not be read (then neither `body` nor `bytes` is set). */
  readonly malformed?: string;
  /** Graph's error code when the status is an error. */
  readonly errorCode?: string;
}

/** Whether a content type is JSON (`application/json`, `application/…+json`, with or without parameters). */
function isJsonType(contentType: string): boolean {
  return /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType.trim());
}

/** Standard base64 (RFC 4648 §4), padded, as Graph encodes a batch member's binary body. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A batch member's body as the caller sees it. Graph's JSON batching answers a member whose
 * answer is not JSON (an image, a file's content) with its body base64-encoded and the member's
 * own `Content-Type` in its headers (Microsoft Graph docs, "Combine multiple HTTP requests using
 * JSON batching", learn.microsoft.com/graph/json-batching: the response format, and its example
 * of an image read in a batch; Microsoft Q&A 1352007 calls a base64 member body by design): those bytes are
 * decoded here, and only there — a JSON member's string body stays a string.
 */
function memberBody(headers: Readonly<Record<string, string>>, body: unknown): Pick<GraphBatchResponse, "body" | "bytes" | "malformed"> {
  const contentType = Object.entries(headers).find(([k]) => k.toLowerCase() === "content-type")?.[1];
  if (body === undefined || contentType === undefined || isJsonType(contentType)) return { body };
  if (typeof body !== "string") return { body: undefined, malformed: `a ${contentType} body that is not a base64 string` };
  const compact = body.replace(/\s+/g, "");
  if (!BASE64.test(compact)) return { body: undefined, malformed: `a ${contentType} body that is not valid base64` };
  return { body: undefined, bytes: Buffer.from(compact, "base64") };
}

/** The most requests a batch may hold. */
export const GRAPH_MAX_BATCH = 20;

/** The Graph client of one mailbox; see the module comment. */
export class GraphClient {
  /** The request layer the areas share (internal: not part of the package's exports). */
  private readonly r: GraphRequester;

  constructor(options: GraphClientOptions) {
    this.r = new GraphRequester(options);
  }

  /** The transport (its `stats` count requests and retries). */
  get transport(): GraphTransport {
    return this.r.transport;
  }

  /** The service root the client addresses, e.g. `https://graph.microsoft.com/v1.0`. */
  get serviceRoot(): string {
    return this.r.root.href;
  }

  /** Closes the connection pool. */
  close(): Promise<void> {
    return this.r.transport.close();
  }

  /** A path under the mailbox, relative to the service root (for batch requests): `path("contacts", id)` → `/me/contacts/{id}`. */
  path(...segments: string[]): string {
    return this.r.path(...segments);
  }

  // ------------------------------------------------------------ contact folders

  /** The contact folders under `parentId` (default: under the default Contacts folder). */
  listContactFolders(parentId?: string, options: { signal?: AbortSignal } = {}): Promise<GraphContactFolder[]> {
    const path = parentId === undefined ? this.r.path("contactFolders") : this.r.path("contactFolders", parentId, "childFolders");
    return this.r.listAll(this.r.url(path), options.signal);
  }

  /** One contact folder. */
  async getContactFolder(id: string, options: { signal?: AbortSignal } = {}): Promise<GraphContactFolder> {
    return asObject((await this.r.call("GET", this.r.url(this.r.path("contactFolders", id)), options)).body, "GET contactFolder") as unknown as GraphContactFolder;
  }

  /** Creates a contact folder (under the default Contacts folder, or `parentId`). */
  async createContactFolder(displayName: string, parentId?: string, options: { signal?: AbortSignal } = {}): Promise<GraphContactFolder> {
    const path = parentId === undefined ? this.r.path("contactFolders") : this.r.path("contactFolders", parentId, "childFolders");
    return asObject((await this.r.call("POST", this.r.url(path), { body: { displayName }, signal: options.signal })).body, "POST contactFolder") as unknown as GraphContactFolder;
  }

  /** Deletes a contact folder and its contents. */
  async deleteContactFolder(id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.r.call("DELETE", this.r.url(this.r.path("contactFolders", id)), options);
  }

  // ------------------------------------------------------------ contacts

  private contactsPath(folderId: string | undefined, ...rest: string[]): string {
    return folderId === undefined ? this.r.path("contacts", ...rest) : this.r.path("contactFolders", folderId, "contacts", ...rest);
  }

  /** Every contact of a folder (default: the default Contacts folder), all pages. */
  listContacts(folderId?: string, options: GraphReadOptions = {}): Promise<GraphContact[]> {
    return this.r.listAll(this.r.url(this.contactsPath(folderId), this.r.readQuery(options, true)), options.signal);
  }

  /** One contact. */
  async getContact(id: string, options: GraphReadOptions = {}): Promise<GraphContact> {
    return asObject((await this.r.call("GET", this.r.url(this.r.path("contacts", id), this.r.readQuery(options)), options)).body, "GET contact") as unknown as GraphContact;
  }

  /** Creates a contact in a folder (default: the default Contacts folder); returns it with its id and `@odata.etag`. */
  async createContact(contact: GraphContactInput, folderId?: string, options: { signal?: AbortSignal } = {}): Promise<GraphContact> {
    return asObject((await this.r.call("POST", this.r.url(this.contactsPath(folderId)), { body: contact, signal: options.signal })).body, "POST contact") as unknown as GraphContact;
  }

  /** Changes a contact (PATCH: the properties given replace the stored ones); `ifMatch` makes a changed item answer 412. */
  async updateContact(id: string, patch: GraphContactInput, options: GraphWriteOptions = {}): Promise<GraphContact> {
    const headers = options.ifMatch !== undefined ? { "if-match": options.ifMatch } : undefined;
    return asObject((await this.r.call("PATCH", this.r.url(this.r.path("contacts", id)), { body: patch, ...(headers ? { headers } : {}), signal: options.signal })).body, "PATCH contact") as unknown as GraphContact;
  }

  /** Deletes a contact; `ifMatch` makes a changed item answer 412. */
  async deleteContact(id: string, options: GraphWriteOptions = {}): Promise<void> {
    const headers = options.ifMatch !== undefined ? { "if-match": options.ifMatch } : undefined;
    await this.r.call("DELETE", this.r.url(this.r.path("contacts", id)), { ...(headers ? { headers } : {}), signal: options.signal });
  }

  /**
   * One delta round of a contact folder (default: the default Contacts folder): from `cursor` (a
   * previous round's delta link) or, without one, every contact; follows every next link and
   * returns the round's changes and its delta link. A dropped sync state throws
   * {@link GraphSyncStateNotFoundError}: the caller then lists the folder in full (no cursor).
   */
  async contactsDelta(folderId: string | undefined, cursor: string | undefined, options: GraphReadOptions = {}): Promise<GraphDeltaResult> {
    const first = cursor !== undefined ? new URL(cursor) : this.r.url(this.contactsPath(folderId, "delta"), { $select: options.select?.length ? options.select.join(",") : undefined });
    const headers = options.pageSize !== undefined ? this.r.prefer(`odata.maxpagesize=${options.pageSize}`) : undefined;
    return this.r.deltaRound<GraphContact>(first, { signal: options.signal, ...(headers ? { headers } : {}) });
  }

  // ---- change notifications and file attachments (C)

  /** Creates a subscription (Graph validates its notification URL first; see {@link SubscriptionKeeper} to keep one alive). */
  createSubscription(input: GraphSubscriptionInput, options: { signal?: AbortSignal } = {}): Promise<GraphSubscription> {
    return notifications.createSubscription(this.r, input, options);
  }

  /** One subscription. */
  getSubscription(id: string, options: { signal?: AbortSignal } = {}): Promise<GraphSubscription> {
    return notifications.getSubscription(this.r, id, options);
  }

  /** The caller's subscriptions. */
  listSubscriptions(options: { signal?: AbortSignal } = {}): Promise<GraphSubscription[]> {
    return notifications.listSubscriptions(this.r, options);
  }

  /** Renews a subscription until `expirationDateTime`. */
  renewSubscription(id: string, expirationDateTime: string, options: { signal?: AbortSignal } = {}): Promise<GraphSubscription> {
    return notifications.renewSubscription(this.r, id, expirationDateTime, options);
  }

  /** Deletes a subscription. */
  deleteSubscription(id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return notifications.deleteSubscription(this.r, id, options);
  }

  /** The file attachments of an event or a To Do task. */
  listAttachments(parent: GraphAttachmentParent, options: { select?: readonly string[]; signal?: AbortSignal } = {}): Promise<GraphAnyFileAttachment[]> {
    return attachments.listAttachments(this.r, parent, options);
  }

  /** One attachment, with `contentBytes` unless `select` leaves it out. */
  getAttachment(parent: GraphAttachmentParent, id: string, options: { select?: readonly string[]; signal?: AbortSignal } = {}): Promise<GraphAnyFileAttachment> {
    return attachments.getAttachment(this.r, parent, id, options);
  }

  /** An attachment's raw bytes. */
  getAttachmentContent(parent: GraphAttachmentParent, id: string, options: { signal?: AbortSignal } = {}): Promise<Buffer> {
    return attachments.getAttachmentContent(this.r, parent, id, options);
  }

  /** Attaches a file: inline under 3 MB, else through an upload session (ranges sent without the bearer token). */
  addAttachment(parent: GraphAttachmentParent, file: GraphAttachmentFile, options: GraphAttachmentUploadOptions = {}): Promise<GraphAnyFileAttachment> {
    return attachments.addAttachment(this.r, parent, file, options);
  }

  /** Deletes an attachment. */
  deleteAttachment(parent: GraphAttachmentParent, id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    return attachments.deleteAttachment(this.r, parent, id, options);
  }

  // ---- calendars and events (A)

  /** Every calendar of the mailbox (see calendar.ts). */
  listCalendars(options: { signal?: AbortSignal } = {}): Promise<GraphCalendar[]> { return calendar.listCalendars(this.r, options); }
  /** One calendar; without an id, the default calendar. */
  getCalendar(id?: string, options: { signal?: AbortSignal } = {}): Promise<GraphCalendar> { return calendar.getCalendar(this.r, id, options); }
  /** Creates a calendar. */
  createCalendar(input: GraphCalendarInput, options: { signal?: AbortSignal } = {}): Promise<GraphCalendar> { return calendar.createCalendar(this.r, input, options); }
  /** Deletes a calendar and its events. */
  deleteCalendar(id: string, options: { signal?: AbortSignal } = {}): Promise<void> { return calendar.deleteCalendar(this.r, id, options); }
  /** Every event (single events and series masters) of a calendar (default: the default calendar). */
  listEvents(calendarId?: string, options: GraphEventReadOptions = {}): Promise<GraphEvent[]> { return calendar.listEvents(this.r, calendarId, options); }
  /** One event, series master, occurrence or exception. */
  getEvent(id: string, options: GraphEventReadOptions = {}): Promise<GraphEvent> { return calendar.getEvent(this.r, id, options); }
  /** Creates an event (a series master with a `recurrence`) in a calendar (default: the default calendar). */
  createEvent(event: GraphEventInput, calendarId?: string, options: Omit<GraphEventWriteOptions, "ifMatch"> = {}): Promise<GraphEvent> { return calendar.createEvent(this.r, event, calendarId, options); }
  /** Changes an event; on an occurrence's id, that occurrence (it becomes an exception). `ifMatch` makes a changed event answer 412. */
  updateEvent(id: string, patch: GraphEventInput, options: GraphEventWriteOptions = {}): Promise<GraphEvent> { return calendar.updateEvent(this.r, id, patch, options); }
  /** Deletes an event, a series, or one occurrence (a cancelled occurrence of its series). */
  deleteEvent(id: string, options: GraphEventWriteOptions = {}): Promise<void> { return calendar.deleteEvent(this.r, id, options); }
  /** Cancels a meeting the mailbox organises, or one occurrence of it. */
  cancelEvent(id: string, comment?: string, options: { signal?: AbortSignal } = {}): Promise<void> { return calendar.cancelEvent(this.r, id, comment, options); }
  /** The occurrences and exceptions of a series in a window. */
  listInstances(id: string, window: GraphTimeWindow, options: GraphEventReadOptions = {}): Promise<GraphEvent[]> { return calendar.listInstances(this.r, id, window, options); }
  /** The instances of a calendar's view of a window. */
  listCalendarView(calendarId: string | undefined, window: GraphTimeWindow, options: GraphEventReadOptions = {}): Promise<GraphEvent[]> { return calendar.listCalendarView(this.r, calendarId, window, options); }
  /**
   * One calendarView delta round of a calendar (default: the default calendar) over `window` (or
   * the window of `cursor`): the instances changed, the ids removed, the next cursor, and the series
   * masters of the occurrences seen (read in `$batch`es). A dropped sync state throws
   * {@link GraphSyncStateNotFoundError}: start again without a cursor.
   */
  calendarViewDelta(calendarId: string | undefined, window: GraphTimeWindow, cursor: string | undefined, options: GraphEventReadOptions = {}): Promise<GraphCalendarViewRound> {
    return calendar.calendarViewDelta(this.r, (requests, o) => this.batch(requests, o), calendarId, window, cursor, options);
  }
  // ---- To Do and contact photos (B)

  /** Every To Do list of the mailbox ({@link todo.listTodoLists}). */
  listTodoLists(options: { signal?: AbortSignal } = {}): Promise<GraphTodoTaskList[]> { return todo.listTodoLists(this.r, options); }
  /** One To Do list. */
  getTodoList(listId: string, options: { signal?: AbortSignal } = {}): Promise<GraphTodoTaskList> { return todo.getTodoList(this.r, listId, options); }
  /** Creates a To Do list. */
  createTodoList(list: GraphTodoTaskListInput, options: { signal?: AbortSignal } = {}): Promise<GraphTodoTaskList> { return todo.createTodoList(this.r, list, options); }
  /** Renames a To Do list. */
  updateTodoList(listId: string, patch: GraphTodoTaskListInput, options: { signal?: AbortSignal } = {}): Promise<GraphTodoTaskList> { return todo.updateTodoList(this.r, listId, patch, options); }
  /** Deletes a To Do list and its tasks. */
  deleteTodoList(listId: string, options: { signal?: AbortSignal } = {}): Promise<void> { return todo.deleteTodoList(this.r, listId, options); }
  /** Every task of a list, all pages, with the UID extension expanded by default ({@link todo.listTodoTasks}). */
  listTodoTasks(listId: string, options: GraphTodoReadOptions = {}): Promise<GraphTodoTask[]> { return todo.listTodoTasks(this.r, listId, options); }
  /** One task ({@link todo.getTodoTask}). */
  getTodoTask(listId: string, taskId: string, options: GraphTodoReadOptions = {}): Promise<GraphTodoTask> { return todo.getTodoTask(this.r, listId, taskId, options); }
  /** Creates a task, with ewsdav's UID extension when `uid` is given ({@link todo.createTodoTask}). */
  createTodoTask(listId: string, task: GraphTodoTaskInput, options: { uid?: string; signal?: AbortSignal } = {}): Promise<GraphTodoTask> { return todo.createTodoTask(this.r, listId, task, options); }
  /** Changes a task; `ifMatch` makes a changed task answer 412 ({@link todo.updateTodoTask}). */
  updateTodoTask(listId: string, taskId: string, patch: GraphTodoTaskInput, options: GraphTodoWriteOptions = {}): Promise<GraphTodoTask> { return todo.updateTodoTask(this.r, listId, taskId, patch, options); }
  /** Deletes a task; `ifMatch` makes a changed task answer 412. */
  deleteTodoTask(listId: string, taskId: string, options: GraphTodoWriteOptions = {}): Promise<void> { return todo.deleteTodoTask(this.r, listId, taskId, options); }
  /** One delta round of a list's tasks, the delta link as the cursor ({@link todo.todoTasksDelta}). */
  todoTasksDelta(listId: string, cursor: string | undefined, options: GraphTodoReadOptions = {}): Promise<GraphTodoDeltaRound> { return todo.todoTasksDelta(this.r, listId, cursor, options); }
  /** Sets ewsdav's UID extension on an existing task ({@link todo.setTodoTaskUid}). */
  setTodoTaskUid(listId: string, taskId: string, uid: string, options: { signal?: AbortSignal } = {}): Promise<void> { return todo.setTodoTaskUid(this.r, listId, taskId, uid, options); }
  /** A task's checklist items. */
  listChecklistItems(listId: string, taskId: string, options: { signal?: AbortSignal } = {}): Promise<GraphChecklistItem[]> { return todo.listChecklistItems(this.r, listId, taskId, options); }
  /** Adds a checklist item to a task. */
  createChecklistItem(listId: string, taskId: string, item: GraphChecklistItemInput, options: { signal?: AbortSignal } = {}): Promise<GraphChecklistItem> { return todo.createChecklistItem(this.r, listId, taskId, item, options); }
  /** Changes a checklist item. */
  updateChecklistItem(listId: string, taskId: string, itemId: string, patch: GraphChecklistItemInput, options: { signal?: AbortSignal } = {}): Promise<GraphChecklistItem> { return todo.updateChecklistItem(this.r, listId, taskId, itemId, patch, options); }
  /** Deletes a checklist item. */
  deleteChecklistItem(listId: string, taskId: string, itemId: string, options: { signal?: AbortSignal } = {}): Promise<void> { return todo.deleteChecklistItem(this.r, listId, taskId, itemId, options); }
  /** A task's linked resources. */
  listLinkedResources(listId: string, taskId: string, options: { signal?: AbortSignal } = {}): Promise<GraphLinkedResource[]> { return todo.listLinkedResources(this.r, listId, taskId, options); }
  /** Adds a linked resource to a task. */
  createLinkedResource(listId: string, taskId: string, resource: GraphLinkedResourceInput, options: { signal?: AbortSignal } = {}): Promise<GraphLinkedResource> { return todo.createLinkedResource(this.r, listId, taskId, resource, options); }
  /** Deletes a linked resource. */
  deleteLinkedResource(listId: string, taskId: string, resourceId: string, options: { signal?: AbortSignal } = {}): Promise<void> { return todo.deleteLinkedResource(this.r, listId, taskId, resourceId, options); }
  /** A contact's photo (bytes and content type), or undefined when it has none ({@link photos.getContactPhoto}). */
  getContactPhoto(contactId: string, options: { signal?: AbortSignal } = {}): Promise<GraphContactPhoto | undefined> { return photos.getContactPhoto(this.r, contactId, options); }
  /** A contact's photo metadata, or undefined when it has none. */
  getContactPhotoInfo(contactId: string, options: { signal?: AbortSignal } = {}): Promise<GraphProfilePhoto | undefined> { return photos.getContactPhotoInfo(this.r, contactId, options); }
  /** Sets (replaces) a contact's photo; Graph cannot delete one ({@link photos.setContactPhoto}). */
  setContactPhoto(contactId: string, bytes: Uint8Array, contentType: string, options: { signal?: AbortSignal } = {}): Promise<void> { return photos.setContactPhoto(this.r, contactId, bytes, contentType, options); }

  // ------------------------------------------------------------ batching and ids

  /**
   * Sends up to {@link GRAPH_MAX_BATCH} requests in one `$batch`. Each answer keeps its own status:
   * a failed request (or one skipped with 424 because a request it depends on failed) does not
   * fail the others, and the caller decides per answer. Answers come back in request order; a
   * member that is not JSON (an image) carries its decoded `bytes` (see {@link GraphBatchResponse}).
   */
  async batch(requests: readonly GraphBatchRequest[], options: { signal?: AbortSignal } = {}): Promise<GraphBatchResponse[]> {
    if (requests.length === 0) return [];
    if (requests.length > GRAPH_MAX_BATCH) throw new GraphInputError(`a batch holds at most ${GRAPH_MAX_BATCH} requests, not ${requests.length}`);
    const seen = new Set<string>();
    for (const r of requests) {
      if (seen.has(r.id.toLowerCase())) throw new GraphInputError(`batch request id '${r.id}' is used twice`);
      for (const d of r.dependsOn ?? []) if (!seen.has(d.toLowerCase())) throw new GraphInputError(`batch request '${r.id}' depends on '${d}', which does not come before it`);
      seen.add(r.id.toLowerCase());
    }
    const prefer = this.r.prefer();
    const body = {
      requests: requests.map((r) => ({
        id: r.id, method: r.method, url: r.url,
        headers: { ...prefer, ...(r.body !== undefined ? { "content-type": "application/json" } : {}), ...r.headers },
        ...(r.body !== undefined ? { body: r.body } : {}),
        ...(r.dependsOn?.length ? { dependsOn: [...r.dependsOn] } : {}),
      })),
    };
    const idempotent = requests.every((r) => r.method !== "POST");
    const url = this.r.url("/$batch");
    const response = await this.r.transport.request({ method: "POST", url, mailbox: this.r.mailbox, body, idempotent, ...(options.signal ? { signal: options.signal } : {}) });
    if (response.status >= 400) throw graphErrorOf(response.status, response.body, response.headers["request-id"], parseRetryAfter(response.headers["retry-after"]), "POST $batch");
    const parsed = asObject(response.body, "POST $batch");
    if (!Array.isArray(parsed.responses)) throw new GraphTransportError("MALFORMED_RESPONSE", "POST $batch: the answer has no responses collection");
    const byId = new Map<string, GraphBatchResponse>();
    for (const r of parsed.responses as Array<Record<string, unknown>>) {
      if (typeof r?.id !== "string" || typeof r.status !== "number") throw new GraphTransportError("MALFORMED_RESPONSE", "POST $batch: an answer without id or status");
      const headers = (r.headers ?? {}) as Record<string, string>;
      const content = memberBody(headers, r.body);
      const errorCode = (content.body as { error?: { code?: unknown } } | undefined)?.error?.code;
      byId.set(r.id.toLowerCase(), {
        id: r.id, status: r.status, headers, body: content.body,
        ...(content.bytes !== undefined ? { bytes: content.bytes } : {}),
        ...(content.malformed !== undefined ? { malformed: content.malformed } : {}),
        ...(typeof errorCode === "string" ? { errorCode } : {}),
      });
    }
    return requests.map((r) => {
      const answer = byId.get(r.id.toLowerCase());
      if (!answer) throw new GraphTransportError("MALFORMED_RESPONSE", `POST $batch: no answer for request '${r.id}' (cut answer)`);
      return answer;
    });
  }

  /** Translates ids between Exchange formats (`translateExchangeIds`, at most 1000 at once). */
  async translateExchangeIds(inputIds: readonly string[], sourceIdType: GraphExchangeIdFormat, targetIdType: GraphExchangeIdFormat, options: { signal?: AbortSignal } = {}): Promise<GraphConvertIdResult[]> {
    if (inputIds.length > 1000) throw new GraphInputError("translateExchangeIds takes at most 1000 ids");
    const body = asObject((await this.r.call("POST", this.r.url(this.r.path("translateExchangeIds")), { body: { inputIds, sourceIdType, targetIdType }, signal: options.signal })).body, "POST translateExchangeIds");
    if (!Array.isArray(body.value) || body.value.length !== inputIds.length) throw new GraphTransportError("MALFORMED_RESPONSE", "translateExchangeIds: the answer does not hold one result per id");
    return body.value as GraphConvertIdResult[];
  }
}
