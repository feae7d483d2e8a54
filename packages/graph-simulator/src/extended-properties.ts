/**
 * singleValueExtendedProperties over the mailbox records' EWS extended properties: Graph names a
 * property `{type} {guid} Name {name}`, `{type} {guid} Id {0xNNNN}` or `{type} 0xNNNN` (a tag);
 * EWS names the same property with an ExtendedFieldURI. Both protocols read and write the same
 * stored element, so a UID tagged over EWS is read over Graph and the reverse.
 */
import { el, extendedPropertyKey, type XmlElement } from "@ewsdav/ews-simulator";
import { GraphSimError } from "./errors.js";

/** The GUIDs of EWS's distinguished property sets (MS-OXPROPS). */
const DISTINGUISHED_SETS: Record<string, string> = {
  Meeting: "6ed8da90-450b-101b-98da-00aa003f1305",
  Appointment: "00062002-0000-0000-c000-000000000046",
  Common: "00062008-0000-0000-c000-000000000046",
  PublicStrings: "00020329-0000-0000-c000-000000000046",
  Address: "00062004-0000-0000-c000-000000000046",
  InternetHeaders: "00020386-0000-0000-c000-000000000046",
  CalendarAssistant: "11000e07-b51b-40d6-af21-caa85edab1d0",
  UnifiedMessaging: "4442858e-a9e3-4e80-b900-317a210cc15b",
  Task: "00062003-0000-0000-c000-000000000046",
  Sharing: "00062040-0000-0000-c000-000000000046",
};

/** The MAPI types a single-value property may have (EWS's MapiPropertyTypeType without the arrays). */
const TYPES = ["ApplicationTime", "Binary", "Boolean", "CLSID", "Currency", "Double", "Error", "Float", "Integer", "Long", "Null", "Object", "Short", "SystemTime", "String"];
const TYPE_BY_LOWER = new Map(TYPES.map((t) => [t.toLowerCase(), t]));

/** A parsed Graph extended property id. */
export interface ExtendedId {
  type: string;
  /** Lower-case set GUID, for named and id properties. */
  set?: string;
  name?: string;
  /** Numeric id (of a named-by-id property) or tag. */
  id?: number;
}

