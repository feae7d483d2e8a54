/**
 * Issue 12, "Memory bounded against hostile sizes": the default response limits are survivable.
 *
 * A child `node --max-old-space-size=256` (see HEAP_MIB) runs the real EwsClient / DavClient against
 * a loopback HTTP server in this process and reads the largest response each accepts by default,
 * just under the limit (EWS 16 MiB: a GetItem of real contact shapes taken from the simulator;
 * DAV 32 MiB: a sync-collection listing, the costliest shape per byte, and two addressbook-multiget
 * answers with address-data in flight together, the default readConcurrency); each finishes
 * without running out of heap. A response just over the limit
 * is paged (EWS GetItem: the batch is split) or refused with the typed too-large error before
 * parsing (DAV sync-collection from a server that ignores `DAV:limit`).
 *
 * The child runs with `--trace-gc`; the heap used before each collection is read from those lines
 * and the largest is printed as the peak, with the child's peak RSS, so the figures show in the log.
 * No timing is asserted.
 */
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, DEFAULT_MAX_RESPONSE_BYTES as EWS_LIMIT, EwsClient, type EwsLayer } from "@ewsdav/ews-client";
import { seedLarge, startEwsSimulator } from "@ewsdav/ews-simulator";
// Not exported by the package; the test reads the default where it is defined.
import { DEFAULT_MAX_RESPONSE_BYTES as DAV_LIMIT } from "../../packages/dav-client/src/transport.js";
import { memberName, type ResponseMemoryResult, type ResponseMemoryTask } from "../harness/response-memory-child.js";

/**
 * The old space the child gets. Node leaves the heap size to V8, which sets the old-space limit
 * from the memory it is told the machine has: a quarter of it (up to 2–4 GiB on 64-bit), so a host
 * or container with 1 GiB of memory runs Node with about 256 MiB of old space, one with 2 GiB
 * about 512 MiB. The limits' reasoning assumes no less than that: the DAV limit "within the old
 * space Node gives by default on a machine with 1 GB of memory", the EWS limit ≈ 160 MiB at the
 * peak for one response (measured: 190 MiB of old space parses a 16 MiB GetItem with the
 * simulator in the same heap). 256 MiB is the smallest default heap those figures claim to fit.
 * (`--max-old-space-size` caps the old space only; V8 adds the young generation, so the child's
 * heap size limit reads 304 MiB. `EWSDAV_RESPONSE_MEMORY_HEAP_MIB` overrides the cap, to probe the
 * margin by hand; the suite never sets it.)
 */
