/**
 * A fleet worker process for fleet.test.ts: opens the fleet (DATABASE_URL, the keys from
 * EWSDAV_FLEET_KEYS), starts a worker (WORKER_ID), and prints one JSON line per event: `ready`,
 * `busy` (first and last progress of a cycle, with times: the cycle holds the pair's lease
 * between them), `job` (outcome). With STALL_PAIR and STALL_MARK set, the first worker to write
 * STALL_AFTER items of that pair (the one that creates the STALL_MARK file) stops dead in the
 * middle of the cycle — its event loop blocked, as good as hung — for the test to kill -9.
 */
import { openSync } from "node:fs";
import { Fleet } from "../src/fleet.js";

const print = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);
const id = process.env.WORKER_ID!;
const stallPair = process.env.STALL_PAIR;
const stallAfter = Number(process.env.STALL_AFTER ?? "20");

const fleet = await Fleet.open({
  connectionString: process.env.DATABASE_URL!,
  poolSize: 4,
  lease: { ttlMs: Number(process.env.LEASE_TTL_MS), waitMs: Number(process.env.LEASE_WAIT_MS) },
  jobExpireSeconds: Number(process.env.JOB_EXPIRE_SECONDS),
  maintenanceIntervalSeconds: 1,
  retry: { baseMs: 200, maxMs: 1_000, parkAfter: 3 },
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
    events.on("progress", seen);
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
  onJob: (pairId, outcome) => print({ ev: "job", worker: id, pair: pairId, outcome }),
});
print({ ev: "ready", worker: id });
process.on("SIGTERM", () => {
  void fleet.stop({ graceMs: 5_000 }).then(() => {
    print({ ev: "stopped", worker: id });
    process.exit(0);
  });
});
