import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav reset-pair`. */
export const spec: CommandSpec = {
  name: "reset-pair",
  summary: "Forget a pair's state; the next run pairs the items again by UID",
  description:
    "Forgets what the state file knows of a pair's items — which item on one side is which on the other, the last synced content of each, the change cursors and any interrupted work — but keeps the link (and the recorded runs). The next `ewsdav sync` then reads both sides in full and pairs the items found on both by their UID (by content where an item has none), so nothing is duplicated and nothing is lost. Use it when the state no longer matches the servers (a restored backup, a folder recreated by hand).\n\n" +
    "What it costs: that next run reads and compares every item of both sides, however few changed. Without the last synced content it cannot tell which side changed an item: where the two copies differ, each differing property is settled by the conflict policy (remote-wins by default), so an edit not yet synced can be overwritten. And a deletion not yet synced cannot be told from an item never synced: the item comes back from the other side. Run `ewsdav sync` just before resetting, so both sides agree, and these cases cannot arise.\n\n" +
    "Like a sync, it takes the pair's lease first: while another process is syncing the pair it refuses with exit code 6 and forgets nothing. It asks for confirmation on a terminal; without one, pass --yes (otherwise exit code 2).",
  options: {
    yes: { type: "boolean", short: "y", description: "do not ask for confirmation" },
    state: { type: "string", valueName: "FILE", description: "use this state file instead of the config's" },
  },
  positionals: [{ name: "PAIR", description: "the pair's id (as `ewsdav status` shows it)", required: true }],
  examples: [
    { command: "ewsdav sync --pair contacts && ewsdav reset-pair contacts", description: "bring both sides level, then forget the pair's state (asks first)" },
    { command: "ewsdav reset-pair contacts --yes && ewsdav sync --pair contacts", description: "reset from a script and pair the items again at once" },
  ],
  load: () => import("./run.js"),
};
