/**
 * Notification subscriptions: pull (Subscribe + GetEvents) and streaming (Subscribe +
 * GetStreamingEvents), over each mailbox's event log. Watermarks are opaque ("AQAAA…") and name a
 * position in the log; GetEvents returns the events after a watermark (at most 50 per call, with
 * MoreEvents), or a StatusEvent when there are none.
 */
import { randomBytes } from "node:crypto";
import { SimError } from "./errors.js";
import type { SimulatedMailbox } from "./mailbox.js";
import type { MailboxEvent } from "./records.js";
import type { OperationContext, OperationHandler } from "./operation-context.js";
import { isoUtc } from "./recurrence.js";
import { child, childrenNamed, childText, el, mEl, NS_M, type XmlElement } from "./xml.js";

/** Events per GetEvents response. */
const EVENTS_PER_CALL = 50;

interface Subscription {
  id: string;
  box: SimulatedMailbox;
  kind: "pull" | "streaming";
  folders: Set<number> | "all";
  eventTypes: Set<string>;
  /** Pull: minutes without GetEvents before the subscription expires. */
  timeoutMinutes: number;
  lastAccess: number;
  /** Streaming: position already delivered. */
  cursor: number;
}

function encodeWatermark(box: SimulatedMailbox, seq: number): string {
  const buf = Buffer.alloc(16);
  buf.writeUInt32LE(1, 0);
  box.guid.copy(buf, 4, 0, 8);
  buf.writeUInt32BE(seq, 12);
  return buf.toString("base64");
}

function decodeWatermark(box: SimulatedMailbox, watermark: string): number | undefined {
  const buf = Buffer.from(watermark.trim(), "base64");
  if (buf.length !== 16 || buf.readUInt32LE(0) !== 1 || !buf.subarray(4, 12).equals(box.guid.subarray(0, 8))) return undefined;
  const seq = buf.readUInt32BE(12);
  return seq <= box.seq ? seq : undefined;
}

function ok(name: string, children: Array<XmlElement | undefined>): XmlElement {
  return mEl(name, { ResponseClass: "Success" }, [mEl("ResponseCode", {}, "NoError"), ...children]);
}

function failed(name: string, error: SimError): XmlElement {
  return mEl(name, { ResponseClass: "Error" }, [mEl("MessageText", {}, error.message), mEl("ResponseCode", {}, error.code), mEl("DescriptiveLinkKey", {}, 0)]);
}

function wrap(op: string, message: XmlElement): XmlElement {
  return mEl(`${op}Response`, {}, [mEl("ResponseMessages", {}, [message])]);
}

/** Subscriptions of one simulator. */
export class SubscriptionRegistry {
  private readonly subscriptions = new Map<string, Subscription>();

  /** @internal Number of live subscriptions. */
  get size(): number {
    return this.subscriptions.size;
  }

  private matches(sub: Subscription, event: MailboxEvent): boolean {
    if (!sub.eventTypes.has(event.type)) return false;
    if (sub.folders === "all") return true;
    return sub.folders.has(event.parent.number) || (event.oldParent !== undefined && sub.folders.has(event.oldParent.number));
  }

  private eventsAfter(sub: Subscription, seq: number): MailboxEvent[] {
    return sub.box.events.filter((e) => e.seq > seq && this.matches(sub, e));
  }

  private renderEvent(box: SimulatedMailbox, event: MailboxEvent): XmlElement {
    const idOf = (number: number, isFolder: boolean) => {
      if (isFolder) {
        const f = box.folders.get(number)!;
        return el("FolderId", { Id: box.folderId(f), ChangeKey: f.deleted ? undefined : box.folderChangeKey(f) });
      }
      const live = box.itemIndex.get(number);
      return el("ItemId", { Id: box.itemId(live ?? ({ number } as never)), ChangeKey: live ? box.itemChangeKey(live) : undefined });
    };
    const folderRef = (f: typeof event.parent, name: string) => el(name, { Id: box.folderId(f), ChangeKey: box.folderChangeKey(f) });
    const children: XmlElement[] = [
      el("Watermark", {}, encodeWatermark(box, event.seq)), el("TimeStamp", {}, isoUtc(event.at)), idOf(event.number, event.isFolder),
      folderRef(event.parent, "ParentFolderId"),
    ];
    if (event.type === "MovedEvent" && event.oldNumber !== undefined && event.oldParent) {
      const old = idOf(event.oldNumber, event.isFolder);
      children.push({ ...old, name: event.isFolder ? "OldFolderId" : "OldItemId" }, folderRef(event.oldParent, "OldParentFolderId"));
    }
    return el(event.type, {}, children);
  }

