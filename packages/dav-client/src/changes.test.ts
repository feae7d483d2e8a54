import { afterEach, describe, expect, it } from "vitest";
import { collectionChanges } from "./changes.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { multistatus, serve, type LoopbackServer } from "./loopback.test-support.js";
import type { DavContext } from "./requests.js";
import { DavTransport } from "./transport.js";

let server: LoopbackServer | undefined;
let context: DavContext | undefined;
afterEach(async () => {
  await context?.transport.close();
  await server?.close();
  context = undefined;
  server = undefined;
});

async function setup(handler: Parameters<typeof serve>[0]): Promise<{ server: LoopbackServer; context: DavContext; collection: string }> {
  server = await serve(handler);
  context = { transport: new DavTransport({ retry: { baseDelayMs: 1 } }), baseUrl: new URL(server.url) };
  return { server, context, collection: `${server.url}cal/` };
}

const member = (name: string, etag: string) =>
  `<d:response><d:href>/cal/${name}</d:href><d:propstat><d:prop><d:getetag>"${etag}"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
const gone = (name: string) => `<d:response><d:href>/cal/${name}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`;
const tokenOf = (body: string) => /<d:sync-token>([^<]*)<\/d:sync-token>/.exec(body)?.[1] ?? "";

describe("sync-collection change feed", () => {
  it("continues a truncated answer (507 on the collection) with the token it carries", async () => {
    const { server, context, collection } = await setup((req, res) => {
      const token = tokenOf(req.body);
      if (token === "http://x/sync/1") {
        multistatus(
          res,
          `${member("a.ics", "a2")}${member("b.ics", "b1")}<d:response><d:href>/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status><d:error><d:number-of-matches-within-limits/></d:error></d:response><d:sync-token>http://x/sync/2</d:sync-token>`,
        );
      } else if (token === "http://x/sync/2") {
        multistatus(res, `${gone("a.ics")}${member("c%20d.ics", "c1")}<d:sync-token>http://x/sync/3</d:sync-token>`);
      } else {
        res.writeHead(500);
        res.end();
      }
    });
    const feed = await collectionChanges(context, collection, encodeCursor({ kind: "sync-token", syncToken: "http://x/sync/1" }), { detection: "auto" });
    expect(feed).toMatchObject({ complete: false, method: "sync-collection", deleted: ["/cal/a.ics"] });
    expect(feed.changed).toEqual([
      { href: "/cal/b.ics", etag: '"b1"' },
      { href: "/cal/c%20d.ics", etag: '"c1"' },
    ]);
    expect(decodeCursor(feed.cursor)).toEqual({ kind: "sync-token", syncToken: "http://x/sync/3" });
    expect(server.requests.map((r) => [r.method, r.headers["depth"], r.headers["content-type"]])).toEqual([
      ["REPORT", "0", "application/xml; charset=utf-8"],
      ["REPORT", "0", "application/xml; charset=utf-8"],
    ]);
  });

  it("builds a complete first listing from truncated pages, however the server marks the truncation", async () => {
    const { server, context, collection } = await setup((req, res) => {
      const token = tokenOf(req.body);
      if (token === "") {
        // 507 for the collection, spelled without its trailing slash.
        multistatus(res, `${member("a.ics", "a1")}<d:response><d:href>/cal</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response><d:sync-token>p1</d:sync-token>`);
      } else if (token === "p1") {
        // Only the precondition names the truncation.
        multistatus(res, `${member("b.ics", "b1")}<d:response><d:href>http://elsewhere.example/cal/</d:href><d:status>HTTP/1.1 200 OK</d:status><d:error><d:number-of-matches-within-limits/></d:error></d:response><d:sync-token>p2</d:sync-token>`);
      } else if (token === "p2") {
        multistatus(res, `${member("c.ics", "c1")}${gone("a.ics")}<d:sync-token>p3</d:sync-token>`);
      } else {
        res.writeHead(500);
        res.end();
      }
    });
    const feed = await collectionChanges(context, collection, null, { detection: "sync-collection" });
    expect(feed).toMatchObject({ complete: true, deleted: [] });
    expect(feed.changed).toEqual([
      { href: "/cal/b.ics", etag: '"b1"' },
      { href: "/cal/c.ics", etag: '"c1"' },
    ]);
    expect(decodeCursor(feed.cursor)).toEqual({ kind: "sync-token", syncToken: "p3" });
    expect(server.requests.map((r) => tokenOf(r.body))).toEqual(["", "p1", "p2"]);
  });

  it("fails instead of returning a partial listing when a truncated answer does not advance the token", async () => {
    const { server, context, collection } = await setup((req, res) =>
      multistatus(res, `${member("a.ics", "a1")}<d:response><d:href>/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response><d:sync-token>stuck</d:sync-token>`),
    );
    await expect(collectionChanges(context, collection, null, { detection: "sync-collection" })).rejects.toThrow(/truncated without advancing/);
    expect(server.requests).toHaveLength(2);
  });

  it.each([
    [403, `<d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>`],
    [409, `<d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>`],
    [410, ""],
    [500, "Server got itself in trouble"],
  ])("takes HTTP %i on a stored token as a rejected token and lists completely", async (status, body) => {
    const { server, context, collection } = await setup((req, res) => {
      if (tokenOf(req.body) === "") multistatus(res, `${member("a.ics", "a1")}<d:sync-token>t9</d:sync-token>`);
      else {
        res.writeHead(status, { "content-type": "application/xml" });
        res.end(body);
      }
    });
    const feed = await collectionChanges(context, collection, encodeCursor({ kind: "sync-token", syncToken: "expired" }), { detection: "auto" });
    expect(feed).toMatchObject({ complete: true, deleted: [], changed: [{ href: "/cal/a.ics", etag: '"a1"' }] });
    expect(server.requests.map((r) => tokenOf(r.body))).toEqual(["expired", ""]);
  });

  it.each([502, 503, 504])("takes HTTP %i as a passing failure: an error after the retries, no full listing", async (status) => {
    const { server, context, collection } = await setup((req, res) => {
      res.writeHead(status, { "retry-after": "0" });
      res.end();
    });
    await expect(collectionChanges(context, collection, encodeCursor({ kind: "sync-token", syncToken: "t1" }), { detection: "auto" })).rejects.toMatchObject({
      code: "HTTP_STATUS",
      status,
    });
    expect(new Set(server.requests.map((r) => tokenOf(r.body)))).toEqual(new Set(["t1"]));
  });

  it("uses the ctag/ETag listing when the server has no sync-collection REPORT", async () => {
    let ctag = "c1";
    const { server, context, collection } = await setup((req, res) => {
      if (req.method === "REPORT") {
        res.writeHead(501);
        res.end();
      } else if (req.headers["depth"] === "0") {
        multistatus(res, `<d:response><d:href>/cal/</d:href><d:propstat><d:prop><x:getctag xmlns:x="http://calendarserver.org/ns/">${ctag}</x:getctag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`);
      } else {
        multistatus(
          res,
          `<d:response><d:href>/cal/</d:href><d:propstat><d:prop><x:getctag xmlns:x="http://calendarserver.org/ns/">${ctag}</x:getctag><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>` +
            (ctag === "c1" ? member("a.ics", "a1") + member("b.ics", "b1") : member("a.ics", "a2") + member("n.ics", "n1")),
        );
      }
    });
    const first = await collectionChanges(context, collection, null, { detection: "auto" });
    expect(first).toMatchObject({ complete: true, method: "etag-listing" });
    expect(first.changed).toHaveLength(2);
    const quiet = await collectionChanges(context, collection, first.cursor, { detection: "auto" });
    expect(quiet).toMatchObject({ complete: false, changed: [], deleted: [], cursor: first.cursor });
    ctag = "c2";
    const later = await collectionChanges(context, collection, quiet.cursor, { detection: "auto" });
    expect(later).toMatchObject({ complete: false, deleted: ["/cal/b.ics"] });
    expect(later.changed).toEqual([
      { href: "/cal/a.ics", etag: '"a2"' },
      { href: "/cal/n.ics", etag: '"n1"' },
    ]);
    expect(server.requests.map((r) => `${r.method}:${r.headers["depth"]}`)).toEqual(["REPORT:0", "PROPFIND:1", "PROPFIND:0", "PROPFIND:0", "PROPFIND:1"]);
  });

  it("keeps a member listed without an ETag and skips sub-collections listed without a slash", async () => {
    let round = 0;
    const { context, collection } = await setup((req, res) => {
      const noEtag = `<d:response><d:href>/cal/plain.ics</d:href><d:propstat><d:prop><d:resourcetype/></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat><d:propstat><d:prop><d:getetag/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>`;
      const sub = `<d:response><d:href>/cal/sub</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
      multistatus(res, `${member("a.ics", round++ === 0 ? "a1" : "a2")}${noEtag}${sub}`);
    });
    const first = await collectionChanges(context, collection, null, { detection: "etag-listing" });
    expect(first.changed).toEqual([
      { href: "/cal/a.ics", etag: '"a1"' },
      { href: "/cal/plain.ics", etag: "" },
    ]);
    const second = await collectionChanges(context, collection, first.cursor, { detection: "etag-listing" });
    expect(second).toMatchObject({ complete: false, deleted: [], changed: [{ href: "/cal/a.ics", etag: '"a2"' }] });
  });

  it("rejects a cursor it did not write", async () => {
    const { context, collection } = await setup((req, res) => void res.end());
    await expect(collectionChanges(context, collection, "not-a-cursor", { detection: "auto" })).rejects.toMatchObject({ code: "INVALID_CURSOR" });
    await expect(collectionChanges(context, collection, '{"v":2}', { detection: "auto" })).rejects.toMatchObject({ code: "INVALID_CURSOR" });
  });
});
