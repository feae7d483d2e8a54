/**
 * Property values and updates: how a property sent by a client is checked, normalised and stored
 * (dateTimes in UTC, extended properties by key, dictionary entries in schema order) and how
 * UpdateItem's set, append and delete change an item or one occurrence of a series.
 */
import { randomBytes } from "node:crypto";
import { SimError } from "./errors.js";
import { OCCURRENCE_PROPERTIES, occurrenceTimes } from "./occurrences.js";
import type { ItemTarget, ItemUpdate } from "./records.js";
import { expandRecurrence, isoUtc, parseDateTime, SimRecurrenceError } from "./recurrence.js";
import { INDEXED_DICTIONARIES, ORDER_OF, PHYSICAL_ADDRESS_SEQUENCE, READ_ONLY_PROPERTIES, type SimItemKind } from "./schema-order.js";
import { zoneOfItem } from "./time-zones.js";
import { child, cloneElement, el, type XmlElement } from "./xml.js";

/** Top-level xs:dateTime properties: stored in UTC (`…Z`, whole seconds), as Exchange returns them. */
const DATE_TIME_PROPERTIES = new Set([
  "Start", "End", "DueDate", "StartDate", "CompleteDate", "ReminderDueBy", "Birthday", "WeddingAnniversary", "AssignedTime",
  "AppointmentReplyTime", "DateTimeSent",
]);

/** A copy of a dateTime property normalised to UTC; values without an offset are read as UTC. */
export function normaliseDateTime(prop: XmlElement): XmlElement {
  if (!DATE_TIME_PROPERTIES.has(prop.name) || prop.children.length > 0) return prop;
  const ms = parseDateTime(prop.text);
  return Number.isNaN(ms) ? prop : { ...prop, text: isoUtc(ms) };
}

/** The key that identifies an extended property (set + name/id, or tag), without its type. */
export function extendedPropertyKey(uri: XmlElement): string {
  const a = uri.attrs;
  if (a.PropertyTag !== undefined) {
    const tag = a.PropertyTag.trim();
    const n = /^0x/i.test(tag) ? parseInt(tag.slice(2), 16) : parseInt(tag, 10);
    return `tag|${Number.isNaN(n) ? tag.toLowerCase() : n}`;
  }
  const set = a.DistinguishedPropertySetId ?? (a.PropertySetId ?? "").toLowerCase();
  if (a.PropertyName !== undefined) return `${set}|name|${a.PropertyName}`;
  return `${set}|id|${a.PropertyId ?? ""}`;
}

/** Checks an ExtendedProperty's Value(s) against its PropertyType; a SimError names the property when one does not fit. */
export function checkExtendedValue(prop: XmlElement): void {
  const uri = child(prop, "ExtendedFieldURI");
  if (!uri) throw new SimError("ErrorInvalidExtendedProperty", "ExtendedProperty has no ExtendedFieldURI.");
  const type = uri.attrs.PropertyType ?? "";
  const isArray = type.endsWith("Array");
  const values = isArray
    ? (child(prop, "Values")?.children ?? []).map((v) => v.text)
    : child(prop, "Value") ? [child(prop, "Value")!.text] : [];
  if (values.length === 0 || isArray !== !!child(prop, "Values")) {
    throw new SimError("ErrorInvalidExtendedPropertyValue", `Extended property ${extendedPropertyKey(uri)} needs ${isArray ? "Values" : "Value"} for type ${type}.`);
  }
  const base = type.replace(/Array$/, "");
  for (const v of values) {
    const ok =
      base === "Integer" || base === "Short" || base === "Long" ? /^-?\d+$/.test(v.trim())
      : base === "Boolean" ? /^(true|false|1|0)$/.test(v.trim())
      : base === "Double" || base === "Float" || base === "Currency" || base === "ApplicationTime" ? !Number.isNaN(Number(v))
      : base === "SystemTime" ? !Number.isNaN(parseDateTime(v))
      : base === "Binary" ? /^[A-Za-z0-9+/\s]*=*\s*$/.test(v)
      : base === "CLSID" ? /^\{?[0-9a-fA-F-]{36}\}?$/.test(v.trim())
      : true;
    if (!ok) throw new SimError("ErrorInvalidExtendedPropertyValue", `Value '${v}' is not a valid ${base} for extended property ${extendedPropertyKey(uri)}.`);
  }
}

/** Property name addressed by a FieldURI for a kind, or a SimError. */
export function propertyForFieldUri(fieldUri: string, kind: SimItemKind): string {
  const name = fieldUri.slice(fieldUri.indexOf(":") + 1);
  if (!ORDER_OF[kind].has(name) || name === "ExtendedProperty") {
    throw new SimError("ErrorInvalidPropertyRequest", `The property ${fieldUri} is not valid for a ${kind}.`);
  }
  return name;
}

