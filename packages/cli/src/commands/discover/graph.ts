/**
 * `ewsdav discover --account NAME` for a Microsoft Graph account of the config: signs in and lists
 * the mailbox's collections as the Graph side sees them — contact folders, calendars, To Do lists —
 * with the ids and display names a pair may name. Text mode: one line per collection; `--json`:
 * `{ ok, account, collections }`; `--json-lines`: one `collection` event each.
 */
import { GraphSide } from "@ewsdav/core/graph";
import { graphAccountFor } from "../../accounts-graph.js";
import type { CliContext } from "../../cli/context.js";
import { loadConfig } from "../../config.js";
import { CliError, EXIT } from "../../exit-codes.js";

/** Lists the collections of the Graph account `name`. */
export async function discoverGraph(context: CliContext, name: string): Promise<number> {
  const config = loadConfig(context.configPath, { warn: context.warn });
  const account = config.accounts[name];
  if (!account) throw new CliError(`no account named "${name}" in ${context.configPath} (accounts: ${Object.keys(config.accounts).join(", ")})`, EXIT.usage);
  if (account.type !== "graph") throw new CliError(`accounts.${name}: --account lists a Microsoft Graph account's collections; this one is of type "${account.type}"`, EXIT.usage);
  const opened = await graphAccountFor(name, account, { warn: (message) => context.warn(`${name}: ${message}`) });
  try {
    const collections = await new GraphSide({ client: opened.client, name }).listCollections(context.signal);
    context.say(`${name}: ${collections.length} collections of ${account.user ?? "the signed-in user"} at ${opened.baseUrl}`);
    const width = Math.max(8, ...collections.map((c) => c.kind.length));
    for (const c of collections) {
      context.say(`  ${c.kind.padEnd(width)}  ${c.displayName}  (${c.id})`);
      context.event({ type: "collection", account: name, kind: c.kind, id: c.id, displayName: c.displayName });
    }
    context.result({ ok: true, account: name, collections: collections.map((c) => ({ kind: c.kind, id: c.id, displayName: c.displayName })) });
    return EXIT.ok;
  } finally {
    await opened.close();
  }
}
