/**
 * The EWS operations the simulator serves. Each handler takes the operation's request element
 * (`m:GetItem` …) and returns its response element (`m:GetItemResponse` …) with one response
 * message per requested object: per-item failures are error messages, never a failure of the
 * whole request, as in Exchange.
 */
import { convertId } from "./convert-id.js";
import { computedFolderValue, computedItemValue } from "./mapi-properties.js";
import { decodeId, decodeSyncState, encodeSyncState, fromRanges, toRanges } from "./ids.js";
import { SimError, SimFault } from "./errors.js";
import type { SimulatedMailbox } from "./mailbox.js";
import type { FolderRecord, ItemRecord, ItemTarget, ItemUpdate, SimDeleteType } from "./records.js";
import { extendedPropertyKey } from "./updates.js";
import { parseDateTime } from "./recurrence.js";
import { endOf, parseShape, propertyText, renderFolder, renderItem, startOf } from "./render.js";
import { INDEXED_DICTIONARIES } from "./schema-order.js";
import { child, childrenNamed, childText, el, mEl, type XmlElement } from "./xml.js";

/** What a handler needs to know about the request's caller and the simulator's stores. */
export interface OperationContext {
  /** The mailbox the request acts on (the caller's, or the impersonated one). */
  box: SimulatedMailbox;
  /** A store by guid hex (mailboxes and the public folder store). */
  storeByGuid(guidHex: string): SimulatedMailbox | undefined;
  /** A mailbox by SMTP address. */
  mailboxByAddress(smtpAddress: string): SimulatedMailbox | undefined;
  /** The public folder store. */
  publicStore: SimulatedMailbox;
  /** Secret that signs sync states. */
  syncSecret: string;
  /** The request's TimeZoneContext/TimeZoneDefinition, if any (default zone of new calendar items). */
  timeZoneContext?: XmlElement | undefined;
}

/** A handler of one operation. */
export type OperationHandler = (request: XmlElement, ctx: OperationContext) => XmlElement;

function ok(name: string, children: Array<XmlElement | undefined | false> = []): XmlElement {
  return mEl(name, { ResponseClass: "Success" }, [mEl("ResponseCode", {}, "NoError"), ...children]);
}

function fail(name: string, error: SimError, children: XmlElement[] = []): XmlElement {
  return mEl(name, { ResponseClass: "Error" }, [
    mEl("MessageText", {}, error.message), mEl("ResponseCode", {}, error.code), mEl("DescriptiveLinkKey", {}, 0), ...children,
  ]);
}

/** Runs one response message's work; a SimError becomes an error message with `onError` children. */
function message(name: string, work: () => Array<XmlElement | undefined | false>, onError: () => XmlElement[] = () => []): XmlElement {
  try {
    return ok(name, work());
  } catch (error) {
    if (error instanceof SimError) return fail(name, error, onError());
    throw error;
  }
}

function response(name: string, messages: XmlElement[]): XmlElement {
  return mEl(`${name}Response`, {}, [mEl("ResponseMessages", {}, messages)]);
}

// ------------------------------------------------------------------ references

interface FolderRef { box: SimulatedMailbox; folder: FolderRecord }

function resolveFolder(ctx: OperationContext, ref: XmlElement | undefined): FolderRef {
  if (!ref) throw new SimError("ErrorInvalidRequest", "A folder id is missing.");
  if (ref.name === "DistinguishedFolderId") {
    const id = ref.attrs.Id ?? "";
    if (id === "publicfoldersroot") return { box: ctx.publicStore, folder: ctx.publicStore.distinguishedFolder(id)! };
    const address = childText(child(ref, "Mailbox"), "EmailAddress");
    const box = address ? ctx.mailboxByAddress(address) : ctx.box;
    if (!box) throw new SimError("ErrorNonExistentMailbox", `No mailbox with SMTP address ${address ?? ""}.`);
    const folder = box.distinguishedFolder(id);
    if (!folder) throw new SimError("ErrorFolderNotFound", `The distinguished folder '${id}' does not exist in this mailbox.`);
    return { box, folder };
  }
  const decoded = decodeId(ref.attrs.Id ?? "");
  if (!ref.attrs.Id) throw new SimError("ErrorInvalidIdEmpty", "The folder id is empty.");
  if (!decoded || decoded.kind !== "folder") throw new SimError("ErrorInvalidIdMalformed", "Id is malformed.");
  const box = ctx.storeByGuid(decoded.store);
  const folder = box?.folderByNumber(decoded.number);
  if (!box || !folder) throw new SimError("ErrorFolderNotFound", "The specified folder could not be found in the store.");
  return { box, folder };
}

