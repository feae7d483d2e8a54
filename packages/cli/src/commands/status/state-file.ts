/**
 * Opening the state file of a config for the commands that read or change it without contacting a
 * server (`status`, `unlink`, `reset-pair`): the config gives its path (or `--state`), a file that
 * does not exist yet is a usage error (nothing has been synced), a pair id that is not linked is
 * one too (naming the linked ones). Also: which config entry a linked pair came from, and the
 * confirmation a command that forgets state asks for.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import type { PairRecord, SyncEngine } from "@ewsdav/core";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import type { CliContext } from "../../cli/context.js";
import { loadConfig, type SyncConfig } from "../../config.js";
import { CliError, EXIT } from "../../exit-codes.js";
// The CLI's own better-sqlite3, so the state store loads wherever npm put @ewsdav/core.
import Database from "better-sqlite3";

/** The state file of a run, opened, with the config it came from (`null` when `--state` named it and no config exists). */
export interface OpenedState {
  path: string;
  config: SyncConfig | null;
  store: SqliteStateStore;
}

/**
 * Opens the state file: `--state FILE` when given (the config is then read only if it exists),
 * else the config's `state`.
 * @throws CliError (exit 2) when the file does not exist yet.
 */
export function openStateFile(context: CliContext): OpenedState {
  const explicit = context.args.values.state;
  let config: SyncConfig | null = null;
  let path: string;
  if (typeof explicit === "string") {
    path = resolve(context.cwd, explicit);
    if (existsSync(context.configPath)) config = loadConfig(context.configPath, { warn: context.warn });
  } else {
    config = loadConfig(context.configPath, { warn: context.warn });
    path = config.state;
  }
  if (!existsSync(path)) {
    throw new CliError(`no state file at ${path} yet: nothing has been synced with this config (run \`ewsdav sync\` first)`, EXIT.usage);
  }
  return { path, config, store: new SqliteStateStore({ path, driver: Database }) };
}

/**
 * The linked pair of that id.
 * @throws CliError (exit 2) naming the linked pairs when there is none.
 */
export async function linkedPair(store: SqliteStateStore, pairId: string): Promise<PairRecord> {
  const pair = await store.getPair(pairId);
  if (pair) return pair;
  const ids = (await store.listPairs()).map((p) => p.id);
  throw new CliError(`no linked pair "${pairId}"; the state file knows ${ids.length ? ids.join(", ") : "no pair"}`, EXIT.usage);
}

/**
 * The index of the config's `pairs` entry a linked pair came from: the entry with its id, else the
 * one whose accounts and kind match and whose folder or collection names the pair's ids, else the
 * only entry with those accounts and kind; `null` when none or several could be it (display names
 * are resolved only by contacting the servers).
 */
export function configEntryOf(config: SyncConfig | null, pair: PairRecord): number | null {
  if (!config) return null;
  const byId = config.pairs.findIndex((p) => p.id === pair.id);
  if (byId >= 0) return byId;
  const candidates = config.pairs
    .map((p, index) => ({ p, index }))
    .filter(({ p }) => p.id === undefined && p.kind === pair.kind && p.remote.account === pair.remote.side && p.local.account === pair.local.side);
  const named = candidates.filter(({ p }) => p.remote.folder === pair.remote.collection || p.local.collection === pair.local.collection);
  if (named.length === 1) return named[0]!.index;
  return candidates.length === 1 ? candidates[0]!.index : null;
}

/**
 * Asks for confirmation before state is forgotten: `--yes` answers it; a terminal is asked (yes
 * to go on); without a terminal (a script, a pipe) the command refuses with exit 2.
 */
export async function confirm(context: CliContext, question: string): Promise<boolean> {
  if (context.args.values.yes === true) return true;
  if (!context.interactive) throw new CliError(`ewsdav ${context.command} forgets state and asks for confirmation first: pass --yes to run it without a terminal`, EXIT.usage);
  const prompt = createInterface({ input: context.stdin, output: context.stdout });
  try {
    const answer = await prompt.question(`${question} [y/N] `, { signal: context.signal });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

/**
 * An engine over the state file only (no side): what `unlink` and `reset-pair` call to forget
 * state under the pair's lease. It does not wait for a pair another process is syncing (`pair-busy`, exit 6).
 */
export async function stateEngine(opened: OpenedState): Promise<SyncEngine> {
  const { SyncEngine } = await import("@ewsdav/core");
  return new SyncEngine({ store: opened.store, sides: [], lease: { ttlMs: (opened.config?.lease.ttlSeconds ?? 60) * 1000, waitMs: 0 } });
}
