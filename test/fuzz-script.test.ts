/**
 * `npm run fuzz` (scripts/fuzz.ts), piece by piece: which test files it finds, how it shares the
 * time, the seeds it hands out, how it reads the report lines and what it prints at the end.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { findFuzzTests, formatSummary, nextBudgetSeconds, parseReport, readsFuzzEnvironment, seedSequence, summarise, type FuzzRun } from "../scripts/fuzz.js";

const VAR = ["EWSDAV", "FUZZ"].join("_");

describe("npm run fuzz", () => {
  it("finds the test files that read the fuzz variables or use the fuzz harness, in the searched folders only", () => {
    const root = mkdtempSync(join(tmpdir(), "ewsdav-fuzz-tree-"));
    const put = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    put("packages/mappers/src/a.test.ts", `if (process.env.${VAR}) {}`);
    put("packages/core/test/b.test.ts", `const seed = process.env.${VAR}_SEED;`);
    put("packages/core/test/plain.test.ts", "it('x', () => {});");
    put("packages/core/src/helper.ts", `process.env.${VAR}`);
    put("test/integration/c.test.ts", 'import { fuzzSettings } from "../harness/fuzz-env.js";');
    put("packages/cli/test/d.test.ts", `process.env.${VAR}_SECONDS`);
    put("test/node_modules/e.test.ts", `process.env.${VAR}`);
    put("bench/f.test.ts", `process.env.${VAR}`);
    expect(findFuzzTests(root)).toEqual(["packages/cli/test/d.test.ts", "packages/core/test/b.test.ts", "packages/mappers/src/a.test.ts", "test/integration/c.test.ts"]);
  });

  it("finds the kill sweeps in this repository, and not its own test", () => {
    const found = findFuzzTests();
    expect(found).toEqual(expect.arrayContaining(["test/integration/kill-sweep-vdir.test.ts", "test/integration/kill-sweep-radicale.test.ts"]));
    expect(found).not.toContain("test/fuzz-script.test.ts");
    expect(readsFuzzEnvironment(`import { x } from "../scripts/fuzz.js"; process.env.${VAR}`)).toBe(false);
  });

  it("finds the fast-check properties (seeded from EWSDAV_FUZZ_SEED by the setup file), not a file that only samples", () => {
    expect(readsFuzzEnvironment(`import fc from "fast-check";\nfc.assert(fc.property(fc.nat(), () => true));`)).toBe(true);
    expect(readsFuzzEnvironment(`import fc from "fast-check";\nconst xs = fc.sample(fc.nat(), { seed: 1 });`)).toBe(false);
    expect(findFuzzTests()).toEqual(expect.arrayContaining(["packages/mappers/src/event/roundtrip.test.ts", "packages/core/src/engine/engine.model.test.ts"]));
  });

  it("hands out the given seed first, then a sequence that depends only on it", () => {
    const a = seedSequence(42);
    const b = seedSequence(42);
    const first = [a(), a(), a(), a()];
    expect(first).toEqual([b(), b(), b(), b()]);
    expect(first[0]).toBe(42);
    expect(new Set(first).size).toBe(4);
    expect(first.every((s) => Number.isSafeInteger(s) && s >= 0)).toBe(true);
  });

  it("shares what is left between the files still to run, less their overhead, and stops when a run no longer fits", () => {
    expect(nextBudgetSeconds(300, 3, 20)).toBe(80);
    expect(nextBudgetSeconds(30, 3, 20)).toBe(5);
    expect(nextBudgetSeconds(24, 1, 20)).toBeNull();
    expect(nextBudgetSeconds(-3, 1, 0)).toBeNull();
  });

  it("reads report lines, keeps malformed ones as findings, and prints what was tried and how to replay what was found", () => {
    const { lines, malformed } = parseReport(
      [
        JSON.stringify({ name: "kill-sweep vdir", seed: 7, tried: { runs: 10, kills: 8, inputs: 300 }, found: [] }),
        "not json",
        JSON.stringify({ name: "kill-sweep vdir", seed: 9, tried: { runs: 4, kills: 3 }, found: ["K1 is back on remote"] }),
        "",
      ].join("\n"),
    );
    expect(lines).toHaveLength(2);
    expect(malformed).toEqual(["not json"]);
    const run = (seed: number, line: (typeof lines)[number], found: string[]): FuzzRun => ({
      file: "test/integration/kill-sweep-vdir.test.ts",
      seed,
      seconds: 60,
      exitCode: found.length ? 1 : 0,
      lines: [line],
      found,
      log: "/tmp/x.log",
      wallSeconds: 70,
    });
    const crashed: FuzzRun = { file: "packages/mappers/src/fuzz.test.ts", seed: 5, seconds: 30, exitCode: 1, lines: [], found: ["vitest exited with code 1 (log /tmp/y.log)"], log: "/tmp/y.log", wallSeconds: 31 };
    const summary = summarise([run(7, lines[0]!, []), run(9, lines[1]!, lines[1]!.found), crashed]);
    expect(summary.tests).toEqual([
      { file: "test/integration/kill-sweep-vdir.test.ts", name: "kill-sweep vdir", runs: 2, seeds: [7, 9], tried: { runs: 14, kills: 11, inputs: 300 } },
      { file: "packages/mappers/src/fuzz.test.ts", name: "packages/mappers/src/fuzz.test.ts", runs: 1, seeds: [5], tried: {} },
    ]);
    expect(summary.findings.map((f) => f.replay)).toEqual([
      "npm run fuzz -- --seed 9 --only test/integration/kill-sweep-vdir.test.ts --seconds 60",
      "npm run fuzz -- --seed 5 --only packages/mappers/src/fuzz.test.ts --seconds 30",
    ]);
    const text = formatSummary(summary, 171);
    expect(text).toContain("kill-sweep vdir (test/integration/kill-sweep-vdir.test.ts): 2 vitest runs, tried 14 runs, 11 kills, 300 inputs; seeds 7, 9");
    expect(text).toContain("found: 2");
    expect(text).toContain("kill-sweep-vdir.test.ts seed 9:\n    K1 is back on remote\n    replay: npm run fuzz -- --seed 9");
    expect(formatSummary(summarise([run(7, lines[0]!, [])]), 70)).toContain("found: nothing");
  });
});
