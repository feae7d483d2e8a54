import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav status`. */
export const spec: CommandSpec = {
  name: "status",
  summary: "Show the last runs of each pair",
  description:
    "Shows, for every linked pair (or the one named with --pair), its two ends, whether a sync is running on it now (who holds its lease), whether an interrupted run left work that the next run finishes, and its last runs, newest first: when, what started it (once, watch, items), how it ended (ok, items-failed, stopped with the reason), what it created, updated and deleted on each side, and the errors and dropped properties it met.\n\n" +
    "Everything comes from the state file: no server is contacted, so it works offline and while a sync runs. The state file keeps the last 50 runs of each pair.\n\n" +
    "Exit code 0, or 2 when the config or the state file is missing (nothing has been synced yet) or --pair names no linked pair.",
  options: {
    pair: { type: "string", short: "p", valueName: "ID", description: "show only this pair" },
    runs: { type: "string", valueName: "N", description: "how many runs per pair to show (default 5)" },
    state: { type: "string", valueName: "FILE", description: "read this state file instead of the config's" },
  },
  examples: [
    { command: "ewsdav status", description: "the last 5 runs of every pair" },
    { command: "ewsdav status --pair contacts --runs 20", description: "the last 20 runs of the pair 'contacts'" },
    { command: "ewsdav status --json | jq '.pairs[] | {id, last: .runs[0].outcome}'", description: "each pair's last outcome, for a script" },
  ],
  load: () => import("./run.js"),
};
