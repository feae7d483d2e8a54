/**
 * Attachments, the contact photo, the organizer and version-dependent fields of the EWS side
 * (issue 13, items 2 and 5). Reads fill in the content of the files a vobject carries (a contact's
 * photo; an event's or task's non-inline files) before mapping; writes send the item first, then
 * only the attachments that changed (matched by name, size and a hash of the content). Files over
 * the caps (`maxPhotoBytes`, `maxAttachmentBytes`), Gender below Exchange2016 and an ORGANIZER
 * that is not the mailbox are reported in `dropped`.
 *
 * @module
 */
import { isEwsError, versionAtLeast, type Attachment, type EwsError, type FileAttachment, type ItemId, type ParsedItem, type TypedItem } from "@ewsdav/ews-client";
import { CONTACT_PHOTO_NAME } from "@ewsdav/mappers";
import { createHash } from "node:crypto";
import type { CollectionKind, DroppedProperty } from "../../engine/side.js";
import type { EwsContext, FilePlan, Mapped } from "./context.js";
import { DEFAULT_MAX_ATTACHMENT_BYTES, DEFAULT_MAX_PHOTO_BYTES } from "./options.js";

const isFile = (attachment: Attachment): attachment is FileAttachment => attachment.kind === "file";

/** Bytes of base64 content. */
function base64Bytes(content: string): number {
  const text = content.replace(/\s+/g, "");
  return Math.floor((text.length * 3) / 4) - (text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0);
}

/** A dropped property naming the value it concerns (a file name, an address). */
function droppedOf(property: string, reason: string, value: string): DroppedProperty {
  return { property, reason: `${reason} [${value}]` };
}

/** SHA-256 of base64 content's bytes. */
function contentHash(content: string): string {
  return createHash("sha256").update(Buffer.from(content.replace(/\s+/g, ""), "base64")).digest("hex");
}

/** The cap on one file of a collection kind: the photo cap for contacts, else the attachment cap. */
function fileCap(ctx: EwsContext, kind: CollectionKind): number {
  return kind === "contacts" ? (ctx.options.maxPhotoBytes ?? DEFAULT_MAX_PHOTO_BYTES) : (ctx.options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES);
}

/** The mailbox's address when known (option, client, or learnt from a created meeting). */
function mailboxOf(ctx: EwsContext): string | undefined {
  return ctx.options.mailbox ?? ctx.client.mailbox ?? ctx.learntMailbox;
}

/** Whether an Exchange file is one the vobject carries (the photo of a contact; any non-inline file of an event or task). */
function carried(kind: CollectionKind, file: FileAttachment): boolean {
  return kind === "contacts" ? file.isContactPhoto === true : file.isInline !== true;
}

/**
 * Before mapping an Exchange item: reads the content of the files the vobject carries (one
 * GetAttachment per item), leaves out inline files and files over the cap (reported), and
 * returns what was left out. A failed read throws, so the item is read again later.
 */
export async function readAttachments(ctx: EwsContext, kind: CollectionKind, parsed: ParsedItem, signal?: AbortSignal): Promise<DroppedProperty[]> {
  if (parsed.type === "Unsupported" || !parsed.item.attachments?.length) return [];
  const property = kind === "contacts" ? "PHOTO" : "ATTACH";
  const cap = fileCap(ctx, kind);
  const dropped: DroppedProperty[] = [];
  const kept: Attachment[] = [];
  const toRead: FileAttachment[] = [];
  for (const attachment of parsed.item.attachments) {
    if (!isFile(attachment) || (kind === "contacts" && !attachment.isContactPhoto)) {
      kept.push(attachment); // the mappers report what the vobject cannot hold
      continue;
    }
    if (attachment.isInline) {
      dropped.push(droppedOf(property, "an inline attachment belongs to the HTML body, which is read as text", attachment.name));
      continue;
    }
    if ((attachment.size ?? 0) > cap) {
      dropped.push(droppedOf(property, `${attachment.size} bytes is over the ${cap}-byte cap (${kind === "contacts" ? "maxPhotoBytes" : "maxAttachmentBytes"}); not read`, attachment.name));
      continue;
    }
    if (!attachment.attachmentId || attachment.content !== undefined) {
      kept.push(attachment);
      continue;
    }
    toRead.push(attachment);
    kept.push(attachment);
  }
  if (toRead.length > 0) {
    const results = await ctx.client.getAttachment(toRead.map((a) => a.attachmentId!.id), signal ? { signal } : {});
    results.forEach((result, i) => {
      if (isEwsError(result)) throw result;
      if (result.kind === "file" && result.content !== undefined) toRead[i]!.content = result.content;
    });
  }
  parsed.item.attachments = kept;
  return dropped;
}

