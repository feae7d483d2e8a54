/**
 * The change feed with the members' content (`withData`) against every real server the harness
 * starts (Radicale, Xandikos, sabre/dav), over a calendar and an address book: the content comes
 * with the sync-collection listing where the server gives it (Radicale: one REPORT for a first
 * listing and for an incremental one, with deletions), the same text a multiget reads. Xandikos
 * answers the data property of sync-collection with a 404 propstat for every member, so its
 * content comes by the multiget fallback, one REPORT per batch after the listing; sabre/dav 1.8
 * has no sync-collection, so its ETag listing comes without content. A pass-through proxy over
 * the real server that strips the content of some members from sync-collection answers proves
 * the fallback reads just those.
 */
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DavClient, DavError, type DavCollection, type DavItem, type DavMissingItem } from "@ewsdav/dav-client";
import { DAV_SERVER_KINDS, startDavServer, type DavServer } from "../../../test/harness/dav-servers.js";
import { itemText, labelOf, type Flavour } from "./fixtures.test-support.js";

function isItem(result: DavItem | DavMissingItem): result is DavItem {
  return !("missing" in result);
}

/**
 * An HTTP pass-through to `target` that removes the calendar-data / address-data element from
 * each DAV:response of a sync-collection answer whose href contains `-bare`; every request is
 * recorded (method and whether it is a sync-collection).
 */
