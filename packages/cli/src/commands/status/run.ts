import type { CliContext } from "../../cli/context.js";
import { CliError, EXIT } from "../../exit-codes.js";

/** Runs `ewsdav status`. */
export async function run(_context: CliContext): Promise<number> {
  throw new CliError("ewsdav status is not built yet", EXIT.usage);
}
