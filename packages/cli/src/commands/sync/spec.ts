import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav sync`. */
export const spec: CommandSpec = {
  name: "sync",
  summary: "Sync the configured pairs once",
  description:
    "Runs one sync cycle for every pair of the config (or the pairs named with --pair): reads what changed on each side since the last run, carries it across and records where each side stands. A pair another process is syncing is waited for (lease.waitSeconds), then reported as busy (exit code 6). Nothing is lost if the run is killed: the next run finishes what was under way.\n\n" +
    "Output: a summary line per pair, what a side could not store and why, and errors on stderr; on a terminal a progress bar per pair while a long sync runs. --json prints one document at the end (per pair: the side names, counts, dropped properties, errors, the exit code); --json-lines prints one event per line as it goes (notice, pair-start, progress, dropped, error, pair-end) and a final done.\n\n" +
    "A safety check stops a pair whose cycle would delete more than a fifth (and more than 10) of a side's items, or whose side suddenly lists nothing or reports all of its items deleted (three or more): nothing is written to it and the exit code is 5. Check the plan with --dry-run, then run again with --allow-mass-delete or --allow-empty-side if it is intended.\n\n" +
    "A pair stays linked to the folder and collection it was first linked to, under its id: to point a configured pair at another folder, `ewsdav unlink` it first (or give it a new id).",
  options: {
    "dry-run": { type: "boolean", short: "n", description: "say what would change and change nothing on either side (the state file records only that a dry run happened, for `ewsdav status`)" },
    pair: { type: "string", short: "p", multiple: true, valueName: "ID", description: "sync only this pair (repeatable); the ids are in the output and in `ewsdav status`" },
    "allow-mass-delete": { type: "boolean", description: "let this run delete more than the safety threshold" },
    "allow-empty-side": { type: "boolean", description: "let a side that lists nothing empty the other side" },
  },
  examples: [
    { command: "ewsdav sync", description: "sync every pair of ~/.config/ewsdav/config.json" },
    { command: "ewsdav sync --dry-run --pair contacts", description: "show what syncing the pair 'contacts' would change" },
    { command: "ewsdav sync --json | jq '.pairs[] | {id, exitCode, errors}'", description: "the report as JSON, for a script" },
    { command: "ewsdav sync --quiet || echo \"sync failed with $?\"", description: "from cron: print nothing but errors, act on the exit code" },
  ],
  load: () => import("./run.js"),
};
