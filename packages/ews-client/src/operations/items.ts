/**
 * Item operations: SyncFolderItems, FindItem, GetItem, CreateItem, UpdateItem, DeleteItem.
 * Batch operations return one result per input, in input order; a failed item is an error in its
 * slot, never an exception for the whole batch.
 * @module
 */
import { chunk, mapConcurrent, type CallOptions, type EwsClientCore } from "../client-core.js";
import { EwsInputError, EwsProtocolError } from "../errors.js";
import { itemReferenceXml, parseItemId } from "../items/common-xml.js";
import { itemChangeDescriptions, itemXml, parseItemElement, type ParsedItem, type TypedItem } from "../items/item-xml.js";
import type { FolderReference, ItemId, ItemReference } from "../model/ids.js";
import { isOccurrenceItemId } from "../model/ids.js";
import { child, childText, type XmlElement } from "../xml/parse.js";
import { xmlElement, xmlText } from "../xml/writer.js";
import { folderReferenceXml, itemShapeXml, propertyPathXml, type ItemShape, type PropertyPath } from "./paths.js";
import { batchResults, singleResult, type ItemResult } from "./results.js";
import { retryBusySlots } from "./busy-retry.js";
import { isResponseTooLarge, readShrinkingPage, shortId, tooLargeFor } from "./page-size.js";

// ---------------------------------------------------------------- SyncFolderItems

/** One change reported by SyncFolderItems. */
export type SyncItemChange =
  | { type: "Create" | "Update"; itemId: ItemId; elementName: string; item: ParsedItem }
  | { type: "Delete"; itemId: ItemId }
  | { type: "ReadFlagChange"; itemId: ItemId; isRead: boolean };

/** Input of SyncFolderItems. */
export interface SyncFolderItemsInput {
  /** The folder to follow. */
  folder: FolderReference;
  /** The state of the last sync; absent for a full sync. */
  syncState?: string;
  /** Changes per page, 1–512 (default 512). */
  maxChangesReturned?: number;
  /** Shape of changed items (default `IdOnly`: ids and change keys, fetch content with GetItem). */
  shape?: ItemShape;
  /** Item ids to leave out of the changes (our own writes). */
  ignore?: readonly ItemId[];
}

/** One page of SyncFolderItems. */
export interface SyncFolderItemsPage {
  /** The state to pass next time. */
  syncState: string;
  /** True when this page holds the last pending change. */
  includesLastItemInRange: boolean;
  /** Changes in server order. */
  changes: SyncItemChange[];
}

/** Builds `m:SyncFolderItems`. */
export function buildSyncFolderItems(input: SyncFolderItemsInput): string {
  const max = input.maxChangesReturned ?? 512;
  if (!Number.isInteger(max) || max < 1 || max > 512) throw new EwsInputError("SyncFolderItems", "maxChangesReturned", "must be an integer from 1 to 512");
  const ignore = input.ignore ?? [];
  return xmlElement(
    "m:SyncFolderItems",
    undefined,
    itemShapeXml(input.shape ?? { baseShape: "IdOnly" }, { item: "SyncFolderItems" }),
    xmlElement("m:SyncFolderId", undefined, folderReferenceXml(input.folder)),
    input.syncState !== undefined && input.syncState !== "" && xmlText("m:SyncState", input.syncState),
    ignore.length > 0 && xmlElement("m:Ignore", undefined, ...ignore.map((id) => xmlElement("t:ItemId", { Id: id.id, ChangeKey: id.changeKey }))),
    xmlText("m:MaxChangesReturned", max),
  );
}

function parseSyncChanges(changes: XmlElement | undefined): SyncItemChange[] {
  const out: SyncItemChange[] = [];
  for (const c of changes?.children ?? []) {
    if (c.name === "Delete" || c.name === "ReadFlagChange") {
      const id = child(c, "ItemId");
      if (!id) continue;
      if (c.name === "Delete") out.push({ type: "Delete", itemId: parseItemId(id) });
      else out.push({ type: "ReadFlagChange", itemId: parseItemId(id), isRead: childText(c, "IsRead") === "true" });
    } else if (c.name === "Create" || c.name === "Update") {
      const itemElement = c.children[0];
      if (!itemElement) continue;
      const id = child(itemElement, "ItemId");
      out.push({ type: c.name, itemId: id ? parseItemId(id) : { id: "" }, elementName: itemElement.name, item: parseItemElement(itemElement) });
    }
  }
  return out;
}

