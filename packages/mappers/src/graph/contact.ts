/**
 * Contacts over Graph: vCard ⇄ `microsoft.graph.contact`, through the EWS mapper. A Graph contact
 * is read into the EWS `Contact` model (the same Outlook properties under other names) and
 * `contactToVCard` writes it; a card is read by `contactFromVCard` and its EWS contact written as
 * a Graph body. So the vCard table, the merge onto the base, the limits and the reports are the
 * EWS mapper's own; this module adds only what Graph holds differently:
 *
 * - Graph has three phone fields (`businessPhones` ×2, `homePhones` ×2, `mobilePhone`) where EWS
 *   has 19 slots: a fax, pager, car phone … is reported (`TEL`) and, on the way back, kept as the
 *   basis had it. No wedding anniversary, gender, mailing-address flag or photo attachment either
 *   (the photo is a separate resource: `photo` in and out).
 * - `emailAddresses` and `imAddresses` are lists, not slots: rendered onto a basis, each address
 *   takes the slot (so the TYPE) the basis gave it.
 * - `yomiGivenName`, `yomiSurname`, `yomiCompanyName` have no vCard property: reported on the way
 *   out, never written (a write leaves them as they are).
 * - The UID is the same named property as over EWS, in Graph's id syntax ({@link GRAPH_UID_PROPERTY_ID}).
 * @module
 */
import type { Contact, ContactEmailAddress, PhysicalAddress } from "@ewsdav/ews-client";
import type { GraphContact, GraphContactInput, GraphEmailAddress, GraphPhysicalAddress } from "@ewsdav/graph-client";
import { contactFromVCard, contactToVCard, CONTACT_PHOTO_NAME, type VCardVersion } from "../contact/index.js";
import { readEwsdavUid } from "../identity.js";
import type { MapperLimits } from "../limits.js";
import { guardMapper, type DroppedProperty } from "../result.js";
import { ewsExtendedOf, fromBase64, graphUidProperty, overlayGraphFields, put, slotted, str, toBase64 } from "./common.js";

/** A contact photo as Graph serves it (`/contacts/{id}/photo/$value`): the bytes and their media type. */
export interface GraphPhoto {
  bytes: Uint8Array;
  contentType: string;
}

/** Options of {@link graphContactToVCard}. */
export interface GraphContactToVCardOptions {
  /** The card on the DAV side (the text last synced): merged onto, so what Graph cannot hold stays as it is there. */
  basis?: string | null;
  /** Version of a new card (without `basis`). Default `4.0`. */
  version?: VCardVersion;
  /** UID to write when the contact carries none. */
  uid?: string;
  /** The contact's photo; `null`: it has none; absent: not read (the basis's PHOTO stays). */
  photo?: GraphPhoto | null;
  /** Bounds on the work this item may cost. */
  limits?: Partial<MapperLimits>;
}

/** What {@link graphContactToVCard} returns. */
export interface GraphContactToVCardResult {
  /** The vCard text. */
  text: string;
  /** The contact's ewsdav UID, or null when it carries none. */
  uid: string | null;
  /** The Graph properties no vCard property carries (named as Graph names them). */
  dropped: DroppedProperty[];
}

/** Options of {@link graphContactFromVCard}. */
export interface GraphContactFromVCardOptions {
  /** Leave the photo out (`photo` is then undefined). */
  skipPhoto?: boolean;
  /** Bounds on the work this item may cost. */
  limits?: Partial<MapperLimits>;
}

/** What {@link graphContactFromVCard} returns. */
export interface GraphContactFromVCardResult {
  /**
   * The Graph body: every property the mapping manages, `null` or `[]` where the card says nothing
   * (so a PATCH clears what the card no longer has), with the UID in `singleValueExtendedProperties`.
   * Properties the card cannot say (`initials`, `officeLocation`, `yomi…`) are not in it: a PATCH
   * leaves them as they are.
   */
  contact: GraphContactInput;
  /** The card's UID, or null. */
  uid: string | null;
  /** The card's photo (for `PUT /contacts/{id}/photo/$value`); `null` when it has none; undefined with `skipPhoto`. */
  photo?: GraphPhoto | null;
  /** What the card says that a Graph contact cannot hold (named by the vCard property). */
  dropped: DroppedProperty[];
}

