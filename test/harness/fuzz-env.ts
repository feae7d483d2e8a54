/**
 * Test harness: the fuzz convention every longer/random test follows, so that `npm run fuzz`
 * (scripts/fuzz.ts) can drive them all.
 *
 * - `EWSDAV_FUZZ` set to anything but an empty string or `0`: fuzz mode. Unset: the short seeded version of the suite.
 * - `EWSDAV_FUZZ_SEED`: the integer seed (fuzz mode without it picks a random one and says so).
 * - `EWSDAV_FUZZ_SECONDS`: the time budget of the test in fuzz mode.
 * - `EWSDAV_FUZZ_REPORT`: a file to which the test appends one JSON line per run:
 *   `{"name", "seed", "tried": {"runs"?, "kills"?, "inputs"?, …}, "found": [one line each]}`.
 */
import { appendFileSync } from "node:fs";

/** The fuzz settings of one test. */
export interface FuzzSettings {
  /** Fuzz mode (EWSDAV_FUZZ set). */
  readonly fuzz: boolean;
  /** The seed: the test's fixed seed in the suite, EWSDAV_FUZZ_SEED (or a random one) in fuzz mode. */
  readonly seed: number;
  /** The time budget in fuzz mode, in seconds (EWSDAV_FUZZ_SECONDS, default 60); 0 in the suite. */
  readonly seconds: number;
  /** Where the report line goes (EWSDAV_FUZZ_REPORT), in fuzz mode only. */
  readonly report: string | undefined;
}

/** What one fuzz test tried and found, as appended to the report file. */
export interface FuzzReportLine {
  name: string;
  seed: number;
  tried: { runs?: number; kills?: number; inputs?: number; [what: string]: number | undefined };
  /** Failures or counterexamples, one line each (the test fails on them too). */
  found: string[];
}

/** Reads the fuzz settings from `env` (default `process.env`); `suiteSeed` is the fixed seed of the suite. */
export function fuzzSettings(suiteSeed: number, env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  const fuzz = (env.EWSDAV_FUZZ ?? "") !== "" && env.EWSDAV_FUZZ !== "0";
  if (!fuzz) return { fuzz, seed: suiteSeed, seconds: 0, report: undefined };
  const given = env.EWSDAV_FUZZ_SEED;
  const seed = given !== undefined && given !== "" ? Number.parseInt(given, 10) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`EWSDAV_FUZZ_SEED must be an integer, got "${given}"`);
  const seconds = env.EWSDAV_FUZZ_SECONDS ? Number(env.EWSDAV_FUZZ_SECONDS) : 60;
  if (!(seconds >= 0)) throw new Error(`EWSDAV_FUZZ_SECONDS must be a number of seconds, got "${env.EWSDAV_FUZZ_SECONDS}"`);
  return { fuzz, seed, seconds, report: env.EWSDAV_FUZZ_REPORT || undefined };
}

/** Appends the report line when fuzz mode names a report file; otherwise does nothing. */
export function appendFuzzReport(settings: FuzzSettings, line: FuzzReportLine): void {
  if (!settings.fuzz || !settings.report) return;
  appendFileSync(settings.report, `${JSON.stringify(line)}\n`);
}

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
