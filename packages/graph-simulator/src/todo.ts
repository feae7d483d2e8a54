/**
 * Microsoft To Do over the mailbox records: `/todo/lists` (the mailbox's Tasks folders; the default
 * Tasks folder is the list with `wellknownListName` `defaultList`, lists made over Graph are folders
 * under it), `/todo/lists/{id}/tasks` (list with `$select`, `$expand`, `$top`/`$skip` paging; get,
 * create, PATCH and DELETE with `If-Match`), `/tasks/delta` per list (next and delta links,
 * `@removed` rows, a rejected token → 410 `syncStateNotFound`), and a task's `checklistItems`,
 * `linkedResources` and open `extensions`. Tasks are the EWS side's `t:Task` records, so a task made
 * over either protocol reads over the other.
 *
 * Ids: a list's id is its folder's REST id and a task's id is its item's REST id. The To Do
 * endpoints do not take `Prefer: IdType="ImmutableId"` (Microsoft lists immutable ids for messages,
 * attachments, events, contacts and Outlook tasks, not todoTask): they always answer REST ids, which
 * change when a task moves to another list, and never send `Preference-Applied` for it.
 * `translateExchangeIds` maps an EWS task id to its To Do id (`restId`).
 */
import type { FolderRecord, ItemRecord, SimulatedMailbox } from "@ewsdav/ews-simulator";
import { el } from "@ewsdav/ews-simulator";
import type { DeltaState } from "./delta.js";
import { GraphSimError, notFound } from "./errors.js";
import { resolveGraphId, restId } from "./ids.js";
import type { RouteRequest, RouteResponse } from "./route-types.js";
import {
  applyChecklistItem, applyExtension, applyGraphTask, applyLinkedResource, checklistItemToGraph, checklistOf, extensionsOf, extensionToGraph, linkedResourcesOf,
  linkedResourceToGraph, preferredZone, setChecklist, setExtensions, setLinkedResources, taskToGraph, TODO_TASK_PROPERTIES, type StoredChecklistItem,
  type StoredExtension, type StoredLinkedResource,
} from "./todo-map.js";

const LIST_PROPERTIES = new Set(["id", "displayName", "isOwner", "isShared", "wellknownListName"]);
const EXPANDABLE = new Set(["extensions", "checklistItems", "linkedResources"]);
const KNOWN_OPTIONS = new Set(["$select", "$top", "$skip", "$expand", "$deltatoken", "$skiptoken"]);
const UNSUPPORTED_OPTIONS = new Set(["$filter", "$orderby", "$count", "$search", "$format"]);
const DEFAULT_PAGE = 10;
const MAX_TOP = 1000;
const DEFAULT_DELTA_PAGE = 100;

/** A delta or skip token's state, with the round's `$expand` kept across its links. */
type TodoDeltaState = Omit<DeltaState, "g"> & { exp?: string };

function methodNotAllowed(): GraphSimError {
  return new GraphSimError(405, "ErrorInvalidRequest", "The OData request is not supported.");
}

function noRoute(): GraphSimError {
  return new GraphSimError(400, "BadRequest", "Resource not found for the segment.");
}

function checkOptions(query: URLSearchParams, allowed = KNOWN_OPTIONS): void {
  for (const key of query.keys()) {
    if (UNSUPPORTED_OPTIONS.has(key)) throw new GraphSimError(501, "NotImplemented", `The simulator does not implement ${key}.`);
    if (key.startsWith("$") && !allowed.has(key)) throw new GraphSimError(400, "BadRequest", `Query option '${key}' is not allowed.`);
  }
}

function parseSelect(raw: string | null, allowed: Set<string>, type: string): string[] | undefined {
  if (raw === null) return undefined;
  const names = raw.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!allowed.has(n)) throw new GraphSimError(400, "RequestBroker--ParseUri", `Could not find a property named '${n}' on type 'microsoft.graph.${type}'.`);
  }
  return names;
}

/** `$expand=extensions,checklistItems` (an extension filter `extensions($filter=id eq '…')` is taken and applied). */
interface Expand {
  names: Set<string>;
  /** Extension ids or names asked for (undefined: all). */
  extensionIds?: string[];
}

