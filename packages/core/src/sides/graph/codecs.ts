/**
 * The codec of each collection kind (see `codec.ts`).
 *
 * @module
 */
import { SideError, type CollectionKind } from "../../engine/side.js";
import type { ItemCodec } from "./codec.js";
import { CONTACTS } from "./contacts.js";
import { EVENTS } from "./events.js";
import { TASKS } from "./tasks.js";

const CODECS = new Map<CollectionKind, ItemCodec>([["contacts", CONTACTS], ["events", EVENTS], ["tasks", TASKS]]);

/** The codec of a kind; `rejected` for a kind the side does not carry yet. */
export function codecFor(kind: CollectionKind): ItemCodec {
  const codec = CODECS.get(kind);
  if (!codec) throw new SideError("rejected", `the Graph side does not carry ${kind} yet`);
  return codec;
}