/**
 * Reads the content of every carried file of a batch of items in one GetAttachment (which
 * splits itself when the response is too large), so {@link readAttachments} finds it filled
 * in. Returns, per item index, the error that kept one of its files unread.
 */
export async function prefetchAttachments(ctx: EwsContext, kind: CollectionKind, items: ReadonlyArray<ParsedItem | EwsError>, signal?: AbortSignal): Promise<Map<number, EwsError>> {
  const cap = fileCap(ctx, kind);
  const wanted: Array<{ index: number; file: FileAttachment }> = [];
  items.forEach((r, index) => {
    if (isEwsError(r) || r.type === "Unsupported") return;
    for (const a of r.item.attachments ?? []) {
      if (isFile(a) && carried(kind, a) && (a.size ?? 0) <= cap && a.attachmentId && a.content === undefined) wanted.push({ index, file: a });
    }
  });
  const failed = new Map<number, EwsError>();
  if (wanted.length === 0) return failed;
  const results = await ctx.client.getAttachment(wanted.map((w) => w.file.attachmentId!.id), signal ? { signal } : {});
  results.forEach((r, i) => {
    const { index, file } = wanted[i]!;
    if (isEwsError(r)) failed.set(index, r);
    else if (r.kind === "file" && r.content !== undefined) file.content = r.content;
  });
  return failed;
}

/** Settles what depends on the server before items are mapped for a write (the request version). */
export async function settleServer(ctx: EwsContext, signal?: AbortSignal): Promise<void> {
  await ctx.client.negotiateVersion(signal ? { signal } : {});
}

/**
 * Before a write: what the server cannot take is reported and left out (Gender below
 * Exchange2016; files over the cap; an ORGANIZER that is not the mailbox, which Exchange makes
 * the organizer), and the files the item should carry are set aside for {@link syncAttachments}.
 * `current` is the Exchange item an update writes onto.
 */
export function prepareWrite(ctx: EwsContext, kind: CollectionKind, m: Mapped, current?: TypedItem): void {
  const version = ctx.client.version;
  if (m.typed.type === "Contact" && m.typed.item.gender && !versionAtLeast(version, "Exchange2016")) {
    m.dropped.push(droppedOf("GENDER", `Exchange takes Gender from Exchange2016 on; this server speaks ${version}`, m.typed.item.gender));
    delete m.typed.item.gender;
  }
  if (m.typed.type === "CalendarItem") {
    const wanted = m.typed.item.organizer?.emailAddress;
    const holder = current?.type === "CalendarItem" ? current.item.organizer?.emailAddress : mailboxOf(ctx);
    if (wanted && holder && wanted.toLowerCase() !== holder.toLowerCase()) {
      m.dropped.push(droppedOf("ORGANIZER", `Exchange makes the mailbox the organizer (${holder}); another organizer cannot be written`, wanted));
    } else if (wanted && !holder) m.organizer = wanted;
  }
  const item = m.typed.item as { attachments?: Attachment[] };
  const cap = fileCap(ctx, kind);
  const unreadPhoto = kind === "contacts" && m.dropped.some((d) => d.property === "PHOTO");
  const plan: FilePlan = { wanted: [], oversize: new Set(), keepCurrent: unreadPhoto && !item.attachments?.length };
  for (const file of (item.attachments ?? []).filter(isFile)) {
    const bytes = base64Bytes(file.content ?? "");
    if (bytes > cap) {
      m.dropped.push(droppedOf(kind === "contacts" ? "PHOTO" : "ATTACH", `${bytes} bytes is over the ${cap}-byte cap (${kind === "contacts" ? "maxPhotoBytes" : "maxAttachmentBytes"}); not sent`, file.name));
      plan.oversize.add(file.name);
    } else plan.wanted.push(kind === "contacts" ? { ...file, name: file.name || CONTACT_PHOTO_NAME, isContactPhoto: true } : file);
  }
  delete item.attachments; // attachments travel by CreateAttachment / DeleteAttachment, never in the item
  m.files = plan;
}

