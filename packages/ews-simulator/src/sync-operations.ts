/**
 * The sync operations the simulator serves: SyncFolderHierarchy and SyncFolderItems, fed by the
 * store's change sequence and tombstones, with signed sync states.
 */
import { SimError, SimFault } from "./errors.js";
import { decodeSyncState, encodeSyncState, fromRanges, toRanges } from "./ids.js";
import { message, type OperationContext, resolveFolder, response } from "./operation-context.js";
import type { ItemRecord } from "./records.js";
import { parseShape, renderFolder, renderItem } from "./render.js";
import { child, childrenNamed, childText, el, mEl, type XmlElement } from "./xml.js";

/** SyncFolderHierarchy: folder creates, updates and deletes since a sync state. */
export function syncFolderHierarchy(request: XmlElement, ctx: OperationContext): XmlElement {
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

/** SyncFolderItems: item creates, updates, read flag changes and deletes since a sync state, in batches of MaxChangesReturned. */
export function syncFolderItems(request: XmlElement, ctx: OperationContext): XmlElement {
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
