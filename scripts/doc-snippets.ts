/**
 * Docs are code: every ```ts block of the READMEs and docs/*.md must compile as pasted. This
 * module finds the blocks and type-checks them with the TypeScript compiler API, each block as a
 * module of its own, all in one Program with the repository's compilerOptions (so `@ewsdav/*`
 * resolves to the sources through tsconfig paths).
 *
 * A block may state what it assumes in visible lines (`declare const vcardText: string;`); that is
 * still "as pasted". It imports the packages as a user would, by their published entry points
 * (package.json `exports`), and silences no diagnostic. Blocks are written into a temporary folder inside the repository (for module
 * resolution from there), which is removed afterwards.
 *
 * Run alone with `npx tsx scripts/doc-snippets.ts`; test/doc-snippets.test.ts runs it in the suite.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** One fenced ```ts block of a Markdown file. */
export interface DocSnippet {
  /** The Markdown file, relative to the root, with forward slashes. */
  file: string;
  /** 1-based line of the block's first code line (the line after the opening fence). */
  line: number;
  /** The code, without the fences. */
  code: string;
}

/** What the compiler said: per snippet, and about the options (which should be nothing). */
export interface SnippetCheck {
  /** One result per snippet, in the order given. */
  results: SnippetResult[];
  /** Option and global diagnostics (a broken tsconfig.json would show here). */
  global: string[];
}

/** What the compiler said about one snippet. */
export interface SnippetResult {
  snippet: DocSnippet;
  /** One line per diagnostic, `file:line:column TS1234: message`, lines counted in the Markdown file. */
  diagnostics: string[];
}

// An info string may go on after the language (```ts title="x"): such a block is checked too.
const FENCE_OPEN = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript)(\s.*)?$/;

/** The ```ts (or ```typescript) blocks of one Markdown text, in order. */
export function extractSnippets(file: string, markdown: string): DocSnippet[] {
  const lines = markdown.split(/\r?\n/);
  const snippets: DocSnippet[] = [];
  let inOther: string | null = null; // the fence of a block in another language
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    if (inOther !== null) {
      if (text.trim().startsWith(inOther) && text.trim().replace(/[`~]/g, "") === "") inOther = null;
      continue;
    }
    const open = FENCE_OPEN.exec(text);
    if (open) {
      const fence = open[2]!;
      const start = i + 1;
      let end = start;
      while (end < lines.length && !(lines[end]!.trim().startsWith(fence) && lines[end]!.trim().replace(/[`~]/g, "") === "")) end++;
      snippets.push({ file, line: start + 1, code: lines.slice(start, end).join("\n") });
      i = end;
      continue;
    }
    const other = /^\s*(`{3,}|~{3,})/.exec(text);
    if (other) inOther = other[1]!;
  }
  return snippets;
}

function walk(dir: string, keep: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path, keep));
    else if (keep(path)) out.push(path);
  }
  return out;
}

/**
 * The Markdown files whose snippets must compile, relative to `root` with forward slashes:
 * README.md, every README.md under packages/ (packages/<pkg>/README.md and any deeper one, new
 * packages included), docs/**\/*.md, examples/**\/README.md and bench/**\/README.md.
 */
export function docFiles(root: string): string[] {
  const rel = (p: string) => relative(root, p).split(sep).join("/");
  const files: string[] = [];
  if (existsSync(join(root, "README.md"))) files.push("README.md");
  files.push(...walk(join(root, "packages"), (p) => p.endsWith(`${sep}README.md`)).map(rel));
  files.push(...walk(join(root, "docs"), (p) => p.endsWith(".md")).map(rel));
  files.push(...walk(join(root, "examples"), (p) => p.endsWith(`${sep}README.md`)).map(rel));
  files.push(...walk(join(root, "bench"), (p) => p.endsWith(`${sep}README.md`)).map(rel));
  return files;
}

/** Every snippet of {@link docFiles}. */
export function collectSnippets(root: string): DocSnippet[] {
  return docFiles(root).flatMap((file) => extractSnippets(file, readFileSync(join(root, file), "utf8")));
}

function compilerOptions(root: string): ts.CompilerOptions {
  const configPath = join(root, "tsconfig.json");
  const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (read.error) throw new Error(`tsconfig.json: ${ts.flattenDiagnosticMessageText(read.error.messageText, "\n")}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath);
  return {
    ...parsed.options,
    noEmit: true,
    // A pasted snippet lives in a module of an ESM project, imports or not (top-level await, no
    // globals shared between snippets).
    moduleDetection: ts.ModuleDetectionKind.Force,
    // The snippets are examples, not library code: an unused variable is fine.
    noUnusedLocals: false,
    noUnusedParameters: false,
  };
}

