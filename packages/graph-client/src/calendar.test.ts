/**
 * Calendars and events over real HTTP: the Graph client against the Graph simulator, on a mailbox
 * the EWS simulator serves too. A weekly series with one exception and one cancelled occurrence made
 * over EWS (with @ewsdav/ews-client) is read over Graph with the same UID and the same exception and
 * cancellation, and the reverse; calendarView delta rounds (masters read in batches of at most 20,
 * a cut page an error, 410 then a full listing); every calendar and event body checked against the
 * CSDL.
 */
import { basicAuth, EwsClient, isEwsError, type CalendarItem, type ExtendedFieldUri, type ItemId } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { checkCalendarExchanges, startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConcurrencyLimiter, GraphClient, GraphPreconditionFailedError, GraphSyncStateNotFoundError, GraphTransportError, type GraphEvent } from "./index.js";

const UID_FIELD: ExtendedFieldUri = { propertySetId: "6c1f1b53-7d2e-4a8e-9a43-2f1d5e8b0c71", propertyName: "ewsdav-uid", propertyType: "String" };
const UID_GRAPH = "String {6c1f1b53-7d2e-4a8e-9a43-2f1d5e8b0c71} Name ewsdav-uid";
const WINDOW = { start: "2027-04-01T00:00:00Z", end: "2027-06-01T00:00:00Z" };
const at = (day: string, hour: number, timeZone = "UTC") => ({ dateTime: `${day}T${String(hour).padStart(2, "0")}:00:00`, timeZone });

