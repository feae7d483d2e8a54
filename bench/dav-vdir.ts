/**
 * Benchmark: pull a CardDAV collection from a real Radicale into a vdir folder with the built
 * `ewsdav sync` command (packages/cli/bin/ewsdav.js, run from dist/: build first), each run in a
 * process of its own under `/usr/bin/time`.
 *
 * 1. Radicale is started by the test harness with N cards seeded on disk, and its item cache
 *    is warmed (one full REPORT) before anything is measured.
 * 2. Radicale's floor, measured with curl in the same run: one sync-collection REPORT asking
 *    for getetag + address-data (every card, what a first sync cannot do with less), and the
 *    no-op REPORT with the token that answer gave (what a sync with nothing to do cannot do
 *    with less). Best of the runs.
 * 3. `ewsdav sync` from a fresh folder and state (first sync), then again (no-op), repeated
 *    `runs` times. Each prints wall, CPU (user + sys) and peak RSS of the sync process, the
 *    requests Radicale received (counted by a TCP pass-through in front of it; Radicale closes
 *    the connection after each response, so connections are printed too), requests per item,
 *    items/s, and the ratio of the wall to the floor.
 *
 *   npx tsx bench/dav-vdir.ts [items=10000] [runs=3]
 *
 * `EWSDAV_BINS=a.js,b.js` runs those `ewsdav` entry points instead of this tree's, side by side in
 * each run (each line and best figure names its bin): two builds, or a build and a wrapper script
 * that sets an environment variable first, measured against the same warm Radicale.
 *
 * Wall figures are noisy on a shared machine: take the best of the runs, and CPU and requests as
 * the primary figures.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRadicale } from "../test/harness/dav-servers.js";
import { benchCard } from "./lib/cards.js";

const items = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 3);
if (!Number.isInteger(items) || items < 1 || !Number.isInteger(runs) || runs < 1) {
  console.error("usage: npx tsx bench/dav-vdir.ts [items=10000] [runs=3]");
  process.exit(2);
}


/** A TCP pass-through in front of the server that counts connections and HTTP request lines per method. */
async function countingProxy(target: URL): Promise<{ url: string; counts: () => { connections: number; requests: number; byMethod: Record<string, number> }; reset: () => void; close: () => Promise<void> }> {
  let connections = 0;
  let byMethod: Record<string, number> = {};
  const requestLine = /(?:^|\n)([A-Z]+) [^ \r\n]+ HTTP\/1\.[01]\r\n/g;
  const server = createServer((client) => {
    connections++;
    const upstream = connect(Number(target.port), target.hostname);
    client.on("data", (chunk: Buffer) => {
      for (const match of chunk.toString("latin1").matchAll(requestLine)) byMethod[match[1]!] = (byMethod[match[1]!] ?? 0) + 1;
    });
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    counts: () => ({ connections, requests: Object.values(byMethod).reduce((a, b) => a + b, 0), byMethod: { ...byMethod } }),
    reset: () => {
      connections = 0;
      byMethod = {};
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Runs a command without blocking this process (the counting pass-through lives here). */
function runAsync(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const server = await startRadicale();
const proxy = await countingProxy(new URL(server.url));
const work = mkdtempSync(join(tmpdir(), "bench-dav-vdir-"));
try {
  const collectionUrl = await server.seedCollection({
    name: "bench-contacts",
    kind: "addressbook",
    items: Array.from({ length: items }, (_, i) => ({ name: `bench-${i}.vcf`, text: benchCard(i) })),
  });
  const auth = `${server.username}:${server.password}`;
  const report = (token: string, out: string) => {
    const body = `<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/><card:address-data/></d:prop></d:sync-collection>`;
    const r = spawnSync(
      "curl",
      ["-sS", "-o", out, "-w", "%{http_code} %{time_total} %{size_download}", "-u", auth, "-X", "REPORT", "-H", "Depth: 0", "-H", "Content-Type: application/xml; charset=utf-8", "--data-binary", body, collectionUrl],
      { encoding: "utf8" },
    );
    const [status, seconds, bytes] = r.stdout.trim().split(" ");
    if (status !== "207") throw new Error(`curl REPORT answered ${status}: ${r.stderr}`);
    return { ms: Number(seconds) * 1000, bytes: Number(bytes) };
  };
  // Warm Radicale's item cache: its first read of freshly seeded files parses every one.
  const listing = join(work, "listing.xml");
  const warm = report("", listing);
  const token = /<(?:\w+:)?sync-token>([^<]+)<\//.exec(readFileSync(listing, "utf8"))?.[1];
  if (!token) throw new Error("Radicale's listing has no sync-token");
  const cards = (readFileSync(listing, "utf8").match(/BEGIN:VCARD/g) ?? []).length;
  if (cards !== items) throw new Error(`Radicale listed ${cards} cards, ${items} seeded`);
  console.log(`Radicale ${server.url}; ${items} cards seeded; cache warmed (${Math.round(warm.ms)} ms, ${(warm.bytes / 1024 / 1024).toFixed(1)} MB)`);

  const floor = { full: Infinity, noop: Infinity };
  for (let i = 0; i < runs; i++) {
    floor.full = Math.min(floor.full, report("", join(work, "full.xml")).ms);
    floor.noop = Math.min(floor.noop, report(token, join(work, "noop.xml")).ms);
  }
  console.log(`floor (curl, best of ${runs}): sync-collection with address-data ${Math.round(floor.full)} ms; no-op REPORT with a token ${Math.round(floor.noop)} ms`);

  const bins = process.env.EWSDAV_BINS ? process.env.EWSDAV_BINS.split(",") : [new URL("../packages/cli/bin/ewsdav.js", import.meta.url).pathname];
  const best: Record<string, { wall: number; cpu: number; rss: number; requests: number }> = {};
  for (let run = 1; run <= runs; run++) for (const [b, bin] of bins.entries()) {
    const tag = bins.length > 1 ? ` [bin ${b + 1}]` : "";
    const dir = join(work, `run-${run}-${b}`);
    mkdirSync(dir, { recursive: true });
    const config = join(dir, "ewsdav.json");
    writeFileSync(
      config,
      JSON.stringify({
        state: "state.db",
        accounts: {
          dav: { type: "dav", url: proxy.url, username: server.username, password: server.password, allowInsecureHttp: true },
          local: { type: "vdir", path: "vdir" },
        },
        pairs: [{ kind: "contacts", remote: { account: "dav", folder: new URL(collectionUrl).pathname }, local: { account: "local", collection: "contacts", create: true } }],
      }),
    );
    chmodSync(config, 0o600);
    for (const label of ["first", "no-op"] as const) {
      proxy.reset();
      const cpuProf = process.env.CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.CPU_PROF}`, `--cpu-prof-name=dav-vdir-${label}-${run}${bins.length > 1 ? `-bin${b + 1}` : ""}.cpuprofile`] : [];
      const r = await runAsync("/usr/bin/time", ["-f", "TIME %e %U %S %M", process.execPath, ...cpuProf, bin, "sync", "--config", config, "--json"]);
      const time = /TIME (\S+) (\S+) (\S+) (\d+)/.exec(r.stderr);
      if (r.status !== 0 || !time) {
        console.log(`${label} run ${run}: exit ${r.status}\n${r.stdout.slice(0, 2000)}\n${r.stderr.slice(0, 2000)}`);
        throw new Error("ewsdav sync failed");
      }
      const wall = Number(time[1]) * 1000;
      const cpu = (Number(time[2]) + Number(time[3])) * 1000;
      const rss = Number(time[4]) / 1024;
      const { connections, requests, byMethod } = proxy.counts();
      const written = readdirSync(join(dir, "vdir", "contacts")).filter((f) => f.endsWith(".vcf")).length;
      if (written !== items) throw new Error(`${label} run ${run}: the vdir holds ${written} cards, ${items} expected`);
      const floorMs = label === "first" ? floor.full : floor.noop;
      const perItem = label === "first" ? ` ${(requests / items).toFixed(4)} req/item  ${Math.round((items / wall) * 1000)} items/s` : "";
      console.log(
        `${label.padEnd(6)} run ${run}${tag}: wall ${Math.round(wall)} ms  cpu ${Math.round(cpu)} ms (user ${time[2]} s, sys ${time[3]} s)  peak RSS ${rss.toFixed(0)} MB  ` +
          `requests ${requests} (${Object.entries(byMethod).map(([m, n]) => `${m} ${n}`).join(", ")}; ${connections} connections)${perItem}  wall/floor ${(wall / floorMs).toFixed(1)}`,
      );
      const key = `${label}${tag}`;
      const prior = best[key];
      best[key] = { wall: Math.min(prior?.wall ?? Infinity, wall), cpu: Math.min(prior?.cpu ?? Infinity, cpu), rss: Math.max(prior?.rss ?? 0, rss), requests };
    }
  }
  if (bins.length > 1) bins.forEach((bin, b) => console.log(`bin ${b + 1}: ${bin}`));
  for (const [label, b] of Object.entries(best)) {
    const floorMs = label.startsWith("first") ? floor.full : floor.noop;
    console.log(
      `best ${label.padEnd(6)}: wall ${Math.round(b.wall)} ms (floor ${Math.round(floorMs)} ms, ratio ${(b.wall / floorMs).toFixed(1)})  cpu ${Math.round(b.cpu)} ms  peak RSS ${b.rss.toFixed(0)} MB (max)  requests ${b.requests}` +
        (label.startsWith("first") ? `  ${(b.requests / items).toFixed(4)} req/item  ${Math.round((items / b.wall) * 1000)} items/s` : ""),
    );
  }
} finally {
  await proxy.close();
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
