/**
 * Benchmark of active mode: the EWS simulator (streaming notifications through its front) ↔ a real
 * Radicale on loopback, one contacts pair, `engine.watch()` running. Prints the propagation
 * latency (p50 / p95 / max) of single edits made one after another — EWS → DAV (pushed) and
 * DAV → EWS (found by polling sync-collection) — the requests each change costs, what polling
 * costs while nothing changes, and how a burst of edits is merged into cycles.
 *
 *   npx tsx bench/watch-latency.ts [ews-edits=200] [dav-edits=200] [poll-ms=1000] [burst=1000]
 */
import { DavClient } from "@ewsdav/dav-client";
import { basicAuth, EwsClient, NotificationConnection } from "@ewsdav/ews-client";
import { seedLarge, startEwsSimulator, startSubscriptionFront } from "@ewsdav/ews-simulator";
import { MemoryStateStore, SyncEngine, type ItemOutcomeEvent } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { EwsSide } from "@ewsdav/core/ews";
import { startDavServer } from "../test/harness/dav-servers.js";

const ewsEdits = Number(process.argv[2] ?? 200);
const davEdits = Number(process.argv[3] ?? 200);
const pollMs = Number(process.argv[4] ?? 1000);
const burst = Number(process.argv[5] ?? 1000);
const CONTACTS = 100;
const USER = { smtpAddress: "alice@example.com", password: "secret" };

const [sim, server] = await Promise.all([startEwsSimulator({ users: [USER], seed: (box) => seedLarge(box, { contacts: CONTACTS, events: 0, tasks: 0 }), record: false }), startDavServer("radicale")]);
const front = await startSubscriptionFront({ simulator: sim, users: [USER] });
const auth = basicAuth({ username: USER.smtpAddress, password: USER.password });
const ewsClient = new EwsClient({ url: sim.url, auth, mailbox: USER.smtpAddress });
const notifications = new NotificationConnection({ url: front.url, mailbox: USER.smtpAddress, auth });
const davClient = new DavClient({ baseUrl: server.url, auth: { type: "basic", username: server.username, password: server.password }, headers: server.headers });

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const figures = (label: string, ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  console.log(`  ${label}: ${s.length} edits, latency p50 ${percentile(s, 50).toFixed(0)} ms, p95 ${percentile(s, 95).toFixed(0)} ms, max ${s.at(-1)!.toFixed(0)} ms`);
};
const idle = async (watch: { pairs(): Array<{ running: boolean; waiting: boolean }> }) => {
  while (!watch.pairs().every((p) => !p.running && !p.waiting)) await new Promise((r) => setTimeout(r, 10));
};

