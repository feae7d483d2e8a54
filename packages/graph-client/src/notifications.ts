/**
 * Change notifications: the `/subscriptions` calls, and a {@link SubscriptionKeeper} that keeps one
 * subscription per watched resource alive —
 * - creates each with a clientState of its own (32 random bytes), expected by the
 *   {@link GraphWebhookReceiver} the host mounts at `notificationUrl`;
 * - renews it `renewMarginMs` before it expires; a 404 on renewal (the subscription expired or was
 *   removed) makes it anew;
 * - answers the lifecycle events: `reauthorizationRequired` → renew, `subscriptionRemoved` →
 *   create anew, `missed` → report it, so the caller runs a delta round;
 * - without a receiver, or when Graph cannot validate the URL (or refuses the subscription), falls
 *   back to polling: a `poll` event every `pollIntervalMs` per resource, and a new try at push
 *   every `retryPushMs`.
 * Whenever changes may have gone unheard (a subscription made anew, `missed`), it emits `missed`:
 * notifications are hints, the delta round is the truth.
 * @module
 */
import { randomBytes } from "node:crypto";
import { GraphError } from "./errors.js";
import type { GraphChangeNotification, GraphLifecycleNotification, GraphSubscription, GraphSubscriptionInput } from "./model-notifications.js";
import { asObject, type GraphRequester } from "./requester.js";
import type { GraphWebhookReceiver } from "./webhook.js";

/** Creates a subscription (Graph validates the notification URL before it answers). */
export async function createSubscription(r: GraphRequester, input: GraphSubscriptionInput, options: { signal?: AbortSignal } = {}): Promise<GraphSubscription> {
  return asObject((await r.call("POST", r.url("/subscriptions"), { body: input, signal: options.signal })).body, "POST subscription") as unknown as GraphSubscription;
}

/** One subscription. */
export async function getSubscription(r: GraphRequester, id: string, options: { signal?: AbortSignal } = {}): Promise<GraphSubscription> {
  return asObject((await r.call("GET", r.url(`/subscriptions/${encodeURIComponent(id)}`), options)).body, "GET subscription") as unknown as GraphSubscription;
}

/** The caller's subscriptions. */
export function listSubscriptions(r: GraphRequester, options: { signal?: AbortSignal } = {}): Promise<GraphSubscription[]> {
  return r.listAll(r.url("/subscriptions"), options.signal);
}

/** Renews a subscription: its new expiration. */
export async function renewSubscription(r: GraphRequester, id: string, expirationDateTime: string, options: { signal?: AbortSignal } = {}): Promise<GraphSubscription> {
  return asObject((await r.call("PATCH", r.url(`/subscriptions/${encodeURIComponent(id)}`), { body: { expirationDateTime }, signal: options.signal })).body, "PATCH subscription") as unknown as GraphSubscription;
}

/** Deletes a subscription. */
export async function deleteSubscription(r: GraphRequester, id: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  await r.call("DELETE", r.url(`/subscriptions/${encodeURIComponent(id)}`), options);
}

/** The subscription calls the keeper makes (a `GraphClient` has them). */
export interface GraphSubscriptionApi {
  createSubscription(input: GraphSubscriptionInput, options?: { signal?: AbortSignal }): Promise<GraphSubscription>;
  renewSubscription(id: string, expirationDateTime: string, options?: { signal?: AbortSignal }): Promise<GraphSubscription>;
  deleteSubscription(id: string, options?: { signal?: AbortSignal }): Promise<void>;
}

/** Options of {@link SubscriptionKeeper}. */
export interface SubscriptionKeeperOptions {
  readonly client: GraphSubscriptionApi;
  /** The resources to watch, e.g. `me/contactFolders/{id}/contacts`, `me/todo/lists/{id}/tasks`. */
  readonly resources: readonly string[];
  /** The receiver the host mounted at {@link notificationUrl}; without both, the keeper polls. */
  readonly receiver?: GraphWebhookReceiver;
  /** The public https URL of the receiver. */
  readonly notificationUrl?: string;
  /** Where lifecycle notifications go (default {@link notificationUrl}: the receiver tells them apart). */
  readonly lifecycleNotificationUrl?: string;
  /** Default `created,updated,deleted`. */
  readonly changeType?: string;
  /** A subscription's lifetime (default: the resource's maximum less 5 minutes — 10 080 minutes for Outlook resources, 4 230 for To Do tasks). */
  readonly lifetimeMs?: number;
  /** Renew this long before expiry (default a quarter of the lifetime). */
  readonly renewMarginMs?: number;
  /** While polling: a `poll` event this often per resource (default 5 minutes). */
  readonly pollIntervalMs?: number;
  /** While polling with a receiver: try push again this often (default 30 minutes). */
  readonly retryPushMs?: number;
  /** Wait after a failed renewal before trying again (default 60 s). */
  readonly renewRetryMs?: number;
}

