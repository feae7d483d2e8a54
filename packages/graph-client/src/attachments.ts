/**
 * File attachments of events and To Do tasks: list, get (with or without `contentBytes`), the raw
 * bytes (`$value`), add and delete. A file under 3 MB goes in one POST (base64 in
 * `contentBytes`); a larger one through an upload session: `createUploadSession`, then PUTs of
 * byte ranges (`Content-Range`, in order, each a multiple of 320 KiB but the last) to the session's
 * `uploadUrl` — a pre-authenticated URL on another host, sent WITHOUT the bearer token — until the
 * last range answers 201 with the attachment's URL in `Location`. The session follows the
 * service's `nextExpectedRanges`, so a range the service already has is not sent twice.
 * @module
 */
import { GraphInputError, GraphTransportError, graphErrorOf } from "./errors.js";
import type { GraphFileAttachment, GraphFileAttachmentInput, GraphTaskFileAttachment, GraphUploadSession } from "./model-attachments.js";
import { asObject, type GraphRequester } from "./requester.js";
import { parseRetryAfter } from "@ewsdav/http";

/** The item attachments belong to: an event, or a task of a To Do list. */
export type GraphAttachmentParent = { readonly event: string } | { readonly todoList: string; readonly task: string };

/** An attachment of either parent. */
export type GraphAnyFileAttachment = GraphFileAttachment | GraphTaskFileAttachment;

/** A file to attach. */
export interface GraphAttachmentFile {
  readonly name: string;
  readonly content: Uint8Array;
  /** Default `application/octet-stream`. */
  readonly contentType?: string;
  /** Events only. */
  readonly isInline?: boolean;
  /** Events only. */
  readonly contentId?: string;
}

/** Options of {@link addAttachment}. */
export interface GraphAttachmentUploadOptions {
  /** Bytes per PUT of an upload session: a multiple of 320 KiB (default 10 × 320 KiB = 3 200 KiB, under Outlook's 4 MB per range). */
  readonly chunkSize?: number;
  readonly signal?: AbortSignal;
}

/** Files of this size and more go through an upload session (Graph: 3 MB). */
export const GRAPH_INLINE_ATTACHMENT_LIMIT = 3 * 1024 * 1024;
/** Upload ranges are multiples of this (320 KiB). */
export const GRAPH_UPLOAD_CHUNK_UNIT = 320 * 1024;

const METADATA_EVENT = "id,name,contentType,size,isInline,lastModifiedDateTime,contentId";
const METADATA_TASK = "id,name,contentType,size,lastModifiedDateTime";

function base(r: GraphRequester, parent: GraphAttachmentParent): string {
  return "event" in parent ? r.path("events", parent.event, "attachments") : r.path("todo", "lists", parent.todoList, "tasks", parent.task, "attachments");
}

/** The attachments of an item (events' listings carry `contentBytes`; `select` leaves it out). */
export function listAttachments(r: GraphRequester, parent: GraphAttachmentParent, options: { select?: readonly string[]; signal?: AbortSignal } = {}): Promise<GraphAnyFileAttachment[]> {
  return r.listAll(r.url(base(r, parent), { $select: options.select?.length ? options.select.join(",") : undefined }), options.signal);
}

/** One attachment with its content (or only the properties of `select`). */
export async function getAttachment(r: GraphRequester, parent: GraphAttachmentParent, id: string, options: { select?: readonly string[]; signal?: AbortSignal } = {}): Promise<GraphAnyFileAttachment> {
  const url = r.url(`${base(r, parent)}/${encodeURIComponent(id)}`, { $select: options.select?.length ? options.select.join(",") : undefined });
  return asObject((await r.call("GET", url, { signal: options.signal })).body, "GET attachment") as unknown as GraphAnyFileAttachment;
}

/** An attachment's raw bytes (`$value`). */
export async function getAttachmentContent(r: GraphRequester, parent: GraphAttachmentParent, id: string, options: { signal?: AbortSignal } = {}): Promise<Buffer> {
  return (await r.call("GET", r.url(`${base(r, parent)}/${encodeURIComponent(id)}/$value`), { signal: options.signal, headers: { accept: "*/*" } })).bytes;
}

/** Deletes an attachment. */
export async function deleteAttachment(r: GraphRequester, parent: GraphAttachmentParent, id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  await r.call("DELETE", r.url(`${base(r, parent)}/${encodeURIComponent(id)}`), { signal: options.signal });
}

/**
 * Attaches a file: one POST under 3 MB, an upload session from 3 MB. Returns the attachment's
 * properties without its content.
 */
