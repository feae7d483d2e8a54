import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav watch`. */
export const spec: CommandSpec = {
  name: "watch",
  summary: "Keep the configured pairs in sync until stopped",
  description:
    "Active mode: catches every pair up, then carries each change across within moments (Exchange pushes through streaming notifications; DAV collections and folders of files are polled), printing a line per change and a status line per pair now and then (watch.statusIntervalSeconds). Ctrl-C stops cleanly; a second Ctrl-C aborts the cycles in flight (their side effects are journaled and finished by the next run).\n\n" +
    "--json-lines prints one JSON event per line instead: watch-status (a side's push connected, reconnecting, polled…), change (one per item carried across: pair, to, op, uid), dropped, conflict, error, cycle (per cycle: triggers, counts, stop, next retry), status, and stopped at the end. --json is refused: a command that runs until stopped has no single document to print.",
  options: {},
  examples: [
    { command: "ewsdav watch", description: "keep the pairs of the default config in sync" },
    { command: "ewsdav watch --json-lines | jq -c 'select(.type == \"change\")'", description: "follow the changes as JSON, one per line" },
    { command: "ewsdav watch --config work.json --quiet", description: "as a service: print nothing but errors" },
  ],
  load: () => import("./run.js"),
};
