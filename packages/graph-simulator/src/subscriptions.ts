/**
 * Graph's `/subscriptions` over the simulator's mailboxes: create (with the validation handshake
 * of the notification URL and of the lifecycle URL), get, list, renew (PATCH of
 * `expirationDateTime`) and delete, for the Outlook and To Do resources ewsdav syncs —
 * `me/contacts`, `me/contactFolders/{id}/contacts`, `me/events`, `me/calendars/{id}/events`,
 * `me/todo/lists/{id}/tasks`, each also as `users/{id | upn}/…`. A subscription watches one folder
 * of the mailbox; every change to it, made over EWS or over Graph (the mailbox's event log, which
 * the EWS simulator's notifications read too), becomes a change notification POSTed to the URL
 * (see notify.ts). The longest lifetime is the documented one: 10 080 minutes (under 7 days) for
 * Outlook contacts and events, 4 230 minutes (under 3 days) for To Do tasks.
 */
import { randomUUID } from "node:crypto";
import type { BearerGrant, FolderRecord, MailboxEvent, SimulatedMailbox } from "@ewsdav/ews-simulator";
import { GraphSimError } from "./errors.js";
import { resolveGraphId, restId, userObjectId, type ImmutableIds } from "./ids.js";
import { NotificationSender, type GraphDeliveryRecord, type GraphNotificationOptions } from "./notify.js";
import type { RouteResponse } from "./routes.js";

/** What a subscribed resource is: the folder watched and the type of its items. */
interface Watched {
  folder: FolderRecord;
  /** `Contacts`, `Events` or `tasks`: how notifications name the item. */
  kind: "contact" | "event" | "todoTask";
}

interface SimSubscription extends Watched {
  id: string;
  resource: string;
  changeType: string;
  changeTypes: Set<string>;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expiration: number;
  box: SimulatedMailbox;
  /** Ids in notifications are immutable ids when the subscription was created with `Prefer: IdType="ImmutableId"`. */
  immutable: boolean;
  /** Who made it: a mailbox address (delegated) or `app`. */
  creator: string;
  latestSupportedTlsVersion: string;
}

/** A lifecycle event the test hooks can send. */
export type SimLifecycleEvent = "reauthorizationRequired" | "subscriptionRemoved" | "missed";

/** The test hooks of subscriptions (`GraphSimulator.notifications`). */
export interface GraphNotificationHooks {
  /** The live subscriptions (ids, resources, expirations). */
  list(): Array<{ id: string; resource: string; expirationDateTime: string; notificationUrl: string; clientState: string | null }>;
  /** Sends a lifecycle notification for a subscription (`subscriptionRemoved` also removes it). */
  lifecycle(subscriptionId: string, event: SimLifecycleEvent): void;
  /** Ends a subscription as its expiration would: no more notifications, and its renewal answers 404. */
  expire(subscriptionId: string): void;
  /** Resolves when every queued delivery is done (or waiting on nothing). */
  settled(): Promise<void>;
  /** Every validation and delivery attempt, oldest first. */
  readonly deliveries: readonly GraphDeliveryRecord[];
}

/** What the subscriptions need from the HTTP front. */
export interface SubscriptionFront {
  resolveUser(grant: BearerGrant, segments: string[]): { box: SimulatedMailbox; userPath: string; rest: string[] };
  immutableOf(box: SimulatedMailbox): ImmutableIds;
  root(): string;
}

const MINUTE = 60_000;
/** The longest lifetimes (subscription resource type, "maximum length of subscription per resource type"). */
const MAX_MINUTES: Record<Watched["kind"], number> = { contact: 10_080, event: 10_080, todoTask: 4_230 };
const CHANGE_TYPES = new Set(["created", "updated", "deleted"]);
const PROPERTIES = new Set([
  "changeType", "notificationUrl", "resource", "expirationDateTime", "clientState", "lifecycleNotificationUrl", "latestSupportedTlsVersion",
  "includeResourceData", "encryptionCertificate", "encryptionCertificateId", "notificationUrlAppId", "notificationQueryOptions",
]);

