/**
 * A change feed that carries the members' content (`withData`): sync-collection asks for
 * address-data / calendar-data with the ETags; members answered without it are read by
 * multiget once the listing is whole; a server that refuses the REPORT with data is asked again
 * without it, and not asked with it again; a cut or malformed answer is an error. Scripted on
 * loopback for the misbehaviour no real server in the harness shows (the real servers are in
 * test/sync-data.test.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { DavClient } from "./client.js";
import { decodeCursor } from "./cursor.js";
import { serve, type LoopbackServer, type RecordedRequest } from "./loopback.test-support.js";
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
const card = (uid: string) => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${uid} &amp; co\r\nEND:VCARD\r\n`;
const plainCard = (uid: string) => card(uid).replace("&amp;", "&");

function answer(res: ServerResponse, inner: string, status = 207): void {
  res.writeHead(status, { "content-type": "application/xml; charset=utf-8" });
  res.end(`<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:" xmlns:card="${CARD_NS}">${inner}</d:multistatus>`);
}

/** A member with its content, with it answered 404, or without it. */
function member(name: string, etag: string, data: "given" | "404" | "omitted"): string {
  const ok = `<d:propstat><d:prop><d:getetag>"${etag}"</d:getetag>${data === "given" ? `<card:address-data>${card(name)}</card:address-data>` : ""}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>`;
  const missing = data === "404" ? `<d:propstat><d:prop><card:address-data/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>` : "";
  return `<d:response><d:href>/book/${name}.vcf</d:href>${ok}${missing}</d:response>`;
}
const gone = (name: string) => `<d:response><d:href>/book/${name}.vcf</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`;
const tokenOf = (body: string) => /<d:sync-token>([^<]*)<\/d:sync-token>/.exec(body)?.[1] ?? "";
const hrefsOf = (body: string) => [...body.matchAll(/<d:href>([^<]*)<\/d:href>/g)].map((m) => m[1]);
const isSync = (req: RecordedRequest) => req.body.includes("sync-collection");
const multigetAnswer = (req: RecordedRequest, etag = (href: string) => `m-${href}`) =>
  hrefsOf(req.body)
    .map((href) => {
      const name = href!.slice("/book/".length, -".vcf".length);
      return `<d:response><d:href>${href}</d:href><d:propstat><d:prop><d:getetag>"${etag(name)}"</d:getetag><card:address-data>${card(name)}</card:address-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
    })
    .join("");

async function setup(handler: Parameters<typeof serve>[0], options: { multigetBatchSize?: number; readConcurrency?: number } = {}) {
  server = await serve(handler);
  client = new DavClient({ baseUrl: server.url, retry: { baseDelayMs: 1 }, ...options });
  return { server, client, book: { url: `${server.url}book/`, kind: "addressbook" as const, supportsSyncCollection: true } };
}

describe("a change feed with the members' content", () => {
  it("asks sync-collection for address-data and gives each member its text with CRLF line ends, in one request", async () => {
    const { server, client, book } = await setup((req, res) => answer(res, `${member("a", "a1", "given")}${member("b", "b1", "given")}<d:sync-token>t1</d:sync-token>`));
    const feed = await client.changes(book, null, { withData: true });
    expect(feed).toMatchObject({ complete: true, method: "sync-collection", deleted: [] });
    expect(feed.changed).toEqual([
      { href: "/book/a.vcf", etag: '"a1"', data: plainCard("a") },
      { href: "/book/b.vcf", etag: '"b1"', data: plainCard("b") },
    ]);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body).toMatch(/<d:prop><d:getetag\/><card:address-data\/><\/d:prop>/);
    expect(server.requests[0]!.headers["depth"]).toBe("0");
    expect(client.stats.requests).toBe(1);
  });

  it("does not ask for the content without withData (the listing stays href + ETag)", async () => {
    const { server, client, book } = await setup((req, res) => answer(res, `${member("a", "a1", "omitted")}<d:sync-token>t1</d:sync-token>`));
    const feed = await client.changes(book, null);
    expect(feed.changed).toEqual([{ href: "/book/a.vcf", etag: '"a1"' }]);
    expect(server.requests[0]!.body).not.toContain("address-data");
  });

  it("reads by multiget only the members answered without their content (404 propstat or left out), batches in flight together", async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    let seen = 0;
    // The first multiget is held until the second arrives (a barrier, not a timer): both in flight.
    let releaseFirst!: () => void;
    const secondArrived = new Promise<void>((resolve) => (releaseFirst = resolve));
    const names = Array.from({ length: 9 }, (_, i) => `m${i}`);
    const { server, client, book } = await setup(
      async (req, res) => {
        if (isSync(req)) {
          answer(res, `${names.map((n, i) => member(n, `${n}-1`, i % 3 === 0 ? "given" : i % 3 === 1 ? "404" : "omitted")).join("")}<d:sync-token>t1</d:sync-token>`);
          return;
        }
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        seen++;
        if (seen === 1) await secondArrived;
        else releaseFirst();
        inFlight--;
        answer(res, multigetAnswer(req, (name) => `${name}-1`));
      },
      { multigetBatchSize: 2, readConcurrency: 2 },
    );
    const feed = await client.changes(book, null, { withData: true });
    expect(feed.changed.map((m) => [m.href, m.etag, m.data])).toEqual(names.map((n) => [`/book/${n}.vcf`, `"${n}-1"`, plainCard(n)]));
    const multigets = server.requests.filter((r) => !isSync(r));
    expect(multigets.every((r) => r.body.includes("addressbook-multiget"))).toBe(true);
    expect(multigets.flatMap((r) => hrefsOf(r.body)).sort()).toEqual(names.filter((_, i) => i % 3 !== 0).map((n) => `/book/${n}.vcf`).sort());
    expect(multigets).toHaveLength(3); // 6 members, 2 per batch
    expect(mostInFlight).toBe(2);
  });

  it("leaves the members without content as they are when readMissing is false (no multiget)", async () => {
    const { server, client, book } = await setup((req, res) => answer(res, `${member("a", "a1", "given")}${member("b", "b1", "404")}<d:sync-token>t1</d:sync-token>`));
    const feed = await client.changes(book, null, { withData: true, readMissing: false });
    expect(feed.changed).toEqual([
      { href: "/book/a.vcf", etag: '"a1"', data: plainCard("a") },
      { href: "/book/b.vcf", etag: '"b1"' },
    ]);
    expect(server.requests).toHaveLength(1);
  });

  it("takes the multiget's ETag with its text, and leaves a member gone by then without content", async () => {
    const { client, book } = await setup((req, res) => {
      if (isSync(req)) answer(res, `${member("a", "a1", "404")}${member("b", "b1", "404")}<d:sync-token>t1</d:sync-token>`);
      else if (req.method === "GET") {
        res.writeHead(404);
        res.end();
      } else answer(res, `<d:response><d:href>/book/a.vcf</d:href><d:propstat><d:prop><d:getetag>"a2"</d:getetag><card:address-data>${card("a")}</card:address-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>${gone("b")}`);
    });
    const feed = await client.changes(book, null, { withData: true });
    expect(feed.changed).toEqual([
      { href: "/book/a.vcf", etag: '"a2"', data: plainCard("a") },
      { href: "/book/b.vcf", etag: '"b1"' },
    ]);
  });

  it("asks again without data when the server refuses the REPORT with it, reads by multiget, and does not ask with data again", async () => {
    let token = 0;
    const { server, client, book } = await setup((req, res) => {
      if (isSync(req) && req.body.includes("address-data")) {
        res.writeHead(400, { "content-type": "text/plain" });
        res.end("unsupported property in sync-collection");
      } else if (isSync(req)) {
        const from = tokenOf(req.body);
        answer(res, `${from === "" ? member("a", "a1", "omitted") : member("b", "b1", "omitted")}<d:sync-token>t${++token}</d:sync-token>`);
      } else answer(res, multigetAnswer(req));
    });
    const first = await client.changes(book, null, { withData: true });
    expect(first.changed).toEqual([{ href: "/book/a.vcf", etag: '"m-a"', data: plainCard("a") }]);
    expect(server.requests.map((r) => (isSync(r) ? (r.body.includes("address-data") ? "sync+data" : "sync") : "multiget"))).toEqual(["sync+data", "sync", "multiget"]);
    const next = await client.changes(book, first.cursor, { withData: true });
    expect(next).toMatchObject({ complete: false, changed: [{ href: "/book/b.vcf", etag: '"m-b"', data: plainCard("b") }] });
    expect(server.requests.slice(3).map((r) => (isSync(r) ? (r.body.includes("address-data") ? "sync+data" : "sync") : "multiget"))).toEqual(["sync", "multiget"]);
  });

  it("takes a server fault on the REPORT with data for an error, and asks with data again next time", async () => {
    let fail = true;
    const { server, client, book } = await setup((req, res) => {
      if (isSync(req) && fail) {
        fail = false;
        res.writeHead(503, { "content-type": "text/plain", "retry-after": "0" });
        res.end("busy");
      } else if (isSync(req)) answer(res, `${member("a", "a1", "given")}<d:sync-token>t1</d:sync-token>`);
      else answer(res, multigetAnswer(req));
    });
    const feed = await client.changes(book, null, { withData: true });
    expect(feed.changed).toEqual([{ href: "/book/a.vcf", etag: '"a1"', data: plainCard("a") }]);
    // Every request asked with data: the 503 was retried as an error, not taken for a refusal.
    expect(server.requests.filter(isSync).every((r) => r.body.includes("address-data"))).toBe(true);
    await client.changes(book, feed.cursor, { withData: true });
    expect(server.requests.filter(isSync).every((r) => r.body.includes("address-data"))).toBe(true);
  });

  it("asks again without data, not in pages, when the answer with data is over the size limit, and reads the content in multiget batches that fit", async () => {
    const big = (name: string) => card(name).replace("END:VCARD", `NOTE:${"x".repeat(2000)}\r\nEND:VCARD`);
    const names = Array.from({ length: 50 }, (_, i) => `b${i}`);
    server = await serve((req, res) => {
      if (isSync(req) && req.body.includes("address-data")) {
        answer(res, `${names.map((n) => member(n, `${n}-1`, "given").replace(card(n), big(n))).join("")}<d:sync-token>t1</d:sync-token>`);
      } else if (isSync(req)) answer(res, `${names.map((n) => member(n, `${n}-1`, "omitted")).join("")}<d:sync-token>t1</d:sync-token>`);
      else answer(res, multigetAnswer(req, (n) => `${n}-1`));
    });
    client = new DavClient({ baseUrl: server.url, retry: { baseDelayMs: 1 }, maxResponseBytes: 64 * 1024 });
    const feed = await client.changes({ url: `${server.url}book/`, kind: "addressbook", supportsSyncCollection: true }, null, { withData: true });
    expect(feed.changed).toHaveLength(names.length);
    expect(feed.changed.every((m) => m.data !== undefined)).toBe(true);
    const syncs = server.requests.filter(isSync);
    expect(syncs.map((r) => [r.body.includes("address-data"), r.body.includes("nresults")])).toEqual([
      [true, false],
      [false, false],
    ]);
  });

  it("reports incremental changes with their content and deletions, in one request", async () => {
    const { server, client, book } = await setup((req, res) =>
      tokenOf(req.body) === "t1"
        ? answer(res, `${member("a", "a2", "given")}${gone("b")}${member("c", "c1", "given")}<d:sync-token>t2</d:sync-token>`)
        : answer(res, `${member("a", "a1", "given")}${member("b", "b1", "given")}<d:sync-token>t1</d:sync-token>`),
    );
    const first = await client.changes(book, null, { withData: true });
    const next = await client.changes(book, first.cursor, { withData: true });
    expect(next).toMatchObject({ complete: false, deleted: ["/book/b.vcf"] });
    expect(next.changed).toEqual([
      { href: "/book/a.vcf", etag: '"a2"', data: plainCard("a") },
      { href: "/book/c.vcf", etag: '"c1"', data: plainCard("c") },
    ]);
    expect(decodeCursor(next.cursor)).toEqual({ kind: "sync-token", syncToken: "t2" });
    expect(server.requests).toHaveLength(2);
  });

  it("follows truncated pages with data, and reads the members without content only once the listing is whole", async () => {
    const { server, client, book } = await setup((req, res) => {
      if (!isSync(req)) return answer(res, multigetAnswer(req, (name) => `${name}-late`));
      const token = tokenOf(req.body);
      if (token === "") {
        answer(
          res,
          `${member("a", "a1", "404")}${member("b", "b1", "given")}<d:response><d:href>/book/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response><d:sync-token>p1</d:sync-token>`,
        );
      } else answer(res, `${member("a", "a2", "404")}${gone("b")}<d:sync-token>p2</d:sync-token>`);
    });
    const feed = await client.changes(book, null, { withData: true });
    expect(feed.complete).toBe(true);
    // b was deleted on the second page; a's content is read after the last page, at its newest version.
    expect(feed.changed).toEqual([{ href: "/book/a.vcf", etag: '"a-late"', data: plainCard("a") }]);
    expect(server.requests.map((r) => (isSync(r) ? `sync ${tokenOf(r.body) || "-"}` : `multiget ${hrefsOf(r.body).join(",")}`))).toEqual(["sync -", "sync p1", "multiget /book/a.vcf"]);
  });

  it("fails on a listing with data cut off mid-way, and on one that is not well-formed, never giving a shorter feed", async () => {
    const full = `<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:" xmlns:card="${CARD_NS}">${member("a", "a1", "given")}${member("b", "b1", "given")}<d:sync-token>t1</d:sync-token></d:multistatus>`;
    for (const body of [full.slice(0, full.indexOf("b.vcf") + 200), full.replace("</card:address-data>", "</card:address-dat>")]) {
      const made = await setup((req, res) => {
        res.writeHead(207, { "content-type": "application/xml; charset=utf-8" });
        res.end(body);
      });
      await expect(made.client.changes(made.book, null, { withData: true })).rejects.toMatchObject({ code: "INVALID_XML" });
      await made.client.close();
      await made.server.close();
      client = undefined;
      server = undefined;
    }
  });

  it("refuses a DOCTYPE inside a listing with data (no entity expansion into an item's text)", async () => {
    const { client, book } = await setup((req, res) => {
      res.writeHead(207, { "content-type": "application/xml; charset=utf-8" });
      res.end(`<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x "boom">]><d:multistatus xmlns:d="DAV:" xmlns:card="${CARD_NS}"><d:response><d:href>/book/a.vcf</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag><card:address-data>BEGIN:VCARD&#13;\nFN:&x;&#13;\nEND:VCARD</card:address-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response><d:sync-token>t</d:sync-token></d:multistatus>`);
    });
    await expect(client.changes(book, null, { withData: true })).rejects.toMatchObject({ code: "INVALID_XML" });
  });
});
