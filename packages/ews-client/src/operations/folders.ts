/**
 * Folder operations: GetFolder, FindFolder, CreateFolder, SyncFolderHierarchy.
 * @module
 */
import type { EwsClientCore, CallOptions } from "../client-core.js";
import { EwsInputError } from "../errors.js";
import { parseFolderId } from "../items/common-xml.js";
import type { FolderId, FolderReference } from "../model/ids.js";
import { isDistinguishedFolderId } from "../model/ids.js";
import { child, childText, type XmlElement } from "../xml/parse.js";
import { xmlElement, xmlText } from "../xml/writer.js";
import { readShrinkingPage } from "./page-size.js";
import { folderReferenceXml } from "./paths.js";
import { batchResults, singleResult, type ItemResult } from "./results.js";

/** Folder element kinds (types.xsd `NonEmptyArrayOfFoldersType`). */
export type FolderKind = "Folder" | "CalendarFolder" | "ContactsFolder" | "TasksFolder" | "SearchFolder";

/** A folder as listed by the server. */
export interface EwsFolder {
  /** The element kind. */
  kind: FolderKind;
  /** Its id and change key. */
  folderId: FolderId;
  /** Its parent, when given. */
  parentFolderId?: FolderId;
  /** `IPF.Contact`, `IPF.Appointment`, `IPF.Task`, `IPF.Note`, … */
  folderClass?: string;
  /** Display name. */
  displayName?: string;
  /** Number of items. */
  totalCount?: number;
  /** Number of child folders. */
  childFolderCount?: number;
  /** Well-known name of the folder, when it has one (Exchange 2013+). */
  distinguishedFolderId?: string;
}

const FOLDER_KINDS: readonly string[] = ["Folder", "CalendarFolder", "ContactsFolder", "TasksFolder", "SearchFolder"];

/** Parses a folder element. */
export function parseFolder(e: XmlElement): EwsFolder {
  const idElement = child(e, "FolderId");
  const folder: EwsFolder = { kind: e.name as FolderKind, folderId: idElement ? parseFolderId(idElement) : { id: "" } };
  const parent = child(e, "ParentFolderId");
  if (parent) folder.parentFolderId = parseFolderId(parent);
  const cls = childText(e, "FolderClass");
  if (cls !== undefined) folder.folderClass = cls;
  const name = childText(e, "DisplayName");
  if (name !== undefined) folder.displayName = name;
  const total = childText(e, "TotalCount");
  if (total !== undefined) folder.totalCount = Number(total);
  const childCount = childText(e, "ChildFolderCount");
  if (childCount !== undefined) folder.childFolderCount = Number(childCount);
  const dist = childText(e, "DistinguishedFolderId");
  if (dist !== undefined) folder.distinguishedFolderId = dist;
  return folder;
}

function folderShapeXml(): string {
  return xmlElement("m:FolderShape", undefined, xmlText("t:BaseShape", "Default"), xmlElement(
    "t:AdditionalProperties",
    undefined,
    xmlElement("t:FieldURI", { FieldURI: "folder:FolderClass" }),
    xmlElement("t:FieldURI", { FieldURI: "folder:ParentFolderId" }),
  ));
}

/** Builds `m:GetFolder`. */
export function buildGetFolder(folders: readonly FolderReference[]): string {
  if (folders.length === 0) throw new EwsInputError("GetFolder", "folders", "at least one folder is required");
  return xmlElement("m:GetFolder", undefined, folderShapeXml(), xmlElement("m:FolderIds", undefined, ...folders.map(folderReferenceXml)));
}

/** GetFolder: one result per requested folder. */
export async function getFolder(client: EwsClientCore, folders: readonly FolderReference[], options: CallOptions = {}): Promise<ItemResult<EwsFolder>[]> {
  const response = await client.request("GetFolder", buildGetFolder(folders), { ...options, idempotent: true });
  return batchResults(response.body, "GetFolder", folders.length, 0, (m) => {
    const first = child(m.element, "Folders")?.children[0];
    if (!first) return { kind: "Folder", folderId: { id: "" } };
    return parseFolder(first);
  });
}

/** Input of FindFolder. */
export interface FindFolderInput {
  /** Where to search (default `msgfolderroot`; `publicfoldersroot` for public folders). */
  parent?: FolderReference;
  /** `Deep` (all descendants) or `Shallow` (children). Default `Deep`. */
  traversal?: "Deep" | "Shallow";
  /** Only folders of this class, e.g. `IPF.Contact`, `IPF.Appointment`, `IPF.Task`. */
  folderClass?: string;
  /** `exact` (default) or `prefix` (also `IPF.Contact.*` subclasses). */
  folderClassMatch?: "exact" | "prefix";
  /** Folders per page (default 500). */
  pageSize?: number;
}

