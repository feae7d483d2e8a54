/**
 * File attachments of events and of To Do tasks over the mailbox's attachment records (the ones
 * EWS's CreateAttachment, GetAttachment and DeleteAttachment serve, so an attachment added over
 * Graph is seen over EWS and the reverse): list, get (with `contentBytes`), `$value` (the raw
 * bytes), POST of a file under 3 MB, DELETE, and `createUploadSession` for files of 3 MB to
 * 150 MB, whose `uploadUrl` takes the file in byte ranges (`Content-Range`, in order) without a
 * bearer token — the URL is pre-authenticated, as Outlook's is, and a request carrying an
 * `Authorization` header is refused. Between ranges the answer is 200 with `nextExpectedRanges`;
 * the last range answers 201 with the attachment's URL in `Location` (Graph docs: "Attach large
 * files to Outlook messages or events").
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { decodeId, encodeId, type AttachmentRecord, type FolderRecord, type ItemRecord, type SimulatedMailbox } from "@ewsdav/ews-simulator";
import { GraphSimError, notFound } from "./errors.js";
import { resolveGraphId, userObjectId, type ImmutableIds } from "./ids.js";

/** What the attachment routes read of a request (a `RouteRequest` of routes.ts). */
export interface AttachmentRouteRequest {
  method: string;
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  box: SimulatedMailbox;
  userPath: string;
  immutable: ImmutableIds;
  root: string;
}

/** An answer (a `RouteResponse` of routes.ts); a Buffer body is sent raw. */
interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Files under this size go in one POST; an upload session is for this size and more (3 MB). */
export const INLINE_ATTACHMENT_LIMIT = 3 * 1024 * 1024;
/** The largest file an upload session takes (150 MB). */
const MAX_UPLOAD = 150 * 1024 * 1024;
const SESSION_LIFETIME_MS = 6 * 3_600_000;
/** Where upload URLs live on the simulator's origin (outside `/v1.0`, as Outlook's are on another host). */
export const UPLOAD_PREFIX = "/upload/AttachmentSessions/";

type ParentKind = "event" | "task";

interface UploadSession {
  id: string;
  token: string;
  box: SimulatedMailbox;
  itemNumber: number;
  kind: ParentKind;
  name: string;
  contentType: string;
  isInline: boolean;
  contentId: string | undefined;
  size: number;
  chunks: Buffer[];
  received: number;
  expires: number;
  root: string;
}

/** Open upload sessions by id (ids are random: one table serves every simulator of the process). */
const sessions = new Map<string, UploadSession>();

const GA = Buffer.from("GA");
/** Path segments that are names, not ids (matched without regard to case). */
const KEYWORDS = new Set(["events", "calendar", "calendars", "todo", "lists", "tasks"]);

function graphAttachmentId(box: SimulatedMailbox, item: ItemRecord, attachment: AttachmentRecord): string {
  return Buffer.concat([GA, Buffer.from(box.attachmentId(item, attachment), "base64")]).toString("base64url");
}

function attachmentOf(box: SimulatedMailbox, item: ItemRecord, id: string): AttachmentRecord {
  const bytes = /^[A-Za-z0-9_-]+$/.test(id) ? Buffer.from(id, "base64url") : Buffer.alloc(0);
  const d = bytes.length > 2 && bytes.subarray(0, 2).equals(GA) ? decodeId(bytes.subarray(2).toString("base64")) : undefined;
  const a = d && d.kind === "attachment" && d.store === box.guidHex && d.extra === item.number ? item.attachments.find((x) => x.number === d.number) : undefined;
  if (!a) throw notFound();
  return a;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
}

