/**
 * Small helpers over jCard / jCal properties: parameter lists, PREF ranks, text values and the
 * Apple-style labels of property groups (`item1.X-ABLabel`).
 */
import { unescapeText } from "@ewsdav/vobject";
import type { JComponent, JProperty } from "./types.js";

/** The lower-cased values of a parameter, split on commas (`TYPE=WORK,VOICE;TYPE=pref` → work, voice, pref). */
export function paramList(property: JProperty, name: string): string[] {
  const value = property[1][name];
  if (value === undefined) return [];
  const out: string[] = [];
  for (const entry of Array.isArray(value) ? value : [value]) {
    for (const part of String(entry).split(",")) {
      const lower = part.trim().toLowerCase();
      if (lower !== "") out.push(lower);
    }
  }
  return out;
}

/** The TYPE values of a property, lower-cased. */
export function typesOf(property: JProperty): string[] {
  return paramList(property, "type");
}

/** Preference rank: PREF=n gives n, TYPE=pref gives 1, none gives 101 (lower is preferred). */
export function prefRank(property: JProperty): number {
  const pref = property[1].pref;
  if (pref !== undefined) {
    const n = Number.parseInt(Array.isArray(pref) ? String(pref[0]) : String(pref), 10);
    if (Number.isInteger(n) && n >= 1 && n <= 100) return n;
  }
  return typesOf(property).includes("pref") ? 1 : 101;
}

/** The first value of a property as text (multi-values joined with commas, structured with semicolons). */
export function textOf(property: JProperty): string {
  const values = property.slice(3);
  return values.map((value) => (Array.isArray(value) ? value.map((part) => (Array.isArray(part) ? part.map(scalarText).join(",") : scalarText(part))).join(";") : scalarText(value))).join(",");
}

/** Text of one jCard / jCal value; objects (RRULE values, made without a prototype by ical.js) as `KEY=value;…`. */
export function scalarText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return value.map(scalarText).join(",");
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .map(([key, entry]) => `${key.toUpperCase()}=${scalarText(entry)}`)
      .join(";");
  }
  return "";
}

/** Component `index` of a structured value, sub-values joined with commas. */
export function componentOf(property: JProperty, index: number): string {
  const value = property[3];
  if (!Array.isArray(value)) return index === 0 ? scalarText(value) : "";
  const part = value[index];
  if (Array.isArray(part)) return part.map(scalarText).join(",");
  return scalarText(part);
}

/** The group of a vCard property (`item1` of `item1.EMAIL`), lower-cased, or null. */
export function groupOf(property: JProperty): string | null {
  const group = property[1].group;
  return typeof group === "string" && group !== "" ? group.toLowerCase() : null;
}

/**
 * The Apple-style label of a grouped property: the value of `X-ABLABEL` in the same group, with
 * Apple's `_$!<Label>!$_` wrapper removed and lower-cased (`_$!<Spouse>!$_` → `spouse`).
 */
export function groupLabel(card: JComponent, property: JProperty): string | null {
  const group = groupOf(property);
  if (!group) return null;
  return labelsOf(card).get(group) ?? null;
}

// Labels by group, read once per card (cards with thousands of grouped properties stay linear).
const labelCache = new WeakMap<JComponent, Map<string, string>>();

function labelsOf(card: JComponent): Map<string, string> {
  let labels = labelCache.get(card);
  if (!labels) {
    labels = new Map();
    for (const property of card[1]) {
      const group = groupOf(property);
      if (property[0] !== "x-ablabel" || !group || labels.has(group)) continue;
      const text = textOf(property).trim();
      const apple = /^_\$!<(.*)>!\$_$/.exec(text);
      labels.set(group, (apple ? apple[1]! : text).toLowerCase());
    }
    labelCache.set(card, labels);
  }
  return labels;
}

/** Stable sort of property indexes by PREF rank, then by their order in the card. */
export function byPreference(card: JComponent, indexes: number[]): number[] {
  return [...indexes].sort((a, b) => prefRank(card[1][a]!) - prefRank(card[1][b]!) || a - b);
}

/** Indexes of the properties with one of the given names. */
export function indexesOf(card: JComponent, ...names: string[]): number[] {
  const wanted = new Set(names);
  const out: number[] = [];
  card[1].forEach((property, index) => {
    if (wanted.has(property[0])) out.push(index);
  });
  return out;
}

/** The text of a property, unescaped when ical.js left it raw (an X- property of unknown type). */
export function valueText(property: JProperty): string {
  return property[2] === "unknown" ? unescapeText(textOf(property)) : textOf(property);
}
