/**
 * The content-line codec shared by the contact and task mappers: a tolerant reader that splits
 * vCard / iCalendar text into components and lets ical.js parse each property on its own (so one
 * bad line is reported and skipped instead of losing the whole object), and a writer that
 * serialises jCard / jCal arrays back to text with the right design set for the version.
 */
import { escapeText, fold, propertyNameOf, splitParams, unescapeText, unfold, valueStart } from "@ewsdav/vobject";
import ICAL from "ical.js";
import { checkBudget, checkCount, currentLimits } from "../limits.js";
import { MapperError } from "../result.js";
import { scalarText } from "./properties.js";
import type { JComponent, JProperty } from "./types.js";

export type { JComponent, JProperty } from "./types.js";

/** The design sets the reader and writer use; see {@link designFor}. */
export type DesignName = "vcard3" | "vcard4" | "icalendar";

// ical.js' own design sets treat vCard 4.0 `uri` values as text and escape the comma of a data
// URI (`data:image/jpeg;base64\,…`), which other clients do not read back. Our vCard 4.0 design
// reads and writes URI values verbatim, as RFC 6350 §3.4 intends.
type DesignSet = ReturnType<typeof ICAL.design.getDesignSet>;

// Text escapes. ical.js reads `\;` as `;` only inside structured values (N, ADR, ORG) of a vCard,
// so `NOTE:a\;b` (the escape RFC 2426 §5 requires in vCard 3.0 and RFC 6350 §3.4 lets a reader
// accept in 4.0) kept its backslash, which the writer then escaped: each round trip added one.
// Our vCard text type reads and writes text values with @ewsdav/vobject's escaping: every escape
// read in every text value; the vCard 3.0 writer escapes `;` everywhere, the 4.0 writer only in
// structured values.
function vcardTextType(dialect: "vcard3" | "vcard4"): { matches: RegExp; fromICAL: (value: string) => string; toICAL: (value: string, structured?: string) => string } {
  return {
    matches: /.*/,
    fromICAL: (value) => unescapeText(value),
    toICAL: (value, structured) => escapeText(value, dialect, { structured: Boolean(structured) }),
  };
}

const baseVCard4 = ICAL.design.getDesignSet("vcard");
const VCARD4_DESIGN: DesignSet = { ...baseVCard4, value: { ...baseVCard4.value, uri: {}, text: vcardTextType("vcard4") } } as DesignSet;
const baseVCard3 = ICAL.design.getDesignSet("vcard3");
const VCARD3_DESIGN: DesignSet = { ...baseVCard3, value: { ...baseVCard3.value, text: vcardTextType("vcard3") } } as DesignSet;
const ICALENDAR_DESIGN: DesignSet = ICAL.design.getDesignSet("icalendar");

/** The ical.js design set for a version. */
export function designFor(name: DesignName): DesignSet {
  return name === "vcard4" ? VCARD4_DESIGN : name === "vcard3" ? VCARD3_DESIGN : ICALENDAR_DESIGN;
}

/** What {@link readVObjects} found: the top-level components and every line it had to skip. */
export interface ReadResult {
  /** The top-level components read (VCARDs, or VCALENDARs and bare components), in order. */
  components: JComponent[];
  /** One error per skipped line or repaired structure, naming the property and the reason. */
  problems: MapperError[];
  /**
   * The content line each property was read from (unfolded), keyed by the property's canonical
   * JSON: the writer emits a property that was not changed as it was written.
   */
  rawLines: RawLines;
}

/** Unfolded content lines of the properties of a text, by their canonical JSON. */
export type RawLines = Map<string, string>;

const MAX_DEPTH = 8;
/** Longest text the mappers read (a vCard with a large photo fits easily). */
export const MAX_TEXT_LENGTH = 20 * 1024 * 1024;

/** Unfolds content lines (CRLF, LF or CR endings; continuation lines start with a space or tab): `@ewsdav/vobject`'s `unfold`. */
export const unfoldLines: (text: string) => string[] = unfold;

function describe(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/\s+/g, " ").slice(0, 200);
  return String(error).slice(0, 200);
}

/**
 * Reads vCard or iCalendar text into jCard / jCal components. Never throws for bad lines: each
 * line ical.js cannot parse is skipped and reported in `problems`; an unclosed component is closed
 * at the end of the text. Throws {@link MapperError} `MALFORMED_TEXT` only when the input is not text.
 */
export function readVObjects(text: string, family: "vcard" | "icalendar"): ReadResult {
  return readVObjectsWith(text, family, true);
}

