/**
 * Benchmark: the shape of Radicale's answers to what a first DAV pull can ask, measured with curl
 * against a real Radicale holding N vCards (item cache warmed first). It answers the question the
 * streamed first pull of issue 16 depends on: can the client's work (parsing, file writes, state)
 * overlap the server's, i.e. does the server send the first member before it has built the last?
 *
 * For each request it prints the time to the first byte (curl `time_starttransfer`), the total
 * time and the bytes, best of `runs`:
 * - sync-collection with getetag + address-data (what a first sync asks today: one request);
 * - sync-collection with getetag only (the listing a multiget pipeline would start from);
 * - addressbook-query with getetag + address-data (every card; no sync-token);
 * - addressbook-multiget of `page` hrefs, and all N cards read in such pages one after the other
 *   (the cost of reading the collection in pages that could be handed on one by one).
 *
 *   npx tsx bench/dav-report-shape.ts [items=10000] [runs=3] [page=500]
 *
 * A time to the first byte close to the total means the server builds its whole answer before it
 * sends any of it: a client that parses the body as it arrives gains no overlap with the server.
 */
import { spawnSync } from "node:child_process";
import { startRadicale } from "../test/harness/dav-servers.js";
import { benchCard } from "./lib/cards.js";

const items = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 3);
const page = Number(process.argv[4] ?? 500);
if (![items, runs, page].every((n) => Number.isInteger(n) && n >= 1)) {
  console.error("usage: npx tsx bench/dav-report-shape.ts [items=10000] [runs=3] [page=500]");
  process.exit(2);
}

const NS = `xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"`;
const syncCollection = (withData: boolean) =>
  `<?xml version="1.0" encoding="utf-8"?><d:sync-collection ${NS}><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/>${withData ? "<card:address-data/>" : ""}</d:prop></d:sync-collection>`;
const query = `<?xml version="1.0" encoding="utf-8"?><card:addressbook-query ${NS}><d:prop><d:getetag/><card:address-data/></d:prop></card:addressbook-query>`;
const multiget = (path: string, from: number, count: number) =>
  `<?xml version="1.0" encoding="utf-8"?><card:addressbook-multiget ${NS}><d:prop><d:getetag/><card:address-data/></d:prop>` +
  Array.from({ length: count }, (_, i) => `<d:href>${path}bench-${from + i}.vcf</d:href>`).join("") +
  `</card:addressbook-multiget>`;

const server = await startRadicale();
try {
  const url = await server.seedCollection({
    name: "bench-shape",
    kind: "addressbook",
    items: Array.from({ length: items }, (_, i) => ({ name: `bench-${i}.vcf`, text: benchCard(i) })),
  });
  const path = new URL(url).pathname;
  const auth = `${server.username}:${server.password}`;
  const report = (body: string, depth: "0" | "1") => {
    const r = spawnSync(
      "curl",
      ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_starttransfer} %{time_total} %{size_download}", "-u", auth, "-X", "REPORT", "-H", `Depth: ${depth}`, "-H", "Content-Type: application/xml; charset=utf-8", "--data-binary", body, url],
      { encoding: "utf8" },
    );
    const [status, first, total, bytes] = r.stdout.trim().split(" ");
    if (status !== "207") throw new Error(`REPORT answered ${status}: ${r.stderr}`);
    return { first: Number(first) * 1000, total: Number(total) * 1000, bytes: Number(bytes) };
  };
  const warm = report(syncCollection(true), "0");
  console.log(`Radicale ${server.url}; ${items} cards; cache warmed (${Math.round(warm.total)} ms, ${(warm.bytes / 1024 / 1024).toFixed(1)} MB)`);
  const best = (label: string, measure: () => { first: number; total: number; bytes: number }) => {
    let b = { first: Infinity, total: Infinity, bytes: 0 };
    for (let i = 0; i < runs; i++) {
      const m = measure();
      if (m.total < b.total) b = m;
    }
    console.log(`${label.padEnd(44)} first byte ${String(Math.round(b.first)).padStart(6)} ms  total ${String(Math.round(b.total)).padStart(6)} ms  ${(b.bytes / 1024 / 1024).toFixed(2)} MB`);
  };
  best("sync-collection, getetag + address-data", () => report(syncCollection(true), "0"));
  best("sync-collection, getetag only", () => report(syncCollection(false), "0"));
  best("addressbook-query, getetag + address-data", () => report(query, "1"));
  best(`addressbook-multiget of ${page}`, () => report(multiget(path, 0, Math.min(page, items)), "0"));
  best(`all ${items} in multigets of ${page}, one after another`, () => {
    const sum = { first: 0, total: 0, bytes: 0 };
    for (let from = 0; from < items; from += page) {
      const m = report(multiget(path, from, Math.min(page, items - from)), "0");
      if (from === 0) sum.first = m.first;
      sum.total += m.total;
      sum.bytes += m.bytes;
    }
    return sum;
  });
} finally {
  await server.stop();
}
