/** `ewsdav unlink PAIR`: forgets a linked pair and its state under the pair's lease; no item is touched. */
import type { CliContext } from "../../cli/context.js";
import { EXIT } from "../../exit-codes.js";
import { configEntryOf, confirm, linkedPair, openStateFile, stateEngine } from "../status/state-file.js";

/** Runs `ewsdav unlink`. */
export async function run(context: CliContext): Promise<number> {
  const pairId = context.args.positionals[0]!;
  const opened = openStateFile(context);
  try {
    const pair = await linkedPair(opened.store, pairId);
    const entry = configEntryOf(opened.config, pair);
    const ends = `${pair.remote.side} ${pair.remote.collection} ↔ ${pair.local.side} ${pair.local.collection}`;
    if (!(await confirm(context, `Forget the pair ${pairId} (${ends}) and all its state? No item is touched.`))) {
      context.say("nothing changed");
      return EXIT.ok;
    }
    const engine = await stateEngine(opened);
    await engine.unlink(pairId, { signal: context.signal });
    context.say(`unlinked ${pairId} (${ends}); no item was touched`);
    if (opened.config) {
      context.say(
        entry !== null
          ? `the config still lists it as pairs[${entry}]: remove that entry, or the next \`ewsdav sync\` links it again (pairing the items on both sides by UID)`
          : "if the config still lists it, remove that entry, or the next `ewsdav sync` links it again (pairing the items on both sides by UID)",
      );
    }
    context.result({ unlinked: pairId, kind: pair.kind, remote: pair.remote, local: pair.local, configEntry: entry, itemsTouched: 0 });
    context.event({ type: "unlinked", pairId, configEntry: entry });
    return EXIT.ok;
  } finally {
    await opened.store.close();
  }
}
