/**
 * The fuzz convention shared by the repository's tests, for the mappers' tests (test support only:
 * nothing in the package imports it). `EWSDAV_FUZZ` set = fuzz mode (more runs, a time budget per
 * test from `EWSDAV_FUZZ_SECONDS`, the seed from `EWSDAV_FUZZ_SEED`); with `EWSDAV_FUZZ_REPORT`
 * naming a file, a fuzz test appends one JSON line saying what it tried and what it found. The seed
 * itself is set for every property by the suite's fast-check setup file.
 */
import { appendFileSync } from "node:fs";
import fc from "fast-check";

/** True in fuzz mode. */
export const FUZZ_MODE = (process.env.EWSDAV_FUZZ ?? "") !== "" && process.env.EWSDAV_FUZZ !== "0";

/** `numRuns` for a property with `suiteRuns` runs in the suite (20 times more in fuzz mode). */
export function fuzzRuns(suiteRuns: number): number {
  return FUZZ_MODE ? suiteRuns * 20 : suiteRuns;
}

/** The time budget (ms) of one fuzz test in fuzz mode (`EWSDAV_FUZZ_SECONDS`, default 60 s). */
export function fuzzBudgetMs(): number {
  const seconds = Number(process.env.EWSDAV_FUZZ_SECONDS ?? 60);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : 60) * 1000;
}

/** The seed fast-check runs from (the suite's fixed seed, or the fuzz seed). */
export function fuzzSeed(): number {
  return fc.readConfigureGlobal().seed ?? 0;
}

/** One line of the fuzz report. */
export interface FuzzReportLine {
  /** The test. */
  name: string;
  /** The seed it ran from. */
  seed: number;
  /** How much it tried (runs, inputs …). */
  tried: Record<string, number>;
  /** Each finding in one line. */
  found: string[];
}

/** Appends the report line of a fuzz test to `EWSDAV_FUZZ_REPORT`, in fuzz mode and when it is set. */
export function reportFuzz(line: FuzzReportLine): void {
  const file = process.env.EWSDAV_FUZZ_REPORT;
  if (!FUZZ_MODE || !file) return;
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}
