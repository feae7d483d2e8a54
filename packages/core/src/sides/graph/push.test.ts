/**
 * The Graph side's push module against the Graph simulator over real HTTP: a receiver on a real
 * server, notices for a created, a changed and a deleted contact of the watched collection (made
 * over EWS and over Graph), `connected` while subscribed; `polling` and feed notices without a
 * receiver; the subscriptions gone when the watch ends.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { ConcurrencyLimiter, GraphClient, GraphWebhookReceiver } from "@ewsdav/graph-client";
import { startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SideNotice } from "../../engine/side.js";
import { watchGraphNotices } from "./push.js";

describe("watchGraphNotices", () => {
  let ews: EwsSimulator;
  let sim: GraphSimulator;
  let graph: GraphClient;
  let receiver: GraphWebhookReceiver;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    ews = await startEwsSimulator();
    sim = await startGraphSimulator({ mailbox: (a) => ews.mailbox(a), tokens: { t: "alice@example.com" } });
    graph = new GraphClient({ baseUrl: sim.url, getToken: async () => "t", limiter: new ConcurrencyLimiter(4) });
    receiver = new GraphWebhookReceiver();
    server = createServer(receiver.handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  });
  afterAll(async () => {
    await graph.close();
    await sim.stop();
    await ews.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Reads notices until `until` accepts one; returns them all. */
  async function read(it: AsyncIterator<SideNotice>, until: (n: SideNotice) => boolean): Promise<SideNotice[]> {
    const seen: SideNotice[] = [];
    for (;;) {
      const { value, done } = await it.next();
      if (done) throw new Error(`the watch ended; saw ${JSON.stringify(seen)}`);
      seen.push(value);
      if (until(value)) return seen;
    }
  }

  it("yields the items of changes to a watched collection, made over Graph and over EWS", async () => {
    const folder = await graph.createContactFolder("Watched");
    const controller = new AbortController();
    const it = watchGraphNotices({
      client: graph, receiver, notificationUrl: url, resources: new Map([["coll-1", `me/contactFolders/${folder.id}/contacts`]]), signal: controller.signal,
    })[Symbol.asyncIterator]();
    const opening = await read(it, (n) => n.type === "status" && n.state === "connected");
    expect(opening.map((n) => n.type === "status" && n.state)).toEqual(["connecting", "connected"]);
    expect(sim.notifications.list()).toHaveLength(1);

    const made = await graph.createContact({ givenName: "Pushed" }, folder.id);
    const created = await read(it, (n) => n.type === "items");
    expect(created.at(-1)).toEqual({ type: "items", collection: "coll-1", items: [{ id: made.id, version: made["@odata.etag"] }] });

    const [ewsId] = await graph.translateExchangeIds([made.id], "restImmutableEntryId", "ewsId");
    const changed = ews.mailbox("alice@example.com").updateItem(ewsId!.targetId!, "<Contact><Surname>Over EWS</Surname></Contact>");
    const updated = await read(it, (n) => n.type === "items");
    expect(updated.at(-1)).toEqual({ type: "items", collection: "coll-1", items: [{ id: made.id, version: `W/"${changed.changeKey}"` }] });

    await graph.deleteContact(made.id);
    const deleted = await read(it, (n) => n.type === "items");
    expect(deleted.at(-1)).toEqual({ type: "items", collection: "coll-1", items: [{ id: made.id, gone: true }] });

    controller.abort();
    expect((await it.next()).done).toBe(true);
    expect(sim.notifications.list()).toEqual([]);
  });

  it("polls without a receiver: a polling status and feed notices", async () => {
    const controller = new AbortController();
    const it = watchGraphNotices({ client: graph, resources: new Map([["contacts", "me/contacts"]]), signal: controller.signal, keeper: { pollIntervalMs: 10 } })[Symbol.asyncIterator]();
    const seen = await read(it, (n) => n.type === "collection");
    expect(seen).toContainEqual({ type: "status", state: "polling", detail: "no webhook receiver configured" });
    expect(seen.at(-1)).toMatchObject({ type: "collection", collection: "contacts" });
    controller.abort();
    expect((await it.next()).done).toBe(true);
  });
});
