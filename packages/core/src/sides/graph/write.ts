/**
 * How the Graph side writes items: creates (POST), updates (PATCH) and deletes (DELETE) of a call
 * go out in `$batch`es of at most 20; every update and delete carries `If-Match` with the etag the
 * engine holds (`@odata.etag`), so an item changed since answers 412 → `precondition-failed`. What
 * follows an item (an event series' exceptions, as occurrence PATCHes and DELETEs) is written once
 * the item is, by its kind's codec. The entity Graph answers a write with is rendered onto the text
 * written, so the engine's base is what Graph now holds in vobject form, with what Graph cannot
 * hold kept as it was sent. A tag (`tagItems`) PATCHes only ewsdav's UID property.
 *
 * @module
 */
import { SideError, type ItemTag, type ItemUpdate, type Versioned, type VObject, type WriteResult } from "../../engine/side.js";
import { sendAll, type SideRequest } from "./batch.js";
import type { GraphEntity, ItemCodec, MappedWrite } from "./codec.js";
import { codecFor } from "./codecs.js";
import { kindOf } from "./collections.js";
import { versionOf, type GraphContext } from "./context.js";
import { answerError, toSideError } from "./errors.js";
import { isEntity, renderEntities } from "./read.js";

const JSON_HEADERS = { "content-type": "application/json" } as const;

/** The `If-Match` header of a write under `version` (none for an item without one). */
function ifMatch(version: string | null): Record<string, string> {
  return version === null ? {} : { "if-match": version };
}

/**
 * Finishes written items: the codec's follow-up writes, then each written entity rendered onto the
 * text written. `written[i]` is the entity Graph answered for `texts[i]` (or its error).
 */
async function finish(
  ctx: GraphContext,
  codec: ItemCodec,
  collection: string,
  written: Array<{ entity: GraphEntity; mapped: MappedWrite } | SideError>,
  texts: readonly string[],
  signal?: AbortSignal,
): Promise<Array<WriteResult | SideError>> {
  const done: Array<GraphEntity | SideError> = [];
  for (const w of written) {
    if (w instanceof SideError) {
      done.push(w);
      continue;
    }
    // A write's answer holds no expanded extended property: the UID is what was sent.
    const sent = w.mapped.body.singleValueExtendedProperties;
    const entity: GraphEntity = sent !== undefined && w.entity.singleValueExtendedProperties === undefined ? { ...w.entity, singleValueExtendedProperties: sent } : w.entity;
    if (!codec.afterWrite || w.mapped.followUp === undefined) {
      done.push(entity);
      continue;
    }
    try {
      done.push(await codec.afterWrite(ctx, collection, entity, w.mapped, signal));
    } catch (error) {
      done.push(toSideError(error, entity.id));
    }
  }
  const rendered = await renderEntities(ctx, codec, collection, done, texts, signal);
  return rendered.map((r, i) => {
    if (r instanceof SideError) {
      // Written, but not rendered: the engine then bases on what it sent.
      const entity = done[i];
      return entity instanceof SideError ? entity : { id: entity!.id, version: versionOf(entity!) };
    }
    const mapped = written[i];
    const dropped = mapped instanceof SideError ? [] : mapped!.mapped.dropped;
    return { id: r.id, version: r.version, text: r.text, ...(dropped.length ? { dropped } : {}) };
  });
}

/** Sends one write per mapped item; each answer's entity, or its error. */
async function send(
  ctx: GraphContext,
  codec: ItemCodec,
  requests: ReadonlyArray<{ request: SideRequest; mapped: MappedWrite; id: string | null } | SideError>,
  signal?: AbortSignal,
): Promise<Array<{ entity: GraphEntity; mapped: MappedWrite } | SideError>> {
  const live = requests.filter((r): r is { request: SideRequest; mapped: MappedWrite; id: string | null } => !(r instanceof SideError));
  const answers = await sendAll(ctx, live.map((r) => r.request), signal);
  let n = 0;
  return requests.map((r) => {
    if (r instanceof SideError) return r;
    const answer = answers[n++]!;
    if (answer.status >= 400) return answerError(answer, r.id, `${r.request.method} ${codec.kind} item`);
    if (!isEntity(answer.body)) return new SideError("transient", `${r.request.method} ${codec.kind} item: HTTP ${answer.status} without the item (cut or malformed answer)`, r.id);
    return { entity: answer.body, mapped: r.mapped };
  });
}