async function syncFolderItemsOnce(client: EwsClientCore, input: SyncFolderItemsInput, options: CallOptions): Promise<SyncFolderItemsPage> {
  const response = await client.request("SyncFolderItems", buildSyncFolderItems(input), { ...options, idempotent: true });
  const m = singleResult(response.body, "SyncFolderItems");
  const syncState = childText(m.element, "SyncState");
  if (syncState === undefined) throw new EwsProtocolError("SyncFolderItems: response without SyncState");
  return {
    syncState,
    includesLastItemInRange: childText(m.element, "IncludesLastItemInRange") !== "false",
    changes: parseSyncChanges(child(m.element, "Changes")),
  };
}

/** One page, asked again with fewer changes while its response is over the size limit; returns the page size that fitted. */
export async function syncFolderItemsPage(client: EwsClientCore, input: SyncFolderItemsInput, options: CallOptions): Promise<{ value: SyncFolderItemsPage; size: number }> {
  return readShrinkingPage(input.maxChangesReturned ?? 512, (max) => syncFolderItemsOnce(client, { ...input, maxChangesReturned: max }, options));
}

/**
 * SyncFolderItems, one page. `ErrorInvalidSyncStateData` throws `InvalidSyncStateError`. A page whose
 * response is over the size limit is asked again (same state) with a quarter of the changes, down to
 * one; the page then says `includesLastItemInRange: false` and the rest follows on the next page.
 */
export async function syncFolderItems(client: EwsClientCore, input: SyncFolderItemsInput, options: CallOptions = {}): Promise<SyncFolderItemsPage> {
  return (await syncFolderItemsPage(client, input, options)).value;
}

/**
 * SyncFolderItems until `IncludesLastItemInRange`, yielding each page (so a caller can store the
 * state after every page and resume after a crash).
 */
export async function* syncFolderItemsPages(client: EwsClientCore, input: SyncFolderItemsInput, options: CallOptions = {}): AsyncGenerator<SyncFolderItemsPage> {
  let state = input.syncState;
  let max = input.maxChangesReturned ?? 512;
  for (;;) {
    const read = await syncFolderItemsPage(client, { ...input, maxChangesReturned: max, ...(state !== undefined ? { syncState: state } : {}) }, options);
    const page = read.value;
    max = read.size;
    yield page;
    if (page.includesLastItemInRange) return;
    if (page.changes.length === 0 && page.syncState === state) {
      throw new EwsProtocolError("SyncFolderItems: server reported more changes but returned none and the same state");
    }
    state = page.syncState;
  }
}

// ---------------------------------------------------------------- FindItem

/** One key of a FindItem `SortOrder`. */
export interface FindItemSortKey {
  /** The property, e.g. `{ fieldUri: "item:DateTimeCreated" }`. */
  path: PropertyPath;
  /** Descending order (default ascending). */
  descending?: boolean;
}

/** Input of FindItem. */
export interface FindItemInput {
  /** The folder. */
  folder: FolderReference;
  /** Item shape (default `IdOnly`). */
  shape?: ItemShape;
  /** Items per page (default 1000). */
  pageSize?: number;
  /** `Shallow` (default), `SoftDeleted` or `Associated`. */
  traversal?: "Shallow" | "SoftDeleted" | "Associated";
  /**
   * Order of the listing (default: the server's). A key that never changes for an item, such as
   * `item:DateTimeCreated`, keeps each item's place stable while others come and go, which is what
   * lets {@link findItem} notice a folder that changed during its walk.
   */
  sortOrder?: readonly FindItemSortKey[];
  /** Most pages one walk may take (default 1000); a folder that needs more is an error, never a partial listing. */
  maxPages?: number;
  /** Walks begun again when the folder changed during a walk (default 2); after that, an error. */
  maxRestarts?: number;
}

