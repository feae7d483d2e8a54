import type { CliContext } from "../../cli/context.js";
import { CliError, EXIT } from "../../exit-codes.js";

/** Runs `ewsdav reset-pair`. */
export async function run(_context: CliContext): Promise<number> {
  throw new CliError("ewsdav reset-pair is not built yet", EXIT.usage);
}
