/**
 * Docs are code. Every ```ts block of README.md, every README.md under packages/, docs/**\/*.md and
 * examples/**\/README.md compiles as pasted (one test per block, named by file and line; a failure
 * lists the compiler's diagnostics at their Markdown lines), imports the packages by their published
 * entry points and silences nothing; and the example config of the sync host validates against its
 * schema with no key the schema ignores.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSnippets, collectSnippets, docFiles, extractSnippets, packageEntryPoints, type DocSnippet, type SnippetResult } from "../scripts/doc-snippets.js";
import { loadConfig, syncConfigSchema } from "../packages/cli/src/config.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

// Snippets made to show that the check catches what it must, checked in the same Program.
const PROBES = {
  // The root README's old snippet: an auth object the client does not take, an undeclared name.
  broken: {
    file: "probe/broken.md",
    line: 10,
    code: [
      `import { EwsClient } from "@ewsdav/ews-client";`,
      `const ews = new EwsClient({ url: "https://mail.example.com/EWS/Exchange.asmx", auth: { kind: "basic" } });`,
      `console.log(ews, vcardText);`,
    ].join("\n"),
  },
  // Two snippets declaring the same name, one with top-level await and no import: each is a module.
  first: { file: "probe/isolated.md", line: 1, code: `const shared = await Promise.resolve(1);\nconsole.log(shared);` },
  second: { file: "probe/isolated.md", line: 5, code: `const shared = "two";\nconsole.log(shared);` },
  // Compiles, but not as a user could paste it: a file inside a package, a relative path, a silenced error.
  internals: {
    file: "probe/internals.md",
    line: 20,
    code: [
      `import { EwsSide } from "@ewsdav/core/ews";`,
      `import type { MemorySideOptions } from "@ewsdav/core/memory";`,
      `import { checkLayering } from "../scripts/check-layering.js";`,
      `// @ts-ignore`,
      `const n: number = "one";`,
      `const options: MemorySideOptions | null = null;`,
      `console.log(EwsSide, options, checkLayering, n);`,
    ].join("\n"),
  },
} satisfies Record<string, DocSnippet>;

describe("extractSnippets", () => {
  it("takes ts and typescript blocks with the line of their first code line, and skips other languages", () => {
    const markdown = [
      "# Title", //                                   1
      "```sh", //                                     2
      "npm ci", //                                    3
      "```", //                                       4
      "```ts", //                                     5
      "const a = 1;", //                              6
      "```", //                                       7
      "````md", //                                    8
      "```ts", //                                     9  (inside a Markdown example: not a snippet)
      "not code", //                                  10
      "```", //                                       11
      "````", //                                      12
      "```typescript title=\"b.ts\"", //            13
      "const b = 2;", //                              14
      "", //                                          15
      "const c = 3;", //                              16
      "```", //                                       17
      "```", //                                       18 (no language)
      "plain", //                                     19
      "```", //                                       20
    ].join("\n");
    expect(extractSnippets("x.md", markdown)).toEqual([
      { file: "x.md", line: 6, code: "const a = 1;" },
      { file: "x.md", line: 14, code: "const b = 2;\n\nconst c = 3;" },
    ]);
  });

  it("finds the files the quality bar names", () => {
    const files = docFiles(ROOT);
    expect(files).toEqual(expect.arrayContaining(["README.md", "packages/core/README.md", "packages/ews-simulator/README.md", "docs/on-premises.md", "docs/architecture.md"]));
    expect(files.every((f) => f.endsWith(".md"))).toBe(true);
  });

  it("covers every Markdown file of the repository (a new one is checked without a word)", () => {
    const all = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        if (name === "node_modules" || name === "dist" || name === "coverage" || name.startsWith(".")) return [];
        const path = join(dir, name);
        if (statSync(path).isDirectory()) return all(path);
        return name.endsWith(".md") ? [relative(ROOT, path).split(sep).join("/")] : [];
      });
    expect(all(ROOT).filter((file) => !docFiles(ROOT).includes(file))).toEqual([]);
  });

  describe("in a tree made for it", () => {
    const tree = mkdtempSync(join(tmpdir(), "ewsdav-doc-files-"));
    afterAll(() => rmSync(tree, { recursive: true, force: true }));
    const files = ["README.md", "packages/http/README.md", "packages/vobject/README.md", "packages/core/src/engine/README.md", "docs/engine.md", "docs/guides/graph.md", "packages/cli/README.md"];
    const ignored = ["packages/http/CHANGELOG.md", "packages/http/node_modules/undici/README.md", "packages/http/dist/README.md", "test/notes.md", "docs/.draft/x.md"];
    for (const file of [...files, ...ignored]) {
      mkdirSync(dirname(join(tree, file)), { recursive: true });
      writeFileSync(join(tree, file), "# x\n");
    }
    for (const [dir, exports] of [["http", { ".": {}, "./package.json": "./package.json" }], ["core", { ".": {}, "./ews": {}, "./sqlite": {} }]] as const) {
      writeFileSync(join(tree, `packages/${dir}/package.json`), JSON.stringify({ name: `@ewsdav/${dir}`, exports }));
    }

    it("new packages' READMEs, nested READMEs, docs in subfolders and example READMEs; not dependencies, builds or hidden folders", () => {
      expect([...docFiles(tree)].sort()).toEqual([...files].sort());
    });
    it("the entry points are each package's exports", () => {
      expect([...packageEntryPoints(tree)].sort()).toEqual(["@ewsdav/core", "@ewsdav/core/ews", "@ewsdav/core/sqlite", "@ewsdav/http"]);
    });
  });
});

describe("every ts snippet in the READMEs and docs compiles as pasted", () => {
  const snippets = collectSnippets(ROOT);
  const probes = Object.values(PROBES);
  const tempBefore = new Set(readdirSync(ROOT).filter((name) => name.startsWith(".doc-snippets-")));
  let results = new Map<DocSnippet, SnippetResult>();
  let global: string[] = [];

  beforeAll(() => {
    // One Program for all of them (a few seconds).
    const check = checkSnippets(ROOT, [...snippets, ...probes]);
    results = new Map(check.results.map((r) => [r.snippet, r]));
    global = check.global;
  });

  it("there are snippets to check, with the repository's compiler options", () => {
    expect(snippets.length).toBeGreaterThanOrEqual(10);
    expect(global).toEqual([]);
  });

  for (const snippet of snippets) {
    it(`${snippet.file}:${snippet.line}`, () => {
      const result = results.get(snippet);
      expect(result, "snippet checked").toBeDefined();
      expect(result!.diagnostics, `${snippet.file}:${snippet.line} does not compile`).toEqual([]);
    });
  }

  it("reports a broken snippet with diagnostics at its Markdown lines", () => {
    const diagnostics = results.get(PROBES.broken)!.diagnostics;
    expect(diagnostics).toEqual([
      expect.stringMatching(/^probe\/broken\.md:11:\d+ TS2353: .*'kind' does not exist/),
      expect.stringMatching(/^probe\/broken\.md:12:\d+ TS2304: Cannot find name 'vcardText'/),
    ]);
  });

  it("reports a snippet that imports internals or a relative path, or silences the compiler", () => {
    expect(results.get(PROBES.internals)!.diagnostics).toEqual([
      "probe/internals.md:21 import '@ewsdav/core/memory': not an entry point of the published packages (package.json exports)",
      "probe/internals.md:22 import '../scripts/check-layering.js': a snippet imports packages by name, as a user would",
      "probe/internals.md:23 @ts-ignore: a snippet compiles as pasted, without silencing the compiler",
    ]);
  });

  it("checks each snippet as a module of its own (top-level await; no name shared between snippets)", () => {
    expect(results.get(PROBES.first)!.diagnostics).toEqual([]);
    expect(results.get(PROBES.second)!.diagnostics).toEqual([]);
  });

  it("leaves no temporary folder behind", () => {
    expect(readdirSync(ROOT).filter((name) => name.startsWith(".doc-snippets-") && !tempBefore.has(name))).toEqual([]);
  });
});

/** Paths of keys present in `raw` but not in `parsed` (keys a zod object strips without a word). */
function ignoredKeys(raw: unknown, parsed: unknown, path = ""): string[] {
  if (raw === null || typeof raw !== "object") return [];
  if (Array.isArray(raw)) return raw.flatMap((value, i) => ignoredKeys(value, (parsed as unknown[] | undefined)?.[i], `${path}[${i}]`));
  const out: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const here = path ? `${path}.${key}` : key;
    if (parsed === null || typeof parsed !== "object" || !(key in parsed)) out.push(here);
    else out.push(...ignoredKeys(value, (parsed as Record<string, unknown>)[key], here));
  }
  return out;
}

