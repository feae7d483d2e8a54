/**
 * Contacts over Graph (the contacts {@link ItemCodec}): `/contacts/{id}` (a contact of any folder,
 * so a read contact whose `parentFolderId` is not the pair's folder reads as gone: `outside`),
 * created in `/contactFolders/{folder}/contacts` (or `/contacts` for the default folder), read with
 * every property the mapping uses (`$select`) and ewsdav's UID extended property (`$expand`),
 * mapped with `graphContactToVCard` / `graphContactFromVCard` of `@ewsdav/mappers` (the EWS
 * contact mapper's tables, with what Graph holds differently reported). The UID is the extended
 * property the EWS side writes; a tag PATCHes only it.
 *
 * The contact's photo is a resource of its own over Graph (`/contacts/{id}/photo/$value`), read
 * with each contact (Graph's contact says nothing of whether it has one: a contact without answers
 * 404 `ImageNotFound`), in `$batch`es of 20 (see `readPhotos`) and written after the contact when the card's PHOTO differs from the
 * mailbox's, within `maxPhotoBytes` (see `files.ts`). Graph cannot delete a contact's photo: a
 * PHOTO removed on the DAV side is reported in `dropped` and stays in the mailbox.
 *
 * @module
 */
import type { GraphContact } from "@ewsdav/graph-client";
import { graphContactFromVCard, graphContactToVCard } from "@ewsdav/mappers";
import type { GraphEntity, ItemCodec, MappedWrite, Rendered } from "./codec.js";
import { queryOf } from "./codec.js";
import { contactFolderOf } from "./collections.js";
import { UID_PROPERTY_ID, type GraphContext } from "./context.js";
import { sendAll } from "./batch.js";
import { answerError } from "./errors.js";
import { droppedOf, filesOf, hashOf, photoCap, readPhotos, withFiles, type EntityFiles } from "./files.js";
import { SideError } from "../../engine/side.js";

/** The contact properties a read asks for: what the mapping reads, and what versions and `modified` need. */
const CONTACT_SELECT = [
  "changeKey", "lastModifiedDateTime", "parentFolderId", "categories", "birthday", "assistantName", "businessHomePage", "companyName", "department",
  "displayName", "fileAs", "generation", "givenName", "initials", "jobTitle", "manager", "middleName", "nickName", "officeLocation", "profession",
  "spouseName", "surname", "yomiGivenName", "yomiSurname", "title", "personalNotes", "children", "imAddresses", "homePhones",
  "businessPhones", "mobilePhone", "emailAddresses", "homeAddress", "businessAddress", "otherAddress",
];

/** `$expand` of ewsdav's UID property. */
export const UID_EXPAND = `singleValueExtendedProperties($filter=id eq '${UID_PROPERTY_ID}')`;

/** What follows a contact's write: its photo (`null`: the card has none; undefined: not sent, over the cap). */
interface PhotoFollowUp {
  create: boolean;
  photo: { bytes: Uint8Array; contentType: string } | null | undefined;
}

/** Reads a contact again after its photo was written (the photo changes its etag). */
async function reread(ctx: GraphContext, id: string, signal?: AbortSignal): Promise<GraphEntity> {
  const [fresh] = await sendAll(ctx, [{ method: "GET", url: `${ctx.client.path("contacts", id)}?${CONTACTS.readQuery}` }], signal);
  if (!fresh || fresh.status >= 400) throw fresh ? answerError(fresh, id, "GET contact") : new SideError("transient", "GET contact: no answer", id);
  return fresh.body as GraphEntity;
}

/**
 * After a contact's write: sets its photo when the card's differs from the mailbox's (an update
 * reads the mailbox's first; a create sends it when the card has one). A PHOTO the card no longer
 * has is reported (Graph cannot delete a contact's photo). The result keeps the text written's
 * PHOTO (`"keep"`), so what was sent is the engine's base.
 */
