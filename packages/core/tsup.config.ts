import { defineConfig } from "tsup";

export default defineConfig({
  entry: {"index":"src/index.ts","ews":"src/sides/ews.ts","graph":"src/sides/graph.ts","dav":"src/sides/dav.ts","vdir":"src/sides/vdir.ts","sqlite":"src/stores/sqlite.ts","postgres":"src/stores/postgres.ts","fleet":"src/fleet.ts"},
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  // import.meta.url in the CJS build (the SQLite store resolves better-sqlite3 from where core is).
  shims: true,
  tsconfig: "tsconfig.build.json",
});
