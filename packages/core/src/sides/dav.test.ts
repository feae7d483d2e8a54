/**
 * The DAV side's change feed carries the items' content where the server gives it with the
 * listing, so the engine reads nothing more: pulling a collection from Radicale costs one
 * REPORT, an incremental cycle (an edit, a creation, a deletion) one REPORT, a quiet one one
 * REPORT. Xandikos answers the content with 404 in sync-collection and sabre/dav 1.8 has no
 * sync-collection: there the engine reads by `fetch` what the feed did not carry, and after the
 * engine wrote to the server, the next listing's echo of those writes reads nothing back.
 * Real servers from the test harness; the other side is the in-memory side.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DavClient } from "@ewsdav/dav-client";
import { MemorySide } from "./memory.js";
import { DavSide } from "./dav.js";
import { SyncEngine } from "../engine/engine.js";
import { MemoryStateStore } from "../stores/memory.js";
import { prop, vcard } from "../fixtures.test-support.js";
import { DAV_SERVER_KINDS, startDavServer, type DavServer } from "../../../../test/harness/dav-servers.js";

describe.each(DAV_SERVER_KINDS)("DavSide change feed with content on %s", (kind) => {
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
});
