// ewsdav's EwsClient fetching every contact of the contacts folder, as bench/ews-fetch-contacts.ts
// does in its default (stream) mode: SyncFolderItems IdOnly pages with GetItem of each page's ids
// overlapping the next page (full items, 50 per request, 4 requests at a time); a checkout from
// before that method lists all ids first. From the built checkout EWSDAV_ROOT. Prints one JSON
// line {items, failed, requests, ms, mode}.
//   BENCH_EWS_PASSWORD=… node bench/peers/ewsdav-fetch.mjs EWSDAV_ROOT EWS_URL USER
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [root, url, user] = process.argv.slice(2);
const { basicAuth, EwsClient, isEwsError } = await import(pathToFileURL(join(root, "packages/ews-client/dist/index.js")).href);
const ews = new EwsClient({
  url,
  auth: basicAuth({ username: user, password: process.env.BENCH_EWS_PASSWORD ?? "" }),
  mailbox: user,
  getItemBatchSize: 50,
  concurrency: 4,
  transport: { connections: 4 },
});
try {
  const started = performance.now();
  let items = 0;
  let failed = 0;
  let mode;
  if (typeof ews.syncFolderItemsWithItems === "function") {
    // The pipelined path: each page's GetItem batches overlap the listing of the next page.
    mode = "pipelined";
    for await (const page of ews.syncFolderItemsWithItems({ folder: { distinguishedId: "contacts" } })) {
      for (const item of page.items) isEwsError(item) ? failed++ : items++;
    }
  } else {
    // A checkout without it (before issue 16): all ids first, then GetItem.
    mode = "ids-then-items";
    const ids = [];
    for await (const page of ews.syncFolderItemsPages({ folder: { distinguishedId: "contacts" } })) {
      for (const change of page.changes) if (change.type === "Create") ids.push(change.itemId);
    }
    for (const item of await ews.getItem(ids)) isEwsError(item) ? failed++ : items++;
  }
  const ms = performance.now() - started;
  console.log(JSON.stringify({ items, failed, requests: ews.requestCount, ms, mode }));
} finally {
  await ews.close();
}
