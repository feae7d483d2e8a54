import { SimulatedMailbox, startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeltaTokens } from "./delta.js";
import { ImmutableIds, restId } from "./ids.js";
import { startGraphSimulator, type GraphSimulator } from "./index.js";
import { imageSize, imageTypeOf, MAX_PHOTO_BYTES } from "./photos.js";
import { route } from "./routes.js";
import { checkTodoExchanges } from "./todo-csdl.js";

/** A 2×3 PNG header (enough for its signature and size) and a JPEG with a 32×16 frame. */
const PNG = Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), Buffer.from([0, 0, 0, 2, 0, 0, 0, 3, 8, 6, 0, 0, 0]), Buffer.alloc(20)]);
const JPEG = Buffer.from("ffd8ffe000104a46494600010100000100010000ffc0001108001000200301220002110103110100ffd9", "hex");

describe("contact photos (routes over the mailbox records)", () => {
  const box = new SimulatedMailbox("alice@example.com", "alice");
  const immutable = new ImmutableIds(box);
  const tokens = new DeltaTokens();
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const segments = path.split("/").filter(Boolean);
    try {
      return route({ method, segments, query: new URLSearchParams(), headers, body, box, userPath: "/me", immutable, root: "http://graph.test/v1.0", tokens });
    } catch (error) {
      const e = error as { status: number; code: string };
      return { status: e.status, body: { error: { code: e.code } } };
    }
  };
  const contact = box.createItem("contacts", "<Contact><GivenName>Ann</GivenName></Contact>");
  const id = restId(box, "item", [...box.itemIndex.keys()].pop()!);

  it("reads image types and sizes from their headers", () => {
    expect([imageTypeOf(PNG), imageSize(PNG)]).toEqual(["image/png", { width: 2, height: 3 }]);
    expect([imageTypeOf(JPEG), imageSize(JPEG)]).toEqual(["image/jpeg", { width: 32, height: 16 }]);
    expect(imageTypeOf(Buffer.from("not an image"))).toBeUndefined();
  });

  it("a contact without a photo: 404 ImageNotFound for the bytes and the metadata", () => {
    expect(call("GET", `/contacts/${id}/photo/$value`)).toMatchObject({ status: 404, body: { error: { code: "ImageNotFound" } } });
    expect(call("GET", `/contacts/${id}/photo`)).toMatchObject({ status: 404, body: { error: { code: "ImageNotFound" } } });
    expect(call("GET", `/contacts/nope/photo`).status).toBe(404);
  });

  it("PUT sets the photo as the contact's IsContactPhoto attachment; GET answers its bytes and metadata", () => {
    expect(call("PUT", `/contacts/${id}/photo/$value`, PNG, { "content-type": "image/png" }).status).toBe(200);
    expect(box.item(contact.id)!.attachments).toEqual([expect.objectContaining({ name: "ContactPicture.jpg", contentType: "image/png", isContactPhoto: true, size: PNG.length })]);
    const bytes = call("GET", `/contacts/${id}/photo/$value`);
    expect(bytes.status).toBe(200);
    expect(Buffer.compare(bytes.body as Buffer, PNG)).toBe(0);
    expect(bytes.headers).toEqual({ "content-type": "image/png" });
    const meta = call("GET", `/contacts/${id}/photo`);
    expect(meta.body).toMatchObject({ "@odata.mediaContentType": "image/png", id: "2X3", width: 2, height: 3 });
    expect(checkTodoExchanges([{ method: "GET", url: `/me/contacts/${id}/photo`, status: 200, body: undefined, response: meta.body }])).toEqual([]);
    // PATCH replaces it (one photo per contact), also under its folder's path.
    const folder = restId(box, "folder", box.folderRecord("contacts").number);
    expect(call("PATCH", `/contactFolders/${folder}/contacts/${id}/photo/$value`, JPEG, { "content-type": "image/jpeg" }).status).toBe(200);
    expect(box.item(contact.id)!.attachments.map((a) => [a.contentType, a.isContactPhoto])).toEqual([["image/jpeg", true]]);
  });

  it("refuses what the service refuses: a non-image type, bytes that are no image, 4 MB and more, JSON; and has no delete", () => {
    expect(call("PUT", `/contacts/${id}/photo/$value`, PNG, { "content-type": "application/octet-stream" }).status).toBe(400);
    expect(call("PUT", `/contacts/${id}/photo/$value`, Buffer.from("hello"), { "content-type": "image/png" }).status).toBe(400);
    const big = Buffer.concat([PNG, Buffer.alloc(MAX_PHOTO_BYTES)]);
    expect(call("PUT", `/contacts/${id}/photo/$value`, big, { "content-type": "image/png" }).status).toBe(413);
    expect(call("PUT", `/contacts/${id}/photo/$value`, { photo: "x" }, { "content-type": "image/png" }).status).toBe(400);
    expect(call("DELETE", `/contacts/${id}/photo/$value`).status).toBe(405);
  });
});

