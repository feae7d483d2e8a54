import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { differentialDigests, packDigests, PINNED_RUNS, SUITE_RUNS, unpackDigests } from "./differential.test-support.js";
import { FUZZ_MODE, reportFuzz } from "./fuzz.test-support.js";

const PINNED = fileURLToPath(new URL("./differential.pinned.json", import.meta.url));

describe("mapper output is byte for byte that of BASE 3e7a8d2 (differential, issue 16)", () => {
  it(`every direction over the fixtures and ${FUZZ_MODE ? PINNED_RUNS : SUITE_RUNS} generated inputs of each kind gives the pinned digest`, () => {
    if (process.env.EWSDAV_PIN_DIFFERENTIAL === "1") {
      writeFileSync(PINNED, `${JSON.stringify(packDigests(differentialDigests(PINNED_RUNS)), null, 1)}\n`);
      return;
    }
    const pinned = unpackDigests(JSON.parse(readFileSync(PINNED, "utf8")) as Record<string, string>);
    const actual = differentialDigests(FUZZ_MODE ? PINNED_RUNS : SUITE_RUNS);
    const keys = Object.keys(actual);
    // Every case run is pinned (the same inputs), and the fixtures alone give hundreds of cases.
    expect(keys.length).toBeGreaterThan(400);
    const differing = keys.filter((key) => pinned[key] !== actual[key]);
    reportFuzz({ name: "mappers differential", seed: 160_016, tried: { cases: keys.length }, found: differing.slice(0, 20) });
    expect(differing.map((key) => `${key} (${pinned[key] ?? "not pinned"})`)).toEqual([]);
  }, 600_000);
});
