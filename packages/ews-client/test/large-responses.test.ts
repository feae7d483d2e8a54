/**
 * Large listings are read in pages, never refused for their size, against the simulator over HTTP
 * with small response limits (64 KiB, 4 KiB) and contacts with 6 KiB notes: GetItem batches are split
 * down to what fits, SyncFolderItems and FindItem pages shrink and keep the smaller size, and only an
 * item whose response alone is over the limit fails — in its own slot, named, the others read.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient, isEwsError, ResponseTooLargeError, type ItemId } from "../src/index.js";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";

const LIMIT = 64 * 1024;
const CONTACTS = 40;

describe("large responses", () => {
  let sim: EwsSimulator;
  let client: EwsClient;
  let ids: ItemId[];
  let folderId: string;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small", record: false });
    const auth = basicAuth({ username: "alice@example.com", password: "secret" });
    const writer = new EwsClient({ url: sim.url, auth });
    const created = await writer.createItem(
      Array.from({ length: CONTACTS }, (_, i) => ({
        type: "Contact" as const,
        item: { givenName: `Big${i}`, surname: "Notes", body: { bodyType: "Text" as const, value: `${i} `.padEnd(6 * 1024, "n") } },
      })),
    );
    const huge = await writer.createItem([{ type: "Contact", item: { givenName: "Huge", body: { bodyType: "Text", value: "h".repeat(2 * LIMIT) } } }]);
    await writer.close();
    ids = [...created, ...huge].map((r) => {
      if (isEwsError(r)) throw r;
      return r;
    });
    const [contacts] = await new EwsClient({ url: sim.url, auth }).getFolder([{ distinguishedId: "contacts" }]);
    if (!contacts || isEwsError(contacts)) throw new Error("no contacts folder");
    folderId = contacts.folderId.id;
    client = new EwsClient({ url: sim.url, auth, transport: { maxResponseBytes: LIMIT }, getItemBatchSize: 50, retry: false });
  });
  afterAll(async () => {
    await client?.close();
    await sim?.stop();
  });

  it("GetItem splits a batch over the limit and reads every item; only the item too large alone fails, named", async () => {
    const before = sim.requestCounts().GetItem ?? 0;
    const results = await client.getItem(ids);
    expect(results).toHaveLength(CONTACTS + 1);
    const failed = results.map((r, i) => [r, i] as const).filter(([r]) => isEwsError(r));
    expect(failed.map(([, i]) => i)).toEqual([CONTACTS]);
    const error = failed[0]![0] as ResponseTooLargeError;
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error.limitBytes).toBe(LIMIT);
    expect(error.subject).toMatch(new RegExp(`^GetItem\\[${CONTACTS}\\] \\(item `));
    for (const [i, r] of results.slice(0, CONTACTS).entries()) {
      expect(isEwsError(r)).toBe(false);
      if (!isEwsError(r) && r.type === "Contact") expect(r.item.givenName).toBe(`Big${i}`);
    }
    expect((sim.requestCounts().GetItem ?? 0) - before).toBeGreaterThan(2);
  });

  it("SyncFolderItems pages down until a page fits, and carries every change", async () => {
    const seen = new Set<string>();
    let pages = 0;
    const limited = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), transport: { maxResponseBytes: 4 * 1024 }, retry: false });
    try {
      for await (const page of limited.syncFolderItemsPages({ folder: { id: folderId } })) {
        pages++;
        for (const change of page.changes) seen.add(change.itemId.id);
      }
    } finally {
      await limited.close();
    }
    for (const id of ids.slice(0, CONTACTS)) expect(seen.has(id.id)).toBe(true);
    expect(pages).toBeGreaterThan(1);
  });

  it("GetAttachment reads attachments in halves when together they are over the limit; one too large alone fails, named", async () => {
    const writer = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }) });
    const file = (name: string, bytes: number) => ({ kind: "file" as const, name, contentType: "application/octet-stream", content: Buffer.alloc(bytes, name).toString("base64") });
    const created = await writer.createAttachment(ids[0]!, [file("a", 20_000), file("b", 20_000), file("c", 20_000), file("huge", 60_000)]);
    await writer.close();
    const attachmentIds = created.map((r) => {
      if (isEwsError(r)) throw r;
      return r.id;
    });
    const results = await client.getAttachment(attachmentIds);
    expect(results.slice(0, 3).map((r) => (isEwsError(r) ? r.code : r.kind === "file" ? Buffer.from(r.content ?? "", "base64").length : 0))).toEqual([20_000, 20_000, 20_000]);
    expect(results[3]).toBeInstanceOf(ResponseTooLargeError);
    expect((results[3] as ResponseTooLargeError).subject).toMatch(/^GetAttachment\[3\] \(attachment /);
  });

  it("FindItem pages down and lists every item", async () => {
    const limited = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), transport: { maxResponseBytes: 4 * 1024 }, retry: false });
    const before = sim.requestCounts().FindItem ?? 0;
    try {
      const items = await limited.findItem({ folder: { id: folderId } });
      expect((sim.requestCounts().FindItem ?? 0) - before).toBeGreaterThan(2);
      const found = new Set(items.map((i) => (i.type === "Unsupported" ? undefined : i.item.itemId?.id)));
      for (const id of ids.slice(0, CONTACTS)) expect(found.has(id.id)).toBe(true);
    } finally {
      await limited.close();
    }
  });
});
