import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { PreconditionFailedError } from "./errors.js";
import { contentTypeOf, getItem, itemFileName, multiget, multigetBatch, putItem, deleteItem, uidOf } from "./items.js";
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

async function setup(handler: Parameters<typeof serve>[0]) {
  server = await serve(handler);
  context = { transport: new DavTransport({ retry: { baseDelayMs: 1 } }), baseUrl: new URL(server.url) };
  return { server, context };
}

const VCARD = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:u-1\r\nFN:A\r\nEND:VCARD\r\n";

describe("conditional writes", () => {
  it("understands a precondition failure reported inside a 207 with a percent-encoded href", async () => {
    const { context } = await setup((req, res) =>
      multistatus(res, `<d:response><d:href>/book/a%40b%20c.vcf</d:href><d:status>HTTP/1.1 412 Precondition Failed</d:status></d:response>`),
    );
    const error = await putItem(context, "/book/a@b c.vcf", VCARD, '"old"').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(error).toMatchObject({ code: "PRECONDITION_FAILED", href: "/book/a@b%20c.vcf" });
    await expect(deleteItem(context, "/book/a@b c.vcf", '"old"')).rejects.toMatchObject({ href: "/book/a@b%20c.vcf" });
  });

  it("sends If-None-Match for creates, If-Match for updates, the vCard content type, and fetches a missing ETag", async () => {
    const { server, context } = await setup((req, res) => {
      if (req.method === "PUT") {
        res.writeHead(req.headers["if-match"] ? 204 : 201);
        res.end();
      } else multistatus(res, `<d:response><d:href>/book/x.vcf</d:href><d:propstat><d:prop><d:getetag>"fetched"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`);
    });
    expect(await putItem(context, "/book/x.vcf", VCARD, undefined)).toEqual({ href: "/book/x.vcf", etag: '"fetched"' });
    await putItem(context, "/book/x.vcf", VCARD, '"e1"');
    const puts = server.requests.filter((r) => r.method === "PUT");
    expect(puts.map((r) => [r.headers["if-none-match"], r.headers["if-match"], r.headers["content-type"]])).toEqual([
      ["*", undefined, "text/vcard; charset=utf-8"],
      [undefined, '"e1"', "text/vcard; charset=utf-8"],
    ]);
    expect(server.requests.filter((r) => r.method === "PROPFIND").map((r) => r.headers["depth"])).toEqual(["0", "0"]);
  });

  it("turns a plain 412 into a typed error naming the href", async () => {
    const { context } = await setup((req, res) => {
      res.writeHead(412);
      res.end();
    });
    await expect(putItem(context, "/cal/e.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", undefined)).rejects.toMatchObject({ code: "PRECONDITION_FAILED", href: "/cal/e.ics", status: 412 });
  });

  it("refuses text that is neither iCalendar nor vCard, naming the item and field", async () => {
    const { server, context } = await setup((req, res) => void res.end());
    await expect(putItem(context, "/cal/bad.ics", "hello", undefined)).rejects.toThrow(/item \/cal\/bad\.ics: field 'text'/);
    expect(server.requests).toHaveLength(0);
    expect(contentTypeOf("\uFEFFBEGIN:VCALENDAR\r\n", "x")).toBe("text/calendar; charset=utf-8");
  });
});

describe("multiget", () => {
  it("asks for the hrefs in one REPORT and returns them in order, a missing one confirmed by GET", async () => {
    const { server, context } = await setup((req, res) => {
      if (req.method === "GET") {
        res.writeHead(404);
        res.end();
        return;
      }
      multistatus(
        res,
        `<d:response><d:href>/book/b.vcf</d:href><d:propstat><d:prop><d:getetag>"b"</d:getetag><card:address-data xmlns:card="urn:ietf:params:xml:ns:carddav">BEGIN:VCARD&#13;\nFN:B&#13;\nEND:VCARD&#13;\n</card:address-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>` +
          `<d:response><d:href>/book/gone.vcf</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`,
      );
    });
    const results = await multigetBatch(context, "/book/", "addressbook", ["/book/gone.vcf", "/book/b.vcf"]);
    expect(results).toEqual([
      { href: "/book/gone.vcf", missing: true, status: 404 },
      { href: "/book/b.vcf", etag: '"b"', data: "BEGIN:VCARD\r\nFN:B\r\nEND:VCARD\r\n" },
    ]);
    expect(server.requests[0]?.body).toContain("<d:href>/book/gone.vcf</d:href><d:href>/book/b.vcf</d:href>");
    expect(server.requests[0]?.headers["depth"]).toBe("1");
    expect(server.requests.map((r) => r.method)).toEqual(["REPORT", "GET"]);
  });
});

