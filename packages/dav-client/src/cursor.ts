/**
 * The change cursor: what a caller stores between two change-feed calls. It is one opaque
 * string (the engine keeps it as the side's cursor) holding either an RFC 6578 sync-token or,
 * for servers without sync-collection, the collection's `getctag` and the ETag of every
 * member at the last listing (so its size grows with the collection: about 100 bytes per item).
 */
import { z } from "zod";
import { DavError } from "./errors.js";

/** A decoded change cursor. */
export type DavChangeCursor =
  | { readonly kind: "sync-token"; readonly syncToken: string }
  | { readonly kind: "etag-listing"; readonly ctag: string | null; readonly etags: Readonly<Record<string, string>> };

const cursorSchema = z.union([
  z.object({ v: z.literal(1), syncToken: z.string().min(1) }),
  z.object({ v: z.literal(1), ctag: z.string().nullable(), etags: z.record(z.string(), z.string()) }),
]);

/** Encodes a cursor as the string to store. */
export function encodeCursor(cursor: DavChangeCursor): string {
  return cursor.kind === "sync-token"
    ? JSON.stringify({ v: 1, syncToken: cursor.syncToken })
    : JSON.stringify({ v: 1, ctag: cursor.ctag, etags: cursor.etags });
}

/**
 * Decodes a stored cursor string.
 * @throws DavError `INVALID_CURSOR` when the string was not made by {@link encodeCursor}.
 */
export function decodeCursor(text: string): DavChangeCursor {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DavError("INVALID_CURSOR", "the change cursor is not one this client wrote (not JSON)");
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) throw new DavError("INVALID_CURSOR", "the change cursor is not one this client wrote (unknown shape)");
  const value = parsed.data;
  return "syncToken" in value ? { kind: "sync-token", syncToken: value.syncToken } : { kind: "etag-listing", ctag: value.ctag, etags: value.etags };
}
