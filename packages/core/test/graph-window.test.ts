/**
 * The Graph side's events feed lists a calendar view: a window of the calendar (by default a year
 * back and two years ahead). An event outside it is not listed, and must not be taken for deleted:
 * the feed's full rounds are `windowed`, so the engine reads each known event the round does not
 * list, by id, and deletes only those found gone. Two ways in: a full round after a removal on a
 * Graph pair, and the first cycle over Graph after a move from EWS. A real EWS simulator and Graph
 * simulator share one mailbox; the other side is an in-memory side.
 */
import { basicAuth, EwsClient } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { ConcurrencyLimiter, GraphClient } from "@ewsdav/graph-client";
import { startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemorySide, MemoryStateStore, SyncEngine } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";
import { GraphSide, movePairToGraph } from "@ewsdav/core/graph";

const DAY = 86_400_000;
const basic = (iso: string) => iso.replace(/[-:]/g, "").replace(/\.\d+/, "");
const vevent = (uid: string, start: string, summary: string) =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ewsdav//test//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20200101T000000Z\r\nDTSTART:${start}\r\nDURATION:PT1H\r\nSUMMARY:${summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;

describe("Graph events outside the calendar window", () => {
  let ewsSim: EwsSimulator;
  let graphSim: GraphSimulator;
  let graph: GraphClient;

  beforeEach(async () => {
    ewsSim = await startEwsSimulator({ record: false });
    graphSim = await startGraphSimulator({ mailbox: (a) => ewsSim.mailbox(a), tokens: { t: "alice@example.com" } });
    graph = new GraphClient({ baseUrl: graphSim.url, getToken: async () => "t", limiter: new ConcurrencyLimiter(4) });
  });
  afterEach(async () => {
    await graph.close();
    await graphSim.stop();
    await ewsSim.stop();
  });

  it("are kept when a removal makes the feed list the window in full, and a deletion inside the window still syncs", async () => {
    const side = new GraphSide({ client: graph, name: "graph" });
    const calendar = (await side.listCollections()).find((c) => c.kind === "events")!.id;
    const mem = new MemorySide({ name: "mem" });
    mem.addCollection("cal", "events");
    const soon = basic(new Date(Date.now() + 3 * DAY).toISOString());
    mem.put("cal", vevent("old-1", "20180105T100000Z", "Old"));
    const near = mem.put("cal", vevent("near-1", soon, "Near"));
    mem.put("cal", vevent("near-2", soon, "Near 2"));
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [side, mem] });
    await engine.link({ id: "p", kind: "events", remote: { side: "graph", collection: calendar }, local: { side: "mem", collection: "cal" } });
    const first = await engine.runOnce();
    expect(first.pairs[0]!.error).toBeNull();
    expect(first.pairs[0]!.remote.created).toHaveLength(3);
    await mem.remove("cal", [{ id: near, version: null }]);
    const removal = await engine.runOnce();
    expect(removal.pairs[0]!.remote.deleted).toHaveLength(1);
    // The round after the removal lists the window in full: the 2018 event is not in it, and stays.
    const after = await engine.runOnce();
    expect([after.pairs[0]!.error, after.pairs[0]!.local.deleted, after.pairs[0]!.remote.deleted]).toEqual([null, [], []]);
    const left = await mem.changes("cal", null);
    expect(left.changed).toHaveLength(2);
    // An event deleted over Graph inside the window: the round reports it removed, and the full round that answers it names it deleted.
    const events = await graph.listEvents(calendar === "calendar" ? undefined : calendar);
    const doomed = events.filter((e) => e.subject === "Near 2");
    expect(doomed).toHaveLength(1);
    await graph.deleteEvent(doomed[0]!.id);
    const gone = await engine.runOnce();
    expect([gone.pairs[0]!.error, gone.pairs[0]!.local.deleted.length]).toEqual([null, 1]);
    expect((await mem.changes("cal", null)).changed).toHaveLength(1);
  });

  it("are kept on the first cycle over Graph after a move from EWS", async () => {
    const box = ewsSim.mailbox("alice@example.com");
    const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
    box.createItem("calendar", "<CalendarItem><Subject>Old</Subject><Start>2018-01-05T10:00:00Z</Start><End>2018-01-05T11:00:00Z</End></CalendarItem>");
    box.createItem("calendar", `<CalendarItem><Subject>Near</Subject><Start>${at(Date.now() + 3 * DAY)}</Start><End>${at(Date.now() + 3 * DAY + 3_600_000)}</End></CalendarItem>`);
    const ewsClient = new EwsClient({ url: ewsSim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), mailbox: "alice@example.com" });
    const ews = new EwsSide({ client: ewsClient, name: "ews" });
    const calendar = (await ews.listCollections()).find((f) => f.kind === "events" && f.displayName === "Calendar")!.id;
    const mem = new MemorySide({ name: "mem" });
    mem.addCollection("cal", "events");
    const store = new MemoryStateStore();
    const overEws = new SyncEngine({ store, sides: [ews, mem] });
    await overEws.link({ id: "p", kind: "events", remote: { side: "ews", collection: calendar }, local: { side: "mem", collection: "cal" } });
    expect((await overEws.runOnce()).pairs[0]!.local.created).toHaveLength(2);
    await movePairToGraph(store, "p", "remote", graph);
    const overGraph = new SyncEngine({ store, sides: [new GraphSide({ client: graph, name: "graph" }), mem] });
    const first = (await overGraph.runOnce()).pairs[0]!;
    expect([first.error, first.local.deleted, first.remote.deleted, first.local.created, first.remote.created]).toEqual([null, [], [], [], []]);
    expect((await mem.changes("cal", null)).changed).toHaveLength(2);
  });
  it("an edit of an event outside the window reaches the other side at the next listing, which comes once calendarListingHours is up", async () => {
    const run = async (hours: number) => {
      const side = new GraphSide({ client: graph, name: "graph", calendarListingHours: hours });
      const calendar = (await side.createCollection("events", `Listing ${hours}`)).id;
      const mem = new MemorySide({ name: "mem" });
      mem.addCollection("cal", "events");
      mem.put("cal", vevent(`old-${hours}`, "20180105T100000Z", "Old"));
      const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [side, mem] });
      await engine.link({ id: "p", kind: "events", remote: { side: "graph", collection: calendar }, local: { side: "mem", collection: "cal" } });
      expect((await engine.runOnce()).pairs[0]!.remote.created).toHaveLength(1);
      expect((await engine.runOnce()).pairs[0]!.error).toBeNull(); // the cursor settles
      // Edited in the mailbox (as Outlook would): a 2018 event, outside the window's delta.
      const [event] = await graph.listEvents(calendar, { select: ["subject"] });
      await graph.updateEvent(event!.id, { subject: "Old, edited" });
      const round = await engine.runOnce();
      expect(round.pairs[0]!.error).toBeNull();
      const items = mem.items("cal");
      expect(items).toHaveLength(1);
      return /SUMMARY:Old\\?, edited/.test(items[0]!.text); // the comma escaped in iCalendar
    };
    // Listing due at every round: the edit arrives at once.
    expect(await run(0)).toBe(true);
    // Listing not due for a day: the window's delta does not see it (yet).
    expect(await run(24)).toBe(false);
  });
});
