import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkLayering, formatViolation, isTestFile, MAX_SOURCE_LINES, readImports } from "../scripts/check-layering.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** A throwaway tree of packages, removed after the file's tests. */
function makeTree(files: Record<string, string>): string {
  const tree = mkdtempSync(join(tmpdir(), "ewsdav-layering-"));
  afterAll(() => rmSync(tree, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), text);
  }
  return tree;
}

const rulesOf = (tree: string, allow: readonly string[] = []) => checkLayering(tree, { allow }).map((v) => `${v.file} ${v.specifier} :: ${v.rule}`);

describe("layering", () => {
  it("holds for the repository", () => {
    expect(checkLayering(ROOT).map(formatViolation)).toEqual([]);
  });

  describe("catches each kind of violation in a tree made for it", () => {
    const tree = makeTree({
      "packages/core/package.json": JSON.stringify({ dependencies: { "@ewsdav/mappers": "*" } }),
      "packages/mappers/package.json": JSON.stringify({ dependencies: { "@ewsdav/core": "*" } }),
      "packages/core/src/engine/plan.ts": `import { request } from "undici";\nimport type { X } from "@ewsdav/ews-client";\nimport { a } from "../sides/ews.js";\nimport { fetchJson } from "@ewsdav/http";\nimport { parse } from "@ewsdav/vobject";\n`,
      "packages/core/src/sides/ews.ts": `export const a = 1;\n`,
      "packages/mappers/src/contact.ts": `import { readFileSync } from "node:fs";\nimport { Client } from "@ewsdav/ews-client";\nimport type { Contact } from "@ewsdav/ews-client";\nimport { unfold } from "@ewsdav/vobject";\nimport { fetchJson } from "@ewsdav/http";\n`,
      "packages/ews-client/src/index.ts": `import { plan } from "@ewsdav/core";\nimport { x } from "../../dav-client/src/index.js";\nimport { fetchJson } from "@ewsdav/http";\nimport { unfold } from "@ewsdav/vobject";\nimport type { DavClient } from "@ewsdav/dav-client";\n`,
      "packages/dav-client/src/index.ts": `export const x = 1;\n`,
      "packages/dav-client/src/a.ts": `import { b } from "./b.js";\nexport const a = 1;\n`,
      "packages/dav-client/src/b.ts": `import { a } from "./a.js";\nexport const b = 2;\n`,
      "packages/dav-client/src/c.ts": `import type { a } from "./a.js";\nexport const c = 3;\n`,
    });
    const rules = rulesOf(tree);

    it("engine importing a protocol client, the HTTP stack or a side (the vobject toolkit is fine)", () => {
      expect(rules.filter((r) => r.startsWith("packages/core/src/engine/plan.ts"))).toEqual([
        "packages/core/src/engine/plan.ts undici :: core/src/engine imports no protocol client, HTTP stack or database driver at run time",
        "packages/core/src/engine/plan.ts ../sides/ews.js :: core/src/engine does not import the sides or stores built on clients and drivers",
        "packages/core/src/engine/plan.ts @ewsdav/http :: core/src/engine imports no protocol client, HTTP stack or database driver at run time",
      ]);
    });
    it("mappers doing I/O or importing a package at run time (a type import and the vobject toolkit are fine)", () => {
      expect(rules.filter((r) => r.startsWith("packages/mappers/src"))).toEqual([
        "packages/mappers/src/contact.ts node:fs :: mappers do no I/O",
        "packages/mappers/src/contact.ts @ewsdav/ews-client :: mappers may only `import type` from @ewsdav/ews-client",
        "packages/mappers/src/contact.ts @ewsdav/http :: mappers import only @ewsdav/vobject, and @ewsdav/ews-client as types",
      ]);
    });
    it("a client importing core, another package by a relative path, or anything but @ewsdav/http at run time", () => {
      expect(rules.filter((r) => r.startsWith("packages/ews-client/src"))).toEqual([
        "packages/ews-client/src/index.ts @ewsdav/core :: ews-client never imports core or mappers",
        "packages/ews-client/src/index.ts ../../dav-client/src/index.js :: a package reaches into another package's files by a relative path; import it by its name",
        "packages/ews-client/src/index.ts @ewsdav/vobject :: ews-client imports, of the ewsdav packages, only @ewsdav/http at run time",
      ]);
    });
    it("file cycles over run-time imports, and package cycles (manifests and imports)", () => {
      expect(rules.filter((r) => r.includes("cycle"))).toEqual([
        "packages/dav-client/src/b.ts packages/dav-client/src/a.ts :: import cycle: packages/dav-client/src/a.ts → packages/dav-client/src/b.ts → packages/dav-client/src/a.ts",
        "packages/core/package.json @ewsdav/ews-client :: package cycle (manifests and source imports, type-only included): @ewsdav/core → @ewsdav/ews-client → @ewsdav/core",
        "packages/core/package.json @ewsdav/mappers :: package cycle (manifests and source imports, type-only included): @ewsdav/core → @ewsdav/mappers → @ewsdav/core",
      ]);
    });
  });

  describe("type-only import cycles", () => {
    // The shapes found on main: engine cycle.ts → events.ts → watch.ts → cycle.ts, where only
    // the last import is for types, and mappers codec.ts ↔ properties.ts.
    const tree = makeTree({
      "packages/core/src/engine/cycle.ts": `import { emit } from "./events.js";\nexport class Cycle {}\n`,
      "packages/core/src/engine/events.ts": `import { watchState } from "./watch.js";\nexport const emit = 1;\n`,
      "packages/core/src/engine/watch.ts": `import type { Cycle } from "./cycle.js";\nexport const watchState = 2;\n`,
      "packages/mappers/src/vobject/codec.ts": `export type { Prop } from "./properties.js";\nexport const parse = 1;\n`,
      "packages/mappers/src/vobject/properties.ts": `export type Prop = ReturnType<typeof import("./codec.js").parse>;\n`,
      "packages/mappers/src/vobject/clean.ts": `import type { Prop } from "./properties.js";\n`,
    });
    const rules = rulesOf(tree);

    it("reports each, named as going through type-only imports", () => {
      expect(rules).toEqual([
        "packages/core/src/engine/watch.ts packages/core/src/engine/cycle.ts :: import cycle (through type-only imports): packages/core/src/engine/cycle.ts → packages/core/src/engine/events.ts → packages/core/src/engine/watch.ts → packages/core/src/engine/cycle.ts",
        "packages/mappers/src/vobject/codec.ts packages/mappers/src/vobject/properties.ts :: import cycle (through type-only imports): packages/mappers/src/vobject/properties.ts → packages/mappers/src/vobject/codec.ts → packages/mappers/src/vobject/properties.ts",
      ]);
    });

    it("reads `import type`, `export type` and `import(\"x\").T` as type-only, `import { type A }` as run time", () => {
      const file = join(tree, "packages/mappers/src/vobject/kinds.ts");
      writeFileSync(file, `import type { A } from "./a.js";\nimport { type B } from "./b.js";\nexport type { C } from "./c.js";\nlet d: import("./d.js").D;\nconst e = await import("./e.js");\n`);
      expect(readImports(tree, file).map((e) => `${e.specifier} ${e.typeOnly ? "type" : "run"}`)).toEqual(["./a.js type", "./b.js run", "./c.js type", "./d.js type", "./e.js run"]);
    });

    it("an allow-list leaves a known one out, and a stale entry is reported", () => {
      const known = "packages/core/src/engine/watch.ts: import cycle (through type-only imports): packages/core/src/engine/cycle.ts → packages/core/src/engine/events.ts → packages/core/src/engine/watch.ts → packages/core/src/engine/cycle.ts";
      const stale = "packages/core/src/engine/gone.ts: import cycle: gone";
      const left = rulesOf(tree, [known, stale]);
      expect(left.filter((r) => r.includes("engine/watch.ts"))).toEqual([]);
      expect(left.filter((r) => r.includes("stale"))).toEqual([`packages/core/src/engine/gone.ts  :: stale allow-list entry (nothing matches it any more): ${stale}`]);
    });
  });

  describe("the new packages", () => {
    const tree = makeTree({
      "packages/http/package.json": JSON.stringify({ dependencies: { undici: "*", "@ewsdav/vobject": "*" } }),
      "packages/http/src/index.ts": `import { Agent } from "undici";\nimport type { Contact } from "@ewsdav/ews-client";\n`,
      "packages/vobject/package.json": JSON.stringify({ dependencies: {} }),
      "packages/vobject/src/index.ts": `import { readFile } from "node:fs/promises";\nimport { plan } from "@ewsdav/core";\nexport const ok = 1;\n`,
      "packages/vobject/src/parse.test.ts": `import { readFileSync } from "node:fs";\nimport { startEwsSimulator } from "@ewsdav/ews-simulator";\n`,
      "packages/ews-simulator/package.json": JSON.stringify({ dependencies: { "@ewsdav/ews-client": "*" }, devDependencies: { "@ewsdav/core": "*" } }),
      "packages/ews-simulator/src/server.ts": `import { EwsClient } from "@ewsdav/ews-client";\nimport type { Contact } from "@ewsdav/ews-client";\n`,
      "packages/ews-simulator/src/server.test.ts": `import { EwsClient } from "@ewsdav/ews-client";\n`,
      "packages/dav-client/package.json": JSON.stringify({ dependencies: { "@ewsdav/http": "*" }, devDependencies: { "@ewsdav/ews-simulator": "*" } }),
      "packages/dav-client/src/transport.ts": `import { fetchJson } from "@ewsdav/http";\n`,
      "packages/dav-client/src/loopback.test-support.ts": `import { startEwsSimulator } from "@ewsdav/ews-simulator";\n`,
      "packages/core/package.json": JSON.stringify({ peerDependencies: { "@ewsdav/ews-simulator": "*" } }),
      "packages/core/src/sides/ews.ts": `import { startEwsSimulator } from "@ewsdav/ews-simulator";\n`,
      "packages/mappers/package.json": JSON.stringify({ dependencies: { "@ewsdav/ews-client": "*", "@ewsdav/vobject": "*" } }),
    });
    const rules = rulesOf(tree);

    it("@ewsdav/http imports and depends on no other ewsdav package, not even for types", () => {
      expect(rules.filter((r) => r.startsWith("packages/http/"))).toEqual([
        "packages/http/src/index.ts @ewsdav/ews-client :: @ewsdav/http imports no other ewsdav package",
        "packages/http/package.json @ewsdav/vobject :: @ewsdav/http depends on no other ewsdav package",
      ]);
    });
    it("@ewsdav/vobject is pure and alone (its tests may do anything)", () => {
      expect(rules.filter((r) => r.startsWith("packages/vobject/"))).toEqual([
        "packages/vobject/src/index.ts node:fs/promises :: @ewsdav/vobject is pure: no I/O",
        "packages/vobject/src/index.ts @ewsdav/core :: @ewsdav/vobject imports no other ewsdav package",
      ]);
    });
    it("the simulator uses the library only in tests, as types or as a devDependency", () => {
      expect(rules.filter((r) => r.startsWith("packages/ews-simulator/"))).toEqual([
        "packages/ews-simulator/src/server.ts @ewsdav/ews-client :: @ewsdav/ews-simulator imports the library only in its tests (or as types)",
        "packages/ews-simulator/package.json @ewsdav/ews-client :: @ewsdav/ews-simulator depends on the library only as a devDependency",
      ]);
    });
    it("the library never imports or depends on the simulator outside tests and test support", () => {
      expect(rules.filter((r) => r.includes("never") && r.includes("simulator"))).toEqual([
        "packages/core/src/sides/ews.ts @ewsdav/ews-simulator :: the library never imports @ewsdav/ews-simulator outside tests",
        "packages/core/package.json @ewsdav/ews-simulator :: the library never depends on @ewsdav/ews-simulator (a devDependency at most)",
      ]);
    });
    it("clients may import @ewsdav/http; mappers list @ewsdav/ews-client only as a peer or devDependency", () => {
      expect(rules.filter((r) => r.startsWith("packages/dav-client/"))).toEqual([]);
      expect(rules.filter((r) => r.startsWith("packages/mappers/"))).toEqual([
        "packages/mappers/package.json @ewsdav/ews-client :: mappers use @ewsdav/ews-client as types only: an optional peer or a devDependency, not a dependency",
      ]);
    });
  });

  describe("source file size", () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join("\n") + "\n";
    const tree = makeTree({
      "packages/core/src/big.ts": lines(MAX_SOURCE_LINES + 1),
      "packages/core/src/edge.ts": lines(MAX_SOURCE_LINES),
      "packages/core/src/big.test.ts": lines(MAX_SOURCE_LINES + 50),
      "packages/core/src/big.test-support.ts": lines(MAX_SOURCE_LINES + 50),
    });

    it(`reports a non-test source file over ${MAX_SOURCE_LINES} lines, not tests nor test support`, () => {
      expect(rulesOf(tree)).toEqual([`packages/core/src/big.ts  :: a non-test source file of ${MAX_SOURCE_LINES + 1} lines (at most ${MAX_SOURCE_LINES}): split it where a concept ends`]);
    });
    it("knows a test from test support from source", () => {
      expect(["a.test.ts", "a.test-support.ts", "a.ts", "test-support.ts", "a.tests.ts"].map(isTestFile)).toEqual([true, true, false, false, false]);
    });
  });
});