const HEAP_MIB = Number(process.env.EWSDAV_RESPONSE_MEMORY_HEAP_MIB) || 256;
const CHILD = fileURLToPath(new URL("../harness/response-memory-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MiB = 1024 * 1024;

interface ChildRun {
  readonly result: ResponseMemoryResult;
  /** Largest heap used before a collection, from `--trace-gc` (MiB). */
  readonly peakHeapMiB: number;
  readonly exitCode: number | null;
  readonly stderr: string;
}

/** Runs the child on `task` with the capped heap; resolves when it exits (whatever the outcome). */
function runChild(task: ResponseMemoryTask): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MIB}`, "--trace-gc", "--expose-gc", "--import", "tsx", CHILD, JSON.stringify(task)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (exitCode, signal) => {
      let peakHeapMiB = 0;
      for (const m of stdout.matchAll(/ms: [A-Za-z -]+?\s([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/g)) peakHeapMiB = Math.max(peakHeapMiB, Number(m[1]));
      const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
      const result = line
        ? (JSON.parse(line.slice("RESULT ".length)) as ResponseMemoryResult)
        : {
            ok: false,
            items: 0,
            errors: [`child ended (exit code ${exitCode}, signal ${signal}) without a result${/heap out of memory/i.test(stderr) ? ": JavaScript heap out of memory" : ""}`],
            heapUsedMiB: 0,
            maxRssMiB: 0,
            heapLimitMiB: 0,
          };
      peakHeapMiB = Math.max(peakHeapMiB, result.heapUsedMiB);
      resolve({ result, peakHeapMiB, exitCode, stderr: stderr.slice(-2000) });
    });
  });
}

function report(name: string, bodyBytes: number, run: ChildRun): void {
  const r = run.result;
  console.log(
    `${name}: body ${(bodyBytes / MiB).toFixed(2)} MiB, --max-old-space-size=${HEAP_MIB} (heap limit ${r.heapLimitMiB} MiB): ` +
      `peak heap ${run.peakHeapMiB.toFixed(1)} MiB (${(run.peakHeapMiB / (bodyBytes / MiB)).toFixed(1)}× the body), ` +
      `retained after ${r.heapUsedMiB} MiB, max RSS ${r.maxRssMiB} MiB; ok=${r.ok} items=${r.items}${r.errors.length ? ` errors: ${r.errors[0]}` : ""}`,
  );
}

/** A loopback server whose handler sees the request body as text. */
async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handler(req, Buffer.concat(chunks).toString("utf8"), res));
  });
  // The client hangs up mid-body on a response over its limit; that is expected.
  server.on("clientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function send(res: ServerResponse, status: number, contentType: string, body: Buffer): void {
  res.on("error", () => undefined);
  res.socket?.on("error", () => undefined);
  res.writeHead(status, { "content-type": contentType, "content-length": String(body.length) });
  res.end(body);
}

/** Stops a server, dropping the connections the clients left open. */
async function close(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe("EWS: the default response limit is survivable in a 256 MiB heap", () => {
  let server: Server | undefined;
  let origin = "";
  /** GetItem envelope split around its messages, and the messages of 50 real contacts. */
  let head = "";
  let tail = "";
  let messages: string[] = [];
  /** Sizes of the bodies the server sent, in order. */
  const sent: number[] = [];

  /** The GetItem response for `n` ids: the simulator's contact messages repeated in turn. */
  const getItemBody = (n: number) => {
    const parts = [head];
    for (let i = 0; i < n; i++) parts.push(messages[i % messages.length]!);
    parts.push(tail);
    return Buffer.from(parts.join(""), "utf8");
  };
  /** The most ids whose GetItem response stays within `limit` bytes. */
  const idsWithin = (limit: number) => {
    let size = Buffer.byteLength(head + tail);
    let n = 0;
    while (size + Buffer.byteLength(messages[n % messages.length]!) <= limit) size += Buffer.byteLength(messages[n++ % messages.length]!);
    return { n, size };
  };

  beforeAll(async () => {
    // Real response shapes: a GetItem (AllProperties) of 50 contacts, as the simulator answers it.
    const sim = await startEwsSimulator({ seed: (box) => seedLarge(box, { contacts: 50, events: 0, tasks: 0 }), record: false });
    const captured: string[] = [];
    const capture: EwsLayer = (next) => async (request) => {
      const response = await next(request);
      captured.push(response.body);
      return response;
    };
    const ews = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), layers: [capture] });
    try {
      const ids = [];
      for await (const page of ews.syncFolderItemsPages({ folder: { distinguishedId: "contacts" } })) for (const c of page.changes) if (c.type === "Create") ids.push(c.itemId);
      captured.length = 0;
      await ews.getItem(ids, { batchSize: ids.length });
    } finally {
      await ews.close();
      await sim.stop();
    }
    const body = captured.find((b) => b.includes("GetItemResponse"))!;
    const open = "<m:ResponseMessages>";
    const start = body.indexOf(open) + open.length;
    const end = body.indexOf("</m:ResponseMessages>");
    head = body.slice(0, start);
    tail = body.slice(end);
    messages = body
      .slice(start, end)
      .split("</m:GetItemResponseMessage>")
      .filter((m) => m.trim() !== "")
      .map((m) => `${m}</m:GetItemResponseMessage>`);
    expect(messages.length).toBe(50);

    ({ server, origin } = await serve((req, requestBody, res) => {
      const n = (requestBody.match(/<t:ItemId\b/g) ?? []).length;
      if (!requestBody.includes("GetItem") || n === 0) return send(res, 500, "text/plain", Buffer.from(`unexpected request ${requestBody.slice(0, 200)}`));
      const out = getItemBody(n);
      sent.push(out.length);
      send(res, 200, "text/xml; charset=utf-8", out);
    }));
  });
  afterAll(() => close(server));

  it("reads a GetItem response just under the limit in one request", async () => {
    const { n, size } = idsWithin(EWS_LIMIT - 1024);
    sent.length = 0;
    const run = await runChild({ kind: "ews-getitem", url: `${origin}/EWS/Exchange.asmx`, count: n });
    report(`EWS GetItem of ${n} contacts`, size, run);
    expect(run.result.errors, run.stderr).toEqual([]);
    expect(run.result).toMatchObject({ ok: true, items: n });
    expect(run.exitCode).toBe(0);
    expect(sent).toEqual([size]);
    expect(size).toBeGreaterThan(EWS_LIMIT - 64 * 1024);
  }, 120_000);

  it("pages a GetItem response just over the limit (the batch is split) instead of parsing it", async () => {
    const { n } = idsWithin(EWS_LIMIT + 64 * 1024);
    const over = getItemBody(n).length;
    expect(over).toBeGreaterThan(EWS_LIMIT);
    sent.length = 0;
    const run = await runChild({ kind: "ews-getitem", url: `${origin}/EWS/Exchange.asmx`, count: n });
    report(`EWS GetItem of ${n} contacts (over)`, over, run);
    expect(run.result.errors, run.stderr).toEqual([]);
    expect(run.result).toMatchObject({ ok: true, items: n });
    expect(run.exitCode).toBe(0);
    // The whole answer was asked for once and refused; then two halves, each within the limit.
    expect(sent[0]).toBe(over);
    expect(sent.slice(1)).toHaveLength(2);
    for (const size of sent.slice(1)) expect(size).toBeLessThanOrEqual(EWS_LIMIT);
  }, 120_000);
});

describe("DAV: the default response limit is survivable in a 256 MiB heap", () => {
  let server: Server | undefined;
  let origin = "";
  const sent: number[] = [];
  const bodies = new Map<string, Buffer>();

  const MULTIGET_PATH = "/dav/addressbooks/alice/cards/";
  const HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<d:multistatus xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">';
  /** A sync-collection listing (href + ETag per member) of `collection`, as large as fits `bytes`. */
  const listing = (collection: string, bytes: number) => {
    const end = "<d:sync-token>http://sabre.io/ns/sync/42</d:sync-token></d:multistatus>";
    const parts = [HEAD];
    let size = HEAD.length + end.length;
    for (let i = 0; ; i++) {
      const part = `<d:response><d:href>${collection}${memberName(i)}</d:href><d:propstat><d:prop><d:getetag>"${i.toString(36)}-5f0e8a7c1d"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>\n`;
      if (size + part.length > bytes) break;
      parts.push(part);
      size += part.length;
    }
    parts.push(end);
    return { body: Buffer.from(parts.join(""), "utf8"), members: parts.length - 2 };
  };
  /** NOTE length of the vCards the multiget answers carry (set by the test: about 3 KB a card). */
  let noteLength = 0;
  const card = (href: string, i: number, note: string) =>
    `<d:response><d:href>${href}</d:href><d:propstat><d:prop><d:getetag>"${i.toString(36)}-5f0e8a7c1d"</d:getetag>` +
    `<card:address-data>BEGIN:VCARD&#13;\nVERSION:3.0&#13;\nUID:${i}-4f1c-9a7e&#13;\nFN:Contact ${i}&#13;\nN:${i};Contact;;;&#13;\nEMAIL;TYPE=work:c${i}@example.com&#13;\nNOTE:${note}&#13;\nEND:VCARD&#13;\n</card:address-data>` +
    `</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>\n`;
  /** The addressbook-multiget answer for the hrefs a request asks for: a vCard each, its NOTE `noteLength` long. */
  const multigetAnswer = (hrefs: readonly string[]) => {
    const note = "x".repeat(noteLength);
    return Buffer.from([HEAD, ...hrefs.map((href, i) => card(href, Number.parseInt(href.slice(href.lastIndexOf("/") + 1, href.lastIndexOf("/") + 9), 16) || i, note)), "</d:multistatus>"].join(""), "utf8");
  };

  beforeAll(async () => {
    ({ server, origin } = await serve((req, requestBody, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const kind = requestBody.includes("sync-collection") ? "sync" : requestBody.includes("addressbook-multiget") ? "multiget" : "other";
      const out =
        kind === "multiget" && path === MULTIGET_PATH
          ? multigetAnswer([...requestBody.matchAll(/<(?:d:|D:)?href>([^<]*)<\//g)].map((m) => m[1]!))
          : bodies.get(`${kind} ${path}`);
      if (req.method !== "REPORT" || !out) return send(res, 404, "text/plain", Buffer.from(`no ${req.method} ${kind} ${path}`));
      sent.push(out.length);
      send(res, 207, "application/xml; charset=utf-8", out);
    }));
  });
  afterAll(() => close(server));

  it("reads a sync-collection listing just under the limit", async () => {
    const path = "/dav/addressbooks/alice/under/";
    const { body, members } = listing(path, DAV_LIMIT - 1024);
    bodies.set(`sync ${path}`, body);
    sent.length = 0;
    const run = await runChild({ kind: "dav-sync", url: `${origin}${path}`, count: 0 });
    bodies.clear();
    report(`DAV sync-collection of ${members} members`, body.length, run);
    expect(run.result.errors, run.stderr).toEqual([]);
    expect(run.result).toMatchObject({ ok: true, items: members });
    expect(run.exitCode).toBe(0);
    expect(sent).toEqual([body.length]);
    expect(body.length).toBeGreaterThan(DAV_LIMIT - 64 * 1024);
  }, 120_000);

  it("reads two addressbook-multiget answers with address-data, each just under the limit, in flight together", async () => {
    // The DAV limit's reasoning counts two multigets in flight (the default readConcurrency).
    const n = 10_000;
    // Sized on the second batch (members n…2n−1), whose numbers are a digit longer than most of the first's.
    const hrefs = Array.from({ length: n }, (_, i) => `${MULTIGET_PATH}${memberName(n + i)}`);
    noteLength = 0;
    const bare = multigetAnswer(hrefs).length;
    noteLength = Math.floor((DAV_LIMIT - 1024 - bare) / n);
    const size = multigetAnswer(hrefs).length;
    expect(size).toBeLessThanOrEqual(DAV_LIMIT);
    expect(size).toBeGreaterThan(DAV_LIMIT - 64 * 1024);
    sent.length = 0;
    const run = await runChild({ kind: "dav-multiget", url: `${origin}${MULTIGET_PATH}`, count: 2 * n, batchSize: n });
    report(`DAV addressbook-multiget, 2 × ${n} vCards`, 2 * size, run);
    expect(run.result.errors, run.stderr).toEqual([]);
    expect(run.result).toMatchObject({ ok: true, items: 2 * n });
    expect(run.exitCode).toBe(0);
    expect(sent).toHaveLength(2);
    for (const s of sent) expect(Math.abs(s - size)).toBeLessThan(64 * 1024);
  }, 120_000);

  it("refuses a sync-collection listing just over the limit with RESPONSE_TOO_LARGE (a server that ignores DAV:limit)", async () => {
    const path = "/dav/addressbooks/alice/over/";
    const { body } = listing(path, DAV_LIMIT + 64 * 1024);
    expect(body.length).toBeGreaterThan(DAV_LIMIT);
    bodies.set(`sync ${path}`, body);
    sent.length = 0;
    const run = await runChild({ kind: "dav-sync", url: `${origin}${path}`, count: 0 });
    bodies.clear();
    report("DAV sync-collection (over)", body.length, run);
    expect(run.result.ok, run.stderr).toBe(false);
    expect(run.result.errors).toHaveLength(1);
    expect(run.result.errors[0]).toMatch(/^DavError\[RESPONSE_TOO_LARGE\]/);
    expect(run.exitCode).toBe(0);
    // Asked again in pages (DAV:limit) before giving up; every answer was refused, none parsed.
    expect(sent.length).toBeGreaterThan(1);
  }, 120_000);
});
