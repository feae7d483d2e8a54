/**
 * Moving one end of a pair from the EWS side to the Graph side of the same mailbox, without a
 * re-sync ({@link movePairToGraph}). Graph names the same folders and items as EWS with other
 * strings; `translateExchangeIds` maps one form to the other. The move rewrites, in the pair's
 * state, every EWS id of that end (its collection, every item, the items pending a re-read) into
 * Graph's form, and each item's version (an EWS ChangeKey) into the `@odata.etag` Graph gives the
 * same revision (`W/"ChangeKey"`), keeps every text and hash, and restarts that end's cursor. The
 * next cycle over Graph then lists the collection in full, finds every item it knows at the
 * version it holds, and has nothing to read, create or delete; an item changed since (over either
 * protocol) is read and compared with its text, like any change.
 *
 * Safety:
 * - all or nothing: the translated state is one store write (one transaction), so a process killed
 *   during the move leaves the pair either as it was or moved; running the move again finds the
 *   pair moved and does nothing (or, if it was not, moves it);
 * - it runs under the pair's lease, so no cycle runs beside it, and refuses a pair whose lease is
 *   held (a cycle is running) or whose journal holds side effects an interrupted cycle left (run a
 *   cycle over EWS first: they name EWS ids);
 * - an id Graph cannot translate (an item deleted since the last cycle, a folder of another
 *   mailbox) is named in the report, and the pair is left as it was, unless `force`: then such an
 *   item keeps its old id, which the first Graph listing does not name, so the engine takes it as
 *   deleted on that end (what it is when Graph does not know it).
 *
 * @module
 */
import { GraphError, type GraphClient, type GraphExchangeIdFormat } from "@ewsdav/graph-client";
import type { ItemRecord, PairRecord, Slot, SlotState, StateOp, StateStore } from "../../engine/state.js";
import { etagOfChangeKey } from "./context.js";

/** Options of {@link movePairToGraph}. */
export interface MovePairOptions {
  /** The name of the Graph side the moved end will name (its `GraphSide` name; default `"graph"`). */
  sideName?: string;
  /** The EWS side's name the end must name now (default: any other side than `sideName`). */
  fromSide?: string;
  /**
   * The id form the Graph side's client uses for contacts and events: `restImmutableEntryId`
   * (default; the client asks for immutable ids unless told not to) or `restId`. To Do tasks and
   * lists are always translated to `restId`: the To Do endpoints have no immutable ids.
   */
  idType?: Extract<GraphExchangeIdFormat, "restImmutableEntryId" | "restId">;
  /** Move even when some item ids cannot be translated (see the module comment). The collection's id must translate. */
  force?: boolean;
  /** The owner of the pair's lease while the move runs (default a name of this process). */
  owner?: string;
  /** How long the lease lasts, in ms (default 10 minutes). */
  leaseTtlMs?: number;
  signal?: AbortSignal;
}

/** An id the move could not translate. */
export interface MoveFailure {
  /** What it names: the collection, an item (its UID) or an id pending a re-read. */
  what: "collection" | "item" | "pending";
  uid: string | null;
  /** The EWS id. */
  id: string;
  /** Graph's error code, when it gave one. */
  code: string | null;
  message: string;
}

/** What {@link movePairToGraph} did. */
export interface MoveReport {
  pairId: string;
  slot: Slot;
  /** The state now names the Graph side on that end (moved now, or by an earlier run). */
  moved: boolean;
  /** An earlier run had moved it: nothing was done. */
  alreadyMoved: boolean;
  /** The collection's id before and after. */
  collection: { from: string; to: string };
  /** Item ids translated. */
  items: number;
  /** Pending ids translated. */
  pending: number;
  /** What could not be translated (the pair was moved only when `force` was given, or when this is empty). */
  failed: MoveFailure[];
}

/** Codes of {@link MoveError}. */
export type MoveErrorCode = "unknown-pair" | "pair-busy" | "interrupted-cycle" | "untranslatable" | "wrong-side";

