import { afterEach, describe, expect, it } from "vitest";
import { DavClient } from "./client.js";
import { DavError } from "./errors.js";
import { multistatus, serve, type LoopbackServer } from "./loopback.test-support.js";

let server: LoopbackServer | undefined;
let client: DavClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

describe("DavClient options", () => {
  it("refuses bad options with a typed error naming the field", () => {
    expect(() => new DavClient({ baseUrl: "ftp://x/" })).toThrowError(expect.objectContaining({ code: "INVALID_OPTIONS", message: expect.stringContaining("'baseUrl'") }));
    expect(() => new DavClient({ baseUrl: "http://x/", writeConcurrency: 0 })).toThrow(/'writeConcurrency'/);
    expect(() => new DavClient({ baseUrl: "http://x/", auth: { type: "basic", username: "u" } as never })).toThrow(/'auth/);
  });

  it("does not echo a password given in bad options", () => {
    const error = (() => {
      try {
        new DavClient({ baseUrl: "http://x/", auth: { type: "basic", username: "u", password: "hunter2" }, connections: -1 });
      } catch (e) {
        return e as DavError;
      }
    })();
    expect(error).toBeInstanceOf(DavError);
    expect(error?.message).not.toContain("hunter2");
  });
});

describe("DavClient batching", () => {
  it("splits a multiget into REPORTs of multigetBatchSize hrefs and keeps the order", async () => {
    server = await serve((req, res) => {
      const hrefs = [...req.body.matchAll(/<d:href>([^<]*)<\/d:href>/g)].map((m) => m[1]!);
      multistatus(
        res,
        hrefs
          .map((h) => `<d:response><d:href>${h}</d:href><d:propstat><d:prop><d:getetag>"${h}"</d:getetag><c:calendar-data xmlns:c="urn:ietf:params:xml:ns:caldav">BEGIN:VCALENDAR</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`)
          .join(""),
      );
    });
    client = new DavClient({ baseUrl: server.url, multigetBatchSize: 100, readConcurrency: 2 });
    const hrefs = Array.from({ length: 250 }, (_, i) => `/cal/${i}.ics`);
    const results = await client.multigetAll({ url: `${server.url}cal/`, kind: "calendar" }, hrefs);
    expect(results.map((r) => r.href)).toEqual(hrefs);
    expect(server.requests.map((r) => (r.body.match(/<d:href>/g) ?? []).length)).toEqual([100, 100, 50]);
  });

  it("keeps at most writeConcurrency writes in flight and reports each item's outcome", async () => {
    let inFlight = 0;
    let peak = 0;
    server = await serve(async (req, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 15));
      inFlight--;
      res.writeHead(req.url.includes("taken") ? 412 : 201, { etag: '"new"' });
      res.end();
    });
    client = new DavClient({ baseUrl: server.url, writeConcurrency: 3 });
    const card = (uid: string) => `BEGIN:VCARD\r\nVERSION:4.0\r\nUID:${uid}\r\nFN:x\r\nEND:VCARD\r\n`;
    const results = await client.createItems(`${server.url}book/`, [...Array.from({ length: 11 }, (_, i) => ({ text: card(`u${i}`) })), { text: card("taken") }]);
    expect(peak).toBe(3);
    expect(results.slice(0, 11)).toEqual(Array.from({ length: 11 }, (_, i) => ({ href: `/book/u${i}.vcf`, etag: '"new"' })));
    expect(results[11]).toMatchObject({ code: "PRECONDITION_FAILED", href: "/book/taken.vcf" });
  });
});

describe("DavClient.listCollections", () => {
  it("asks the change markers by default, and leaves them out with changeMarkers: false", async () => {
    const bodies: string[] = [];
    server = await serve((req, res) => {
      bodies.push(req.body);
      const markers = req.body.includes("sync-token") ? `<d:sync-token>t1</d:sync-token><cs:getctag xmlns:cs="http://calendarserver.org/ns/">c1</cs:getctag>` : "";
      multistatus(
        res,
        `<d:response><d:href>/home/book/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><card:addressbook xmlns:card="urn:ietf:params:xml:ns:carddav"/></d:resourcetype>${markers}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`,
      );
    });
    client = new DavClient({ baseUrl: server.url });
    const [withMarkers] = await client.listCollections({ homeUrls: [`${server.url}home/`] });
    expect(bodies[0]).toContain("getctag");
    expect(withMarkers).toMatchObject({ href: "/home/book/", kind: "addressbook", ctag: "c1", syncToken: "t1" });
    const [without] = await client.listCollections({ homeUrls: [`${server.url}home/`], changeMarkers: false });
    expect(bodies[1]).not.toContain("getctag");
    expect(bodies[1]).not.toContain("sync-token");
    expect(without).toMatchObject({ href: "/home/book/", kind: "addressbook", ctag: undefined, syncToken: undefined, supportsSyncCollection: true });
  });
});
