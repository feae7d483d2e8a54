/**
 * Rendering stored items and folders into response elements for a requested shape
 * (ItemShape / FolderShape: BaseShape IdOnly, Default or AllProperties, plus
 * AdditionalProperties), with properties in the schema's sequence order.
 */
import { calendarItemIcs } from "./ical.js";
import { computedExtendedProperty, computedFolderValue, computedItemValue } from "./mapi-properties.js";
import { SimError } from "./errors.js";
import type { SimulatedMailbox } from "./mailbox.js";
import type { FolderRecord, ItemRecord, ItemTarget } from "./records.js";
import { extendedPropertyKey, propertyForFieldUri } from "./updates.js";
import { isoUtc, parseDateTime } from "./recurrence.js";
import { timeZoneDefinition } from "./time-zones.js";
import {
  DEFAULT_SHAPE_OF, FIELD_PREFIX_OF, folderElementFor, INDEXED_DICTIONARIES, ITEM_CLASS_OF, NOT_IN_FIND_ITEM, SEQUENCE_OF, type SimItemKind,
} from "./schema-order.js";
import { child, childText, cloneElement, el, type XmlElement } from "./xml.js";

/** A parsed ItemShape or FolderShape. */
export interface Shape {
  base: "IdOnly" | "Default" | "AllProperties";
  /** FieldURI values requested. */
  fields: string[];
  /** IndexedFieldURI requests. */
  indexed: Array<{ uri: string; index: string }>;
  /** ExtendedFieldURI requests (the path elements). */
  extended: XmlElement[];
  /** Requested body format (ItemShape/BodyType; default Best = as stored). */
  bodyType?: "Best" | "HTML" | "Text";
  /** IncludeMimeContent was true. */
  mime?: boolean;
}

/** Parses an `m:ItemShape` / `m:FolderShape` element. */
export function parseShape(shape: XmlElement | undefined): Shape {
  const base = (childText(shape, "BaseShape") ?? "Default") as Shape["base"];
  const out: Shape = {
    base, fields: [], indexed: [], extended: [], bodyType: (childText(shape, "BodyType") ?? "Best") as Shape["bodyType"],
    mime: childText(shape, "IncludeMimeContent") === "true",
  };
  for (const p of child(shape, "AdditionalProperties")?.children ?? []) {
    if (p.name === "FieldURI") out.fields.push(p.attrs.FieldURI ?? "");
    else if (p.name === "IndexedFieldURI") out.indexed.push({ uri: p.attrs.FieldURI ?? "", index: p.attrs.FieldIndex ?? "" });
    else if (p.name === "ExtendedFieldURI") out.extended.push(p);
  }
  return out;
}

/** Where an item is rendered: FindItem and SyncFolderItems never return Body, Attachments and the like. */
export type RenderContext = "get" | "find" | "sync";

function dateEl(name: string, ms: number): XmlElement {
  return el(name, {}, isoUtc(ms));
}

function mailboxEl(box: SimulatedMailbox): XmlElement {
  return el("Mailbox", {}, [el("Name", {}, box.displayName), el("EmailAddress", {}, box.smtpAddress), el("RoutingType", {}, "SMTP"), el("MailboxType", {}, "Mailbox")]);
}

function approximateSize(item: ItemRecord): number {
  let size = 200;
  for (const p of item.props.values()) size += p.text.length + p.children.length * 40;
  for (const a of item.attachments) size += a.content.length;
  return size;
}