  private notification(sub: Subscription, previous: number, events: MailboxEvent[], more: boolean | undefined): XmlElement {
    const body = events.length
      ? events.map((e) => this.renderEvent(sub.box, e))
      : [el("StatusEvent", {}, [el("Watermark", {}, encodeWatermark(sub.box, sub.box.seq))])];
    return el("Notification", {}, [
      el("SubscriptionId", {}, sub.id),
      el("PreviousWatermark", {}, encodeWatermark(sub.box, previous)),
      more !== undefined && el("MoreEvents", {}, more),
      ...body,
    ].filter((x): x is XmlElement => !!x));
  }

  private subscribe: OperationHandler = (request, ctx) => {
    const spec = request.children[0];
    const name = "SubscribeResponseMessage";
    try {
      if (!spec || (spec.name !== "PullSubscriptionRequest" && spec.name !== "StreamingSubscriptionRequest")) {
        throw new SimError("ErrorInvalidSubscriptionRequest", "The simulator supports pull and streaming subscriptions only.");
      }
      const box = ctx.box;
      let folders: Set<number> | "all" = "all";
      if (spec.attrs.SubscribeToAllFolders !== "true") {
        folders = new Set();
        for (const ref of child(spec, "FolderIds")?.children ?? []) {
          const folder = ref.name === "DistinguishedFolderId" ? box.distinguishedFolder(ref.attrs.Id ?? "") : box.folderFromIdString(ref.attrs.Id ?? "");
          if (!folder) throw new SimError("ErrorFolderNotFound", "The specified folder could not be found in the store.");
          folders.add(folder.number);
        }
        if (folders.size === 0) throw new SimError("ErrorInvalidSubscriptionRequest", "FolderIds are required unless SubscribeToAllFolders is true.");
      }
      const eventTypes = new Set(childrenNamed(child(spec, "EventTypes"), "EventType").map((e) => e.text.trim()));
      let start = box.seq;
      const watermark = childText(spec, "Watermark");
      if (watermark !== undefined) {
        const seq = decodeWatermark(box, watermark);
        if (seq === undefined) throw new SimError("ErrorInvalidWatermark", "The watermark is invalid.");
        start = seq;
      }
      const sub: Subscription = {
        id: randomBytes(30).toString("base64"), box, kind: spec.name === "PullSubscriptionRequest" ? "pull" : "streaming", folders, eventTypes,
        timeoutMinutes: Number(childText(spec, "Timeout") ?? "30"), lastAccess: Date.now(), cursor: start,
      };
      this.subscriptions.set(sub.id, sub);
      return wrap("Subscribe", ok(name, [mEl("SubscriptionId", {}, sub.id), sub.kind === "pull" ? mEl("Watermark", {}, encodeWatermark(box, start)) : undefined]));
    } catch (error) {
      if (error instanceof SimError) return wrap("Subscribe", failed(name, error));
      throw error;
    }
  };

  private find(id: string, ctx: OperationContext): Subscription {
    const sub = this.subscriptions.get(id.trim());
    if (!sub || sub.box !== ctx.box) throw new SimError("ErrorSubscriptionNotFound", "The specified subscription was not found.");
    return sub;
  }