/** Inserts `node` among `parent`'s children at its place in `order`. */
export function insertInOrder(parent: XmlElement, node: XmlElement, order: readonly string[]): void {
  const rank = (n: XmlElement) => order.indexOf(n.name);
  const at = parent.children.findIndex((c) => rank(c) > rank(node));
  if (at === -1) parent.children.push(node);
  else parent.children.splice(at, 0, node);
}

/** A new calendar UID in Exchange's form (a PidLidGlobalObjectId in hex). */
export function genUid(): string {
  return `040000008200E00074C5B7101A82E00800000000${randomBytes(8).toString("hex").toUpperCase()}000000000000000010000000${randomBytes(16).toString("hex").toUpperCase()}`;
}

/** Stores a property on an item (or an occurrence's exception). */
export function storeProperty(props: Map<string, XmlElement>, value: XmlElement): void {
  props.set(value.name, normaliseDateTime(cloneElement(value)));
}

/**
 * Completes a calendar item's properties as Exchange does: a Start (the next half hour of `now`) and
 * an End (half an hour later) when missing, a UID, and a check that the recurrence expands.
 */
export function completeCalendarItem(props: Map<string, XmlElement>, now: () => number): void {
  let start = parseDateTime(props.get("Start")?.text);
  let end = parseDateTime(props.get("End")?.text);
  if (Number.isNaN(start)) {
    start = Math.ceil(now() / 1_800_000) * 1_800_000;
    props.set("Start", el("Start", {}, isoUtc(start)));
  }
  if (Number.isNaN(end)) {
    end = start + 1_800_000;
    props.set("End", el("End", {}, isoUtc(end)));
  }
  if (end < start) throw new SimError("ErrorCalendarEndDateIsEarlierThanStartDate", "EndDate is earlier than StartDate.");
  if (!props.has("UID")) props.set("UID", el("UID", {}, genUid()));
  const recurrence = props.get("Recurrence");
  if (recurrence) {
    try {
      expandRecurrence(recurrence, start, { maxCount: 1, timeZone: zoneOfItem(props) });
    } catch (error) {
      if (error instanceof SimRecurrenceError) throw new SimError("ErrorCalendarInvalidRecurrence", error.message);
      throw error;
    }
  }
}

/**
 * Applies updates to an item or an occurrence, as UpdateItem does (no ChangeKey check here): every
 * update is checked first, then the item's (or the exception's) properties are replaced at once.
 * The caller bumps the item's version (see `MailboxStore.applyUpdates`).
 */
