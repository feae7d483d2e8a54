/**
 * The Graph side's contact photos read in `$batch`es, end to end over HTTP (Graph simulator on the
 * EWS simulator's mailbox ↔ vdir through the engine): a first sync of contacts, some with a photo,
 * reads every photo inside batches (no top-level photo GET), each photo lands in its card; a batch
 * member whose base64 body is malformed fails that contact's read (reported, read again later),
 * never reads as "no photo" — the card on the DAV side keeps its PHOTO.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { ConcurrencyLimiter, GraphClient } from "@ewsdav/graph-client";
import { checkExchanges, startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { MemoryStateStore, SyncEngine } from "@ewsdav/core";
import { GraphSide } from "@ewsdav/core/graph";
import { VdirSide } from "@ewsdav/core/vdir";

/** A JPEG with a 32×16 frame header, made distinct per contact by trailing bytes. */
const jpeg = (n: number) => Buffer.concat([Buffer.from("ffd8ffe000104a46494600010100000100010000ffc0001108001000200301220002110103110100", "hex"), Buffer.from([n & 255, (n >> 8) & 255]), Buffer.from("ffd9", "hex")]);

describe("Graph side: contact photos read in $batches", () => {
  let ewsSim: EwsSimulator;
  let sim: GraphSimulator;
  let graph: GraphClient;
  let root: string;
  let local = "";
  let engine: SyncEngine;
  const cards = () => readdirSync(join(root, local)).filter((f) => f.endsWith(".vcf")).map((f) => readFileSync(join(root, local, f), "utf8").replace(/\r?\n[ \t]/g, ""));

  beforeAll(async () => {
    ewsSim = await startEwsSimulator({ record: false });
    sim = await startGraphSimulator({ mailbox: (a) => ewsSim.mailbox(a), tokens: { t: "alice@example.com" } });
    graph = new GraphClient({ baseUrl: sim.url, getToken: async () => "t", limiter: new ConcurrencyLimiter(4), baseDelayMs: 10 });
    const side = new GraphSide({ client: graph, name: "graph", maxPhotoBytes: 4096 });
    root = mkdtempSync(join(tmpdir(), "ewsdav-graph-photos-"));
    const vdir = new VdirSide({ root, fsync: false });
    engine = new SyncEngine({ store: new MemoryStateStore(), sides: [side, vdir], policy: { conflict: "remote-wins" } });
    local = (await vdir.createCollection("contacts", "contacts")).id;
    await engine.link({ id: "contacts", kind: "contacts", remote: { side: "graph", collection: "contacts" }, local: { side: "vdir", collection: local } });
  });
  afterAll(async () => {
    await graph?.close();
    await Promise.all([sim?.stop(), ewsSim?.stop()]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("a first sync reads every photo inside $batches, and each lands in its card", async () => {
    for (let i = 0; i < 45; i++) {
      const c = await graph.createContact({ displayName: `p${i}`, givenName: `p${i}` });
      if (i % 3 === 0) await graph.setContactPhoto(c.id, jpeg(i), "image/jpeg");
    }
    sim.clear();
    const report = await engine.runOnce();
    expect(report.ok, JSON.stringify(report.pairs[0]?.errors.slice(0, 3))).toBe(true);
    const photoGets = sim.requests.filter((r) => r.method === "GET" && r.url.includes("/photo/$value"));
    expect(photoGets.length).toBeGreaterThanOrEqual(45);
    expect(photoGets.filter((r) => !r.inBatch)).toEqual([]);
    const all = cards();
    expect(all).toHaveLength(45);
    for (let i = 0; i < 45; i++) {
      const text = all.find((t) => t.includes(`FN:p${i}\r\n`) || t.includes(`FN:p${i}\n`))!;
      const photo = text.split(/\r?\n/).filter((l) => /^PHOTO[;:]/i.test(l));
      if (i % 3 === 0) expect(photo.join("")).toContain(jpeg(i).toString("base64").slice(0, 40));
      else expect(photo).toEqual([]);
    }
    expect(checkExchanges(sim.requests)).toEqual([]);
  });

  it("a photo member with a malformed base64 body fails that contact's read; the card keeps its PHOTO", async () => {
    const c = (await graph.listContacts()).find((x) => x.displayName === "p0")!;
    await graph.updateContact(c.id, { jobTitle: "Changed" });
    sim.rewrite({
      match: /^POST \/\$batch/,
      count: 20,
      rewrite: (body) => ({ responses: (body as { responses: Array<Record<string, unknown>> }).responses.map((r) => ((r.headers as Record<string, string> | undefined)?.["content-type"] === "image/jpeg" ? { ...r, body: "%%%" } : r)) }),
    });
    const report = await engine.runOnce();
    sim.clear(); // drops the rewrite rules left
    const pair = report.pairs[0]!;
    expect(pair.errors.map((e) => e.message).join(" ")).toMatch(/contact photo: .*not valid base64/);
    const card = cards().find((t) => /FN:p0\r?\n/.test(t))!;
    expect(card).not.toContain("Changed");
    expect(card).toMatch(/PHOTO[;:]/);
    // Read again on the next cycle, whole.
    const again = await engine.runOnce();
    expect(again.ok, JSON.stringify(again.pairs[0]?.errors.slice(0, 3))).toBe(true);
    const fixed = cards().find((t) => /FN:p0\r?\n/.test(t))!;
    expect(fixed).toContain("TITLE:Changed");
    expect(fixed).toContain(jpeg(0).toString("base64").slice(0, 40));
  });
});
