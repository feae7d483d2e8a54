/**
 * A first pull in pages from real DAV servers through the engine (`DavSide.listPages`, pages.ts):
 * Radicale answers sync-collection with the data (one REPORT, parsed a page at a time); Xandikos
 * answers it without the data (the engine reads each page's members by multiget); sabre/dav 1.8 has
 * no sync-collection (the ETag listing, in pages). Every item arrives once, the next cycle is quiet
 * and writes nothing. And over loopback: a server that closes the connection mid-multistatus stops
 * the cycle (`feed-failed`) with no cursor stored; the next cycle finishes the pull without a duplicate.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DavClient } from "@ewsdav/dav-client";
import { MemorySide, MemoryStateStore, SyncEngine } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { DAV_SERVER_KINDS, startDavServer, type DavServer } from "../../../test/harness/dav-servers.js";
import { vcard } from "../src/fixtures.test-support.js";

const COUNT = 1_100;

function uidsOf(side: MemorySide, collection: string): string[] {
  const uids = side.items(collection).map((i) => i.uid!);
  expect(new Set(uids).size, "a duplicate").toBe(uids.length);
  return uids.sort();
}

describe.each(DAV_SERVER_KINDS)("a first pull in pages from %s", (kind) => {
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

  it(`pulls ${COUNT} cards into an empty side in pages, each once, and the next cycle writes nothing`, async () => {
    const items = Array.from({ length: COUNT }, (_, i) => ({ name: `p${i}.vcf`, text: vcard(`p${i}`, { FN: `Paged ${i}` }) }));
    const book = await server.seedCollection({ name: "paged-book", kind: "addressbook", items });
    const dav = new DavSide({ client, name: "dav" });
    const bookId = (await dav.listCollections()).find((c) => book.endsWith(c.id))!.id;
    const local = new MemorySide({ name: "local" });
    local.addCollection("contacts", "contacts");
    const engine = new SyncEngine({ store: new MemoryStateStore(), sides: [local, dav] });
    await engine.link({ id: "p", kind: "contacts", local: { side: "local", collection: "contacts" }, remote: { side: "dav", collection: bookId } });
    const pages = vi.spyOn(dav, "listPages");
    const changes = vi.spyOn(dav, "changes");
    const before = client.stats.requests;
    const first = await engine.runOnce();
    expect(first.ok, JSON.stringify(first.pairs[0]?.errors ?? first.pairs[0]?.error)).toBe(true);
    expect(pages).toHaveBeenCalledTimes(1);
    expect(changes).not.toHaveBeenCalled();
    expect(first.pairs[0]!.local.created).toHaveLength(COUNT);
    expect(uidsOf(local, "contacts")).toEqual(items.map((_, i) => `p${i}`).sort());
    if (kind === "radicale") expect(client.stats.requests - before).toBe(1); // one REPORT with the data
    const second = await engine.runOnce();
    expect(second.ok).toBe(true);
    expect(pages).toHaveBeenCalledTimes(1);
    const p = second.pairs[0]!;
    expect(p.local.created.length + p.remote.created.length + p.local.updated.length + p.remote.updated.length + p.local.deleted.length + p.remote.deleted.length).toBe(0);
    expect(uidsOf(local, "contacts")).toHaveLength(COUNT);
  }, 240_000);
});

describe("a first pull in pages from a server that closes the connection mid-multistatus", () => {
  it("stops the cycle with feed-failed and no cursor; the next cycle finishes it without a duplicate", async () => {
    const card = (i: number) => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u${i}\r\nFN:U ${i}\r\nEND:VCARD\r\n`;
    const member = (i: number) =>
      `<d:response><d:href>/book/u${i}.vcf</d:href><d:propstat><d:prop><d:getetag>"e${i}"</d:getetag><card:address-data>${card(i)}</card:address-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
    const body = `<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">${Array.from({ length: 1_200 }, (_, i) => member(i)).join("")}<d:sync-token>http://x/t1</d:sync-token></d:multistatus>`;
    let cut = true;
    const http = createServer((req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c.toString()));
      req.on("end", () => {
        if (req.method === "REPORT" && text.includes("sync-collection")) {
          res.writeHead(207, { "content-type": "application/xml; charset=utf-8", "content-length": String(Buffer.byteLength(body)) });
          if (cut) {
            res.write(body.slice(0, Math.floor(body.length * 0.6)));
            setTimeout(() => res.destroy(), 20);
          } else res.end(body);
          return;
        }
        const multiget = [...text.matchAll(/<d:href>\/book\/u(\d+)\.vcf<\/d:href>/g)].map((m) => member(Number(m[1])));
        res.writeHead(207, { "content-type": "application/xml; charset=utf-8" });
        res.end(`<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">${multiget.join("")}</d:multistatus>`);
      });
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
    const client = new DavClient({ baseUrl: url, retry: { retries: 0, baseDelayMs: 1 } });
    try {
      const dav = new DavSide({ client, name: "dav" });
      (dav as unknown as { listCollections: unknown }).listCollections = async () => [{ id: "/book/", kind: "contacts", displayName: "book" }];
      const local = new MemorySide({ name: "local" });
      local.addCollection("contacts", "contacts");
      const store = new MemoryStateStore();
      const engine = new SyncEngine({ store, sides: [local, dav] });
      // The collection's facts come from a cursor-less ref: a PROPFIND would be asked; answer it as an address book.
      vi.spyOn(client, "getCollection").mockResolvedValue({
        url: `${url}book/`, href: "/book/", kind: "addressbook", displayName: undefined, description: undefined, color: undefined,
        components: undefined, ctag: undefined, syncToken: undefined, privileges: undefined, readOnly: false, supportsSyncCollection: true,
      });
      await engine.link({ id: "p", kind: "contacts", local: { side: "local", collection: "contacts" }, remote: { side: "dav", collection: "/book/" } });
      const first = await engine.runOnce();
      expect(first.pairs[0]!.error?.code).toBe("feed-failed");
      expect((await store.getPair("p"))!.cursors).toEqual({ local: null, remote: null });
      const partly = local.items("contacts").length;
      expect(partly).toBeLessThan(1_200);
      cut = false;
      const second = await engine.runOnce();
      expect(second.ok, JSON.stringify(second.pairs[0]?.errors ?? second.pairs[0]?.error)).toBe(true);
      expect(uidsOf(local, "contacts")).toHaveLength(1_200);
      expect((await store.getPair("p"))!.cursors.remote).not.toBeNull();
    } finally {
      await client.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });
});
