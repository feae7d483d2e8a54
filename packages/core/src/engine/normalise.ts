/**
 * Normalisation and hashing: two texts that say the same thing hash the same, so echoes of our
 * own writes, ETags that change without content change and identical items found on both sides
 * at the first sync are recognised without a write.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { CollectionKind } from "./side.js";
import { parseVObject, type Component, type ContentLine } from "./vobject.js";

/** Turns a vobject text into a canonical text; equal canonical texts mean "same content". */
export type Normaliser = (text: string) => string;

/** Normalisers per collection kind; the host passes the mappers' normalisers here. */
export type NormaliserByKind = Partial<Record<CollectionKind, Normaliser>>;

/**
 * Properties that change on every save without saying anything new, ignored by the default
 * normaliser and by the three-way merge. UID is here too: identity is matched separately, and a
 * UID written back to an item (a tag) must not count as a content change.
 */
export const VOLATILE_PROPERTIES: ReadonlySet<string> = new Set(["PRODID", "REV", "DTSTAMP", "LAST-MODIFIED", "UID"]);

/** Splits a parameter string at unquoted semicolons (`TYPE=work;PREF=1` → two parameters). */
export function splitParams(params: string): string[] {
  const out: string[] = [];
  let current = "";
  let inQuotes = false;
  for (const ch of params) {
    if (ch === '"') inQuotes = !inQuotes;
    if (ch === ";" && !inQuotes) {
      out.push(current);
      current = "";
    } else current += ch;
  }
  if (current) out.push(current);
  return out;
}

/** The canonical form of one content line: upper-case names, sorted parameters, raw value. */
export function normalLine(line: ContentLine): string {
  const params = splitParams(line.params)
    .map((p) => {
      const eq = p.indexOf("=");
      return eq < 0 ? p.toUpperCase() : `${p.slice(0, eq).toUpperCase()}=${p.slice(eq + 1)}`;
    })
    .sort();
  const group = line.group ? `${line.group.toLowerCase()}.` : "";
  return `${group}${line.name}${params.length ? `;${params.join(";")}` : ""}:${line.value}`;
}

function normalComponent(component: Component): string {
  const lines = component.lines
    .filter((l) => !VOLATILE_PROPERTIES.has(l.name))
    .map(normalLine)
    .sort();
  const children = component.children.map(normalComponent).sort();
  return [`BEGIN:${component.name}`, ...lines, ...children, `END:${component.name}`].join("\n");
}

/**
 * The default normaliser: unfolds, ignores {@link VOLATILE_PROPERTIES}, property and component
 * order, parameter order and the case of names. It knows no property semantics (a mapper's
 * normaliser can do better, e.g. equate `TEL;TYPE=cell` and `TEL;TYPE=CELL`).
 */
export const defaultNormaliser: Normaliser = (text) => normalComponent(parseVObject(text));

/** SHA-256 (hex) of a text. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The content hash of an item: SHA-256 of its normalised text. */
export function hashItem(normalise: Normaliser, text: string): string {
  return sha256(normalise(text));
}
