/** `ewsdav reset-pair PAIR`: forgets a pair's item correlations, journal and cursors under its lease; the link stays. */
import type { CliContext } from "../../cli/context.js";
import { EXIT } from "../../exit-codes.js";
import { confirm, linkedPair, openStateFile, stateEngine } from "../status/state-file.js";

/** Runs `ewsdav reset-pair`. */
export async function run(context: CliContext): Promise<number> {
  const pairId = context.args.positionals[0]!;
  const opened = openStateFile(context);
  try {
    const pair = await linkedPair(opened.store, pairId);
    const question =
      `Forget what the state knows of the items of ${pairId} (${pair.remote.side} ↔ ${pair.local.side})? ` +
      "The next sync reads every item again and pairs them by UID; deletions not yet synced come back, and where copies differ the conflict policy decides.";
    if (!(await confirm(context, question))) {
      context.say("nothing changed");
      return EXIT.ok;
    }
    const engine = await stateEngine(opened);
    const forgotten = await engine.resetPair(pairId, { signal: context.signal });
    context.say(
      `reset ${pairId}: forgot ${forgotten.items} item record${forgotten.items === 1 ? "" : "s"}` +
        `${forgotten.journal ? ` and ${forgotten.journal} interrupted side effect${forgotten.journal === 1 ? "" : "s"}` : ""}, and both change cursors; the link stays`,
    );
    context.say("the next `ewsdav sync` reads both sides in full and pairs the items by UID");
    context.result({ reset: pairId, forgotten: { items: forgotten.items, journal: forgotten.journal } });
    context.event({ type: "reset", pairId, forgotten });
    return EXIT.ok;
  } finally {
    await opened.store.close();
  }
}
