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
 * "notifications were dropped: run a delta round").
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

/** What is queued for one URL. */
interface Pending {
  url: string;
  kind: "change" | "lifecycle";
  value: unknown[];
  firstTry: number;
  attempt: number;
  /** Called when the notifications are dropped. */
  onDrop: () => void;
}

/** Posts notifications with the retries of the module comment; {@link settled} waits for every queued delivery. */
export class NotificationSender {
  readonly log: GraphDeliveryRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
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
    this.attempt({ url, kind, value, firstTry: Date.now(), attempt: 0, onDrop });
  }

  private attempt(p: Pending): void {
    const task = this.post(p).finally(() => this.running.delete(task));
    this.running.add(task);
  }

  private async post(p: Pending): Promise<void> {
    let status = 0;
    try {
      const response = await fetch(p.url, {
        method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify({ value: p.value }),
        signal: AbortSignal.timeout(this.options.deliveryTimeoutMs ?? 3_000),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch {
      status = 0;
    }
    this.log.push({ url: p.url, kind: p.kind, status, payload: { value: p.value } });
    if (status >= 200 && status < 300) return;
    if (this.closed) return;
    const base = this.options.retryBaseMs ?? 1_000;
    const delay = Math.min(base * 2 ** p.attempt, this.options.retryMaxMs ?? 600_000);
    if (Date.now() + delay - p.firstTry > (this.options.retryWindowMs ?? 4 * 3_600_000)) {
      p.onDrop();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) this.attempt({ ...p, attempt: p.attempt + 1 });
    }, delay);
    timer.unref();
    this.timers.add(timer);
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