/**
 * {@link readVObjects}, with the raw lines only when `withRawLines` (a text read to be mapped, not
 * merged onto, needs none: the canonical JSON of every property is not computed for it).
 * @internal
 */
export function readVObjectsWith(text: string, family: "vcard" | "icalendar", withRawLines: boolean): ReadResult {
  if (typeof text !== "string") throw new MapperError("MALFORMED_TEXT", null, "input is not a string");
  if (text.length > MAX_TEXT_LENGTH) {
    throw new MapperError("MALFORMED_TEXT", null, `text longer than ${MAX_TEXT_LENGTH} characters`);
  }
  const unfolded = unfoldLines(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const limits = currentLimits();
  checkCount("content lines", unfolded.length, limits.maxLines, "content lines");
  const lines = family === "vcard" ? upgradeVCard21(unfolded) : unfolded;
  const problems: MapperError[] = [];
  const rawLines: RawLines = new Map();
  const roots: JComponent[] = [];
  const stack: JComponent[] = [];
  let design: DesignSet = family === "vcard" ? VCARD3_DESIGN : ICALENDAR_DESIGN;

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    checkBudget("content lines");
    const marker = /^\s*(BEGIN|END)\s*:\s*(.*?)\s*$/i.exec(line);
    if (marker) {
      const componentName = marker[2]!.toLowerCase();
      if (marker[1]!.toUpperCase() === "BEGIN") {
        if (stack.length >= MAX_DEPTH || componentName === "") {
          problems.push(new MapperError("MALFORMED_TEXT", `BEGIN:${componentName.toUpperCase()}`, "component nested too deeply or unnamed; skipped"));
          continue;
        }
        const component: JComponent = [componentName, [], []];
        if (stack.length === 0) {
          roots.push(component);
          if (family === "vcard") design = designFor(vcardVersionAhead(lines, index) === "4.0" ? "vcard4" : "vcard3");
        } else {
          stack[stack.length - 1]![2].push(component);
        }
        stack.push(component);
      } else {
        const at = findLastIndex(stack, (component) => component[0] === componentName);
        if (at < 0) {
          problems.push(new MapperError("MALFORMED_TEXT", `END:${componentName.toUpperCase()}`, "END without a matching BEGIN; ignored"));
          continue;
        }
        if (at !== stack.length - 1) {
          problems.push(new MapperError("MALFORMED_TEXT", `END:${componentName.toUpperCase()}`, "closes components that were never ended"));
        }
        stack.length = at;
      }
      continue;
    }
    const current = stack[stack.length - 1];
    if (!current) {
      problems.push(new MapperError("MALFORMED_TEXT", propertyNameOf(line), "property outside any component; skipped"));
      continue;
    }
    if (current[1].length >= limits.maxProperties) checkCount(current[0].toUpperCase(), current[1].length + 1, limits.maxProperties, "properties in one component");
    try {
      const parsed = parseLineCached(line, design);
      const property = parsed.property;
      if (!Array.isArray(property) || typeof property[0] !== "string" || property[0] === "") {
        throw new Error("no property name");
      }
      current[1].push(property);
      if (withRawLines) rawLines.set(parsed.json(), line);
    } catch (error) {
      problems.push(new MapperError("INVALID_VALUE", propertyNameOf(line), `cannot parse the line: ${describe(error)}`));
    }
  }
  for (const open of stack.reverse()) {
    problems.push(new MapperError("MALFORMED_TEXT", `BEGIN:${open[0].toUpperCase()}`, "component not ended before the end of the text"));
  }
  return { components: roots, problems, rawLines };
}

function decodeQuotedPrintable(value: string, charset: string): string {
  const bytes: number[] = [];
  for (let index = 0; index < value.length; index++) {
    const char = value[index]!;
    const hex = char === "=" ? /^[0-9A-Fa-f]{2}/.exec(value.slice(index + 1, index + 3)) : null;
    if (hex) {
      bytes.push(Number.parseInt(hex[0], 16));
      index += 2;
    } else if (char === "=" && index === value.length - 1) {
      // a soft line break left at the end
    } else {
      for (const byte of Buffer.from(char, "utf8")) bytes.push(byte);
    }
  }
  const buffer = Buffer.from(bytes);
  try {
    return new TextDecoder(/^utf-?8$/i.test(charset) || charset === "" ? "utf-8" : charset, { fatal: true }).decode(buffer);
  } catch {
    return buffer.toString("latin1");
  }
}

/**
 * vCard 2.1 (Outlook, old phones) read best-effort: bare parameters (`TEL;WORK;VOICE`) become
 * TYPE values, and QUOTED-PRINTABLE values (with their soft line breaks) are decoded.
 */
