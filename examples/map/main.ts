/**
 * `npm run map -- <file.vcf|file.ics> [more files]`: prints, as JSON, for every contact, task and
 * event in the files, the EWS item it maps to, the text written back from that item, and what
 * could not be carried either way.
 */
import { readFileSync } from "node:fs";
import { mapText } from "./map.js";

const files = process.argv.slice(2).filter((argument) => argument !== "--");
if (files.length === 0) {
  console.error("usage: npm run map -- <file.vcf|file.ics> [more files]");
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
  const objects = mapText(text);
  report[file] = objects.length > 0 ? objects : [{ error: { code: "MISSING_COMPONENT", property: null, reason: "no VCARD, VTODO or VEVENT in the file" } }];
}
console.log(JSON.stringify(files.length === 1 ? report[files[0]!] : report, null, 2));
