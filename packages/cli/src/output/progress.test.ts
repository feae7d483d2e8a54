import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ProgressBars } from "./progress.js";

/** A terminal-like stream that keeps what is written. */
function terminal(): Writable & { isTTY: boolean; columns: number; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as Writable & { isTTY: boolean; columns: number; text: () => string };
  stream.isTTY = true;
  stream.columns = 100;
  stream.text = () => chunks.join("");
  return stream;
}

describe("progress bars", () => {
  it("a short pair gets no bar: only the lines printed in its place", () => {
    const out = terminal();
    const bars = new ProgressBars(out, { minActions: 20, delayMs: 60_000 });
    bars.start("small");
    for (let done = 0; done <= 5; done++) bars.progress({ pairId: "small", phase: "writing", done, total: 5 });
    bars.finish("small")(["small: summary"]);
    expect(out.text()).toBe("small: summary\n");
    expect(bars.active).toBe(false);
  });

  it("a long pair gets a bar with done/total, drawn at its final count, then cleared for the summary", () => {
    const out = terminal();
    const bars = new ProgressBars(out, { minActions: 20, delayMs: 60_000 });
    bars.start("big");
    bars.progress({ pairId: "big", phase: "writing", done: 0, total: 40 });
    expect(bars.active).toBe(true);
    for (let done = 1; done <= 40; done++) bars.progress({ pairId: "big", phase: "writing", done, total: 40 });
    bars.progress({ pairId: "big", phase: "done", done: 40, total: 40 });
    bars.finish("big")(["big: summary"]);
    const text = out.text();
    expect(text).toMatch(/big \[[^\]]*\] (writing|done) 40\/40 \| [\d.]+\/s \| ETA /);
    expect(text.endsWith("big: summary\n")).toBe(true);
    expect(bars.active).toBe(false);
  });

  it("with two bars, the first pair's lines print above the bar still running", () => {
    const out = terminal();
    const bars = new ProgressBars(out, { minActions: 1, delayMs: 60_000 });
    bars.start("a");
    bars.start("b");
    bars.progress({ pairId: "a", phase: "writing", done: 1, total: 3 });
    bars.progress({ pairId: "b", phase: "writing", done: 1, total: 3 });
    bars.finish("a")(["a: summary"]);
    expect(bars.active).toBe(true);
    bars.finish("b")(["b: summary"]);
    bars.stop();
    const text = out.text();
    expect(text).toContain("a: summary\n");
    expect(text.indexOf("a: summary")).toBeLessThan(text.lastIndexOf("b: summary"));
  });
});