const HTML_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** The body in the requested format: HTML is reduced to text, text is wrapped in a minimal HTML document. */
export function convertBody(body: XmlElement, wanted: Shape["bodyType"]): XmlElement {
  const stored = body.attrs.BodyType ?? "Text";
  if (!wanted || wanted === "Best" || wanted === stored) return body;
  if (wanted === "Text") {
    const text = body.text
      .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, "")
      .replace(/<br\s*\/?>|<\/p>|<\/div>/gi, "\n")
      .replace(/<[^>]+>/g, "")
      .replace(/&(#\d+|[a-z]+);/gi, (m, e: string) => (e.startsWith("#") ? String.fromCodePoint(Number(e.slice(1))) : HTML_ENTITIES[e.toLowerCase()] ?? m))
      .trim();
    return { ...body, attrs: { ...body.attrs, BodyType: "Text" }, text };
  }
  const escaped = body.text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\r?\n/g, "<br>");
  return { ...body, attrs: { ...body.attrs, BodyType: "HTML" }, text: `<html><body>${escaped}</body></html>` };
}

/** The value of one property of an item (or occurrence) as a response element, computed or stored. */
function propertyValue(box: SimulatedMailbox, target: ItemTarget, name: string): XmlElement | undefined {
  const { item, occurrence } = target;
  const exception = occurrence ? item.exceptions.get(occurrence.originalStart) : undefined;
  switch (name) {
    case "ItemId":
      return occurrence
        ? el("ItemId", { Id: box.occurrenceId(item, occurrence.index), ChangeKey: box.itemChangeKey(item) })
        : el("ItemId", { Id: box.itemId(item), ChangeKey: box.itemChangeKey(item) });
    case "ParentFolderId":
      return el("ParentFolderId", { Id: box.folderId(item.folder), ChangeKey: box.folderChangeKey(item.folder) });
    case "ItemClass":
      return item.props.get("ItemClass") ?? el("ItemClass", {}, ITEM_CLASS_OF[item.kind]);
    case "Size":
      return el("Size", {}, approximateSize(item));
    case "DateTimeCreated":
      return dateEl(name, item.created);
    case "DateTimeReceived":
      return dateEl(name, item.created);
    case "LastModifiedTime":
      return dateEl(name, item.modified);
    case "HasAttachments":
      return el(name, {}, item.attachments.some((a) => !a.isInline));
    case "IsAssociated":
      return el(name, {}, false);
    case "Attachments":
      if (item.attachments.length === 0) return undefined;
      return el(name, {}, item.attachments.map((a) =>
        el("FileAttachment", {}, [
          el("AttachmentId", { Id: box.attachmentId(item, a) }), el("Name", {}, a.name), el("ContentType", {}, a.contentType),
          a.contentId !== undefined && el("ContentId", {}, a.contentId), el("Size", {}, a.content.length),
          dateEl("LastModifiedTime", a.lastModified), el("IsInline", {}, a.isInline), el("IsContactPhoto", {}, a.isContactPhoto),
        ])));
    case "MimeContent":
      // Calendar items only: the iCalendar object Exchange returns (ical.ts); other kinds have none here.
      return item.kind === "CalendarItem" ? el(name, { CharacterSet: "UTF-8" }, Buffer.from(calendarItemIcs(box, target), "utf8").toString("base64")) : undefined;
    case "HasPicture":
      return item.kind === "Contact" ? el(name, {}, item.attachments.some((a) => a.isContactPhoto)) : undefined;
  }
  if (item.kind === "Contact" && (name === "DisplayName" || name === "FileAs" || name === "CompleteName")) {
    const stored = item.props.get(name);
    if (stored) return stored;
    const part = (p: string) => item.props.get(p)?.text.trim() || undefined;
    const given = part("GivenName");
    const middle = part("MiddleName");
    const surname = part("Surname");
    const firstEmail = item.props.get("EmailAddresses")?.children[0]?.text.trim() || undefined;
    const display = part("DisplayName") ?? ([given, middle, surname].filter(Boolean).join(" ") || part("CompanyName") || firstEmail);
    if (name === "DisplayName") return display ? el(name, {}, display) : undefined;
    if (name === "FileAs") {
      const fileAs = surname && given ? `${surname}, ${given}` : (surname ?? given ?? part("CompanyName") ?? display);
      return fileAs ? el(name, {}, fileAs) : undefined;
    }
    const pieces: Array<[string, string | undefined]> = [
      ["FirstName", given], ["MiddleName", middle], ["LastName", surname], ["Suffix", part("Generation")], ["Initials", part("Initials")],
      ["FullName", display], ["Nickname", part("Nickname")],
    ];
    const children = pieces.filter((p): p is [string, string] => p[1] !== undefined).map(([n, v]) => el(n, {}, v));
    return children.length ? el(name, {}, children) : undefined;
  }
  if (item.kind === "Task") {
    if (name === "Status") return item.props.get(name) ?? el(name, {}, "NotStarted");
    if (name === "PercentComplete") return item.props.get(name) ?? el(name, {}, 0);
    if (name === "IsComplete") return el(name, {}, (item.props.get("Status")?.text ?? "") === "Completed");
    if (name === "IsRecurring") return el(name, {}, item.props.has("Recurrence"));
  }
  if (item.kind === "CalendarItem") {
    const recurring = item.props.has("Recurrence");
    switch (name) {
      case "CalendarItemType":
        return el(name, {}, occurrence ? (exception ? "Exception" : "Occurrence") : recurring ? "RecurringMaster" : "Single");
      case "IsRecurring":
        return el(name, {}, !!occurrence);
      case "Organizer":
        return item.props.get(name) ?? el(name, {}, [mailboxEl(box)]);
      case "MyResponseType":
        return el(name, {}, "Organizer");
      case "IsMeeting":
        return el(name, {}, item.props.has("RequiredAttendees") || item.props.has("OptionalAttendees") || item.props.has("Resources"));
      case "RecurrenceId":
      case "OriginalStart":
        return occurrence ? dateEl(name, occurrence.originalStart) : undefined;
      case "Start":
      case "End": {
        if (!occurrence) break;
        const stored = exception?.props.get(name);
        if (stored) return stored;
        const times = box.occurrenceTimes(item, occurrence.originalStart);
        return dateEl(name, name === "Start" ? times.start : times.end);
      }
      case "Recurrence":
        return occurrence ? undefined : item.props.get(name);
      case "StartTimeZone":
      case "EndTimeZone": {
        // Exchange returns full definitions even when a client set only the Id; an exception may have its own.
        const stored = exception?.props.get(name) ?? item.props.get(name);
        if (!stored || stored.children.length > 0 || !stored.attrs.Id) return stored;
        return timeZoneDefinition(stored.attrs.Id, name) ?? stored;
      }
      case "FirstOccurrence":
      case "LastOccurrence":
      case "ModifiedOccurrences":
      case "DeletedOccurrences":
        return occurrence || !recurring ? undefined : seriesInfo(box, item, name);
    }
  }
  if (exception && exception.props.has(name)) return exception.props.get(name);
  return item.props.get(name);
}

