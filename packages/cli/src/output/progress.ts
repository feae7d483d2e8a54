/**
 * Progress bars for `ewsdav sync` on a terminal: one bar per pair (cli-progress's MultiBar) with
 * done/total, rate and ETA, driven by the engine's `progress` events. A pair gets a bar only when
 * its cycle is long — more than {@link ProgressBarOptions.minActions} actions to write, or still
 * running {@link ProgressBarOptions.delayMs} after it started — so short runs print only their
 * summary lines. When a pair ends its bar is drawn at its final count and then cleared; the
 * caller prints the summary in its place ({@link ProgressBars.finish}).
 */
import { createRequire } from "node:module";
import type cliProgress from "cli-progress";
import type { ProgressEvent } from "@ewsdav/core";

let library: typeof cliProgress | undefined;
/** cli-progress, loaded when the first bar is drawn: a run without bars (not a terminal, --json, a short run) never loads it. */
const progressLibrary = (): typeof cliProgress => (library ??= createRequire(import.meta.url)("cli-progress") as typeof cliProgress);

/** Options of {@link ProgressBars}. */
export interface ProgressBarOptions {
  /** A pair with more actions than this to write gets a bar at once (default 20). */
  minActions?: number;
  /** A pair still running this long after it started gets a bar (default 1000 ms). */
  delayMs?: number;
}

interface PairBar {
  id: string;
  phase: ProgressEvent["phase"] | "starting";
  done: number;
  total: number;
  /** When the writing phase began (for the rate). */
  writingSince: number | null;
  bar: cliProgress.SingleBar | null;
  timer: NodeJS.Timeout | null;
}

/** The bars of one run, on one terminal stream. */
export class ProgressBars {
  readonly #stream: NodeJS.WritableStream;
  readonly #minActions: number;
  readonly #delayMs: number;
  #multi: cliProgress.MultiBar | null = null;
  readonly #pairs = new Map<string, PairBar>();

  constructor(stream: NodeJS.WritableStream, options: ProgressBarOptions = {}) {
    this.#stream = stream;
    this.#minActions = options.minActions ?? 20;
    this.#delayMs = options.delayMs ?? 1000;
  }

  /** Whether any bar is on screen. */
  get active(): boolean {
    return [...this.#pairs.values()].some((p) => p.bar !== null);
  }

  /** A pair's cycle began: its bar appears if it runs long. */
  start(pairId: string): void {
    const state: PairBar = { id: pairId, phase: "starting", done: 0, total: 0, writingSince: null, bar: null, timer: null };
    state.timer = setTimeout(() => this.#show(state), this.#delayMs);
    state.timer.unref();
    this.#pairs.set(pairId, state);
  }

  /** A `progress` event of the engine. */
  progress(event: ProgressEvent): void {
    const state = this.#pairs.get(event.pairId);
    if (!state) return;
    if (event.phase === "writing" && state.writingSince === null) state.writingSince = Date.now();
    state.phase = event.phase;
    state.done = event.done;
    state.total = event.total;
    if (!state.bar && event.phase === "writing" && event.total > this.#minActions) this.#show(state);
    else this.#draw(state);
  }

  /**
   * A pair's cycle ended: its bar is drawn at its final count and removed. Returns a function that
   * prints lines in its place: above the other pairs' bars while some run, else straight to the stream.
   */
  finish(pairId: string): (lines: readonly string[]) => void {
    const state = this.#pairs.get(pairId);
    this.#pairs.delete(pairId);
    if (state?.timer) clearTimeout(state.timer);
    const multi = this.#multi;
    if (state?.bar && multi) {
      if (state.phase === "writing") state.done = state.total;
      this.#draw(state);
      multi.update();
      multi.remove(state.bar);
      if (!this.active) {
        multi.stop();
        this.#multi = null;
        process.removeListener("exit", this.#restoreCursor);
      }
    }
    const still = this.#multi;
    return (lines) => {
      if (lines.length === 0) return;
      if (still) still.log(`${lines.join("\n")}\n`);
      else this.#stream.write(`${lines.join("\n")}\n`);
    };
  }

  /** Clears every bar (the run ended or failed). */
  stop(): void {
    for (const state of this.#pairs.values()) if (state.timer) clearTimeout(state.timer);
    this.#pairs.clear();
    this.#multi?.stop();
    this.#multi = null;
    process.removeListener("exit", this.#restoreCursor);
  }

  /** Shows the cursor again if the process exits while bars are drawn (a second Ctrl-C exits at once). */
  readonly #restoreCursor = (): void => {
    if (this.#multi) this.#stream.write("\x1b[?25h\x1b[?7h\n");
  };

  #show(state: PairBar): void {
    if (state.bar || this.#pairs.get(state.id) !== state) return;
    if (!this.#multi) {
      process.once("exit", this.#restoreCursor);
      const { MultiBar, Presets } = progressLibrary();
      this.#multi = new MultiBar(
        {
          stream: this.#stream,
          format: "{pair} [{bar}] {phase} {value}/{total} | {rate}/s | ETA {eta_formatted}",
          barsize: 30,
          hideCursor: true,
          clearOnComplete: true,
          fps: 10,
          // The engine's stop on Ctrl-C ends the run, and stop() restores the cursor.
          gracefulExit: false,
        },
        Presets.shades_classic,
      );
    }
    state.bar = this.#multi.create(Math.max(state.total, 1), state.done, this.#payload(state));
  }

  #draw(state: PairBar): void {
    if (!state.bar) return;
    state.bar.setTotal(Math.max(state.total, 1));
    state.bar.update(state.done, this.#payload(state));
  }

  #payload(state: PairBar): Record<string, string> {
    const seconds = state.writingSince === null ? 0 : (Date.now() - state.writingSince) / 1000;
    const rate = (state.phase === "writing" || state.phase === "done") && seconds > 0 ? (state.done / seconds).toFixed(1) : "-";
    return { pair: state.id, phase: state.phase, rate };
  }
}
