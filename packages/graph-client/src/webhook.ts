/**
 * A receiver of Graph's change and lifecycle notifications: a plain Node request handler the host
 * mounts on its own HTTP(S) server at the URL it gives Graph as `notificationUrl` (and
 * `lifecycleNotificationUrl`). It
 * - answers the validation request (`?validationToken=…`) with the URL-decoded token as
 *   `text/plain`, 200, at once;
 * - refuses a body over `maxBodyBytes` (413) and a body that is not a notification collection
 *   (400: parsed with zod at the boundary);
 * - answers 202 as soon as the body is read — Graph wants 2xx within 3 seconds — and processes
 *   afterwards;
 * - keeps a notification only when its `clientState` equals, compared in constant time, one the
 *   receiver was told to expect ({@link GraphWebhookReceiver.expect}); others are dropped and
 *   counted (they may be forgeries);
 * - hands change notifications and lifecycle events to the sink registered with that clientState
 *   and to the receiver's listeners.
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { GraphChangeNotification, GraphLifecycleNotification } from "./model-notifications.js";

const resourceData = z.looseObject({
  "@odata.type": z.string().optional(),
  "@odata.id": z.string().optional(),
  "@odata.etag": z.string().optional(),
  id: z.string().optional(),
});
const change = z.object({
  id: z.string().nullish(),
  subscriptionId: z.string().min(1),
  subscriptionExpirationDateTime: z.string(),
  changeType: z.enum(["created", "updated", "deleted"]),
  resource: z.string(),
  resourceData: resourceData.nullish(),
  clientState: z.string().nullish(),
  tenantId: z.string(),
  lifecycleEvent: z.null().optional(),
});
const lifecycle = z.object({
  subscriptionId: z.string().min(1),
  subscriptionExpirationDateTime: z.string(),
  lifecycleEvent: z.enum(["missed", "subscriptionRemoved", "reauthorizationRequired"]),
  clientState: z.string().nullish(),
  tenantId: z.string(),
  resource: z.string().optional(),
});
const collection = z.object({ value: z.array(z.union([lifecycle, change])).min(1), validationTokens: z.array(z.string()).optional() });

/** Where the notifications of one clientState go. */
export interface GraphNotificationSink {
  change(notification: GraphChangeNotification): void;
  lifecycle(notification: GraphLifecycleNotification): void;
}

/** Options of {@link GraphWebhookReceiver}. */
export interface GraphWebhookReceiverOptions {
  /** Largest body accepted (default 1 MiB); larger → 413. */
  readonly maxBodyBytes?: number;
}

/** What the receiver saw (for logs and tests). */
export interface GraphWebhookStats {
  validations: number;
  /** Notification collections accepted (202). */
  accepted: number;
  /** Notifications handed to a sink. */
  delivered: number;
  /** Notifications dropped because their clientState matched none expected. */
  clientStateMismatches: number;
  /** Bodies refused as malformed (400) or too large (413). */
  refused: number;
}

type Listener<T> = (value: T) => void;

/** The receiver; mount {@link handler} on the host's server. */
export class GraphWebhookReceiver {
  readonly stats: GraphWebhookStats = { validations: 0, accepted: 0, delivered: 0, clientStateMismatches: 0, refused: 0 };
  /** Expected clientStates by their SHA-256 (compared in constant time), with their sinks. */
  readonly #expected = new Map<string, { digest: Buffer; sink: GraphNotificationSink }>();
  readonly #listeners = { change: new Set<Listener<GraphChangeNotification>>(), lifecycle: new Set<Listener<GraphLifecycleNotification>>(), dropped: new Set<Listener<{ subscriptionId: string }>>() };
  readonly #maxBytes: number;

  constructor(options: GraphWebhookReceiverOptions = {}) {
    this.#maxBytes = options.maxBodyBytes ?? 1024 * 1024;
  }

