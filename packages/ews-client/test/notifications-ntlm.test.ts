/**
 * Notifications over NTLM: the stream and the ordinary calls run on the authenticator's
 * authenticated connections (client → NTLM front → notifications front → simulator).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ntlmAuth } from "../src/auth/ntlm.js";
import { NotificationConnection, PullSubscription, StreamingSubscription, type StreamingItem } from "../src/notifications/index.js";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { startNtlmGateway, type NtlmGateway } from "@ewsdav/ews-simulator";
import { startSubscriptionFront, type SubscriptionFront } from "@ewsdav/ews-simulator";

const USER = { smtpAddress: "alice@example.com", password: "backend" };
const PASSWORD = "Kennwört-🔑";
let sim: EwsSimulator;
let front: SubscriptionFront;
let gateway: NtlmGateway;

beforeAll(async () => {
  sim = await startEwsSimulator({ users: [USER] });
  front = await startSubscriptionFront({ simulator: sim, users: [USER], heartbeatIntervalMs: 100 });
  gateway = await startNtlmGateway({
    target: front.url,
    accounts: [{ user: "alice", domain: "EXAMPLE", password: PASSWORD }],
    backend: () => ({ smtpAddress: USER.smtpAddress, username: USER.smtpAddress, password: USER.password }),
  });
});
afterAll(async () => {
  await gateway.stop();
  await front.stop();
  await sim.stop();
});

async function nextMatching(iterator: AsyncIterator<StreamingItem>, match: (i: StreamingItem) => boolean, ms: number): Promise<StreamingItem> {
  const deadline = AbortSignal.timeout(ms);
  for (;;) {
    const result = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => deadline.addEventListener("abort", () => reject(new Error(`no matching event within ${ms} ms`)), { once: true })),
    ]);
    if (result.done) throw new Error("the subscription ended");
    if (match(result.value)) return result.value;
  }
}

describe("notifications over NTLM", () => {
  it("streams events on an authenticated connection and negotiates again after a drop", async () => {
    const ntlm = ntlmAuth({ username: "EXAMPLE\\alice", password: PASSWORD });
    const connection = new NotificationConnection({ url: gateway.url, mailbox: USER.smtpAddress, ntlm });
    const sub = await StreamingSubscription.open(connection, { folders: [{ distinguishedId: "contacts" }], reconnectDelayMs: 10 });
    try {
      const iterator = sub[Symbol.asyncIterator]();
      const first = sim.mailbox(USER.smtpAddress).createItem("contacts", "<Contact><GivenName>Via NTLM</GivenName></Contact>");
      expect(await nextMatching(iterator, (e) => e.type === "Created", 1000)).toMatchObject({ itemId: { id: first.id } });
      gateway.dropConnections();
      // Changes the server wrote into the dying connection are lost, as with Exchange: the client says so.
      expect(await nextMatching(iterator, (e) => e.type === "Reconnected", 3000)).toMatchObject({ reason: "dropped" });
      while (sub.statistics.streamsOpened < 2) await new Promise((r) => setTimeout(r, 10));
      const second = sim.mailbox(USER.smtpAddress).createItem("contacts", "<Contact><GivenName>After drop</GivenName></Contact>");
      expect(await nextMatching(iterator, (e) => e.type === "Created", 1000)).toMatchObject({ itemId: { id: second.id } });
      expect(ntlm.statistics.handshakes).toBeGreaterThanOrEqual(2);
      expect(gateway.verifier.statistics.failures).toBe(0);
    } finally {
      await sub.close();
      await connection.close();
      await ntlm.close();
    }
  });

  it("runs pull subscriptions over NTLM and fails with 401 on a wrong password", async () => {
    const ntlm = ntlmAuth({ username: "EXAMPLE\\alice", password: PASSWORD });
    const connection = new NotificationConnection({ url: gateway.url, mailbox: USER.smtpAddress, ntlm });
    const sub = await PullSubscription.subscribe(connection, { folders: [{ distinguishedId: "tasks" }] });
    const task = sim.mailbox(USER.smtpAddress).createItem("tasks", "<Task><Subject>NTLM pull</Subject></Task>");
    expect((await sub.getEvents()).events.map((e) => e.itemId?.id)).toEqual([task.id]);
    await sub.unsubscribe();
    await ntlm.close();

    const wrong = ntlmAuth({ username: "EXAMPLE\\alice", password: "nope" });
    const refused = new NotificationConnection({ url: gateway.url, mailbox: USER.smtpAddress, ntlm: wrong });
    await expect(PullSubscription.subscribe(refused, { folders: [{ distinguishedId: "tasks" }] })).rejects.toMatchObject({ status: 401 });
    await wrong.close();
  });
});