interface ItemRef { box: SimulatedMailbox; target: ItemTarget; changeKey: string | undefined }

function resolveItem(ctx: OperationContext, ref: XmlElement | undefined): ItemRef {
  if (!ref) throw new SimError("ErrorInvalidRequest", "An item id is missing.");
  const lookup = (id: string | undefined) => {
    if (!id) throw new SimError("ErrorInvalidIdEmpty", "The item id is empty.");
    const decoded = decodeId(id);
    if (!decoded || (decoded.kind !== "item" && decoded.kind !== "occurrence")) throw new SimError("ErrorInvalidIdMalformed", "Id is malformed.");
    const box = ctx.storeByGuid(decoded.store);
    if (!box) throw new SimError("ErrorItemNotFound", "The specified object was not found in the store.");
    return { box, decoded };
  };
  if (ref.name === "OccurrenceItemId") {
    const { box, decoded } = lookup(ref.attrs.RecurringMasterId);
    const index = Number(ref.attrs.InstanceIndex);
    const master = box.resolveItem({ ...decoded, kind: "item" }).item;
    return { box, target: box.occurrenceOf(master, Number.isInteger(index) ? index : 0), changeKey: ref.attrs.ChangeKey };
  }
  if (ref.name === "RecurringMasterItemId") {
    const { box, decoded } = lookup(ref.attrs.OccurrenceId);
    const { item, occurrence } = box.resolveItem(decoded);
    if (!occurrence && !item.props.has("Recurrence")) throw new SimError("ErrorItemNotFound", "The item is not an occurrence of a recurring series.");
    return { box, target: { item }, changeKey: ref.attrs.ChangeKey };
  }
  const { box, decoded } = lookup(ref.attrs.Id);
  return { box, target: box.resolveItem(decoded), changeKey: ref.attrs.ChangeKey };
}

// ------------------------------------------------------------------ restrictions

type Getter = (path: XmlElement) => string | undefined;

function compare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== "" && b.trim() !== "" && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  const da = parseDateTime(a);
  const db = parseDateTime(b);
  if (/^\d{4}-\d{2}-\d{2}T/.test(a) && !Number.isNaN(da) && !Number.isNaN(db)) return da - db;
  return a < b ? -1 : a > b ? 1 : 0;
}

const PATH_NAMES = new Set(["FieldURI", "IndexedFieldURI", "ExtendedFieldURI"]);

function evaluate(node: XmlElement, get: Getter): boolean {
  switch (node.name) {
    case "Restriction":
      return node.children[0] ? evaluate(node.children[0], get) : true;
    case "And":
      return node.children.every((c) => evaluate(c, get));
    case "Or":
      return node.children.some((c) => evaluate(c, get));
    case "Not":
      return !evaluate(node.children[0]!, get);
    case "Exists":
      return get(node.children[0]!) !== undefined;
    case "Contains": {
      const value = get(node.children.find((c) => PATH_NAMES.has(c.name))!);
      const constant = child(node, "Constant")?.attrs.Value ?? "";
      if (value === undefined) return false;
      const ignoreCase = (node.attrs.ContainmentComparison ?? "Exact").includes("IgnoreCase") || (node.attrs.ContainmentComparison ?? "") === "Loose";
      const v = ignoreCase ? value.toLowerCase() : value;
      const c = ignoreCase ? constant.toLowerCase() : constant;
      switch (node.attrs.ContainmentMode ?? "Substring") {
        case "FullString": return v === c;
        case "Prefixed": return v.startsWith(c);
        case "PrefixOnWords": return v.split(/\s+/).some((w) => w.startsWith(c));
        default: return v.includes(c);
      }
    }
    default: {
      const path = node.children.find((c) => PATH_NAMES.has(c.name));
      const constant = child(child(node, "FieldURIOrConstant"), "Constant")?.attrs.Value;
      if (!path || constant === undefined) throw new SimError("ErrorUnsupportedPathForQuery", `Restriction ${node.name} is not supported by the simulator.`);
      const value = get(path);
      if (value === undefined) return node.name === "IsNotEqualTo";
      const c = compare(value, constant);
      switch (node.name) {
        case "IsEqualTo": return c === 0;
        case "IsNotEqualTo": return c !== 0;
        case "IsGreaterThan": return c > 0;
        case "IsGreaterThanOrEqualTo": return c >= 0;
        case "IsLessThan": return c < 0;
        case "IsLessThanOrEqualTo": return c <= 0;
        default: throw new SimError("ErrorUnsupportedPathForQuery", `Restriction ${node.name} is not supported by the simulator.`);
      }
    }
  }
}