/** What the keeper reports. */
export interface SubscriptionKeeperEvents {
  /** A change notification for a watched resource. */
  change: { resource: string; notification: GraphChangeNotification };
  /** Changes may have gone unheard: run a delta round of the resource. */
  missed: { resource: string; reason: string };
  /** Polling mode: run a delta round of the resource now. */
  poll: { resource: string };
  /** The resource's mode changed: push (a live subscription) or polling. */
  state: { resource: string; state: "push" | "polling"; detail?: string };
  /** A subscription was created or renewed: its expiration. */
  renewed: { resource: string; subscriptionId: string; expirationDateTime: string; created: boolean };
  /** A call failed (the keeper goes on: retries or polls). */
  error: { resource: string; error: unknown };
}

type KeeperListener<K extends keyof SubscriptionKeeperEvents> = (event: SubscriptionKeeperEvents[K]) => void;

interface Entry {
  resource: string;
  mode: "push" | "polling" | "stopped";
  subscription?: GraphSubscription;
  stopExpecting?: () => void;
  renewTimer?: NodeJS.Timeout;
  pollTimer?: NodeJS.Timeout;
  retryTimer?: NodeJS.Timeout;
  /** Serialises the entry's subscription calls. */
  chain: Promise<void>;
}

const MINUTE = 60_000;

