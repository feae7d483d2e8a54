/**
 * Contacts over Graph (the contacts {@link ItemCodec}): `/contacts/{id}` (a contact of any folder),
 * created in `/contactFolders/{folder}/contacts` (or `/contacts` for the default folder), read with
 * every property the mapping uses (`$select`) and ewsdav's UID extended property (`$expand`),
 * mapped with `graphContactToVCard` / `graphContactFromVCard` of `@ewsdav/mappers` (the EWS
 * contact mapper's tables, with what Graph holds differently reported). The UID is the extended
 * property the EWS side writes; a tag PATCHes only it.
 *
 * The contact's photo (a resource of its own over Graph) is not carried yet: a read leaves the
 * basis's PHOTO as it is, and a write reports a PHOTO it does not send.
 *
 * @module
 */
import type { GraphContact } from "@ewsdav/graph-client";
import { graphContactFromVCard, graphContactToVCard } from "@ewsdav/mappers";
import type { GraphEntity, ItemCodec, MappedWrite, Rendered } from "./codec.js";
import { queryOf } from "./codec.js";
import { contactFolderOf } from "./collections.js";
import { UID_PROPERTY_ID, type GraphContext } from "./context.js";

/** The contact properties a read asks for: what the mapping reads, and what versions and `modified` need. */
const CONTACT_SELECT = [
  "changeKey", "lastModifiedDateTime", "parentFolderId", "categories", "birthday", "assistantName", "businessHomePage", "companyName", "department",
  "displayName", "fileAs", "generation", "givenName", "initials", "jobTitle", "manager", "middleName", "nickName", "officeLocation", "profession",
  "spouseName", "surname", "yomiGivenName", "yomiSurname", "title", "personalNotes", "children", "imAddresses", "homePhones",
  "businessPhones", "mobilePhone", "emailAddresses", "homeAddress", "businessAddress", "otherAddress",
];

/** `$expand` of ewsdav's UID property. */
export const UID_EXPAND = `singleValueExtendedProperties($filter=id eq '${UID_PROPERTY_ID}')`;

/** Whether a vCard text carries a PHOTO (the side does not write photos yet: reported). */
function hasPhoto(text: string): boolean {
  return /^PHOTO[;:]/im.test(text);
}

export const CONTACTS: ItemCodec = {
  kind: "contacts",
  itemPath: (ctx, _collection, id) => ctx.client.path("contacts", id),
  createPath: (ctx, collection) => {
    const folder = contactFolderOf(collection);
    return folder === undefined ? ctx.client.path("contacts") : ctx.client.path("contactFolders", folder, "contacts");
  },
  readQuery: queryOf(CONTACT_SELECT, UID_EXPAND),
  async render(_ctx: GraphContext, _collection: string, entities: readonly GraphEntity[], bases: ReadonlyArray<string | undefined>): Promise<Array<Rendered | Error>> {
    return entities.map((entity, i) => {
      const basis = bases[i];
      const contact = entity as unknown as GraphContact;
      try {
        return graphContactToVCard(contact, basis === undefined ? {} : { basis });
      } catch (error) {
        if (basis === undefined) return error as Error;
        try {
          return graphContactToVCard(contact); // a basis the mapper cannot read as a card: rendered alone
        } catch (again) {
          return again as Error;
        }
      }
    });
  },
  map(_ctx: GraphContext, text: string): MappedWrite {
    const r = graphContactFromVCard(text, { skipPhoto: true });
    const dropped = [...r.dropped];
    if (hasPhoto(text)) dropped.push({ property: "PHOTO", reason: "the Graph side does not write contact photos yet" });
    return { body: r.contact as Record<string, unknown>, uid: r.uid, dropped };
  },
  tagBody: (uid) => ({ singleValueExtendedProperties: [{ id: UID_PROPERTY_ID, value: uid }] }),
};
