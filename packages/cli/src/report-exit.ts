/** The exit code of a sync report (see `exit-codes.ts` for the order of seriousness). */
import type { SyncReport } from "@ewsdav/core";
import { EXIT, type ExitCode } from "./exit-codes.js";

/** The exit code for a report: the most serious of its pairs'. */
export function exitCodeOfReport(report: SyncReport): ExitCode {
  const codes = report.pairs.map((p): ExitCode => {
    if (p.error?.code === "mass-delete" || p.error?.code === "empty-side") return EXIT.safetyStop;
    if (p.error?.code === "pair-busy") return EXIT.pairBusy;
    if (p.error || p.errors.length > 0) return EXIT.itemsFailed;
    return EXIT.ok;
  });
  const order: ExitCode[] = [EXIT.usage, EXIT.auth, EXIT.connection, EXIT.safetyStop, EXIT.pairBusy, EXIT.itemsFailed];
  return order.find((code) => codes.includes(code)) ?? EXIT.ok;
}
