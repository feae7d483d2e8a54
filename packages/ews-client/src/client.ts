/**
 * `EwsClient`: the typed EWS operations over the request pipeline.
 * @module
 */
import { EwsClientCore, type CallOptions } from "./client-core.js";
import type { TypedItem } from "./items/item-xml.js";
import type { FileAttachment } from "./model/common.js";
import type { FolderReference, ItemId, ItemReference } from "./model/ids.js";
import { createAttachment, deleteAttachment, getAttachment, setContactPhoto } from "./operations/attachments.js";
import { createFolder, findFolder, getFolder, syncFolderHierarchy, type FindFolderInput, type NewFolder } from "./operations/folders.js";
import {
  createItem,
  deleteItem,
  findItem,
  getItem,
  moveItem,
  syncFolderItems,
  syncFolderItemsPages,
  updateItem,
  type CreateItemOptions,
  type DeleteItemOptions,
  type FindItemInput,
  type GetItemOptions,
  type ItemUpdate,
  type SyncFolderItemsInput,
  type UpdateItemOptions,
} from "./operations/items.js";
import { syncFolderItemsWithItems, type SyncFolderItemsWithItemsOptions } from "./operations/sync-with-items.js";

/**
 * A client for one EWS endpoint (and, with impersonation or `X-AnchorMailbox`, one mailbox).
 *
 * ```ts
 * const ews = new EwsClient({ url, auth: basicAuth({ username: "alice@example.com", password }), mailbox: "alice@example.com" });
 * for await (const page of ews.syncFolderItemsPages({ folder: { distinguishedId: "contacts" } })) { … }
 * ```
 */
export class EwsClient extends EwsClientCore {
  /** GetFolder: one result per folder. */
  getFolder(folders: readonly FolderReference[], options?: CallOptions) {
    return getFolder(this, folders, options);
  }
  /** FindFolder (Deep/Shallow, optional FolderClass filter), all pages. */
  findFolder(input?: FindFolderInput, options?: CallOptions) {
    return findFolder(this, input, options);
  }
  /** CreateFolder under `parent`: one result per folder. */
  createFolder(parent: FolderReference, folders: readonly NewFolder[], options?: CallOptions) {
    return createFolder(this, parent, folders, options);
  }
  /** SyncFolderHierarchy, one page. */
  syncFolderHierarchy(syncState: string | undefined, options?: CallOptions & { folder?: FolderReference }) {
    return syncFolderHierarchy(this, syncState, options);
  }
  /** SyncFolderItems, one page. */
  syncFolderItems(input: SyncFolderItemsInput, options?: CallOptions) {
    return syncFolderItems(this, input, options);
  }
  /** SyncFolderItems page after page until `IncludesLastItemInRange`. */
  syncFolderItemsPages(input: SyncFolderItemsInput, options?: CallOptions) {
    return syncFolderItemsPages(this, input, options);
  }
  /**
   * SyncFolderItems page after page, each page with the items it creates or updates read by GetItem,
   * the reads of one page overlapping the listing of the next (see {@link syncFolderItemsWithItems}).
   */
  syncFolderItemsWithItems(input: SyncFolderItemsInput, options?: SyncFolderItemsWithItemsOptions) {
    return syncFolderItemsWithItems(this, input, options);
  }
  /** FindItem with IndexedPageItemView paging, all pages. */
  findItem(input: FindItemInput, options?: CallOptions) {
    return findItem(this, input, options);
  }
  /** GetItem in concurrent batches; one result per id. */
  getItem(ids: readonly ItemReference[], options?: GetItemOptions) {
    return getItem(this, ids, options);
  }
  /**
   * CreateItem in batches; one result per item. Settles the request version first
   * ({@link EwsClientCore.negotiateVersion}), since fields newer than it are left out.
   */
  async createItem(items: readonly TypedItem[], options?: CreateItemOptions) {
    await this.negotiateVersion(options);
    return createItem(this, items, options);
  }
  /** UpdateItem from field diffs; one result per update. Settles the request version first, as {@link createItem} does. */
  async updateItem(updates: readonly ItemUpdate[], options?: UpdateItemOptions) {
    await this.negotiateVersion(options);
    return updateItem(this, updates, options);
  }
  /** MoveItem in batches; one result per item: its new id in `to`. */
  moveItem(items: readonly ItemReference[], to: FolderReference, options?: CallOptions) {
    return moveItem(this, items, to, options);
  }
  /** DeleteItem in batches; one result per item. */
  deleteItem(items: readonly ItemReference[], options?: DeleteItemOptions) {
    return deleteItem(this, items, options);
  }
  /** CreateAttachment of files on one item. */
  createAttachment(parent: ItemId, files: readonly FileAttachment[], options?: CallOptions) {
    return createAttachment(this, parent, files, options);
  }
  /** Adds a contact photo (JPEG, base64). */
  setContactPhoto(contact: ItemId, jpegBase64: string, options?: CallOptions) {
    return setContactPhoto(this, contact, jpegBase64, options);
  }
  /** GetAttachment with content. */
  getAttachment(ids: readonly string[], options?: CallOptions) {
    return getAttachment(this, ids, options);
  }
  /** DeleteAttachment. */
  deleteAttachment(ids: readonly string[], options?: CallOptions) {
    return deleteAttachment(this, ids, options);
  }
}
