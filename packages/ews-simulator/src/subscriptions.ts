/**
 * Notifications for the simulator: Subscribe (pull and streaming), GetEvents, GetStreamingEvents and
 * Unsubscribe with Exchange's semantics, served by a front placed before the simulator (the
 * simulator's own pipeline answers one envelope per request and cannot stream). Every other
 * request is forwarded to the simulator unchanged.
 *
 * Events come from the mailbox's change sequence: items created, changed (including the read flag)
 * or deleted in a subscribed folder since a watermark. Open streams look at their mailboxes every
 * few milliseconds, so a change made through the simulator's API or by another client reaches an
 * open stream within milliseconds. Streams send heartbeats (`ConnectionStatus` OK) and close with
 * `ConnectionStatus` Closed after their `ConnectionTimeout`; pull subscriptions expire after their
 * timeout without GetEvents, streaming ones 30 minutes after their last stream; `minuteMs` scales
 * those minutes for tests. Subscribe answers set `X-BackEndOverrideCookie`, as Exchange Online does.
 * @module
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { SimulatedMailbox } from "./mailbox.js";
import type { FolderRecord, ItemRecord } from "./records.js";
import type { EwsSimulator } from "./server.js";
import { child, childrenNamed, childText, NS_E, NS_M, NS_SOAP, NS_T, parseXml, type XmlElement } from "./xml.js";

/** Options of {@link startSubscriptionFront}. */
export interface SubscriptionFrontOptions {
  /** The simulator whose mailboxes are watched and to which other requests go. */
  simulator: EwsSimulator;
  /** Basic credentials accepted for notification requests (the same as the simulator's users). */
  users?: Array<{ smtpAddress: string; password: string; username?: string }>;
  /** Or a custom check returning the mailbox address (it answers refused requests itself). */
  authorize?: (request: IncomingMessage, response: ServerResponse) => Promise<string | undefined>;
  /** Interval of heartbeats on idle streams (default 5 000 ms). */
  heartbeatIntervalMs?: number;
  /** Milliseconds per "minute" of ConnectionTimeout and subscription timeouts (default 60 000). */
  minuteMs?: number;
  /** How often open streams look for changes (default 5 ms). */
  pollIntervalMs?: number;
  /** Most events per GetEvents answer (default 50; more → MoreEvents). */
  maxEventsPerGetEvents?: number;
  /**
   * Answer streaming requests as a server older than Exchange 2010 SP1 does: its schema has no
   * StreamingSubscriptionRequest or GetStreamingEvents, so they fail schema validation (a SOAP
   * fault ErrorSchemaValidation, HTTP 500). Pull subscriptions work. Tests may switch it.
   */
  refuseStreaming?: boolean;
}

/** A notification request as received. */
export interface SubscriptionFrontRequest {
  operation: string;
  anchorMailbox: string | undefined;
  preferServerAffinity: boolean;
  /** The X-BackEndOverrideCookie value the client sent back, if any. */
  backEndCookie: string | undefined;
}

/** A running front. */
export interface SubscriptionFront {
  /** The EWS URL to give clients. */
  readonly url: string;
  /** Notification requests received, in order. */
  readonly requests: SubscriptionFrontRequest[];
  /** The last 200 SOAP documents the front answered with (whole responses and streamed envelopes), for schema checks. */
  readonly responses: string[];
  /** Open GetStreamingEvents connections. */
  readonly openStreams: number;
  /** Active subscriptions. */
  readonly subscriptionCount: number;
  /** Destroys every open stream's connection (a dropped connection, from the client's view). */
  dropStreams(): void;
  /** Stops writing anything (no heartbeats, no events) on the streams open now, keeping them open. */
  stallStreams(): void;
  /** Forgets every subscription (as if they expired). */
  expireSubscriptions(): void;
  stop(): Promise<void>;
}

interface Subscription {
  id: string;
  kind: "pull" | "streaming";
  mailbox: SimulatedMailbox;
  folders: Set<FolderRecord> | null;
  types: Set<string>;
  /** Streaming: the change sequence delivered so far. */
  seq: number;
  timeoutMinutes: number;
  lastUsed: number;
  stream: OpenStream | undefined;
}