describe("GraphClient: calendars and events", () => {
  let ews: EwsSimulator;
  let sim: GraphSimulator;
  let ewsClient: EwsClient;
  let graph: GraphClient;
  const logged: Array<GraphSimulator["requests"][number]> = [];

  beforeAll(async () => {
    ews = await startEwsSimulator();
    sim = await startGraphSimulator({ mailbox: (a) => ews.mailbox(a), tokens: { t: "alice@example.com" } });
    ewsClient = new EwsClient({ url: ews.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }) });
    graph = new GraphClient({ baseUrl: sim.url, getToken: async () => "t", baseDelayMs: 1, limiter: new ConcurrencyLimiter(4) });
  });
  beforeEach(() => {
    logged.push(...sim.requests);
    sim.clear();
  });
  afterAll(async () => {
    logged.push(...sim.requests);
    // Every calendar and event the client sent or got conforms to the CSDL.
    expect(checkCalendarExchanges(logged)).toEqual([]);
    await graph.close();
    await sim.stop();
    await ews.stop();
  });

  const readOverEws = async (id: string) => {
    const [result] = await ewsClient.getItem([{ id }], { shape: { baseShape: "AllProperties", additionalProperties: [{ extended: UID_FIELD }] } });
    if (!result || isEwsError(result) || result.type !== "CalendarItem") throw new Error(`not a calendar item: ${String(result)}`);
    return result.item as CalendarItem;
  };

  it("calendars: list, get (the default without an id), create, delete", async () => {
    const made = await graph.createCalendar({ name: "Projects", color: "lightGreen" });
    expect((await graph.listCalendars()).map((c) => [c.name, c.isDefaultCalendar])).toEqual([["Calendar", true], ["Projects", false]]);
    expect((await graph.getCalendar()).isDefaultCalendar).toBe(true);
    expect((await graph.getCalendar(made.id)).color).toBe("lightGreen");
    await graph.deleteCalendar(made.id);
    expect((await graph.listCalendars()).map((c) => c.name)).toEqual(["Calendar"]);
  });

  it("events: create, read in a zone and as text, update and delete with If-Match, list", async () => {
    const made = await graph.createEvent({
      subject: "Lunch", body: { contentType: "html", content: "<b>Bring</b> cake" }, start: at("2027-04-06", 12, "W. Europe Standard Time"),
      end: at("2027-04-06", 13, "W. Europe Standard Time"), attendees: [{ type: "required", emailAddress: { address: "bob@example.com", name: "Bob" } }],
      singleValueExtendedProperties: [{ id: UID_GRAPH, value: "uid-lunch" }],
    });
    expect(made.start).toEqual({ dateTime: "2027-04-06T10:00:00.0000000", timeZone: "UTC" });
    const read = await graph.getEvent(made.id, { timeZone: "Pacific Standard Time", bodyType: "text", extendedProperties: [UID_GRAPH] });
    expect(read).toMatchObject({
      start: { dateTime: "2027-04-06T03:00:00.0000000", timeZone: "Pacific Standard Time" }, body: { contentType: "text", content: "Bring cake" },
      singleValueExtendedProperties: [{ id: UID_GRAPH, value: "uid-lunch" }],
    });
    const updated = await graph.updateEvent(made.id, { subject: "Long lunch", end: at("2027-04-06", 14, "W. Europe Standard Time") }, { ifMatch: made["@odata.etag"]! });
    expect(updated.subject).toBe("Long lunch");
    await expect(graph.updateEvent(made.id, { subject: "x" }, { ifMatch: made["@odata.etag"]! })).rejects.toBeInstanceOf(GraphPreconditionFailedError);
    expect((await graph.listEvents(undefined, { select: ["subject"] })).map((e) => e.subject)).toContain("Long lunch");
    await expect(graph.deleteEvent(made.id, { ifMatch: made["@odata.etag"]! })).rejects.toBeInstanceOf(GraphPreconditionFailedError);
    await graph.deleteEvent(made.id, { ifMatch: updated["@odata.etag"]! });
    expect((await graph.listEvents(undefined, { select: ["subject"] })).map((e) => e.subject)).not.toContain("Long lunch");
  });

  it("a weekly series with an exception and a cancelled occurrence made over EWS is read over Graph with the same UID, exception and cancellation", async () => {
    const [made] = await ewsClient.createItem([{
      type: "CalendarItem",
      item: {
        subject: "Weekly sync", uid: "weekly-sync-1@example.com", start: "2027-04-05T09:00:00Z", end: "2027-04-05T09:30:00Z", startTimeZone: { id: "UTC" },
        recurrence: { pattern: { kind: "WeeklyRecurrence", interval: 1, daysOfWeek: ["Monday"] }, range: { kind: "NumberedRecurrence", startDate: "2027-04-05", numberOfOccurrences: 5 } },
        extendedProperties: [{ fieldUri: UID_FIELD, value: "weekly-sync-1@example.com" }],
      },
    }], { savedItemFolder: { distinguishedId: "calendar" }, sendMeetingInvitations: "SendToNone" });
    if (!made || isEwsError(made)) throw new Error("CreateItem failed");
    const master = made as ItemId;
    const [moved] = await ewsClient.updateItem([{
      target: { recurringMasterId: master.id, instanceIndex: 2, ...(master.changeKey ? { changeKey: master.changeKey } : {}) },
      before: { type: "CalendarItem", item: { subject: "Weekly sync", start: "2027-04-12T09:00:00Z", end: "2027-04-12T09:30:00Z" } },
      after: { type: "CalendarItem", item: { subject: "Weekly sync (moved)", start: "2027-04-13T15:00:00Z", end: "2027-04-13T15:30:00Z" } },
    }], { sendMeetingInvitationsOrCancellations: "SendToNone" });
    if (!moved || isEwsError(moved)) throw new Error(`UpdateItem failed: ${JSON.stringify(moved)}`);
    const [deleted] = await ewsClient.deleteItem([{ recurringMasterId: master.id, instanceIndex: 4 }], { sendMeetingCancellations: "SendToNone" });
    if (deleted && isEwsError(deleted)) throw new Error("DeleteItem failed");

    const round = await graph.calendarViewDelta(undefined, WINDOW, undefined, { extendedProperties: [UID_GRAPH] });
    const instances = round.changed.filter((e) => e.subject?.startsWith("Weekly sync"));
    expect(instances.map((e) => [e.type, e.start?.dateTime])).toEqual([
      ["occurrence", "2027-04-05T09:00:00.0000000"], ["exception", "2027-04-13T15:00:00.0000000"], ["occurrence", "2027-04-19T09:00:00.0000000"],
      ["occurrence", "2027-05-03T09:00:00.0000000"],
    ]);
    expect(round.masters).toHaveLength(1);
    const series = round.masters[0]!;
    expect(series).toMatchObject({
      type: "seriesMaster", iCalUId: "weekly-sync-1@example.com", singleValueExtendedProperties: [{ id: UID_GRAPH, value: "weekly-sync-1@example.com" }],
      recurrence: { pattern: { type: "weekly", daysOfWeek: ["monday"] }, range: { type: "numbered", numberOfOccurrences: 5, startDate: "2027-04-05" } },
      cancelledOccurrences: [`OID.${series.id}.2027-04-26`],
    });
    expect(series.exceptionOccurrences?.map((e) => [e.subject, e.originalStart, e.start?.dateTime])).toEqual([
      ["Weekly sync (moved)", "2027-04-12T09:00:00Z", "2027-04-13T15:00:00.0000000"],
    ]);
    expect(new Set(instances.map((e) => e.seriesMasterId))).toEqual(new Set([series.id]));
    // The instances named by the master are the ones the view gave.
    const listed = await graph.listInstances(series.id, WINDOW);
    expect(listed.map((e) => e.id)).toEqual(instances.map((e) => e.id));
  });

  it("a weekly series with an exception and a cancelled occurrence made over Graph is read over EWS with the same UID, exception and cancellation", async () => {
    const master = await graph.createEvent({
      subject: "Review", start: at("2027-04-07", 14, "W. Europe Standard Time"), end: at("2027-04-07", 15, "W. Europe Standard Time"),
      recurrence: { pattern: { type: "weekly", interval: 1, daysOfWeek: ["wednesday"], firstDayOfWeek: "monday" }, range: { type: "endDate", startDate: "2027-04-07", endDate: "2027-05-05" } },
      singleValueExtendedProperties: [{ id: UID_GRAPH, value: "review-uid@example.com" }],
    });
    const instances = await graph.listInstances(master.id, WINDOW);
    expect(instances).toHaveLength(5);
    await graph.updateEvent(instances[1]!.id, { subject: "Review (short)", end: { dateTime: "2027-04-14T14:30:00", timeZone: "W. Europe Standard Time" } });
    await graph.cancelEvent(instances[3]!.id, "holiday");
    const [asEws] = await graph.translateExchangeIds([master.id], "restImmutableEntryId", "ewsId");
    const item = await readOverEws(asEws!.targetId!);
    expect(item.uid).toBe(master.iCalUId);
    expect(item.extendedProperties?.find((p) => p.fieldUri.propertyName === "ewsdav-uid")?.value).toBe("review-uid@example.com");
    expect(item.recurrence).toMatchObject({ pattern: { kind: "WeeklyRecurrence", daysOfWeek: ["Wednesday"] }, range: { kind: "EndDateRecurrence" } });
    expect(item.modifiedOccurrences?.map((o) => o.originalStart)).toEqual(["2027-04-14T12:00:00Z"]);
    expect(item.deletedOccurrences?.map((o) => o.start)).toEqual(["2027-04-28T12:00:00Z"]);
    expect(item.startTimeZone?.id).toBe("W. Europe Standard Time");
  });

  it("calendarView delta: rounds of changes and removals, masters in batches of at most 20, a cut page is an error, 410 then a full listing", async () => {
    const cal = await graph.createCalendar({ name: "Many" });
    for (let i = 0; i < 25; i++) {
      await graph.createEvent({
        subject: `Series ${i}`, start: at("2027-04-05", 8), end: at("2027-04-05", 9),
        recurrence: { pattern: { type: "daily", interval: 1 }, range: { type: "numbered", startDate: "2027-04-05", numberOfOccurrences: 2 } },
      }, cal.id);
    }
    const single = await graph.createEvent({ subject: "Single", start: at("2027-04-10", 8), end: at("2027-04-10", 9) }, cal.id);
    sim.clear();
    // One master read throttled inside its batch: read again on its own.
    sim.throttle({ match: /^GET \/me\/events\//, inBatch: true, count: 1, retryAfterSeconds: 0 });
    const first = await graph.calendarViewDelta(cal.id, WINDOW, undefined, { pageSize: 20 });
    expect(first.changed).toHaveLength(51);
    expect(first.masters).toHaveLength(25);
    expect(first.masters.every((m) => m.type === "seriesMaster" && Array.isArray(m.cancelledOccurrences))).toBe(true);
    const batches = sim.requests.filter((r) => r.url === "/$batch");
    expect(batches).toHaveLength(2);
    expect(sim.requests.filter((r) => r.inBatch).length).toBe(25);
    expect(sim.requests.filter((r) => !r.inBatch && r.url.startsWith("/me/events/")).map((r) => r.status)).toEqual([200]);
    expect(sim.requests.filter((r) => !r.inBatch && r.url.includes("calendarView")).length).toBe(3);
    // A change, a cancellation and a deletion.
    const occurrence = first.changed.find((e) => e.subject === "Series 3" && e.type === "occurrence")!;
    await graph.deleteEvent(occurrence.id);
    await graph.updateEvent(single.id, { subject: "Single (renamed)" });
    const seriesFour = first.masters.find((m) => m.subject === "Series 4")!;
    await graph.deleteEvent(seriesFour.id);
    const second = await graph.calendarViewDelta(cal.id, WINDOW, first.cursor);
    expect(second.removed.sort()).toEqual([occurrence.id, ...first.changed.filter((e) => e.seriesMasterId === seriesFour.id).map((e) => e.id)].sort());
    expect(second.changed.map((e) => e.subject).sort()).toEqual(["Series 3", "Single (renamed)"]);
    expect(second.masters.map((m: GraphEvent) => [m.subject, m.cancelledOccurrences?.length])).toEqual([["Series 3", 1]]);
    // A page cut short (neither link) is an error, never a complete round.
    sim.rewrite({ match: /calendarView/, rewrite: (body) => ({ ...(body as object), "@odata.deltaLink": undefined }) });
    const cut = await graph.calendarViewDelta(cal.id, WINDOW, second.cursor).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(GraphTransportError);
    // A rejected token: 410, then the caller lists the window again from scratch.
    sim.expireDeltaTokens();
    await expect(graph.calendarViewDelta(cal.id, WINDOW, second.cursor)).rejects.toBeInstanceOf(GraphSyncStateNotFoundError);
    const full = await graph.calendarViewDelta(cal.id, WINDOW, undefined);
    expect(full.changed).toHaveLength(51 - 1 - 2);
    expect(full.removed).toEqual([]);
  });
});
