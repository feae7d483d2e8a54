/**
 * Delivery of change and lifecycle notifications to webhooks, as Microsoft Graph does it: a POST
 * of a `changeNotificationCollection` (`{"value": [...]}`), JSON, to the subscription's URL; the
 * endpoint must answer 2xx within 3 seconds. What the simulator does with an endpoint that fails
 * or is slow follows "Receive change notifications through webhooks" (Graph docs): Graph resends
 * "multiple times, for up to 4 hours", then discards the notification; failed deliveries of a
 * throttled endpoint are retried every 10 minutes. The simulator retries each failed POST after
 * `retryBaseMs` (default 1 s), doubling up to `retryMaxMs` (default 10 min), for `retryWindowMs`
 * (default 4 h); then it drops the notifications and sends a `missed` lifecycle notification to
 * the subscription's lifecycle URL, when it has one (the lifecycle docs' way of saying
 * "notifications were dropped: run a delta round"). One POST per URL is in flight at a time; the
 * notifications of changes made meanwhile go together in the next one (Graph, too, sends several
 * notifications in one POST).
 */
import { randomUUID } from "node:crypto";

/** Options of notification delivery (see the module comment for the defaults). */
export interface GraphNotificationOptions {
  /** The tenant id notifications carry (a GUID). */
  tenantId?: string;
  /** How long the validation handshake may take (Graph: 10 s). */
  validationTimeoutMs?: number;
  /** How long a delivery may take before it counts as failed (Graph: 3 s). */
  deliveryTimeoutMs?: number;
  /** First retry delay of a failed delivery (default 1000). */
  retryBaseMs?: number;
  /** Longest retry delay (default 600 000, Graph's 10 minutes). */
  retryMaxMs?: number;
  /** How long a notification is retried before it is dropped (default 4 h). */
  retryWindowMs?: number;
}

/** One delivery attempt as the simulator logs it. */
export interface GraphDeliveryRecord {
  url: string;
  /** `change`, `lifecycle` or `validation`. */
  kind: "change" | "lifecycle" | "validation";
  /** The HTTP status answered, or 0 when the endpoint did not answer in time. */
  status: number;
  /** The payload sent (for validation: the token). */
  payload: unknown;
}

/** One queued notification. */
interface Queued {
  value: unknown;
  /** When it was first queued (the retry window counts from here). */
  since: number;
  /** Called when it is given up on (once per function, for a dropped batch). */
  onDrop: () => void;
}

/** What is queued for one URL: one POST at a time, the rest batched behind it. */
interface Channel {
  url: string;
  kind: "change" | "lifecycle";
  queue: Queued[];
  busy: boolean;
  /** Failed POSTs in a row (the backoff's exponent). */
  failures: number;
}

/** The most notifications one POST carries. */
const MAX_BATCH = 100;

/**
 * Posts notifications with the retries of the module comment. Each URL has one POST in flight;
 * what changes meanwhile waits and goes in the next POST (up to {@link MAX_BATCH} notifications),
 * as Graph batches notifications. {@link settled} waits for every queued delivery.
 */
export class NotificationSender {
  readonly log: GraphDeliveryRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private readonly channels = new Map<string, Channel>();
  private closed = false;

  constructor(private readonly options: GraphNotificationOptions = {}) {}

  get tenantId(): string {
    return this.options.tenantId ?? "5c2b8a4e-1f3d-4e6a-9b7c-8d0e2f4a6b1c";
  }

  /** The validation handshake: POST `?validationToken=…`, which must come back as a 200 text/plain echo in time. */
  async validate(url: string): Promise<"ok" | "failed" | "timeout"> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = `${url}${url.includes("?") ? "&" : "?"}validationToken=${encodeURIComponent(token)}`;
    let status = 0;
    try {
      const response = await fetch(target, {
        method: "POST", headers: { "content-type": "text/plain; charset=utf-8" }, signal: AbortSignal.timeout(this.options.validationTimeoutMs ?? 10_000),
      });
      status = response.status;
      const text = await response.text();
      const plain = (response.headers.get("content-type") ?? "").toLowerCase().startsWith("text/plain");
      return status === 200 && plain && text === token ? "ok" : "failed";
    } catch (error) {
      return (error as Error).name === "TimeoutError" ? "timeout" : "failed";
    } finally {
      this.log.push({ url, kind: "validation", status, payload: token });
    }
  }

  /** Queues notifications for `url`; `onDrop` runs when they are given up on. */
  send(url: string, kind: "change" | "lifecycle", value: unknown[], onDrop: () => void = () => {}): void {
    if (this.closed || value.length === 0) return;
    const key = `${kind} ${url}`;
    let channel = this.channels.get(key);
    if (!channel) this.channels.set(key, (channel = { url, kind, queue: [], busy: false, failures: 0 }));
    const since = Date.now();
    for (const v of value) channel.queue.push({ value: v, since, onDrop });
    if (!channel.busy) {
      // Wait for the rest of the current change's events: they go in the same POST.
      channel.busy = true;
      this.later(0, channel);
    }
  }

  private later(ms: number, channel: Channel): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      const task = this.flush(channel).finally(() => this.running.delete(task));
      this.running.add(task);
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** Posts the channel's next batch; then the next, or a retry after the backoff. Runs while `busy`. */
  private async flush(channel: Channel): Promise<void> {
    const window = this.options.retryWindowMs ?? 4 * 3_600_000;
    const now = Date.now();
    const expired = channel.queue.filter((q) => now - q.since > window);
    if (expired.length > 0) {
      channel.queue = channel.queue.filter((q) => now - q.since <= window);
      for (const drop of new Set(expired.map((q) => q.onDrop))) drop();
    }
    const batch = channel.queue.slice(0, MAX_BATCH);
    if (batch.length === 0) {
      channel.busy = false;
      return;
    }
    const value = batch.map((q) => q.value);
    let status = 0;
    try {
      const response = await fetch(channel.url, {
        method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify({ value }),
        signal: AbortSignal.timeout(this.options.deliveryTimeoutMs ?? 3_000),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch {
      status = 0;
    }
    this.log.push({ url: channel.url, kind: channel.kind, status, payload: { value } });
    if (this.closed) return;
    if (status >= 200 && status < 300) {
      channel.queue.splice(0, batch.length);
      channel.failures = 0;
      this.later(0, channel);
      return;
    }
    const delay = Math.min((this.options.retryBaseMs ?? 1_000) * 2 ** channel.failures, this.options.retryMaxMs ?? 600_000);
    channel.failures++;
    this.later(delay, channel);
  }

  /** Resolves when no delivery is in flight or waiting for a retry. */
  async settled(): Promise<void> {
    while (this.running.size > 0 || this.timers.size > 0) {
      if (this.running.size > 0) await Promise.allSettled([...this.running]);
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Stops every retry. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