/** Creates items in a collection (POSTs, then what follows each), and renders what Graph answered. */
export async function createItems(ctx: GraphContext, collection: string, items: readonly VObject[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
  const codec = codecFor(await kindOf(ctx, collection, signal));
  const requests = items.map((item) => {
    try {
      const mapped = codec.map(ctx, item.text, true);
      return { request: { method: "POST" as const, url: codec.createPath(ctx, collection), headers: JSON_HEADERS, body: mapped.body }, mapped, id: null };
    } catch (error) {
      return toSideError(error, null);
    }
  });
  const written = await send(ctx, codec, requests, signal);
  return finish(ctx, codec, collection, written, items.map((i) => i.text), signal);
}

/** Updates items whose etag is still `version` (PATCH with `If-Match`, then what follows each), and renders what Graph answered. */
export async function updateItems(ctx: GraphContext, collection: string, items: readonly ItemUpdate[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
  const codec = codecFor(await kindOf(ctx, collection, signal));
  const requests = items.map((item) => {
    try {
      const mapped = codec.map(ctx, item.text, false);
      const request: SideRequest = { method: "PATCH", url: codec.itemPath(ctx, collection, item.id), headers: { ...JSON_HEADERS, ...ifMatch(item.version) }, body: mapped.body };
      return { request, mapped, id: item.id };
    } catch (error) {
      return toSideError(error, item.id);
    }
  });
  const written = await send(ctx, codec, requests, signal);
  return finish(ctx, codec, collection, written, items.map((i) => i.text), signal);
}

/**
 * Writes UIDs onto items (see `SyncSide.tag`): one PATCH per item of only ewsdav's UID property,
 * with `If-Match`, in batches; nothing read. A kind that keeps its UID in its text is tagged
 * through {@link updateItems}.
 */
export async function tagItems(ctx: GraphContext, collection: string, items: readonly ItemTag[], signal?: AbortSignal): Promise<Array<WriteResult | SideError>> {
  const codec = codecFor(await kindOf(ctx, collection, signal));
  if (codec.tag) return (await codec.tag(ctx, collection, items, signal)).map((r, i) => (r instanceof Error ? toSideError(r, items[i]!.id) : r));
  if (!codec.tagBody) return updateItems(ctx, collection, items, signal);
  const answers = await sendAll(ctx, items.map((item) => ({ method: "PATCH" as const, url: codec.itemPath(ctx, collection, item.id), headers: { ...JSON_HEADERS, ...ifMatch(item.version) }, body: codec.tagBody!(item.uid) })), signal);
  return answers.map((answer, i) => {
    const item = items[i]!;
    if (answer.status >= 400) return answerError(answer, item.id, `PATCH ${codec.kind} UID`);
    if (!isEntity(answer.body)) return new SideError("transient", `PATCH ${codec.kind} UID: HTTP ${answer.status} without the item (cut or malformed answer)`, item.id);
    return { id: answer.body.id, version: versionOf(answer.body) };
  });
}

/** Deletes items whose etag is still `version` (DELETE with `If-Match`); a missing item answers `not-found`. */
export async function removeItems(ctx: GraphContext, collection: string, items: readonly Versioned[], signal?: AbortSignal): Promise<Array<null | SideError>> {
  const codec = codecFor(await kindOf(ctx, collection, signal));
  const answers = await sendAll(ctx, items.map((item) => ({ method: "DELETE" as const, url: codec.itemPath(ctx, collection, item.id), headers: ifMatch(item.version) })), signal);
  return answers.map((answer, i) => (answer.status >= 400 ? answerError(answer, items[i]!.id, `DELETE ${codec.kind} item`) : null));
}