async function writePhoto(ctx: GraphContext, written: GraphEntity, mapped: MappedWrite, signal?: AbortSignal): Promise<GraphEntity> {
  const followUp = mapped.followUp as PhotoFollowUp;
  const keep: EntityFiles = { photo: "keep", dropped: [] };
  const call = signal ? { signal } : {};
  if (followUp.photo === undefined) return withFiles(written, keep);
  // One GET per updated contact: `afterWrite` runs per item (write.ts hands over one written entity
  // at a time, after its PATCH), so the mailbox's photos cannot be batched from here without a hook
  // over all the written items; updates are few next to a first sync's reads, which are batched.
  const current = followUp.create ? undefined : await ctx.client.getContactPhoto(written.id, call);
  if (followUp.photo === null) {
    if (current !== undefined) mapped.dropped.push({ property: "PHOTO", reason: "removed on the DAV side, but Graph cannot delete a contact's photo: the mailbox keeps it" });
    return withFiles(written, keep);
  }
  if (current !== undefined && current.contentType === followUp.photo.contentType && hashOf(current.bytes) === hashOf(followUp.photo.bytes)) return withFiles(written, keep);
  try {
    await ctx.client.setContactPhoto(written.id, followUp.photo.bytes, followUp.photo.contentType, call);
  } catch (error) {
    if (!followUp.create) throw error; // an update is tried again
    mapped.dropped.push(droppedOf("PHOTO", `Graph refused the photo: ${(error as Error).message}`, "photo"));
    return withFiles(written, keep);
  }
  return withFiles(await reread(ctx, written.id, signal), keep);
}

/**
 * The id Graph gives, in a contact's `parentFolderId`, to the folder of `collection`: a contact
 * folder's own id as Graph answers it (`GET /contactFolders/{id}`), or for the default Contacts
 * folder — which Graph addresses as `/contacts` without naming its id, and for which v1.0
 * documents no well-known name among contact folders — the `parentFolderId` of a contact
 * `/contacts` lists (that listing is the default folder's: Graph docs, "List contacts"). `null`: the
 * default folder holds no contact now.
 */
async function folderIdOf(ctx: GraphContext, collection: string, signal?: AbortSignal): Promise<string | null> {
  const folder = contactFolderOf(collection);
  const url = folder === undefined ? `${ctx.client.path("contacts")}?$top=1&$select=parentFolderId` : `${ctx.client.path("contactFolders", folder)}?$select=id`;
  const [answer] = await sendAll(ctx, [{ method: "GET", url }], signal);
  if (!answer || answer.status >= 400) throw answer ? answerError(answer, null, "GET the contact folder's id") : new SideError("transient", "GET the contact folder's id: no answer");
  const body = answer.body as { id?: unknown; value?: Array<{ parentFolderId?: unknown }> } | undefined;
  if (folder !== undefined) {
    if (typeof body?.id !== "string" || body.id === "") throw new SideError("transient", "GET contact folder: an answer without its id (cut or malformed)");
    return body.id;
  }
  if (!Array.isArray(body?.value)) throw new SideError("transient", "GET contacts: an answer without its value (cut or malformed)");
  const first = body.value[0];
  if (first === undefined) return null;
  if (typeof first.parentFolderId !== "string" || first.parentFolderId === "") throw new SideError("transient", "GET contacts: a contact without its parentFolderId");
  return first.parentFolderId;
}

/**
 * Which contacts read by id are outside `collection` (see {@link ItemCodec.outside}). With
 * immutable ids, `/contacts/{id}` finds a contact of any folder — one moved to Deleted Items or to
 * another folder in Outlook keeps its id — so each read contact's `parentFolderId` (selected with
 * every read; Graph docs, contact resource: the id of the contact's parent folder) is compared with
 * the id of the pair's folder. That id is the collection's own for a contact folder (no request
 * while every contact read is in it; asked of Graph once when one is not, in case Graph spells it
 * otherwise than the pair's state), and for the default Contacts folder it is learnt once per side
 * (one request), then kept in the context. A contact without a `parentFolderId` is taken as in the
 * folder: never a deletion on a doubt.
 */