function invalid(message: string): GraphSimError {
  return new GraphSimError(400, "InvalidRequest", message);
}

function subscriptionNotFound(): GraphSimError {
  return new GraphSimError(404, "ResourceNotFound", "The object was not found.");
}

function isWebUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const u = new URL(value);
    return u.protocol === "https:" || u.protocol === "http:";
  } catch {
    return false;
  }
}

/** The subscriptions of one simulator. */
export class GraphSubscriptions {
  private readonly subs = new Map<string, SimSubscription>();
  /** Per mailbox: how far its event log has been read. */
  private readonly watching = new Map<SimulatedMailbox, { seen: number }>();
  readonly sender: NotificationSender;

  constructor(private readonly front: SubscriptionFront, options: GraphNotificationOptions = {}) {
    this.sender = new NotificationSender(options);
  }

  /** The test hooks. */
  hooks(): GraphNotificationHooks {
    return {
      list: () => [...this.live()].map((s) => ({
        id: s.id, resource: s.resource, expirationDateTime: iso(s.expiration), notificationUrl: s.notificationUrl, clientState: s.clientState,
      })),
      lifecycle: (id, event) => {
        const sub = this.subs.get(id);
        if (!sub) throw new Error(`no subscription ${id}`);
        if (event === "subscriptionRemoved") this.subs.delete(id);
        this.sendLifecycle(sub, event);
      },
      expire: (id) => {
        const sub = this.subs.get(id);
        if (sub) sub.expiration = Date.now() - 1;
        this.subs.delete(id);
      },
      settled: () => this.sender.settled(),
      deliveries: this.sender.log,
    };
  }

  close(): void {
    this.sender.close();
    for (const [box, w] of this.watching) box.eventListeners.delete(this.listenerOf(box, w));
    this.watching.clear();
  }

  private readonly listeners = new Map<SimulatedMailbox, () => void>();
  private listenerOf(box: SimulatedMailbox, w: { seen: number }): () => void {
    let l = this.listeners.get(box);
    if (!l) this.listeners.set(box, (l = () => this.onEvents(box, w)));
    return l;
  }

  private *live(): Generator<SimSubscription> {
    const now = Date.now();
    for (const [id, s] of this.subs) {
      if (s.expiration <= now) this.subs.delete(id);
      else yield s;
    }
  }

  /** `/subscriptions…` (path after the service root). */
  async route(grant: BearerGrant, method: string, path: string, headers: Record<string, string>, body: unknown): Promise<RouteResponse> {
    const segments = path.split("?")[0]!.split("/").filter(Boolean);
    const creator = grant.kind === "delegated" ? grant.smtpAddress.toLowerCase() : "app";
    const root = this.front.root();
    if (segments.length === 1) {
      if (method === "GET") {
        const value = [...this.live()].filter((s) => s.creator === creator).map((s) => this.render(s));
        return { status: 200, body: { "@odata.context": `${root}/$metadata#subscriptions`, value } };
      }
      if (method === "POST") return this.create(grant, creator, headers, body);
      throw new GraphSimError(405, "ErrorInvalidRequest", "The OData request is not supported.");
    }
    if (segments.length !== 2) throw new GraphSimError(400, "BadRequest", "Resource not found for the segment.");
    const sub = [...this.live()].find((s) => s.id === segments[1] && s.creator === creator);
    if (!sub) throw subscriptionNotFound();
    if (method === "GET") return { status: 200, body: { "@odata.context": `${root}/$metadata#subscriptions/$entity`, ...this.render(sub) } };
    if (method === "DELETE") {
      this.subs.delete(sub.id);
      return { status: 204 };
    }
    if (method === "PATCH") {
      const patch = objectBody(body);
      for (const k of Object.keys(patch)) {
        if (k !== "expirationDateTime" && k !== "notificationUrl" && k !== "lifecycleNotificationUrl" && !k.startsWith("@odata.")) {
          throw invalid(`Property '${k}' cannot be changed on a subscription.`);
        }
      }
      const expiration = patch.expirationDateTime === undefined ? sub.expiration : this.expirationOf(patch.expirationDateTime, sub.kind);
      if (patch.notificationUrl !== undefined && patch.notificationUrl !== sub.notificationUrl) {
        if (!isWebUrl(patch.notificationUrl)) throw invalid("The notificationUrl must be an absolute https URL.");
        await this.validateUrl(patch.notificationUrl);
        sub.notificationUrl = patch.notificationUrl;
      }
      sub.expiration = expiration;
      return { status: 200, body: { "@odata.context": `${root}/$metadata#subscriptions/$entity`, ...this.render(sub) } };
    }
    throw new GraphSimError(405, "ErrorInvalidRequest", "The OData request is not supported.");
  }

