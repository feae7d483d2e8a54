/**
 * `@ewsdav/vobject`: vCard and iCalendar content lines for ewsdav — parsing, folding, text
 * escaping, UID extraction and normalisation; one toolkit for the engine and the mappers. Pure:
 * no I/O and no other ewsdav package.
 *
 * - Lines: {@link unfold}, {@link fold}, {@link parseContentLine}, {@link formatContentLine},
 *   {@link splitParams}, {@link valueStart}.
 * - Components: {@link parseVObject}, {@link serializeVObject}.
 * - Text values: {@link escapeText} / {@link unescapeText} for vCard 3.0, vCard 4.0 and iCalendar.
 * - Identity: {@link uidOf}, {@link uidOfText}, {@link findUid}, {@link withUid}, {@link modifiedOfText}.
 * - Comparing: {@link normaliseVObject}, {@link normalLine}, {@link VOLATILE_PROPERTIES}, {@link sha256}; the
 *   normal form with rules of one's own ({@link normalForm}, {@link normalForms}, {@link normalParams},
 *   {@link canonicalJson}), as the mappers' property-aware normalisers use it.
 *
 * @module
 */
export { VObjectError } from "./errors.js";
export { fold, formatContentLine, parseContentLine, propertyNameOf, splitParams, unfold, valueStart, type ContentLine } from "./lines.js";
export { parseVObject, serializeVObject, type Component } from "./component.js";
export { escapeText, escapesSemicolon, unescapeText, type EscapeOptions, type TextDialect } from "./escape.js";
export { findUid, modifiedOfText, UID_COMPONENTS, uidOf, uidOfText, withUid } from "./uid.js";
export {
  canonicalJson,
  normalComponent,
  normalForm,
  normalForms,
  normaliseVObject,
  normalLine,
  normalParams,
  paramsOf,
  sha256,
  VOLATILE_PROPERTIES,
  type NormalFormRules,
} from "./normalise.js";
