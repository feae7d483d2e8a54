/**
 * The Graph routes of one mailbox: contact folders and contacts (list, get, create, PATCH, delete,
 * `$select`, `$top`/`$skip` paging, `$expand` of singleValueExtendedProperties), `contacts/delta`
 * per folder and `translateExchangeIds`. Each handler gets a parsed request and returns a status
 * and a JSON body, so the HTTP front and `$batch` run the same code.
 */
import { el, encodeId, decodeId, type FolderRecord, type ItemRecord, type SimulatedMailbox } from "@ewsdav/ews-simulator";
import { CALENDAR_SEGMENTS, calendarRouteOf } from "./events.js";
import { applyGraphContact, computedDisplayName, contactToGraph } from "./contact-map.js";
import { deltaPage } from "./delta.js";
import { GraphSimError, notFound } from "./errors.js";
import { extendedIdOf, formatExtendedId, parseExtendedId, parseExtendedProperties, sameExtendedId, type ExtendedId } from "./extended-properties.js";
import { ewsIdOfRest, restId, resolveGraphId } from "./ids.js";
import { attachmentsRoute } from "./attachments.js";
import { photoRoute } from "./photos.js";
import { todoRoute } from "./todo.js";

import type { RouteRequest, RouteResponse } from "./route-types.js";

export type { RouteRequest, RouteResponse };

const CONTACT_PROPERTIES = new Set([
  "id", "createdDateTime", "lastModifiedDateTime", "changeKey", "categories", "parentFolderId", "birthday", "assistantName", "businessHomePage",
  "companyName", "department", "displayName", "fileAs", "generation", "givenName", "initials", "jobTitle", "manager", "middleName", "nickName",
  "officeLocation", "profession", "spouseName", "surname", "yomiGivenName", "yomiSurname", "title", "personalNotes", "children", "imAddresses",
  "homePhones", "businessPhones", "mobilePhone", "emailAddresses", "homeAddress", "businessAddress", "otherAddress",
]);
const FOLDER_PROPERTIES = new Set(["id", "displayName", "parentFolderId"]);
const KNOWN_OPTIONS = new Set(["$select", "$top", "$skip", "$expand", "$deltatoken", "$skiptoken"]);
const UNSUPPORTED_OPTIONS = new Set(["$filter", "$orderby", "$count", "$search", "$format"]);
const DEFAULT_PAGE = 10;
const MAX_TOP = 1000;
const DEFAULT_DELTA_PAGE = 100;

function checkOptions(query: URLSearchParams): void {
  for (const key of query.keys()) {
    if (UNSUPPORTED_OPTIONS.has(key)) throw new GraphSimError(501, "NotImplemented", `The simulator does not implement ${key}.`);
    if (key.startsWith("$") && !KNOWN_OPTIONS.has(key)) throw new GraphSimError(400, "BadRequest", `Query option '${key}' is not allowed.`);
  }
}

function parseSelect(query: URLSearchParams, allowed: Set<string>, type: string): string[] | undefined {
  const raw = query.get("$select");
  if (raw === null) return undefined;
  const names = raw.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!allowed.has(n) && n !== "singleValueExtendedProperties") {
      throw new GraphSimError(400, "RequestBroker--ParseUri", `Could not find a property named '${n}' on type 'microsoft.graph.${type}'.`);
    }
  }
  return names;
}

/** `$expand=singleValueExtendedProperties($filter=id eq '…' or id eq '…')`: the ids asked for (undefined: none expanded). */
function parseExpand(query: URLSearchParams): ExtendedId[] | "all" | undefined {
  const raw = query.get("$expand");
  if (raw === null) return undefined;
  const m = /^\s*singleValueExtendedProperties\s*(?:\(\s*\$filter\s*=\s*(.+)\)\s*)?$/.exec(raw);
  if (!m) throw new GraphSimError(400, "BadRequest", `Parsing OData Select and Expand failed: could not expand '${raw}'.`);
  if (m[1] === undefined) return "all";
  const clauses = m[1].split(/\s+or\s+/i);
  return clauses.map((c) => {
    const f = /^\s*id\s+eq\s+'((?:[^']|'')*)'\s*$/.exec(c);
    if (!f) throw new GraphSimError(400, "BadRequest", `Invalid filter clause '${c}'.`);
    return parseExtendedId(f[1]!.replace(/''/g, "'"));
  });
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

