/**
 * Benchmark: the fleet (issue 17) — M mailboxes × 3 pairs (contacts, events, tasks) between the
 * EWS simulator and vdir folders, synced by 1, 2 and 4 worker processes on one PostgreSQL.
 *
 *   npx tsx bench/fleet.ts [--mailboxes 200] [--workers 1,2,4] [--concurrency 4] [--poll 0.5] [--changes 60] [--quick] [--cpu-prof DIR]
 *
 * `--quick`: 20 mailboxes, workers 1 and 2, 12 changes (a smoke run of a minute or two).
 *
 * Set-up: one throwaway PostgreSQL cluster (test/harness/postgres.ts; durability off, as the tests'),
 * and for each worker count a fresh database, a fresh vdir root and a fresh EWS simulator in a
 * process of its own (this file with `--sim M`), its M mailboxes each seeded with 30 contacts,
 * 20 events (one a weekly series with modified and deleted occurrences) and 10 tasks (`seedLarge`
 * with those sizes: every mailbox holds the same 60 items). The accounts (M EWS with Basic, M vdir)
 * and the 3 M pairs (interval 1 h) are added through the `Fleet` API by this process, which also
 * runs the one scheduler (tick 1 s). Each worker is a process of its own (bench/fleet-worker.ts:
 * `Fleet.open` + `startWorker`, `--concurrency` cycles at once, polling every `--poll` s).
 *
 * Rounds, each until every pair has reported a job:
 * - **first**: the scheduler sends every pair (all due at once): the first full sync;
 * - **echo**: every pair triggered (`triggerSync`): the cycle that sees the UID tags the first one
 *   wrote back into Exchange;
 * - **no-op**: every pair triggered again: nothing changed anywhere.
 * Then, when the fleet has active mode (`startWorker({active})`), **active**: the workers restarted
 * in active mode, K changes made through EWS (`@ewsdav/ews-client`), spread over the mailboxes,
 * each timed from the EWS write's answer to the end of the job that carries it.
 *
 * Printed per round: wall, pairs/s, items written (and items/s), CPU of each worker, of the
 * simulator and of PostgreSQL's backends (from /proc), SQL statements per cycle sent by the
 * workers (counted in each worker's pool: the fleet's and store's apart from pg-boss's), EWS
 * requests per cycle; per worker count, each worker's peak RSS (VmHWM).
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { Fleet, KeyRing } from "@ewsdav/core/fleet";
import { startPostgres, type PostgresCluster } from "../test/harness/postgres.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const SEED = { contacts: 30, events: 20, tasks: 10 };
const ITEMS_PER_MAILBOX = SEED.contacts + SEED.events + SEED.tasks;
const user = (i: number) => ({ smtpAddress: `user${i}@example.com`, password: `pw-${i}-secret` });

// ---------------------------------------------------------------- the simulator's process
if (process.argv[2] === "--sim") {
  const mailboxes = Number(process.argv[3]);
  const { seedLarge, startEwsSimulator } = await import("@ewsdav/ews-simulator");
  const sim = await startEwsSimulator({ users: Array.from({ length: mailboxes }, (_, i) => user(i)), seed: (box) => seedLarge(box, SEED), record: false });
  const cpu0 = process.cpuUsage();
  process.on("message", (message: { type: string }) => {
    if (message.type === "stats") {
      const cpu = process.cpuUsage(cpu0);
      process.send!({ type: "stats", cpuMs: (cpu.user + cpu.system) / 1000, requests: sim.requestCount() });
    } else if (message.type === "stop") void sim.stop().then(() => process.exit(0));
  });
  process.on("disconnect", () => process.exit(0));
  process.send!({ type: "ready", url: sim.url });
  await new Promise(() => {});
}

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : argv[i + 1]!;
};
const quick = argv.includes("--quick");
const mailboxes = Number(flag("mailboxes", quick ? "20" : "200"));
const workerCounts = flag("workers", quick ? "1,2" : "1,2,4").split(",").map(Number);
const concurrency = Number(flag("concurrency", "4"));
const pollSeconds = Number(flag("poll", "0.5"));
const changes = Number(flag("changes", quick ? "12" : "60"));
const roundTimeoutMs = Number(flag("timeout", "1200")) * 1000;
const pairs = mailboxes * 3;

// ---------------------------------------------------------------- child processes
interface Message {
  type: string;
  [key: string]: unknown;
}

/** A forked child with a little request/answer over IPC. */
class Child {
  readonly messages: Message[] = [];
  readonly #waiters = new Set<{ test: (m: Message) => boolean; resolve: (m: Message) => void }>();
  exited = false;
  constructor(readonly proc: ChildProcess, readonly name: string) {
    proc.on("message", (m: Message) => {
      for (const w of this.#waiters) {
        if (w.test(m)) {
          this.#waiters.delete(w);
          w.resolve(m);
          return;
        }
      }
      this.messages.push(m);
      this.onMessage?.(m);
    });
    proc.once("exit", () => (this.exited = true));
  }
  onMessage?: (m: Message) => void;
  next(type: string, timeoutMs = 120_000): Promise<Message> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no ${type} within ${timeoutMs} ms`)), timeoutMs);
      const onExit = (code: number | null) => reject(new Error(`${this.name} exited (${code}) waiting for ${type}`));
      this.proc.once("exit", onExit);
      this.#waiters.add({
        test: (m) => m.type === type,
        resolve: (m) => {
          clearTimeout(timer);
          this.proc.off("exit", onExit);
          resolve(m);
        },
      });
    });
  }
  async ask(type: string): Promise<Message> {
    const answer = this.next(type);
    this.proc.send({ type });
    return answer;
  }
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.proc.once("exit", () => resolve()));
    this.proc.send({ type: "stop" });
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), timeoutMs);
    await gone;
    clearTimeout(timer);
  }
}

/** `--cpu-prof DIR`: each worker process writes a CPU profile into DIR (`node --cpu-prof`). */
const cpuProfDir = argv.includes("--cpu-prof") ? flag("cpu-prof", "") : "";
const execArgv = ["--import", "tsx"];
const children = new Set<Child>();
function start(script: string, args: string[], env: Record<string, string>, name: string): Child {
  const child = new Child(fork(script, args, { execArgv: cpuProfDir && name.startsWith("worker") ? [...execArgv, "--cpu-prof", "--cpu-prof-dir", cpuProfDir] : execArgv, env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit", "ipc"] }), name);
  children.add(child);
  child.proc.once("exit", () => children.delete(child));
  return child;
}
const killAll = () => {
  for (const c of children) c.proc.kill("SIGKILL");
};
process.on("SIGINT", () => {
  killAll();
  process.exit(130);
});

// ---------------------------------------------------------------- PostgreSQL's CPU
/** CPU ticks of each server process of the cluster (the postmaster's children), by pid. */
function serverTicks(postmasterPid: number | null): Map<number, number> {
  const ticks = new Map<number, number>();
  if (postmasterPid === null) return ticks;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const fields = readFileSync(`/proc/${name}/stat`, "utf8").split(") ")[1]!.split(" ");
      const pid = Number(name);
      if (pid === postmasterPid || Number(fields[1]) === postmasterPid) ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}
const ticksDeltaMs = (before: Map<number, number>, after: Map<number, number>) => {
  let sum = 0;
  for (const [pid, t] of after) sum += t - (before.get(pid) ?? 0);
  return sum * 10; // 100 ticks per second
};

// ---------------------------------------------------------------- figures
interface WorkerStats {
  cpuMs: number;
  statements: Record<string, number>;
  fleetQueries: number;
  queueQueries: number;
  vmHwmKb: number;
}
interface Round {
  workers: number;
  name: string;
  wallMs: number;
  jobs: number;
  failed: number;
  firstError?: string;
  written: number;
  tagged: number;
  fetched: number;
  workerCpuMs: number[];
  simCpuMs: number;
  pgCpuMs: number;
  fleetQueries: number;
  queueQueries: number;
  ewsRequests: number;
  jobMs: number[];
  /** Statements sent by the workers in the round, by their first words. */
  statements: Record<string, number>;
}
interface Latency {
  workers: number;
  measured: boolean;
  note: string;
  ms: number[];
}
const rounds: Round[] = [];
const peakRss: Array<{ workers: number; kb: number[] }> = [];
const latencies: Latency[] = [];

const quantile = (values: number[], q: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};

function statementDelta(before: WorkerStats[], after: WorkerStats[]): Record<string, number> {
  const delta: Record<string, number> = {};
  after.forEach((w, i) => {
    for (const [key, n] of Object.entries(w.statements)) delta[key] = (delta[key] ?? 0) + n - (before[i]!.statements[key] ?? 0);
  });
  return delta;
}

// ---------------------------------------------------------------- one worker count
const KEYS = `bench:${KeyRing.generateKey()}`;
let cluster: PostgresCluster | undefined;
const dir = mkdtempSync(join(tmpdir(), "ewsdav-bench-fleet-"));

/** Whether this checkout's fleet has active mode (F's `startWorker({active})`). */
function fleetHasActiveMode(): boolean {
  const source = join(here, "../packages/core/src/fleet/fleet.ts");
  return existsSync(source) && /\bactive\?:/.test(readFileSync(source, "utf8"));
}

async function runFor(workerCount: number, postmasterPid: number | null): Promise<void> {
  const url = await cluster!.createDatabase();
  const root = join(dir, `vdir-${workerCount}`);
  mkdirSync(root, { recursive: true });
  const sim = start(fileURLToPath(import.meta.url), ["--sim", String(mailboxes)], {}, "simulator");
  const simUrl = String((await sim.next("ready")).url);

  const admin = await Fleet.open({ connectionString: url, keys: KeyRing.parse(KEYS), poolSize: 4 });
  const setup0 = performance.now();
  for (let i = 0; i < mailboxes; i++) {
    const u = user(i);
    await admin.addAccount(`ews${i}`, { type: "ews", url: simUrl, mailbox: u.smtpAddress, auth: { type: "basic", username: u.smtpAddress } }, u.password);
    await admin.addAccount(`files${i}`, { type: "vdir", path: join(root, `u${i}`) });
    mkdirSync(join(root, `u${i}`));
    for (const [kind, folder] of [["contacts", "Contacts"], ["events", "Calendar"], ["tasks", "Tasks"]] as const) {
      await admin.linkPair({ id: `u${i}.${kind}`, kind, remote: { account: `ews${i}`, folder }, local: { account: `files${i}`, collection: kind, create: true } }, { intervalMs: 3_600_000 });
    }
  }
  const setupMs = performance.now() - setup0;

  const workerEnv = (i: number, active: boolean) => ({
    DATABASE_URL: url,
    EWSDAV_FLEET_KEYS: KEYS,
    WORKER_ID: `w${i}`,
    CONCURRENCY: String(concurrency),
    POLL_SECONDS: String(pollSeconds),
    ...(active ? { ACTIVE: "1" } : {}),
  });
  const startWorkers = async (active: boolean) => {
    const workers = Array.from({ length: workerCount }, (_, i) => start(join(here, "fleet-worker.ts"), [], workerEnv(i, active), `worker w${i}`));
    await Promise.all(workers.map((w) => w.next("ready", 180_000)));
    return workers;
  };
  let workers = await startWorkers(false);

  /** Accounts whose subscription a worker holds (active mode). */
  const claimed = new Map<string, string>();
  /** Jobs as they come from every worker. */
  let jobs: Message[] = [];
  let onJob: (() => void) | undefined;
  const listen = (ws: Child[]) => {
    for (const w of ws) {
      // Messages that came before (a subscription claimed while the worker was starting) first.
      const early = w.messages.splice(0);
      w.onMessage = (m) => {
        if (m.type === "subscription") {
          // Messages of two workers may cross (one's claim before the other's release): an account is let go only by its owner.
          if (m.event === "claimed") claimed.set(String(m.account), w.name);
          else if (claimed.get(String(m.account)) === w.name) claimed.delete(String(m.account));
        }
        if (m.type !== "job") return;
        jobs.push(m);
        onJob?.();
      };
      for (const m of early) w.onMessage(m);
    }
  };
  listen(workers);
  const stats = async () => {
    const ws = (await Promise.all(workers.map((w) => w.ask("stats")))) as unknown as WorkerStats[];
    const s = await sim.ask("stats");
    return { ws, simCpuMs: Number(s.cpuMs), requests: Number(s.requests), pg: serverTicks(postmasterPid) };
  };
  const waitJobs = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${count} jobs not done within ${roundTimeoutMs / 1000} s (${jobs.length} done)`)), roundTimeoutMs);
      const check = () => {
        if (jobs.length >= count) {
          clearTimeout(timer);
          onJob = undefined;
          resolve();
        }
      };
      onJob = check;
      check();
    });

  const round = async (name: string, kick: () => Promise<void>) => {
    jobs = [];
    const before = await stats();
    const t0 = performance.now();
    await kick();
    await waitJobs(pairs);
    const wallMs = performance.now() - t0;
    const after = await stats();
    const failedJobs = jobs.filter((j) => j.outcome !== "ok" || j.error !== undefined);
    rounds.push({
      workers: workerCount,
      name,
      wallMs,
      jobs: jobs.length,
      failed: failedJobs.length,
      ...(failedJobs[0] ? { firstError: `${String(failedJobs[0].pair)} ${String(failedJobs[0].outcome)} ${String(failedJobs[0].error ?? "")}` } : {}),
      written: jobs.reduce((n, j) => n + Number(j.written), 0),
      tagged: jobs.reduce((n, j) => n + Number(j.tagged), 0),
      fetched: jobs.reduce((n, j) => n + Number(j.fetched), 0),
      workerCpuMs: after.ws.map((w, i) => w.cpuMs - before.ws[i]!.cpuMs),
      simCpuMs: after.simCpuMs - before.simCpuMs,
      pgCpuMs: ticksDeltaMs(before.pg, after.pg),
      fleetQueries: after.ws.reduce((n, w, i) => n + w.fleetQueries - before.ws[i]!.fleetQueries, 0),
      queueQueries: after.ws.reduce((n, w, i) => n + w.queueQueries - before.ws[i]!.queueQueries, 0),
      ewsRequests: after.requests - before.requests,
      jobMs: jobs.map((j) => Number(j.durationMs)),
      statements: statementDelta(before.ws, after.ws),
    });
    const r = rounds.at(-1)!;
    console.log(`  ${workerCount} worker(s), ${name}: ${(wallMs / 1000).toFixed(1)} s, ${r.jobs} jobs, ${r.failed} not ok${r.firstError ? ` (first: ${r.firstError})` : ""}`);
  };

  const triggerAll = async () => {
    for (let i = 0; i < mailboxes; i++) for (const kind of ["contacts", "events", "tasks"]) await admin.triggerSync(`u${i}.${kind}`);
  };
  console.log(`${workerCount} worker process(es): set-up of ${mailboxes} mailboxes (${2 * mailboxes} accounts, ${pairs} pairs) through the Fleet API in ${(setupMs / 1000).toFixed(1)} s`);
  let scheduler: { stop(): Promise<void> } | undefined;
  try {
    // The scheduler's first tick sends every pair (all due since they were linked).
    await round("first", async () => void (scheduler = admin.startScheduler({ tickMs: 1_000 })));
    await round("echo", triggerAll);
    await round("no-op", triggerAll);
    const hwm = await Promise.all(workers.map((w) => w.ask("stats")));
    peakRss.push({ workers: workerCount, kb: hwm.map((s) => Number(s.vmHwmKb)) });

    if (fleetHasActiveMode()) {
      await Promise.all(workers.map((w) => w.stop()));
      jobs = [];
      claimed.clear();
      workers = await startWorkers(true);
      listen(workers);
      latencies.push({ workers: workerCount, measured: true, note: "", ms: await measureActive(simUrl, () => jobs, () => claimed.size, (fn) => (onJob = fn)) });
    } else {
      latencies.push({ workers: workerCount, measured: false, note: "not measured: this checkout's fleet has no active mode (startWorker({active}))", ms: [] });
    }
  } finally {
    await scheduler?.stop();
    await Promise.all(workers.map((w) => w.stop()));
    await admin.stop();
    await sim.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Active mode: K changes through EWS (`@ewsdav/ews-client`, Basic as the mailbox's user), one at a
 * time, spread over the mailboxes (mailbox k × 7 mod M, so neighbours differ) and the kinds
 * (contact, task, event in turn). Each is timed from the CreateItem's answer to the end of the
 * first job of its pair, finished after that answer, that wrote an item to the vdir side (the
 * worker's `onJob` report, sent over IPC with its end time; the clocks are this machine's).
 * First waits until every mailbox's subscription is claimed and the catch-up cycles of the claims
 * are done (no job for 3 s).
 */
async function measureActive(simUrl: string, jobs: () => Message[], subscriptions: () => number, wait: (fn: (() => void) | undefined) => void): Promise<number[]> {
  const { EwsClient, basicAuth } = await import("@ewsdav/ews-client");
  const settle = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    let seen = -1;
    let quietSince = Date.now();
    while (Date.now() < deadline) {
      const n = jobs().length;
      if (n !== seen) {
        seen = n;
        quietSince = Date.now();
      }
      if (subscriptions() >= mailboxes && Date.now() - quietSince > 3_000) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`active mode: ${subscriptions()} of ${mailboxes} subscriptions claimed, jobs still running after ${timeoutMs / 1000} s`);
  };
  await settle(180_000);
  const clients = new Map<number, InstanceType<typeof EwsClient>>();
  const latencies: number[] = [];
  try {
    for (let k = 0; k < changes; k++) {
      const i = (k * 7) % mailboxes;
      const u = user(i);
      let client = clients.get(i);
      if (!client) clients.set(i, (client = new EwsClient({ url: simUrl, auth: basicAuth({ username: u.smtpAddress, password: u.password }), mailbox: u.smtpAddress })));
      const kind = (["contacts", "tasks", "events"] as const)[k % 3]!;
      const day = new Date(Date.UTC(2027, 0, 1 + k, 9)).toISOString();
      const item =
        kind === "contacts"
          ? { type: "Contact" as const, item: { givenName: `Active${k}`, surname: "Bench" } }
          : kind === "tasks"
            ? { type: "Task" as const, item: { subject: `Active task ${k}` } }
            : { type: "CalendarItem" as const, item: { subject: `Active event ${k}`, start: day, end: new Date(Date.parse(day) + 3_600_000).toISOString() } };
      const folder = { contacts: "contacts", tasks: "tasks", events: "calendar" }[kind];
      const [created] = await client.createItem([item], { savedItemFolder: { distinguishedId: folder as "contacts" } });
      const answeredAt = Date.now();
      if (!created || "error" in created) throw new Error(`active mode: CreateItem ${kind} in mailbox ${i} failed: ${JSON.stringify(created)}`);
      const pair = `u${i}.${kind}`;
      const carried = () => jobs().find((j) => j.pair === pair && Number(j.at) >= answeredAt && Number(j.written) > 0);
      const done = await new Promise<Message>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`active mode: change ${k} (${pair}) not synced within 120 s`)), 120_000);
        const check = () => {
          const job = carried();
          if (job) {
            clearTimeout(timer);
            wait(undefined);
            resolve(job);
          }
        };
        wait(check);
        check();
      });
      latencies.push(Number(done.at) - answeredAt);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    for (const c of clients.values()) await c.close?.();
  }
  return latencies;
}

