/**
 * Streaming notifications: one subscription for many folders, events delivered as an async iterator.
 *
 * The loop: Subscribe (StreamingSubscriptionRequest) → GetStreamingEvents with `ConnectionTimeout`
 * (up to 30 minutes) → envelopes parsed as they arrive → when the server closes the connection
 * (`ConnectionStatus` Closed, or a dropped socket) the stream is opened again on the same
 * subscription. A watchdog notices a stalled connection (no bytes, not even a heartbeat, for
 * `stallTimeoutMs`) and reopens it. When the subscription is gone (`ErrorSubscriptionNotFound`,
 * expired after 30 minutes without a connection), it subscribes again and yields a `Resubscribed`
 * marker; after a lost connection it yields `Reconnected`: events may have been missed, so the
 * consumer should run a change-feed sync. A server-side `Closed` (ConnectionTimeout) loses nothing.
 * @module
 */
import { exponentialDelay } from "@ewsdav/http";
import { AbortedError, EwsError, EwsResponseError, HttpError, SoapFaultError } from "../errors.js";
import { messageError, parseSoapResponse, responseMessages } from "../soap/response.js";
import { child, children } from "../xml/parse.js";
import type { NotificationConnection } from "./connection.js";
import { EnvelopeSplitter } from "./envelope-stream.js";
import { buildGetStreamingEvents, buildStreamingSubscribe, buildUnsubscribe, parseNotification, type NotificationEvent, type SubscriptionTarget } from "./messages.js";

/** Codes that mean the subscription no longer exists on the server. */
const SUBSCRIPTION_GONE = new Set(["ErrorSubscriptionNotFound", "ErrorInvalidSubscription", "ErrorExpiredSubscription", "ErrorSubscriptionUnsubscribed"]);

/**
 * What the iterator yields: events, and markers where events may have been missed — after a
 * re-subscription, and after a connection was lost (events the server wrote into a dying connection
 * never arrive). On a marker, run a change-feed sync.
 */
export type StreamingItem =
  | NotificationEvent
  | { type: "Resubscribed"; subscriptionId: string; reason: string }
  | { type: "Reconnected"; subscriptionId: string; reason: "dropped" | "stalled" | "failed" };

/** Options of {@link StreamingSubscription.open}. */
export interface StreamingOptions extends SubscriptionTarget {
  /** `ConnectionTimeout` of each GetStreamingEvents, in minutes (1–30, default 30). */
  connectionTimeoutMinutes?: number;
  /** A connection with no bytes for this long is considered stalled and reopened (default 90 s; Exchange sends heartbeats). */
  stallTimeoutMs?: number;
  /** Delay before reopening after a failure, doubled up to `maxReconnectDelayMs` (default 250 ms). */
  reconnectDelayMs?: number;
  /** Cap of the reconnect delay (default 30 s). */
  maxReconnectDelayMs?: number;
  /** Consecutive failures (no successful stream in between) before the iterator ends with the error (default 10). */
  maxConsecutiveFailures?: number;
  /** Closes the subscription (and unsubscribes) when aborted. */
  signal?: AbortSignal;
}

/** Counters, for diagnostics and tests. */
export interface StreamingStatistics {
  /** Successful Subscribe requests (1 + re-subscriptions). */
  subscribes: number;
  /** GetStreamingEvents connections opened. */
  streamsOpened: number;
  /** Envelopes without notifications (Exchange's keep-alives). */
  heartbeats: number;
  /** Connections given up because nothing arrived within `stallTimeoutMs`. */
  stalls: number;
  /** Connections reopened after a drop, a stall or a failure. */
  reconnects: number;
  /** Events delivered. */
  events: number;
}