function folderGetter(box: SimulatedMailbox, folder: FolderRecord): Getter {
  return (path) => {
    if (path.name === "ExtendedFieldURI") {
      const computed = computedFolderValue(box, folder, path);
      if (computed !== undefined) return computed;
      throw new SimError("ErrorUnsupportedPathForQuery", `The simulator cannot restrict folders on extended property ${extendedPropertyKey(path)}.`);
    }
    switch (path.attrs.FieldURI) {
      case "folder:FolderClass": return folder.folderClass;
      case "folder:DisplayName": return folder.displayName;
      case "folder:TotalCount": return String(folder.items.size);
      case "folder:ChildFolderCount": return String(box.childFolders(folder).length);
      case "folder:DistinguishedFolderId": return folder.distinguished;
      default: throw new SimError("ErrorUnsupportedPathForQuery", `The simulator cannot restrict on ${path.attrs.FieldURI ?? path.name}.`);
    }
  };
}

function itemGetter(box: SimulatedMailbox, target: ItemTarget): Getter {
  return (path) => {
    if (path.name === "ExtendedFieldURI") {
      const computed = computedItemValue(target, path);
      if (computed !== undefined) return Array.isArray(computed) ? computed.join(" ") : computed;
      const stored = target.item.extended.get(extendedPropertyKey(path));
      return stored ? (childText(stored, "Value") ?? child(stored, "Values")?.children.map((v) => v.text).join(" ")) : undefined;
    }
    if (path.name === "IndexedFieldURI") {
      const dict = INDEXED_DICTIONARIES[path.attrs.FieldURI ?? ""];
      const entry = dict ? target.item.props.get(dict.property)?.children.find((e) => e.attrs.Key === path.attrs.FieldIndex) : undefined;
      return entry ? (dict!.subField ? childText(entry, dict!.subField) : entry.text) : undefined;
    }
    const uri = path.attrs.FieldURI ?? "";
    return propertyText(box, target, uri.slice(uri.indexOf(":") + 1));
  };
}

// ------------------------------------------------------------------ folders

function getFolder(request: XmlElement, ctx: OperationContext): XmlElement {
  const shape = parseShape(child(request, "FolderShape"));
  const ids = child(request, "FolderIds")?.children ?? [];
  return response("GetFolder", ids.map((ref) =>
    message("GetFolderResponseMessage", () => {
      const { box, folder } = resolveFolder(ctx, ref);
      return [mEl("Folders", {}, [renderFolder(box, folder, shape)])];
    }),
  ));
}

function findFolder(request: XmlElement, ctx: OperationContext): XmlElement {
  const shape = parseShape(child(request, "FolderShape"));
  const traversal = request.attrs.Traversal ?? "Shallow";
  const restriction = child(request, "Restriction");
  const view = child(request, "IndexedPageFolderView");
  const parents = child(request, "ParentFolderIds")?.children ?? [];
  return response("FindFolder", parents.map((ref) =>
    message("FindFolderResponseMessage", () => {
      const { box, folder } = resolveFolder(ctx, ref);
      if (traversal === "SoftDeleted") throw new SimError("ErrorInvalidRequest", "SoftDeleted traversal is not supported by the simulator.");
      if (traversal === "Deep" && box.isPublicStore) throw new SimError("ErrorInvalidOperation", "Deep traversal queries are not allowed on public folders.");
      const found: FolderRecord[] = [];
      const walk = (parent: FolderRecord) => {
        for (const f of box.childFolders(parent)) {
          if (!restriction || evaluate(restriction, folderGetter(box, f))) found.push(f);
          if (traversal === "Deep") walk(f);
        }
      };
      walk(folder);
      const { page, attrs } = pageOf(found, view);
      return [mEl("RootFolder", attrs, [el("Folders", {}, page.map((f) => renderFolder(box, f, shape)))])];
    }),
  ));
}

function pageOf<T>(all: T[], view: XmlElement | undefined): { page: T[]; attrs: Record<string, string | number | boolean> } {
  if (!view) return { page: all, attrs: { TotalItemsInView: all.length, IncludesLastItemInRange: true } };
  const max = view.attrs.MaxEntriesReturned !== undefined ? Number(view.attrs.MaxEntriesReturned) : Number.POSITIVE_INFINITY;
  if (!(max > 0)) throw new SimError("ErrorInvalidPagingMaxRows", "MaxEntriesReturned must be greater than zero.");
  const offset = Number(view.attrs.Offset ?? 0);
  const fromEnd = view.attrs.BasePoint === "End";
  let start = fromEnd ? Math.max(0, all.length - offset - (Number.isFinite(max) ? max : all.length)) : offset;
  const end = fromEnd ? all.length - offset : Math.min(all.length, offset + max);
  start = Math.min(start, all.length);
  const page = all.slice(start, Math.max(start, end));
  const includesLast = fromEnd ? start === 0 : start + page.length >= all.length;
  return {
    page,
    attrs: { IndexedPagingOffset: fromEnd ? all.length - start : start + page.length, TotalItemsInView: all.length, IncludesLastItemInRange: includesLast },
  };
}

