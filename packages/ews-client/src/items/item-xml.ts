/**
 * Items to XML and back, and the UpdateItem field changes between two versions of an item.
 * Driven by the field tables, so creation, update and parsing agree on names and order.
 * @module
 */
import { EwsInputError } from "../errors.js";
import type { CalendarItem } from "../model/calendar-item.js";
import type { ItemBase } from "../model/common.js";
import type { Contact } from "../model/contact.js";
import type { ExtendedProperty } from "../model/extended-property.js";
import type { ItemId } from "../model/ids.js";
import type { Task } from "../model/task.js";
import { child, type XmlElement } from "../xml/parse.js";
import { xmlElement } from "../xml/writer.js";
import { CALENDAR_ITEM_FIELDS } from "./calendar-item-fields.js";
import { extendedFieldUriXml, extendedPropertyXml, parseItemId } from "./common-xml.js";
import { CONTACT_FIELDS, contactAfterRead, contactForWrite } from "./contact-fields.js";
import { writableFor, type FieldDef, type ItemWriteContext } from "./field-table.js";
import { extendedPropertyMap } from "./item-base-fields.js";
import { TASK_FIELDS } from "./task-fields.js";

/** An item with its kind: the unit every item operation takes and returns. */
export type TypedItem =
  | { type: "Contact"; item: Contact }
  | { type: "Task"; item: Task }
  | { type: "CalendarItem"; item: CalendarItem };

/** The kinds of item the client models. */
export type ItemType = TypedItem["type"];

/** An item of a kind the client does not model (a message, a distribution list, …): only its id. */
export interface UnsupportedItem {
  /** Discriminator. */
  type: "Unsupported";
  /** The element name (e.g. `DistributionList`, `Message`). */
  elementName: string;
  /** Its id, when given. */
  itemId?: ItemId;
}

/** What a response's item element parses to. */
export type ParsedItem = TypedItem | UnsupportedItem;

const TABLES = {
  Contact: CONTACT_FIELDS,
  Task: TASK_FIELDS,
  CalendarItem: CALENDAR_ITEM_FIELDS,
} as const;

function tableOf(type: ItemType): readonly FieldDef<ItemBase>[] {
  return TABLES[type] as unknown as readonly FieldDef<ItemBase>[];
}

/** The field readers of an item type by element name, built once per type (they are fixed tables). */
const READERS = new Map<ItemType, ReadonlyMap<string, FieldDef<ItemBase>>>();
function readersOf(type: ItemType): ReadonlyMap<string, FieldDef<ItemBase>> {
  let defs = READERS.get(type);
  if (defs === undefined) {
    const built = new Map<string, FieldDef<ItemBase>>();
    for (const def of tableOf(type)) built.set(def.element, def);
    READERS.set(type, (defs = built));
  }
  return defs;
}

function forWrite(typed: TypedItem): ItemBase {
  const item: ItemBase = typed.type === "Contact" ? contactForWrite(typed.item) : typed.item;
  // IsTruncated describes a read, not the content: it never makes a difference to write.
  if (item.body?.isTruncated !== undefined) return { ...item, body: { bodyType: item.body.bodyType, value: item.body.value } };
  return item;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0);
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

/** Serialises an item as `<t:Contact>`, `<t:Task>` or `<t:CalendarItem>` with its fields in schema order. */
export function itemXml(typed: TypedItem, ctx: ItemWriteContext): string {
  const item = forWrite(typed) as unknown as Record<string, unknown>;
  const parts: string[] = [];
  for (const def of tableOf(typed.type)) {
    const value = item[def.key];
    if (isEmpty(value) || !writableFor(def, ctx.version)) continue;
    parts.push((def.write as (v: unknown, c: ItemWriteContext) => string)(value, ctx));
  }
  return xmlElement(`t:${typed.type}`, undefined, ...parts);
}

/** Parses an item element of a response. */
export function parseItemElement(e: XmlElement): ParsedItem {
  if (e.name !== "Contact" && e.name !== "Task" && e.name !== "CalendarItem") {
    const id = child(e, "ItemId");
    return id ? { type: "Unsupported", elementName: e.name, itemId: parseItemId(id) } : { type: "Unsupported", elementName: e.name };
  }
  const defs = readersOf(e.name);
  const item: ItemBase = {};
  for (const c of e.children) defs.get(c.name)?.read(c, item);
  if (e.name === "Contact") return { type: "Contact", item: contactAfterRead(item as Contact) };
  return { type: e.name, item } as TypedItem;
}

