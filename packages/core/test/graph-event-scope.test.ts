/**
 * The Graph side's reads of events are scoped to the pair's calendar. With immutable ids, Graph's
 * `GET /events/{id}` finds an event wherever it is: one deleted in Outlook (over EWS here: DeleteItem
 * with MoveToDeletedItems) sits in Deleted Items under the same id. The side compares the event's
 * PidTagParentEntryId with the calendar's PidTagEntryId (`ItemCodec.outside`), so such an event
 * reads as gone: a read by id (what a feed or a notice names, a write's re-read) answers not-found,
 * the deletion reaches DAV, and a DAV-side edit of it never lands in Deleted Items (the PATCH's
 * If-Match fails on the move's new change key, and the read that follows finds it gone). The Graph and EWS simulators share one mailbox; DAV is Radicale.
 */
import type { DavClient } from "@ewsdav/dav-client";
import type { EwsSimulator } from "@ewsdav/ews-simulator";
import type { GraphClient } from "@ewsdav/graph-client";
import type { GraphSimulator } from "@ewsdav/graph-simulator";
import { MemoryStateStore, SideError, SyncEngine, type SyncReport } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { GraphSide } from "@ewsdav/core/graph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DavServer } from "../../../test/harness/dav-servers.js";
import { expectOk, startGraphDavRig, type GraphDavRig } from "./graph-rig.test-support.js";
import { vevent } from "../src/fixtures.test-support.js";

const DAY = 86_400_000;
const basic = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
const ok = expectOk;

