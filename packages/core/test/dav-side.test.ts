/**
 * The DAV side over real servers (Radicale, Xandikos on loopback), synced with an in-memory side
 * through the engine: first sync both ways, edits and deletions, a quiet cycle, lost state; the
 * change feed carrying the items' content where the server gives it with the listing (Radicale:
 * a pull, an incremental cycle and a quiet one cost one REPORT each; Xandikos and sabre/dav 1.8
 * give none, so the engine fetches what the feed did not carry, and the echo of its own writes
 * reads nothing back); and over a loopback server whose listings name hrefs outside the collection.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DavClient } from "@ewsdav/dav-client";
import { MemorySide, MemoryStateStore, SyncEngine } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { DAV_SERVER_KINDS, startDavServer, type DavServer } from "../../../test/harness/dav-servers.js";
import { prop, vcard, vevent } from "../src/fixtures.test-support.js";

describe.each(DAV_SERVER_KINDS)("DavSide on %s", (kind) => {
  let server: DavServer;
  let client: DavClient;
  beforeAll(async () => {
    server = await startDavServer(kind);
    client = new DavClient({ baseUrl: server.url, auth: { type: "basic", username: server.username, password: server.password }, headers: server.headers });
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  it("syncs contacts and events two-way with preconditions, stays quiet when nothing changed, and rebuilds lost state", async () => {
    const book = await server.seedCollection({
      name: "book",
      kind: "addressbook",
      items: [
        { name: "both.vcf", text: vcard("both", { FN: "On both sides" }) },
        { name: "dav-only.vcf", text: vcard("dav-only", { FN: "Only on DAV" }) },
      ],
    });
    const calendar = await server.seedCollection({ name: "cal", kind: "calendar", items: [] });
    const dav = new DavSide({ client, name: "dav" });
    const collections = await dav.listCollections();
    if (!collections.some((c) => book.endsWith(c.id))) throw new Error(JSON.stringify({ book, collections }));
    const bookId = collections.find((c) => book.endsWith(c.id))!.id;
    const calId = collections.find((c) => calendar.endsWith(c.id))!.id;
    expect(collections.find((c) => c.id === bookId)?.kind).toBe("contacts");

    const remote = new MemorySide({ name: "remote" });
    remote.addCollection("contacts", "contacts");
    remote.addCollection("calendar", "events");
    remote.put("contacts", vcard("both", { FN: "On both sides" }));
    for (let i = 0; i < 25; i++) remote.put("contacts", vcard(`c${i}`, { FN: `Contact ${i}`, NOTE: "n" }));
    for (let i = 0; i < 10; i++) remote.put("calendar", vevent(`e${i}@x`, { SUMMARY: `Event ${i}`, DTSTART: "20240301T090000Z" }));

    const store = new MemoryStateStore();
    const engine = new SyncEngine({ store, sides: [dav, remote] });
    await engine.link({ id: "book", kind: "contacts", remote: { side: "remote", collection: "contacts" }, local: { side: "dav", collection: bookId } });
    await engine.link({ id: "cal", kind: "events", remote: { side: "remote", collection: "calendar" }, local: { side: "dav", collection: calId } });
    const first = await engine.runOnce();
    expect(first.ok, JSON.stringify(first.pairs.map((p) => p.errors))).toBe(true);
    const bookReport = first.pairs.find((p) => p.pairId === "book")!;
    expect(bookReport.local.created).toHaveLength(25);
    expect(bookReport.remote.created.map((r) => r.uid)).toEqual(["dav-only"]);
    expect(bookReport.paired.map((r) => r.uid)).toEqual(["both"]);

    // Edits on both sides, a deletion on each.
    const items = await client.fetchAll(bookId);
    const c3 = items.find((i) => i.data.includes("UID:c3"))!;
    await client.updateItem({ href: c3.href, etag: c3.etag, text: vcard("c3", { FN: "Contact 3", NOTE: "edited on DAV" }) });
    const c4 = items.find((i) => i.data.includes("UID:c4"))!;
    await client.deleteItem({ href: c4.href, etag: c4.etag });
    const r5 = remote.items("contacts").find((i) => i.uid === "c5")!;
    remote.edit("contacts", r5.id, vcard("c5", { FN: "Contact 5 renamed", NOTE: "n" }));
    remote.delete("contacts", remote.items("contacts").find((i) => i.uid === "c6")!.id);
    const second = await engine.runOnce();
    expect(second.ok, JSON.stringify(second.pairs.map((p) => p.errors))).toBe(true);
    expect(prop(remote.items("contacts").find((i) => i.uid === "c3")!.text, "NOTE")).toBe("edited on DAV");
    expect(remote.items("contacts").some((i) => i.uid === "c4")).toBe(false);
    const after = await client.fetchAll(bookId);
    expect(prop(after.find((i) => i.data.includes("UID:c5"))!.data, "FN")).toBe("Contact 5 renamed");
    expect(after.some((i) => i.data.includes("UID:c6"))).toBe(false);
    expect(after).toHaveLength(remote.items("contacts").length);

    // Echoes are recognised; then a quiet cycle costs one DAV request per collection.
    await engine.runOnce();
    const before = client.stats.requests;
    remote.resetCalls();
    const quiet = await engine.runOnce();
    expect(quiet.ok).toBe(true);
    expect(client.stats.requests - before).toBe(2);
    expect(remote.calls.itemWrites).toBe(0);

    // Lost state: a new store pairs everything again, writing nothing.
    const engine2 = new SyncEngine({ store: new MemoryStateStore(), sides: [dav, remote] });
    await engine2.link({ id: "book", kind: "contacts", remote: { side: "remote", collection: "contacts" }, local: { side: "dav", collection: bookId } });
    const rebuilt = await engine2.runOnce();
    expect(rebuilt.ok).toBe(true);
    expect(rebuilt.pairs[0]!.paired).toHaveLength(remote.items("contacts").length);
    expect(rebuilt.pairs[0]!.local.created.length + rebuilt.pairs[0]!.local.updated.length + rebuilt.pairs[0]!.remote.created.length).toBe(0);
  });

  it("reads an event's UID, never its VALARM's (the UID rule of @ewsdav/vobject)", async () => {
    const event = [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//ewsdav//uid rule//EN",
      "BEGIN:VEVENT",
      "DTSTAMP:20240301T080000Z",
      "DTSTART:20240301T090000Z",
      "SUMMARY:Alarm first",
      "BEGIN:VALARM",
      "UID:alarm-uid-1",
      "ACTION:DISPLAY",
      "DESCRIPTION:Soon",
      "TRIGGER:-PT15M",
      "END:VALARM",
      "UID:event-uid-1",
      "END:VEVENT",
      "END:VCALENDAR",
      "",
    ].join("\r\n");
    const calendar = await server.seedCollection({ name: "alarms", kind: "calendar", items: [{ name: "event.ics", text: event }] });
    const dav = new DavSide({ client, name: "dav" });
    const calId = (await dav.listCollections()).find((c) => calendar.endsWith(c.id))!.id;
    const feed = await dav.changes(calId, null);
    const read = await dav.fetch(calId, feed.changed.map((c) => c.id));
    expect(read.map((r) => ("uid" in r ? r.uid : r.message))).toEqual(["event-uid-1"]);
  });

  it("gives each listed item with its text where the server sends it, and pulls a collection with one REPORT on Radicale", async () => {
    const count = 150;
    const url = await server.seedCollection({
      name: "pull",
      kind: "addressbook",
      items: Array.from({ length: count }, (_, i) => ({ name: `p${i}.vcf`, text: vcard(`p${i}`, { FN: `Person ${i}` }) })),
    });
    const dav = new DavSide({ client, name: "dav" });
    const id = (await dav.listCollections()).find((c) => url.endsWith(c.id))!.id;

    // The feed itself: text with each entry (uid left to the engine) where the server gives it.
    const feed = await dav.changes(id, null);
    expect(feed.complete).toBe(true);
    expect(feed.changed).toHaveLength(count);
    const withText = feed.changed.filter((c) => "text" in c);
    expect(withText).toHaveLength(kind === "radicale" ? count : 0);
    for (const entry of withText) expect(entry).toMatchObject({ uid: null, text: expect.stringMatching(/^BEGIN:VCARD\r\n[\s\S]*UID:p\d+\r\n/) });

    const memory = new MemorySide({ name: "memory" });
    memory.addCollection("contacts", "contacts");
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [dav, memory] });
    await engine.link({ id: "book", kind: "contacts", remote: { side: "dav", collection: id }, local: { side: "memory", collection: "contacts" } });
    const multigets = vi.spyOn(client, "multigetAll");
    const before = client.stats.requests;
    const first = await engine.runOnce();
    expect(first.ok, JSON.stringify(first.pairs.map((p) => p.errors))).toBe(true);
    expect(memory.items("contacts")).toHaveLength(count);
    expect(prop(memory.items("contacts").find((i) => i.uid === "p7")!.text, "FN")).toBe("Person 7");
    if (kind === "radicale") {
      expect(client.stats.requests - before).toBe(1); // the sync-collection REPORT, nothing else
      expect(multigets).not.toHaveBeenCalled();
    } else {
      expect(multigets).toHaveBeenCalled(); // what the listing did not carry is read by fetch
    }

    // Incremental: an edit, a creation and a deletion on DAV, each carried by the feed on Radicale.
    const [p1, p2] = (await client.multigetAll(url, [`${new URL(url).pathname}p1.vcf`, `${new URL(url).pathname}p2.vcf`])).map((r) => {
      if ("missing" in r) throw new Error(`missing ${r.href}`);
      return r;
    });
    if (!p1 || !p2) throw new Error("p1 and p2 not read");
    await client.updateItem({ href: p1.href, etag: p1.etag, text: vcard("p1", { FN: "Person 1 edited" }) });
    await client.deleteItem({ href: p2.href, etag: p2.etag });
    await client.createItem(url, { text: vcard("new", { FN: "Newcomer" }), name: "new.vcf" });
    multigets.mockClear();
    const beforeIncremental = client.stats.requests;
    const second = await engine.runOnce();
    expect(second.ok, JSON.stringify(second.pairs.map((p) => p.errors))).toBe(true);
    expect(prop(memory.items("contacts").find((i) => i.uid === "p1")!.text, "FN")).toBe("Person 1 edited");
    expect(memory.items("contacts").some((i) => i.uid === "p2")).toBe(false);
    expect(prop(memory.items("contacts").find((i) => i.uid === "new")!.text, "FN")).toBe("Newcomer");
    if (kind === "radicale") {
      expect(client.stats.requests - beforeIncremental).toBe(1);
      expect(multigets).not.toHaveBeenCalled();
    }

    // Writes from the other side, then their echo: nothing is read back from DAV.
    for (let i = 0; i < 5; i++) memory.put("contacts", vcard(`m${i}`, { FN: `Memory ${i}` }));
    const third = await engine.runOnce();
    expect(third.ok, JSON.stringify(third.pairs.map((p) => p.errors))).toBe(true);
    multigets.mockClear();
    const beforeEcho = client.stats.requests;
    memory.resetCalls();
    const echo = await engine.runOnce();
    expect(echo.ok).toBe(true);
    expect(multigets).not.toHaveBeenCalled();
    expect(memory.calls.itemWrites).toBe(0);
    if (server.supportsSyncCollection) expect(client.stats.requests - beforeEcho).toBe(1);

    // Quiet: one request on DAV, nothing written.
    const beforeQuiet = client.stats.requests;
    const quiet = await engine.runOnce();
    expect(quiet.ok).toBe(true);
    expect(client.stats.requests - beforeQuiet).toBe(1);
    expect(memory.calls.itemWrites).toBe(0);
    multigets.mockRestore();
  });

  it("answers a quiet cycle of a new process with one request: the cursor carries the collection's kind", async () => {
    const url = await server.seedCollection({ name: "restart", kind: "addressbook", items: [{ name: "r1.vcf", text: vcard("r1", { FN: "Restarted" }) }] });
    const id = new URL(url).pathname;
    const first = await new DavSide({ client, name: "dav" }).changes(id, null);
    expect(first.changed).toHaveLength(1);
    expect(first.cursor).toMatch(/^dav-side\/1 kind=addressbook /);

    // A new side (a new process) with the stored cursor: no PROPFIND before the change feed.
    const before = client.stats.requests;
    const quiet = await new DavSide({ client, name: "dav" }).changes(id, first.cursor);
    expect(quiet).toMatchObject({ changed: [], deleted: [], complete: false });
    expect(client.stats.requests - before).toBe(1); // the REPORT (or, without sync-collection, the ctag PROPFIND)
    expect(quiet.cursor).toBe(first.cursor);

    // A change after it is carried as before; a cursor of the client alone (written before) is still read.
    await client.createItem(url, { text: vcard("r2", { FN: "Second" }), name: "r2.vcf" });
    const next = await new DavSide({ client, name: "dav" }).changes(id, quiet.cursor);
    expect(next.changed.map((c) => c.id)).toEqual([`${id}r2.vcf`]);
    const clientOnly = quiet.cursor!.slice(quiet.cursor!.indexOf("\n") + 1);
    const old = await new DavSide({ client, name: "dav" }).changes(id, clientOnly);
    expect(old.changed.map((c) => c.id)).toEqual([`${id}r2.vcf`]);
    expect(old.cursor).toBe(next.cursor);
    await expect(new DavSide({ client, name: "dav" }).changes(id, "dav-side/1 kind=teapot\n{}")).rejects.toMatchObject({ code: "INVALID_CURSOR" });
  });
});

/**
 * A CardDAV collection on loopback whose listings also name hrefs that are not its members (on
 * another origin, outside it through `..`, plain or percent-encoded, or an encoded slash). A
 * request that reached beyond `/dav/` would show in `outside`.
 */
