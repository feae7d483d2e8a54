/**
 * A contact record (EWS element tree) as Graph's `contact` resource, and a Graph request body onto
 * the record: the same mailbox answers EWS and Graph. The correspondence follows the two services'
 * documentation of the same Outlook properties (givenName ↔ GivenName, homePhones ↔ PhoneNumbers
 * HomePhone/HomePhone2, personalNotes ↔ the item body …).
 */
import { el, type ItemRecord, type XmlElement } from "@ewsdav/ews-simulator";
import { badValue, GraphSimError, unknownProperty } from "./errors.js";
import { extendedElement } from "./extended-properties.js";

/** Simple string properties: Graph name → EWS element. */
const STRINGS: Record<string, string> = {
  assistantName: "AssistantName", businessHomePage: "BusinessHomePage", companyName: "CompanyName", department: "Department",
  displayName: "DisplayName", fileAs: "FileAs", generation: "Generation", givenName: "GivenName", initials: "Initials",
  jobTitle: "JobTitle", manager: "Manager", middleName: "MiddleName", nickName: "Nickname", officeLocation: "OfficeLocation",
  profession: "Profession", spouseName: "SpouseName", surname: "Surname", yomiGivenName: "PhoneticFirstName", yomiSurname: "PhoneticLastName",
};
/** String collections kept as `<X><String>…</String></X>`. */
const STRING_LISTS: Record<string, string> = { children: "Children", categories: "Categories" };
/** Phone collections: Graph name → PhoneNumbers keys. */
const PHONES: Record<string, string[]> = { homePhones: ["HomePhone", "HomePhone2"], businessPhones: ["BusinessPhone", "BusinessPhone2"] };
const ADDRESSES: Record<string, string> = { homeAddress: "Home", businessAddress: "Business", otherAddress: "Other" };
const ADDRESS_FIELDS: Record<string, string> = { street: "Street", city: "City", state: "State", countryOrRegion: "CountryOrRegion", postalCode: "PostalCode" };
const EMAIL_KEYS = ["EmailAddress1", "EmailAddress2", "EmailAddress3"];
const IM_KEYS = ["ImAddress1", "ImAddress2", "ImAddress3"];
/** PidTagDisplayNamePrefix: the contact's title, which EWS has no element for. */
const TITLE_TAG = { type: "String", id: 0x3a45 };
const TITLE_KEY = extendedElement(TITLE_TAG, "").key;
/** Read-only properties Graph ignores in a request body. */
const READ_ONLY = new Set(["id", "changeKey", "createdDateTime", "lastModifiedDateTime", "parentFolderId"]);
/** Properties of the CSDL the simulator does not store: refused rather than dropped. */
const NOT_STORED = new Set(["yomiCompanyName", "primaryEmailAddress", "secondaryEmailAddress", "tertiaryEmailAddress", "photo", "extensions", "multiValueExtendedProperties"]);

const entries = (props: Map<string, XmlElement>, name: string) => props.get(name)?.children ?? [];
const entryText = (props: Map<string, XmlElement>, name: string, key: string) => entries(props, name).find((e) => e.attrs.Key === key)?.text;

