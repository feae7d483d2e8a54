/**
 * `ewsdav demo`: the EWS simulator synced with a vdir folder (needs @ewsdav/ews-simulator, an
 * optional peer); with `--graph` the same mailbox through the Graph simulator (needs
 * @ewsdav/graph-simulator too).
 */
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
  const graph = context.args.values.graph === true;
  let result: Awaited<ReturnType<typeof demo.runDemo>>;
  try {
    result = await demo.runDemo(context.say, { keep: context.args.values.keep === true, ...(graph ? { graph: true } : {}), ...(watching ? { watch: { signal: context.signal } } : {}) });
  } catch (error) {
    if (!missingPackage(error, "@ewsdav/graph-simulator")) throw error;
    throw new CliError(
      "ewsdav demo --graph runs the Graph simulator, which is not installed: install it beside ewsdav with `npm install -g @ewsdav/graph-simulator` (or, in the repository, `npm ci`)",
      EXIT.usage,
    );
  }
  return result.localEditArrived && result.remoteEditArrived && result.second.ok ? EXIT.ok : EXIT.itemsFailed;
}
