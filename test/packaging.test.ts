/**
 * The published shape: dist/ (built by the global setup) for every package, the packed tarballs
 * install into a throwaway project, and every entry point loads from both ESM and CJS.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PACKAGES = ["http", "vobject", "ews-client", "ews-simulator", "dav-client", "mappers", "core"] as const;

interface Manifest {
  name: string;
  engines?: { node?: string };
  sideEffects?: boolean;
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
}
const manifest = (dir: string) => JSON.parse(readFileSync(join(ROOT, "packages", dir, "package.json"), "utf8")) as Manifest;
/** Every entry point a user can import, e.g. `@ewsdav/core/vdir`. */
const entryPoints = PACKAGES.flatMap((dir) => {
  const m = manifest(dir);
  return Object.keys(m.exports)
    .filter((key) => key !== "./package.json")
    .map((key) => (key === "." ? m.name : `${m.name}/${key.slice(2)}`));
});

describe("packaging", () => {
  const project = mkdtempSync(join(tmpdir(), "ewsdav-pack-"));
  const run = (cmd: string, args: string[], cwd: string) =>
    execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });

  beforeAll(() => {
    // dist/ is built by the integration tests' global setup (test/harness/build.global-setup.ts).
    const tarballs = PACKAGES.map((dir) => {
      const out = run("npm", ["pack", "--json", "--pack-destination", project], join(ROOT, "packages", dir));
      return join(project, (JSON.parse(out) as Array<{ filename: string }>)[0]!.filename);
    });
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "throwaway", private: true, version: "0.0.0" }));
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--no-package-lock", ...tarballs], project);
    // better-sqlite3 is an optional peer of @ewsdav/core/sqlite: borrow the already-compiled one.
    if (!existsSync(join(project, "node_modules", "better-sqlite3"))) {
      symlinkSync(join(ROOT, "node_modules", "better-sqlite3"), join(project, "node_modules", "better-sqlite3"), "dir");
    }
  }, 600_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it.each(PACKAGES)("%s has the manifest a published package needs", (dir) => {
    const m = manifest(dir);
    expect(m.name).toBe(`@ewsdav/${dir}`);
    expect(m.engines?.node).toBe(">=20.19");
    expect(m.sideEffects).toBe(false);
    expect(existsSync(join(ROOT, "packages", dir, "README.md"))).toBe(true);
    for (const file of ["index.js", "index.cjs", "index.d.ts", "index.d.cts"]) {
      expect(existsSync(join(ROOT, "packages", dir, "dist", file)), `${dir}/dist/${file}`).toBe(true);
    }
  });

  it.each(entryPoints)("%s loads from ESM and from CJS", (entry) => {
    const esm = run("node", ["--input-type=module", "-e", `const m = await import(${JSON.stringify(entry)}); console.log(Object.keys(m).length);`], project);
    const cjs = run("node", ["--input-type=commonjs", "-e", `const m = require(${JSON.stringify(entry)}); console.log(Object.keys(m).length);`], project);
    expect(Number(esm.trim())).toBeGreaterThanOrEqual(0);
    expect(esm.trim()).toBe(cjs.trim());
  });
});