  private async create(grant: BearerGrant, creator: string, headers: Record<string, string>, body: unknown): Promise<RouteResponse> {
    const b = objectBody(body);
    for (const k of Object.keys(b)) {
      if (!PROPERTIES.has(k) && !k.startsWith("@odata.")) {
        throw new GraphSimError(400, "BadRequest", `The property '${k}' does not exist on type 'microsoft.graph.subscription'.`);
      }
    }
    if (typeof b.changeType !== "string" || b.changeType.split(",").some((t) => !CHANGE_TYPES.has(t.trim()))) {
      throw invalid("changeType must be a comma-separated list of created, updated and deleted.");
    }
    if (!isWebUrl(b.notificationUrl)) throw invalid("The notificationUrl must be an absolute https URL.");
    if (b.lifecycleNotificationUrl !== undefined && b.lifecycleNotificationUrl !== null && !isWebUrl(b.lifecycleNotificationUrl)) {
      throw invalid("The lifecycleNotificationUrl must be an absolute https URL.");
    }
    if (b.clientState !== undefined && b.clientState !== null && (typeof b.clientState !== "string" || b.clientState.length > 128)) {
      throw invalid("clientState is a string of at most 128 characters.");
    }
    if (b.includeResourceData === true) throw invalid("includeResourceData is not supported for this resource by the simulator.");
    if (typeof b.resource !== "string") throw invalid("resource is required.");
    const { box, watched } = this.resolveResource(grant, b.resource);
    const expiration = this.expirationOf(b.expirationDateTime, watched.kind);
    await this.validateUrl(b.notificationUrl);
    if (typeof b.lifecycleNotificationUrl === "string") await this.validateUrl(b.lifecycleNotificationUrl);
    const sub: SimSubscription = {
      ...watched, id: randomUUID(), resource: b.resource, changeType: b.changeType, changeTypes: new Set(b.changeType.split(",").map((t) => t.trim())),
      notificationUrl: b.notificationUrl, lifecycleNotificationUrl: typeof b.lifecycleNotificationUrl === "string" ? b.lifecycleNotificationUrl : null,
      clientState: typeof b.clientState === "string" ? b.clientState : null, expiration, box, creator,
      immutable: /IdType\s*=\s*"?ImmutableId"?/i.test(headers.prefer ?? ""),
      latestSupportedTlsVersion: typeof b.latestSupportedTlsVersion === "string" ? b.latestSupportedTlsVersion : "v1_2",
    };
    this.watch(box);
    this.subs.set(sub.id, sub);
    return { status: 201, body: { "@odata.context": `${this.front.root()}/$metadata#subscriptions/$entity`, ...this.render(sub) } };
  }

  private async validateUrl(url: string): Promise<void> {
    const outcome = await this.sender.validate(url);
    if (outcome === "timeout") throw new GraphSimError(400, "ValidationError", "Subscription validation request timed out.");
    if (outcome === "failed") {
      throw new GraphSimError(400, "ValidationError", "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.");
    }
  }

