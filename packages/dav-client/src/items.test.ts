import { afterEach, describe, expect, it } from "vitest";
import { PreconditionFailedError } from "./errors.js";
import { contentTypeOf, getItem, itemFileName, multigetBatch, putItem, deleteItem, uidOf } from "./items.js";
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
});
