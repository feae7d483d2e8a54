import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortedError, ResponseTooLargeError, TransportError } from "../errors.js";
import { composeLayers, type EwsHttpRequest } from "./types.js";
import { createUndiciTransport } from "./undici-transport.js";
import { loggingLayer } from "./logging-layer.js";
import { parseRetryAfter, retryLayer, type RetryEvent } from "./retry-layer.js";
import { authLayer } from "../auth/auth-layer.js";
import { basicAuth } from "../auth/basic.js";
import { createTestCertificateAuthority } from "@ewsdav/ews-simulator";

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let server: Server;
let base = "";
const handlers = new Map<string, Handler>();
const sockets = new Set<Socket>();
const connections: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => handlers.get(req.url ?? "")?.(req, res, body));
  });
  server.on("connection", (s) => {
    sockets.add(s);
    connections.push(`${s.remotePort}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const request = (path: string, extra: Partial<EwsHttpRequest> = {}): EwsHttpRequest => ({
  url: `${base}${path}`,
  operation: "GetItem",
  headers: { "content-type": "text/xml; charset=utf-8" },
  body: "<x/>",
  idempotent: true,
  ...extra,
});

describe("undici transport", () => {
  it("posts the body, decompresses gzip and keeps the connection alive", async () => {
    handlers.set("/gzip", (req, res, body) => {
      const payload = gzipSync(Buffer.from(`<echo method="${req.method}" ct="${req.headers["content-type"]}">${body}</echo>`));
      res.writeHead(200, { "content-type": "text/xml", "content-encoding": "gzip" });
      res.end(payload);
    });
    const transport = createUndiciTransport({ connections: 1 });
    const before = connections.length;
    const first = await transport.send(request("/gzip"));
    const second = await transport.send(request("/gzip"));
    await transport.close();
    expect(first.body).toBe('<echo method="POST" ct="text/xml; charset=utf-8"><x/></echo>');
    expect(second.status).toBe(200);
    expect(connections.length - before).toBe(1);
  });

  it("refuses a body over the limit, compressed or not", async () => {
    handlers.set("/big", (_req, res) => {
      res.writeHead(200, { "content-type": "text/xml" });
      res.end("x".repeat(10_000));
    });
    handlers.set("/bomb", (_req, res) => {
      res.writeHead(200, { "content-type": "text/xml", "content-encoding": "gzip" });
      res.end(gzipSync(Buffer.alloc(5_000_000, 32)));
    });
    const transport = createUndiciTransport({ maxResponseBytes: 4096 });
    await expect(transport.send(request("/big"))).rejects.toBeInstanceOf(ResponseTooLargeError);
    await expect(transport.send(request("/bomb"))).rejects.toBeInstanceOf(ResponseTooLargeError);
    await transport.close();
  });

  it("times out waiting for headers with a TransportError, and aborts with AbortedError", async () => {
    handlers.set("/slow", () => {
      /* never answers */
    });
    const transport = createUndiciTransport({ headersTimeoutMs: 100 });
    const timeout = (await transport.send(request("/slow")).catch((e: unknown) => e)) as TransportError;
    expect(timeout).toBeInstanceOf(TransportError);
    expect(timeout.transportCode).toBe("UND_ERR_HEADERS_TIMEOUT");
    expect(timeout.beforeRequestSent).toBe(false);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(transport.send(request("/slow", { signal: controller.signal }))).rejects.toBeInstanceOf(AbortedError);
    await transport.close();
  });

  it("reports a refused connection as happening before the request was sent", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const transport = createUndiciTransport();
    const error = (await transport.send({ ...request("/"), url: `http://127.0.0.1:${port}/EWS/Exchange.asmx` }).catch((e: unknown) => e)) as TransportError;
    expect(error).toBeInstanceOf(TransportError);
    expect(error.beforeRequestSent).toBe(true);
    await transport.close();
  });

  it("reports a connection reset mid-body as a TransportError", async () => {
    handlers.set("/reset", (_req, res) => {
      res.writeHead(200, { "content-type": "text/xml", "content-length": "1000" });
      res.write("<partial>");
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const transport = createUndiciTransport();
    await expect(transport.send(request("/reset"))).rejects.toBeInstanceOf(TransportError);
    await transport.close();
  });
});

describe("undici transport: pool, timeouts and certificates", () => {
  it("never opens more connections than configured, queueing the rest", async () => {
    let inFlight = 0;
    let peak = 0;
    const sockets = new Set<unknown>();
    handlers.set("/pool", (req, res) => {
      sockets.add(req.socket);
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { "content-type": "text/xml" }).end("<ok/>");
      }, 30);
    });
    const transport = createUndiciTransport({ connections: 2 });
    const responses = await Promise.all(Array.from({ length: 6 }, () => transport.send(request("/pool"))));
    await transport.close();
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(peak).toBe(2);
    expect(sockets.size).toBe(2);
  });

  it("times out a body that stops arriving, and the retry layer repeats the read", async () => {
    let calls = 0;
    handlers.set("/stall-body", (_req, res) => {
      calls++;
      res.writeHead(200, { "content-type": "text/xml", "content-length": "100" });
      if (calls === 1) res.write("<partial>"); // and never more
      else res.end(`<ok>${"x".repeat(96)}</ok>`.slice(0, 100));
    });
    // One stall only: undici's body timer ticks about once a second, whatever the timeout.
    const transport = createUndiciTransport({ bodyTimeoutMs: 100 });
    const events: RetryEvent[] = [];
    const send = composeLayers(transport.send, [retryLayer({ baseDelayMs: 1, random: () => 0 }, (e) => events.push(e))]);
    expect((await send(request("/stall-body"))).status).toBe(200);
    expect(events.map((e) => [e.reason, e.transportCode])).toEqual([["transport", "UND_ERR_BODY_TIMEOUT"]]);
    await transport.close();
  });

  it("times out a connection whose TLS handshake never completes, before any byte of the request was sent", async () => {
    const silent = createTcpServer(() => {
      /* accepts, never speaks */
    });
    const held = new Set<Socket>();
    silent.on("connection", (s) => held.add(s));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    const transport = createUndiciTransport({ connectTimeoutMs: 150 });
    const error = (await transport.send({ ...request("/"), url: `https://127.0.0.1:${port}/EWS/Exchange.asmx` }).catch((e: unknown) => e)) as TransportError;
    await transport.close();
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    expect(error).toBeInstanceOf(TransportError);
    expect(error.transportCode).toBe("UND_ERR_CONNECT_TIMEOUT");
    expect(error.beforeRequestSent).toBe(true);
  });

  it("checks certificates by default and trusts a private CA only when given", async () => {
    const ca = createTestCertificateAuthority();
    const pair = ca.issue(["127.0.0.1"]);
    const tls = createHttpsServer({ key: pair.key, cert: pair.cert }, (req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "text/xml" }).end("<ok/>"));
    });
    await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/EWS/Exchange.asmx`;
    try {
      const strict = createUndiciTransport();
      const refused = (await strict.send({ ...request("/"), url }).catch((e: unknown) => e)) as TransportError;
      await strict.close();
      expect(refused).toBeInstanceOf(TransportError);
      expect(refused.transportCode).toMatch(/CERT|SIGNATURE|ISSUER/);
      const trusting = createUndiciTransport({ ca: ca.caCert });
      expect((await trusting.send({ ...request("/"), url })).body).toBe("<ok/>");
      await trusting.close();
    } finally {
      tls.closeAllConnections();
      await new Promise<void>((resolve) => tls.close(() => resolve()));
      ca.dispose();
    }
  });
});

describe("layers", () => {
  it("log one line per exchange without headers, credentials or bodies", async () => {
    handlers.set("/ok", (_req, res) => {
      res.writeHead(200, { "content-type": "text/xml" });
      res.end("<secret-body/>");
    });
    const lines: string[] = [];
    const logger = { debug: (m: string, f?: object) => lines.push(`${m} ${JSON.stringify(f)}`), warn: (m: string, f?: object) => lines.push(`${m} ${JSON.stringify(f)}`) };
    const transport = createUndiciTransport();
    const send = composeLayers(transport.send, [loggingLayer(logger), authLayer(basicAuth({ username: "u@x", password: "hunter2" }))]);
    await send(request("/ok", { body: "<request-body/>" }));
    await transport.close();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"operation":"GetItem"');
    expect(lines.join()).not.toMatch(/hunter2|dTpY|Basic|secret-body|request-body/);
  });

  it("compute capped exponential backoff with jitter, and parse Retry-After dates", async () => {
    const events: RetryEvent[] = [];
    let calls = 0;
    const send = composeLayers(async () => {
      calls++;
      return { status: 503, headers: {}, body: "" };
    }, [retryLayer({ maxAttempts: 6, baseDelayMs: 2, maxDelayMs: 8, random: () => 0.999 }, (e) => events.push(e))]);
    const response = await send(request("/"));
    expect(response.status).toBe(503);
    expect(calls).toBe(6);
    expect(events.map((e) => e.delayMs)).toEqual([2, 4, 8, 8, 8]);
    expect(parseRetryAfter("120")).toBe(120_000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.parse("Wed, 21 Oct 2015 07:27:30 GMT"))).toBe(30_000);
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});