/** The Graph representation of a contact record (every property, as Graph returns them without `$select`). */
export function contactToGraph(item: ItemRecord, ids: { id: string; parentFolderId: string; changeKey: string }): Record<string, unknown> {
  const p = item.props;
  const out: Record<string, unknown> = {
    id: ids.id,
    createdDateTime: new Date(item.created).toISOString().replace(/\.\d+Z$/, "Z"),
    lastModifiedDateTime: new Date(item.modified).toISOString().replace(/\.\d+Z$/, "Z"),
    changeKey: ids.changeKey,
    categories: entries(p, "Categories").map((c) => c.text),
    parentFolderId: ids.parentFolderId,
    birthday: p.get("Birthday")?.text ?? null,
  };
  for (const [graph, ews] of Object.entries(STRINGS)) out[graph] = p.get(ews)?.text ?? null;
  out.title = item.extended.get(TITLE_KEY)?.children.find((c) => c.name === "Value")?.text ?? null;
  out.personalNotes = p.get("Body")?.text ?? null;
  out.children = entries(p, "Children").map((c) => c.text);
  out.imAddresses = IM_KEYS.map((k) => entryText(p, "ImAddresses", k)).filter((v): v is string => v !== undefined);
  for (const [graph, keys] of Object.entries(PHONES)) out[graph] = keys.map((k) => entryText(p, "PhoneNumbers", k)).filter((v): v is string => v !== undefined);
  out.mobilePhone = entryText(p, "PhoneNumbers", "MobilePhone") ?? null;
  out.emailAddresses = EMAIL_KEYS.flatMap((k) => {
    const e = entries(p, "EmailAddresses").find((x) => x.attrs.Key === k);
    return e ? [{ name: e.attrs.Name ?? e.text, address: e.text }] : [];
  });
  for (const [graph, key] of Object.entries(ADDRESSES)) {
    const e = entries(p, "PhysicalAddresses").find((x) => x.attrs.Key === key);
    const address: Record<string, string> = {};
    for (const [g, ews] of Object.entries(ADDRESS_FIELDS)) {
      const v = e?.children.find((c) => c.name === ews)?.text;
      if (v !== undefined) address[g] = v;
    }
    out[graph] = address;
  }
  return out;
}

function stringOrNull(name: string, v: unknown): string | null {
  if (v === null || typeof v === "string") return v;
  throw badValue(name, "Edm.String");
}

