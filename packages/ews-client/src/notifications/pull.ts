/**
 * Pull notifications, the fallback when streaming is not available: Subscribe
 * (PullSubscriptionRequest) once, then GetEvents with the last watermark, again while `MoreEvents`.
 * The state (subscription id + watermark) is small and persistable: a host that saves it after each
 * batch loses nothing across a restart. When the subscription has expired, a new one is made from
 * the saved watermark (Subscribe accepts a starting watermark), so events are still not lost as long
 * as the server keeps them.
 * @module
 */
import { EwsError, type EwsResponseError } from "../errors.js";
import { messageError, responseMessages } from "../soap/response.js";
import { child, childText } from "../xml/parse.js";
import type { NotificationConnection } from "./connection.js";
import { buildGetEvents, buildPullSubscribe, buildUnsubscribe, parseNotification, type NotificationEvent, type SubscriptionTarget } from "./messages.js";

/** What a host persists to resume a pull subscription. */
export interface PullSubscriptionState {
  /** The subscription on the server. */
  subscriptionId: string;
  /** The watermark of the last event handled; the next GetEvents starts after it. */
  watermark: string;
}

/** Options of {@link PullSubscription}. */
export interface PullOptions extends SubscriptionTarget {
  /** Minutes the server keeps the subscription without a GetEvents (1–1440, default 30). */
  timeoutMinutes?: number;
}

/** One batch from {@link PullSubscription.getEvents}. */
export interface PullBatch {
  /** Real changes (Status heartbeats removed). */
  events: NotificationEvent[];
  /** The server has more events: call again. */
  moreEvents: boolean;
  /** The state to persist after handling these events. */
  state: PullSubscriptionState;
  /** True when the subscription had expired and was made again from the saved watermark. */
  resubscribed: boolean;
}

const SUBSCRIPTION_GONE = new Set(["ErrorSubscriptionNotFound", "ErrorInvalidSubscription", "ErrorExpiredSubscription", "ErrorSubscriptionUnsubscribed"]);

/** A pull subscription. */
export class PullSubscription {
  #state: PullSubscriptionState;
  readonly #connection: NotificationConnection;
  readonly #options: PullOptions;

  private constructor(connection: NotificationConnection, options: PullOptions, state: PullSubscriptionState) {
    this.#connection = connection;
    this.#options = options;
    this.#state = state;
  }

  /** Subscribes (from `watermark` when given). */
  static async subscribe(connection: NotificationConnection, options: PullOptions, signal?: AbortSignal, watermark?: string): Promise<PullSubscription> {
    const state = await PullSubscription.#subscribe(connection, options, signal, watermark);
    return new PullSubscription(connection, options, state);
  }

  /** Resumes from persisted state without a request (the next GetEvents tells whether it still exists). */
  static resume(connection: NotificationConnection, options: PullOptions, state: PullSubscriptionState): PullSubscription {
    return new PullSubscription(connection, options, { ...state });
  }

  static async #subscribe(connection: NotificationConnection, options: PullOptions, signal: AbortSignal | undefined, watermark: string | undefined): Promise<PullSubscriptionState> {
    const xml = buildPullSubscribe(options, options.timeoutMinutes ?? 30, watermark);
    const response = await connection.call("Subscribe", xml, { ...(signal ? { signal } : {}), preferAffinity: true });
    const [message] = responseMessages(response.body, "Subscribe");
    if (!message) throw new EwsError("EWS_PROTOCOL_ERROR", "Subscribe returned no response message");
    const error = messageError("Subscribe", message, undefined);
    if (error) throw error;
    const subscriptionId = childText(message.element, "SubscriptionId");
    const newWatermark = childText(message.element, "Watermark");
    if (!subscriptionId || !newWatermark) throw new EwsError("EWS_PROTOCOL_ERROR", "Subscribe returned no SubscriptionId or Watermark");
    return { subscriptionId, watermark: newWatermark };
  }

  /** The state to persist. */
  get state(): PullSubscriptionState {
    return { ...this.#state };
  }

  /** One GetEvents call. Re-subscribes from the watermark when the subscription is gone. */
  async getEvents(signal?: AbortSignal): Promise<PullBatch> {
    let resubscribed = false;
    for (;;) {
      const response = await this.#connection.call("GetEvents", buildGetEvents(this.#state.subscriptionId, this.#state.watermark), signal ? { signal } : {});
      const [message] = responseMessages(response.body, "GetEvents");
      if (!message) throw new EwsError("EWS_PROTOCOL_ERROR", "GetEvents returned no response message");
      const error: EwsResponseError | undefined = messageError("GetEvents", message, undefined);
      if (error) {
        if (!resubscribed && SUBSCRIPTION_GONE.has(error.responseCode)) {
          this.#state = await PullSubscription.#subscribe(this.#connection, this.#options, signal, this.#state.watermark);
          resubscribed = true;
          continue;
        }
        throw error;
      }
      const notification = child(message.element, "Notification");
      if (!notification) throw new EwsError("EWS_PROTOCOL_ERROR", "GetEvents returned no Notification");
      const parsed = parseNotification(notification);
      const last = parsed.events.at(-1)?.watermark;
      if (last) this.#state = { subscriptionId: this.#state.subscriptionId, watermark: last };
      return {
        events: parsed.events.filter((e) => e.type !== "Status"),
        moreEvents: parsed.moreEvents,
        state: this.state,
        resubscribed,
      };
    }
  }

  /** GetEvents until `MoreEvents` is false; `onBatch` runs after each batch (persist `batch.state` there). */
  async drain(onBatch: (batch: PullBatch) => Promise<void> | void, signal?: AbortSignal): Promise<number> {
    let count = 0;
    for (;;) {
      const batch = await this.getEvents(signal);
      count += batch.events.length;
      await onBatch(batch);
      if (!batch.moreEvents) return count;
    }
  }

  /** Ends the subscription on the server. */
  async unsubscribe(signal?: AbortSignal): Promise<void> {
    const response = await this.#connection.call("Unsubscribe", buildUnsubscribe(this.#state.subscriptionId), signal ? { signal } : {});
    const [message] = responseMessages(response.body, "Unsubscribe");
    const error = message ? messageError("Unsubscribe", message, undefined) : undefined;
    if (error && !SUBSCRIPTION_GONE.has(error.responseCode)) throw error;
  }
}
