/**
 * Push through the Graph side: `GraphSide.watch` (the `push` option, wired to the push module's
 * `watchGraphNotices`) with a webhook receiver on loopback, against the Graph simulator sharing
 * the EWS simulator's mailbox. A contact made over EWS arrives as a notice naming an item the side
 * reads; through the engine's watch loop (Graph ↔ a vdir folder, the poll interval far away) a
 * change made over EWS arrives in the folder by its notice, and a (hard) deletion too. Tests wait for
 * outcomes; they never assert times.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { ConcurrencyLimiter, GraphClient, GraphWebhookReceiver } from "@ewsdav/graph-client";
import { startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { MemoryStateStore, SyncEngine, type SideNotice, type SyncWatch } from "@ewsdav/core";
import { GraphSide } from "@ewsdav/core/graph";
import { VdirSide } from "@ewsdav/core/vdir";
import { until } from "../../../test/harness/wait.js";

describe("GraphSide.watch: change notifications through a loopback receiver", () => {
  let ewsSim: EwsSimulator;
  let sim: GraphSimulator;
  let graph: GraphClient;
  let receiver: GraphWebhookReceiver;
  let server: Server;
  let url: string;
  let root: string;

  beforeAll(async () => {
    ewsSim = await startEwsSimulator({ record: false });
    sim = await startGraphSimulator({ mailbox: (a) => ewsSim.mailbox(a), tokens: { t: "alice@example.com" } });
    graph = new GraphClient({ baseUrl: sim.url, getToken: async () => "t", limiter: new ConcurrencyLimiter(4), baseDelayMs: 10 });
    receiver = new GraphWebhookReceiver();
    server = createServer(receiver.handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
    root = mkdtempSync(join(tmpdir(), "ewsdav-graph-watch-"));
  });
  afterAll(async () => {
    await graph?.close();
    await Promise.all([sim?.stop(), ewsSim?.stop()]);
    await new Promise((resolve) => server?.close(resolve));
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const box = () => ewsSim.mailbox("alice@example.com");

  it("the side's watch: connected, then a contact made over EWS arrives as a notice the side reads", async () => {
    const side = new GraphSide({ client: graph, name: "graph", push: { receiver, notificationUrl: url } });
    expect(side.watch).toBeDefined();
    const controller = new AbortController();
    const it = side.watch!(["contacts"], controller.signal)[Symbol.asyncIterator]();
    const next = async (accept: (n: SideNotice) => boolean) => {
      for (;;) {
        const { value, done } = await it.next();
        if (done) throw new Error("the watch ended");
        if (accept(value)) return value;
      }
    };
    await next((n) => n.type === "status" && n.state === "connected");
    box().createItem("contacts", "<Contact><GivenName>Noticed</GivenName><Surname>Over EWS</Surname></Contact>");
    const notice = await next((n) => n.type === "items");
    expect(notice).toMatchObject({ type: "items", collection: "contacts" });
    const ids = notice.type === "items" ? notice.items.map((i) => i.id) : [];
    const [item] = await side.fetch("contacts", ids);
    expect(item && "text" in item ? item.text : String(item)).toContain("FN:Noticed Over EWS");
    controller.abort();
    expect((await it.next()).done).toBe(true);
    expect(sim.notifications.list()).toEqual([]);
  });

  it("the engine's watch loop: a change made over EWS reaches the vdir folder through its notice", async () => {
    const side = new GraphSide({ client: graph, name: "graph", push: { receiver, notificationUrl: url } });
    const vdir = new VdirSide({ root, fsync: false });
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [side, vdir], policy: { conflict: "remote-wins" } });
    const folder = await vdir.createCollection("contacts", "contacts");
    await engine.link({ id: "contacts", kind: "contacts", remote: { side: "graph", collection: "contacts" }, local: { side: "vdir", collection: folder.id } });
    const texts = () => readdirSync(join(root, folder.id)).filter((f) => f.endsWith(".vcf")).map((f) => readFileSync(join(root, folder.id, f), "utf8"));
    // The poll interval is far beyond the wait: what arrives comes through the notices.
    const watch: SyncWatch = await engine.watch({ pollIntervalMs: 3_600_000, debounceMs: 50 });
    try {
      await until("the first cycle copies what was there", () => texts().some((t) => t.includes("FN:Noticed Over EWS")));
      await until("subscribed", () => watch.sides().some((s) => s.side === "graph" && s.state === "connected"));
      const made = box().createItem("contacts", "<Contact><GivenName>Pushed</GivenName><Surname>Through Graph</Surname></Contact>");
      await until("the EWS create arrives in the folder", () => texts().some((t) => t.includes("FN:Pushed Through Graph")));
      // Deleted once the engine has tagged it (a delete racing the tag is the engine's case, not this test's).
      await until("tagged over Graph", async () => {
        const [rest] = await graph.translateExchangeIds([made.id], "ewsId", "restImmutableEntryId");
        const [fetched] = await side.fetch("contacts", [rest!.targetId!]);
        return fetched !== undefined && !(fetched instanceof Error) && fetched.uid !== null;
      });
      await until("quiet", () => watch.pairs().every((p) => !p.running && !p.waiting));
      box().deleteItem(made.id, "HardDelete");
      await until("the EWS delete arrives", () => !texts().some((t) => t.includes("FN:Pushed Through Graph")));
    } finally {
      await watch.stop();
    }
    expect(sim.notifications.list()).toEqual([]);
  });
});