describe("contact photos over HTTP", () => {
  let ews: EwsSimulator;
  let sim: GraphSimulator;
  const call = (method: string, path: string, body?: Uint8Array, contentType?: string) =>
    fetch(`${sim.url}${path}`, { method, headers: { authorization: "Bearer t", ...(contentType ? { "content-type": contentType } : {}) }, ...(body ? { body } : {}) });

  beforeAll(async () => {
    ews = await startEwsSimulator();
    sim = await startGraphSimulator({ mailbox: (a) => ews.mailbox(a), tokens: { t: "alice@example.com" } });
  });
  afterAll(async () => {
    await sim.stop();
    await ews.stop();
  });

  it("answers the metadata and 404 ImageNotFound over HTTP", async () => {
    const box = ews.mailbox("alice@example.com");
    const made = box.createItem("contacts", "<Contact><GivenName>Bea</GivenName></Contact>");
    const id = restId(box, "item", [...box.itemIndex.keys()].pop()!);
    const none = await call("GET", `/me/contacts/${id}/photo/$value`);
    expect([none.status, ((await none.json()) as { error: { code: string } }).error.code]).toEqual([404, "ImageNotFound"]);
    box.addAttachment(made.id, { name: "ContactPicture.jpg", contentType: "image/jpeg", content: JPEG, isContactPhoto: true });
    const meta = await call("GET", `/me/contacts/${id}/photo`);
    expect(await meta.json()).toMatchObject({ "@odata.mediaContentType": "image/jpeg", width: 32, height: 16 });
  });

  it("carries the bytes both ways", async () => {
    const box = ews.mailbox("alice@example.com");
    const made = box.createItem("contacts", "<Contact><GivenName>Cy</GivenName></Contact>");
    const id = restId(box, "item", [...box.itemIndex.keys()].pop()!);
    expect((await call("PUT", `/me/contacts/${id}/photo/$value`, JPEG, "image/jpeg")).status).toBe(200);
    expect(box.item(made.id)!.attachments[0]).toMatchObject({ isContactPhoto: true, contentType: "image/jpeg" });
    const got = await call("GET", `/me/contacts/${id}/photo/$value`);
    expect(got.headers.get("content-type")).toBe("image/jpeg");
    expect(Buffer.compare(Buffer.from(await got.arrayBuffer()), JPEG)).toBe(0);
  });

  it("in a $batch, answers the bytes as Graph does: base64 in the member's body, with the image's content type; JSON members stay JSON", async () => {
    const box = ews.mailbox("alice@example.com");
    const made = box.createItem("contacts", "<Contact><GivenName>Di</GivenName></Contact>");
    const id = restId(box, "item", [...box.itemIndex.keys()].pop()!);
    box.addAttachment(made.id, { name: "ContactPicture.jpg", contentType: "image/jpeg", content: JPEG, isContactPhoto: true });
    const answer = await fetch(`${sim.url}/$batch`, {
      method: "POST",
      headers: { authorization: "Bearer t", "content-type": "application/json" },
      body: JSON.stringify({ requests: [{ id: "1", method: "GET", url: `/me/contacts/${id}/photo/$value` }, { id: "2", method: "GET", url: `/me/contacts/${id}` }] }),
    });
    const { responses } = (await answer.json()) as { responses: Array<{ id: string; status: number; headers: Record<string, string>; body: unknown }> };
    const [photo, contact] = ["1", "2"].map((n) => responses.find((r) => r.id === n)!);
    expect(photo).toMatchObject({ status: 200, headers: { "content-type": "image/jpeg" }, body: JPEG.toString("base64") });
    expect(contact!.headers["content-type"]).toMatch(/^application\/json/);
    expect(contact!.body).toMatchObject({ id, givenName: "Di" });
  });
});
