/**
 * vCard → EWS contact: reads one parsed vCard into a {@link Contact}, recording which vCard
 * properties each EWS field came from (its "bindings"), so the other direction can merge onto the
 * same card and leave everything else exactly as it was.
 */
import type { Contact, ContactEmailAddress, FileAttachment, PhoneNumberKey, PhysicalAddress, PhysicalAddressKey } from "@ewsdav/ews-client";
import { withEwsdavUid } from "../identity.js";
import { MapperError, type DroppedProperty } from "../result.js";
import type { JComponent, JProperty } from "../vobject/codec.js";
import { mediaTypeOf } from "../vobject/normalize.js";
import { componentOf, groupLabel, groupOf, paramList, prefRank, textOf, typesOf, valueText } from "../vobject/properties.js";
import { contactDateToEws, parseContactDate, type ContactDate } from "./dates.js";
import { ADDRESS_SLOTS, EMAIL_SLOTS, IM_SLOTS, IM_TEXT_PROPERTY, IM_X_PROPERTIES, isFallbackPhone, OUTLOOK_PHONE_PROPERTY, PHONE_SLOTS, phoneSlotCandidates } from "./slots.js";

/** The file name Exchange and Outlook give a contact photo attachment. */
export const CONTACT_PHOTO_NAME = "ContactPicture.jpg";

/** The contact read from a card, what was lost, and which card properties each field came from. */
export interface ContactReading {
  /** The EWS contact. */
  item: Contact;
  /** What the card says that the contact cannot hold. */
  dropped: DroppedProperty[];
  /** Field key (`displayName`, `email:EmailAddress1`, `phone:MobilePhone` …) → property indexes in the card. */
  bindings: Map<string, number[]>;
  /** The card's UID, or null. */
  uid: string | null;
  /** Dates as read (BDAY / anniversary), for exact comparison on merge. */
  dates: { birthday: ContactDate | null; anniversary: ContactDate | null };
}

/** vCard properties that carry no content of their own. */
const META_PROPERTIES = new Set(["version", "prodid", "rev", "x-ablabel", "kind", "x-abuid"]);

/** Properties that carry a spouse / manager / assistant / child name, by role. */
const RELATION_PROPERTIES: Record<"spouse" | "manager" | "assistant" | "child", string[]> = {
  spouse: ["x-ms-spouse", "x-spouse", "x-evolution-spouse", "x-kaddressbook-x-spousesname"],
  manager: ["x-ms-manager", "x-manager", "x-evolution-manager", "x-kaddressbook-x-managersname"],
  assistant: ["x-ms-assistant", "x-assistant", "x-evolution-assistant", "x-kaddressbook-x-assistantsname"],
  child: ["x-ms-child", "x-child"],
};

/** Every property name {@link relationRole} gives a role to. */
const RELATION_NAMES = new Set(["related", "x-abrelatednames", ...Object.values(RELATION_PROPERTIES).flat()]);

/** Properties that carry an anniversary. */
export const ANNIVERSARY_PROPERTIES = ["anniversary", "x-anniversary", "x-ms-anniversary", "x-evolution-anniversary"];

function upperName(property: JProperty): string {
  const group = groupOf(property);
  return `${group ? `${group}.` : ""}${property[0].toUpperCase()}`;
}

/** A name from a RELATED / X- relation property, or null when it is a reference (a URI) rather than a name. */
export function relationName(property: JProperty): string | null {
  const text = valueText(property).trim();
  if (property[0] === "related" && property[2] !== "text" && /^[a-z][a-z0-9+.-]*:/i.test(text)) return null;
  return text;
}

/** The role of a relation property (spouse, manager, assistant, child), or null. */
export function relationRole(card: JComponent, property: JProperty, types: readonly string[] = property[0] === "related" ? typesOf(property) : []): keyof typeof RELATION_PROPERTIES | null {
  const name = property[0];
  if (name === "related") {
    if (types.includes("spouse")) return "spouse";
    if (types.includes("child")) return "child";
    if (types.includes("x-manager") || types.includes("manager")) return "manager";
    if (types.includes("x-assistant") || types.includes("assistant") || types.includes("agent")) return "assistant";
    return null;
  }
  if (name === "x-abrelatednames") {
    const label = groupLabel(card, property);
    if (label === "spouse" || label === "partner") return "spouse";
    if (label === "child") return "child";
    if (label === "manager") return "manager";
    if (label === "assistant") return "assistant";
    return null;
  }
  for (const [role, names] of Object.entries(RELATION_PROPERTIES)) {
    if (names.includes(name)) return role as keyof typeof RELATION_PROPERTIES;
  }
  return null;
}

