/**
 * Benchmark: fetching every contact of a mailbox over Microsoft Graph, beside the EWS fetch of the
 * same mailbox. One mailbox (seeded with N contacts by `seedLarge`) is served by the EWS simulator
 * and the Graph simulator over it, both in a process of their own, so the client's CPU and memory
 * are its alone. Three clients, each a process of its own, one after another:
 * - `delta`: one full `contacts/delta` round of the default Contacts folder, every property, pages
 *   of `--page` (default 100, the simulator's default delta page; `Prefer: odata.maxpagesize`);
 * - `batch`: the delta round with `$select=id` (ids only), then the contacts read by `$batch`es of
 *   20 GETs with ewsdav's UID extended property expanded, `--batches` (default 2) in flight — the
 *   Graph side's way (a feed of ids, then reads of what changed);
 * - `ews`: the EWS client's `syncFolderItemsWithItems` (SyncFolderItems pages pipelined with GetItem
 *   of 50 ids, 4 in flight), as `ews-fetch-contacts.ts`;
 * - `side`: the Graph side of `@ewsdav/core/graph` on a first sync: its feed of the default Contacts
 *   folder, then `fetch` of every id in chunks of the side's `maxBatch` (each contact read, its
 *   photo read, rendered as a vCard), as the engine does. `--photos K` gives every K-th contact a
 *   photo (default 10; 0: none).
 * It prints per client items/s, requests (top-level, and inside batches) and requests per item, the
 * client's CPU (user+sys) and peak RSS (getrusage maxrss), and the simulators' CPU over the run.
 *
 *   npx tsx bench/graph-fetch.ts [N=10000] [--only delta|batch|ews]... [--page 100] [--batches 2] [--repeat 1] [--prof DIR]
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
    graph: { type: "string" },
    ews: { type: "string" },
    only: { type: "string", multiple: true },
    page: { type: "string", default: "100" },
    batches: { type: "string", default: "2" },
    repeat: { type: "string", default: "1" },
    prof: { type: "string" },
    photos: { type: "string", default: "10" },
  },
});

type Mode = "delta" | "batch" | "ews" | "side";
const MODES: readonly Mode[] = ["delta", "batch", "ews", "side"];
const USER = "alice@example.com";
const TOKEN = "bench-token";

interface ClientResult {
  fetched: number;
  failed: number;
  withUid: number;
  seconds: number;
  requests: number;
  cpuMs: number;
  maxRssKiB: number;
}
interface SimStats {
  graphTop: number;
  graphInBatch: number;
  ews: Record<string, number>;
  cpuMs: number;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

if (values.sim !== undefined) await runSimulators(Number(values.sim));
else if (values.client !== undefined) await runClient(values.client as Mode);
else await orchestrate();

/** The simulators' process: the EWS simulator and the Graph simulator over its mailbox. */
async function runSimulators(contacts: number): Promise<void> {
  const { seedLarge, startEwsSimulator } = await import("@ewsdav/ews-simulator");
  const { startGraphSimulator } = await import("@ewsdav/graph-simulator");
  const every = Number(values.photos);
  // A small JPEG header (the simulator reads its signature and size) as every K-th contact's photo.
  const jpeg = Buffer.from("ffd8ffe000104a46494600010100000100010000ffc0001108001000200301220002110103110100ffd9", "hex");
  const ews = await startEwsSimulator({
    seed: (box) => {
      seedLarge(box, { contacts, events: 0, tasks: 0 });
      if (every > 0) {
        const folder = box.distinguishedFolder("contacts")!;
        [...folder.items.values()].forEach((item, i) => {
          if (i % every === 0) box.addAttachmentRecord(item, { name: "ContactPicture.jpg", contentType: "image/jpeg", content: jpeg, isContactPhoto: true });
        });
      }
    },
    record: false,
  });
  const graph = await startGraphSimulator({ mailbox: (address) => ews.mailbox(address), users: [USER], tokens: { [TOKEN]: USER } });
  let cpu0 = process.cpuUsage();
  process.on("message", (message: { type: string }) => {
    if (message.type === "clear") {
      graph.clear();
      cpu0 = process.cpuUsage();
      process.send!({ type: "cleared" });
    } else if (message.type === "stats") {
      const top = graph.requests.filter((r) => !r.inBatch).length;
      const stats: SimStats = { graphTop: top, graphInBatch: graph.requests.length - top, ews: ews.requestCounts(), cpuMs: cpuMs(process.cpuUsage(cpu0)) };
      // The Graph simulator logs every request with its answer: forget them between clients.
      graph.clear();
      process.send!({ type: "stats", stats });
    } else if (message.type === "stop") {
      void graph.stop().then(() => ews.stop()).then(() => process.exit(0));
    }
  });
  process.send!({ type: "ready", graph: graph.url, ews: ews.url });
}

