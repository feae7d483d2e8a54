/**
 * How the EWS side reads items: batched GetItem with ewsdav's extended properties (the UID of
 * contacts and tasks); a recurring master is read with its modified occurrences and rendered as
 * one iCalendar object. Each item is rendered onto the basis the engine gives (the text last
 * synced; the text just written, for the read-back after a write), so what Exchange cannot hold
 * comes back unchanged. `modified` is the item's LastModifiedTime. Calendar items carry their own
 * UID; contacts and tasks keep it in an extended property in ewsdav's property set.
 *
 * @module
 */
import { isEwsError, type CalendarItem, type EwsError, type ItemReference, type ItemShape, type ParsedItem } from "@ewsdav/ews-client";
import {
  contactToVCard,
  eventToVEvent,
  EWSDAV_EXTENDED_PROPERTIES,
  EWSDAV_UID_PROPERTY,
  MapperError,
  readEwsdavUid,
  taskToVTodo,
} from "@ewsdav/mappers";
import { createHash } from "node:crypto";
import { SideError, type CollectionKind, type DroppedProperty, type SideItem } from "../../engine/side.js";
import { prefetchAttachments, readAttachments } from "./attachments.js";
import { kindOf } from "./collections.js";
import { detach, type EwsContext } from "./context.js";
import { toSideError } from "./errors.js";

/** The GetItem shape of a collection kind (also that of the items a complete listing carries, `feeds.ts`): every property, the body as stored, LastModifiedTime and ewsdav's extended properties. */
export function shapeFor(kind: CollectionKind): ItemShape {
  const extended = kind === "contacts" ? EWSDAV_EXTENDED_PROPERTIES.contact : kind === "tasks" ? EWSDAV_EXTENDED_PROPERTIES.task : [EWSDAV_UID_PROPERTY];
  // The body as stored (Best): an HTML body reaches the mappers, which keep it (X-ALT-DESC) or reduce it and say so.
  // LastModifiedTime is in AllProperties; named, so that a server that trims the shape still sends it (SideItem.modified).
  return { baseShape: "AllProperties", bodyType: "Best", additionalProperties: [{ fieldUri: "item:LastModifiedTime" }, ...extended.map((e) => ({ extended: e }))] };
}