function parseExpand(raw: string | null | undefined): Expand | undefined {
  if (raw === null || raw === undefined) return undefined;
  const out: Expand = { names: new Set() };
  for (const part of raw.split(/,(?![^(]*\))/).map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\w+)\s*(?:\((.*)\))?$/.exec(part);
    if (!m || !EXPANDABLE.has(m[1]!)) throw new GraphSimError(400, "BadRequest", `Parsing OData Select and Expand failed: could not expand '${part}'.`);
    out.names.add(m[1]!);
    if (m[2] !== undefined) {
      const f = m[1] === "extensions" ? /^\s*\$filter\s*=\s*(.+)$/.exec(m[2]) : null;
      if (!f) throw new GraphSimError(400, "BadRequest", `Invalid expand options '${m[2]}'.`);
      out.extensionIds = f[1]!.split(/\s+or\s+/i).map((c) => {
        const e = /^\s*id\s+eq\s+'((?:[^']|'')*)'\s*$/.exec(c);
        if (!e) throw new GraphSimError(400, "BadRequest", `Invalid filter clause '${c}'.`);
        return e[1]!.replace(/''/g, "'");
      });
    }
  }
  return out;
}

function pageSize(query: URLSearchParams): number {
  const top = query.get("$top");
  if (top === null) return DEFAULT_PAGE;
  if (!/^\d+$/.test(top) || Number(top) < 1) throw new GraphSimError(400, "BadRequest", `Invalid value '${top}' for $top query option.`);
  return Math.min(Number(top), MAX_TOP);
}

function skipOf(query: URLSearchParams): number {
  const skip = query.get("$skip");
  if (skip === null) return 0;
  if (!/^\d+$/.test(skip)) throw new GraphSimError(400, "BadRequest", `Invalid value '${skip}' for $skip query option.`);
  return Number(skip);
}

function maxPageSize(headers: Record<string, string>): number | undefined {
  const m = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(headers.prefer ?? "");
  return m ? Math.max(1, Number(m[1])) : undefined;
}

function bodyObject(req: RouteRequest): Record<string, unknown> {
  if (typeof req.body !== "object" || req.body === null || Array.isArray(req.body) || req.body instanceof Uint8Array) {
    throw new GraphSimError(400, "BadRequest", "Empty Payload. JSON content expected.");
  }
  return req.body as Record<string, unknown>;
}

function checkIfMatch(req: RouteRequest, item: ItemRecord): void {
  const ifMatch = req.headers["if-match"];
  if (ifMatch === undefined || ifMatch.trim() === "*") return;
  const current = req.box.itemChangeKey(item);
  const given = ifMatch.split(",").map((s) => s.trim().replace(/^W\//, "").replace(/^"|"$/g, ""));
  if (!given.includes(current)) {
    throw new GraphSimError(412, "ErrorIrresolvableConflict",
      "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.");
  }
}

/** The answer's extra headers: `Preference-Applied` for an `outlook.timezone` preference. */
function zoneHeaders(req: RouteRequest): Record<string, string> {
  const m = /outlook\.timezone\s*=\s*"([^"]+)"/i.exec(req.headers.prefer ?? "");
  return m ? { "preference-applied": `outlook.timezone="${m[1]}"` } : {};
}

/** One page of a collection (`$top`/`$skip`, next link with both). */
function page<T>(req: RouteRequest, context: string, all: T[], render: (member: T) => unknown): RouteResponse {
  const size = pageSize(req.query);
  const skip = skipOf(req.query);
  const body: Record<string, unknown> = { "@odata.context": `${req.root}/$metadata#${context}`, value: all.slice(skip, skip + size).map(render) };
  if (skip + size < all.length) {
    const q = new URLSearchParams(req.query);
    q.set("$top", String(size));
    q.set("$skip", String(skip + size));
    body["@odata.nextLink"] = `${req.root}${req.userPath}/${req.segments.map(encodeURIComponent).join("/")}?${q.toString().replace(/%24/g, "$")}`;
  }
  return { status: 200, body, headers: zoneHeaders(req) };
}

// ------------------------------------------------------------------ lists

