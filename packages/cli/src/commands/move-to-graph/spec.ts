import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav move-to-graph`. */
export const spec: CommandSpec = {
  name: "move-to-graph",
  summary: "Move a pair's Exchange end from EWS to Microsoft Graph, without a re-sync",
  description:
    "Moves one linked pair from an EWS account to a Microsoft Graph account of the same mailbox (Exchange Online, before EWS is switched off there): in the state file, every id of that end — the folder and each item — is translated to Graph's id of the same thing (Graph's translateExchangeIds), the versions are kept and that end's change cursor restarts. The next `ewsdav sync` lists the folder over Graph, finds every item it knows, and creates, deletes and rewrites nothing.\n\n" +
    "Run `ewsdav sync --pair PAIR` just before, so no interrupted work names EWS ids; the move refuses a pair that has some, and one another process is syncing (exit 6). An id Graph cannot translate (an item deleted since the last sync) is named and the pair is left as it was, unless --force: such an item is then taken as deleted on the Exchange end at the next sync. Running the move again after a crash finishes it or finds it done.\n\n" +
    "Then change the pair in the config, as the command prints: its Exchange end names the Graph account (and the folder by the id printed, or its display name), and the pair keeps its id.",
  options: {
    to: { type: "string", valueName: "ACCOUNT", description: "the Graph account of the same mailbox (default: the config's only Graph account)" },
    force: { type: "boolean", description: "move even when some item ids cannot be translated (those items count as deleted on the Exchange end)" },
  },
  positionals: [{ name: "PAIR", description: "the pair's id (as `ewsdav status` shows it)", required: true }],
  examples: [
    { command: "ewsdav sync --pair contacts && ewsdav move-to-graph contacts --to o365", description: "bring the pair level over EWS, then move its Exchange end to the Graph account o365" },
    { command: "ewsdav move-to-graph contacts --json", description: "the move's report as JSON (ids translated, failures)" },
  ],
  load: () => import("./run.js"),
};
