/**
 * Change notifications end to end over real HTTP: the Graph simulator (sharing its mailbox with
 * the EWS simulator) validates and posts to a {@link GraphWebhookReceiver} served by a real HTTP
 * server; a {@link SubscriptionKeeper} keeps the subscriptions. Covered: the handshake, delivery
 * of a change made over EWS and of one made over Graph, a forged clientState dropped, renewal
 * before expiry, recreation after `subscriptionRemoved` and after a 404 on renewal,
 * `reauthorizationRequired`, `missed`, delivery retried after a failing answer, and the polling
 * fallback when validation fails or no receiver is configured. Every subscription body sent and
 * answered, and every notification delivered, is checked against the CSDL.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { basicAuth, EwsClient, isEwsError } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { loadGraphSchema, startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConcurrencyLimiter, GraphClient, GraphError, GraphWebhookReceiver, SubscriptionKeeper, type SubscriptionKeeperEvents, type SubscriptionKeeperOptions } from "./index.js";

/** The next event of a kind that `accept` takes (no time is asserted: the test's own timeout bounds the wait). */
function next<K extends keyof SubscriptionKeeperEvents>(keeper: SubscriptionKeeper, type: K, accept: (e: SubscriptionKeeperEvents[K]) => boolean = () => true): Promise<SubscriptionKeeperEvents[K]> {
  return new Promise((resolve) => {
    const off = keeper.on(type, (e) => {
      if (!accept(e)) return;
      off();
      resolve(e);
    });
  });
}

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("change notifications: simulator → webhook receiver → subscription keeper", () => {
  let ews: EwsSimulator;
  let sim: GraphSimulator;
  let graph: GraphClient;
  let ewsClient: EwsClient;
  let receiver: GraphWebhookReceiver;
  let hook: { server: Server; url: string };
  /** Answers the next `failNext` notification POSTs with 503, then hands them to the receiver. */
  let failNext = 0;
  const keepers: SubscriptionKeeper[] = [];
  const servers: Server[] = [];
  const keeper = (options: Partial<SubscriptionKeeperOptions> = {}) => {
    const k = new SubscriptionKeeper({ client: graph, receiver, notificationUrl: `${hook.url}/graph/notify?tenant=a`, resources: ["me/contacts"], ...options });
    keepers.push(k);
    return k;
  };

  beforeAll(async () => {
    ews = await startEwsSimulator();
    sim = await startGraphSimulator({ mailbox: (a) => ews.mailbox(a), tokens: { t: "alice@example.com" }, notifications: { retryBaseMs: 20, retryMaxMs: 100, retryWindowMs: 60_000 } });
    graph = new GraphClient({ baseUrl: sim.url, getToken: async () => "t", limiter: new ConcurrencyLimiter(4) });
    ewsClient = new EwsClient({ url: ews.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }) });
    receiver = new GraphWebhookReceiver({ maxBodyBytes: 64 * 1024 });
    hook = await serve((req, res) => {
      if (failNext > 0 && !req.url?.includes("validationToken")) {
        failNext--;
        req.resume();
        res.writeHead(503).end();
        return;
      }
      receiver.handler(req, res);
    });
    servers.push(hook.server);
  });
  afterEach(async () => {
    await Promise.all(keepers.splice(0).map((k) => k.stop()));
    await sim.notifications.settled();
  });
  afterAll(async () => {
    const schema = loadGraphSchema();
    const violations: string[] = [];
    for (const x of sim.requests.filter((r) => r.url.startsWith("/subscriptions"))) {
      if (x.body !== undefined) violations.push(...schema.check("subscription", x.body));
      if (x.status < 300 && x.response !== undefined) {
        const r = x.response as { value?: unknown[] };
        for (const m of r.value ?? [r]) violations.push(...schema.check("subscription", m));
      }
    }
    for (const d of sim.notifications.deliveries.filter((x) => x.kind === "change")) {
      for (const n of (d.payload as { value: Array<Record<string, unknown>> }).value) {
        const { resourceData: _open, ...rest } = n; // resourceData is an open type: its members are not in the CSDL
        violations.push(...schema.check("changeNotification", rest));
      }
    }
    expect(violations).toEqual([]);
    await graph.close();
    await sim.stop();
    await ews.stop();
    for (const s of servers) await new Promise((resolve) => s.close(resolve));
  });

  it("validates the URL, then delivers a change made over EWS and one made over Graph", async () => {
    const k = keeper();
    await k.start();
    expect(k.modeOf("me/contacts")).toBe("push");
    const validation = sim.notifications.deliveries.find((d) => d.kind === "validation");
    expect(validation?.status).toBe(200);
    expect(receiver.stats.validations).toBeGreaterThan(0);

    const created = next(k, "change", (e) => e.notification.changeType === "created");
    const [made] = await ewsClient.createItem([{ type: "Contact", item: { givenName: "Eve", surname: "Ews" } }], { savedItemFolder: { distinguishedId: "contacts" } });
    if (!made || isEwsError(made)) throw new Error("EWS did not create the contact");
    const [translated] = await graph.translateExchangeIds([made.id], "ewsId", "restImmutableEntryId");
    const fromEws = await created;
    expect(fromEws.resource).toBe("me/contacts");
    expect(fromEws.notification.resourceData?.id).toBe(translated!.targetId);
    expect(fromEws.notification.subscriptionId).toBe(k.subscriptionOf("me/contacts")!.id);

    const updated = next(k, "change", (e) => e.notification.changeType === "updated");
    const changed = await graph.updateContact(translated!.targetId!, { jobTitle: "Pilot" });
    const fromGraph = await updated;
    expect(fromGraph.notification.resourceData).toMatchObject({ id: changed.id, "@odata.etag": changed["@odata.etag"] });

    const deleted = next(k, "change", (e) => e.notification.changeType === "deleted");
    await graph.deleteContact(changed.id);
    expect((await deleted).notification.resourceData?.id).toBe(changed.id);
  });

  it("drops a notification whose clientState is not one it expects, and refuses malformed and oversized bodies", async () => {
    const k = keeper();
    await k.start();
    const sub = k.subscriptionOf("me/contacts")!;
    let changes = 0;
    const off = k.on("change", () => changes++);
    const dropped = new Promise<{ subscriptionId: string }>((resolve) => { const o = receiver.onDropped((e) => (o(), resolve(e))); });
    const forged = {
      value: [{
        subscriptionId: sub.id, subscriptionExpirationDateTime: sub.expirationDateTime, changeType: "created", resource: "Users/x/Contacts/y",
        resourceData: { id: "y" }, clientState: "not-the-secret", tenantId: "5c2b8a4e-1f3d-4e6a-9b7c-8d0e2f4a6b1c",
      }],
    };
    const answer = await fetch(`${hook.url}/graph/notify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(forged) });
    expect(answer.status).toBe(202);
    expect((await dropped).subscriptionId).toBe(sub.id);
    expect(changes).toBe(0);
    off();
    expect((await fetch(`${hook.url}/graph/notify`, { method: "POST", body: JSON.stringify({ value: [{ nonsense: true }] }) })).status).toBe(400);
    expect((await fetch(`${hook.url}/graph/notify`, { method: "POST", body: "{" })).status).toBe(400);
    expect((await fetch(`${hook.url}/graph/notify`, { method: "POST", body: "x".repeat(70 * 1024) }).catch(() => ({ status: 413 }))).status).toBe(413);
    const token = "Validation: a token & with <odd> chars";
    const echo = await fetch(`${hook.url}/graph/notify?validationToken=${encodeURIComponent(token)}`, { method: "POST" });
    expect([echo.status, echo.headers.get("content-type"), await echo.text()]).toEqual([200, "text/plain; charset=utf-8", token]);
  });

  it("renews a subscription before it expires", async () => {
    const k = keeper({ lifetimeMs: 4_000, renewMarginMs: 3_000 });
    await k.start();
    const first = k.subscriptionOf("me/contacts")!;
    const renewed = await next(k, "renewed", (e) => !e.created);
    expect(renewed.subscriptionId).toBe(first.id);
    expect(Date.parse(renewed.expirationDateTime)).toBeGreaterThan(Date.parse(first.expirationDateTime));
    expect(sim.notifications.list().find((s) => s.id === first.id)?.expirationDateTime).toBe(renewed.expirationDateTime);
  });

  it("makes a subscription anew after subscriptionRemoved, and after a 404 on renewal; both ask for a delta round", async () => {
    const k = keeper();
    await k.start();
    const first = k.subscriptionOf("me/contacts")!;
    const recreated = next(k, "renewed", (e) => e.created);
    const missed = next(k, "missed");
    sim.notifications.lifecycle(first.id, "subscriptionRemoved");
    const second = await recreated;
    expect(second.subscriptionId).not.toBe(first.id);
    expect((await missed).reason).toMatch(/anew/);

    const short = keeper({ resources: ["me/events"], lifetimeMs: 4_000, renewMarginMs: 3_000 });
    await short.start();
    const gone = short.subscriptionOf("me/events")!;
    sim.notifications.expire(gone.id);
    const again = next(short, "renewed", (e) => e.created);
    const missedAgain = next(short, "missed");
    expect((await again).subscriptionId).not.toBe(gone.id);
    expect((await missedAgain).reason).toMatch(/anew/);
    expect(sim.notifications.list().map((s) => s.id)).toContain(short.subscriptionOf("me/events")!.id);
  });

  it("renews on reauthorizationRequired and reports missed", async () => {
    const k = keeper();
    await k.start();
    const sub = k.subscriptionOf("me/contacts")!;
    const renewed = next(k, "renewed", (e) => !e.created);
    sim.notifications.lifecycle(sub.id, "reauthorizationRequired");
    expect((await renewed).subscriptionId).toBe(sub.id);
    const missed = next(k, "missed");
    sim.notifications.lifecycle(sub.id, "missed");
    expect((await missed).reason).toMatch(/missed/);
  });

  it("delivers again after the endpoint failed (retries, as Graph does)", async () => {
    const k = keeper();
    await k.start();
    failNext = 2;
    const created = next(k, "change", (e) => e.notification.changeType === "created");
    const made = await graph.createContact({ givenName: "Retry" });
    expect((await created).notification.resourceData?.id).toBe(made.id);
    expect(failNext).toBe(0);
    await sim.notifications.settled();
    const attempts = sim.notifications.deliveries.filter((d) => d.kind === "change" && JSON.stringify(d.payload).includes(made.id));
    expect(attempts.map((d) => d.status)).toEqual([503, 503, 202]);
  });

  it("polls when Graph cannot validate the URL, and when no receiver is configured", async () => {
    const refusing = await serve((req, res) => { req.resume(); res.writeHead(200, { "content-type": "application/json" }).end("{}"); });
    servers.push(refusing.server);
    const k = keeper({ notificationUrl: `${refusing.url}/hook`, pollIntervalMs: 20 });
    const error = next(k, "error");
    const state = next(k, "state");
    let polls = 0;
    const twoPolls = new Promise<void>((resolve) => k.on("poll", () => { if (++polls === 2) resolve(); }));
    await k.start();
    expect(await state).toMatchObject({ state: "polling", detail: "subscription refused: ValidationError" });
    expect(((await error).error as GraphError).code).toBe("ValidationError");
    await twoPolls;
    expect(k.modeOf("me/contacts")).toBe("polling");
    expect(sim.notifications.list()).toEqual([]);

    const none = keeper({ notificationUrl: undefined, pollIntervalMs: 20 });
    const polled = next(none, "poll");
    await none.start();
    await polled;
    expect(none.modeOf("me/contacts")).toBe("polling");
  });
});