/** A live streaming subscription. Iterate it with `for await`; `close()` unsubscribes. */
export class StreamingSubscription implements AsyncIterable<StreamingItem> {
  /** The current subscription id. */
  subscriptionId = "";
  readonly statistics: StreamingStatistics = { subscribes: 0, streamsOpened: 0, heartbeats: 0, stalls: 0, reconnects: 0, events: 0 };
  readonly #connection: NotificationConnection;
  readonly #options: StreamingOptions;
  readonly #queue: StreamingItem[] = [];
  #wake: (() => void) | undefined;
  #failure: unknown;
  #closed = false;
  #ended = false;
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  private constructor(connection: NotificationConnection, options: StreamingOptions) {
    this.#connection = connection;
    this.#options = options;
  }

  /** Subscribes and starts streaming. Throws when the first Subscribe fails. */
  static async open(connection: NotificationConnection, options: StreamingOptions): Promise<StreamingSubscription> {
    if (options.signal?.aborted) throw new AbortedError("The streaming subscription was aborted before it started", { cause: options.signal.reason });
    const subscription = new StreamingSubscription(connection, options);
    buildGetStreamingEvents(["x"], options.connectionTimeoutMinutes ?? 30); // validates the timeout now
    await subscription.#subscribe();
    options.signal?.addEventListener("abort", () => void subscription.close(), { once: true });
    subscription.#loop = subscription.#run();
    return subscription;
  }

