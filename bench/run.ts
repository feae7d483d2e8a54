/**
 * Runs the benchmarks in this folder one after another and lets each print its figures.
 * `npm run bench` runs all; `npm run bench -- dav` runs those whose file name contains "dav".
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const filters = process.argv.slice(2);
const scripts = readdirSync(dir)
  .filter((name) => name.endsWith(".ts") && name !== "run.ts")
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();

let failed = 0;
for (const script of scripts) {
  console.log(`\n=== ${script} ===`);
  const result = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", `${dir}${script}`], { stdio: "inherit" });
  if (result.status !== 0) failed++;
}
if (scripts.length === 0) console.log("no benchmark matched");
process.exit(failed === 0 ? 0 : 1);
