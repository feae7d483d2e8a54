/**
 * Property paths, response shapes and folder references in requests.
 * @module
 */
import type { ExtendedFieldUri } from "../model/extended-property.js";
import { isDistinguishedFolderId, type FolderReference } from "../model/ids.js";
import { extendedFieldUriXml } from "../items/common-xml.js";
import type { WriteContext } from "../items/values.js";
import { xmlElement, xmlText } from "../xml/writer.js";

/** A property to request: by FieldURI, by indexed FieldURI, or an extended property. */
export type PropertyPath =
  | { fieldUri: string; fieldIndex?: undefined }
  | { fieldUri: string; fieldIndex: string }
  | { extended: ExtendedFieldUri };

/** The shape of items in a response (types.xsd `ItemResponseShapeType`). */
export interface ItemShape {
  /** `IdOnly`, `Default` or `AllProperties` (default `AllProperties`). */
  baseShape?: "IdOnly" | "Default" | "AllProperties";
  /** Body format (default `Best`: what the item holds). */
  bodyType?: "Best" | "HTML" | "Text";
  /** Extra properties, e.g. ewsdav's UID extended property. */
  additionalProperties?: readonly PropertyPath[];
}

/** `<t:FieldURI>`, `<t:IndexedFieldURI>` or `<t:ExtendedFieldURI>`. */
export function propertyPathXml(p: PropertyPath, ctx: WriteContext): string {
  if ("extended" in p) return extendedFieldUriXml(p.extended, ctx, "additionalProperties");
  if (p.fieldIndex !== undefined) return xmlElement("t:IndexedFieldURI", { FieldURI: p.fieldUri, FieldIndex: p.fieldIndex });
  return xmlElement("t:FieldURI", { FieldURI: p.fieldUri });
}

/** `<m:ItemShape>` (children in schema order). */
export function itemShapeXml(shape: ItemShape | undefined, ctx: WriteContext, name = "m:ItemShape"): string {
  const props = shape?.additionalProperties ?? [];
  return xmlElement(
    name,
    undefined,
    xmlText("t:BaseShape", shape?.baseShape ?? "AllProperties"),
    shape?.baseShape !== "IdOnly" || shape.bodyType ? xmlText("t:BodyType", shape?.bodyType ?? "Best") : "",
    props.length > 0 && xmlElement("t:AdditionalProperties", undefined, ...props.map((p) => propertyPathXml(p, ctx))),
  );
}

/** `<t:FolderId>` or `<t:DistinguishedFolderId>` (with its `Mailbox` for delegate access). */
export function folderReferenceXml(folder: FolderReference): string {
  if (isDistinguishedFolderId(folder)) {
    return xmlElement(
      "t:DistinguishedFolderId",
      { Id: folder.distinguishedId, ChangeKey: folder.changeKey },
      folder.mailbox !== undefined && xmlElement("t:Mailbox", undefined, xmlText("t:EmailAddress", folder.mailbox)),
    );
  }
  return xmlElement("t:FolderId", { Id: folder.id, ChangeKey: folder.changeKey });
}
