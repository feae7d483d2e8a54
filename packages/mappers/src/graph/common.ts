/**
 * What the Graph mappers share: ewsdav's UID property in Graph's id syntax, the report of what a
 * Graph resource cannot hold (named by the vCard / iCalendar property on the way in and by the
 * Graph property on the way out), and the overlay of what Graph carries onto the basis's EWS
 * reading, so a render onto the basis leaves what Graph cannot hold as the basis had it.
 * @module
 */
import type { ExtendedProperty } from "@ewsdav/ews-client";
import type { GraphSingleValueExtendedProperty } from "@ewsdav/graph-client";
import { EWSDAV_UID_PROPERTY, ewsdavUidProperty } from "./../identity.js";
import type { DroppedProperty } from "../result.js";

/**
 * The id of ewsdav's UID property in Graph's `singleValueLegacyExtendedProperty` syntax
 * (`String {GUID} Name ewsdav-uid`): the same MAPI named property the EWS side writes
 * ({@link EWSDAV_UID_PROPERTY}), so one mailbox shows one UID over both protocols. The Graph side
 * asks for it with `$expand=singleValueExtendedProperties($filter=id eq '…')`.
 */
export const GRAPH_UID_PROPERTY_ID = `String {${EWSDAV_UID_PROPERTY.propertySetId}} Name ${EWSDAV_UID_PROPERTY.propertyName}`;

/** True when `id` names ewsdav's UID property (the GUID compared without case, as Exchange does). */
export function isGraphUidProperty(id: string): boolean {
  return id.trim().replace(/\s+/g, " ").toLowerCase() === GRAPH_UID_PROPERTY_ID.toLowerCase();
}

/** The ewsdav UID of a Graph resource's `singleValueExtendedProperties`, or null. */
export function readGraphUid(properties: readonly GraphSingleValueExtendedProperty[] | null | undefined): string | null {
  const found = properties?.find((property) => isGraphUidProperty(property.id));
  return found?.value ? found.value : null;
}

/** The `singleValueExtendedProperties` entry that stores `uid` (what the mapper sets on a write). */
export function graphUidProperty(uid: string): GraphSingleValueExtendedProperty {
  return { id: GRAPH_UID_PROPERTY_ID, value: uid };
}

/** The EWS model's extended properties for a Graph resource's UID (only ewsdav's UID travels). */
export function ewsExtendedOf(properties: readonly GraphSingleValueExtendedProperty[] | null | undefined, dropped: DroppedProperty[]): ExtendedProperty[] | undefined {
  const uid = readGraphUid(properties);
  for (const property of properties ?? []) {
    if (!isGraphUidProperty(property.id)) dropped.push({ property: `singleValueExtendedProperties[${property.id}]`, reason: "no vCard / iCalendar property for this extended property", value: property.value });
  }
  return uid === null ? undefined : [ewsdavUidProperty(uid)];
}

/** A Graph string: `null`, absent and `""` are all "no value". */
export function str(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === "" ? undefined : value;
}

/** Sets `target[key]` to `value`, or deletes it when `value` is undefined (no `undefined` members: exactOptionalPropertyTypes). */
export function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

/**
 * Spreads `values` over `keys`: a value the basis held under a key keeps that key (the same value,
 * compared by `same`), the others take the free keys in order. So a Graph list, which has no
 * slots, comes back in the slots the DAV text gave it (a lone home e-mail stays home), and without
 * a basis each value takes the slot of its position. Values past the keys are returned as `over`.
 */
export function slotted<V>(
  values: readonly V[],
  keys: readonly string[],
  basis: Readonly<Record<string, V | undefined>> | undefined,
  same: (a: V, b: V) => boolean,
): { slots: Record<string, V>; over: V[] } {
  const slots: Record<string, V> = {};
  const rest: V[] = [];
  for (const value of values) {
    const key = keys.find((k) => slots[k] === undefined && basis?.[k] !== undefined && same(basis[k]!, value));
    if (key) slots[key] = value;
    else rest.push(value);
  }
  const over: V[] = [];
  for (const value of rest) {
    const key = keys.find((k) => slots[k] === undefined);
    if (key) slots[key] = value;
    else over.push(value);
  }
  return { slots, over };
}

/**
 * `before` (the basis's EWS reading) with every field Graph carries taken from `mapped` (set when
 * `mapped` has it, removed when not), per entry for the dictionaries named in `indexed`; every
 * other field stays as the basis had it, so the EWS mapper's merge leaves it untouched.
 */
export function overlayGraphFields<T extends object>(before: T, mapped: T, plain: readonly string[], indexed: Readonly<Record<string, readonly string[]>>): T {
  const source = mapped as Record<string, unknown>;
  const after: Record<string, unknown> = { ...(before as Record<string, unknown>) };
  for (const key of plain) {
    if (source[key] === undefined) delete after[key];
    else after[key] = source[key];
  }
  for (const [key, entries] of Object.entries(indexed)) {
    const dictionary: Record<string, unknown> = { ...((after[key] as Record<string, unknown> | undefined) ?? {}) };
    const from = (source[key] as Record<string, unknown> | undefined) ?? {};
    for (const entry of entries) {
      if (from[entry] === undefined) delete dictionary[entry];
      else dictionary[entry] = from[entry];
    }
    if (Object.keys(dictionary).length === 0) delete after[key];
    else after[key] = dictionary;
  }
  return after as T;
}

/** Base64 of bytes, and bytes of base64 (the EWS model carries a photo's content as base64). */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** The bytes of base64 text. */
export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}