try {
  const ews = new EwsSide({ client: ewsClient, name: "ews", notifications });
  const dav = new DavSide({ client: davClient, name: "dav" });
  const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, dav] });
  const folder = (await ews.listCollections()).find((c) => c.kind === "contacts" && c.displayName === "Contacts")!;
  const pair = await engine.link({ kind: "contacts", remote: { side: "ews", collection: folder.id }, local: { side: "dav", create: { displayName: "Contacts" } } });
  let waiting: { slot: "local" | "remote"; id: string; resolve: () => void } | undefined;
  engine.events.on("item", (e: ItemOutcomeEvent) => {
    if (!waiting || e.outcome !== "done") return;
    const from = waiting.slot === "remote" ? e.ids.remote : e.ids.local;
    if (from === waiting.id && e.kind !== "pair") waiting.resolve();
  });
  const arrival = (slot: "local" | "remote", id: string) => new Promise<void>((resolve) => (waiting = { slot, id, resolve }));

  const t0 = performance.now();
  const watch = await engine.watch({ pollIntervalMs: pollMs });
  while (!watch.sides().some((s) => s.side === "ews" && s.state === "connected")) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
  await idle(watch);
  console.log(`watch: EWS simulator (streaming) ↔ radicale, ${CONTACTS} contacts, DAV polled every ${pollMs} ms`);
  console.log(`  started and caught up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // Polling while nothing changes.
  const [idleEws, idleDav] = [ewsClient.requestCount, davClient.stats.requests];
  const idleCpu = process.cpuUsage();
  const idleMs = 5 * pollMs;
  await new Promise((r) => setTimeout(r, idleMs));
  const idleUsed = process.cpuUsage(idleCpu);
  console.log(
    `  idle for ${idleMs} ms: EWS requests ${ewsClient.requestCount - idleEws}, DAV requests ${davClient.stats.requests - idleDav}, ` +
      `CPU ${((idleUsed.user + idleUsed.system) / 1000).toFixed(0)} ms (simulator and Radicale's client included)`,
  );

  // EWS → DAV, one edit at a time.
  const box = sim.mailbox(USER.smtpAddress);
  const contacts = box.items(folder.id).filter((i) => i.kind === "Contact");
  let [e0, d0] = [ewsClient.requestCount, davClient.stats.requests];
  const ewsLatency: number[] = [];
  for (let n = 0; n < ewsEdits; n++) {
    const item = contacts[n % contacts.length]!;
    const arrived = arrival("remote", item.id);
    const start = performance.now();
    box.updateItem(item.id, `<Contact><JobTitle>EWS edit ${n}</JobTitle></Contact>`);
    await arrived;
    ewsLatency.push(performance.now() - start);
  }
  await idle(watch);
  figures("EWS → DAV (streaming notification → GetItem → PUT)", ewsLatency);
  console.log(`    per change: EWS requests ${((ewsClient.requestCount - e0) / ewsEdits).toFixed(2)}, DAV requests ${((davClient.stats.requests - d0) / ewsEdits).toFixed(2)}`);

  // DAV → EWS, one edit at a time.
  [e0, d0] = [ewsClient.requestCount, davClient.stats.requests];
  const cards = (await davClient.fetchAll(pair.local.collection)).slice(0, Math.min(davEdits, CONTACTS));
  const etags = new Map(cards.map((c) => [c.href, c.etag]));
  const davLatency: number[] = [];
  for (let n = 0; n < davEdits; n++) {
    const card = cards[n % cards.length]!;
    const text = card.data.replace(/^NOTE[^\r\n]*\r\n/m, "").replace("END:VCARD", `NOTE:DAV edit ${n}\r\nEND:VCARD`);
    // Edits land anywhere in the poll interval, as a user's would.
    await new Promise((r) => setTimeout(r, Math.random() * pollMs));
    const arrived = arrival("local", card.href);
    const written = await davClient.updateItem({ href: card.href, etag: etags.get(card.href)!, text });
    const start = performance.now();
    await arrived;
    davLatency.push(performance.now() - start);
    await idle(watch);
    etags.set(card.href, (await davClient.getItem(card.href)).etag ?? written.etag!);
  }
  figures(`DAV → EWS (sync-collection poll every ${pollMs} ms → UpdateItem)`, davLatency);
  const davOwn = davEdits * 2; // the benchmark's own PUT and GET per edit
  console.log(
    `    per change: EWS requests ${((ewsClient.requestCount - e0) / davEdits).toFixed(2)}, DAV requests ${((davClient.stats.requests - d0 - davOwn) / davEdits).toFixed(2)} ` +
      `(polls included; the benchmark's own PUT and GET left out)`,
  );

  // A burst: `burst` edits over 25 contacts as fast as the mailbox takes them.
  const before = watch.statistics.cycles;
  [e0, d0] = [ewsClient.requestCount, davClient.stats.requests];
  const burstStart = performance.now();
  for (let n = 0; n < burst; n++) {
    box.updateItem(contacts[n % 25]!.id, `<Contact><JobTitle>burst ${n}</JobTitle></Contact>`);
    if (n % 50 === 49) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 150));
  await idle(watch);
  console.log(
    `  burst of ${burst} EWS edits over 25 contacts: ${watch.statistics.cycles - before} cycle(s), settled in ${((performance.now() - burstStart) / 1000).toFixed(1)} s, ` +
      `EWS requests ${ewsClient.requestCount - e0}, DAV requests ${davClient.stats.requests - d0}`,
  );
  const memory = process.memoryUsage();
  console.log(`  memory: RSS ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB (simulator in the same process)`);
  await watch.stop();
} finally {
  await davClient.close();
  await notifications.close();
  await ewsClient.close();
  await front.stop();
  await Promise.all([sim.stop(), server.stop()]);
}
