/**
 * `@ewsdav/core/graph`: a {@link SyncSide} over an Exchange Online mailbox through Microsoft Graph
 * (`@ewsdav/graph-client`), presenting its items as vobjects through `@ewsdav/mappers` (both
 * optional peer dependencies of `@ewsdav/core`), and the move of a pair's EWS end to it.
 *
 * - Collections are the mailbox's contact folders (the default one is `contacts`), calendars and
 *   To Do task lists; a collection's id is Graph's id of it. A collection can be created.
 * - The change feed is a delta query — `contacts/delta` per folder, `tasks/delta` per list,
 *   calendarView delta over the calendar window (occurrences standing for their series); the
 *   cursor is the `@odata.deltaLink`. A rejected one (410 `syncStateNotFound`) restarts as a full round, which
 *   the engine compares with its state. A cut or malformed page fails the feed: never a partial
 *   round taken as complete.
 * - Reads are `$batch`es of at most 20 GETs with `$select` and ewsdav's UID extended property,
 *   rendered onto the basis the engine gives (`rendersOnBasis`), so what Graph cannot hold comes
 *   back unchanged. `modified` is the item's `lastModifiedDateTime`.
 * - Writes are batched POSTs, PATCHes and DELETEs, each update and delete with `If-Match` (the
 *   item's `@odata.etag`): a stale version fails (`precondition-failed`). The UID lives in the same
 *   extended property (property set and name) as on the EWS side, so an item tagged through one is
 *   recognised through the other; a tag PATCHes only that property.
 * - Throttled answers (429, 503, 504) are retried after their Retry-After (the client for a whole
 *   request, the side for one answer of a batch), then fail their item as `transient`.
 * - {@link movePairToGraph} moves one end of a pair from the EWS side to this side without a
 *   re-sync: ids translated with `translateExchangeIds`, versions kept (a ChangeKey is the etag's
 *   content), that end's cursor restarted; the next cycle pairs every item by id and UID.
 *
 * - Push (`push` in the options): change notifications through a webhook receiver the host
 *   mounts, or the subscription keeper's polling (`push.ts`).
 *
 * The code is in `./graph/`, one concern a file: `side.ts` (the class), `collections.ts`,
 * `feeds.ts`, `read.ts`, `write.ts`, `batch.ts` (`$batch` and throttled answers), `codec.ts` with
 * the kinds' codecs (`contacts.ts`, `events.ts`, `tasks.ts`, chosen in `codecs.ts`), `apis.ts`
 * (the client's calendar and To Do calls), `errors.ts`, `push.ts`, `move.ts`, with `context.ts`
 * (the state its modules share) and `options.ts`.
 *
 * @module
 */
export { DEFAULT_CALENDAR_LISTING_HOURS, DEFAULT_CALENDAR_WINDOW, type GraphCalendarWindow, type GraphPushOptions, type GraphSideOptions } from "./graph/options.js";
export { GraphSide } from "./graph/side.js";
export { movePairToGraph, MoveError, type MoveErrorCode, type MoveFailure, type MovePairOptions, type MoveReport } from "./graph/move.js";