function occurrenceInfo(box: SimulatedMailbox, item: ItemRecord, index: number, originalStart: number, tag: string): XmlElement {
  const exception = item.exceptions.get(originalStart);
  const times = box.occurrenceTimes(item, originalStart);
  return el(tag, {}, [
    el("ItemId", { Id: box.occurrenceId(item, index), ChangeKey: box.itemChangeKey(item) }),
    exception?.props.get("Start") ?? dateEl("Start", times.start),
    exception?.props.get("End") ?? dateEl("End", times.end),
    dateEl("OriginalStart", originalStart),
  ]);
}

function seriesInfo(box: SimulatedMailbox, item: ItemRecord, name: string): XmlElement | undefined {
  const starts = box.occurrenceStarts(item);
  const live = starts.map((s, i) => ({ s, index: i + 1 })).filter((o) => !item.deletedOccurrences.has(o.s));
  if (name === "FirstOccurrence") {
    const first = live[0];
    return first ? occurrenceInfo(box, item, first.index, first.s, name) : undefined;
  }
  if (name === "LastOccurrence") {
    const range = child(item.props.get("Recurrence"), "NoEndRecurrence");
    const last = live[live.length - 1];
    return last && !range ? occurrenceInfo(box, item, last.index, last.s, name) : undefined;
  }
  if (name === "ModifiedOccurrences") {
    const modified = live.filter((o) => item.exceptions.has(o.s));
    return modified.length ? el(name, {}, modified.map((o) => occurrenceInfo(box, item, o.index, o.s, "Occurrence"))) : undefined;
  }
  const deleted = [...item.deletedOccurrences].sort((a, b) => a - b);
  return deleted.length ? el(name, {}, deleted.map((s) => el("DeletedOccurrence", {}, [dateEl("Start", s)]))) : undefined;
}

