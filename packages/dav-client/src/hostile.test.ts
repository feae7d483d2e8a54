/**
 * A server that answers hostile multistatus bodies: hrefs on another origin, hrefs that leave the
 * collection through `..` (plain or percent-encoded) or an encoded slash, a truncation marker on a
 * foreign href, a write redirected out of its collection. The client must drop and report such
 * hrefs, never re-home them onto the user's server, and never write outside the collection.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { DavAnomaly } from "./anomaly.js";
import { DavClient } from "./client.js";
import { canonicalHref, memberProblem } from "./href.js";
import { multistatus, serve, type LoopbackServer } from "./loopback.test-support.js";

let server: LoopbackServer | undefined;
let client: DavClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

const etagOnly = (href: string, etag: string) =>
  `<d:response><d:href>${href}</d:href><d:propstat><d:prop><d:getetag>"${etag}"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
const gone = (href: string) => `<d:response><d:href>${href}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`;

/** Every way the hostile answers below name something that is not a member of /dav/cal/. */
const HOSTILE: Array<[href: string, reason: DavAnomaly["reason"], resolved: string]> = [
  ["https://evil.example/dav/cal/x.ics", "foreign-origin", "https://evil.example/dav/cal/x.ics"],
  ["/dav/cal/../../other-user/private/y.ics", "outside-collection", "/other-user/private/y.ics"],
  ["/dav/cal/%2e%2e/%2E%2E/other-user/private/z.ics", "outside-collection", "/other-user/private/z.ics"],
  ["/dav/cal/..%2F..%2Fother-user%2Fprivate%2Fw.ics", "unsafe-segment", "/dav/cal/..%2F..%2Fother-user%2Fprivate%2Fw.ics"],
  ["/dav/cal/a%5C..%5C..%5Cv.ics", "unsafe-segment", "/dav/cal/a%5C..%5C..%5Cv.ics"],
  ["/dav/cal/sub/deeper.ics", "nested", "/dav/cal/sub/deeper.ics"],
  ["/dav/calendar-of-bob/u.ics", "outside-collection", "/dav/calendar-of-bob/u.ics"],
];

async function hostileServer(options: { truncateForeign?: boolean } = {}) {
  let syncs = 0;
  server = await serve((req, res) => {
    if (req.method === "REPORT" && req.body.includes("sync-collection")) {
      syncs++;
      const hostile = HOSTILE.map(([href], i) => (i % 2 === 0 ? etagOnly(href, `h${i}`) : gone(href))).join("");
      const truncated =
        options.truncateForeign && syncs === 1
          ? `<d:response><d:href>https://evil.example/dav/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response>`
          : "";
      multistatus(res, `${etagOnly("/dav/cal/a.ics", "a1")}${hostile}${gone("/dav/cal/old.ics")}${truncated}<d:sync-token>http://x/sync/${syncs}</d:sync-token>`);
    } else if (req.method === "PROPFIND") {
      multistatus(res, `<d:response><d:href>/dav/cal/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>${etagOnly("/dav/cal/a.ics", "a1")}${HOSTILE.map(([href], i) => etagOnly(href, `h${i}`)).join("")}`);
    } else {
      res.writeHead(204, { etag: '"new"' });
      res.end();
    }
  });
  const anomalies: DavAnomaly[] = [];
  client = new DavClient({ baseUrl: `${server.url}dav/`, retry: { baseDelayMs: 1 }, onAnomaly: (a) => anomalies.push(a) });
  return { server, client, anomalies, collection: { url: `${server.url}dav/cal/`, kind: "calendar" as const, supportsSyncCollection: true } };
}