/** Builds one page of `m:FindItem` with IndexedPageItemView. */
export function buildFindItem(input: FindItemInput, offset: number): string {
  const pageSize = input.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new EwsInputError("FindItem", "pageSize", "must be a positive integer");
  const ctx = { item: "FindItem" };
  const sort = input.sortOrder ?? [];
  return xmlElement(
    "m:FindItem",
    { Traversal: input.traversal ?? "Shallow" },
    itemShapeXml(input.shape ?? { baseShape: "IdOnly" }, ctx),
    xmlElement("m:IndexedPageItemView", { MaxEntriesReturned: pageSize, Offset: offset, BasePoint: "Beginning" }),
    sort.length > 0 &&
      xmlElement("m:SortOrder", undefined, ...sort.map((k) => xmlElement("t:FieldOrder", { Order: k.descending ? "Descending" : "Ascending" }, propertyPathXml(k.path, ctx)))),
    xmlElement("m:ParentFolderIds", undefined, folderReferenceXml(input.folder)),
  );
}

/** The ItemId of a listed item, if it has one. */
function listedId(item: ParsedItem): string | undefined {
  return (item.type === "Unsupported" ? item.itemId : item.item.itemId)?.id || undefined;
}

/** One walk over a folder's pages: the listing, or why the folder changed under it. */
type FindItemWalk = { complete: true; items: ParsedItem[]; pageSize: number } | { complete: false; reason: string; pageSize: number };

async function walkFindItem(client: EwsClientCore, input: FindItemInput, pageSize: number, options: CallOptions): Promise<FindItemWalk> {
  const maxPages = input.maxPages ?? 1000;
  const items: ParsedItem[] = [];
  const seen = new Set<string>();
  let offset = 0;
  let total: number | undefined;
  /** The last item of the previous page, asked for again as the first of the next one. */
  let anchor: string | undefined;
  for (let pages = 0; ; pages++) {
    if (pages >= maxPages) throw new EwsProtocolError(`FindItem: the folder needs more than ${maxPages} pages of ${pageSize}; no complete listing`);
    const read = await readShrinkingPage(pageSize, (size) => client.request("FindItem", buildFindItem({ ...input, pageSize: size }, offset), { ...options, idempotent: true }));
    pageSize = read.size;
    const m = singleResult(read.value.body, "FindItem");
    const root = child(m.element, "RootFolder");
    const where = `FindItem page at offset ${offset}`;
    if (!root) throw new EwsProtocolError(`${where}: no RootFolder`);
    const last = root.attributes.IncludesLastItemInRange;
    if (last !== "true" && last !== "false") throw new EwsProtocolError(`${where}: IncludesLastItemInRange is ${last === undefined ? "missing" : `'${last}'`}`);
    const list = child(root, "Items");
    if (!list) throw new EwsProtocolError(`${where}: no Items`);
    const totalText = root.attributes.TotalItemsInView;
    const pageTotal = totalText === undefined ? undefined : Number(totalText);
    if (pageTotal !== undefined && !(Number.isInteger(pageTotal) && pageTotal >= 0)) throw new EwsProtocolError(`${where}: TotalItemsInView is '${totalText}'`);
    if (total !== undefined && pageTotal !== undefined && pageTotal !== total) return { complete: false, reason: `TotalItemsInView went from ${total} to ${pageTotal}`, pageSize };
    total ??= pageTotal;
    const raw = list.children.map(parseItemElement);
    let fresh = raw;
    if (anchor !== undefined) {
      if (raw.length === 0 || listedId(raw[0]!) !== anchor) return { complete: false, reason: `the item at offset ${offset} is no longer the one listed there`, pageSize };
      fresh = raw.slice(1);
    }
    for (const item of fresh) {
      const id = listedId(item);
      if (id === undefined) throw new EwsProtocolError(`${where}: an item without ItemId`);
      if (seen.has(id)) return { complete: false, reason: "an item was listed twice", pageSize };
      seen.add(id);
      items.push(item);
    }
    if (last === "true") {
      if (total !== undefined && items.length !== total) return { complete: false, reason: `${items.length} items listed of TotalItemsInView ${total}`, pageSize };
      return { complete: true, items, pageSize };
    }
    if (fresh.length === 0) throw new EwsProtocolError(`${where}: more items are announced but the page brings none`);
    const next = offset + raw.length;
    // Overlap by one item: if it is not where it was, items before it came or went, and the pages would skip or repeat.
    anchor = pageSize > 1 ? listedId(items[items.length - 1]!) : undefined;
    offset = anchor !== undefined ? next - 1 : next;
  }
}

