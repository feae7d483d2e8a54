/** `ewsdav completion bash|zsh`: prints the shell completion script, generated from the command specs. */
import type { CliContext } from "../../cli/context.js";
import { registeredCommands } from "../../cli/registry.js";
import { CliError, EXIT } from "../../exit-codes.js";
import { bashCompletion, zshCompletion } from "./scripts.js";

/** Runs `ewsdav completion`. */
export async function run(context: CliContext): Promise<number> {
  const shell = context.args.positionals[0];
  if (shell !== "bash" && shell !== "zsh") throw new CliError(`no completion for the shell "${shell ?? ""}": ewsdav completion bash, or ewsdav completion zsh`, EXIT.usage);
  // The script is the result in every mode.
  context.stdout.write(shell === "bash" ? bashCompletion(registeredCommands()) : zshCompletion(registeredCommands()));
  return EXIT.ok;
}
