/**
 * The DAV side over real servers (Radicale, Xandikos on loopback), synced with an in-memory side
 * through the engine: first sync both ways, edits and deletions, a quiet cycle, lost state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DavClient } from "@ewsdav/dav-client";
import { MemorySide, MemoryStateStore, SyncEngine } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { DAV_SERVER_KINDS, startDavServer, type DavServer } from "../../../test/harness/dav-servers.js";
import { prop, vcard, vevent } from "../src/testing/fixtures.js";

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
});