/**
 * FindItem, paging with IndexedPageItemView until `IncludesLastItemInRange`, each page after the
 * first overlapping the one before by one item. A page over the size limit is asked again with a
 * quarter of the entries, and that size is kept. What comes back is the whole folder or an error,
 * never part of it: a page without `RootFolder`, `Items` or `IncludesLastItemInRange`, a page that
 * announces more but brings none, or more than `maxPages` pages is an `EwsProtocolError`; a folder
 * that changed during the walk (the overlapping item moved, `TotalItemsInView` changed, an item
 * came twice, the count does not add up) is walked again, up to `maxRestarts` times, then an error.
 */
export async function findItem(client: EwsClientCore, input: FindItemInput, options: CallOptions = {}): Promise<ParsedItem[]> {
  const maxRestarts = input.maxRestarts ?? 2;
  let pageSize = input.pageSize ?? 1000;
  const reasons: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const walk = await walkFindItem(client, input, pageSize, options);
    if (walk.complete) return walk.items;
    pageSize = walk.pageSize;
    reasons.push(walk.reason);
    if (attempt >= maxRestarts) throw new EwsProtocolError(`FindItem: the folder changed during each of ${attempt + 1} walks (${reasons.join("; ")}); no complete listing`);
  }
}

// ---------------------------------------------------------------- GetItem

/** Builds `m:GetItem`. */
export function buildGetItem(ids: readonly ItemReference[], shape: ItemShape | undefined): string {
  if (ids.length === 0) throw new EwsInputError("GetItem", "ids", "at least one id is required");
  return xmlElement("m:GetItem", undefined, itemShapeXml(shape, { item: "GetItem" }), xmlElement("m:ItemIds", undefined, ...ids.map(itemReferenceXml)));
}

/** Options of GetItem. */
export interface GetItemOptions extends CallOptions {
  /** Item shape (default `AllProperties`, body `Best`). */
  shape?: ItemShape;
  /** Ids per request (default: the client's `getItemBatchSize`, 50). */
  batchSize?: number;
}

/**
 * GetItem in batches run concurrently; one result per id, in order. A batch whose response is over
 * the size limit is split in two and each half read on its own, down to single items; an item whose
 * response alone is over the limit gets a `ResponseTooLargeError` in its slot, naming it.
 */
export async function getItem(client: EwsClientCore, ids: readonly ItemReference[], options: GetItemOptions = {}): Promise<ItemResult<ParsedItem>[]> {
  if (ids.length === 0) return [];
  const size = options.batchSize ?? client.getItemBatchSize;
  const batches = chunk(ids, size);
  const results = await mapConcurrent(batches, client.concurrency, (batch, b) => getItemBatch(client, batch, b * size, options));
  return results.flat();
}

/**
 * One GetItem batch: one result per reference, in order; items answered `ErrorServerBusy` are asked
 * again after the back-off; a response over the size limit is split in two, down to single items.
 * `first` numbers the batch's first reference in the caller's whole list (for error messages).
 */
export async function getItemBatch(client: EwsClientCore, batch: readonly ItemReference[], first: number, options: GetItemOptions): Promise<ItemResult<ParsedItem>[]> {
  try {
    return await retryBusySlots(
      client,
      "GetItem",
      batch.length,
      async (positions) => {
        const subset = positions.map((p) => batch[p]!);
        const response = await client.request("GetItem", buildGetItem(subset, options.shape), { ...options, idempotent: true });
        return batchResults(response.body, "GetItem", subset.length, 0, (m, index) => {
          const e = child(m.element, "Items")?.children[0];
          if (!e) throw new EwsProtocolError(`GetItem[${first + positions[index]!}]: success without an item`);
          return parseItemElement(e);
        });
      },
      (p) => first + p,
      options.signal,
    );
  } catch (error) {
    if (!isResponseTooLarge(error)) throw error;
    if (batch.length === 1) {
      const ref = batch[0]!;
      return [tooLargeFor(error, `GetItem[${first}] (${"id" in ref ? `item ${shortId(ref.id)}` : "an occurrence"})`)];
    }
    const half = Math.ceil(batch.length / 2);
    return [...(await getItemBatch(client, batch.slice(0, half), first, options)), ...(await getItemBatch(client, batch.slice(half), first + half, options))];
  }
}

