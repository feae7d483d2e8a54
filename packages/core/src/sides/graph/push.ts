/**
 * Push for the Graph side (`GraphSide.watch`): Graph change notifications, through a
 * {@link SubscriptionKeeper} that keeps one subscription per watched collection alive and a
 * {@link GraphWebhookReceiver} the host mounted, turned into the engine's {@link SideNotice}s.
 * - a `created`/`updated` notification names its item with the etag Graph gave (the engine skips
 *   its own writes coming back); a `deleted` one names it as gone;
 * - a `missed` lifecycle event, a subscription made anew (changes meanwhile went unheard) and each
 *   poll of the fallback ask for the collection's change feed (`collection` notices);
 * - the channel's state is a `status` notice: `connected` while every collection has a live
 *   subscription, `polling` while one has none (no receiver configured, or Graph could not
 *   validate its URL).
 * Ends when `signal` aborts; the subscriptions are deleted then.
 *
 * @module
 */
import {
  SubscriptionKeeper, type GraphChangeNotification, type GraphSubscriptionApi, type GraphWebhookReceiver, type SubscriptionKeeperOptions,
} from "@ewsdav/graph-client";
import type { NoticeItem, SideNotice } from "../../engine/side.js";

/** What {@link watchGraphNotices} needs. */
export interface GraphWatchOptions {
  /** The mailbox's client (a `GraphClient`). */
  readonly client: GraphSubscriptionApi;
  /** Collection id → the Graph resource its changes are subscribed on, e.g. `me/contactFolders/{id}/contacts`, `me/calendars/{id}/events`, `me/todo/lists/{id}/tasks`. */
  readonly resources: ReadonlyMap<string, string>;
  /** The receiver the host mounted at {@link notificationUrl}; without both, the collections are polled. */
  readonly receiver?: GraphWebhookReceiver;
  /** The receiver's public https URL. */
  readonly notificationUrl?: string;
  /** Where lifecycle notifications go (default {@link notificationUrl}). */
  readonly lifecycleNotificationUrl?: string;
  /** Ends the watch. */
  readonly signal: AbortSignal;
  /** The keeper's timings (lifetime, renewal margin, poll interval …). */
  readonly keeper?: Pick<SubscriptionKeeperOptions, "lifetimeMs" | "renewMarginMs" | "pollIntervalMs" | "retryPushMs" | "renewRetryMs">;
  /** The revision an item's `@odata.etag` stands for, as the side's versions spell it (default: the etag as it is). */
  readonly versionOf?: (etag: string) => string | null;
}

/** A small queue from callbacks to an async iterator. */
class Queue {
  readonly #items: SideNotice[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  push(notice: SideNotice): void {
    if (this.#ended) return;
    this.#items.push(notice);
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
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}

/** The item a change notification names, or undefined when it names none. */
function itemOf(n: GraphChangeNotification, versionOf: (etag: string) => string | null): NoticeItem | undefined {
  const id = n.resourceData?.id;
  if (!id) return undefined;
  if (n.changeType === "deleted") return { id, gone: true };
  const etag = n.resourceData?.["@odata.etag"];
  return { id, version: etag === undefined ? null : versionOf(etag) };
}

/** The notices of the watched collections; see the module comment. */
export async function* watchGraphNotices(options: GraphWatchOptions): AsyncGenerator<SideNotice> {
  const { signal } = options;
  if (signal.aborted) return;
  const collectionOf = new Map<string, string>();
  for (const [collection, resource] of options.resources) collectionOf.set(resource, collection);
  const versionOf = options.versionOf ?? ((etag: string) => etag);
  const queue = new Queue();
  const keeper = new SubscriptionKeeper({
    ...options.keeper, client: options.client, resources: [...collectionOf.keys()],
    ...(options.receiver ? { receiver: options.receiver } : {}),
    ...(options.notificationUrl ? { notificationUrl: options.notificationUrl } : {}),
    ...(options.lifecycleNotificationUrl ? { lifecycleNotificationUrl: options.lifecycleNotificationUrl } : {}),
  });
  const modes = new Map<string, "push" | "polling">();
  let reported: string | undefined;
  const report = (detail?: string) => {
    if (modes.size < collectionOf.size) return; // every collection's first mode first
    const state = [...modes.values()].every((m) => m === "push") ? "connected" : "polling";
    if (state === reported) return;
    reported = state;
    queue.push({ type: "status", state, ...(detail ? { detail } : {}) });
  };
  keeper.on("state", (e) => {
    modes.set(e.resource, e.state);
    report(e.detail);
  });
  keeper.on("change", ({ resource, notification }) => {
    const collection = collectionOf.get(resource);
    if (collection === undefined) return;
    const item = itemOf(notification, versionOf);
    queue.push(item ? { type: "items", collection, items: [item] } : { type: "collection", collection, reason: `${notification.changeType} without an item id` });
  });
  keeper.on("missed", ({ resource, reason }) => {
    const collection = collectionOf.get(resource);
    if (collection !== undefined) queue.push({ type: "collection", collection, reason });
  });
  keeper.on("poll", ({ resource }) => {
    const collection = collectionOf.get(resource);
    if (collection !== undefined) queue.push({ type: "collection", collection, reason: "polling: no change notifications" });
  });
  const onAbort = () => queue.end();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    queue.push({ type: "status", state: "connecting" });
    await keeper.start();
    yield* queue.drain();
  } finally {
    signal.removeEventListener("abort", onAbort);
    queue.end();
    await keeper.stop();
  }
}
