/**
 * The EWS side's change feeds. A folder's feed is SyncFolderItems (IdOnly, all pages) and its
 * cursor the SyncState; a rejected state restarts as a full listing of ids. The first listing (no
 * cursor) carries each item's content: GetItem batches pipelined behind the SyncFolderItems
 * pages (`syncFolderItemsWithItems`), each page rendered as it comes (without a basis: the engine
 * takes such a text only for an item it holds no basis of) and its XML let go, so memory holds the
 * texts and a page or two in flight, not the folder's XML. Where Exchange refuses
 * SyncFolderItems (public folders), the feed is a FindItem listing of ids and ChangeKeys (complete,
 * compared with the state by the engine); its cursor is a digest of that listing, so an unchanged
 * folder reads no item.
 *
 * @module
 */
import { HttpError, InvalidSyncStateError, SoapFaultError, type EwsError, type ParsedItem, type TypedItem } from "@ewsdav/ews-client";
import { createHash } from "node:crypto";
import { SideError, type ChangeFeed, type SideItem, type Versioned } from "../../engine/side.js";
import { ITEM_TYPE, kindOf } from "./collections.js";
import { detach, type EwsContext } from "./context.js";
import { syncRefused } from "./errors.js";
import { renderItems, shapeFor } from "./read.js";

/** How a listing feed's cursor (a digest of ids and ChangeKeys) begins; a SyncState never does. */
const LISTING_CURSOR = "ewsdav-listing:v1:";

/** Items per FindItem page of a listing feed (IdOnly: about 300 bytes an item). */
const LISTING_PAGE_SIZE = 500;

/**
 * The changes of a folder since `cursor` (`null`: every item, as a complete listing): SyncFolderItems,
 * or the folder's listing feed once it has refused SyncFolderItems (or the cursor is a listing's).
 */
export async function changes(ctx: EwsContext, collection: string, cursor: string | null, signal?: AbortSignal): Promise<ChangeFeed> {
  const kind = await kindOf(ctx, collection);
  const wanted = ITEM_TYPE[kind];
  // A folder whose feed is a listing (a public folder): known from its refusal, or from the cursor.
  if (ctx.listed.has(collection) || cursor?.startsWith(LISTING_CURSOR)) return listingFeed(ctx, collection, wanted, cursor, signal);
  const read = async (syncState: string | null) => {
    const changed = new Map<string, string | null>();
    const deleted = new Set<string>();
    let state = syncState ?? "";
    for await (const page of ctx.client.syncFolderItemsPages(
      { folder: { id: collection }, ...(syncState ? { syncState } : {}) },
      signal ? { signal } : {},
    )) {
      state = page.syncState;
      for (const change of page.changes) {
        if (change.type === "Delete") {
          changed.delete(change.itemId.id);
          deleted.add(change.itemId.id);
        } else if (change.type !== "ReadFlagChange" && change.elementName === wanted) {
          deleted.delete(change.itemId.id);
          changed.set(change.itemId.id, change.itemId.changeKey ?? null);
        }
      }
    }
    return { cursor: state, changed: [...changed].map(([id, version]) => ({ id: detach(id), version: detach(version) })), deleted: [...deleted].map(detach) };
  };
  // A full listing, with each item's content read and rendered page by page.
  const readAll = async (): Promise<ChangeFeed> => {
    const changed = new Map<string, Versioned | SideItem>();
    let state = "";
    for await (const page of ctx.client.syncFolderItemsWithItems({ folder: { id: collection } }, { shape: shapeFor(kind), ...(signal ? { signal } : {}) })) {
      state = page.syncState;
      const ids: string[] = [];
      const listedVersions: Array<string | null> = [];
      const results: Array<ParsedItem | EwsError> = [];
      let slot = 0; // page.items has one slot per Create and Update, in order
      for (const change of page.changes) {
        if (change.type === "Delete") {
          changed.delete(change.itemId.id);
          continue;
        }
        if (change.type === "ReadFlagChange") continue;
        const item = page.items[slot++];
        if (change.elementName !== wanted) continue;
        if (item === undefined) throw new SideError("transient", `SyncFolderItems in ${collection}: no GetItem answer for ${change.itemId.id}`);
        // Copies: a string cut from the response would keep each page's XML alive until the feed returns.
        ids.push(detach(change.itemId.id));
        listedVersions.push(detach(change.itemId.changeKey ?? null));
        results.push(item);
      }
      const rendered = await renderItems(ctx, kind, ids, results, signal);
      rendered.forEach((r, i) => {
        const id = ids[i]!;
        changed.delete(id); // a later change of an id lists it after the others, as the feed does
        // What could not be read or rendered is listed without content: the engine reads it by id (and reports it).
        changed.set(id, r instanceof SideError ? { id: detach(id), version: detach(listedVersions[i]!) } : r);
      });
    }
    return { cursor: state, changed: [...changed.values()], deleted: [], complete: true };
  };
  try {
    if (cursor === null && !ctx.idsOnly.has(collection)) {
      try {
        return await readAll();
      } catch (error) {
        // A GetItem batch that fails as a whole (an answer over the size limit, a server error on one
        // corrupt item) must not stop the folder's first sync every cycle: this cycle's feed fails as
        // it did (no more requests now: a throttled server is not asked again at once), and the
        // folder's next complete listings are ids and ChangeKeys, which the engine reads in its own
        // batches, where a failure costs only that batch's items.
        if (!signal?.aborted && !syncRefused(error) && !throttled(error) && !(error instanceof InvalidSyncStateError)) ctx.idsOnly.add(collection);
        throw error;
      }
    }
    if (cursor === null) return { ...(await read(null)), deleted: [], complete: true };
    const feed = await read(cursor);
    return { ...feed, complete: false };
  } catch (error) {
    if (syncRefused(error)) {
      ctx.listed.add(collection);
      return listingFeed(ctx, collection, wanted, null, signal);
    }
    if (!(error instanceof InvalidSyncStateError)) throw error;
    // A rejected state: the engine holds most of the folder, whose texts it would not take from the
    // feed (they are rendered onto its own); ids and ChangeKeys, and it reads what changed.
    const feed = await read(null);
    return { ...feed, deleted: [], complete: true };
  }
}