// ---------------------------------------------------------------- CreateItem

/** Options of CreateItem. */
export interface CreateItemOptions extends CallOptions {
  /** Folder to create the items in (default: the default folder of each kind). */
  savedItemFolder?: FolderReference;
  /** Meeting requests for calendar items (default `SendToNone`: a sync never mails attendees). */
  sendMeetingInvitations?: "SendToNone" | "SendOnlyToAll" | "SendToAllAndSaveCopy";
  /**
   * `MessageDisposition` (default `SaveOnly`: items are stored, nothing is sent). Exchange requires it
   * for messages and ignores it for contacts, tasks and calendar items; ewsdav never sends mail.
   */
  messageDisposition?: "SaveOnly";
  /** Items per request (default: the client's `writeBatchSize`). */
  batchSize?: number;
}

/** Builds `m:CreateItem` for a batch; `offset` numbers the items in error messages. */
export function buildCreateItem(items: readonly TypedItem[], options: CreateItemOptions, version: EwsClientCore["version"], offset = 0): string {
  if (items.length === 0) throw new EwsInputError("CreateItem", "items", "at least one item is required");
  return createItemXml(items.map((item, i) => ({ item, index: offset + i })), options, version);
}

/** `m:CreateItem` for items numbered by their index in the caller's whole list. */
function createItemXml(items: ReadonlyArray<{ item: TypedItem; index: number }>, options: CreateItemOptions, version: EwsClientCore["version"]): string {
  return xmlElement(
    "m:CreateItem",
    {
      MessageDisposition: options.messageDisposition ?? "SaveOnly",
      SendMeetingInvitations: items.some((i) => i.item.type === "CalendarItem") ? (options.sendMeetingInvitations ?? "SendToNone") : undefined,
    },
    options.savedItemFolder && xmlElement("m:SavedItemFolderId", undefined, folderReferenceXml(options.savedItemFolder)),
    xmlElement("m:Items", undefined, ...items.map((b) => itemXml(b.item, { item: `CreateItem[${b.index}]`, version }))),
  );
}

/**
 * CreateItem in batches. An item that cannot be serialised gets an `EwsInputError` in its slot and
 * is not sent. CreateItem is never repeated after an uncertain failure (it would duplicate).
 */
export async function createItem(client: EwsClientCore, items: readonly TypedItem[], options: CreateItemOptions = {}): Promise<ItemResult<ItemId>[]> {
  const results: ItemResult<ItemId>[] = new Array(items.length);
  const sendable: Array<{ index: number; item: TypedItem }> = [];
  items.forEach((item, index) => {
    try {
      itemXml(item, { item: `CreateItem[${index}]`, version: client.version });
      sendable.push({ index, item });
    } catch (error) {
      if (!(error instanceof EwsInputError)) throw error;
      results[index] = error;
    }
  });
  const batches = chunk(sendable, options.batchSize ?? client.writeBatchSize);
  await mapConcurrent(batches, client.concurrency, async (batch) => {
    const slots = await retryBusySlots(
      client,
      "CreateItem",
      batch.length,
      async (positions) => {
        const subset = positions.map((p) => batch[p]!);
        const xml = createItemXml(subset, options, client.version);
        const response = await client.request("CreateItem", xml, { ...options, idempotent: false });
        return batchResults(response.body, "CreateItem", subset.length, 0, (m) => {
          const id = child(child(m.element, "Items")?.children[0], "ItemId");
          return id ? parseItemId(id) : { id: "" };
        });
      },
      (p) => batch[p]!.index,
      options.signal,
    );
    slots.forEach((slot, i) => {
      results[batch[i]!.index] = slot;
    });
  });
  return results;
}


// ---------------------------------------------------------------- UpdateItem

/** How UpdateItem treats a change key that is no longer current (types.xsd `ConflictResolutionType`). */
export type ConflictResolution = "NeverOverwrite" | "AutoResolve" | "AlwaysOverwrite";

/** One item to update: where it is (with its change key), what it was, what it should be. */
export interface ItemUpdate {
  /** The item or occurrence, with the change key the caller last saw (required). */
  target: ItemReference;
  /** The item as last read. */
  before: TypedItem;
  /** The item as it should be. */
  after: TypedItem;
}

