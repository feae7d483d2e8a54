/**
 * The published shape: dist/ (built by the global setup) for every package, the packed tarballs
 * install into a throwaway project, and every entry point loads from both ESM and CJS. The
 * command, @ewsdav/cli, has other rules (a `bin`, no library exports): its tarball and those of
 * the packages it needs install globally (`npm i -g --prefix`), and the installed `ewsdav` runs.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { startEwsSimulator } from "@ewsdav/ews-simulator";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PACKAGES = ["http", "vobject", "ews-client", "ews-simulator", "dav-client", "mappers", "core", "graph-client", "graph-simulator"] as const;

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
    expect(m.engines?.node).toBe("^20.19.0 || ^22.12.0 || ^24.0.0");
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

/** The packages the command needs at run time (its @ewsdav dependencies and theirs); the simulator is an optional peer, left out. */
const CLI_PACKAGES = ["http", "vobject", "ews-client", "dav-client", "graph-client", "mappers", "core", "cli"] as const;

interface CliManifest extends Manifest {
  version: string;
  bin?: Record<string, string>;
  files?: string[];
  main?: string;
  types?: string;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

describe("packaging of the ewsdav command", () => {
  const work = mkdtempSync(join(tmpdir(), "ewsdav-pack-cli-"));
  const prefix = join(work, "prefix");
  const ewsdav = join(prefix, "bin", "ewsdav");
  const cli = manifest("cli") as CliManifest;
  const run = (cmd: string, args: string[], cwd: string) =>
    execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 600_000 });