// ---------------------------------------------------------------- main
try {
  cluster = await startPostgres();
  const postmasterPid = await (async () => {
    const client = new pg.Client({ connectionString: cluster.url() });
    await client.connect();
    try {
      // The postmaster is the parent of this backend.
      const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      const stat = readFileSync(`/proc/${rows[0]!.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return Number(stat[1]);
    } catch {
      return null;
    } finally {
      await client.end();
    }
  })();
  const load0 = loadavg();
  console.log(`fleet bench: ${mailboxes} mailboxes × 3 pairs = ${pairs} pairs, ${ITEMS_PER_MAILBOX} items per mailbox (${SEED.contacts} contacts, ${SEED.events} events, ${SEED.tasks} tasks), workers ${workerCounts.join("/")} × concurrency ${concurrency}, polling ${pollSeconds} s`);
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load average at start ${load0.map((l) => l.toFixed(1)).join(" ")}; PostgreSQL ${cluster.version} throwaway cluster (fsync off), Node ${process.version}`);
  for (const n of workerCounts) await runFor(n, postmasterPid);
  const load1 = loadavg();

  // ------------------------------------------------------------ print
  const f0 = (n: number) => n.toFixed(0);
  const f1 = (n: number) => n.toFixed(1);
  console.log("");
  console.log("workers round   wall s  pairs/s  items  items/s  worker CPU s (each)        sim CPU s  PG CPU s  SQL/cycle (fleet+store | pg-boss)  EWS req/cycle  job ms p50/p95");
  for (const r of rounds) {
    const cpuEach = r.workerCpuMs.map((ms) => f1(ms / 1000)).join(" ");
    console.log(
      `${String(r.workers).padStart(7)} ${r.name.padEnd(6)} ${f1(r.wallMs / 1000).padStart(7)} ${f1(r.jobs / (r.wallMs / 1000)).padStart(8)} ${String(r.written).padStart(6)} ${f0(r.written / (r.wallMs / 1000)).padStart(8)}  ${cpuEach.padEnd(26)} ${f1(r.simCpuMs / 1000).padStart(9)} ${f1(r.pgCpuMs / 1000).padStart(9)}  ${`${f1(r.fleetQueries / r.jobs)} | ${f1(r.queueQueries / r.jobs)}`.padStart(33)}  ${f1(r.ewsRequests / r.jobs).padStart(13)}  ${f0(quantile(r.jobMs, 0.5))}/${f0(quantile(r.jobMs, 0.95))}${r.failed ? `  ${r.failed} NOT OK` : ""}`,
    );
  }
  console.log("");
  for (const p of peakRss) console.log(`${p.workers} worker(s): peak RSS (VmHWM) per worker ${p.kb.map((kb) => `${(kb / 1024).toFixed(0)} MiB`).join(", ")}`);
  for (const l of latencies) {
    if (!l.measured) console.log(`${l.workers} worker(s), active mode, EWS change → end of its cycle: ${l.note}`);
    else console.log(`${l.workers} worker(s), active mode, EWS change → end of its cycle (${l.ms.length} changes): p50 ${f0(quantile(l.ms, 0.5))} ms, p95 ${f0(quantile(l.ms, 0.95))} ms, max ${f0(Math.max(...l.ms))} ms`);
  }
  for (const name of ["first", "no-op"]) {
    const r = rounds.find((x) => x.name === name);
    if (!r) continue;
    console.log(`\nSQL statements per cycle, ${name} round with ${r.workers} worker(s) (all workers' pools; pg-boss's name its schema):`);
    for (const [key, n] of Object.entries(r.statements).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1])) console.log(`  ${(n / r.jobs).toFixed(2).padStart(6)}  ${key}`);
  }
  console.log(`load average at end ${load1.map((l) => l.toFixed(1)).join(" ")}`);
  console.log("items: written to either side (created, updated, deleted); the echo round writes none: its UID tags were written by the first round (counted there as tags, not items).");
  for (const n of workerCounts) {
    const first = rounds.find((r) => r.workers === n && r.name === "first");
    if (first) console.log(`${n} worker(s), first round: ${first.tagged} UID tags written back to Exchange, ${first.fetched} items fetched`);
  }
  if (rounds.some((r) => r.failed > 0)) process.exitCode = 1;
} finally {
  killAll();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}
