import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav demo`. */
export const spec: CommandSpec = {
  name: "demo",
  summary: "Run the demo: an EWS (or Graph) simulator synced with a folder of files",
  description:
    "Starts the EWS simulator (the package @ewsdav/ews-simulator) with a seeded mailbox, links its folders to a vdir folder under a temporary directory, syncs, changes one item on each side, syncs again and shows both changes arrived. With --watch it then stays in active mode until Ctrl-C.\n\n" +
    "With --graph the mailbox is reached through Microsoft Graph instead: the Graph simulator (@ewsdav/graph-simulator) serves the same mailbox, and the story is the same (the folders the Graph side lists; in active mode its delta feeds are polled).",
  options: {
    keep: { type: "boolean", description: "keep the folder and state file afterwards" },
    watch: { type: "boolean", short: "w", description: "then keep syncing live until Ctrl-C" },
    graph: { type: "boolean", description: "reach the mailbox through Microsoft Graph (the Graph simulator) instead of EWS" },
  },
  examples: [
    { command: "ewsdav demo --watch", description: "the demo, then live sync of edits until Ctrl-C" },
    { command: "ewsdav demo --graph", description: "the same demo over Microsoft Graph" },
  ],
  load: () => import("./run.js"),
};
