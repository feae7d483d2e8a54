/**
 * Vitest setup file (every project): makes every fast-check property in the suite deterministic.
 *
 * - In the suite, every property runs from {@link SUITE_SEED}, so a green suite stays green and a
 *   red one is red for everyone. A counterexample a property finds is kept as an explicit example
 *   beside the property (the property's seed can change when the suite changes; the example not).
 * - In fuzz mode (`EWSDAV_FUZZ` set, as `npm run fuzz` does), properties run from
 *   `EWSDAV_FUZZ_SEED` (or a seed picked now and printed), with {@link propertyRuns} giving more runs.
 *
 * Nothing else in a property test may be random: no `Math.random`, no data from `Date.now()`.
 */
import fc from "fast-check";

/** The seed every property of the suite runs from. */
export const SUITE_SEED = 20_261_205;

/** True in fuzz mode (`EWSDAV_FUZZ` set to anything but an empty string or `0`). */
export const FUZZ_MODE = (process.env.EWSDAV_FUZZ ?? "") !== "" && process.env.EWSDAV_FUZZ !== "0";

/** How many times more runs a property makes in fuzz mode. */
export const FUZZ_RUNS_FACTOR = 20;

function fuzzSeed(): number {
  const given = process.env.EWSDAV_FUZZ_SEED;
  if (given !== undefined && given.trim() !== "") {
    const seed = Number(given);
    if (!Number.isSafeInteger(seed)) throw new Error(`EWSDAV_FUZZ_SEED must be an integer, not ${JSON.stringify(given)}`);
    return seed | 0;
  }
  // (vitest.config.ts picks one seed per run; this is for a property run some other way.)
  // Fuzz mode without a seed: one from the clock, printed so a finding can be replayed.
  const seed = (Date.now() ^ (process.pid << 16)) | 0;
  process.env.EWSDAV_FUZZ_SEED = String(seed);
  console.log(`fast-check: fuzz mode, EWSDAV_FUZZ_SEED=${seed}`);
  return seed;
}

/** The seed properties run from: {@link SUITE_SEED} in the suite, the fuzz seed in fuzz mode. */
export const PROPERTY_SEED = FUZZ_MODE ? fuzzSeed() : SUITE_SEED;

/** `numRuns` for a property that makes `suiteRuns` runs in the suite: more in fuzz mode. */
export function propertyRuns(suiteRuns: number): number {
  return FUZZ_MODE ? suiteRuns * FUZZ_RUNS_FACTOR : suiteRuns;
}

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: PROPERTY_SEED, ...(FUZZ_MODE ? { numRuns: propertyRuns(100) } : {}) });
