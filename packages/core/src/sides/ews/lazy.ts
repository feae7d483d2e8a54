/**
 * The modules that map items (`read.ts`, `write.ts`, and with them `@ewsdav/mappers`, ical.js and
 * windows-iana: 40-65 ms of start-up), loaded by the first read or write that needs them and kept
 * for the process; a quiet cycle (SyncFolderItems with a cursor, nothing read) loads none.
 *
 * @module
 */

let readModule: Promise<typeof import("./read.js")> | undefined;
let writeModule: Promise<typeof import("./write.js")> | undefined;

/** `read.ts`, loaded once. */
export function loadRead(): Promise<typeof import("./read.js")> {
  return (readModule ??= import("./read.js"));
}

/** `write.ts`, loaded once. */
export function loadWrite(): Promise<typeof import("./write.js")> {
  return (writeModule ??= import("./write.js"));
}
