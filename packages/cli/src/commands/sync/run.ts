/** `ewsdav sync`: one cycle for the configured pairs (or those named with `--pair`), shown in the chosen output mode. */
import type { CliContext } from "../../cli/context.js";
import { loadConfig } from "../../config.js";
import { runSync } from "../../host.js";
import { SyncPrinter } from "../../output/sync-printer.js";

/** The values of a repeatable string option. */
function strings(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
}

/** Runs `ewsdav sync`. */
export async function run(context: CliContext): Promise<number> {
  const config = loadConfig(context.configPath, { warn: context.warn });
  const dryRun = context.args.values["dry-run"] === true;
  const pairIds = strings(context.args.values.pair);
  const printer = new SyncPrinter(context, { dryRun });
  try {
    const report = await runSync(config, {
      dryRun,
      ...(pairIds.length > 0 ? { pairIds } : {}),
      allowMassDelete: context.args.values["allow-mass-delete"] === true,
      allowEmptySide: context.args.values["allow-empty-side"] === true,
      signal: context.signal,
      print: (line) => printer.notice(line),
      warn: (line) => printer.warning(line),
      observer: printer,
    });
    return printer.finish(report);
  } catch (error) {
    printer.abort();
    throw error;
  }
}
