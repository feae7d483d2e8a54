/** `ewsdav demo`: the EWS simulator synced with a vdir folder (needs @ewsdav/ews-simulator, an optional peer). */
import type { CliContext } from "../../cli/context.js";
import { CliError, EXIT } from "../../exit-codes.js";

/** Whether an import failed because `name` is not installed. */
function missingPackage(error: unknown, name: string): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === "ERR_MODULE_NOT_FOUND" && typeof message === "string" && message.includes(`'${name}'`);
}

/** Runs `ewsdav demo`. */
export async function run(context: CliContext): Promise<number> {
  let demo: typeof import("./demo.js");
  try {
    // demo.js imports the simulator: loaded here, so that its absence is a message, not a crash.
    demo = await import("./demo.js");
  } catch (error) {
    if (!missingPackage(error, "@ewsdav/ews-simulator")) throw error;
    throw new CliError(
      "ewsdav demo runs the EWS simulator, which is not installed: install it beside ewsdav with `npm install -g @ewsdav/ews-simulator` (or, in the repository, `npm ci`)",
      EXIT.usage,
    );
  }
  const watching = context.args.values.watch === true;
  const result = await demo.runDemo(context.say, { keep: context.args.values.keep === true, ...(watching ? { watch: { signal: context.signal } } : {}) });
  return result.localEditArrived && result.remoteEditArrived && result.second.ok ? EXIT.ok : EXIT.itemsFailed;
}
