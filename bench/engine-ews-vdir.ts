/**
 * Benchmark: initial sync of the EWS simulator's mailbox (contacts, events, tasks) into a vdir
 * folder, through the EWS side, with the SQLite state store; then a no-op cycle.
 * Prints wall time, items/s, EWS requests and requests per item, peak memory; for the no-op
 * cycle, requests and CPU time. The simulator runs in the same process: CPU figures include it.
 *
 *   npx tsx bench/engine-ews-vdir.ts [contacts=10000] [events=10000] [tasks=2000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { seedLarge, startEwsSimulator } from "@ewsdav/ews-simulator";
import { SyncEngine } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { VdirSide } from "@ewsdav/core/vdir";

const [contacts, events, tasks] = [Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 10_000), Number(process.argv[4] ?? 2_000)];
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const dir = mkdtempSync(join(tmpdir(), "ewsdav-bench-ews-"));
const sim = await startEwsSimulator({ seed: (box) => seedLarge(box, { contacts, events, tasks }), record: false });
const client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), mailbox: "alice@example.com" });
const store = new SqliteStateStore(join(dir, "state.db"));
try {
  const ews = new EwsSide({ client, name: "ews" });
  const vdir = new VdirSide({ root: join(dir, "vdir"), fsync: false });
  const engine = new SyncEngine({ store, sides: [ews, vdir] });
  for (const folder of (await ews.listCollections()).filter((f) => ["Contacts", "Calendar", "Tasks"].includes(f.displayName))) {
    await engine.link({ kind: folder.kind, remote: { side: "ews", collection: folder.id }, local: { side: "vdir", create: { displayName: folder.displayName } } });
  }
  const total = contacts + events + tasks;
  const r0 = client.requestCount;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await engine.runOnce();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const requests = client.requestCount - r0;
  const created = report.pairs.reduce((n, p) => n + p.local.created.length, 0);
  const tagged = report.pairs.reduce((n, p) => n + p.remote.tagged.length, 0);
  console.log(`initial sync EWS simulator → vdir: ${total} items (${contacts} contacts, ${events} events, ${tasks} tasks), SQLite state, fsync off`);
  console.log(`  wall ${seconds.toFixed(1)} s, ${(total / seconds).toFixed(0)} items/s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (incl. simulator)`);
  console.log(`  EWS requests ${requests} (${(requests / total).toFixed(3)} per item), created ${created}, UID tags written ${tagged}, ok ${report.ok}`);
  await engine.runOnce(); // echoes of the tag writes
  const r1 = client.requestCount;
  const cpu1 = process.cpuUsage();
  const t1 = performance.now();
  const quiet = await engine.runOnce();
  const noop = (performance.now() - t1) / 1000;
  const cpu2 = process.cpuUsage(cpu1);
  const writes = quiet.pairs.reduce((n, p) => n + p.local.created.length + p.local.updated.length + p.remote.updated.length + p.remote.tagged.length, 0);
  console.log(`no-op cycle over ${quiet.pairs.length} pairs: EWS requests ${client.requestCount - r1}, wall ${noop.toFixed(2)} s, CPU ${((cpu2.user + cpu2.system) / 1e6).toFixed(2)} s, writes ${writes}`);
  clearInterval(sampler);
  console.log(`peak RSS ${(Math.max(peakRss, process.memoryUsage().rss) / 1024 / 1024).toFixed(0)} MiB (sampled every 50 ms; simulator included)`);
} finally {
  clearInterval(sampler);
  await store.close();
  await client.close?.();
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
}
