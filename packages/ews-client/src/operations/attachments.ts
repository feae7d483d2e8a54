/**
 * Attachment operations: CreateAttachment, GetAttachment, DeleteAttachment (file attachments and
 * contact photos).
 * @module
 */
import type { CallOptions, EwsClientCore } from "../client-core.js";
import { EwsInputError, EwsProtocolError } from "../errors.js";
import { fileAttachmentXml, parseAttachment, parseAttachmentId } from "../items/common-xml.js";
import type { Attachment, FileAttachment } from "../model/common.js";
import type { AttachmentId, ItemId } from "../model/ids.js";
import { child } from "../xml/parse.js";
import { xmlElement } from "../xml/writer.js";
import { isResponseTooLarge, shortId, tooLargeFor } from "./page-size.js";
import { batchResults, type ItemResult } from "./results.js";

/** The name Exchange and Outlook give a contact's photo attachment. */
export const CONTACT_PHOTO_NAME = "ContactPicture.jpg";

/** Builds `m:CreateAttachment`. */
export function buildCreateAttachment(parent: ItemId, files: readonly FileAttachment[]): string {
  if (files.length === 0) throw new EwsInputError("CreateAttachment", "attachments", "at least one attachment is required");
  return xmlElement(
    "m:CreateAttachment",
    undefined,
    xmlElement("m:ParentItemId", { Id: parent.id, ChangeKey: parent.changeKey }),
    xmlElement("m:Attachments", undefined, ...files.map((f, i) => fileAttachmentXml(f, { item: `CreateAttachment[${i}]` }))),
  );
}

/**
 * CreateAttachment: one result per file, each carrying the attachment id and the parent's new
 * change key (`rootItemChangeKey`).
 */
export async function createAttachment(
  client: EwsClientCore,
  parent: ItemId,
  files: readonly FileAttachment[],
  options: CallOptions = {},
): Promise<ItemResult<AttachmentId>[]> {
  const response = await client.request("CreateAttachment", buildCreateAttachment(parent, files), { ...options, idempotent: false });
  return batchResults(response.body, "CreateAttachment", files.length, 0, (m) => {
    const id = child(child(m.element, "Attachments")?.children[0], "AttachmentId");
    if (!id) throw new EwsProtocolError("CreateAttachment: success without an AttachmentId");
    return parseAttachmentId(id);
  });
}

/** Adds a JPEG photo to a contact (base64 content), as Outlook stores it. */
export function setContactPhoto(client: EwsClientCore, contact: ItemId, jpegBase64: string, options: CallOptions = {}): Promise<ItemResult<AttachmentId>[]> {
  return createAttachment(client, contact, [{ kind: "file", name: CONTACT_PHOTO_NAME, contentType: "image/jpeg", isContactPhoto: true, content: jpegBase64 }], options);
}

function attachmentIdsXml(ids: readonly string[], operation: string): string {
  if (ids.length === 0) throw new EwsInputError(operation, "attachmentIds", "at least one attachment id is required");
  return xmlElement("m:AttachmentIds", undefined, ...ids.map((id) => xmlElement("t:AttachmentId", { Id: id })));
}

/** Builds `m:GetAttachment`. */
export function buildGetAttachment(ids: readonly string[]): string {
  return xmlElement("m:GetAttachment", undefined, attachmentIdsXml(ids, "GetAttachment"));
}

/**
 * GetAttachment: one attachment (with content, for files) per id. When the response for several ids
 * is over the size limit, they are read in halves, down to one; an attachment whose response alone
 * is over the limit gets a `ResponseTooLargeError` in its slot, naming it.
 */
export async function getAttachment(client: EwsClientCore, ids: readonly string[], options: CallOptions = {}): Promise<ItemResult<Attachment>[]> {
  const read = async (part: readonly string[], first: number): Promise<ItemResult<Attachment>[]> => {
    try {
      const response = await client.request("GetAttachment", buildGetAttachment(part), { ...options, idempotent: true });
      return batchResults(response.body, "GetAttachment", part.length, first, (m) => {
        const e = child(m.element, "Attachments")?.children[0];
        const parsed = e && parseAttachment(e);
        if (!parsed) throw new EwsProtocolError("GetAttachment: success without an attachment");
        return parsed;
      });
    } catch (error) {
      if (!isResponseTooLarge(error)) throw error;
      if (part.length === 1) return [tooLargeFor(error, `GetAttachment[${first}] (attachment ${shortId(part[0]!)})`)];
      const half = Math.ceil(part.length / 2);
      return [...(await read(part.slice(0, half), first)), ...(await read(part.slice(half), first + half))];
    }
  };
  return read(ids, 0);
}

/** Builds `m:DeleteAttachment`. */
export function buildDeleteAttachment(ids: readonly string[]): string {
  return xmlElement("m:DeleteAttachment", undefined, attachmentIdsXml(ids, "DeleteAttachment"));
}

/** The parent item after an attachment was deleted. */
export interface DeletedAttachment {
  /** The parent item's id. */
  rootItemId: string;
  /** The parent item's new change key. */
  rootItemChangeKey: string;
}

/** DeleteAttachment: one result per id. */
export async function deleteAttachment(client: EwsClientCore, ids: readonly string[], options: CallOptions = {}): Promise<ItemResult<DeletedAttachment>[]> {
  const response = await client.request("DeleteAttachment", buildDeleteAttachment(ids), { ...options, idempotent: true });
  return batchResults(response.body, "DeleteAttachment", ids.length, 0, (m) => {
    const root = child(m.element, "RootItemId");
    return { rootItemId: root?.attributes.RootItemId ?? "", rootItemChangeKey: root?.attributes.RootItemChangeKey ?? "" };
  });
}

