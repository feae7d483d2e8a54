/**
 * Reading a response: headers as a plain record, and one body reader that enforces the size limit
 * (announced, received and decoded) and decompresses.
 * @module
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { HttpDecodeError, HttpResponseTooLargeError } from "./errors.js";

/** Response headers by lower-case name, repeated headers joined with `, `. */
export function headerRecord(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** A content coding the reader can undo. */
export type ContentCoding = "gzip" | "deflate" | "br";

/** Options of {@link readBody}. */
export interface ReadBodyOptions {
  /** Largest body accepted, as received and once decoded. */
  readonly maxBytes: number;
  /** Codings to undo (default none: the body is returned as received). `x-gzip` counts as gzip. */
  readonly decode?: readonly ContentCoding[];
  /**
   * What to do with a `content-encoding` outside `decode` (other than `identity`): `error` throws
   * {@link HttpDecodeError}, `pass` returns the bytes as received (default `pass`).
   */
  readonly unknownEncoding?: "error" | "pass";
  /** Refuse at once when `content-length` announces more than `maxBytes` (default true). */
  readonly checkDeclaredLength?: boolean;
}

/** A body read by {@link readBody}. */
export interface ReadBody {
  /** The body, decoded. */
  readonly bytes: Buffer;
  /** Bytes as received, before decoding. */
  readonly receivedBytes: number;
}

/** The smallest shape of a response body stream (undici's `BodyReadable` fits). */
export interface BodyStream extends AsyncIterable<unknown> {
  /** Stops the stream. */
  destroy(error?: Error): unknown;
  /** Adds a listener (used to swallow the error a destroyed body may still emit). */
  on(event: "error", listener: (error: Error) => void): unknown;
}

function tooLarge(body: BodyStream, error: HttpResponseTooLargeError): HttpResponseTooLargeError {
  body.on("error", () => undefined);
  body.destroy();
  return error;
}

/**
 * Reads a response body whole, refusing it with {@link HttpResponseTooLargeError} once it passes
 * `maxBytes` (the rest is not read), and undoes the content codings asked for. Errors of the stream
 * itself (a reset, a body timeout) propagate unchanged for the client to translate.
 */
export async function readBody(body: BodyStream, headers: Readonly<Record<string, string>>, options: ReadBodyOptions): Promise<ReadBody> {
  const maxBytes = options.maxBytes;
  if (options.checkDeclaredLength !== false) {
    const declared = Number(headers["content-length"] ?? Number.NaN);
    if (declared > maxBytes) throw tooLarge(body, new HttpResponseTooLargeError(maxBytes, "declared", declared));
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) throw tooLarge(body, new HttpResponseTooLargeError(maxBytes, "received"));
    chunks.push(buf);
  }
  const raw = Buffer.concat(chunks);
  return { bytes: decodeBody(raw, headers["content-encoding"], options), receivedBytes: size };
}

/** Undoes `encoding` on `raw` as {@link readBody} does (see {@link ReadBodyOptions}). */
export function decodeBody(raw: Buffer, encoding: string | undefined, options: ReadBodyOptions): Buffer {
  const kind = encoding?.trim().toLowerCase();
  if (!kind || kind === "identity") return raw;
  const coding = kind === "x-gzip" ? "gzip" : kind;
  if (!(options.decode ?? []).includes(coding as ContentCoding)) {
    if ((options.unknownEncoding ?? "pass") === "pass") return raw;
    throw new HttpDecodeError(kind, "unsupported");
  }
  const zlibOptions = { maxOutputLength: options.maxBytes };
  try {
    if (coding === "gzip") return gunzipSync(raw, zlibOptions);
    if (coding === "deflate") return inflateSync(raw, zlibOptions);
    return brotliDecompressSync(raw, zlibOptions);
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw new HttpResponseTooLargeError(options.maxBytes, "decoded");
    throw new HttpDecodeError(kind, "corrupt", { cause: error });
  }
}
