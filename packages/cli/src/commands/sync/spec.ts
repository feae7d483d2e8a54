import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav sync`. */
export const spec: CommandSpec = {
  name: "sync",
  summary: "Sync the configured pairs once",
  description:
    "Runs one sync cycle for every pair of the config (or the pairs named with --pair): reads what changed on each side since the last run, carries it across and records where each side stands. A pair another process is syncing is waited for (lease.waitSeconds), then reported as busy. Nothing is lost if the run is killed: the next run finishes what was under way.",
  options: {
    "dry-run": { type: "boolean", short: "n", description: "say what would change, change nothing (not even the state file)" },
    pair: { type: "string", short: "p", multiple: true, valueName: "ID", description: "sync only this pair (repeatable)" },
  },
  examples: [
    { command: "ewsdav sync", description: "sync every pair of ~/.config/ewsdav/config.json" },
    { command: "ewsdav sync --dry-run --pair contacts", description: "show what syncing the pair 'contacts' would change" },
    { command: "ewsdav sync --json | jq .pairs[].local", description: "the report as JSON, for a script" },
  ],
  load: () => import("./run.js"),
};
