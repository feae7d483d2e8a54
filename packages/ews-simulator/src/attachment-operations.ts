/** The attachment operations the simulator serves: CreateAttachment, GetAttachment and DeleteAttachment. */
import { SimError } from "./errors.js";
import { decodeId } from "./ids.js";
import { type ItemRef, message, type OperationContext, resolveItem, response } from "./operation-context.js";
import { child, childText, el, mEl, type XmlElement } from "./xml.js";

// ------------------------------------------------------------------ attachments

function resolveAttachment(ctx: OperationContext, ref: XmlElement) {
  const decoded = decodeId(ref.attrs.Id ?? "");
  if (!decoded || decoded.kind !== "attachment") throw new SimError("ErrorInvalidIdMalformed", "Id is malformed.");
  const box = ctx.storeByGuid(decoded.store);
  const item = box?.itemIndex.get(decoded.extra);
  const attachment = item?.attachments.find((a) => a.number === decoded.number);
  if (!box || !item || !attachment) throw new SimError("ErrorInvalidAttachmentId", "The attachment could not be found.");
  return { box, item, attachment };
}

/** CreateAttachment: file attachments added to an item. */
export function createAttachment(request: XmlElement, ctx: OperationContext): XmlElement {
  const attachments = child(request, "Attachments")?.children ?? [];
  let parent: ItemRef | SimError;
  try {
    parent = resolveItem(ctx, child(request, "ParentItemId") && { ...child(request, "ParentItemId")!, name: "ItemId" });
  } catch (error) {
    if (!(error instanceof SimError)) throw error;
    parent = error;
  }
  return response("CreateAttachment", attachments.map((spec) =>
    message("CreateAttachmentResponseMessage", () => {
      if (parent instanceof SimError) throw parent;
      if (spec.name !== "FileAttachment") throw new SimError("ErrorInvalidRequest", `${spec.name} is not supported by the simulator.`);
      const { box, target } = parent;
      const content = childText(spec, "Content") ?? "";
      const attachment = box.addAttachmentRecord(target.item, {
        name: childText(spec, "Name") ?? "attachment", contentType: childText(spec, "ContentType"), content: content.replace(/\s+/g, ""),
        isContactPhoto: childText(spec, "IsContactPhoto") === "true", isInline: childText(spec, "IsInline") === "true", contentId: childText(spec, "ContentId"),
      });
      return [mEl("Attachments", {}, [el("FileAttachment", {}, [el("AttachmentId", {
        Id: box.attachmentId(target.item, attachment), RootItemId: box.itemId(target.item), RootItemChangeKey: box.itemChangeKey(target.item),
      })])])];
    }, () => [mEl("Attachments")]),
  ));
}

/** GetAttachment: attachments with their content. */
export function getAttachment(request: XmlElement, ctx: OperationContext): XmlElement {
  const ids = child(request, "AttachmentIds")?.children ?? [];
  return response("GetAttachment", ids.map((ref) =>
    message("GetAttachmentResponseMessage", () => {
      const { box, item, attachment: a } = resolveAttachment(ctx, ref);
      return [mEl("Attachments", {}, [el("FileAttachment", {}, [
        el("AttachmentId", { Id: box.attachmentId(item, a) }), el("Name", {}, a.name), el("ContentType", {}, a.contentType),
        a.contentId !== undefined && el("ContentId", {}, a.contentId), el("Size", {}, a.content.length),
        el("LastModifiedTime", {}, new Date(a.lastModified).toISOString().replace(/\.\d{3}Z$/, "Z")), el("IsInline", {}, a.isInline),
        el("IsContactPhoto", {}, a.isContactPhoto), el("Content", {}, a.content.toString("base64")),
      ])])];
    }, () => [mEl("Attachments")]),
  ));
}

/** DeleteAttachment: attachments removed; answers the root item's new ChangeKey. */
export function deleteAttachment(request: XmlElement, ctx: OperationContext): XmlElement {
  const ids = child(request, "AttachmentIds")?.children ?? [];
  return response("DeleteAttachment", ids.map((ref) =>
    message("DeleteAttachmentResponseMessage", () => {
      const { box, item, attachment } = resolveAttachment(ctx, ref);
      box.removeAttachmentRecord(item, attachment.number);
      return [mEl("RootItemId", { RootItemId: box.itemId(item), RootItemChangeKey: box.itemChangeKey(item) })];
    }),
  ));
}
