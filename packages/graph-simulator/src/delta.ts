/**
 * `contacts/delta` of one contact folder over the record store's change sequence: a round lists
 * what changed after the token's watermark up to the sequence number at the round's start, in pages
 * (`@odata.nextLink` with a `$skiptoken`), and ends with `@odata.deltaLink` (a `$deltatoken` whose
 * watermark is that sequence number). Deletions (and moves out) come as `{"@removed": …}` rows.
 * Tokens are signed; a token that does not verify, names another folder or outlived
 * {@link DeltaTokens.expireAll} answers 410 `syncStateNotFound`, as a token Outlook dropped from its
 * cache does.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FolderRecord, ItemRecord, SimulatedMailbox } from "@ewsdav/ews-simulator";
import { GraphSimError } from "./errors.js";

/** What a delta or skip token carries. */
export interface DeltaState {
  /** Store guid hex and folder number. */
  s: string;
  f: number;
  /** Watermark: changes after it are new to the holder. */
  w: number;
  /** For a skip token: the round's upper bound and the last item number listed. */
  u?: number;
  a?: number;
  /** The round's `$select`, kept across its links. */
  sel?: string;
  /** Generation of the token cache. */
  g: number;
}

/** Signs and checks tokens; {@link expireAll} makes every token issued so far rejected. */
export class DeltaTokens {
  private readonly secret = randomBytes(16);
  private generation = 0;

  /** Rejects every token issued so far (the next request with one answers 410). */
  expireAll(): void {
    this.generation++;
  }

  /** A token for `state` (its generation is set here). */
  issue(state: Omit<DeltaState, "g">): string {
    const payload = Buffer.from(JSON.stringify({ ...state, g: this.generation })).toString("base64url");
    return `${payload}.${createHmac("sha256", this.secret).update(payload).digest("base64url")}`;
  }

  /** The state of a token of this folder, or a 410 `syncStateNotFound`. */
  read(token: string, box: SimulatedMailbox, folder: FolderRecord): DeltaState {
    const gone = () => new GraphSimError(410, "syncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again.");
    const [payload, sig] = token.split(".");
    if (!payload || !sig) throw gone();
    const expected = createHmac("sha256", this.secret).update(payload).digest();
    const given = Buffer.from(sig, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw gone();
    const state = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as DeltaState;
    if (state.g !== this.generation || state.s !== box.guidHex || state.f !== folder.number) throw gone();
    return state;
  }
}

/** One page of a round: items to render, removed item numbers, and the state of the next link. */
export interface DeltaPage {
  items: ItemRecord[];
  removed: number[];
  /** Set when more pages follow: the skip token's state. */
  next?: Omit<DeltaState, "g">;
  /** Set on the last page: the delta token's state. */
  delta?: Omit<DeltaState, "g">;
}

/** Computes one page of a delta round (see the module comment). */
export function deltaPage(box: SimulatedMailbox, folder: FolderRecord, state: Omit<DeltaState, "g"> | undefined, pageSize: number, select: string | undefined): DeltaPage {
  const w = state?.w ?? 0;
  const upTo = state?.u ?? box.seq;
  const after = state?.a ?? 0;
  const sel = state ? state.sel : select;
  const items: ItemRecord[] = [];
  let more = false;
  // Items of a folder are kept in record-number order (a moved-in item gets a new, higher number).
  for (const item of folder.items.values()) {
    if (item.number <= after || item.kind !== "Contact" || item.modSeq <= w || item.modSeq > upTo) continue;
    if (items.length === pageSize) {
      more = true;
      break;
    }
    items.push(item);
  }
  const base = { s: box.guidHex, f: folder.number, ...(sel !== undefined ? { sel } : {}) };
  if (more) return { items, removed: [], next: { ...base, w, u: upTo, a: items[items.length - 1]!.number } };
  const removed = w === 0 ? [] : box.tombstones
    .filter((t) => t.folder === folder && t.kind === "Contact" && t.seq > w && t.seq <= upTo && t.createdSeq <= w)
    .map((t) => t.number);
  return { items, removed, delta: { ...base, w: upTo } };
}
