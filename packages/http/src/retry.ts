/**
 * Retry timing, written once: `Retry-After` parsing, capped exponential backoff with jitter, and an
 * abortable sleep. Which failures are retried stays with each client (DAV retry classes, EWS
 * ErrorServerBusy and idempotency); only the arithmetic and the waiting live here.
 * @module
 */

/** Backoff settings: the first delay, doubled per attempt, and the cap. */
export interface BackoffOptions {
  /** Delay before the first retry in ms, doubled per retry. */
  readonly baseDelayMs: number;
  /** Cap of the computed delay in ms. */
  readonly maxDelayMs: number;
}

/** Parses `Retry-After` (delay in seconds, or an HTTP date) into milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The capped exponential delay before retry `attempt` (1-based), without jitter: `min(max, base · 2^(attempt-1))`. */
export function exponentialDelay(attempt: number, options: BackoffOptions): number {
  return Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(52, attempt - 1));
}

/**
 * The delay before retry `attempt` (1-based) with "equal jitter": a whole number of ms in the upper
 * half of {@link exponentialDelay}, `random` choosing where (a value in [0, 1), default `Math.random`).
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = exponentialDelay(attempt, options);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Waits `ms`, rejecting with `abortError()` (called with the signal's reason) as soon as `signal`
 * aborts, or at once when it already has.
 */
export function sleep(ms: number, signal: AbortSignal | undefined, abortError: (reason: unknown) => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal.reason));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal?.reason));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A request's signal with its deadline: `signal` aborts on the caller's abort or at the deadline; `timedOut` tells which. */
export interface DeadlineSignal {
  /** Aborts when the caller aborts or `timeoutMs` passes. */
  readonly signal: AbortSignal;
  /** True once the deadline (not the caller) aborted it. */
  timedOut(): boolean;
}

/** Combines the caller's `signal` (optional) with a deadline of `timeoutMs` covering a whole request, headers and body. */
export function withDeadline(timeoutMs: number, signal?: AbortSignal): DeadlineSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, timedOut: () => timeout.aborted };
}