/**
 * After the item write: makes Exchange's files what the plan asks — deletes the carried files
 * no longer wanted (never inline ones, item attachments or files over the cap), creates the
 * wanted ones Exchange lacks. A file of the same name (for a photo: any photo) and size is read
 * and compared by hash, so an unchanged file is never sent again. Returns the item's id with
 * its change key after the last operation. On a new item a refused attachment is reported (the
 * item exists); on an update the error is thrown, so the update is tried again. `current` is
 * the item's attachments before the write (`null` for a new item).
 */
export async function syncAttachments(ctx: EwsContext, kind: CollectionKind, written: ItemId, m: Mapped, current: readonly Attachment[] | null, signal?: AbortSignal): Promise<ItemId> {
  const plan = m.files;
  const call = signal ? { signal } : {};
  const isNew = current === null;
  let changeKey = written.changeKey;
  if (m.organizer) await checkOrganizer(ctx, written, m, signal);
  if (!plan) return written;
  const cap = fileCap(ctx, kind);
  const managed = (current ?? []).filter(isFile).filter((a) => carried(kind, a) && (a.size ?? 0) <= cap && !plan.oversize.has(a.name) && a.attachmentId);
  const sameShape = (w: FileAttachment, a: FileAttachment) => (kind === "contacts" || w.name === a.name) && base64Bytes(w.content ?? "") === a.size;
  const candidates = managed.filter((a) => plan.wanted.some((w) => sameShape(w, a)));
  const contents = new Map<string, string>();
  if (candidates.length > 0) {
    const read = await ctx.client.getAttachment(candidates.map((a) => a.attachmentId!.id), call);
    read.forEach((r, i) => {
      if (!isEwsError(r) && r.kind === "file" && r.content !== undefined) contents.set(candidates[i]!.attachmentId!.id, contentHash(r.content));
    });
  }
  const unmatched = [...plan.wanted];
  const toDelete: string[] = [];
  for (const a of managed) {
    const hash = contents.get(a.attachmentId!.id);
    const at = hash === undefined ? -1 : unmatched.findIndex((w) => sameShape(w, a) && contentHash(w.content ?? "") === hash);
    if (at >= 0) unmatched.splice(at, 1);
    else if (!plan.keepCurrent) toDelete.push(a.attachmentId!.id);
  }
  const refused = (error: EwsError, name: string) => {
    if (!isNew) throw error;
    m.dropped.push(droppedOf(kind === "contacts" ? "PHOTO" : "ATTACH", `Exchange refused the attachment: ${(error as { responseCode?: string }).responseCode ?? error.code}: ${error.message}`, name));
  };
  if (toDelete.length > 0) {
    const results = await ctx.client.deleteAttachment(toDelete, call);
    for (const r of results) {
      if (isEwsError(r)) throw r;
      if (r.rootItemChangeKey) changeKey = r.rootItemChangeKey;
    }
  }
  if (unmatched.length > 0) {
    const results = await ctx.client.createAttachment({ id: written.id, changeKey }, unmatched, call);
    results.forEach((r, i) => {
      if (isEwsError(r)) refused(r, unmatched[i]!.name);
      else if (r.rootItemChangeKey) changeKey = r.rootItemChangeKey;
    });
  }
  return { id: written.id, changeKey };
}

/** Compares a DAV organizer with the one Exchange gave a new meeting (and learns the mailbox from it). */
async function checkOrganizer(ctx: EwsContext, written: ItemId, m: Mapped, signal?: AbortSignal): Promise<void> {
  const [r] = await ctx.client.getItem([{ id: written.id }], { shape: { baseShape: "IdOnly", additionalProperties: [{ fieldUri: "calendar:Organizer" }] }, ...(signal ? { signal } : {}) });
  const holder = r && !isEwsError(r) && r.type === "CalendarItem" ? r.item.organizer?.emailAddress : undefined;
  if (!holder) return;
  ctx.learntMailbox ??= holder;
  if (m.organizer && m.organizer.toLowerCase() !== holder.toLowerCase()) {
    m.dropped.push(droppedOf("ORGANIZER", `Exchange makes the mailbox the organizer (${holder}); another organizer cannot be written`, m.organizer));
  }
}
