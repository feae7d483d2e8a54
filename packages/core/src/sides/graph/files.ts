/**
 * Contact photos and event attachments over Graph, mirroring the EWS side's rules
 * (`../ews/attachments.ts`): a read fills in the files the vobject carries (a contact's photo; an
 * event's non-inline file attachments) within the caps (`maxPhotoBytes`, `maxAttachmentBytes`;
 * contact photos are read in `$batch`es of 20),
 * a file over its cap or inline is reported in `dropped` and not read; a write sends the item
 * first, then only the files that changed (matched by name, size and a hash of the content):
 * attachments no longer wanted are deleted, new ones added (Graph's upload session from 3 MB,
 * done by the client). Graph cannot delete a contact's photo: a PHOTO removed on the DAV side is
 * reported in `dropped` and the mailbox keeps its photo; the write's result keeps the text
 * written (no PHOTO), so nothing is written back and nothing loops.
 *
 * @module
 */
import type { GraphFileAttachment } from "@ewsdav/graph-client";
import { createHash } from "node:crypto";
import { SideError, type DroppedProperty } from "../../engine/side.js";
import { sendAll } from "./batch.js";
import { answerError } from "./errors.js";
import type { GraphEntity } from "./codec.js";
import type { GraphContext } from "./context.js";
import { DEFAULT_MAX_ATTACHMENT_BYTES, DEFAULT_MAX_PHOTO_BYTES } from "./options.js";

/** A file as bytes, the way the Graph mappers take and give it. */
export interface FileBytes {
  name: string;
  contentType?: string;
  bytes: Uint8Array;
  isInline?: boolean;
}

/**
 * What a read or a write learnt of an entity's files, kept on the entity under this key for the
 * codec's `render` (never sent): the photo or attachments read, or `"keep"` (not read: the
 * basis's PHOTO / ATTACH stay), and what was left out.
 */
export const FILES = Symbol("ewsdav.graph.files");

/** The files an entity carries for `render`. */
export interface EntityFiles {
  photo?: { bytes: Uint8Array; contentType: string } | null | "keep";
  attachments?: FileBytes[] | "keep";
  dropped: DroppedProperty[];
}

/** The files recorded on an entity, if any. */
export function filesOf(entity: GraphEntity): EntityFiles | undefined {
  return (entity as unknown as { [FILES]?: EntityFiles })[FILES];
}

/** An entity with its files recorded. */
export function withFiles(entity: GraphEntity, files: EntityFiles): GraphEntity {
  const copy = { ...entity } as GraphEntity;
  Object.defineProperty(copy, FILES, { value: files, enumerable: false });
  return copy;
}

/** The photo cap of the side. */
export function photoCap(ctx: GraphContext): number {
  return ctx.options.maxPhotoBytes ?? DEFAULT_MAX_PHOTO_BYTES;
}

/** The attachment cap of the side. */
export function attachmentCap(ctx: GraphContext): number {
  return ctx.options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
}

/** A dropped property naming the value it concerns (a file name). */
export function droppedOf(property: string, reason: string, value: string): DroppedProperty {
  return { property, reason: `${reason} [${value}]` };
}

