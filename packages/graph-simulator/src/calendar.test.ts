import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calendarTypeOfPath, checkCalendarExchanges } from "./calendar-csdl.js";
import { startGraphSimulator, type GraphSimulator } from "./index.js";

const UID = "String {6c1f1b53-7d2e-4a8e-9a43-2f1d5e8b0c71} Name ewsdav-uid";
const WEEKLY = {
  pattern: { type: "weekly", interval: 1, daysOfWeek: ["monday"], firstDayOfWeek: "sunday" },
  range: { type: "numbered", startDate: "2027-01-04", numberOfOccurrences: 6 },
};

describe("Graph simulator: calendars and events", () => {
  let ews: EwsSimulator;
  let sim: GraphSimulator;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(path.startsWith("http") ? path : `${sim.url}${path}`, {
      method, headers: { authorization: "Bearer t", ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as Record<string, any>) : undefined };
  };
  const rowsOf = async (first: string, headers: Record<string, string> = {}) => {
    const rows: Array<Record<string, any>> = [];
    let pages = 0;
    for (let url: string = first; ;) {
      const page = await call("GET", url, undefined, headers);
      expect(page.status).toBe(200);
      rows.push(...page.json!.value);
      pages++;
      if (page.json!["@odata.nextLink"]) url = page.json!["@odata.nextLink"] as string;
      else return { rows, pages, deltaLink: page.json!["@odata.deltaLink"] as string };
    }
  };

  beforeAll(async () => {
    ews = await startEwsSimulator();
    sim = await startGraphSimulator({ mailbox: (a) => ews.mailbox(a), tokens: { t: "alice@example.com" } });
  });
  afterAll(async () => {
    // Every calendar and event answered, and every body sent, conforms to the CSDL.
    // (Bodies the simulator refused with a 400 were sent wrong on purpose.)
    expect(checkCalendarExchanges(sim.requests.filter((r) => r.status !== 400))).toEqual([]);
    await sim.stop();
    await ews.stop();
  });

  it("lists, creates, reads, changes and deletes calendars; /calendar is the default one", async () => {
    const listed = await call("GET", "/me/calendars");
    expect(listed.json!.value[0]).toMatchObject({ name: "Calendar", isDefaultCalendar: true, isRemovable: false, owner: { address: "alice@example.com" } });
    const made = await call("POST", "/me/calendars", { name: "Team", color: "lightBlue" });
    expect([made.status, made.json!.name, made.json!.color, made.json!.isDefaultCalendar]).toEqual([201, "Team", "lightBlue", false]);
    expect((await call("POST", "/me/calendars", { name: "Team" })).status).toBe(409);
    expect((await call("GET", `/me/calendars/${made.json!.id}`)).json!.name).toBe("Team");
    expect((await call("PATCH", `/me/calendars/${made.json!.id}`, { color: "lightRed" })).json!.color).toBe("lightRed");
    expect((await call("GET", "/me/calendar")).json).toMatchObject({ name: "Calendar", isDefaultCalendar: true });
    expect((await call("GET", "/me/calendar?$select=name")).json).toEqual(expect.objectContaining({ id: listed.json!.value[0].id, name: "Calendar" }));
    expect((await call("DELETE", `/me/calendars/${listed.json!.value[0].id}`)).status).toBe(403);
    expect((await call("DELETE", `/me/calendars/${made.json!.id}`)).status).toBe(204);
    expect((await call("GET", `/me/calendars/${made.json!.id}`)).status).toBe(404);
  });

  it("creates, reads ($select, $expand, time zone and body type preferences), changes with If-Match and deletes an event", async () => {
    const created = await call("POST", "/me/events", {
      subject: "Review", body: { contentType: "html", content: "<p>Agenda &amp; notes</p>" },
      start: { dateTime: "2027-01-05T09:00:00", timeZone: "Pacific Standard Time" }, end: { dateTime: "2027-01-05T10:00:00", timeZone: "Pacific Standard Time" },
      location: { displayName: "Room 1" }, attendees: [{ type: "required", emailAddress: { name: "Bob", address: "bob@example.com" } }, { type: "optional", emailAddress: { address: "cy@example.com" } }],
      categories: ["Work"], importance: "high", sensitivity: "private", showAs: "tentative", isReminderOn: true, reminderMinutesBeforeStart: 30,
      singleValueExtendedProperties: [{ id: UID, value: "uid-ev-1" }], transactionId: "tx-1",
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      subject: "Review", type: "singleInstance", seriesMasterId: null, originalStartTimeZone: "Pacific Standard Time",
      start: { dateTime: "2027-01-05T17:00:00.0000000", timeZone: "UTC" }, end: { dateTime: "2027-01-05T18:00:00.0000000", timeZone: "UTC" },
      location: { displayName: "Room 1" }, locations: [{ displayName: "Room 1" }], categories: ["Work"], importance: "high", sensitivity: "private",
      showAs: "tentative", reminderMinutesBeforeStart: 30, transactionId: "tx-1", bodyPreview: "Agenda & notes", isOrganizer: true,
      organizer: { emailAddress: { address: "alice@example.com" } }, responseStatus: { response: "organizer" },
      attendees: [
        { type: "required", status: { response: "none" }, emailAddress: { name: "Bob", address: "bob@example.com" } },
        { type: "optional", emailAddress: { name: "cy@example.com", address: "cy@example.com" } },
      ],
    });
    expect(created.json!.iCalUId).toMatch(/^040000008200E00074C5B7101A82E008/);
    const id = created.json!.id as string;
    // The same record over EWS.
    const box = ews.mailbox("alice@example.com");
    expect(box.items("calendar").map((i) => i.get("Subject"))).toContain("Review");
    const zoned = await call("GET", `/me/events/${id}?$select=subject,start,body&$expand=singleValueExtendedProperties($filter=id eq '${UID}')`, undefined, {
      prefer: 'outlook.timezone="W. Europe Standard Time", outlook.body-content-type="text"',
    });
    expect(zoned.headers.get("preference-applied")).toContain('outlook.timezone="W. Europe Standard Time"');
    expect(Object.keys(zoned.json!).sort()).toEqual(["@odata.context", "@odata.etag", "body", "id", "singleValueExtendedProperties", "start", "subject"]);
    expect(zoned.json).toMatchObject({
      start: { dateTime: "2027-01-05T18:00:00.0000000", timeZone: "W. Europe Standard Time" }, body: { contentType: "text", content: "Agenda & notes" },
      singleValueExtendedProperties: [{ id: UID, value: "uid-ev-1" }],
    });
    const stale = created.json!["@odata.etag"] as string;
    const changed = await call("PATCH", `/me/events/${id}`, { subject: "Review 2", location: null }, { "if-match": stale });
    expect([changed.status, changed.json!.subject, changed.json!.location.displayName]).toEqual([200, "Review 2", ""]);
    expect((await call("PATCH", `/me/events/${id}`, { subject: "x" }, { "if-match": stale })).json!.error.code).toBe("ErrorIrresolvableConflict");
    expect((await call("PATCH", `/me/events/${id}`, { nickname: "x" })).json!.error.code).toBe("RequestBodyRead");
    expect((await call("PATCH", `/me/events/${id}`, { start: { dateTime: "2027-01-05T09:00:00", timeZone: "Nowhere/Else" } })).status).toBe(400);
    expect((await call("DELETE", `/me/events/${id}`, undefined, { "if-match": stale })).status).toBe(412);
    expect((await call("DELETE", `/me/events/${id}`, undefined, { "if-match": changed.json!["@odata.etag"] })).status).toBe(204);
    expect((await call("GET", "/me/events?$select=subject")).json!.value.map((e: { subject: string }) => e.subject)).not.toContain("Review 2");
  });

  it("a weekly series: instances, an occurrence changed (an exception) and one cancelled, seen on the master and over EWS", async () => {
    const master = (await call("POST", "/me/events", {
      subject: "Standup", start: { dateTime: "2027-01-04T09:00:00", timeZone: "W. Europe Standard Time" },
      end: { dateTime: "2027-01-04T09:15:00", timeZone: "W. Europe Standard Time" }, recurrence: WEEKLY,
    })).json!;
    expect(master.type).toBe("seriesMaster");
    expect(master.recurrence).toEqual({
      pattern: { type: "weekly", interval: 1, month: 0, dayOfMonth: 0, daysOfWeek: ["monday"], firstDayOfWeek: "sunday", index: "first" },
      range: { type: "numbered", startDate: "2027-01-04", endDate: "0001-01-01", recurrenceTimeZone: "W. Europe Standard Time", numberOfOccurrences: 6 },
    });
    const window = "startDateTime=2027-01-01T00:00:00Z&endDateTime=2027-03-01T00:00:00Z";
    const instances = (await call("GET", `/me/events/${master.id}/instances?${window}&$top=50`)).json!.value as Array<Record<string, any>>;
    expect(instances.map((i) => [i.type, i.start.dateTime, i.seriesMasterId, i.originalStart])).toEqual([0, 1, 2, 3, 4, 5].map((w) => {
      const day = new Date(Date.UTC(2027, 0, 4 + 7 * w, 8)).toISOString();
      return ["occurrence", `${day.slice(0, 19)}.0000000`, master.id, day.replace(/\.000Z$/, "Z")];
    }));
    expect(instances[1]!.iCalUId).not.toBe(master.iCalUId);
    expect((await call("GET", `/me/events/${master.id}/instances`)).json!.error.code).toBe("ErrorInvalidParameter");
    // Occurrence 2 moves an hour later: an exception; occurrence 3 is cancelled.
    const moved = await call("PATCH", `/me/events/${instances[1]!.id}`, {
      subject: "Standup (late)", start: { dateTime: "2027-01-11T10:00:00", timeZone: "W. Europe Standard Time" }, end: { dateTime: "2027-01-11T10:15:00", timeZone: "W. Europe Standard Time" },
    });
    expect(moved.json).toMatchObject({ type: "exception", subject: "Standup (late)", id: instances[1]!.id, seriesMasterId: master.id });
    expect((await call("PATCH", `/me/events/${instances[1]!.id}`, { recurrence: WEEKLY })).json!.error.code).toBe("ErrorInvalidPropertyForOperation");
    expect((await call("DELETE", `/me/events/${instances[2]!.id}`)).status).toBe(204);
    expect((await call("POST", `/me/events/${instances[3]!.id}/cancel`, { Comment: "holiday" })).status).toBe(202);
    const after = (await call("GET", `/me/events/${master.id}/instances?${window}`)).json!.value as Array<Record<string, any>>;
    expect(after.map((i) => [i.type, i.subject])).toEqual([
      ["occurrence", "Standup"], ["exception", "Standup (late)"], ["occurrence", "Standup"], ["occurrence", "Standup"],
    ]);
    const read = (await call("GET", `/me/events/${master.id}?$select=subject,cancelledOccurrences,exceptionOccurrences&$expand=exceptionOccurrences`)).json!;
    expect(read.cancelledOccurrences).toEqual([`OID.${master.id}.2027-01-18`, `OID.${master.id}.2027-01-25`]);
    expect(read.exceptionOccurrences.map((e: Record<string, any>) => [e.type, e.subject, e.start.dateTime, e.originalStart])).toEqual([
      ["exception", "Standup (late)", "2027-01-11T09:00:00.0000000", "2027-01-11T08:00:00Z"],
    ]);
    expect((await call("GET", `/me/events/${instances[2]!.id}`)).status).toBe(404);
    // The same series over EWS: one modified and two deleted occurrences.
    const overEws = ews.mailbox("alice@example.com").items("calendar").find((i) => i.get("Subject") === "Standup")!;
    expect(overEws.modifiedOccurrences).toEqual(["2027-01-11T08:00:00Z"]);
    expect(overEws.deletedOccurrences).toEqual(["2027-01-18T08:00:00Z", "2027-01-25T08:00:00Z"]);
  });

  it("stores every recurrence pattern and range type as it was given", async () => {
    const patterns = [
      { type: "daily", interval: 2 },
      { type: "weekly", interval: 2, daysOfWeek: ["tuesday", "thursday"], firstDayOfWeek: "monday" },
      { type: "absoluteMonthly", interval: 1, dayOfMonth: 15 },
      { type: "relativeMonthly", interval: 3, daysOfWeek: ["friday"], index: "last" },
      { type: "absoluteYearly", interval: 1, dayOfMonth: 7, month: 3 },
      { type: "relativeYearly", interval: 1, daysOfWeek: ["monday"], index: "second", month: 10 },
    ];
    const ranges = [
      { type: "endDate", startDate: "2027-01-01", endDate: "2028-12-31" },
      { type: "noEnd", startDate: "2027-01-01" },
      { type: "numbered", startDate: "2027-01-01", numberOfOccurrences: 4 },
    ];
    for (const pattern of patterns) {
      for (const range of ranges) {
        const made = await call("POST", "/me/events", {
          subject: `${pattern.type} ${range.type}`, start: { dateTime: "2027-01-01T12:00:00", timeZone: "UTC" }, end: { dateTime: "2027-01-01T13:00:00", timeZone: "UTC" },
          recurrence: { pattern, range },
        });
        expect(made.status).toBe(201);
        expect(made.json!.recurrence.pattern).toMatchObject(pattern);
        expect(made.json!.recurrence.range).toMatchObject(range);
      }
    }
    const refused = await call("POST", "/me/events", { subject: "x", start: { dateTime: "2027-01-01T12:00:00", timeZone: "UTC" }, end: { dateTime: "2027-01-01T13:00:00", timeZone: "UTC" }, recurrence: { pattern: { type: "hourly" }, range: ranges[1] } });
    expect([refused.status, refused.json!.error.code]).toEqual([400, "ErrorInvalidRecurrence"]);
  });

  it("calendarView delta per calendar: instances in pages, then changes, cancellations and removals; a rejected token answers 410", async () => {
    const cal = (await call("POST", "/me/calendars", { name: "Delta" })).json!.id as string;
    const at = (d: string, h: number) => ({ dateTime: `${d}T${String(h).padStart(2, "0")}:00:00`, timeZone: "UTC" });
    const single = (await call("POST", `/me/calendars/${cal}/events`, { subject: "One", start: at("2027-02-01", 9), end: at("2027-02-01", 10) })).json!;
    const outside = (await call("POST", `/me/calendars/${cal}/events`, { subject: "Later", start: at("2027-06-01", 9), end: at("2027-06-01", 10) })).json!;
    const series = (await call("POST", `/me/calendars/${cal}/events`, {
      subject: "Daily", start: at("2027-02-02", 8), end: at("2027-02-02", 9),
      recurrence: { pattern: { type: "daily", interval: 1 }, range: { type: "numbered", startDate: "2027-02-02", numberOfOccurrences: 3 } },
    })).json!;
    const first = await rowsOf(`/me/calendars/${cal}/calendarView/delta?startDateTime=2027-01-01T00:00:00Z&endDateTime=2027-03-01T00:00:00Z`, { prefer: "odata.maxpagesize=2" });
    expect(first.pages).toBe(2);
    expect(first.rows.map((r) => [r.subject, r.type])).toEqual([["One", "singleInstance"], ["Daily", "occurrence"], ["Daily", "occurrence"], ["Daily", "occurrence"]]);
    expect(first.rows.every((r) => r.type !== "seriesMaster" && r.id !== outside.id)).toBe(true);
    expect(new Set(first.rows.filter((r) => r.type === "occurrence").map((r) => r.seriesMasterId))).toEqual(new Set([series.id]));
    // Nothing changed: an empty round.
    const quiet = await rowsOf(first.deltaLink);
    expect(quiet.rows).toEqual([]);
    // Changes: the single moves out of the window, an occurrence is cancelled, a new event comes, the outside one moves in.
    const occurrences = first.rows.filter((r) => r.type === "occurrence");
    await call("PATCH", `/me/events/${single.id}`, { start: at("2027-05-01", 9), end: at("2027-05-01", 10) });
    await call("DELETE", `/me/events/${occurrences[1]!.id}`);
    const fresh = (await call("POST", `/me/calendars/${cal}/events`, { subject: "New", start: at("2027-02-10", 9), end: at("2027-02-10", 10) })).json!;
    const second = await rowsOf(quiet.deltaLink);
    const removed = second.rows.filter((r) => r["@removed"]).map((r) => r.id).sort();
    expect(removed).toEqual([single.id, occurrences[1]!.id].sort());
    const changed = second.rows.filter((r) => !r["@removed"]);
    expect(changed.map((r) => r.id).sort()).toEqual([occurrences[0]!.id, occurrences[2]!.id, fresh.id].sort());
    // The series deleted: its remaining occurrences leave the view.
    await call("DELETE", `/me/events/${series.id}`);
    const third = await rowsOf(second.deltaLink);
    expect(third.rows.map((r) => [r.id, r["@removed"]?.reason])).toEqual(expect.arrayContaining([[occurrences[0]!.id, "deleted"], [occurrences[2]!.id, "deleted"]]));
    expect(third.rows).toHaveLength(2);
    // The default calendar's view, and a token rejected after the tokens expire.
    expect((await call("GET", "/me/calendarView/delta?startDateTime=2027-01-01T00:00:00Z&endDateTime=2027-03-01T00:00:00Z")).status).toBe(200);
    sim.expireDeltaTokens();
    const gone = await call("GET", third.deltaLink);
    expect([gone.status, gone.json!.error.code]).toEqual([410, "syncStateNotFound"]);
    expect((await call("GET", `/me/calendars/${cal}/calendarView/delta?startDateTime=2027-01-01T00:00:00Z`)).status).toBe(400);
    // calendarView (not delta) lists the instances of the window.
    const view = await call("GET", `/me/calendars/${cal}/calendarView?startDateTime=2027-01-01T00:00:00Z&endDateTime=2027-03-01T00:00:00Z&$select=subject`);
    expect(view.json!.value.map((e: { subject: string }) => e.subject)).toEqual(["New"]);
  });

  it("an event made over EWS is read over Graph with its UID as iCalUId; all-day events keep their dates", async () => {
    const box = ews.mailbox("alice@example.com");
    const made = box.createItem("calendar", "<CalendarItem><Subject>From EWS</Subject><Start>2027-03-01T10:00:00Z</Start><End>2027-03-01T11:00:00Z</End><UID>ews-uid-1@example.com</UID></CalendarItem>");
    const [translated] = (await call("POST", "/me/translateExchangeIds", { inputIds: [made.id], sourceIdType: "ewsId", targetIdType: "restId" })).json!.value;
    const event = (await call("GET", `/me/events/${translated.targetId}`)).json!;
    expect(event).toMatchObject({ subject: "From EWS", iCalUId: "ews-uid-1@example.com", start: { dateTime: "2027-03-01T10:00:00.0000000", timeZone: "UTC" } });
    const allDay = (await call("POST", "/me/events", {
      subject: "Holiday", isAllDay: true, start: { dateTime: "2027-03-02T00:00:00", timeZone: "Tokyo Standard Time" }, end: { dateTime: "2027-03-03T00:00:00", timeZone: "Tokyo Standard Time" },
    })).json!;
    const read = (await call("GET", `/me/events/${allDay.id}?$select=start,end,isAllDay`, undefined, { prefer: 'outlook.timezone="Pacific Standard Time"' })).json!;
    expect(read).toMatchObject({ isAllDay: true, start: { dateTime: "2027-03-02T00:00:00.0000000" }, end: { dateTime: "2027-03-03T00:00:00.0000000" } });
    const bad = await call("POST", "/me/events", { subject: "x", isAllDay: true, start: { dateTime: "2027-03-02T10:00:00", timeZone: "UTC" }, end: { dateTime: "2027-03-03T00:00:00", timeZone: "UTC" } });
    expect(bad.status).toBe(400);
  });

  it("leaves an event's attachments to the attachments module (attachments.ts): not routed nor CSDL-checked as events", async () => {
    const made = (await call("POST", "/me/events", { subject: "With files", start: { dateTime: "2027-03-05T10:00:00", timeZone: "UTC" }, end: { dateTime: "2027-03-05T11:00:00", timeZone: "UTC" } })).json!;
    const answer = await call("GET", `/me/events/${made.id}/attachments`);
    expect([answer.status, answer.json!.value]).toEqual([200, []]);
    expect([calendarTypeOfPath("/me/events/x/attachments"), calendarTypeOfPath("/me/events/x/attachments/createUploadSession")]).toEqual([undefined, undefined]);
    expect([calendarTypeOfPath("/me/events/x/instances"), calendarTypeOfPath("/users/u/calendars/c"), calendarTypeOfPath("/me/events/x/cancel")]).toEqual(["event", "calendar", undefined]);
  });

  it("gives an event's PidTagParentEntryId and a calendar's PidTagEntryId; an event moved to Deleted Items over EWS keeps its immutable id, with a new parent and change key", async () => {
    const immutable = { prefer: 'IdType="ImmutableId"' };
    const cal = await call("POST", "/me/calendars", { name: "Scope" }, immutable);
    const made = await call("POST", `/me/calendars/${cal.json!.id}/events`, { subject: "Scoped", start: { dateTime: "2027-02-01T10:00:00", timeZone: "UTC" }, end: { dateTime: "2027-02-01T11:00:00", timeZone: "UTC" } }, immutable);
    const expand = (tag: string) => `$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq 'Binary ${tag}')`)}`;
    const own = await call("GET", `/me/calendars/${cal.json!.id}?$select=id&${expand("0x0FFF")}`, undefined, immutable);
    const entryId = own.json!.singleValueExtendedProperties[0];
    expect(entryId.id).toBe("Binary 0xfff");
    expect(Buffer.from(entryId.value, "base64")).toHaveLength(46);
    const read = async () => call("GET", `/me/events/${made.json!.id}?$select=subject,changeKey&${expand("0x0E09")}`, undefined, immutable);
    const before = await read();
    expect(before.json!.singleValueExtendedProperties).toEqual([{ id: "Binary 0xe09", value: entryId.value }]);
    const box = ews.mailbox("alice@example.com");
    const item = box.items(box.folderId(box.childFolders(box.distinguishedFolder("calendar")!).find((f) => f.displayName === "Scope")!)).find((i) => i.get("Subject") === "Scoped")!;
    box.deleteItem(item.id, "MoveToDeletedItems");
    const after = await read();
    expect(after.status).toBe(200);
    expect(after.json!.id).toBe(made.json!.id);
    expect(after.json!.changeKey).not.toBe(before.json!.changeKey);
    expect(after.json!.singleValueExtendedProperties[0].value).not.toBe(entryId.value);
  });
});
