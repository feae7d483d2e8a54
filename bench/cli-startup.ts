/**
 * Start-up time of the `ewsdav` command: `ewsdav --version` and `ewsdav --help` (and, for scale,
 * `node -e ""` and `ewsdav sync --help`), each spawned as `node packages/cli/bin/ewsdav.js …` five
 * times; prints the minimum and the median wall time of each, in milliseconds. Needs the built
 * dist/ (`npm run build`). The target of issue 15 is ≤ 0.3 s for --version and --help.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../packages/cli/bin/ewsdav.js", import.meta.url));
const RUNS = 5;

if (!existsSync(fileURLToPath(new URL("../packages/cli/dist/main.js", import.meta.url)))) {
  console.error("packages/cli/dist is missing: run `npm run build` first");
  process.exit(2);
}

/** Wall times of `RUNS` spawns of node with `args`, in milliseconds. */
function times(args: readonly string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (run.status !== 0) throw new Error(`node ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
    out.push(ms);
  }
  return out.sort((a, b) => a - b);
}

const cases: Array<[string, string[]]> = [
  ["node -e \"\" (baseline)", ["-e", ""]],
  ["ewsdav --version", [BIN, "--version"]],
  ["ewsdav --help", [BIN, "--help"]],
  ["ewsdav sync --help", [BIN, "sync", "--help"]],
];
console.log(`${"command".padEnd(26)} ${"min ms".padStart(8)} ${"median ms".padStart(10)}   (${RUNS} runs each)`);
for (const [name, args] of cases) {
  const t = times(args);
  console.log(`${name.padEnd(26)} ${t[0]!.toFixed(0).padStart(8)} ${t[Math.floor(t.length / 2)]!.toFixed(0).padStart(10)}`);
}