function upgradeVCard21(lines: string[]): string[] {
  const out: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index]!;
    // A line without parameters (no `;` before the first colon, no quote before it) stays as it is.
    const colon = line.indexOf(":");
    if (colon < 0) {
      out.push(line);
      continue;
    }
    const semicolon = line.indexOf(";");
    const quote = line.indexOf('"');
    if ((semicolon < 0 || semicolon > colon) && (quote < 0 || quote > colon)) {
      out.push(line);
      continue;
    }
    const start = valueStart(line);
    if (start <= 0) {
      out.push(line);
      continue;
    }
    const params = splitParams(line.slice(0, start - 1));
    const bare = params.slice(1).some((param) => !param.includes("="));
    const quotedPrintable = params.slice(1).some((param) => /^encoding=quoted-printable$/i.test(param.trim()) || /^quoted-printable$/i.test(param.trim()));
    if (!bare && !quotedPrintable) {
      out.push(line);
      continue;
    }
    if (quotedPrintable) {
      while (line.endsWith("=") && index + 1 < lines.length) line = line.slice(0, -1) + lines[++index]!;
    }
    const charset = params.find((param) => /^charset=/i.test(param))?.slice(8) ?? "utf-8";
    const kept = [params[0]!];
    for (const param of params.slice(1)) {
      const trimmed = param.trim();
      if (/^(encoding=)?quoted-printable$/i.test(trimmed) || /^charset=/i.test(trimmed)) continue;
      if (/^(encoding=)?(8bit|7bit)$/i.test(trimmed)) continue;
      kept.push(trimmed.includes("=") ? trimmed : `TYPE=${trimmed}`);
    }
    let value = line.slice(start);
    if (quotedPrintable) value = decodeQuotedPrintable(value, charset).replace(/\r\n|\r|\n/g, "\\n");
    out.push(`${kept.join(";")}:${value}`);
  }
  return out;
}

// ical.js splits multi-valued and structured values on `,` / `;` even after an escaped backslash
// (`a\\,b` is two values `a\` and `b`, not `a\,b`). An escaped backslash is swapped for a
// noncharacter before ical.js reads the line and swapped back afterwards (one the line does not
// hold, so a value that contains the noncharacter itself keeps it).
function standInFor(line: string): string | null {
  for (let code = 0xfdd0; code <= 0xfdef; code++) {
    const candidate = String.fromCharCode(code);
    if (!line.includes(candidate)) return candidate;
  }
  return null;
}

function restoreBackslashes(value: unknown, standIn: string, replacement: string): unknown {
  if (typeof value === "string") return value.includes(standIn) ? value.split(standIn).join(replacement) : value;
  if (Array.isArray(value)) return value.map((entry) => restoreBackslashes(entry, standIn, replacement));
  return value;
}

// Lines recur from object to object (VERSION, PRODID, the VTIMEZONE of a zone, STATUS, TRANSP …):
// each design keeps the properties of the short lines it parsed last, and a line met again is
// answered with a copy (the callers change the properties they are given). Parsing a line depends
// on the line and the design only, so a copy is what parsing it again would give.
const LINE_CACHE_ENTRIES = 4096;
const LINE_CACHE_LENGTH = 240;
interface CachedLine {
  property: JProperty;
  json: string | null;
}
const lineCaches = new WeakMap<DesignSet, Map<string, CachedLine>>();

/** A deep copy of a parsed value: arrays, and objects with the same prototype and own keys. */
function copyParsed<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyParsed) as T;
  if (value !== null && typeof value === "object") {
    const copy = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
    for (const key of Object.keys(value)) copy[key] = copyParsed((value as Record<string, unknown>)[key]);
    return copy as T;
  }
  return value;
}

/** {@link parsePropertyLine} through the line cache, with the property's canonical JSON (computed once per line). */
function parseLineCached(line: string, design: DesignSet): { property: JProperty; json: () => string } {
  if (line.length > LINE_CACHE_LENGTH || line.includes("__proto__")) {
    const property = parsePropertyLine(line, design);
    return { property, json: () => JSON.stringify(property) };
  }
  let cache = lineCaches.get(design);
  if (!cache) lineCaches.set(design, (cache = new Map()));
  let entry = cache.get(line);
  if (!entry) {
    const parsed = parsePropertyLine(line, design);
    if (cache.size >= LINE_CACHE_ENTRIES) cache.clear();
    entry = { property: copyParsed(parsed), json: null };
    cache.set(line, entry);
    const kept = entry;
    return { property: parsed, json: () => (kept.json ??= JSON.stringify(kept.property)) };
  }
  const kept = entry;
  return { property: copyParsed(kept.property), json: () => (kept.json ??= JSON.stringify(kept.property)) };
}