async function outsideContacts(ctx: GraphContext, collection: string, entities: readonly GraphEntity[], signal?: AbortSignal): Promise<boolean[]> {
  const known = (ctx.contactFolderIds ??= new Map());
  const named = contactFolderOf(collection) !== undefined;
  const inFolder = (entity: GraphEntity, folderId: string | undefined) => {
    const parent = entity.parentFolderId;
    return typeof parent !== "string" || parent === "" || parent === folderId || (named && parent === collection);
  };
  let folderId = known.get(collection);
  if ((named || folderId !== undefined) && entities.every((e) => inFolder(e, folderId))) return entities.map(() => false);
  if (folderId === undefined) {
    const learnt = await folderIdOf(ctx, collection, signal);
    // The default folder is empty now: every contact read before is elsewhere (or gone) by now.
    if (learnt === null) return entities.map((e) => !inFolder(e, undefined));
    known.set(collection, learnt);
    folderId = learnt;
  }
  return entities.map((e) => !inFolder(e, folderId));
}

/** Whether a card's PHOTO is over the cap (so never sent, and never taken away by a read). */
function oversizePhoto(ctx: GraphContext, text: string): boolean {
  if (!/^PHOTO[;:]/im.test(text)) return false;
  try {
    const photo = graphContactFromVCard(text).photo;
    return photo != null && photo.bytes.length > photoCap(ctx);
  } catch {
    return false;
  }
}

export const CONTACTS: ItemCodec = {
  kind: "contacts",
  itemPath: (ctx, _collection, id) => ctx.client.path("contacts", id),
  createPath: (ctx, collection) => {
    const folder = contactFolderOf(collection);
    return folder === undefined ? ctx.client.path("contacts") : ctx.client.path("contactFolders", folder, "contacts");
  },
  readQuery: queryOf(CONTACT_SELECT, UID_EXPAND),
  outside: outsideContacts,
  async render(ctx: GraphContext, _collection: string, entities: readonly GraphEntity[], bases: ReadonlyArray<string | undefined>, signal?: AbortSignal): Promise<Array<Rendered | Error>> {
    // The photos not yet known (a write's result carries its own), read in $batches of 20.
    const files: Array<EntityFiles | Error | undefined> = entities.map((entity) => filesOf(entity));
    const unknown = entities.map((_, i) => i).filter((i) => files[i] === undefined);
    if (unknown.length > 0) {
      try {
        const read = await readPhotos(ctx, unknown.map((i) => entities[i]!.id), signal);
        unknown.forEach((i, n) => (files[i] = read[n]!));
      } catch (error) {
        for (const i of unknown) files[i] = error as Error; // the batch failed as a whole: every contact of it is read again later
      }
    }
    return entities.map((entity, i) => {
      const basis = bases[i];
      const contact = entity as unknown as GraphContact;
      const f = files[i]!;
      if (f instanceof Error) return f;
      // The mailbox has no photo, but the card's is one the side never sends (over the cap): it stays.
      const keptOversize = f.photo === null && basis !== undefined && oversizePhoto(ctx, basis);
      const photo = f.photo === "keep" || keptOversize ? {} : { photo: f.photo ?? null };
      const withDropped = (r: Rendered): Rendered => (f.dropped.length ? { ...r, dropped: [...r.dropped, ...f.dropped] } : r);
      try {
        return withDropped(graphContactToVCard(contact, basis === undefined ? photo : { basis, ...photo }));
      } catch (error) {
        if (basis === undefined) return error as Error;
        try {
          return withDropped(graphContactToVCard(contact, photo)); // a basis the mapper cannot read as a card: rendered alone
        } catch (again) {
          return again as Error;
        }
      }
    });
  },
  map(ctx: GraphContext, text: string, create: boolean): MappedWrite {
    const r = graphContactFromVCard(text);
    const dropped = [...r.dropped];
    const photo = r.photo ?? null;
    const cap = photoCap(ctx);
    if (photo && photo.bytes.length > cap) {
      dropped.push(droppedOf("PHOTO", `${photo.bytes.length} bytes is over the ${cap}-byte cap (maxPhotoBytes); not sent`, "photo"));
      const followUp: PhotoFollowUp = { create, photo: undefined };
      return { body: r.contact as Record<string, unknown>, uid: r.uid, dropped, followUp };
    }
    const followUp: PhotoFollowUp = { create, photo };
    return { body: r.contact as Record<string, unknown>, uid: r.uid, dropped, followUp };
  },
  afterWrite: (ctx, _collection, written, mapped, signal) => writePhoto(ctx, written, mapped, signal),
  tagBody: (uid) => ({ singleValueExtendedProperties: [{ id: UID_PROPERTY_ID, value: uid }] }),
};
