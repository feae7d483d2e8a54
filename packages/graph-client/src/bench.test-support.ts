/**
 * A measurement (not a test): N contacts seeded in one mailbox, read through the Graph client over
 * the simulator by a full delta round (pages of 100) and by a listing ($top 1000); prints requests,
 * items per request and CPU time. Run: `npx tsx packages/graph-client/src/bench.test-support.ts 10000`.
 */
import { startGraphSimulator } from "@ewsdav/graph-simulator";
import { el } from "@ewsdav/ews-simulator";
import { ConcurrencyLimiter, GraphClient } from "./index.js";

const n = Number(process.argv[2] ?? 2000);
const sim = await startGraphSimulator({ tokens: { t: "alice@example.com" } });
const box = sim.mailbox("alice@example.com");
const folder = box.folderRecord("contacts");
for (let i = 0; i < n; i++) {
  box.createItemFromElement(folder, el("Contact", {}, [
    el("DisplayName", {}, `Person ${i}`), el("GivenName", {}, "Person"),
    el("EmailAddresses", {}, [el("Entry", { Key: "EmailAddress1" }, `p${i}@example.com`)]), el("Surname", {}, String(i)),
  ]));
}
const graph = new GraphClient({ baseUrl: sim.url, getToken: async () => "t", limiter: new ConcurrencyLimiter(4) });
for (const [name, run] of [
  ["delta (pages of 100)", () => graph.contactsDelta(undefined, undefined, { pageSize: 100 }).then((r) => r.changed.length)],
  ["list ($top 1000)", () => graph.listContacts(undefined, { pageSize: 1000 }).then((r) => r.length)],
] as const) {
  sim.clear();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const count = await run();
  const used = process.cpuUsage(cpu);
  console.log(`${name}: ${count} contacts, ${sim.requests.length} requests, ${((performance.now() - t0) / 1000).toFixed(2)} s wall, ${((used.user + used.system) / 1e6).toFixed(2)} s CPU (client and simulator in one process), ${Math.round(count / ((performance.now() - t0) / 1000))} items/s`);
}
console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
await graph.close();
await sim.stop();
