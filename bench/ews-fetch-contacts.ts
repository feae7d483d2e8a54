/**
 * Benchmark: the EWS client fetching contacts from the EWS simulator over loopback HTTP.
 *
 * 1. Full sync: SyncFolderItems (IdOnly, 512 changes per page) until IncludesLastItemInRange,
 *    then GetItem of every id in batches (default 50 ids per request, 4 concurrent requests).
 * 2. A no-op incremental sync (one SyncFolderItems request).
 *
 * Prints requests, requests per item, items/s and peak memory. The simulator runs in this
 * process, so the memory figures include the simulated mailbox.
 *
 *   npx tsx bench/ews-fetch-contacts.ts [contacts=10000] [batch=50] [concurrency=4]
 */
import { basicAuth, EwsClient, isEwsError, type ItemId } from "@ewsdav/ews-client";
import { seedLarge, startEwsSimulator } from "@ewsdav/ews-simulator";

const [contacts, batch, concurrency] = [Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 50), Number(process.argv[4] ?? 4)];

let peakRss = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed);
}, 20);
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;

const seedStarted = performance.now();
const sim = await startEwsSimulator({ seed: (box) => seedLarge(box, { contacts, events: 0, tasks: 0 }), record: false });
console.log(`simulator seeded with ${contacts} contacts in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
const ews = new EwsClient({
  url: sim.url,
  auth: basicAuth({ username: "alice@example.com", password: "secret" }),
  mailbox: "alice@example.com",
  getItemBatchSize: batch,
  concurrency,
  transport: { connections: concurrency },
});

try {
  (globalThis as { gc?: () => void }).gc?.();
  const started = performance.now();
  const ids: ItemId[] = [];
  let state: string | undefined;
  for await (const page of ews.syncFolderItemsPages({ folder: { distinguishedId: "contacts" } })) {
    for (const change of page.changes) if (change.type === "Create") ids.push(change.itemId);
    state = page.syncState;
  }
  const listed = performance.now();
  const items = await ews.getItem(ids);
  const fetched = performance.now();
  const failures = items.filter(isEwsError).length;
  const counts = sim.requestCounts();
  const seconds = (fetched - started) / 1000;
  console.log(`full sync: ${ids.length} contacts listed in ${((listed - started) / 1000).toFixed(2)} s, fetched in ${((fetched - listed) / 1000).toFixed(2)} s (${failures} failed)`);
  console.log(`  requests: ${ews.requestCount} (SyncFolderItems ${counts.SyncFolderItems ?? 0}, GetItem ${counts.GetItem ?? 0}; ${batch} ids per GetItem, ${concurrency} concurrent)`);
  console.log(`  requests per item: ${(ews.requestCount / Math.max(1, ids.length)).toFixed(4)}`);
  console.log(`  items/s: ${(ids.length / seconds).toFixed(0)}`);

  const before = ews.requestCount;
  const noopStarted = performance.now();
  const noop = await ews.syncFolderItems({ folder: { distinguishedId: "contacts" }, syncState: state! });
  console.log(`no-op incremental sync: ${noop.changes.length} changes, ${ews.requestCount - before} request, ${(performance.now() - noopStarted).toFixed(0)} ms`);
} finally {
  clearInterval(sampler);
  await ews.close();
  await sim.stop();
}
console.log(`peak memory (client + simulator in one process): RSS ${mib(peakRss)}, heap ${mib(peakHeap)}`);