const FOLDER_CLASS_OF_ELEMENT: Record<string, string | undefined> = {
  ContactsFolder: "IPF.Contact", CalendarFolder: "IPF.Appointment", TasksFolder: "IPF.Task", Folder: undefined, SearchFolder: undefined,
};

function createFolder(request: XmlElement, ctx: OperationContext): XmlElement {
  const folders = child(request, "Folders")?.children ?? [];
  let parent: FolderRef | SimError;
  try {
    parent = resolveFolder(ctx, child(request, "ParentFolderId")?.children[0]);
  } catch (error) {
    if (!(error instanceof SimError)) throw error;
    parent = error;
  }
  return response("CreateFolder", folders.map((spec) =>
    message("CreateFolderResponseMessage", () => {
      if (parent instanceof SimError) throw parent;
      const name = childText(spec, "DisplayName");
      if (!name) throw new SimError("ErrorInvalidRequest", "DisplayName is required to create a folder.");
      const folderClass = childText(spec, "FolderClass") ?? FOLDER_CLASS_OF_ELEMENT[spec.name] ?? "IPF.Note";
      const { box, folder } = parent;
      const created = box.createFolderRecord(folder, name, folderClass);
      return [mEl("Folders", {}, [renderFolder(box, created, { base: "IdOnly", fields: [], indexed: [], extended: [] })])];
    }),
  ));
}

function deleteFolder(request: XmlElement, ctx: OperationContext): XmlElement {
  const ids = child(request, "FolderIds")?.children ?? [];
  return response("DeleteFolder", ids.map((ref) =>
    message("DeleteFolderResponseMessage", () => {
      const { box, folder } = resolveFolder(ctx, ref);
      box.deleteFolderRecord(folder);
      return [];
    }),
  ));
}

function syncFolderHierarchy(request: XmlElement, ctx: OperationContext): XmlElement {
  const shape = parseShape(child(request, "FolderShape"));
  return response("SyncFolderHierarchy", [
    message("SyncFolderHierarchyResponseMessage", () => {
      const syncRef = child(request, "SyncFolderId")?.children[0];
      const { box, folder: root } = syncRef ? resolveFolder(ctx, syncRef) : { box: ctx.box, folder: ctx.box.distinguishedFolder("root")! };
      const state = childText(request, "SyncState") ?? "";
      let watermark = 0;
      if (state !== "") {
        const decoded = decodeSyncState(ctx.syncSecret, state);
        if (!decoded || decoded.k !== "hierarchy" || decoded.s !== box.guidHex || decoded.f !== root.number || decoded.w > box.seq) {
          throw new SimError("ErrorInvalidSyncStateData", "Synchronization state data is corrupt or otherwise invalid.");
        }
        watermark = decoded.w;
      }
      const changes: Array<{ seq: number; node: XmlElement }> = [];
      for (const f of box.folders.values()) {
        if (f === root || !box.isUnder(f, root)) continue;
        if (f.deleted) continue;
        if (f.createdSeq > watermark) changes.push({ seq: f.createdSeq, node: el("Create", {}, [renderFolder(box, f, shape)]) });
        else if (f.modSeq > watermark) changes.push({ seq: f.modSeq, node: el("Update", {}, [renderFolder(box, f, shape)]) });
      }
      for (const t of box.tombstonesSince(watermark)) {
        const f = box.folders.get(t.number);
        if (t.kind !== "folder" || !f || t.createdSeq > watermark || !box.isUnder(f, root)) continue;
        changes.push({ seq: t.seq, node: el("Delete", {}, [el("FolderId", { Id: box.folderId(f) })]) });
      }
      changes.sort((a, b) => a.seq - b.seq);
      const newState = encodeSyncState(ctx.syncSecret, { k: "hierarchy", s: box.guidHex, f: root.number, w: box.seq });
      return [mEl("SyncState", {}, newState), mEl("IncludesLastFolderInRange", {}, true), mEl("Changes", {}, changes.map((c) => c.node))];
    }),
  ]);
}

// ------------------------------------------------------------------ items

