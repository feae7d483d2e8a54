/**
 * The field table of contacts (types.xsd `ContactItemType`, in schema order).
 * @module
 */
import type { Contact, ContactEmailAddress, PhysicalAddress } from "../model/contact.js";
import { EMAIL_ADDRESS_KEYS, IM_ADDRESS_KEYS, PHONE_NUMBER_KEYS, PHYSICAL_ADDRESS_KEYS } from "../model/contact.js";
import type { ExtendedFieldUri } from "../model/extended-property.js";
import { extendedFieldKey } from "../model/extended-property.js";
import { EwsInputError } from "../errors.js";
import { childText, children, type XmlElement } from "../xml/parse.js";
import { xmlElement, xmlText } from "../xml/writer.js";
import { parseStringArray, stringArrayXml } from "./common-xml.js";
import { booleanField, dateTimeField, enumField, stringField, type FieldDef, type IndexedEntryChange, type ItemWriteContext } from "./field-table.js";
import { itemBaseFields } from "./item-base-fields.js";

/** The MAPI property that holds a contact's name prefix (PidTagDisplayNamePrefix), used to write `title`. */
export const DISPLAY_NAME_PREFIX_PROPERTY: ExtendedFieldUri = { propertyTag: "0x3A45", propertyType: "String" };

const FILE_AS_MAPPINGS = [
  "None", "LastCommaFirst", "FirstSpaceLast", "Company", "LastCommaFirstCompany", "CompanyLastFirst", "LastFirst",
  "LastFirstCompany", "CompanyLastCommaFirst", "LastFirstSuffix", "LastSpaceFirstCompany", "CompanyLastSpaceFirst",
  "LastSpaceFirst", "DisplayName", "FirstName", "LastFirstMiddleSuffix", "LastName", "Empty",
];
const ADDRESS_PARTS = [
  ["street", "Street"],
  ["city", "City"],
  ["state", "State"],
  ["countryOrRegion", "CountryOrRegion"],
  ["postalCode", "PostalCode"],
] as const;

function emailEntryXml(key: string, v: ContactEmailAddress): string {
  return xmlText("t:Entry", v.address, { Key: key, Name: v.name, RoutingType: v.routingType, MailboxType: v.mailboxType });
}

function addressEntryXml(key: string, v: PhysicalAddress): string {
  return xmlElement("t:Entry", { Key: key }, ...ADDRESS_PARTS.map(([prop, el]) => (v[prop] ? xmlText(`t:${el}`, v[prop]) : "")));
}

function present<K extends string, V>(keys: readonly K[], dict: Partial<Record<K, V>> | undefined): K[] {
  return keys.filter((k) => dict?.[k] !== undefined && dict[k] !== "");
}

function checkKeys(dict: object, keys: readonly string[], ctx: ItemWriteContext, field: string): void {
  for (const k of Object.keys(dict)) if (!keys.includes(k)) throw new EwsInputError(ctx.item, `${field}.${k}`, `unknown key; valid keys: ${keys.join(", ")}`);
}

function simpleDictionary(
  key: "phoneNumbers" | "imAddresses",
  element: string,
  entryUri: string,
  keys: readonly string[],
): FieldDef<Contact> {
  const wrap = (inner: string) => xmlElement(`t:${element}`, undefined, inner);
  return {
    key,
    element,
    uri: `contacts:${element}`,
    write: ((v: Record<string, string>, ctx: ItemWriteContext) => {
      checkKeys(v, keys, ctx, key);
      const ks = present(keys, v);
      return ks.length === 0 ? "" : wrap(ks.map((k) => xmlText("t:Entry", v[k], { Key: k })).join(""));
    }) as FieldDef<Contact>["write"],
    read: (e, item) => {
      const dict: Record<string, string> = {};
      for (const entry of children(e, "Entry")) if (entry.attributes.Key && entry.text !== "") dict[entry.attributes.Key] = entry.text;
      (item as Record<string, unknown>)[key] = dict;
    },
    indexedChanges: (oldValue, newValue, ctx) => {
      const o = (oldValue ?? {}) as Record<string, string>;
      const n = (newValue ?? {}) as Record<string, string>;
      checkKeys(n, keys, ctx, key);
      const changes: IndexedEntryChange[] = [];
      for (const k of keys) {
        const before = o[k] || undefined;
        const after = n[k] || undefined;
        if (before === after) continue;
        changes.push({ uri: entryUri, index: k, xml: after === undefined ? undefined : wrap(xmlText("t:Entry", after, { Key: k })) });
      }
      return changes;
    },
  };
}

function readEmails(e: XmlElement): Contact["emailAddresses"] {
  const dict: NonNullable<Contact["emailAddresses"]> = {};
  for (const entry of children(e, "Entry")) {
    const k = entry.attributes.Key as keyof typeof dict | undefined;
    if (!k || entry.text === "") continue;
    const v: ContactEmailAddress = { address: entry.text };
    if (entry.attributes.Name !== undefined) v.name = entry.attributes.Name;
    if (entry.attributes.RoutingType !== undefined) v.routingType = entry.attributes.RoutingType;
    if (entry.attributes.MailboxType !== undefined) v.mailboxType = entry.attributes.MailboxType;
    dict[k] = v;
  }
  return dict;
}