/** The longest lifetime Graph grants a subscription to `resource` (subscription resource type docs). */
export function maxSubscriptionLifetimeMs(resource: string): number {
  return (/(^|\/)todo\//i.test(resource) ? 4_230 : 10_080) * MINUTE;
}

/** Keeps subscriptions alive; see the module comment. */
export class SubscriptionKeeper {
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Map<keyof SubscriptionKeeperEvents, Set<(e: never) => void>>();
  #stopped = false;

  constructor(private readonly options: SubscriptionKeeperOptions) {
    for (const resource of options.resources) this.#entries.set(resource, { resource, mode: "stopped", chain: Promise.resolve() });
  }

  /** Listens to one kind of event; returns the function that stops listening. */
  on<K extends keyof SubscriptionKeeperEvents>(type: K, listener: KeeperListener<K>): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener as (e: never) => void);
    return () => set.delete(listener as (e: never) => void);
  }

  #emit<K extends keyof SubscriptionKeeperEvents>(type: K, event: SubscriptionKeeperEvents[K]): void {
    for (const l of this.#listeners.get(type) ?? []) {
      try {
        (l as KeeperListener<K>)(event);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  /** The current subscription of a resource (undefined while polling). */
  subscriptionOf(resource: string): GraphSubscription | undefined {
    return this.#entries.get(resource)?.subscription;
  }

  /** The mode of a resource. */
  modeOf(resource: string): "push" | "polling" | "stopped" | undefined {
    return this.#entries.get(resource)?.mode;
  }

  /** Subscribes every resource (or starts polling it); resolves when each has a mode. */
  async start(): Promise<void> {
    await Promise.all([...this.#entries.values()].map((e) => this.#run(e, () => this.#subscribe(e, false))));
  }

  /** Stops every timer and deletes the subscriptions (best effort). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#entries.values()].map(async (e) => {
      await e.chain;
      this.#clear(e);
      e.mode = "stopped";
      e.stopExpecting?.();
      const sub = e.subscription;
      e.subscription = undefined;
      if (sub) await this.options.client.deleteSubscription(sub.id, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    }));
  }

  #run(e: Entry, task: () => Promise<void>): Promise<void> {
    const next = e.chain.then(() => (this.#stopped ? undefined : task())).catch((error) => this.#emit("error", { resource: e.resource, error }));
    e.chain = next;
    return next;
  }

  #clear(e: Entry): void {
    for (const t of [e.renewTimer, e.pollTimer, e.retryTimer]) if (t) clearTimeout(t);
    e.renewTimer = e.pollTimer = e.retryTimer = undefined;
  }

  #timer(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(fn, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    t.unref();
    return t;
  }

  #lifetime(resource: string): number {
    return this.options.lifetimeMs ?? maxSubscriptionLifetimeMs(resource) - 5 * MINUTE;
  }

  /** Creates the resource's subscription; on failure, polls. `anew`: an earlier one is gone, so changes may have been missed. */
  async #subscribe(e: Entry, anew: boolean): Promise<void> {
    this.#clear(e);
    e.stopExpecting?.();
    e.stopExpecting = undefined;
    e.subscription = undefined;
    const { receiver, notificationUrl } = this.options;
    if (!receiver || !notificationUrl) return this.#poll(e, "no webhook receiver configured");
    const clientState = randomBytes(32).toString("base64url");
    // Expected before the create: a change may be notified before its answer arrives.
    e.stopExpecting = receiver.expect(clientState, {
      change: (notification) => this.#emit("change", { resource: e.resource, notification }),
      lifecycle: (notification) => this.#lifecycle(e, notification),
    });
    const lifetime = this.#lifetime(e.resource);
    try {
      const sub = await this.options.client.createSubscription({
        changeType: this.options.changeType ?? "created,updated,deleted", notificationUrl, resource: e.resource,
        expirationDateTime: new Date(Date.now() + lifetime).toISOString(), clientState,
        lifecycleNotificationUrl: this.options.lifecycleNotificationUrl ?? notificationUrl,
      });
      e.subscription = sub;
      e.mode = "push";
      this.#emit("state", { resource: e.resource, state: "push" });
      this.#emit("renewed", { resource: e.resource, subscriptionId: sub.id, expirationDateTime: sub.expirationDateTime, created: true });
      if (anew) this.#emit("missed", { resource: e.resource, reason: "subscription made anew" });
      this.#scheduleRenewal(e);
    } catch (error) {
      e.stopExpecting();
      e.stopExpecting = undefined;
      this.#emit("error", { resource: e.resource, error });
      const why = error instanceof GraphError ? `subscription refused: ${error.code || error.status}` : `subscription failed: ${(error as Error).message}`;
      this.#poll(e, why);
    }
  }

  #poll(e: Entry, detail: string): void {
    e.mode = "polling";
    this.#emit("state", { resource: e.resource, state: "polling", detail });
    // Changes made while push was down are only found by a delta round.
    this.#emit("poll", { resource: e.resource });
    const every = this.options.pollIntervalMs ?? 5 * MINUTE;
    const tick = () => {
      if (e.mode !== "polling") return;
      this.#emit("poll", { resource: e.resource });
      e.pollTimer = this.#timer(every, tick);
    };
    e.pollTimer = this.#timer(every, tick);
    if (this.options.receiver && this.options.notificationUrl) {
      e.retryTimer = this.#timer(this.options.retryPushMs ?? 30 * MINUTE, () => void this.#run(e, () => this.#subscribe(e, true)));
    }
  }

  #scheduleRenewal(e: Entry): void {
    const sub = e.subscription;
    if (!sub) return;
    const lifetime = this.#lifetime(e.resource);
    const margin = this.options.renewMarginMs ?? lifetime / 4;
    const at = Date.parse(sub.expirationDateTime) - margin;
    e.renewTimer = this.#timer(at - Date.now(), () => void this.#run(e, () => this.#renew(e)));
  }

  async #renew(e: Entry): Promise<void> {
    const sub = e.subscription;
    if (!sub || e.mode !== "push") return;
    if (e.renewTimer) clearTimeout(e.renewTimer);
    try {
      const renewed = await this.options.client.renewSubscription(sub.id, new Date(Date.now() + this.#lifetime(e.resource)).toISOString());
      e.subscription = { ...sub, expirationDateTime: renewed.expirationDateTime };
      this.#emit("renewed", { resource: e.resource, subscriptionId: sub.id, expirationDateTime: renewed.expirationDateTime, created: false });
      this.#scheduleRenewal(e);
    } catch (error) {
      if (error instanceof GraphError && error.status === 404) return this.#subscribe(e, true);
      this.#emit("error", { resource: e.resource, error });
      if (Date.parse(sub.expirationDateTime) <= Date.now()) return this.#subscribe(e, true);
      e.renewTimer = this.#timer(this.options.renewRetryMs ?? MINUTE, () => void this.#run(e, () => this.#renew(e)));
    }
  }

  #lifecycle(e: Entry, n: GraphLifecycleNotification): void {
    // A lifecycle event of a subscription the keeper no longer holds says nothing of the current one.
    if (e.subscription && n.subscriptionId !== e.subscription.id) return;
    switch (n.lifecycleEvent) {
      case "missed":
        this.#emit("missed", { resource: e.resource, reason: "Graph dropped notifications (missed)" });
        return;
      case "reauthorizationRequired":
        void this.#run(e, () => this.#renew(e));
        return;
      case "subscriptionRemoved":
        void this.#run(e, () => this.#subscribe(e, true));
        return;
    }
  }
}
