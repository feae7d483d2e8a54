import { defineConfig } from "tsup";

export default defineConfig({
  entry: {"index":"src/index.ts","undici":"src/undici.ts"},
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  // import.meta.url in the CommonJS build (undici.ts requires undici's parts relative to itself).
  shims: true,
  tsconfig: "tsconfig.build.json",
});