interface OpenStream {
  response: ServerResponse;
  subscriptions: Subscription[];
  stalled: boolean;
  lastWrite: number;
  timer: ReturnType<typeof setTimeout>;
}

interface SimEvent {
  type: "Created" | "Modified" | "Deleted" | "NewMail" | "Moved";
  seq: number;
  itemId: string;
  changeKey: string | undefined;
  parentId: string;
  parentChangeKey: string;
  time: number;
  /** Moved: where the item was. */
  old?: { itemId: string; parentId: string; parentChangeKey: string };
}

const BACKEND = "EXCH01.example.com~1942062393";

function esc(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"));
}

function envelope(body: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${NS_SOAP}"><s:Header>` +
    `<h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" Version="V2017_07_11" xmlns:h="${NS_T}" xmlns="${NS_T}"/>` +
    `</s:Header><s:Body>${body}</s:Body></s:Envelope>`
  );
}

function responseXml(operation: string, inner: string): string {
  return envelope(`<m:${operation}Response xmlns:m="${NS_M}" xmlns:t="${NS_T}"><m:ResponseMessages>${inner}</m:ResponseMessages></m:${operation}Response>`);
}

function okMessage(operation: string, inner = ""): string {
  return `<m:${operation}ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>${inner}</m:${operation}ResponseMessage>`;
}

function errorMessage(operation: string, code: string, text: string, after = ""): string {
  return `<m:${operation}ResponseMessage ResponseClass="Error"><m:MessageText>${esc(text)}</m:MessageText><m:ResponseCode>${code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>${after}</m:${operation}ResponseMessage>`;
}

function encodeWatermark(box: SimulatedMailbox, seq: number): string {
  return Buffer.from(`wm:${box.guidHex}:${seq}`).toString("base64");
}

function decodeWatermark(box: SimulatedMailbox, watermark: string): number | undefined {
  const match = /^wm:([0-9a-f]+):(\d+)$/.exec(Buffer.from(watermark, "base64").toString("utf8"));
  if (!match || match[1] !== box.guidHex) return undefined;
  const seq = Number(match[2]);
  return seq <= box.seq ? seq : undefined;
}

function eventXml(event: SimEvent, watermark: string | undefined): string {
  return (
    `<t:${event.type}Event>` +
    (watermark !== undefined ? `<t:Watermark>${watermark}</t:Watermark>` : "") +
    `<t:TimeStamp>${new Date(event.time).toISOString().replace(/\.\d{3}Z$/, "Z")}</t:TimeStamp>` +
    `<t:ItemId Id="${esc(event.itemId)}"${event.changeKey ? ` ChangeKey="${esc(event.changeKey)}"` : ""}/>` +
    `<t:ParentFolderId Id="${esc(event.parentId)}" ChangeKey="${esc(event.parentChangeKey)}"/>` +
    (event.old
      ? `<t:OldItemId Id="${esc(event.old.itemId)}"/><t:OldParentFolderId Id="${esc(event.old.parentId)}" ChangeKey="${esc(event.old.parentChangeKey)}"/>`
      : "") +
    `</t:${event.type}Event>`
  );
}