/** Builds one page of `m:FindFolder`. */
export function buildFindFolder(input: FindFolderInput, offset: number, traversal: "Deep" | "Shallow"): string {
  const pageSize = input.pageSize ?? 500;
  const restriction =
    input.folderClass === undefined
      ? ""
      : input.folderClassMatch === "prefix"
        ? xmlElement(
            "m:Restriction",
            undefined,
            xmlElement(
              "t:Contains",
              { ContainmentMode: "Prefixed", ContainmentComparison: "IgnoreCase" },
              xmlElement("t:FieldURI", { FieldURI: "folder:FolderClass" }),
              xmlElement("t:Constant", { Value: input.folderClass }),
            ),
          )
        : xmlElement(
            "m:Restriction",
            undefined,
            xmlElement(
              "t:IsEqualTo",
              undefined,
              xmlElement("t:FieldURI", { FieldURI: "folder:FolderClass" }),
              xmlElement("t:FieldURIOrConstant", undefined, xmlElement("t:Constant", { Value: input.folderClass })),
            ),
          );
  return xmlElement(
    "m:FindFolder",
    { Traversal: traversal },
    folderShapeXml(),
    xmlElement("m:IndexedPageFolderView", { MaxEntriesReturned: pageSize, Offset: offset, BasePoint: "Beginning" }),
    restriction,
    xmlElement("m:ParentFolderIds", undefined, folderReferenceXml(input.parent ?? { distinguishedId: "msgfolderroot" })),
  );
}

async function findFolderPages(client: EwsClientCore, input: FindFolderInput, traversal: "Deep" | "Shallow", options: CallOptions): Promise<EwsFolder[]> {
  const folders: EwsFolder[] = [];
  let offset = 0;
  let pageSize = input.pageSize ?? 500;
  for (;;) {
    // A page over the size limit is asked again with fewer folders (see readShrinkingPage).
    const read = await readShrinkingPage(pageSize, (size) => client.request("FindFolder", buildFindFolder({ ...input, pageSize: size }, offset, traversal), { ...options, idempotent: true }));
    pageSize = read.size;
    const response = read.value;
    const m = singleResult(response.body, "FindFolder");
    const root = child(m.element, "RootFolder");
    const page = (child(root, "Folders")?.children ?? []).filter((e) => FOLDER_KINDS.includes(e.name)).map(parseFolder);
    folders.push(...page);
    const last = root?.attributes.IncludesLastItemInRange;
    if (last === undefined || last === "true" || page.length === 0) break;
    offset = Number(root?.attributes.IndexedPagingOffset ?? offset + page.length);
  }
  return folders;
}

/**
 * FindFolder, paging until the last folder. A deep search under the public folders root, which
 * Exchange refuses, is done as shallow searches level by level.
 */
export async function findFolder(client: EwsClientCore, input: FindFolderInput = {}, options: CallOptions = {}): Promise<EwsFolder[]> {
  const traversal = input.traversal ?? "Deep";
  const parent = input.parent ?? { distinguishedId: "msgfolderroot" };
  const isPublic = isDistinguishedFolderId(parent) && parent.distinguishedId === "publicfoldersroot";
  if (!(isPublic && traversal === "Deep")) return findFolderPages(client, { ...input, parent }, traversal, options);
  const result: EwsFolder[] = [];
  const queue: FolderReference[] = [parent];
  while (queue.length > 0) {
    const current = queue.shift()!;
    const all = await findFolderPages(client, { ...input, parent: current, folderClass: undefined }, "Shallow", options);
    for (const f of all) {
      if (matchesClass(f, input)) result.push(f);
      if ((f.childFolderCount ?? 1) > 0) queue.push(f.folderId);
    }
  }
  return result;
}

function matchesClass(f: EwsFolder, input: FindFolderInput): boolean {
  if (input.folderClass === undefined) return true;
  const cls = (f.folderClass ?? "").toLowerCase();
  const want = input.folderClass.toLowerCase();
  return input.folderClassMatch === "prefix" ? cls.startsWith(want) : cls === want;
}

