/**
 * The executor: runs a plan's writes against the sides, batched by each side's `maxBatch` and at
 * most `maxConcurrency` calls at once, and keeps the state in step.
 *
 * Crash safety rests on three rules. (1) Every write is journaled before its side effect, with what it
 * writes and what its action will record ({@link JournalDetail}). (2) An
 * action's record is stored, and its journal entries closed, in one state write once all its
 * writes succeeded; a failed or interrupted action leaves the previous record untouched. (3) The
 * cursors advance only at the end of the cycle (see `cycle.ts`). So after a crash the next cycle
 * sees every effect that happened as a change in a feed it reads again from the old cursor, plus
 * the journaled items re-read by id; it adopts an interrupted action whose writes all happened as if
 * it had finished, and plans the others again (the resume rules on `JournalEntry`, in `resume.ts`):
 * no duplicate, no loss, and a later edit or deletion of the item is carried like any other.
 *
 * A UID tag is no part of what an action carries: one that meets its item deleted or edited since
 * the listing leaves the action's other writes recorded, with that item at the revision listed
 * ({@link recordWithoutFailedTags}), so the deletion or the edit is planned against the copy.
 *
 * @module
 */
import { changedProperties, type ChangedProperty } from "./merge.js";
import type { Action, Write } from "./plan.js";
import { chunk, runPool } from "./pool.js";
import { SideError, type SyncSide, type WriteResult } from "./side.js";
import { otherSlot, SLOTS, type ItemRecord, type JournalDetail, type JournaledWrite, type PairRecord, type Slot, type StateOp } from "./state.js";
import { unconfirmedAfterWrite } from "./unconfirmed.js";
import type { StateWriter } from "./writer.js";

/** What happened to one action. */
export interface ActionOutcome {
  action: Action;
  /** `done`: every write succeeded and the record is stored; `precondition`: an item changed under us. */
  status: "done" | "failed" | "precondition";
  errors: Array<{ slot: Slot; id: string | null; error: SideError }>;
  results: Array<{ write: Write; result: WriteResult | null }>;
  /**
   * The record stored: status `done`; or status `precondition` when the action's only failures were
   * UID tags whose item changed or went ({@link recordWithoutFailedTags}), the re-plan's base then.
   */
  record: ItemRecord | null;
}

/** Who hears of each action as it finishes, and of the progress of the round. */
export interface ExecuteObserver {
  outcome(outcome: ActionOutcome): void;
  progress(done: number, total: number): void;
}

/** What the executor needs. */
export interface ExecuteContext {
  pair: PairRecord;
  sides: Record<Slot, SyncSide>;
  /** Hashes a text with the pair's normaliser. */
  hash(text: string): string;
  /** The cycle's state writes, in order and fenced by its lease. */
  writer: StateWriter;
  observer: ExecuteObserver;
  signal?: AbortSignal;
}

/** The ids an action concerns on each slot: those it knew, and those its successful creates made. */
export function actionIds(action: Action, outcome?: ActionOutcome): Record<Slot, string[]> {
  const out: Record<Slot, string[]> = { local: [], remote: [] };
  for (const slot of SLOTS) {
    const id = action.previous?.[slot]?.id ?? action.next?.[slot]?.id;
    if (id) out[slot].push(id);
  }
  for (const { write, result } of outcome?.results ?? []) if (write.op === "create" && result) out[write.slot].push(result.id);
  return out;
}


function asSideError(error: unknown, id: string | null): SideError {
  if (error instanceof SideError) return error;
  return new SideError("transient", error instanceof Error ? error.message : String(error), id);
}

/** Runs one batch of same-kind writes to one slot; never throws for a side failure. */
async function callSide(ctx: ExecuteContext, slot: Slot, op: Write["op"], writes: Write[]): Promise<Array<WriteResult | null | SideError>> {
  const side = ctx.sides[slot];
  const collection = ctx.pair[slot].collection;
  try {
    let answers: Array<WriteResult | null | SideError>;
    if (op === "create") {
      answers = await side.create(collection, writes.map((w) => ({ uid: (w as { uid: string }).uid, text: (w as { text: string }).text })), ctx.signal);
    } else if (op === "delete") {
      answers = await side.remove(collection, writes.map((w) => ({ id: (w as { id: string }).id, version: (w as { version: string | null }).version })), ctx.signal);
    } else if (op === "tag" && side.tag) {
      answers = await side.tag(
        collection,
        writes.map((w) => {
          const t = w as Extract<Write, { op: "tag" }>;
          return { id: t.id, version: t.version, uid: t.uid, text: t.text };
        }),
        ctx.signal,
      );
    } else {
      answers = await side.update(
        collection,
        writes.map((w) => {
          const u = w as Extract<Write, { op: "update" | "tag" }>;
          return { id: u.id, version: u.version, uid: u.uid, text: u.text };
        }),
        ctx.signal,
      );
    }
    if (answers.length !== writes.length) throw new Error(`${side.name} answered ${answers.length} results for ${writes.length} items`);
    return answers;
  } catch (error) {
    return writes.map((w) => asSideError(error, "id" in w ? w.id : null));
  }
}