/** The URI an IM property stands for (`X-JABBER:a@b` → `xmpp:a@b`), or the text of `X-MS-IMADDRESS`. */
export function imValueOf(property: JProperty): string | null {
  const text = valueText(property).trim();
  if (text === "") return null;
  if (property[0] === "impp" || property[0] === IM_TEXT_PROPERTY) return text;
  const scheme = IM_X_PROPERTIES[property[0]];
  if (!scheme) return null;
  return /^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `${scheme}:${text}`;
}

/** The number a TEL (text or `tel:` URI) or X-MS-TEL carries. */
export function phoneNumberOf(property: JProperty): string {
  return valueText(property).trim().replace(/^tel:/i, "");
}

/** Reads a photo property: inline binary (3.0) or data URI (4.0). */
export function photoOf(property: JProperty): { contentType: string; content: string } | MapperError {
  const value = textOf(property).replace(/\s+/g, "");
  const dataUri = /^data:([^;,]*)(;[^,]*)?,(.*)$/i.exec(value);
  let contentType: string;
  let content: string;
  if (dataUri) {
    if (!/;base64/i.test(dataUri[2] ?? "")) return new MapperError("INVALID_VALUE", "PHOTO", "data URI is not base64");
    contentType = (dataUri[1] || "application/octet-stream").toLowerCase();
    content = dataUri[3]!;
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(value) && property[2] !== "binary") {
    return new MapperError("INVALID_VALUE", "PHOTO", "a photo by URL is not fetched (the mappers do no I/O)");
  } else {
    contentType = mediaTypeOf(paramList(property, "type")[0] ?? paramList(property, "mediatype")[0]);
    content = value;
  }
  if (content === "" || !/^[A-Za-z0-9+/]*={0,2}$/.test(content) || content.length % 4 === 1) {
    return new MapperError("INVALID_VALUE", "PHOTO", "not valid base64 content");
  }
  return { contentType, content };
}

function isEmptyAddress(address: PhysicalAddress): boolean {
  return Object.values(address).every((value) => value === undefined || value === "");
}

/** The EWS postal address an ADR carries (street, city, state, postal code, country). */
export function addressOf(property: JProperty): PhysicalAddress {
  const address: PhysicalAddress = {};
  const street = componentOf(property, 2);
  const city = componentOf(property, 3);
  const state = componentOf(property, 4);
  const postalCode = componentOf(property, 5);
  const country = componentOf(property, 6);
  if (street) address.street = street;
  if (city) address.city = city;
  if (state) address.state = state;
  if (postalCode) address.postalCode = postalCode;
  if (country) address.countryOrRegion = country;
  return address;
}

/**
 * Reads one parsed vCard into an EWS contact. Never throws: values that cannot be read are
 * reported in `dropped` with a {@link MapperError}, and the rest of the card is still mapped.
 */
