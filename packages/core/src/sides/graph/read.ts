/**
 * How the Graph side reads items: `$batch`es of at most 20 GETs, each with the kind's `$select` and
 * ewsdav's UID extended property (`$expand`), rendered by the kind's codec onto the basis the
 * engine gives (the text last synced; the text just written, for a write's result), so what Graph
 * cannot hold comes back unchanged. `modified` is the entity's `lastModifiedDateTime`. An item
 * Graph does not find answers `not-found`; a throttled answer is asked again (see `batch.ts`), then
 * `transient`; an answer without an entity (cut, malformed) fails its item, never passes as one.
 * An entity the codec finds outside the collection (`ItemCodec.outside`: moved to Deleted Items)
 * answers `not-found`, as Graph's delta of the folder does.
 *
 * @module
 */
import { SideError, type CollectionKind, type SideItem } from "../../engine/side.js";
import { sendAll } from "./batch.js";
import { codecFor } from "./codecs.js";
import type { GraphEntity, ItemCodec } from "./codec.js";
import { kindOf } from "./collections.js";
import { versionOf, type GraphContext } from "./context.js";
import { answerError, toSideError } from "./errors.js";

/** An entity's `lastModifiedDateTime` as an ISO instant (`SideItem.modified`), when Graph gave one. */
export function modifiedOf(entity: GraphEntity): string | undefined {
  const ms = typeof entity.lastModifiedDateTime === "string" ? Date.parse(entity.lastModifiedDateTime) : Number.NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** Whether a batch answer's body is an entity (an object with a string id). */
export function isEntity(body: unknown): body is GraphEntity {
  return typeof body === "object" && body !== null && !Array.isArray(body) && typeof (body as { id?: unknown }).id === "string";
}

/** GETs `ids` of `collection` in batches: each entity or its error, in order. */
export async function readEntities(ctx: GraphContext, codec: ItemCodec, collection: string, ids: readonly string[], signal?: AbortSignal): Promise<Array<GraphEntity | SideError>> {
  const query = codec.readQuery ? `?${codec.readQuery}` : "";
  const answers = await sendAll(ctx, ids.map((id) => ({ method: "GET", url: `${codec.itemPath(ctx, collection, id)}${query}` })), signal);
  const entities = answers.map((answer, i): GraphEntity | SideError => {
    const id = ids[i]!;
    if (answer.status >= 400) return answerError(answer, id, `GET ${codec.kind} item`);
    if (answer.status !== 200 || !isEntity(answer.body)) return new SideError("transient", `GET ${codec.kind} item: HTTP ${answer.status} without the item (cut or malformed answer)`, id);
    return answer.body;
  });
  if (!codec.outside) return entities;
  const found = entities.filter((e): e is GraphEntity => !(e instanceof SideError));
  if (found.length === 0) return entities;
  const outside = await codec.outside(ctx, collection, found, signal);
  const away = new Set(found.filter((_, i) => outside[i]).map((e) => e.id));
  return entities.map((e) => (e instanceof SideError || !away.has(e.id) ? e : new SideError("not-found", `${codec.kind} item is no longer in the collection (moved to another folder)`, e.id)));
}

/** Renders entities of `collection` as side items (each onto its basis, when given). */
export async function renderEntities(
  ctx: GraphContext,
  codec: ItemCodec,
  collection: string,
  entities: ReadonlyArray<GraphEntity | SideError>,
  bases: ReadonlyArray<string | undefined>,
  signal?: AbortSignal,
): Promise<Array<SideItem | SideError>> {
  const found = entities.map((e, i) => [e, i] as const).filter((x): x is readonly [GraphEntity, number] => !(x[0] instanceof SideError));
  const rendered = await codec.render(ctx, collection, found.map(([e]) => e), found.map(([, i]) => bases[i]), signal);
  const out: Array<SideItem | SideError> = entities.map((e) => (e instanceof SideError ? e : new SideError("transient", "not rendered")));
  found.forEach(([entity, index], n) => {
    const r = rendered[n];
    if (!r || r instanceof Error) return void (out[index] = toSideError(r ?? new SideError("transient", "not rendered"), entity.id));
    const modified = modifiedOf(entity);
    out[index] = { id: entity.id, version: versionOf(entity), uid: r.uid, text: r.text, ...(r.dropped.length ? { dropped: r.dropped } : {}), ...(modified ? { modified } : {}) };
  });
  return out;
}

/** Reads items of a collection; each is rendered onto its `basis` text when one is given (see `SyncSide.fetch`). */
export async function fetchItems(ctx: GraphContext, collection: string, ids: readonly string[], signal?: AbortSignal, basis?: ReadonlyMap<string, string>): Promise<Array<SideItem | SideError>> {
  const kind: CollectionKind = await kindOf(ctx, collection, signal);
  const codec = codecFor(kind);
  const entities = await readEntities(ctx, codec, collection, ids, signal);
  return renderEntities(ctx, codec, collection, entities, ids.map((id) => basis?.get(id)), signal);
}