function syncFolderItems(request: XmlElement, ctx: OperationContext): XmlElement {
  // MaxChangesReturned is required and typed MaxSyncChangesReturnedType (1–512): Exchange's schema
  // validation refuses the request as a whole.
  const maxText = childText(request, "MaxChangesReturned");
  if (maxText === undefined) {
    throw new SimFault("ErrorSchemaValidation", "The request failed schema validation: The element 'SyncFolderItems' has incomplete content. List of possible elements expected: 'MaxChangesReturned'.");
  }
  if (!/^\s*\d+\s*$/.test(maxText) || Number(maxText) < 1 || Number(maxText) > 512) {
    throw new SimFault("ErrorSchemaValidation", `The request failed schema validation: The 'MaxChangesReturned' element is invalid - The value '${maxText.trim()}' is invalid according to its datatype 'MaxSyncChangesReturnedType' - The MaxInclusive constraint failed.`);
  }
  const shape = parseShape(child(request, "ItemShape"));
  return response("SyncFolderItems", [
    message("SyncFolderItemsResponseMessage", () => {
      const { box, folder } = resolveFolder(ctx, child(request, "SyncFolderId")?.children[0]);
      if (box.isPublicStore) throw new SimError("ErrorInvalidOperation", "SyncFolderItems is not supported for public folders; use FindItem and GetItem.");
      const state = childText(request, "SyncState") ?? "";
      const max = Number(maxText);
      let watermark = 0;
      let base = 0;
      let given = new Set<number>();
      if (state !== "") {
        const decoded = decodeSyncState(ctx.syncSecret, state);
        if (!decoded || decoded.k !== "items" || decoded.s !== box.guidHex || decoded.f !== folder.number || decoded.w > box.seq) {
          throw new SimError("ErrorInvalidSyncStateData", "Synchronization state data is corrupt or otherwise invalid.");
        }
        watermark = decoded.w;
        base = decoded.b ?? decoded.w;
        given = fromRanges(decoded.g ?? []);
      }
      // Whether the holder of the state was given the item: created before its last complete sync, or
      // sent as a Create by an earlier page of this run. An item it was not given is a Create however
      // often it changed since (EWS reference, SyncFolderItems operation: "the first attempt to
      // synchronize … will return all the items"; Exchange's ICS state holds the set of ids given),
      // and one created and deleted before it was given is not reported at all.
      const has = (number: number, createdSeq: number) => createdSeq <= base || given.has(number);
      const ignore = new Set(childrenNamed(child(request, "Ignore"), "ItemId").map((i) => i.attrs.Id));
      type Change = { seq: number; type: "Create" | "Update" | "ReadFlagChange" | "Delete"; item?: ItemRecord; number: number; deletedId?: string };
      const changes: Change[] = [];
      for (const item of folder.items.values()) {
        if (ignore.size > 0 && ignore.has(box.itemId(item))) continue;
        const latest = Math.max(item.createdSeq, item.modSeq, item.readSeq);
        if (latest <= watermark) continue;
        if (!has(item.number, item.createdSeq)) changes.push({ seq: latest, type: "Create", item, number: item.number });
        else if (item.modSeq > watermark) changes.push({ seq: latest, type: "Update", item, number: item.number });
        else if (item.readSeq > watermark) changes.push({ seq: item.readSeq, type: "ReadFlagChange", item, number: item.number });
      }
      for (const t of box.tombstonesSince(watermark)) {
        if (t.kind === "folder" || t.folder !== folder || !has(t.number, t.createdSeq)) continue;
        changes.push({ seq: t.seq, type: "Delete", number: t.number, deletedId: box.itemId({ number: t.number } as ItemRecord) });
      }
      changes.sort((a, b) => a.seq - b.seq);
      const page = changes.slice(0, max);
      const more = changes.length > page.length;
      const nodes = page.map((c) => {
        if (c.type === "Delete") return el("Delete", {}, [el("ItemId", { Id: c.deletedId! })]);
        if (c.type === "ReadFlagChange") {
          return el("ReadFlagChange", {}, [el("ItemId", { Id: box.itemId(c.item!), ChangeKey: box.itemChangeKey(c.item!) }), el("IsRead", {}, c.item!.props.get("IsRead")?.text === "true")]);
        }
        return el(c.type, {}, [renderItem(box, { item: c.item! }, shape, "sync")]);
      });
      let next: { w: number; b: number; g: number[] };
      if (more) {
        // The run goes on: remember what this page gave, so that a later page still reports a Create
        // for an item the holder never received, even if it changed in between.
        for (const c of page) {
          if (c.type === "Create") given.add(c.number);
          else if (c.type === "Delete") given.delete(c.number);
        }
        next = { w: page[page.length - 1]!.seq, b: base, g: toRanges(given) };
      } else {
        next = { w: box.seq, b: box.seq, g: [] };
      }
      const newState = encodeSyncState(ctx.syncSecret, { k: "items", s: box.guidHex, f: folder.number, ...next });
      return [mEl("SyncState", {}, newState), mEl("IncludesLastItemInRange", {}, !more), mEl("Changes", {}, nodes)];
    }),
  ]);
}

