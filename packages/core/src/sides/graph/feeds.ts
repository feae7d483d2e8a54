/**
 * The Graph side's change feeds: a delta query per collection, its `@odata.deltaLink` the cursor.
 * Contacts: `contacts/delta` of the folder. No cursor, or one Graph rejects (410
 * `syncStateNotFound`, or a cursor that is not one of this side's delta links), restarts as a full
 * delta round: every item with its version, `complete` (the engine compares it with its state, as it
 * does with the EWS side's rejected SyncState). Feeds carry ids and versions (`@odata.etag`) only:
 * the engine reads what it does not hold at that version, in `$batch`es.
 *
 * A delta page that is cut or malformed (neither a next nor a delta link, no `value`) fails the
 * feed (the client throws): a partial round is never taken as complete, and the cursor is not
 * moved.
 *
 * @module
 */
import { GraphSyncStateNotFoundError, type GraphContact, type GraphDeltaRound } from "@ewsdav/graph-client";
import type { ChangeFeed, Versioned } from "../../engine/side.js";
import { contactFolderOf, kindOf } from "./collections.js";
import { versionOf, type GraphContext } from "./context.js";

/** The properties a contacts delta round asks for: the id comes anyway, the change key makes the version when no etag does. */
const CONTACT_DELTA_SELECT = ["changeKey"];

/** Whether `cursor` can be one of this side's delta links (an absolute http(s) URL); anything else restarts the feed. */
function usable(cursor: string | null): cursor is string {
  if (cursor === null) return false;
  try {
    const url = new URL(cursor);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

/** A delta round as a feed. */
function feedOf(round: GraphDeltaRound<{ id: string; "@odata.etag"?: string; changeKey?: string | null }>, complete: boolean): ChangeFeed {
  const changed: Versioned[] = round.changed.map((e) => ({ id: e.id, version: versionOf(e) }));
  return { cursor: round.cursor, changed, deleted: complete ? [] : round.removed, complete };
}

/** The changes of a collection since `cursor` (`null`: every item, as a complete listing). */
export async function changes(ctx: GraphContext, collection: string, cursor: string | null, signal?: AbortSignal): Promise<ChangeFeed> {
  const kind = await kindOf(ctx, collection, signal);
  const round = (from: string | undefined): Promise<GraphDeltaRound<GraphContact>> => {
    if (kind === "contacts") return ctx.client.contactsDelta(contactFolderOf(collection), from, { select: CONTACT_DELTA_SELECT, ...(signal ? { signal } : {}) });
    throw new Error(`${ctx.name}: ${kind} feeds are not available`);
  };
  if (!usable(cursor)) return feedOf(await round(undefined), true);
  try {
    return feedOf(await round(cursor), false);
  } catch (error) {
    if (!(error instanceof GraphSyncStateNotFoundError)) throw error;
    // The sync state is gone: a full round, compared with the state by the engine.
    return feedOf(await round(undefined), true);
  }
}
