import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResponseTooLargeError, TransportError } from "../errors.js";
import { NotificationConnection } from "./connection.js";
import { PullSubscription } from "./pull.js";

let server: Server;
let url = "";
let answer: (response: ServerResponse) => void = () => undefined;
const open = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      open.add(response);
      answer(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/EWS/Exchange.asmx`;
});
afterAll(async () => {
  for (const response of open) response.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("notification connection: ordinary requests", () => {
  it("time out when the body of an answer stops arriving (only streams may stay silent)", async () => {
    answer = (response) => {
      response.writeHead(200, { "content-type": "text/xml; charset=utf-8", "content-length": "1000" });
      response.write("<s:Envelope");
    };
    const connection = new NotificationConnection({ url, mailbox: "alice@example.com", requestTimeoutMs: 150 });
    const pull = PullSubscription.resume(connection, { folders: [{ distinguishedId: "contacts" }] }, { subscriptionId: "S", watermark: "W" });
    const error = (await pull.getEvents().catch((e: unknown) => e)) as TransportError;
    await connection.close();
    expect(error).toBeInstanceOf(TransportError);
    expect(error.transportCode).toBe("UND_ERR_BODY_TIMEOUT");
  });

  it("refuse an answer larger than the limit", async () => {
    answer = (response) => {
      response.writeHead(200, { "content-type": "text/xml; charset=utf-8" });
      response.end(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${" ".repeat(10_000)}</s:Body></s:Envelope>`);
    };
    const connection = new NotificationConnection({ url, mailbox: "alice@example.com", maxResponseBytes: 4096 });
    const error = await connection.call("GetEvents", "<m:GetEvents/>").catch((e: unknown) => e);
    await connection.close();
    expect(error).toBeInstanceOf(ResponseTooLargeError);
  });
});
