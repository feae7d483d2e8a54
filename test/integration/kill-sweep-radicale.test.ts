/**
 * kill -9 through the real host, EWS simulator ↔ Radicale: the sync host runs as a child process
 * (`ewsdav sync`, the built binary) against the simulator and a Radicale server over HTTP (each through a
 * kill proxy), and is killed with SIGKILL at seeded random instants — after a delay, or at the k-th
 * write to either end (before it, or after it was done but before the host heard back) — while
 * contacts are created, edited and deleted on both ends between runs. Then runs without a kill must
 * leave every item exactly once on both ends, with its latest edit, and no deleted item back (see
 * test/harness/kill-sweep.ts).
 *
 * In the suite: a fixed seed and a few rounds. With EWSDAV_FUZZ: a random (or EWSDAV_FUZZ_SEED)
 * seed, bigger rounds until EWSDAV_FUZZ_SECONDS, and a report line in EWSDAV_FUZZ_REPORT.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DavClient } from "@ewsdav/dav-client";
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { SIMULATOR_EWS_PATH, startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { appendFuzzReport, fuzzSettings } from "../harness/fuzz-env.js";
import { startKillProxy, type KillProxy } from "../harness/kill-proxy.js";
import { startRadicale, type DavServer } from "../harness/dav-servers.js";
import { runKillSweep } from "../harness/kill-sweep.js";
import { startSyncHost, writeSweepConfig } from "../harness/sync-host.js";
import { DavSweepSide, EwsSweepSide } from "../harness/sweep-sides.js";

const USER = "alice@example.com";
const PASSWORD = "secret";
const settings = fuzzSettings(20261206);

describe("kill -9 through the real host: EWS simulator ↔ Radicale", () => {
  let sim: EwsSimulator;
  let radicale: DavServer;
  let proxy: KillProxy;
  let davProxy: KillProxy;
  let client: EwsClient;
  let dav: DavClient;
  beforeAll(async () => {
    [sim, radicale] = await Promise.all([startEwsSimulator({ record: false }), startRadicale()]);
    proxy = await startKillProxy(new URL(sim.url).origin);
    davProxy = await startKillProxy(radicale.url);
    client = new EwsClient({ url: sim.url, auth: basicAuth({ username: USER, password: PASSWORD }), mailbox: USER });
    dav = new DavClient({ baseUrl: radicale.url, auth: { type: "basic", username: radicale.username, password: radicale.password }, headers: radicale.headers });
  });
  afterAll(async () => {
    await client?.close();
    await dav?.close();
    await proxy?.close();
    await davProxy?.close();
    await Promise.all([sim?.stop(), radicale?.stop()]);
  });

  it(
    "every item once on both ends, no edit lost, no delete back, whatever instant the host is killed at",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "ewsdav-kill-radicale-"));
      const collectionUrl = await radicale.seedCollection({ name: "sweep", kind: "addressbook", displayName: "sweep", items: [] });
      const configPath = join(dir, "sync.json");
      writeSweepConfig(configPath, {
        state: "state.db",
        remote: { type: "ews", url: `${proxy.url}${SIMULATOR_EWS_PATH}`, username: USER, passwordEnv: "EWSDAV_SWEEP_EWS_PASSWORD" },
        local: { type: "dav", url: `${davProxy.url}/`, username: radicale.username, passwordEnv: "EWSDAV_SWEEP_DAV_PASSWORD" },
        remoteFolder: "Contacts",
        localCollection: "sweep",
      });
      {
        const result = await runKillSweep({
          name: "kill-sweep radicale",
          seed: settings.seed,
          ...(settings.fuzz ? { until: Date.now() + settings.seconds * 1000 } : { rounds: 4 }),
          initial: settings.fuzz ? { remote: 100, local: 100 } : { remote: 30, local: 40 },
          perRound: settings.fuzz ? { creates: 30, edits: 30, deletes: 8 } : { creates: 10, edits: 10, deletes: 4 },
          remote: new EwsSweepSide(client),
          local: new DavSweepSide(dav, collectionUrl),
          remoteTap: proxy,
          localTap: davProxy,
          localKillsBefore: true,
          wholeRunAfterKill: process.env.EWSDAV_SWEEP_WHOLE_RUN_AFTER_KILL === "1",
          startHost: () => startSyncHost(configPath, { EWSDAV_SWEEP_EWS_PASSWORD: PASSWORD, EWSDAV_SWEEP_DAV_PASSWORD: radicale.password }),
          log: process.env.EWSDAV_SWEEP_LOG ? (line) => console.log(`[radicale] ${line}`) : undefined,
        });
        console.log(
          `kill-sweep radicale: seed ${settings.seed}, ${result.rounds} rounds, ${result.runs} runs, ${result.kills} kills ${JSON.stringify(result.killsByKind)}, ${result.items} items, ${result.changes} changes, ${result.found.length} found`,
        );
        appendFuzzReport(settings, {
          name: "kill-sweep radicale",
          seed: settings.seed,
          tried: { runs: result.runs, kills: result.kills, inputs: result.changes, items: result.items, rounds: result.rounds },
          found: result.found,
        });
        expect(result.found).toEqual([]);
        expect(result.kills).toBeGreaterThan(0);
      }
    },
    settings.fuzz ? (settings.seconds + 600) * 1000 : 240_000,
  );
});
