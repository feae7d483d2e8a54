/**
 * File attachments over real HTTP against the Graph simulator, on a mailbox the EWS simulator
 * serves too: inline (under 3 MB) and by upload session (a 5 MB file in 320 KiB-multiple ranges,
 * PUT without the bearer token), on an event and on a To Do task; each read back over Graph
 * (`contentBytes`, `$value`) and over EWS (GetItem's attachments, GetAttachment's content), then
 * deleted. Bodies sent and entities answered are checked against the CSDL.
 */
import { basicAuth, EwsClient, isEwsError, type Attachment, type FileAttachment } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { checkExchanges, loadGraphSchema, startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConcurrencyLimiter, GraphClient, GraphError, GraphInputError, GRAPH_UPLOAD_CHUNK_UNIT, type GraphAttachmentParent } from "./index.js";

/** A deterministic file of `size` bytes. */
function file(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}

describe("file attachments of events and To Do tasks", () => {
  let ews: EwsSimulator;
  let sim: GraphSimulator;
  let graph: GraphClient;
  let ewsClient: EwsClient;

  beforeAll(async () => {
    ews = await startEwsSimulator();
    sim = await startGraphSimulator({ mailbox: (a) => ews.mailbox(a), tokens: { t: "alice@example.com" } });
    graph = new GraphClient({ baseUrl: sim.url, getToken: async () => "t", limiter: new ConcurrencyLimiter(4) });
    ewsClient = new EwsClient({ url: ews.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }) });
  });
  afterAll(async () => {
    expect(checkExchanges(sim.requests)).toEqual([]);
    const schema = loadGraphSchema();
    const violations: string[] = [];
    for (const x of sim.requests.filter((r) => r.url.includes("/attachments"))) {
      const create = x.url.includes("createUploadSession");
      const baseOf = (v: unknown) => ((v as Record<string, unknown>)["@odata.type"] === "#microsoft.graph.taskFileAttachment" ? "attachmentBase" : "attachment");
      if (x.body !== undefined && !create) violations.push(...schema.check(baseOf(x.body), x.body));
      if (x.body !== undefined && create) {
        const item = Object.values(x.body as Record<string, unknown>)[0];
        violations.push(...schema.check("attachmentItem", item));
      }
      if (x.status >= 300 || x.response === undefined || Buffer.isBuffer(x.response)) continue;
      const r = x.response as { value?: unknown[] };
      for (const m of r.value ?? [r]) {
        violations.push(...schema.check(create ? "uploadSession" : baseOf(m), m));
      }
    }
    expect(violations).toEqual([]);
    await graph.close();
    await sim.stop();
    await ews.stop();
  });

  const box = () => ews.mailbox("alice@example.com");
  const graphId = async (ewsId: string) => (await graph.translateExchangeIds([ewsId], "ewsId", "restImmutableEntryId"))[0]!.targetId!;
  const overEws = async (ewsId: string) => {
    const [item] = await ewsClient.getItem([{ id: ewsId }], { shape: { baseShape: "AllProperties" } });
    if (!item || isEwsError(item)) throw new Error("GetItem failed");
    const files = ((item as { item: { attachments?: Attachment[] } }).item.attachments ?? []).filter((a): a is FileAttachment => a.kind === "file");
    const contents = await ewsClient.getAttachment(files.map((a) => a.attachmentId!.id));
    return files.map((a, i) => {
      const got = contents[i]!;
      if (isEwsError(got) || got.kind !== "file") throw new Error("GetAttachment failed");
      return { name: a.name, content: Buffer.from(got.content ?? "", "base64") };
    });
  };

  async function roundTrip(parent: GraphAttachmentParent, ewsId: string): Promise<void> {
    const small = file(40_000, 1);
    const large = file(5 * 1024 * 1024, 2);
    const inline = await graph.addAttachment(parent, { name: "notes.bin", content: small, contentType: "application/octet-stream" });
    expect(inline).toMatchObject({ name: "notes.bin", size: small.length });
    expect(inline).not.toHaveProperty("contentBytes");
    const before = graph.transport.stats.requests;
    const uploaded = await graph.addAttachment(parent, { name: "big.bin", content: large, contentType: "application/zip" });
    // createUploadSession, two ranges of 10 × 320 KiB at most, the read of the new attachment's properties.
    expect(graph.transport.stats.requests - before).toBe(4);
    expect(uploaded).toMatchObject({ name: "big.bin", size: large.length, contentType: "application/zip" });

    const listed = await graph.listAttachments(parent, { select: ["name", "size"] });
    expect(listed.map((a) => [a.name, a.size])).toEqual([["notes.bin", small.length], ["big.bin", large.length]]);
    const full = await graph.getAttachment(parent, inline.id);
    expect(Buffer.from(full.contentBytes ?? "", "base64").equals(small)).toBe(true);
    expect((await graph.getAttachmentContent(parent, uploaded.id)).equals(large)).toBe(true);

    const seen = await overEws(ewsId);
    expect(seen.map((a) => a.name)).toEqual(["notes.bin", "big.bin"]);
    expect(seen[1]!.content.equals(large)).toBe(true);

    await graph.deleteAttachment(parent, inline.id);
    expect((await graph.listAttachments(parent, { select: ["name"] })).map((a) => a.name)).toEqual(["big.bin"]);
    expect((await overEws(ewsId)).map((a) => a.name)).toEqual(["big.bin"]);
  }

  it("an event: inline and a 5 MB upload session, seen over EWS, deleted", async () => {
    const event = box().createItem("calendar", "<CalendarItem><Subject>Review</Subject><Start>2026-12-10T10:00:00Z</Start><End>2026-12-10T11:00:00Z</End></CalendarItem>");
    await roundTrip({ event: await graphId(event.id) }, event.id);
  });

  it("a To Do task: inline and a 5 MB upload session, seen over EWS, deleted", async () => {
    const task = box().createItem("tasks", "<Task><Subject>Pack</Subject></Task>");
    const list = await graphId(box().folder("tasks").id);
    await roundTrip({ todoList: list, task: await graphId(task.id) }, task.id);
  });

  it("refuses ranges that are not multiples of 320 KiB, upload sessions for small files, and a bearer token on the upload URL", async () => {
    const event = box().createItem("calendar", "<CalendarItem><Subject>Odd</Subject><Start>2026-12-11T10:00:00Z</Start><End>2026-12-11T11:00:00Z</End></CalendarItem>");
    const parent = { event: await graphId(event.id) };
    await expect(graph.addAttachment(parent, { name: "x", content: file(4 * 1024 * 1024, 3) }, { chunkSize: GRAPH_UPLOAD_CHUNK_UNIT + 1 })).rejects.toBeInstanceOf(GraphInputError);
    const call = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => fetch(url, {
      method, headers: { authorization: "Bearer t", "content-type": "application/json", ...headers }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const base = `${sim.url}/me/events/${parent.event}/attachments/createUploadSession`;
    const tooSmall = await call("POST", base, { AttachmentItem: { attachmentType: "file", name: "s", size: 1000 } });
    expect([tooSmall.status, ((await tooSmall.json()) as { error: { code: string } }).error.code]).toEqual([400, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize"]);
    const session = (await (await call("POST", base, { AttachmentItem: { attachmentType: "file", name: "b", size: 4 * 1024 * 1024 } })).json()) as { uploadUrl: string; nextExpectedRanges: string[] };
    expect(session.nextExpectedRanges).toEqual(["0-"]);
    const withToken = await fetch(session.uploadUrl, { method: "PUT", headers: { authorization: "Bearer t", "content-range": "bytes 0-9/4194304" }, body: Buffer.alloc(10) });
    expect(withToken.status).toBe(401);
    const outOfOrder = await fetch(session.uploadUrl, { method: "PUT", headers: { "content-range": "bytes 10-19/4194304" }, body: Buffer.alloc(10) });
    expect(outOfOrder.status).toBe(416);
    const first = await fetch(session.uploadUrl, { method: "PUT", headers: { "content-range": "bytes 0-9/4194304" }, body: Buffer.alloc(10) });
    expect([first.status, ((await first.json()) as { nextExpectedRanges: string[] }).nextExpectedRanges]).toEqual([200, ["10"]]);
    expect((await fetch(session.uploadUrl, { method: "DELETE" })).status).toBe(204);
    await expect(graph.getAttachment(parent, "AAAA")).rejects.toBeInstanceOf(GraphError);
  });
});
