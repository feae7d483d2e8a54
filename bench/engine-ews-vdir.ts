/**
 * Benchmark: initial sync of the EWS simulator's mailbox (contacts, events, tasks) into a vdir
 * folder, through the EWS side, with the SQLite state store; then a no-op cycle.
 * Prints wall time, items/s, EWS requests and requests per item, peak memory; for the no-op
 * cycle, requests, wall and CPU time. The simulator runs in a process of its own (this file with
 * `--sim C,E,T`), so the CPU and memory figures are those of the engine, its sides and store alone;
 * the simulator's CPU is printed beside them.
 *
 *   npx tsx bench/engine-ews-vdir.ts [contacts=10000] [events=2000] [tasks=1000]   (the `large` seed)
 *
 * Memory: the peaks of V8's heap (used and total), external memory and array buffers are printed
 * beside the RSS. EWSDAV_BENCH_HEAP_SNAPSHOT=MB writes a heap snapshot (into the working folder)
 * the first time the heap in use passes MB, to see what holds it; =writing writes one when the
 * largest pair is half way through its writes.
 */
import { fork } from "node:child_process";
import { writeHeapSnapshot } from "node:v8";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { fileURLToPath } from "node:url";
import { SyncEngine } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { VdirSide } from "@ewsdav/core/vdir";

if (process.argv[2] === "--sim") {
  const [contacts, events, tasks] = process.argv[3]!.split(",").map(Number) as [number, number, number];
  const { seedLarge, startEwsSimulator } = await import("@ewsdav/ews-simulator");
  const sim = await startEwsSimulator({ seed: (box) => seedLarge(box, { contacts, events, tasks }), record: false });
  const cpu0 = process.cpuUsage();
  process.on("message", (message: { type: string }) => {
    if (message.type === "cpu") {
      const cpu = process.cpuUsage(cpu0);
      process.send!({ type: "cpu", ms: (cpu.user + cpu.system) / 1000 });
    } else if (message.type === "stop") void sim.stop().then(() => process.exit(0));
  });
  process.send!({ type: "ready", url: sim.url });
  await new Promise(() => {});
}

const [contacts, events, tasks] = [Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 2_000), Number(process.argv[4] ?? 1_000)];
const child = fork(fileURLToPath(import.meta.url), ["--sim", `${contacts},${events},${tasks}`], { execArgv: ["--import", "tsx", ...process.execArgv.filter((a) => a.startsWith("--cpu-prof"))] });
const ask = <T>(type: string) =>
  new Promise<T>((resolve, reject) => {
    const onMessage = (m: { type: string } & T) => {
      if (m.type !== type) return;
      child.off("message", onMessage);
      resolve(m);
    };
    child.on("message", onMessage);
    child.once("exit", (code) => reject(new Error(`simulator exited (${code})`)));
  });
