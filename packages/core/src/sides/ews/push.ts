/**
 * Push for the EWS side (`EwsSide.watch`, when the options give a {@link NotificationConnection}):
 * one streaming subscription for every watched folder, falling back to a pull subscription where
 * the server refuses streaming. Created/Modified/Deleted events name their items (with the new
 * ChangeKey, so the engine skips its own writes coming back); a move into or out of a folder
 * (Outlook's delete is a move to Deleted Items) asks for that folder's change feed, which tells a
 * move from a delete. A reconnect or a new subscription is a `gap`; the connection's state is a
 * `status` notice.
 *
 * @module
 */
import { PullSubscription, StreamingSubscription, type NotificationConnection, type NotificationEvent } from "@ewsdav/ews-client";
import type { NoticeItem, SideNotice } from "../../engine/side.js";
import type { EwsContext } from "./context.js";
import { streamingRefused } from "./errors.js";

/** A small queue from callbacks to an async iterator. */
class NoticeQueue {
  readonly #items: SideNotice[] = [];
  #wake: (() => void) | undefined;
  #failure: { error: unknown } | undefined;
  #ended = false;
  push(notice: SideNotice): void {
    this.#items.push(notice);
    this.#wake?.();
  }
  fail(error: unknown): void {
    this.#failure ??= { error };
    this.#wake?.();
  }
  end(): void {
    this.#ended = true;
    this.#wake?.();
  }
  async *drain(): AsyncGenerator<SideNotice> {
    for (;;) {
      const next = this.#items.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.#failure) throw this.#failure.error;
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}

/**
 * The notices of `collections` (the watched folders' ids). Streaming first; pull when the server
 * refuses streaming. Ends when `signal` aborts; throws when neither works (the engine then polls
 * SyncFolderItems and tries again later).
 */
export async function* watchNotices(ctx: EwsContext, connection: NotificationConnection, collections: readonly string[], signal: AbortSignal): AsyncGenerator<SideNotice> {
  const watched = new Set(collections);
  const folders = collections.map((id) => ({ id }));
  const queue = new NoticeQueue();
  const onAbort = () => queue.end();
  signal.addEventListener("abort", onAbort, { once: true });
  let streaming: StreamingSubscription | undefined;
  let pull: PullSubscription | undefined;
  let task: Promise<void> | undefined;
  try {
    try {
      streaming = await StreamingSubscription.open(connection, { folders, ...ctx.options.streaming, signal });
    } catch (error) {
      if (signal.aborted) return;
      if (!streamingRefused(error)) throw error;
      pull = await PullSubscription.subscribe(connection, { folders, timeoutMinutes: ctx.options.pullTimeoutMinutes ?? 30 }, signal);
      queue.push({ type: "status", state: "pull", detail: `streaming refused: ${(error as Error).message}` });
    }
    if (streaming) {
      queue.push({ type: "status", state: "connected" });
      task = consumeStreaming(streaming, watched, queue, signal);
    } else if (pull) {
      task = consumePull(ctx, pull, watched, queue, signal);
    }
    yield* queue.drain();
  } finally {
    signal.removeEventListener("abort", onAbort);
    queue.end();
    await streaming?.close();
    await task?.catch(() => undefined);
    if (pull) await pull.unsubscribe(AbortSignal.timeout(10_000)).catch(() => undefined);
  }
}

/** Passes a streaming subscription's events to `queue` as notices, with its reconnects as gaps and status. */
async function consumeStreaming(streaming: StreamingSubscription, watched: Set<string>, queue: NoticeQueue, signal: AbortSignal): Promise<void> {
  let reconnecting = false;
  // A reopened stream says nothing by itself: notice it in the subscription's counters.
  let opened = streaming.statistics.streamsOpened;
  const check = setInterval(() => {
    if (reconnecting && streaming.statistics.streamsOpened > opened) {
      reconnecting = false;
      queue.push({ type: "status", state: "connected" });
    }
  }, 250);
  try {
    for await (const item of streaming) {
      if (item.type === "Reconnected" || item.type === "Resubscribed") {
        opened = streaming.statistics.streamsOpened;
        if (!reconnecting && item.type === "Reconnected") {
          reconnecting = true;
          queue.push({ type: "status", state: "reconnecting", detail: `stream ${item.reason}` });
        }
        queue.push({ type: "gap", reason: item.type === "Reconnected" ? `stream ${item.reason}` : item.reason });
        continue;
      }
      if (reconnecting) {
        reconnecting = false;
        queue.push({ type: "status", state: "connected" });
      }
      for (const notice of noticesOf(item, watched)) queue.push(notice);
    }
    if (!signal.aborted) queue.fail(new Error("the streaming subscription ended"));
  } catch (error) {
    if (!signal.aborted) queue.fail(error);
  } finally {
    clearInterval(check);
  }
}

/** Asks a pull subscription for events every `pullIntervalMs` and passes them to `queue` as notices. */
async function consumePull(ctx: EwsContext, pull: PullSubscription, watched: Set<string>, queue: NoticeQueue, signal: AbortSignal): Promise<void> {
  const interval = ctx.options.pullIntervalMs ?? 5_000;
  try {
    while (!signal.aborted) {
      const batch = await pull.getEvents(signal);
      if (batch.resubscribed) queue.push({ type: "gap", reason: "pull subscription made again" });
      for (const event of batch.events) for (const notice of noticesOf(event, watched)) queue.push(notice);
      if (batch.moreEvents) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, interval);
        signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  } catch (error) {
    if (!signal.aborted) queue.fail(error);
  }
}

/** What one notification event means for the watched folders. */
function* noticesOf(event: NotificationEvent, watched: Set<string>): Generator<SideNotice> {
  if (!event.itemId) return; // folder events (counts) follow the item events that matter
  const parent = event.parentFolderId?.id;
  const oldParent = event.oldParentFolderId?.id;
  switch (event.type) {
    case "Created":
    case "Modified":
    case "Deleted": {
      if (!parent || !watched.has(parent)) {
        // A folder id spelled differently from ours: let every watched folder's feed tell.
        for (const collection of watched) yield { type: "collection", collection, reason: `${event.type} in an unknown folder` };
        return;
      }
      const item: NoticeItem =
        event.type === "Deleted" ? { id: event.itemId.id, gone: true } : { id: event.itemId.id, version: event.itemId.changeKey ?? null };
      yield { type: "items", collection: parent, items: [item] };
      return;
    }
    case "Moved":
    case "Copied":
      for (const folder of new Set([parent, oldParent])) {
        if (folder && watched.has(folder)) yield { type: "collection", collection: folder, reason: `item ${event.type.toLowerCase()}` };
      }
      return;
    default:
      return; // NewMail, FreeBusyChanged, Status: nothing to sync
  }
}
