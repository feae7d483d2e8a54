/**
 * Errors the engine raises for a whole pair or a whole call (per-item failures are
 * {@link SideError}s recorded in the report).
 *
 * @module
 */

/** Codes of {@link EngineError}. */
export type EngineErrorCode =
  | "mass-delete" // a cycle would delete more than the threshold; override: `allowMassDelete`
  | "empty-side" // a side lists nothing while the state knows items on it; override: `allowEmptySide`
  | "unknown-side"
  | "unknown-pair"
  | "unknown-collection"
  | "kind-mismatch"
  | "already-linked"
  | "cannot-create-collection"
  | "feed-failed" // a side's change feed could not be read
  | "invalid-option" // an option out of range (e.g. a watch interval)
  | "aborted" // the caller aborted the cycle (e.g. stopping a watch with abortInFlight)
  | "pair-busy" // another process or host held the pair's lease for longer than `lease.waitMs`; nothing was read or written
  | "lease-lost"; // the cycle's lease was taken over (it was paused past its TTL); it stopped before any further write

/** An error that stops one pair's cycle (or a link/unlink call) before anything is written. */
export class EngineError extends Error {
  override readonly name = "EngineError";
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    /** The pair concerned, when there is one. */
    readonly pairId: string | null = null,
  ) {
    super(pairId ? `pair ${pairId}: ${message}` : message);
  }
}