  async #subscribe(): Promise<void> {
    const response = await this.#connection.call("Subscribe", buildStreamingSubscribe(this.#options), { signal: this.#stop.signal, preferAffinity: true });
    const [message] = responseMessages(response.body, "Subscribe");
    if (!message) throw new EwsError("EWS_PROTOCOL_ERROR", "Subscribe returned no response message");
    const error = messageError("Subscribe", message, undefined);
    if (error) throw error;
    const id = child(message.element, "SubscriptionId")?.text;
    if (!id) throw new EwsError("EWS_PROTOCOL_ERROR", "Subscribe returned no SubscriptionId");
    this.subscriptionId = id;
    this.statistics.subscribes++;
  }

  #push(item: StreamingItem): void {
    this.#queue.push(item);
    this.#wake?.();
  }

  async #sleep(ms: number): Promise<void> {
    if (this.#stop.signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#stop.signal.addEventListener("abort", done, { once: true });
    });
  }

  async #run(): Promise<void> {
    const base = this.#options.reconnectDelayMs ?? 250;
    const cap = this.#options.maxReconnectDelayMs ?? 30_000;
    const maxFailures = this.#options.maxConsecutiveFailures ?? 10;
    let failures = 0;
    try {
      while (!this.#closed) {
        let outcome: "closed" | "gone" | "stalled" | "dropped";
        try {
          outcome = await this.#streamOnce();
          failures = 0;
        } catch (error) {
          if (this.#closed) break;
          if (error instanceof AbortedError && this.#stop.signal.aborted) break;
          failures++;
          // Credentials refused or a request the server rejects will not get better by waiting.
          if (error instanceof HttpError && (error.status === 401 || error.status === 403)) throw error;
          if (error instanceof EwsResponseError && error.responseCode !== "ErrorServerBusy") throw error;
          if (failures >= maxFailures) throw error;
          if (failures === 1) this.#push({ type: "Reconnected", subscriptionId: this.subscriptionId, reason: "failed" });
          const serverDelay = error instanceof SoapFaultError || error instanceof EwsResponseError ? error.backOffMs : undefined;
          await this.#sleep(Math.min(cap, Math.max(serverDelay ?? 0, exponentialDelay(failures, { baseDelayMs: base, maxDelayMs: cap }))));
          this.statistics.reconnects++;
          continue;
        }
        if (this.#closed) break;
        if (outcome === "gone") {
          const old = this.subscriptionId;
          await this.#subscribe();
          this.#push({ type: "Resubscribed", subscriptionId: this.subscriptionId, reason: `subscription ${old.slice(0, 8)}… no longer exists` });
        } else if (outcome !== "closed") {
          this.statistics.reconnects++;
          this.#push({ type: "Reconnected", subscriptionId: this.subscriptionId, reason: outcome });
        }
      }
    } catch (error) {
      this.#failure = error;
    } finally {
      this.#ended = true;
      this.#wake?.();
    }
  }

  /** One GetStreamingEvents connection, until it ends. */
  async #streamOnce(): Promise<"closed" | "gone" | "stalled" | "dropped"> {
    const stallMs = this.#options.stallTimeoutMs ?? 90_000;
    const attempt = new AbortController();
    const onStop = () => attempt.abort(this.#stop.signal.reason);
    this.#stop.signal.addEventListener("abort", onStop, { once: true });
    let stalled = false;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        stalled = true;
        attempt.abort(new Error("stalled"));
      }, stallMs);
    };
    arm();
    try {
      const stream = await this.#connection.openStream(
        buildGetStreamingEvents([this.subscriptionId], this.#options.connectionTimeoutMinutes ?? 30),
        attempt.signal,
      );
      this.statistics.streamsOpened++;
      arm();
      const splitter = new EnvelopeSplitter();
      try {
        for await (const chunk of stream.body) {
          arm();
          for (const envelope of splitter.push(chunk)) {
            const result = this.#handleEnvelope(envelope);
            if (result !== "continue") {
              stream.destroy();
              return result;
            }
          }
        }
      } catch (error) {
        if (stalled) {
          this.statistics.stalls++;
          return "stalled";
        }
        if (this.#stop.signal.aborted) throw new AbortedError(undefined, { cause: error });
        return "dropped";
      }
      return "dropped";
    } catch (error) {
      if (stalled) {
        this.statistics.stalls++;
        return "stalled";
      }
      if (error instanceof SoapFaultError && error.responseCode && SUBSCRIPTION_GONE.has(error.responseCode)) return "gone";
      throw error;
    } finally {
      clearTimeout(watchdog);
      this.#stop.signal.removeEventListener("abort", onStop);
    }
  }

  #handleEnvelope(envelope: string): "continue" | "closed" | "gone" {
    let response;
    try {
      response = parseSoapResponse(envelope, 200);
    } catch (error) {
      if (error instanceof SoapFaultError && error.responseCode && SUBSCRIPTION_GONE.has(error.responseCode)) return "gone";
      throw error;
    }
    let result: "continue" | "closed" | "gone" = "continue";
    for (const message of responseMessages(response.body, "GetStreamingEvents")) {
      const error = messageError("GetStreamingEvents", message, undefined);
      if (error) {
        if (SUBSCRIPTION_GONE.has(error.responseCode)) return "gone";
        throw error;
      }
      const notifications = children(child(message.element, "Notifications"), "Notification");
      if (notifications.length === 0) this.statistics.heartbeats++;
      for (const notification of notifications) {
        for (const event of parseNotification(notification).events) {
          this.statistics.events++;
          this.#push(event);
        }
      }
      if (child(message.element, "ConnectionStatus")?.text.trim() === "Closed") result = "closed";
    }
    return result;
  }

  /** Yields events as they arrive; ends after {@link close}, throws when streaming failed for good. */
  async *[Symbol.asyncIterator](): AsyncIterator<StreamingItem> {
    for (;;) {
      const item = this.#queue.shift();
      if (item) {
        yield item;
        continue;
      }
      if (this.#ended || this.#closed) {
        if (this.#failure && !this.#closed) throw this.#failure;
        return;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }

  /** Stops streaming and unsubscribes (best effort: an expired subscription is already gone). */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#stop.abort(new AbortedError("The streaming subscription was closed"));
    this.#wake?.();
    await this.#loop?.catch(() => undefined);
    try {
      await this.#connection.call("Unsubscribe", buildUnsubscribe(this.subscriptionId), { signal: AbortSignal.timeout(10_000) });
    } catch {
      // The subscription may have expired already; there is nothing else to release.
    }
  }
}
