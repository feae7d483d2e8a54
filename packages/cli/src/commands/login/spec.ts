import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav login`. */
export const spec: CommandSpec = {
  name: "login",
  summary: "Sign in to an OAuth account and keep its tokens",
  description: "Sign in to an OAuth account and keep its tokens.",
  options: {},
  examples: [{ command: "ewsdav login", description: "Sign in to an OAuth account and keep its tokens" }],
  load: () => import("./run.js"),
};