/** Every To Do list of the mailbox: its Tasks folders, the default one first. */
export function taskLists(box: SimulatedMailbox): FolderRecord[] {
  const root = box.distinguishedFolder("msgfolderroot")!;
  const def = box.distinguishedFolder("tasks");
  const all = [...box.folders.values()].filter((f) => !f.deleted && (f.folderClass === "IPF.Task" || (f.folderClass ?? "").startsWith("IPF.Task.")) && box.isUnder(f, root));
  return all.sort((a, b) => (a === def ? -1 : b === def ? 1 : a.number - b.number));
}

function listOf(req: RouteRequest, id: string): FolderRecord {
  const target = resolveGraphId(req.box, req.immutable, id);
  const folder = target?.kind === "folder" ? req.box.folderByNumber(target.number) : undefined;
  if (!folder || folder.deleted || !taskLists(req.box).includes(folder)) throw new GraphSimError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
  return folder;
}

function renderList(req: RouteRequest, folder: FolderRecord, select?: string[]): Record<string, unknown> {
  const full: Record<string, unknown> = {
    "@odata.etag": `W/"${req.box.folderChangeKey(folder)}"`,
    displayName: folder.displayName,
    isOwner: true,
    isShared: false,
    wellknownListName: folder === req.box.distinguishedFolder("tasks") ? "defaultList" : "none",
    id: restId(req.box, "folder", folder.number),
  };
  if (!select) return full;
  const out: Record<string, unknown> = { "@odata.etag": full["@odata.etag"], id: full.id };
  for (const n of select) out[n] = full[n];
  return out;
}

function listsRoute(req: RouteRequest): RouteResponse {
  if (req.method === "GET") {
    checkOptions(req.query);
    const select = parseSelect(req.query.get("$select"), LIST_PROPERTIES, "todoTaskList");
    return page(req, "users('" + encodeURIComponent(req.box.smtpAddress) + "')/todo/lists", taskLists(req.box), (f) => renderList(req, f, select));
  }
  if (req.method === "POST") {
    const body = bodyObject(req);
    for (const k of Object.keys(body)) {
      if (k !== "displayName" && !k.startsWith("@odata.")) {
        if (k === "extensions") throw new GraphSimError(501, "NotImplemented", "The simulator does not store open extensions of task lists.");
        if (!LIST_PROPERTIES.has(k)) throw new GraphSimError(400, "RequestBodyRead", `The property '${k}' does not exist on type 'microsoft.graph.todoTaskList'.`);
      }
    }
    if (typeof body.displayName !== "string" || body.displayName.trim() === "") throw new GraphSimError(400, "invalidRequest", "A list needs a displayName.");
    try {
      const folder = req.box.createFolderRecord(req.box.distinguishedFolder("tasks")!, body.displayName, "IPF.Task");
      return { status: 201, body: { "@odata.context": `${req.root}/$metadata#lists/$entity`, ...renderList(req, folder) } };
    } catch (error) {
      if ((error as { code?: string }).code === "ErrorFolderExists") throw new GraphSimError(409, "ErrorFolderExists", "A folder with the specified name already exists.");
      throw error;
    }
  }
  throw methodNotAllowed();
}

function listRoute(req: RouteRequest, folder: FolderRecord): RouteResponse {
  if (req.method === "GET") {
    checkOptions(req.query);
    return { status: 200, body: { "@odata.context": `${req.root}/$metadata#lists/$entity`, ...renderList(req, folder, parseSelect(req.query.get("$select"), LIST_PROPERTIES, "todoTaskList")) } };
  }
  if (req.method === "PATCH") {
    const body = bodyObject(req);
    for (const k of Object.keys(body)) {
      if (k !== "displayName" && !k.startsWith("@odata.")) throw new GraphSimError(400, "RequestBodyRead", `The property '${k}' cannot be changed on type 'microsoft.graph.todoTaskList'.`);
    }
    if (typeof body.displayName === "string" && body.displayName.trim() !== "") req.box.renameFolder(req.box.folderId(folder), body.displayName);
    return { status: 200, body: renderList(req, folder) };
  }
  if (req.method === "DELETE") {
    if (folder.distinguished) throw new GraphSimError(400, "invalidRequest", "The default list cannot be deleted.");
    req.box.deleteFolderRecord(folder);
    return { status: 204 };
  }
  throw methodNotAllowed();
}

// ------------------------------------------------------------------ tasks

