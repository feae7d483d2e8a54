/**
 * The Graph client's To Do against the Graph simulator over real HTTP: lists, tasks CRUD with
 * If-Match, the UID open extension, checklist items and linked resources, delta rounds (a rejected
 * token → a complete listing; a cut page is an error); and one mailbox over both protocols: a task
 * made over EWS (@ewsdav/ews-client against the EWS simulator) read over Graph and the reverse.
 * Every body the client sent and every entity it got is checked against the Graph v1.0 CSDL.
 */
import { basicAuth, EwsClient, isEwsError, type ExtendedFieldUri, type ItemId, type Task } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { checkExchanges, checkTodoExchanges, startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { Agent, type Dispatcher } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ConcurrencyLimiter, GRAPH_TODO_UID_EXTENSION, GraphClient, GraphInputError, GraphPreconditionFailedError, GraphSyncStateNotFoundError, GraphTransportError,
  todoTaskUid, type GraphTodoTask,
} from "./index.js";

/** ewsdav's UID property as the EWS side writes it on tasks (EWSDAV_UID_PROPERTY of @ewsdav/mappers). */
const UID_FIELD: ExtendedFieldUri = { propertySetId: "6c1f1b53-7d2e-4a8e-9a43-2f1d5e8b0c71", propertyName: "ewsdav-uid", propertyType: "String" };

