/**
 * Start-up of the `ewsdav` binary without timing it (the figures come from bench/cli-startup.ts):
 * `--version` and `--help` load only the entry point and the command specs — no command's code,
 * no engine, client, database driver, schema library or progress bar library. Every module Node
 * loads is recorded by a module hook (node:module `register`) that the test puts in front.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import nodeModule from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { EWSDAV_BIN } from "./cli.test-support.js";

const dir = mkdtempSync(join(tmpdir(), "ewsdav-startup-"));
writeFileSync(
  join(dir, "hooks.mjs"),
  `import { appendFileSync } from "node:fs";\nexport async function load(url, context, next) {\n  appendFileSync(process.env.EWSDAV_LOAD_LOG, url + "\\n");\n  return next(url, context);\n}\n`,
);
writeFileSync(join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});\n`);

/** The modules loaded by one run of `ewsdav <args>`, and its exit code. */
function loaded(args: string[]): { code: number | null; modules: string[] } {
  const log = join(dir, `${args.join("_").replace(/\W/g, "")}.log`);
  writeFileSync(log, "");
  const run = spawnSync(process.execPath, ["--import", pathToFileURL(join(dir, "register.mjs")).href, EWSDAV_BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, EWSDAV_LOAD_LOG: log },
  });
  return { code: run.status, modules: readFileSync(log, "utf8").split("\n").filter(Boolean) };
}

const HEAVY = /node_modules|\/packages\/(core|ews-client|dav-client|http|mappers|vobject|ews-simulator)\//;

describe("ewsdav start-up", () => {
  it.each([["--version"], ["--help"], ["sync", "--help"], ["completion", "--help"]])("`ewsdav %s` loads the entry point and the specs only", (...args) => {
    const { code, modules } = loaded(args);
    expect(code).toBe(0);
    expect(modules).toContain(pathToFileURL(EWSDAV_BIN).href);
    expect(modules.some((m) => m.endsWith("/packages/cli/dist/main.js"))).toBe(true);
    expect(modules.filter((m) => HEAVY.test(m))).toEqual([]);
    expect(modules.filter((m) => /\/dist\/(run|demo|failure)-/.test(m))).toEqual([]);
  });

  it("a command loads its own code when it runs (and not before)", () => {
    const { code, modules } = loaded(["completion", "bash"]);
    expect(code).toBe(0);
    expect(modules.some((m) => /\/packages\/cli\/dist\/run-/.test(m))).toBe(true);
    expect(modules.filter((m) => HEAVY.test(m))).toEqual([]);
  });

  it("keeps Node's compile cache in the user's cache folder where the runtime has one (Node 22.1+), and not with EWSDAV_COMPILE_CACHE=0", () => {
    const run = (env: Record<string, string>) => {
      const tmp = mkdtempSync(join(tmpdir(), "ewsdav-compile-cache-"));
      const base = { ...process.env };
      delete base.NODE_COMPILE_CACHE; // Node's own switch, which would turn the cache on by itself
      const result = spawnSync(process.execPath, [EWSDAV_BIN, "--version"], { encoding: "utf8", env: { ...base, ...env, XDG_CACHE_HOME: tmp } });
      expect(result.status).toBe(0);
      const cache = join(tmp, "ewsdav", "compile-cache");
      return existsSync(cache) && readdirSync(cache).length > 0;
    };
    expect(run({})).toBe(typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === "function");
    expect(run({ EWSDAV_COMPILE_CACHE: "0" })).toBe(false);
  });

  it("a sync of DAV and vdir accounts loads no EWS client (nor its NTLM or OAuth code)", () => {
    const work = mkdtempSync(join(tmpdir(), "ewsdav-startup-dav-"));
    const config = join(work, "ewsdav.json");
    writeFileSync(
      config,
      JSON.stringify({
        state: join(work, "state.db"),
        accounts: { dav: { type: "dav", url: "http://127.0.0.1:9/dav/", username: "u", password: "p", allowInsecureHttp: true }, files: { type: "vdir", path: join(work, "vdir") } },
        pairs: [{ kind: "contacts", remote: { account: "dav", folder: "/dav/book/" }, local: { account: "files", collection: "book", create: true } }],
      }),
      { mode: 0o600 },
    );
    const { code, modules } = loaded(["sync", "--config", config]);
    expect(code).not.toBe(0); // nothing listens on port 9: the modules a DAV sync needs are loaded all the same
    expect(modules.some((m) => /\/packages\/dav-client\//.test(m))).toBe(true);
    expect(modules.filter((m) => /\/packages\/ews-client\/|ntlm|msal/.test(m))).toEqual([]);
  });
});