describe("packages/cli/sync.example.json", () => {
  const path = join(ROOT, "packages/cli/sync.example.json");
  const raw: unknown = JSON.parse(readFileSync(path, "utf8"));

  it("loads with loadConfig, without a warning", () => {
    const warnings: string[] = [];
    const config = loadConfig(path, { warn: (message) => warnings.push(message) });
    expect(warnings).toEqual([]);
    expect(config.pairs.length).toBeGreaterThan(0);
  });

  it("has no key the schema ignores (a misspelt option would be dropped silently)", () => {
    expect(ignoredKeys(raw, syncConfigSchema.parse(raw))).toEqual([]);
  });

  it("shows the lease and allowInsecureHttp", () => {
    const config = syncConfigSchema.parse(raw);
    expect(raw).toMatchObject({ lease: { ttlSeconds: expect.any(Number), waitSeconds: expect.any(Number) } });
    expect(Object.values((raw as { accounts: Record<string, object> }).accounts).some((account) => "allowInsecureHttp" in account)).toBe(true);
    expect(config.lease).toBeDefined();
  });

  it("the key check catches a misspelt option (on a copy)", () => {
    const copy = structuredClone(raw) as { accounts: Record<string, Record<string, unknown>> };
    copy.accounts["cloud"]!["allowInsecureHTTP"] = true;
    expect(ignoredKeys(copy, syncConfigSchema.parse(copy))).toEqual(["accounts.cloud.allowInsecureHTTP"]);
  });
});
