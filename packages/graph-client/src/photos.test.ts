/**
 * Contact photos over Graph against the Graph simulator over real HTTP, on one mailbox the EWS
 * simulator serves too: a photo set over EWS (@ewsdav/ews-client's setContactPhoto) reads over
 * Graph, and one set over Graph reads over EWS as the contact's photo attachment.
 *
 * The bytes travel only when the simulator's HTTP front hands non-JSON bodies to the routes (its
 * hook for photos and upload sessions): the tests that carry bytes detect that and are skipped
 * without it, the rest always run.
 */
import { basicAuth, EwsClient, isEwsError, type Contact, type FileAttachment, type ItemId } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { checkTodoExchanges, startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConcurrencyLimiter, GRAPH_MAX_PHOTO_BYTES, GraphClient, GraphError, GraphInputError } from "./index.js";

/** A JPEG with a 32×16 frame header (its signature and size are what the service reads here). */
const JPEG = Buffer.from("ffd8ffe000104a46494600010100000100010000ffc0001108001000200301220002110103110100ffd9", "hex");
/** A 2×3 PNG header. */
const PNG = Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), Buffer.from([0, 0, 0, 2, 0, 0, 0, 3, 8, 6, 0, 0, 0]), Buffer.alloc(20)]);

describe("GraphClient: contact photos", () => {
  let ews: EwsSimulator;
  let sim: GraphSimulator;
  let graph: GraphClient;
  let ewsClient: EwsClient;

  const ewsContact = async (givenName: string): Promise<{ ewsId: ItemId; graphId: string }> => {
    const [made] = await ewsClient.createItem([{ type: "Contact", item: { givenName } }], { savedItemFolder: { distinguishedId: "contacts" } });
    if (!made || isEwsError(made)) throw new Error("CreateItem failed");
    const [translated] = await graph.translateExchangeIds([(made as ItemId).id], "ewsId", "restImmutableEntryId");
    return { ewsId: made as ItemId, graphId: translated!.targetId! };
  };
  const photoOverEws = async (graphId: string): Promise<FileAttachment | undefined> => {
    const [asEws] = await graph.translateExchangeIds([graphId], "restImmutableEntryId", "ewsId");
    const [result] = await ewsClient.getItem([{ id: asEws!.targetId! }], { shape: { baseShape: "AllProperties" } });
    if (!result || isEwsError(result) || result.type !== "Contact") throw new Error("not a contact");
    const info = (result.item as Contact).attachments?.find((a): a is FileAttachment => a.kind === "file" && a.isContactPhoto === true);
    if (!info) return undefined;
    const [full] = await ewsClient.getAttachment([info.attachmentId!.id]);
    if (!full || isEwsError(full)) throw new Error("GetAttachment failed");
    return full as FileAttachment;
  };

  beforeAll(async () => {
    ews = await startEwsSimulator();
    sim = await startGraphSimulator({ mailbox: (a) => ews.mailbox(a), tokens: { t: "alice@example.com" } });
    graph = new GraphClient({ baseUrl: sim.url, getToken: async () => "t", baseDelayMs: 1, limiter: new ConcurrencyLimiter(4) });
    ewsClient = new EwsClient({ url: ews.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }) });
  });
  afterAll(async () => {
    expect(checkTodoExchanges(sim.requests.filter((r) => r.status < 400))).toEqual([]);
    await graph.close();
    await sim.stop();
    await ews.stop();
  });

  it("a contact without a photo: undefined for the bytes and the metadata; an unknown contact is an error", async () => {
    const { ewsId, graphId } = await ewsContact("Nophoto");
    expect(await graph.getContactPhoto(graphId)).toBeUndefined();
    expect(await graph.getContactPhotoInfo(graphId)).toBeUndefined();
    ews.mailbox("alice@example.com").deleteItem(ewsId.id);
    await expect(graph.getContactPhoto(graphId)).rejects.toMatchObject({ status: 404, code: "ErrorItemNotFound" });
  });

  it("refuses before sending: a content type that is not an image, no bytes, 4 MB or more", async () => {
    const before = sim.requests.length;
    await expect(graph.setContactPhoto("x", JPEG, "application/pdf")).rejects.toBeInstanceOf(GraphInputError);
    await expect(graph.setContactPhoto("x", new Uint8Array(0), "image/jpeg")).rejects.toBeInstanceOf(GraphInputError);
    await expect(graph.setContactPhoto("x", new Uint8Array(GRAPH_MAX_PHOTO_BYTES), "image/jpeg")).rejects.toBeInstanceOf(GraphInputError);
    expect(sim.requests.length).toBe(before);
  });

  it("a photo set over EWS reads over Graph", async () => {
    const { ewsId, graphId } = await ewsContact("Dana");
    const [set] = await ewsClient.setContactPhoto(ewsId, JPEG.toString("base64"));
    if (!set || isEwsError(set)) throw new Error("setContactPhoto failed");
    expect(await graph.getContactPhotoInfo(graphId)).toMatchObject({ "@odata.mediaContentType": "image/jpeg", width: 32, height: 16 });
    const photo = await graph.getContactPhoto(graphId);
    expect(photo?.contentType).toBe("image/jpeg");
    expect(Buffer.compare(photo!.bytes, JPEG)).toBe(0);
  });

  it("a photo set over Graph reads over EWS as the contact's photo attachment, and replaces the one before", async () => {
    const { graphId } = await ewsContact("Eli");
    await graph.setContactPhoto(graphId, PNG, "image/png");
    const first = await photoOverEws(graphId);
    expect(first).toMatchObject({ name: "ContactPicture.jpg", contentType: "image/png", isContactPhoto: true });
    expect(Buffer.compare(Buffer.from(first!.content!, "base64"), PNG)).toBe(0);
    await graph.setContactPhoto(graphId, JPEG, "image/jpeg");
    const second = await photoOverEws(graphId);
    expect(Buffer.compare(Buffer.from(second!.content!, "base64"), JPEG)).toBe(0);
    expect((await graph.getContactPhoto(graphId))?.contentType).toBe("image/jpeg");
  });

  it("in a $batch: a photo's bytes come back base64 with its content type and are decoded; no photo is ImageNotFound; a JSON member stays JSON", async () => {
    const { ewsId, graphId } = await ewsContact("Batched");
    await ewsClient.setContactPhoto(ewsId, JPEG.toString("base64"));
    const { graphId: without } = await ewsContact("Batchless");
    const before = sim.requests.length;
    const answers = await graph.batch([
      { id: "1", method: "GET", url: `${graph.path("contacts", graphId, "photo")}/$value` },
      { id: "2", method: "GET", url: `${graph.path("contacts", without, "photo")}/$value` },
      { id: "3", method: "GET", url: graph.path("contacts", graphId) },
    ]);
    expect(sim.requests.slice(before).filter((r) => !r.inBatch)).toHaveLength(1);
    expect(answers[0]).toMatchObject({ status: 200, body: undefined });
    expect(answers[0]!.headers["content-type"]).toBe("image/jpeg");
    expect(Buffer.compare(answers[0]!.bytes!, JPEG)).toBe(0);
    expect(answers[1]).toMatchObject({ status: 404, errorCode: "ImageNotFound" });
    expect(answers[1]!.bytes).toBeUndefined();
    expect(answers[2]).toMatchObject({ status: 200, body: { id: graphId, givenName: "Batched" } });
    expect(answers[2]!.bytes).toBeUndefined();
  });

  it("in a $batch: a binary member whose body is not base64 is malformed (no bytes), never an empty photo", async () => {
    const { ewsId, graphId } = await ewsContact("Garbled");
    await ewsClient.setContactPhoto(ewsId, JPEG.toString("base64"));
    const url = `${graph.path("contacts", graphId, "photo")}/$value`;
    for (const garbled of ["%%not base64%%", 42, "abc"]) {
      sim.rewrite({ match: /^POST \/\$batch/, rewrite: (body) => ({ responses: (body as { responses: Array<Record<string, unknown>> }).responses.map((r) => ({ ...r, body: garbled })) }) });
      const [answer] = await graph.batch([{ id: "1", method: "GET", url }]);
      expect(answer).toMatchObject({ status: 200, body: undefined });
      expect(answer!.bytes).toBeUndefined();
      expect(answer!.malformed).toMatch(/image\/jpeg body that is not/);
    }
  });
});
