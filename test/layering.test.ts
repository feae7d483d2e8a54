import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkLayering } from "../scripts/check-layering.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

describe("layering", () => {
  it("holds for the repository", () => {
    expect(checkLayering(ROOT)).toEqual([]);
  });

  describe("catches each kind of violation in a tree made for it", () => {
    const tree = mkdtempSync(join(tmpdir(), "ewsdav-layering-"));
    afterAll(() => rmSync(tree, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(tree, path)), { recursive: true });
      writeFileSync(join(tree, path), text);
    };
    write("packages/core/package.json", JSON.stringify({ dependencies: { "@ewsdav/mappers": "*" } }));
    write("packages/mappers/package.json", JSON.stringify({ dependencies: { "@ewsdav/core": "*" } }));
    write("packages/core/src/engine/plan.ts", `import { request } from "undici";\nimport type { X } from "@ewsdav/ews-client";\nimport { a } from "../sides/ews.js";\n`);
    write("packages/core/src/sides/ews.ts", `export const a = 1;\n`);
    write("packages/mappers/src/contact.ts", `import { readFileSync } from "node:fs";\nimport { Client } from "@ewsdav/ews-client";\nimport type { Contact } from "@ewsdav/ews-client";\n`);
    write("packages/ews-client/src/index.ts", `import { plan } from "@ewsdav/core";\nimport { x } from "../../dav-client/src/index.js";\n`);
    write("packages/dav-client/src/index.ts", `export const x = 1;\n`);
    write("packages/dav-client/src/a.ts", `import { b } from "./b.js";\nexport const a = 1;\n`);
    write("packages/dav-client/src/b.ts", `import { a } from "./a.js";\nexport const b = 2;\n`);
    write("packages/dav-client/src/c.ts", `import type { a } from "./a.js";\nexport const c = 3;\n`);
    const rules = checkLayering(tree).map((v) => `${v.file} ${v.specifier} :: ${v.rule}`);

    it("engine importing a protocol client or a side", () => {
      expect(rules.filter((r) => r.startsWith("packages/core/src/engine/plan.ts"))).toEqual([
        "packages/core/src/engine/plan.ts undici :: core/src/engine imports no protocol client or database driver at run time",
        "packages/core/src/engine/plan.ts ../sides/ews.js :: core/src/engine does not import the sides or stores built on clients and drivers",
      ]);
    });
    it("mappers doing I/O or importing a package at run time (a type import is fine)", () => {
      expect(rules.filter((r) => r.startsWith("packages/mappers/src"))).toEqual([
        "packages/mappers/src/contact.ts node:fs :: mappers do no I/O",
        "packages/mappers/src/contact.ts @ewsdav/ews-client :: mappers may only `import type` from @ewsdav/ews-client",
      ]);
    });
    it("a client importing core, or another package by a relative path", () => {
      expect(rules.filter((r) => r.startsWith("packages/ews-client/src"))).toEqual([
        "packages/ews-client/src/index.ts @ewsdav/core :: ews-client never imports core or mappers",
        "packages/ews-client/src/index.ts ../../dav-client/src/index.js :: a package reaches into another package's files by a relative path; import it by its name",
      ]);
    });
    it("file cycles over run-time imports, and package cycles", () => {
      expect(rules.filter((r) => r.includes("cycle"))).toEqual([
        "packages/dav-client/src/b.ts packages/dav-client/src/a.ts :: import cycle: packages/dav-client/src/a.ts → packages/dav-client/src/b.ts → packages/dav-client/src/a.ts",
        "packages/core/package.json @ewsdav/core :: package dependency cycle",
        "packages/mappers/package.json @ewsdav/mappers :: package dependency cycle",
      ]);
    });
  });
});
