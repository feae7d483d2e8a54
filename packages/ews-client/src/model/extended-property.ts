/**
 * Extended (MAPI) properties (types.xsd `ExtendedPropertyType`, `PathToExtendedFieldType`).
 * @module
 */

/** Well-known property sets (types.xsd `DistinguishedPropertySetType`). */
export type DistinguishedPropertySet =
  | "Meeting"
  | "Appointment"
  | "Common"
  | "PublicStrings"
  | "Address"
  | "InternetHeaders"
  | "CalendarAssistant"
  | "UnifiedMessaging"
  | "Task"
  | "Sharing";

/** MAPI property types (types.xsd `MapiPropertyTypeType`). */
export type MapiPropertyType =
  | "ApplicationTime"
  | "ApplicationTimeArray"
  | "Binary"
  | "BinaryArray"
  | "Boolean"
  | "CLSID"
  | "CLSIDArray"
  | "Currency"
  | "CurrencyArray"
  | "Double"
  | "DoubleArray"
  | "Error"
  | "Float"
  | "FloatArray"
  | "Integer"
  | "IntegerArray"
  | "Long"
  | "LongArray"
  | "Null"
  | "Object"
  | "ObjectArray"
  | "Short"
  | "ShortArray"
  | "SystemTime"
  | "SystemTimeArray"
  | "String"
  | "StringArray";

/**
 * Names an extended property (the attributes of `t:ExtendedFieldURI`). Valid combinations, as the
 * schema documents them, always with `propertyType`:
 * 1. `propertySetId` (a GUID) or `distinguishedPropertySetId`, plus `propertyName` or `propertyId`;
 * 2. `propertyTag` alone (e.g. `"0x3A45"`).
 * The serialiser refuses other combinations with an error naming the field.
 */
export interface ExtendedFieldUri {
  /** A well-known property set (`DistinguishedPropertySetId`). */
  distinguishedPropertySetId?: DistinguishedPropertySet;
  /** A property set GUID (`PropertySetId`), e.g. ewsdav's own set for the UID of contacts and tasks. */
  propertySetId?: string;
  /** A MAPI property tag in hex (`PropertyTag`, e.g. `"0x3A45"`) or decimal. */
  propertyTag?: string;
  /** A named property's name (`PropertyName`). */
  propertyName?: string;
  /** A named property's numeric id (`PropertyId`). */
  propertyId?: number;
  /** The MAPI type of the value (`PropertyType`, required). */
  propertyType: MapiPropertyType;
}

/**
 * One extended property and its value (types.xsd `ExtendedPropertyType`). Single-valued types use
 * `value`; the `…Array` types use `values`. Values are the strings EWS sends (numbers in decimal,
 * booleans `true`/`false`, binaries base64, times ISO-8601).
 */
export interface ExtendedProperty {
  /** Which property (`t:ExtendedFieldURI`). */
  fieldUri: ExtendedFieldUri;
  /** The value of a single-valued property (`t:Value`). */
  value?: string;
  /** The values of a multi-valued property (`t:Values/t:Value`). */
  values?: string[];
}

/**
 * A stable string key for an extended field URI, for comparing and indexing properties
 * (set and name/id compared case-insensitively where Exchange does).
 */
export function extendedFieldKey(uri: ExtendedFieldUri): string {
  if (uri.propertyTag !== undefined) {
    const tag = uri.propertyTag.trim().toLowerCase();
    const n = tag.startsWith("0x") ? Number.parseInt(tag.slice(2), 16) : Number.parseInt(tag, 10);
    return `tag:${Number.isNaN(n) ? tag : n}:${uri.propertyType}`;
  }
  const set = uri.propertySetId !== undefined ? `guid:${uri.propertySetId.toLowerCase()}` : `dist:${uri.distinguishedPropertySetId ?? ""}`;
  const name = uri.propertyName !== undefined ? `name:${uri.propertyName}` : `id:${uri.propertyId ?? ""}`;
  return `${set}:${name}:${uri.propertyType}`;
}
