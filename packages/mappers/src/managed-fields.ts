/**
 * Which EWS fields each mapping manages: the fields a vCard / iCalendar text decides when it is
 * written to Exchange. Everything else an Exchange item holds (OfficeLocation, Mileage, Companies,
 * Initials, a task's BillingInformation …) is Exchange's own: a write from the DAV side must leave
 * it as it is, never delete it because the text could not say it.
 *
 * One source of truth: the fields are read from the mapping rows' `ewsFields` (the rows
 * `docs/mapping.md` is generated from), supported and limited rows alike, plus the few fields a
 * mapping writes as a companion of another (FileAs with the display name, PostalAddressIndex with
 * ADR's PREF). A test checks that every field the mappers produce is in the list.
 *
 * @module
 */
import { CONTACT_MAPPING_ROWS } from "./contact/metadata.js";
import { EVENT_MAPPING_ROWS } from "./event/metadata.js";
import type { MappingRow } from "./result.js";
import { TASK_MAPPING_ROWS } from "./task/metadata.js";

/** The kinds of mapping. */
export type ManagedKind = "contact" | "event" | "task";

/**
 * One field a mapping manages: an item property (the camelCase name of the EWS model, e.g.
 * `officeLocation`), or one entry of an indexed field (`phoneNumbers` with index `BusinessPhone`,
 * i.e. `PhoneNumbers[BusinessPhone]`).
 */
export interface ManagedField {
  /** The property of the EWS item model (`displayName`, `emailAddresses` …). */
  key: string;
  /** For an indexed field (e-mail, phone, postal and IM addresses): the entry's key (`EmailAddress1`). */
  index?: string;
}

/** Indexed EWS fields (dictionaries), managed entry by entry. */
const INDEXED: ReadonlySet<string> = new Set(["phoneNumbers", "emailAddresses", "physicalAddresses", "imAddresses"]);

/** EWS field names of the rows that are not the model's property name in camelCase. */
const ALIASES: Readonly<Record<string, string>> = {
  "CompleteName/Title": "title",
  ExtendedProperty: "extendedProperties",
};

/** Fields a mapping writes together with another one, which no row names. */
const COMPANIONS: Readonly<Record<ManagedKind, readonly ManagedField[]>> = {
  contact: [{ key: "fileAs" }, { key: "postalAddressIndex" }],
  event: [],
  task: [],
};

/** Reads one `ewsFields` entry (`PhoneNumbers[BusinessPhone]`, `ImAddresses[ImAddress1..3]`, `Recurrence (Daily, …)`). */
function parseField(field: string): ManagedField[] {
  const spelled = field.replace(/\s*\(.*$/, "").trim();
  if (ALIASES[spelled]) return [{ key: ALIASES[spelled] }];
  const match = /^([A-Za-z]+)(?:\[([^\]]*)\])?$/.exec(spelled);
  if (!match) return [];
  const [, name, index] = match as unknown as [string, string, string | undefined];
  if (ALIASES[name]) return [{ key: ALIASES[name] }];
  const key = name === name.toUpperCase() ? name.toLowerCase() : name.charAt(0).toLowerCase() + name.slice(1);
  if (!INDEXED.has(key) || index === undefined) return [{ key }];
  const range = /^([A-Za-z]+)(\d+)\.\.(\d+)$/.exec(index);
  if (!range) return [{ key, index }];
  const out: ManagedField[] = [];
  for (let n = Number(range[2]); n <= Number(range[3]); n++) out.push({ key, index: `${range[1]}${n}` });
  return out;
}

function fromRows(kind: ManagedKind, rows: readonly MappingRow[]): readonly ManagedField[] {
  const seen = new Set<string>();
  const out: ManagedField[] = [];
  for (const field of [...rows.filter((row) => row.support !== "not-supported").flatMap((row) => row.ewsFields.flatMap(parseField)), ...COMPANIONS[kind]]) {
    const id = `${field.key}[${field.index ?? ""}]`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(field);
  }
  return Object.freeze(out);
}

/** The EWS fields each mapping manages (see the module notes). */
export const MANAGED_FIELDS: Readonly<Record<ManagedKind, readonly ManagedField[]>> = Object.freeze({
  contact: fromRows("contact", CONTACT_MAPPING_ROWS),
  event: fromRows("event", EVENT_MAPPING_ROWS),
  task: fromRows("task", TASK_MAPPING_ROWS),
});

/**
 * The item to write over `before` (the Exchange item as it is now) for a text mapped to `mapped`:
 * `before` with every field the mapping manages ({@link MANAGED_FIELDS}) taken from `mapped` — set
 * when `mapped` has it, removed when it does not (the text no longer says it) — and every other field
 * left as it is, so that an UpdateItem computed from `before` to the result never deletes what the
 * text cannot express. A field `mapped` sets that the list does not name is taken too. Pure: neither
 * argument is changed.
 */
export function overlayManagedFields<T extends object>(kind: ManagedKind, before: T, mapped: T): T {
  const source = mapped as Record<string, unknown>;
  const after: Record<string, unknown> = { ...(before as Record<string, unknown>) };
  for (const field of MANAGED_FIELDS[kind]) {
    if (field.index === undefined) {
      if (source[field.key] === undefined) delete after[field.key];
      else after[field.key] = source[field.key];
      continue;
    }
    const dictionary: Record<string, unknown> = { ...((after[field.key] as Record<string, unknown> | undefined) ?? {}) };
    const value = (source[field.key] as Record<string, unknown> | undefined)?.[field.index];
    if (value === undefined) delete dictionary[field.index];
    else dictionary[field.index] = value;
    if (Object.keys(dictionary).length === 0) delete after[field.key];
    else after[field.key] = dictionary;
  }
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined || MANAGED_FIELDS[kind].some((field) => field.key === key)) continue;
    after[key] = value;
  }
  return after as T;
}
