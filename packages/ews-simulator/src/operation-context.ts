/**
 * What every EWS operation handler shares: the request's context (caller's mailbox, stores, sync
 * secret), the handler type, response message builders (one message per requested object, a
 * per-item failure an error message) and the resolution of FolderId/ItemId references and paging.
 */
import { SimError } from "./errors.js";
import { decodeId } from "./ids.js";
import type { SimulatedMailbox } from "./mailbox.js";
import type { FolderRecord, ItemTarget } from "./records.js";
import { child, childText, mEl, type XmlElement } from "./xml.js";

/** What a handler needs to know about the request's caller and the simulator's stores. */
export interface OperationContext {
  /** The mailbox the request acts on (the caller's, or the impersonated one). */
  box: SimulatedMailbox;
  /** A store by guid hex (mailboxes and the public folder store). */
  storeByGuid(guidHex: string): SimulatedMailbox | undefined;
  /** A mailbox by SMTP address. */
  mailboxByAddress(smtpAddress: string): SimulatedMailbox | undefined;
  /** The public folder store. */
  publicStore: SimulatedMailbox;
  /** Secret that signs sync states. */
  syncSecret: string;
  /** The request's TimeZoneContext/TimeZoneDefinition, if any (default zone of new calendar items). */
  timeZoneContext?: XmlElement | undefined;
}

/** A handler of one operation. */
export type OperationHandler = (request: XmlElement, ctx: OperationContext) => XmlElement;

function ok(name: string, children: Array<XmlElement | undefined | false> = []): XmlElement {
  return mEl(name, { ResponseClass: "Success" }, [mEl("ResponseCode", {}, "NoError"), ...children]);
}

function fail(name: string, error: SimError, children: XmlElement[] = []): XmlElement {
  return mEl(name, { ResponseClass: "Error" }, [
    mEl("MessageText", {}, error.message), mEl("ResponseCode", {}, error.code), mEl("DescriptiveLinkKey", {}, 0), ...children,
  ]);
}

/** Runs one response message's work; a SimError becomes an error message with `onError` children. */
export function message(name: string, work: () => Array<XmlElement | undefined | false>, onError: () => XmlElement[] = () => []): XmlElement {
  try {
    return ok(name, work());
  } catch (error) {
    if (error instanceof SimError) return fail(name, error, onError());
    throw error;
  }
}

/** The operation's response element holding its response messages. */
export function response(name: string, messages: XmlElement[]): XmlElement {
  return mEl(`${name}Response`, {}, [mEl("ResponseMessages", {}, messages)]);
}

// ------------------------------------------------------------------ references

/** A resolved folder reference: the store holding it and the folder. */
export interface FolderRef { box: SimulatedMailbox; folder: FolderRecord }

/** Resolves a FolderId or DistinguishedFolderId (with its Mailbox) to a folder, or a SimError. */
export function resolveFolder(ctx: OperationContext, ref: XmlElement | undefined): FolderRef {
  if (!ref) throw new SimError("ErrorInvalidRequest", "A folder id is missing.");
  if (ref.name === "DistinguishedFolderId") {
    const id = ref.attrs.Id ?? "";
    if (id === "publicfoldersroot") return { box: ctx.publicStore, folder: ctx.publicStore.distinguishedFolder(id)! };
    const address = childText(child(ref, "Mailbox"), "EmailAddress");
    const box = address ? ctx.mailboxByAddress(address) : ctx.box;
    if (!box) throw new SimError("ErrorNonExistentMailbox", `No mailbox with SMTP address ${address ?? ""}.`);
    const folder = box.distinguishedFolder(id);
    if (!folder) throw new SimError("ErrorFolderNotFound", `The distinguished folder '${id}' does not exist in this mailbox.`);
    return { box, folder };
  }
  const decoded = decodeId(ref.attrs.Id ?? "");
  if (!ref.attrs.Id) throw new SimError("ErrorInvalidIdEmpty", "The folder id is empty.");
  if (!decoded || decoded.kind !== "folder") throw new SimError("ErrorInvalidIdMalformed", "Id is malformed.");
  const box = ctx.storeByGuid(decoded.store);
  const folder = box?.folderByNumber(decoded.number);
  if (!box || !folder) throw new SimError("ErrorFolderNotFound", "The specified folder could not be found in the store.");
  return { box, folder };
}

/** A resolved item reference: the store, the item or occurrence, and the ChangeKey sent. */
export interface ItemRef { box: SimulatedMailbox; target: ItemTarget; changeKey: string | undefined }

/** Resolves an ItemId or OccurrenceItemId to an item or occurrence, or a SimError. */
export function resolveItem(ctx: OperationContext, ref: XmlElement | undefined): ItemRef {
  if (!ref) throw new SimError("ErrorInvalidRequest", "An item id is missing.");
  const lookup = (id: string | undefined) => {
    if (!id) throw new SimError("ErrorInvalidIdEmpty", "The item id is empty.");
    const decoded = decodeId(id);
    if (!decoded || (decoded.kind !== "item" && decoded.kind !== "occurrence")) throw new SimError("ErrorInvalidIdMalformed", "Id is malformed.");
    const box = ctx.storeByGuid(decoded.store);
    if (!box) throw new SimError("ErrorItemNotFound", "The specified object was not found in the store.");
    return { box, decoded };
  };
  if (ref.name === "OccurrenceItemId") {
    const { box, decoded } = lookup(ref.attrs.RecurringMasterId);
    const index = Number(ref.attrs.InstanceIndex);
    const master = box.resolveItem({ ...decoded, kind: "item" }).item;
    return { box, target: box.occurrenceOf(master, Number.isInteger(index) ? index : 0), changeKey: ref.attrs.ChangeKey };
  }
  if (ref.name === "RecurringMasterItemId") {
    const { box, decoded } = lookup(ref.attrs.OccurrenceId);
    const { item, occurrence } = box.resolveItem(decoded);
    if (!occurrence && !item.props.has("Recurrence")) throw new SimError("ErrorItemNotFound", "The item is not an occurrence of a recurring series.");
    return { box, target: { item }, changeKey: ref.attrs.ChangeKey };
  }
  const { box, decoded } = lookup(ref.attrs.Id);
  return { box, target: box.resolveItem(decoded), changeKey: ref.attrs.ChangeKey };
}

/** The page an IndexedPageFolderView/IndexedPageItemView asks for, with the paging attributes of the answer. */
export function pageOf<T>(all: T[], view: XmlElement | undefined): { page: T[]; attrs: Record<string, string | number | boolean> } {
  if (!view) return { page: all, attrs: { TotalItemsInView: all.length, IncludesLastItemInRange: true } };
  const max = view.attrs.MaxEntriesReturned !== undefined ? Number(view.attrs.MaxEntriesReturned) : Number.POSITIVE_INFINITY;
  if (!(max > 0)) throw new SimError("ErrorInvalidPagingMaxRows", "MaxEntriesReturned must be greater than zero.");
  const offset = Number(view.attrs.Offset ?? 0);
  const fromEnd = view.attrs.BasePoint === "End";
  let start = fromEnd ? Math.max(0, all.length - offset - (Number.isFinite(max) ? max : all.length)) : offset;
  const end = fromEnd ? all.length - offset : Math.min(all.length, offset + max);
  start = Math.min(start, all.length);
  const page = all.slice(start, Math.max(start, end));
  const includesLast = fromEnd ? start === 0 : start + page.length >= all.length;
  return {
    page,
    attrs: { IndexedPagingOffset: fromEnd ? all.length - start : start + page.length, TotalItemsInView: all.length, IncludesLastItemInRange: includesLast },
  };
}