function readAddresses(e: XmlElement): Contact["physicalAddresses"] {
  const dict: NonNullable<Contact["physicalAddresses"]> = {};
  for (const entry of children(e, "Entry")) {
    const k = entry.attributes.Key as keyof typeof dict | undefined;
    if (!k) continue;
    const v: PhysicalAddress = {};
    for (const [prop, el] of ADDRESS_PARTS) {
      const t = childText(entry, el);
      if (t !== undefined && t !== "") v[prop] = t;
    }
    dict[k] = v;
  }
  return dict;
}

const sameEmail = (a: ContactEmailAddress | undefined, b: ContactEmailAddress | undefined) =>
  (a?.address || undefined) === (b?.address || undefined) && a?.name === b?.name && a?.routingType === b?.routingType && a?.mailboxType === b?.mailboxType;

const fields: FieldDef<Contact>[] = [
  ...itemBaseFields<Contact>(),
  stringField<Contact>("fileAs", "FileAs", "contacts:FileAs"),
  enumField<Contact>("fileAsMapping", "FileAsMapping", "contacts:FileAsMapping", FILE_AS_MAPPINGS),
  stringField<Contact>("displayName", "DisplayName", "contacts:DisplayName"),
  stringField<Contact>("givenName", "GivenName", "contacts:GivenName"),
  stringField<Contact>("initials", "Initials", "contacts:Initials"),
  stringField<Contact>("middleName", "MiddleName", "contacts:MiddleName"),
  stringField<Contact>("nickname", "Nickname", "contacts:Nickname"),
  {
    key: "completeName",
    element: "CompleteName",
    read: (e, item) => {
      const cn: NonNullable<Contact["completeName"]> = {};
      const map = [
        ["title", "Title"], ["firstName", "FirstName"], ["middleName", "MiddleName"], ["lastName", "LastName"], ["suffix", "Suffix"],
        ["initials", "Initials"], ["fullName", "FullName"], ["nickname", "Nickname"], ["yomiFirstName", "YomiFirstName"], ["yomiLastName", "YomiLastName"],
      ] as const;
      for (const [prop, el] of map) {
        const t = childText(e, el);
        if (t !== undefined && t !== "") cn[prop] = t;
      }
      item.completeName = cn;
      if (cn.title !== undefined && item.title === undefined) item.title = cn.title;
    },
  },
  stringField<Contact>("companyName", "CompanyName", "contacts:CompanyName"),
  {
    key: "emailAddresses",
    element: "EmailAddresses",
    uri: "contacts:EmailAddresses",
    write: ((v: NonNullable<Contact["emailAddresses"]>, ctx: ItemWriteContext) => {
      checkKeys(v, EMAIL_ADDRESS_KEYS, ctx, "emailAddresses");
      const ks = EMAIL_ADDRESS_KEYS.filter((k) => v[k]?.address);
      return ks.length === 0 ? "" : xmlElement("t:EmailAddresses", undefined, ...ks.map((k) => emailEntryXml(k, v[k]!)));
    }) as FieldDef<Contact>["write"],
    read: (e, item) => (item.emailAddresses = readEmails(e)),
    indexedChanges: (oldValue, newValue, ctx) => {
      const o = (oldValue ?? {}) as NonNullable<Contact["emailAddresses"]>;
      const n = (newValue ?? {}) as NonNullable<Contact["emailAddresses"]>;
      checkKeys(n, EMAIL_ADDRESS_KEYS, ctx, "emailAddresses");
      const changes: IndexedEntryChange[] = [];
      for (const k of EMAIL_ADDRESS_KEYS) {
        if (sameEmail(o[k], n[k])) continue;
        const after = n[k]?.address ? n[k] : undefined;
        changes.push({
          uri: "contacts:EmailAddress",
          index: k,
          xml: after && xmlElement("t:EmailAddresses", undefined, emailEntryXml(k, after)),
        });
      }
      return changes;
    },
  },
  {
    key: "physicalAddresses",
    element: "PhysicalAddresses",
    uri: "contacts:PhysicalAddresses",
    write: ((v: NonNullable<Contact["physicalAddresses"]>, ctx: ItemWriteContext) => {
      checkKeys(v, PHYSICAL_ADDRESS_KEYS, ctx, "physicalAddresses");
      const ks = PHYSICAL_ADDRESS_KEYS.filter((k) => v[k] && ADDRESS_PARTS.some(([p]) => v[k]![p]));
      return ks.length === 0 ? "" : xmlElement("t:PhysicalAddresses", undefined, ...ks.map((k) => addressEntryXml(k, v[k]!)));
    }) as FieldDef<Contact>["write"],
    read: (e, item) => (item.physicalAddresses = readAddresses(e)),
    indexedChanges: (oldValue, newValue, ctx) => {
      const o = (oldValue ?? {}) as NonNullable<Contact["physicalAddresses"]>;
      const n = (newValue ?? {}) as NonNullable<Contact["physicalAddresses"]>;
      checkKeys(n, PHYSICAL_ADDRESS_KEYS, ctx, "physicalAddresses");
      const changes: IndexedEntryChange[] = [];
      for (const k of PHYSICAL_ADDRESS_KEYS) {
        for (const [prop, el] of ADDRESS_PARTS) {
          const before = o[k]?.[prop] || undefined;
          const after = n[k]?.[prop] || undefined;
          if (before === after) continue;
          changes.push({
            uri: `contacts:PhysicalAddress:${el}`,
            index: k,
            xml: after === undefined ? undefined : xmlElement("t:PhysicalAddresses", undefined, xmlElement("t:Entry", { Key: k }, xmlText(`t:${el}`, after))),
          });
        }
      }
      return changes;
    },
  },
  simpleDictionary("phoneNumbers", "PhoneNumbers", "contacts:PhoneNumber", PHONE_NUMBER_KEYS),
  stringField<Contact>("assistantName", "AssistantName", "contacts:AssistantName"),
  dateTimeField<Contact>("birthday", "Birthday", "contacts:Birthday"),
  stringField<Contact>("businessHomePage", "BusinessHomePage", "contacts:BusinessHomePage"),
  {
    key: "children",
    element: "Children",
    uri: "contacts:Children",
    write: ((v: string[]) => (v.length === 0 ? "" : stringArrayXml("t:Children", v))) as FieldDef<Contact>["write"],
    read: (e, item) => (item.children = parseStringArray(e)),
  },
  {
    key: "companies",
    element: "Companies",
    uri: "contacts:Companies",
    write: ((v: string[]) => (v.length === 0 ? "" : stringArrayXml("t:Companies", v))) as FieldDef<Contact>["write"],
    read: (e, item) => (item.companies = parseStringArray(e)),
  },
  stringField<Contact>("department", "Department", "contacts:Department"),
  stringField<Contact>("generation", "Generation", "contacts:Generation"),
  simpleDictionary("imAddresses", "ImAddresses", "contacts:ImAddress", IM_ADDRESS_KEYS),
  stringField<Contact>("jobTitle", "JobTitle", "contacts:JobTitle"),
  stringField<Contact>("manager", "Manager", "contacts:Manager"),
  stringField<Contact>("mileage", "Mileage", "contacts:Mileage"),
  stringField<Contact>("officeLocation", "OfficeLocation", "contacts:OfficeLocation"),
  enumField<Contact>("postalAddressIndex", "PostalAddressIndex", "contacts:PostalAddressIndex", ["None", "Home", "Business", "Other"]),
  stringField<Contact>("profession", "Profession", "contacts:Profession"),
  stringField<Contact>("spouseName", "SpouseName", "contacts:SpouseName"),
  stringField<Contact>("surname", "Surname", "contacts:Surname"),
  dateTimeField<Contact>("weddingAnniversary", "WeddingAnniversary", "contacts:WeddingAnniversary"),
  booleanField<Contact>("hasPicture", "HasPicture", undefined),
  stringField<Contact>("gender", "Gender", "contacts:Gender", { minVersion: "Exchange2016" }),
];

