/**
 * `syncFolderItemsWithItems` against the EWS simulator over HTTP: SyncFolderItems pages pipelined
 * with GetItem batches. Pages come in server order with every item they name; a page cut short is
 * an error after the pages before it, never a complete listing; an item gone between listing and
 * read is an error in its own slot; ErrorServerBusy is waited out; no more requests in flight than
 * the client's concurrency.
 */
import { seedLarge, startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { basicAuth } from "../auth/basic.js";
import { EwsClient } from "../client.js";
import type { EwsClientOptions } from "../client-core.js";
import { AbortedError, EwsResponseError, XmlSecurityError } from "../errors.js";
import type { RetryEvent } from "../transport/retry-layer.js";
import type { EwsLayer } from "../transport/types.js";
import { isEwsError } from "./results.js";
import type { SyncFolderItemsPageWithItems } from "./sync-with-items.js";

const CONTACTS = 45;
let sim: EwsSimulator;

beforeAll(async () => {
  sim = await startEwsSimulator({ seed: (box) => seedLarge(box, { contacts: CONTACTS, events: 0, tasks: 0 }), record: false });
});
afterAll(async () => {
  await sim?.stop();
});
beforeEach(() => {
  sim.faults.clear();
});

const clients: EwsClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

function client(options: Partial<EwsClientOptions> = {}): EwsClient {
  const c = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), mailbox: "alice@example.com", ...options });
  clients.push(c);
  return c;
}

