/**
 * The suite's fast-check setup: every property runs from the fixed seed (so a green suite is a
 * deterministic suite), and fuzz mode takes its seed from `EWSDAV_FUZZ_SEED`.
 */
import { execFile } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FUZZ_MODE, PROPERTY_SEED, propertyRuns, SUITE_SEED } from "./fast-check-setup.js";

const run = promisify(execFile);

describe("fast-check in the suite", () => {
  it("runs every property from the suite's fixed seed (under npm run fuzz: from EWSDAV_FUZZ_SEED)", () => {
    if (FUZZ_MODE) {
      // npm run fuzz runs this file too (it reads EWSDAV_FUZZ): there the seed is the run's.
      expect(fc.readConfigureGlobal().seed).toBe(PROPERTY_SEED);
      expect(propertyRuns(50)).toBeGreaterThan(50);
      return;
    }
    expect(fc.readConfigureGlobal().seed).toBe(SUITE_SEED);
    // The same generator gives the same values every time, on every machine.
    const values = () => fc.sample(fc.record({ text: fc.string(), n: fc.integer() }), 20);
    expect(values()).toEqual(values());
    expect(propertyRuns(50)).toBe(50);
  });

  it("in fuzz mode, runs from EWSDAV_FUZZ_SEED with more runs", async () => {
    // A probe beside the setup file, so that both resolve the same fast-check.
    const script = join(import.meta.dirname, `.probe-${process.pid}.mts`);
    writeFileSync(script, [
      'import { PROPERTY_SEED, propertyRuns } from "./fast-check-setup.ts";',
      'import fc from "fast-check";',
      "console.log(JSON.stringify({ seed: PROPERTY_SEED, global: fc.readConfigureGlobal().seed, runs: propertyRuns(50) }));",
    ].join("\n"));
    const { stdout } = await run("npx", ["tsx", script], { cwd: join(import.meta.dirname, "../.."), env: { ...process.env, EWSDAV_FUZZ: "1", EWSDAV_FUZZ_SEED: "4242" }, timeout: 60_000 }).finally(() => rmSync(script, { force: true }));
    expect(JSON.parse(stdout.trim().split("\n").pop()!)).toEqual({ seed: 4242, global: 4242, runs: 1000 });
  });
});
