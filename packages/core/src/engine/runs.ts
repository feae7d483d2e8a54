/**
 * Run records: what the engine keeps of every cycle of a pair in the state store
 * ({@link RunRecord}, {@link StateStore.recordRun}) for `ewsdav status` and other hosts — built from
 * the cycle's {@link PairReport}, bounded, and recorded without ever failing the cycle.
 *
 * @module
 */
import type { Logger } from "./log.js";
import type { Action } from "./plan.js";
import type { PairReport, SideReport } from "./report.js";
import { RUN_DETAIL_LIMIT, SLOTS, type RunCounts, type RunDropped, type RunRecord, type RunTrigger, type Slot, type StateStore } from "./state.js";

/** What a run record says besides its report: when, why, and whether it was a dry run. */
export interface RunMeta {
  trigger: RunTrigger;
  startedAt: string;
  finishedAt: string;
  /** The caller asked for a dry run (a safety stop also sets `report.dryRun`; that is not one). */
  dryRun: boolean;
}

function counts(side: SideReport): RunCounts {
  return { created: side.created.length, updated: side.updated.length, deleted: side.deleted.length, tagged: side.tagged.length };
}

/** What a dry run's plan would have written per slot. */
function plannedCounts(plan: readonly Action[]): Record<Slot, RunCounts> {
  const zero = (): RunCounts => ({ created: 0, updated: 0, deleted: 0, tagged: 0 });
  const out: Record<Slot, RunCounts> = { local: zero(), remote: zero() };
  const field = { create: "created", update: "updated", delete: "deleted", tag: "tagged" } as const;
  for (const action of plan) for (const write of action.writes) out[write.slot][field[write.op]]++;
  return out;
}

/** The run record of a cycle's report: counts, outcome, and at most {@link RUN_DETAIL_LIMIT} errors and dropped properties. */
export function runRecordOf(report: PairReport, meta: RunMeta): RunRecord {
  const cause = (report.error as { cause?: unknown } | null)?.cause;
  const stop = report.error ? { code: report.error.code, message: report.error.message, ...(typeof cause === "string" ? { cause } : {}) } : null;
  const dropped: RunDropped[] = SLOTS.flatMap((slot) => report[slot].dropped.map((d) => ({ slot, uid: d.uid, id: d.id, property: d.property, reason: d.reason, on: d.on })));
  const codes = new Set<string>();
  if (stop) codes.add(stop.code);
  if (stop?.cause) codes.add(stop.cause);
  for (const e of report.errors) codes.add(e.code);
  return {
    pairId: report.pairId,
    startedAt: meta.startedAt,
    finishedAt: meta.finishedAt,
    trigger: meta.trigger,
    dryRun: meta.dryRun,
    outcome: stop ? "stopped" : report.errors.length > 0 ? "items-failed" : "ok",
    stop,
    counts: meta.dryRun && report.plan && !stop ? plannedCounts(report.plan) : { local: counts(report.local), remote: counts(report.remote) },
    merged: report.merged.length,
    paired: report.paired.length,
    conflicts: report.conflicts.length,
    errors: report.errors.slice(0, RUN_DETAIL_LIMIT).map((e) => ({ code: e.code, slot: e.slot, uid: e.uid, id: e.id, message: e.message })),
    errorCount: report.errors.length,
    dropped: dropped.slice(0, RUN_DETAIL_LIMIT),
    droppedCount: dropped.length,
    codes: [...codes],
  };
}

/**
 * Records the run of a cycle; a failure to record it (the store is closed, the pair was unlinked
 * meanwhile, the disk is full) is logged and swallowed: the cycle's outcome stands.
 */
export async function recordRun(store: StateStore, logger: Logger, report: PairReport, meta: RunMeta): Promise<void> {
  try {
    await store.recordRun(runRecordOf(report, meta));
  } catch (error) {
    logger.warn("run not recorded", { pair: report.pairId, error: error instanceof Error ? error.message : String(error) });
  }
}