describe("hrefs that are not members of the collection", () => {
  it("canonicalHref refuses a foreign origin instead of re-homing it, and resolves encoded dot segments", () => {
    expect(() => canonicalHref("https://evil.example/dav/cal/x.ics", "https://cloud.example/dav/")).toThrowError(expect.objectContaining({ code: "FOREIGN_HREF" }));
    expect(() => canonicalHref("http://cloud.example/dav/cal/x.ics", "https://cloud.example/dav/")).toThrowError(expect.objectContaining({ code: "FOREIGN_HREF" }));
    expect(canonicalHref("https://cloud.example:443/dav/cal/x.ics", "https://cloud.example/dav/")).toBe("/dav/cal/x.ics");
    for (const [href, reason, resolved] of HOSTILE.slice(1)) {
      expect(canonicalHref(href, "https://cloud.example/")).toBe(resolved);
      expect(memberProblem(canonicalHref(href, "https://cloud.example/"), "/dav/cal/")).toBe(reason);
    }
    expect(memberProblem("/dav/cal/a%40b.ics", "/dav/cal")).toBeUndefined();
    expect(memberProblem("/dav/cal/", "/dav/cal/")).toBe("outside-collection");
    expect(memberProblem("/dav/cal/%00.ics", "/dav/cal/")).toBe("unsafe-segment");
  });

  it("sync-collection drops them from changed and deleted, and reports each in the feed and to onAnomaly", async () => {
    const { client, anomalies, collection } = await hostileServer();
    const first = await client.changes(collection, null);
    expect(first.changed).toEqual([{ href: "/dav/cal/a.ics", etag: '"a1"' }]);
    const feed = await client.changes(collection, first.cursor);
    expect(feed.changed).toEqual([{ href: "/dav/cal/a.ics", etag: '"a1"' }]);
    expect(feed.deleted).toEqual(["/dav/cal/old.ics"]);
    expect(feed.anomalies.map((a) => [a.href, a.reason])).toEqual(HOSTILE.map(([, reason, resolved]) => [resolved, reason]));
    expect(feed.anomalies.every((a) => a.operation === "sync-collection" && a.collection === "/dav/cal/")).toBe(true);
    expect(anomalies).toHaveLength(2 * HOSTILE.length);
  });

  it("the ETag listing drops them too", async () => {
    const { client, collection } = await hostileServer();
    const feed = await client.changes(collection, null, { detection: "etag-listing" });
    expect(feed.changed).toEqual([{ href: "/dav/cal/a.ics", etag: '"a1"' }]);
    expect(feed.anomalies.map((a) => a.reason)).toEqual(HOSTILE.map(([, reason]) => reason));
  });

  it("takes a truncation marker on a foreign href as truncation, not as a whole listing", async () => {
    const { client, server, collection } = await hostileServer({ truncateForeign: true });
    const feed = await client.changes(collection, null);
    expect(feed.changed).toEqual([{ href: "/dav/cal/a.ics", etag: '"a1"' }]);
    expect(server.requests.filter((r) => r.method === "REPORT")).toHaveLength(2);
  });

  it("refuses a write to a non-member before sending it, and sends one to a member", async () => {
    const { client, server, collection } = await hostileServer();
    for (const [href] of HOSTILE) {
      await expect(client.updateItem({ href, etag: '"h"', text: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", collection })).rejects.toMatchObject({ code: "OUTSIDE_COLLECTION" });
      await expect(client.deleteItem({ href, etag: '"h"', collection })).rejects.toMatchObject({ code: "OUTSIDE_COLLECTION" });
    }
    const results = await client.deleteItems(HOSTILE.map(([href]) => ({ href, collection })));
    expect(results.map((r) => r?.code)).toEqual(HOSTILE.map(() => "OUTSIDE_COLLECTION"));
    await expect(client.multigetAll(collection, ["/dav/cal/../../other-user/private/y.ics"])).rejects.toMatchObject({ code: "OUTSIDE_COLLECTION" });
    await expect(client.createItem(collection, { text: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", name: ".." })).rejects.toMatchObject({ code: "INVALID_ITEM" });
    expect(server.requests).toEqual([]);
    // Without a collection to check against, a foreign href is still never re-homed.
    await expect(client.deleteItem({ href: "https://evil.example/dav/cal/x.ics" })).rejects.toMatchObject({ code: "OUTSIDE_COLLECTION" });
    await client.updateItem({ href: "/dav/cal/a.ics", etag: '"a1"', text: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", collection });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["PUT /dav/cal/a.ics"]);
  });

  it("does not follow a write's redirect out of its collection", async () => {
    server = await serve((req, res) => {
      if (req.url === "/dav/cal/a.ics") {
        res.writeHead(307, { location: "/dav/other/a.ics" });
        res.end();
      } else {
        res.writeHead(204, { etag: '"x"' });
        res.end();
      }
    });
    client = new DavClient({ baseUrl: `${server.url}dav/` });
    await expect(client.updateItem({ href: "/dav/cal/a.ics", etag: '"1"', text: "BEGIN:VCARD\r\nEND:VCARD\r\n", collection: "/dav/cal/" })).rejects.toMatchObject({ code: "REDIRECT_REFUSED" });
    expect(server.requests.map((r) => r.url)).toEqual(["/dav/cal/a.ics"]);
  });

  it("lists only collections inside the home, and reads a collection only under its own href", async () => {
    const book = (href: string) =>
      `<d:response><d:href>${href}</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><c:addressbook xmlns:c="urn:ietf:params:xml:ns:carddav"/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
    server = await serve((req, res) => {
      if (req.headers["depth"] === "1") multistatus(res, `${book("/dav/home/")}${book("/dav/home/mine/")}${book("/dav/other-user/theirs/")}${book("https://evil.example/dav/home/x/")}${book("/dav/home/%2e%2e/%2e%2e/y/")}`);
      else multistatus(res, book("/dav/other-user/theirs/"));
    });
    const anomalies: DavAnomaly[] = [];
    client = new DavClient({ baseUrl: `${server.url}dav/`, onAnomaly: (a) => anomalies.push(a) });
    const listed = await client.listCollections({ homeUrls: [`${server.url}dav/home/`] });
    expect(listed.map((c) => c.href)).toEqual(["/dav/home/", "/dav/home/mine/"]);
    expect(anomalies.map((a) => [a.operation, a.href, a.reason])).toEqual([
      ["list-collections", "https://evil.example/dav/home/x/", "foreign-origin"],
      ["list-collections", "/dav/other-user/theirs/", "outside-collection"],
      ["list-collections", "/y/", "outside-collection"],
    ]);
    await expect(client.getCollection(`${server.url}dav/home/mine/`)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("credentials over plain http", () => {
  const auth = { type: "basic" as const, username: "u", password: "hunter2" };

  it("refuses a non-loopback http base URL with credentials, naming the option, without the password", () => {
    let thrown: unknown;
    try {
      new DavClient({ baseUrl: "http://dav.example.com/", auth });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: "INSECURE_TRANSPORT", message: expect.stringContaining("allowInsecureHttp") });
    expect(String((thrown as Error).message)).not.toContain("hunter2");
    expect(() => new DavClient({ baseUrl: "http://dav.example.com/", headers: { Authorization: "Bearer t0ken" } })).toThrowError(expect.objectContaining({ code: "INSECURE_TRANSPORT" }));
    // No credentials, https, or loopback: fine.
    new DavClient({ baseUrl: "http://dav.example.com/" });
    new DavClient({ baseUrl: "https://dav.example.com/", auth });
    for (const host of ["127.0.0.1", "127.8.9.10", "[::1]", "localhost", "dav.localhost"]) new DavClient({ baseUrl: `http://${host}:5232/`, auth });
  });

  it("warns once when allowInsecureHttp is set", () => {
    const warnings: string[] = [];
    new DavClient({ baseUrl: "http://dav.example.com/", auth, allowInsecureHttp: true, onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([expect.stringContaining("plain http")]);
    expect(warnings[0]).not.toContain("hunter2");
  });

  it("does not carry credentials through a redirect to a non-loopback http origin", async () => {
    server = await serve((req, res) => {
      res.writeHead(301, { location: "http://dav.example.invalid/dav/cal/" });
      res.end();
    });
    client = new DavClient({ baseUrl: server.url, auth, allowedRedirectOrigins: ["http://dav.example.invalid"], retry: { retries: 0 } });
    await expect(client.changes(`${server.url}cal/`, null, { detection: "etag-listing" })).rejects.toMatchObject({ code: "INSECURE_TRANSPORT" });
  });
});
