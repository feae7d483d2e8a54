/**
 * How `ewsdav doctor` prints its findings as text: a heading per account (or the state file), a
 * line per check with its mark — ✓ ! ✗ – on a terminal, plain words otherwise — and, under every
 * check that is not ok, what to do about it.
 */
import type { CheckGroup, DoctorReport } from "./doctor.js";
import type { Verdict } from "./check.js";

const MARKS: Record<Verdict, string> = { ok: "✓", warning: "!", failed: "✗", skipped: "–" };
const WORDS: Record<Verdict, string> = { ok: "ok", warning: "warning", failed: "FAILED", skipped: "skipped" };

/** The text lines of one group; `terminal` picks marks over words. */
export function groupLines(group: CheckGroup, terminal: boolean): string[] {
  const heading = group.account === null ? `state file ${group.target}` : `${group.account} (${group.type}, ${group.target})`;
  const lines = [heading];
  for (const note of group.notes) lines.push(`  note: ${note}`);
  const width = terminal ? 1 : Math.max(...Object.values(WORDS).map((w) => w.length));
  for (const check of group.checks) {
    const mark = terminal ? MARKS[check.verdict] : WORDS[check.verdict].padEnd(width);
    // A skipped check's advice is always "fix the one it needs first": on the same line.
    lines.push(`  ${mark} ${check.title}: ${check.summary}${check.verdict === "skipped" && check.advice ? `; ${check.advice}` : ""}`);
    if ((check.verdict === "warning" || check.verdict === "failed") && check.advice) lines.push(`  ${" ".repeat(width)}   → ${check.advice}`);
  }
  return lines;
}

/** The closing line: counts and what the exit code means. */
export function summaryLine(report: DoctorReport): string {
  const { ok, warning, failed, skipped } = report.counts;
  const total = ok + warning + failed + skipped;
  const parts = [`${ok} ok`, `${warning} warning${warning === 1 ? "" : "s"}`, `${failed} failed`, `${skipped} skipped`];
  return `${total} checks: ${parts.join(", ")}${failed > 0 ? ` (exit code ${report.exitCode})` : ""}`;
}
