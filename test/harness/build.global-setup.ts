/**
 * Global setup of the integration tests: builds every package's dist/ (`npm run build`) unless it
 * is newer than every source file, manifest and build config, so the `ewsdav` binary, the packed
 * tarballs and the processes tests spawn run today's code. One build for the whole run: tests
 * never build (a build cleans dist/ under the feet of a spawned process).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function newest(dir: string, skip: (name: string) => boolean): number {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip(entry.name)) continue;
    const path = join(dir, entry.name);
    time = Math.max(time, entry.isDirectory() ? newest(path, skip) : statSync(path).mtimeMs);
  }
  return time;
}

function oldest(dir: string): number {
  let time = Infinity;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    time = Math.min(time, entry.isDirectory() ? oldest(path) : statSync(path).mtimeMs);
  }
  return time;
}

/** Whether some package's dist/ is missing or older than what it is built from. */
export function buildIsStale(root = ROOT): boolean {
  const packages = join(root, "packages");
  for (const name of readdirSync(packages)) {
    const dir = join(packages, name);
    if (!existsSync(join(dir, "package.json"))) continue;
    const dist = join(dir, "dist");
    if (!existsSync(dist)) return true;
    const sources = Math.max(
      newest(join(dir, "src"), (n) => /\.test(-support)?\.ts$/.test(n)),
      ...["package.json", "tsup.config.ts", "tsconfig.build.json"].filter((f) => existsSync(join(dir, f))).map((f) => statSync(join(dir, f)).mtimeMs),
    );
    if (sources > oldest(dist)) return true;
  }
  return false;
}

export default function setup(): void {
  if (!buildIsStale()) return;
  execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"], timeout: 600_000 });
}
