/**
 * Converting model values to EWS text and back, with input checks that name the item and field.
 * @module
 */
import { EwsInputError } from "../errors.js";

/** Where a value is being written, for error messages. */
export interface WriteContext {
  /** Describes the item (e.g. `CreateItem[3]`). */
  item: string;
}

const DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
const DATE = /^-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$/;
const DURATION = /^-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

/** Checks an `xs:dateTime`. */
export function dateTimeText(value: string, ctx: WriteContext, field: string): string {
  if (!DATE_TIME.test(value)) throw new EwsInputError(ctx.item, field, `"${value}" is not an xs:dateTime (e.g. 2026-01-31T09:00:00Z)`);
  return value;
}

/** Checks an `xs:date`. */
export function dateText(value: string, ctx: WriteContext, field: string): string {
  if (!DATE.test(value)) throw new EwsInputError(ctx.item, field, `"${value}" is not an xs:date (e.g. 2026-01-31)`);
  return value;
}

/** Checks an `xs:duration`. */
export function durationText(value: string, ctx: WriteContext, field: string): string {
  if (!DURATION.test(value)) throw new EwsInputError(ctx.item, field, `"${value}" is not an xs:duration (e.g. PT2H, -PT1H)`);
  return value;
}

/** Checks an `xs:int`. */
export function intText(value: number, ctx: WriteContext, field: string, min = -2147483648, max = 2147483647): string {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new EwsInputError(ctx.item, field, `${value} is not an integer in [${min}, ${max}]`);
  }
  return String(value);
}

/** Checks an `xs:double`. */
export function doubleText(value: number, ctx: WriteContext, field: string, min = -Infinity, max = Infinity): string {
  if (!Number.isFinite(value) || value < min || value > max) throw new EwsInputError(ctx.item, field, `${value} is not a number in [${min}, ${max}]`);
  return String(value);
}

/** Checks that a value is one of the allowed enumeration values. */
export function enumText<T extends string>(value: T, allowed: readonly string[], ctx: WriteContext, field: string): T {
  if (!allowed.includes(value)) throw new EwsInputError(ctx.item, field, `"${value}" is not one of ${allowed.join(", ")}`);
  return value;
}

/** Parses `true`/`false`/`1`/`0`. */
export function parseBoolean(text: string): boolean {
  const t = text.trim();
  return t === "true" || t === "1";
}

/** Parses a number, or `undefined` when not a number. */
export function parseNumber(text: string): number | undefined {
  const n = Number(text.trim());
  return text.trim() === "" || Number.isNaN(n) ? undefined : n;
}