/** One client's process: fetches every contact one way and reports. */
async function runClient(mode: Mode): Promise<void> {
  // Loaded before the clock starts: the figures are the fetch's, not the module loading's.
  const { basicAuth, EwsClient, isEwsError } = await import("@ewsdav/ews-client");
  const { GraphClient, GRAPH_MAX_BATCH } = await import("@ewsdav/graph-client");
  const { EWSDAV_UID_PROPERTY } = await import("@ewsdav/mappers");
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  let fetched = 0;
  let failed = 0;
  let withUid = 0;
  let requests: number;
  if (mode === "ews") {
    const ews = new EwsClient({ url: values.ews!, auth: basicAuth({ username: USER, password: "secret" }), mailbox: USER });
    for await (const page of ews.syncFolderItemsWithItems({ folder: { distinguishedId: "contacts" } })) {
      for (const item of page.items) isEwsError(item) ? failed++ : fetched++;
    }
    requests = ews.requestCount;
    await ews.close();
  } else if (mode === "side") {
    const { GraphSide } = await import("@ewsdav/core/graph");
    const graph = new GraphClient({ baseUrl: values.graph!, user: USER, getToken: async () => TOKEN });
    const side = new GraphSide({ client: graph });
    const feed = await side.changes("contacts", null);
    const ids = feed.changed.map((c) => c.id);
    const chunk = side.capabilities.maxBatch;
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const part = ids.slice(next, (next += chunk));
        for (const item of await side.fetch("contacts", part)) {
          if (item instanceof Error) failed++;
          else {
            fetched++;
            if (/^PHOTO[;:]/m.test(item.text)) withUid++; // counted as "with a photo" in this mode
          }
        }
      }
    };
    await Promise.all(Array.from({ length: side.capabilities.maxConcurrency }, worker));
    requests = graph.transport.stats.requests;
    await graph.close();
  } else {
    const uidProperty = `String {${EWSDAV_UID_PROPERTY.propertySetId!.toLowerCase()}} Name ${EWSDAV_UID_PROPERTY.propertyName!}`;
    const graph = new GraphClient({ baseUrl: values.graph!, user: USER, getToken: async () => TOKEN });
    const pageSize = Number(values.page);
    if (mode === "delta") {
      const round = await graph.contactsDelta(undefined, undefined, { pageSize });
      fetched = round.changed.length;
    } else {
      const round = await graph.contactsDelta(undefined, undefined, { pageSize, select: ["id"] });
      const ids = round.changed.map((c) => c.id!);
      const expand = `singleValueExtendedProperties($filter=id eq '${uidProperty}')`;
      let next = 0;
      const worker = async () => {
        while (next < ids.length) {
          const chunk = ids.slice(next, (next += GRAPH_MAX_BATCH));
          const answers = await graph.batch(chunk.map((id, i) => ({ id: String(i + 1), method: "GET" as const, url: `${graph.path("contacts", id)}?$expand=${encodeURIComponent(expand)}` })));
          for (const a of answers) {
            if (a.status !== 200) failed++;
            else {
              fetched++;
              if (Array.isArray((a.body as { singleValueExtendedProperties?: unknown[] }).singleValueExtendedProperties)) withUid++;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Number(values.batches)) }, worker));
    }
    requests = graph.transport.stats.requests;
    await graph.close();
  }
  const result: ClientResult = { fetched, failed, withUid, seconds: (performance.now() - started) / 1000, requests, cpuMs: cpuMs(process.cpuUsage(cpu0)), maxRssKiB: process.resourceUsage().maxRSS };
  process.send!({ type: "result", result });
}

