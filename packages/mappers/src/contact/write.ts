/**
 * EWS contact → vCard: writes a {@link Contact} into a card, merging onto an existing card
 * (`base`) field by field. A field whose EWS value equals what the base card already says keeps
 * the base's property untouched (parameters, group, spelling); a changed field updates the
 * property it came from; properties EWS cannot hold — extra e-mails and phones, X- properties,
 * groups, unknown parameters — are never touched.
 */
import type { Contact, PhysicalAddress } from "@ewsdav/ews-client";
import { readEwsdavUid } from "../identity.js";
import { MapperError, type DroppedProperty } from "../result.js";
import type { JComponent, JProperty } from "../vobject/codec.js";
import { escapeText as escapeVObjectText } from "@ewsdav/vobject";
import { groupOf } from "../vobject/properties.js";
import { bodyText } from "../body.js";
import { contactDateFromEws, contactDateToJCard, sameContactDate, NO_YEAR, type ContactDate } from "./dates.js";
import { CONTACT_PHOTO_NAME, genderToVCard, readContactCard, type ContactReading } from "./read.js";
import { ADDRESS_SLOTS, EMAIL_SLOTS, IM_SLOTS, IM_TEXT_PROPERTY, PHONE_SLOTS } from "./slots.js";

/**
 * Escapes a value ical.js writes verbatim (an X- property of unknown type) by the strictest vCard
 * rule, vCard 3.0's (`;` included), which readers of either version read back.
 */
function escapeText(text: string): string {
  return escapeVObjectText(text, "vcard3");
}

/** vCard version of a written card. */
export type VCardVersion = "3.0" | "4.0";

/** Options of {@link writeContactCard}. */
export interface WriteContactOptions {
  /** The UID to write when the item carries none (the engine's UID for the pair). */
  uid?: string;
}

type Params = Record<string, string | string[]>;

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const left = a ?? [];
  const right = b ?? [];
  return left.length === right.length && left.every((value, index) => value === right[index]);
}

function sameAddress(a: PhysicalAddress | undefined, b: PhysicalAddress | undefined): boolean {
  const keys: Array<keyof PhysicalAddress> = ["street", "city", "state", "postalCode", "countryOrRegion"];
  return keys.every((key) => (a?.[key] ?? "") === (b?.[key] ?? ""));
}

/** The EWS-side fields of a contact that no vCard property carries. */
const EWS_ONLY_FIELDS: Array<keyof Contact> = ["initials", "officeLocation", "mileage", "companies", "culture", "importance", "sensitivity", "reminderDueBy"];

/**
 * Writes an EWS contact into a vCard component. With `base`, merges onto it (see the module
 * notes); without, builds a new card of `version`. The base is taken over, not copied: the card
 * returned is `base` changed in place (the caller parsed it for this call alone).
 */
