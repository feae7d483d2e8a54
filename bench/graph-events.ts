/**
 * Benchmark: the Graph side's events feed and reads through the engine. One mailbox, seeded with
 * 2,000 events by `seedLarge` (100 weekly series among them) and `--series` more weekly series (default
 * 200), served by the EWS and Graph simulators in a process of their own, so the client's CPU is its
 * own. The client (this process, `--client`) pairs the default calendar with an in-memory side and runs
 * the engine: a first cycle, a no-op cycle, then — after one event is deleted over Graph — a cycle
 * whose feed reports an instance removed. Per cycle it prints the requests the simulator saw (top
 * level, and inside `$batch`es, by kind), the client's CPU (user+sys) and wall time, and peak RSS.
 *
 *   npx tsx bench/graph-events.ts [--series 200] [--prof DIR]
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const self = fileURLToPath(import.meta.url);
const { values } = parseArgs({ options: { sim: { type: "boolean" }, client: { type: "string" }, series: { type: "string", default: "200" }, prof: { type: "string" } } });
const USER = "alice@example.com";
const TOKEN = "bench-token";

async function runSim(series: number): Promise<void> {
  const { startEwsSimulator, seedLarge } = await import("@ewsdav/ews-simulator");
  const { startGraphSimulator } = await import("@ewsdav/graph-simulator");
  const ews = await startEwsSimulator({ record: false });
  const box = ews.mailbox(USER);
  seedLarge(box, { contacts: 0, events: 2000, tasks: 0 });
  const days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  for (let i = 0; i < series; i++) {
    const start = Date.UTC(2026, 0, 5) + (i % 300) * 86_400_000 + 9 * 3_600_000;
    const d = new Date(start);
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
    box.createItem("calendar", `<CalendarItem><Subject>Extra series ${i}</Subject><Start>${iso(start)}</Start><End>${iso(start + 3_600_000)}</End><Recurrence><WeeklyRecurrence><Interval>1</Interval><DaysOfWeek>${days[d.getUTCDay()]}</DaysOfWeek></WeeklyRecurrence><NumberedRecurrence><StartDate>${iso(start).slice(0, 10)}</StartDate><NumberOfOccurrences>${6 + (i % 10)}</NumberOfOccurrences></NumberedRecurrence></Recurrence></CalendarItem>`);
  }
  const graph = await startGraphSimulator({ mailbox: (a) => ews.mailbox(a), users: [USER], tokens: { [TOKEN]: USER } });
  process.on("message", (m: { type: string }) => {
    if (m.type === "stats") {
      const top = graph.requests.filter((r) => !r.inBatch);
      const inBatch = graph.requests.filter((r) => r.inBatch);
      const kinds: Record<string, number> = {};
      for (const r of graph.requests) {
        const path = r.url.replace(/^https?:\/\/[^/]+/, "").split("?")[0]!.replace(/\/v1\.0\/(me|users\/[^/]+)/, "").replace(/[A-Za-z0-9_-]{20,}/g, "{id}");
        const key = `${r.inBatch ? "batch " : ""}${r.method} ${path}`;
        kinds[key] = (kinds[key] ?? 0) + 1;
      }
      graph.clear();
      process.send!({ type: "stats", top: top.length, inBatch: inBatch.length, kinds });
    } else if (m.type === "stop") void graph.stop().then(() => ews.stop()).then(() => process.exit(0));
  });
  process.send!({ type: "ready", url: graph.url });
}

async function runClient(url: string): Promise<void> {
  const { ConcurrencyLimiter, GraphClient } = await import("@ewsdav/graph-client");
  const { MemorySide, MemoryStateStore, SyncEngine } = await import("@ewsdav/core");
  const { GraphSide } = await import("@ewsdav/core/graph");
  const stats = () => new Promise<{ top: number; inBatch: number; kinds: Record<string, number> }>((resolve) => {
    process.once("message", (m: { type: string; top: number; inBatch: number; kinds: Record<string, number> }) => resolve(m));
    process.send!({ type: "stats" });
  });
  const graph = new GraphClient({ baseUrl: url, getToken: async () => TOKEN, limiter: new ConcurrencyLimiter(4) });
  const side = new GraphSide({ client: graph, name: "graph" });
  const calendar = (await side.listCollections()).find((c) => c.kind === "events" && c.displayName === "Calendar")!.id;
  const mem = new MemorySide({ name: "mem" });
  mem.addCollection("cal", "events");
  const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [side, mem] });
  await engine.link({ id: "p", kind: "events", remote: { side: "graph", collection: calendar }, local: { side: "mem", collection: "cal" } });
  await stats();
  const cycle = async (name: string) => {
    const cpu = process.cpuUsage();
    const t = performance.now();
    const r = await engine.runOnce();
    const wall = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const s = await stats();
    const p = r.pairs[0]!;
    console.log(`${name}: ok=${r.ok} local created ${p.local.created.length} updated ${p.local.updated.length} deleted ${p.local.deleted.length}, remote fetched ${p.remote.fetched}; ` +
      `requests ${s.top} top-level + ${s.inBatch} in $batch; client CPU ${((used.user + used.system) / 1000).toFixed(0)} ms; wall ${wall.toFixed(0)} ms; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    console.log(`  ${Object.entries(s.kinds).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, n]) => `${n}× ${k}`).join("; ")}`);
  };
  await cycle("first");
  await cycle("no-op");
  const one = (await graph.listEvents(undefined, { pageSize: 1 }))[0];
  await stats();
  if (one) await graph.deleteEvent(one.id);
  await stats();
  await cycle("after a deletion");
  await graph.close();
}

if (values.sim) await runSim(Number(values.series));
else if (values.client) await runClient(values.client);
else {
  const sim = fork(self, ["--sim", "--series", values.series!], { execArgv: ["--import", "tsx"], stdio: "inherit" });
  const url = await new Promise<string>((resolve) => sim.once("message", (m: { url: string }) => resolve(m.url)));
  const prof = values.prof ? ["--cpu-prof", "--cpu-prof-dir", values.prof] : [];
  const client = fork(self, ["--client", url], { execArgv: ["--import", "tsx", ...prof], stdio: "inherit" });
  client.on("message", (m) => sim.send(m));
  sim.on("message", (m: { type: string }) => {
    if (m.type === "stats") client.send(m);
  });
  await new Promise((resolve) => client.once("exit", resolve));
  sim.send({ type: "stop" });
}
