/**
 * The field tables behind the item serialisers, parsers and update diffs. Each item kind lists its
 * fields in schema order (types.xsd `ItemType` then the kind's own sequence); one table drives
 * CreateItem bodies, UpdateItem field changes, GetItem shapes and response parsing.
 * @module
 */
import type { ExchangeVersion } from "../soap/envelope.js";
import { versionAtLeast } from "../soap/envelope.js";
import { childText, type XmlElement } from "../xml/parse.js";
import { xmlText } from "../xml/writer.js";
import { dateTimeText, doubleText, enumText, intText, parseBoolean, parseNumber, type WriteContext } from "./values.js";

/** Context of a write: where (for errors) and for which server version. */
export interface ItemWriteContext extends WriteContext {
  /** The request's server version; fields newer than it are not written. */
  version: ExchangeVersion;
}

/** One entry of a dictionary field such as `PhoneNumbers`: its index and the single-entry XML. */
export interface IndexedEntryChange {
  /** The `FieldURI` of the indexed path (e.g. `contacts:PhoneNumber`, `contacts:PhysicalAddress:Street`). */
  uri: string;
  /** The `FieldIndex` (e.g. `MobilePhone`). */
  index: string;
  /** The item content holding just this entry, or `undefined` to delete it. */
  xml: string | undefined;
}

/** How one model field maps to XML. `T` is the model item type. */
export interface FieldDef<T> {
  /** The model property. */
  key: keyof T & string;
  /** Local element name in the item. */
  element: string;
  /** `FieldURI` of the property; absent when the property has none (read-only derived fields). */
  uri?: string;
  /** Writes the whole element (or nothing); absent for read-only fields. */
  write?: (value: never, ctx: ItemWriteContext) => string;
  /** Reads the element into the item. */
  read: (e: XmlElement, item: T) => void;
  /** Oldest server version that knows the element. */
  minVersion?: ExchangeVersion;
  /** Newest server version that accepts it in writes (for `MeetingTimeZone`). */
  maxWriteVersion?: ExchangeVersion;
  /** Written by CreateItem only; UpdateItem never changes or deletes it (e.g. `ItemClass`, `Culture`). */
  createOnly?: boolean;
  /** Arrays that UpdateItem may extend with AppendToItemField. */
  appendable?: boolean;
  /** Dictionary fields: per-entry changes between two values. */
  indexedChanges?: (oldValue: unknown, newValue: unknown, ctx: ItemWriteContext) => IndexedEntryChange[];
  /**
   * Whether the server's value already says what the wanted value says, when equal content is
   * not the only way (an `Id`-only time zone is answered with its whole definition).
   */
  sameValue?: (current: unknown, wanted: unknown) => boolean;
}

/** Whether a field is written for the given server version. */
export function writableFor<T>(def: FieldDef<T>, version: ExchangeVersion): boolean {
  if (!def.write) return false;
  if (def.minVersion && !versionAtLeast(version, def.minVersion)) return false;
  if (def.maxWriteVersion && versionAtLeast(version, def.maxWriteVersion) && version !== def.maxWriteVersion) return false;
  return true;
}

/** Sets a model property (a plain assignment: readers run once per field of every item read). */
function set<T>(item: T, key: keyof T & string, value: unknown): void {
  (item as Record<string, unknown>)[key] = value;
}

/** A plain string field. */
export function stringField<T>(key: keyof T & string, element: string, uri: string | undefined, extra: Partial<FieldDef<T>> = {}): FieldDef<T> {
  return {
    key,
    element,
    ...(uri !== undefined ? { uri } : {}),
    ...(uri !== undefined ? { write: ((v: string) => (v === "" ? "" : xmlText(`t:${element}`, v))) as FieldDef<T>["write"] } : {}),
    read: (e, item) => set<T>(item, key, e.text),
    ...extra,
  };
}

/** An enumeration field (written after checking the value). */
export function enumField<T>(key: keyof T & string, element: string, uri: string | undefined, allowed: readonly string[], extra: Partial<FieldDef<T>> = {}): FieldDef<T> {
  return {
    key,
    element,
    ...(uri !== undefined ? { uri } : {}),
    ...(uri !== undefined ? { write: ((v: string, ctx: ItemWriteContext) => xmlText(`t:${element}`, enumText(v, allowed, ctx, key))) as FieldDef<T>["write"] } : {}),
    read: (e, item) => set<T>(item, key, e.text),
    ...extra,
  };
}

/** An `xs:dateTime` field. */
export function dateTimeField<T>(key: keyof T & string, element: string, uri: string | undefined, extra: Partial<FieldDef<T>> = {}): FieldDef<T> {
  return {
    key,
    element,
    ...(uri !== undefined ? { uri } : {}),
    ...(uri !== undefined ? { write: ((v: string, ctx: ItemWriteContext) => xmlText(`t:${element}`, dateTimeText(v, ctx, key))) as FieldDef<T>["write"] } : {}),
    read: (e, item) => set<T>(item, key, e.text),
    ...extra,
  };
}

/** An `xs:boolean` field. */
export function booleanField<T>(key: keyof T & string, element: string, uri: string | undefined, extra: Partial<FieldDef<T>> = {}): FieldDef<T> {
  return {
    key,
    element,
    ...(uri !== undefined ? { uri } : {}),
    ...(uri !== undefined ? { write: ((v: boolean) => xmlText(`t:${element}`, v ? "true" : "false")) as FieldDef<T>["write"] } : {}),
    read: (e, item) => set<T>(item, key, parseBoolean(e.text)),
    ...extra,
  };
}

/** An `xs:int` field. */
export function intField<T>(key: keyof T & string, element: string, uri: string | undefined, range: [number, number] = [-2147483648, 2147483647], extra: Partial<FieldDef<T>> = {}): FieldDef<T> {
  return {
    key,
    element,
    ...(uri !== undefined ? { uri } : {}),
    ...(uri !== undefined ? { write: ((v: number, ctx: ItemWriteContext) => xmlText(`t:${element}`, intText(v, ctx, key, range[0], range[1]))) as FieldDef<T>["write"] } : {}),
    read: (e, item) => {
      const n = parseNumber(e.text);
      if (n !== undefined) set<T>(item, key, n);
    },
    ...extra,
  };
}

/** An `xs:double` field. */
export function doubleField<T>(key: keyof T & string, element: string, uri: string | undefined, range: [number, number], extra: Partial<FieldDef<T>> = {}): FieldDef<T> {
  return {
    key,
    element,
    ...(uri !== undefined ? { uri } : {}),
    ...(uri !== undefined ? { write: ((v: number, ctx: ItemWriteContext) => xmlText(`t:${element}`, doubleText(v, ctx, key, range[0], range[1]))) as FieldDef<T>["write"] } : {}),
    read: (e, item) => {
      const n = parseNumber(e.text);
      if (n !== undefined) set<T>(item, key, n);
    },
    ...extra,
  };
}

/** Reads the text of a child, for dictionary entries. */
export { childText };
