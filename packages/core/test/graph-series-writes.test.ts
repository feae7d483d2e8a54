/**
 * Series written over Graph from DAV (`applySeries` of the events codec): the series' instances
 * read once per write over the range of the original starts concerned; a create whose occurrence
 * writes keep failing (throttled past the retries) keeps the series it created — its id learnt by
 * the engine, the failure reported, never created twice; an exception and an EXDATE removed on the
 * DAV side either gone on Graph (the master's PATCH sets its recurrence again) or, where Graph
 * keeps them, reported in `dropped` — never tried again in a loop. The Graph and EWS
 * simulators share one mailbox; DAV is Radicale.
 */
import type { DavClient } from "@ewsdav/dav-client";
import type { EwsSimulator } from "@ewsdav/ews-simulator";
import type { GraphClient } from "@ewsdav/graph-client";
import type { GraphSimulator } from "@ewsdav/graph-simulator";
import { MemoryStateStore, SyncEngine, type SyncReport } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { GraphSide } from "@ewsdav/core/graph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DavServer } from "../../../test/harness/dav-servers.js";
import { expectOk, startGraphDavRig, type GraphDavRig } from "./graph-rig.test-support.js";
import { vevent } from "../src/fixtures.test-support.js";

const ok = expectOk;
const override = (uid: string, recurrenceId: string, summary: string, start: string, end: string) =>
  `BEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20240101T000000Z\r\nRECURRENCE-ID:${recurrenceId}\r\nSUMMARY:${summary}\r\nDTSTART:${start}\r\nDTEND:${end}\r\nEND:VEVENT`;
/** A weekly series of 8 from 2026-03-02 09:00Z with overrides at the given weeks (1-based) and EXDATEs. */
const series = (uid: string, summary: string, overrides: number[], exdates: number[]) => {
  const at = (week: number, hour: number) => `${new Date(Date.UTC(2026, 2, 2 + 7 * (week - 1), hour)).toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "")}`;
  return vevent(uid, { SUMMARY: summary, DTSTART: "20260302T090000Z", DTEND: "20260302T093000Z", RRULE: "FREQ=WEEKLY;COUNT=8", ...(exdates.length ? { EXDATE: exdates.map((w) => at(w, 9)).join(",") } : {}) },
    overrides.map((w) => override(uid, at(w, 9), `${summary} (week ${w})`, at(w, 11), at(w, 12))));
};

