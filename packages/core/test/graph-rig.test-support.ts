/**
 * The rig of the engine tests Graph ↔ Radicale: the EWS simulator (whose mailbox the Graph
 * simulator serves too, so a change made "in Outlook" goes through EWS), the Graph simulator with
 * a token for alice@example.com, Radicale from the harness, and a client of each.
 */
import { DavClient } from "@ewsdav/dav-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { ConcurrencyLimiter, GraphClient } from "@ewsdav/graph-client";
import { startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import type { SyncReport } from "@ewsdav/core";
import { expect } from "vitest";
import { startDavServer, type DavServer } from "../../../test/harness/dav-servers.js";

/** The servers and clients of one test file. */
export interface GraphDavRig {
  ewsSim: EwsSimulator;
  sim: GraphSimulator;
  dav: DavServer;
  graph: GraphClient;
  davClient: DavClient;
  /** Closes the clients and stops the servers. */
  stop(): Promise<void>;
}

/** Starts the simulators and Radicale on loopback, with throwaway storage. */
export async function startGraphDavRig(): Promise<GraphDavRig> {
  const [ewsSim, dav] = await Promise.all([startEwsSimulator({ record: false }), startDavServer("radicale")]);
  const sim = await startGraphSimulator({ mailbox: (a) => ewsSim.mailbox(a), tokens: { t: "alice@example.com" } });
  const graph = new GraphClient({ baseUrl: sim.url, getToken: async () => "t", limiter: new ConcurrencyLimiter(4), baseDelayMs: 10 });
  const davClient = new DavClient({ baseUrl: dav.url, auth: { type: "basic", username: dav.username, password: dav.password }, headers: dav.headers });
  return {
    ewsSim, sim, dav, graph, davClient,
    async stop() {
      await davClient.close();
      await graph.close();
      await Promise.all([sim.stop(), ewsSim.stop(), dav.stop()]);
    },
  };
}

/** Expects a cycle's report to be ok, showing the first errors of each pair when it is not. */
export const expectOk = (r: SyncReport) => expect(r.ok, JSON.stringify(r.pairs.map((p) => [p.pairId, p.error, p.errors.slice(0, 3)]))).toBe(true);