  private getEvents: OperationHandler = (request, ctx) => {
    const name = "GetEventsResponseMessage";
    try {
      const sub = this.find(childText(request, "SubscriptionId") ?? "", ctx);
      if (sub.kind !== "pull") throw new SimError("ErrorInvalidPullSubscriptionId", "The subscription is not a pull subscription.");
      if (Date.now() - sub.lastAccess > sub.timeoutMinutes * 60_000) {
        this.subscriptions.delete(sub.id);
        throw new SimError("ErrorExpiredSubscription", "The subscription has expired.");
      }
      sub.lastAccess = Date.now();
      const previous = decodeWatermark(sub.box, childText(request, "Watermark") ?? "");
      if (previous === undefined) throw new SimError("ErrorInvalidWatermark", "The watermark is invalid.");
      const pending = this.eventsAfter(sub, previous);
      const events = pending.slice(0, EVENTS_PER_CALL);
      const notification = this.notification(sub, previous, events, pending.length > events.length);
      return wrap("GetEvents", ok(name, [{ ...notification, ns: NS_M }]));
    } catch (error) {
      if (error instanceof SimError) return wrap("GetEvents", failed(name, error));
      throw error;
    }
  };

  private unsubscribe: OperationHandler = (request, ctx) => {
    const name = "UnsubscribeResponseMessage";
    try {
      const sub = this.find(childText(request, "SubscriptionId") ?? "", ctx);
      this.subscriptions.delete(sub.id);
      return wrap("Unsubscribe", ok(name, []));
    } catch (error) {
      if (error instanceof SimError) return wrap("Unsubscribe", failed(name, error));
      throw error;
    }
  };

  /** Handlers of Subscribe, GetEvents and Unsubscribe. */
  operations(): Record<string, OperationHandler> {
    return { Subscribe: this.subscribe, GetEvents: this.getEvents, Unsubscribe: this.unsubscribe };
  }

  /**
   * Serves GetStreamingEvents: calls `send` with one response element now (ConnectionStatus OK,
   * or an error message), then one per batch of events, then a final one with ConnectionStatus
   * Closed after the connection timeout, and then `end`. Returns a function that stops early.
   */
  stream(request: XmlElement, ctx: OperationContext, send: (response: XmlElement) => void, end: () => void, timeoutMs?: number): () => void {
    const name = "GetStreamingEventsResponseMessage";
    let subs: Subscription[];
    try {
      subs = childrenNamed(child(request, "SubscriptionIds"), "SubscriptionId").map((s) => this.find(s.text, ctx));
      if (subs.some((s) => s.kind !== "streaming")) throw new SimError("ErrorInvalidSubscription", "The subscription is not a streaming subscription.");
    } catch (error) {
      if (!(error instanceof SimError)) throw error;
      send(wrap("GetStreamingEvents", failed(name, error)));
      end();
      return () => undefined;
    }
    const message = (notifications: XmlElement[], status: "OK" | "Closed") =>
      wrap("GetStreamingEvents", ok(name, [notifications.length ? mEl("Notifications", {}, notifications) : undefined, mEl("ConnectionStatus", {}, status)]));
    send(message([], "OK"));
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      const notifications: XmlElement[] = [];
      for (const sub of subs) {
        const events = this.eventsAfter(sub, sub.cursor);
        if (events.length === 0) continue;
        notifications.push(this.notification(sub, sub.cursor, events, undefined));
        sub.cursor = events[events.length - 1]!.seq;
      }
      if (notifications.length) send(message(notifications, "OK"));
    };
    const listener = () => {
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    };
    const boxes = new Set(subs.map((s) => s.box));
    for (const box of boxes) box.eventListeners.add(listener);
    listener();
    const minutes = Number(childText(request, "ConnectionTimeout") ?? "30");
    let closed = false;
    const stop = (final: boolean) => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      for (const box of boxes) box.eventListeners.delete(listener);
      if (final) {
        flush();
        send(message([], "Closed"));
      }
      end();
    };
    const timer = setTimeout(() => stop(true), timeoutMs ?? minutes * 60_000);
    return () => stop(false);
  }
}
