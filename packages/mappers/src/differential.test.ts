import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { cloneComponent } from "./event/jcal.js";
import { readVObjects } from "./vobject/codec.js";
import { fuzzRuns } from "./fuzz.test-support.js";
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

  it("a line read again (the line cache) gives a copy: changing what one read gave changes no later read", () => {
    const text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nCATEGORIES:a,b\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU\r\nATTENDEE;CN=Ann;ROLE=REQ-PARTICIPANT:mailto:ann@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    readVObjects(text, "icalendar"); // the lines are cached now: the reads below are answered from the cache
    const first = readVObjects(text, "icalendar");
    const pristine = JSON.stringify(first.components);
    const event = first.components[0]![2][0]!;
    for (const property of event[1]) {
      property.push("changed");
      (property[1] as Record<string, unknown>).x = "y";
      const value = property[3];
      if (Array.isArray(value)) value.push("z");
      else if (value !== null && typeof value === "object") (value as Record<string, unknown>).until = "changed";
    }
    const second = readVObjects(text, "icalendar");
    expect(JSON.stringify(second.components)).toBe(pristine);
    expect([...second.rawLines.keys()]).toEqual([...readVObjects(text, "icalendar").rawLines.keys()]);
    expect(second.rawLines.size).toBe(3);
  });

  it("the event writer's copy of a component is what its JSON reads back, for any value", () => {
    const roundTrip = (value: unknown): unknown => {
      try {
        return { ok: JSON.parse(JSON.stringify(value)) as unknown };
      } catch (error) {
        return { error: String(error) };
      }
    };
    const copy = (value: unknown): unknown => {
      try {
        return { ok: cloneComponent(value as never) };
      } catch (error) {
        return { error: String(error) };
      }
    };
    fc.assert(
      fc.property(fc.array(fc.anything({ withBigInt: true, withNullPrototype: true, withObjectString: true, withSparseArray: true, withBoxedValues: true, withDate: true })), (value) => {
        expect(copy(value)).toStrictEqual(roundTrip(value));
      }),
      { numRuns: fuzzRuns(300) },
    );
    expect(copy([-0, Number.NaN, undefined, () => 1, { a: undefined, b: -0 }])).toStrictEqual({ ok: [0, null, null, null, { b: 0 }] });
  });
});
