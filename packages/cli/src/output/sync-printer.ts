/**
 * How `ewsdav sync` shows a run in each output mode, driven by the engine's events:
 *
 * - **text**: per pair a summary line, what its sides dropped, the plan of a dry run; item errors
 *   and stops on stderr. On a terminal, a progress bar per long-running pair (`progress.ts`);
 *   otherwise plain lines, no escape codes. `--quiet`: only the errors; `--verbose`: a detail
 *   line per item action too.
 * - **json-lines**: one event per line — `notice`, `pair-start`, `progress` (at most one per pair
 *   every {@link PROGRESS_EVENT_INTERVAL_MS}, plus each phase change and each phase's end), `item`
 *   (with `--verbose`), `dropped`, `error`, `pair-end` (with the pair's summary and exit code) —
 *   then a final `done`.
 * - **json**: nothing while it runs; one document at the end (`report-json.ts`).
 */
import type { EngineEvents, PairReport, ProgressEvent, SyncReport, TypedEmitter } from "@ewsdav/core";
import type { CliContext } from "../cli/context.js";
import type { ExitCode } from "../exit-codes.js";
import type { PairInfo, SyncObserver } from "../host.js";
import { exitCodeOfPair, mostSerious } from "../report-exit.js";
import { droppedLines, errorLines, planLines, stopLine, summaryLine } from "./lines.js";
import { ProgressBars } from "./progress.js";
import { pairCounts, pairEvents, syncDocument } from "./report-json.js";

/** The least time between two `progress` events of a pair in the same phase (`--json-lines`). */
export const PROGRESS_EVENT_INTERVAL_MS = 250;

/** Shows one `ewsdav sync` run through a command's context. */
export class SyncPrinter implements SyncObserver {
  readonly #context: CliContext;
  readonly #dryRun: boolean;
  readonly #bars: ProgressBars | null;
  #pairs: ReadonlyMap<string, PairInfo> = new Map();
  readonly #exitCodes = new Map<string, ExitCode>();
  readonly #notices: string[] = [];
  readonly #lastProgress = new Map<string, { phase: string; at: number }>();

  constructor(context: CliContext, options: { dryRun: boolean }) {
    this.#context = context;
    this.#dryRun = options.dryRun;
    // Bars only for a person at a terminal: text mode, stdin and stdout terminals (context.interactive), not --quiet.
    this.#bars = context.interactive && context.verbosity !== "quiet" && context.stdout.isTTY ? new ProgressBars(context.stdout) : null;
  }

  /** A line of the host (linked, would link, an account warning): said in text, an event or kept for the document. */
  notice(line: string): void {
    this.#notices.push(line);
    this.#context.say(line);
    this.#context.event({ type: "notice", message: line });
  }

  /** An account's warning: on stderr in text mode (not with --quiet), an event, or kept for the document. */
  warning(line: string): void {
    this.#notices.push(line);
    this.#context.warn(line.replace(/^([^:]+): warning: /, "$1: "));
    this.#context.event({ type: "warning", message: line });
  }

  /** Subscribes to the engine's events (the {@link SyncObserver} contract). */
  start(events: TypedEmitter<EngineEvents>, pairs: ReadonlyMap<string, PairInfo>): void {
    this.#pairs = pairs;
    events.on("pair-start", ({ pairId }) => this.#pairStart(pairId));
    events.on("progress", (p) => this.#progress(p));
    events.on("item", (item) => {
      const line = `${item.pairId}: ${item.kind} ${item.uid} ${item.outcome}${item.error ? ` (${item.error.code}: ${item.error.message})` : ""}`;
      this.#context.detail(line);
      if (this.#context.verbosity === "verbose") this.#context.event({ type: "item", pair: item.pairId, uid: item.uid, kind: item.kind, outcome: item.outcome, ids: item.ids, ...(item.error ? { error: item.error } : {}) });
    });
    events.on("pair-end", ({ report }) => this.#pairEnd(report));
  }

  /** The run ended: the `done` event or the JSON document; returns the exit code. */
  finish(report: SyncReport): ExitCode {
    this.#bars?.stop();
    const exitCode = mostSerious(report.pairs.map((p) => this.#exitCodes.get(p.pairId) ?? exitCodeOfPair(p)));
    this.#context.event({ type: "done", ok: report.ok, exitCode, dryRun: this.#dryRun, pairs: report.pairs.length, startedAt: report.startedAt, finishedAt: report.finishedAt });
    this.#context.result(syncDocument(report, this.#pairs, this.#exitCodes, { exitCode, dryRun: this.#dryRun, notices: this.#notices }));
    if (report.pairs.length === 0) this.#context.say(this.#dryRun ? "nothing to sync yet (a dry run links nothing)" : "no pair to sync");
    return exitCode;
  }

  /** The run failed before its end: bars are cleared so the error prints on a clean line. */
  abort(): void {
    this.#bars?.stop();
  }

  #side(pairId: string): PairInfo {
    return this.#pairs.get(pairId) ?? { id: pairId, kind: "", local: "local", remote: "remote" };
  }

  #pairStart(pairId: string): void {
    const pair = this.#side(pairId);
    this.#bars?.start(pairId);
    this.#context.event({ type: "pair-start", pair: pairId, kind: pair.kind, local: pair.local, remote: pair.remote, dryRun: this.#dryRun });
  }

  #progress(p: ProgressEvent): void {
    this.#bars?.progress(p);
    if (this.#context.output !== "json-lines") return;
    const last = this.#lastProgress.get(p.pairId);
    const now = Date.now();
    const due = !last || last.phase !== p.phase || p.done === p.total || now - last.at >= PROGRESS_EVENT_INTERVAL_MS;
    if (!due) return;
    this.#lastProgress.set(p.pairId, { phase: p.phase, at: now });
    this.#context.event({ type: "progress", pair: p.pairId, phase: p.phase, done: p.done, total: p.total });
  }

  #pairEnd(report: PairReport): void {
    const pair = this.#side(report.pairId);
    const exitCode = exitCodeOfPair(report);
    this.#exitCodes.set(report.pairId, exitCode);
    const context = this.#context;
    const print = this.#bars ? this.#bars.finish(report.pairId) : null;
    if (context.output === "text") {
      const stop = stopLine(report);
      const lines = [summaryLine(report), ...droppedLines(report, pair).map((l) => `  ${l}`), ...(this.#dryRun ? planLines(report).map((l) => `  ${l}`) : [])];
      if (context.verbosity !== "quiet") {
        if (print) print(lines);
        else for (const line of lines) context.say(line);
      }
      if (stop) context.error(`${report.pairId}: ${stop}`);
      for (const line of errorLines(report)) context.error(`${report.pairId}: ${line}`);
      return;
    }
    for (const event of pairEvents(report, pair)) context.event(event);
    context.event({ type: "pair-end", pair: report.pairId, dryRun: report.dryRun, exitCode, summary: pairCounts(report), stopped: report.error });
  }
}
