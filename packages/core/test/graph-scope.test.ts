/**
 * The Graph side's contact reads scoped to the pair's folder, end to end over HTTP: the Graph
 * simulator (on the EWS simulator's mailbox, so Outlook's way — EWS DeleteItem into Deleted Items,
 * MoveItem to another folder — changes what Graph reads) ↔ a vdir folder through the engine.
 *
 * With immutable ids Graph's `/contacts/{id}` still finds a contact moved out of the pair's folder
 * (with its new `parentFolderId`, and a new changeKey: the move changed it). The tests go through
 * the by-id path — `syncItems`, what a change notification calls for, which reads no delta — so
 * what they show is the side's `outside` check, not the folder's delta (`@removed`):
 * - moved to Deleted Items (default Contacts folder) or to another contact folder (a folder pair),
 *   the contact reaches the DAV side as a deletion;
 * - a DAV-side edit sent after such a move (before any read) is a PATCH with the old `If-Match`:
 *   Graph answers 412 (the move changed the changeKey), the engine reads again, now finds the
 *   contact gone from the folder, and the item in Deleted Items (or the other folder) is never
 *   edited.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient, isEwsError } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { ConcurrencyLimiter, GraphClient, type GraphContact } from "@ewsdav/graph-client";
import { checkExchanges, startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { MemoryStateStore, SyncEngine, type PairReport, type SyncReport } from "@ewsdav/core";
import { GraphSide } from "@ewsdav/core/graph";
import { VdirSide } from "@ewsdav/core/vdir";

const USER = "alice@example.com";
const ok = (r: SyncReport) => expect(r.ok, JSON.stringify(r.pairs.map((p) => [p.pairId, p.error, p.errors.slice(0, 3)]))).toBe(true);
const writes = (r: SyncReport) => r.pairs.reduce((n, p) => n + p.local.created.length + p.local.updated.length + p.local.deleted.length + p.remote.created.length + p.remote.updated.length + p.remote.deleted.length + p.remote.tagged.length, 0);

function card(uid: string, extra: string[] = []): string {
  return ["BEGIN:VCARD", "VERSION:3.0", `UID:${uid}`, `FN:${uid}`, `N:${uid};;;;`, ...extra, "END:VCARD", ""].join("\r\n");
}

describe("Graph side: contacts read by id are scoped to the pair's folder (moved over EWS, immutable ids)", () => {
  let ewsSim: EwsSimulator;
  let sim: GraphSimulator;
  let graph: GraphClient;
  let ews: EwsClient;
  let root: string;
  let engine: SyncEngine;
  let folder = "";
  let other = "";
  const local = { contacts: "", folder: "" };
  const path = (pair: keyof typeof local, name: string) => join(root, local[pair], name);
  const write = (pair: keyof typeof local, name: string, text: string) => writeFileSync(path(pair, name), text);
  const files = (pair: keyof typeof local) => readdirSync(join(root, local[pair])).map((f) => readFileSync(path(pair, f), "utf8"));
  const settle = async () => {
    for (let i = 0; i < 4; i++) {
      const report = await engine.runOnce();
      ok(report);
      if (writes(report) === 0) return;
    }
    throw new Error("the pairs did not settle");
  };
  /** The contact named `name` as Graph lists it in a folder (undefined: the default one). */
  const listed = async (name: string, folderId?: string): Promise<GraphContact | undefined> => (await graph.listContacts(folderId)).find((c) => c.displayName === name);
  /** The EWS id of a Graph id (an item's or a folder's). */
  const ewsIdOf = async (graphId: string) => (await graph.translateExchangeIds([graphId], "restImmutableEntryId", "ewsId"))[0]!.targetId!;
  /** The Graph id of the contact named `name` in a pair's folder (asserting it is there). */
  const remoteIdOf = async (pairId: string, name: string) => {
    const contact = await listed(name, pairId === "folder" ? folder : undefined);
    expect(contact, `${name} in the pair's folder`).toBeDefined();
    return contact!.id;
  };
  const itemErrors = (r: PairReport) => r.errors.map((e) => `${e.code}: ${e.message}`);

  beforeAll(async () => {
    ewsSim = await startEwsSimulator({ record: false });
    sim = await startGraphSimulator({ mailbox: (a) => ewsSim.mailbox(a), tokens: { t: USER } });
    graph = new GraphClient({ baseUrl: sim.url, getToken: async () => "t", limiter: new ConcurrencyLimiter(4), baseDelayMs: 10 });
    ews = new EwsClient({ url: ewsSim.url, auth: basicAuth({ username: USER, password: "secret" }) });
    const side = new GraphSide({ client: graph, name: "graph" });
    root = mkdtempSync(join(tmpdir(), "ewsdav-graph-scope-"));
    const vdir = new VdirSide({ root, fsync: false });
    engine = new SyncEngine({ store: new MemoryStateStore(), sides: [side, vdir], policy: { conflict: "remote-wins" } });
    folder = (await side.createCollection!("contacts", "Team", undefined)).id;
    other = (await graph.createContactFolder("Elsewhere")).id;
    local.contacts = (await vdir.createCollection("contacts", "contacts")).id;
    local.folder = (await vdir.createCollection("contacts", "team")).id;
    await engine.link({ id: "contacts", kind: "contacts", remote: { side: "graph", collection: "contacts" }, local: { side: "vdir", collection: local.contacts } });
    await engine.link({ id: "folder", kind: "contacts", remote: { side: "graph", collection: folder }, local: { side: "vdir", collection: local.folder } });
  });
  afterAll(async () => {
    await graph?.close();
    await ews?.close();
    await Promise.all([sim?.stop(), ewsSim?.stop()]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("the simulator answers as Graph: a contact moved into Deleted Items over EWS keeps its immutable id, is found by it with its new parentFolderId, and its changeKey changed", async () => {
    const made = await graph.createContact({ displayName: "probe", givenName: "probe" });
    const [deleted] = await ews.deleteItem([{ id: await ewsIdOf(made.id) }], { deleteType: "MoveToDeletedItems" });
    expect(isEwsError(deleted)).toBe(false);
    const after = await graph.getContact(made.id, { select: ["parentFolderId", "changeKey"] });
    expect(after.id).toBe(made.id);
    expect(after.parentFolderId).not.toBe(made.parentFolderId);
    expect(after.changeKey).not.toBe(made.changeKey);
    // Not in the default folder's listing any more.
    expect(await listed("probe")).toBeUndefined();
    // A PATCH with the etag from before the move fails as a precondition.
    await expect(graph.updateContact(made.id, { jobTitle: "x" }, { ifMatch: made["@odata.etag"] as string })).rejects.toMatchObject({ status: 412 });
  });

  it("default folder: a contact deleted over EWS into Deleted Items reaches DAV as a deletion through a read by id (no delta)", async () => {
    write("contacts", "ann.vcf", card("ann"));
    await settle();
    const id = await remoteIdOf("contacts", "ann");
    const [deleted] = await ews.deleteItem([{ id: await ewsIdOf(id) }], { deleteType: "MoveToDeletedItems" });
    expect(isEwsError(deleted)).toBe(false);
    sim.clear();
    const report = await engine.syncItems("contacts", { remote: [id] });
    expect(itemErrors(report)).toEqual([]);
    expect(report.local.deleted).toHaveLength(1);
    expect(existsSync(path("contacts", "ann.vcf"))).toBe(false);
    // The by-id path: the contact was read by its id, no delta was asked for.
    expect(sim.requests.some((r) => r.url.includes("delta"))).toBe(false);
    expect(sim.requests.some((r) => r.inBatch && r.method === "GET" && r.url.startsWith(`/me/contacts/${id}?`) && r.status === 200)).toBe(true);
    // Still there in Deleted Items, untouched.
    expect((await graph.getContact(id)).displayName).toBe("ann");
  });

  it("default folder: a DAV-side edit after the move into Deleted Items fails its If-Match, is read again as gone, and never edits the item in Deleted Items", async () => {
    write("contacts", "bob.vcf", card("bob"));
    await settle();
    const id = await remoteIdOf("contacts", "bob");
    const before = await graph.getContact(id);
    await ews.deleteItem([{ id: await ewsIdOf(id) }], { deleteType: "MoveToDeletedItems" });
    write("contacts", "bob.vcf", card("bob", ["TITLE:Edited on DAV"]));
    sim.clear();
    const report = await engine.syncItems("contacts", { local: ["bob.vcf"] });
    // The PATCH was sent with the etag from before the move, and refused.
    const patches = sim.requests.filter((r) => r.method === "PATCH" && r.url.startsWith(`/me/contacts/${id}`));
    expect(patches.length).toBeGreaterThan(0);
    expect(patches.every((r) => r.status === 412)).toBe(true);
    // The item in Deleted Items is as it was: the edit did not land there.
    const now = await graph.getContact(id);
    expect(now.jobTitle ?? null).toBeNull();
    expect(now.displayName).toBe(before.displayName);
    expect(report.remote.updated).toEqual([]);
    // Whatever the engine decided (the edit made again in the folder, or the deletion taken),
    // nothing carries the edit but the pair's own folder.
    await settle();
    const inFolder = await listed("bob");
    if (inFolder) {
      expect(inFolder.id).not.toBe(id);
      expect(inFolder.jobTitle).toBe("Edited on DAV");
    }
    expect((await graph.getContact(id)).jobTitle ?? null).toBeNull();
  });

  it("a folder pair: a contact moved over EWS to another contact folder reaches DAV as a deletion by id; a DAV edit after the move never edits it there", async () => {
    write("folder", "cal.vcf", card("cal"));
    write("folder", "dee.vcf", card("dee"));
    await settle();
    const cal = await remoteIdOf("folder", "cal");
    const dee = await remoteIdOf("folder", "dee");
    const elsewhere = { id: await ewsIdOf(other) };
    for (const id of [cal, dee]) {
      const [moved] = await ews.moveItem([{ id: await ewsIdOf(id) }], elsewhere);
      expect(isEwsError(moved)).toBe(false);
    }
    expect((await graph.getContact(cal, { select: ["parentFolderId"] })).parentFolderId).toBe(other);

    // Read by id: gone from the pair's folder.
    sim.clear();
    const report = await engine.syncItems("folder", { remote: [cal] });
    expect(itemErrors(report)).toEqual([]);
    expect(report.local.deleted).toHaveLength(1);
    expect(existsSync(path("folder", "cal.vcf"))).toBe(false);
    expect(sim.requests.some((r) => r.url.includes("delta"))).toBe(false);

    // Edited on DAV after the move: the PATCH fails its If-Match; the contact in the other folder keeps what it had.
    write("folder", "dee.vcf", card("dee", ["TITLE:Edited on DAV"]));
    sim.clear();
    await engine.syncItems("folder", { local: ["dee.vcf"] });
    const patches = sim.requests.filter((r) => r.method === "PATCH" && r.url.startsWith(`/me/contacts/${dee}`));
    expect(patches.length).toBeGreaterThan(0);
    expect(patches.every((r) => r.status === 412)).toBe(true);
    expect((await graph.getContact(dee)).jobTitle ?? null).toBeNull();
    await settle();
    expect((await graph.getContact(dee)).jobTitle ?? null).toBeNull();
    expect((await listed("dee", other))?.id).toBe(dee);
    expect(files("folder").filter((t) => t.includes("FN:dee")).length).toBeLessThanOrEqual(1);
  });

  it("contacts still in their folder cost no extra request for a folder pair, and one (once per side) for the default folder", async () => {
    write("folder", "eve.vcf", card("eve"));
    write("contacts", "fred.vcf", card("fred"));
    await settle();
    const eve = await remoteIdOf("folder", "eve");
    const fred = await remoteIdOf("contacts", "fred");
    const lookups = () => sim.requests.filter((r) => /^\/me\/contactFolders\/[^/?]+\?/.test(r.url) || /^\/me\/contacts\?\$top=1/.test(r.url));
    sim.clear();
    await engine.syncItems("folder", { remote: [eve] });
    expect(lookups()).toEqual([]);
    // The default folder was empty whenever the earlier tests asked (their contacts had moved out),
    // so its id is learnt now, once, and kept.
    await engine.syncItems("contacts", { remote: [fred] });
    expect(lookups().map((r) => r.url)).toEqual(["/me/contacts?$top=1&$select=parentFolderId"]);
    sim.clear();
    await engine.syncItems("contacts", { remote: [fred] });
    await engine.runOnce();
    expect(lookups()).toEqual([]);
    expect(existsSync(path("folder", "eve.vcf"))).toBe(true);
    expect(existsSync(path("contacts", "fred.vcf"))).toBe(true);
    expect(checkExchanges(sim.requests)).toEqual([]);
  });
});
