/**
 * What one cycle is asked to do: its scope (per slot, the change feed or only named items), its
 * per-run switches and the thresholds of its safety checks. The cycle, the watch and the engine
 * share these types; they live here so none of the three imports another for them.
 *
 * @module
 */
import type { NoticeItem } from "./side.js";
import type { Slot } from "./state.js";

/** Thresholds of the safety checks (defaults in `defaults.ts`). */
export interface SafetyOptions {
  /** A cycle may delete at most this share of a side's known items… (default 0.2) */
  massDeleteRatio: number;
  /** …unless it deletes no more than this many (default 10). */
  massDeleteMinimum: number;
  /**
   * A change feed that reports every item the state knows on a side deleted, and adds none, stops
   * the pair (`empty-side`) when the side held at least this many (default 3; a full listing with
   * nothing in it stops it whenever the state knows any item there).
   */
  emptiedMinimum: number;
}

/** Per-run switches. */
export interface CycleOptions {
  /** Plan only: nothing is written, the plan is in the report. */
  dryRun?: boolean;
  /** Override of the mass-deletion guard (error code `mass-delete`). */
  allowMassDelete?: boolean;
  /** Override of the empty-side guard (error code `empty-side`). */
  allowEmptySide?: boolean;
  signal?: AbortSignal;
}

/**
 * What one cycle reads on a slot: its change feed (from the stored cursor, which then moves), or
 * only the items named — a notification's, or a host's — with the cursor left where it is.
 */
export type SlotScope = { feed: true } | { items: readonly NoticeItem[] };

/** What one cycle reads on each slot. */
export type CycleScope = Record<Slot, SlotScope>;

/** Both change feeds: the cycle of `runOnce()`. */
export const FULL_SCOPE: CycleScope = { local: { feed: true }, remote: { feed: true } };
