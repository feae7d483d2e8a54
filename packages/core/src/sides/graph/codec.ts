/**
 * What the Graph side needs to know of each kind of item ({@link ItemCodec}): where an item lives
 * and how it is read, how a read entity becomes vobject text (rendered onto a basis), and how text
 * becomes the body of a create or a PATCH. `read.ts` and `write.ts` run the same steps for every
 * kind — `$batch`ed GETs, POSTs, PATCHes and DELETEs with `If-Match` — and ask the codec of the
 * collection's kind for the rest (contacts in `contacts.ts`, events in `events.ts`, tasks in
 * `tasks.ts`).
 *
 * @module
 */
import type { CollectionKind, DroppedProperty } from "../../engine/side.js";
import type { GraphContext } from "./context.js";

/** An entity as Graph returns it: an id, an etag, and the kind's properties. */
export interface GraphEntity {
  id: string;
  "@odata.etag"?: string;
  changeKey?: string | null;
  lastModifiedDateTime?: string | null;
  [property: string]: unknown;
}

/** A read entity as vobject text. */
export interface Rendered {
  text: string;
  uid: string | null;
  dropped: DroppedProperty[];
}

/** A vobject text mapped for a write. */
export interface MappedWrite {
  /** The body of the POST or PATCH (with ewsdav's UID where the kind keeps it). */
  body: Record<string, unknown>;
  uid: string | null;
  dropped: DroppedProperty[];
  /** What the kind writes after the item itself (an event series' exceptions), handed back to {@link ItemCodec.afterWrite}. */
  followUp?: unknown;
}

/** How the side reads and writes one kind of item. */
export interface ItemCodec {
  readonly kind: CollectionKind;
  /** The path (relative to the service root) of one item of `collection`. */
  itemPath(ctx: GraphContext, collection: string, id: string): string;
  /** The path a create of `collection` posts to. */
  createPath(ctx: GraphContext, collection: string): string;
  /** The query of a read (`$select`, `$expand`), without the `?`. */
  readonly readQuery: string;
  /**
   * Which of `entities` (read by id) are not in `collection` (one boolean per entity, in order):
   * with immutable ids, an item moved to another folder (Deleted Items) is still found by its id,
   * and must read as gone from the pair's collection. Absent: every entity read is taken as in it.
   */
  outside?(ctx: GraphContext, collection: string, entities: readonly GraphEntity[], signal?: AbortSignal): Promise<boolean[]>;
  /**
   * Renders entities read from `collection` (one result per entity, in order; a failure of one is
   * its own), each onto its basis when one is given. Given all at once, so a kind that must read
   * more (a series' exceptions) reads it in batches.
   */
  render(ctx: GraphContext, collection: string, entities: readonly GraphEntity[], bases: ReadonlyArray<string | undefined>, signal?: AbortSignal): Promise<Array<Rendered | Error>>;
  /** Maps text to what a write sends (`create`: the body of a POST, else of a PATCH). */
  map(ctx: GraphContext, text: string, create: boolean): MappedWrite;
  /**
   * Writes what follows the item (an event series' exceptions) once it is written; returns the
   * item's etag afterwards (or the entity, re-read). Absent: nothing follows.
   */
  afterWrite?(ctx: GraphContext, collection: string, written: GraphEntity, mapped: MappedWrite, signal?: AbortSignal): Promise<GraphEntity>;
  /** The PATCH body that sets only the UID, when the kind keeps it in an extended property. */
  tagBody?(uid: string): Record<string, unknown>;
  /** Writes UIDs its own way (To Do: an open extension, not a PATCH of the item). Absent, and without `tagBody`: a tag is a full update. */
  tag?(ctx: GraphContext, collection: string, items: ReadonlyArray<{ id: string; version: string | null; uid: string }>, signal?: AbortSignal): Promise<Array<{ id: string; version: string | null } | Error>>;
}

/** A read query: `$select` of `select` and `$expand` of `expand`, with `$` kept literal. */
export function queryOf(select: readonly string[] | undefined, expand: string | undefined): string {
  const parts: string[] = [];
  if (select?.length) parts.push(`$select=${select.map(encodeURIComponent).join(",")}`);
  if (expand) parts.push(`$expand=${encodeURIComponent(expand)}`);
  return parts.join("&");
}
