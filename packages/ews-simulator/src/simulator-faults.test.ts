import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "./index.js";
import { codes, envelope, find, soap } from "./soap.test-support.js";
import { parseXml } from "./xml.js";

const GET_ITEMS = (id: string) => `<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`;
const GET_INBOX = `<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>`;
const CREATE = (name: string) => `<m:CreateItem><m:Items><t:Contact><t:GivenName>${name}</t:GivenName></t:Contact></m:Items></m:CreateItem>`;

describe("EWS simulator: fault injection", () => {
  let sim: EwsSimulator;
  let contactId: string;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small" });
    contactId = sim.mailbox("alice@example.com").items("contacts")[0]!.id;
  });
  beforeEach(() => {
    sim.faults.clear();
    sim.clearExchanges();
  });
  afterAll(() => sim.stop());

  it("ErrorServerBusy comes as Exchange's SOAP fault with BackOffMilliseconds, only for the chosen operation, and runs nothing", async () => {
    sim.faults.inject({ kind: "serverBusy", backOffMilliseconds: 1234, operation: "GetItem" });
    sim.faults.inject({ kind: "serverBusy", operation: "CreateItem" });
    expect(sim.faults.pending).toBe(2);
    expect((await soap(sim.url, GET_INBOX)).status).toBe(200);
    const busy = await soap(sim.url, GET_ITEMS(contactId));
    expect(busy.status).toBe(500);
    expect(find(busy.root, "faultcode")?.text).toBe("a:ErrorServerBusy");
    expect(find(busy.root, "ResponseCode")?.text).toBe("ErrorServerBusy");
    const value = find(find(busy.root, "MessageXml"), "Value");
    expect(value?.attrs.Name).toBe("BackOffMilliseconds");
    expect(value?.text).toBe("1234");
    expect(codes(await soap(sim.url, GET_ITEMS(contactId)))).toEqual(["NoError"]);
    const before = sim.mailbox("alice@example.com").folder("contacts").totalCount;
    expect((await soap(sim.url, CREATE("Busy"))).status).toBe(500);
    expect(sim.mailbox("alice@example.com").folder("contacts").totalCount).toBe(before);
    expect(sim.faults.pending).toBe(0);
    expect(sim.requestCounts()).toEqual({ GetFolder: 1, GetItem: 2, CreateItem: 1 });
    expect(sim.exchanges.map((e) => e.faultCode)).toEqual([null, "ErrorServerBusy", null, "ErrorServerBusy"]);
  });

  it("HTTP 503 and 429 carry Retry-After and affect the next N requests", async () => {
    sim.faults.inject({ kind: "http503", retryAfterSeconds: 2, times: 2 });
    sim.faults.inject({ kind: "http429", retryAfterSeconds: 7, operation: "GetFolder" });
    const first = await soap(sim.url, GET_INBOX);
    const second = await soap(sim.url, GET_ITEMS(contactId));
    expect([first.status, second.status]).toEqual([503, 503]);
    expect(first.headers.get("retry-after")).toBe("2");
    const third = await soap(sim.url, GET_INBOX);
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).toBe("7");
    expect((await soap(sim.url, GET_INBOX)).status).toBe(200);
    expect(sim.requestCount()).toBe(4);
  });

  it("latency delays the response (a short client timeout fires) and the request still runs", async () => {
    sim.faults.inject({ kind: "latency", milliseconds: 400, operation: "CreateItem" });
    const before = sim.mailbox("alice@example.com").folder("contacts").totalCount;
    const auth = `Basic ${Buffer.from("alice@example.com:secret").toString("base64")}`;
    await expect(fetch(sim.url, {
      method: "POST", headers: { "Content-Type": "text/xml", Authorization: auth }, body: envelope(CREATE("Slow")), signal: AbortSignal.timeout(50),
    })).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 500));
    expect(sim.mailbox("alice@example.com").folder("contacts").totalCount).toBe(before + 1);
  });

  it("a connection reset mid-response happens after the request ran", async () => {
    sim.faults.inject({ kind: "connectionReset", operation: "CreateItem" });
    const before = sim.mailbox("alice@example.com").folder("contacts").totalCount;
    await expect(soap(sim.url, CREATE("Reset"))).rejects.toThrow();
    expect(sim.mailbox("alice@example.com").folder("contacts").totalCount).toBe(before + 1);
    expect((await soap(sim.url, GET_INBOX)).status).toBe(200);
  });

  it("counts concurrent requests and refuses those beyond maxConcurrentRequests with ErrorExceededConnectionCount", async () => {
    const limited = await startEwsSimulator({ maxConcurrentRequests: 2 });
    try {
      limited.faults.inject({ kind: "latency", milliseconds: 400, times: 5 });
      const results = await Promise.all(Array.from({ length: 5 }, () => soap(limited.url, GET_INBOX)));
      const refused = results.filter((r) => r.status === 500);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((r) => find(r.root, "faultcode")?.text === "a:ErrorExceededConnectionCount")).toBe(true);
      expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2);
      expect(limited.peakConcurrentRequests()).toBeGreaterThan(2);
    } finally {
      await limited.stop();
    }
  });

  it("a truncated body is a complete HTTP response with half an XML document", async () => {
    sim.faults.inject({ kind: "truncatedBody" });
    const result = await soap(sim.url, GET_ITEMS(contactId));
    expect(result.status).toBe(200);
    expect(result.root).toBeUndefined();
    expect(() => parseXml(result.text)).toThrow();
    expect(sim.exchanges[0]!.responseXml.length).toBeGreaterThan(result.text.length);
  });
});
