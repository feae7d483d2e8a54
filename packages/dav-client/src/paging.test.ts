/**
 * Answers over the response size limit are read in pages where the protocol allows:
 * sync-collection with DAV:limit (RFC 6578 §3.7) continued through 507 truncation, multiget
 * batches split in halves. What cannot be paged is refused with RESPONSE_TOO_LARGE, never read
 * as a shorter listing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DavClient } from "./client.js";
import { multistatus, serve, type LoopbackServer } from "./loopback.test-support.js";

let server: LoopbackServer | undefined;
let client: DavClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

const MEMBERS = 3000;
const name = (i: number) => `m${String(i).padStart(5, "0")}.ics`;
const entry = (i: number) =>
  `<d:response><d:href>/cal/${name(i)}</d:href><d:propstat><d:prop><d:getetag>"e${i}"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
const limitOf = (body: string) => {
  const match = /<d:nresults>(\d+)<\/d:nresults>/.exec(body);
  return match ? Number(match[1]) : undefined;
};
const offsetOf = (body: string) => Number(/<d:sync-token>t(\d+)<\/d:sync-token>/.exec(body)?.[1] ?? "0");

/** A sync-collection server over MEMBERS members; `honour` says what it does with DAV:limit. */
async function pagingServer(honour: "truncate" | "ignore" | "cut-silently") {
  server = await serve((req, res) => {
    const limit = limitOf(req.body);
    const from = offsetOf(req.body);
    const to = limit === undefined || honour === "ignore" ? MEMBERS : Math.min(MEMBERS, from + limit);
    let inner = "";
    for (let i = from; i < to; i++) inner += entry(i);
    if (to < MEMBERS && honour === "truncate") inner += `<d:response><d:href>/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status><d:error><d:number-of-matches-within-limits/></d:error></d:response>`;
    multistatus(res, `${inner}<d:sync-token>t${to}</d:sync-token>`);
  });
  client = new DavClient({ baseUrl: server.url, maxResponseBytes: 64 * 1024, retry: { baseDelayMs: 1 } });
  return { server, client, collection: { url: `${server.url}cal/`, kind: "calendar" as const, supportsSyncCollection: true } };
}

describe("sync-collection over the response size limit", () => {
  it("asks again in pages (DAV:limit) and follows the server's truncation to a whole listing", async () => {
    const { server, client, collection } = await pagingServer("truncate");
    const feed = await client.changes(collection, null);
    expect(feed.complete).toBe(true);
    expect(feed.changed).toHaveLength(MEMBERS);
    expect(new Set(feed.changed.map((m) => m.href)).size).toBe(MEMBERS);
    expect(feed.changed.at(-1)).toEqual({ href: `/cal/${name(MEMBERS - 1)}`, etag: `"e${MEMBERS - 1}"` });
    const limits = server.requests.map((r) => limitOf(r.body));
    expect(limits.slice(0, 4)).toEqual([undefined, 5000, 1250, 312]);
    expect(new Set(limits.slice(3))).toEqual(new Set([312]));
    expect(limits).toHaveLength(3 + Math.ceil(MEMBERS / 312));
  });

  it("refuses, naming the limit, when the server ignores DAV:limit and answers stay too large", async () => {
    const { client, collection } = await pagingServer("ignore");
    await expect(client.changes(collection, null)).rejects.toMatchObject({ code: "RESPONSE_TOO_LARGE", message: expect.stringMatching(/does not page them; raise maxResponseBytes/) });
  });

  it("refuses a page that holds exactly the number asked for without saying it was truncated", async () => {
    const { client, collection } = await pagingServer("cut-silently");
    await expect(client.changes(collection, null)).rejects.toMatchObject({ code: "RESPONSE_TOO_LARGE", message: expect.stringMatching(/whether it is whole cannot be told/) });
  });
});

describe("multiget over the response size limit", () => {
  it("splits a batch until each answer fits, and names the one item that alone is too large", async () => {
    const sizes = new Map<string, number>(Array.from({ length: 16 }, (_, i) => [`/cal/i${i}.ics`, 12_000]));
    server = await serve((req, res) => {
      const hrefs = [...req.body.matchAll(/<d:href>([^<]*)<\/d:href>/g)].map((m) => m[1]!);
      multistatus(
        res,
        hrefs
          .map((href) => `<d:response><d:href>${href}</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag><c:calendar-data xmlns:c="urn:ietf:params:xml:ns:caldav">BEGIN:VCALENDAR&#13;\nX:${"x".repeat(sizes.get(href) ?? 10)}&#13;\nEND:VCALENDAR&#13;\n</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`)
          .join(""),
      );
    });
    client = new DavClient({ baseUrl: server.url, maxResponseBytes: 64 * 1024, multigetBatchSize: 16 });
    const collection = { url: `${server.url}cal/`, kind: "calendar" as const };
    const items = await client.multigetAll(collection, [...sizes.keys()]);
    expect(items.map((i) => i.href)).toEqual([...sizes.keys()]);
    expect(items.every((i) => "data" in i && i.data.length > 12_000)).toBe(true);
    expect(server.requests.map((r) => r.body.split("<d:href>").length - 1)).toEqual([16, 8, 4, 4, 8, 4, 4]);
    sizes.set("/cal/i3.ics", 100_000);
    await expect(client.multigetAll(collection, [...sizes.keys()])).rejects.toMatchObject({ code: "RESPONSE_TOO_LARGE", message: expect.stringContaining("/cal/i3.ics") });
  });
});