describe("item text", () => {
  it("comes with CRLF line ends from a multiget (which XML parsing turns into LF) and from a GET alike", async () => {
    const { context } = await setup((req, res) => {
      if (req.method === "GET") {
        res.writeHead(200, { etag: '"g"', "content-type": "text/vcard" });
        res.end("BEGIN:VCARD\nFN:G\nEND:VCARD\n");
        return;
      }
      multistatus(
        res,
        `<d:response><d:href>/book/m.vcf</d:href><d:propstat><d:prop><d:getetag>"m"</d:getetag><card:address-data xmlns:card="urn:ietf:params:xml:ns:carddav">BEGIN:VCARD\r\nNOTE:a\r\n b\r\nEND:VCARD\r\n</card:address-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`,
      );
    });
    const [item] = await multigetBatch(context, "/book/", "addressbook", ["/book/m.vcf"]);
    expect(item).toEqual({ href: "/book/m.vcf", etag: '"m"', data: "BEGIN:VCARD\r\nNOTE:a\r\n b\r\nEND:VCARD\r\n" });
    expect((await getItem(context, "/book/g.vcf")).data).toBe("BEGIN:VCARD\r\nFN:G\r\nEND:VCARD\r\n");
  });

  it("confirms several reported misses with GETs and keeps the order", async () => {
    const { server, context } = await setup((req, res) => {
      if (req.method === "GET") {
        // Only b really exists (a server that failed to match its href in the multiget body).
        if (req.url === "/book/b%23.vcf") {
          res.writeHead(200, { etag: '"b"' });
          res.end("BEGIN:VCARD\r\nFN:B\r\nEND:VCARD\r\n");
        } else {
          res.writeHead(404);
          res.end();
        }
        return;
      }
      multistatus(res, "");
    });
    const results = await multigetBatch(context, "/book/", "addressbook", ["/book/a.vcf", "/book/b%23.vcf", "/book/c.vcf"]);
    expect(results).toEqual([
      { href: "/book/a.vcf", missing: true, status: 404 },
      { href: "/book/b%23.vcf", etag: '"b"', data: "BEGIN:VCARD\r\nFN:B\r\nEND:VCARD\r\n" },
      { href: "/book/c.vcf", missing: true, status: 404 },
    ]);
    expect(server.requests.filter((r) => r.method === "GET")).toHaveLength(3);
  });
});