export function readContactCard(card: JComponent): ContactReading {
  const props = card[1];
  // Read once per card (issue 16): the indexes of each property name, and each property's PREF
  // rank, TYPE values and relation role, which the slots below ask for again and again.
  const byName = new Map<string, number[]>();
  props.forEach((property, index) => {
    const list = byName.get(property[0]);
    if (list) list.push(index);
    else byName.set(property[0], [index]);
  });
  const ranks: number[] = [];
  const typeLists: string[][] = [];
  const rankOf = (index: number): number => (ranks[index] ??= prefRank(props[index]!));
  const typesAt = (index: number): string[] => (typeLists[index] ??= typesOf(props[index]!));
  /** {@link indexesOf}: the indexes of the properties with one of the names, in card order. */
  const named = (...names: string[]): number[] => {
    if (names.length === 1) return [...(byName.get(names[0]!) ?? [])];
    const out: number[] = [];
    for (const name of new Set(names)) out.push(...(byName.get(name) ?? []));
    return out.sort((a, b) => a - b);
  };
  /** {@link byPreference}: stable by PREF rank, then card order. */
  const preferred = (indexes: number[]): number[] => [...indexes].sort((a, b) => rankOf(a) - rankOf(b) || a - b);
  let roles: Array<keyof typeof RELATION_PROPERTIES | null> | null = null;
  const roleAt = (index: number) => (roles ??= props.map((property, at) => (RELATION_NAMES.has(property[0]) ? relationRole(card, property, typesAt(at)) : null)))[index]!;
  const item: Contact = {};
  const dropped: DroppedProperty[] = [];
  const bindings = new Map<string, number[]>();
  const explained = new Set<number>();
  const dates: ContactReading["dates"] = { birthday: null, anniversary: null };
  const bind = (key: string, ...indexes: number[]) => {
    const list = bindings.get(key);
    if (list) list.push(...indexes);
    else bindings.set(key, [...indexes]);
    for (const index of indexes) explained.add(index);
  };
  const drop = (index: number, reason: string, error?: MapperError) => {
    explained.add(index);
    const property = props[index]!;
    const entry: DroppedProperty = { property: upperName(property), reason };
    const value = textOf(property);
    if (value !== "" && value.length <= 200) entry.value = value;
    if (error) entry.error = error;
    dropped.push(entry);
  };
  const invalid = (index: number, error: unknown) => {
    const mapperError = error instanceof MapperError ? error : new MapperError("INVALID_VALUE", upperName(props[index]!), String(error));
    drop(index, `invalid value: ${mapperError.reason}`, mapperError);
  };
  /** The first (by preference) of the named properties; the others are dropped as duplicates. */
  const single = (names: string[], field: string, accept?: (property: JProperty) => boolean): number | null => {
    const candidates = preferred(named(...names)).filter((index) => !explained.has(index) && (!accept || accept(props[index]!)));
    const [first, ...rest] = candidates;
    for (const index of rest) drop(index, `an Exchange contact holds one ${field}`);
    return first ?? null;
  };

  let uid: string | null = null;
  const uidIndex = single(["uid"], "UID");
  if (uidIndex !== null) {
    uid = textOf(props[uidIndex]!).trim() || null;
    if (uid) {
      item.extendedProperties = withEwsdavUid(undefined, uid);
      bind("uid", uidIndex);
    }
  }

  const fn = single(["fn"], "display name");
  if (fn !== null) {
    const text = textOf(props[fn]!);
    if (text !== "") item.displayName = text;
    bind("displayName", fn);
  }

  const n = single(["n"], "name (N)");
  if (n !== null) {
    const property = props[n]!;
    const parts: Array<[keyof Contact, number]> = [["surname", 0], ["givenName", 1], ["middleName", 2], ["title", 3], ["generation", 4]];
    for (const [field, index] of parts) {
      const value = componentOf(property, index);
      if (value !== "") (item as Record<string, unknown>)[field] = value;
    }
    bind("name", n);
  }

  const nickname = single(["nickname"], "nickname");
  if (nickname !== null) {
    const values = props[nickname]!.slice(3).map(String).filter((value) => value !== "");
    if (values[0] !== undefined) item.nickname = values[0];
    if (values.length > 1) dropped.push({ property: "NICKNAME", reason: "an Exchange contact holds one nickname", value: values.slice(1).join(",") });
    bind("nickname", nickname);
  }

  const readDate = (index: number, field: "birthday" | "weddingAnniversary", key: "birthday" | "anniversary") => {
    const property = props[index]!;
    try {
      const omit = Number.parseInt(paramList(property, "x-apple-omit-year")[0] ?? "", 10);
      const date = parseContactDate(upperName(property), textOf(property), Number.isNaN(omit) ? null : omit);
      item[field] = contactDateToEws(date);
      dates[key] = date;
      bind(key, index);
    } catch (error) {
      invalid(index, error);
    }
  };
  const bday = single(["bday"], "birthday");
  if (bday !== null) readDate(bday, "birthday", "birthday");
  const anniversary = single([...ANNIVERSARY_PROPERTIES, "x-abdate"], "anniversary", (property) => property[0] !== "x-abdate" || groupLabel(card, property) === "anniversary");
  if (anniversary !== null) readDate(anniversary, "weddingAnniversary", "anniversary");

  const gender = single(["gender", "x-gender"], "gender");
  if (gender !== null) {
    const property = props[gender]!;
    const value = genderFromVCard(property);
    if (value !== null) item.gender = value;
    bind("gender", gender);
  }

  const photo = single(["photo"], "photo");
  if (photo !== null) {
    const read = photoOf(props[photo]!);
    if (read instanceof MapperError) invalid(photo, read);
    else {
      const attachment: FileAttachment = { kind: "file", name: CONTACT_PHOTO_NAME, contentType: read.contentType, isContactPhoto: true, content: read.content };
      item.attachments = [attachment];
      bind("photo", photo);
    }
  }

  const org = single(["org"], "organisation");
  if (org !== null) {
    const property = props[org]!;
    const company = componentOf(property, 0);
    const department = componentOf(property, 1);
    if (company) item.companyName = company;
    if (department) item.department = department;
    const units = Array.isArray(property[3]) ? (property[3] as unknown[]).slice(2).map(String).filter((unit) => unit !== "") : [];
    if (units.length > 0) dropped.push({ property: "ORG", reason: "an Exchange contact holds company and department only", value: units.join(";") });
    bind("org", org);
  }

  const title = single(["title"], "job title");
  if (title !== null) {
    const text = textOf(props[title]!);
    if (text) item.jobTitle = text;
    bind("jobTitle", title);
  }
  const role = single(["role"], "profession");
  if (role !== null) {
    const text = textOf(props[role]!);
    if (text) item.profession = text;
    bind("profession", role);
  }

  const relationCandidates = (wanted: string) => {
    const out: Array<{ index: number }> = [];
    for (let index = 0; index < props.length; index++) if (!explained.has(index) && roleAt(index) === wanted) out.push({ index });
    return out;
  };
  for (const [role, field] of [["spouse", "spouseName"], ["manager", "manager"], ["assistant", "assistantName"]] as const) {
    const candidates = relationCandidates(role);
    const ordered = preferred(candidates.map((candidate) => candidate.index));
    let taken = false;
    for (const index of ordered) {
      const name = relationName(props[index]!);
      if (name === null) drop(index, "a reference to another contact, not a name; an Exchange contact holds names only");
      else if (taken) drop(index, `an Exchange contact holds one ${role} name`);
      else {
        if (name !== "") item[field] = name;
        bind(role, index);
        taken = true;
      }
    }
  }
  const children: string[] = [];
  for (const { index } of relationCandidates("child")) {
    const name = relationName(props[index]!);
    if (name === null) drop(index, "a reference to another contact, not a name; an Exchange contact holds names only");
    else if (name !== "") {
      children.push(name);
      bind("children", index);
    }
  }
  if (children.length > 0) item.children = children;

  const categories: string[] = [];
  for (const index of named("categories")) {
    for (const value of props[index]!.slice(3)) {
      const text = String(value).trim();
      if (text !== "" && !categories.includes(text)) categories.push(text);
    }
    bind("categories", index);
  }
  if (categories.length > 0) item.categories = categories;

  const note = single(["note"], "note");
  if (note !== null) {
    const text = props[note]!.slice(3).map(String).join(",");
    if (text !== "") item.body = { bodyType: "Text", value: text };
    bind("body", note);
  }

  const url = single(["url"], "home page", (property) => groupLabel(card, property) === null || groupLabel(card, property) === "homepage" || groupLabel(card, property) === "work");
  if (url !== null) {
    // Apple escapes the colon of URLs in vCard 3.0 (`https\://`).
    const text = textOf(props[url]!).trim().replace(/\\:/g, ":");
    if (text) item.businessHomePage = text;
    bind("url", url);
  }

  // E-mail: typed work/home/other go to their slot first, then untyped and extra ones fill free slots.
  const emailIndexes = preferred(named("email")).filter((index) => textOf(props[index]!).trim() !== "");
  const emailSlots = new Map<string, number>();
  const emailTypeOf = (index: number) => {
    const types = new Set(typesAt(index));
    const label = groupLabel(card, props[index]!);
    if (types.has("work") || label === "work") return "work";
    if (types.has("home") || label === "home") return "home";
    if (types.has("other") || label === "other") return "other";
    return null;
  };
  const waiting: number[] = [];
  for (const index of emailIndexes) {
    const type = emailTypeOf(index);
    const slot = EMAIL_SLOTS.find((candidate) => candidate.type === type);
    if (slot && !emailSlots.has(slot.key)) emailSlots.set(slot.key, index);
    else waiting.push(index);
  }
  for (const index of waiting) {
    const free = EMAIL_SLOTS.find((slot) => !emailSlots.has(slot.key));
    if (free) emailSlots.set(free.key, index);
    else drop(index, "an Exchange contact holds 3 e-mail addresses; all are taken");
  }
  for (const slot of EMAIL_SLOTS) {
    const index = emailSlots.get(slot.key);
    if (index === undefined) continue;
    const entry: ContactEmailAddress = { address: textOf(props[index]!).trim() };
    (item.emailAddresses ??= {})[slot.key] = entry;
    bind(`email:${slot.key}`, index);
  }

  // Phones: each TEL goes to the first free slot its TYPE values allow.
  const phoneSlots = new Map<PhoneNumberKey, number>();
  // TELs whose TYPE names a slot go first; those that only fall back to OtherTelephone come after.
  // Outlook and Exchange write the assistant, callback, company, radio and TTY numbers as X-MS-TEL
  // ([MS-OXVCARD] 2.1.3.9.5); one with a type no slot knows stays unexplained (reported).
  const isFallback = (index: number) => isFallbackPhone(new Set(typesAt(index)), groupLabel(card, props[index]!));
  const telIndexes = preferred(named("tel", OUTLOOK_PHONE_PROPERTY)).filter((index) => props[index]![0] === "tel" || !isFallback(index));
  for (const index of [...telIndexes.filter((index) => !isFallback(index)), ...telIndexes.filter(isFallback)]) {
    const property = props[index]!;
    const number = phoneNumberOf(property);
    if (number === "") {
      explained.add(index);
      continue;
    }
    const candidates = phoneSlotCandidates(new Set(typesAt(index)), groupLabel(card, property));
    const free = candidates.find((key) => !phoneSlots.has(key));
    if (free) phoneSlots.set(free, index);
    else drop(index, `no free Exchange phone field for this type (${candidates.join(", ")} taken)`);
  }
  for (const slot of PHONE_SLOTS) {
    const index = phoneSlots.get(slot.key);
    if (index === undefined) continue;
    (item.phoneNumbers ??= {})[slot.key] = phoneNumberOf(props[index]!);
    bind(`phone:${slot.key}`, index);
  }

  // Postal addresses: one work (Business), one home (Home), one other (Other), by PREF then order.
  const addressSlots = new Map<PhysicalAddressKey, number>();
  for (const index of preferred(named("adr"))) {
    const property = props[index]!;
    const address = addressOf(property);
    const lost = [componentOf(property, 0), componentOf(property, 1)].filter((part) => part !== "");
    if (isEmptyAddress(address) && lost.length === 0) {
      explained.add(index);
      continue;
    }
    const types = new Set(typesAt(index));
    const label = groupLabel(card, property);
    const type = types.has("work") || label === "work" ? "work" : types.has("home") || label === "home" ? "home" : "other";
    const slot = ADDRESS_SLOTS.find((candidate) => candidate.type === type)!;
    if (addressSlots.has(slot.key)) {
      drop(index, `an Exchange contact holds one ${type} address; it is taken`);
      continue;
    }
    addressSlots.set(slot.key, index);
    if (lost.length > 0) dropped.push({ property: "ADR", reason: "an Exchange address has no post office box or extended address field", value: lost.join(";") });
  }
  let mailing: PhysicalAddressKey | null = null;
  for (const slot of ADDRESS_SLOTS) {
    const index = addressSlots.get(slot.key);
    if (index === undefined) continue;
    (item.physicalAddresses ??= {})[slot.key] = addressOf(props[index]!);
    bind(`address:${slot.key}`, index);
    if (rankOf(index) <= 100 && (mailing === null || rankOf(index) < rankOf(addressSlots.get(mailing)!))) mailing = slot.key;
  }
  if (mailing !== null) item.postalAddressIndex = mailing;

  // Instant messaging: IMPP, X-MS-IMADDRESS and the per-service X- properties fill ImAddress1–3.
  const imCandidates: number[] = [];
  props.forEach((property, index) => {
    if (property[0] === "impp" || property[0] === IM_TEXT_PROPERTY || property[0] in IM_X_PROPERTIES) imCandidates.push(index);
  });
  const imIndexes = preferred(imCandidates);
  const seenIm = new Set<string>();
  let imSlot = 0;
  for (const index of imIndexes) {
    const value = imValueOf(props[index]!);
    if (value === null) {
      explained.add(index);
      continue;
    }
    if (seenIm.has(value.toLowerCase())) {
      // The same address often appears both as IMPP and as X-JABBER: it is carried once.
      bind(`im-duplicate`, index);
      continue;
    }
    const key = IM_SLOTS[imSlot];
    if (!key) {
      drop(index, "an Exchange contact holds 3 IM addresses; all are taken");
      continue;
    }
    seenIm.add(value.toLowerCase());
    (item.imAddresses ??= {})[key] = value;
    bind(`im:${key}`, index);
    imSlot++;
  }

  props.forEach((property, index) => {
    if (explained.has(index) || META_PROPERTIES.has(property[0])) return;
    drop(index, property[0].startsWith("x-") ? "an extension property with no Exchange field (kept on the DAV side)" : "no Exchange field (kept on the DAV side)");
  });
  // Parameters of the mapped properties that EWS cannot hold (the property itself is carried).
  const mapped = new Set<number>();
  for (const [key, indexes] of bindings) if (key !== "im-duplicate") for (const index of indexes) mapped.add(index);
  for (const index of [...mapped].sort((a, b) => a - b)) {
    for (const [parameter, value] of uncarriedParameters(props[index]!)) {
      const entry: DroppedProperty = { property: `${upperName(props[index]!)};${parameter}`, reason: `parameter ${parameter} has no Exchange field; kept on the DAV side` };
      if (value !== "" && value.length <= 200) entry.value = value;
      dropped.push(entry);
    }
  }
  if (item.displayName !== undefined && item.fileAs === undefined) item.fileAs = item.displayName;
  return { item, dropped, bindings, uid, dates };
}