async function collect(pages: AsyncIterable<SyncFolderItemsPageWithItems>): Promise<SyncFolderItemsPageWithItems[]> {
  const out: SyncFolderItemsPageWithItems[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** The contacts' ids and display names, in SyncFolderItems order, from the plain page-by-page calls. */
async function reference(): Promise<Array<{ id: string; type: string }>> {
  const out: Array<{ id: string; type: string }> = [];
  for await (const page of client().syncFolderItemsPages({ folder: { distinguishedId: "contacts" }, maxChangesReturned: 10 })) {
    for (const change of page.changes) out.push({ id: change.itemId.id, type: change.type });
  }
  return out;
}

describe("syncFolderItemsWithItems", () => {
  it("yields every page in server order, each with one item per Create/Update, and ends with the last page", async () => {
    let inFlight = 0;
    let most = 0;
    const gauge: EwsLayer = (next) => async (request) => {
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        return await next(request);
      } finally {
        inFlight--;
      }
    };
    const ews = client({ getItemBatchSize: 4, concurrency: 3, layers: [gauge] });
    const pages = await collect(ews.syncFolderItemsWithItems({ folder: { distinguishedId: "contacts" }, maxChangesReturned: 10 }, { pagesAhead: 2 }));
    expect(pages.map((p) => p.changes.length)).toEqual([10, 10, 10, 10, 5]);
    expect(pages.map((p) => p.includesLastItemInRange)).toEqual([false, false, false, false, true]);
    const listed = pages.flatMap((p) => p.changes.map((c) => ({ id: c.itemId.id, type: c.type })));
    expect(listed).toEqual(await reference());
    for (const page of pages) {
      const named = page.changes.filter((c) => c.type === "Create" || c.type === "Update");
      expect(page.items).toHaveLength(named.length);
      page.items.forEach((item, i) => {
        if (isEwsError(item) || item.type !== "Contact") throw new Error(`slot ${i}: ${String(item)}`);
        expect(item.item.itemId?.id).toBe(named[i]!.itemId.id);
        expect(item.item.displayName).toBeTruthy();
      });
    }
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1); // listing and reading overlapped
    // The last state is a real cursor: nothing changed since.
    const noop = await ews.syncFolderItems({ folder: { distinguishedId: "contacts" }, syncState: pages.at(-1)!.syncState });
    expect(noop.changes).toEqual([]);
  });

  it("ends with an error after the pages before it when a page comes cut short, never as a complete listing", async () => {
    let listings = 0;
    const cutSecond: EwsLayer = (next) => (request) => {
      if (request.operation === "SyncFolderItems" && ++listings === 2) {
        sim.faults.inject({ kind: "cutBody", after: "</t:Create>", occurrence: 3, framing: "length", operation: "SyncFolderItems", times: 10 });
      }
      return next(request);
    };
    const ews = client({ layers: [cutSecond], retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } });
    const seen: SyncFolderItemsPageWithItems[] = [];
    const walk = async () => {
      for await (const page of ews.syncFolderItemsWithItems({ folder: { distinguishedId: "contacts" }, maxChangesReturned: 10 })) seen.push(page);
    };
    const error = await walk().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(XmlSecurityError);
    expect((error as XmlSecurityError).rule).toBe("truncated");
    expect(seen.length).toBeLessThanOrEqual(1);
    expect(seen.every((p) => !p.includesLastItemInRange)).toBe(true);
  });

  it("answers an item gone between listing and reading with ErrorItemNotFound in its slot, the others read", async () => {
    const ids = (await reference()).map((c) => c.id);
    const victim = ids[12]!;
    let deleted = false;
    const deleteBeforeRead: EwsLayer = (next) => async (request) => {
      if (!deleted && request.operation === "GetItem" && request.body.includes(victim)) {
        deleted = true;
        sim.mailbox("alice@example.com").deleteItem(victim);
      }
      return next(request);
    };
    const ews = client({ layers: [deleteBeforeRead], getItemBatchSize: 5 });
    try {
      const pages = await collect(ews.syncFolderItemsWithItems({ folder: { distinguishedId: "contacts" }, maxChangesReturned: 10 }));
      const items = pages.flatMap((p) => p.items);
      expect(items).toHaveLength(CONTACTS);
      const failed = items.map((item, i) => ({ item, i })).filter(({ item }) => isEwsError(item));
      expect(failed.map(({ i }) => i)).toEqual([12]);
      expect((failed[0]!.item as EwsResponseError).responseCode).toBe("ErrorItemNotFound");
    } finally {
      // Put the folder back as it was for the other tests: a fresh contact in place of the deleted one.
      seedLarge(sim.mailbox("alice@example.com"), { contacts: 1, events: 0, tasks: 0 });
    }
  });

  it("waits out ErrorServerBusy (BackOffMilliseconds) on listing and reading, and still reads everything", async () => {
    sim.faults.inject({ kind: "serverBusy", backOffMilliseconds: 20, operation: "SyncFolderItems", times: 1 });
    sim.faults.inject({ kind: "serverBusy", backOffMilliseconds: 30, operation: "GetItem", times: 2 });
    const ews = client({ getItemBatchSize: 8 });
    const retries: RetryEvent[] = [];
    ews.on("retry", (e) => retries.push(e));
    const pages = await collect(ews.syncFolderItemsWithItems({ folder: { distinguishedId: "contacts" }, maxChangesReturned: 20 }));
    expect(pages.at(-1)!.includesLastItemInRange).toBe(true);
    const items = pages.flatMap((p) => p.items);
    expect(items).toHaveLength(CONTACTS);
    expect(items.filter(isEwsError)).toEqual([]);
    expect(retries.filter((r) => r.operation === "SyncFolderItems" && r.serverDelayMs === 20)).toHaveLength(1);
    expect(retries.filter((r) => r.operation === "GetItem" && r.serverDelayMs === 30)).toHaveLength(2);
  });

  it("cancels what is in flight when the caller stops early", async () => {
    const ews = client({ getItemBatchSize: 3 });
    let pages = 0;
    for await (const page of ews.syncFolderItemsWithItems({ folder: { distinguishedId: "contacts" }, maxChangesReturned: 10 })) {
      pages++;
      expect(page.items.length).toBeGreaterThan(0);
      break;
    }
    expect(pages).toBe(1);
    // The client still works afterwards.
    expect((await collect(ews.syncFolderItemsWithItems({ folder: { distinguishedId: "contacts" } }))).flatMap((p) => p.items)).toHaveLength(CONTACTS);
  });

  it("ends with AbortedError when the caller's signal aborts between pages, never as a complete listing", async () => {
    const ews = client({ getItemBatchSize: 3 });
    const abort = new AbortController();
    let pages = 0;
    let failure: unknown;
    try {
      for await (const page of ews.syncFolderItemsWithItems({ folder: { distinguishedId: "contacts" }, maxChangesReturned: 10 }, { signal: abort.signal })) {
        pages++;
        if (page.includesLastItemInRange) break;
        // Let the listing run ahead and wait for room (the next page read), then abort between pages.
        await new Promise((resolve) => setTimeout(resolve, 300));
        abort.abort();
      }
    } catch (error) {
      failure = error;
    }
    expect(pages).toBeGreaterThan(0);
    expect(failure).toBeInstanceOf(AbortedError);
  });
});
