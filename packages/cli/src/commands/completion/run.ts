import type { CliContext } from "../../cli/context.js";
import { CliError, EXIT } from "../../exit-codes.js";

/** Runs `ewsdav completion`. */
export async function run(_context: CliContext): Promise<number> {
  throw new CliError("ewsdav completion is not built yet", EXIT.usage);
}
