import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav watch`. */
export const spec: CommandSpec = {
  name: "watch",
  summary: "Keep the configured pairs in sync until stopped",
  description:
    "Active mode: catches every pair up, then carries each change across within moments (Exchange pushes through streaming notifications; DAV collections and folders of files are polled), printing a line per change and a status line per pair now and then. Ctrl-C stops cleanly; a second Ctrl-C aborts the cycles in flight (their side effects are journaled and finished by the next run).",
  options: {},
  examples: [{ command: "ewsdav watch", description: "keep the pairs of the default config in sync" }],
  load: () => import("./run.js"),
};
