/**
 * A worker process of bench/fleet.ts (forked with an IPC channel). Not a bench of its own: started
 * without its parent (as `npm run bench` starts every `bench/*.ts`) it says so and exits. It opens the fleet on `DATABASE_URL` with a pool of its own
 * whose connections count every statement sent (the fleet's and the store's apart from pg-boss's,
 * told by the schema the statement names), starts one worker (`CONCURRENCY` cycles at once,
 * polling every `POLL_SECONDS`), and tells its parent:
 *
 * - `{type: "ready"}` once the worker takes jobs;
 * - `{type: "job", pair, outcome, written, fetched, durationMs, at, error?}` per job;
 * - `{type: "stats", …}` when asked (`{type: "stats"}`): CPU time, statements sent, peak RSS;
 * - after `{type: "stop"}`, a graceful stop, then it exits.
 *
 * - `{type: "subscription", event, account}` in active mode (`ACTIVE=1`: `startWorker({active})`).
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { Fleet, type WorkerOptions } from "@ewsdav/core/fleet";

if (!process.send) {
  console.log("bench/fleet-worker.ts is a worker process of bench/fleet.ts (run that instead)");
  process.exit(0);
}
const send = (message: Record<string, unknown>) => process.send!(message);

const counts = { fleet: 0, queue: 0 };
/** Statements by their first words (values are parameters, so the text names the statement). */
const byStatement = new Map<string, number>();
const statementKey = (text: string) => text.replace(/\s+/g, " ").replace(/"ewsdav[a-z_]*"\.|ewsdav_boss\./g, "").slice(0, 70);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL!, max: Number(process.env.POOL_SIZE ?? 10), idleTimeoutMillis: 0 });
pool.on("connect", (client) => {
  const query = client.query.bind(client) as (...a: unknown[]) => unknown;
  (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
    const first = a[0];
    const text = typeof first === "string" ? first : ((first as { text?: string } | undefined)?.text ?? "");
    if (text.includes("ewsdav_boss")) counts.queue++;
    else counts.fleet++;
    const key = statementKey(text);
    byStatement.set(key, (byStatement.get(key) ?? 0) + 1);
    return query(...a);
  };
});

const fleet = await Fleet.open({ pool, maintenanceIntervalSeconds: 30 });
const options: WorkerOptions = {
  id: process.env.WORKER_ID!,
  concurrency: Number(process.env.CONCURRENCY ?? 1),
  pollingIntervalSeconds: Number(process.env.POLL_SECONDS ?? 0.5),
  onJob(pairId, outcome, details) {
    const r = details.report;
    const written = r ? r.local.created.length + r.local.updated.length + r.local.deleted.length + r.remote.created.length + r.remote.updated.length + r.remote.deleted.length : 0;
    const tagged = r ? r.remote.tagged.length + r.local.tagged.length : 0;
    send({
      type: "job",
      pair: pairId,
      outcome,
      written,
      tagged,
      fetched: r ? r.local.fetched + r.remote.fetched : 0,
      durationMs: details.durationMs,
      at: Date.now(),
      ...(r?.error ? { error: `${r.error.code}: ${r.error.message}` } : r && r.errors.length > 0 ? { error: `${r.errors.length} item errors, first: ${JSON.stringify(r.errors[0])}` } : {}),
    });
  },
};
// Active mode (a checkout with F's `WorkerOptions.active`): each claim or loss of a mailbox's subscription told to the parent.
if (process.env.ACTIVE === "1") {
  Object.assign(options, {
    active: { onSubscription: (event: { type: string; accountId: string }) => send({ type: "subscription", event: event.type, account: event.accountId }) },
  });
}
const cpu0 = process.cpuUsage();
await fleet.startWorker(options);
send({ type: "ready" });

const vmHwmKb = (): number => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : process.resourceUsage().maxRSS;
};

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void fleet.stop({ graceMs: 10_000 }).then(
    async () => {
      await pool.end();
      process.exit(0);
    },
    () => process.exit(1),
  );
};
process.on("message", (message: { type: string }) => {
  if (message.type === "stats") {
    const cpu = process.cpuUsage(cpu0);
    send({ type: "stats", cpuMs: (cpu.user + cpu.system) / 1000, fleetQueries: counts.fleet, queueQueries: counts.queue, statements: Object.fromEntries(byStatement), vmHwmKb: vmHwmKb(), rssKb: Math.round(process.memoryUsage().rss / 1024) });
  } else if (message.type === "stop") stop();
});
process.on("SIGTERM", stop);
process.on("disconnect", stop);