function sortTargets(box: SimulatedMailbox, targets: ItemTarget[], sortOrder: XmlElement | undefined): ItemTarget[] {
  const orders = childrenNamed(sortOrder, "FieldOrder");
  if (orders.length === 0) return targets;
  return [...targets].sort((a, b) => {
    for (const order of orders) {
      const path = order.children[0];
      if (!path) continue;
      const va = itemGetter(box, a)(path) ?? "";
      const vb = itemGetter(box, b)(path) ?? "";
      const c = compare(va, vb);
      if (c !== 0) return order.attrs.Order === "Descending" ? -c : c;
    }
    return 0;
  });
}

function findItem(request: XmlElement, ctx: OperationContext): XmlElement {
  const shape = parseShape(child(request, "ItemShape"));
  const restriction = child(request, "Restriction");
  const calendarView = child(request, "CalendarView");
  const indexedView = child(request, "IndexedPageItemView");
  const parents = child(request, "ParentFolderIds")?.children ?? [];
  return response("FindItem", parents.map((ref) =>
    message("FindItemResponseMessage", () => {
      const { box, folder } = resolveFolder(ctx, ref);
      if (calendarView) {
        const from = parseDateTime(calendarView.attrs.StartDate);
        const to = parseDateTime(calendarView.attrs.EndDate);
        if (Number.isNaN(from) || Number.isNaN(to) || to < from) throw new SimError("ErrorCalendarEndDateIsEarlierThanStartDate", "EndDate is earlier than StartDate.");
        const targets: ItemTarget[] = [];
        for (const item of folder.items.values()) {
          if (item.kind !== "CalendarItem") continue;
          if (!item.props.has("Recurrence")) {
            if (startOf(box, { item }) < to && endOf(box, { item }) > from) targets.push({ item });
            continue;
          }
          const starts = box.occurrenceStarts(item, 0, to);
          starts.forEach((originalStart, i) => {
            if (item.deletedOccurrences.has(originalStart)) return;
            const target = { item, occurrence: { index: i + 1, originalStart } };
            if (startOf(box, target) < to && endOf(box, target) > from) targets.push(target);
          });
        }
        targets.sort((a, b) => startOf(box, a) - startOf(box, b));
        const max = calendarView.attrs.MaxEntriesReturned !== undefined ? Number(calendarView.attrs.MaxEntriesReturned) : targets.length;
        const page = targets.slice(0, max);
        return [mEl("RootFolder", { TotalItemsInView: targets.length, IncludesLastItemInRange: page.length === targets.length }, [
          el("Items", {}, page.map((t) => renderItem(box, t, shape, "find"))),
        ])];
      }
      // Associated (FAI) and soft-deleted items are never created by the simulator: those views are empty.
      const traversal = request.attrs.Traversal ?? "Shallow";
      let targets: ItemTarget[] = traversal === "Associated" || traversal === "SoftDeleted" ? [] : [...folder.items.values()].map((item) => ({ item }));
      if (restriction) targets = targets.filter((t) => evaluate(restriction, itemGetter(box, t)));
      targets = sortTargets(box, targets, child(request, "SortOrder"));
      const { page, attrs } = pageOf(targets, indexedView);
      return [mEl("RootFolder", attrs, [el("Items", {}, page.map((t) => renderItem(box, t, shape, "find")))])];
    }),
  ));
}

function getItem(request: XmlElement, ctx: OperationContext): XmlElement {
  const shape = parseShape(child(request, "ItemShape"));
  const ids = child(request, "ItemIds")?.children ?? [];
  return response("GetItem", ids.map((ref) =>
    message("GetItemResponseMessage", () => {
      const { box, target } = resolveItem(ctx, ref);
      return [mEl("Items", {}, [renderItem(box, target, shape, "get")])];
    }, () => [mEl("Items")]),
  ));
}

