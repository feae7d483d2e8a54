import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav discover`. */
export const spec: CommandSpec = {
  name: "discover",
  summary: "Find an address's EWS endpoint by autodiscover",
  description: "Find an address's EWS endpoint by autodiscover.",
  options: {},
  examples: [{ command: "ewsdav discover", description: "Find an address's EWS endpoint by autodiscover" }],
  load: () => import("./run.js"),
};