const simCpu = async () => {
  child.send({ type: "cpu" });
  return (await ask<{ ms: number }>("cpu")).ms;
};
const sim = { url: (await ask<{ url: string }>("ready")).url };
let peakRss = 0;
const peak = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
const snapshotAt = Number(process.env.EWSDAV_BENCH_HEAP_SNAPSHOT ?? Number.NaN) * 1024 * 1024;
const snapshotWriting = process.env.EWSDAV_BENCH_HEAP_SNAPSHOT === "writing";
let snapshotTaken = false;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  for (const key of Object.keys(peak) as Array<keyof typeof peak>) peak[key] = Math.max(peak[key], m[key]);
  if (!snapshotTaken && m.heapUsed > snapshotAt) {
    snapshotTaken = true;
    console.log(`heap snapshot at ${(m.heapUsed / 1048576).toFixed(0)} MiB in use: ${writeHeapSnapshot()}`);
  }
}, 50);
const dir = mkdtempSync(join(tmpdir(), "ewsdav-bench-ews-"));
const byOperation = new Map<string, number>();
const client = new EwsClient({
  url: sim.url,
  auth: basicAuth({ username: "alice@example.com", password: "secret" }),
  mailbox: "alice@example.com",
  layers: [(next) => (request) => (byOperation.set(request.operation, (byOperation.get(request.operation) ?? 0) + 1), next(request))],
});
const operations = () => [...byOperation].map(([op, n]) => `${op} ${n}`).join(", ");
const store = new SqliteStateStore(join(dir, "state.db"));
try {
  const ews = new EwsSide({ client, name: "ews" });
  const vdir = new VdirSide({ root: join(dir, "vdir"), fsync: false });
  const engine = new SyncEngine({ store, sides: [ews, vdir] });
  if (snapshotWriting) {
    engine.events.on("progress", ({ phase, done, total }) => {
      if (snapshotTaken || phase !== "writing" || total < Math.max(contacts, events, tasks) || done < total / 2) return;
      snapshotTaken = true;
      console.log(`heap snapshot half way through the writes (${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MiB in use): ${writeHeapSnapshot()}`);
    });
  }
  for (const folder of (await ews.listCollections()).filter((f) => ["Contacts", "Calendar", "Tasks"].includes(f.displayName))) {
    await engine.link({ kind: folder.kind, remote: { side: "ews", collection: folder.id }, local: { side: "vdir", create: { displayName: folder.displayName } } });
  }
  const total = contacts + events + tasks;
  const r0 = client.requestCount;
  const s0 = await simCpu();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await engine.runOnce();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const simFirst = (await simCpu()) - s0;
  const requests = client.requestCount - r0;
  const created = report.pairs.reduce((n, p) => n + p.local.created.length, 0);
  const tagged = report.pairs.reduce((n, p) => n + p.remote.tagged.length, 0);
  console.log(`initial sync EWS simulator → vdir: ${total} items (${contacts} contacts, ${events} events, ${tasks} tasks), SQLite state, fsync off`);
  console.log(`  wall ${seconds.toFixed(1)} s, ${(total / seconds).toFixed(0)} items/s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (this process: engine, sides, store), simulator CPU ${(simFirst / 1000).toFixed(1)} s`);
  console.log(`  EWS requests ${requests} (${(requests / total).toFixed(3)} per item: ${operations()}), created ${created}, UID tags written ${tagged}, ok ${report.ok}`);
  await engine.runOnce(); // echoes of the tag writes
  const r1 = client.requestCount;
  byOperation.clear();
  const s1 = await simCpu();
  const cpu1 = process.cpuUsage();
  const t1 = performance.now();
  const quiet = await engine.runOnce();
  const noop = (performance.now() - t1) / 1000;
  const cpu2 = process.cpuUsage(cpu1);
  const simNoop = (await simCpu()) - s1;
  const writes = quiet.pairs.reduce((n, p) => n + p.local.created.length + p.local.updated.length + p.remote.updated.length + p.remote.tagged.length, 0);
  console.log(`no-op cycle over ${quiet.pairs.length} pairs: EWS requests ${client.requestCount - r1} (${operations()}), wall ${noop.toFixed(2)} s, CPU ${((cpu2.user + cpu2.system) / 1e6).toFixed(3)} s (simulator ${(simNoop / 1000).toFixed(3)} s), writes ${writes}`);
  clearInterval(sampler);
  const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;
  console.log(`peak RSS ${(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024).toFixed(0)} MiB (getrusage; the simulator's process not included)`);
  console.log(`  peaks (sampled every 50 ms): V8 heap used ${mib(peak.heapUsed)}, heap total ${mib(peak.heapTotal)}, external ${mib(peak.external)} (array buffers ${mib(peak.arrayBuffers)})`);
} finally {
  clearInterval(sampler);
  await store.close();
  await client.close?.();
  child.send({ type: "stop" });
  rmSync(dir, { recursive: true, force: true });
}