describe("GraphClient: To Do", () => {
  let ews: EwsSimulator;
  let sim: GraphSimulator;
  let graph: GraphClient;
  let ewsClient: EwsClient;
  let defaultList: string;

  beforeAll(async () => {
    ews = await startEwsSimulator();
    sim = await startGraphSimulator({ mailbox: (a) => ews.mailbox(a), tokens: { t: "alice@example.com" } });
    graph = new GraphClient({ baseUrl: sim.url, getToken: async () => "t", baseDelayMs: 1, limiter: new ConcurrencyLimiter(4) });
    ewsClient = new EwsClient({ url: ews.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }) });
    defaultList = (await graph.listTodoLists()).find((l) => l.wellknownListName === "defaultList")!.id;
  });
  afterEach(() => {
    // Every body the client sent that the service took, and every entity it got, conforms to the CSDL.
    const accepted = sim.requests.filter((r) => r.status < 400);
    sim.clear();
    expect(checkTodoExchanges(accepted)).toEqual([]);
    expect(checkExchanges(accepted)).toEqual([]);
  });
  afterAll(async () => {
    await graph.close();
    await sim.stop();
    await ews.stop();
  });

  it("lists: the default list, create, rename, delete", async () => {
    const made = await graph.createTodoList({ displayName: "Errands" });
    expect(made).toMatchObject({ displayName: "Errands", wellknownListName: "none", isOwner: true });
    expect((await graph.updateTodoList(made.id, { displayName: "Chores" })).displayName).toBe("Chores");
    expect((await graph.getTodoList(made.id)).displayName).toBe("Chores");
    expect((await graph.listTodoLists()).map((l) => l.displayName)).toEqual(["Tasks", "Chores"]);
    await graph.deleteTodoList(made.id);
    expect((await graph.listTodoLists()).map((l) => l.displayName)).toEqual(["Tasks"]);
  });

  it("tasks: create with the UID extension, read it back with the UID, update and delete with If-Match", async () => {
    const made = await graph.createTodoTask(defaultList, {
      title: "Renew passport", body: { content: "photos first", contentType: "text" }, importance: "high", categories: ["Admin"],
      dueDateTime: { dateTime: "2026-12-15T00:00:00", timeZone: "UTC" }, isReminderOn: true, reminderDateTime: { dateTime: "2026-12-14T09:00:00", timeZone: "UTC" },
      recurrence: { pattern: { type: "absoluteYearly", interval: 1, month: 12, dayOfMonth: 15 }, range: { type: "noEnd", startDate: "2026-12-15" } },
      checklistItems: [{ displayName: "photos" }, { displayName: "form", isChecked: true }],
    }, { uid: "uid-passport" });
    expect(todoTaskUid(made)).toBe("uid-passport");
    expect(made.checklistItems?.map((c) => [c.displayName, c.isChecked])).toEqual([["photos", false], ["form", true]]);
    await expect(graph.createTodoTask(defaultList, { title: "x", extensions: [{ "@odata.type": "microsoft.graph.openTypeExtension", extensionName: GRAPH_TODO_UID_EXTENSION, uid: "a" }] }, { uid: "b" })).rejects.toBeInstanceOf(GraphInputError);

    const read = await graph.getTodoTask(defaultList, made.id);
    expect(todoTaskUid(read)).toBe("uid-passport");
    expect(read).toMatchObject({ title: "Renew passport", importance: "high", recurrence: { pattern: { type: "absoluteYearly", month: 12, dayOfMonth: 15 } } });
    const zoned = await graph.getTodoTask(defaultList, made.id, { select: ["dueDateTime"], expand: [], timeZone: "Tokyo Standard Time" });
    expect(zoned).toEqual({ "@odata.context": expect.any(String), "@odata.etag": read["@odata.etag"], id: made.id, dueDateTime: { dateTime: "2026-12-15T09:00:00.0000000", timeZone: "Tokyo Standard Time" } });
    const listed = await graph.listTodoTasks(defaultList, { pageSize: 1 });
    expect(listed.find((t) => t.id === made.id)?.extensions?.[0]).toMatchObject({ extensionName: GRAPH_TODO_UID_EXTENSION, uid: "uid-passport" });

    const changed = await graph.updateTodoTask(defaultList, made.id, { status: "completed" }, { ifMatch: read["@odata.etag"]! });
    expect(changed.status).toBe("completed");
    expect(changed.completedDateTime?.timeZone).toBe("UTC");
    await expect(graph.updateTodoTask(defaultList, made.id, { title: "stale" }, { ifMatch: read["@odata.etag"]! })).rejects.toBeInstanceOf(GraphPreconditionFailedError);
    await expect(graph.updateTodoTask(defaultList, made.id, { checklistItems: [] })).rejects.toBeInstanceOf(GraphInputError);
    await expect(graph.deleteTodoTask(defaultList, made.id, { ifMatch: read["@odata.etag"]! })).rejects.toBeInstanceOf(GraphPreconditionFailedError);
    await graph.deleteTodoTask(defaultList, made.id, { ifMatch: changed["@odata.etag"]! });
    expect((await graph.listTodoTasks(defaultList)).map((t) => t.id)).not.toContain(made.id);
  });

  it("the UID set on an existing task (created, then changed), checklist items and linked resources", async () => {
    const task = await graph.createTodoTask(defaultList, { title: "Untagged" });
    expect(todoTaskUid(task)).toBeUndefined();
    await graph.setTodoTaskUid(defaultList, task.id, "uid-a");
    expect(todoTaskUid(await graph.getTodoTask(defaultList, task.id))).toBe("uid-a");
    await graph.setTodoTaskUid(defaultList, task.id, "uid-b");
    expect(todoTaskUid(await graph.getTodoTask(defaultList, task.id))).toBe("uid-b");

    const step = await graph.createChecklistItem(defaultList, task.id, { displayName: "step 1" });
    expect((await graph.updateChecklistItem(defaultList, task.id, step.id, { isChecked: true })).isChecked).toBe(true);
    expect((await graph.listChecklistItems(defaultList, task.id)).map((c) => c.displayName)).toEqual(["step 1"]);
    await graph.deleteChecklistItem(defaultList, task.id, step.id);
    expect(await graph.listChecklistItems(defaultList, task.id)).toEqual([]);

    const link = await graph.createLinkedResource(defaultList, task.id, { applicationName: "ewsdav", displayName: "origin", externalId: "42", webUrl: "https://example.com/42" });
    expect((await graph.listLinkedResources(defaultList, task.id)).map((l) => l.externalId)).toEqual(["42"]);
    await graph.deleteLinkedResource(defaultList, task.id, link.id);
    expect(await graph.listLinkedResources(defaultList, task.id)).toEqual([]);
  });

  it("never asks for immutable ids on To Do requests: the ids are REST ids, the ones translateExchangeIds(ewsId → restId) gives", async () => {
    const prefers: string[] = [];
    class Recording extends Agent {
      override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        const h = options.headers;
        const entries: Array<[string, unknown]> = Array.isArray(h) ? h.reduce<Array<[string, unknown]>>((out, v, i, all) => (i % 2 ? out : [...out, [String(v), all[i + 1]]]), []) : Object.entries(h ?? {});
        for (const [k, v] of entries) if (k.toLowerCase() === "prefer") prefers.push(String(v));
        return super.dispatch(options, handler);
      }
    }
    const dispatcher = new Recording();
    const client = new GraphClient({ baseUrl: sim.url, getToken: async () => "t", limiter: new ConcurrencyLimiter(4), dispatcher }); // immutableIds: default true
    try {
      const made = await client.createTodoTask(defaultList, { title: "ids" }, { uid: "uid-ids" });
      await client.getTodoTask(defaultList, made.id, { timeZone: "Tokyo Standard Time" });
      await client.todoTasksDelta(defaultList, undefined, { pageSize: 50 });
      await client.deleteTodoTask(defaultList, made.id, { ifMatch: made["@odata.etag"]! });
      expect(prefers.length).toBe(4);
      expect(prefers.every((p) => !/IdType/i.test(p))).toBe(true);
      expect(prefers).toContain('outlook.timezone="Tokyo Standard Time"');
      expect(prefers).toContain('outlook.timezone="UTC", odata.maxpagesize=50');
      // Contacts still ask for immutable ids.
      await client.listContacts();
      expect(prefers[prefers.length - 1]).toBe('IdType="ImmutableId"');
    } finally {
      await client.close();
      await dispatcher.close();
    }
  });

  it("delta: rounds with the delta link as the cursor, removals, a rejected token → a complete listing, a cut page is an error", async () => {
    const list = await graph.createTodoList({ displayName: "Sync" });
    const made: GraphTodoTask[] = [];
    for (let i = 0; i < 5; i++) made.push(await graph.createTodoTask(list.id, { title: `s${i}` }, { uid: `uid-s${i}` }));
    sim.clear();
    const first = await graph.todoTasksDelta(list.id, undefined, { pageSize: 2 });
    expect(first.changed.map((t) => [t.title, todoTaskUid(t)]).sort()).toEqual(made.map((_, i) => [`s${i}`, `uid-s${i}`]));
    expect(first.removed).toEqual([]);
    expect(sim.requests.filter((r) => r.url.includes("/delta")).length).toBe(3); // three pages of two
    await graph.updateTodoTask(list.id, made[0]!.id, { title: "s0 changed" });
    await graph.deleteTodoTask(list.id, made[1]!.id);
    const second = await graph.todoTasksDelta(list.id, first.cursor);
    expect(second.changed.map((t) => [t.title, todoTaskUid(t)])).toEqual([["s0 changed", "uid-s0"]]);
    expect(second.removed).toEqual([made[1]!.id]);

    sim.expireDeltaTokens();
    await expect(graph.todoTasksDelta(list.id, second.cursor)).rejects.toBeInstanceOf(GraphSyncStateNotFoundError);
    const full = await graph.todoTasksDelta(list.id, undefined);
    expect(full.changed.map((t) => t.title).sort()).toEqual(["s0 changed", "s2", "s3", "s4"]);

    // A page with neither a next link nor a delta link is a cut answer, never a complete round.
    sim.rewrite({ match: /\/tasks\/delta/, rewrite: (body) => ({ ...(body as object), "@odata.deltaLink": undefined, "@odata.nextLink": undefined }) });
    await expect(graph.todoTasksDelta(list.id, full.cursor)).rejects.toMatchObject({ kind: "MALFORMED_RESPONSE" });
    sim.rewrite({ match: /\/tasks\/delta/, rewrite: () => '{"value":[{"id":"x"' });
    await expect(graph.todoTasksDelta(list.id, full.cursor)).rejects.toBeInstanceOf(GraphTransportError);
  });

  it("one mailbox over both protocols: a task made over EWS reads over Graph, one made over Graph reads over EWS", async () => {
    const [created] = await ewsClient.createItem([{
      type: "Task",
      item: {
        subject: "File taxes", body: { bodyType: "Text", value: "before April" }, importance: "Low", categories: ["Money"], dueDate: "2027-04-15T00:00:00Z",
        startDate: "2027-03-01T00:00:00Z", status: "InProgress", percentComplete: 50, reminderIsSet: true, reminderDueBy: "2027-04-14T08:00:00Z",
        extendedProperties: [{ fieldUri: UID_FIELD, value: "uid-from-ews" }],
      },
    }], { savedItemFolder: { distinguishedId: "tasks" } });
    if (!created || isEwsError(created)) throw new Error("CreateItem failed");
    const ewsId = (created as ItemId).id;
    // The To Do id is the item's REST id: translateExchangeIds (ewsId → restId) gives it.
    const [translated] = await graph.translateExchangeIds([ewsId], "ewsId", "restId");
    const task = await graph.getTodoTask(defaultList, translated!.targetId!);
    expect(task).toMatchObject({
      title: "File taxes", body: { content: "before April", contentType: "text" }, importance: "low", categories: ["Money"], status: "inProgress", isReminderOn: true,
      dueDateTime: { dateTime: "2027-04-15T00:00:00.0000000", timeZone: "UTC" }, startDateTime: { dateTime: "2027-03-01T00:00:00.0000000", timeZone: "UTC" },
      reminderDateTime: { dateTime: "2027-04-14T08:00:00.0000000", timeZone: "UTC" },
    });
    // The EWS UID property does not show over Graph (a todoTask has no extended properties): the task is untagged there …
    expect(todoTaskUid(task)).toBeUndefined();
    expect(task["@odata.etag"]).toBe(`W/"${(created as ItemId).changeKey}"`);
    // … until the Graph side writes its extension, which EWS in turn does not show as its UID property.
    await graph.setTodoTaskUid(defaultList, task.id, "uid-from-ews");
    const readOverEws = async (id: string): Promise<Task> => {
      const [result] = await ewsClient.getItem([{ id }], { shape: { baseShape: "AllProperties", additionalProperties: [{ extended: UID_FIELD }] } });
      if (!result || isEwsError(result) || result.type !== "Task") throw new Error("not a task");
      return result.item as Task;
    };
    const [current] = await graph.translateExchangeIds([task.id], "restId", "ewsId");
    const seen = await readOverEws(current!.targetId!);
    expect(seen.extendedProperties?.find((p) => p.fieldUri.propertyName === "ewsdav-uid")?.value).toBe("uid-from-ews");

    // The reverse: a task made over Graph (with its UID extension) reads over EWS with its fields.
    const made = await graph.createTodoTask(defaultList, {
      title: "Call plumber", body: { content: "<b>leak</b>", contentType: "html" }, importance: "high", status: "waitingOnOthers",
      dueDateTime: { dateTime: "2027-01-05T00:00:00", timeZone: "Romance Standard Time" },
      recurrence: { pattern: { type: "daily", interval: 3 }, range: { type: "numbered", startDate: "2027-01-05", numberOfOccurrences: 4 } },
    }, { uid: "uid-from-graph" });
    const [asEws] = await graph.translateExchangeIds([made.id], "restId", "ewsId");
    const overEws = await readOverEws(asEws!.targetId!);
    expect(overEws).toMatchObject({ subject: "Call plumber", body: { bodyType: "HTML", value: "<b>leak</b>" }, importance: "High", status: "WaitingOnOthers" });
    expect(Date.parse(overEws.dueDate!)).toBe(Date.parse("2027-01-04T23:00:00Z"));
    expect(overEws.recurrence).toMatchObject({ pattern: { kind: "DailyRecurrence", interval: 3 }, range: { kind: "NumberedRecurrence", numberOfOccurrences: 4 } });
    // The Graph extension is not ewsdav's EWS UID property.
    expect(overEws.extendedProperties?.find((p) => p.fieldUri.propertyName === "ewsdav-uid")).toBeUndefined();
    // A change over EWS is a change in the Graph delta, the extension kept.
    const round = await graph.todoTasksDelta(defaultList, undefined);
    const [updated] = await ewsClient.updateItem([{ target: overEws.itemId!, before: { type: "Task", item: overEws }, after: { type: "Task", item: { ...overEws, subject: "Call the plumber" } } }]);
    if (!updated || isEwsError(updated)) throw new Error("UpdateItem failed");
    const next = await graph.todoTasksDelta(defaultList, round.cursor);
    expect(next.changed.map((t) => [t.title, todoTaskUid(t)])).toEqual([["Call the plumber", "uid-from-graph"]]);
  });
});