function taskOf(req: RouteRequest, folder: FolderRecord, id: string): ItemRecord {
  const target = resolveGraphId(req.box, req.immutable, id);
  const item = target?.kind === "item" ? req.box.itemIndex.get(target.number) : undefined;
  if (!item || item.kind !== "Task" || item.folder !== folder) throw notFound();
  return item;
}

function etagOf(req: RouteRequest, item: ItemRecord): string {
  return `W/"${req.box.itemChangeKey(item)}"`;
}

function renderTask(req: RouteRequest, item: ItemRecord, select: string[] | undefined, expand: Expand | undefined): Record<string, unknown> {
  const full = taskToGraph(item, restId(req.box, "item", item.number), preferredZone(req.headers));
  const out: Record<string, unknown> = { "@odata.etag": etagOf(req, item) };
  if (select) {
    out.id = full.id;
    for (const n of select) if (n in full) out[n] = full[n];
  } else Object.assign(out, full);
  if (expand?.names.has("checklistItems")) out.checklistItems = checklistOf(item).map(checklistItemToGraph);
  if (expand?.names.has("linkedResources")) out.linkedResources = linkedResourcesOf(item).map(linkedResourceToGraph);
  if (expand?.names.has("extensions")) {
    const ids = expand.extensionIds;
    out.extensions = extensionsOf(item)
      .filter((x) => !ids || ids.some((i) => i === x.extensionName || i === `microsoft.graph.openTypeExtension.${x.extensionName}`))
      .map(extensionToGraph);
  }
  return out;
}

/** Writes changed properties and extended properties back onto a record and bumps its change key. */
function commit(box: SimulatedMailbox, item: ItemRecord, props: Map<string, ReturnType<typeof el>>, extended: Map<string, ReturnType<typeof el>>): void {
  item.props.clear();
  for (const [k, v] of props) item.props.set(k, v);
  item.extended.clear();
  for (const [k, v] of extended) item.extended.set(k, v);
  box.applyUpdates({ item }, []);
}

function tasksRoute(req: RouteRequest, folder: FolderRecord): RouteResponse {
  const { box } = req;
  if (req.method === "GET") {
    checkOptions(req.query);
    const select = parseSelect(req.query.get("$select"), TODO_TASK_PROPERTIES, "todoTask");
    const expand = parseExpand(req.query.get("$expand"));
    const items = [...folder.items.values()].filter((i) => i.kind === "Task");
    return page(req, `users('${encodeURIComponent(box.smtpAddress)}')/todo/lists('${restId(box, "folder", folder.number)}')/tasks`, items, (i) => renderTask(req, i, select, expand));
  }
  if (req.method === "POST") {
    const props = new Map<string, ReturnType<typeof el>>();
    const extended = new Map<string, ReturnType<typeof el>>();
    const body = bodyObject(req);
    applyGraphTask(body, props, extended, box.now(), true);
    const item = box.createItemRecord(folder, el("Task", {}, [...props.values(), ...extended.values()]), true);
    const expand: Expand = { names: new Set([...(body.checklistItems ? ["checklistItems"] : []), ...(body.linkedResources ? ["linkedResources"] : []), ...(body.extensions ? ["extensions"] : [])]) };
    return {
      status: 201,
      body: { "@odata.context": `${req.root}/$metadata#tasks/$entity`, ...renderTask(req, item, undefined, expand) },
      headers: { location: `${req.root}${req.userPath}/todo/lists/${restId(box, "folder", folder.number)}/tasks/${restId(box, "item", item.number)}`, ...zoneHeaders(req) },
    };
  }
  throw methodNotAllowed();
}

function taskRoute(req: RouteRequest, item: ItemRecord): RouteResponse {
  const { box } = req;
  if (req.method === "GET") {
    checkOptions(req.query);
    const body = renderTask(req, item, parseSelect(req.query.get("$select"), TODO_TASK_PROPERTIES, "todoTask"), parseExpand(req.query.get("$expand")));
    return { status: 200, body: { "@odata.context": `${req.root}/$metadata#tasks/$entity`, ...body }, headers: zoneHeaders(req) };
  }
  if (req.method === "PATCH") {
    checkIfMatch(req, item);
    const props = new Map(item.props);
    const extended = new Map(item.extended);
    applyGraphTask(bodyObject(req), props, extended, box.now(), false);
    commit(box, item, props, extended);
    return { status: 200, body: { "@odata.context": `${req.root}/$metadata#tasks/$entity`, ...renderTask(req, item, undefined, undefined) }, headers: zoneHeaders(req) };
  }
  if (req.method === "DELETE") {
    checkIfMatch(req, item);
    box.deleteTarget({ item }, "MoveToDeletedItems");
    return { status: 204 };
  }
  throw methodNotAllowed();
}