/** Plain string fields: Graph name → EWS model name. */
const STRINGS = {
  displayName: "displayName", fileAs: "fileAs", givenName: "givenName", middleName: "middleName", surname: "surname", nickName: "nickname",
  title: "title", generation: "generation", companyName: "companyName", department: "department", jobTitle: "jobTitle", profession: "profession",
  manager: "manager", assistantName: "assistantName", spouseName: "spouseName", businessHomePage: "businessHomePage", initials: "initials",
  officeLocation: "officeLocation", birthday: "birthday",
} as const satisfies Partial<Record<keyof GraphContactInput, keyof Contact>>;

/** Phone lists: Graph name → the EWS slots, in order. */
const PHONES = { businessPhones: ["BusinessPhone", "BusinessPhone2"], homePhones: ["HomePhone", "HomePhone2"] } as const;
const EMAIL_KEYS = ["EmailAddress1", "EmailAddress2", "EmailAddress3"] as const;
const IM_KEYS = ["ImAddress1", "ImAddress2", "ImAddress3"] as const;
const ADDRESSES = { businessAddress: "Business", homeAddress: "Home", otherAddress: "Other" } as const;
const GRAPH_PHONE_KEYS: readonly string[] = [...PHONES.businessPhones, ...PHONES.homePhones, "MobilePhone"];

/** The EWS fields a Graph contact carries (the rest of an EWS reading is not Graph's to change). */
const CARRIED_PLAIN: readonly string[] = [...Object.values(STRINGS), "categories", "children", "body"];
const CARRIED_INDEXED: Readonly<Record<string, readonly string[]>> = {
  emailAddresses: EMAIL_KEYS,
  phoneNumbers: GRAPH_PHONE_KEYS,
  imAddresses: IM_KEYS,
  physicalAddresses: Object.values(ADDRESSES),
};

/** Graph properties with no vCard property (reported on the way out). */
const GRAPH_ONLY = ["yomiGivenName", "yomiSurname", "yomiCompanyName"] as const;

/** EWS names in the EWS mapper's reports → the Graph names of the same properties. */
function graphName(property: string): string {
  const email = /^EmailAddresses\[EmailAddress(\d)\]\.Name$/.exec(property);
  if (email) return `emailAddresses[${Number(email[1]) - 1}].name`;
  if (property === "Initials") return "initials";
  if (property === "OfficeLocation") return "officeLocation";
  return property;
}