/** What a shape asks of one kind of item: the properties, and the dictionaries asked for by entry. */
interface ShapeForKind {
  wanted: ReadonlySet<string>;
  partialDicts: ReadonlyMap<string, ReadonlyArray<{ index: string; subField: string | undefined }>>;
}

/** {@link shapeForKind} per shape (a request's shape serves all its items) and kind. */
const SHAPES_FOR_KIND = new WeakMap<Shape, Map<SimItemKind, ShapeForKind>>();

/** What `shape` asks of items of `kind`, worked out once per shape and kind. Throws SimError for invalid property requests. */
function shapeForKind(shape: Shape, kind: SimItemKind): ShapeForKind {
  let byKind = SHAPES_FOR_KIND.get(shape);
  const known = byKind?.get(kind);
  if (known) return known;
  const sequence = SEQUENCE_OF[kind];
  const wanted = new Set<string>(["ItemId"]);
  if (shape.base === "Default") for (const n of DEFAULT_SHAPE_OF[kind]) wanted.add(n);
  if (shape.base === "AllProperties") for (const n of sequence) if (n !== "MimeContent" && n !== "ExtendedProperty") wanted.add(n);
  if (shape.mime) wanted.add("MimeContent");
  for (const uri of shape.fields) {
    const prefix = uri.slice(0, uri.indexOf(":"));
    if (prefix === "item" || prefix === FIELD_PREFIX_OF[kind] || (kind === "DistributionList" && prefix === "contacts")) {
      try {
        wanted.add(propertyForFieldUri(uri, kind));
      } catch (error) {
        if (!(error instanceof SimError) || prefix === "item") throw error;
      }
    }
    // Properties of other item types are silently skipped, as Exchange does for mixed folders.
  }
  const partialDicts = new Map<string, Array<{ index: string; subField: string | undefined }>>();
  for (const { uri, index } of shape.indexed) {
    const dict = INDEXED_DICTIONARIES[uri];
    if (!dict) throw new SimError("ErrorInvalidPropertyRequest", `IndexedFieldURI ${uri} is not supported.`);
    if (kind !== "Contact") continue;
    const list = partialDicts.get(dict.property) ?? [];
    list.push({ index, subField: dict.subField });
    partialDicts.set(dict.property, list);
  }
  const result: ShapeForKind = { wanted, partialDicts };
  if (!byKind) SHAPES_FOR_KIND.set(shape, (byKind = new Map()));
  byKind.set(kind, result);
  return result;
}