/**
 * Parameters that say nothing EWS would need to hold, on any property: how the value is written
 * (VALUE, ENCODING, CHARSET), its rank and classification (PREF, TYPE: they choose a slot or an
 * order where the mapper reads them, and classify a value EWS holds once elsewhere), and the
 * bookkeeping of vCard 4.0 (ALTID groups alternative forms of one property, of which the mapper
 * takes one and reports the others; PID names a property instance for vCard's own sync).
 */
const FORMAT_PARAMETERS = new Set(["value", "encoding", "charset", "pref", "type", "altid", "pid"]);

/** Parameters the mapper reads on particular properties, beyond {@link FORMAT_PARAMETERS}. */
const USED_PARAMETERS: Record<string, readonly string[]> = {
  // Apple's marker of a date without a year.
  bday: ["x-apple-omit-year"],
  ...Object.fromEntries([...ANNIVERSARY_PROPERTIES, "x-abdate"].map((name) => [name, ["x-apple-omit-year"]])),
  // The media type of the photo's content (vCard 4.0), written as the attachment's ContentType.
  photo: ["mediatype"],
  // The address as printed (vCard 4.0), formatted from the same components.
  adr: ["label"],
};

/**
 * The parameters of a property the mapper neither reads nor knows to be harmless, as
 * `[NAME, value]` (upper-cased name, values joined with commas): an X- parameter, LANGUAGE, SORT-AS,
 * GEO / TZ / CC on ADR, a CALSCALE other than gregorian, Apple's X-ABCROP-RECTANGLE on PHOTO … The
 * property's value is carried; the parameter stays on the DAV side (the merge onto the base keeps it).
 */
