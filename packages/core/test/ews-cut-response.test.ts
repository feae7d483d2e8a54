/**
 * A cut EWS response is never taken as complete, end to end over HTTP: the EWS simulator ↔ a vdir
 * folder through the engine, with the state in SQLite. The simulator cuts every SyncFolderItems body
 * right after the first `</t:Create>` and closes the connection (no Content-Length: a close-delimited
 * body, as an HTTP/1.0 proxy delivers it). The cycle fails for that pair, the stored EWS cursor does
 * not move, nothing is written; once the server answers in full, the next cycle carries every change.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient, isEwsError, type RetryEvent } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { SyncEngine, type PairRecord } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { VdirSide } from "@ewsdav/core/vdir";

const NEW_CONTACTS = 6;

describe("a cut SyncFolderItems response (engine over HTTP)", () => {
  let sim: EwsSimulator;
  let client: EwsClient;
  let other: EwsClient;
  let dir: string;
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: "small", record: false });
    const auth = basicAuth({ username: "alice@example.com", password: "secret" });
    // The engine's client retries a cut read a few times, quickly (the fault outlasts every attempt).
    client = new EwsClient({ url: sim.url, auth, mailbox: "alice@example.com", retry: { baseDelayMs: 1, maxDelayMs: 4 } });
    // Another EWS client of the same mailbox (Outlook, a phone), making changes over HTTP.
    other = new EwsClient({ url: sim.url, auth, mailbox: "alice@example.com" });
    dir = mkdtempSync(join(tmpdir(), "ewsdav-cut-"));
  });
  afterAll(async () => {
    await client?.close();
    await other?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fails the cycle for the pair, keeps the cursor, and the next cycle carries every change", async () => {
    const store = new SqliteStateStore(join(dir, "state.db"));
    const ews = new EwsSide({ client, name: "ews" });
    const vdir = new VdirSide({ root: join(dir, "vdir"), fsync: false });
    const engine = new SyncEngine({ store, sides: [ews, vdir] });
    const folders = await ews.listCollections();
    const contacts = folders.find((f) => f.kind === "contacts" && f.displayName === "Contacts")!;
    const pair: PairRecord = await engine.link({ kind: "contacts", remote: { side: "ews", collection: contacts.id }, local: { side: "vdir", create: { displayName: "contacts" } } });
    const cards = () =>
      readdirSync(join(dir, "vdir", pair.local.collection))
        .filter((f) => f.endsWith(".vcf"))
        .map((f) => readFileSync(join(dir, "vdir", pair.local.collection, f), "utf8"));
    for (let i = 0; i < 3; i++) expect((await engine.runOnce()).ok).toBe(true); // first sync, echoes, UID tags
    const before = cards().length;
    const cursor = (await store.getPair(pair.id))!.cursors.remote;
    expect(cursor).toBeTruthy();

    const created = await other.createItem(
      Array.from({ length: NEW_CONTACTS }, (_, i) => ({ type: "Contact" as const, item: { givenName: `Cut${i}`, surname: "Person", displayName: `Cut${i} Person` } })),
    );
    expect(created.filter(isEwsError)).toEqual([]);

    sim.faults.inject({ kind: "cutBody", after: "</t:Create>", framing: "close", operation: "SyncFolderItems", times: 1_000 });
    const retries: RetryEvent[] = [];
    client.on("retry", (e) => retries.push(e));
    const cut = await engine.runOnce();
    client.removeAllListeners("retry");
    expect(cut.ok).toBe(false);
    const report = cut.pairs.find((p) => p.pairId === pair.id)!;
    expect(report.error, JSON.stringify(report)).not.toBeNull();
    expect(report.error!.message).toMatch(/SyncFolderItems: The XML document ends with \d+ elements not closed/);
    expect(retries.map((r) => r.reason)).toContain("malformed-response");
    expect((await store.getPair(pair.id))!.cursors.remote).toBe(cursor);
    expect(cards().length).toBe(before);

    sim.faults.clear();
    const next = await engine.runOnce();
    expect(next.ok, JSON.stringify(next.pairs.map((p) => [p.error, p.errors]))).toBe(true);
    const names = cards().filter((c) => /FN:Cut\d Person/.test(c));
    expect(names.length).toBe(NEW_CONTACTS);
    expect(cards().length).toBe(before + NEW_CONTACTS);
    expect((await store.getPair(pair.id))!.cursors.remote).not.toBe(cursor);

    // A cut GetItem (the read of changed items) is a transient per-item error: the items are read
    // again next cycle, not rejected.
    const edited = await other.createItem([{ type: "Contact" as const, item: { givenName: "Late", surname: "Person", displayName: "Late Person" } }]);
    expect(edited.filter(isEwsError)).toEqual([]);
    sim.faults.inject({ kind: "cutBody", after: "</t:Contact>", framing: "close", operation: "GetItem", times: 1_000 });
    const cutRead = await engine.runOnce();
    const readReport = cutRead.pairs.find((p) => p.pairId === pair.id)!;
    expect(readReport.errors.length, JSON.stringify(readReport)).toBeGreaterThan(0);
    expect(readReport.errors.map((e) => e.code)).toEqual(readReport.errors.map(() => "transient"));
    sim.faults.clear();
    expect((await engine.runOnce()).ok).toBe(true);
    expect(cards().filter((c) => /FN:Late Person/.test(c)).length).toBe(1);
    await store.close();
  });
});
