import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { Agent, Client, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  authorizationHeader,
  backoffDelay,
  canRefresh,
  agentOptions,
  clientOptions,
  exponentialDelay,
  headerRecord,
  HttpDecodeError,
  HttpResponseTooLargeError,
  isLoopbackHost,
  mayCarryCredentials,
  parseRetryAfter,
  readBody,
  redactCredentials,
  redactHeaders,
  redactUrl,
  sleep,
  withAuthRefresh,
  withDeadline,
} from "./index.js";

let server: Server;
let base = "";
const bodies: Record<string, { headers: Record<string, string>; body: Buffer }> = {
  "/plain": { headers: {}, body: Buffer.from("hello") },
  "/gzip": { headers: { "content-encoding": "gzip" }, body: gzipSync("hello gzip") },
  "/br": { headers: { "content-encoding": "br" }, body: brotliCompressSync("hello br") },
  "/bomb": { headers: { "content-encoding": "gzip" }, body: gzipSync(Buffer.alloc(1_000_000, 32)) },
  "/big": { headers: { "content-length": "5000" }, body: Buffer.alloc(5000, 120) },
  "/corrupt": { headers: { "content-encoding": "gzip" }, body: Buffer.from("not gzip") },
  "/zstd": { headers: { "content-encoding": "zstd" }, body: Buffer.from("raw") },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const entry = bodies[req.url ?? ""]!;
    if (req.url === "/hang") return; // never answers: the headers timeout ends the request
    if (req.url === "/chunked-big") {
      res.writeHead(200);
      res.write(Buffer.alloc(3000, 120));
      res.end(Buffer.alloc(3000, 120));
      return;
    }
    res.writeHead(200, entry.headers).end(entry.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function read(path: string, options: Parameters<typeof readBody>[2]) {
  const agent = new Agent(agentOptions({ connections: 1, keepAliveTimeoutMs: 1000, headersTimeoutMs: 5000, bodyTimeoutMs: 5000 }));
  try {
    const response = await request(`${base}${path}`, { dispatcher: agent });
    return await readBody(response.body, headerRecord(response.headers), options);
  } finally {
    await agent.close();
  }
}

describe("readBody over a real connection", () => {
  it("decodes the codings asked for and counts bytes as received", async () => {
    expect((await read("/plain", { maxBytes: 100 })).bytes.toString()).toBe("hello");
    const gzip = await read("/gzip", { maxBytes: 100, decode: ["gzip"] });
    expect(gzip.bytes.toString()).toBe("hello gzip");
    expect(gzip.receivedBytes).toBe(bodies["/gzip"]!.body.length);
    expect((await read("/br", { maxBytes: 100, decode: ["gzip", "br"] })).bytes.toString()).toBe("hello br");
  });

  it("refuses a body over the limit as announced, as received and once decoded", async () => {
    const declared = await read("/big", { maxBytes: 4096 }).catch((e: unknown) => e);
    expect(declared).toBeInstanceOf(HttpResponseTooLargeError);
    expect(declared).toMatchObject({ stage: "declared", declaredBytes: 5000, limitBytes: 4096 });
    expect(await read("/chunked-big", { maxBytes: 4096 }).catch((e: unknown) => e)).toMatchObject({ stage: "received" });
    expect(await read("/bomb", { maxBytes: 4096, decode: ["gzip"] }).catch((e: unknown) => e)).toMatchObject({ stage: "decoded" });
  });

  it("reports a corrupt or unsupported coding with HttpDecodeError, or passes an unknown one when asked", async () => {
    expect(await read("/corrupt", { maxBytes: 100, decode: ["gzip"] }).catch((e: unknown) => e)).toMatchObject({ reason: "corrupt", encoding: "gzip" });
    const unsupported = await read("/zstd", { maxBytes: 100, decode: ["gzip"], unknownEncoding: "error" }).catch((e: unknown) => e);
    expect(unsupported).toBeInstanceOf(HttpDecodeError);
    expect(unsupported).toMatchObject({ reason: "unsupported", encoding: "zstd" });
    expect((await read("/zstd", { maxBytes: 100, decode: ["gzip"] })).bytes.toString()).toBe("raw");
  });
});

describe("dispatcher options", () => {
  const options = { keepAliveTimeoutMs: 1000, headersTimeoutMs: 300, bodyTimeoutMs: 5000, connectTimeoutMs: 2000, rejectUnauthorized: true, pipelining: 1 };

  it("gives a dedicated Client the pool's options without the pool size", () => {
    expect(agentOptions({ connections: 3, ...options })).toEqual({ connections: 3, ...clientOptions(options) });
    expect(clientOptions(options)).toEqual({
      keepAliveTimeout: 1000,
      headersTimeout: 300,
      bodyTimeout: 5000,
      pipelining: 1,
      connect: { timeout: 2000, rejectUnauthorized: true },
    });
    expect(clientOptions({ keepAliveTimeoutMs: 1000 })).toEqual({ keepAliveTimeout: 1000 });
  });

  it("runs a Client over a real connection with those timeouts", async () => {
    const client = new Client(base, clientOptions(options));
    try {
      const ok = await client.request({ path: "/plain", method: "GET" });
      expect((await readBody(ok.body, headerRecord(ok.headers), { maxBytes: 100 })).bytes.toString()).toBe("hello");
      await expect(client.request({ path: "/hang", method: "GET" })).rejects.toMatchObject({ code: "UND_ERR_HEADERS_TIMEOUT" });
    } finally {
      await client.destroy();
    }
  });
});

describe("retry timing", () => {
  it("parses Retry-After seconds and dates", () => {
    expect(parseRetryAfter("120")).toBe(120_000);
    expect(parseRetryAfter(" 7 ")).toBe(7000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.parse("Wed, 21 Oct 2015 07:27:30 GMT"))).toBe(30_000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.parse("Wed, 21 Oct 2015 08:00:00 GMT"))).toBe(0);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter("")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it("doubles the delay up to the cap, with jitter in its upper half", () => {
    const options = { baseDelayMs: 2, maxDelayMs: 8 };
    expect([1, 2, 3, 4, 5].map((a) => exponentialDelay(a, options))).toEqual([2, 4, 8, 8, 8]);
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, options, () => 0.999))).toEqual([2, 4, 8, 8, 8]);
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, options, () => 0))).toEqual([1, 2, 4, 4, 4]);
    expect(exponentialDelay(2000, { baseDelayMs: 1, maxDelayMs: 60_000 })).toBe(60_000);
  });

  it("sleeps until aborted, with the caller's error", async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal, (reason) => new Error(`stopped: ${String(reason)}`));
    controller.abort("bye");
    await expect(waiting).rejects.toThrow("stopped: bye");
    await expect(sleep(1, AbortSignal.abort("x"), () => new Error("at once"))).rejects.toThrow("at once");
    await expect(sleep(1, undefined, () => new Error("never"))).resolves.toBeUndefined();
  });
});

