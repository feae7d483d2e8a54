/**
 * Normalisation for hashing and comparing: two texts that say the same thing give the same
 * canonical text, so echoes of one's own writes, ETags that change without content change and
 * identical items found on both sides are recognised without a write. Property semantics are not
 * known here (the mappers' normalisers know them); this is the generic line-level form.
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

/** The canonical form of a component: {@link VOLATILE_PROPERTIES} left out, lines and sub-components sorted. */
export function normalComponent(component: Component): string {
  const lines = component.lines
    .filter((l) => !VOLATILE_PROPERTIES.has(l.name))
    .map(normalLine)
    .sort();
  const children = component.children.map(normalComponent).sort();
  return [`BEGIN:${component.name}`, ...lines, ...children, `END:${component.name}`].join("\n");
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