  private expirationOf(value: unknown, kind: Watched["kind"]): number {
    const at = typeof value === "string" ? Date.parse(value) : NaN;
    if (Number.isNaN(at)) throw invalid("expirationDateTime is required (an ISO 8601 date and time).");
    const now = Date.now();
    if (at <= now) throw invalid("Subscription expiration must be in the future.");
    if (at > now + MAX_MINUTES[kind] * MINUTE) {
      throw invalid(`Subscription expiration can only be ${MAX_MINUTES[kind]} minutes in the future.`);
    }
    return at;
  }

  private resolveResource(grant: BearerGrant, resource: string): { box: SimulatedMailbox; watched: Watched } {
    const segments = resource.replace(/^\/+/, "").split("/").filter(Boolean).map(decodeURIComponent);
    if (segments[0]?.toLowerCase() === "users" || segments[0]?.toLowerCase() === "me") segments[0] = segments[0].toLowerCase();
    let resolved: { box: SimulatedMailbox; rest: string[] };
    try {
      resolved = this.front.resolveUser(grant, segments);
    } catch (error) {
      if (error instanceof GraphSimError && error.status === 400) throw invalid(`Resource '${resource}' is not supported.`);
      throw error;
    }
    const { box, rest } = resolved;
    const lower = rest.map((s) => s.toLowerCase());
    const path = lower.map((s, i) => (i % 2 === 1 && !["events", "contacts", "tasks", "lists"].includes(s) ? "{id}" : s)).join("/");
    const folderById = (id: string, folderClass: string): FolderRecord => {
      const target = resolveGraphId(box, this.front.immutableOf(box), id);
      const folder = target?.kind === "folder" ? box.folderByNumber(target.number) : undefined;
      if (!folder || !(folder.folderClass ?? "").startsWith(folderClass)) throw new GraphSimError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
      return folder;
    };
    switch (path) {
      case "contacts":
        return { box, watched: { folder: box.distinguishedFolder("contacts")!, kind: "contact" } };
      case "contactfolders/{id}/contacts":
        return { box, watched: { folder: folderById(rest[1]!, "IPF.Contact"), kind: "contact" } };
      case "events":
      case "calendar/events":
        return { box, watched: { folder: box.distinguishedFolder("calendar")!, kind: "event" } };
      case "calendars/{id}/events":
        return { box, watched: { folder: folderById(rest[1]!, "IPF.Appointment"), kind: "event" } };
      default:
        if (lower.length === 4 && lower[0] === "todo" && lower[1] === "lists" && lower[3] === "tasks") {
          return { box, watched: { folder: folderById(rest[2]!, "IPF.Task"), kind: "todoTask" } };
        }
        throw invalid(`Resource '${resource}' is not supported for change notifications by the simulator.`);
    }
  }

  private render(s: SimSubscription): Record<string, unknown> {
    return {
      id: s.id, resource: s.resource, applicationId: "00000000-0000-0000-0000-0000000e75da", changeType: s.changeType, clientState: s.clientState,
      notificationUrl: s.notificationUrl, notificationQueryOptions: null, lifecycleNotificationUrl: s.lifecycleNotificationUrl,
      expirationDateTime: iso(s.expiration), creatorId: s.creator === "app" ? "00000000-0000-0000-0000-0000000e75da" : userObjectId(s.box),
      includeResourceData: false, latestSupportedTlsVersion: s.latestSupportedTlsVersion, encryptionCertificate: null, encryptionCertificateId: null,
      notificationUrlAppId: null,
    };
  }

  /** Listens to a mailbox's event log (once per mailbox). */
  private watch(box: SimulatedMailbox): void {
    if (this.watching.has(box)) return;
    const w = { seen: box.events.length };
    this.watching.set(box, w);
    box.eventListeners.add(this.listenerOf(box, w));
  }

