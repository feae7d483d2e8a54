import type { CliContext } from "../../cli/context.js";
import { CliError, EXIT } from "../../exit-codes.js";

/** Runs `ewsdav doctor`. */
export async function run(_context: CliContext): Promise<number> {
  throw new CliError("ewsdav doctor is not built yet", EXIT.usage);
}