/** SHA-256 of bytes. */
export function hashOf(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Runs `fn` over `items` with at most `limit` at once (the client queues beyond its own limit anyway). */
export async function eachLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A photo read as the files of its contact: over the cap it is reported and kept (the basis's PHOTO stays as it is). */
function photoFiles(ctx: GraphContext, photo: { bytes: Uint8Array; contentType: string } | undefined): EntityFiles {
  if (photo === undefined) return { photo: null, dropped: [] };
  const cap = photoCap(ctx);
  if (photo.bytes.length > cap) return { photo: "keep", dropped: [droppedOf("PHOTO", `${photo.bytes.length} bytes is over the ${cap}-byte cap (maxPhotoBytes); not read`, "photo")] };
  return { photo: { bytes: photo.bytes, contentType: photo.contentType }, dropped: [] };
}

/**
 * Reads the photos of contacts `ids` in `$batch`es of 20 (`sendAll`: a throttled member is asked
 * again), one result per id, in order: the bytes, `null` when it has none, `"keep"` when it is over the
 * cap (read, but reported and not carried: the basis's PHOTO stays as it is), or the error of that
 * contact alone.
 * Graph's contact says nothing of whether it has a photo, so each is asked: 404 `ImageNotFound`
 * is "none"; any other failure, and an answer without bytes (a member whose base64 body was
 * malformed, or a JSON body where an image was due), fails that contact, never reads as "none".
 */
export async function readPhotos(ctx: GraphContext, ids: readonly string[], signal?: AbortSignal): Promise<Array<EntityFiles | SideError>> {
  const answers = await sendAll(ctx, ids.map((id) => ({ method: "GET" as const, url: `${ctx.client.path("contacts", id, "photo")}/$value`, headers: { accept: "image/*" } })), signal);
  return answers.map((answer, i) => {
    const id = ids[i]!;
    if (answer.status === 404 && answer.errorCode === "ImageNotFound") return photoFiles(ctx, undefined);
    if (answer.status >= 400) return answerError(answer, id, "GET contact photo");
    if (answer.status !== 200 || answer.bytes === undefined || answer.bytes.length === 0) {
      const why = answer.malformed ?? (answer.status !== 200 ? `HTTP ${answer.status}` : "no image bytes");
      return new SideError("transient", `GET contact photo: ${why} (cut or malformed answer)`, id);
    }
    const contentType = Object.entries(answer.headers).find(([k]) => k.toLowerCase() === "content-type")?.[1] ?? "application/octet-stream";
    return photoFiles(ctx, { bytes: answer.bytes, contentType: contentType.split(";")[0]!.trim() });
  });
}

/** The metadata a listing of an event's attachments asks for (content read apart, within the cap). */
const ATTACHMENT_METADATA = ["id", "name", "contentType", "size", "isInline"];

/**
 * Reads an event's file attachments (only when `hasAttachments`): inline ones and ones over the
 * cap are reported and left out, the rest read with their content. A failed read throws, so the
 * item is read again later.
 */
export async function readAttachments(ctx: GraphContext, id: string, signal?: AbortSignal): Promise<EntityFiles> {
  const call = signal ? { signal } : {};
  const listed = (await ctx.client.listAttachments({ event: id }, { ...call, select: ATTACHMENT_METADATA })) as GraphFileAttachment[];
  const cap = attachmentCap(ctx);
  const dropped: DroppedProperty[] = [];
  const attachments: FileBytes[] = [];
  for (const a of listed) {
    const name = a.name ?? "attachment";
    const odataType = (a as { "@odata.type"?: string })["@odata.type"];
    if (odataType !== undefined && odataType !== "#microsoft.graph.fileAttachment") {
      dropped.push(droppedOf("ATTACH", "only file attachments are carried", name));
      continue;
    }
    if (a.isInline) {
      dropped.push(droppedOf("ATTACH", "an inline attachment belongs to the HTML body, which is read as text", name));
      continue;
    }
    if ((a.size ?? 0) > cap) {
      dropped.push(droppedOf("ATTACH", `${a.size} bytes is over the ${cap}-byte cap (maxAttachmentBytes); not read`, name));
      continue;
    }
    const bytes = await ctx.client.getAttachmentContent({ event: id }, a.id, call);
    attachments.push({ name, bytes, ...(a.contentType ? { contentType: a.contentType } : {}) });
  }
  return { attachments, dropped };
}

/**
 * Makes an event's attachments what `wanted` says after its write: deletes the non-inline files
 * within the cap no longer wanted (never files over the cap that were left out, nor inline ones),
 * adds the wanted ones Graph lacks. A file of the same name and size is read and compared by hash,
 * so an unchanged file is never sent again. `oversize` names the files not sent (over the cap).
 * Returns whether anything changed.
 */
export async function syncAttachments(ctx: GraphContext, id: string, wanted: readonly FileBytes[], oversize: ReadonlySet<string>, listCurrent: boolean, signal?: AbortSignal): Promise<boolean> {
  const call = signal ? { signal } : {};
  const cap = attachmentCap(ctx);
  const current = listCurrent ? ((await ctx.client.listAttachments({ event: id }, { ...call, select: ATTACHMENT_METADATA })) as GraphFileAttachment[]) : [];
  const managed = current.filter((a) => !a.isInline && (a.size ?? 0) <= cap && !oversize.has(a.name ?? ""));
  const unmatched = [...wanted];
  const toDelete: string[] = [];
  for (const a of managed) {
    const candidates = unmatched.filter((w) => w.name === a.name && w.bytes.length === a.size);
    let at = -1;
    if (candidates.length > 0) {
      const hash = hashOf(await ctx.client.getAttachmentContent({ event: id }, a.id, call));
      at = unmatched.findIndex((w) => w.name === a.name && w.bytes.length === a.size && hashOf(w.bytes) === hash);
    }
    if (at >= 0) unmatched.splice(at, 1);
    else toDelete.push(a.id);
  }
  for (const attachmentId of toDelete) await ctx.client.deleteAttachment({ event: id }, attachmentId, call);
  for (const file of unmatched) {
    await ctx.client.addAttachment({ event: id }, { name: file.name, content: file.bytes, ...(file.contentType ? { contentType: file.contentType } : {}) }, call);
  }
  return toDelete.length > 0 || unmatched.length > 0;
}