function parsePropertyLine(line: string, design: DesignSet): JProperty {
  const start = valueStart(line);
  const standIn = start > 0 && line.includes("\\\\", start) ? standInFor(line) : null;
  const guarded = standIn !== null ? line.slice(0, start) + line.slice(start).split("\\\\").join(standIn) : line;
  const property = ICAL.parse.property(guarded, design) as unknown as JProperty | undefined;
  if (!Array.isArray(property) || typeof property[0] !== "string" || property[0] === "") throw new Error("no property name");
  const recur = property[0] === "rrule" || property[0] === "exrule";
  // VALUE=RECUR (or PERIOD) on any other property gives objects; they are read as their text.
  const values = recur ? property.slice(3) : property.slice(3).map(flattenObjects);
  if (guarded === line) return [property[0], property[1], property[2], ...values] as JProperty;
  const unescapes = property[2] === "text" || property[2] === "phone-number";
  const replacement = unescapes ? "\\" : "\\\\";
  return [property[0], property[1], property[2], ...values.map((value) => restoreBackslashes(value, standIn!, replacement))] as JProperty;
}

function flattenObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(flattenObjects);
  if (value !== null && typeof value === "object") return scalarText(value);
  return value;
}

function findLastIndex<T>(items: T[], predicate: (item: T) => boolean): number {
  for (let index = items.length - 1; index >= 0; index--) if (predicate(items[index]!)) return index;
  return -1;
}

function vcardVersionAhead(lines: string[], begin: number): string | null {
  for (let index = begin + 1; index < lines.length; index++) {
    const line = lines[index]!;
    if (/^\s*(BEGIN|END)\s*:/i.test(line)) return null;
    const match = /^(?:[^.:;]+\.)?VERSION\s*(?:;[^:]*)?:\s*(.*?)\s*$/i.exec(line);
    if (match) return match[1]!;
  }
  return null;
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
/** A value {@link writable} changes: one with CR or another control character (CR is U+000D). */
const NEEDS_CLEANING = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/**
 * Makes a value writable: a content line cannot hold CR or other control characters (RFC 5545
 * §3.1, RFC 6350 §3.3), so CR LF and lone CR become LF (written as `\n`) and the rest are removed.
 */
function writable(value: unknown): unknown {
  if (typeof value === "string") return NEEDS_CLEANING.test(value) ? value.replace(/\r\n?/g, "\n").replace(CONTROL, "") : value;
  if (Array.isArray(value)) return value.map(writable);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, entry]) => [key, writable(entry)]));
  }
  return value;
}

/** Serialises one property to a folded content line (no line ending). */
export function writeProperty(property: JProperty, design: DesignName): string {
  const params: Record<string, unknown> = {};
  for (const key of Object.keys(property[1])) params[key] = writable(property[1][key]);
  const clean: unknown[] = [property[0], params, property[2]];
  for (let index = 3; index < property.length; index++) clean.push(writable(property[index]));
  // Values ical.js does not escape (URIs, X- properties) must not break the line either.
  const line = ICAL.stringify.property(clean as never, designFor(design), true).replace(/\n/g, "\\n");
  return fold(line);
}

/**
 * Serialises a component (and its subcomponents) to text with CRLF line endings and a final CRLF.
 * With `rawLines` (from {@link readVObjects} of the base), unchanged properties are written as read.
 */
export function writeComponent(component: JComponent, design: DesignName, rawLines?: RawLines): string {
  const out: string[] = [];
  const walk = (node: JComponent): void => {
    out.push(`BEGIN:${node[0].toUpperCase()}`);
    for (const property of node[1]) {
      // A property the mapper did not touch keeps the exact spelling it was read with.
      const raw = rawLines?.get(JSON.stringify(property));
      out.push(raw === undefined ? writeProperty(property, design) : fold(raw));
    }
    for (const child of node[2]) walk(child);
    out.push(`END:${node[0].toUpperCase()}`);
  };
  walk(component);
  return out.join("\r\n") + "\r\n";
}

/** The design a parsed vCard was read with, from its VERSION property. */
export function vcardDesignOf(card: JComponent): "vcard3" | "vcard4" {
  const version = card[1].find((property) => property[0] === "version");
  return version && String(version[3]).trim() === "4.0" ? "vcard4" : "vcard3";
}
