/**
 * `@ewsdav/core/ews`: a {@link SyncSide} over an Exchange mailbox through `@ewsdav/ews-client`,
 * presenting its items as vobjects through `@ewsdav/mappers` (both optional peer dependencies of
 * `@ewsdav/core`).
 *
 * - Collections are the mailbox's contact, calendar and task folders (`IPF.Contact*`,
 *   `IPF.Appointment*`, `IPF.Task*`), optionally public folders; a collection's id is its FolderId.
 * - The change feed is SyncFolderItems (IdOnly, all pages); the cursor is the SyncState behind a
 *   line with the folder's kind, so a run that starts with stored cursors sends no FindFolder (a
 *   quiet cycle is one SyncFolderItems per folder). A rejected state restarts as a full listing
 *   (and reads the folder's kind again). Where Exchange refuses SyncFolderItems (public folders), the
 *   feed is a FindItem listing of ids and ChangeKeys (complete, compared with the state by the
 *   engine); its cursor is a digest of that listing, so an unchanged folder reads no item.
 * - Reads are batched GetItem with ewsdav's extended properties (the UID of contacts and tasks);
 *   a recurring master is read with its modified occurrences and written as one iCalendar object.
 * - Reads render each item onto the basis the engine gives (the text last synced; the text just
 *   written, for the read-back after a write), so what Exchange cannot hold comes back unchanged;
 *   UpdateItem changes only the fields the mapping manages (`MANAGED_FIELDS`), never deleting one
 *   vCard / iCalendar cannot express. `modified` is the item's LastModifiedTime.
 * - Writes map the vobject with the mappers; UpdateItem sends field diffs with
 *   `ConflictResolution=NeverOverwrite` and the ChangeKey last seen, so a stale version fails
 *   (`precondition-failed`); a series' exceptions are applied as occurrence operations, each under
 *   the ChangeKey of the series as our last write left it. Deletes (which Exchange does not check
 *   against a ChangeKey) are read just before, and an edit that lands between that read and the
 *   delete is found in the folder's events and undone (the item moved back from Deleted Items).
 * - UIDs: calendar items carry their own; contacts and tasks keep it in an extended property in
 *   ewsdav's property set. A tag write only sets that property.
 * - Push (`watch`, when a {@link NotificationConnection} is given): one streaming subscription for
 *   every watched folder, falling back to a pull subscription where the server refuses streaming.
 *   Created/Modified/Deleted events name their items (with the new ChangeKey, so the engine skips
 *   its own writes coming back); a move into or out of a folder (Outlook's delete is a move to
 *   Deleted Items) asks for that folder's SyncFolderItems, which tells a move from a delete.
 *
 * The code is in `./ews/`, one concern a file: `side.ts` (the class), `collections.ts`, `feeds.ts`,
 * `read.ts`, `write.ts`, `attachments.ts`, `occurrences.ts`, `delete.ts`, `push.ts`, `errors.ts`,
 * with `context.ts` (the state its modules share), `lazy.ts` (loads the mapping modules on first use) and `options.ts`.
 *
 * @module
 */
export { DEFAULT_MAX_ATTACHMENT_BYTES, DEFAULT_MAX_PHOTO_BYTES, type EwsSideOptions } from "./ews/options.js";
export { EwsSide } from "./ews/side.js";