/** A folder to create. */
export interface NewFolder {
  /** Display name. */
  displayName: string;
  /** Folder class (default from the kind: `IPF.Contact`, `IPF.Appointment`, `IPF.Task`, `IPF.Note`). */
  folderClass?: string;
  /** Element kind (default from the class, else `Folder`). */
  kind?: FolderKind;
}

const CLASS_BY_KIND: Record<string, string> = { ContactsFolder: "IPF.Contact", CalendarFolder: "IPF.Appointment", TasksFolder: "IPF.Task", Folder: "IPF.Note" };

function kindFor(f: NewFolder): FolderKind {
  if (f.kind) return f.kind;
  const cls = f.folderClass ?? "";
  if (cls.startsWith("IPF.Contact")) return "ContactsFolder";
  if (cls.startsWith("IPF.Appointment")) return "CalendarFolder";
  if (cls.startsWith("IPF.Task")) return "TasksFolder";
  return "Folder";
}

/** Builds `m:CreateFolder`. */
export function buildCreateFolder(parent: FolderReference, folders: readonly NewFolder[]): string {
  if (folders.length === 0) throw new EwsInputError("CreateFolder", "folders", "at least one folder is required");
  return xmlElement(
    "m:CreateFolder",
    undefined,
    xmlElement("m:ParentFolderId", undefined, folderReferenceXml(parent)),
    xmlElement(
      "m:Folders",
      undefined,
      ...folders.map((f, i) => {
        if (f.displayName.trim() === "") throw new EwsInputError(`CreateFolder[${i}]`, "displayName", "must not be empty");
        const kind = kindFor(f);
        return xmlElement(`t:${kind}`, undefined, xmlText("t:FolderClass", f.folderClass ?? CLASS_BY_KIND[kind]), xmlText("t:DisplayName", f.displayName));
      }),
    ),
  );
}

/** CreateFolder: one result (the new folder id) per folder. */
export async function createFolder(
  client: EwsClientCore,
  parent: FolderReference,
  folders: readonly NewFolder[],
  options: CallOptions = {},
): Promise<ItemResult<FolderId>[]> {
  const response = await client.request("CreateFolder", buildCreateFolder(parent, folders), { ...options, idempotent: false });
  return batchResults(response.body, "CreateFolder", folders.length, 0, (m) => {
    const id = child(child(m.element, "Folders")?.children[0], "FolderId");
    return id ? parseFolderId(id) : { id: "" };
  });
}

/** One change of the folder hierarchy. */
export type FolderHierarchyChange =
  | { type: "Create" | "Update"; folder: EwsFolder }
  | { type: "Delete"; folderId: FolderId };

/** One page of SyncFolderHierarchy. */
export interface FolderHierarchySyncPage {
  /** The state to pass next time. */
  syncState: string;
  /** True when no more changes are pending. */
  includesLastFolderInRange: boolean;
  /** Changes in server order. */
  changes: FolderHierarchyChange[];
}

/** Builds `m:SyncFolderHierarchy`. */
export function buildSyncFolderHierarchy(syncState: string | undefined, folder?: FolderReference): string {
  return xmlElement(
    "m:SyncFolderHierarchy",
    undefined,
    folderShapeXml(),
    folder && xmlElement("m:SyncFolderId", undefined, folderReferenceXml(folder)),
    syncState !== undefined && syncState !== "" && xmlText("m:SyncState", syncState),
  );
}

/** SyncFolderHierarchy, one page. `ErrorInvalidSyncStateData` throws `InvalidSyncStateError`. */
export async function syncFolderHierarchy(
  client: EwsClientCore,
  syncState: string | undefined,
  options: CallOptions & { folder?: FolderReference } = {},
): Promise<FolderHierarchySyncPage> {
  const response = await client.request("SyncFolderHierarchy", buildSyncFolderHierarchy(syncState, options.folder), { ...options, idempotent: true });
  const m = singleResult(response.body, "SyncFolderHierarchy");
  const changes: FolderHierarchyChange[] = [];
  for (const c of child(m.element, "Changes")?.children ?? []) {
    if (c.name === "Delete") {
      const id = child(c, "FolderId");
      if (id) changes.push({ type: "Delete", folderId: parseFolderId(id) });
    } else if (c.name === "Create" || c.name === "Update") {
      const f = c.children.find((e) => FOLDER_KINDS.includes(e.name));
      if (f) changes.push({ type: c.name, folder: parseFolder(f) });
    }
  }
  return {
    syncState: childText(m.element, "SyncState") ?? "",
    includesLastFolderInRange: childText(m.element, "IncludesLastFolderInRange") !== "false",
    changes,
  };
}