export function uncarriedParameters(property: JProperty): Array<[string, string]> {
  const used = USED_PARAMETERS[property[0]] ?? [];
  const out: Array<[string, string]> = [];
  for (const [name, raw] of Object.entries(property[1])) {
    if (name === "group" || FORMAT_PARAMETERS.has(name) || used.includes(name)) continue;
    const value = (Array.isArray(raw) ? raw : [raw]).map(String).join(",");
    if (name === "calscale" && value.toLowerCase() === "gregorian") continue;
    // Apple's name of the service an IMPP's URI scheme already names (`xmpp:` Jabber); its
    // `x-apple:` URIs name no service, so there the name is lost.
    if (name === "x-service-type" && property[0] === "impp" && !/^x-apple:/i.test(textOf(property).trim())) continue;
    out.push([name.toUpperCase(), value]);
  }
  return out;
}

const GENDER_FROM_SEX: Record<string, string> = { m: "Male", f: "Female", o: "Other", n: "None", u: "Unknown" };

/** EWS gender text from GENDER (`M`, `F;woman`, `;text`) or X-GENDER (`Male`). */
export function genderFromVCard(property: JProperty): string | null {
  if (property[0] === "x-gender") {
    const text = valueText(property).trim();
    return text === "" ? null : text;
  }
  const sex = componentOf(property, 0).trim().toLowerCase();
  const identity = componentOf(property, 1).trim();
  if (sex && GENDER_FROM_SEX[sex]) return GENDER_FROM_SEX[sex]!;
  return identity === "" ? null : identity;
}

/** GENDER components `[sex, identity]` for an EWS gender text. */
export function genderToVCard(gender: string): [string, string] {
  const entry = Object.entries(GENDER_FROM_SEX).find(([, text]) => text.toLowerCase() === gender.trim().toLowerCase());
  return entry ? [entry[0].toUpperCase(), ""] : ["", gender];
}
