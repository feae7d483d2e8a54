/**
 * Contact photos over the mailbox records: `/contacts/{id}/photo` (the `profilePhoto` metadata) and
 * `/contacts/{id}/photo/$value` (GET the bytes; PUT or PATCH new bytes with an image content type,
 * under 4 MB, Graph's request limit), and the same under `/contactFolders/{f}/contacts/{id}`. The
 * photo is the contact's `IsContactPhoto` file attachment (`ContactPicture.jpg`), the one the EWS
 * side reads and writes, so a photo set over either protocol reads over the other. A contact
 * without one answers 404 `ImageNotFound`. Graph cannot delete a contact's photo (its delete
 * operation takes user and group photos only): DELETE answers 405.
 *
 * The bytes travel as the HTTP body: the simulator's front hands a request body that is not JSON
 * to the route as a Buffer, and sends a Buffer answer as it is with its content type.
 */
import { createHash } from "node:crypto";
import type { FolderRecord, ItemRecord } from "@ewsdav/ews-simulator";
import { GraphSimError, notFound } from "./errors.js";
import { resolveGraphId } from "./ids.js";
import type { RouteRequest, RouteResponse } from "./route-types.js";

/** Graph's limit on a request, so on a photo: under 4 MB. */
export const MAX_PHOTO_BYTES = 4 * 1024 * 1024;
/** The name Outlook gives a contact's photo attachment. */
const PHOTO_NAME = "ContactPicture.jpg";

/** The image type of some bytes, by their signature, or undefined. */
export function imageTypeOf(bytes: Uint8Array): string | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 8 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a) return "image/png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.subarray(0, 6).toString("latin1"))) return "image/gif";
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return "image/bmp";
  return undefined;
}

/** Width and height of a PNG, GIF or JPEG (from its header), or undefined. */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = imageTypeOf(b);
  if (type === "image/png" && b.length >= 24) return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  if (type === "image/gif" && b.length >= 10) return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
  if (type === "image/jpeg") {
    for (let i = 2; i + 9 < b.length; ) {
      if (b[i] !== 0xff) return undefined;
      const marker = b[i + 1]!;
      const length = b.readUInt16BE(i + 2);
      // Start-of-frame markers (not DHT 0xC4, JPG 0xC8, DAC 0xCC).
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
      i += 2 + length;
    }
  }
  return undefined;
}

function contactOf(req: RouteRequest, id: string, folder: FolderRecord | undefined): ItemRecord {
  const target = resolveGraphId(req.box, req.immutable, id);
  const item = target?.kind === "item" ? req.box.itemIndex.get(target.number) : undefined;
  if (!item || item.kind !== "Contact" || (folder && item.folder !== folder)) throw notFound();
  return item;
}

function folderOf(req: RouteRequest, id: string): FolderRecord {
  const target = resolveGraphId(req.box, req.immutable, id);
  const folder = target?.kind === "folder" ? req.box.folderByNumber(target.number) : undefined;
  if (!folder || folder.deleted || !(folder.folderClass ?? "").startsWith("IPF.Contact")) throw new GraphSimError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
  return folder;
}

function noImage(): GraphSimError {
  return new GraphSimError(404, "ImageNotFound", "The photo wasn't found.");
}

/**
 * Answers `contacts/{id}/photo[/$value]` and `contactFolders/{f}/contacts/{id}/photo[/$value]`
 * (segments after the user); undefined when the path is not a photo path.
 */
export function photoRoute(req: RouteRequest): RouteResponse | undefined {
  const s = req.segments;
  let item: ItemRecord;
  let rest: string[];
  if (s[0] === "contacts" && s[2] === "photo") {
    item = contactOf(req, s[1]!, undefined);
    rest = s.slice(3);
  } else if (s[0] === "contactFolders" && s[2] === "contacts" && s[4] === "photo") {
    item = contactOf(req, s[3]!, folderOf(req, s[1]!));
    rest = s.slice(5);
  } else return undefined;
  const photo = item.attachments.find((a) => a.isContactPhoto);
  if (rest.length === 0) {
    if (req.method !== "GET") throw new GraphSimError(405, "ErrorInvalidRequest", "The OData request is not supported.");
    if (!photo) throw noImage();
    const size = imageSize(photo.content);
    return {
      status: 200,
      body: {
        "@odata.context": `${req.root}/$metadata#users('${encodeURIComponent(req.box.smtpAddress)}')/contacts('${s[0] === "contacts" ? s[1] : s[3]}')/photo/$entity`,
        "@odata.mediaContentType": photo.contentType,
        "@odata.mediaEtag": `"${createHash("sha256").update(photo.content).digest("hex").slice(0, 8).toUpperCase()}"`,
        id: size ? `${size.width}X${size.height}` : "1X1",
        width: size?.width ?? null,
        height: size?.height ?? null,
      },
    };
  }
  if (rest.length !== 1 || rest[0] !== "$value") throw new GraphSimError(400, "BadRequest", "Resource not found for the segment.");
  if (req.method === "GET") {
    if (!photo) throw noImage();
    return { status: 200, body: Buffer.from(photo.content), headers: { "content-type": photo.contentType } };
  }
  if (req.method === "PUT" || req.method === "PATCH") {
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (!contentType.startsWith("image/")) throw new GraphSimError(400, "ErrorInvalidRequest", "The photo must be sent as its bytes with an image content type.");
    if (!(req.body instanceof Uint8Array) || req.body.length === 0) throw new GraphSimError(400, "ErrorInvalidRequest", "The request has no photo bytes.");
    if (req.body.length >= MAX_PHOTO_BYTES) throw new GraphSimError(413, "RequestEntityTooLarge", "The photo must be smaller than 4 MB.");
    const actual = imageTypeOf(req.body);
    if (!actual) throw new GraphSimError(400, "ErrorInvalidImage", "The photo is not an image the service can read.");
    for (const a of item.attachments.filter((x) => x.isContactPhoto)) req.box.removeAttachmentRecord(item, a.number);
    req.box.addAttachmentRecord(item, { name: PHOTO_NAME, contentType: actual, content: Buffer.from(req.body), isContactPhoto: true });
    return { status: 200 };
  }
  throw new GraphSimError(405, "ErrorInvalidRequest", "A contact's photo cannot be deleted over Graph; the delete operation takes user and group photos only.");
}