describe("deadlines", () => {
  it("tells a deadline from the caller's abort", async () => {
    const caller = new AbortController();
    const aborted = withDeadline(60_000, caller.signal);
    caller.abort();
    expect([aborted.signal.aborted, aborted.timedOut()]).toEqual([true, false]);
    const late = withDeadline(1);
    await new Promise((resolve) => late.signal.addEventListener("abort", resolve, { once: true }));
    expect(late.timedOut()).toBe(true);
  });
});

describe("credentials", () => {
  it("knows loopback hosts as URL spells them", () => {
    for (const host of ["localhost", "a.localhost", "127.0.0.1", "127.1.2.3", "[::1]", "[::ffff:127.0.0.1]"]) {
      expect(isLoopbackHost(new URL(`http://${host}:1/`).hostname), host).toBe(true);
    }
    for (const host of ["128.0.0.1", "localhost.example.com", "[::2]", "10.0.0.1", "mail.example.com"]) {
      expect(isLoopbackHost(new URL(`http://${host}/`).hostname), host).toBe(false);
    }
  });

  it("lets credentials go over https, to loopback, or when allowed", () => {
    expect(mayCarryCredentials(new URL("https://dav.example.com/"), false)).toBe(true);
    expect(mayCarryCredentials(new URL("http://127.0.0.1:8080/"), false)).toBe(true);
    expect(mayCarryCredentials(new URL("http://dav.example.com/"), false)).toBe(false);
    expect(mayCarryCredentials(new URL("http://dav.example.com/"), true)).toBe(true);
  });

  it("redacts user info, queries and credential headers", () => {
    expect(redactUrl("https://u:secret@dav.example.com/a/?token=x#f")).toBe("https://dav.example.com/a/");
    expect(redactUrl("not a url")).toBe("(unparseable URL)");
    expect(redactHeaders({ Authorization: "Basic abc", cookie: "s=1", "content-type": "text/xml" })).toEqual({
      Authorization: "[redacted]",
      cookie: "[redacted]",
      "content-type": "text/xml",
    });
  });

  it("redacts OAuth secrets in form bodies, queries and JSON, and leaves error codes and prose", () => {
    const form = "grant_type=refresh_token&client_id=c1&refresh_token=0.AAA-rt~9&client_secret=app-Qx7~s&code_verifier=v-1";
    expect(redactCredentials(form)).toBe("grant_type=refresh_token&client_id=c1&refresh_token=[redacted]&client_secret=[redacted]&code_verifier=[redacted]");
    expect(redactCredentials("code=OAQ-1&state=s")).toBe("code=[redacted]&state=s");
    expect(redactCredentials("back to http://localhost/cb?state=s&code=OAQ-1 ok")).toBe("back to http://localhost/cb?state=s&code=[redacted] ok");
    const json = '{"token_type":"Bearer","access_token":"at.1","refresh_token":"rt.\\"2","id_token":"x","device_code":"d"}';
    expect(redactCredentials(json)).toBe('{"token_type":"Bearer","access_token":"[redacted]","refresh_token":"[redacted]","id_token":"[redacted]","device_code":"[redacted]"}');
    expect(redactCredentials('{"error":{"code":"InvalidAuthenticationToken"}} status code=401 ErrorCode=5')).toBe('{"error":{"code":"InvalidAuthenticationToken"}} status code=401 ErrorCode=5');
  });

  it("builds Authorization and asks a token provider again after one 401", async () => {
    expect(await authorizationHeader({ type: "basic", username: "u", password: "p" }, false)).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
    const asked: boolean[] = [];
    const auth = { type: "bearer" as const, token: ({ refresh }: { refresh: boolean }) => (asked.push(refresh), refresh ? "new" : "old") };
    const sent: string[] = [];
    const response = await withAuthRefresh(
      async (refresh) => {
        const header = (await authorizationHeader(auth, refresh))!;
        sent.push(header);
        return { status: header === "Bearer new" ? 200 : 401 };
      },
      () => canRefresh(auth),
    );
    expect(response.status).toBe(200);
    expect(sent).toEqual(["Bearer old", "Bearer new"]);
    expect(asked).toEqual([false, true]);
    let attempts = 0;
    const fixed = { type: "bearer" as const, token: "fixed" };
    expect((await withAuthRefresh(async () => (attempts++, { status: 401 }), () => canRefresh(fixed))).status).toBe(401);
    expect(attempts).toBe(1);
  });
});
