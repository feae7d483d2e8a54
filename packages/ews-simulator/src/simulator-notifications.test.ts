import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EWS_SCHEMA_DIR } from "../../../test/harness/ews-schema.js";
import { startEwsSimulator, type EwsSimulator } from "./index.js";
import { ALICE, codes, envelope, find, findAll, soap } from "./soap.test-support.js";
import { parseXml } from "./xml.js";

const ALL_EVENTS = ["CreatedEvent", "ModifiedEvent", "DeletedEvent", "MovedEvent", "CopiedEvent", "NewMailEvent"].map((e) => `<t:EventType>${e}</t:EventType>`).join("");

describe("EWS simulator: notification subscriptions", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small", streamingConnectionTimeoutMs: 600 });
  });
  afterAll(() => sim.stop());

  it("pull subscriptions report exactly the events of the subscribed folders, in order, then a StatusEvent", async () => {
    const box = sim.mailbox("alice@example.com");
    const subscribed = await soap(sim.url, `<m:Subscribe><m:PullSubscriptionRequest><t:FolderIds><t:DistinguishedFolderId Id="contacts"/></t:FolderIds><t:EventTypes>${ALL_EVENTS}</t:EventTypes><t:Timeout>10</t:Timeout></m:PullSubscriptionRequest></m:Subscribe>`);
    expect(codes(subscribed)).toEqual(["NoError"]);
    const subscriptionId = find(subscribed.root, "SubscriptionId")!.text;
    let watermark = find(subscribed.root, "Watermark")!.text;
    const a = box.createItem("contacts", "<Contact><GivenName>Ev</GivenName></Contact>");
    box.updateItem(a.id, "<Contact><Surname>Ents</Surname></Contact>");
    box.createItem("tasks", "<Task><Subject>not watched</Subject></Task>");
    const b = box.createItem("contacts", "<Contact><GivenName>Mover</GivenName></Contact>");
    box.deleteItem(b.id, "MoveToDeletedItems");
    box.deleteItem(a.id);
    const got = await soap(sim.url, `<m:GetEvents><m:SubscriptionId>${subscriptionId}</m:SubscriptionId><m:Watermark>${watermark}</m:Watermark></m:GetEvents>`);
    const notification = find(got.root, "Notification")!;
    expect(find(notification, "PreviousWatermark")?.text).toBe(watermark);
    expect(find(notification, "MoreEvents")?.text).toBe("false");
    const events = notification.children.filter((c) => c.name.endsWith("Event"));
    expect(events.map((e) => `${e.name}:${find(e, "ItemId")?.attrs.Id === a.id ? "a" : "b"}`)).toEqual([
      "CreatedEvent:a", "ModifiedEvent:a", "CreatedEvent:b", "MovedEvent:b", "DeletedEvent:a",
    ]);
    const moved = events[3]!;
    expect(find(moved, "OldItemId")?.attrs.Id).toBe(b.id);
    expect(find(moved, "OldParentFolderId")?.attrs.Id).toBe(box.folder("contacts").id);
    expect(find(moved, "ParentFolderId")?.attrs.Id).toBe(box.folder("deleteditems").id);
    watermark = find(events[events.length - 1], "Watermark")!.text;
    const quiet = await soap(sim.url, `<m:GetEvents><m:SubscriptionId>${subscriptionId}</m:SubscriptionId><m:Watermark>${watermark}</m:Watermark></m:GetEvents>`);
    expect(find(quiet.root, "Notification")!.children.filter((c) => c.name.endsWith("Event")).map((e) => e.name)).toEqual(["StatusEvent"]);

    for (let i = 0; i < 60; i++) box.createItem("contacts", `<Contact><GivenName>Bulk ${i}</GivenName></Contact>`);
    const first = await soap(sim.url, `<m:GetEvents><m:SubscriptionId>${subscriptionId}</m:SubscriptionId><m:Watermark>${watermark}</m:Watermark></m:GetEvents>`);
    expect(find(first.root, "MoreEvents")?.text).toBe("true");
    expect(findAll(first.root, "CreatedEvent")).toHaveLength(50);
    const last = findAll(first.root, "Watermark").at(-1)!.text;
    const second = await soap(sim.url, `<m:GetEvents><m:SubscriptionId>${subscriptionId}</m:SubscriptionId><m:Watermark>${last}</m:Watermark></m:GetEvents>`);
    expect(findAll(second.root, "CreatedEvent")).toHaveLength(10);

    const badWatermark = await soap(sim.url, `<m:GetEvents><m:SubscriptionId>${subscriptionId}</m:SubscriptionId><m:Watermark>AQAAAA==</m:Watermark></m:GetEvents>`);
    expect(codes(badWatermark)).toEqual(["ErrorInvalidWatermark"]);
    expect(codes(await soap(sim.url, `<m:Unsubscribe><m:SubscriptionId>${subscriptionId}</m:SubscriptionId></m:Unsubscribe>`))).toEqual(["NoError"]);
    const gone = await soap(sim.url, `<m:GetEvents><m:SubscriptionId>${subscriptionId}</m:SubscriptionId><m:Watermark>${last}</m:Watermark></m:GetEvents>`);
    expect(codes(gone)).toEqual(["ErrorSubscriptionNotFound"]);
  });

  it("streaming subscriptions push envelopes with events and end with ConnectionStatus Closed", async () => {
    const box = sim.mailbox("alice@example.com");
    const subscribed = await soap(sim.url, `<m:Subscribe><m:StreamingSubscriptionRequest><t:FolderIds><t:DistinguishedFolderId Id="calendar"/></t:FolderIds><t:EventTypes>${ALL_EVENTS}</t:EventTypes></m:StreamingSubscriptionRequest></m:Subscribe>`);
    const subscriptionId = find(subscribed.root, "SubscriptionId")!.text;
    expect(find(subscribed.root, "Watermark")).toBeUndefined();
    const res = await fetch(sim.url, {
      method: "POST",
      headers: { "Content-Type": "text/xml; charset=utf-8", Authorization: `Basic ${Buffer.from(`${ALICE.user}:${ALICE.password}`).toString("base64")}` },
      body: envelope(`<m:GetStreamingEvents><m:SubscriptionIds><t:SubscriptionId>${subscriptionId}</t:SubscriptionId></m:SubscriptionIds><m:ConnectionTimeout>1</m:ConnectionTimeout></m:GetStreamingEvents>`),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    let created: string | undefined;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (!created && text.includes("ConnectionStatus>OK")) {
        created = box.createItem("calendar", "<CalendarItem><Subject>Pushed</Subject><Start>2026-02-02T10:00:00Z</Start><End>2026-02-02T11:00:00Z</End></CalendarItem>").id;
      }
    }
    const envelopes = text.split(/(?<=<\/s:Envelope>)/).filter((e) => e.trim());
    const statuses = envelopes.map((e) => find(parseXml(e), "ConnectionStatus")?.text);
    expect(statuses[0]).toBe("OK");
    expect(statuses.at(-1)).toBe("Closed");
    const events = envelopes.flatMap((e) => findAll(parseXml(e), "CreatedEvent"));
    expect(events.map((e) => find(e, "ItemId")?.attrs.Id)).toEqual([created]);
  });

  it("sends responses (streamed envelopes included) that validate against the official schema", async () => {
    expect(await sim.validateExchanges(EWS_SCHEMA_DIR)).toEqual([]);
    expect(sim.exchanges.find((e) => e.operation === "GetStreamingEvents")?.streamedXml?.length).toBeGreaterThanOrEqual(3);
  });
});
