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
import { AbortedError, EwsResponseError, HttpError, InvalidSyncStateError, SoapFaultError, type EwsError, type ParsedItem, type TypedItem } from "@ewsdav/ews-client";
import { createHash } from "node:crypto";
import { SideError, type ChangeFeed, type CollectionKind, type SideItem, type Versioned } from "../../engine/side.js";
import { ITEM_TYPE, kindOf } from "./collections.js";
import { detach, type EwsContext } from "./context.js";
import { loadRead } from "./lazy.js";
import { syncRefused } from "./errors.js";

/** How a listing feed's cursor (a digest of ids and ChangeKeys) begins; a SyncState never does. */
const LISTING_CURSOR = "ewsdav-listing:v1:";

/** How the side's cursor begins: a head line with the folder's kind, then the feed's cursor (a SyncState or a listing's). */
const SIDE_CURSOR_PREFIX = "ews-side/";
const SIDE_CURSOR_HEAD = /^ews-side\/1 kind=(contacts|events|tasks)$/;

/**
 * The side's cursor: one line with the folder's kind, then the feed's cursor. A process that starts
 * with it needs no FindFolder before its SyncFolderItems: a quiet cycle is one request per folder.
 * A folder's kind does not change under its FolderId (a folder deleted and made again has a new
 * one); where Exchange rejects the SyncState, {@link changes} reads the kind again. An ewsdav that
 * predates this form sends the whole text as a SyncState, which Exchange refuses
 * (ErrorInvalidSyncStateData): that ewsdav lists the folder's ids and ChangeKeys in full, as after
 * any rejected state (a public folder refuses SyncFolderItems first and is listed in full too).
 */
function encodeSideCursor(kind: CollectionKind, feed: string): string {
  return `${SIDE_CURSOR_PREFIX}1 kind=${kind}\n${feed}`;
}

/**
 * A stored cursor: the side's (the folder's kind and the feed's cursor), or, as written before it,
 * the feed's alone (the kind then costs one FindFolder). A head this side cannot read (a later
 * form) is `invalid`: the feed restarts as after a rejected SyncState.
 */
function decodeSideCursor(cursor: string): { kind?: CollectionKind; feed: string | null; invalid?: true } {
  if (!cursor.startsWith(SIDE_CURSOR_PREFIX)) return { feed: cursor };
  const newline = cursor.indexOf("\n");
  const head = newline < 0 ? null : SIDE_CURSOR_HEAD.exec(cursor.slice(0, newline));
  if (!head) return { feed: null, invalid: true };
  return { kind: head[1] as CollectionKind, feed: cursor.slice(newline + 1) };
}

/** Items per FindItem page of a listing feed (IdOnly: about 300 bytes an item). */
const LISTING_PAGE_SIZE = 500;

/**
 * The changes of a folder since `cursor` (`null`: every item, as a complete listing): SyncFolderItems,
 * or the folder's listing feed once it has refused SyncFolderItems (or the cursor is a listing's).
 */
export async function changes(ctx: EwsContext, collection: string, cursor: string | null, signal?: AbortSignal): Promise<ChangeFeed> {
  const stored = cursor === null ? null : decodeSideCursor(cursor);
  // The kind as this process learnt it, else as the cursor records it (no FindFolder), else listed.
  const fromCursor = stored?.kind !== undefined && !ctx.kinds.has(collection);
  if (fromCursor) ctx.kinds.set(collection, stored!.kind!);
  const kind = await kindOf(ctx, collection);
  const { kind: readAs, ...feed } = await folderChanges(ctx, collection, kind, stored, fromCursor, signal);
  return { ...feed, cursor: feed.cursor === null ? null : encodeSideCursor(readAs, feed.cursor) };
}

/** {@link changes} with the folder's kind known; the feed's cursor is the bare SyncState or listing cursor, with the kind it was read as. */
async function folderChanges(
  ctx: EwsContext,
  collection: string,
  kind: CollectionKind,
  stored: { kind?: CollectionKind; feed: string | null; invalid?: true } | null,
  fromCursor: boolean,
  signal?: AbortSignal,
): Promise<ChangeFeed & { kind: CollectionKind }> {
  const wanted = ITEM_TYPE[kind];
  const cursor = stored?.feed ?? null;
  // A folder whose feed is a listing (a public folder): known from its refusal, or from the cursor.
  if (ctx.listed.has(collection) || cursor?.startsWith(LISTING_CURSOR)) return { ...(await listingFeed(ctx, collection, wanted, cursor, signal)), kind };
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
    notStopped(signal);
    return { cursor: state, changed: [...changed].map(([id, version]) => ({ id: detach(id), version: detach(version) })), deleted: [...deleted].map(detach) };
  };
  // A full listing, with each item's content read and rendered page by page.
  const readAll = async (): Promise<ChangeFeed> => {
    const changed = new Map<string, Versioned | SideItem>();
    let state = "";
    const { renderItems, shapeFor } = await loadRead();
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
    notStopped(signal);
    return { cursor: state, changed: [...changed.values()], deleted: [], complete: true };
  };
  try {
    // A cursor of a later form: read as a SyncState Exchange rejected.
    if (stored?.invalid) return { ...(await read(null)), deleted: [], complete: true, kind };
    if (cursor === null && !ctx.idsOnly.has(collection)) {
      try {
        return { ...(await readAll()), kind };
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
    if (cursor === null) return { ...(await read(null)), deleted: [], complete: true, kind };
    const feed = await read(cursor);
    return { ...feed, complete: false, kind };
  } catch (error) {
    if (syncRefused(error)) {
      ctx.listed.add(collection);
      return { ...(await listingFeed(ctx, collection, wanted, null, signal)), kind };
    }
    if (fromCursor && error instanceof EwsResponseError && error.responseCode === "ErrorFolderNotFound") {
      // The kind came from the cursor and the folder is gone: as when a FindFolder does not list it.
      ctx.kinds.delete(collection);
      await kindOf(ctx, collection); // throws not-found
    }
    if (!(error instanceof InvalidSyncStateError)) throw error;
    if (fromCursor) {
      // The kind came from the cursor, and the folder may have been replaced since: it is read again
      // (one FindFolder, only here), and the folder is listed as what it now holds.
      ctx.kinds.delete(collection);
      const now = await kindOf(ctx, collection);
      if (now !== kind) return folderChanges(ctx, collection, now, { feed: null, invalid: true }, false, signal);
    }
    // A rejected state: the engine holds most of the folder, whose texts it would not take from the
    // feed (they are rendered onto its own); ids and ChangeKeys, and it reads what changed.
    const feed = await read(null);
    return { ...feed, deleted: [], complete: true, kind };
  }
}

/**
 * Throws when `signal` stopped the walk: the client's pipelined walk (`syncFolderItemsWithItems`)
 * ends without an error when its signal is aborted between pages, and what it listed is then
 * part of the folder, never a complete listing (nor a SyncState to store).
 */
function notStopped(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError(undefined, { cause: signal.reason });
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