describe("item names", () => {
  it("uses a plain UID as the file name and a UUID otherwise", () => {
    expect(uidOf("BEGIN:VCARD\r\nUID;VALUE=TEXT:abc-\r\n 123\r\nEND:VCARD")).toBe("abc-123");
    expect(itemFileName(VCARD)).toBe("u-1.vcf");
    expect(itemFileName(VCARD.replace("u-1", "a/b c#d"))).toMatch(/^[0-9a-f-]{36}\.vcf$/);
  });

  it("takes the item's UID, never a VALARM's that comes first (the one rule of @ewsdav/vobject)", () => {
    const event = ["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "BEGIN:VALARM", "UID:alarm-1", "ACTION:DISPLAY", "TRIGGER:-PT5M", "END:VALARM", "UID:event-1", "DTSTART:20260101T090000Z", "END:VEVENT", "END:VCALENDAR", ""].join("\r\n");
    expect(uidOf(event)).toBe("event-1");
    expect(itemFileName(event)).toBe("event-1.ics");
    expect(uidOf("BEGIN:VCALENDAR\r\nUID:calendar-level\r\nBEGIN:VTODO\r\nSUMMARY:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")).toBeUndefined();
  });
});

describe("multiget against a server that answers 404 for the whole REPORT (sabre/dav)", () => {
  const COLLECTION = "/remote.php/dav/addressbooks/users/alice/book/";
  const card = (i: number) => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c-${i}\r\nFN:Card ${i}\r\nEND:VCARD\r\n`;
  const href = (i: number) => `${COLLECTION}c-${i}.vcf`;

  /** A server holding items `0..n-1` except `gone`, answering as sabre/dav 1.8 does; `collectionGone` answers every path 404. */
  async function sabreLike(n: number, gone: ReadonlySet<number>, collectionGone = false) {
    const present = (path: string) => {
      const match = /c-(\d+)\.vcf$/.exec(path);
      return match !== null && Number(match[1]) < n && !gone.has(Number(match[1])) && !collectionGone;
    };
    const server = await serve((req, res) => {
      const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      if (collectionGone || (req.method === "GET" && !present(path))) {
        res.writeHead(404);
        res.end();
      } else if (req.method === "PROPFIND") {
        multistatus(res, `<d:response><d:href>${COLLECTION}</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`);
      } else if (req.method === "GET") {
        res.writeHead(200, { etag: `"e-${path}"`, "content-type": "text/vcard" });
        res.end(card(Number(/c-(\d+)/.exec(path)![1])));
      } else {
        const asked = [...req.body.matchAll(/<d:href>([^<]*)<\/d:href>/g)].map((m) => decodeURIComponent(m[1]!));
        if (asked.some((p) => !present(p))) {
          res.writeHead(404, { "content-type": "application/xml" });
          res.end('<?xml version="1.0"?><d:error xmlns:d="DAV:"><s:message xmlns:s="http://sabredav.org/ns">Card not found</s:message></d:error>');
          return;
        }
        multistatus(
          res,
          asked
            .map((p) => `<d:response><d:href>${p}</d:href><d:propstat><d:prop><d:getetag>"e-${p}"</d:getetag><c:address-data xmlns:c="urn:ietf:params:xml:ns:carddav">${card(Number(/c-(\d+)/.exec(p)![1]))}</c:address-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`)
            .join(""),
        );
      }
    });
    // Its own server and client (not the shared ones of `setup`): the property makes many.
    const context: DavContext = { transport: new DavTransport({ retry: { baseDelayMs: 1 } }), baseUrl: new URL(server.url) };
    return { server, context };
  }

  async function readAll(context: DavContext, hrefs: string[]) {
    const out: Array<Awaited<ReturnType<typeof multigetBatch>>[number]> = [];
    for await (const item of multiget(context, COLLECTION, "addressbook", hrefs, { batchSize: 100, concurrency: 1 })) out.push(item);
    return out;
  }

  /** Reads n hrefs of which `gone` are missing; checks the answers and the request bound. */
  async function check(n: number, gone: ReadonlySet<number>): Promise<void> {
    const { server, context } = await sabreLike(n, gone);
    try {
      const hrefs = Array.from({ length: n }, (_, i) => href(i));
      const results = await readAll(context, hrefs);
      expect(results.map((r) => r.href)).toEqual(hrefs);
      results.forEach((r, i) => {
        if (gone.has(i)) expect(r).toEqual({ href: href(i), missing: true, status: 404 });
        else expect(r).toMatchObject({ href: href(i), data: card(i) });
      });
      const k = gone.size;
      // One REPORT when nothing is missing; else the collection check, ≤ 2 reads per level per miss, never over 2n + 1.
      const bound = k === 0 ? 1 : Math.min(2 * n + 1, 2 + 2 * k * Math.ceil(Math.log2(n)) + k);
      expect(server.requests.length).toBeLessThanOrEqual(bound);
    } finally {
      await context.transport.close();
      await server.close();
    }
  }

  it("reads every present item and reports exactly the missing ones, in bounded requests", async () => {
    await check(16, new Set([6]));
    await check(100, new Set([0, 99]));
    await check(5, new Set([0, 1, 2, 3, 4]));
    await check(1, new Set([0]));
  });

  it("holds for any set of missing hrefs (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(fc.constant(n), fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: n }))), async ([n, gone]) => {
        await check(n, new Set(gone));
      }),
      { numRuns: 20 },
    );
  });

  it("fails with NOT_FOUND when the collection itself is gone, never reporting every item missing", async () => {
    const { server, context } = await sabreLike(4, new Set(), true);
    try {
      await expect(readAll(context, [href(0), href(1), href(2)])).rejects.toMatchObject({ code: "NOT_FOUND", status: 404, method: "REPORT" });
    } finally {
      await context.transport.close();
      await server.close();
    }
  });
});
