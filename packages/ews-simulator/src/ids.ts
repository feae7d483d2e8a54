/**
 * Opaque identifiers shaped like Exchange's: ItemIds and FolderIds are base64 of a binary
 * blob (they start with "AAMkA" like Exchange's), ChangeKeys start with "CQAAABYAAAA", and sync
 * states are gzip+base64 ("H4sI…"). Clients must treat all of them as opaque strings.
 */
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";

/** What an id names. */
export type SimIdKind = "item" | "folder" | "occurrence" | "attachment";

const KIND_BYTE: Record<SimIdKind, number> = { item: 0x49, folder: 0x46, occurrence: 0x4f, attachment: 0x41 };
const HEADER = Buffer.from([0x00, 0x03, 0x24, 0x00]);
const ID_LENGTH = HEADER.length + 16 + 1 + 4 + 4;
const CHANGE_KEY_HEADER = Buffer.from([0x09, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00]);

/** A decoded id. */
export interface DecodedId {
  kind: SimIdKind;
  /** Hex of the 16-byte store guid. */
  store: string;
  number: number;
  /** For occurrences: the 1-based instance index; for attachments: the owning item number. */
  extra: number;
}

/** A stable 16-byte guid for a mailbox, derived from its address. */
export function storeGuid(smtpAddress: string): Buffer {
  return createHash("sha1").update(`ewsdav-sim:${smtpAddress.toLowerCase()}`).digest().subarray(0, 16);
}

/** Encodes an id. */
export function encodeId(kind: SimIdKind, store: Buffer, number: number, extra = 0): string {
  const buf = Buffer.alloc(ID_LENGTH);
  HEADER.copy(buf, 0);
  store.copy(buf, 4);
  buf[20] = KIND_BYTE[kind];
  buf.writeUInt32BE(number >>> 0, 21);
  buf.writeUInt32BE(extra >>> 0, 25);
  return buf.toString("base64");
}

/** Decodes an id, or returns undefined when it is not one of ours (malformed). */
export function decodeId(id: string): DecodedId | undefined {
  if (!/^[A-Za-z0-9+/]+=*$/.test(id)) return undefined;
  const buf = Buffer.from(id, "base64");
  if (buf.length !== ID_LENGTH || !buf.subarray(0, 4).equals(HEADER)) return undefined;
  const kind = (Object.keys(KIND_BYTE) as SimIdKind[]).find((k) => KIND_BYTE[k] === buf[20]);
  if (!kind) return undefined;
  return { kind, store: buf.subarray(4, 20).toString("hex"), number: buf.readUInt32BE(21), extra: buf.readUInt32BE(25) };
}

/** A ChangeKey for one version of one object. */
export function encodeChangeKey(store: Buffer, number: number, version: number): string {
  const buf = Buffer.alloc(CHANGE_KEY_HEADER.length + 12);
  CHANGE_KEY_HEADER.copy(buf, 0);
  store.copy(buf, 8, 0, 4);
  buf.writeUInt32BE(number >>> 0, 12);
  buf.writeUInt32BE(version >>> 0, 16);
  return buf.toString("base64");
}

/** What a sync state carries (never shown to clients in this form). */
export interface SyncStatePayload {
  /** "items" for SyncFolderItems, "hierarchy" for SyncFolderHierarchy. */
  k: "items" | "hierarchy";
  /** Store guid hex. */
  s: string;
  /** Folder number (0 for the whole mailbox). */
  f: number;
  /** Watermark: changes with a sequence number above it are new to the holder. */
  w: number;
  /**
   * Items only: the holder has every item created at or before this sequence number (the
   * watermark of its last complete sync; 0 during an initial sync).
   */
  b?: number;
  /**
   * Items only: numbers of the items created after `b` that the holder was given (a Create) by an
   * unfinished run of pages, as flattened inclusive ranges `[from, to, from, to, …]`. An item the
   * holder was not given is reported as Create whatever happened to it since, as in Exchange,
   * whose ICS state carries the set of ids the client has.
   */
  g?: number[];
  /** Integrity check over the fields above. */
  c: string;
}

function checksum(secret: string, p: Omit<SyncStatePayload, "c">): string {
  return createHash("sha256").update(`${secret}|${p.k}|${p.s}|${p.f}|${p.w}|${p.b ?? ""}|${(p.g ?? []).join(",")}`).digest("base64").slice(0, 16);
}

/** Item numbers as flattened inclusive ranges (`[1, 3, 7, 7]` for 1, 2, 3, 7), for {@link SyncStatePayload.g}. */
export function toRanges(numbers: Iterable<number>): number[] {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const out: number[] = [];
  for (const n of sorted) {
    if (out.length > 0 && out[out.length - 1] === n - 1) out[out.length - 1] = n;
    else out.push(n, n);
  }
  return out;
}

/** The item numbers of flattened inclusive ranges (inverse of {@link toRanges}). */
export function fromRanges(ranges: readonly number[]): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i + 1 < ranges.length; i += 2) for (let n = ranges[i]!; n <= ranges[i + 1]!; n++) out.add(n);
  return out;
}

/** Encodes a sync state. */
export function encodeSyncState(secret: string, payload: Omit<SyncStatePayload, "c">): string {
  const full: SyncStatePayload = { ...payload, c: checksum(secret, payload) };
  return gzipSync(Buffer.from(JSON.stringify(full))).toString("base64");
}

/** Decodes a sync state; undefined when it is corrupt, forged or not ours. */
export function decodeSyncState(secret: string, state: string): SyncStatePayload | undefined {
  try {
    const parsed = JSON.parse(gunzipSync(Buffer.from(state.trim(), "base64")).toString("utf8")) as SyncStatePayload;
    if (typeof parsed !== "object" || parsed === null) return undefined;
    if (parsed.k !== "items" && parsed.k !== "hierarchy") return undefined;
    if (!Number.isInteger(parsed.f) || !Number.isInteger(parsed.w) || typeof parsed.s !== "string") return undefined;
    if (parsed.b !== undefined && !Number.isInteger(parsed.b)) return undefined;
    if (parsed.g !== undefined && (!Array.isArray(parsed.g) || parsed.g.length % 2 !== 0 || !parsed.g.every((n) => Number.isInteger(n)))) return undefined;
    return parsed.c === checksum(secret, parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
