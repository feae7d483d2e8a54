// tsdav (npm, installed into a scratch folder by bench/peers.ts) fetching a whole address book:
// its fetchVCards (addressbook-query for the hrefs, then one addressbook-multiget of them all).
// No files, no state: the texts are only counted. Prints one JSON line {items, bytes, ms}.
//   BENCH_DAV_PASSWORD=… node bench/peers/tsdav-fetch.mjs SCRATCH_DIR COLLECTION_URL USER
import { createRequire } from "node:module";
import { join } from "node:path";

const [scratch, url, user] = process.argv.slice(2);
const password = process.env.BENCH_DAV_PASSWORD ?? "";
const require = createRequire(join(scratch, "node_modules", "noop.js"));
const { fetchVCards } = require("tsdav");
const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const started = performance.now();
const cards = await fetchVCards({ addressBook: { url }, headers: { authorization } });
const ms = performance.now() - started;
let bytes = 0;
let empty = 0;
for (const card of cards) {
  if (typeof card.data === "string" && card.data.includes("BEGIN:VCARD")) bytes += card.data.length;
  else empty++;
}
console.log(JSON.stringify({ items: cards.length - empty, empty, bytes, ms }));