/** `Prefer: IdType="ImmutableId"` and `odata.maxpagesize=N`. */
function preferences(headers: Record<string, string>): { immutable: boolean; maxPageSize: number | undefined } {
  const prefer = headers.prefer ?? "";
  const immutable = /(^|[,;\s])IdType\s*=\s*"?ImmutableId"?/i.test(prefer);
  const m = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(prefer);
  return { immutable, maxPageSize: m ? Math.max(1, Number(m[1])) : undefined };
}

function idOf(req: RouteRequest, kind: "folder" | "item", number: number): string {
  return preferences(req.headers).immutable ? req.immutable.idOf(kind, number) : restId(req.box, kind, number);
}

function etagOf(req: RouteRequest, item: ItemRecord): string {
  return `W/"${req.box.itemChangeKey(item)}"`;
}

function renderContact(req: RouteRequest, item: ItemRecord, select: string[] | undefined, expand: ExtendedId[] | "all" | undefined): Record<string, unknown> {
  const full = contactToGraph(item, { id: idOf(req, "item", item.number), parentFolderId: idOf(req, "folder", item.folder.number), changeKey: req.box.itemChangeKey(item) });
  const out: Record<string, unknown> = { "@odata.etag": etagOf(req, item) };
  if (select) {
    out.id = full.id;
    for (const n of select) if (n in full) out[n] = full[n];
  } else Object.assign(out, full);
  if (expand !== undefined) {
    const props: Array<{ id: string; value: string }> = [];
    for (const element of item.extended.values()) {
      const id = extendedIdOf(element);
      if (!id) continue;
      if (expand !== "all" && !expand.some((e) => sameExtendedId(e, id))) continue;
      props.push({ id: formatExtendedId(id), value: element.children.find((c) => c.name === "Value")?.text ?? "" });
    }
    if (props.length > 0) out.singleValueExtendedProperties = props;
  }
  return out;
}

function renderFolder(req: RouteRequest, folder: FolderRecord, select?: string[]): Record<string, unknown> {
  const full: Record<string, unknown> = {
    id: idOf(req, "folder", folder.number),
    displayName: folder.displayName,
    parentFolderId: folder.parent ? idOf(req, "folder", folder.parent.number) : null,
  };
  if (!select) return full;
  const out: Record<string, unknown> = { id: full.id };
  for (const n of select) out[n] = full[n];
  return out;
}

function contactsFolder(box: SimulatedMailbox): FolderRecord {
  return box.distinguishedFolder("contacts")!;
}

function folderOf(req: RouteRequest, id: string): FolderRecord {
  const target = resolveGraphId(req.box, req.immutable, id);
  const folder = target?.kind === "folder" ? req.box.folderByNumber(target.number) : undefined;
  if (!folder || !(folder.folderClass ?? "").startsWith("IPF.Contact") || !req.box.isUnder(folder, req.box.distinguishedFolder("msgfolderroot")!)) {
    throw new GraphSimError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
  }
  return folder;
}

