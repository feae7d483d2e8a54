import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav init`. */
export const spec: CommandSpec = {
  name: "init",
  summary: "Set up accounts and pairs interactively and write the config",
  description: "Set up accounts and pairs interactively and write the config.",
  options: {},
  examples: [{ command: "ewsdav init", description: "Set up accounts and pairs interactively and write the config" }],
  load: () => import("./run.js"),
};
