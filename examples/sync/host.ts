/**
 * The example sync host: builds one side per account and the engine from a {@link SyncConfig},
 * links the configured pairs (once; the state file remembers them) and runs one cycle.
 */
import { basicAuth, bearerAuth, EwsClient } from "@ewsdav/ews-client";
import { DavClient } from "@ewsdav/dav-client";
import { summarise, SyncEngine, type SyncReport, type SyncSide } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { EwsSide } from "@ewsdav/core/ews";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { VdirSide } from "@ewsdav/core/vdir";
import { ConfigError, type SyncConfig } from "./config.js";

function secretOf(s: { password?: string | undefined; passwordEnv?: string | undefined }, where: string): string {
  if (s.password !== undefined) return s.password;
  const value = process.env[s.passwordEnv!];
  if (!value) throw new ConfigError(`${where}: the environment variable ${s.passwordEnv} is not set`);
  return value;
}

/** Runs one cycle for every configured pair; prints progress and a summary with `print`. */
export async function runSync(config: SyncConfig, options: { dryRun?: boolean; print?: (line: string) => void } = {}): Promise<SyncReport> {
  const print = options.print ?? console.log;
  const closers: Array<() => Promise<void>> = [];
  const sides: SyncSide[] = [];
  for (const [name, account] of Object.entries(config.accounts)) {
    if (account.type === "vdir") sides.push(new VdirSide({ root: account.path, name }));
    else if (account.type === "dav") {
      const client = new DavClient({ baseUrl: account.url, auth: { type: "basic", username: account.username, password: secretOf(account, `accounts.${name}`) } });
      closers.push(() => client.close());
      sides.push(new DavSide({ client, name }));
    } else {
      const auth =
        account.auth.type === "basic"
          ? basicAuth({ username: account.auth.username, password: secretOf(account.auth, `accounts.${name}.auth`) })
          : bearerAuth(async () => {
              const token = process.env[(account.auth as { tokenEnv: string }).tokenEnv];
              if (!token) throw new ConfigError(`accounts.${name}.auth: the environment variable is not set`);
              return token;
            });
      const client = new EwsClient({ url: account.url, auth, ...(account.mailbox ? { mailbox: account.mailbox } : {}) });
      closers.push(async () => void (await client.close?.()));
      sides.push(new EwsSide({ client, name, ...(account.timeZone ? { timeZone: account.timeZone } : {}), ...(account.publicFolders ? { publicFolders: true } : {}) }));
    }
  }
  const store = new SqliteStateStore(config.state);
  closers.push(() => store.close());
  try {
    const engine = new SyncEngine({ store, sides, policy: config.policy, tagWrites: config.tagWrites });
    const linked = await engine.listPairs();
    const ids: string[] = [];
    for (const [i, pair] of config.pairs.entries()) {
      const remote = (await engine.listCollections(pair.remote.account)).find((c) => c.kind === pair.kind && (c.id === pair.remote.folder || c.displayName === pair.remote.folder));
      if (!remote) throw new ConfigError(`pairs.${i}.remote.folder: ${pair.remote.account} has no ${pair.kind} folder "${pair.remote.folder}"`);
      const existing = linked.find((p) => p.remote.side === pair.remote.account && p.remote.collection === remote.id);
      if (existing) {
        ids.push(existing.id);
        continue;
      }
      const local = (await engine.listCollections(pair.local.account)).find((c) => c.id === pair.local.collection || c.displayName === pair.local.collection);
      if (!local && !pair.local.create) throw new ConfigError(`pairs.${i}.local.collection: ${pair.local.account} has no collection "${pair.local.collection}" (set "create": true)`);
      if (options.dryRun) {
        // A dry run writes nothing, not even a link or a new collection: it says what it would link.
        print(`would link ${pair.remote.account}:"${remote.displayName}" ↔ ${pair.local.account}:${local ? local.id : `(new) ${pair.local.collection}`}`);
        continue;
      }
      const created = await engine.link({
        ...(pair.id ? { id: pair.id } : {}),
        kind: pair.kind,
        remote: { side: pair.remote.account, collection: remote.id },
        local: local ? { side: pair.local.account, collection: local.id } : { side: pair.local.account, create: { displayName: pair.local.collection } },
      });
      print(`linked ${pair.remote.account}:"${remote.displayName}" ↔ ${pair.local.account}:${created.local.collection}`);
      ids.push(created.id);
    }
    engine.events.on("progress", (p) => {
      if (p.phase === "writing" && p.total > 0 && p.done === p.total) print(`  ${p.pairId}: ${p.done}/${p.total} actions`);
    });
    const report = await engine.runOnce({ pairIds: ids, ...(options.dryRun ? { dryRun: true } : {}) });
    for (const p of report.pairs) {
      print(`${p.pairId}: ${summarise(p)}`);
      if (p.plan && options.dryRun) for (const a of p.plan) print(`  would ${a.kind} ${a.uid}${a.writes.length ? ` (${a.writes.map((w) => `${w.op} ${w.slot}`).join(", ")})` : ""}`);
      if (p.error) print(`  stopped: ${p.error.message}`);
      for (const e of p.errors) print(`  error ${e.code} ${e.slot ?? ""} ${e.uid ?? e.id ?? ""}: ${e.message}`);
    }
    return report;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}
