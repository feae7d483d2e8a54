import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav config schema`. */
export const spec: CommandSpec = {
  name: "config schema",
  summary: "Print the JSON Schema of the config file",
  description: "Print the JSON Schema of the config file.",
  options: {},
  examples: [{ command: "ewsdav config schema", description: "Print the JSON Schema of the config file" }],
  load: () => import("./run.js"),
};
