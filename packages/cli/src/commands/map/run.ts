/** `ewsdav map FILE…`: what vCard/iCalendar files become as Exchange items, and back. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { CliContext } from "../../cli/context.js";
import { CliError, EXIT } from "../../exit-codes.js";
import { mapText, type MapTextOptions } from "./map.js";

/** Runs `ewsdav map`. */
export async function run(context: CliContext): Promise<number> {
  const options: MapTextOptions = {};
  const zone = context.args.values["time-zone"];
  if (typeof zone === "string") options.timeZone = zone;
  const files = context.args.positionals;
  const report: Record<string, unknown> = {};
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(resolve(context.cwd, file), "utf8");
    } catch (error) {
      throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT.usage);
    }
    const objects = mapText(text, options);
    report[file] = objects.length > 0 ? objects : [{ error: { code: "MISSING_COMPONENT", property: null, reason: "no VCARD, VTODO or VEVENT in the file" } }];
  }
  // The mapping is the result in every mode: JSON is what this command prints.
  context.stdout.write(`${JSON.stringify(files.length === 1 ? report[files[0]!] : report, null, 2)}\n`);
  return EXIT.ok;
}
