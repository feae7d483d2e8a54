/**
 * Pull notifications against the simulator's notifications front: GetEvents with the watermark,
 * MoreEvents paging, a persisted watermark surviving a client restart, re-subscription from the
 * watermark after expiry, Unsubscribe; requests and responses valid against the EWS schema.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth } from "../src/auth/basic.js";
import { NotificationConnection, PullSubscription, type NotificationEvent, type PullSubscriptionState } from "../src/notifications/index.js";
import { buildGetEvents, buildPullSubscribe } from "../src/notifications/messages.js";
import { buildEnvelope } from "../src/soap/envelope.js";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { startSubscriptionFront, type SubscriptionFront } from "@ewsdav/ews-simulator";
import { ewsSchemaValidator } from "../../../test/harness/ews-schema.js";

const USER = { smtpAddress: "alice@example.com", password: "secret" };
let sim: EwsSimulator;
let front: SubscriptionFront;

beforeAll(async () => {
  sim = await startEwsSimulator({ users: [USER] });
  front = await startSubscriptionFront({ simulator: sim, users: [USER], maxEventsPerGetEvents: 50 });
});
afterAll(async () => {
  await front.stop();
  await sim.stop();
});

const box = () => sim.mailbox(USER.smtpAddress);
const options = { folders: [{ distinguishedId: "contacts" as const }, { distinguishedId: "tasks" as const }], timeoutMinutes: 10 };

async function withConnection<T>(run: (c: NotificationConnection) => Promise<T>): Promise<T> {
  const connection = new NotificationConnection({ url: front.url, mailbox: USER.smtpAddress, auth: basicAuth({ username: USER.smtpAddress, password: USER.password }) });
  try {
    return await run(connection);
  } finally {
    await connection.close();
  }
}

async function drainAll(sub: PullSubscription): Promise<NotificationEvent[]> {
  const events: NotificationEvent[] = [];
  await sub.drain((batch) => {
    events.push(...batch.events);
  });
  return events;
}

describe("pull notifications", () => {
  it("returns the changes since the watermark, then nothing", async () => {
    await withConnection(async (connection) => {
      const sub = await PullSubscription.subscribe(connection, options);
      const contact = box().createItem("contacts", "<Contact><GivenName>Pia</GivenName></Contact>");
      const task = box().createItem("tasks", "<Task><Subject>Pay rent</Subject></Task>");
      box().createItem("calendar", "<CalendarItem><Subject>Not watched</Subject><Start>2026-11-24T09:00:00Z</Start><End>2026-11-24T10:00:00Z</End></CalendarItem>");
      box().updateItem(contact.id, "<Contact><GivenName>Pia M.</GivenName></Contact>");
      const events = await drainAll(sub);
      expect(events.map((e) => [e.type, e.itemId?.id])).toEqual([
        ["Created", contact.id],
        ["Created", task.id],
      ]);
      box().deleteItem(task.id);
      box().updateItem(contact.id, "<Contact><GivenName>Pia Maria</GivenName></Contact>");
      expect((await drainAll(sub)).map((e) => [e.type, e.itemId?.id])).toEqual([
        ["Deleted", task.id],
        ["Modified", contact.id],
      ]);
      expect(await drainAll(sub)).toEqual([]);
      await sub.unsubscribe();
    });
  });

  it("reports a delete to Deleted Items as a move, with the old and new ids", async () => {
    await withConnection(async (connection) => {
      const sub = await PullSubscription.subscribe(connection, options);
      const contact = box().createItem("contacts", "<Contact><GivenName>Bin me</GivenName></Contact>");
      await drainAll(sub);
      box().deleteItem(contact.id, "MoveToDeletedItems");
      const [moved, ...rest] = await drainAll(sub);
      expect(rest).toEqual([]);
      expect(moved).toMatchObject({ type: "Moved", oldItemId: { id: contact.id }, oldParentFolderId: { id: contact.folderId } });
      expect(moved!.itemId?.id).not.toBe(contact.id);
      expect(moved!.parentFolderId?.id).toBe(box().folder("deleteditems").id);
      await sub.unsubscribe();
    });
  });

  it("pages with MoreEvents", async () => {
    await withConnection(async (connection) => {
      const sub = await PullSubscription.subscribe(connection, options);
      for (let i = 0; i < 120; i++) box().createItem("contacts", `<Contact><GivenName>Bulk ${i}</GivenName></Contact>`);
      const batches: number[] = [];
      const total = await sub.drain((batch) => {
        batches.push(batch.events.length);
      });
      expect(total).toBe(120);
      expect(batches).toEqual([50, 50, 20]);
      await sub.unsubscribe();
    });
  });

  it("loses nothing across a client restart with a persisted watermark", async () => {
    let saved: PullSubscriptionState | undefined;
    const first = box().createItem("contacts", "<Contact><GivenName>Before crash</GivenName></Contact>");
    await withConnection(async (connection) => {
      const sub = await PullSubscription.subscribe(connection, options);
      saved = sub.state;
      box().updateItem(first.id, "<Contact><GivenName>Seen</GivenName></Contact>");
      await sub.drain((batch) => {
        saved = batch.state; // what a host writes to disk after handling a batch
      });
      // The process dies here: no Unsubscribe.
    });
    const whileDown = box().createItem("contacts", "<Contact><GivenName>While down</GivenName></Contact>");
    await withConnection(async (connection) => {
      const resumed = PullSubscription.resume(connection, options, JSON.parse(JSON.stringify(saved)) as PullSubscriptionState);
      const events = await drainAll(resumed);
      expect(events.map((e) => [e.type, e.itemId?.id])).toEqual([["Created", whileDown.id]]);
      await resumed.unsubscribe();
    });
  });

  it("re-subscribes from the watermark when the subscription expired", async () => {
    await withConnection(async (connection) => {
      const sub = await PullSubscription.subscribe(connection, options);
      await drainAll(sub);
      const saved = sub.state;
      front.expireSubscriptions();
      const item = box().createItem("tasks", "<Task><Subject>After expiry</Subject></Task>");
      const resumed = PullSubscription.resume(connection, options, saved);
      const batch = await resumed.getEvents();
      expect(batch.resubscribed).toBe(true);
      expect(batch.state.subscriptionId).not.toBe(saved.subscriptionId);
      expect(batch.events.map((e) => [e.type, e.itemId?.id])).toEqual([["Created", item.id]]);
      await resumed.unsubscribe();
    });
  });

  it("rejects a bad timeout with a typed error naming the field", () => {
    expect(() => buildPullSubscribe(options, 0)).toThrow(/timeoutMinutes/);
    expect(() => buildPullSubscribe(options, 1441)).toThrow(/timeoutMinutes/);
  });

  it("builds requests and gets responses valid against the EWS schema", async () => {
    const requests = [
      buildPullSubscribe(options, 1440),
      buildPullSubscribe({ folders: [], allFolders: true }, 5, "AQAAAA=="),
      buildPullSubscribe({ folders: [{ id: "AAMk=" }], eventTypes: ["NewMail", "Moved", "Copied"] }, 30),
      buildGetEvents("sub-1", "AQAAAA=="),
    ].map((op) => buildEnvelope({ version: "Exchange2010_SP2" }, op));
    const responses = front.responses.filter((r) => /GetEventsResponse|SubscribeResponse|UnsubscribeResponse/.test(r));
    expect(responses.some((r) => r.includes("<t:StatusEvent>"))).toBe(true);
    expect(responses.some((r) => r.includes("<t:DeletedEvent>"))).toBe(true);
    expect(responses.some((r) => r.includes("<t:MovedEvent>"))).toBe(true);
    expect(await ewsSchemaValidator().validate([...requests, ...responses.slice(-40)])).toEqual([]);
  });
});
