/**
 * The folder operations the simulator serves: GetFolder, FindFolder, CreateFolder, DeleteFolder and
 * GetUserConfiguration (a folder's named configuration object).
 */
import { SimError } from "./errors.js";
import { type FolderRef, message, type OperationContext, pageOf, resolveFolder, response } from "./operation-context.js";
import type { FolderRecord } from "./records.js";
import { parseShape, renderFolder } from "./render.js";
import { evaluate, folderGetter } from "./restrictions.js";
import { child, childText, el, mEl, type XmlElement } from "./xml.js";

// ------------------------------------------------------------------ folders

/** GetFolder: each requested folder with the asked shape. */
export function getFolder(request: XmlElement, ctx: OperationContext): XmlElement {
  const shape = parseShape(child(request, "FolderShape"));
  const ids = child(request, "FolderIds")?.children ?? [];
  return response("GetFolder", ids.map((ref) =>
    message("GetFolderResponseMessage", () => {
      const { box, folder } = resolveFolder(ctx, ref);
      return [mEl("Folders", {}, [renderFolder(box, folder, shape)])];
    }),
  ));
}

/** FindFolder: child folders (Shallow or Deep), restricted and paged. */
export function findFolder(request: XmlElement, ctx: OperationContext): XmlElement {
  const shape = parseShape(child(request, "FolderShape"));
  const traversal = request.attrs.Traversal ?? "Shallow";
  const restriction = child(request, "Restriction");
  const view = child(request, "IndexedPageFolderView");
  const parents = child(request, "ParentFolderIds")?.children ?? [];
  return response("FindFolder", parents.map((ref) =>
    message("FindFolderResponseMessage", () => {
      const { box, folder } = resolveFolder(ctx, ref);
      if (traversal === "SoftDeleted") throw new SimError("ErrorInvalidRequest", "SoftDeleted traversal is not supported by the simulator.");
      if (traversal === "Deep" && box.isPublicStore) throw new SimError("ErrorInvalidOperation", "Deep traversal queries are not allowed on public folders.");
      const found: FolderRecord[] = [];
      const walk = (parent: FolderRecord) => {
        for (const f of box.childFolders(parent)) {
          if (!restriction || evaluate(restriction, folderGetter(box, f))) found.push(f);
          if (traversal === "Deep") walk(f);
        }
      };
      walk(folder);
      const { page, attrs } = pageOf(found, view);
      return [mEl("RootFolder", attrs, [el("Folders", {}, page.map((f) => renderFolder(box, f, shape)))])];
    }),
  ));
}

const FOLDER_CLASS_OF_ELEMENT: Record<string, string | undefined> = {
  ContactsFolder: "IPF.Contact", CalendarFolder: "IPF.Appointment", TasksFolder: "IPF.Task", Folder: undefined, SearchFolder: undefined,
};

/** CreateFolder: new folders under a parent; ErrorFolderExists for a taken name. */
export function createFolder(request: XmlElement, ctx: OperationContext): XmlElement {
  const folders = child(request, "Folders")?.children ?? [];
  let parent: FolderRef | SimError;
  try {
    parent = resolveFolder(ctx, child(request, "ParentFolderId")?.children[0]);
  } catch (error) {
    if (!(error instanceof SimError)) throw error;
    parent = error;
  }
  return response("CreateFolder", folders.map((spec) =>
    message("CreateFolderResponseMessage", () => {
      if (parent instanceof SimError) throw parent;
      const name = childText(spec, "DisplayName");
      if (!name) throw new SimError("ErrorInvalidRequest", "DisplayName is required to create a folder.");
      const folderClass = childText(spec, "FolderClass") ?? FOLDER_CLASS_OF_ELEMENT[spec.name] ?? "IPF.Note";
      const { box, folder } = parent;
      const created = box.createFolderRecord(folder, name, folderClass);
      return [mEl("Folders", {}, [renderFolder(box, created, { base: "IdOnly", fields: [], indexed: [], extended: [] })])];
    }),
  ));
}

/** DeleteFolder: a folder and its subtree; distinguished folders are refused. */
export function deleteFolder(request: XmlElement, ctx: OperationContext): XmlElement {
  const ids = child(request, "FolderIds")?.children ?? [];
  return response("DeleteFolder", ids.map((ref) =>
    message("DeleteFolderResponseMessage", () => {
      const { box, folder } = resolveFolder(ctx, ref);
      box.deleteFolderRecord(folder);
      return [];
    }),
  ));
}

// ------------------------------------------------------------------ user configurations

/**
 * GetUserConfiguration (EWS reference; MS-OXWSUSRCFG): the named configuration object of a folder,
 * with its Dictionary when Dictionary or All is asked for; ErrorItemNotFound when the mailbox has
 * none of that name (a mailbox where no client stored one). XmlData and BinaryData are not modelled.
 */
export function getUserConfiguration(request: XmlElement, ctx: OperationContext): XmlElement {
  return response("GetUserConfiguration", [
    message("GetUserConfigurationResponseMessage", () => {
      const nameEl = child(request, "UserConfigurationName");
      const name = nameEl?.attrs.Name ?? "";
      const { box, folder } = resolveFolder(ctx, nameEl?.children[0]);
      const config = box.userConfigurations.get(`${folder.number}|${name}`);
      if (!config) throw new SimError("ErrorItemNotFound", "The specified object was not found in the store.");
      const properties = (childText(request, "UserConfigurationProperties") ?? "").split(/\s+/);
      const withDictionary = properties.includes("Dictionary") || properties.includes("All");
      const value = (text: string) => [el("Type", {}, "String"), el("Value", {}, text)];
      return [mEl("UserConfiguration", {}, [
        el("UserConfigurationName", { Name: name }, [el("FolderId", { Id: box.folderId(folder), ChangeKey: box.folderChangeKey(folder) })]),
        withDictionary && el("Dictionary", {}, [...config.dictionary].map(([k, v]) =>
          el("DictionaryEntry", {}, [el("DictionaryKey", {}, value(k)), el("DictionaryValue", {}, value(v))]))),
      ])];
    }),
  ]);
}