/** The contact field table. */
export const CONTACT_FIELDS: readonly FieldDef<Contact>[] = fields;

/**
 * The contact as it is written: `title` moves into the extended property 0x3A45
 * (PidTagDisplayNamePrefix), since EWS has no writable element for it.
 */
export function contactForWrite(contact: Contact): Contact {
  const key = extendedFieldKey(DISPLAY_NAME_PREFIX_PROPERTY);
  const others = (contact.extendedProperties ?? []).filter((p) => extendedFieldKey(p.fieldUri) !== key);
  const title = contact.title ?? contact.extendedProperties?.find((p) => extendedFieldKey(p.fieldUri) === key)?.value;
  const extendedProperties = title ? [...others, { fieldUri: DISPLAY_NAME_PREFIX_PROPERTY, value: title }] : others;
  const { title: _title, completeName: _cn, ...rest } = contact;
  return extendedProperties.length > 0 ? { ...rest, extendedProperties } : { ...rest, extendedProperties: [] };
}

/** The key of {@link DISPLAY_NAME_PREFIX_PROPERTY}, computed at its first use. */
let displayNamePrefixKey: string | undefined;

/** After parsing: a 0x3A45 extended property, when requested, also fills `title`. */
export function contactAfterRead(contact: Contact): Contact {
  const properties = contact.extendedProperties;
  if (properties === undefined || properties.length === 0) return contact;
  const key = (displayNamePrefixKey ??= extendedFieldKey(DISPLAY_NAME_PREFIX_PROPERTY));
  const prefix = properties.find((p) => extendedFieldKey(p.fieldUri) === key)?.value;
  if (prefix !== undefined && prefix !== "") contact.title = prefix;
  return contact;
}