/** Executes actions; returns one outcome per action. State errors propagate (the cycle stops). */
export async function execute(ctx: ExecuteContext, actions: readonly Action[]): Promise<ActionOutcome[]> {
  const outcomes = new Map<Action, ActionOutcome>();
  const remaining = new Map<Action, number>();
  let done = 0;
  const total = actions.length;

  // State-only actions (version refreshes, forgotten items) are stored in one write.
  const stateOnly = actions.filter((a) => a.writes.length === 0);
  if (stateOnly.length) {
    await ctx.writer.write(stateOnly.map((a) => recordOp(ctx.pair.id, a, a.next)));
    for (const a of stateOnly) {
      const outcome: ActionOutcome = { action: a, status: "done", errors: [], results: [], record: a.next };
      outcomes.set(a, outcome);
      ctx.observer.outcome(outcome);
    }
    done += stateOnly.length;
    ctx.observer.progress(done, total);
  }

  const groups = new Map<string, Array<{ action: Action; write: Write }>>();
  for (const action of actions) {
    if (action.writes.length === 0) continue;
    remaining.set(action, action.writes.length);
    outcomes.set(action, { action, status: "done", errors: [], results: [], record: null });
    for (const write of action.writes) {
      const key = `${write.slot}:${write.op}`;
      const list = groups.get(key) ?? [];
      list.push({ action, write });
      groups.set(key, list);
    }
  }

  const finish = async (batch: Array<{ action: Action; write: Write }>): Promise<void> => {
    const ops: StateOp[] = [];
    const finished: ActionOutcome[] = [];
    for (const { action } of batch) {
      const left = remaining.get(action)! - 1;
      remaining.set(action, left);
      if (left > 0) continue;
      const outcome = outcomes.get(action)!;
      if (outcome.status === "done") {
        outcome.record = fillRecord(ctx, action, outcome.results);
        ops.push(recordOp(ctx.pair.id, action, outcome.record));
      } else if (outcome.status === "precondition") {
        outcome.record = recordWithoutFailedTags(ctx, action, outcome);
        if (outcome.record) ops.push(recordOp(ctx.pair.id, action, outcome.record));
      }
      for (const w of action.writes) ops.push({ op: "journal-end", pairId: ctx.pair.id, uid: action.uid, slot: w.slot });
      finished.push(outcome);
    }
    if (ops.length) await ctx.writer.write(ops);
    for (const outcome of finished) ctx.observer.outcome(outcome);
    done += finished.length;
    if (finished.length) ctx.observer.progress(done, total);
  };

  const tasks: Array<{ slot: Slot; run: () => Promise<void> }> = [];
  // Tags first (cheap and they make later cycles match by UID), then creates, updates, deletes.
  const order: Write["op"][] = ["tag", "create", "update", "delete"];
  for (const [key, list] of [...groups].sort((a, b) => order.indexOf(a[0].split(":")[1] as Write["op"]) - order.indexOf(b[0].split(":")[1] as Write["op"]))) {
    const [slot, op] = key.split(":") as [Slot, Write["op"]];
    for (const batch of chunk(list, ctx.sides[slot].capabilities.maxBatch)) {
      tasks.push({
        slot,
        run: async () => {
          const startedAt = new Date().toISOString();
          await ctx.writer.write(
            batch.map(({ action, write }) => ({
              op: "journal-begin" as const,
              entry: { pairId: ctx.pair.id, uid: action.uid, slot, op, itemId: "id" in write ? write.id : null, startedAt, detail: journalDetail(ctx, action, write) },
            })),
          );
          const answers = await callSide(ctx, slot, op, batch.map((b) => b.write));
          batch.forEach(({ action, write }, i) => {
            const answer = answers[i]!;
            const outcome = outcomes.get(action)!;
            const gone = answer instanceof SideError && answer.code === "not-found" && op === "delete";
            if (answer instanceof SideError && !gone) {
              outcome.errors.push({ slot, id: "id" in write ? write.id : null, error: answer });
              // An item changed or deleted under the write is re-read and planned again.
              const stale = answer.code === "precondition-failed" || (answer.code === "not-found" && (op === "update" || op === "tag"));
              if (outcome.status !== "failed") outcome.status = stale ? "precondition" : "failed";
            } else {
              outcome.results.push({ write, result: answer instanceof SideError ? null : answer });
            }
          });
          await finish(batch);
        },
      });
    }
  }
  // Each side gets its own concurrency budget.
  await Promise.all(
    (["local", "remote"] as const).map((slot) =>
      runPool(
        tasks.filter((t) => t.slot === slot).map((t) => t.run),
        ctx.sides[slot].capabilities.maxConcurrency,
      ),
    ),
  );
  return actions.map((a) => outcomes.get(a)!);
}

