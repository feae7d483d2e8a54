/**
 * `ewsdav watch`: active mode until Ctrl-C (a second Ctrl-C aborts the cycles in flight). Text: a
 * line per change, per side state change and a status line per pair now and then; `--json-lines`:
 * the same as JSON events (`host.ts` `startWatch`), then `{"type":"stopped",…}`. `--json` (one
 * document at the end) means nothing for a command that runs until stopped: it is refused (exit 2).
 */
import type { CliContext } from "../../cli/context.js";
import { loadConfig } from "../../config.js";
import { CliError, EXIT } from "../../exit-codes.js";
import { startWatch } from "../../host.js";

/** Runs `ewsdav watch`. */
export async function run(context: CliContext): Promise<number> {
  if (context.output === "json") throw new CliError("ewsdav watch runs until stopped, so it has no single JSON document to print; use --json-lines (one event per line)", EXIT.usage);
  const config = loadConfig(context.configPath, { warn: context.warn });
  const jsonLines = context.output === "json-lines";
  const running = await startWatch(config, {
    print: jsonLines ? (line) => context.event({ type: "notice", message: line }) : context.say,
    printError: context.error,
    warn: jsonLines ? (line) => context.event({ type: "warning", message: line }) : (line) => context.warn(line.replace(/^([^:]+): warning: /, "$1: ")),
    ...(jsonLines ? { emit: context.event } : {}),
  });
  const stop = () => {
    context.say("stopping (Ctrl-C again to abort the cycles in flight)…");
    context.event({ type: "stopping" });
    void running.stop();
  };
  if (context.signal.aborted) stop();
  else context.signal.addEventListener("abort", stop, { once: true });
  const stats = await running.done;
  context.say(`stopped after ${stats.cycles} cycles (${stats.failedCycles} failed)`);
  context.event({ type: "stopped", cycles: stats.cycles, failedCycles: stats.failedCycles });
  return EXIT.ok;
}
