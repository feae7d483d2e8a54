/**
 * The layering check (docs/architecture.md): reads every source file's imports with the
 * TypeScript parser, and each package's manifest, and reports what breaks the package rules.
 *
 * - `@ewsdav/http` imports no other ewsdav package.
 * - `@ewsdav/vobject` is pure: no I/O, no other ewsdav package.
 * - `ews-client` and `dav-client` import, of the ewsdav packages, only `@ewsdav/http` at run
 *   time (the other client's types at most); never `core` or `mappers`.
 * - `mappers` does no I/O, imports `@ewsdav/ews-client` and `@ewsdav/graph-client` only with
 *   `import type` (and lists neither in `dependencies`), and may use `@ewsdav/vobject`.
 * - `packages/core/src/engine/**` imports no protocol client, HTTP stack or database driver at
 *   run time, and none of the sides or stores built on them.
 * - `@ewsdav/ews-simulator` imports the library only in its tests (or as types), and the library
 *   (every other package) never imports the simulator outside tests, nor depends on it.
 * - `@ewsdav/graph-client` imports, of the ewsdav packages, only `@ewsdav/http`; the Graph simulator,
 *   `@ewsdav/graph-simulator`, only `@ewsdav/ews-simulator` (the mailbox records it shares), and the
 *   library never imports it outside tests, nor depends on it.
 * - `@ewsdav/cli` (the `ewsdav` command, an application) may use every library package; it imports
 *   the simulators only for `ewsdav demo` (optional peers), and nothing imports the CLI.
 * - No package reaches into another's files by a relative path.
 * - No import cycle between files or between packages, type-only imports included.
 * - No non-test source file over {@link MAX_SOURCE_LINES} lines.
 *
 * Tests (`*.test.ts`) and test support (`*.test-support.ts`) may import anything (the simulator,
 * harnesses, other packages), but not another package's files by a relative path.
 *
 * Run alone with `npx tsx scripts/check-layering.ts`; the test suite runs it too
 * (test/layering.test.ts).
 */
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** One import as written in a source file. */
export interface ImportEdge {
  /** The importing file, relative to the root, with forward slashes. */
  from: string;
  /** The module specifier as written. */
  specifier: string;
  /** True when the import exists only for the compiler (`import type`, `export type`, `import("x").T`). */
  typeOnly: boolean;
  /** The file it resolves to (relative imports only), relative to the root. */
  target: string | null;
}

/** A broken rule, naming the file, the import (or `""` for a rule about the file itself) and the rule. */
export interface LayeringViolation {
  /** The file (or package.json) that breaks the rule, relative to the root. */
  file: string;
  /** The import or dependency at fault, `""` when the rule is about the file itself. */
  specifier: string;
  /** The rule, in words. */
  rule: string;
}

/** Options of {@link checkLayering}. */
export interface LayeringOptions {
  /**
   * Known violations to leave out, as `file: rule` strings (see {@link violationKey}); an entry
   * that matches nothing is reported as stale. Defaults to {@link KNOWN_VIOLATIONS}.
   */
  allow?: readonly string[];
}

/** The most lines a non-test source file may have. */
export const MAX_SOURCE_LINES = 700;

/**
 * Violations known on the main branch and being fixed elsewhere, as `file: rule` strings. Kept
 * empty: the check reports everything, and a known violation is listed here only while its fix
 * is on its way (with the issue that fixes it).
 */
export const KNOWN_VIOLATIONS: readonly string[] = [];

/** The key an allow-list entry matches: `file: rule`. */
export function violationKey(violation: LayeringViolation): string {
  return `${violation.file}: ${violation.rule}`;
}

/** The library: every package but the simulator. */
const LIBRARY = new Set(["http", "vobject", "ews-client", "dav-client", "graph-client", "mappers", "core"]);
const EWSDAV = /^@ewsdav\/([^/]+)/;
const PROTOCOL_OR_DRIVER = [/^@ewsdav\/(ews-client|dav-client|http)(\/|$)/, /^undici(\/|$)/, /^better-sqlite3$/, /^pg(\/|$)/, /^postgres$/];
const IO_MODULES = /^(node:)?(fs|fs\/promises|net|http|https|http2|tls|dgram|dns|child_process|worker_threads)$|^undici(\/|$)/;

/** Whether a file is a test or test support (exempt from the package rules and the size limit). */
export function isTestFile(file: string): boolean {
  return /\.test\.(ts|mts|cts)$/.test(file) || /\.test-support\.(ts|mts|cts)$/.test(file);
}

