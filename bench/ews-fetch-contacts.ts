/**
 * Benchmark: the EWS client fetching every contact of a folder from the EWS simulator, the
 * simulator in a process of its own, so the CPU and memory figures are the client's alone.
 *
 * For each folder size, three processes: this one (orchestration only), the simulator (this file
 * with `--sim N`, seeded with N contacts) and the client (this file with `--client URL`). The client:
 * 1. full sync, either
 *    - `stream` (default): `EwsClient.syncFolderItemsWithItems`: SyncFolderItems pages (IdOnly,
 *      512 changes) pipelined with GetItem batches of the ids already listed, page by page, the
 *      items dropped as they are counted (nothing held for the whole folder); or
 *    - `legacy`: every SyncFolderItems page first (all ids held), then `getItem` of all ids;
 * 2. a no-op incremental sync (one SyncFolderItems request).
 * It prints items/s, requests and requests per item, the client's CPU (user+sys) and peak RSS
 * (getrusage maxrss), and the simulator's CPU over the same run.
 *
 * `--floor`: then the simulator's own floor: the same requests (recorded from the client's run)
 * sent again, as many at once as the client sends, each answer read whole as bytes and neither
 * decompressed nor parsed; it prints items/s of that replay and the simulator's CPU for it alone.
 * The client cannot be faster than that.
 *
 *   npx tsx bench/ews-fetch-contacts.ts [sizes=1000,10000] [--mode stream|legacy] [--batch N]
 *       [--concurrency N] [--floor] [--prof DIR]   (--prof: --cpu-prof of client and simulator into DIR)
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const self = fileURLToPath(import.meta.url);
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sim: { type: "string" },
    client: { type: "string" },
    mode: { type: "string", default: "stream" },
    batch: { type: "string" },
    concurrency: { type: "string" },
    prof: { type: "string" },
    floor: { type: "boolean", default: false },
  },
});

interface ClientResult {
  listed: number;
  fetched: number;
  failed: number;
  seconds: number;
  requests: number;
  noopRequests: number;
  noopChanges: number;
  noopMs: number;
  cpuMs: number;
  maxRssKiB: number;
}
/** The requests of the client's run, replayed by {@link replayFloor}. */
interface Recorded {
  url: string;
  headers: Record<string, string>;
  body: string;
}
interface FloorResult {
  requests: number;
  bytes: number;
  seconds: number;
}
interface SimStats {
  counts: Record<string, number>;
  cpuMs: number;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
/** The client's requests as sent, when --floor. */
const recorded: Recorded[] = [];

if (values.sim !== undefined) await runSimulator(Number(values.sim));
else if (values.client !== undefined) await runClient(values.client);
else await orchestrate();

async function runSimulator(contacts: number): Promise<void> {
  const { seedLarge, startEwsSimulator } = await import("@ewsdav/ews-simulator");
  const sim = await startEwsSimulator({ seed: (box) => seedLarge(box, { contacts, events: 0, tasks: 0 }), record: false });
  const cpu0 = process.cpuUsage();
  process.on("message", (message: { type: string }) => {
    if (message.type === "stats") {
      process.send!({ type: "stats", stats: { counts: sim.requestCounts(), cpuMs: cpuMs(process.cpuUsage(cpu0)) } satisfies SimStats });
    } else if (message.type === "stop") {
      void sim.stop().then(() => process.exit(0));
    }
  });
  process.send!({ type: "ready", url: sim.url });
}

/** Sends `requests` again, `concurrency` at a time on as many connections, reading each answer whole as bytes. */
async function replayFloor(requests: Recorded[], concurrency: number): Promise<FloorResult> {
  const { Pool } = await import("undici");
  const origin = new URL(requests[0]!.url).origin;
  const pool = new Pool(origin, { connections: concurrency });
  let next = 0;
  let bytes = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < requests.length) {
      const r = requests[next++]!;
      const response = await pool.request({ path: new URL(r.url).pathname, method: "POST", headers: r.headers, body: r.body });
      for await (const chunk of response.body) bytes += (chunk as Buffer).length;
      if (response.statusCode !== 200) throw new Error(`floor: HTTP ${response.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { requests: requests.length, bytes, seconds };
}

async function runClient(url: string): Promise<void> {
  const { basicAuth, createUndiciTransport, EwsClient, isEwsError } = await import("@ewsdav/ews-client");
  const batch = values.batch === undefined ? undefined : Number(values.batch);
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  // --floor: the same transport the client builds by default, recording each request as sent (with its auth header).
  const transport = values.floor ? createUndiciTransport({ connections: concurrency ?? 10 }) : undefined;
  const recording = transport && {
    send: (request: Parameters<typeof transport.send>[0]) => {
      recorded.push({ url: request.url, headers: { ...request.headers }, body: request.body });
      return transport.send(request);
    },
  };
  const ews = new EwsClient({
    url,
    auth: basicAuth({ username: "alice@example.com", password: "secret" }),
    mailbox: "alice@example.com",
    ...(batch !== undefined ? { getItemBatchSize: batch } : {}),
    ...(concurrency !== undefined ? { concurrency, transport: { connections: concurrency } } : {}),
    ...(recording ? { send: recording.send } : {}),
  });
  const folder = { distinguishedId: "contacts" as const };
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  let listed = 0;
  let fetched = 0;
  let failed = 0;
  let state: string | undefined;
  if (values.mode === "legacy") {
    const ids: Array<{ id: string; changeKey?: string }> = [];
    for await (const page of ews.syncFolderItemsPages({ folder })) {
      for (const change of page.changes) if (change.type === "Create") ids.push(change.itemId);
      state = page.syncState;
    }
    listed = ids.length;
    const items = await ews.getItem(ids);
    for (const item of items) isEwsError(item) ? failed++ : fetched++;
  } else {
    const stream = (ews as unknown as { syncFolderItemsWithItems: (input: { folder: typeof folder }) => AsyncIterable<{ syncState: string; changes: Array<{ type: string }>; items: unknown[] }> })
      .syncFolderItemsWithItems;
    if (typeof stream !== "function") throw new Error("this client has no syncFolderItemsWithItems: run with --mode legacy");
    for await (const page of stream.call(ews, { folder })) {
      listed += page.changes.filter((c) => c.type === "Create").length;
      for (const item of page.items) isEwsError(item) ? failed++ : fetched++;
      state = page.syncState;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuMs(process.cpuUsage(cpu0));
  const requests = ews.requestCount;
  const noopStarted = performance.now();
  const noop = await ews.syncFolderItems({ folder, syncState: state! });
  const noopMs = performance.now() - noopStarted;
  await ews.close();
  await transport?.close();
  const result: ClientResult = {
    listed,
    fetched,
    failed,
    seconds,
    requests,
    noopRequests: ews.requestCount - requests,
    noopChanges: noop.changes.length,
    noopMs,
    cpuMs: cpu,
    maxRssKiB: process.resourceUsage().maxRSS,
  };
  process.send!({ type: "result", result });
  if (values.floor) {
    // The no-op's request is not part of the fetch.
    const fetch = recorded.slice(0, requests);
    await once<unknown>(process, "go");
    process.send!({ type: "floor", floor: await replayFloor(fetch, concurrency ?? 4) });
  }
}

function once<T>(child: ChildProcess | NodeJS.Process, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string } & Record<string, unknown>) => {
      if (message.type !== type) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null) => reject(new Error(`child exited (${code}) before '${type}'`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

async function orchestrate(): Promise<void> {
  const sizes = (positionals[0] ?? "1000,10000").split(",").map(Number);
  const prof = values.prof ? ["--cpu-prof", "--cpu-prof-dir", values.prof] : [];
  const passOn = ["--mode", values.mode!, ...(values.floor ? ["--floor"] : []), ...(values.batch ? ["--batch", values.batch] : []), ...(values.concurrency ? ["--concurrency", values.concurrency] : [])];
  console.log(`EWS client fetching contacts; simulator in its own process; mode ${values.mode}`);
  for (const contacts of sizes) {
    const sim = fork(self, ["--sim", String(contacts)], { execArgv: ["--import", "tsx", ...prof], stdio: "inherit" });
    try {
      const { url } = await once<{ url: string }>(sim, "ready");
      const client = fork(self, ["--client", url, ...passOn], { execArgv: ["--import", "tsx", ...prof], stdio: "inherit" });
      const { result: r } = await once<{ result: ClientResult }>(client, "result");
      sim.send({ type: "stats" });
      const { stats } = await once<{ stats: SimStats }>(sim, "stats");
      let floor: { floor: FloorResult; simCpuMs: number } | undefined;
      if (values.floor) {
        client.send({ type: "go" });
        const { floor: f } = await once<{ floor: FloorResult }>(client, "floor");
        sim.send({ type: "stats" });
        const { stats: after } = await once<{ stats: SimStats }>(sim, "stats");
        floor = { floor: f, simCpuMs: after.cpuMs - stats.cpuMs };
      }
      await new Promise((resolve) => client.once("exit", resolve));
      const gi = stats.counts.GetItem ?? 0;
      const sfi = stats.counts.SyncFolderItems ?? 0;
      console.log(`${contacts} contacts: listed ${r.listed}, fetched ${r.fetched}, failed ${r.failed}`);
      console.log(`  ${(r.fetched / r.seconds).toFixed(0)} items/s (${r.seconds.toFixed(2)} s wall)`);
      console.log(`  requests ${r.requests} (SyncFolderItems ${sfi - r.noopRequests}, GetItem ${gi}), ${(r.requests / Math.max(1, r.fetched)).toFixed(4)} per item`);
      console.log(`  client CPU ${(r.cpuMs / 1000).toFixed(2)} s, client peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB; simulator CPU ${(stats.cpuMs / 1000).toFixed(2)} s (seeding included)`);
      console.log(`  no-op: ${r.noopRequests} request, ${r.noopChanges} changes, ${r.noopMs.toFixed(0)} ms`);
      if (floor) {
        const f = floor.floor;
        console.log(
          `  simulator floor (the same ${f.requests} requests replayed, answers read as bytes): ${(r.fetched / f.seconds).toFixed(0)} items/s (${f.seconds.toFixed(2)} s wall), ` +
            `${(f.bytes / 1048576).toFixed(1)} MiB received, simulator CPU ${(floor.simCpuMs / 1000).toFixed(2)} s`,
        );
      }
    } finally {
      sim.send({ type: "stop" });
      await new Promise((resolve) => sim.once("exit", resolve));
    }
  }
}