function stringList(name: string, v: unknown, max?: number): string[] {
  if (v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw badValue(name, "Collection(Edm.String)");
  if (max !== undefined && v.length > max) throw new GraphSimError(400, "ErrorInvalidArgument", `${name} holds at most ${max} values.`);
  return v as string[];
}

/** Replaces the entries of a dictionary property whose keys are in `keys` with `replacement`, keeping the others. */
function setEntries(props: Map<string, XmlElement>, name: string, keys: readonly string[], replacement: XmlElement[]): void {
  const kept = entries(props, name).filter((e) => !keys.includes(e.attrs.Key ?? ""));
  const all = [...kept, ...replacement];
  if (all.length === 0) props.delete(name);
  else props.set(name, el(name, {}, all));
}

/**
 * Applies a Graph contact body (a create or a PATCH) to a copy of a record's properties and
 * extended properties, checking every property against the contact type first. PATCH semantics:
 * a property given replaces the stored value (a collection replaces the whole collection), `null`
 * clears it, a property not given is left alone.
 */
export function applyGraphContact(
  body: Record<string, unknown>,
  props: Map<string, XmlElement>,
  extended: Map<string, XmlElement>,
  extendedProperties: (value: unknown) => Array<{ key: string; element: XmlElement }>,
): void {
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith("@odata.") || READ_ONLY.has(name)) continue;
    if (name in STRINGS) {
      const v = stringOrNull(name, value);
      if (v === null || v === "") props.delete(STRINGS[name]!);
      else props.set(STRINGS[name]!, el(STRINGS[name]!, {}, v));
    } else if (name in STRING_LISTS) {
      const v = stringList(name, value);
      if (v.length === 0) props.delete(STRING_LISTS[name]!);
      else props.set(STRING_LISTS[name]!, el(STRING_LISTS[name]!, {}, v.map((s) => el("String", {}, s))));
    } else if (name in PHONES) {
      const keys = PHONES[name]!;
      const v = stringList(name, value, keys.length);
      setEntries(props, "PhoneNumbers", keys, v.map((s, i) => el("Entry", { Key: keys[i] }, s)));
    } else if (name === "mobilePhone") {
      const v = stringOrNull(name, value);
      setEntries(props, "PhoneNumbers", ["MobilePhone"], v ? [el("Entry", { Key: "MobilePhone" }, v)] : []);
    } else if (name === "imAddresses") {
      const v = stringList(name, value, IM_KEYS.length);
      setEntries(props, "ImAddresses", IM_KEYS, v.map((s, i) => el("Entry", { Key: IM_KEYS[i] }, s)));
    } else if (name === "emailAddresses") {
      if (value !== null && !Array.isArray(value)) throw badValue(name, "Collection(microsoft.graph.emailAddress)");
      const list = (value ?? []) as unknown[];
      if (list.length > EMAIL_KEYS.length) throw new GraphSimError(400, "ErrorInvalidArgument", "A contact holds at most 3 email addresses.");
      const made = list.map((entry, i) => {
        if (typeof entry !== "object" || entry === null) throw badValue(name, "microsoft.graph.emailAddress");
        for (const k of Object.keys(entry)) if (k !== "name" && k !== "address" && !k.startsWith("@odata.")) throw unknownProperty(k, "emailAddress");
        const { address, name: display } = entry as { address?: unknown; name?: unknown };
        if (typeof address !== "string" || (display !== undefined && display !== null && typeof display !== "string")) throw badValue(name, "microsoft.graph.emailAddress");
        return el("Entry", { Key: EMAIL_KEYS[i], Name: typeof display === "string" ? display : undefined }, address);
      });
      setEntries(props, "EmailAddresses", EMAIL_KEYS, made);
    } else if (name in ADDRESSES) {
      const key = ADDRESSES[name]!;
      if (value !== null && (typeof value !== "object" || Array.isArray(value))) throw badValue(name, "microsoft.graph.physicalAddress");
      const fields = Object.entries((value ?? {}) as Record<string, unknown>).filter(([k]) => !k.startsWith("@odata."));
      const children: XmlElement[] = [];
      for (const [g, ews] of Object.entries(ADDRESS_FIELDS)) {
        const f = fields.find(([k]) => k === g);
        if (f && f[1] !== null && f[1] !== "") children.push(el(ews, {}, stringOrNull(`${name}/${g}`, f[1])!));
      }
      const unknown = fields.find(([k]) => !(k in ADDRESS_FIELDS));
      if (unknown) throw unknownProperty(unknown[0], "physicalAddress");
      setEntries(props, "PhysicalAddresses", [key], children.length ? [el("Entry", { Key: key }, children)] : []);
    } else if (name === "birthday") {
      const v = stringOrNull(name, value);
      if (v === null) props.delete("Birthday");
      else if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(Date.parse(v))) throw badValue(name, "Edm.DateTimeOffset");
      else props.set("Birthday", el("Birthday", {}, new Date(v).toISOString().replace(/\.\d+Z$/, "Z")));
    } else if (name === "personalNotes") {
      const v = stringOrNull(name, value);
      if (v === null || v === "") props.delete("Body");
      else props.set("Body", el("Body", { BodyType: "Text" }, v));
    } else if (name === "title") {
      const v = stringOrNull(name, value);
      if (v === null || v === "") extended.delete(TITLE_KEY);
      else extended.set(TITLE_KEY, extendedElement(TITLE_TAG, v).element);
    } else if (name === "singleValueExtendedProperties") {
      for (const { key, element } of extendedProperties(value)) extended.set(key, element);
    } else if (NOT_STORED.has(name)) {
      throw new GraphSimError(501, "NotImplemented", `The simulator does not store the contact property '${name}'.`);
    } else {
      throw unknownProperty(name, "contact");
    }
  }
}

/** The display name Outlook computes for a new contact without one: given name and surname. */
export function computedDisplayName(props: Map<string, XmlElement>): string | undefined {
  const parts = ["GivenName", "MiddleName", "Surname"].map((n) => props.get(n)?.text).filter((s): s is string => !!s);
  return parts.length ? parts.join(" ") : undefined;
}