function listSources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === "node_modules" || name === "dist") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listSources(path));
    else if (/\.(ts|mts|cts)$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

function resolveRelative(fromFile: string, specifier: string): string | null {
  const base = resolve(dirname(fromFile), specifier);
  const stem = base.replace(/\.(js|mjs|cjs|ts)$/, "");
  for (const candidate of [`${stem}.ts`, `${stem}.mts`, `${stem}.cts`, join(stem, "index.ts"), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/**
 * Every import and re-export of one file, with whether it exists only for types. Under
 * `verbatimModuleSyntax`, `import { type A } from "x"` still loads `x` at run time, so only
 * `import type`, `export type` and `import("x")` in a type position count as type-only.
 */
export function readImports(root: string, file: string, text = readFileSync(file, "utf8")): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const rel = (p: string) => relative(root, p).split(sep).join("/");
  const add = (specifier: string, typeOnly: boolean) => {
    const target = specifier.startsWith(".") ? resolveRelative(file, specifier) : null;
    edges.push({ from: rel(file), specifier, typeOnly, target: target ? rel(target) : null });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.importClause?.isTypeOnly === true);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      if (ts.isStringLiteral(expr)) add(expr.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteral(node.arguments[0]!)) {
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === "require";
      if (isDynamicImport || isRequire) add((node.arguments[0] as ts.StringLiteral).text, false);
    } else if (ts.isImportTypeNode(node)) {
      // `import("x").T` in a type position: an edge for the compiler only.
      if (ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

function packageOf(file: string): string | null {
  const match = /^packages\/([^/]+)\//.exec(file);
  return match ? match[1]! : null;
}

function lineCount(text: string): number {
  if (text === "") return 0;
  return text.split(/\r?\n/).length - (/\r?\n$/.test(text) ? 1 : 0);
}

/** Violations of the package rules by one import of a non-test source file. */
function importRules(edge: ImportEdge): string[] {
  const pkg = packageOf(edge.from);
  const spec = edge.specifier;
  const other = EWSDAV.exec(spec)?.[1] ?? null; // the ewsdav package imported, if any
  const rules: string[] = [];
  if (pkg === null) return rules;

  if (other === "ews-simulator" && LIBRARY.has(pkg)) rules.push("the library never imports @ewsdav/ews-simulator outside tests");
  if (other === "graph-simulator" && pkg !== "graph-simulator" && !(pkg === "cli" && edge.from.startsWith("packages/cli/src/commands/demo/"))) {
    rules.push("nothing imports @ewsdav/graph-simulator outside tests (the CLI: only for `ewsdav demo`)");
  }
  if (pkg === "graph-client" && other !== null && other !== "graph-client" && other !== "http") {
    rules.push("@ewsdav/graph-client imports, of the ewsdav packages, only @ewsdav/http");
  }
  if (pkg === "graph-simulator" && other !== null && other !== "graph-simulator" && other !== "ews-simulator") {
    rules.push("@ewsdav/graph-simulator imports, of the ewsdav packages, only @ewsdav/ews-simulator (the mailbox model)");
  }
  if (pkg === "cli" && other === "ews-simulator" && !edge.from.startsWith("packages/cli/src/commands/demo/")) {
    rules.push("@ewsdav/cli imports @ewsdav/ews-simulator only for `ewsdav demo`");
  }
  if (other === "cli" && pkg !== "cli") rules.push("no package imports @ewsdav/cli (an application, not a library)");
  if (pkg === "http" && other !== null && other !== "http") rules.push("@ewsdav/http imports no other ewsdav package");
  if (pkg === "vobject") {
    if (other !== null && other !== "vobject") rules.push("@ewsdav/vobject imports no other ewsdav package");
    if (IO_MODULES.test(spec)) rules.push("@ewsdav/vobject is pure: no I/O");
  }
  if (pkg === "ews-client" || pkg === "dav-client") {
    const peer = pkg === "ews-client" ? "dav-client" : "ews-client";
    if (other === "core" || other === "mappers") rules.push(`${pkg} never imports core or mappers`);
    else if (other === peer && !edge.typeOnly) rules.push(`${pkg} does not depend on ${peer} (types at most)`);
    else if (other !== null && other !== pkg && other !== "http" && other !== peer && other !== "ews-simulator" && !edge.typeOnly) {
      rules.push(`${pkg} imports, of the ewsdav packages, only @ewsdav/http at run time`);
    }
  }
  if (pkg === "mappers") {
    if ((other === "ews-client" || other === "graph-client") && !edge.typeOnly) rules.push(`mappers may only \`import type\` from @ewsdav/${other}`);
    else if (other !== null && other !== "mappers" && other !== "ews-client" && other !== "graph-client" && other !== "vobject" && other !== "ews-simulator") {
      rules.push("mappers import only @ewsdav/vobject, and @ewsdav/ews-client as types"); // (and @ewsdav/graph-client as types; the wording is test/layering.test.ts's)
    }
    if (IO_MODULES.test(spec)) rules.push("mappers do no I/O");
  }
  if (pkg === "ews-simulator" && other !== null && LIBRARY.has(other) && !edge.typeOnly) {
    rules.push("@ewsdav/ews-simulator imports the library only in its tests (or as types)");
  }
  if (edge.from.startsWith("packages/core/src/engine/")) {
    if (!edge.typeOnly && PROTOCOL_OR_DRIVER.some((r) => r.test(spec))) {
      rules.push("core/src/engine imports no protocol client, HTTP stack or database driver at run time");
    }
    if (edge.target && /^packages\/core\/src\/(sides|stores)\//.test(edge.target) && !/\/(memory)\.ts$/.test(edge.target)) {
      rules.push("core/src/engine does not import the sides or stores built on clients and drivers");
    }
  }
  return rules;
}

type Manifest = Record<string, Record<string, string> | undefined>;

/** Violations of the package rules by one package's manifest. */
function manifestRules(pkg: string, manifest: Manifest): LayeringViolation[] {
  const file = `packages/${pkg}/package.json`;
  const runtime = { ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies };
  const out: LayeringViolation[] = [];
  for (const dep of Object.keys(runtime)) {
    const other = EWSDAV.exec(dep)?.[1];
    if (other === undefined) continue;
    const fail = (rule: string) => out.push({ file, specifier: dep, rule });
    if ((pkg === "http" || pkg === "vobject") && other !== pkg) fail(`@ewsdav/${pkg} depends on no other ewsdav package`);
    if (other === "ews-simulator" && LIBRARY.has(pkg)) fail("the library never depends on @ewsdav/ews-simulator (a devDependency at most)");
    if (other === "graph-simulator" && pkg !== "graph-simulator" && !(pkg === "cli" && manifest.dependencies?.[dep] === undefined)) {
      fail("nothing depends on @ewsdav/graph-simulator at run time (a devDependency at most; the CLI: an optional peer, for `ewsdav demo`)");
    }
    if (pkg === "graph-client" && other !== "http" && other !== "graph-client") fail("@ewsdav/graph-client depends, of the ewsdav packages, only on @ewsdav/http");
    if (pkg === "graph-simulator" && other !== "ews-simulator" && other !== "graph-simulator") fail("@ewsdav/graph-simulator depends, of the ewsdav packages, only on @ewsdav/ews-simulator");
    if (pkg === "cli" && other === "ews-simulator" && manifest.dependencies?.[dep] !== undefined) {
      fail("@ewsdav/cli takes @ewsdav/ews-simulator as an optional peer (for `ewsdav demo`), not a dependency");
    }
    if (pkg === "ews-simulator" && LIBRARY.has(other)) fail("@ewsdav/ews-simulator depends on the library only as a devDependency");
    if (pkg === "mappers" && (other === "ews-client" || other === "graph-client") && manifest.dependencies?.[dep] !== undefined) {
      fail(`mappers use @ewsdav/${other} as types only: an optional peer or a devDependency, not a dependency`);
    }
  }
  return out;
}

/** Cycles of a directed graph, one per set of nodes, each as a path that ends where it starts. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const seen = new Set<string>();
  const cycles: string[][] = [];
  const walk = (node: string) => {
    state.set(node, "active");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "active") {
        const cycle = [...stack.slice(stack.indexOf(next)), next];
        const key = [...new Set(cycle)].sort().join("|");
        if (!seen.has(key)) (seen.add(key), cycles.push(cycle));
      } else if (!state.has(next)) walk(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) walk(node);
  return cycles;
}

/** Checks the tree under `root` (the repository root); returns every violation found. */
export function checkLayering(root: string, options: LayeringOptions = {}): LayeringViolation[] {
  const rel = (p: string) => relative(root, p).split(sep).join("/");
  const files = listSources(join(root, "packages")).filter((f) => rel(f).split("/")[2] === "src");
  const violations: LayeringViolation[] = [];
  // File graph: every import between files, with whether some import along each edge runs.
  const fileGraph = new Map<string, string[]>();
  const runtimeEdges = new Set<string>();
  // Package graph: imports of non-test sources, type-only included, and manifest dependencies.
  const packageGraph = new Map<string, Set<string>>();
  const packageEdge = (from: string, to: string) => {
    if (from === to) return;
    if (!packageGraph.has(from)) packageGraph.set(from, new Set());
    packageGraph.get(from)!.add(to);
  };

  for (const path of files) {
    const file = rel(path);
    const text = readFileSync(path, "utf8");
    const edges = readImports(root, path, text);
    const pkg = packageOf(file)!;
    const isTest = isTestFile(file);
    for (const edge of edges) {
      const fail = (rule: string) => violations.push({ file, specifier: edge.specifier, rule });
      if (edge.target && packageOf(edge.target) !== pkg && !edge.target.startsWith("test/")) {
        fail("a package reaches into another package's files by a relative path; import it by its name");
      }
      if (isTest) continue; // tests and test support may use anything (other packages, harnesses, the simulator)
      for (const rule of importRules(edge)) fail(rule);
      const other = EWSDAV.exec(edge.specifier)?.[1];
      if (other !== undefined) packageEdge(pkg, other);
    }
    if (!isTest) {
      const lines = lineCount(text);
      if (lines > MAX_SOURCE_LINES) violations.push({ file, specifier: "", rule: `a non-test source file of ${lines} lines (at most ${MAX_SOURCE_LINES}): split it where a concept ends` });
    }
    const targets = edges.filter((e) => e.target && e.target !== file).map((e) => e.target!);
    fileGraph.set(file, [...new Set(targets)]);
    for (const e of edges) if (e.target && !e.typeOnly) runtimeEdges.add(`${file}|${e.target}`);
  }

  // File-level cycles, type-only imports included (a type-only cycle still ties the files together).
  for (const cycle of findCycles(fileGraph)) {
    const runtime = cycle.slice(1).every((to, i) => runtimeEdges.has(`${cycle[i]}|${to}`));
    const kind = runtime ? "import cycle" : "import cycle (through type-only imports)";
    violations.push({ file: cycle[cycle.length - 2]!, specifier: cycle[cycle.length - 1]!, rule: `${kind}: ${cycle.join(" → ")}` });
  }

  // Package rules and package-level cycles, from each manifest and from the imports above.
  const packagesDir = join(root, "packages");
  for (const dir of existsSync(packagesDir) ? readdirSync(packagesDir).sort() : []) {
    const path = join(packagesDir, dir, "package.json");
    if (!existsSync(path)) continue;
    const manifest = JSON.parse(readFileSync(path, "utf8")) as Manifest;
    violations.push(...manifestRules(dir, manifest));
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      const other = EWSDAV.exec(dep)?.[1];
      if (other !== undefined) packageEdge(dir, other);
    }
  }
  const packageCycles = findCycles(new Map([...packageGraph.keys()].sort().map((pkg) => [pkg, [...packageGraph.get(pkg)!].sort()])));
  for (const cycle of packageCycles) {
    violations.push({
      file: `packages/${cycle[0]}/package.json`,
      specifier: `@ewsdav/${cycle[1]}`,
      rule: `package cycle (manifests and source imports, type-only included): ${cycle.map((p) => `@ewsdav/${p}`).join(" → ")}`,
    });
  }

  const allow = options.allow ?? KNOWN_VIOLATIONS;
  const used = new Set<string>();
  const reported = violations.filter((v) => {
    const key = violationKey(v);
    if (!allow.includes(key)) return true;
    used.add(key);
    return false;
  });
  for (const key of allow) {
    if (!used.has(key)) reported.push({ file: key.split(": ")[0]!, specifier: "", rule: `stale allow-list entry (nothing matches it any more): ${key}` });
  }
  return reported;
}

/** One line per violation, as the command prints them. */
export function formatViolation(v: LayeringViolation): string {
  return v.specifier === "" ? `${v.file}: ${v.rule}` : `${v.file}: '${v.specifier}': ${v.rule}`;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const violations = checkLayering(resolve(dirname(new URL(import.meta.url).pathname), ".."));
  for (const v of violations) console.error(formatViolation(v));
  console.log(violations.length === 0 ? "layering: no violation" : `layering: ${violations.length} violation(s)`);
  process.exit(violations.length === 0 ? 0 : 1);
}
