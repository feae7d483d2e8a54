/**
 * How ewsdav keeps a DAV object's UID on EWS contacts and tasks: a named extended property in a
 * property set of ewsdav's own GUID. Calendar items use their native `UID` instead.
 */
import type { ExtendedFieldUri, ExtendedProperty, ItemBase } from "@ewsdav/ews-client";

/** The GUID of ewsdav's own MAPI property set (`PropertySetId`). */
export const EWSDAV_PROPERTY_SET_ID = "6c1f1b53-7d2e-4a8e-9a43-2f1d5e8b0c71";

/**
 * The extended field that carries the vCard / VTODO UID on EWS contacts and tasks. The EWS side
 * asks for it in GetItem / SyncFolderItems (`AdditionalProperties`) and writes it with the item.
 */
export const EWSDAV_UID_PROPERTY: ExtendedFieldUri = Object.freeze({
  propertySetId: EWSDAV_PROPERTY_SET_ID,
  propertyName: "ewsdav-uid",
  propertyType: "String",
});

function sameField(a: ExtendedFieldUri, b: ExtendedFieldUri): boolean {
  return (
    (a.propertySetId ?? "").toLowerCase() === (b.propertySetId ?? "").toLowerCase() &&
    a.propertyName === b.propertyName &&
    a.propertyType === b.propertyType &&
    a.propertyTag === undefined &&
    a.distinguishedPropertySetId === undefined
  );
}

/** The ewsdav UID stored on an EWS item, or null. */
export function readEwsdavUid(item: ItemBase): string | null {
  const property = item.extendedProperties?.find((candidate) => sameField(candidate.fieldUri, EWSDAV_UID_PROPERTY));
  return property?.value !== undefined && property.value !== "" ? property.value : null;
}

/** The extended property that stores `uid` on an EWS item. */
export function ewsdavUidProperty(uid: string): ExtendedProperty {
  return { fieldUri: { ...EWSDAV_UID_PROPERTY }, value: uid };
}

/** The item's other extended properties plus the UID one (replacing an older UID value). */
export function withEwsdavUid(existing: ExtendedProperty[] | undefined, uid: string): ExtendedProperty[] {
  return [...(existing ?? []).filter((property) => !sameField(property.fieldUri, EWSDAV_UID_PROPERTY)), ewsdavUidProperty(uid)];
}
