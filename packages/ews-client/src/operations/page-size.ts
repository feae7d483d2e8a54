/**
 * Listings are read in pages, never refused for their size: when a page's response is over the
 * client's size limit, the same page is asked again with fewer entries (a quarter, down to one),
 * and the smaller size is kept for the pages after it.
 * @module
 */
import { ResponseTooLargeError, XmlSecurityError } from "../errors.js";

/** True when a response was refused for its size (bytes on the wire, or characters before parsing). */
export function isResponseTooLarge(error: unknown): error is ResponseTooLargeError | XmlSecurityError {
  return error instanceof ResponseTooLargeError || (error instanceof XmlSecurityError && error.rule === "size");
}

/**
 * Runs `read(size)`; while its response is too large and `size` is above 1, runs it again with a
 * quarter of the entries. Returns the value and the size that fitted. A single entry that does not
 * fit rethrows the size error.
 */
export async function readShrinkingPage<T>(size: number, read: (size: number) => Promise<T>): Promise<{ value: T; size: number }> {
  for (let current = size; ; current = Math.max(1, Math.floor(current / 4))) {
    try {
      return { value: await read(current), size: current };
    } catch (error) {
      if (!isResponseTooLarge(error) || current <= 1) throw error;
    }
  }
}

/**
 * The error for one entry whose response alone is over the limit, naming it (`subject`, e.g.
 * `GetItem[3] (item AAMkAD…x8Q=)`): a {@link ResponseTooLargeError}, or the parser's size refusal
 * with the subject in front.
 */
export function tooLargeFor(error: ResponseTooLargeError | XmlSecurityError, subject: string): ResponseTooLargeError | XmlSecurityError {
  return error instanceof ResponseTooLargeError
    ? new ResponseTooLargeError(error.limitBytes, subject, { cause: error })
    : new XmlSecurityError(error.rule, `${subject}: ${error.message}`, { cause: error });
}

/** A long opaque id shortened for messages (the first 12 and last 8 characters). */
export function shortId(id: string): string {
  return id.length > 24 ? `${id.slice(0, 12)}…${id.slice(-8)}` : id;
}