describe("Graph series writes from DAV", () => {
  let rig: GraphDavRig | undefined;
  let ewsSim: EwsSimulator, sim: GraphSimulator, dav: DavServer, graph: GraphClient, davClient: DavClient;
  beforeAll(async () => void ({ ewsSim, sim, dav, graph, davClient } = rig = await startGraphDavRig()));
  afterAll(() => rig?.stop());

  async function pair(name: string, items: Array<{ name: string; text: string }>) {
    const side = new GraphSide({ client: graph, name: "graph" });
    const davSide = new DavSide({ client: davClient, name: "dav" });
    await dav.seedCollection({ name, kind: "calendar", items });
    const cal = (await davSide.listCollections()).find((c) => c.id.replace(/\/$/, "").endsWith(`/${name}`))!.id;
    const calendar = (await side.createCollection("events", `Series ${name}`)).id;
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [side, davSide] });
    await engine.link({ id: name, kind: "events", remote: { side: "graph", collection: calendar }, local: { side: "dav", collection: cal } });
    return { engine, cal, calendar };
  }

  it("reads the instances once per series write, over the range of the exceptions", async () => {
    const { engine, cal, calendar } = await pair("once", [{ name: "s.ics", text: series("once", "Standup", [2, 3, 5], [6]) }]);
    sim.clear();
    ok(await engine.runOnce());
    const lookups = () => sim.requests.filter((r) => /\/instances/.test(r.url));
    expect(lookups()).toHaveLength(1);
    const window = new URL(lookups()[0]!.url, "http://x").searchParams;
    expect(Date.parse(window.get("startDateTime")!)).toBe(Date.UTC(2026, 2, 8, 9)); // week 2, a day before
    expect(Date.parse(window.get("endDateTime")!)).toBe(Date.UTC(2026, 3, 7, 9)); // week 6, a day after
    const [master] = await graph.listEvents(calendar, { select: ["subject"] });
    expect((await graph.getEvent(master!.id, { expandExceptions: true })).exceptionOccurrences?.map((e) => e.subject).sort()).toEqual(["Standup (week 2)", "Standup (week 3)", "Standup (week 5)"]);
    // An update that changes one exception: again one lookup.
    const [item] = await davClient.fetchAll(cal);
    await davClient.updateItem({ href: item!.href, etag: item!.etag, text: item!.data.replace("SUMMARY:Standup (week 3)", "SUMMARY:Standup (week 3, moved)") });
    sim.clear();
    ok(await engine.runOnce());
    expect(lookups()).toHaveLength(1);
  });

  it("a create whose occurrence writes fail keeps the series it made: its id learnt, the failure reported, never created twice", async () => {
    const { engine, calendar } = await pair("fail", [{ name: "s.ics", text: series("fail", "Review", [2, 4], []) }]);
    // Every PATCH of an occurrence throttled, past the side's retries.
    sim.throttle({ match: /^PATCH \/me\/events\//, inBatch: true, count: 50, retryAfterSeconds: 0 });
    const first = await engine.runOnce();
    expect(first.pairs[0]!.remote.created).toHaveLength(1);
    expect(first.pairs[0]!.remote.dropped.some((d) => d.property === "RECURRENCE-ID" && /refused/.test(d.reason))).toBe(true);
    sim.clear();
    for (let i = 0; i < 2; i++) {
      const again = await engine.runOnce();
      expect(again.pairs[0]!.error).toBeNull();
      expect(again.pairs[0]!.remote.created).toHaveLength(0);
      expect(again.pairs[0]!.local.created).toHaveLength(0);
    }
    expect(await graph.listEvents(calendar)).toHaveLength(1);
    expect(await davClient.fetchAll((await new DavSide({ client: davClient, name: "dav" }).listCollections()).find((c) => c.id.replace(/\/$/, "").endsWith("/fail"))!.id)).toHaveLength(1);
  });

  it("an exception and an EXDATE removed on DAV are undone on Graph or reported, never looped on", async () => {
    const { engine, cal, calendar } = await pair("undo", [{ name: "s.ics", text: series("undo", "Sync", [2], [4]) }]);
    ok(await engine.runOnce());
    const [item] = await davClient.fetchAll(cal);
    // The override and the EXDATE gone from the text; the master stays.
    const text = item!.data.replace(/\r?\n/g, "\r\n").replace(/BEGIN:VEVENT\r\n(?:(?!END:VEVENT)[\s\S])*RECURRENCE-ID[\s\S]*?END:VEVENT\r\n/, "").replace(/^EXDATE[^\r\n]*\r\n/m, "");
    expect(text).not.toMatch(/RECURRENCE-ID|EXDATE/);
    await davClient.updateItem({ href: item!.href, etag: item!.etag, text });
    const round = await engine.runOnce();
    expect(round.pairs[0]!.error).toBeNull();
    const dropped = round.pairs[0]!.remote.dropped.map((d) => d.property).sort();
    // What Graph holds afterwards: the exception and the cancellation are either gone (the master's
    // PATCH set its recurrence again, which drops a series' exceptions, as Exchange does) or reported.
    const [master] = await graph.listEvents(calendar, { select: ["subject"] });
    const held = await graph.getEvent(master!.id, { expandExceptions: true, select: ["subject", "cancelledOccurrences"] });
    expect(dropped.includes("RECURRENCE-ID")).toBe((held.exceptionOccurrences ?? []).length > 0);
    expect(dropped.includes("EXDATE")).toBe((held.cancelledOccurrences ?? []).length > 0);
    const [after] = await davClient.fetchAll(cal);
    expect(/RECURRENCE-ID/.test(after!.data)).toBe((held.exceptionOccurrences ?? []).length > 0);
    for (let i = 0; i < 2; i++) {
      const later = await engine.runOnce();
      expect(later.pairs[0]!.error).toBeNull();
      expect(later.pairs[0]!.remote.updated.length + later.pairs[0]!.remote.created.length).toBe(0);
    }
  });
});
