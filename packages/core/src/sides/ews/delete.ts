/**
 * How the EWS side deletes items: MoveToDeletedItems, checked against the ChangeKey the engine
 * last saw. Exchange does not check a ChangeKey on DeleteItem, so each item is read just before,
 * and an edit that lands between that read and the delete is found in the folder's events (a pull
 * subscription opened around the delete) and undone: the item is moved back from Deleted Items.
 *
 * @module
 */
import { AbortedError, buildGetEvents, buildPullSubscribe, buildUnsubscribe, isEwsError, parseNotification, responseMessages, type ItemId, type NotificationEvent } from "@ewsdav/ews-client";
import { exponentialDelay, sleep, type BackoffOptions } from "@ewsdav/http";
import { SideError, type Versioned } from "../../engine/side.js";
import { kindOf } from "./collections.js";
import type { EwsContext } from "./context.js";
import { toSideError } from "./errors.js";

/** A pull subscription opened around a delete: its id and the watermark read up to. */
interface FolderWatch {
  subscriptionId: string;
  watermark: string;
}

/** GetEvents rounds {@link removeItems} reads for the events of its deletes. */
const DELETE_EVENT_TRIES = 5;

/**
 * The waits between those rounds: @ewsdav/http's capped exponential delay without jitter (the
 * events are late by a moment, not a crowd to spread), so the later rounds are 100, 200, 400 and
 * 800 ms apart.
 */
const DELETE_EVENT_BACKOFF: BackoffOptions = { baseDelayMs: 100, maxDelayMs: 800 };

/**
 * Deletes items (MoveToDeletedItems) whose ChangeKey is still the engine's. Exchange ignores the
 * ChangeKey on DeleteItem, so the check is a read right before the delete, and the window between
 * that read and the delete is closed after the fact: a pull subscription on the folder, opened
 * before the read, orders the folder's events; an item whose Modified event comes before its
 * Moved event was edited by someone else in that window. Such an item is moved back from Deleted
 * Items into the folder (under a new ItemId, which the next change feed reports as a new item, so
 * the edit reaches the other side again) and answered `precondition-failed`. Where the server
 * refuses the subscription, the window left is one round trip (the read, then the delete), and an
 * edit lost in it is still in Deleted Items. A hard delete (a folder without Deleted Items, as in
 * public folders) cannot be undone: it is reported, not reverted.
 */
export async function removeItems(ctx: EwsContext, collection: string, items: readonly Versioned[], signal?: AbortSignal): Promise<Array<null | SideError>> {
  await kindOf(ctx, collection);
  const out: Array<null | SideError> = new Array(items.length);
  if (items.length === 0) return out;
  const watch = await watchFolder(ctx, collection, signal);
  try {
    const current = await ctx.client.getItem(items.map((i) => ({ id: i.id })), { shape: { baseShape: "IdOnly" }, ...(signal ? { signal } : {}) });
    const go: number[] = [];
    items.forEach((item, index) => {
      const now = current[index];
      if (!now || isEwsError(now)) return void (out[index] = toSideError(now, item.id));
      const changeKey = now.type === "Unsupported" ? now.itemId?.changeKey : now.item.itemId?.changeKey;
      if (item.version !== null && changeKey !== undefined && item.version !== changeKey) {
        return void (out[index] = new SideError("precondition-failed", `item changed since change key ${item.version}`, item.id));
      }
      go.push(index);
    });
    if (go.length === 0) return out;
    const results = await ctx.client.deleteItem(
      go.map((i) => ({ id: items[i]!.id, ...(items[i]!.version !== null ? { changeKey: items[i]!.version! } : {}) })),
      { deleteType: "MoveToDeletedItems", ...(signal ? { signal } : {}) },
    );
    const deleted = new Map<string, number>();
    go.forEach((index, i) => {
      const r = results[i];
      out[index] = r === true ? null : toSideError(r, items[index]!.id);
      if (r === true) deleted.set(items[index]!.id, index);
    });
    if (!watch || deleted.size === 0) return out;
    const raced = await editsDuringDelete(ctx, watch, new Set(deleted.keys()), signal);
    const back = [...raced].filter(([, movedTo]) => movedTo !== null) as Array<[string, ItemId]>;
    const moved = back.length ? await ctx.client.moveItem(back.map(([, to]) => to), { id: collection }, signal ? { signal } : {}) : [];
    const restored = new Map(back.map(([id], i) => [id, moved[i]]));
    for (const [id, movedTo] of raced) {
      const index = deleted.get(id)!;
      const r = restored.get(id);
      out[index] =
        movedTo === null
          ? new SideError("precondition-failed", `edited in Exchange while it was being deleted, and deleted for good (no Deleted Items): the edit is only in the server's recoverable items`, id)
          : r && !isEwsError(r)
            ? new SideError("precondition-failed", `edited in Exchange while it was being deleted: moved back from Deleted Items (now ${r.id}), the edit kept`, id)
            : new SideError("precondition-failed", `edited in Exchange while it was being deleted; moving it back from Deleted Items failed (${r?.message ?? "no answer"}): the edit is in Deleted Items`, id);
    }
    return out;
  } finally {
    if (watch) await ctx.client.request("Unsubscribe", buildUnsubscribe(watch.subscriptionId), { idempotent: true }).catch(() => undefined);
  }
}

