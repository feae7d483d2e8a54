/**
 * Benchmark: the DAV client against a real Radicale on loopback.
 *
 * 1. Initial pull of 10,000 contacts seeded on disk: sync-collection (complete listing) then
 *    addressbook-multiget in batches. Run twice: "cold" pays Radicale's first parse of every
 *    file (it builds its item cache), "warm" is the steady state.
 *    Then the same pull with the content carried by the listing (`changes(…, { withData: true })`:
 *    one sync-collection REPORT asking for address-data, no multiget on Radicale).
 * 2. A no-op incremental sync of that collection (one REPORT).
 * 3. A few hundred PUTs (creates) at the configured write concurrency.
 *
 * Prints requests, requests per item, items/s and peak memory (RSS and heap of this process).
 *
 *   npx tsx bench/dav-radicale.ts [contacts=10000] [puts=300] [concurrency=4]
 */
import { DavClient, DavError, type DavItem, type DavMissingItem } from "@ewsdav/dav-client";
import { startRadicale } from "../test/harness/dav-servers.js";
import { benchCard } from "./lib/cards.js";

const [contacts, puts, concurrency] = [Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 300), Number(process.argv[4] ?? 4)];


let peakRss = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed);
}, 20);

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function report(label: string, items: number, requests: number, ms: number): void {
  const perSecond = items > 0 ? Math.round((items / ms) * 1000) : 0;
  console.log(
    `${label.padEnd(34)} ${String(items).padStart(6)} items  ${String(requests).padStart(5)} requests` +
      `  ${items > 0 ? (requests / items).toFixed(3) : "-"} req/item  ${String(Math.round(ms)).padStart(6)} ms  ${String(perSecond).padStart(6)} items/s`,
  );
}

async function main(): Promise<void> {
  const server = await startRadicale();
  const client = new DavClient({
    baseUrl: server.url,
    auth: { type: "basic", username: server.username, password: server.password },
    writeConcurrency: concurrency,
    // Radicale's first listing of a freshly seeded collection parses every file (minutes on a busy machine).
    timeoutMs: 600_000,
  });
  try {
    const baseline = process.memoryUsage();
    console.log(`Radicale on ${server.url}; ${contacts} contacts seeded on disk; ${puts} PUTs at concurrency ${concurrency}`);
    console.log(`memory before the runs: RSS ${mb(baseline.rss)}, heap ${mb(baseline.heapUsed)}`);
    const url = await server.seedCollection({
      name: "bench-contacts",
      kind: "addressbook",
      items: Array.from({ length: contacts }, (_, i) => ({ name: `bench-${i}.vcf`, text: benchCard(i) })),
    });
    const book = { url, kind: "addressbook" as const };

    let cursor = "";
    for (const label of ["initial pull (cold server cache)", "initial pull (warm server cache)"]) {
      const before = client.stats.requests;
      const start = performance.now();
      const feed = await client.changes(book, null);
      const listed = performance.now();
      let fetched = 0;
      for await (const item of client.multiget(book, feed.changed.map((m) => m.href)) as AsyncIterable<DavItem | DavMissingItem>) {
        if ("missing" in item) throw new Error(`missing ${item.href}`);
        fetched++;
      }
      const done = performance.now();
      if (fetched !== contacts) throw new Error(`fetched ${fetched} of ${contacts}`);
      report(label, fetched, client.stats.requests - before, done - start);
      console.log(`${"".padEnd(34)}   of which sync-collection listing ${Math.round(listed - start)} ms, multiget ${Math.round(done - listed)} ms`);
      cursor = feed.cursor;
    }

    {
      const before = client.stats.requests;
      const start = performance.now();
      const feed = await client.changes(book, null, { withData: true });
      const withData = feed.changed.filter((m) => m.data !== undefined).length;
      if (withData !== contacts) throw new Error(`${withData} of ${contacts} members came with their content`);
      report("initial pull, content with listing", withData, client.stats.requests - before, performance.now() - start);
    }

    {
      const before = client.stats.requests;
      const start = performance.now();
      const feed = await client.changes(book, cursor);
      report("no-op incremental sync", feed.changed.length + feed.deleted.length, client.stats.requests - before, performance.now() - start);
    }

    {
      const target = await client.createAddressBook({ name: "bench-puts" });
      const before = client.stats.requests;
      const start = performance.now();
      const results = await client.createItems(target, Array.from({ length: puts }, (_, i) => ({ text: benchCard(100_000 + i, "4.0") })));
      const failed = results.filter((r) => r instanceof DavError);
      if (failed.length > 0) throw failed[0] as DavError;
      report(`PUT create (concurrency ${concurrency})`, puts, client.stats.requests - before, performance.now() - start);
    }
    clearInterval(sampler);
    console.log(`peak memory: RSS ${mb(peakRss)}, heap ${mb(peakHeap)}; bytes received ${mb(client.stats.bytesReceived)}; retries ${client.stats.retries}`);
  } finally {
    clearInterval(sampler);
    await client.close();
    await server.stop();
  }
}

await main();
