/**
 * What a cycle shows of itself while it runs: its report (folded by `report.ts`), the `item` and
 * `progress` events, the log, and the ids left pending for the next cycle (items that failed).
 * The executor reports each action's outcome here as it finishes.
 *
 * @module
 */
import type { CyclePhase, EngineEvents, TypedEmitter } from "./events.js";
import type { Logger } from "./log.js";
import { actionIds, type ActionOutcome, type ExecuteObserver } from "./execute.js";
import type { Action } from "./plan.js";
import { emptyPairReport, foldDone, foldWrites, outcomeIds, type PairReport } from "./report.js";
import { SLOTS, type Slot } from "./state.js";

/** One cycle's report, events and pending ids. */
export class CycleRecorder {
  /** The cycle's report. */
  readonly report: PairReport;
  /** Ids per slot to read again next cycle (they failed, or stayed stale). */
  readonly pending: Record<Slot, Set<string>> = { local: new Set(), remote: new Set() };

  constructor(
    readonly pairId: string,
    readonly events: TypedEmitter<EngineEvents>,
    readonly logger: Logger,
  ) {
    this.report = emptyPairReport(pairId);
  }

  /** Emits a `progress` event. */
  progress(phase: CyclePhase, done: number, total: number): void {
    this.events.emit("progress", { pairId: this.pairId, phase, done, total });
  }

  /** An item failed: reported, logged, and its id kept pending. */
  fail(slot: Slot | null, id: string | null, uid: string | null, code: string, message: string): void {
    if (slot && id) this.pending[slot].add(id);
    this.report.errors.push({ uid, slot, id, code, message });
    this.logger.warn("item failed", { pair: this.pairId, slot, id, uid, code });
  }

  /** Keeps the ids an action concerns pending. */
  keepPending(action: Action, outcome?: ActionOutcome): void {
    const ids = actionIds(action, outcome);
    for (const slot of SLOTS) for (const id of ids[slot]) this.pending[slot].add(id);
  }

  /**
   * Folds an action's outcome into the report and the events. `willRetry`: a stale action is planned
   * again in this cycle (reported `retried`), else it fails and its ids stay pending.
   */
  record(outcome: ActionOutcome, willRetry: boolean): void {
    const { action } = outcome;
    foldWrites(this.report, outcome);
    const ids = outcomeIds(outcome);
    const event = { pairId: this.pairId, uid: action.uid, kind: action.kind, ids };
    if (outcome.status === "precondition" && willRetry) {
      this.events.emit("item", { ...event, outcome: "retried" });
      return;
    }
    if (outcome.status !== "done") {
      this.keepPending(action, outcome);
      for (const e of outcome.errors) this.fail(e.slot, e.id, action.uid, e.error.code, e.error.message);
      const first = outcome.errors[0]?.error;
      this.events.emit("item", { ...event, outcome: "failed", ...(first ? { error: { code: first.code, message: first.message } } : {}) });
      return;
    }
    foldDone(this.report, action);
    this.events.emit("item", { ...event, outcome: "done" });
  }

  /** The observer of one execution round: outcomes recorded as they finish, progress as `writing` from `base` of `total`. */
  round(willRetry: boolean, base: number, total: number): ExecuteObserver {
    return {
      outcome: (o) => this.record(o, willRetry),
      progress: (done) => this.progress("writing", Math.min(total, base + done), total),
    };
  }

  /**
   * The observer of the completion of interrupted side effects: one that finished is recorded; one
   * that fails is not reported, the plan does the action again from the previous record.
   */
  completion(): ExecuteObserver {
    return {
      outcome: (o) => {
        if (o.status === "done") this.record(o, false);
        else this.logger.info("interrupted side effect not completed; planned again", { pair: this.pairId, uid: o.action.uid, code: o.errors[0]?.error.code ?? null });
      },
      progress: () => undefined,
    };
  }
}
