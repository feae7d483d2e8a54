/**
 * Normalised forms and content hashes of vCards and iCalendar objects. The normalised form ignores
 * what does not change the meaning of an object — PRODID, REV, DTSTAMP, LAST-MODIFIED, VERSION,
 * property order, line folding, the case and order of parameters and TYPE values, how a photo is
 * encoded (3.0 inline binary or 4.0 data URI) — so the engine can tell a real change from the echo
 * of its own write.
 *
 * The form is `@ewsdav/vobject`'s `normalForm` (the same walk, order, parameter text,
 * canonical JSON and hash as the engine's line-level normaliser); what this module adds are the
 * rules only the mappers know: the meaning of each property as ical.js reads it (jCard / jCal
 * values, so escapes, value types and RRULE parts compare by meaning, not spelling).
 */
import { canonicalJson, normalForms, normalParams, sha256, type NormalFormRules } from "@ewsdav/vobject";
import { readVObjects, type JComponent, type JProperty } from "./codec.js";

export { canonicalJson } from "@ewsdav/vobject";

const VCARD_IGNORED = new Set(["version", "prodid", "rev"]);
const ICALENDAR_IGNORED = new Set(["prodid", "dtstamp", "last-modified", "version", "calscale"]);
const BINARY_VCARD_PROPERTIES = new Set(["photo", "logo", "sound", "key"]);

/** SHA-256 (hex) of a normalised form: `@ewsdav/vobject`'s `sha256` under the mappers' name. */
export function hashNormalized(normalized: string): string {
  return sha256(normalized);
}

function paramValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((entry) => String(entry).split(","));
}

function trimTrailingEmpty(values: unknown[]): unknown[] {
  const copy = values.map((value) => (Array.isArray(value) ? trimTrailingEmpty(value) : value));
  while (copy.length > 0 && (copy[copy.length - 1] === "" || (Array.isArray(copy[copy.length - 1]) && (copy[copy.length - 1] as unknown[]).length === 0))) copy.pop();
  return copy;
}

const MEDIA_TYPES: Record<string, string> = { jpeg: "image/jpeg", jpg: "image/jpeg", png: "image/png", gif: "image/gif", bmp: "image/bmp", tiff: "image/tiff", webp: "image/webp" };

/** The media type a vCard 3.0 `TYPE=JPEG` names (`image/jpeg`), or the value itself when it is one. */
export function mediaTypeOf(typeParam: string | undefined): string {
  if (!typeParam) return "application/octet-stream";
  const lower = typeParam.toLowerCase();
  return lower.includes("/") ? lower : (MEDIA_TYPES[lower] ?? `image/${lower}`);
}

function normalizeVCardProperty(property: JProperty): string {
  const [name, params, , ...rawValues] = property;
  let values: unknown[] = rawValues;
  const normalizedParams: Record<string, string[]> = {};
  let pref = false;
  for (const [key, value] of Object.entries(params)) {
    if (key === "group" || key === "encoding") continue;
    let list = paramValues(value);
    if (key === "type") {
      list = list.map((entry) => entry.toLowerCase());
      if (list.includes("pref")) pref = true;
      list = list.filter((entry) => entry !== "pref" && entry !== "internet" && !(name === "tel" && entry === "voice"));
    }
    if (key === "pref") {
      pref = true;
      continue;
    }
    if (list.length > 0) normalizedParams[key] = [...new Set(list)].sort();
  }
  if (pref) normalizedParams.pref = ["1"];
  if (BINARY_VCARD_PROPERTIES.has(name) && typeof values[0] === "string" && !/^[a-z][a-z0-9+.-]*:/i.test(values[0])) {
    const mediaType = mediaTypeOf(normalizedParams.type?.[0]);
    values = [`data:${mediaType};base64,${values[0].replace(/\s+/g, "")}`];
    delete normalizedParams.type;
  } else if (BINARY_VCARD_PROPERTIES.has(name) && typeof values[0] === "string") {
    delete normalizedParams.mediatype;
  }
  if (name === "tel" && typeof values[0] === "string") values = [values[0].replace(/^tel:/i, "")];
  if (name === "note" || name === "fn" || name === "title" || name === "role") values = [values.map(String).join(",")];
  values = trimTrailingEmpty(values);
  const group = typeof params.group === "string" ? `${params.group.toLowerCase()}.` : "";
  return `${group}${name}${normalParams(normalizedParams)}:${canonicalJson(values)}`;
}

/**
 * The rules of {@link normalForms} over jCard / jCal components: lower-case markers (`begin:vcard`),
 * the `ignored` properties left out, each other property written by `propertyForm`.
 */
function jComponentRules(ignored: ReadonlySet<string>, propertyForm: (property: JProperty) => string): NormalFormRules<JComponent> {
  return {
    bounds: (component) => [`begin:${component[0]}`, `end:${component[0]}`],
    lines: (component) => component[1].filter((property) => !ignored.has(property[0])).map(propertyForm),
    children: (component) => component[2],
  };
}

const VCARD_RULES = jComponentRules(VCARD_IGNORED, normalizeVCardProperty);

/**
 * The normalised form of vCard text: one canonical line per property, sorted; cards sorted.
 * Lines the reader cannot parse are left out (they are not carried by the mappers either).
 */
export function normalizeVCard(text: string): string {
  const { components } = readVObjects(text, "vcard");
  return normalForms(
    components.filter((component) => component[0] === "vcard"),
    VCARD_RULES,
  );
}

/** SHA-256 (hex) of {@link normalizeVCard}: equal for vCards that differ only in what does not matter. */
export function vcardHash(text: string): string {
  return hashNormalized(normalizeVCard(text));
}

/** RRULE parts are sets: `BYDAY=WE,MO` means the same as `BYDAY=MO,WE`; a single value equals a one-element list. */
function sortRecurLists(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    out[key] = Array.isArray(entry) ? (entry.length === 1 ? String(entry[0]) : entry.map(String).sort()) : typeof entry === "number" ? String(entry) : entry;
  }
  return out;
}

function normalizeICalendarProperty(property: JProperty): string {
  const [name, params, , ...values] = property;
  const normalizedParams: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(params)) {
    const list = paramValues(value);
    if (list.length > 0) normalizedParams[key] = key === "tzid" ? list : [...new Set(list)].sort();
  }
  const canonicalValues = name === "categories" || name === "resources" ? values.map(String).sort() : values.map(sortRecurLists);
  return `${name}${normalParams(normalizedParams)}:${canonicalJson(canonicalValues)}`;
}

const ICALENDAR_RULES = jComponentRules(ICALENDAR_IGNORED, normalizeICalendarProperty);

/**
 * The normalised form of the components named `componentName` (e.g. `vtodo`) inside iCalendar
 * text: VTIMEZONE definitions and the calendar's own properties are left out (the TZID references
 * stay), properties and subcomponents (VALARM) are sorted.
 */
export function normalizeICalendarComponents(text: string, componentName: string): string {
  const { components } = readVObjects(text, "icalendar");
  const wanted: JComponent[] = [];
  for (const root of components) {
    if (root[0] === componentName) wanted.push(root);
    else for (const child of root[2]) if (child[0] === componentName) wanted.push(child);
  }
  return normalForms(wanted, ICALENDAR_RULES);
}

/** The normalised form of the VTODO(s) in iCalendar text (see {@link normalizeICalendarComponents}). */
export function normalizeVTodo(text: string): string {
  return normalizeICalendarComponents(text, "vtodo");
}

/** SHA-256 (hex) of {@link normalizeVTodo}. */
export function vtodoHash(text: string): string {
  return hashNormalized(normalizeVTodo(text));
}
