/** `ewsdav sync`: one cycle for the configured pairs (or those named with `--pair`). */
import type { CliContext } from "../../cli/context.js";
import { loadConfig } from "../../config.js";
import { exitCodeOfReport } from "../../report-exit.js";
import { runSync } from "../../host.js";

/** Runs `ewsdav sync`. */
export async function run(context: CliContext): Promise<number> {
  const config = loadConfig(context.configPath, { warn: context.warn });
  const report = await runSync(config, { dryRun: context.args.values["dry-run"] === true, print: context.say });
  context.result(report);
  return exitCodeOfReport(report);
}
