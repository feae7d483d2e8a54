import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav status`. */
export const spec: CommandSpec = {
  name: "status",
  summary: "Show the last runs of each pair",
  description: "Show the last runs of each pair.",
  options: {},
  examples: [{ command: "ewsdav status", description: "Show the last runs of each pair" }],
  load: () => import("./run.js"),
};
