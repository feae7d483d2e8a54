// ewsdav's EwsClient fetching every contact of the contacts folder, as bench/ews-fetch-contacts.ts
// does (SyncFolderItems IdOnly pages, then GetItem of the ids: full items, 50 per request, 4 at a
// time), from the built checkout EWSDAV_ROOT. Prints one JSON line {items, failed, requests, ms}.
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
  const ids = [];
  for await (const page of ews.syncFolderItemsPages({ folder: { distinguishedId: "contacts" } })) {
    for (const change of page.changes) if (change.type === "Create") ids.push(change.itemId);
  }
  const items = await ews.getItem(ids);
  const ms = performance.now() - started;
  const failed = items.filter(isEwsError).length;
  console.log(JSON.stringify({ items: items.length - failed, failed, requests: ews.requestCount, ms }));
} finally {
  await ews.close();
}
