/**
 * The simulator's `$batch` against the mailbox's concurrency limit: Graph sends up to 4 members of a
 * batch at once and they count against the 4 concurrent requests a mailbox allows, so a batch that
 * arrives while another request of that mailbox is in flight has its first members past the free
 * slots answered 429 MailboxConcurrency (with Retry-After) inside a 200 batch; a batch alone never.
 * The request held in flight is a subscription whose validation URL answers only when told to.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGraphSimulator, type GraphSimulator } from "./index.js";

describe("Graph simulator: $batch members count against the mailbox's concurrency", () => {
  let ews: EwsSimulator;
  let sim: GraphSimulator;
  let server: Server;
  let base: string;
  let release: (() => void) | undefined;
  let validating: (() => void) | undefined;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}${path}`, {
      method, headers: { authorization: "Bearer alice-token", ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, json: (await response.json()) as Record<string, any> };
  };
  const batchOf = (n: number) => ({ requests: Array.from({ length: n }, (_, i) => ({ id: String(i + 1), method: "GET", url: "/me/contacts?$top=1" })) });

  beforeAll(async () => {
    ews = await startEwsSimulator();
    sim = await startGraphSimulator({ mailbox: (a) => ews.mailbox(a), users: ["alice@example.com"], tokens: { "alice-token": "alice@example.com" }, notifications: { validationTimeoutMs: 30_000 } });
    server = createServer((req, res) => {
      const token = new URL(req.url ?? "/", "http://x").searchParams.get("validationToken") ?? "";
      release = () => res.writeHead(200, { "content-type": "text/plain" }).end(token);
      validating?.();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await sim?.stop();
    await ews?.stop();
  });

  it("alone, a batch of 6 is answered in full; beside one request in flight, its 4th member is throttled", async () => {
    const alone = await call("POST", "/$batch", batchOf(6));
    expect(alone.json.responses.map((r: { status: number }) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);

    const held = new Promise<void>((resolve) => (validating = resolve));
    const subscription = call("POST", "/subscriptions", { changeType: "created", notificationUrl: `${base}/hook`, resource: "me/contacts", expirationDateTime: new Date(Date.now() + 3_600_000).toISOString() });
    await held; // the subscription request is in flight, waiting for its validation
    const beside = await call("POST", "/$batch", batchOf(6));
    release!();
    expect((await subscription).status).toBe(201);
    expect(beside.status).toBe(200);
    const answers = beside.json.responses as Array<{ id: string; status: number; headers?: Record<string, string>; body?: { error?: { code?: string; message?: string } } }>;
    expect(answers.map((r) => [r.id, r.status])).toEqual([["1", 200], ["2", 200], ["3", 200], ["4", 429], ["5", 200], ["6", 200]]);
    const throttled = answers[3]!;
    expect(Object.entries(throttled.headers ?? {}).find(([k]) => k.toLowerCase() === "retry-after")?.[1]).toBe("1");
    expect(throttled.body?.error?.message).toContain("MailboxConcurrency");
    expect(sim.peakConcurrency()).toBe(5);
  });
});
