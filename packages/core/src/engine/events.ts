/**
 * Observability: the logger interface and the typed events the engine emits. Neither ever carries
 * item content or credentials: only pair ids, item ids, UIDs, counts and error codes.
 *
 * @module
 */
import type { ActionKind } from "./plan.js";
import type { PairReport } from "./report.js";
import type { WatchState } from "./side.js";
import type { Slot } from "./state.js";
import type { WatchTrigger } from "./watch.js";

/** Structured fields of a log line: ids, UIDs, counts, codes. Never content, never secrets. */
export type LogFields = Record<string, string | number | boolean | null>;

/** Where the engine writes what it does. Every method is optional to implement via {@link silentLogger}. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything (the default). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

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
