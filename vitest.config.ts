import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

// Tests run from source: each package name resolves to its src/ entry, so no build is needed first.
const alias = [
  { find: /^@ewsdav\/http$/, replacement: src("http/src/index.ts") },
  { find: /^@ewsdav\/http\/undici$/, replacement: src("http/src/undici.ts") },
  { find: /^@ewsdav\/vobject$/, replacement: src("vobject/src/index.ts") },
  { find: /^@ewsdav\/ews-simulator$/, replacement: src("ews-simulator/src/index.ts") },
  { find: /^@ewsdav\/ews-client$/, replacement: src("ews-client/src/index.ts") },
  { find: /^@ewsdav\/dav-client$/, replacement: src("dav-client/src/index.ts") },
  { find: /^@ewsdav\/graph-client$/, replacement: src("graph-client/src/index.ts") },
  { find: /^@ewsdav\/graph-simulator$/, replacement: src("graph-simulator/src/index.ts") },
  { find: /^@ewsdav\/mappers$/, replacement: src("mappers/src/index.ts") },
  { find: /^@ewsdav\/core\/(ews|graph|dav|vdir)$/, replacement: src("core/src/sides/$1.ts") },
  { find: /^@ewsdav\/core\/(sqlite|postgres)$/, replacement: src("core/src/stores/$1.ts") },
  { find: /^@ewsdav\/core\/fleet$/, replacement: src("core/src/fleet.ts") },
  { find: /^@ewsdav\/core$/, replacement: src("core/src/index.ts") },
];

const fuzzMode = (process.env.EWSDAV_FUZZ ?? "") !== "" && process.env.EWSDAV_FUZZ !== "0";
// Fuzz mode without a seed: one seed for the whole run (the workers inherit it), printed for a replay.
if (fuzzMode && !process.env.EWSDAV_FUZZ_SEED) {
  process.env.EWSDAV_FUZZ_SEED = String((Date.now() ^ (process.pid << 16)) | 0);
  console.log(`fuzz mode: EWSDAV_FUZZ_SEED=${process.env.EWSDAV_FUZZ_SEED}`);
}

const unit = (name: string) => ({
  extends: true as const,
  test: { name, include: [`packages/${name}/src/**/*.test.ts`] },
});

export default defineConfig({
  resolve: { alias },
  test: {
    // fast-check runs every property from a fixed seed in the suite (a random one only in fuzz mode).
    setupFiles: [fileURLToPath(new URL("./test/harness/fast-check-setup.ts", import.meta.url))],
    // Properties make 20 times more runs in fuzz mode.
    testTimeout: fuzzMode ? 1_800_000 : 30_000,
    hookTimeout: 180_000,
    projects: [
      unit("core"),
      unit("http"),
      unit("vobject"),
      unit("ews-client"),
      unit("ews-simulator"),
      unit("dav-client"),
      unit("graph-client"),
      unit("graph-simulator"),
      unit("mappers"),
      unit("cli"),
      {
        extends: true,
        test: {
          name: "integration",
          include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts"],
          testTimeout: 120_000,
          // Integration tests start real servers; two cores are shared by all of them. They run
          // after the unit projects (a group of their own, as vitest requires for a different
          // maxWorkers).
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          // The built packages (dist/): the `ewsdav` binary, the packed tarballs and the kill sweeps' host run from them.
          globalSetup: [fileURLToPath(new URL("./test/harness/build.global-setup.ts", import.meta.url))],
        },
      },
    ],
  },
});
