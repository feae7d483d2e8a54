/**
 * Content lines (RFC 5545 §3.1, RFC 6350 §3.2, RFC 2426 §2.6): unfolding, folding at 75 octets,
 * and reading one logical line `[group.]NAME[;PARAM=…]*:value` into its parts. Values stay raw
 * (escaped as on the wire); see `escape.ts` for text values.
 *
 * @module
 */
import { VObjectError } from "./errors.js";

/** One unfolded content line: `[group.]NAME[;PARAM=…]*:value`. */
export interface ContentLine {
  /** The property name in upper case, without its group (`EMAIL`, `DTSTART`, `X-ABLABEL`). */
  name: string;
  /** The vCard group (`item1`) or `null`. */
  group: string | null;
  /** The parameters as written, without the leading `;` (may be empty). */
  params: string;
  /** The raw value after the first unquoted colon. */
  value: string;
}

/**
 * Splits text into unfolded logical lines: CRLF, LF or a lone CR end a line; a line starting with
 * a space or tab continues the previous one (its first character removed); blank lines are dropped.
 */
export function unfold(text: string): string[] {
  const out: string[] = [];
  const physicals = text.includes("\r") ? text.split(/\r\n|\n|\r/) : text.split("\n");
  for (const physical of physicals) {
    const first = physical.charCodeAt(0);
    if ((first === 0x20 || first === 0x09) && out.length > 0) {
      out[out.length - 1] += physical.slice(1);
    } else if ((first > 0x20 && first < 0x7f) || (physical.length > 0 && physical.trim() !== "")) {
      out.push(physical);
    }
  }
  return out;
}

/**
 * Index of the first character of the value of a logical line (just after the first colon outside
 * double quotes), or -1 when the line has no such colon.
 */
export function valueStart(line: string): number {
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index];
    if (char === '"') quoted = !quoted;
    else if (char === ":" && !quoted) return index + 1;
  }
  return -1;
}

/**
 * Splits the head of a content line (or a parameter string) at semicolons outside double quotes:
 * `TEL;TYPE=work;PREF=1` → `TEL`, `TYPE=work`, `PREF=1`. An empty last part is kept.
 */
export function splitParams(head: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let current = "";
  for (const char of head) {
    if (char === '"') quoted = !quoted;
    if (char === ";" && !quoted) {
      parts.push(current);
      current = "";
    } else current += char;
  }
  parts.push(current);
  return parts;
}

/**
 * The property name of a logical line for messages: upper case, without its group, at most 64
 * characters; `(line)` when there is none. Never throws.
 */
export function propertyNameOf(line: string): string {
  const match = /^[^;:]*/.exec(line);
  const name = (match?.[0] ?? "").trim();
  const dot = name.lastIndexOf(".");
  return (dot >= 0 ? name.slice(dot + 1) : name).toUpperCase().slice(0, 64) || "(line)";
}

/** Reads one logical line; throws {@link VObjectError} when it has no colon or no name. */
export function parseContentLine(line: string, lineNumber: number | null = null): ContentLine {
  let inQuotes = false;
  let nameEnd = -1;
  let colon = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && c === ";" && nameEnd < 0) nameEnd = i;
    else if (!inQuotes && c === ":") {
      colon = i;
      break;
    }
  }
  if (colon < 0) throw new VObjectError(`no ':' in content line "${line.slice(0, 40)}"`, lineNumber);
  if (nameEnd < 0) nameEnd = colon;
  const fullName = line.slice(0, nameEnd);
  if (fullName.length === 0) throw new VObjectError("empty property name", lineNumber);
  const dot = fullName.lastIndexOf(".");
  return {
    name: (dot >= 0 ? fullName.slice(dot + 1) : fullName).toUpperCase(),
    group: dot >= 0 ? fullName.slice(0, dot) : null,
    params: nameEnd < colon ? line.slice(nameEnd + 1, colon) : "",
    value: line.slice(colon + 1),
  };
}

/** Writes one content line, unfolded. */
export function formatContentLine(line: ContentLine): string {
  return `${line.group ? `${line.group}.` : ""}${line.name}${line.params ? `;${line.params}` : ""}:${line.value}`;
}

/** UTF-8 length of the code point at `index` of `text` (a lone surrogate counts as 3, as its U+FFFD). */
function utf8Size(code: number): number {
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
}

/**
 * Folds a logical line so that no physical line is longer than 75 octets, the leading space of a
 * continuation line included, without splitting a UTF-8 sequence or a surrogate pair. Lines join
 * with CRLF and a space.
 */
export function fold(line: string): string {
  if (line.length <= 25 || Buffer.byteLength(line) <= 75) return line;
  const parts: string[] = [];
  let start = 0;
  let octets = 0;
  for (let index = 0; index < line.length; ) {
    const code = line.codePointAt(index)!;
    const size = utf8Size(code);
    const width = code > 0xffff ? 2 : 1;
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(line.slice(start, index));
      start = index;
      octets = 0;
    }
    octets += size;
    index += width;
  }
  parts.push(line.slice(start));
  return parts.join("\r\n ");
}