export function applyItemUpdates(target: ItemTarget, updates: ItemUpdate[], now: () => number): void {
  const { item, occurrence } = target;
  const exceptionProps = occurrence ? new Map(item.exceptions.get(occurrence.originalStart)?.props ?? []) : undefined;
  const props = exceptionProps ?? new Map(item.props);
  const extended = new Map(item.extended);
  let recurrenceChanged = false;
  for (const update of updates) {
    const { path } = update;
    if (path.name === "ExtendedFieldURI") {
      if (occurrence) throw new SimError("ErrorInvalidPropertyForOperation", "Extended properties cannot be changed on a single occurrence.");
      const key = extendedPropertyKey(path);
      if (update.action === "delete") {
        extended.delete(key);
        continue;
      }
      if (update.action === "append") throw new SimError("ErrorInvalidPropertyAppend", "Append is not valid for extended properties.");
      const value = update.item?.children.find((c) => c.name === "ExtendedProperty");
      if (!value || update.item!.children.length !== 1) throw new SimError("ErrorIncorrectUpdatePropertyCount", "An update must carry exactly one property.");
      checkExtendedValue(value);
      extended.set(key, cloneElement(value));
      continue;
    }
    if (path.name === "IndexedFieldURI") {
      const dict = INDEXED_DICTIONARIES[path.attrs.FieldURI ?? ""];
      if (!dict || item.kind !== "Contact") throw new SimError("ErrorInvalidPropertyRequest", `The property ${path.attrs.FieldURI ?? ""} is not valid for a ${item.kind}.`);
      const key = path.attrs.FieldIndex ?? "";
      const current = props.get(dict.property);
      const next = current ? cloneElement(current) : el(dict.property);
      const at = next.children.findIndex((e) => e.attrs.Key === key);
      if (update.action === "delete") {
        if (at !== -1) {
          if (dict.subField) {
            const entry = next.children[at]!;
            entry.children = entry.children.filter((c) => c.name !== dict.subField);
            if (entry.children.length === 0) next.children.splice(at, 1);
          } else next.children.splice(at, 1);
        }
      } else {
        if (update.action === "append") throw new SimError("ErrorInvalidPropertyAppend", `Append is not valid for ${path.attrs.FieldURI ?? ""}.`);
        const sent = update.item?.children[0];
        const entry = sent?.name === dict.property ? sent.children[0] : undefined;
        if (!entry || update.item!.children.length !== 1 || sent!.children.length !== 1 || entry.attrs.Key !== key) {
          throw new SimError("ErrorIncorrectUpdatePropertyCount", `The update of ${path.attrs.FieldURI ?? ""} (${key}) must carry exactly that one entry.`);
        }
        if (dict.subField) {
          const value = child(entry, dict.subField);
          if (!value) throw new SimError("ErrorIncorrectUpdatePropertyCount", `The update of ${path.attrs.FieldURI ?? ""} carries no ${dict.subField}.`);
          const existing = at === -1 ? el("Entry", { Key: key }) : next.children[at]!;
          existing.children = existing.children.filter((c) => c.name !== dict.subField);
          insertInOrder(existing, cloneElement(value), PHYSICAL_ADDRESS_SEQUENCE);
          if (at === -1) next.children.push(existing);
        } else if (at === -1) next.children.push(cloneElement(entry));
        else next.children[at] = cloneElement(entry);
      }
      if (next.children.length === 0) props.delete(dict.property);
      else props.set(dict.property, next);
      continue;
    }
    const name = propertyForFieldUri(path.attrs.FieldURI ?? "", item.kind);
    if (READ_ONLY_PROPERTIES.has(name)) {
      throw new SimError(update.action === "delete" ? "ErrorInvalidPropertyDelete" : "ErrorInvalidPropertySet", `${update.action === "delete" ? "Delete" : "Set"} action is invalid for property ${name}.`);
    }
    if (occurrence && !OCCURRENCE_PROPERTIES.has(name)) {
      throw new SimError("ErrorInvalidPropertyForOperation", `Property ${name} cannot be changed on a single occurrence.`);
    }
    if (name === "Recurrence" || name === "Start") recurrenceChanged = !occurrence;
    if (update.action === "delete") {
      if (name === "Start" || name === "End") throw new SimError("ErrorInvalidPropertyDelete", `Delete action is invalid for property ${name}.`);
      props.delete(name);
      continue;
    }
    const value = update.item?.children[0];
    if (!value || update.item!.children.length !== 1 || value.name !== name) {
      throw new SimError("ErrorIncorrectUpdatePropertyCount", `The update of ${path.attrs.FieldURI ?? ""} must carry exactly that one property.`);
    }
    if (update.item!.name !== item.kind && update.item!.name !== "Item") {
      throw new SimError("ErrorObjectTypeChanged", `An update for a ${item.kind} carries a ${update.item!.name}.`);
    }
    if (update.action === "append") {
      const existing = props.get(name);
      if (name === "Body") {
        const merged = existing ? cloneElement(existing) : cloneElement(value);
        if (existing) merged.text += value.text;
        props.set(name, merged);
      } else if (["RequiredAttendees", "OptionalAttendees", "Resources", "Categories", "ToRecipients", "CcRecipients", "BccRecipients"].includes(name)) {
        const merged = existing ? cloneElement(existing) : el(name);
        merged.children.push(...value.children.map(cloneElement));
        props.set(name, merged);
      } else throw new SimError("ErrorInvalidPropertyAppend", `Append is not valid for property ${name}.`);
      continue;
    }
    storeProperty(props, value);
  }
  if (item.kind === "CalendarItem" && !occurrence) completeCalendarItem(props, now);
  if (occurrence) {
    const start = parseDateTime(props.get("Start")?.text ?? item.props.get("Start")?.text);
    const end = parseDateTime(props.get("End")?.text ?? item.props.get("End")?.text);
    if (end < start) throw new SimError("ErrorCalendarEndDateIsEarlierThanStartDate", "EndDate is earlier than StartDate.");
    if (!props.has("Start")) props.set("Start", el("Start", {}, isoUtc(occurrenceTimes(item, occurrence.originalStart).start)));
    if (!props.has("End")) props.set("End", el("End", {}, isoUtc(occurrenceTimes(item, occurrence.originalStart).end)));
    item.exceptions.set(occurrence.originalStart, { props });
  } else {
    item.props.clear();
    for (const [k, v] of props) item.props.set(k, v);
    if (recurrenceChanged) {
      item.exceptions.clear();
      item.deletedOccurrences.clear();
    }
  }
  item.extended.clear();
  for (const [k, v] of extended) item.extended.set(k, v);
}