// ------------------------------------------------------------------ a task's collections

interface Collection<T extends { id: string }> {
  type: string;
  read(item: ItemRecord): T[];
  write(extended: Map<string, ReturnType<typeof el>>, values: T[]): void;
  render(value: T): Record<string, unknown>;
  apply(body: Record<string, unknown>, base: T | undefined, now: number): T;
  /** Whether `key` (a path segment) names `value`. */
  names(value: T, key: string): boolean;
}

const CHECKLIST: Collection<StoredChecklistItem> = {
  type: "checklistItem", read: checklistOf, write: setChecklist, render: checklistItemToGraph, apply: applyChecklistItem, names: (v, k) => v.id === k,
};
const LINKED: Collection<StoredLinkedResource> = {
  type: "linkedResource", read: linkedResourcesOf, write: setLinkedResources, render: linkedResourceToGraph, apply: (b, base) => applyLinkedResource(b, base), names: (v, k) => v.id === k,
};
const EXTENSIONS: Collection<StoredExtension & { id: string }> = {
  type: "extension",
  read: (item) => extensionsOf(item).map((x) => ({ ...x, id: `microsoft.graph.openTypeExtension.${x.extensionName}` })),
  write: (extended, values) => setExtensions(extended, values.map(({ extensionName, data }) => ({ extensionName, data }))),
  render: extensionToGraph,
  apply: (b, base) => {
    const x = applyExtension(b, base);
    return { ...x, id: `microsoft.graph.openTypeExtension.${x.extensionName}` };
  },
  names: (v, k) => v.extensionName === k || v.id === k,
};

function collectionRoute<T extends { id: string }>(req: RouteRequest, item: ItemRecord, c: Collection<T>, rest: string[], context: string): RouteResponse {
  const { box } = req;
  const values = c.read(item);
  if (rest.length === 0) {
    if (req.method === "GET") {
      checkOptions(req.query, new Set(["$top", "$skip"]));
      return page(req, context, values, c.render);
    }
    if (req.method === "POST") {
      const created = c.apply(bodyObject(req), undefined, box.now());
      if (c.type === "extension" && values.some((v) => v.id === created.id)) throw new GraphSimError(409, "NameAlreadyExists", "An extension of that name already exists.");
      const extended = new Map(item.extended);
      c.write(extended, [...values, created]);
      commit(box, item, new Map(item.props), extended);
      return { status: 201, body: { "@odata.context": `${req.root}/$metadata#${context}/$entity`, ...c.render(created) } };
    }
    throw methodNotAllowed();
  }
  if (rest.length !== 1) throw noRoute();
  const at = values.findIndex((v) => c.names(v, rest[0]!));
  if (at === -1) throw new GraphSimError(404, "ErrorItemNotFound", `The ${c.type} was not found.`);
  if (req.method === "GET") return { status: 200, body: { "@odata.context": `${req.root}/$metadata#${context}/$entity`, ...c.render(values[at]!) } };
  if (req.method === "PATCH") {
    const changed = c.apply(bodyObject(req), values[at]!, box.now());
    const extended = new Map(item.extended);
    c.write(extended, values.map((v, i) => (i === at ? changed : v)));
    commit(box, item, new Map(item.props), extended);
    return { status: 200, body: c.render(changed) };
  }
  if (req.method === "DELETE") {
    const extended = new Map(item.extended);
    c.write(extended, values.filter((_, i) => i !== at));
    commit(box, item, new Map(item.props), extended);
    return { status: 204 };
  }
  throw methodNotAllowed();
}

// ------------------------------------------------------------------ delta

