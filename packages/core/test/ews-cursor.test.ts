/**
 * The EWS side's cursor (the simulator over HTTP): it records the folder's kind, so a side that
 * starts with a stored cursor (a new `ewsdav sync` process) sends its SyncFolderItems at once — a
 * quiet cycle is one request per folder, no FindFolder. Cursors of the earlier form (the bare
 * SyncState) still work at the cost of one FindFolder; an ewsdav that predates the form gets a
 * rejected SyncState from it (and lists the folder anew, as after any rejected state); a
 * rejected state re-reads the kind; a folder gone since the cursor is `not-found`, as before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient, InvalidSyncStateError } from "@ewsdav/ews-client";
import { seedLarge, startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { SideError, type CollectionKind, type SideItem } from "@ewsdav/core";
import { EwsSide } from "@ewsdav/core/ews";

describe("the EWS side's cursor", () => {
  let sim: EwsSimulator;
  let client: EwsClient;
  const byOperation = new Map<string, number>();
  beforeAll(async () => {
    sim = await startEwsSimulator({ seed: (box) => seedLarge(box, { contacts: 12, events: 6, tasks: 4 }), record: false });
    client = new EwsClient({
      url: sim.url,
      auth: basicAuth({ username: "alice@example.com", password: "secret" }),
      mailbox: "alice@example.com",
      layers: [(next) => (request) => (byOperation.set(request.operation, (byOperation.get(request.operation) ?? 0) + 1), next(request))],
    });
  });
  afterAll(async () => {
    await client?.close();
    await sim?.stop();
  });

  const topFolder = async (kind: CollectionKind) =>
    (await new EwsSide({ client, name: "ews" }).listCollections()).find((f) => f.kind === kind && ["Contacts", "Calendar", "Tasks"].includes(f.displayName))!;
  const requests = () => Object.fromEntries(byOperation);

  it("records the folder's kind, so a side that starts with it asks no FindFolder", async () => {
    for (const kind of ["contacts", "events", "tasks"] as const) {
      const folder = await topFolder(kind);
      const first = await new EwsSide({ client, name: "ews" }).changes(folder.id, null);
      expect(first.cursor!.startsWith(`ews-side/1 kind=${kind}\n`)).toBe(true);
      byOperation.clear();
      const quiet = await new EwsSide({ client, name: "ews" }).changes(folder.id, first.cursor);
      expect(quiet).toEqual({ cursor: first.cursor, changed: [], deleted: [], complete: false });
      expect(requests()).toEqual({ SyncFolderItems: 1 });
    }
  });

  it("reads a cursor of the earlier form (the bare SyncState) at the cost of one FindFolder, and answers the new form", async () => {
    const folder = await topFolder("contacts");
    const first = await new EwsSide({ client, name: "ews" }).changes(folder.id, null);
    const bare = first.cursor!.slice(first.cursor!.indexOf("\n") + 1);
    sim.mailbox("alice@example.com").createItem(folder.id, "<Contact><GivenName>Late</GivenName></Contact>");
    byOperation.clear();
    const feed = await new EwsSide({ client, name: "ews" }).changes(folder.id, bare);
    expect(requests()).toEqual({ FindFolder: 1, SyncFolderItems: 1 });
    expect(feed.complete).toBe(false);
    expect(feed.changed).toHaveLength(1);
    expect(feed.cursor!.startsWith("ews-side/1 kind=contacts\n")).toBe(true);
  });

  it("is a SyncState Exchange rejects for an ewsdav that predates it (which then lists the folder anew)", async () => {
    const folder = await topFolder("contacts");
    const first = await new EwsSide({ client, name: "ews" }).changes(folder.id, null);
    // What an earlier ewsdav does with a stored cursor: send it as the SyncState.
    const pages = client.syncFolderItemsPages({ folder: { id: folder.id }, syncState: first.cursor! });
    await expect((async () => {
      for await (const _ of pages) void _;
    })()).rejects.toBeInstanceOf(InvalidSyncStateError);
  });

  it("restarts a cursor of a later form, or a rejected state, as a complete listing of ids", async () => {
    const folder = await topFolder("contacts");
    const first = await new EwsSide({ client, name: "ews" }).changes(folder.id, null);
    const ids = first.changed.map((c) => c.id).sort();
    // A later form: its kind is not taken (one FindFolder), and no state is sent. A rejected state: refused, the kind read again, then listed.
    for (const [cursor, asked] of [
      [`ews-side/2 kind=contacts folder=x\n${first.cursor}`, { FindFolder: 1, SyncFolderItems: 1 }],
      ["ews-side/1 kind=contacts\nnot-a-sync-state", { FindFolder: 1, SyncFolderItems: 2 }],
    ] as const) {
      byOperation.clear();
      const feed = await new EwsSide({ client, name: "ews" }).changes(folder.id, cursor);
      expect(feed.complete).toBe(true);
      expect(feed.changed.map((c) => c.id).sort()).toEqual(ids);
      expect(feed.changed.every((c) => !("text" in c))).toBe(true);
      expect(feed.cursor!.startsWith("ews-side/1 kind=contacts\n")).toBe(true);
      expect(requests()).toEqual(asked);
    }
  });

  it("reads the kind again when Exchange rejects the state, and lists the folder as what it holds", async () => {
    const folder = await topFolder("contacts");
    const first = await new EwsSide({ client, name: "ews" }).changes(folder.id, null);
    const ews = new EwsSide({ client, name: "ews" });
    // A cursor that says tasks for a contacts folder (as if the folder had been replaced): its state is rejected.
    const feed = await ews.changes(folder.id, "ews-side/1 kind=tasks\nnot-a-sync-state");
    expect(feed.complete).toBe(true);
    expect(feed.changed.map((c) => c.id).sort()).toEqual(first.changed.map((c) => c.id).sort());
    expect(feed.cursor!.startsWith("ews-side/1 kind=contacts\n")).toBe(true);
    const [read] = (await ews.fetch(folder.id, [feed.changed[0]!.id])) as SideItem[];
    expect(read!.text).toMatch(/^BEGIN:VCARD/);
  });

  it("never answers a listing its signal stopped as complete (the pipelined walk ends quietly when aborted)", async () => {
    const folder = await topFolder("contacts");
    const stop = new AbortController();
    stop.abort();
    await expect(new EwsSide({ client, name: "ews" }).changes(folder.id, null, stop.signal)).rejects.toThrow();
  });

  it("answers not-found for a folder deleted since the cursor, as when FindFolder does not list it", async () => {
    const box = sim.mailbox("alice@example.com");
    const folder = box.createFolder("contacts", "Going", "IPF.Contact");
    box.createItem(folder.id, "<Contact><GivenName>Gone</GivenName></Contact>");
    const first = await new EwsSide({ client, name: "ews" }).changes(folder.id, null);
    box.deleteFolder(folder.id);
    const error = await new EwsSide({ client, name: "ews" }).changes(folder.id, first.cursor).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SideError);
    expect((error as SideError).code).toBe("not-found");
  });
});