function setField(path: string, type: ItemType, content: string): string {
  return `<t:SetItemField>${path}<t:${type}>${content}</t:${type}></t:SetItemField>`;
}

/**
 * The `t:Updates` children that turn `before` into `after`: SetItemField for changed fields,
 * DeleteItemField for removed ones, AppendToItemField when an attendee list only grew at its end;
 * dictionaries (phones, e-mails, addresses, IM) and extended properties change per entry.
 * Read-only fields are ignored. An empty result means nothing to update.
 */
export function itemChangeDescriptions(before: TypedItem, after: TypedItem, ctx: ItemWriteContext): string[] {
  if (before.type !== after.type) throw new EwsInputError(ctx.item, "type", `cannot turn a ${before.type} into a ${after.type}`);
  const type = after.type;
  const oldItem = forWrite(before) as unknown as Record<string, unknown>;
  const newItem = forWrite(after) as unknown as Record<string, unknown>;
  const updates: string[] = [];
  for (const def of tableOf(type)) {
    const oldValue = oldItem[def.key];
    const newValue = newItem[def.key];
    if (def.key === "extendedProperties") {
      updates.push(...extendedPropertyChanges(oldValue as ExtendedProperty[] | undefined, newValue as ExtendedProperty[] | undefined, type, ctx));
      continue;
    }
    if (!def.uri || def.createOnly || !writableFor(def, ctx.version)) continue;
    if (def.indexedChanges) {
      for (const change of def.indexedChanges(oldValue, newValue, ctx)) {
        const path = xmlElement("t:IndexedFieldURI", { FieldURI: change.uri, FieldIndex: change.index });
        updates.push(change.xml === undefined ? `<t:DeleteItemField>${path}</t:DeleteItemField>` : setField(path, type, change.xml));
      }
      continue;
    }
    if (isEmpty(oldValue) && isEmpty(newValue)) continue;
    if (canonical(oldValue) === canonical(newValue)) continue;
    if (def.sameValue && !isEmpty(oldValue) && !isEmpty(newValue) && def.sameValue(oldValue, newValue)) continue;
    const path = xmlElement("t:FieldURI", { FieldURI: def.uri });
    if (isEmpty(newValue)) {
      updates.push(`<t:DeleteItemField>${path}</t:DeleteItemField>`);
      continue;
    }
    const write = def.write as (v: unknown, c: ItemWriteContext) => string;
    if (def.appendable && Array.isArray(oldValue) && Array.isArray(newValue) && oldValue.length > 0 && newValue.length > oldValue.length) {
      const prefixSame = oldValue.every((v, i) => canonical(v) === canonical(newValue[i]));
      if (prefixSame) {
        updates.push(`<t:AppendToItemField>${path}<t:${type}>${write(newValue.slice(oldValue.length), ctx)}</t:${type}></t:AppendToItemField>`);
        continue;
      }
    }
    updates.push(setField(path, type, write(newValue, ctx)));
  }
  return updates;
}

function extendedPropertyChanges(
  before: readonly ExtendedProperty[] | undefined,
  after: readonly ExtendedProperty[] | undefined,
  type: ItemType,
  ctx: ItemWriteContext,
): string[] {
  const oldMap = extendedPropertyMap(before);
  const newMap = extendedPropertyMap(after);
  const updates: string[] = [];
  for (const [key, prop] of newMap) {
    const old = oldMap.get(key);
    if (old && canonical(old.value) === canonical(prop.value) && canonical(old.values) === canonical(prop.values)) continue;
    updates.push(
      `<t:SetItemField>${extendedFieldUriXml(prop.fieldUri, ctx)}<t:${type}>${extendedPropertyXml(prop, ctx)}</t:${type}></t:SetItemField>`,
    );
  }
  for (const [key, prop] of oldMap) {
    if (!newMap.has(key)) updates.push(`<t:DeleteItemField>${extendedFieldUriXml(prop.fieldUri, ctx)}</t:DeleteItemField>`);
  }
  return updates;
}

