/**
 * The client's default response size limit, set from what parsing measurably costs, so that a
 * default Node heap survives the largest response the client accepts.
 *
 * Measured with `test/measure-parse-memory.ts` (Node 20, bodies from the simulator repeated to size):
 * - retained after parsing, per byte of body: the text 1× (2× for bodies with non-Latin-1 text, as
 *   V8 then stores two bytes per character), text + element tree 6.0–6.7×, plus the typed items
 *   7.4–7.6× (GetItem of contacts and of calendar items, SyncFolderItems IdOnly; 8, 16 and 32 MiB);
 * - peak while parsing: the smallest `--max-old-space-size` that parses and types a GetItem response
 *   of 16 MiB is 190 MiB, of 32 MiB 348 MiB (both with the simulator's mailbox in the same heap):
 *   about 10× the body at the margin. Through the real client in a process of its own
 *   (test/integration/response-memory.test.ts), a 16 MiB GetItem of 10,894 contacts survives a
 *   192 MiB old space and not a 160 MiB one (peak heap 210–220 MiB of 256): 11–12× the body.
 *
 * V8 sizes Node's default heap from the machine's memory (a quarter of it, up to 4 GiB), so a host
 * with 4 GiB of memory gets about 1 GiB. With 16 MiB per response (≈ 160 MiB at the peak) and the
 * client's default of 4 concurrent requests, a full batch in flight needs ≈ 640 MiB, which leaves
 * room for the host in that heap. The old limit of 64 MiB needed ≈ 640 MiB for one response and
 * ≈ 2.5 GiB for four.
 *
 * Listings never hit the limit as a refusal: GetItem batches and GetAttachment ids are split, and SyncFolderItems,
 * FindItem and FindFolder pages shrink, until a response fits. Only one item whose response alone is
 * larger fails, with `ResponseTooLargeError` in its slot.
 * @module
 */

/** Largest accepted response body, in bytes after decompression (16 MiB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
