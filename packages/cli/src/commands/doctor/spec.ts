import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav doctor`. */
export const spec: CommandSpec = {
  name: "doctor",
  summary: "Check each account: network, TLS, sign-in, server features, clock, state file",
  description: "Check each account: network, TLS, sign-in, server features, clock, state file.",
  options: {},
  examples: [{ command: "ewsdav doctor", description: "Check each account: network, TLS, sign-in, server features, clock, state file" }],
  load: () => import("./run.js"),
};
