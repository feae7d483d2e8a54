/**
 * A fleet worker process for fleet.test.ts: opens the fleet (DATABASE_URL, the keys from
 * EWSDAV_FLEET_KEYS), starts a worker (WORKER_ID), and prints one JSON line per event: `ready`,
 * `busy` (first and last progress of a cycle, with times: the cycle holds the pair's lease
 * between them), `job` (outcome). With STALL_PAIR and STALL_MARK set, the first worker to write
 * STALL_AFTER items of that pair (the one that creates the STALL_MARK file) stops dead in the
 * middle of the cycle — its event loop blocked, as good as hung — for the test to kill -9.
 * With CRASH_PAIR set, the worker kills itself (-9) at the first progress of that pair's cycle
 * (under its lease) (a cycle that ends its worker every time). With ACTIVE_TTL_MS set, the worker is in active
 * mode with that subscription lease TTL and prints `sub` lines (claimed, released, lost, with the
 * time) as it starts and stops watching accounts.
 */
import { openSync } from "node:fs";
import { Fleet } from "../src/fleet.js";

const print = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);
const id = process.env.WORKER_ID!;
const stallPair = process.env.STALL_PAIR;
const stallAfter = Number(process.env.STALL_AFTER ?? "20");
const crashPair = process.env.CRASH_PAIR;
const activeTtl = process.env.ACTIVE_TTL_MS ? Number(process.env.ACTIVE_TTL_MS) : undefined;

const fleet = await Fleet.open({
  connectionString: process.env.DATABASE_URL!,
  poolSize: 4,
  lease: { ttlMs: Number(process.env.LEASE_TTL_MS), waitMs: Number(process.env.LEASE_WAIT_MS) },
  jobExpireSeconds: Number(process.env.JOB_EXPIRE_SECONDS),
  maintenanceIntervalSeconds: 1,
  retry: { baseMs: Number(process.env.RETRY_BASE_MS ?? "200"), maxMs: 1_000, parkAfter: 3 },
});
await fleet.startWorker({
  id,
  pollingIntervalSeconds: 0.5,
  observe(pairId, events) {
    let first: number | undefined;
    let last: number | undefined;
    let written = 0;
    const seen = () => {
      const now = Date.now();
      first ??= now;
      last = now;
    };
    events.on("progress", () => {
      seen();
      if (pairId === crashPair) {
        print({ ev: "crash", worker: id, pair: pairId });
        process.kill(process.pid, "SIGKILL");
      }
    });
    events.on("item", () => {
      seen();
      written++;
      if (pairId === stallPair && written === stallAfter) {
        try {
          openSync(process.env.STALL_MARK!, "wx");
        } catch {
          return; // another worker stalled already
        }
        print({ ev: "stall", worker: id, pair: pairId });
        // Blocked until killed here; at most 120 s, so a test run that dies first leaves no process behind.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000);
        process.exit(3);
      }
    });
    events.on("pair-end", ({ report }) => {
      if (first !== undefined) print({ ev: "busy", worker: id, pair: pairId, first, last, stopped: report.error?.code ?? null });
    });
  },
  onJob: (pairId, outcome, details) =>
    print({ ev: "job", worker: id, pair: pairId, outcome, trigger: details.trigger, at: Date.now(), ...(details.tookOverFrom ? { tookOverFrom: details.tookOverFrom } : {}) }),
  ...(activeTtl !== undefined
    ? {
        active: {
          ttlMs: activeTtl,
          pushRetryMs: 1_000,
          streaming: { reconnectDelayMs: 50, stallTimeoutMs: 5_000 },
          onSubscription: (event) => print({ ev: "sub", worker: id, type: event.type, account: event.accountId, token: event.token, from: event.from ?? null, at: Date.now() }),
        },
      }
    : {}),
});
print({ ev: "ready", worker: id });
process.on("SIGTERM", () => {
  void fleet.stop({ graceMs: 5_000 }).then(() => {
    print({ ev: "stopped", worker: id });
    process.exit(0);
  });
});
// The test process holds our stdin: when it is gone (a run killed or crashed), so are we.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
