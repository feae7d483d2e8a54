/**
 * Observability: the typed events the engine emits (the logger is in `log.ts`, re-exported here).
 * An event never carries item content or credentials: only pair ids, item ids, UIDs, counts and
 * error codes.
 *
 * @module
 */
import type { ActionKind } from "./plan.js";
import type { PairReport } from "./report.js";
import type { WatchState } from "./side.js";
import type { Slot } from "./state.js";

export { silentLogger, type LogFields, type Logger } from "./log.js";

/** Why a watch cycle ran. */
export type WatchTrigger =
  | "start" // the first cycle of the pair: catch up from the stored cursors
  | "notification" // a side announced changes
  | "poll" // a side without push had its change feed polled
  | "gap" // a push channel (re)connected or reported that events may have been missed
  | "periodic" // the full cycle every `fullCycleIntervalMs`
  | "retry"; // after a failed cycle, or items that failed and stay pending

/** The phases of one pair's cycle, in order. */
export type CyclePhase = "reading" | "planning" | "writing" | "done";

/** Progress of one pair: `done` of `total` units of the current phase. */
export interface ProgressEvent {
  pairId: string;
  phase: CyclePhase;
  total: number;
  done: number;
}

/** The outcome of one planned action. */
export interface ItemOutcomeEvent {
  pairId: string;
  uid: string;
  kind: ActionKind;
  outcome: "done" | "failed" | "retried";
  /** Ids per slot the action touched, when known. */
  ids: Partial<Record<Slot, string>>;
  error?: { code: string; message: string };
}

/** A cycle of active mode ended (`SyncEngine.watch`). */
export interface WatchCycleEvent {
  pairId: string;
  /** Why it ran (a cycle that merged several requests has several). */
  triggers: WatchTrigger[];
  report: PairReport;
  /** The cycle failed (the pair stopped, or items failed): it is tried again in this many ms. */
  retryInMs: number | null;
}

/** The change detection of one side changed state in active mode. */
export interface WatchStatusEvent {
  side: string;
  state: WatchState | "stopped";
  /** Why, when it is not live (an error message; never a secret). */
  detail?: string;
}

/** Every event the engine emits, by name. */
export interface EngineEvents {
  "pair-start": { pairId: string };
  progress: ProgressEvent;
  item: ItemOutcomeEvent;
  "pair-end": { pairId: string; report: PairReport };
  "watch-cycle": WatchCycleEvent;
  "watch-status": WatchStatusEvent;
}

/** A minimal typed event emitter. */
export class TypedEmitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  /** Calls every listener of `name`; a listener that throws does not stop the others or the engine. */
  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    for (const listener of this.#listeners.get(name) ?? []) {
      try {
        (listener as (p: Events[K]) => void)(payload);
      } catch {
        // A faulty listener must not break a sync cycle.
      }
    }
  }
}