async function hostileCardDav(options: { onlyHostile?: boolean } = {}) {
  const items = new Map<string, { etag: string; text: string }>([["/dav/book/a.vcf", { etag: '"a1"', text: vcard("a", { FN: "Member" }) }]]);
  const hostile = [
    "https://evil.example/dav/book/x.vcf",
    "/dav/book/../../other-user/private/y.vcf",
    "/dav/book/%2e%2e/%2e%2e/other-user/private/z.vcf",
    "/dav/book/..%2F..%2Fother-user%2Fprivate%2Fw.vcf",
  ];
  const outside: string[] = [];
  const requests: string[] = [];
  const entry = (href: string, etag: string, data?: string) =>
    `<d:response><d:href>${href}</d:href><d:propstat><d:prop><d:getetag>${etag.replace(/"/g, "&quot;")}</d:getetag>${data === undefined ? "" : `<c:address-data>${data.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</c:address-data>`}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
  const multistatus = (res: import("node:http").ServerResponse, inner: string) => {
    res.writeHead(207, { "content-type": "application/xml; charset=utf-8" });
    res.end(`<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">${inner}</d:multistatus>`);
  };
  let token = 1;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      requests.push(`${req.method} ${path}`);
      if (!path.startsWith("/dav/")) outside.push(`${req.method} ${path}`);
      if (req.method === "PROPFIND") {
        multistatus(
          res,
          `<d:response><d:href>/dav/book/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><c:addressbook/></d:resourcetype><d:displayname>Book</d:displayname><d:supported-report-set><d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report></d:supported-report-set></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`,
        );
      } else if (req.method === "REPORT" && body.includes("sync-collection")) {
        const members = options.onlyHostile ? [] : [...items].map(([href, item]) => entry(href, item.etag));
        multistatus(res, `${members.join("")}${hostile.map((href) => entry(href, '"h"')).join("")}<d:sync-token>http://x/sync/${token++}</d:sync-token>`);
      } else if (req.method === "REPORT") {
        const asked = [...body.matchAll(/<d:href>([^<]*)<\/d:href>/g)].map((m) => m[1]!);
        multistatus(res, asked.map((href) => (items.has(href) ? entry(href, items.get(href)!.etag, items.get(href)!.text) : `<d:response><d:href>${href}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`)).join(""));
      } else if (req.method === "PUT") {
        const etag = `"${items.size + 1}-${Date.now()}"`;
        items.set(path, { etag, text: body });
        res.writeHead(201, { etag });
        res.end();
      } else if (req.method === "DELETE") {
        items.delete(path);
        res.writeHead(204);
        res.end();
      } else {
        res.writeHead(405);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dav/`;
  return { url, items, hostile, outside, requests, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

describe("DavSide against a server whose listings name hrefs outside the collection", () => {
  it("drops them, reports each as an item error, and never reads or writes outside the collection", async () => {
    const dav = await hostileCardDav();
    const client = new DavClient({ baseUrl: dav.url, auth: { type: "basic", username: "u", password: "p" } });
    try {
      const side = new DavSide({ client, name: "dav", homeUrls: [dav.url] });
      const remote = new MemorySide({ name: "remote" });
      remote.addCollection("contacts", "contacts");
      remote.put("contacts", vcard("b", { FN: "From remote" }));
      const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [side, remote] });
      await engine.link({ id: "book", kind: "contacts", remote: { side: "remote", collection: "contacts" }, local: { side: "dav", collection: "/dav/book/" } });
      const report = (await engine.runOnce()).pairs[0]!;
      expect(report.error).toBeNull();
      expect(report.remote.created.map((r) => r.uid)).toEqual(["a"]);
      expect(report.local.created.map((r) => r.uid)).toEqual(["b"]);
      expect(remote.items("contacts").map((i) => i.uid).sort()).toEqual(["a", "b"]);
      expect(report.errors.map((e) => [e.slot, e.code, e.id])).toEqual([
        ["local", "rejected", "https://evil.example/dav/book/x.vcf"],
        ["local", "rejected", "/other-user/private/y.vcf"],
        ["local", "rejected", "/other-user/private/z.vcf"],
        ["local", "rejected", "/dav/book/..%2F..%2Fother-user%2Fprivate%2Fw.vcf"],
      ]);
      expect(report.errors[1]!.message).toMatch(/outside the collection; dropped/);
      // Reported again while the server keeps listing them; nothing ever sent outside /dav/book/.
      const again = (await engine.runOnce()).pairs[0]!;
      expect(again.errors.map((e) => e.id)).toEqual(report.errors.map((e) => e.id));
      expect(dav.outside).toEqual([]);
      expect(dav.requests.filter((r) => r.startsWith("PUT") || r.startsWith("DELETE"))).toEqual([expect.stringMatching(/^PUT \/dav\/book\/b\.vcf$/)]);

      // A state that holds such an id (written before hrefs were checked) gets no write there.
      const [update] = await side.update("/dav/book/", [{ id: "/other-user/private/y.vcf", version: '"h"', uid: "y", text: vcard("y", { FN: "y" }) }]);
      const [removal] = await side.remove("/dav/book/", [{ id: "https://evil.example/dav/book/x.vcf", version: '"h"' }]);
      expect([update, removal]).toMatchObject([{ code: "rejected" }, { code: "rejected" }]);
      const [read] = await side.fetch("/dav/book/", ["/dav/book/../../other-user/private/y.vcf"]);
      expect(read).toMatchObject({ code: "not-found" });
      expect(dav.outside).toEqual([]);
    } finally {
      await client.close();
      await dav.close();
    }
  });

  it("fails the feed, naming the hrefs, when a complete listing names only non-members", async () => {
    const dav = await hostileCardDav({ onlyHostile: true });
    const client = new DavClient({ baseUrl: dav.url });
    try {
      const side = new DavSide({ client });
      await expect(side.changes("/dav/book/", null)).rejects.toThrow(/names no member, only hrefs that are not members: .*other-user\/private\/y\.vcf, which is outside the collection/);
    } finally {
      await client.close();
      await dav.close();
    }
  });

  it("reports an item larger than the response size limit alone; the others of its batch are read", async () => {
    const dav = await hostileCardDav();
    dav.items.set("/dav/book/b.vcf", { etag: '"b1"', text: vcard("b", { FN: "Small" }) });
    dav.items.set("/dav/book/big.vcf", { etag: '"g1"', text: vcard("big", { FN: "Big", NOTE: "x".repeat(80_000) }) });
    const client = new DavClient({ baseUrl: dav.url, maxResponseBytes: 64 * 1024 });
    try {
      const side = new DavSide({ client, homeUrls: [dav.url] });
      const read = await side.fetch("/dav/book/", ["/dav/book/a.vcf", "/dav/book/big.vcf", "/dav/book/b.vcf"]);
      expect(read.map((r) => ("code" in r ? r.code : r.uid))).toEqual(["a", "rejected", "b"]);
      expect((read[1] as Error).message).toMatch(/big\.vcf is larger than the response size limit/);
    } finally {
      await client.close();
      await dav.close();
    }
  });
});
