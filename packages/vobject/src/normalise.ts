/**
 * Normalisation for hashing and comparing: two texts that say the same thing give the same
 * canonical text, so echoes of one's own writes, ETags that change without content change and
 * identical items found on both sides are recognised without a write.
 *
 * One normal form, two depths. {@link normalForm} is the form itself — a component's canonical
 * lines sorted, its sub-components' forms sorted, between its first and last line — with the
 * pieces every normaliser shares ({@link canonicalJson}, {@link normalParams}, {@link sha256}).
 * {@link normaliseVObject} applies it at the line level (no property semantics: the engine's
 * default); the mappers apply it with the semantics of each property (value types, TYPE values,
 * photo encodings), which they read with ical.js.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { parseVObject, type Component } from "./component.js";
import { splitParams, type ContentLine } from "./lines.js";

/**
 * Properties that change on every save without saying anything new, ignored by
 * {@link normaliseVObject} (and by the engine's three-way merge). UID is here too: identity is
 * matched separately, and a UID written back to an item must not count as a content change.
 */
export const VOLATILE_PROPERTIES: ReadonlySet<string> = new Set(["PRODID", "REV", "DTSTAMP", "LAST-MODIFIED", "UID"]);

/** The parameters of a content line, split at unquoted semicolons (`TYPE=work;PREF=1` → two); `""` → none. */
export function paramsOf(params: string): string[] {
  const parts = splitParams(params);
  if (parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** The canonical form of one content line: upper-case names, sorted parameters, raw value. */
export function normalLine(line: ContentLine): string {
  const params = paramsOf(line.params)
    .map((p) => {
      const eq = p.indexOf("=");
      return eq < 0 ? p.toUpperCase() : `${p.slice(0, eq).toUpperCase()}=${p.slice(eq + 1)}`;
    })
    .sort();
  const group = line.group ? `${line.group.toLowerCase()}.` : "";
  return `${group}${line.name}${params.length ? `;${params.join(";")}` : ""}:${line.value}`;
}

/**
 * What {@link normalForm} needs to know of a tree of components `C` (a {@link Component}, a jCard
 * or jCal array, …): how each component opens and closes, the canonical lines of its own
 * properties, and its sub-components.
 */
export interface NormalFormRules<C> {
  /** The first and last line of `component` in the normal form, e.g. `["BEGIN:VCARD", "END:VCARD"]`. */
  bounds(component: C): readonly [string, string];
  /** One canonical line per property of `component` that counts (those that do not are left out), in any order. */
  lines(component: C): readonly string[];
  /** The sub-components of `component`, in any order. */
  children(component: C): readonly C[];
}

/**
 * The normal form of a component tree: its first line, its canonical property lines sorted, the
 * normal forms of its sub-components sorted, its last line, joined with LF. Equal forms mean the
 * same content whatever the order of properties and components.
 */
export function normalForm<C>(component: C, rules: NormalFormRules<C>): string {
  const [first, last] = rules.bounds(component);
  const lines = [...rules.lines(component)].sort();
  const children = rules.children(component).map((child) => normalForm(child, rules)).sort();
  return [first, ...lines, ...children, last].join("\n");
}

/** The normal form of several components side by side (the cards of a `.vcf`, the VTODOs of a calendar): each one's form, sorted, joined with LF. */
export function normalForms<C>(components: readonly C[], rules: NormalFormRules<C>): string {
  return components
    .map((component) => normalForm(component, rules))
    .sort()
    .join("\n");
}

/** The line-level rules of {@link normaliseVObject}: upper-case markers, {@link VOLATILE_PROPERTIES} left out, {@link normalLine}. */
const LINE_RULES: NormalFormRules<Component> = {
  bounds: (component) => [`BEGIN:${component.name}`, `END:${component.name}`],
  lines: (component) => component.lines.filter((l) => !VOLATILE_PROPERTIES.has(l.name)).map(normalLine),
  children: (component) => component.children,
};

/** The canonical form of a component: {@link VOLATILE_PROPERTIES} left out, lines and sub-components sorted ({@link normalForm} at the line level). */
export function normalComponent(component: Component): string {
  return normalForm(component, LINE_RULES);
}

/**
 * Canonical parameter text for a property's normal line: `;name=v1,v2` per parameter, names
 * sorted, each list as given (callers sort and de-duplicate the lists whose order does not matter);
 * parameters with an empty list are left out. `{ type: ["home", "work"] }` → `;type=home,work`.
 */
export function normalParams(params: Readonly<Record<string, readonly string[]>>): string {
  return Object.keys(params)
    .filter((name) => params[name]!.length > 0)
    .sort()
    .map((name) => `;${name}=${params[name]!.join(",")}`)
    .join("");
}

/** Canonical JSON: object keys sorted and `undefined` members left out, so equal values always serialise equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(",")}}`;
}

/**
 * The generic canonical text of a vobject: unfolded, {@link VOLATILE_PROPERTIES} ignored, and
 * property order, component order, parameter order and the case of names too. Throws
 * `VObjectError` when the text is not a vobject.
 */
export function normaliseVObject(text: string): string {
  return normalComponent(parseVObject(text));
}

/** SHA-256 (hex) of a text, as UTF-8. */
export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
