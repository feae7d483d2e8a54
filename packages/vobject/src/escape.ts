/**
 * Text values (vCard 3.0: RFC 2426 §5; vCard 4.0: RFC 6350 §3.4; iCalendar: RFC 5545 §3.3.11):
 * one escaper and one unescaper, with the differences between the three as a parameter.
 *
 * - Every dialect escapes backslash, comma and newline (`\\`, `\,`, `\n`); CR LF and a lone CR
 *   are newlines too.
 * - Semicolon: vCard 3.0 and iCalendar escape it in every text value (their SAFE-CHAR / TSAFE-CHAR
 *   exclude it); vCard 4.0 only inside a structured value (N, ADR, ORG, GENDER …), where `;`
 *   separates the components — its TEXT-CHAR allows a bare `;`.
 * - Reading accepts every escape of the three (`\\ \; \, \n \N`) in every dialect, so a value
 *   written by a stricter writer reads back unchanged; an unknown escape keeps its backslash.
 *
 * @module
 */

/** Which text rules apply: vCard 3.0, vCard 4.0 or iCalendar. */
export type TextDialect = "vcard3" | "vcard4" | "icalendar";

/** Options of {@link escapeText}. */
export interface EscapeOptions {
  /**
   * The value is one component of a structured value (or a value whose `;` is significant, such as
   * an X- property written verbatim): `;` is escaped in every dialect. Default `false`.
   */
  structured?: boolean;
}

const ESCAPES_WITH_SEMICOLON = /[\\;,\n]/g;
const ESCAPES_WITHOUT_SEMICOLON = /[\\,\n]/g;
const UNESCAPE = /\\([\\;,nN])/g;

/** Whether `;` is escaped in a text value of this dialect. */
export function escapesSemicolon(dialect: TextDialect, options: EscapeOptions = {}): boolean {
  return dialect !== "vcard4" || options.structured === true;
}

/** Escapes a text value for `dialect` (see the module notes); CR LF and lone CR are written as `\n`. */
export function escapeText(text: string, dialect: TextDialect, options: EscapeOptions = {}): string {
  const normalised = text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
  const pattern = escapesSemicolon(dialect, options) ? ESCAPES_WITH_SEMICOLON : ESCAPES_WITHOUT_SEMICOLON;
  return normalised.replace(pattern, (char) => (char === "\n" ? "\\n" : `\\${char}`));
}

/** Reads an escaped text value: `\\ \; \, \n \N` in any dialect; other backslashes stay. */
export function unescapeText(text: string): string {
  if (!text.includes("\\")) return text;
  return text.replace(UNESCAPE, (_, char: string) => (char === "n" || char === "N" ? "\n" : char));
}