/** The move refused the pair; the state is as it was. */
export class MoveError extends Error {
  override readonly name = "MoveError";
  constructor(
    readonly code: MoveErrorCode,
    message: string,
    /** For `untranslatable`: what could not be translated. */
    readonly failed: readonly MoveFailure[] = [],
  ) {
    super(message);
  }
}

/** translateExchangeIds takes at most this many ids at once. */
const TRANSLATE_BATCH = 1000;

/** Translates EWS ids (unique) to `idType`: the translated id, or the failure, per id. */
async function translate(graph: GraphClient, ids: readonly string[], idType: GraphExchangeIdFormat, signal?: AbortSignal): Promise<Map<string, { to: string } | { code: string | null; message: string }>> {
  const out = new Map<string, { to: string } | { code: string | null; message: string }>();
  for (let start = 0; start < ids.length; start += TRANSLATE_BATCH) {
    const chunk = ids.slice(start, start + TRANSLATE_BATCH);
    const results = await graph.translateExchangeIds(chunk, "ewsId", idType, signal ? { signal } : {});
    // Matched by `sourceId`, never by position (Graph does not promise the order of its answers).
    const bySource = new Map<string, (typeof results)[number]>();
    for (const r of results) if (typeof r?.sourceId === "string" && !bySource.has(r.sourceId)) bySource.set(r.sourceId, r);
    for (const id of chunk) {
      const r = bySource.get(id);
      if (r?.targetId) out.set(id, { to: r.targetId });
      else out.set(id, { code: r?.errorDetails?.code ?? null, message: r ? (r.errorDetails?.message ?? "no id returned") : "no answer names this id" });
    }
  }
  return out;
}

/**
 * To Do's ids are the Tasks folder's and the tasks' Exchange ids in REST form (what Microsoft's
 * examples show; To Do has no immutable ids). That is checked before anything is written: the list
 * and up to 20 of the translated tasks are read over `/todo`, and a list or task not found there
 * refuses the move (`untranslatable`), so a tenant where the ids differ never sees its tasks
 * deleted and made anew.
 */
async function checkTodoIds(graph: GraphClient, pairId: string, list: string, tasks: readonly string[], signal?: AbortSignal): Promise<void> {
  const call = signal ? { signal } : {};
  const missing: MoveFailure[] = [];
  const probe = async (what: MoveFailure["what"], id: string, read: () => Promise<unknown>) => {
    try {
      await read();
    } catch (error) {
      if (!(error instanceof GraphError && error.status === 404)) throw error;
      missing.push({ what, uid: null, id, code: error.code || "ErrorItemNotFound", message: "translated, but not found over /todo" });
    }
  };
  await probe("collection", list, () => graph.getTodoList(list, call));
  if (missing.length === 0) {
    const sample = tasks.slice(0, 20);
    await Promise.all(sample.map((id) => probe("item", id, () => graph.getTodoTask(list, id, call))));
  }
  if (missing.length) {
    throw new MoveError("untranslatable", `pair ${pairId}: To Do does not know ${missing.length} of the translated ids (${missing.slice(0, 3).map((f) => `${f.what} ${f.id}`).join("; ")}); nothing was moved`, missing);
  }
}

/**
 * Moves the `slot` end of pair `pairId` from the EWS side to the Graph side of the same mailbox
 * (see the module comment): translates its ids with `graph` (a client of that mailbox), and writes
 * the translated state in one store write under the pair's lease. Throws {@link MoveError} when
 * the pair is unknown, busy, has an interrupted cycle, names another side, or (without `force`)
 * has an id Graph cannot translate; the state is then as it was.
 */
