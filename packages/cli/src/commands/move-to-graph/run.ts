/**
 * `ewsdav move-to-graph PAIR`: moves the EWS end of a linked pair to a Microsoft Graph account of
 * the same mailbox (`movePairToGraph` of `@ewsdav/core/graph`: ids translated in the state file in
 * one transaction under the pair's lease, versions kept, that end's cursor restarted), then says
 * what to change in the config so that the next sync runs the pair over Graph.
 */
import { MoveError, movePairToGraph, type MoveReport } from "@ewsdav/core/graph";
import { graphAccountFor } from "../../accounts-graph.js";
import type { CliContext } from "../../cli/context.js";
import { CliError, EXIT } from "../../exit-codes.js";
import { configEntryOf, linkedPair, openStateFile } from "../status/state-file.js";

/** Runs `ewsdav move-to-graph`. */
export async function run(context: CliContext): Promise<number> {
  const pairId = context.args.positionals[0]!;
  const opened = openStateFile(context);
  try {
    const config = opened.config;
    if (!config) throw new CliError(`move-to-graph needs the config (${context.configPath}) for the Graph account`, EXIT.usage);
    const pair = await linkedPair(opened.store, pairId);
    const graphAccounts = Object.entries(config.accounts).filter(([, a]) => a.type === "graph");
    const to = typeof context.args.values.to === "string" ? context.args.values.to : graphAccounts.length === 1 ? graphAccounts[0]![0] : undefined;
    if (to === undefined) {
      throw new CliError(
        graphAccounts.length === 0
          ? `${context.configPath} has no Microsoft Graph account ("type": "graph"): add one for the mailbox first (see docs/exchange-online.md)`
          : `${context.configPath} has ${graphAccounts.length} Graph accounts (${graphAccounts.map(([n]) => n).join(", ")}): name one with --to`,
        EXIT.usage,
      );
    }
    const account = config.accounts[to];
    if (!account || account.type !== "graph") throw new CliError(`--to ${to}: ${account ? `accounts.${to} is of type "${account.type}", not "graph"` : `no account named "${to}"`}`, EXIT.usage);
    // The end to move: the one whose side is an EWS account of the config (none left: moved already).
    const ewsSlots = (["remote", "local"] as const).filter((slot) => config.accounts[pair[slot].side]?.type === "ews");
    const movedSlots = (["remote", "local"] as const).filter((slot) => pair[slot].side === to);
    if (ewsSlots.length === 0 && movedSlots.length === 0) throw new CliError(`pair ${pairId} (${pair.remote.side} ↔ ${pair.local.side}) has no end on an EWS account of the config`, EXIT.usage);
    const slot = ewsSlots[0] ?? movedSlots[0]!;
    const from = pair[slot].side;
    let report: MoveReport;
    if (ewsSlots.length === 0) {
      report = { pairId, slot, moved: false, alreadyMoved: true, collection: { from: pair[slot].collection, to: pair[slot].collection }, items: 0, pending: 0, failed: [] };
    } else {
      const graph = await graphAccountFor(to, account, { warn: (message) => context.warn(`${to}: ${message}`) });
      try {
        context.detail(`moving the ${slot} end of ${pairId} from ${from} (EWS) to ${to} (Graph)`);
        report = await movePairToGraph(opened.store, pairId, slot, graph.client, {
          sideName: to,
          fromSide: from,
          ...(context.args.values.force === true ? { force: true } : {}),
          signal: context.signal,
        });
      } catch (error) {
        if (error instanceof MoveError) {
          const code = error.code === "pair-busy" ? EXIT.pairBusy : error.code === "untranslatable" ? EXIT.itemsFailed : EXIT.usage;
          throw new CliError(`${error.message}${error.code === "interrupted-cycle" ? ` (run \`ewsdav sync --pair ${pairId}\` first)` : ""}`, code);
        }
        throw error;
      } finally {
        await graph.close();
      }
    }
    for (const f of report.failed) context.say(`  not translated: ${f.what} ${f.uid ?? ""} ${f.id.slice(0, 24)}… ${f.code ?? ""} ${f.message}`.replace(/\s+/g, " "));
    if (report.alreadyMoved) context.say(`${pairId} was moved already (its ${slot} end names ${to})`);
    else if (report.moved) {
      context.say(`moved the ${slot} end of ${pairId} from ${from} (EWS) to ${to} (Graph): the folder and ${report.items} item${report.items === 1 ? "" : "s"} translated${report.pending ? `, ${report.pending} pending re-read${report.pending === 1 ? "" : "s"}` : ""}${report.failed.length ? `; ${report.failed.length} not translated (--force: taken as deleted on ${to})` : ""}`);
    }
    const entry = configEntryOf(config, pair);
    const field = slot === "remote" ? "folder" : "collection";
    const where = entry === null ? "the pair's entry in pairs" : `pairs.${entry}`;
    context.say(`now change ${where} in ${context.configPath}: "${slot}": { "account": "${to}", "${field}": "${report.collection.to}" }${entry !== null && config.pairs[entry]!.id === pairId ? "" : `, and give it "id": "${pairId}"`}; then run ewsdav sync --pair ${pairId}`);
    context.event({ type: "moved", pairId, slot, from, to, report });
    context.result({ ...report, from, to });
    return report.moved || report.alreadyMoved ? EXIT.ok : EXIT.itemsFailed;
  } finally {
    await opened.store.close();
  }
}