/** Parses a Graph extended property id, or throws a 400 the way Graph refuses a malformed one. */
export function parseExtendedId(text: string): ExtendedId {
  const bad = () => new GraphSimError(400, "ErrorInvalidProperty", `The extended property id '${text}' is not valid.`);
  const m = /^(\w+)\s+(?:\{([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}\s+(Name|Id)\s+(.+)|(0x[0-9a-fA-F]{1,4}))$/.exec(text.trim());
  if (!m) throw bad();
  const type = TYPE_BY_LOWER.get(m[1]!.toLowerCase());
  if (!type) throw bad();
  if (m[5]) return { type, id: parseInt(m[5], 16) };
  const set = m[2]!.toLowerCase();
  if (m[3] === "Name") return { type, set, name: m[4]! };
  const id = /^0x[0-9a-fA-F]+$/.test(m[4]!) ? parseInt(m[4]!, 16) : /^\d+$/.test(m[4]!) ? Number(m[4]) : Number.NaN;
  if (Number.isNaN(id)) throw bad();
  return { type, set, id };
}

/** The same property as two parsed ids name (type included, GUID without regard to case). */
export function sameExtendedId(a: ExtendedId, b: ExtendedId): boolean {
  return a.type === b.type && a.set === b.set && a.name === b.name && a.id === b.id;
}

/** The Graph id of a stored EWS ExtendedProperty element, or undefined for a multi-valued one. */
export function extendedIdOf(prop: XmlElement): ExtendedId | undefined {
  const uri = prop.children.find((c) => c.name === "ExtendedFieldURI");
  if (!uri) return undefined;
  const a = uri.attrs;
  const type = a.PropertyType ?? "";
  if (type.endsWith("Array") || !TYPE_BY_LOWER.has(type.toLowerCase())) return undefined;
  if (a.PropertyTag !== undefined) {
    const n = /^0x/i.test(a.PropertyTag) ? parseInt(a.PropertyTag.slice(2), 16) : parseInt(a.PropertyTag, 10);
    return { type, id: n };
  }
  const set = a.PropertySetId?.toLowerCase() ?? (a.DistinguishedPropertySetId ? DISTINGUISHED_SETS[a.DistinguishedPropertySetId] : undefined);
  if (!set) return undefined;
  if (a.PropertyName !== undefined) return { type, set, name: a.PropertyName };
  const id = a.PropertyId !== undefined ? (/^0x/i.test(a.PropertyId) ? parseInt(a.PropertyId.slice(2), 16) : Number(a.PropertyId)) : Number.NaN;
  return Number.isNaN(id) ? undefined : { type, set, id };
}

/** The Graph spelling of an id: `String {guid} Name X`, `Integer {guid} Id 0x8005`, `String 0x3a45`. */
export function formatExtendedId(id: ExtendedId): string {
  const hex = (n: number) => `0x${n.toString(16)}`;
  if (id.set === undefined) return `${id.type} ${hex(id.id!)}`;
  return id.name !== undefined ? `${id.type} {${id.set}} Name ${id.name}` : `${id.type} {${id.set}} Id ${hex(id.id!)}`;
}

/** The EWS element (and its store key) for a Graph property and value. */
export function extendedElement(id: ExtendedId, value: string): { key: string; element: XmlElement } {
  const uri = el("ExtendedFieldURI", id.set === undefined
    ? { PropertyTag: `0x${id.id!.toString(16).padStart(4, "0")}`, PropertyType: id.type }
    : id.name !== undefined
      ? { PropertySetId: id.set, PropertyName: id.name, PropertyType: id.type }
      : { PropertySetId: id.set, PropertyId: id.id!, PropertyType: id.type });
  return { key: extendedPropertyKey(uri), element: el("ExtendedProperty", {}, [uri, el("Value", {}, value)]) };
}

/** Parses `singleValueExtendedProperties` of a request body into elements by key (values must be strings). */
export function parseExtendedProperties(value: unknown): Array<{ key: string; id: ExtendedId; element: XmlElement }> {
  if (!Array.isArray(value)) throw new GraphSimError(400, "RequestBodyRead", "singleValueExtendedProperties must be a collection.");
  return value.map((entry) => {
    if (typeof entry !== "object" || entry === null) throw new GraphSimError(400, "RequestBodyRead", "An extended property must be an object.");
    const { id, value: v, ...rest } = entry as Record<string, unknown>;
    const extra = Object.keys(rest).find((k) => !k.startsWith("@odata."));
    if (extra) throw new GraphSimError(400, "RequestBodyRead", `The property '${extra}' does not exist on type 'microsoft.graph.singleValueLegacyExtendedProperty'.`);
    if (typeof id !== "string" || typeof v !== "string") throw new GraphSimError(400, "RequestBodyRead", "An extended property needs a string id and a string value.");
    const parsed = parseExtendedId(id);
    return { ...extendedElement(parsed, v), id: parsed };
  });
}

// ---------------------------------------------------------------- computed MAPI ids

/** PidTagParentEntryId (MS-OXPROPS: tag 0x0E09, PtypBinary): the entry id of the folder that holds an item. */
export const PARENT_ENTRY_ID: ExtendedId = { type: "Binary", id: 0x0e09 };
/** PidTagEntryId (MS-OXPROPS: tag 0x0FFF, PtypBinary): an object's own entry id. */
export const ENTRY_ID: ExtendedId = { type: "Binary", id: 0x0fff };

/**
 * A folder's entry id as MS-OXCDATA 2.2.4.1 lays out a Folder EntryID (46 bytes: Flags, the store's
 * ProviderUID, FolderType eofPrivateFolder 0x0001, DatabaseGuid, the 6-byte GlobalCounter, Pad): the
 * bytes the EWS simulator's ConvertId gives as `EntryId`, so both protocols name a folder alike.
 * Graph answers a Binary extended property's value base64-encoded.
 */
export function folderEntryId(box: { guid: Buffer }, folderNumber: number): string {
  const type = Buffer.alloc(2);
  type.writeUInt16LE(0x0001);
  const counter = Buffer.alloc(6);
  counter.writeUIntBE(folderNumber, 0, 6);
  return Buffer.concat([Buffer.alloc(4), box.guid, type, box.guid, counter, Buffer.alloc(2)]).toString("base64");
}
