/**
 * XML of the parts shared by every item: ids, mailboxes, bodies, string arrays, extended properties,
 * attachments.
 * @module
 */
import type { Attachment, Body, FileAttachment, Mailbox, MailboxType } from "../model/common.js";
import type { ExtendedFieldUri, ExtendedProperty, MapiPropertyType } from "../model/extended-property.js";
import type { AttachmentId, FolderId, ItemId, ItemReference } from "../model/ids.js";
import { isOccurrenceItemId } from "../model/ids.js";
import { EwsInputError } from "../errors.js";
import { child, childText, children, type XmlElement } from "../xml/parse.js";
import { xmlElement, xmlText } from "../xml/writer.js";
import { intText, parseBoolean, parseNumber, type WriteContext } from "./values.js";

/** `<t:ItemId>` or `<t:OccurrenceItemId>` for a reference. */
export function itemReferenceXml(ref: ItemReference): string {
  if (isOccurrenceItemId(ref)) {
    return xmlElement("t:OccurrenceItemId", {
      RecurringMasterId: ref.recurringMasterId,
      ChangeKey: ref.changeKey,
      InstanceIndex: ref.instanceIndex,
    });
  }
  return xmlElement("t:ItemId", { Id: ref.id, ChangeKey: ref.changeKey });
}

/** Reads an `ItemIdType` element. */
export function parseItemId(e: XmlElement): ItemId {
  const id: ItemId = { id: e.attributes.Id ?? "" };
  if (e.attributes.ChangeKey !== undefined) id.changeKey = e.attributes.ChangeKey;
  return id;
}

/** Reads a `FolderIdType` element. */
export function parseFolderId(e: XmlElement): FolderId {
  const id: FolderId = { id: e.attributes.Id ?? "" };
  if (e.attributes.ChangeKey !== undefined) id.changeKey = e.attributes.ChangeKey;
  return id;
}

/** Reads an `AttachmentIdType` element. */
export function parseAttachmentId(e: XmlElement): AttachmentId {
  const id: AttachmentId = { id: e.attributes.Id ?? "" };
  if (e.attributes.RootItemId !== undefined) id.rootItemId = e.attributes.RootItemId;
  if (e.attributes.RootItemChangeKey !== undefined) id.rootItemChangeKey = e.attributes.RootItemChangeKey;
  return id;
}

/** `<t:Body BodyType="…">`. */
export function bodyXml(name: string, body: Body): string {
  return xmlText(name, body.value, { BodyType: body.bodyType });
}

/** Reads a `BodyType` element. */
export function parseBody(e: XmlElement): Body {
  const body: Body = { bodyType: e.attributes.BodyType === "HTML" ? "HTML" : "Text", value: e.text };
  if (e.attributes.IsTruncated !== undefined) body.isTruncated = parseBoolean(e.attributes.IsTruncated);
  return body;
}

/** `ArrayOfStringsType`: `<name><t:String>…</t:String>…</name>`. */
export function stringArrayXml(name: string, values: readonly string[]): string {
  return xmlElement(name, undefined, ...values.map((v) => xmlText("t:String", v)));
}

/** Reads an `ArrayOfStringsType`. */
export function parseStringArray(e: XmlElement): string[] {
  return children(e, "String").map((s) => s.text);
}

/** `<t:Mailbox>` (types.xsd `EmailAddressType`, children in schema order). */
export function mailboxXml(name: string, mailbox: Mailbox): string {
  return xmlElement(
    name,
    undefined,
    xmlText("t:Name", mailbox.name),
    mailbox.emailAddress !== undefined && mailbox.emailAddress !== "" ? xmlText("t:EmailAddress", mailbox.emailAddress) : "",
    mailbox.routingType !== undefined && mailbox.routingType !== "" ? xmlText("t:RoutingType", mailbox.routingType) : "",
    xmlText("t:MailboxType", mailbox.mailboxType),
    mailbox.itemId && xmlElement("t:ItemId", { Id: mailbox.itemId.id, ChangeKey: mailbox.itemId.changeKey }),
  );
}

/** Reads an `EmailAddressType` element. */
export function parseMailbox(e: XmlElement): Mailbox {
  const m: Mailbox = {};
  const name = childText(e, "Name");
  if (name !== undefined) m.name = name;
  const address = childText(e, "EmailAddress");
  if (address !== undefined) m.emailAddress = address;
  const routing = childText(e, "RoutingType");
  if (routing !== undefined) m.routingType = routing;
  const type = childText(e, "MailboxType");
  if (type !== undefined) m.mailboxType = type as MailboxType;
  const itemId = child(e, "ItemId");
  if (itemId) m.itemId = parseItemId(itemId);
  return m;
}

/** `<t:ExtendedFieldURI …/>`, checking that the attribute combination is one the schema allows. */
export function extendedFieldUriXml(uri: ExtendedFieldUri, ctx: WriteContext, field = "extendedProperties"): string {
  const bySet = uri.propertySetId !== undefined || uri.distinguishedPropertySetId !== undefined;
  const byKey = uri.propertyName !== undefined || uri.propertyId !== undefined;
  if (uri.propertyTag !== undefined) {
    if (bySet || byKey) throw new EwsInputError(ctx.item, field, "a property tag cannot be combined with a property set, name or id");
  } else {
    if (uri.propertySetId !== undefined && uri.distinguishedPropertySetId !== undefined) {
      throw new EwsInputError(ctx.item, field, "give either propertySetId or distinguishedPropertySetId, not both");
    }
    if (!bySet || !byKey || (uri.propertyName !== undefined && uri.propertyId !== undefined)) {
      throw new EwsInputError(ctx.item, field, "an extended property needs a property set and exactly one of propertyName/propertyId, or a propertyTag");
    }
    if (uri.propertyId !== undefined) intText(uri.propertyId, ctx, `${field}.propertyId`);
  }
  return xmlElement("t:ExtendedFieldURI", {
    DistinguishedPropertySetId: uri.distinguishedPropertySetId,
    PropertySetId: uri.propertySetId,
    PropertyTag: uri.propertyTag,
    PropertyName: uri.propertyName,
    PropertyId: uri.propertyId,
    PropertyType: uri.propertyType,
  });
}

