/**
 * The EWS side's collections: the mailbox's contact, calendar and task folders (`IPF.Contact*`,
 * `IPF.Appointment*`, `IPF.Task*`), optionally public folders; a collection's id is its FolderId.
 * Each folder's kind is remembered in the context, so later calls know what items it holds.
 *
 * @module
 */
import { isEwsError, type TypedItem } from "@ewsdav/ews-client";
import { SideError, type CollectionInfo, type CollectionKind } from "../../engine/side.js";
import type { EwsContext } from "./context.js";
import { toSideError } from "./errors.js";

/** The folder class of each collection kind (a folder's class is this or starts with it and a dot). */
export const FOLDER_CLASSES: ReadonlyArray<[string, CollectionKind]> = [
  ["IPF.Contact", "contacts"],
  ["IPF.Appointment", "events"],
  ["IPF.Task", "tasks"],
];

/** The EWS item type a collection of each kind holds. */
export const ITEM_TYPE: Record<CollectionKind, TypedItem["type"]> = { contacts: "Contact", events: "CalendarItem", tasks: "Task" };

/** Lists the contact, calendar and task folders of the mailbox (and of the public folders, when the options ask), remembering each one's kind. */
export async function listCollections(ctx: EwsContext, signal?: AbortSignal): Promise<CollectionInfo[]> {
  const call = signal ? { signal } : {};
  const folders = await ctx.client.findFolder({ traversal: "Deep" }, call);
  if (ctx.options.publicFolders) folders.push(...(await ctx.client.findFolder({ parent: { distinguishedId: "publicfoldersroot" }, traversal: "Deep" }, call)));
  const out: CollectionInfo[] = [];
  for (const folder of folders) {
    const kind = FOLDER_CLASSES.find(([prefix]) => folder.folderClass === prefix || folder.folderClass?.startsWith(`${prefix}.`))?.[1];
    if (!kind) continue;
    ctx.kinds.set(folder.folderId.id, kind);
    out.push({ id: folder.folderId.id, kind, displayName: folder.displayName ?? folder.folderId.id });
  }
  return out;
}

/** Creates a folder of `kind` under the mailbox's default folder of that kind (Contacts, Calendar, Tasks). */
export async function createCollection(ctx: EwsContext, kind: CollectionKind, displayName: string, signal?: AbortSignal): Promise<CollectionInfo> {
  const parent = { distinguishedId: kind === "contacts" ? "contacts" : kind === "events" ? "calendar" : "tasks" } as const;
  const folderClass = FOLDER_CLASSES.find(([, k]) => k === kind)![0];
  const [created] = await ctx.client.createFolder(parent, [{ displayName, folderClass }], signal ? { signal } : {});
  if (!created || isEwsError(created)) throw toSideError(created, null);
  const id = created.id;
  ctx.kinds.set(id, kind);
  return { id, kind, displayName };
}

/** The kind of a folder: as listed, else listed again; `not-found` when it is no contact, calendar or task folder. */
export async function kindOf(ctx: EwsContext, collection: string): Promise<CollectionKind> {
  let kind = ctx.kinds.get(collection);
  if (!kind) {
    await listCollections(ctx);
    kind = ctx.kinds.get(collection);
  }
  if (!kind) throw new SideError("not-found", `${ctx.name} has no contact, calendar or task folder ${collection}`);
  return kind;
}