  /** The request handler: `(req, res) => void`, for `http.createServer` or a framework's raw route. */
  readonly handler = (req: IncomingMessage, res: ServerResponse): void => {
    this.#handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  };

  /** Expects notifications carrying `clientState` and hands them to `sink`; returns the function that stops expecting it. */
  expect(clientState: string, sink: GraphNotificationSink): () => void {
    const digest = createHash("sha256").update(clientState, "utf8").digest();
    const key = digest.toString("hex");
    this.#expected.set(key, { digest, sink });
    return () => {
      if (this.#expected.get(key)?.sink === sink) this.#expected.delete(key);
    };
  }

  /** Listens to every accepted change notification; returns the function that stops listening. */
  onChange(listener: Listener<GraphChangeNotification>): () => void {
    this.#listeners.change.add(listener);
    return () => this.#listeners.change.delete(listener);
  }

  /** Listens to every accepted lifecycle notification. */
  onLifecycle(listener: Listener<GraphLifecycleNotification>): () => void {
    this.#listeners.lifecycle.add(listener);
    return () => this.#listeners.lifecycle.delete(listener);
  }

  /** Listens to notifications dropped for a clientState mismatch. */
  onDropped(listener: Listener<{ subscriptionId: string }>): () => void {
    this.#listeners.dropped.add(listener);
    return () => this.#listeners.dropped.delete(listener);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://receiver.invalid");
    const token = url.searchParams.get("validationToken");
    if (token !== null) {
      req.resume();
      this.stats.validations++;
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" }).end(token);
      return;
    }
    if (req.method !== "POST") {
      req.resume();
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > this.#maxBytes) return this.#refuse(req, res, 413);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > this.#maxBytes) return this.#refuse(req, res, 413);
      chunks.push(c as Buffer);
    }
    let parsed: z.infer<typeof collection>;
    try {
      const result = collection.safeParse(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      if (!result.success) return this.#refuse(req, res, 400);
      parsed = result.data;
    } catch {
      return this.#refuse(req, res, 400);
    }
    this.stats.accepted++;
    res.writeHead(202).end();
    setImmediate(() => this.#process(parsed.value as Array<GraphChangeNotification | GraphLifecycleNotification>));
  }

  #refuse(req: IncomingMessage, res: ServerResponse, status: 400 | 413): void {
    this.stats.refused++;
    if (status === 413) {
      res.writeHead(413, { connection: "close" }).end();
      req.destroy();
      return;
    }
    res.writeHead(status).end();
  }

  /** The sink whose clientState equals `given`: every expected one is compared, in constant time. */
  #sinkOf(given: string | null | undefined): GraphNotificationSink | undefined {
    const digest = createHash("sha256").update(given ?? "", "utf8").digest();
    let found: GraphNotificationSink | undefined;
    for (const entry of this.#expected.values()) {
      if (timingSafeEqual(digest, entry.digest) && given != null) found = entry.sink;
    }
    return found;
  }

  #process(value: Array<GraphChangeNotification | GraphLifecycleNotification>): void {
    for (const n of value) {
      try {
        this.#dispatch(n);
      } catch {
        // A failing listener must not take the host down, nor keep the other notifications from theirs.
      }
    }
  }

  #dispatch(n: GraphChangeNotification | GraphLifecycleNotification): void {
    {
      const sink = this.#sinkOf(n.clientState);
      if (!sink) {
        this.stats.clientStateMismatches++;
        for (const l of this.#listeners.dropped) l({ subscriptionId: n.subscriptionId });
        return;
      }
      this.stats.delivered++;
      if (typeof n.lifecycleEvent === "string") {
        const lifecycleNotice = n as GraphLifecycleNotification;
        sink.lifecycle(lifecycleNotice);
        for (const l of this.#listeners.lifecycle) l(lifecycleNotice);
      } else {
        const changeNotice = n as GraphChangeNotification;
        sink.change(changeNotice);
        for (const l of this.#listeners.change) l(changeNotice);
      }
    }
  }
}
