/**
 * `npm ci` — the first half of both README commands and of `.ci/run` — refuses a lock file that
 * does not match the manifests (a lock written without every platform's optional binaries, say).
 * This catches it in the suite: a dry run of `npm ci` over copies of the manifests and the lock.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

describe("package-lock.json", () => {
  const copy = mkdtempSync(join(tmpdir(), "ewsdav-lock-"));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it("is what npm ci accepts for the workspace's manifests", () => {
    for (const file of ["package.json", "package-lock.json"]) copyFileSync(join(ROOT, file), join(copy, file));
    for (const dir of readdirSync(join(ROOT, "packages"))) {
      mkdirSync(join(copy, "packages", dir), { recursive: true });
      copyFileSync(join(ROOT, "packages", dir, "package.json"), join(copy, "packages", dir, "package.json"));
    }
    let output = "";
    let status = 0;
    try {
      output = execFileSync("npm", ["ci", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund"], {
        cwd: copy,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 120_000,
      });
    } catch (error) {
      const failed = error as { status?: number; stderr?: string };
      status = failed.status ?? 1;
      output = failed.stderr ?? String(error);
    }
    // On failure the message lists what is missing; the fix is `npm install --package-lock-only`.
    expect(status, output.split("\n").filter((l) => /EUSAGE|Missing|Invalid/.test(l)).slice(0, 10).join("\n")).toBe(0);
  });
});
