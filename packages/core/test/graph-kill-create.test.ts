/**
 * Kill -9 right after a Graph event create, Graph ↔ Radicale: the process dies once the POST has
 * succeeded and before the create is recorded (the journal holds it); a new engine on the same
 * state then runs. The events feed's incremental round (calendarView delta over a window) never
 * names an event outside the window, so the resuming cycle must read the calendar in full to find
 * the event the dead process created (the rule on `Cycle.readFeeds`) — else it creates it again.
 * Inside the window and outside (an event of 2015): one event on each end, nothing created twice.
 */
import type { DavClient } from "@ewsdav/dav-client";
import type { GraphClient } from "@ewsdav/graph-client";
import { MemoryStateStore, SyncEngine, type SyncSide } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { GraphSide } from "@ewsdav/core/graph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DavServer } from "../../../test/harness/dav-servers.js";
import { vevent } from "../src/fixtures.test-support.js";
import { Killed, mortal } from "./mortal-store.test-support.js";
import { expectOk, startGraphDavRig, type GraphDavRig } from "./graph-rig.test-support.js";

/** `side`, whose creates kill the process once they succeeded, while `armed()`. */
function dyingAfterCreate(side: SyncSide, store: { dead: boolean }, armed: () => boolean): SyncSide {
  return new Proxy(side, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (key === "create") {
        return async (...args: Parameters<SyncSide["create"]>) => {
          const answer = await target.create(...args);
          if (armed()) {
            store.dead = true;
            throw new Killed("killed after the POST");
          }
          return answer;
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe("kill -9 right after a Graph event create, then a new engine", () => {
  let rig: GraphDavRig | undefined;
  let dav: DavServer, graph: GraphClient, davClient: DavClient;
  beforeAll(async () => void ({ dav, graph, davClient } = rig = await startGraphDavRig()));
  afterAll(() => rig?.stop());

  for (const [name, start] of [
    ["inside the window", "20270105T100000Z"],
    ["outside the window (2015)", "20150105T100000Z"],
  ] as const) {
    it(`${name}: the event is adopted, not created again`, async () => {
      const slug = name.startsWith("inside") ? "inwindow" : "outside";
      let clock = 0;
      const inner = new MemoryStateStore({ now: () => clock });
      const store = mortal(inner);
      const graphSide = new GraphSide({ client: graph, name: "graph" });
      const davSide = new DavSide({ client: davClient, name: "dav" });
      await dav.seedCollection({ name: slug, kind: "calendar", items: [] });
      const local = (await davSide.listCollections()).find((x) => x.id.replace(/\/$/, "").endsWith(`/${slug}`))!.id;
      const calendar = (await graphSide.createCollection("events", `Kill ${slug}`)).id;
      let armed = false;
      const engine = new SyncEngine({ store, sides: [dyingAfterCreate(graphSide, store, () => armed), davSide] });
      await engine.link({ id: slug, kind: "events", remote: { side: "graph", collection: calendar }, local: { side: "dav", collection: local } });
      expectOk(await engine.runOnce());

      await davClient.createItem(local, { name: `${slug}.ics`, text: vevent(`kill-${slug}`, { SUMMARY: `Kill ${slug}`, DTSTART: start, DTEND: start.replace("T10", "T11") }) });
      armed = true;
      await engine.runOnce().catch((e: unknown) => e);
      expect(store.dead).toBe(true);
      expect(await inner.listJournal(slug)).toHaveLength(1);
      expect(await graph.listEvents(calendar, { select: ["subject"] })).toHaveLength(1);

      // Restart once the dead engine's lease has expired: same state, healthy sides.
      clock += 600_000;
      const again = new SyncEngine({ store: inner, sides: [graphSide, davSide] });
      for (let i = 0; i < 3; i++) {
        const report = await again.runOnce();
        expectOk(report);
        expect(report.pairs[0]!.remote.created, `run ${i}`).toEqual([]);
        expect(report.pairs[0]!.local.created, `run ${i}`).toEqual([]);
      }
      expect(await inner.listJournal(slug)).toEqual([]);
      expect((await graph.listEvents(calendar, { select: ["subject"] })).map((e) => e.subject)).toEqual([`Kill ${slug}`]);
      expect(await davClient.fetchAll(local)).toHaveLength(1);
      // The adopted record names the event Graph holds.
      const [record] = await inner.listItems(slug);
      expect(record?.uid).toBe(`kill-${slug}`);
      expect(record?.remote?.id).toBe((await graph.listEvents(calendar, { select: ["subject"] }))[0]!.id);
    });
  }
});
