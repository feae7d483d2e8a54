/**
 * The vocabulary of `ewsdav doctor`: a check's verdict and result, how a failure is classed
 * (authentication, connection, config, other) and what exit code the worst failure gives, and
 * {@link runStep}, which bounds each check by a timeout so that a host that never answers stalls
 * nothing.
 */
import { exitCodeOf } from "../cli/failure.js";
import { EXIT, type ExitCode } from "../exit-codes.js";

/** How a check came out. `skipped`: not run, because a check it needs failed (or was not run itself). */
export type Verdict = "ok" | "warning" | "failed" | "skipped";

/** What kind of trouble a failed check is; it decides the exit code. */
export type FailureCategory = "auth" | "connection" | "config" | "other";

/** The ids of the checks, in the order they run. */
export type CheckId =
  | "dns"
  | "tls"
  | "clock"
  | "sign-in"
  | "ews-version"
  | "folders"
  | "notifications"
  | "collections"
  | "collection-reads"
  | "sync-collection"
  | "local-folder"
  | "state-file"
  | "state-schema"
  | "state-pairs";

/** The outcome of one check. */
export interface CheckResult {
  /** The account checked, or `null` for the checks of the state file. */
  account: string | null;
  id: CheckId;
  /** A short name for people (`DNS`, `Sign-in`). */
  title: string;
  verdict: Verdict;
  /** What was found, in one line. */
  summary: string;
  /** For every verdict but `ok`: what to do about it, one concrete sentence. */
  advice?: string;
  /** For `failed`: what kind of trouble it is. */
  category?: FailureCategory;
  /** Facts found on the way (addresses, certificate dates, versions), for `--json`. */
  details?: Record<string, unknown>;
}

/** What a check returns before the runner names its account. */
export type CheckOutcome = Omit<CheckResult, "account" | "id" | "title">;

/** An `ok` outcome. */
export function ok(summary: string, details?: Record<string, unknown>): CheckOutcome {
  return { verdict: "ok", summary, ...(details ? { details } : {}) };
}

/** A `warning` outcome with its advice. */
export function warning(summary: string, advice: string, details?: Record<string, unknown>): CheckOutcome {
  return { verdict: "warning", summary, advice, ...(details ? { details } : {}) };
}

/** A `failed` outcome with its advice and category. */
export function failed(category: FailureCategory, summary: string, advice: string, details?: Record<string, unknown>): CheckOutcome {
  return { verdict: "failed", category, summary, advice, ...(details ? { details } : {}) };
}

/** A `skipped` outcome; `advice` says what would make it run. */
export function skipped(summary: string, advice: string): CheckOutcome {
  return { verdict: "skipped", summary, advice };
}

/** The category of an error a client threw (by the CLI's own mapping of error codes to exit codes). */
export function categoryOf(error: unknown): FailureCategory {
  if (error instanceof StepTimeoutError) return "connection";
  const code = exitCodeOf(error);
  return code === EXIT.auth ? "auth" : code === EXIT.connection ? "connection" : code === EXIT.usage ? "config" : "other";
}

const EXIT_OF: Record<FailureCategory, ExitCode> = { config: EXIT.usage, auth: EXIT.auth, connection: EXIT.connection, other: EXIT.itemsFailed };
/** The most serious first, as in `exit-codes.ts`. */
const SEVERITY: readonly FailureCategory[] = ["config", "auth", "connection", "other"];

/**
 * The exit code of a doctor run: 0 when every check is ok, a warning or skipped; else the code of
 * the most serious category among the failed checks (config 2, auth 3, connection 4, other 1).
 */
export function exitCodeOfChecks(results: readonly CheckResult[]): ExitCode {
  const categories = new Set(results.filter((r) => r.verdict === "failed").map((r) => r.category ?? "other"));
  const worst = SEVERITY.find((c) => categories.has(c));
  return worst ? EXIT_OF[worst] : EXIT.ok;
}

/** A check that did not finish within its time. */
export class StepTimeoutError extends Error {
  override readonly name = "StepTimeoutError";
  readonly code = "TIMEOUT";
  constructor(readonly what: string, readonly timeoutMs: number) {
    super(`${what} did not finish within ${formatSeconds(timeoutMs)}`);
  }
}

/** `1 s`, `2.5 s`; under a second in ms. */
export function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

/**
 * Runs `task` with a signal that aborts after `timeoutMs` or when `parent` aborts, and gives up
 * waiting at that moment even if the task ignores its signal (a DNS lookup cannot be aborted).
 * @throws StepTimeoutError when the time ran out; the parent's reason when it aborted.
 */
export async function runStep<T>(what: string, timeoutMs: number, parent: AbortSignal, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (parent.aborted) throw parent.reason;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new StepTimeoutError(what, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    onAbort = () => {
      controller.abort(parent.reason);
      reject(parent.reason);
    };
    parent.addEventListener("abort", onAbort, { once: true });
  });
  const running = task(controller.signal);
  // A task that fails after the race was lost must not become an unhandled rejection.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, stop]);
  } catch (error) {
    // The task may reject with its own abort error first: the timeout is the cause then.
    if (controller.signal.reason instanceof StepTimeoutError) throw controller.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    if (onAbort) parent.removeEventListener("abort", onAbort);
  }
}

/** One check of an account as the runner sees it: what it needs first, and how to run it. */
export interface Step {
  id: CheckId;
  title: string;
  /** Checks that must have come out ok or with a warning first; otherwise this one is skipped. */
  after: readonly CheckId[];
  /** Runs the check; `signal` aborts at its timeout. A thrown error becomes a failed verdict. */
  run(signal: AbortSignal): Promise<CheckOutcome>;
}

/** An account's steps and what to close when they are done. */
export interface StepPlan {
  steps: Step[];
  close(): Promise<void>;
}
