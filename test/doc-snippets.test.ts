/**
 * Docs are code. Every ```ts block of README.md, packages/<pkg>/README.md,
 * packages/<pkg>/src/**\/README.md and docs/*.md compiles as pasted (one test per block, named by
 * file and line; a failure lists the compiler's diagnostics at their Markdown lines), and the
 * example config of the sync host validates against its schema with no key the schema ignores.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { checkSnippets, collectSnippets, docFiles, extractSnippets, type DocSnippet, type SnippetResult } from "../scripts/doc-snippets.js";
import { loadConfig, syncConfigSchema } from "../examples/sync/config.js";

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
    expect(files).toEqual(expect.arrayContaining(["README.md", "packages/core/README.md", "packages/ews-simulator/README.md", "docs/on-premises.md"]));
    expect(files.every((f) => f.endsWith(".md"))).toBe(true);
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

describe("examples/sync/sync.example.json", () => {
  const path = join(ROOT, "examples/sync/sync.example.json");
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
