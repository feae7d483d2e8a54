/**
 * `npm run map -- [--time-zone <IANA zone>] <file.vcf|file.ics> [more files]`: prints, as JSON, for
 * every contact, task and event in the files, the EWS item it maps to (for a series also the
 * occurrence operations), the text written back from that item, and what could not be carried
 * either way. `--time-zone` is the mailbox's zone for all-day and floating events (default UTC).
 */
import { readFileSync } from "node:fs";
import { mapText, type MapTextOptions } from "./map.js";

const args = process.argv.slice(2).filter((argument) => argument !== "--");
const options: MapTextOptions = {};
const files: string[] = [];
for (let i = 0; i < args.length; i++) {
  const argument = args[i]!;
  if (argument === "--time-zone" || argument === "--timezone") {
    const zone = args[++i];
    if (!zone) {
      console.error(`${argument} needs an IANA zone, e.g. Europe/Berlin`);
      process.exit(2);
    }
    options.timeZone = zone;
  } else if (argument.startsWith("--time-zone=")) options.timeZone = argument.slice("--time-zone=".length);
  else files.push(argument);
}
if (files.length === 0) {
  console.error("usage: npm run map -- [--time-zone <IANA zone>] <file.vcf|file.ics> [more files]");
  process.exit(2);
}
const report: Record<string, unknown> = {};
for (const file of files) {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    console.error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  const objects = mapText(text, options);
  report[file] = objects.length > 0 ? objects : [{ error: { code: "MISSING_COMPONENT", property: null, reason: "no VCARD, VTODO or VEVENT in the file" } }];
}
console.log(JSON.stringify(files.length === 1 ? report[files[0]!] : report, null, 2));