export async function addAttachment(r: GraphRequester, parent: GraphAttachmentParent, file: GraphAttachmentFile, options: GraphAttachmentUploadOptions = {}): Promise<GraphAnyFileAttachment> {
  const event = "event" in parent;
  if (!event && (file.isInline !== undefined || file.contentId !== undefined)) throw new GraphInputError("a To Do task's attachment has no isInline or contentId");
  if (file.content.length < GRAPH_INLINE_ATTACHMENT_LIMIT) {
    const body: GraphFileAttachmentInput = {
      "@odata.type": event ? "#microsoft.graph.fileAttachment" : "#microsoft.graph.taskFileAttachment", name: file.name,
      contentBytes: Buffer.from(file.content).toString("base64"), contentType: file.contentType ?? "application/octet-stream",
      ...(file.isInline !== undefined ? { isInline: file.isInline } : {}), ...(file.contentId !== undefined ? { contentId: file.contentId } : {}),
    };
    const created = asObject((await r.call("POST", r.url(base(r, parent)), { body, signal: options.signal })).body, "POST attachment");
    delete created.contentBytes;
    return created as unknown as GraphAnyFileAttachment;
  }
  const chunk = options.chunkSize ?? 10 * GRAPH_UPLOAD_CHUNK_UNIT;
  if (chunk <= 0 || chunk % GRAPH_UPLOAD_CHUNK_UNIT !== 0) throw new GraphInputError(`an upload range is a multiple of ${GRAPH_UPLOAD_CHUNK_UNIT} bytes, not ${chunk}`);
  const item = {
    attachmentType: "file", name: file.name, size: file.content.length, contentType: file.contentType ?? "application/octet-stream",
    ...(file.isInline !== undefined ? { isInline: file.isInline } : {}), ...(file.contentId !== undefined ? { contentId: file.contentId } : {}),
  };
  const session = asObject((await r.call("POST", r.url(`${base(r, parent)}/createUploadSession`), {
    body: event ? { AttachmentItem: item } : { attachmentInfo: item }, signal: options.signal,
  })).body, "POST createUploadSession") as unknown as GraphUploadSession;
  if (typeof session.uploadUrl !== "string") throw new GraphTransportError("MALFORMED_RESPONSE", "createUploadSession: the answer has no uploadUrl");
  const id = await uploadRanges(r, session, file.content, chunk, options.signal);
  return getAttachment(r, parent, id, { select: (event ? METADATA_EVENT : METADATA_TASK).split(","), ...(options.signal ? { signal: options.signal } : {}) });
}

/** PUTs the file's ranges to the session's URL without the token; returns the attachment id from the last answer's `Location`. */
async function uploadRanges(r: GraphRequester, session: GraphUploadSession, content: Uint8Array, chunk: number, signal: AbortSignal | undefined): Promise<string> {
  const url = new URL(session.uploadUrl);
  const total = content.length;
  let start = nextStart(session.nextExpectedRanges) ?? 0;
  for (let sent = 0; sent <= Math.ceil(total / chunk) * 2 + 2; sent++) {
    const end = Math.min(start + chunk, total) - 1;
    const response = await r.transport.request({
      method: "PUT", url, mailbox: r.mailbox, body: content.subarray(start, end + 1), withoutToken: true, idempotent: true,
      headers: { "content-type": "application/octet-stream", "content-range": `bytes ${start}-${end}/${total}` }, ...(signal ? { signal } : {}),
    });
    // The URL carries its own credential: errors name only its host and path.
    const what = `PUT upload range ${start}-${end}/${total}`;
    if (response.status >= 400) throw graphErrorOf(response.status, response.body, response.headers["request-id"], parseRetryAfter(response.headers["retry-after"]), what);
    if (response.status === 201) {
      const location = response.headers.location ?? "";
      const id = /attachments\('([^']+)'\)/i.exec(location)?.[1] ?? /\/attachments\/([^/?]+)/i.exec(location)?.[1];
      if (!id) throw new GraphTransportError("MALFORMED_RESPONSE", `${what}: the last range's answer names no attachment`);
      return decodeURIComponent(id);
    }
    const next = nextStart((asObject(response.body, what) as { nextExpectedRanges?: string[] }).nextExpectedRanges);
    if (next === undefined || next <= start || next > total) throw new GraphTransportError("MALFORMED_RESPONSE", `${what}: the answer gives no next range after ${start}`);
    if (next === total) throw new GraphTransportError("MALFORMED_RESPONSE", `${what}: every byte was sent but the upload did not end`);
    start = next;
  }
  throw new GraphTransportError("MALFORMED_RESPONSE", "the upload session never ended");
}

function nextStart(ranges: readonly string[] | undefined): number | undefined {
  const first = ranges?.[0];
  const m = first === undefined ? null : /^(\d+)/.exec(first);
  return m ? Number(m[1]) : undefined;
}
