// ews-javascript-api (npm, installed into a scratch folder by bench/peers.ts) fetching every contact
// of the contacts folder as full items: FindItems (IdOnly, pages of 1,000), then
// LoadPropertiesForItems with FirstClassProperties (one GetItem per batch of 50 ids, 4 batches at a
// time, as ewsdav's fetch does). Basic auth. Prints one JSON line {items, ms}.
//   BENCH_EWS_PASSWORD=… node bench/peers/ews-js-fetch.mjs SCRATCH_DIR EWS_URL USER
import { createRequire } from "node:module";
import { join } from "node:path";

const [scratch, url, user] = process.argv.slice(2);
const require = createRequire(join(scratch, "node_modules", "noop.js"));
const ews = require("ews-javascript-api");
const service = new ews.ExchangeService(ews.ExchangeVersion.Exchange2013_SP1);
service.Credentials = new ews.WebCredentials(user, process.env.BENCH_EWS_PASSWORD ?? "");
service.Url = new ews.Uri(url);

const started = performance.now();
const items = [];
const view = new ews.ItemView(1000, 0, ews.OffsetBasePoint.Beginning);
view.PropertySet = new ews.PropertySet(ews.BasePropertySet.IdOnly);
for (;;) {
  const page = await service.FindItems(ews.WellKnownFolderName.Contacts, view);
  items.push(...page.Items);
  if (!page.MoreAvailable) break;
  view.Offset = page.NextPageOffset;
}
const batches = [];
for (let i = 0; i < items.length; i += 50) batches.push(items.slice(i, i + 50));
let next = 0;
let loaded = 0;
async function worker() {
  while (next < batches.length) {
    const batch = batches[next++];
    const responses = await service.LoadPropertiesForItems(batch, ews.PropertySet.FirstClassProperties);
    for (const response of responses.Responses) if (response.Result === ews.ServiceResult.Success) loaded++;
  }
}
await Promise.all([worker(), worker(), worker(), worker()]);
const ms = performance.now() - started;
console.log(JSON.stringify({ items: loaded, listed: items.length, ms }));