/** Renders an item (or occurrence) for a shape. Throws SimError for invalid property requests. */
export function renderItem(box: SimulatedMailbox, target: ItemTarget, shape: Shape, context: RenderContext): XmlElement {
  const kind = target.item.kind;
  const sequence = SEQUENCE_OF[kind];
  const { wanted, partialDicts } = shapeForKind(shape, kind);
  const children: XmlElement[] = [];
  for (const name of sequence) {
    if (name === "ExtendedProperty") {
      for (const uri of shape.extended) {
        const computed = computedItemValue(target, uri);
        const stored = computed === undefined ? target.item.extended.get(extendedPropertyKey(uri)) : computedExtendedProperty(uri, computed);
        if (stored) children.push(stored);
      }
      continue;
    }
    if (context !== "get" && NOT_IN_FIND_ITEM.has(name)) continue;
    if (wanted.has(name)) {
      const value = propertyValue(box, target, name);
      if (value) children.push(name === "Body" ? convertBody(value, shape.bodyType) : value);
    } else if (partialDicts.has(name)) {
      const full = propertyValue(box, target, name);
      if (!full) continue;
      const entries: XmlElement[] = [];
      for (const entry of full.children) {
        const requests = partialDicts.get(name)!.filter((r) => r.index === entry.attrs.Key);
        if (requests.length === 0) continue;
        if (requests.some((r) => r.subField === undefined)) entries.push(entry);
        else {
          const subs = entry.children.filter((c) => requests.some((r) => r.subField === c.name));
          if (subs.length) entries.push({ ...cloneElement(entry), children: subs });
        }
      }
      if (entries.length) children.push(el(name, {}, entries));
    }
  }
  return el(kind, {}, children);
}

/** The properties of a folder for a shape. */
export function renderFolder(box: SimulatedMailbox, folder: FolderRecord, shape: Shape): XmlElement {
  const elementName = folderElementFor(folder.folderClass);
  const wanted = new Set<string>(["FolderId"]);
  if (shape.base !== "IdOnly") for (const n of ["DisplayName", "TotalCount", "ChildFolderCount", "UnreadCount"]) wanted.add(n);
  if (shape.base === "AllProperties") for (const n of ["ParentFolderId", "FolderClass", "DistinguishedFolderId"]) wanted.add(n);
  for (const uri of shape.fields) {
    if (!uri.startsWith("folder:")) throw new SimError("ErrorInvalidPropertyRequest", `The property ${uri} is not valid for a folder.`);
    wanted.add(uri.slice(7));
  }
  const children: Array<XmlElement | false | undefined> = [
    wanted.has("FolderId") && el("FolderId", { Id: box.folderId(folder), ChangeKey: box.folderChangeKey(folder) }),
    wanted.has("ParentFolderId") && !!folder.parent && el("ParentFolderId", { Id: box.folderId(folder.parent), ChangeKey: box.folderChangeKey(folder.parent) }),
    wanted.has("FolderClass") && folder.folderClass !== undefined && el("FolderClass", {}, folder.folderClass),
    wanted.has("DisplayName") && el("DisplayName", {}, folder.displayName),
    wanted.has("TotalCount") && el("TotalCount", {}, folder.items.size),
    wanted.has("ChildFolderCount") && el("ChildFolderCount", {}, box.childFolders(folder).length),
  ];
  for (const uri of shape.extended) {
    const value = computedFolderValue(box, folder, uri);
    if (value !== undefined) children.push(computedExtendedProperty(uri, value));
  }
  if (wanted.has("DistinguishedFolderId") && folder.distinguished) children.push(el("DistinguishedFolderId", {}, folder.distinguished));
  if (wanted.has("UnreadCount") && (elementName === "Folder" || elementName === "TasksFolder")) {
    let unread = 0;
    for (const i of folder.items.values()) if (i.kind === "Message" && i.props.get("IsRead")?.text !== "true") unread++;
    children.push(el("UnreadCount", {}, unread));
  }
  return el(elementName, {}, children);
}

/** Sorting helper: an item's Start (calendar) for CalendarView. */
export function startOf(box: SimulatedMailbox, target: ItemTarget): number {
  return parseDateTime(propertyValue(box, target, "Start")?.text);
}

/** End of an item or occurrence. */
export function endOf(box: SimulatedMailbox, target: ItemTarget): number {
  return parseDateTime(propertyValue(box, target, "End")?.text);
}

/** The text of a property used by restrictions and sorting. */
export function propertyText(box: SimulatedMailbox, target: ItemTarget, name: string): string | undefined {
  const v = propertyValue(box, target, name);
  return v ? (v.children.length ? v.children.map((c) => c.text).join(" ") : v.text) : undefined;
}
