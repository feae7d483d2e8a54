/** `ewsdav demo`: the EWS simulator synced with a vdir folder (needs @ewsdav/ews-simulator). */
import type { CliContext } from "../../cli/context.js";
import { EXIT } from "../../exit-codes.js";
import { runDemo } from "./demo.js";

/** Runs `ewsdav demo`. */
export async function run(context: CliContext): Promise<number> {
  const watching = context.args.values.watch === true;
  const result = await runDemo(context.say, { keep: context.args.values.keep === true, ...(watching ? { watch: { signal: context.signal } } : {}) });
  return result.localEditArrived && result.remoteEditArrived && result.second.ok ? EXIT.ok : EXIT.itemsFailed;
}