/** The item an attachment path names, and the rest of the path after `attachments`. */
function parentOf(req: AttachmentRouteRequest): { item: ItemRecord; kind: ParentKind; rest: string[] } | undefined {
  const s = req.segments;
  const at = s.findIndex((x) => x === "attachments");
  if (at === -1) return undefined;
  const head = s.slice(0, at).map((x) => (KEYWORDS.has(x.toLowerCase()) ? x.toLowerCase() : x));
  const itemById = (id: string, kind: "CalendarItem" | "Task", folder?: FolderRecord): ItemRecord => {
    const target = resolveGraphId(req.box, req.immutable, id);
    const item = target?.kind === "item" ? req.box.itemIndex.get(target.number) : undefined;
    if (!item || item.kind !== kind || (folder && item.folder !== folder)) throw notFound();
    return item;
  };
  let parent: { item: ItemRecord; kind: ParentKind } | undefined;
  if (head.length === 2 && head[0] === "events") parent = { item: itemById(head[1]!, "CalendarItem"), kind: "event" };
  else if (head.length === 3 && head[0] === "calendar" && head[1] === "events") parent = { item: itemById(head[2]!, "CalendarItem"), kind: "event" };
  else if (head.length === 4 && head[0] === "calendars" && head[2] === "events") parent = { item: itemById(head[3]!, "CalendarItem"), kind: "event" };
  else if (head.length === 5 && head[0] === "todo" && head[1] === "lists" && head[3] === "tasks") {
    const target = resolveGraphId(req.box, req.immutable, head[2]!);
    const folder = target?.kind === "folder" ? req.box.folderByNumber(target.number) : undefined;
    if (!folder || !(folder.folderClass ?? "").startsWith("IPF.Task")) throw notFound();
    parent = { item: itemById(head[4]!, "Task", folder), kind: "task" };
  }
  return parent && { ...parent, rest: s.slice(at + 1) };
}

function render(req: AttachmentRouteRequest, item: ItemRecord, kind: ParentKind, a: AttachmentRecord, withContent: boolean, select?: string[]): Record<string, unknown> {
  const full: Record<string, unknown> = kind === "event"
    ? {
      "@odata.type": "#microsoft.graph.fileAttachment", "@odata.mediaContentType": a.contentType, id: graphAttachmentId(req.box, item, a),
      lastModifiedDateTime: iso(a.lastModified), name: a.name, contentType: a.contentType, size: a.content.length, isInline: a.isInline,
      contentId: a.contentId ?? null, contentLocation: null,
    }
    : {
      "@odata.type": "#microsoft.graph.taskFileAttachment", "@odata.mediaContentType": a.contentType, id: graphAttachmentId(req.box, item, a),
      lastModifiedDateTime: iso(a.lastModified), name: a.name, contentType: a.contentType, size: a.content.length,
    };
  if (withContent) full.contentBytes = a.content.toString("base64");
  if (!select) return full;
  const out: Record<string, unknown> = { "@odata.type": full["@odata.type"], id: full.id };
  for (const n of select) {
    if (n === "contentBytes") out.contentBytes = a.content.toString("base64");
    else if (n in full) out[n] = full[n];
  }
  return out;
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new GraphSimError(400, "BadRequest", "Empty Payload. JSON content expected.");
  return body as Record<string, unknown>;
}

function methodNotAllowed(): GraphSimError {
  return new GraphSimError(405, "ErrorInvalidRequest", "The OData request is not supported.");
}

