import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { DavError } from "./errors.js";
import { serve, type LoopbackServer } from "./loopback.test-support.js";
import { backoffDelay, DavTransport, parseRetryAfter } from "./transport.js";

let servers: LoopbackServer[] = [];
let transports: DavTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  transports = [];
});

async function setup(handler: Parameters<typeof serve>[0], options: ConstructorParameters<typeof DavTransport>[0] = {}) {
  const server = await serve(handler);
  const transport = new DavTransport({ retry: { baseDelayMs: 5 }, ...options });
  servers.push(server);
  transports.push(transport);
  return { server, transport, url: new URL(server.url) };
}

describe("DavTransport retries", () => {
  it("retries a read after 503 with Retry-After and after a dropped connection", async () => {
    const { server, transport, url } = await setup((req, res, i) => {
      if (i === 0) {
        res.writeHead(503, { "retry-after": "0" });
        res.end();
      } else if (i === 1) res.socket?.destroy();
      else res.end("ok");
    });
    const response = await transport.request({ method: "GET", url, retry: "read" });
    expect(response.body).toBe("ok");
    expect(server.requests).toHaveLength(3);
    expect(transport.stats).toMatchObject({ requests: 3, retries: 2 });
  });

  it("retries a write on 429 but not on 502 or a dropped connection", async () => {
    const { server, transport, url } = await setup((req, res, i) => {
      res.writeHead(i === 0 ? 429 : 502, { "retry-after": "0" });
      res.end();
    });
    const response = await transport.request({ method: "PUT", url, body: "x", retry: "write" });
    expect(response.status).toBe(502);
    expect(server.requests).toHaveLength(2);

    const dropping = await setup((req, res) => void res.socket?.destroy());
    await expect(dropping.transport.request({ method: "PUT", url: dropping.url, body: "x", retry: "write" })).rejects.toMatchObject({ code: "NETWORK" });
    expect(dropping.server.requests).toHaveLength(1);
  });

  it("waits what Retry-After says rather than its own backoff", async () => {
    // Its own backoff is an hour: the request only completes (within the test timeout) if the
    // server's Retry-After of 0 s is used instead.
    const { server, transport, url } = await setup((req, res, i) => {
      res.writeHead(i === 0 ? 503 : i === 1 ? 429 : 201, { "retry-after": "0" });
      res.end();
    }, { retry: { baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 } });
    expect((await transport.request({ method: "PUT", url, body: "x", retry: "write" })).status).toBe(201);
    expect(server.requests).toHaveLength(3);
  });

  it("caps a long Retry-After at maxDelayMs", async () => {
    const { server, transport, url } = await setup((req, res, i) => {
      res.writeHead(i === 0 ? 503 : 200, { "retry-after": "86400" });
      res.end("ok");
    }, { retry: { baseDelayMs: 1, maxDelayMs: 10 } });
    expect((await transport.request({ method: "GET", url, retry: "read" })).body).toBe("ok");
    expect(server.requests).toHaveLength(2);
  });

  it("gives up after the configured retries and returns the last status", async () => {
    const { server, transport, url } = await setup((req, res) => {
      res.writeHead(503);
      res.end();
    }, { retry: { retries: 2, baseDelayMs: 1 } });
    expect((await transport.request({ method: "GET", url, retry: "read" })).status).toBe(503);
    expect(server.requests).toHaveLength(3);
  });

  it("computes Retry-After in seconds or as a date, and caps the wait", () => {
    expect(parseRetryAfter("7")).toBe(7000);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString(), Date.now())).toBeGreaterThan(3000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    const options = { retries: 3, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, options, 60_000)).toBe(1000);
    expect(backoffDelay(3, options)).toBeLessThanOrEqual(400);
    expect(backoffDelay(3, options)).toBeGreaterThanOrEqual(200);
  });
});