function delta(req: RouteRequest, folder: FolderRecord): RouteResponse {
  if (req.method !== "GET") throw methodNotAllowed();
  const token = req.query.get("$deltatoken") ?? req.query.get("$skiptoken");
  for (const key of req.query.keys()) {
    if (!["$select", "$expand", "$top", "$deltatoken", "$skiptoken"].includes(key)) throw new GraphSimError(400, "BadRequest", `Query option '${key}' is not supported with delta.`);
  }
  const { box } = req;
  const state = token === null ? undefined : (req.tokens.read(token, box, folder) as TodoDeltaState);
  const select = state ? state.sel : parseSelect(req.query.get("$select"), TODO_TASK_PROPERTIES, "todoTask")?.join(",");
  const expandText = state ? state.exp : req.query.get("$expand") ?? undefined;
  const expand = parseExpand(expandText);
  const size = maxPageSize(req.headers) ?? (req.query.get("$top") !== null ? pageSize(req.query) : DEFAULT_DELTA_PAGE);
  const w = state?.w ?? 0;
  const upTo = state?.u ?? box.seq;
  const after = state?.a ?? 0;
  const items: ItemRecord[] = [];
  let more = false;
  // Items of a folder are kept in record-number order (a moved-in item gets a new, higher number).
  for (const item of folder.items.values()) {
    if (item.number <= after || item.kind !== "Task" || item.modSeq <= w || item.modSeq > upTo) continue;
    if (items.length === size) {
      more = true;
      break;
    }
    items.push(item);
  }
  const base: TodoDeltaState = { s: box.guidHex, f: folder.number, w, ...(select !== undefined ? { sel: select } : {}), ...(expandText !== undefined ? { exp: expandText } : {}) };
  const value: unknown[] = items.map((i) => renderTask(req, i, select?.split(","), expand));
  const link = `${req.root}${req.userPath}/${req.segments.map(encodeURIComponent).join("/")}`;
  const body: Record<string, unknown> = { "@odata.context": `${req.root}/$metadata#Collection(todoTask)`, value };
  if (more) {
    body["@odata.nextLink"] = `${link}?$skiptoken=${req.tokens.issue({ ...base, u: upTo, a: items[items.length - 1]!.number })}`;
  } else {
    if (w !== 0) {
      for (const t of box.tombstones) {
        if (t.folder === folder && t.kind === "Task" && t.seq > w && t.seq <= upTo && t.createdSeq <= w) {
          value.push({ id: restId(box, "item", t.number), "@removed": { reason: "deleted" } });
        }
      }
    }
    body["@odata.deltaLink"] = `${link}?$deltatoken=${req.tokens.issue({ ...base, w: upTo })}`;
  }
  return { status: 200, body, headers: zoneHeaders(req) };
}

// ------------------------------------------------------------------ dispatch

/** Answers `/todo/…` (segments after the user, starting with `todo`). */
export function todoRoute(req: RouteRequest): RouteResponse {
  const [, lists, listId, tasks, taskId, sub, subId, ...extra] = req.segments;
  if (lists !== "lists") throw noRoute();
  if (listId === undefined) return listsRoute(req);
  const folder = listOf(req, listId);
  if (tasks === undefined) return listRoute(req, folder);
  if (tasks !== "tasks") {
    if (tasks === "extensions") throw new GraphSimError(501, "NotImplemented", "The simulator does not store open extensions of task lists.");
    throw noRoute();
  }
  if (taskId === undefined) return tasksRoute(req, folder);
  if (/^(delta|microsoft\.graph\.delta)(\(\))?$/.test(taskId) && sub === undefined) return delta(req, folder);
  const item = taskOf(req, folder, taskId);
  if (sub === undefined) return taskRoute(req, item);
  if (extra.length > 0) throw noRoute();
  const rest = subId === undefined ? [] : [subId];
  const context = `users('${encodeURIComponent(req.box.smtpAddress)}')/todo/lists('${listId}')/tasks('${taskId}')/${sub}`;
  if (sub === "checklistItems") return collectionRoute(req, item, CHECKLIST, rest, context);
  if (sub === "linkedResources") return collectionRoute(req, item, LINKED, rest, context);
  if (sub === "extensions") return collectionRoute(req, item, EXTENSIONS, rest, context);
  throw noRoute();
}