export function writeContactCard(item: Contact, base: JComponent | null, version: VCardVersion, options: WriteContactOptions = {}): { card: JComponent; dropped: DroppedProperty[] } {
  const card: JComponent = base ?? ["vcard", [["version", {}, "text", version]], []];
  const versionProperty = card[1].find((property) => property[0] === "version");
  const v4 = (base ? String(versionProperty?.[3] ?? "3.0").trim() : version) === "4.0";
  // vCard 2.1 (and anything else) is read best-effort and written back as 3.0.
  if (base && !v4 && versionProperty && String(versionProperty[3]).trim() !== "3.0") {
    versionProperty.length = 3;
    versionProperty.push("3.0");
  }
  // A new card holds VERSION alone, which reads as nothing: it is not read (issue 16).
  const was: ContactReading = base ? readContactCard(card) : { item: {}, dropped: [], bindings: new Map(), uid: null, dates: { birthday: null, anniversary: null } };
  const props = card[1];
  const removed = new Set<number>();
  const appended: JProperty[] = [];
  const dropped: DroppedProperty[] = [];
  const types = (...values: string[]): Params => ({ type: v4 ? values : values.map((value) => value.toUpperCase()) });
  const bound = (key: string): number[] => was.bindings.get(key) ?? [];
  const first = (key: string): JProperty | null => {
    const index = bound(key)[0];
    return index === undefined ? null : props[index]!;
  };
  const removeAll = (key: string) => bound(key).forEach((index) => removed.add(index));
  /** Sets a single text value on the bound property, or appends a new one; removes when empty. */
  const text = (key: string, value: string | undefined, make: () => JProperty | null) => {
    const property = first(key);
    if (value === undefined || value === "") {
      removeAll(key);
      return;
    }
    if (property) {
      property.length = 3;
      property.push(property[2] === "unknown" ? escapeText(value) : value);
      bound(key).slice(1).forEach((index) => removed.add(index));
    } else {
      const made = make();
      if (made) appended.push(made);
    }
  };

  // UID
  const uid = readEwsdavUid(item) ?? options.uid ?? null;
  if (uid !== null && uid !== was.uid) text("uid", uid, () => ["uid", {}, "text", uid]);

  // FN is required: fall back to the name parts, the company or the first e-mail address.
  const displayName =
    item.displayName ||
    [item.title, item.givenName, item.middleName, item.surname, item.generation].filter(Boolean).join(" ") ||
    item.companyName ||
    item.emailAddresses?.EmailAddress1?.address ||
    "";
  if (displayName !== (was.item.displayName ?? "") || bound("displayName").length === 0) {
    const property = first("displayName");
    if (property) {
      property.length = 3;
      property.push(displayName);
    } else appended.push(["fn", {}, "text", displayName]);
  }

  // N: surname; given; middle; prefix; suffix
  const nameParts = [item.surname, item.givenName, item.middleName, item.title, item.generation].map((part) => part ?? "");
  const baseParts = [was.item.surname, was.item.givenName, was.item.middleName, was.item.title, was.item.generation].map((part) => part ?? "");
  if (!sameList(nameParts, baseParts) || (bound("name").length === 0 && !v4)) {
    const property = first("name");
    if (property) {
      const old = Array.isArray(property[3]) ? [...(property[3] as unknown[])] : [property[3]];
      nameParts.forEach((part, index) => {
        if (part !== baseParts[index]) old[index] = part;
        else if (old[index] === undefined) old[index] = "";
      });
      property.length = 3;
      property.push(old);
    } else if (nameParts.some(Boolean) || !v4) appended.push(["n", {}, "text", nameParts]);
  }

  if ((item.nickname ?? "") !== (was.item.nickname ?? "")) {
    const property = first("nickname");
    if (property) {
      const rest = property.slice(4);
      property.length = 3;
      if (item.nickname) property.push(item.nickname, ...rest);
      else if (rest.length > 0) property.push(...rest);
      else removeAll("nickname");
    } else if (item.nickname) appended.push(["nickname", {}, "text", item.nickname]);
  }

  // ORG: company; department (further units of the base stay)
  if ((item.companyName ?? "") !== (was.item.companyName ?? "") || (item.department ?? "") !== (was.item.department ?? "")) {
    const property = first("org");
    const company = item.companyName ?? "";
    const department = item.department ?? "";
    if (property) {
      const old = Array.isArray(property[3]) ? [...(property[3] as unknown[])] : [String(property[3] ?? "")];
      old[0] = company;
      if (department !== "" || old.length > 1) old[1] = department;
      while (old.length > 1 && old[old.length - 1] === "") old.pop();
      if (old.every((part) => part === "")) removeAll("org");
      else {
        property.length = 3;
        property.push(old);
      }
    } else if (company || department) appended.push(["org", {}, "text", department ? [company, department] : [company]]);
  }
  if ((item.jobTitle ?? "") !== (was.item.jobTitle ?? "")) text("jobTitle", item.jobTitle, () => ["title", {}, "text", item.jobTitle!]);
  if ((item.profession ?? "") !== (was.item.profession ?? "")) text("profession", item.profession, () => ["role", {}, "text", item.profession!]);

  // E-mail slots
  for (const slot of EMAIL_SLOTS) {
    const value = item.emailAddresses?.[slot.key]?.address?.trim() ?? "";
    const before = was.item.emailAddresses?.[slot.key]?.address ?? "";
    if (value === before) continue;
    text(`email:${slot.key}`, value, () => ["email", v4 ? types(slot.type) : types("internet", slot.type), "text", value]);
  }
  for (const slot of EMAIL_SLOTS) {
    const entry = item.emailAddresses?.[slot.key];
    // Outlook names each address "Display Name (address)"; only a name of its own is a loss.
    const usual = [item.displayName, entry?.address, `${item.displayName ?? ""} (${entry?.address ?? ""})`];
    if (entry?.name && !usual.includes(entry.name)) dropped.push({ property: `EmailAddresses[${slot.key}].Name`, reason: "vCard has no display name per e-mail address", value: entry.name });
  }

  // Phone slots
  for (const slot of PHONE_SLOTS) {
    const value = item.phoneNumbers?.[slot.key]?.trim() ?? "";
    const before = was.item.phoneNumbers?.[slot.key] ?? "";
    if (value === before) continue;
    const property = first(`phone:${slot.key}`);
    if (property && value !== "" && property[0] !== "tel") {
      // Outlook's X-MS-TEL: a property ical.js keeps raw, so the value is escaped here.
      property.length = 3;
      property.push(property[2] === "unknown" ? escapeText(value) : value);
    } else if (property && value !== "") {
      const keepUri = property[2] === "uri" && /^[+0-9()\-.]+$/.test(value);
      property.length = 2;
      property.push(keepUri ? "uri" : v4 ? "text" : property[2] === "uri" ? "phone-number" : property[2] ?? "phone-number", keepUri ? `tel:${value}` : value);
    } else text(`phone:${slot.key}`, value, () => ["tel", types(...slot.types), v4 ? "text" : "phone-number", value]);
  }

  // Postal address slots; the mailing address (PostalAddressIndex) carries PREF.
  const mailingChanged = (item.postalAddressIndex ?? "None") !== (was.item.postalAddressIndex ?? "None");
  for (const slot of ADDRESS_SLOTS) {
    const address = item.physicalAddresses?.[slot.key];
    const before = was.item.physicalAddresses?.[slot.key];
    const empty = !address || sameAddress(address, {});
    if (sameAddress(address, before)) continue;
    const property = first(`address:${slot.key}`);
    const parts = (old: unknown[]) => {
      const next = [...old];
      while (next.length < 7) next.push("");
      next[2] = address?.street ?? "";
      next[3] = address?.city ?? "";
      next[4] = address?.state ?? "";
      next[5] = address?.postalCode ?? "";
      next[6] = address?.countryOrRegion ?? "";
      return next;
    };
    if (empty) removeAll(`address:${slot.key}`);
    else if (property) {
      const old = Array.isArray(property[3]) ? (property[3] as unknown[]) : [String(property[3] ?? "")];
      property.length = 3;
      property.push(parts(old));
    } else {
      const params = types(slot.type);
      if (item.postalAddressIndex === slot.key) {
        if (v4) params.pref = "1";
        else params.type = [...(params.type as string[]), "PREF"];
      }
      appended.push(["adr", params, "text", parts(["", ""])]);
    }
  }
  if (mailingChanged) {
    for (const slot of ADDRESS_SLOTS) {
      const property = first(`address:${slot.key}`);
      if (!property) continue;
      const params = property[1];
      delete params.pref;
      if (params.type !== undefined) {
        const kept = (Array.isArray(params.type) ? params.type : [params.type]).flatMap((value) => value.split(",")).filter((value) => value.toLowerCase() !== "pref");
        if (kept.length > 0) params.type = kept;
        else delete params.type;
      }
      if (item.postalAddressIndex === slot.key) {
        if (v4) params.pref = "1";
        else params.type = [...(params.type === undefined ? [] : Array.isArray(params.type) ? params.type : [params.type]), "PREF"];
      }
    }
  }

  // IM slots: URIs as IMPP, plain text as X-MS-IMADDRESS.
  for (const key of IM_SLOTS) {
    const value = item.imAddresses?.[key]?.trim() ?? "";
    const before = was.item.imAddresses?.[key] ?? "";
    if (value === before) continue;
    const property = first(`im:${key}`);
    const isUri = /^[a-z][a-z0-9+.-]*:/i.test(value);
    if (property && value !== "" && ((property[0] === "impp") === isUri) && (property[0] === "impp" || property[0] === IM_TEXT_PROPERTY)) {
      property.length = 3;
      property.push(property[2] === "unknown" && !isUri ? escapeText(value) : value);
    } else {
      const made: JProperty | null = value === "" ? null : isUri ? ["impp", {}, v4 ? "uri" : "unknown", value] : [IM_TEXT_PROPERTY, {}, "unknown", escapeText(value)];
      const index = bound(`im:${key}`)[0];
      if (made && index !== undefined) {
        // Same place in the card, so the slot order (card order) stays.
        props[index] = made;
      } else {
        removeAll(`im:${key}`);
        if (made) appended.push(made);
      }
    }
  }
  if ((item.businessHomePage ?? "") !== (was.item.businessHomePage ?? "")) text("url", item.businessHomePage, () => ["url", types("work"), "uri", item.businessHomePage!]);

  // Dates
  const writeDate = (key: "birthday" | "anniversary", value: string | undefined, before: ContactDate | null, make: (date: ContactDate) => JProperty) => {
    let date: ContactDate | null = null;
    if (value) {
      try {
        date = contactDateFromEws(key === "birthday" ? "Birthday" : "WeddingAnniversary", value);
      } catch (error) {
        const entry: DroppedProperty = { property: key === "birthday" ? "Birthday" : "WeddingAnniversary", reason: "not an xs:dateTime", value };
        if (error instanceof MapperError) entry.error = error;
        dropped.push(entry);
      }
    }
    if (sameContactDate(date, before)) return;
    const property = first(key);
    if (!date) removeAll(key);
    else if (property) {
      const params = property[1];
      delete params["x-apple-omit-year"];
      property.length = 3;
      if (property[0].startsWith("x-")) property.push(date.year === null ? `${NO_YEAR}${contactDateToJCard(date).slice(1)}` : contactDateToJCard(date));
      else if (!v4 && date.year === null) {
        params["x-apple-omit-year"] = String(NO_YEAR);
        property[2] = "date-time";
        property.push(`${NO_YEAR}${contactDateToJCard(date).slice(1)}`);
      } else {
        property[2] = v4 ? "date-and-or-time" : "date-time";
        property.push(contactDateToJCard(date));
      }
    } else appended.push(make(date));
  };
  const dateProperty = (name: string, date: ContactDate): JProperty => {
    if (v4) return [name, {}, "date-and-or-time", contactDateToJCard(date)];
    if (date.year === null) return [name, { "x-apple-omit-year": String(NO_YEAR) }, name.startsWith("x-") ? "unknown" : "date-time", `${NO_YEAR}${contactDateToJCard(date).slice(1)}`];
    return [name, {}, name.startsWith("x-") ? "unknown" : "date-time", contactDateToJCard(date)];
  };
  writeDate("birthday", item.birthday, was.dates.birthday, (date) => dateProperty("bday", date));
  writeDate("anniversary", item.weddingAnniversary, was.dates.anniversary, (date) => dateProperty(v4 ? "anniversary" : "x-anniversary", date));

  if ((item.gender ?? "") !== (was.item.gender ?? "")) {
    const property = first("gender");
    if (!item.gender) removeAll("gender");
    else if (property && property[0] === "gender") {
      const [sex, identity] = genderToVCard(item.gender);
      property.length = 3;
      property.push(identity ? [sex, identity] : sex);
    } else if (property) {
      property.length = 3;
      property.push(property[2] === "unknown" ? escapeText(item.gender) : item.gender);
    } else {
      const [sex, identity] = genderToVCard(item.gender);
      appended.push(v4 ? ["gender", {}, "text", identity ? [sex, identity] : sex] : ["x-gender", {}, "unknown", escapeText(item.gender)]);
    }
  }

  // Relations: spouse, manager, assistant (names), children (a list).
  const relation = (key: "spouse" | "manager" | "assistant", value: string | undefined, before: string | undefined) => {
    if ((value ?? "") === (before ?? "")) return;
    text(key, value, () =>
      key === "spouse" && v4 ? ["related", { type: "spouse" }, "text", value!] : [key === "spouse" ? "x-ms-spouse" : key === "manager" ? "x-ms-manager" : "x-ms-assistant", {}, "unknown", escapeText(value!)],
    );
  };
  relation("spouse", item.spouseName, was.item.spouseName);
  relation("manager", item.manager, was.item.manager);
  relation("assistant", item.assistantName, was.item.assistantName);
  const children = (item.children ?? []).filter((child) => child !== "");
  if (!sameList(children, was.item.children)) {
    const indexes = bound("children");
    children.forEach((child, position) => {
      const index = indexes[position];
      if (index !== undefined) {
        const property = props[index]!;
        property.length = 3;
        property.push(property[2] === "unknown" ? escapeText(child) : child);
      } else appended.push(v4 ? ["related", { type: "child" }, "text", child] : ["x-child", {}, "unknown", escapeText(child)]);
    });
    indexes.slice(children.length).forEach((index) => removed.add(index));
  }

  const categories = (item.categories ?? []).filter((category) => category !== "");
  if (!sameList(categories, was.item.categories)) {
    const indexes = bound("categories");
    if (categories.length === 0) indexes.forEach((index) => removed.add(index));
    else if (indexes[0] !== undefined) {
      const property = props[indexes[0]]!;
      property.length = 3;
      property.push(...categories);
      indexes.slice(1).forEach((index) => removed.add(index));
    } else appended.push(["categories", {}, "text", ...categories]);
  }

  const note = bodyText(item, dropped, "NOTE");
  if ((note ?? "") !== (bodyText(was.item, null, "NOTE") ?? "")) text("body", note, () => ["note", {}, "text", note!]);

  // Photo: the contact photo attachment (with content fetched) ⇄ PHOTO.
  const photos = (item.attachments ?? []).filter((attachment) => attachment.kind === "file" && attachment.isContactPhoto);
  const photo = photos[0]?.kind === "file" ? photos[0] : undefined;
  for (const attachment of item.attachments ?? []) {
    if (attachment !== photo) dropped.push({ property: `Attachments[${attachment.name}]`, reason: "vCard carries only the contact photo" });
  }
  const basePhoto = was.item.attachments?.[0];
  if (photo && photo.content === undefined) {
    if (!basePhoto) dropped.push({ property: `Attachments[${photo.name || CONTACT_PHOTO_NAME}]`, reason: "the photo's content was not fetched (GetAttachment), so PHOTO cannot be written" });
  } else if (photo?.content !== (basePhoto?.kind === "file" ? basePhoto.content : undefined) || (photo && basePhoto?.kind === "file" && (photo.contentType ?? "image/jpeg") !== basePhoto.contentType)) {
    removeAll("photo");
    if (photo?.content) {
      const contentType = photo.contentType ?? "image/jpeg";
      appended.push(
        v4
          ? ["photo", {}, "uri", `data:${contentType};base64,${photo.content}`]
          : ["photo", { encoding: "b", type: (contentType.split("/")[1] ?? "jpeg").toUpperCase() }, "binary", photo.content],
      );
    }
  }

  for (const field of EWS_ONLY_FIELDS) {
    const value = item[field];
    if (value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) continue;
    if (field === "importance" && value === "Normal") continue;
    if (field === "sensitivity" && value === "Normal") continue;
    dropped.push({ property: field.charAt(0).toUpperCase() + field.slice(1), reason: "no vCard property", value: Array.isArray(value) ? value.join(",") : String(value) });
  }

  // Remove what went, and Apple labels left without their property.
  const kept = props.filter((_, index) => !removed.has(index));
  const liveGroups = new Set(kept.filter((property) => property[0] !== "x-ablabel").map(groupOf).filter((group): group is string => group !== null));
  card[1] = [...kept.filter((property) => property[0] !== "x-ablabel" || liveGroups.has(groupOf(property) ?? "")), ...appended];
  return { card, dropped };
}
