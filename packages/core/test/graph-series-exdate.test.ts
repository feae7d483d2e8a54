/**
 * An EXDATE that matches no occurrence of its series, written over Graph from DAV (the mapper and
 * `applySeries` of the events codec): nothing to cancel, so it is reported in `dropped` once (not
 * skipped in silence), and
 * the next rounds neither write the series again nor fail. The Graph and EWS simulators share one
 * mailbox; DAV is Radicale.
 */
import { MemoryStateStore, SyncEngine } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { GraphSide } from "@ewsdav/core/graph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGraphDavRig, type GraphDavRig } from "./graph-rig.test-support.js";
import { vevent } from "../src/fixtures.test-support.js";

describe("Graph series writes: an EXDATE at no occurrence", () => {
  let rig: GraphDavRig | undefined;
  beforeAll(async () => void (rig = await startGraphDavRig()));
  afterAll(() => rig?.stop());

  it("is reported in dropped, the occurrences there are left alone, and it is never tried again", async () => {
    const { dav, graph, davClient } = rig!;
    // Weekly on Mondays from 2026-03-02 09:00Z; the EXDATEs: a Tuesday (no occurrence) and week 3 (one).
    const text = vevent("exoff", { SUMMARY: "Weekly", DTSTART: "20260302T090000Z", DTEND: "20260302T093000Z", RRULE: "FREQ=WEEKLY;COUNT=6", EXDATE: "20260310T090000Z,20260316T090000Z" });
    await dav.seedCollection({ name: "exoff", kind: "calendar", items: [{ name: "s.ics", text }] });
    const side = new GraphSide({ client: graph, name: "graph" });
    const davSide = new DavSide({ client: davClient, name: "dav" });
    const cal = (await davSide.listCollections()).find((c) => c.id.replace(/\/$/, "").endsWith("/exoff"))!.id;
    const calendar = (await side.createCollection("events", "Series exoff")).id;
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [side, davSide] });
    await engine.link({ id: "exoff", kind: "events", remote: { side: "graph", collection: calendar }, local: { side: "dav", collection: cal } });

    const first = await engine.runOnce();
    expect(first.pairs[0]!.error).toBeNull();
    expect(first.pairs[0]!.remote.created).toHaveLength(1);
    const exdates = first.pairs[0]!.remote.dropped.filter((d) => d.property === "EXDATE");
    // Reported once (the mapper finds it off the pattern; the codec, finding no occurrence there
    // either, does not report it a second time), and nothing else is.
    expect(exdates).toHaveLength(1);
    expect(exdates[0]!.reason).toMatch(/no occurrence/);
    // Week 3 is cancelled on Graph; nothing else is.
    const [master] = await graph.listEvents(calendar, { select: ["subject"] });
    const held = await graph.getEvent(master!.id, { select: ["subject", "cancelledOccurrences"] });
    expect((held.cancelledOccurrences ?? []).map((c) => /(\d{4}-\d{2}-\d{2})$/.exec(String(c))?.[1])).toEqual(["2026-03-16"]);
    for (let i = 0; i < 2; i++) {
      const later = await engine.runOnce();
      expect(later.pairs[0]!.error).toBeNull();
      expect(later.pairs[0]!.remote.updated.length + later.pairs[0]!.remote.created.length).toBe(0);
    }
  });
});