/** An item's LastModifiedTime as an ISO instant (`SideItem.modified`), when Exchange sent one. */
function modifiedTime(parsed: ParsedItem): string | undefined {
  const value = parsed.type === "Unsupported" ? undefined : (parsed.item as { lastModifiedTime?: string }).lastModifiedTime;
  const ms = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** GetItem of `refs` in the shape of `kind` (no call for none): each an item or its error, in order. */
export async function readItems(ctx: EwsContext, kind: CollectionKind, refs: readonly ItemReference[], signal?: AbortSignal): Promise<Array<ParsedItem | EwsError>> {
  if (refs.length === 0) return [];
  return ctx.client.getItem(refs, { shape: shapeFor(kind), ...(signal ? { signal } : {}) });
}

/** Modified occurrences read ahead for several series at once, by occurrence ItemId (see {@link readExceptions}). */
export type ReadExceptions = ReadonlyMap<string, ParsedItem | EwsError>;

/**
 * The modified occurrences of every recurring master among `items`, read in one batched GetItem
 * (the client splits it into its batches) rather than one GetItem per series; by ItemId. Empty
 * when no item is a series with exceptions (no request).
 */
export async function readExceptions(ctx: EwsContext, kind: CollectionKind, items: ReadonlyArray<ParsedItem | EwsError | undefined>, signal?: AbortSignal): Promise<ReadExceptions> {
  if (kind !== "events") return new Map();
  const ids: string[] = [];
  for (const r of items) {
    if (!r || isEwsError(r) || r.type !== "CalendarItem") continue;
    for (const o of r.item.modifiedOccurrences ?? []) if (o.itemId.id) ids.push(o.itemId.id);
  }
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const read = await readItems(ctx, kind, unique.map((id) => ({ id })), signal);
  return new Map(unique.map((id, i) => [id, read[i]!]));
}

/**
 * The vobject text of an EWS item, rendered onto `basis` when given (the text the engine holds of
 * the item, or the text just written): what Exchange cannot hold stays as it is there, so the text
 * differs from the basis only where Exchange's item does. A basis the mapper cannot read as the
 * item's kind is ignored (the item is rendered alone).
 */
export async function toText(
  ctx: EwsContext,
  kind: CollectionKind,
  parsed: ParsedItem,
  signal?: AbortSignal,
  basis?: string,
  prefetched?: ReadExceptions,
): Promise<{ text: string; uid: string | null; dropped: DroppedProperty[] }> {
  const onBasis = <T>(render: (base: string | undefined) => T): T => {
    if (basis === undefined) return render(undefined);
    try {
      return render(basis);
    } catch (error) {
      if (!(error instanceof MapperError)) throw error;
      return render(undefined);
    }
  };
  const files = await readAttachments(ctx, kind, parsed, signal); // attachment content (issue 13)
  if (parsed.type === "Contact" && kind === "contacts") {
    const uid = readEwsdavUid(parsed.item);
    const r = onBasis((base) => contactToVCard(parsed.item, base === undefined ? {} : { base }));
    return { text: r.text, uid, dropped: [...files, ...r.dropped] };
  }
  if (parsed.type === "Task" && kind === "tasks") {
    const uid = readEwsdavUid(parsed.item);
    const r = onBasis((base) => taskToVTodo(parsed.item, base === undefined ? {} : { base }));
    return { text: r.text, uid, dropped: [...files, ...r.dropped] };
  }
  if (parsed.type === "CalendarItem" && kind === "events") {
    const item = parsed.item;
    const exceptions: CalendarItem[] = [];
    const occurrences = item.modifiedOccurrences ?? [];
    if (occurrences.length) {
      // Read ahead with the other series of the batch (readExceptions) when given; what is missing there is read now.
      const ahead = occurrences.map((o) => prefetched?.get(o.itemId.id));
      const missing = occurrences.filter((_, i) => ahead[i] === undefined);
      const late = missing.length ? await readItems(ctx, kind, missing.map((o) => o.itemId), signal) : [];
      let next = 0;
      for (const r of ahead.map((a) => a ?? late[next++]!)) if (!isEwsError(r) && r.type === "CalendarItem") exceptions.push(r.item);
    }
    const fallback = item.itemId ? `ews-${createHash("sha256").update(item.itemId.id).digest("hex").slice(0, 32)}` : undefined;
    const r = onBasis((base) =>
      eventToVEvent(item, { exceptions, ...(ctx.options.timeZone ? { timeZone: ctx.options.timeZone } : {}), ...(fallback && !item.uid ? { uid: fallback } : {}), ...(base === undefined ? {} : { base }) }),
    );
    return { text: r.text, uid: item.uid ?? r.uid, dropped: [...files, ...r.dropped] };
  }
  throw new SideError("rejected", `a ${parsed.type === "Unsupported" ? parsed.elementName : parsed.type} is not a ${kind} item`);
}

/** Reads items of a collection; each is rendered onto its `basis` text when one is given (see `SyncSide.fetch`). */
export async function fetchItems(ctx: EwsContext, collection: string, ids: readonly string[], signal?: AbortSignal, basis?: ReadonlyMap<string, string>): Promise<Array<SideItem | SideError>> {
  const kind = await kindOf(ctx, collection);
  const results = await readItems(ctx, kind, ids.map((id) => ({ id })), signal);
  return renderItems(ctx, kind, ids, results, signal, basis);
}

/**
 * Renders items GetItem read (`results`, one per id of `ids`): their attachments' content and the
 * series' modified occurrences are read in batches first; each item is rendered onto its `basis`
 * text when one is given. One answer per id, in order.
 */
export async function renderItems(
  ctx: EwsContext,
  kind: CollectionKind,
  ids: readonly string[],
  results: ReadonlyArray<ParsedItem | EwsError>,
  signal?: AbortSignal,
  basis?: ReadonlyMap<string, string>,
): Promise<Array<SideItem | SideError>> {
  const unread = await prefetchAttachments(ctx, kind, results, signal); // attachment content, batched (issue 13)
  // The series' modified occurrences, batched; if that read fails, each series reads its own (and fails alone).
  const exceptions = await readExceptions(ctx, kind, results, signal).catch(() => undefined);
  const out: Array<SideItem | SideError> = [];
  for (let i = 0; i < ids.length; i++) {
    const r = results[i]!;
    const id = ids[i]!;
    if (isEwsError(r)) {
      out.push(toSideError(r, id));
      continue;
    }
    if (unread.has(i)) {
      out.push(toSideError(unread.get(i), id));
      continue;
    }
    try {
      const { text, uid, dropped } = await toText(ctx, kind, r, signal, basis?.get(id), exceptions);
      const version = r.type === "Unsupported" ? (r.itemId?.changeKey ?? null) : (r.item.itemId?.changeKey ?? null);
      const modified = modifiedTime(r);
      out.push({ id: detach(id), version: detach(version), uid: detach(uid), text, ...(dropped.length ? { dropped } : {}), ...(modified ? { modified } : {}) });
    } catch (error) {
      out.push(toSideError(error, id));
    }
  }
  return out;
}
