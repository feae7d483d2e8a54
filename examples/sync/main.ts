/**
 * `npm run sync -- --config sync.json [--dry-run | --watch]`: one sync cycle for the accounts and
 * pairs of a JSON config (see config.ts and sync.example.json), or with `--watch` active mode until
 * interrupted (Ctrl-C stops cleanly; a second Ctrl-C aborts the cycles in flight, whose side
 * effects are journaled and finished by the next run). Exit code 0 when everything synced, 1 when
 * a pair stopped (`pair-busy` included: another process held its lease for longer than
 * `lease.waitSeconds`) or an item failed, 2 for a bad config.
 */
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "./config.js";
import { runSync, startWatch } from "./host.js";

const { values } = parseArgs({
  options: { config: { type: "string" }, "dry-run": { type: "boolean" }, watch: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  strict: true,
});
if (values.help || !values.config || (values.watch && values["dry-run"])) {
  console.log("Usage: npm run sync -- --config sync.json [--dry-run | --watch]");
  process.exit(values.help ? 0 : 2);
}
try {
  const config = loadConfig(values.config);
  if (values.watch) {
    const running = await startWatch(config);
    let interrupts = 0;
    process.on("SIGINT", () => {
      interrupts++;
      console.log(interrupts === 1 ? "stopping (Ctrl-C again to abort the cycles in flight)…" : "aborting the cycles in flight…");
      void running.stop({ abortInFlight: interrupts > 1 });
    });
    process.on("SIGTERM", () => void running.stop());
    const stats = await running.done;
    console.log(`stopped after ${stats.cycles} cycles (${stats.failedCycles} failed)`);
    process.exit(0);
  }
  const report = await runSync(config, { dryRun: values["dry-run"] ?? false });
  process.exit(report.ok ? 0 : 1);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`bad config: ${error.message}`);
    process.exit(2);
  }
  console.error(`sync failed: ${(error as Error).message}`);
  process.exit(1);
}
