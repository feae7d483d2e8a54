/** `ewsdav watch`: active mode until Ctrl-C (a second Ctrl-C aborts the cycles in flight). */
import type { CliContext } from "../../cli/context.js";
import { loadConfig } from "../../config.js";
import { EXIT } from "../../exit-codes.js";
import { startWatch } from "../../host.js";

/** Runs `ewsdav watch`. */
export async function run(context: CliContext): Promise<number> {
  const config = loadConfig(context.configPath, { warn: context.warn });
  const running = await startWatch(config, { print: context.say });
  const stop = () => {
    context.say("stopping (Ctrl-C again to abort the cycles in flight)…");
    void running.stop();
  };
  if (context.signal.aborted) stop();
  else context.signal.addEventListener("abort", stop, { once: true });
  const stats = await running.done;
  context.say(`stopped after ${stats.cycles} cycles (${stats.failedCycles} failed)`);
  return EXIT.ok;
}