async function strippingProxy(target: URL): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const isSync = body.toString("utf8").includes("sync-collection");
      requests.push(isSync ? "sync-collection" : `${req.method} ${/multiget/.test(body.toString("utf8")) ? "multiget" : ""}`.trim());
      const headers = { ...req.headers, host: target.host };
      delete headers["accept-encoding"];
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
        const parts: Buffer[] = [];
        answer.on("data", (c: Buffer) => parts.push(c));
        answer.on("end", () => {
          let text = Buffer.concat(parts).toString("utf8");
          if (isSync) {
            text = text.replace(/<([\w-]+:)?response\b[\s\S]*?<\/\1response>/g, (block) =>
              /-bare/.test(block) ? block.replace(/<([\w-]+:)?(calendar|address)-data\b[^>]*?(\/>|>[\s\S]*?<\/\1\2-data>)/g, "") : block,
            );
          }
          const out = Buffer.from(text, "utf8");
          const outHeaders = { ...answer.headers, "content-length": String(out.length) };
          delete outHeaders["transfer-encoding"];
          res.writeHead(answer.statusCode ?? 502, outHeaders);
          res.end(out);
        });
      });
      upstream.on("error", (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.each(DAV_SERVER_KINDS)("change feed with content against %s", (kind) => {
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

  /** Requests a listing with content of `members` changed members costs: Radicale gives the content, Xandikos does not (a multiget per 100). */
  const listingCost = (members: number) => (kind === "radicale" ? 1 : 1 + Math.ceil(members / 100));

  async function collectionWith(flavour: Flavour, name: string, labels: readonly string[]): Promise<{ collection: DavCollection; written: Map<string, string> }> {
    const collection =
      flavour === "VCARD3"
        ? await client.createAddressBook({ name, displayName: name })
        : await client.createCalendar({ name, displayName: name, components: ["VEVENT"] });
    const written = new Map<string, string>();
    const results = await client.createItems(
      collection,
      labels.map((label) => ({ text: itemText(flavour, `${name}-${label}`, label), name: `${label}.${flavour === "VCARD3" ? "vcf" : "ics"}` })),
    );
    for (const r of results) {
      if (r instanceof DavError) throw r;
      written.set(r.href, r.etag);
    }
    return { collection, written };
  }

  it("reads a collection without its change markers: the same kind, reports and rights, no ctag or sync-token", async () => {
    const { collection } = await collectionWith("VCARD3", "markers", ["a"]);
    const full = await client.getCollection(collection.url);
    const light = await client.getCollection(collection.url, undefined, { changeMarkers: false });
    expect({ ...light, ctag: full.ctag, syncToken: full.syncToken }).toEqual(full);
    expect([light.ctag, light.syncToken]).toEqual([undefined, undefined]);
    expect(light.supportsSyncCollection).toBe(server.supportsSyncCollection);
    // The change feed from it works as from the full read (sync-collection, or sabre's ETag listing).
    const feed = await client.changes(light, null, { withData: true });
    expect(feed.changed).toHaveLength(1);
  });

  describe.each(["VEVENT", "VCARD3"] as const)("%s", (flavour) => {
    it("lists the members with their content in one request where the server has sync-collection, with incremental changes and deletions", async () => {
      const { collection, written } = await collectionWith(flavour, `data-${flavour.toLowerCase()}`, ["a", "b", "c"]);
      const before = client.stats.requests;
      const first = await client.changes(collection, null, { withData: true });
      const firstCost = client.stats.requests - before;
      expect(first.complete).toBe(true);
      expect(first.changed.map((m) => m.href).sort()).toEqual([...written.keys()].sort());
      const read = new Map((await client.multigetAll(collection, [...written.keys()])).filter(isItem).map((i) => [i.href, i]));
      if (server.supportsSyncCollection) {
        expect(firstCost).toBe(listingCost(3));
        for (const member of first.changed) {
          expect(member.data, member.href).toBe(read.get(member.href)!.data); // the text a multiget reads, CRLF line ends
          expect(member.etag).toBe(read.get(member.href)!.etag);
        }
      } else {
        // sabre/dav 1.8: the ETag listing, without content (the caller reads what it needs).
        expect(first.method).toBe("etag-listing");
        expect(first.changed.every((m) => m.data === undefined)).toBe(true);
      }

      const [a, b, c] = [...written.keys()].sort() as [string, string, string];
      const bItem = read.get(b)!;
      await client.updateItem({ href: b, etag: bItem.etag, text: bItem.data.replace(/(SUMMARY|FN):b/, "$1:b2") });
      await client.deleteItem({ href: c });
      const d = await client.createItem(collection, { text: itemText(flavour, `data-${flavour}-d`, "d"), name: `d.${flavour === "VCARD3" ? "vcf" : "ics"}` });

      const beforeNext = client.stats.requests;
      const next = await client.changes(collection, first.cursor, { withData: true });
      expect(next.complete).toBe(false);
      expect(next.changed.map((m) => m.href).sort()).toEqual([b, d.href].sort());
      expect(next.deleted).toEqual([c]);
      if (server.supportsSyncCollection) {
        expect(client.stats.requests - beforeNext).toBe(listingCost(2));
        expect(labelOf(next.changed.find((m) => m.href === b)!.data!)).toBe("b2");
        expect(labelOf(next.changed.find((m) => m.href === d.href)!.data!)).toBe("d");
        expect(next.changed.find((m) => m.href === d.href)!.etag).toBe(d.etag);
      }
      expect(next.changed.some((m) => m.href === a)).toBe(false);

      const beforeQuiet = client.stats.requests;
      const quiet = await client.changes(collection, next.cursor, { withData: true });
      expect(quiet).toMatchObject({ changed: [], deleted: [] });
      expect(client.stats.requests - beforeQuiet).toBe(1);
      await client.deleteCollection(collection);
    });
  });

  if (kind !== "sabre")
    it("reads by multiget just the members a sync-collection answer leaves without content (a proxy strips it from some)", async () => {
      const labels = ["one", "two-bare", "three", "four-bare", "five-bare"];
      const { collection, written } = await collectionWith("VCARD3", "data-fallback", labels);
      const proxy = await strippingProxy(new URL(server.url));
      const viaProxy = new DavClient({
        baseUrl: proxy.url,
        auth: { type: "basic", username: server.username, password: server.password },
        headers: server.headers,
        multigetBatchSize: 2,
      });
      try {
        const book = { url: new URL(new URL(collection.url).pathname, proxy.url).href, kind: "addressbook" as const, supportsSyncCollection: true };
        const feed = await viaProxy.changes(book, null, { withData: true });
        expect(feed.changed.map((m) => m.href).sort()).toEqual([...written.keys()].sort());
        const read = new Map((await client.multigetAll(collection, [...written.keys()])).filter(isItem).map((i) => [i.href, i]));
        for (const member of feed.changed) {
          expect(member.data, member.href).toBe(read.get(member.href)!.data);
          expect(member.etag).toBe(read.get(member.href)!.etag);
        }
        // The listing, then multigets of two hrefs: for the three bare members (Radicale gives the
        // others' content), for all five (Xandikos gives none).
        expect(proxy.requests).toEqual(["sync-collection", ...Array<string>(kind === "radicale" ? 2 : 3).fill("REPORT multiget")]);
      } finally {
        await viaProxy.close();
        await proxy.close();
        await client.deleteCollection(collection);
      }
    });
});
