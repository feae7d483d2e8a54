/**
 * How the EWS side writes items. The vobject is mapped with the mappers; CreateItem saves a new
 * item into the folder; UpdateItem sends field diffs of only the fields the mapping manages
 * (never deleting one vCard / iCalendar cannot express) with `ConflictResolution=NeverOverwrite`
 * and the ChangeKey last seen, so a stale version fails (`precondition-failed`). Attachments follow
 * the item, then a series' exceptions. Written items are read back, so the engine's base is what
 * Exchange now holds.
 *
 * @module
 */
import { isEwsError, type CalendarItem, type EwsError, type ParsedItem, type TypedItem } from "@ewsdav/ews-client";
import { contactFromVCard, eventFromVEvent, ewsdavUidProperty, overlayManagedFields, taskFromVTodo } from "@ewsdav/mappers";
import { SideError, type CollectionKind, type ItemTag, type ItemUpdate, type VObject, type WriteResult } from "../../engine/side.js";
import { prepareWrite, settleServer, syncAttachments } from "./attachments.js";
import { kindOf } from "./collections.js";
import { detach, type EwsContext, type Mapped } from "./context.js";
import { toSideError } from "./errors.js";
import { applyOccurrences } from "./occurrences.js";
import { readExceptions, readItems, toText, type ReadExceptions } from "./read.js";

/** The mapping of an item type, for {@link overlayManagedFields}. */
const MANAGED_KIND = { Contact: "contact", CalendarItem: "event", Task: "task" } as const;

/**
 * The item an UpdateItem writes: the Exchange item as it is (`before`) with the fields the mapping
 * manages taken from the text (set, or deleted when the text no longer says them); every field
 * vCard / iCalendar cannot express (OfficeLocation, Mileage, Companies …) is left untouched.
 */
function managedAfter(before: TypedItem, mapped: TypedItem): TypedItem {
  const kind = MANAGED_KIND[mapped.type as keyof typeof MANAGED_KIND];
  if (!kind || before.type !== mapped.type) return mapped;
  return { type: mapped.type, item: overlayManagedFields(kind, before.item as object, mapped.item as object) } as TypedItem;
}

/** Maps vobject text of a collection kind to the Exchange item to write (`current`: the series an update writes onto). */
function mapText(ctx: EwsContext, kind: CollectionKind, text: string, current?: CalendarItem): Mapped {
  if (kind === "contacts") {
    const r = contactFromVCard(text);
    return { typed: { type: "Contact", item: r.item }, uid: r.uid, operations: [], dropped: r.dropped };
  }
  if (kind === "tasks") {
    const r = taskFromVTodo(text);
    return { typed: { type: "Task", item: r.item }, uid: r.uid, operations: [], dropped: r.dropped };
  }
  const r = eventFromVEvent(text, { ...(ctx.options.timeZone ? { timeZone: ctx.options.timeZone } : {}), ...(current ? { current } : {}) });
  return { typed: { type: "CalendarItem", item: r.item }, uid: r.uid, operations: r.occurrenceOperations, dropped: r.dropped };
}

/**
 * Reads written items back, so the engine's base for this side is what Exchange now holds in
 * vobject form (not what was sent): properties Exchange cannot hold then never look "removed"
 * on a later Exchange-side edit. A failed read-back keeps the write's own result, and so does an
 * item whose ChangeKey moved on since our write: someone edited it in between, and taking that
 * edit as the base would hide it from the sync for good. Each item is rendered onto the text
 * written (`texts`, by index), so what Exchange could not take stays in the base as it was sent.
 */
async function readBack(ctx: EwsContext, kind: CollectionKind, out: Array<WriteResult | SideError>, texts: readonly string[], signal?: AbortSignal): Promise<void> {
  const written = out.map((r, i) => [r, i] as const).filter((x): x is readonly [WriteResult, number] => !(x[0] instanceof SideError) && x[0] !== undefined);
  if (written.length === 0) return;
  let fresh: Array<ParsedItem | EwsError>;
  try {
    fresh = await readItems(ctx, kind, written.map(([r]) => ({ id: r.id })), signal);
  } catch {
    return;
  }
  let exceptions: ReadExceptions | undefined;
  try {
    exceptions = await readExceptions(ctx, kind, fresh, signal);
  } catch {
    exceptions = undefined; // each series then reads its own, as toText does without
  }
  for (let n = 0; n < written.length; n++) {
    const [result, index] = written[n]!;
    const item = fresh[n];
    if (!item || isEwsError(item) || item.type === "Unsupported") continue;
    if (result.version !== null && item.item.itemId?.changeKey !== result.version) continue;
    try {
      const { text } = await toText(ctx, kind, item, signal, texts[index], exceptions);
      out[index] = { ...result, version: detach(item.item.itemId?.changeKey ?? result.version), text };
    } catch {
      // keep the write's result: the engine then bases on what it sent
    }
  }
}