  /** New events of a mailbox's log → change notifications, one POST per URL for what one change logged. */
  private onEvents(box: SimulatedMailbox, w: { seen: number }): void {
    const events = box.events.slice(w.seen);
    w.seen = box.events.length;
    const subs = [...this.live()].filter((s) => s.box === box);
    if (subs.length === 0) return;
    const byUrl = new Map<string, { value: unknown[]; subs: Set<SimSubscription> }>();
    for (const e of events) {
      if (e.isFolder) continue;
      for (const s of subs) {
        for (const n of this.notificationsOf(s, e)) {
          const entry = byUrl.get(s.notificationUrl) ?? { value: [], subs: new Set() };
          entry.value.push(n);
          entry.subs.add(s);
          byUrl.set(s.notificationUrl, entry);
        }
      }
    }
    for (const [url, entry] of byUrl) {
      this.sender.send(url, "change", entry.value, () => {
        for (const s of entry.subs) if (this.subs.has(s.id)) this.sendLifecycle(s, "missed");
      });
    }
  }

  private *notificationsOf(s: SimSubscription, e: MailboxEvent): Generator<Record<string, unknown>> {
    const changes: Array<[string, number, boolean]> = [];
    if (e.type === "CreatedEvent" && e.parent === s.folder) changes.push(["created", e.number, false]);
    else if (e.type === "ModifiedEvent" && e.parent === s.folder) changes.push(["updated", e.number, false]);
    else if (e.type === "DeletedEvent" && e.parent === s.folder) changes.push(["deleted", e.number, true]);
    else if (e.type === "MovedEvent") {
      if (e.oldParent === s.folder && e.parent !== s.folder) changes.push(["deleted", e.oldNumber ?? e.number, true]);
      if (e.parent === s.folder && e.oldParent !== s.folder) changes.push(["created", e.number, false]);
    }
    for (const [changeType, number, gone] of changes) {
      if (!s.changeTypes.has(changeType)) continue;
      const item = gone ? undefined : s.box.itemIndex.get(number);
      // An immutable id names the item across its moves: the moved-away item keeps the one the new record has.
      const id = s.immutable ? this.front.immutableOf(s.box).idOf("item", e.type === "MovedEvent" ? e.number : number) : restId(s.box, "item", number);
      const user = userObjectId(s.box);
      const path = s.kind === "contact" ? `Users/${user}/Contacts/${id}` : s.kind === "event" ? `Users/${user}/Events/${id}` : `Users/${user}/todo/lists/${restId(s.box, "folder", s.folder.number)}/tasks/${id}`;
      const type = s.kind === "contact" ? "#Microsoft.Graph.Contact" : s.kind === "event" ? "#Microsoft.Graph.Event" : "#Microsoft.Graph.todoTask";
      yield {
        subscriptionId: s.id, subscriptionExpirationDateTime: iso(s.expiration), changeType, resource: path,
        resourceData: { "@odata.type": type, "@odata.id": path, ...(item ? { "@odata.etag": `W/"${s.box.itemChangeKey(item)}"` } : {}), id },
        ...(s.clientState !== null ? { clientState: s.clientState } : {}), tenantId: this.sender.tenantId,
      };
    }
  }

  private sendLifecycle(s: SimSubscription, event: SimLifecycleEvent): void {
    if (!s.lifecycleNotificationUrl) return;
    this.sender.send(s.lifecycleNotificationUrl, "lifecycle", [{
      subscriptionId: s.id, subscriptionExpirationDateTime: iso(s.expiration), tenantId: this.sender.tenantId, lifecycleEvent: event,
      ...(s.clientState !== null ? { clientState: s.clientState } : {}),
    }]);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, "0000Z");
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new GraphSimError(400, "BadRequest", "Empty Payload. JSON content expected.");
  return body as Record<string, unknown>;
}