function createItem(request: XmlElement, ctx: OperationContext): XmlElement {
  const items = child(request, "Items")?.children ?? [];
  const savedRef = child(request, "SavedItemFolderId")?.children[0];
  let saved: FolderRef | SimError | undefined;
  if (savedRef) {
    try {
      saved = resolveFolder(ctx, savedRef);
    } catch (error) {
      if (!(error instanceof SimError)) throw error;
      saved = error;
    }
  }
  return response("CreateItem", items.map((source) =>
    message("CreateItemResponseMessage", () => {
      if (saved instanceof SimError) throw saved;
      if (source.name === "CalendarItem" && request.attrs.SendMeetingInvitations === undefined) {
        throw new SimError("ErrorSendMeetingInvitationsRequired", "SendMeetingInvitations is required for calendar items.");
      }
      if (source.name === "Message" && request.attrs.MessageDisposition === undefined) {
        throw new SimError("ErrorMessageDispositionRequired", "MessageDisposition is required for messages.");
      }
      if (source.name === "Message" && request.attrs.MessageDisposition !== "SaveOnly") {
        throw new SimError("ErrorInvalidOperation", "The simulator does not send mail; use MessageDisposition SaveOnly.");
      }
      const box = saved?.box ?? ctx.box;
      const folder = saved?.folder ?? box.defaultFolderFor(source.name as ItemRecord["kind"]);
      if (!folder) throw new SimError("ErrorInvalidRequest", `Item type ${source.name} is not supported by the simulator.`);
      let element = source;
      const zoned = ["StartTimeZone", "StartTimeZoneId", "MeetingTimeZone"].some((n) => child(source, n));
      if (source.name === "CalendarItem" && !zoned && ctx.timeZoneContext) {
        const zone = ctx.timeZoneContext;
        element = { ...source, children: [...source.children, { ...zone, name: "StartTimeZone" }, { ...zone, name: "EndTimeZone" }] };
      }
      const item = box.createItemRecord(folder, element);
      return [mEl("Items", {}, [el(item.kind, {}, [el("ItemId", { Id: box.itemId(item), ChangeKey: box.itemChangeKey(item) })])])];
    }, () => [mEl("Items")]),
  ));
}

function updateItem(request: XmlElement, ctx: OperationContext): XmlElement {
  const conflictResolution = request.attrs.ConflictResolution ?? "AutoResolve";
  const changes = childrenNamed(child(request, "ItemChanges"), "ItemChange");
  return response("UpdateItem", changes.map((change) =>
    message("UpdateItemResponseMessage", () => {
      const ref = change.children.find((c) => c.name === "ItemId" || c.name === "OccurrenceItemId" || c.name === "RecurringMasterItemId");
      const { box, target, changeKey } = resolveItem(ctx, ref);
      const { item } = target;
      if (item.kind === "CalendarItem" && request.attrs.SendMeetingInvitationsOrCancellations === undefined) {
        throw new SimError("ErrorSendMeetingInvitationsOrCancellationsRequired", "SendMeetingInvitationsOrCancellations is required for calendar items.");
      }
      if (conflictResolution !== "AlwaysOverwrite") {
        if (changeKey === undefined) throw new SimError("ErrorChangeKeyRequiredForWriteOperations", "A ChangeKey is required for this write operation.");
        if (changeKey !== box.itemChangeKey(item)) {
          throw new SimError("ErrorIrresolvableConflict", "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.");
        }
      }
      const updates: ItemUpdate[] = (child(change, "Updates")?.children ?? []).map((u) => ({
        action: u.name === "SetItemField" ? "set" : u.name === "AppendToItemField" ? "append" : "delete",
        path: u.children[0]!,
        item: u.children[1],
      }));
      box.applyUpdates(target, updates);
      const id = target.occurrence
        ? el("ItemId", { Id: box.occurrenceId(item, target.occurrence.index), ChangeKey: box.itemChangeKey(item) })
        : el("ItemId", { Id: box.itemId(item), ChangeKey: box.itemChangeKey(item) });
      return [mEl("Items", {}, [el(item.kind, {}, [id])]), mEl("ConflictResults", {}, [el("Count", {}, 0)])];
    }, () => [mEl("Items")]),
  ));
}

function deleteItem(request: XmlElement, ctx: OperationContext): XmlElement {
  const deleteType = (request.attrs.DeleteType ?? "HardDelete") as SimDeleteType;
  const ids = child(request, "ItemIds")?.children ?? [];
  return response("DeleteItem", ids.map((ref) =>
    message("DeleteItemResponseMessage", () => {
      const { box, target } = resolveItem(ctx, ref);
      if (target.item.kind === "CalendarItem" && request.attrs.SendMeetingCancellations === undefined) {
        throw new SimError("ErrorSendMeetingCancellationsRequired", "SendMeetingCancellations is required for calendar items.");
      }
      if (target.item.kind === "Task" && request.attrs.AffectedTaskOccurrences === undefined) {
        throw new SimError("ErrorAffectedTaskOccurrencesRequired", "AffectedTaskOccurrences is required for tasks.");
      }
      box.deleteTarget(target, deleteType);
      return [];
    }),
  ));
}

