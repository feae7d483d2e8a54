/**
 * Active mode end to end over HTTP: the EWS simulator behind its notifications front (streaming
 * subscriptions) ↔ a real Radicale, with the SQLite store. While `watch()` runs, creates, edits
 * and deletions on either side arrive on the other; a change made while the streaming connection
 * is down still arrives; a host restart (new engine, same state file) loses nothing; a burst of
 * 1,000 changes is merged into a bounded number of cycles. Tests wait for outcomes and count
 * cycles; they never assert times.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DavClient, type DavItem } from "@ewsdav/dav-client";
import { basicAuth, EwsClient, NotificationConnection } from "@ewsdav/ews-client";
import { startEwsSimulator, startSubscriptionFront, type EwsSimulator, type SubscriptionFront } from "@ewsdav/ews-simulator";
import { SyncEngine, type PairRecord, type SyncWatch, type WatchCycleEvent, type WatchStatusEvent } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { EwsSide } from "@ewsdav/core/ews";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { startDavServer, type DavServer } from "../../../test/harness/dav-servers.js";
import { prop, vcard } from "../src/fixtures.test-support.js";
import { until } from "../../../test/harness/wait.js";

const USER = { smtpAddress: "alice@example.com", password: "secret" };

describe("watch(): EWS simulator (streaming) ↔ Radicale", () => {
  let sim: EwsSimulator;
  let front: SubscriptionFront;
  let server: DavServer;
  let dir: string;
  let davClient: DavClient;
  const clients: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ewsdav-watch-"));
    [sim, server] = await Promise.all([startEwsSimulator({ users: [USER], record: false }), startDavServer("radicale")]);
    front = await startSubscriptionFront({ simulator: sim, users: [USER], heartbeatIntervalMs: 500 });
    davClient = new DavClient({ baseUrl: server.url, auth: { type: "basic", username: server.username, password: server.password }, headers: server.headers });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await davClient?.close();
    await front?.stop();
    await Promise.all([sim?.stop(), server?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A host: its own clients, sides, SQLite store on the shared file and engine. */
  function host() {
    const auth = basicAuth({ username: USER.smtpAddress, password: USER.password });
    const client = new EwsClient({ url: sim.url, auth, mailbox: USER.smtpAddress });
    const notifications = new NotificationConnection({ url: front.url, mailbox: USER.smtpAddress, auth });
    const dav = new DavClient({ baseUrl: server.url, auth: { type: "basic", username: server.username, password: server.password }, headers: server.headers });
    clients.push(notifications, dav, client);
    const store = new SqliteStateStore(join(dir, "state.db"));
    const ews = new EwsSide({ client, name: "ews", notifications, streaming: { reconnectDelayMs: 50, stallTimeoutMs: 5_000 } });
    const engine = new SyncEngine({ store, sides: [ews, new DavSide({ client: dav, name: "dav" })] });
    const cycles: WatchCycleEvent[] = [];
    const statuses: WatchStatusEvent[] = [];
    engine.events.on("watch-cycle", (e) => cycles.push(e));
    engine.events.on("watch-status", (e) => statuses.push(e));
    return { engine, store, cycles, statuses, ews };
  }

  const box = () => sim.mailbox(USER.smtpAddress);
  let pair: PairRecord;
  const davItems = (): Promise<DavItem[]> => davClient.fetchAll(pair.local.collection);
  const davNote = async (uid: string) => {
    const item = (await davItems()).find((i) => i.data.includes(`UID:${uid}`));
    return item ? prop(item.data, "NOTE") : undefined;
  };
  const ewsContact = (givenName: string) => box().items(pair.remote.collection).find((i) => i.get("GivenName") === givenName);

  it("propagates creates, edits and deletes both ways while it runs, across a dropped stream and a host restart", async () => {
    const first = host();
    const book = await first.engine.side("dav").createCollection!("contacts", "Watched");
    const contactsFolder = (await first.ews.listCollections()).find((c) => c.kind === "contacts" && c.displayName === "Contacts")!;
    pair = await first.engine.link({ id: "contacts", kind: "contacts", remote: { side: "ews", collection: contactsFolder.id }, local: { side: "dav", collection: book.id } });
    box().createItem("contacts", "<Contact><GivenName>Before</GivenName><Surname>Watch</Surname></Contact>");

    let watch: SyncWatch = await first.engine.watch({ pollIntervalMs: 250, debounceMs: 50 });
    try {
      await until("the first cycle copies what was there", async () => (await davItems()).length === 1);
      await until("streaming connected", () => watch.sides().some((s) => s.side === "ews" && s.state === "connected"));

      // EWS → DAV: create, edit, delete (as Outlook would, through the mailbox).
      const created = box().createItem("contacts", "<Contact><GivenName>Eve</GivenName><Surname>Ews</Surname><Body BodyType=\"Text\">one</Body></Contact>");
      await until("EWS create arrives in Radicale", async () => (await davItems()).some((i) => i.data.includes("FN:Eve Ews")));
      const eveUid = /UID:(.*)\r?\n/.exec((await davItems()).find((i) => i.data.includes("FN:Eve Ews"))!.data)![1]!;
      box().updateItem(created.id, '<Contact><Body BodyType="Text">two</Body></Contact>');
      await until("EWS edit arrives", async () => (await davNote(eveUid)) === "two");
      box().deleteItem(created.id, "MoveToDeletedItems");
      await until("EWS delete (a move to Deleted Items) arrives", async () => !(await davItems()).some((i) => i.data.includes(`UID:${eveUid}`)));

      // DAV → EWS: create, edit, delete (as a phone would, through CardDAV).
      await davClient.createItem(book.id, { text: vcard("dav-dan", { FN: "Dan Dav", N: "Dav;Dan;;;", NOTE: "one" }) });
      await until("DAV create arrives in Exchange", () => ewsContact("Dan") !== undefined);
      const dan = (await davItems()).find((i) => i.data.includes("UID:dav-dan"))!;
      await davClient.updateItem({ href: dan.href, etag: dan.etag, text: vcard("dav-dan", { FN: "Dan Dav", N: "Dav;Dan;;;", NOTE: "two" }) });
      await until("DAV edit arrives", () => (ewsContact("Dan")?.get("Body") ?? "").includes("two"));
      const danNow = (await davItems()).find((i) => i.data.includes("UID:dav-dan"))!;
      await davClient.deleteItem({ href: danNow.href, etag: danNow.etag });
      await until("DAV delete arrives", () => ewsContact("Dan") === undefined);

      // The stream drops; a change made right then still arrives (the reconnect reads the feed).
      first.statuses.length = 0;
      front.dropStreams();
      box().createItem("contacts", "<Contact><GivenName>Dropped</GivenName><Surname>Stream</Surname></Contact>");
      await until("the change made while the stream was down arrives", async () => (await davItems()).some((i) => i.data.includes("FN:Dropped Stream")));
      await until("reported reconnecting, then connected", () =>
        first.statuses.some((s) => s.state === "reconnecting") && first.statuses.at(-1)?.state === "connected",
      );

      // Host restart: stop, change both sides while nothing runs, start a new host on the same state.
      await watch.stop();
      expect(front.subscriptionCount).toBe(0);
      await first.store.close();
      box().createItem("contacts", "<Contact><GivenName>While</GivenName><Surname>Down</Surname></Contact>");
      await davClient.createItem(book.id, { text: vcard("dav-offline", { FN: "Off Line", N: "Line;Off;;;" }) });
      const second = host();
      watch = await second.engine.watch({ pollIntervalMs: 250, debounceMs: 50 });
      await until("both changes made while down arrive", async () => (await davItems()).some((i) => i.data.includes("FN:While Down")) && ewsContact("Off") !== undefined);
      await until("the first cycle ends", () => second.cycles.length > 0 && watch.pairs().every((p) => !p.running && !p.waiting));
      expect(second.cycles[0]!.triggers).toContain("start");
      const davCount = (await davItems()).length;
      expect(box().items(pair.remote.collection).length).toBe(davCount);
      expect(new Set((await davItems()).map((i) => /UID:(.*)\r?\n/.exec(i.data)![1])).size).toBe(davCount); // no duplicates

      // A burst: 1,000 edits over 25 contacts, as fast as the mailbox takes them.
      const ids = Array.from({ length: 25 }, (_, i) => box().createItem("contacts", `<Contact><GivenName>Burst${i}</GivenName><Surname>B</Surname></Contact>`).id);
      await until("the burst's contacts arrive", async () => (await davItems()).filter((i) => i.data.includes("FN:Burst")).length === 25, 60_000);
      await until("quiet", () => watch.pairs().every((p) => !p.running && !p.waiting));
      const before = second.cycles.length;
      for (let n = 0; n < 1000; n++) {
        box().updateItem(ids[n % 25]!, `<Contact><Body BodyType="Text">edit ${n}</Body></Contact>`);
        if (n % 10 === 9) await new Promise((r) => setTimeout(r, 10)); // about a second in all
      }
      await until(
        "the last edit of each contact arrives",
        async () => {
          const items = (await davItems()).filter((i) => i.data.includes("FN:Burst"));
          return items.every((i) => /^NOTE:edit (97[5-9]|98\d|99\d)\r?$/m.test(i.data));
        },
        90_000,
      );
      await until("quiet again", () => watch.pairs().every((p) => !p.running && !p.waiting));
      const burstCycles = second.cycles.length - before;
      // 1,000 notifications; each cycle reads its 25 items at most once — far fewer cycles than changes.
      expect(burstCycles).toBeGreaterThan(0);
      expect(burstCycles).toBeLessThanOrEqual(30);
      expect(second.cycles.slice(before).every((c) => c.report.error === null)).toBe(true);
    } finally {
      await watch.stop();
    }
  });
});