/** Changes of a subscription's folders after change number `since`. */
function eventsSince(sub: Subscription, since: number): SimEvent[] {
  const box = sub.mailbox;
  const inScope = (folder: FolderRecord) => sub.folders === null || sub.folders.has(folder);
  const out: SimEvent[] = [];
  const push = (type: SimEvent["type"], seq: number, item: Pick<ItemRecord, "number"> & Partial<ItemRecord>, folder: FolderRecord, time: number) => {
    if (!sub.types.has(`${type}Event`)) return;
    out.push({
      type,
      seq,
      itemId: box.itemId(item as ItemRecord),
      changeKey: item.version !== undefined ? box.itemChangeKey(item as ItemRecord) : undefined,
      parentId: box.folderId(folder),
      parentChangeKey: box.folderChangeKey(folder),
      time,
    });
  };
  // A delete to Deleted Items is a move: the simulator records a tombstone and, one change later, the
  // item under a new id in Deleted Items. Exchange reports it as one MovedEvent.
  const byCreatedSeq = new Map<number, { item: ItemRecord; folder: FolderRecord }>();
  for (const folder of box.folders.values()) for (const item of folder.items.values()) byCreatedSeq.set(item.createdSeq, { item, folder });
  const movedTo = new Set<ItemRecord>();
  for (const tombstone of box.tombstones) {
    if (tombstone.seq <= since || tombstone.createdSeq > since || tombstone.kind === "folder") continue;
    const target = byCreatedSeq.get(tombstone.seq + 1);
    const isMove = target !== undefined && target.item.kind === tombstone.kind && target.folder.distinguished === "deleteditems";
    if (isMove && (inScope(tombstone.folder) || inScope(target.folder))) {
      movedTo.add(target.item);
      if (sub.types.has("MovedEvent")) {
        out.push({
          type: "Moved",
          seq: tombstone.seq + 1,
          itemId: box.itemId(target.item),
          changeKey: box.itemChangeKey(target.item),
          parentId: box.folderId(target.folder),
          parentChangeKey: box.folderChangeKey(target.folder),
          time: target.item.created,
          old: {
            itemId: box.itemId({ number: tombstone.number } as ItemRecord),
            parentId: box.folderId(tombstone.folder),
            parentChangeKey: box.folderChangeKey(tombstone.folder),
          },
        });
      }
    } else if (!isMove && inScope(tombstone.folder)) {
      push("Deleted", tombstone.seq, { number: tombstone.number }, tombstone.folder, Date.now());
    }
  }
  for (const folder of box.folders.values()) {
    if (folder.deleted || !inScope(folder)) continue;
    for (const item of folder.items.values()) {
      if (movedTo.has(item)) continue;
      if (item.createdSeq > since) {
        push("Created", item.createdSeq, item, folder, item.created);
        if (item.kind === "Message" && folder.distinguished === "inbox") push("NewMail", item.createdSeq, item, folder, item.created);
      } else {
        const changed = Math.max(item.modSeq, item.readSeq ?? 0);
        if (changed > since) push("Modified", changed, item, folder, item.modified);
      }
    }
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** Starts the notifications front on 127.0.0.1. */
export async function startSubscriptionFront(options: SubscriptionFrontOptions): Promise<SubscriptionFront> {
  const minuteMs = options.minuteMs ?? 60_000;
  const heartbeatMs = options.heartbeatIntervalMs ?? 5_000;
  const maxEvents = options.maxEventsPerGetEvents ?? 50;
  const target = new URL(options.simulator.url);
  const upstream = new Agent({ keepAlive: true, maxSockets: 64 });
  const subscriptions = new Map<string, Subscription>();
  const streams = new Set<OpenStream>();
  const sockets = new Set<Socket>();
  const requests: SubscriptionFrontRequest[] = [];
  const responses: string[] = [];
  const remember = (xml: string) => {
    responses.push(xml);
    if (responses.length > 200) responses.shift();
  };
  const write = (stream: OpenStream, xml: string) => {
    remember(xml);
    stream.response.write(xml);
  };

  const basicUser = (header: string | undefined): string | undefined => {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
    if (!match) return undefined;
    const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const login = decoded.slice(0, colon).toLowerCase();
    const password = Buffer.from(decoded.slice(colon + 1));
    for (const user of options.users ?? []) {
      const names = [user.smtpAddress.toLowerCase(), user.username?.toLowerCase()];
      const expected = Buffer.from(user.password);
      if (names.includes(login) && expected.length === password.length && timingSafeEqual(expected, password)) return user.smtpAddress;
    }
    return undefined;
  };

  const send = (response: ServerResponse, xml: string, headers: Record<string, string> = {}) => {
    remember(xml);
    const bytes = Buffer.from(xml, "utf8");
    response.writeHead(200, { "content-type": "text/xml; charset=utf-8", "content-length": String(bytes.length), ...headers });
    response.end(bytes);
  };

  const closeStream = (stream: OpenStream, status: "Closed" | undefined) => {
    if (!streams.delete(stream)) return;
    clearTimeout(stream.timer);
    for (const sub of stream.subscriptions) {
      if (sub.stream === stream) sub.stream = undefined;
      sub.lastUsed = Date.now();
    }
    if (status && !stream.response.destroyed) {
      write(stream, responseXml("GetStreamingEvents", okMessage("GetStreamingEvents", `<m:ConnectionStatus>${status}</m:ConnectionStatus>`)));
    }
    stream.response.end();
  };

  const alive = (sub: Subscription | undefined): sub is Subscription => {
    if (!sub) return false;
    if (sub.stream) return true;
    const limit = (sub.kind === "pull" ? sub.timeoutMinutes : 30) * minuteMs;
    if (Date.now() - sub.lastUsed > limit) {
      subscriptions.delete(sub.id);
      return false;
    }
    return true;
  };

  const poll = setInterval(() => {
    const now = Date.now();
    for (const stream of streams) {
      if (stream.stalled || stream.response.destroyed) continue;
      let notifications = "";
      for (const sub of stream.subscriptions) {
        if (sub.mailbox.seq === sub.seq) continue;
        const events = eventsSince(sub, sub.seq);
        sub.seq = sub.mailbox.seq;
        if (events.length > 0) {
          notifications += `<t:Notification><t:SubscriptionId>${sub.id}</t:SubscriptionId>${events.map((e) => eventXml(e, undefined)).join("")}</t:Notification>`;
        }
      }
      if (notifications) {
        write(stream, responseXml("GetStreamingEvents", okMessage("GetStreamingEvents", `<m:Notifications>${notifications}</m:Notifications>`)));
        stream.lastWrite = now;
      } else if (now - stream.lastWrite >= heartbeatMs) {
        write(stream, responseXml("GetStreamingEvents", okMessage("GetStreamingEvents", `<m:ConnectionStatus>OK</m:ConnectionStatus>`)));
        stream.lastWrite = now;
      }
    }
  }, options.pollIntervalMs ?? 5);
  poll.unref();

  const mailboxFor = (address: string, envelopeRoot: XmlElement): SimulatedMailbox => {
    const sid = child(child(child(envelopeRoot, "Header"), "ExchangeImpersonation"), "ConnectingSID");
    const impersonated = childText(sid, "PrimarySmtpAddress") ?? childText(sid, "SmtpAddress");
    return options.simulator.mailbox(impersonated ?? address);
  };

  const handleNotification = (operation: string, payload: XmlElement, box: SimulatedMailbox, request: IncomingMessage, response: ServerResponse) => {
    const streamingRequest = operation === "GetStreamingEvents" || (operation === "Subscribe" && payload.children[0]?.name === "StreamingSubscriptionRequest");
    if (options.refuseStreaming && streamingRequest) {
      const element = operation === "Subscribe" ? "StreamingSubscriptionRequest" : "GetStreamingEvents";
      const message = `The request failed schema validation: The element '${operation === "Subscribe" ? "Subscribe" : "Body"}' has invalid child element '${element}'.`;
      const xml =
        `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${NS_SOAP}"><s:Body><s:Fault>` +
        `<faultcode xmlns:a="${NS_T}">a:ErrorSchemaValidation</faultcode><faultstring xml:lang="en-US">${esc(message)}</faultstring><detail>` +
        `<e:ResponseCode xmlns:e="${NS_E}">ErrorSchemaValidation</e:ResponseCode><e:Message xmlns:e="${NS_E}">${esc(message)}</e:Message>` +
        `</detail></s:Fault></s:Body></s:Envelope>`;
      remember(xml);
      response.writeHead(500, { "content-type": "text/xml; charset=utf-8" });
      response.end(xml);
      return;
    }
    if (operation === "Subscribe") {
      const spec = payload.children[0];
      if (!spec || (spec.name !== "PullSubscriptionRequest" && spec.name !== "StreamingSubscriptionRequest")) {
        send(response, responseXml("Subscribe", errorMessage("Subscribe", "ErrorInvalidSubscriptionRequest", "Push subscriptions are not simulated.")));
        return;
      }
      let folders: Set<FolderRecord> | null = null;
      if (spec.attrs.SubscribeToAllFolders !== "true") {
        folders = new Set();
        for (const ref of child(spec, "FolderIds")?.children ?? []) {
          try {
            folders.add(box.folderRecord(ref.name === "DistinguishedFolderId" ? ref.attrs.Id! : ref.attrs.Id!));
          } catch {
            send(response, responseXml("Subscribe", errorMessage("Subscribe", "ErrorFolderNotFound", "The specified folder could not be found in the store.")));
            return;
          }
        }
      }
      const types = new Set(childrenNamed(child(spec, "EventTypes"), "EventType").map((e) => e.text.trim()));
      const watermark = childText(spec, "Watermark");
      let seq = box.seq;
      if (watermark !== undefined) {
        const decoded = decodeWatermark(box, watermark);
        if (decoded === undefined) {
          send(response, responseXml("Subscribe", errorMessage("Subscribe", "ErrorInvalidWatermark", "The watermark used for creating this subscription was not recognized.")));
          return;
        }
        seq = decoded;
      }
      const sub: Subscription = {
        id: randomBytes(24).toString("base64").replace(/[+/=]/g, "A"),
        kind: spec.name === "PullSubscriptionRequest" ? "pull" : "streaming",
        mailbox: box,
        folders,
        types,
        seq,
        timeoutMinutes: Number(childText(spec, "Timeout") ?? "30"),
        lastUsed: Date.now(),
        stream: undefined,
      };
      subscriptions.set(sub.id, sub);
      const inner = `<m:SubscriptionId>${sub.id}</m:SubscriptionId>` + (sub.kind === "pull" ? `<m:Watermark>${encodeWatermark(box, seq)}</m:Watermark>` : "");
      send(response, responseXml("Subscribe", okMessage("Subscribe", inner)), { "set-cookie": `X-BackEndOverrideCookie=${BACKEND}; path=/; secure; HttpOnly` });
      return;
    }
    if (operation === "Unsubscribe") {
      const sub = subscriptions.get(childText(payload, "SubscriptionId") ?? "");
      if (!alive(sub)) {
        send(response, responseXml("Unsubscribe", errorMessage("Unsubscribe", "ErrorSubscriptionNotFound", "The specified subscription was not found.")));
        return;
      }
      subscriptions.delete(sub.id);
      if (sub.stream) closeStream(sub.stream, "Closed");
      send(response, responseXml("Unsubscribe", okMessage("Unsubscribe")));
      return;
    }
    if (operation === "GetEvents") {
      const sub = subscriptions.get(childText(payload, "SubscriptionId") ?? "");
      if (!alive(sub) || sub.kind !== "pull" || sub.mailbox !== box) {
        send(response, responseXml("GetEvents", errorMessage("GetEvents", "ErrorSubscriptionNotFound", "The specified subscription was not found.")));
        return;
      }
      const given = childText(payload, "Watermark") ?? "";
      const since = decodeWatermark(box, given);
      if (since === undefined) {
        send(response, responseXml("GetEvents", errorMessage("GetEvents", "ErrorInvalidWatermark", "The watermark used for creating this subscription was not recognized.")));
        return;
      }
      sub.lastUsed = Date.now();
      const all = eventsSince(sub, since);
      const batch = all.slice(0, maxEvents);
      const more = all.length > maxEvents;
      const eventsXml =
        batch.length > 0
          ? batch.map((e) => eventXml(e, encodeWatermark(box, e.seq))).join("")
          : `<t:StatusEvent><t:Watermark>${encodeWatermark(box, box.seq)}</t:Watermark></t:StatusEvent>`;
      send(
        response,
        responseXml(
          "GetEvents",
          okMessage(
            "GetEvents",
            `<m:Notification><t:SubscriptionId>${sub.id}</t:SubscriptionId><t:PreviousWatermark>${esc(given)}</t:PreviousWatermark><t:MoreEvents>${more}</t:MoreEvents>${eventsXml}</m:Notification>`,
          ),
        ),
      );
      return;
    }
    // GetStreamingEvents
    const ids = childrenNamed(child(payload, "SubscriptionIds"), "SubscriptionId").map((e) => e.text.trim());
    const timeout = Number(childText(payload, "ConnectionTimeout") ?? "30");
    const found = ids.map((id) => subscriptions.get(id));
    const missing = ids.filter((_, i) => !alive(found[i]) || found[i]!.kind !== "streaming" || found[i]!.mailbox !== box);
    if (missing.length > 0) {
      send(
        response,
        responseXml(
          "GetStreamingEvents",
          errorMessage(
            "GetStreamingEvents",
            "ErrorSubscriptionNotFound",
            "The specified subscription was not found.",
            `<m:ErrorSubscriptionIds>${missing.map((id) => `<t:SubscriptionId>${esc(id)}</t:SubscriptionId>`).join("")}</m:ErrorSubscriptionIds>`,
          ),
        ),
      );
      return;
    }
    const subs = found as Subscription[];
    response.writeHead(200, { "content-type": "text/xml; charset=utf-8", "transfer-encoding": "chunked" });
    response.flushHeaders();
    const stream: OpenStream = {
      response,
      subscriptions: subs,
      stalled: false,
      lastWrite: Date.now(),
      timer: setTimeout(() => closeStream(stream, "Closed"), timeout * minuteMs),
    };
    for (const sub of subs) {
      if (sub.stream) closeStream(sub.stream, "Closed"); // a new connection replaces the old one
      sub.stream = stream;
    }
    streams.add(stream);
    request.socket.on("close", () => closeStream(stream, undefined));
  };

  const forward = (request: IncomingMessage, response: ServerResponse, body: Buffer) => {
    const headers = { ...request.headers };
    delete headers.host;
    headers["content-length"] = String(body.length);
    const outgoing = httpRequest({ host: target.hostname, port: target.port, method: request.method, path: request.url, headers, agent: upstream }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    outgoing.on("error", () => {
      if (!response.headersSent) response.writeHead(502, { "content-length": "0" }).end();
      else response.destroy();
    });
    outgoing.end(body);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    let root: XmlElement | undefined;
    let payload: XmlElement | undefined;
    try {
      root = parseXml(body.toString("utf8"));
      payload = child(root, "Body")?.children[0];
    } catch {
      root = undefined;
    }
    const operation = payload?.ns === NS_M ? payload.name : undefined;
    if (!root || !payload || !operation || !["Subscribe", "Unsubscribe", "GetEvents", "GetStreamingEvents"].includes(operation)) {
      forward(request, response, body);
      return;
    }
    const cookie = /X-BackEndOverrideCookie=([^;]+)/i.exec(String(request.headers.cookie ?? ""))?.[1];
    requests.push({
      operation,
      anchorMailbox: typeof request.headers["x-anchormailbox"] === "string" ? request.headers["x-anchormailbox"] : undefined,
      preferServerAffinity: String(request.headers["x-preferserveraffinity"] ?? "").toLowerCase() === "true",
      backEndCookie: cookie,
    });
    let address: string | undefined;
    if (options.authorize) {
      address = await options.authorize(request, response);
      if (address === undefined) return;
    } else {
      address = basicUser(request.headers.authorization);
      if (!address) {
        response.writeHead(401, { "www-authenticate": 'Basic realm="127.0.0.1"', "content-length": "0" }).end();
        return;
      }
    }
    let box: SimulatedMailbox;
    try {
      box = mailboxFor(address, root);
    } catch {
      send(response, responseXml(operation, errorMessage(operation, "ErrorNonExistentMailbox", "The SMTP address has no mailbox associated with it.")));
      return;
    }
    handleNotification(operation, payload, box, request, response);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500, { "content-length": "0" }).end();
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    requests,
    responses,
    get openStreams() {
      return streams.size;
    },
    get subscriptionCount() {
      return subscriptions.size;
    },
    dropStreams() {
      for (const stream of [...streams]) {
        streams.delete(stream);
        clearTimeout(stream.timer);
        for (const sub of stream.subscriptions) if (sub.stream === stream) sub.stream = undefined;
        stream.response.socket?.destroy();
      }
    },
    stallStreams() {
      for (const stream of streams) stream.stalled = true;
    },
    expireSubscriptions() {
      for (const stream of [...streams]) closeStream(stream, undefined);
      subscriptions.clear();
    },
    async stop() {
      clearInterval(poll);
      for (const stream of [...streams]) closeStream(stream, undefined);
      for (const socket of sockets) socket.destroy();
      upstream.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
