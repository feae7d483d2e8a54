/**
 * Contact photos over Graph: the bytes (`/contacts/{id}/photo/$value`, GET and PUT) and the
 * metadata (`/contacts/{id}/photo`, a `profilePhoto`). Graph has no delete for a contact's photo
 * (its delete operation takes user and group photos only), so there is none here: a photo is
 * replaced, never removed, over Graph. Functions over the shared {@link GraphRequester};
 * `GraphClient` delegates to them.
 * @module
 */
import { GraphError, GraphInputError } from "./errors.js";
import type { GraphProfilePhoto } from "./model-todo.js";
import type { GraphRequester } from "./requester.js";

/** Graph's limit on a request body, so on a photo: under 4 MB. */
export const GRAPH_MAX_PHOTO_BYTES = 4 * 1024 * 1024;

/** A contact's photo: its bytes and their content type. */
export interface GraphContactPhoto {
  readonly bytes: Buffer;
  readonly contentType: string;
}

const isImageNotFound = (error: unknown) => error instanceof GraphError && error.status === 404 && error.code === "ImageNotFound";

/** The photo of a contact, or undefined when it has none (404 `ImageNotFound`; an unknown contact still throws). */
export async function getContactPhoto(r: GraphRequester, contactId: string, options: { signal?: AbortSignal } = {}): Promise<GraphContactPhoto | undefined> {
  try {
    const response = await r.call("GET", r.url(`${r.path("contacts", contactId, "photo")}/$value`), { signal: options.signal, headers: { accept: "image/*" } });
    return { bytes: response.bytes, contentType: response.headers["content-type"] ?? "application/octet-stream" };
  } catch (error) {
    if (isImageNotFound(error)) return undefined;
    throw error;
  }
}

/** The metadata of a contact's photo (content type, width, height), or undefined when it has none. */
export async function getContactPhotoInfo(r: GraphRequester, contactId: string, options: { signal?: AbortSignal } = {}): Promise<GraphProfilePhoto | undefined> {
  try {
    return await r.json<GraphProfilePhoto>("GET", r.url(r.path("contacts", contactId, "photo")), options);
  } catch (error) {
    if (isImageNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Sets (replaces) a contact's photo: `bytes` with an `image/…` content type, under 4 MB (refused
 * here before sending otherwise). The EWS side sees it as the contact's photo attachment.
 */
export async function setContactPhoto(r: GraphRequester, contactId: string, bytes: Uint8Array, contentType: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  if (!/^image\/[\w.+-]+$/i.test(contentType.trim())) throw new GraphInputError(`setContactPhoto: '${contentType}' is not an image content type`);
  if (bytes.length === 0) throw new GraphInputError("setContactPhoto: no bytes");
  if (bytes.length >= GRAPH_MAX_PHOTO_BYTES) throw new GraphInputError(`setContactPhoto: ${bytes.length} bytes; Graph takes photos under 4 MB`);
  await r.call("PUT", r.url(`${r.path("contacts", contactId, "photo")}/$value`), { body: bytes, headers: { "content-type": contentType.trim() }, signal: options.signal });
}