const sameText = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** A Graph contact as the EWS model, its slots chosen by the basis's EWS reading where it has the same values. */
function toEws(contact: GraphContact, basis: Contact | undefined, dropped: DroppedProperty[]): Contact {
  const item: Contact = {};
  for (const [graph, ews] of Object.entries(STRINGS)) put(item, ews, str(contact[graph as keyof typeof STRINGS]));
  if (contact.categories?.length) item.categories = [...contact.categories];
  if (contact.children?.length) item.children = [...contact.children];
  const notes = str(contact.personalNotes);
  if (notes !== undefined) item.body = { bodyType: "Text", value: notes };

  const emails = (contact.emailAddresses ?? []).filter((e) => str(e.address) !== undefined);
  const emailSlots = slotted<GraphEmailAddress>(emails, EMAIL_KEYS, basisEmails(basis), (a, b) => sameText(a.address ?? "", b.address ?? ""));
  for (const extra of emailSlots.over) dropped.push({ property: "emailAddresses", reason: "a contact holds 3 e-mail addresses", value: extra.address ?? "" });
  const emailAddresses: Contact["emailAddresses"] = {};
  for (const [key, entry] of Object.entries(emailSlots.slots)) {
    const address: ContactEmailAddress = { address: entry.address! };
    if (str(entry.name) !== undefined) address.name = entry.name!;
    emailAddresses[key as (typeof EMAIL_KEYS)[number]] = address;
  }
  if (Object.keys(emailAddresses).length) item.emailAddresses = emailAddresses;

  const phoneNumbers: Contact["phoneNumbers"] = {};
  for (const [graph, keys] of Object.entries(PHONES)) {
    const list = (contact[graph as keyof typeof PHONES] ?? []).filter((n) => str(n) !== undefined);
    const { slots, over } = slotted<string>(list, keys, basis?.phoneNumbers as Record<string, string> | undefined, sameText);
    Object.assign(phoneNumbers, slots);
    for (const extra of over) dropped.push({ property: graph, reason: `an Exchange contact holds ${keys.length} ${graph === "homePhones" ? "home" : "business"} numbers`, value: extra });
  }
  put(phoneNumbers, "MobilePhone", str(contact.mobilePhone));
  if (Object.keys(phoneNumbers).length) item.phoneNumbers = phoneNumbers;

  const ims = (contact.imAddresses ?? []).filter((a) => str(a) !== undefined);
  const imSlots = slotted<string>(ims, IM_KEYS, basis?.imAddresses as Record<string, string> | undefined, sameText);
  for (const extra of imSlots.over) dropped.push({ property: "imAddresses", reason: "a contact holds 3 IM addresses", value: extra });
  if (Object.keys(imSlots.slots).length) item.imAddresses = imSlots.slots;

  const physicalAddresses: Contact["physicalAddresses"] = {};
  for (const [graph, key] of Object.entries(ADDRESSES)) {
    const address = ewsAddress(contact[graph as keyof typeof ADDRESSES]);
    if (address) physicalAddresses[key] = address;
  }
  if (Object.keys(physicalAddresses).length) item.physicalAddresses = physicalAddresses;

  put(item, "extendedProperties", ewsExtendedOf(contact.singleValueExtendedProperties, dropped));
  for (const name of GRAPH_ONLY) {
    const value = str((contact as unknown as Record<string, unknown>)[name] as string | null | undefined);
    if (value !== undefined) dropped.push({ property: name, reason: "no vCard property", value });
  }
  return item;
}

function basisEmails(basis: Contact | undefined): Record<string, GraphEmailAddress> | undefined {
  if (!basis?.emailAddresses) return undefined;
  return Object.fromEntries(Object.entries(basis.emailAddresses).map(([key, entry]) => [key, { address: entry?.address ?? "" }]));
}

function ewsAddress(address: GraphPhysicalAddress | null | undefined): PhysicalAddress | undefined {
  if (!address) return undefined;
  const out: PhysicalAddress = {};
  for (const field of ["street", "city", "state", "postalCode", "countryOrRegion"] as const) put(out, field, str(address[field]));
  return Object.keys(out).length ? out : undefined;
}

function graphAddress(address: PhysicalAddress | undefined): GraphPhysicalAddress | null {
  if (!address) return null;
  const out: GraphPhysicalAddress = {};
  for (const field of ["street", "city", "state", "postalCode", "countryOrRegion"] as const) if (str(address[field]) !== undefined) out[field] = address[field]!;
  return Object.keys(out).length ? out : null;
}

/**
 * Maps a Graph contact to vCard text. With `basis` (the DAV side's card), merges onto it: what
 * Graph did not change keeps the basis's lines, and what a Graph contact cannot hold (a fax, an
 * anniversary, a fourth e-mail, X- properties …) stays exactly as the basis has it.
 * Throws `MapperError` only when `basis` holds no vCard.
 */
export function graphContactToVCard(contact: GraphContact, options: GraphContactToVCardOptions = {}): GraphContactToVCardResult {
  return guardMapper(null, () => mapGraphContactToVCard(contact, options));
}

