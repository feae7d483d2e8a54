/**
 * `npm run sync -- --config sync.json [--dry-run]`: one sync cycle for the accounts and pairs of a
 * JSON config (see config.ts and sync.example.json). Exit code 0 when everything synced, 1 when a
 * pair stopped or an item failed, 2 for a bad config.
 */
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "./config.js";
import { runSync } from "./host.js";

const { values } = parseArgs({ options: { config: { type: "string" }, "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" } }, strict: true });
if (values.help || !values.config) {
  console.log("Usage: npm run sync -- --config sync.json [--dry-run]");
  process.exit(values.help ? 0 : 2);
}
try {
  const report = await runSync(loadConfig(values.config), { dryRun: values["dry-run"] ?? false });
  process.exit(report.ok ? 0 : 1);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`bad config: ${error.message}`);
    process.exit(2);
  }
  console.error(`sync failed: ${(error as Error).message}`);
  process.exit(1);
}