describe("Graph event reads scoped to the pair's calendar", () => {
  let rig: GraphDavRig | undefined;
  let ewsSim: EwsSimulator, sim: GraphSimulator, dav: DavServer, graph: GraphClient, davClient: DavClient;
  beforeAll(async () => void ({ ewsSim, sim, dav, graph, davClient } = rig = await startGraphDavRig()));
  afterAll(() => rig?.stop());

  /** A Graph calendar and a Radicale calendar paired and synced once, with DAV's events in both. */
  async function paired(name: string, items: Array<{ name: string; text: string }>) {
    const box = ewsSim.mailbox("alice@example.com");
    const side = new GraphSide({ client: graph, name: "graph" });
    const davSide = new DavSide({ client: davClient, name: "dav" });
    await dav.seedCollection({ name, kind: "calendar", items });
    const cal = (await davSide.listCollections()).find((c) => c.id.replace(/\/$/, "").endsWith(`/${name}`))!.id;
    const calendar = (await side.createCollection("events", `Scoped ${name}`)).id;
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [side, davSide] });
    await engine.link({ id: name, kind: "events", remote: { side: "graph", collection: calendar }, local: { side: "dav", collection: cal } });
    ok(await engine.runOnce());
    const folder = box.childFolders(box.distinguishedFolder("calendar")!).find((f) => f.displayName === `Scoped ${name}`)!;
    const exchange = () => box.items(box.folderId(folder));
    expect(exchange()).toHaveLength(items.length);
    const mine = new Set(items.map((i) => /SUMMARY:(.*)/.exec(i.text)![1]!.trim()));
    const deleted = () => box.items(box.folderId(box.distinguishedFolder("deleteditems")!)).filter((i) => [...mine].some((s) => (i.get("Subject") ?? "").startsWith(s)));
    return { box, engine, cal, exchange, deleted, side, calendar };
  }

  it("an event and a series moved to Deleted Items in Outlook read as gone by id and reach DAV as deletions", async () => {
    const soon = Date.now() + 3 * DAY;
    const { box, engine, cal, exchange, deleted, side, calendar } = await paired("gone", [
      { name: "old.ics", text: vevent("old-single", { SUMMARY: "Old single", DTSTART: "20180105T100000Z", DTEND: "20180105T110000Z" }) },
      { name: "series.ics", text: vevent("old-series", { SUMMARY: "Old series", DTSTART: "20180301T090000Z", DTEND: "20180301T093000Z", RRULE: "FREQ=WEEKLY;COUNT=4" }) },
      { name: "near.ics", text: vevent("near", { SUMMARY: "Near", DTSTART: basic(soon), DTEND: basic(soon + 3_600_000) }) },
      { name: "kept.ics", text: vevent("kept", { SUMMARY: "Kept", DTSTART: "20180601T100000Z", DTEND: "20180601T110000Z" }) },
    ]);
    const before = (await side.changes(calendar, null)).changed.map((c) => c.id);
    const uidOf = new Map((await side.fetch(calendar, before)).map((r, i) => [before[i]!, r instanceof SideError ? null : r.uid]));
    // Outlook's delete: each goes to Deleted Items, with the same immutable id over Graph.
    for (const subject of ["Old single", "Old series", "Near"]) box.deleteItem(exchange().find((i) => i.get("Subject") === subject)!.id, "MoveToDeletedItems");
    expect(deleted().map((i) => i.get("Subject")).sort()).toEqual(["Near", "Old series", "Old single"]);
    // Read by id (as the engine reads what a feed or a notice names, and after a refused write):
    // Graph finds the three in Deleted Items by their ids, and the side answers them not-found.
    const read = await side.fetch(calendar, before);
    const gone = read.flatMap((r, i) => (r instanceof SideError && r.code === "not-found" ? [uidOf.get(before[i]!)] : [])).sort();
    expect(gone).toEqual(["near", "old-series", "old-single"]);
    expect(read.flatMap((r) => (r instanceof SideError ? [] : [r.uid]))).toEqual(["kept"]);
    for (const id of before) expect((await graph.getEvent(id)).id).toBe(id); // still found by Graph, in Deleted Items
    // The calendar view reports "Near" removed; the calendar's listing that answers it lacks all three.
    const round = await engine.runOnce();
    ok(round);
    expect(round.pairs[0]!.local.deleted).toHaveLength(3);
    const left = await davClient.fetchAll(cal);
    expect(left.map((i) => /SUMMARY:(.*)/.exec(i.data)![1]!.trim())).toEqual(["Kept"]);
    // Deleted Items is left alone, and the next cycle has nothing to do.
    expect(deleted().map((i) => i.get("Subject")).sort()).toEqual(["Near", "Old series", "Old single"]);
    const quiet = await engine.runOnce();
    ok(quiet);
    expect(quiet.pairs[0]!.local.deleted.length + quiet.pairs[0]!.remote.updated.length + quiet.pairs[0]!.remote.deleted.length).toBe(0);
  });

  it("a DAV-side edit of an event moved to Deleted Items does not edit it there", async () => {
    const { box, engine, cal, exchange, deleted } = await paired("edit", [
      { name: "old.ics", text: vevent("old-edit", { SUMMARY: "Old to edit", DTSTART: "20180105T100000Z", DTEND: "20180105T110000Z" }) },
      { name: "series.ics", text: vevent("series-edit", { SUMMARY: "Series to edit", DTSTART: "20180301T090000Z", DTEND: "20180301T093000Z", RRULE: "FREQ=WEEKLY;COUNT=4" }) },
    ]);
    for (const subject of ["Old to edit", "Series to edit"]) box.deleteItem(exchange().find((i) => i.get("Subject") === subject)!.id, "MoveToDeletedItems");
    // Outside the window, the calendar view reports nothing; DAV edits both.
    for (const item of await davClient.fetchAll(cal)) {
      await davClient.updateItem({ href: item.href, etag: item.etag, text: item.data.replace(/^SUMMARY:(.*)$/m, "SUMMARY:$1 (edited on DAV)") });
    }
    const round = await engine.runOnce();
    expect(round.pairs[0]!.error).toBeNull();
    // What is in Deleted Items is as it was deleted: never edited there.
    expect(deleted().map((i) => i.get("Subject")).sort()).toEqual(["Old to edit", "Series to edit"]);
    // Nothing is left half-done: a later cycle settles and the next one is quiet.
    await engine.runOnce();
    const quiet = await engine.runOnce();
    ok(quiet);
    expect(quiet.pairs[0]!.remote.updated.length + quiet.pairs[0]!.local.updated.length + quiet.pairs[0]!.remote.created.length + quiet.pairs[0]!.local.created.length).toBe(0);
    expect(deleted().map((i) => i.get("Subject")).sort()).toEqual(["Old to edit", "Series to edit"]);
  });
  it("with a calendar PidTagEntryId that differs from its events' PidTagParentEntryId (flag bytes), events inside still read as inside, and a moved one as gone", async () => {
    const { box, exchange, calendar } = await paired("flags", [
      { name: "a.ics", text: vevent("flags-a", { SUMMARY: "Flags A", DTSTART: "20260105T100000Z", DTEND: "20260105T110000Z" }) },
      { name: "b.ics", text: vevent("flags-b", { SUMMARY: "Flags B", DTSTART: "20260106T100000Z", DTEND: "20260106T110000Z" }) },
    ]);
    // Graph may encode a folder's PidTagEntryId otherwise than its items' PidTagParentEntryId: the
    // calendar's 0x0FFF answered with other flag bytes (the first four of an entry id).
    const flagged = (body: unknown): unknown => {
      const walk = (v: unknown): void => {
        if (Array.isArray(v)) return v.forEach(walk);
        if (typeof v !== "object" || v === null) return;
        const o = v as Record<string, unknown>;
        if (o.id === "Binary 0x0FFF" && typeof o.value === "string") {
          const bytes = Buffer.from(o.value, "base64");
          bytes[0] = bytes[0]! ^ 0x01;
          o.value = bytes.toString("base64");
        }
        Object.values(o).forEach(walk);
      };
      walk(body);
      return body;
    };
    sim.rewrite({ match: /./, count: 1000, rewrite: flagged });
    try {
      const side = new GraphSide({ client: graph, name: "graph" });
      const ids = (await side.changes(calendar, null)).changed.map((c) => c.id);
      expect(ids).toHaveLength(2);
      const read = await side.fetch(calendar, ids);
      expect(read.filter((r) => r instanceof SideError)).toEqual([]);
      // The calendar's own id did not match: the reference was learnt from the calendar's listing.
      expect(sim.requests.some((r) => /\/events\?\$top=1&/.test(r.url))).toBe(true);
      box.deleteItem(exchange().find((i) => i.get("Subject") === "Flags A")!.id, "MoveToDeletedItems");
      const again = await side.fetch(calendar, ids);
      const outcome = again.map((r) => (r instanceof SideError ? r.code : (/SUMMARY:(.*)/.exec(r.text)![1]!.trim())));
      expect(outcome.sort()).toEqual(["Flags B", "not-found"]);
    } finally {
      sim.clear();
    }
  });
});