export async function movePairToGraph(store: StateStore, pairId: string, slot: Slot, graph: GraphClient, options: MovePairOptions = {}): Promise<MoveReport> {
  const sideName = options.sideName ?? "graph";
  const requested = options.idType ?? "restImmutableEntryId";
  const owner = options.owner ?? `ewsdav-move:${process.pid}:${Date.now().toString(36)}`;
  const attempt = await store.acquireLease({ pairId, owner, ttlMs: options.leaseTtlMs ?? 600_000 });
  if (!attempt.acquired) throw new MoveError("pair-busy", `pair ${pairId} is busy: ${attempt.holder.owner} holds its lease until ${attempt.holder.expiresAt}`);
  const lease = attempt.lease;
  try {
    const pair = await store.getPair(pairId);
    if (!pair) throw new MoveError("unknown-pair", `no pair ${pairId}`);
    const end = pair[slot];
    if (end.side === sideName) {
      return { pairId, slot, moved: true, alreadyMoved: true, collection: { from: end.collection, to: end.collection }, items: 0, pending: 0, failed: [] };
    }
    if (options.fromSide !== undefined && end.side !== options.fromSide) {
      throw new MoveError("wrong-side", `pair ${pairId}: its ${slot} end is on side ${end.side}, not ${options.fromSide}`);
    }
    const journal = await store.listJournal(pairId);
    if (journal.length) {
      throw new MoveError("interrupted-cycle", `pair ${pairId} holds ${journal.length} side effect(s) of an interrupted cycle; run a cycle over EWS first, then move it`);
    }
    const idType = pair.kind === "tasks" ? "restId" : requested;
    const items = await store.listItems(pairId);
    const ids = new Set<string>([end.collection, ...pair.pending[slot]]);
    for (const item of items) if (item[slot]) ids.add(item[slot]!.id);
    const translated = await translate(graph, [...ids], idType, options.signal);
    const failed: MoveFailure[] = [];
    const fail = (what: MoveFailure["what"], uid: string | null, id: string) => {
      const r = translated.get(id);
      if (r && !("to" in r)) failed.push({ what, uid, id, code: r.code, message: r.message });
    };
    fail("collection", null, end.collection);
    for (const item of items) if (item[slot]) fail("item", item.uid, item[slot]!.id);
    for (const id of pair.pending[slot]) fail("pending", null, id);
    const to = (id: string): string | undefined => {
      const r = translated.get(id);
      return r && "to" in r ? r.to : undefined;
    };
    const collection = to(end.collection);
    if (collection === undefined || (failed.length && !options.force)) {
      throw new MoveError("untranslatable", `pair ${pairId}: Graph cannot translate ${failed.length} id(s) (${failed.slice(0, 3).map((f) => `${f.what} ${f.uid ?? f.id}: ${f.code ?? f.message}`).join("; ")}); nothing was moved`, failed);
    }
    if (pair.kind === "tasks") await checkTodoIds(graph, pairId, collection, items.map((i) => i[slot] && to(i[slot]!.id)).filter((id): id is string => id !== undefined), options.signal);
    const ops: StateOp[] = [];
    let moved = 0;
    for (const item of items) {
      const s = item[slot];
      if (!s) continue;
      const id = to(s.id);
      if (id === undefined) continue; // force: kept, and the first Graph listing takes it as gone
      const next: SlotState = { ...s, id, version: s.version === null ? null : etagOfChangeKey(s.version) };
      const record: ItemRecord = { ...item, [slot]: next };
      ops.push({ op: "put-item", pairId, item: record });
      moved++;
    }
    const pending = pair.pending[slot].map(to).filter((id): id is string => id !== undefined);
    const record: PairRecord = {
      ...pair,
      [slot]: { side: sideName, collection },
      cursors: { ...pair.cursors, [slot]: null },
      pending: { ...pair.pending, [slot]: pending },
    };
    ops.unshift({ op: "put-pair", pair: record });
    await store.write(ops, { lease });
    return { pairId, slot, moved: true, alreadyMoved: false, collection: { from: end.collection, to: collection }, items: moved, pending: pending.length, failed };
  } finally {
    await store.releaseLease(lease).catch(() => undefined);
  }
}