function contactOf(req: RouteRequest, id: string, folder?: FolderRecord): ItemRecord {
  const target = resolveGraphId(req.box, req.immutable, id);
  const item = target?.kind === "item" ? req.box.itemIndex.get(target.number) : undefined;
  if (!item || item.kind !== "Contact" || (folder && item.folder !== folder)) throw notFound();
  return item;
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

function bodyObject(req: RouteRequest): Record<string, unknown> {
  if (typeof req.body !== "object" || req.body === null || Array.isArray(req.body)) {
    throw new GraphSimError(400, "BadRequest", "Empty Payload. JSON content expected.");
  }
  return req.body as Record<string, unknown>;
}

/** One page of a collection: only the members on it are rendered. */
function list<T>(req: RouteRequest, path: string, all: T[], render: (member: T) => unknown, size: number, skip: number): RouteResponse {
  const page = all.slice(skip, skip + size).map(render);
  const body: Record<string, unknown> = { "@odata.context": `${req.root}/$metadata#${path}`, value: page };
  if (skip + size < all.length) {
    const q = new URLSearchParams(req.query);
    q.set("$top", String(size));
    q.set("$skip", String(skip + size));
    body["@odata.nextLink"] = `${req.root}${req.userPath}/${req.segments.join("/")}?${q.toString().replace(/%24/g, "$")}`;
  }
  return { status: 200, body };
}

function withPreference(req: RouteRequest, response: RouteResponse): RouteResponse {
  if (!preferences(req.headers).immutable) return response;
  return { ...response, headers: { ...response.headers, "preference-applied": 'IdType="ImmutableId"' } };
}

function contactsRoute(req: RouteRequest, folder: FolderRecord, rest: string[], anyFolder = false): RouteResponse {
  const { box } = req;
  if (rest.length === 0) {
    if (req.method === "GET") {
      checkOptions(req.query);
      const select = parseSelect(req.query, CONTACT_PROPERTIES, "contact");
      const expand = parseExpand(req.query);
      const items = [...folder.items.values()].filter((i) => i.kind === "Contact");
      return list(req, "contacts", items, (i) => renderContact(req, i, select, expand), pageSize(req.query), skipOf(req.query));
    }
    if (req.method === "POST") {
      const props = new Map<string, ReturnType<typeof el>>();
      const extended = new Map<string, ReturnType<typeof el>>();
      applyGraphContact(bodyObject(req), props, extended, parseExtendedProperties);
      if (!props.has("DisplayName")) {
        const name = computedDisplayName(props);
        if (name) props.set("DisplayName", el("DisplayName", {}, name));
      }
      const item = box.createItemRecord(folder, el("Contact", {}, [...props.values(), ...extended.values()]), true);
      return { status: 201, body: renderContact(req, item, undefined, undefined), headers: { location: `${req.root}${req.userPath}/contacts/${idOf(req, "item", item.number)}` } };
    }
    throw methodNotAllowed();
  }
  if (rest.length === 1 && /^(delta|microsoft\.graph\.delta)(\(\))?$/.test(rest[0]!)) {
    if (req.method !== "GET") throw methodNotAllowed();
    return delta(req, folder);
  }
  if (rest.length !== 1) throw noRoute();
  // `/contacts/{id}` names a contact of any folder; `/contactFolders/{f}/contacts/{id}` one of that folder.
  const item = contactOf(req, rest[0]!, anyFolder ? undefined : folder);
  if (req.method === "GET") {
    checkOptions(req.query);
    return { status: 200, body: { "@odata.context": `${req.root}/$metadata#contacts/$entity`, ...renderContact(req, item, parseSelect(req.query, CONTACT_PROPERTIES, "contact"), parseExpand(req.query)) } };
  }
  if (req.method === "PATCH") {
    checkIfMatch(req, item);
    const props = new Map(item.props);
    const extended = new Map(item.extended);
    applyGraphContact(bodyObject(req), props, extended, parseExtendedProperties);
    item.props.clear();
    for (const [k, v] of props) item.props.set(k, v);
    item.extended.clear();
    for (const [k, v] of extended) item.extended.set(k, v);
    box.applyUpdates({ item }, []);
    return { status: 200, body: renderContact(req, item, undefined, undefined) };
  }
  if (req.method === "DELETE") {
    checkIfMatch(req, item);
    box.deleteTarget({ item }, "MoveToDeletedItems");
    return { status: 204 };
  }
  throw methodNotAllowed();
}

function delta(req: RouteRequest, folder: FolderRecord): RouteResponse {
  const token = req.query.get("$deltatoken") ?? req.query.get("$skiptoken");
  for (const key of req.query.keys()) {
    if (key !== "$select" && key !== "$deltatoken" && key !== "$skiptoken") throw new GraphSimError(400, "BadRequest", `Query option '${key}' is not supported with delta.`);
  }
  const select = token === null ? parseSelect(req.query, CONTACT_PROPERTIES, "contact") : undefined;
  const state = token === null ? undefined : req.tokens.read(token, req.box, folder);
  const page = deltaPage(req.box, folder, state, preferences(req.headers).maxPageSize ?? DEFAULT_DELTA_PAGE, select?.join(","));
  const sel = state ? state.sel?.split(",") : select;
  const value: unknown[] = page.items.map((i) => renderContact(req, i, sel, undefined));
  for (const n of page.removed) value.push({ id: idOf(req, "item", n), "@removed": { reason: "deleted" } });
  const link = `${req.root}${req.userPath}/${req.segments.join("/")}`;
  const body: Record<string, unknown> = { "@odata.context": `${req.root}/$metadata#Collection(contact)`, value };
  if (page.next) body["@odata.nextLink"] = `${link}?$skiptoken=${req.tokens.issue(page.next)}`;
  else body["@odata.deltaLink"] = `${link}?$deltatoken=${req.tokens.issue(page.delta!)}`;
  return { status: 200, body };
}

function foldersRoute(req: RouteRequest, parent: FolderRecord, under: string): RouteResponse {
  if (req.method === "GET") {
    checkOptions(req.query);
    const select = parseSelect(req.query, FOLDER_PROPERTIES, "contactFolder");
    const folders = req.box.childFolders(parent).filter((f) => (f.folderClass ?? "").startsWith("IPF.Contact"));
    return list(req, under, folders, (f) => renderFolder(req, f, select), pageSize(req.query), skipOf(req.query));
  }
  if (req.method === "POST") {
    const body = bodyObject(req);
    for (const k of Object.keys(body)) {
      if (k !== "displayName" && k !== "parentFolderId" && !k.startsWith("@odata.")) throw new GraphSimError(400, "RequestBodyRead", `The property '${k}' does not exist on type 'microsoft.graph.contactFolder'.`);
    }
    if (typeof body.displayName !== "string" || body.displayName.trim() === "") throw new GraphSimError(400, "ErrorInvalidParameter", "A folder needs a displayName.");
    const target = typeof body.parentFolderId === "string" ? folderOf(req, body.parentFolderId) : parent;
    try {
      const folder = req.box.createFolderRecord(target, body.displayName, "IPF.Contact");
      return { status: 201, body: renderFolder(req, folder) };
    } catch (error) {
      if ((error as { code?: string }).code === "ErrorFolderExists") throw new GraphSimError(409, "ErrorFolderExists", "A folder with the specified name already exists.");
      throw error;
    }
  }
  throw methodNotAllowed();
}

function translateIds(req: RouteRequest): RouteResponse {
  if (req.method !== "POST") throw methodNotAllowed();
  // The CSDL names the parameters InputIds, SourceIdType and TargetIdType; the documentation's requests spell them
  // inputIds, sourceIdType and targetIdType. Both are accepted.
  const body = Object.fromEntries(Object.entries(bodyObject(req)).map(([k, v]) => [k.toLowerCase(), v]));
  const { inputids: inputIds, sourceidtype: sourceIdType, targetidtype: targetIdType } = body as { inputids?: unknown; sourceidtype?: unknown; targetidtype?: unknown };
  const types = ["ewsId", "restId", "restImmutableEntryId", "entryId", "immutableEntryId"];
  if (!Array.isArray(inputIds) || inputIds.some((i) => typeof i !== "string") || !types.includes(String(sourceIdType)) || !types.includes(String(targetIdType))) {
    throw new GraphSimError(400, "ErrorInvalidArgument", "translateExchangeIds needs inputIds, sourceIdType and targetIdType.");
  }
  if (inputIds.length > 1000) throw new GraphSimError(400, "ErrorInvalidArgument", "At most 1000 ids can be translated at once.");
  for (const t of [sourceIdType, targetIdType]) {
    if (t === "entryId" || t === "immutableEntryId") throw new GraphSimError(501, "NotImplemented", `The simulator does not translate ${t}.`);
  }
  const value = (inputIds as string[]).map((sourceId) => {
    let target: { kind: "folder" | "item"; number: number } | undefined;
    if (sourceIdType === "ewsId") {
      const d = decodeId(sourceId);
      if (d && d.store === req.box.guidHex && (d.kind === "item" || d.kind === "folder")) target = { kind: d.kind, number: d.number };
    } else if (sourceIdType === "restId") {
      const ews = ewsIdOfRest(sourceId);
      const d = ews === undefined ? undefined : decodeId(ews);
      if (d && d.store === req.box.guidHex && (d.kind === "item" || d.kind === "folder")) target = { kind: d.kind, number: d.number };
    } else {
      target = req.immutable.resolve(sourceId);
    }
    const exists = target && (target.kind === "folder" ? req.box.folderByNumber(target.number) : req.box.itemIndex.get(target.number));
    if (!target || !exists) return { sourceId, errorDetails: { code: "ErrorItemNotFound", message: "The specified object was not found in the store." } };
    const targetId = targetIdType === "ewsId" ? encodeId(target.kind, req.box.guid, target.number)
      : targetIdType === "restId" ? restId(req.box, target.kind, target.number)
      : req.immutable.idOf(target.kind, target.number);
    return { sourceId, targetId };
  });
  return { status: 200, body: { "@odata.context": `${req.root}/$metadata#Collection(microsoft.graph.convertIdResult)`, value } };
}

function methodNotAllowed(): GraphSimError {
  return new GraphSimError(405, "ErrorInvalidRequest", "The OData request is not supported.");
}

function noRoute(): GraphSimError {
  return new GraphSimError(400, "BadRequest", "Resource not found for the segment.");
}

/** Runs one request against a mailbox. */
export function route(req: RouteRequest): RouteResponse {
  const [first, second, third, ...rest] = req.segments;
  if (first === "translateExchangeIds" && second === undefined) return translateIds(req);
  const attached = attachmentsRoute(req); // …/{event or task}/attachments… (attachments.ts)
  if (attached) return attached;
  // Calendars and events (events.ts); an event's attachments are the attachments module's.
  if (first !== undefined && CALENDAR_SEGMENTS.has(first) && !req.segments.includes("attachments")) return calendarRouteOf(req);
  if (first === "todo") return todoRoute(req);
  const photo = third === "photo" || rest[1] === "photo" ? photoRoute(req) : undefined;
  if (photo) return photo;
  if (first === "contacts") return withPreference(req, contactsRoute(req, contactsFolder(req.box), req.segments.slice(1), true));
  if (first === "contactFolders") {
    if (second === undefined) return withPreference(req, foldersRoute(req, contactsFolder(req.box), "contactFolders"));
    const folder = folderOf(req, second);
    if (third === undefined) {
      if (req.method === "GET") {
        checkOptions(req.query);
        return withPreference(req, { status: 200, body: { "@odata.context": `${req.root}/$metadata#contactFolders/$entity`, ...renderFolder(req, folder, parseSelect(req.query, FOLDER_PROPERTIES, "contactFolder")) } });
      }
      if (req.method === "PATCH") {
        const body = bodyObject(req);
        if (typeof body.displayName === "string" && body.displayName.trim() !== "") req.box.renameFolder(req.box.folderId(folder), body.displayName);
        return withPreference(req, { status: 200, body: renderFolder(req, folder) });
      }
      if (req.method === "DELETE") {
        if (folder.distinguished) throw new GraphSimError(403, "ErrorDeleteDistinguishedFolder", "Distinguished folders cannot be deleted.");
        req.box.deleteFolderRecord(folder);
        return { status: 204 };
      }
      throw methodNotAllowed();
    }
    if (third === "childFolders" && rest.length === 0) return withPreference(req, foldersRoute(req, folder, "contactFolders"));
    if (third === "contacts") return withPreference(req, contactsRoute(req, folder, rest));
  }
  throw noRoute();
}