/** The result of one update. */
export interface UpdateItemResult {
  /** The item's id with its new change key. */
  itemId: ItemId;
  /** True when there was nothing to change (no request was sent for it). */
  unchanged: boolean;
}

/** Options of UpdateItem. */
export interface UpdateItemOptions extends CallOptions {
  /** Conflict handling (default `NeverOverwrite`: a stale change key fails with ErrorIrresolvableConflict). */
  conflictResolution?: ConflictResolution;
  /** Meeting updates to attendees (default `SendToNone`). */
  sendMeetingInvitationsOrCancellations?: "SendToNone" | "SendOnlyToAll" | "SendOnlyToChanged" | "SendToAllAndSaveCopy" | "SendToChangedAndSaveCopy";
  /** Items per request (default: the client's `writeBatchSize`). */
  batchSize?: number;
}

/** Builds the `t:ItemChange` of one update, or `undefined` when nothing changed. */
export function buildItemChange(update: ItemUpdate, version: EwsClientCore["version"], label: string): string | undefined {
  const changeKey = update.target.changeKey;
  if (changeKey === undefined || changeKey === "") throw new EwsInputError(label, "target.changeKey", "UpdateItem needs the change key last seen");
  const updates = itemChangeDescriptions(update.before, update.after, { item: label, version });
  if (updates.length === 0) return undefined;
  return xmlElement("t:ItemChange", undefined, itemReferenceXml(update.target), xmlElement("t:Updates", undefined, ...updates));
}

/** Builds `m:UpdateItem` from already-built item changes. */
export function buildUpdateItem(itemChanges: readonly string[], options: UpdateItemOptions, hasCalendarItems: boolean): string {
  return xmlElement(
    "m:UpdateItem",
    {
      ConflictResolution: options.conflictResolution ?? "NeverOverwrite",
      SendMeetingInvitationsOrCancellations: hasCalendarItems ? (options.sendMeetingInvitationsOrCancellations ?? "SendToNone") : undefined,
    },
    xmlElement("m:ItemChanges", undefined, ...itemChanges),
  );
}

/** UpdateItem from field diffs, in batches; unchanged items cost no request. */
export async function updateItem(client: EwsClientCore, updates: readonly ItemUpdate[], options: UpdateItemOptions = {}): Promise<ItemResult<UpdateItemResult>[]> {
  const results: ItemResult<UpdateItemResult>[] = new Array(updates.length);
  const pending: Array<{ index: number; xml: string; calendar: boolean; appends: boolean }> = [];
  updates.forEach((update, index) => {
    const label = `UpdateItem[${index}]`;
    try {
      const xml = buildItemChange(update, client.version, label);
      if (xml === undefined) {
        const t = update.target;
        results[index] = {
          itemId: isOccurrenceItemId(t) ? { id: t.recurringMasterId, ...(t.changeKey ? { changeKey: t.changeKey } : {}) } : t,
          unchanged: true,
        };
      } else pending.push({ index, xml, calendar: update.after.type === "CalendarItem", appends: xml.includes("<t:AppendToItemField>") });
    } catch (error) {
      if (!(error instanceof EwsInputError)) throw error;
      results[index] = error;
    }
  });
  const batches = chunk(pending, options.batchSize ?? client.writeBatchSize);
  await mapConcurrent(batches, client.concurrency, async (batch) => {
    const slots = await retryBusySlots(
      client,
      "UpdateItem",
      batch.length,
      async (positions) => {
        const subset = positions.map((p) => batch[p]!);
        const xml = buildUpdateItem(subset.map((b) => b.xml), options, subset.some((b) => b.calendar));
        // Every change carries a change key: under NeverOverwrite a repeat after an uncertain failure
        // cannot apply twice (the first attempt changed the key, so the repeat is a conflict), and
        // setting or deleting a field twice ends in the same item. Only an append under a policy that
        // may ignore the key could be applied twice, so such a batch is not repeated.
        const overwrites = (options.conflictResolution ?? "NeverOverwrite") !== "NeverOverwrite";
        const idempotent = !(overwrites && subset.some((b) => b.appends));
        const response = await client.request("UpdateItem", xml, { ...options, idempotent });
        return batchResults(response.body, "UpdateItem", subset.length, 0, (m) => {
          const id = child(child(m.element, "Items")?.children[0], "ItemId");
          return { itemId: id ? parseItemId(id) : { id: "" }, unchanged: false };
        });
      },
      (p) => batch[p]!.index,
      options.signal,
    );
    slots.forEach((slot, i) => {
      results[batch[i]!.index] = slot;
    });
  });
  return results;
}