/** What the journal keeps of a write before it is made: what it writes, its precondition, and the unwritten slot's record (or the other write). */
function journalDetail(ctx: ExecuteContext, action: Action, write: Write): JournalDetail {
  const other = otherSlot(write.slot);
  const otherWrite = action.writes.find((w) => w.slot === other);
  const next = otherWrite ? null : (action.next?.[other] ?? null);
  return {
    ...journaledWrite(ctx, write),
    writesOther: otherWrite !== undefined,
    ...(otherWrite ? { otherWrite: { op: otherWrite.op, itemId: "id" in otherWrite ? otherWrite.id : null, ...journaledWrite(ctx, otherWrite) } } : {}),
    other: next ? { id: next.id, version: next.version, hash: next.hash, text: next.text, ...(next.unconfirmed ? { unconfirmed: true } : {}) } : null,
  };
}

/** The hash of each write's text, computed once for its journal entry and its record. */
const writtenHashes = new WeakMap<Write, string>();

function writtenHash(ctx: ExecuteContext, write: Exclude<Write, { op: "delete" }>): string {
  let hash = writtenHashes.get(write);
  if (hash === undefined) writtenHashes.set(write, (hash = ctx.hash(write.text)));
  return hash;
}

function journaledWrite(ctx: ExecuteContext, write: Write): Pick<JournaledWrite, "written" | "expectedVersion" | "changed"> {
  let changed: ChangedProperty[] | undefined;
  try {
    // A create changes every property of its text: resume computes that from `written` when it needs it.
    // A tag (the plan's `withUid` of the text it replaces) changes the UID alone, which no property key
    // holds (UID is volatile and component paths do not name it): it changes no property.
    if (write.op === "tag" && write.replaces !== undefined) changed = [];
    else if (write.op !== "create" && write.op !== "delete" && write.replaces !== undefined) changed = changedProperties(write.replaces, write.text);
  } catch {
    changed = undefined; // unreadable text: the side will say so; resume compares with the record
  }
  return {
    written: write.op === "delete" ? null : { text: write.text, hash: writtenHash(ctx, write) },
    expectedVersion: write.op === "create" ? null : write.version,
    ...(changed ? { changed } : {}),
  };
}

/** The record an action stores once its writes succeeded: written slots take what the side answered. */
function fillRecord(ctx: ExecuteContext, action: Action, results: ActionOutcome["results"]): ItemRecord | null {
  if (!action.next) return null;
  const record: ItemRecord = { uid: action.uid, local: action.next.local, remote: action.next.remote };
  for (const { write, result } of results) {
    if (write.op === "delete" || !result) continue;
    const text = result.text ?? write.text;
    const hash = text === write.text ? writtenHash(ctx, write) : ctx.hash(text);
    // A created item, or one still waiting for its slot's feed, is confirmed by that feed later.
    const unconfirmed = unconfirmedAfterWrite(write, action.next);
    const seenAt = action.next?.[write.slot]?.seenAt;
    record[write.slot] = { id: result.id, version: result.version, hash, text, ...(seenAt !== undefined ? { seenAt } : {}), ...(unconfirmed ? { unconfirmed: true } : {}) };
  }
  return record.local || record.remote ? record : null;
}

/**
 * The tag rule: a UID tag is no part of what an action carries, so a tag that meets its item
 * changed or gone (`precondition-failed`, `not-found`) does not undo the action's other writes. When
 * those all succeeded, the action is recorded with each failed tag's slot at the revision listed
 * (its id, version and untagged text): the re-plan, or the next cycle, then sees the deletion or
 * the edit made meanwhile against that base — a deletion against the unchanged copy just made
 * deletes the copy, an edit is carried to it — instead of taking the copy for a new item (which
 * re-created the deleted original) or pairing it without a base (which could lose the edit).
 * `null` (nothing to record) when another write failed or a failed tag says no listed text.
 */
export function recordWithoutFailedTags(ctx: ExecuteContext, action: Action, outcome: ActionOutcome): ItemRecord | null {
  const failedTags: Array<Extract<Write, { op: "tag" }>> = [];
  for (const { slot, error } of outcome.errors) {
    const tag = action.writes.find((w): w is Extract<Write, { op: "tag" }> => w.op === "tag" && w.slot === slot);
    if (!tag || tag.replaces === undefined || (error.code !== "precondition-failed" && error.code !== "not-found")) return null;
    failedTags.push(tag);
  }
  if (failedTags.length === 0) return null;
  const record = fillRecord(ctx, action, outcome.results);
  if (!record) return null;
  for (const tag of failedTags) {
    const planned = action.next?.[tag.slot];
    record[tag.slot] = {
      id: tag.id,
      version: tag.version,
      hash: ctx.hash(tag.replaces!),
      text: tag.replaces!,
      ...(planned?.seenAt !== undefined ? { seenAt: planned.seenAt } : {}),
      ...(planned?.unconfirmed ? { unconfirmed: true } : {}),
    };
  }
  return record;
}

function recordOp(pairId: string, action: Action, record: ItemRecord | null): StateOp {
  return record ? { op: "put-item", pairId, item: record } : { op: "delete-item", pairId, uid: action.uid };
}