/** `…/{event or task}/attachments…`, or undefined when the path names no attachments. */
export function attachmentsRoute(req: AttachmentRouteRequest): Answer | undefined {
  const parent = parentOf(req);
  if (!parent) return undefined;
  const { item, kind, rest } = parent;
  const select = req.query.get("$select")?.split(",").map((s) => s.trim()).filter(Boolean);
  const type = kind === "event" ? "#microsoft.graph.fileAttachment" : "#microsoft.graph.taskFileAttachment";
  if (rest.length === 0) {
    if (req.method === "GET") {
      const value = item.attachments.filter((a) => !a.isContactPhoto).map((a) => render(req, item, kind, a, kind === "event", select));
      return { status: 200, body: { "@odata.context": `${req.root}/$metadata#attachments`, value } };
    }
    if (req.method === "POST") {
      const b = bodyObject(req.body);
      if (b["@odata.type"] !== type) {
        throw new GraphSimError(400, "ErrorInvalidRequest", `The simulator takes attachments of @odata.type ${type} here.`);
      }
      const known = new Set(["@odata.type", "name", "contentBytes", "contentType", "isInline", "contentId", "size", "lastModifiedDateTime", "contentLocation"]);
      for (const k of Object.keys(b)) if (!known.has(k)) throw new GraphSimError(400, "RequestBodyRead", `The property '${k}' does not exist on type '${type.slice(1)}'.`);
      if (typeof b.name !== "string" || b.name === "") throw new GraphSimError(400, "ErrorInvalidParameter", "An attachment needs a name.");
      if (typeof b.contentBytes !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(b.contentBytes)) throw new GraphSimError(400, "RequestBodyRead", "Cannot convert the value of property 'contentBytes' to Edm.Binary.");
      const content = Buffer.from(b.contentBytes, "base64");
      if (content.length >= INLINE_ATTACHMENT_LIMIT) {
        throw new GraphSimError(413, "RequestEntityTooLarge", "The attachment is 3 MB or more: attach it through an upload session.");
      }
      const a = req.box.addAttachmentRecord(item, {
        name: b.name, content, contentType: typeof b.contentType === "string" ? b.contentType : "application/octet-stream",
        isInline: b.isInline === true, ...(typeof b.contentId === "string" ? { contentId: b.contentId } : {}),
      });
      const answer = render(req, item, kind, a, true);
      return { status: 201, body: { "@odata.context": `${req.root}/$metadata#attachments/$entity`, ...answer }, headers: { location: `${req.root}${req.userPath}/${req.segments.join("/")}/${answer.id}` } };
    }
    throw methodNotAllowed();
  }
  if (rest.length === 1 && /^(microsoft\.graph\.)?createUploadSession$/i.test(rest[0]!)) {
    if (req.method !== "POST") throw methodNotAllowed();
    return createSession(req, item, kind);
  }
  const a = attachmentOf(req.box, item, rest[0]!);
  if (rest.length === 2 && rest[1] === "$value") {
    if (req.method !== "GET") throw methodNotAllowed();
    return { status: 200, body: a.content, headers: { "content-type": a.contentType } };
  }
  if (rest.length !== 1) throw new GraphSimError(400, "BadRequest", "Resource not found for the segment.");
  if (req.method === "GET") return { status: 200, body: { "@odata.context": `${req.root}/$metadata#attachments/$entity`, ...render(req, item, kind, a, true, select) } };
  if (req.method === "DELETE") {
    req.box.removeAttachmentRecord(item, a.number);
    return { status: 204 };
  }
  throw methodNotAllowed();
}

