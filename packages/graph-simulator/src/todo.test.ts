import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkExchanges } from "./csdl.js";
import { startGraphSimulator, type GraphSimulator } from "./index.js";
import { checkTodoEntity, checkTodoExchanges } from "./todo-csdl.js";

const UID_EXTENSION = { "@odata.type": "microsoft.graph.openTypeExtension", extensionName: "ewsdav.uid", uid: "uid-1" };

describe("To Do over the Graph simulator (HTTP)", () => {
  let ews: EwsSimulator;
  let sim: GraphSimulator;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const url = path.startsWith("http") ? path : `${sim.url}${path}`;
    const response = await fetch(url, {
      method, headers: { authorization: "Bearer alice-token", ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as Record<string, any>) : undefined };
  };
  const box = () => ews.mailbox("alice@example.com");
  let defaultList: string;

  beforeAll(async () => {
    ews = await startEwsSimulator({ users: [{ smtpAddress: "alice@example.com", password: "secret" }] });
    sim = await startGraphSimulator({ mailbox: (a) => ews.mailbox(a), tokens: { "alice-token": "alice@example.com" } });
    const lists = await call("GET", "/me/todo/lists");
    defaultList = (lists.json!.value as Array<{ id: string; wellknownListName: string }>).find((l) => l.wellknownListName === "defaultList")!.id;
  });
  afterAll(async () => {
    await sim.stop();
    await ews.stop();
  });
  afterEach(() => {
    // Every entity answered and every body accepted conforms to the CSDL (open extensions as open types);
    // the bodies a test sends to be refused are left out.
    const accepted = sim.requests.filter((r) => r.status < 400);
    sim.clear();
    expect(checkTodoExchanges(accepted)).toEqual([]);
    expect(checkExchanges(accepted)).toEqual([]);
  });

  it("lists the Tasks folders as lists (the default one as defaultList), creates, renames and deletes one", async () => {
    const lists = await call("GET", "/me/todo/lists");
    expect(lists.json!.value[0]).toMatchObject({ displayName: "Tasks", wellknownListName: "defaultList", isOwner: true, isShared: false });
    expect(lists.json!.value[0]["@odata.etag"]).toMatch(/^W\/"/);
    const created = await call("POST", "/me/todo/lists", { displayName: "Groceries" });
    expect([created.status, created.json!.wellknownListName]).toEqual([201, "none"]);
    const id = created.json!.id as string;
    // The list is a task folder the EWS side sees (under Tasks).
    expect(box().listFolders().find((f) => f.displayName === "Groceries")).toMatchObject({ folderClass: "IPF.Task", parentId: box().folder("tasks").id });
    expect((await call("POST", "/me/todo/lists", { displayName: "Groceries" })).status).toBe(409);
    expect((await call("PATCH", `/me/todo/lists/${id}`, { displayName: "Shopping" })).json!.displayName).toBe("Shopping");
    expect((await call("GET", `/me/todo/lists/${id}?$select=displayName`)).json).toMatchObject({ id, displayName: "Shopping" });
    expect((await call("DELETE", `/me/todo/lists/${id}`)).status).toBe(204);
    expect((await call("GET", `/me/todo/lists/${id}`)).status).toBe(404);
    const refused = await call("DELETE", `/me/todo/lists/${defaultList}`);
    expect(refused.status).toBe(400);
  });

  it("creates a task with every property, reads it back ($expand), changes it with If-Match (412 when stale) and deletes it", async () => {
    const created = await call("POST", `/me/todo/lists/${defaultList}/tasks`, {
      title: "Pay rent", body: { content: "<p>by transfer</p>", contentType: "html" }, categories: ["Home"], importance: "high", status: "inProgress",
      dueDateTime: { dateTime: "2026-12-10T00:00:00", timeZone: "W. Europe Standard Time" }, startDateTime: { dateTime: "2026-12-08T00:00:00", timeZone: "UTC" },
      isReminderOn: true, reminderDateTime: { dateTime: "2026-12-09T08:00:00.0000000", timeZone: "Europe/Berlin" },
      recurrence: { pattern: { type: "weekly", interval: 1, daysOfWeek: ["thursday"], firstDayOfWeek: "monday" }, range: { type: "numbered", startDate: "2026-12-10", numberOfOccurrences: 5 } },
      checklistItems: [{ displayName: "Find IBAN" }], linkedResources: [{ applicationName: "ewsdav", displayName: "source", externalId: "x-1" }],
      extensions: [UID_EXTENSION],
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      title: "Pay rent", importance: "high", status: "inProgress", isReminderOn: true, categories: ["Home"], body: { contentType: "html", content: "<p>by transfer</p>" },
      dueDateTime: { dateTime: "2026-12-09T23:00:00.0000000", timeZone: "UTC" }, startDateTime: { dateTime: "2026-12-08T00:00:00.0000000", timeZone: "UTC" },
      reminderDateTime: { dateTime: "2026-12-09T07:00:00.0000000", timeZone: "UTC" },
      recurrence: { pattern: { type: "weekly", interval: 1, daysOfWeek: ["thursday"], firstDayOfWeek: "monday" }, range: { type: "numbered", startDate: "2026-12-10", numberOfOccurrences: 5 } },
      checklistItems: [{ displayName: "Find IBAN", isChecked: false }], linkedResources: [{ applicationName: "ewsdav", externalId: "x-1" }],
      extensions: [{ id: "microsoft.graph.openTypeExtension.ewsdav.uid", extensionName: "ewsdav.uid", uid: "uid-1" }],
    });
    const id = created.json!.id as string;
    // The To Do id is the item's REST id: translateExchangeIds maps the EWS id to it.
    const ewsId = box().items("tasks").find((i) => i.get("Subject") === "Pay rent")!.id;
    const translated = await call("POST", "/me/translateExchangeIds", { inputIds: [ewsId], sourceIdType: "ewsId", targetIdType: "restId" });
    expect(translated.json!.value[0].targetId).toBe(id);
    // Immutable ids are not offered for To Do: the REST id comes back, and no Preference-Applied.
    const immutable = await call("GET", `/me/todo/lists/${defaultList}/tasks/${id}`, undefined, { prefer: 'IdType="ImmutableId"' });
    expect([immutable.json!.id, immutable.headers.get("preference-applied")]).toEqual([id, null]);
    // Prefer: outlook.timezone answers in that zone.
    const zoned = await call("GET", `/me/todo/lists/${defaultList}/tasks/${id}?$select=dueDateTime`, undefined, { prefer: 'outlook.timezone="Pacific Standard Time"' });
    expect(zoned.json!.dueDateTime).toEqual({ dateTime: "2026-12-09T15:00:00.0000000", timeZone: "Pacific Standard Time" });
    expect(zoned.headers.get("preference-applied")).toBe('outlook.timezone="Pacific Standard Time"');
    const plain = await call("GET", `/me/todo/lists/${defaultList}/tasks/${id}`);
    expect(plain.json!.extensions).toBeUndefined();
    const expanded = await call("GET", `/me/todo/lists/${defaultList}/tasks/${id}?$select=title&$expand=extensions($filter=id eq 'microsoft.graph.openTypeExtension.ewsdav.uid'),checklistItems`);
    expect(Object.keys(expanded.json!).sort()).toEqual(["@odata.context", "@odata.etag", "checklistItems", "extensions", "id", "title"]);
    const stale = created.json!["@odata.etag"] as string;
    const changed = await call("PATCH", `/me/todo/lists/${defaultList}/tasks/${id}`, { status: "completed", dueDateTime: null }, { "if-match": stale });
    expect(changed.status).toBe(200);
    expect(changed.json!.status).toBe("completed");
    expect(changed.json!.completedDateTime).toMatchObject({ timeZone: "UTC" });
    expect(changed.json!.dueDateTime).toBeUndefined();
    expect(box().items("tasks").find((i) => i.id === ewsId)!.get("Status")).toBe("Completed");
    const conflict = await call("PATCH", `/me/todo/lists/${defaultList}/tasks/${id}`, { title: "x" }, { "if-match": stale });
    expect([conflict.status, conflict.json!.error.code]).toEqual([412, "ErrorIrresolvableConflict"]);
    expect((await call("DELETE", `/me/todo/lists/${defaultList}/tasks/${id}`, undefined, { "if-match": stale })).status).toBe(412);
    expect((await call("DELETE", `/me/todo/lists/${defaultList}/tasks/${id}`, undefined, { "if-match": changed.json!["@odata.etag"] })).status).toBe(204);
    expect((await call("GET", `/me/todo/lists/${defaultList}/tasks/${id}`)).status).toBe(404);
    // Refused as Graph refuses them: an unknown property, a task without a title, a bad enum.
    expect((await call("POST", `/me/todo/lists/${defaultList}/tasks`, { title: "a", colour: "red" })).status).toBe(400);
    expect((await call("POST", `/me/todo/lists/${defaultList}/tasks`, { importance: "high" })).status).toBe(400);
    expect((await call("POST", `/me/todo/lists/${defaultList}/tasks`, { title: "a", status: "done" })).status).toBe(400);
  });

  it("keeps a task's checklist items, linked resources and open extensions in their own collections", async () => {
    const task = (await call("POST", `/me/todo/lists/${defaultList}/tasks`, { title: "Steps" })).json!;
    const base = `/me/todo/lists/${defaultList}/tasks/${task.id}`;
    const step = await call("POST", `${base}/checklistItems`, { displayName: "one" });
    expect(step.status).toBe(201);
    expect(step.json!.id).toMatch(/^[0-9a-f-]{36}$/);
    const checked = await call("PATCH", `${base}/checklistItems/${step.json!.id}`, { isChecked: true });
    expect(checked.json).toMatchObject({ isChecked: true, displayName: "one" });
    expect(checked.json!.checkedDateTime).toMatch(/Z$/);
    expect((await call("GET", `${base}/checklistItems`)).json!.value).toHaveLength(1);
    expect((await call("DELETE", `${base}/checklistItems/${step.json!.id}`)).status).toBe(204);
    expect((await call("GET", `${base}/checklistItems/${step.json!.id}`)).status).toBe(404);

    const link = await call("POST", `${base}/linkedResources`, { applicationName: "ewsdav", webUrl: "https://example.com/t/1", externalId: "1" });
    expect(link.status).toBe(201);
    expect((await call("PATCH", `${base}/linkedResources/${link.json!.id}`, { displayName: "ticket" })).json!.displayName).toBe("ticket");
    expect((await call("GET", `${base}/linkedResources`)).json!.value).toEqual([{ id: link.json!.id, webUrl: "https://example.com/t/1", applicationName: "ewsdav", displayName: "ticket", externalId: "1" }]);

    const before = (await call("GET", base)).json!["@odata.etag"];
    const ext = await call("POST", `${base}/extensions`, UID_EXTENSION);
    expect([ext.status, ext.json!.id, ext.json!.uid]).toEqual([201, "microsoft.graph.openTypeExtension.ewsdav.uid", "uid-1"]);
    // A change to a task's collections changes the task's etag (a delta round sees it).
    expect((await call("GET", base)).json!["@odata.etag"]).not.toBe(before);
    expect((await call("POST", `${base}/extensions`, UID_EXTENSION)).status).toBe(409);
    expect((await call("PATCH", `${base}/extensions/ewsdav.uid`, { uid: "uid-2" })).json!.uid).toBe("uid-2");
    expect((await call("GET", `${base}/extensions/microsoft.graph.openTypeExtension.ewsdav.uid`)).json!.uid).toBe("uid-2");
    expect((await call("POST", `${base}/extensions`, { extensionName: "no.type" })).status).toBe(400);
    // The extension is not an EWS extended property of the item: EWS does not see it as ewsdav's UID.
    const item = box().items("tasks").find((i) => i.get("Subject") === "Steps")!;
    expect(item.extendedValue("6c1f1b53-7d2e-4a8e-9a43-2f1d5e8b0c71", "ewsdav-uid")).toBeUndefined();
    expect((await call("DELETE", `${base}/extensions/ewsdav.uid`)).status).toBe(204);
    expect((await call("GET", `${base}/extensions`)).json!.value).toEqual([]);
  });

  it("reads a task made over EWS (every field) and writes one EWS reads", async () => {
    const made = box().createItem("tasks", `<Task><Subject>From EWS</Subject><Body BodyType="Text">notes</Body><Categories><String>Work</String></Categories><Importance>Low</Importance>
      <ReminderDueBy>2026-12-20T08:00:00Z</ReminderDueBy><ReminderIsSet>true</ReminderIsSet><CompleteDate>2026-12-21T10:00:00Z</CompleteDate><DueDate>2026-12-20T00:00:00Z</DueDate>
      <PercentComplete>100</PercentComplete><Recurrence><RelativeMonthlyRecurrence><Interval>2</Interval><DaysOfWeek>Weekday</DaysOfWeek><DayOfWeekIndex>Last</DayOfWeekIndex></RelativeMonthlyRecurrence><EndDateRecurrence><StartDate>2026-12-20</StartDate><EndDate>2027-06-30</EndDate></EndDateRecurrence></Recurrence>
      <StartDate>2026-12-19T00:00:00Z</StartDate><Status>Completed</Status></Task>`);
    const all = (await call("GET", `/me/todo/lists/${defaultList}/tasks?$top=100`)).json!.value as Array<Record<string, any>>;
    const seen = all.find((t) => t.title === "From EWS")!;
    expect(seen).toMatchObject({
      body: { content: "notes", contentType: "text" }, categories: ["Work"], importance: "low", status: "completed", isReminderOn: true,
      reminderDateTime: { dateTime: "2026-12-20T08:00:00.0000000", timeZone: "UTC" }, completedDateTime: { dateTime: "2026-12-21T10:00:00.0000000", timeZone: "UTC" },
      dueDateTime: { dateTime: "2026-12-20T00:00:00.0000000", timeZone: "UTC" }, startDateTime: { dateTime: "2026-12-19T00:00:00.0000000", timeZone: "UTC" },
      recurrence: {
        pattern: { type: "relativeMonthly", interval: 2, daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"], index: "last" },
        range: { type: "endDate", startDate: "2026-12-20", endDate: "2027-06-30" },
      },
    });
    expect(seen["@odata.etag"]).toBe(`W/"${made.changeKey}"`);
    // A Graph write is what EWS reads.
    await call("PATCH", `/me/todo/lists/${defaultList}/tasks/${seen.id}`, { title: "Renamed", recurrence: null, importance: "high" });
    const after = box().item(made.id)!;
    expect([after.get("Subject"), after.get("Importance"), after.element("Recurrence")]).toEqual(["Renamed", "High", undefined]);
    // A regeneration pattern has no Graph form: no recurrence.
    box().createItem("tasks", `<Task><Subject>Regen</Subject><Recurrence><DailyRegeneration><Interval>3</Interval></DailyRegeneration><NoEndRecurrence><StartDate>2026-12-01</StartDate></NoEndRecurrence></Recurrence></Task>`);
    const regen = ((await call("GET", `/me/todo/lists/${defaultList}/tasks?$top=100`)).json!.value as Array<Record<string, any>>).find((t) => t.title === "Regen")!;
    expect(regen.recurrence).toBeUndefined();
  });

  it("pages a delta round, carries $select and $expand on its links, reports changes and removals, and answers 410 to a rejected token", async () => {
    const list = (await call("POST", "/me/todo/lists", { displayName: "Delta" })).json!;
    const folderId = box().listFolders().find((f) => f.displayName === "Delta")!.id;
    for (let i = 0; i < 5; i++) await call("POST", `/me/todo/lists/${list.id}/tasks`, { title: `t${i}`, extensions: [{ ...UID_EXTENSION, uid: `u${i}` }] });
    const first = await call("GET", `/me/todo/lists/${list.id}/tasks/delta?$select=title&$expand=extensions`, undefined, { prefer: "odata.maxpagesize=2" });
    expect(first.json!.value).toHaveLength(2);
    expect(Object.keys(first.json!.value[0]).sort()).toEqual(["@odata.etag", "extensions", "id", "title"]);
    let next = first.json!["@odata.nextLink"] as string;
    expect(next).toContain("$skiptoken=");
    const titles = first.json!.value.map((t: { title: string }) => t.title);
    let deltaLink: string | undefined;
    while (next) {
      const page = await call("GET", next, undefined, { prefer: "odata.maxpagesize=2" });
      titles.push(...page.json!.value.map((t: { title: string }) => t.title));
      expect(page.json!.value.every((t: { extensions: unknown[] }) => t.extensions.length === 1)).toBe(true);
      next = page.json!["@odata.nextLink"];
      deltaLink = page.json!["@odata.deltaLink"];
    }
    expect(titles.sort()).toEqual(["t0", "t1", "t2", "t3", "t4"]);
    expect(deltaLink).toContain("$deltatoken=");
    // Nothing changed: an empty round.
    const empty = await call("GET", deltaLink!);
    expect(empty.json!.value).toEqual([]);
    // A change over EWS, a delete over Graph, a move out over EWS.
    const tasks = box().items(folderId);
    box().updateItem(tasks.find((t) => t.get("Subject") === "t1")!.id, "<Task><Subject>t1 changed</Subject></Task>");
    const t2 = (await call("GET", `/me/todo/lists/${list.id}/tasks?$top=100`)).json!.value.find((t: { title: string }) => t.title === "t2");
    await call("DELETE", `/me/todo/lists/${list.id}/tasks/${t2.id}`);
    box().moveItem(tasks.find((t) => t.get("Subject") === "t3")!.id, "tasks");
    const round = await call("GET", empty.json!["@odata.deltaLink"]);
    const rows = round.json!.value as Array<Record<string, any>>;
    expect(rows.filter((r) => !r["@removed"]).map((r) => r.title)).toEqual(["t1 changed"]);
    expect(rows.filter((r) => r["@removed"]).map((r) => r["@removed"].reason)).toEqual(["deleted", "deleted"]);
    expect(rows.find((r) => r["@removed"] && r.id === t2.id)).toBeDefined();
    // A rejected token: 410 syncStateNotFound.
    sim.expireDeltaTokens();
    const gone = await call("GET", round.json!["@odata.deltaLink"]);
    expect([gone.status, gone.json!.error.code]).toEqual([410, "syncStateNotFound"]);
    // The moved task kept its open extension in the other list (under a new id).
    const moved = ((await call("GET", `/me/todo/lists/${defaultList}/tasks?$top=100&$expand=extensions`)).json!.value as Array<Record<string, any>>).find((t) => t.title === "t3")!;
    expect(moved.extensions[0].uid).toBe("u3");
  });

  it("answers a $batch of To Do requests", async () => {
    const response = await fetch(`${sim.url}/$batch`, {
      method: "POST", headers: { authorization: "Bearer alice-token", "content-type": "application/json" },
      body: JSON.stringify({ requests: [
        { id: "1", method: "POST", url: `/me/todo/lists/${defaultList}/tasks`, headers: { "content-type": "application/json" }, body: { title: "batched" } },
        { id: "2", method: "GET", url: `/me/todo/lists/${defaultList}/tasks?$top=1` },
      ] }),
    });
    const answers = (await response.json() as { responses: Array<{ id: string; status: number }> }).responses;
    expect(answers.map((a) => [a.id, a.status])).toEqual([["1", 201], ["2", 200]]);
  });

  it("checks open extensions as open types against the CSDL", () => {
    expect(checkTodoEntity("todoTask", { id: "x", title: "a", extensions: [UID_EXTENSION] })).toEqual([]);
    expect(checkTodoEntity("todoTask", { id: "x", title: "a", colour: "red" })).toHaveLength(1);
    expect(checkTodoEntity("openTypeExtension", { extensionName: "a", nested: { no: 1 } })).toHaveLength(1);
  });
});
