import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav completion`. */
export const spec: CommandSpec = {
  name: "completion",
  summary: "Print a shell completion script for bash or zsh",
  description: "Print a shell completion script for bash or zsh.",
  options: {},
  examples: [{ command: "ewsdav completion", description: "Print a shell completion script for bash or zsh" }],
  load: () => import("./run.js"),
};
