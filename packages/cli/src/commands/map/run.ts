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
  if (typeof zone === "string") {
    try {
      new Intl.DateTimeFormat("en", { timeZone: zone });
    } catch {
      throw new CliError(`--time-zone: "${zone}" is not an IANA time zone (e.g. Europe/Berlin)`, EXIT.usage);
    }
    options.timeZone = zone;
  }
  const files = context.args.positionals;
  const report: Record<string, unknown> = {};
  let empty = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(resolve(context.cwd, file), "utf8");
    } catch (error) {
      throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT.usage);
    }
    const objects = mapText(text, options);
    if (objects.length === 0) empty++;
    for (const object of objects) context.event({ type: "object", file, ...object });
    report[file] = objects.length > 0 ? objects : [{ error: { code: "MISSING_COMPONENT", property: null, reason: "no VCARD, VTODO or VEVENT in the file" } }];
  }
  // The mapping is the result in every mode: JSON is what this command prints (one object per line with --json-lines).
  if (context.output !== "json-lines") context.stdout.write(`${JSON.stringify(files.length === 1 ? report[files[0]!] : report, null, 2)}\n`);
  if (empty > 0) context.error(`${empty === files.length && files.length === 1 ? "the file holds" : `${empty} of the files hold`} no VCARD, VTODO or VEVENT`);
  return empty > 0 ? EXIT.itemsFailed : EXIT.ok;
}
