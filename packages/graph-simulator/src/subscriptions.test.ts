/**
 * The simulator's `/subscriptions` over HTTP: the validation handshake (a URL that does not echo
 * the token, or too slowly, is refused with Graph's error), the documented expiration limits
 * (10 080 minutes for Outlook contacts and events, 4 230 for To Do tasks), changeType and resource
 * checks, `users/{id}` resources, GET/list/PATCH/DELETE, lifecycle URL validation, and notifications
 * that carry the subscription's clientState, tenant and the item's etag, for a change made through
 * the mailbox (as EWS makes it). Every subscription is checked against the CSDL.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadGraphSchema } from "./csdl.js";
import { startGraphSimulator, type GraphSimulator } from "./index.js";

const MINUTE = 60_000;

describe("Graph simulator: subscriptions", () => {
  let ews: EwsSimulator;
  let sim: GraphSimulator;
  let server: Server;
  let base: string;
  const received: Array<{ url: string; body: unknown }> = [];
  let waiters: Array<() => void> = [];

  const call = async (method: string, path: string, body?: unknown, token = "alice-token") => {
    const response = await fetch(`${sim.url}${path}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, any>) : undefined };
  };
  const inMinutes = (m: number) => new Date(Date.now() + m * MINUTE).toISOString();

  beforeAll(async () => {
    ews = await startEwsSimulator();
    sim = await startGraphSimulator({
      mailbox: (a) => ews.mailbox(a), users: ["alice@example.com"], tokens: { "alice-token": "alice@example.com", "app-token": "app" },
      notifications: { validationTimeoutMs: 300 },
    });
    server = createServer(async (req: IncomingMessage, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      let text = "";
      for await (const c of req) text += String(c);
      if (url.pathname === "/slow") return void setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end(url.searchParams.get("validationToken") ?? ""), 2_000);
      if (url.pathname === "/wrong") return void res.writeHead(200, { "content-type": "text/plain" }).end("not the token");
      const token = url.searchParams.get("validationToken");
      if (token !== null) return void res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(token);
      received.push({ url: req.url ?? "", body: JSON.parse(text) });
      res.writeHead(202).end();
      for (const w of waiters.splice(0)) w();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    const schema = loadGraphSchema();
    const violations: string[] = [];
    for (const x of sim.requests.filter((r) => r.url.startsWith("/subscriptions") && r.status < 300 && r.response)) {
      const r = x.response as { value?: unknown[] };
      for (const m of r.value ?? [r]) violations.push(...schema.check("subscription", m));
    }
    expect(violations).toEqual([]);
    await sim.stop();
    await ews.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  it("refuses a URL that does not echo the validation token, or too slowly", async () => {
    const wrong = await call("POST", "/subscriptions", { changeType: "created", notificationUrl: `${base}/wrong`, resource: "me/contacts", expirationDateTime: inMinutes(60) });
    expect([wrong.status, wrong.json?.error.code, wrong.json?.error.message]).toEqual([400, "ValidationError", "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request."]);
    const slow = await call("POST", "/subscriptions", { changeType: "created", notificationUrl: `${base}/slow`, resource: "me/contacts", expirationDateTime: inMinutes(60) });
    expect([slow.status, slow.json?.error.message]).toEqual([400, "Subscription validation request timed out."]);
    const lifecycle = await call("POST", "/subscriptions", { changeType: "created", notificationUrl: `${base}/ok`, lifecycleNotificationUrl: `${base}/wrong`, resource: "me/contacts", expirationDateTime: inMinutes(60) });
    expect(lifecycle.json?.error.code).toBe("ValidationError");
    expect((await call("GET", "/subscriptions")).json?.value).toEqual([]);
  });

  it("keeps to the documented expiration limits, change types and resources", async () => {
    const make = (resource: string, minutes: number, changeType = "created,updated,deleted") =>
      call("POST", "/subscriptions", { changeType, notificationUrl: `${base}/ok`, resource, expirationDateTime: inMinutes(minutes) });
    expect((await make("me/contacts", 10_100)).json?.error.message).toBe("Subscription expiration can only be 10080 minutes in the future.");
    expect((await make("me/events", 10_070)).status).toBe(201);
    const tasks = ews.mailbox("alice@example.com").folder("tasks");
    const [list] = (await call("POST", "/me/translateExchangeIds", { inputIds: [tasks.id], sourceIdType: "ewsId", targetIdType: "restId" })).json!.value;
    expect((await make(`me/todo/lists/${list.targetId}/tasks`, 4_300)).json?.error.message).toBe("Subscription expiration can only be 4230 minutes in the future.");
    expect((await make(`me/todo/lists/${list.targetId}/tasks`, 4_200)).status).toBe(201);
    expect((await make("me/contacts", -1)).status).toBe(400);
    expect((await make("me/contacts", 60, "created,renamed")).status).toBe(400);
    expect((await make("me/messages", 60)).status).toBe(400);
    const app = await call("POST", "/subscriptions", { changeType: "updated", notificationUrl: `${base}/ok`, resource: `users/${sim.userId("alice@example.com")}/contacts`, expirationDateTime: inMinutes(60) }, "app-token");
    expect(app.status).toBe(201);
    expect((await call("GET", "/subscriptions", undefined, "app-token")).json?.value.map((s: { id: string }) => s.id)).toEqual([app.json!.id]);
    expect((await call("GET", `/subscriptions/${app.json!.id}`)).status).toBe(404); // another creator's
  });

  it("renews, reads and deletes; notifies a change with clientState, tenant and etag", async () => {
    const made = await call("POST", "/subscriptions", { changeType: "created,updated", notificationUrl: `${base}/hook?x=1`, resource: "/me/contacts", expirationDateTime: inMinutes(30), clientState: "s3cret" });
    expect(made.status).toBe(201);
    const id = made.json!.id as string;
    const renewed = await call("PATCH", `/subscriptions/${id}`, { expirationDateTime: inMinutes(120) });
    expect(Date.parse(renewed.json!.expirationDateTime)).toBeGreaterThan(Date.parse(made.json!.expirationDateTime));
    expect((await call("PATCH", `/subscriptions/${id}`, { resource: "me/events" })).status).toBe(400);
    expect((await call("GET", `/subscriptions/${id}`)).json).toMatchObject({ id, clientState: "s3cret", resource: "/me/contacts" });

    const arrived = new Promise<void>((resolve) => waiters.push(resolve));
    const contact = ews.mailbox("alice@example.com").createItem("contacts", "<Contact><GivenName>Nia</GivenName></Contact>");
    await arrived;
    const note = received.at(-1)!;
    expect(note.url).toBe("/hook?x=1");
    expect(note.body).toMatchObject({
      value: [{
        subscriptionId: id, changeType: "created", clientState: "s3cret", tenantId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        resourceData: { "@odata.type": "#Microsoft.Graph.Contact", "@odata.etag": `W/"${contact.changeKey}"` },
      }],
    });
    expect((await call("DELETE", `/subscriptions/${id}`)).status).toBe(204);
    expect((await call("PATCH", `/subscriptions/${id}`, { expirationDateTime: inMinutes(60) })).status).toBe(404);
    waiters = [];
  });
});
