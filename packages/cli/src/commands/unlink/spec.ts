import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav unlink`. */
export const spec: CommandSpec = {
  name: "unlink",
  summary: "Unlink a pair and forget its state (no item is touched)",
  description:
    "Forgets a linked pair: its item correlations, cursors, interrupted work and recorded runs are deleted from the state file. No item is touched on either side.\n\n" +
    "The config still lists the pair, and the next `ewsdav sync` would link it again (pairing the items already on both sides by UID, so nothing is duplicated): unlink says which entry of the config's pairs to remove to stop syncing it for good.\n\n" +
    "Like a sync, it takes the pair's lease first: while another process is syncing the pair it refuses with exit code 6 and forgets nothing (stop a running `ewsdav watch` before unlinking one of its pairs).\n\n" +
    "It asks for confirmation on a terminal; without one, pass --yes (otherwise exit code 2).",
  options: {
    yes: { type: "boolean", short: "y", description: "do not ask for confirmation" },
    state: { type: "string", valueName: "FILE", description: "use this state file instead of the config's" },
  },
  positionals: [{ name: "PAIR", description: "the pair's id (as `ewsdav status` shows it)", required: true }],
  examples: [
    { command: "ewsdav unlink contacts", description: "forget the pair 'contacts' (asks first)" },
    { command: "ewsdav unlink contacts --yes --json", description: "the same from a script, with the config entry to remove as JSON" },
  ],
  load: () => import("./run.js"),
};
