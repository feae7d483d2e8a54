/**
 * Small helpers over jCal components and properties for the event mapper: finding properties,
 * reading text (ical.js leaves unknown X- properties escaped), and reading/writing DATE,
 * DATE-TIME and UTC values as local-time numbers.
 */
import { unescapeText } from "@ewsdav/vobject";
import type { JComponent, JProperty } from "../vobject/codec.js";
import { formatIsoDate, localMs } from "../timezone/clock.js";

export type { JComponent, JProperty };

/** The first property of a component with the given (lower-case) name. */
export function first(component: JComponent, name: string): JProperty | undefined {
  return component[1].find((property) => property[0] === name);
}

/** All properties of a component with the given name. */
export function all(component: JComponent, name: string): JProperty[] {
  return component[1].filter((property) => property[0] === name);
}

/** A parameter as one string (lists joined with commas), or undefined. */
export function param(property: JProperty, name: string): string | undefined {
  const value = property[1][name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(",") : String(value);
}


/** The text value of a property (first value), unescaped, or undefined. */
export function text(property: JProperty | undefined): string | undefined {
  if (!property) return undefined;
  const value = property[3];
  if (value === undefined || value === null) return undefined;
  const raw = String(value);
  return property[2] === "unknown" ? unescapeText(raw) : raw;
}

/** A time value of an event: a DATE, a UTC DATE-TIME, a DATE-TIME in a TZID, or a floating one. */
export type EventTime =
  | { kind: "date"; local: number }
  | { kind: "utc"; utc: number }
  | { kind: "zoned"; local: number; tzid: string }
  | { kind: "floating"; local: number };

/** Reads one jCal date / date-time string (with the property's TZID) into an {@link EventTime}. */
export function readTimeValue(value: unknown, tzid: string | undefined): EventTime | null {
  const raw = typeof value === "string" ? value : typeof value === "object" && value && "start" in value ? String((value as { start: unknown }).start) : String(value);
  const match = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z)?)?$/.exec(raw.trim());
  if (!match) return null;
  const local = localMs(Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4] ?? 0), Number(match[5] ?? 0), Number(match[6] ?? 0));
  if (match[4] === undefined) return { kind: "date", local };
  if (match[7]) return { kind: "utc", utc: local };
  if (tzid) return { kind: "zoned", local, tzid };
  return { kind: "floating", local };
}

/** Reads the first value of a date / date-time property. */
export function readTime(property: JProperty | undefined): EventTime | null {
  if (!property) return null;
  return readTimeValue(property[3], param(property, "tzid"));
}

/** jCal date-time text of a local-time number (`2026-03-01T09:00:00`), with `Z` when `utc`. */
export function jcalDateTime(ms: number, utc = false): string {
  return `${new Date(ms).toISOString().slice(0, 19)}${utc ? "Z" : ""}`;
}

/** jCal date text of a local-time number (`2026-03-01`). */
export function jcalDate(ms: number): string {
  return formatIsoDate(ms);
}

/** Marks a value {@link jsonCopy} leaves to `JSON.parse(JSON.stringify(…))` itself. */
const UNUSUAL = Symbol("unusual");

/**
 * What `JSON.parse(JSON.stringify(value))` gives, without the text in between (issue 16): arrays
 * (holes and unwritable entries as null), plain copies of objects (own enumerable keys in order,
 * unwritable values left out), finite numbers (-0 as 0, others as null). A value with `toJSON`, a
 * `__proto__` key, a bigint or an object that is neither plain nor an array (a boxed value, a class
 * instance) is handed back as {@link UNUSUAL}, for the round trip itself.
 */
function jsonCopy(value: unknown, inArray: boolean): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : null;
    case "undefined":
    case "function":
    case "symbol":
      return inArray ? null : undefined;
    case "bigint":
      return UNUSUAL;
    default:
      break;
  }
  if (value === null) return null;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return UNUSUAL;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let index = 0; index < value.length; index++) {
      const entry = jsonCopy(value[index], true);
      if (entry === UNUSUAL) return UNUSUAL;
      out[index] = entry;
    }
    return out;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return UNUSUAL; // boxed values, class instances
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value as object)) {
    if (key === "__proto__") return UNUSUAL;
    const entry = jsonCopy((value as Record<string, unknown>)[key], false);
    if (entry === UNUSUAL) return UNUSUAL;
    if (entry !== undefined) out[key] = entry;
  }
  return out;
}

/** A deep copy of jCal as its JSON reads back (see {@link jsonCopy}). */
function jsonClone<T>(value: T): T {
  const copy = jsonCopy(value, false);
  return (copy === UNUSUAL ? JSON.parse(JSON.stringify(value)) : copy) as T;
}

/** A deep copy of a jCal property (as its JSON reads back). */
export function cloneProperty(property: JProperty): JProperty {
  return jsonClone(property);
}

/** A deep copy of a jCal component (as its JSON reads back). */
export function cloneComponent(component: JComponent): JComponent {
  return jsonClone(component);
}
