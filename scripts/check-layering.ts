/**
 * The layering check (docs/architecture.md): reads every source file's imports with the
 * TypeScript parser and reports what breaks the package rules.
 *
 * - `packages/core/src/engine/**` imports no protocol client and no database driver.
 * - `packages/mappers/src/**` does no I/O and imports other ewsdav packages only as types.
 * - `ews-client` and `dav-client` never import `core` or `mappers`, nor each other at run time.
 * - No package reaches into another's files by a relative path.
 * - No import cycle between files (run-time imports).
 *
 * Run alone with `npx tsx scripts/check-layering.ts`; the test suite runs it too.
 */
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** One import as written in a source file. */
export interface ImportEdge {
  from: string; // file, relative to the root, with forward slashes
  specifier: string;
  typeOnly: boolean;
  /** The file it resolves to (relative imports only). */
  target: string | null;
}

/** A broken rule, naming the file, the import and the rule. */
export interface LayeringViolation {
  file: string;
  specifier: string;
  rule: string;
}

const PROTOCOL_OR_DRIVER = [/^@ewsdav\/(ews-client|dav-client)(\/|$)/, /^undici(\/|$)/, /^better-sqlite3$/, /^pg(\/|$)/, /^postgres$/];
const IO_MODULES = /^(node:)?(fs|fs\/promises|net|http|https|http2|tls|dgram|dns|child_process|worker_threads)$|^undici(\/|$)/;

function listSources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
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

/** Every import and re-export of one file, with whether it exists only for types. */
export function readImports(root: string, file: string): ImportEdge[] {
  const text = readFileSync(file, "utf8");
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
      return; // `import("x").T` in a type position is type-only
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

/** Checks the tree under `root` (the repository root); returns every violation found. */
export function checkLayering(root: string): LayeringViolation[] {
  const files = listSources(join(root, "packages")).filter((f) => f.split(sep).includes("src"));
  const violations: LayeringViolation[] = [];
  const graph = new Map<string, string[]>();

  for (const file of files) {
    const edges = readImports(root, file);
    for (const edge of edges) {
      const pkg = packageOf(edge.from);
      const isTest = /\.test\.ts$/.test(edge.from);
      const fail = (rule: string) => violations.push({ file: edge.from, specifier: edge.specifier, rule });

      if (edge.target && packageOf(edge.target) !== pkg && !edge.target.startsWith("test/")) {
        fail("a package reaches into another package's files by a relative path; import it by its name");
      }
      if (isTest) continue; // tests may use anything (other packages, harnesses, simulators)

      if (edge.from.startsWith("packages/core/src/engine/")) {
        if (!edge.typeOnly && PROTOCOL_OR_DRIVER.some((r) => r.test(edge.specifier))) {
          fail("core/src/engine imports no protocol client or database driver at run time");
        }
        if (edge.target && /^packages\/core\/src\/(sides|stores)\//.test(edge.target) && !/\/(memory)\.ts$/.test(edge.target)) {
          fail("core/src/engine does not import the sides or stores built on clients and drivers");
        }
      }
      if (pkg === "mappers") {
        if (edge.specifier.startsWith("@ewsdav/") && !(edge.typeOnly && /^@ewsdav\/ews-client$/.test(edge.specifier))) {
          fail("mappers may only `import type` from @ewsdav/ews-client");
        }
        if (IO_MODULES.test(edge.specifier)) fail("mappers do no I/O");
      }
      if (pkg === "ews-client" || pkg === "dav-client") {
        if (/^@ewsdav\/(core|mappers)(\/|$)/.test(edge.specifier)) fail(`${pkg} never imports core or mappers`);
        const other = pkg === "ews-client" ? "dav-client" : "ews-client";
        if (!edge.typeOnly && edge.specifier.startsWith(`@ewsdav/${other}`)) fail(`${pkg} does not depend on ${other}`);
      }
    }
    graph.set(
      relative(root, file).split(sep).join("/"),
      edges.filter((e) => !e.typeOnly && e.target).map((e) => e.target!),
    );
  }

  // File-level cycles over run-time imports (depth-first search with colours).
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const reported = new Set<string>();
  const walk = (node: string) => {
    state.set(node, "active");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "active") {
        const cycle = [...stack.slice(stack.indexOf(next)), next];
        const key = [...cycle].sort().join("|");
        if (!reported.has(key)) {
          reported.add(key);
          violations.push({ file: node, specifier: next, rule: `import cycle: ${cycle.join(" → ")}` });
        }
      } else if (!state.has(next)) walk(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) walk(node);

  // Package-level cycles, from each package.json's dependencies and peer dependencies.
  const packageDeps = new Map<string, string[]>();
  for (const dir of existsSync(join(root, "packages")) ? readdirSync(join(root, "packages")) : []) {
    const manifest = join(root, "packages", dir, "package.json");
    if (!existsSync(manifest)) continue;
    const json = JSON.parse(readFileSync(manifest, "utf8")) as Record<string, Record<string, string> | undefined>;
    const deps = Object.keys({ ...json.dependencies, ...json.peerDependencies }).filter((d) => d.startsWith("@ewsdav/"));
    packageDeps.set(`@ewsdav/${dir}`, deps);
  }
  const reach = (from: string, seen = new Set<string>()): Set<string> => {
    for (const dep of packageDeps.get(from) ?? []) if (!seen.has(dep)) (seen.add(dep), reach(dep, seen));
    return seen;
  };
  for (const pkg of packageDeps.keys()) {
    if (reach(pkg).has(pkg)) violations.push({ file: `packages/${pkg.slice(8)}/package.json`, specifier: pkg, rule: "package dependency cycle" });
  }
  return violations;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const violations = checkLayering(resolve(dirname(new URL(import.meta.url).pathname), ".."));
  for (const v of violations) console.error(`${v.file}: '${v.specifier}': ${v.rule}`);
  console.log(violations.length === 0 ? "layering: no violation" : `layering: ${violations.length} violation(s)`);
  process.exit(violations.length === 0 ? 0 : 1);
}