/** Whether Exchange said to slow down (ErrorServerBusy, 429, 503): asked again later, the same listing may pass. */
function throttled(error: unknown): boolean {
  return (error instanceof SoapFaultError && error.responseCode === "ErrorServerBusy") || (error instanceof HttpError && (error.status === 429 || error.status === 503));
}

/**
 * The change feed of a folder Exchange refuses SyncFolderItems on (public folders): FindItem
 * (Shallow, IdOnly, oldest first, every page) as a complete listing of ids and ChangeKeys, which
 * the engine compares with its state, reading only what changed and taking absence as deletion.
 * The cursor is a digest of the listing: when the folder lists exactly as it did at the cursor,
 * the feed says nothing changed (no GetItem, and the engine's quiet path), at the cost of one
 * FindItem walk per cycle. A walk that cannot be completed throws (the engine reports the feed
 * as failed and writes nothing from it); it never answers with part of the folder.
 */
async function listingFeed(ctx: EwsContext, collection: string, wanted: TypedItem["type"], cursor: string | null, signal?: AbortSignal): Promise<ChangeFeed> {
  const listed = await ctx.client.findItem(
    { folder: { id: collection }, shape: { baseShape: "IdOnly" }, pageSize: ctx.options.listingPageSize ?? LISTING_PAGE_SIZE, sortOrder: [{ path: { fieldUri: "item:DateTimeCreated" } }] },
    signal ? { signal } : {},
  );
  const changed: Versioned[] = [];
  for (const item of listed) {
    if (item.type !== wanted) continue; // a message or a distribution list in the folder: not ours to sync
    const id = item.item.itemId?.id;
    if (!id) throw new SideError("transient", `FindItem in ${collection} listed a ${item.type} without ItemId`);
    changed.push({ id: detach(id), version: detach(item.item.itemId?.changeKey ?? null) });
  }
  changed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const digest = createHash("sha256");
  for (const { id, version } of changed) digest.update(`${id}\t${version ?? ""}\n`);
  const next = `${LISTING_CURSOR}${digest.digest("base64url")}`;
  if (cursor === next) return { cursor: next, changed: [], deleted: [], complete: false };
  return { cursor: next, changed, deleted: [], complete: true };
}
