import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav reset-pair`. */
export const spec: CommandSpec = {
  name: "reset-pair",
  summary: "Forget a pair's state; the next run pairs the items again by UID",
  description: "Forget a pair's state; the next run pairs the items again by UID.",
  options: {},
  examples: [{ command: "ewsdav reset-pair", description: "Forget a pair's state; the next run pairs the items again by UID" }],
  load: () => import("./run.js"),
};
