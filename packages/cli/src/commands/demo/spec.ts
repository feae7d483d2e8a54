import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav demo`. */
export const spec: CommandSpec = {
  name: "demo",
  summary: "Run the demo: an EWS simulator synced with a folder of files",
  description:
    "Starts the EWS simulator (the package @ewsdav/ews-simulator) with a seeded mailbox, links its folders to a vdir folder under a temporary directory, syncs, changes one item on each side, syncs again and shows both changes arrived. With --watch it then stays in active mode until Ctrl-C.",
  options: {
    keep: { type: "boolean", description: "keep the folder and state file afterwards" },
    watch: { type: "boolean", short: "w", description: "then keep syncing live until Ctrl-C" },
  },
  examples: [{ command: "ewsdav demo --watch", description: "the demo, then live sync of edits until Ctrl-C" }],
  load: () => import("./run.js"),
};
