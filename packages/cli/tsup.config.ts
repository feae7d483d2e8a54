import { defineConfig } from "tsup";

// A command, not a library: ESM only, no declarations. Each command's implementation is a
// dynamic import, so it lands in its own chunk and `ewsdav --help` loads none of them.
export default defineConfig({
  entry: { main: "src/main.ts" },
  format: ["esm"],
  dts: false,
  splitting: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  tsconfig: "tsconfig.build.json",
});