function once<T>(child: ChildProcess, type: string): Promise<T> {
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
  const contacts = Number(positionals[0] ?? 10_000);
  const modes = values.only?.length ? MODES.filter((m) => values.only!.includes(m)) : MODES;
  const repeat = Math.max(1, Number(values.repeat));
  const prof = values.prof ? ["--cpu-prof", "--cpu-prof-dir", values.prof] : [];
  console.log(`${contacts} contacts in one mailbox, served over Graph and EWS by simulators in their own process; each client a process of its own`);
  const sim = fork(self, ["--sim", String(contacts), "--photos", values.photos!], { execArgv: ["--import", "tsx"], stdio: "inherit" });
  try {
    const urls = await once<{ graph: string; ews: string }>(sim, "ready");
    for (const mode of modes) {
      for (let run = 1; run <= repeat; run++) {
        sim.send({ type: "clear" });
        await once(sim, "cleared");
        const ewsBefore = mode === "ews" ? await statsOf(sim) : undefined;
        const client = fork(self, ["--client", mode, "--graph", urls.graph, "--ews", urls.ews, "--page", values.page!, "--batches", values.batches!, "--photos", values.photos!], { execArgv: ["--import", "tsx", ...prof], stdio: "inherit" });
        const { result: r } = await once<{ result: ClientResult }>(client, "result");
        const stats = await statsOf(sim);
        await new Promise((resolve) => client.once("exit", resolve));
        const label = mode === "side" ? `Graph side (@ewsdav/core/graph): feed + fetch of every contact, photos of every ${values.photos}-th` : mode === "delta" ? `Graph delta round alone (pages of ${values.page}, every property)` : mode === "batch" ? `Graph delta ids ($select=id, pages of ${values.page}) + $batch reads (20 per batch, ${values.batches} in flight)` : "EWS SyncFolderItems + GetItem (50 ids, 4 in flight)";
        console.log(`\n${label}${repeat > 1 ? ` — run ${run}/${repeat}` : ""}`);
        console.log(`  fetched ${r.fetched}, failed ${r.failed}${mode === "batch" ? `, with the UID property expanded ${r.withUid}` : mode === "side" ? `, with a PHOTO ${r.withUid}` : ""}`);
        console.log(`  ${(r.fetched / r.seconds).toFixed(0)} items/s (${r.seconds.toFixed(2)} s wall)`);
        if (mode === "ews") {
          const counts = Object.entries(stats.ews).map(([op, n]) => [op, n - (ewsBefore!.ews[op] ?? 0)] as const).filter(([, n]) => n > 0);
          console.log(`  requests ${r.requests} (${counts.map(([op, n]) => `${op} ${n}`).join(", ")}), ${(r.requests / Math.max(1, r.fetched)).toFixed(4)} per item`);
        } else {
          const inner = stats.graphInBatch > 0 ? `; ${stats.graphInBatch} requests inside them` : "";
          console.log(`  HTTP requests ${r.requests} (simulator: ${stats.graphTop} top-level${inner}), ${(r.requests / Math.max(1, r.fetched)).toFixed(4)} HTTP requests per item${stats.graphInBatch > 0 ? `, ${((stats.graphTop + stats.graphInBatch) / Math.max(1, r.fetched)).toFixed(4)} Graph requests per item (what throttling counts)` : ""}`);
        }
        console.log(`  client CPU ${(r.cpuMs / 1000).toFixed(2)} s, client peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB; simulators' CPU ${(stats.cpuMs / 1000).toFixed(2)} s`);
      }
    }
  } finally {
    sim.send({ type: "stop" });
    await new Promise((resolve) => sim.once("exit", resolve));
  }
}

async function statsOf(sim: ChildProcess): Promise<SimStats> {
  sim.send({ type: "stats" });
  return (await once<{ stats: SimStats }>(sim, "stats")).stats;
}
