/**
 * Normalisation and hashing: two texts that say the same thing hash the same, so echoes of our
 * own writes, ETags that change without content change and identical items found on both sides
 * at the first sync are recognised without a write. The line-level form is `@ewsdav/vobject`'s;
 * this module adds the engine's per-kind normaliser choice and the item hash.
 *
 * @module
 */
import { normaliseVObject, sha256 } from "@ewsdav/vobject";
import type { CollectionKind } from "./side.js";

export { normalLine, paramsOf as splitParams, sha256, VOLATILE_PROPERTIES } from "@ewsdav/vobject";

/** Turns a vobject text into a canonical text; equal canonical texts mean "same content". */
export type Normaliser = (text: string) => string;

/** Normalisers per collection kind; the host passes the mappers' normalisers here. */
export type NormaliserByKind = Partial<Record<CollectionKind, Normaliser>>;

/**
 * The default normaliser: unfolds, ignores `VOLATILE_PROPERTIES`, property and component
 * order, parameter order and the case of names. It knows no property semantics (a mapper's
 * normaliser can do better, e.g. equate `TEL;TYPE=cell` and `TEL;TYPE=CELL`).
 */
export const defaultNormaliser: Normaliser = normaliseVObject;

/** The content hash of an item: SHA-256 of its normalised text. */
export function hashItem(normalise: Normaliser, text: string): string {
  return sha256(normalise(text));
}