function moveItem(request: XmlElement, ctx: OperationContext): XmlElement {
  const ids = child(request, "ItemIds")?.children ?? [];
  let target: FolderRef | SimError;
  try {
    target = resolveFolder(ctx, child(request, "ToFolderId")?.children[0]);
  } catch (error) {
    if (!(error instanceof SimError)) throw error;
    target = error;
  }
  const returnIds = childText(request, "ReturnNewItemIds") !== "false";
  return response("MoveItem", ids.map((ref) =>
    message("MoveItemResponseMessage", () => {
      if (target instanceof SimError) throw target;
      const { box, target: found } = resolveItem(ctx, ref);
      if (found.occurrence) throw new SimError("ErrorCalendarCannotMoveOrCopyOccurrence", "An occurrence cannot be moved on its own.");
      if (target.box !== box) throw new SimError("ErrorCrossMailboxMoveCopy", "Items cannot be moved between mailboxes.");
      const moved = box.moveItemRecord(found.item, target.folder);
      return [mEl("Items", {}, returnIds ? [el(moved.kind, {}, [el("ItemId", { Id: box.itemId(moved), ChangeKey: box.itemChangeKey(moved) })])] : [])];
    }, () => [mEl("Items")]),
  ));
}

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

function createAttachment(request: XmlElement, ctx: OperationContext): XmlElement {
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

function getAttachment(request: XmlElement, ctx: OperationContext): XmlElement {
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

function deleteAttachment(request: XmlElement, ctx: OperationContext): XmlElement {
  const ids = child(request, "AttachmentIds")?.children ?? [];
  return response("DeleteAttachment", ids.map((ref) =>
    message("DeleteAttachmentResponseMessage", () => {
      const { box, item, attachment } = resolveAttachment(ctx, ref);
      box.removeAttachmentRecord(item, attachment.number);
      return [mEl("RootItemId", { RootItemId: box.itemId(item), RootItemChangeKey: box.itemChangeKey(item) })];
    }),
  ));
}

// ------------------------------------------------------------------ user configurations

/**
 * GetUserConfiguration (EWS reference; MS-OXWSUSRCFG): the named configuration object of a folder,
 * with its Dictionary when Dictionary or All is asked for; ErrorItemNotFound when the mailbox has
 * none of that name (a mailbox where no client stored one). XmlData and BinaryData are not modelled.
 */
function getUserConfiguration(request: XmlElement, ctx: OperationContext): XmlElement {
  return response("GetUserConfiguration", [
    message("GetUserConfigurationResponseMessage", () => {
      const nameEl = child(request, "UserConfigurationName");
      const name = nameEl?.attrs.Name ?? "";
      const { box, folder } = resolveFolder(ctx, nameEl?.children[0]);
      const config = box.userConfigurations.get(`${folder.number}|${name}`);
      if (!config) throw new SimError("ErrorItemNotFound", "The specified object was not found in the store.");
      const properties = (childText(request, "UserConfigurationProperties") ?? "").split(/\s+/);
      const withDictionary = properties.includes("Dictionary") || properties.includes("All");
      const value = (text: string) => [el("Type", {}, "String"), el("Value", {}, text)];
      return [mEl("UserConfiguration", {}, [
        el("UserConfigurationName", { Name: name }, [el("FolderId", { Id: box.folderId(folder), ChangeKey: box.folderChangeKey(folder) })]),
        withDictionary && el("Dictionary", {}, [...config.dictionary].map(([k, v]) =>
          el("DictionaryEntry", {}, [el("DictionaryKey", {}, value(k)), el("DictionaryValue", {}, value(v))]))),
      ])];
    }),
  ]);
}

/** Handlers by operation (the request element's local name). */
export const OPERATIONS: Readonly<Record<string, OperationHandler>> = {
  GetFolder: getFolder,
  FindFolder: findFolder,
  CreateFolder: createFolder,
  DeleteFolder: deleteFolder,
  SyncFolderHierarchy: syncFolderHierarchy,
  SyncFolderItems: syncFolderItems,
  FindItem: findItem,
  GetItem: getItem,
  CreateItem: createItem,
  UpdateItem: updateItem,
  DeleteItem: deleteItem,
  MoveItem: moveItem,
  CreateAttachment: createAttachment,
  GetAttachment: getAttachment,
  DeleteAttachment: deleteAttachment,
  ConvertId: convertId,
  GetUserConfiguration: getUserConfiguration,
};
