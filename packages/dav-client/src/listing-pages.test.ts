/**
 * The complete listing in pages (`DavClient.listPages`): one sync-collection REPORT with the data,
 * handed over in pages as it is parsed, then the cursor; a cut or malformed answer throws and never
 * ends the listing; anything it cannot read as one whole answer (a truncated answer, a refusal of
 * the data, no sync-collection) is listed as `changes` lists it, then handed over in pages.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DavClient } from "./client.js";
import { decodeCursor } from "./cursor.js";
import type { DavListingStep } from "./changes.js";
import { serve, type LoopbackServer } from "./loopback.test-support.js";
import type { ServerResponse } from "node:http";

let server: LoopbackServer | undefined;
let client: DavClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

const CARD_NS = "urn:ietf:params:xml:ns:carddav";
const card = (uid: string) => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${uid}\r\nEND:VCARD\r\n`;
const head = `<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:" xmlns:card="${CARD_NS}">`;
const member = (name: string, withData = true) =>
  `<d:response><d:href>/book/${name}.vcf</d:href><d:propstat><d:prop><d:getetag>"${name}-1"</d:getetag>${withData ? `<card:address-data>${card(name)}</card:address-data>` : ""}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
const members = (n: number, withData = true) => Array.from({ length: n }, (_, i) => member(`m${i}`, withData)).join("");

function send(res: ServerResponse, body: string, status = 207): void {
  res.writeHead(status, { "content-type": "application/xml; charset=utf-8" });
  res.end(body);
}

async function setup(handler: Parameters<typeof serve>[0], supportsSyncCollection: boolean | undefined = true) {
  server = await serve(handler);
  client = new DavClient({ baseUrl: server.url, retry: { retries: 0, baseDelayMs: 1 } });
  return { server, client, book: { url: `${server.url}book/`, kind: "addressbook" as const, supportsSyncCollection } };
}

/** Every step, or the steps before the error and the error. */
async function collect(steps: AsyncIterable<DavListingStep>): Promise<{ pages: number[]; hrefs: string[]; end?: Extract<DavListingStep, { type: "end" }>; error?: Error }> {
  const out: { pages: number[]; hrefs: string[]; end?: Extract<DavListingStep, { type: "end" }>; error?: Error } = { pages: [], hrefs: [] };
  try {
    for await (const step of steps) {
      if (step.type === "end") out.end = step;
      else {
        out.pages.push(step.members.length);
        out.hrefs.push(...step.members.map((m) => m.href));
      }
    }
  } catch (error) {
    out.error = error as Error;
  }
  return out;
}