/** `<t:ExtendedProperty>` with `Value` or `Values`. */
export function extendedPropertyXml(prop: ExtendedProperty, ctx: WriteContext): string {
  const isArray = prop.fieldUri.propertyType.endsWith("Array");
  let valueXml: string;
  if (isArray) {
    const values = prop.values ?? (prop.value !== undefined ? [prop.value] : []);
    if (values.length === 0) throw new EwsInputError(ctx.item, "extendedProperties", `${prop.fieldUri.propertyType} property without values`);
    valueXml = xmlElement("t:Values", undefined, ...values.map((v) => `<t:Value>${escapeValue(v)}</t:Value>`));
  } else {
    if (prop.value === undefined) throw new EwsInputError(ctx.item, "extendedProperties", `${prop.fieldUri.propertyType} property without a value`);
    valueXml = `<t:Value>${escapeValue(prop.value)}</t:Value>`;
  }
  return `<t:ExtendedProperty>${extendedFieldUriXml(prop.fieldUri, ctx)}${valueXml}</t:ExtendedProperty>`;
}

function escapeValue(v: string): string {
  return xmlText("x", v).slice(3, -4);
}

/** Reads an `ExtendedFieldURI` element. */
export function parseExtendedFieldUri(e: XmlElement): ExtendedFieldUri {
  const a = e.attributes;
  const uri: ExtendedFieldUri = { propertyType: (a.PropertyType ?? "String") as MapiPropertyType };
  if (a.DistinguishedPropertySetId !== undefined) uri.distinguishedPropertySetId = a.DistinguishedPropertySetId as ExtendedFieldUri["distinguishedPropertySetId"] & string;
  if (a.PropertySetId !== undefined) uri.propertySetId = a.PropertySetId;
  if (a.PropertyTag !== undefined) uri.propertyTag = a.PropertyTag;
  if (a.PropertyName !== undefined) uri.propertyName = a.PropertyName;
  if (a.PropertyId !== undefined) uri.propertyId = Number(a.PropertyId);
  return uri;
}

/** Reads an `ExtendedProperty` element. */
export function parseExtendedProperty(e: XmlElement): ExtendedProperty {
  const uriElement = child(e, "ExtendedFieldURI");
  const prop: ExtendedProperty = { fieldUri: uriElement ? parseExtendedFieldUri(uriElement) : { propertyType: "String" } };
  const value = child(e, "Value");
  if (value) prop.value = value.text;
  const values = child(e, "Values");
  if (values) prop.values = children(values, "Value").map((v) => v.text);
  return prop;
}

/** Reads one attachment element (`FileAttachment` or `ItemAttachment`). */
export function parseAttachment(e: XmlElement): Attachment | undefined {
  const idElement = child(e, "AttachmentId");
  const common = {
    name: childText(e, "Name") ?? "",
    ...(idElement ? { attachmentId: parseAttachmentId(idElement) } : {}),
  };
  const contentType = childText(e, "ContentType");
  const size = parseNumber(childText(e, "Size") ?? "");
  const lastModifiedTime = childText(e, "LastModifiedTime");
  const isInline = childText(e, "IsInline");
  const optional = {
    ...(contentType !== undefined ? { contentType } : {}),
    ...(size !== undefined ? { size } : {}),
    ...(lastModifiedTime !== undefined ? { lastModifiedTime } : {}),
    ...(isInline !== undefined ? { isInline: parseBoolean(isInline) } : {}),
  };
  if (e.name === "FileAttachment") {
    const file: FileAttachment = { kind: "file", ...common, ...optional };
    const contentId = childText(e, "ContentId");
    if (contentId !== undefined) file.contentId = contentId;
    const photo = childText(e, "IsContactPhoto");
    if (photo !== undefined) file.isContactPhoto = parseBoolean(photo);
    const content = childText(e, "Content");
    if (content !== undefined) file.content = content.replace(/\s+/g, "");
    return file;
  }
  if (e.name === "ItemAttachment" || e.name === "ReferenceAttachment") return { kind: "item", ...common, ...optional };
  return undefined;
}

/** `<t:FileAttachment>` for CreateAttachment (children in `AttachmentType` then `FileAttachmentType` order). */
export function fileAttachmentXml(file: FileAttachment, ctx: WriteContext): string {
  if (file.content === undefined) throw new EwsInputError(ctx.item, "content", "a file attachment to create needs its content");
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(file.content)) throw new EwsInputError(ctx.item, "content", "content is not base64");
  return xmlElement(
    "t:FileAttachment",
    undefined,
    xmlText("t:Name", file.name),
    xmlText("t:ContentType", file.contentType),
    xmlText("t:ContentId", file.contentId),
    file.isInline !== undefined && xmlText("t:IsInline", file.isInline),
    file.isContactPhoto !== undefined && xmlText("t:IsContactPhoto", file.isContactPhoto),
    xmlText("t:Content", file.content.replace(/\s+/g, "")),
  );
}