// ---------------------------------------------------------------- DeleteItem

/** Options of DeleteItem. */
export interface DeleteItemOptions extends CallOptions {
  /** `HardDelete`, `SoftDelete` or `MoveToDeletedItems` (default, recoverable). */
  deleteType?: "HardDelete" | "SoftDelete" | "MoveToDeletedItems";
  /** Cancellations to attendees (default `SendToNone`). */
  sendMeetingCancellations?: "SendToNone" | "SendOnlyToAll" | "SendToAllAndSaveCopy";
  /** For recurring tasks: `AllOccurrences` (default) or `SpecifiedOccurrenceOnly`. */
  affectedTaskOccurrences?: "AllOccurrences" | "SpecifiedOccurrenceOnly";
  /** Items per request (default: the client's `writeBatchSize`). */
  batchSize?: number;
}

/** Builds `m:DeleteItem`. */
export function buildDeleteItem(refs: readonly ItemReference[], options: DeleteItemOptions): string {
  if (refs.length === 0) throw new EwsInputError("DeleteItem", "items", "at least one item is required");
  return xmlElement(
    "m:DeleteItem",
    {
      DeleteType: options.deleteType ?? "MoveToDeletedItems",
      SendMeetingCancellations: options.sendMeetingCancellations ?? "SendToNone",
      AffectedTaskOccurrences: options.affectedTaskOccurrences ?? "AllOccurrences",
    },
    xmlElement("m:ItemIds", undefined, ...refs.map(itemReferenceXml)),
  );
}

/** DeleteItem in batches; `true` in a slot means deleted. A repeat of a delete cannot duplicate it. */
export async function deleteItem(client: EwsClientCore, refs: readonly ItemReference[], options: DeleteItemOptions = {}): Promise<ItemResult<true>[]> {
  if (refs.length === 0) return [];
  const size = options.batchSize ?? client.writeBatchSize;
  const batches = chunk(refs, size);
  const results = await mapConcurrent(batches, client.concurrency, (batch, b) =>
    retryBusySlots(
      client,
      "DeleteItem",
      batch.length,
      async (positions) => {
        const subset = positions.map((p) => batch[p]!);
        const response = await client.request("DeleteItem", buildDeleteItem(subset, options), { ...options, idempotent: true });
        return batchResults(response.body, "DeleteItem", subset.length, 0, () => true as const);
      },
      (p) => b * size + p,
      options.signal,
    ),
  );
  return results.flat();
}

// ---------------------------------------------------------------- MoveItem

/** Builds `m:MoveItem` (new ids returned: Exchange 2010 SP1 and later). */
export function buildMoveItem(refs: readonly ItemReference[], to: FolderReference): string {
  if (refs.length === 0) throw new EwsInputError("MoveItem", "items", "at least one item is required");
  return xmlElement(
    "m:MoveItem",
    undefined,
    xmlElement("m:ToFolderId", undefined, folderReferenceXml(to)),
    xmlElement("m:ItemIds", undefined, ...refs.map(itemReferenceXml)),
    xmlText("m:ReturnNewItemIds", true),
  );
}

/**
 * MoveItem in batches; one result per item: the item's new id in the target folder (a move gives an
 * item a new ItemId), or an error in its slot. Not repeated when the server may have run it.
 */
export async function moveItem(client: EwsClientCore, refs: readonly ItemReference[], to: FolderReference, options: CallOptions = {}): Promise<ItemResult<ItemId>[]> {
  if (refs.length === 0) return [];
  const size = client.writeBatchSize;
  const results = await mapConcurrent(chunk(refs, size), client.concurrency, async (batch, b) => {
    const response = await client.request("MoveItem", buildMoveItem(batch, to), { ...options, idempotent: false });
    return batchResults(response.body, "MoveItem", batch.length, b * size, (m, index) => {
      const id = child(child(m.element, "Items")?.children[0], "ItemId");
      if (!id) throw new EwsProtocolError(`MoveItem[${index}]: success without the new ItemId`);
      return parseItemId(id);
    });
  });
  return results.flat();
}
