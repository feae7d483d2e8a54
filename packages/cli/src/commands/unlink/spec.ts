import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav unlink`. */
export const spec: CommandSpec = {
  name: "unlink",
  summary: "Unlink a pair and forget its state (no item is touched)",
  description: "Unlink a pair and forget its state (no item is touched).",
  options: {},
  examples: [{ command: "ewsdav unlink", description: "Unlink a pair and forget its state (no item is touched)" }],
  load: () => import("./run.js"),
};