describe("DavTransport redirects", () => {
  it("follows a same-origin redirect keeping the method and body", async () => {
    const { server, transport, url } = await setup((req, res) => {
      if (req.url === "/.well-known/caldav") {
        res.writeHead(301, { location: "/remote.php/dav/" });
        res.end();
      } else res.end(`${req.method} ${req.url} ${req.body}`);
    });
    const response = await transport.request({ method: "PROPFIND", url: new URL("/.well-known/caldav", url), body: "<x/>", retry: "read" });
    expect(response.body).toBe("PROPFIND /remote.php/dav/ <x/>");
    expect(response.url.pathname).toBe("/remote.php/dav/");
    expect(server.requests.map((r) => r.headers["authorization"])).toEqual([undefined, undefined]);
  });

  it("refuses a redirect to another origin unless that origin is allowed", async () => {
    const other = await setup((req, res) => void res.end(`other ${req.headers["authorization"] ?? "-"}`));
    const handler = (req: unknown, res: import("node:http").ServerResponse) => {
      res.writeHead(302, { location: `${other.server.url}x` });
      res.end();
    };
    const refusing = await setup(handler, { auth: { type: "basic", username: "u", password: "hunter2" } });
    const error = await refusing.transport.request({ method: "GET", url: refusing.url, retry: "read" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "REDIRECT_REFUSED" });
    expect(String((error as Error).message)).not.toContain("hunter2");
    expect(other.server.requests).toHaveLength(0);

    const allowing = await setup(handler, { allowedRedirectOrigins: [other.server.url] });
    expect((await allowing.transport.request({ method: "GET", url: allowing.url, retry: "read" })).body).toBe("other -");
  });
});

describe("DavTransport limits and auth", () => {
  it("times out a slow answer and honours an AbortSignal", async () => {
    const { transport, url } = await setup((req, res) => {
      setTimeout(() => res.end("late"), 500);
    }, { timeoutMs: 50, retry: { retries: 0 } });
    await expect(transport.request({ method: "GET", url, retry: "read" })).rejects.toMatchObject({ code: "TIMEOUT" });
    const controller = new AbortController();
    const pending = transport.request({ method: "GET", url, retry: "read", signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("refuses a body above the size limit, also once decompressed", async () => {
    const big = "x".repeat(200_000);
    const { transport, url } = await setup((req, res) => {
      if (req.url === "/gz") {
        res.writeHead(200, { "content-encoding": "gzip" });
        res.end(gzipSync(big));
      } else res.end(big);
    }, { maxResponseBytes: 100_000 });
    await expect(transport.request({ method: "GET", url, retry: "read" })).rejects.toMatchObject({ code: "RESPONSE_TOO_LARGE" });
    await expect(transport.request({ method: "GET", url: new URL("/gz", url), retry: "read" })).rejects.toMatchObject({ code: "RESPONSE_TOO_LARGE" });
  });

  it("decodes gzip bodies", async () => {
    const { transport, url } = await setup((req, res) => {
      res.writeHead(200, { "content-encoding": "gzip" });
      res.end(gzipSync("héllo"));
    });
    expect((await transport.request({ method: "GET", url, retry: "read" })).body).toBe("héllo");
  });

  it("sends Basic credentials, and refreshes a bearer token once after a 401", async () => {
    const basic = await setup((req, res) => void res.end(req.headers["authorization"]), { auth: { type: "basic", username: "alice", password: "pä:ss" } });
    expect((await basic.transport.request({ method: "GET", url: basic.url, retry: "read" })).body).toBe(`Basic ${Buffer.from("alice:pä:ss").toString("base64")}`);

    const calls: boolean[] = [];
    const bearer = await setup((req, res) => {
      res.writeHead(req.headers["authorization"] === "Bearer fresh" ? 200 : 401);
      res.end();
    }, { auth: { type: "bearer", token: ({ refresh }) => (calls.push(refresh), refresh ? "fresh" : "stale") } });
    expect((await bearer.transport.request({ method: "GET", url: bearer.url, retry: "read" })).status).toBe(200);
    expect(calls).toEqual([false, true]);
  });

  it("keeps secrets out of network errors", async () => {
    const transport = new DavTransport({ auth: { type: "bearer", token: "sekret-token" }, retry: { retries: 0 } });
    transports.push(transport);
    const error = await transport.request({ method: "GET", url: new URL("http://user:pw@127.0.0.1:1/x?token=abc"), retry: "read" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DavError);
    expect(JSON.stringify({ message: (error as Error).message })).not.toMatch(/sekret|pw@|token=abc/);
  });
});
