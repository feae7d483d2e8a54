/**
 * Streaming notifications against the simulator with its notifications front: events for create,
 * update and delete made through the simulator's API arrive on the open stream; dropped, stalled and
 * timed-out connections are reopened; expired subscriptions are replaced; affinity is kept; every
 * request and response is valid against the EWS schema.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { basicAuth } from "../src/auth/basic.js";
import { NotificationConnection, StreamingSubscription, type StreamingItem, type StreamingOptions } from "../src/notifications/index.js";
import { buildGetStreamingEvents, buildStreamingSubscribe, buildUnsubscribe } from "../src/notifications/messages.js";
import { buildEnvelope } from "../src/soap/envelope.js";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { startSubscriptionFront, type SubscriptionFront } from "@ewsdav/ews-simulator";
import { ewsSchemaValidator } from "../../../test/harness/ews-schema.js";

const USER = { smtpAddress: "alice@example.com", password: "secret" };
let sim: EwsSimulator;
let front: SubscriptionFront;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  sim = await startEwsSimulator({ users: [USER] });
  front = await startSubscriptionFront({ simulator: sim, users: [USER], heartbeatIntervalMs: 100 });
});
afterAll(async () => {
  await front.stop();
  await sim.stop();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

function connection(url = front.url): NotificationConnection {
  const c = new NotificationConnection({ url, mailbox: USER.smtpAddress, auth: basicAuth({ username: USER.smtpAddress, password: USER.password }) });
  open.push(c);
  return c;
}

async function subscribe(options: Partial<StreamingOptions> = {}, url?: string): Promise<{ sub: StreamingSubscription; next: (match: (i: StreamingItem) => boolean, ms?: number) => Promise<StreamingItem> }> {
  const sub = await StreamingSubscription.open(connection(url), {
    folders: [{ distinguishedId: "contacts" }, { distinguishedId: "calendar" }, { distinguishedId: "tasks" }],
    ...options,
  });
  open.unshift(sub);
  const iterator = sub[Symbol.asyncIterator]();
  const next = async (match: (i: StreamingItem) => boolean, ms = 1000) => {
    const deadline = AbortSignal.timeout(ms);
    for (;;) {
      const result = await Promise.race([
        iterator.next(),
        new Promise<never>((_, reject) => deadline.addEventListener("abort", () => reject(new Error(`no matching event within ${ms} ms`)), { once: true })),
      ]);
      if (result.done) throw new Error("the subscription ended");
      if (match(result.value)) return result.value;
    }
  };
  return { sub, next };
}

const box = () => sim.mailbox(USER.smtpAddress);

describe("streaming notifications", () => {
  it("delivers Created, Modified and Deleted events within a second, for several folders of one subscription", async () => {
    const { sub, next } = await subscribe();
    const contact = box().createItem("contacts", "<Contact><GivenName>Ann</GivenName><Surname>Lee</Surname></Contact>");
    const created = await next((e) => e.type === "Created");
    expect(created).toMatchObject({ type: "Created", subscriptionId: sub.subscriptionId, itemId: { id: contact.id } });
    expect((created as { parentFolderId?: { id: string } }).parentFolderId?.id).toBe(contact.folderId);

    box().updateItem(contact.id, "<Contact><GivenName>Anne</GivenName></Contact>");
    expect(await next((e) => e.type === "Modified")).toMatchObject({ itemId: { id: contact.id } });

    box().deleteItem(contact.id);
    expect(await next((e) => e.type === "Deleted")).toMatchObject({ itemId: { id: contact.id } });

    const task = box().createItem("tasks", "<Task><Subject>Call Bob</Subject></Task>");
    expect(await next((e) => e.type === "Created")).toMatchObject({ itemId: { id: task.id }, parentFolderId: { id: task.folderId } });
    expect(sub.statistics.streamsOpened).toBe(1);
  });

  it("reopens the stream after the server drops the connection, without losing events", async () => {
    const { sub, next } = await subscribe({ reconnectDelayMs: 10 });
    await new Promise((r) => setTimeout(r, 50));
    front.dropStreams();
    const item = box().createItem("calendar", "<CalendarItem><Subject>Standup</Subject><Start>2026-11-24T09:00:00Z</Start><End>2026-11-24T09:15:00Z</End></CalendarItem>");
    expect(await next((e) => e.type === "Created", 3000)).toMatchObject({ itemId: { id: item.id } });
    expect(sub.statistics.streamsOpened).toBeGreaterThanOrEqual(2);
    expect(sub.statistics.reconnects).toBeGreaterThanOrEqual(1);
  });

  it("notices a stalled connection (no heartbeat) and reopens it", async () => {
    const { sub, next } = await subscribe({ stallTimeoutMs: 400 });
    await new Promise((r) => setTimeout(r, 50));
    front.stallStreams();
    await new Promise((r) => setTimeout(r, 600));
    const item = box().createItem("contacts", "<Contact><GivenName>Stall</GivenName></Contact>");
    expect(await next((e) => e.type === "Created", 3000)).toMatchObject({ itemId: { id: item.id } });
    expect(sub.statistics.stalls).toBeGreaterThanOrEqual(1);
  });

  it("honours ConnectionTimeout and heartbeats: the server closes, the client reopens", async () => {
    const quick = await startSubscriptionFront({ simulator: sim, users: [USER], heartbeatIntervalMs: 30, minuteMs: 250 });
    open.push({ close: () => quick.stop() });
    const { sub, next } = await subscribe({ connectionTimeoutMinutes: 1 }, quick.url);
    await new Promise((r) => setTimeout(r, 700));
    expect(sub.statistics.heartbeats).toBeGreaterThan(2);
    expect(sub.statistics.streamsOpened).toBeGreaterThanOrEqual(2);
    expect(sub.statistics.reconnects).toBe(0);
    const item = box().createItem("contacts", "<Contact><GivenName>Timeout</GivenName></Contact>");
    expect(await next((e) => e.type === "Created")).toMatchObject({ itemId: { id: item.id } });
  });

  it("subscribes again when the subscription is gone, and says so", async () => {
    const { sub, next } = await subscribe({ reconnectDelayMs: 10 });
    const first = sub.subscriptionId;
    front.expireSubscriptions();
    const marker = await next((e) => e.type === "Resubscribed", 3000);
    expect(marker.subscriptionId).not.toBe(first);
    const item = box().createItem("contacts", "<Contact><GivenName>Again</GivenName></Contact>");
    expect(await next((e) => e.type === "Created")).toMatchObject({ subscriptionId: sub.subscriptionId, itemId: { id: item.id } });
    expect(sub.statistics.subscribes).toBe(2);
  });

  it("keeps affinity: X-AnchorMailbox everywhere, X-PreferServerAffinity on Subscribe, the back-end cookie echoed", async () => {
    const start = front.requests.length;
    const { sub, next } = await subscribe();
    box().createItem("contacts", "<Contact><GivenName>Affinity</GivenName></Contact>");
    await next((e) => e.type === "Created");
    await sub.close();
    const seen = front.requests.slice(start);
    expect(seen.map((r) => r.operation)).toEqual(["Subscribe", "GetStreamingEvents", "Unsubscribe"]);
    expect(seen.every((r) => r.anchorMailbox === USER.smtpAddress)).toBe(true);
    expect(seen[0]!.preferServerAffinity).toBe(true);
    expect(seen[0]!.backEndCookie).toBeUndefined();
    expect(seen[1]!.backEndCookie).toMatch(/^EXCH01/);
    expect(seen[2]!.backEndCookie).toMatch(/^EXCH01/);
  });

  it("unsubscribes and ends the iteration on close and on abort", async () => {
    const before = front.subscriptionCount;
    const controller = new AbortController();
    const { sub } = await subscribe({ signal: controller.signal });
    expect(front.subscriptionCount).toBe(before + 1);
    const iteration = (async () => {
      const seen: StreamingItem[] = [];
      for await (const item of sub) seen.push(item);
      return seen;
    })();
    controller.abort();
    await iteration;
    await sub.close();
    expect(front.subscriptionCount).toBe(before);
  });

  it("ends the iteration with the 401 when the credentials stop working, without retrying for long", async () => {
    let revoked = false;
    const guarded = await startSubscriptionFront({
      simulator: sim,
      authorize: async (request, response) => {
        const expected = `Basic ${Buffer.from(`${USER.smtpAddress}:${USER.password}`).toString("base64")}`;
        if (!revoked && request.headers.authorization === expected) return USER.smtpAddress;
        response.writeHead(401, { "www-authenticate": "Basic", "content-length": "0" }).end();
        return undefined;
      },
    });
    open.push({ close: () => guarded.stop() });
    const { sub } = await subscribe({ reconnectDelayMs: 5 }, guarded.url);
    while (sub.statistics.streamsOpened < 1) await new Promise((r) => setTimeout(r, 5));
    revoked = true;
    guarded.dropStreams();
    const outcome = await (async () => {
      for await (const _ of sub) {
        /* markers until the failure */
      }
    })().catch((e: unknown) => e);
    expect(outcome).toMatchObject({ status: 401, code: "EWS_UNAUTHORIZED" });
    expect(sub.statistics.streamsOpened).toBe(1);
  });

  it("refuses to start with an aborted signal", async () => {
    const error = await StreamingSubscription.open(connection(), { folders: [{ distinguishedId: "contacts" }], signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "EWS_ABORTED" });
  });

  it("fails Subscribe with a typed error for an unknown folder", async () => {
    const error = await StreamingSubscription.open(connection(), { folders: [{ id: "AAAAAAAA" }] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: expect.stringMatching(/Error/) });
  });

  it("builds requests and gets responses that are valid against the EWS schema", async () => {
    const documents = [
      buildStreamingSubscribe({ folders: [{ distinguishedId: "contacts" }, { id: "AAMkAD=", changeKey: "CQAAAB" }] }),
      buildStreamingSubscribe({ folders: [], allFolders: true, eventTypes: ["Created", "Deleted", "FreeBusyChanged"] }),
      buildGetStreamingEvents(["sub-1", "sub-2"], 30),
      buildUnsubscribe("sub-1"),
    ].map((op) => buildEnvelope({ version: "Exchange2013" }, op));
    documents.push(buildEnvelope({ version: "Exchange2010_SP2", impersonation: { primarySmtpAddress: "bob@example.com" } }, buildGetStreamingEvents(["s"], 1)));
    const responses = front.responses.filter((r) => /GetStreamingEventsResponse|SubscribeResponse|UnsubscribeResponse/.test(r));
    expect(responses.some((r) => r.includes("<t:CreatedEvent>"))).toBe(true);
    expect(responses.some((r) => r.includes("<m:ConnectionStatus>OK"))).toBe(true);
    const violations = await ewsSchemaValidator().validate([...documents, ...responses.slice(-60)]);
    expect(violations).toEqual([]);
  });

  it("a server without streaming (before Exchange 2010 SP1) refuses Subscribe with an ErrorSchemaValidation SOAP fault", async () => {
    const old = await startSubscriptionFront({ simulator: sim, users: [USER], refuseStreaming: true });
    try {
      const error = await StreamingSubscription.open(connection(old.url), { folders: [{ distinguishedId: "contacts" }] }).catch((e: unknown) => e);
      // A SOAP 1.1 fault, shaped as the simulator's own (faultcode in the types namespace, detail in errors).
      expect(error).toMatchObject({ name: "SoapFaultError", responseCode: "ErrorSchemaValidation" });
      expect(old.subscriptionCount).toBe(0);
    } finally {
      await old.stop();
    }
  });
});
