import type { CliContext } from "../../cli/context.js";
import { CliError, EXIT } from "../../exit-codes.js";

/** Runs `ewsdav init`. */
export async function run(_context: CliContext): Promise<number> {
  throw new CliError("ewsdav init is not built yet", EXIT.usage);
}
