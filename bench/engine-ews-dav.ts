/**
 * Benchmark: initial sync of the EWS simulator's mailbox into a real DAV server (Radicale by
 * default, on loopback), then a no-op cycle. Prints wall time, items/s, EWS and DAV requests and
 * requests per item. Radicale stores about 25 items/s, so the figure is mostly the server's.
 *
 *   npx tsx bench/engine-ews-dav.ts [contacts=600] [events=300] [tasks=100] [radicale|xandikos]
 */
import { DavClient } from "@ewsdav/dav-client";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { seedLarge, startEwsSimulator } from "@ewsdav/ews-simulator";
import { MemoryStateStore, SyncEngine, type CollectionKind } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { EwsSide } from "@ewsdav/core/ews";
import { startDavServer, type DavServerKind } from "../test/harness/dav-servers.js";

const [contacts, events, tasks] = [Number(process.argv[2] ?? 600), Number(process.argv[3] ?? 300), Number(process.argv[4] ?? 100)];
const kind = (process.argv[5] ?? "radicale") as DavServerKind;
const [sim, server] = await Promise.all([startEwsSimulator({ seed: (box) => seedLarge(box, { contacts, events, tasks }), record: false }), startDavServer(kind)]);
const ewsClient = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), mailbox: "alice@example.com" });
const davClient = new DavClient({ baseUrl: server.url, auth: { type: "basic", username: server.username, password: server.password }, headers: server.headers });
try {
  const ews = new EwsSide({ client: ewsClient, name: "ews" });
  const dav = new DavSide({ client: davClient, name: "dav" });
  const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [ews, dav] });
  const names: Record<CollectionKind, string> = { contacts: "Contacts", events: "Calendar", tasks: "Tasks" };
  for (const folder of await ews.listCollections()) {
    if (names[folder.kind] !== folder.displayName) continue;
    await engine.link({ kind: folder.kind, remote: { side: "ews", collection: folder.id }, local: { side: "dav", create: { displayName: folder.displayName } } });
  }
  const total = contacts + events + tasks;
  const [e0, d0] = [ewsClient.requestCount, davClient.stats.requests];
  const t0 = performance.now();
  const report = await engine.runOnce();
  const seconds = (performance.now() - t0) / 1000;
  const [ewsRequests, davRequests] = [ewsClient.requestCount - e0, davClient.stats.requests - d0];
  console.log(`initial sync EWS simulator → ${kind}: ${total} items (${contacts} contacts, ${events} events, ${tasks} tasks)`);
  console.log(`  wall ${seconds.toFixed(1)} s, ${(total / seconds).toFixed(1)} items/s, ok ${report.ok}`);
  console.log(`  EWS requests ${ewsRequests} (${(ewsRequests / total).toFixed(3)}/item), DAV requests ${davRequests} (${(davRequests / total).toFixed(3)}/item)`);
  await engine.runOnce();
  const [e1, d1] = [ewsClient.requestCount, davClient.stats.requests];
  const cpu = process.cpuUsage();
  const quiet = await engine.runOnce();
  const used = process.cpuUsage(cpu);
  console.log(`no-op cycle over ${quiet.pairs.length} pairs: EWS requests ${ewsClient.requestCount - e1}, DAV requests ${davClient.stats.requests - d1}, CPU ${((used.user + used.system) / 1e6).toFixed(2)} s, ok ${quiet.ok}`);
} finally {
  await davClient.close();
  await ewsClient.close?.();
  await Promise.all([sim.stop(), server.stop()]);
}