function createSession(req: AttachmentRouteRequest, item: ItemRecord, kind: ParentKind): Answer {
  const b = bodyObject(req.body);
  // Events name the parameter AttachmentItem, To Do tasks attachmentInfo; the service reads parameter names without regard to case.
  const wanted = kind === "event" ? "attachmentitem" : "attachmentinfo";
  const info = Object.entries(b).find(([k]) => k.toLowerCase() === wanted)?.[1] as Record<string, unknown> | undefined;
  if (!info || typeof info !== "object") throw new GraphSimError(400, "ErrorInvalidParameter", `createUploadSession needs the ${kind === "event" ? "AttachmentItem" : "attachmentInfo"} parameter.`);
  if (info.attachmentType !== "file") throw new GraphSimError(400, "ErrorInvalidParameter", "Only file attachments can be uploaded in a session.");
  if (typeof info.name !== "string" || info.name === "") throw new GraphSimError(400, "ErrorInvalidParameter", "The attachment needs a name.");
  if (typeof info.size !== "number" || !Number.isInteger(info.size) || info.size < 0) throw new GraphSimError(400, "ErrorInvalidParameter", "The attachment needs its size.");
  if (info.size < INLINE_ATTACHMENT_LIMIT) {
    throw new GraphSimError(400, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize", "Attachment size must be greater than the minimum size (3 MB).");
  }
  if (info.size > MAX_UPLOAD) throw new GraphSimError(400, "ErrorAttachmentSizeShouldNotBeGreaterThanMaximumSize", "Attachment size must be at most 150 MB.");
  const session: UploadSession = {
    id: randomUUID(), token: randomBytes(24).toString("base64url"), box: req.box, itemNumber: item.number, kind, name: info.name,
    contentType: typeof info.contentType === "string" ? info.contentType : "application/octet-stream", isInline: info.isInline === true,
    contentId: typeof info.contentId === "string" ? info.contentId : undefined, size: info.size, chunks: [], received: 0,
    expires: Date.now() + SESSION_LIFETIME_MS, root: req.root,
  };
  sessions.set(session.id, session);
  const origin = new URL(req.root).origin;
  return {
    status: 201,
    body: {
      "@odata.context": `${req.root}/$metadata#microsoft.graph.uploadSession`, uploadUrl: `${origin}${UPLOAD_PREFIX}${session.id}?authtoken=${session.token}`,
      expirationDateTime: iso(session.expires), nextExpectedRanges: ["0-"],
    },
  };
}

function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, { "content-length": "0", ...headers }).end();
    return;
  }
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": String(payload.length), ...headers }).end(payload);
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { error: { code, message } });
}

/** An upload URL's request (PUT of a range, DELETE to cancel), served outside the bearer-token front. */
export async function handleUpload(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<void> {
  const url = new URL(req.url ?? "/", "http://upload.invalid");
  const session = sessions.get(url.pathname.slice(UPLOAD_PREFIX.length));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size <= maxBytes) chunks.push(c as Buffer);
  }
  if (!session || url.searchParams.get("authtoken") !== session.token || session.expires < Date.now()) {
    return fail(res, 404, "ErrorItemNotFound", "The upload session was not found or has expired.");
  }
  if (req.headers.authorization !== undefined) {
    return fail(res, 401, "InvalidAuthenticationToken", "The upload URL is pre-authenticated: a request to it carries no Authorization header.");
  }
  if (req.method === "DELETE") {
    sessions.delete(session.id);
    return send(res, 204);
  }
  if (req.method !== "PUT") return fail(res, 405, "ErrorInvalidRequest", "The upload URL takes PUT and DELETE.");
  if (size > maxBytes) return fail(res, 413, "RequestEntityTooLarge", "The range is too large.");
  const body = Buffer.concat(chunks);
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers["content-range"] ?? "").trim());
  if (!m) return fail(res, 400, "ErrorInvalidRequest", "A Content-Range header (bytes start-end/total) is required.");
  const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (total !== session.size || start !== session.received || end < start || end >= total || end - start + 1 !== body.length) {
    return send(res, 416, {
      error: { code: "ErrorInvalidRange", message: `The range does not continue the upload: next expected ${session.received}, of ${session.size} bytes.` },
    });
  }
  session.chunks.push(body);
  session.received += body.length;
  if (session.received < session.size) {
    return send(res, 200, { expirationDateTime: iso(session.expires), nextExpectedRanges: [String(session.received)] });
  }
  sessions.delete(session.id);
  const item = session.box.itemIndex.get(session.itemNumber);
  if (!item) return fail(res, 404, "ErrorItemNotFound", "The item the attachment was for is gone.");
  const a = session.box.addAttachmentRecord(item, {
    name: session.name, contentType: session.contentType, content: Buffer.concat(session.chunks), isInline: session.isInline,
    ...(session.contentId !== undefined ? { contentId: session.contentId } : {}),
  });
  const user = userObjectId(session.box);
  const parent = session.kind === "event" ? `Events('${encodeId("item", session.box.guid, item.number)}')` : `Tasks('${encodeId("item", session.box.guid, item.number)}')`;
  return send(res, 201, undefined, { location: `${session.root}/Users('${user}')/${parent}/Attachments('${graphAttachmentId(session.box, item, a)}')` });
}
