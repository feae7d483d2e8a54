/** The exit code of a sync report (see `exit-codes.ts` for the order of seriousness). */
import type { PairReport, SyncReport } from "@ewsdav/core";
import { exitCodeOfCode } from "./cli/failure.js";
import { EXIT, type ExitCode } from "./exit-codes.js";

/**
 * The exit code of one pair's report: a safety stop 5, pair-busy 6; a pair stopped by a side's
 * error by that error's cause (refused credentials 3, a server not reached 4); any other stop or a
 * failed item 1; else 0.
 */
export function exitCodeOfPair(report: PairReport): ExitCode {
  const stop = report.error;
  if (stop) return exitCodeOfCode(stop.code) ?? (stop.cause ? exitCodeOfCode(stop.cause) : undefined) ?? EXIT.itemsFailed;
  return report.errors.length > 0 ? EXIT.itemsFailed : EXIT.ok;
}

/** The most serious of several exit codes (usage, auth, connection, safety stop, pair busy, items failed, ok). */
export function mostSerious(codes: readonly ExitCode[]): ExitCode {
  const order: ExitCode[] = [EXIT.usage, EXIT.auth, EXIT.connection, EXIT.safetyStop, EXIT.pairBusy, EXIT.itemsFailed];
  return order.find((code) => codes.includes(code)) ?? EXIT.ok;
}

/** The exit code for a report: the most serious of its pairs'. */
export function exitCodeOfReport(report: SyncReport): ExitCode {
  return mostSerious(report.pairs.map(exitCodeOfPair));
}