/** A pull subscription on one folder, for {@link removeItems}; `null` when the server refuses it. */
async function watchFolder(ctx: EwsContext, collection: string, signal?: AbortSignal): Promise<FolderWatch | null> {
  try {
    const xml = buildPullSubscribe({ folders: [{ id: collection }], eventTypes: ["Modified", "Moved", "Deleted"] }, 5);
    const response = await ctx.client.request("Subscribe", xml, { idempotent: false, ...(signal ? { signal } : {}) });
    const [m] = responseMessages(response.body, "Subscribe");
    if (!m || m.responseClass !== "Success") return null;
    const subscriptionId = m.element.children.find((c) => c.name === "SubscriptionId")?.text;
    const watermark = m.element.children.find((c) => c.name === "Watermark")?.text;
    return subscriptionId && watermark ? { subscriptionId, watermark } : null;
  } catch (error) {
    if (signal?.aborted) throw error;
    return null; // no subscription: the delete goes on, guarded by the read before it
  }
}

/**
 * Reads the folder's events since the subscription began until every deleted item's Moved (or
 * Deleted) event is there (a few tries: a server may log events a moment late). Returns the items
 * edited before their move, each with the id it has in Deleted Items (`null`: deleted for good).
 */
async function editsDuringDelete(ctx: EwsContext, watch: FolderWatch, deleted: ReadonlySet<string>, signal?: AbortSignal): Promise<Map<string, ItemId | null>> {
  const ended = new Map<string, ItemId | null>();
  const edited = new Set<string>();
  for (let attempt = 0; attempt < DELETE_EVENT_TRIES && ended.size < deleted.size; attempt++) {
    if (attempt > 0) await sleep(exponentialDelay(attempt, DELETE_EVENT_BACKOFF), signal, (reason) => new AbortedError(undefined, { cause: reason }));
    for (;;) {
      let events: NotificationEvent[];
      let more: boolean;
      try {
        const response = await ctx.client.request("GetEvents", buildGetEvents(watch.subscriptionId, watch.watermark), { idempotent: true, ...(signal ? { signal } : {}) });
        const [m] = responseMessages(response.body, "GetEvents");
        const notification = m?.responseClass === "Success" ? m.element.children.find((c) => c.name === "Notification") : undefined;
        if (!notification) return new Map();
        const parsed = parseNotification(notification);
        events = parsed.events;
        more = parsed.moreEvents;
      } catch (error) {
        if (signal?.aborted) throw error;
        return new Map(); // the events cannot be read: nothing to tell (the read before the delete stands)
      }
      for (const e of events) {
        if (e.watermark) watch.watermark = e.watermark;
        if (e.type === "Modified" && e.itemId && deleted.has(e.itemId.id) && !ended.has(e.itemId.id)) edited.add(e.itemId.id);
        else if (e.type === "Moved" && e.oldItemId && e.itemId && deleted.has(e.oldItemId.id)) ended.set(e.oldItemId.id, e.itemId);
        else if (e.type === "Deleted" && e.itemId && deleted.has(e.itemId.id)) ended.set(e.itemId.id, null);
      }
      if (!more) break;
    }
  }
  return new Map([...edited].filter((id) => ended.has(id)).map((id) => [id, ended.get(id)!]));
}