/**
 * Type-checks the snippets in one Program. Each is written as `snippet-N.ts` into a temporary
 * folder under `root` (removed before returning) and checked with the repository's options.
 */
export function checkSnippets(root: string, snippets: readonly DocSnippet[]): SnippetCheck {
  const dir = mkdtempSync(join(root, ".doc-snippets-"));
  try {
    const paths = snippets.map((snippet, i) => {
      const path = join(dir, `snippet-${i}.ts`);
      writeFileSync(path, `${snippet.code}\n`);
      return path;
    });
    const program = ts.createProgram({ rootNames: paths, options: compilerOptions(root) });
    const entryPoints = packageEntryPoints(root);
    const results = snippets.map((snippet, i) => {
      const source = program.getSourceFile(paths[i]!);
      if (!source) return { snippet, diagnostics: [`${snippet.file}:${snippet.line}: the compiler did not read the snippet`] };
      const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
      return { snippet, diagnostics: [...diagnostics.map((d) => describeDiagnostic(snippet, d)), ...pastedAsIs(snippet, source, entryPoints)] };
    });
    const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map(
      (d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n  ")}`,
    );
    return { results, global };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The entry points a user of the published packages can import: `@ewsdav/<pkg>` plus each subpath
 * of its package.json `exports` (`@ewsdav/core/ews`), `./package.json` left out.
 */
export function packageEntryPoints(root: string): Set<string> {
  const out = new Set<string>();
  const packages = join(root, "packages");
  for (const dir of existsSync(packages) ? readdirSync(packages).sort() : []) {
    const manifest = join(packages, dir, "package.json");
    if (!existsSync(manifest)) continue;
    const json = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; exports?: Record<string, unknown> | string };
    if (!json.name) continue;
    const subpaths = typeof json.exports === "object" && json.exports !== null ? Object.keys(json.exports) : ["."];
    for (const sub of subpaths) if (sub !== "./package.json") out.add(sub === "." ? json.name : `${json.name}/${sub.replace(/^\.\//, "")}`);
  }
  return out;
}

/**
 * What "as pasted" also asks: a snippet imports the packages by their published entry points
 * (not a relative path, not a file inside a package), and silences no diagnostic (`@ts-ignore`,
 * `@ts-expect-error`, `@ts-nocheck`).
 */
function pastedAsIs(snippet: DocSnippet, source: ts.SourceFile, entryPoints: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const at = (pos: number) => `${snippet.file}:${snippet.line + source.getLineAndCharacterOfPosition(pos).line}`;
  for (const statement of source.statements) {
    const specifier =
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)
        ? statement.moduleSpecifier
        : null;
    if (!specifier) continue;
    const name = specifier.text;
    if (name.startsWith(".")) out.push(`${at(specifier.getStart(source))} import '${name}': a snippet imports packages by name, as a user would`);
    else if (name.startsWith("@ewsdav/") && !entryPoints.has(name)) {
      out.push(`${at(specifier.getStart(source))} import '${name}': not an entry point of the published packages (package.json exports)`);
    }
  }
  for (const match of snippet.code.matchAll(/@ts-(ignore|expect-error|nocheck)\b/g)) {
    out.push(`${at(match.index!)} @ts-${match[1]}: a snippet compiles as pasted, without silencing the compiler`);
  }
  return out;
}

function describeDiagnostic(snippet: DocSnippet, diagnostic: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n  ");
  if (diagnostic.file === undefined || diagnostic.start === undefined) return `${snippet.file}:${snippet.line} TS${diagnostic.code}: ${message}`;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `${snippet.file}:${snippet.line + line}:${character + 1} TS${diagnostic.code}: ${message}`;
}

// `npx tsx scripts/doc-snippets.ts`: check them all and print what fails.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const { results, global } = checkSnippets(root, collectSnippets(root));
  const failed = results.filter((r) => r.diagnostics.length > 0);
  for (const line of global) console.log(line);
  for (const r of failed) console.log(r.diagnostics.join("\n"));
  console.log(`${results.length} snippets, ${failed.length} failing`);
  process.exitCode = failed.length > 0 || global.length > 0 ? 1 : 0;
}