function mapGraphContactToVCard(contact: GraphContact, options: GraphContactToVCardOptions): GraphContactToVCardResult {
  const dropped: DroppedProperty[] = [];
  const basisItem = options.basis ? contactFromVCard(options.basis, options.limits ? { limits: options.limits } : {}).item : undefined;
  let item = toEws(contact, basisItem, dropped);
  if (options.photo) item.attachments = [{ kind: "file", name: CONTACT_PHOTO_NAME, isContactPhoto: true, contentType: options.photo.contentType, content: toBase64(options.photo.bytes) }];
  if (basisItem) {
    // The UID: Graph's when it sent one, else the basis's (a contact read without the property).
    const carried = [...CARRIED_PLAIN, ...(options.photo === undefined ? [] : ["attachments"]), ...(item.extendedProperties ? ["extendedProperties"] : [])];
    item = overlayGraphFields(basisItem, item, carried, CARRIED_INDEXED);
  }
  const uid = readEwsdavUid(item);
  const written = contactToVCard(item, {
    ...(options.basis ? { base: options.basis } : {}),
    ...(options.version ? { version: options.version } : {}),
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  return { text: written.text, uid, dropped: [...dropped, ...written.dropped.map((entry) => ({ ...entry, property: graphName(entry.property) }))] };
}

/** Why a TEL of an EWS slot Graph has no field for is dropped. */
const NO_GRAPH_PHONE = "a Graph contact holds only 2 business, 2 home and 1 mobile number (no fax, pager, car, assistant … numbers)";

/**
 * Maps vCard text to a Graph contact body (for `POST /contacts` or `PATCH /contacts/{id}`), with
 * the UID in ewsdav's extended property. What the EWS mapper cannot carry is reported as it
 * reports it; what EWS could hold and Graph cannot (the phone slots Graph lacks, ANNIVERSARY,
 * GENDER) is reported too. Throws `MapperError` `MISSING_COMPONENT` when the text holds no vCard.
 */
export function graphContactFromVCard(text: string, options: GraphContactFromVCardOptions = {}): GraphContactFromVCardResult {
  return guardMapper(null, () => mapGraphContactFromVCard(text, options));
}

function mapGraphContactFromVCard(text: string, options: GraphContactFromVCardOptions): GraphContactFromVCardResult {
  const read = contactFromVCard(text, options.limits ? { limits: options.limits } : {});
  const item = read.item;
  const dropped: DroppedProperty[] = [...read.dropped];
  const contact: GraphContactInput = {};
  for (const [graph, ews] of Object.entries(STRINGS)) {
    if (ews === "initials" || ews === "officeLocation") continue; // never from a card: left as they are
    (contact as Record<string, unknown>)[graph] = str(item[ews]) ?? null;
  }
  contact.categories = [...(item.categories ?? [])];
  contact.children = [...(item.children ?? [])];
  contact.personalNotes = item.body?.value ? item.body.value : null;
  contact.emailAddresses = EMAIL_KEYS.flatMap((key) => {
    const entry = item.emailAddresses?.[key];
    if (!entry?.address) return [];
    return [entry.name ? { address: entry.address, name: entry.name } : { address: entry.address }];
  });
  for (const [graph, keys] of Object.entries(PHONES)) contact[graph as keyof typeof PHONES] = keys.flatMap((key) => (item.phoneNumbers?.[key] ? [item.phoneNumbers[key]] : []));
  contact.mobilePhone = item.phoneNumbers?.MobilePhone ?? null;
  for (const [key, number] of Object.entries(item.phoneNumbers ?? {})) {
    if (!GRAPH_PHONE_KEYS.includes(key) && number) dropped.push({ property: "TEL", reason: `${NO_GRAPH_PHONE}; Exchange field ${key}`, value: number });
  }
  contact.imAddresses = IM_KEYS.flatMap((key) => (item.imAddresses?.[key] ? [item.imAddresses[key]] : []));
  for (const [graph, key] of Object.entries(ADDRESSES)) contact[graph as keyof typeof ADDRESSES] = graphAddress(item.physicalAddresses?.[key]);
  if (item.weddingAnniversary) dropped.push({ property: "ANNIVERSARY", reason: "a Graph contact has no anniversary", value: item.weddingAnniversary });
  if (item.gender) dropped.push({ property: "GENDER", reason: "a Graph contact has no gender", value: item.gender });
  if (read.uid !== null) contact.singleValueExtendedProperties = [graphUidProperty(read.uid)];
  const result: GraphContactFromVCardResult = { contact, uid: read.uid, dropped };
  if (!options.skipPhoto) {
    const photo = item.attachments?.find((a) => a.kind === "file" && a.isContactPhoto);
    result.photo = photo?.kind === "file" && photo.content ? { bytes: fromBase64(photo.content), contentType: photo.contentType ?? "image/jpeg" } : null;
  }
  return result;
}
