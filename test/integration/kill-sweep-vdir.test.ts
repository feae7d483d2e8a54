/**
 * kill -9 through the real host, EWS simulator ↔ vdir folder: the sync host runs as a child process
 * (`ewsdav sync`, the built binary) against the simulator over HTTP (through a kill proxy) and a vdir
 * folder, and is killed with SIGKILL at seeded random instants — after a delay, or at the k-th
 * write to either end (before it, or after it was done but before the host heard back) — while
 * contacts are created, edited and deleted on both ends between runs. Then runs without a kill must
 * leave every item exactly once on both ends, with its latest edit, and no deleted item back (see
 * test/harness/kill-sweep.ts).
 *
 * In the suite: a fixed seed and a few rounds. With EWSDAV_FUZZ: a random (or EWSDAV_FUZZ_SEED)
 * seed, bigger rounds until EWSDAV_FUZZ_SECONDS, and a report line in EWSDAV_FUZZ_REPORT.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { SIMULATOR_EWS_PATH, startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { appendFuzzReport, fuzzSettings } from "../harness/fuzz-env.js";
import { startKillProxy, type KillProxy } from "../harness/kill-proxy.js";
import { runKillSweep, watchVdirWrites } from "../harness/kill-sweep.js";
import { startSyncHost, writeSweepConfig } from "../harness/sync-host.js";
import { EwsSweepSide, VdirSweepSide } from "../harness/sweep-sides.js";

const USER = "alice@example.com";
const PASSWORD = "secret";
const settings = fuzzSettings(20261205);

describe("kill -9 through the real host: EWS simulator ↔ vdir", () => {
  let sim: EwsSimulator;
  let proxy: KillProxy;
  let client: EwsClient;
  beforeAll(async () => {
    sim = await startEwsSimulator({ record: false });
    proxy = await startKillProxy(new URL(sim.url).origin);
    client = new EwsClient({ url: sim.url, auth: basicAuth({ username: USER, password: PASSWORD }), mailbox: USER });
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await sim?.stop();
  });

  it(
    "every item once on both ends, no edit lost, no delete back, whatever instant the host is killed at",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "ewsdav-kill-vdir-"));
      const collection = join(dir, "vdir", "sweep");
      mkdirSync(collection, { recursive: true });
      writeFileSync(join(collection, ".ewsdav-kind"), "contacts\n");
      const configPath = join(dir, "sync.json");
      writeSweepConfig(configPath, {
        state: "state.db",
        remote: { type: "ews", url: `${proxy.url}${SIMULATOR_EWS_PATH}`, username: USER, passwordEnv: "EWSDAV_SWEEP_EWS_PASSWORD" },
        local: { type: "vdir", path: "vdir" },
        remoteFolder: "Contacts",
        localCollection: "sweep",
      });
      const tap = watchVdirWrites(collection);
      try {
        const result = await runKillSweep({
          name: "kill-sweep vdir",
          seed: settings.seed,
          ...(settings.fuzz ? { until: Date.now() + settings.seconds * 1000 } : { rounds: 5 }),
          initial: settings.fuzz ? { remote: 150, local: 150 } : { remote: 100, local: 100 },
          perRound: settings.fuzz ? { creates: 60, edits: 60, deletes: 10 } : { creates: 30, edits: 30, deletes: 6 },
          remote: new EwsSweepSide(client),
          local: new VdirSweepSide(collection),
          remoteTap: proxy,
          localTap: tap,
          localKillsBefore: false,
          wholeRunAfterKill: process.env.EWSDAV_SWEEP_WHOLE_RUN_AFTER_KILL === "1",
          startHost: () => startSyncHost(configPath, { EWSDAV_SWEEP_EWS_PASSWORD: PASSWORD }),
          log: process.env.EWSDAV_SWEEP_LOG ? (line) => console.log(`[vdir] ${line}`) : undefined,
        });
        console.log(
          `kill-sweep vdir: seed ${settings.seed}, ${result.rounds} rounds, ${result.runs} runs, ${result.kills} kills ${JSON.stringify(result.killsByKind)}, ${result.items} items, ${result.changes} changes, ${result.found.length} found`,
        );
        appendFuzzReport(settings, {
          name: "kill-sweep vdir",
          seed: settings.seed,
          tried: { runs: result.runs, kills: result.kills, inputs: result.changes, items: result.items, rounds: result.rounds },
          found: result.found,
        });
        expect(result.found).toEqual([]);
        expect(result.kills).toBeGreaterThan(0);
      } finally {
        tap.close();
      }
    },
    settings.fuzz ? (settings.seconds + 600) * 1000 : 240_000,
  );
});