/** Creates items in a collection (CreateItem, then attachments and a series' exceptions), and reads them back. */
export async function createItems(ctx: EwsContext, collection: string, items: readonly VObject[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
  const kind = await kindOf(ctx, collection);
  await settleServer(ctx, signal); // the request version decides what can be written (issue 13)
  const out: Array<WriteResult | SideError> = new Array(items.length);
  const mapped: Array<{ index: number; m: Mapped }> = [];
  items.forEach((item, index) => {
    try {
      const m = mapText(ctx, kind, item.text);
      prepareWrite(ctx, kind, m); // what Exchange cannot take is reported; files set aside (issue 13)
      mapped.push({ index, m });
    } catch (error) {
      out[index] = toSideError(error, null);
    }
  });
  if (mapped.length) {
    const results = await ctx.client.createItem(
      mapped.map((x) => x.m.typed),
      { savedItemFolder: { id: collection }, ...(signal ? { signal } : {}) },
    );
    for (let i = 0; i < mapped.length; i++) {
      const { index, m } = mapped[i]!;
      const r = results[i]!;
      if (isEwsError(r)) {
        out[index] = toSideError(r, null);
        continue;
      }
      try {
        const written = await syncAttachments(ctx, kind, r, m, null, signal); // attachments (issue 13)
        const changeKey = m.operations.length ? await applyOccurrences(ctx, written, m.operations, signal) : written.changeKey;
        out[index] = { id: detach(r.id), version: detach(changeKey ?? null), ...(m.dropped.length ? { dropped: m.dropped } : {}) };
      } catch (error) {
        out[index] = toSideError(error, r.id);
      }
    }
  }
  await readBack(ctx, kind, out, items.map((i) => i.text), signal);
  return out;
}

/**
 * Updates items whose ChangeKey is still `version` (UpdateItem of the managed fields with
 * `NeverOverwrite`, then attachments and a series' exceptions), and reads them back.
 */
export async function updateItems(ctx: EwsContext, collection: string, items: readonly ItemUpdate[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
  const kind = await kindOf(ctx, collection);
  await settleServer(ctx, signal); // the request version decides what can be written (issue 13)
  const current = await readItems(ctx, kind, items.map((i) => ({ id: i.id })), signal);
  const out: Array<WriteResult | SideError> = new Array(items.length);
  const pending: Array<{ index: number; m: Mapped; before: TypedItem; changeKey: string }> = [];
  items.forEach((item, index) => {
    const now = current[index];
    if (!now || isEwsError(now)) return void (out[index] = toSideError(now, item.id));
    if (now.type === "Unsupported") return void (out[index] = new SideError("rejected", `not a ${kind} item`, item.id));
    const changeKey = now.item.itemId?.changeKey ?? "";
    if (item.version !== null && item.version !== changeKey) {
      return void (out[index] = new SideError("precondition-failed", `item changed since change key ${item.version}`, item.id));
    }
    try {
      const m = mapText(ctx, kind, item.text, now.type === "CalendarItem" ? now.item : undefined);
      prepareWrite(ctx, kind, m, now); // what Exchange cannot take is reported; files set aside (issue 13)
      pending.push({ index, m, before: now, changeKey });
    } catch (error) {
      out[index] = toSideError(error, item.id);
    }
  });
  if (pending.length) {
    const results = await ctx.client.updateItem(
      pending.map((p) => ({ target: { id: items[p.index]!.id, changeKey: p.changeKey }, before: p.before, after: managedAfter(p.before, p.m.typed) })),
      { conflictResolution: "NeverOverwrite", ...(signal ? { signal } : {}) },
    );
    for (let i = 0; i < pending.length; i++) {
      const { index, m } = pending[i]!;
      const r = results[i]!;
      if (isEwsError(r)) {
        out[index] = toSideError(r, items[index]!.id);
        continue;
      }
      try {
        const before = pending[i]!.before.item.attachments ?? []; // attachments (issue 13)
        const written = await syncAttachments(ctx, kind, r.itemId, m, before, signal);
        const changeKey = m.operations.length ? await applyOccurrences(ctx, written, m.operations, signal) : written.changeKey;
        out[index] = { id: detach(r.itemId.id), version: detach(changeKey ?? null), ...(m.dropped.length ? { dropped: m.dropped } : {}) };
      } catch (error) {
        out[index] = toSideError(error, items[index]!.id);
      }
    }
  }
  await readBack(ctx, kind, out, items.map((i) => i.text), signal);
  return out;
}

/**
 * Writes UIDs onto contacts and tasks (see `SyncSide.tag`): one UpdateItem per batch that sets
 * ewsdav's UID property and nothing else, under `NeverOverwrite` with the ChangeKey the engine
 * read (a stale one fails as `precondition-failed`); the new ChangeKey comes from UpdateItem's
 * answer, and the text the slot now holds is the tag's own (the item as read, with the UID), so
 * nothing is read before or after. Calendar items carry their UID in the item itself, and an item
 * without a known ChangeKey cannot be written under `NeverOverwrite` without reading it: both
 * go through {@link updateItems}.
 */
export async function tagItems(ctx: EwsContext, collection: string, items: readonly ItemTag[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
  const kind = await kindOf(ctx, collection);
  if (kind === "events") return updateItems(ctx, collection, items, signal);
  const out: Array<WriteResult | SideError> = new Array(items.length);
  const unversioned = items.map((item, index) => ({ item, index })).filter((x) => x.item.version === null);
  if (unversioned.length) {
    const written = await updateItems(ctx, collection, unversioned.map((x) => x.item), signal);
    unversioned.forEach((x, n) => (out[x.index] = written[n]!));
  }
  const tagged = items.map((item, index) => ({ item, index })).filter((x) => x.item.version !== null);
  if (tagged.length === 0) return out;
  const type = kind === "contacts" ? "Contact" : "Task";
  const results = await ctx.client.updateItem(
    tagged.map(({ item }) => ({
      target: { id: item.id, changeKey: item.version! },
      before: { type, item: {} } as TypedItem,
      after: { type, item: { extendedProperties: [ewsdavUidProperty(item.uid)] } } as TypedItem,
    })),
    { conflictResolution: "NeverOverwrite", ...(signal ? { signal } : {}) },
  );
  tagged.forEach(({ item, index }, n) => {
    const r = results[n];
    if (!r || isEwsError(r)) return void (out[index] = toSideError(r, item.id));
    out[index] = { id: detach(r.itemId.id || item.id), version: detach(r.itemId.changeKey ?? null) };
  });
  return out;
}
