import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { CliContext } from "../../cli/context.js";
import { configJsonSchema } from "../../config/json-schema.js";
import { CliError, EXIT } from "../../exit-codes.js";

/** Runs `ewsdav config schema [--output FILE]`: prints or writes the config's JSON Schema. */
export async function run(context: CliContext): Promise<number> {
  const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
  const output = context.args.values.output;
  if (typeof output === "string") {
    const path = resolve(context.cwd, output);
    try {
      writeFileSync(path, text);
    } catch (error) {
      throw new CliError(`--output: ${path} cannot be written (${(error as NodeJS.ErrnoException).code ?? "error"})`, EXIT.usage);
    }
    context.say(`wrote the config's JSON Schema to ${path}`);
    context.event({ type: "written", path });
    context.result({ path });
    return EXIT.ok;
  }
  // The schema is the output, in every mode (with --json it is the one JSON document).
  context.stdout.write(text);
  return EXIT.ok;
}
