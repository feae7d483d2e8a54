/**
 * The item operations the simulator serves: FindItem, GetItem, CreateItem, UpdateItem, DeleteItem
 * and MoveItem.
 */
import { SimError } from "./errors.js";
import { type FolderRef, message, type OperationContext, pageOf, resolveFolder, resolveItem, response } from "./operation-context.js";
import type { ItemRecord, ItemTarget, ItemUpdate, SimDeleteType } from "./records.js";
import { parseDateTime } from "./recurrence.js";
import { endOf, parseShape, renderItem, startOf } from "./render.js";
import { evaluate, itemGetter, sortTargets } from "./restrictions.js";
import { child, childrenNamed, childText, el, mEl, type XmlElement } from "./xml.js";

/** FindItem: items of a folder (or occurrences in a CalendarView), restricted, sorted and paged. */
export function findItem(request: XmlElement, ctx: OperationContext): XmlElement {
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

/** GetItem: each requested item or occurrence with the asked shape. */
export function getItem(request: XmlElement, ctx: OperationContext): XmlElement {
  const shape = parseShape(child(request, "ItemShape"));
  const ids = child(request, "ItemIds")?.children ?? [];
  return response("GetItem", ids.map((ref) =>
    message("GetItemResponseMessage", () => {
      const { box, target } = resolveItem(ctx, ref);
      return [mEl("Items", {}, [renderItem(box, target, shape, "get")])];
    }, () => [mEl("Items")]),
  ));
}

/** CreateItem: new items in SavedItemFolderId or the kind's default folder. */
export function createItem(request: XmlElement, ctx: OperationContext): XmlElement {
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

/** UpdateItem: set, append and delete of properties, with the ChangeKey conflict check ConflictResolution asks for. */
export function updateItem(request: XmlElement, ctx: OperationContext): XmlElement {
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

/** DeleteItem: items or occurrences, by DeleteType. */
export function deleteItem(request: XmlElement, ctx: OperationContext): XmlElement {
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

/** MoveItem: items to another folder, each under a new ItemId. */
export function moveItem(request: XmlElement, ctx: OperationContext): XmlElement {
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