  beforeAll(() => {
    const tarballs = CLI_PACKAGES.map((dir) => {
      const out = run("npm", ["pack", "--json", "--pack-destination", work], join(ROOT, "packages", dir));
      return join(work, (JSON.parse(out) as Array<{ filename: string }>)[0]!.filename);
    });
    // As a user installs it: globally, here under a prefix of our own. (better-sqlite3's native build
    // is an install script npm runs only when allowed; the commands run below do not load it.)
    // --ignore-scripts: no native build here (minutes on two cores); the sync test below gives the
    // installed better-sqlite3 the module the repository's install compiled, as the allowed script would.
    run("npm", ["install", "--global", "--prefix", prefix, "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", ...tarballs], work);
  }, 900_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("has the manifest a published command needs: a bin, its files, no library entry points", () => {
    expect(cli.name).toBe("@ewsdav/cli");
    expect(cli.engines?.node).toBe("^20.19.0 || ^22.12.0 || ^24.0.0");
    expect(cli.sideEffects).toBe(false);
    expect(cli.bin).toEqual({ ewsdav: "./bin/ewsdav.js" });
    expect(cli.files).toEqual(expect.arrayContaining(["bin", "dist"]));
    expect(Object.keys(cli.exports)).toEqual(["./package.json"]);
    expect(cli.main).toBeUndefined();
    expect(cli.types).toBeUndefined();
    expect(readFileSync(join(ROOT, "packages", "cli", "bin", "ewsdav.js"), "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(existsSync(join(ROOT, "packages", "cli", "dist", "main.js"))).toBe(true);
    expect(existsSync(join(ROOT, "packages", "cli", "README.md"))).toBe(true);
    for (const [name, range] of Object.entries(cli.dependencies ?? {})) if (name.startsWith("@ewsdav/")) expect(range, name).toBe((manifest(name.slice(8)) as CliManifest).version);
    expect(cli.peerDependenciesMeta?.["@ewsdav/ews-simulator"]?.optional).toBe(true);
  });

  it("installs globally: `ewsdav --version` and `--help` run from the prefix's bin", () => {
    expect(run(ewsdav, ["--version"], work).trim()).toBe(cli.version);
    const help = run(ewsdav, ["--help"], work);
    expect(help).toContain("Usage: ewsdav <command> [options]");
    expect(help).toMatch(/^ {2}sync +Sync the configured pairs once$/m);
    expect(run(ewsdav, ["sync", "--help"], work)).toContain("Examples:");
  });

  it("the installed `ewsdav sync` syncs (better-sqlite3 built as `npm i -g --allow-scripts=better-sqlite3` would)", async () => {
    // Every copy of better-sqlite3 the global install holds gets the native module compiled for this
    // Node by the repository's install: what its install script, once allowed, builds.
    const copies: string[] = [];
    const find = (dir: string, depth: number): void => {
      if (depth > 6 || !existsSync(dir)) return;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const path = join(dir, entry.name);
        if (entry.name === "better-sqlite3" && existsSync(join(path, "package.json"))) copies.push(path);
        else find(path, depth + 1);
      }
    };
    find(join(prefix, "lib", "node_modules"), 0);
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) cpSync(join(ROOT, "node_modules", "better-sqlite3", "build"), join(copy, "build"), { recursive: true });

    const sim = await startEwsSimulator({ seed: "small" });
    try {
      const configPath = join(work, "sync.json");
      writeFileSync(
        configPath,
        JSON.stringify({
          state: "state.db",
          accounts: {
            work: { type: "ews", url: sim.url, mailbox: "alice@example.com", auth: { type: "basic", username: "alice@example.com", passwordEnv: "PACK_EWS_PASSWORD" } },
            files: { type: "vdir", path: "vdir" },
          },
          pairs: [{ id: "contacts", kind: "contacts", remote: { account: "work", folder: "Contacts" }, local: { account: "files", collection: "contacts", create: true } }],
        }),
      );
      // Asynchronously: the simulator answers from this process.
      const result = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        const child = spawn(ewsdav, ["sync", "--config", configPath, "--json"], { cwd: work, env: { ...process.env, PACK_EWS_PASSWORD: "secret" }, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (out += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, out }));
      });
      expect(result.code, result.out).toBe(0);
      // Every contact of the seeded folder (its distribution list is not one) is a card in the folder.
      expect(readdirSync(join(work, "vdir", "contacts")).filter((f) => f.endsWith(".vcf")).length).toBeGreaterThanOrEqual(5);
    } finally {
      await sim.stop();
    }
  });

  it("the installed `ewsdav map` maps a small vCard file", () => {
    const card = join(work, "ann.vcf");
    writeFileSync(card, "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:ann-1\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nEMAIL:ann@example.org\r\nEND:VCARD\r\n");
    const mapped = JSON.parse(run(ewsdav, ["map", card], work)) as unknown[];
    expect(JSON.stringify(mapped)).toContain("ann@example.org");
    expect(JSON.stringify(mapped)).toContain("Ann");
  });

  it("`ewsdav demo` without @ewsdav/ews-simulator says how to install it (exit 2)", () => {
    expect(existsSync(join(prefix, "lib", "node_modules", "@ewsdav", "ews-simulator"))).toBe(false);
    const demo = spawnSync(ewsdav, ["demo"], { cwd: work, encoding: "utf8", timeout: 60_000 });
    expect(demo.status, demo.stderr).toBe(2);
    expect(demo.stderr).toContain("npm install -g @ewsdav/ews-simulator");
    expect(demo.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("the workspace bin", () => {
  it("after the repository's install, `npx --no ewsdav …` runs the command from the root", () => {
    // npm reads options placed right after the command name as its own (`npx ewsdav --help` is npm's
    // help): `ewsdav help`, or `--` before the command, reaches ewsdav.
    const help = spawnSync("npx", ["--no", "ewsdav", "help"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain("Usage: ewsdav <command> [options]");
    const dashes = spawnSync("npx", ["--no", "--", "ewsdav", "--help"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(dashes.status, dashes.stderr).toBe(0);
    expect(dashes.stdout).toBe(help.stdout);
    const version = spawnSync("npx", ["--no", "--", "ewsdav", "--version"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(version.stdout.trim()).toBe((manifest("cli") as CliManifest).version);
  });
});