describe("the complete listing in pages", () => {
  it("reads one REPORT with the data and hands it over in pages, each member with its text, then the cursor", async () => {
    const { server, client, book } = await setup((_req, res) => send(res, `${head}${members(7)}<d:sync-token>t1</d:sync-token></d:multistatus>`));
    const steps: DavListingStep[] = [];
    for await (const step of client.listPages(book, { pageSize: 3 })) steps.push(step);
    expect(steps.map((s) => (s.type === "end" ? "end" : s.members.length))).toEqual([3, 3, 1, "end"]);
    expect(steps[0]).toMatchObject({ type: "members", members: [{ href: "/book/m0.vcf", etag: '"m0-1"', data: card("m0") }, {}, {}] });
    const end = steps[3] as Extract<DavListingStep, { type: "end" }>;
    expect(decodeCursor(end.cursor)).toEqual({ kind: "sync-token", syncToken: "t1" });
    expect(end.method).toBe("sync-collection");
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body).toContain("<card:address-data/>");
  });

  it("a body cut mid-multistatus throws after the pages before the cut, and never ends", async () => {
    const body = `${head}${members(7)}<d:sync-token>t1</d:sync-token></d:multistatus>`;
    const cut = body.slice(0, body.indexOf("/book/m5.vcf") + 20);
    const { client, book } = await setup((_req, res) => send(res, cut));
    const got = await collect(client.listPages(book, { pageSize: 2 }));
    expect(got.end).toBeUndefined();
    expect(got.error?.message).toMatch(/not well-formed|cut off/);
    expect(got.hrefs.length).toBeLessThanOrEqual(5);
  });

  it("a connection closed mid-body is an error, never a shorter listing", async () => {
    const body = `${head}${members(50)}<d:sync-token>t1</d:sync-token></d:multistatus>`;
    const { client, book } = await setup((_req, res) => {
      res.writeHead(207, { "content-type": "application/xml; charset=utf-8", "content-length": String(Buffer.byteLength(body)) });
      res.write(body.slice(0, 3000));
      setTimeout(() => res.destroy(), 10);
    });
    const got = await collect(client.listPages(book, { pageSize: 10 }));
    expect(got.end).toBeUndefined();
    expect(got.error).toBeDefined();
  });

  it("an answer without a sync-token, a member listed twice, or another root element is an error", async () => {
    for (const body of [
      `${head}${members(3)}</d:multistatus>`,
      `${head}${members(3)}${member("m1")}<d:sync-token>t1</d:sync-token></d:multistatus>`,
      `<?xml version="1.0"?><d:other xmlns:d="DAV:" xmlns:card="${CARD_NS}">${members(3)}<d:sync-token>t1</d:sync-token></d:other>`,
    ]) {
      const { client, book } = await setup((_req, res) => send(res, body));
      const got = await collect(client.listPages(book, { pageSize: 2 }));
      expect(got.end, body.slice(-80)).toBeUndefined();
      expect(got.error, body.slice(-80)).toBeDefined();
      await client.close();
      await server!.close();
    }
    server = undefined;
    client = undefined;
  });

  it("members listed without their content come without data; hrefs that are not members are reported at the end", async () => {
    const outside = `<d:response><d:href>/other/x.vcf</d:href><d:propstat><d:prop><d:getetag>"x"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
    const { client, book } = await setup((_req, res) => send(res, `${head}${members(2, false)}${outside}<d:sync-token>t1</d:sync-token></d:multistatus>`));
    const got = await collect(client.listPages(book));
    expect(got.error).toBeUndefined();
    expect(got.hrefs).toEqual(["/book/m0.vcf", "/book/m1.vcf"]);
    expect(got.end!.anomalies.map((a) => a.href)).toEqual(["/other/x.vcf"]);
  });

  it("after a redirect, members are those of the collection asked for: the other collection's are not members", async () => {
    const { client, book } = await setup((req, res) => {
      if (req.url?.startsWith("/book/")) {
        res.writeHead(301, { location: "/other/" });
        res.end();
        return;
      }
      send(res, `${head}${members(2).replaceAll("/book/", "/other/")}<d:sync-token>t1</d:sync-token></d:multistatus>`);
    });
    const got = await collect(client.listPages(book));
    expect(got.hrefs).toEqual([]);
    if (!got.error) expect(got.end!.anomalies.map((a) => a.href)).toEqual(["/other/m0.vcf", "/other/m1.vcf"]);
  });

  it("a busy or failing server (503) is an error, not a second REPORT", async () => {
    const { server, client, book } = await setup((_req, res) => send(res, "busy", 503));
    const got = await collect(client.listPages(book));
    expect(got.error).toBeDefined();
    expect(got.end).toBeUndefined();
    expect(server.requests).toHaveLength(1);
  });

  it("a truncated answer (507) is listed as changes lists it, following its token, then handed over in pages", async () => {
    const truncated = `<d:response><d:href>/book/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response>`;
    const { server, client, book } = await setup((req, res) => {
      const second = /<d:sync-token>t1<\/d:sync-token>/.test(req.body);
      send(res, second ? `${head}${member("z")}<d:sync-token>t2</d:sync-token></d:multistatus>` : `${head}${members(3)}${truncated}<d:sync-token>t1</d:sync-token></d:multistatus>`);
    });
    const got = await collect(client.listPages(book, { pageSize: 2 }));
    expect(got.error).toBeUndefined();
    expect(got.hrefs.sort()).toEqual(["/book/m0.vcf", "/book/m1.vcf", "/book/m2.vcf", "/book/z.vcf"]);
    expect(decodeCursor(got.end!.cursor)).toEqual({ kind: "sync-token", syncToken: "t2" });
    expect(server.requests.length).toBe(3); // the paged attempt, then the whole listing's two answers
  });

  it("a server that refuses the data is listed without it (members without data), as changes does", async () => {
    const { client, book } = await setup((req, res) =>
      req.body.includes("address-data") ? send(res, "", 400) : send(res, `${head}${members(3, false)}<d:sync-token>t1</d:sync-token></d:multistatus>`),
    );
    const got = await collect(client.listPages(book, { pageSize: 2 }));
    expect(got.error).toBeUndefined();
    expect(got.pages).toEqual([2, 1]);
    expect(got.end!.method).toBe("sync-collection");
  });

  it("a collection without sync-collection is listed by ETags, in pages", async () => {
    const { client, book } = await setup((req, res) => {
      if (req.method !== "PROPFIND") return send(res, "", 501);
      send(res, `${head}<d:response><d:href>/book/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>${members(3, false)}</d:multistatus>`);
    }, false);
    const got = await collect(client.listPages(book, { pageSize: 2 }));
    expect(got.error).toBeUndefined();
    expect(got.hrefs).toHaveLength(3);
    expect(got.end!.method).toBe("etag-listing");
  });
});
