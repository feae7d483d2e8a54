/**
 * Active mode against a server without streaming notifications (older than Exchange 2010 SP1:
 * streaming requests fail schema validation): the EWS side falls back to a pull subscription,
 * reports it, and changes still arrive; it unsubscribes when stopped. And against a throttling
 * server: the pair slows down (longer and longer pauses between tries) and recovers.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient, NotificationConnection } from "@ewsdav/ews-client";
import { startEwsSimulator, startSubscriptionFront, type EwsSimulator, type SubscriptionFront } from "@ewsdav/ews-simulator";
import { MemoryStateStore, SyncEngine, type WatchStatusEvent } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";
import { VdirSide } from "@ewsdav/core/vdir";
import { until } from "../../../test/harness/wait.js";

const USER = { smtpAddress: "alice@example.com", password: "secret" };

describe("watch(): EWS without streaming", () => {
  let sim: EwsSimulator;
  let front: SubscriptionFront;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ewsdav-pull-"));
    sim = await startEwsSimulator({ users: [USER], record: false });
    front = await startSubscriptionFront({ simulator: sim, users: [USER], refuseStreaming: true });
  });
  afterAll(async () => {
    await front?.stop();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("falls back to a pull subscription and still carries changes", async () => {
    const auth = basicAuth({ username: USER.smtpAddress, password: USER.password });
    const client = new EwsClient({ url: sim.url, auth, mailbox: USER.smtpAddress });
    const notifications = new NotificationConnection({ url: front.url, mailbox: USER.smtpAddress, auth });
    const ews = new EwsSide({ client, name: "ews", notifications, pullIntervalMs: 100 });
    const vdir = new VdirSide({ root: join(dir, "vdir"), name: "files" });
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, vdir] });
    const folder = (await ews.listCollections()).find((c) => c.kind === "tasks" && c.displayName === "Tasks")!;
    const pair = await engine.link({ kind: "tasks", remote: { side: "ews", collection: folder.id }, local: { side: "files", create: { displayName: "tasks" } } });
    const statuses: WatchStatusEvent[] = [];
    engine.events.on("watch-status", (s) => statuses.push(s));
    // The folder is polled rarely here, so what arrives comes by the pull subscription.
    const watch = await engine.watch({ pollIntervalMs: 60_000 });
    const files = () => readdirSync(join(dir, "vdir", pair.local.collection)).filter((f) => f.endsWith(".ics"));
    try {
      await until("pull reported", () => statuses.some((s) => s.side === "ews" && s.state === "pull"));
      expect(statuses.find((s) => s.state === "pull")!.detail).toMatch(/streaming refused/);
      const box = sim.mailbox(USER.smtpAddress);
      box.createItem("tasks", "<Task><Subject>Pulled in</Subject></Task>");
      await until("the task arrives", () => files().some((f) => readFileSync(join(dir, "vdir", pair.local.collection, f), "utf8").includes("SUMMARY:Pulled in")));
      expect(front.requests.some((r) => r.operation === "GetEvents")).toBe(true);
      expect(watch.statistics.notices).toBeGreaterThan(0);
    } finally {
      await watch.stop();
      await notifications.close();
      await client.close();
    }
    expect(front.subscriptionCount).toBe(0);
  });

  it("a throttling server (ErrorServerBusy beyond the client's retries) slows the pair down; it recovers after", async () => {
    const auth = basicAuth({ username: USER.smtpAddress, password: USER.password });
    const client = new EwsClient({ url: sim.url, auth, mailbox: USER.smtpAddress, retry: { maxAttempts: 2, baseDelayMs: 5 } });
    const ews = new EwsSide({ client, name: "ews" });
    const vdir = new VdirSide({ root: join(dir, "vdir-busy"), name: "files" });
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, vdir] });
    const folder = (await ews.listCollections()).find((c) => c.kind === "contacts" && c.displayName === "Contacts")!;
    const pair = await engine.link({ kind: "contacts", remote: { side: "ews", collection: folder.id }, local: { side: "files", create: { displayName: "contacts" } } });
    const retries: number[] = [];
    engine.events.on("watch-cycle", (e) => e.retryInMs !== null && retries.push(e.retryInMs));
    sim.faults.inject({ kind: "serverBusy", backOffMilliseconds: 5, operation: "SyncFolderItems", times: 8 });
    const watch = await engine.watch({ pollIntervalMs: 50, retryDelayMs: 40, maxRetryDelayMs: 1_000 });
    try {
      await until("three failed tries", () => retries.length >= 3);
      expect(retries[1]!).toBe(2 * retries[0]!);
      expect(retries[2]!).toBe(2 * retries[1]!);
      expect(watch.pairs()[0]!.failing).toMatchObject({ code: "feed-failed" });
      // Polls kept coming while it waited; they were merged into the waiting request, not sent.
      await until("recovered", () => watch.pairs()[0]!.failing === null, 15_000);
      const box = sim.mailbox(USER.smtpAddress);
      box.createItem("contacts", "<Contact><GivenName>After</GivenName><Surname>Busy</Surname></Contact>");
      await until("it syncs again", () =>
        readdirSync(join(dir, "vdir-busy", pair.local.collection)).some((f) => readFileSync(join(dir, "vdir-busy", pair.local.collection, f), "utf8").includes("FN:After Busy")),
      );
    } finally {
      await watch.stop();
      await client.close();
    }
  });
});
