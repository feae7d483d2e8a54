/**
 * The example sync host: builds one side per account (vdir, DAV, EWS, Microsoft Graph) and the engine from a {@link SyncConfig},
 * links the configured pairs (once; the state file remembers them) and runs one cycle
 * ({@link runSync}), or keeps them in sync until stopped ({@link startWatch}). What a run shows is
 * up to its caller: an observer subscribes to the engine's events (the `ewsdav` command's output
 * modes, `output/*`); without one, report lines are printed ({@link droppedLines} and the others
 * of `output/lines.ts`).
 */
import { EngineError, summarise, SyncEngine, type EngineEvents, type PairRecord, type PairReport, type SyncReport, type SyncSide, type SyncWatch, type TypedEmitter, type WatchStatistics } from "@ewsdav/core";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { VdirSide } from "@ewsdav/core/vdir";
import { ConfigError, type SyncConfig } from "./config.js";
import { CliError, EXIT } from "./exit-codes.js";
import { droppedLines, errorLines, planLines, stopLine, summaryLine, type PairSides } from "./output/lines.js";
import { pairCounts, pairEvents } from "./output/report-json.js";
// The CLI's own better-sqlite3, so the state store loads wherever npm put @ewsdav/core.
import Database from "better-sqlite3";

export { droppedLines, type PairSides };

/** A linked pair as output shows it: its id, kind and the names of its sides. */
export interface PairInfo extends PairSides {
  id: string;
  kind: string;
}

/** Watches a run: subscribes to the engine's events once the pairs are linked, before any cycle. */
export interface SyncObserver {
  /** Called once, with the engine's events and the pairs about to sync (by id). */
  start(events: TypedEmitter<EngineEvents>, pairs: ReadonlyMap<string, PairInfo>): void;
}

/** The engine of a config, its linked pair ids, and what to close. */
interface OpenedHost {
  engine: SyncEngine;
  /** The configured pairs' ids (a dry run leaves out pairs it would link). */
  ids: string[];
  /** The pairs as output shows them, by id. */
  pairs: Map<string, PairInfo>;
  close(): Promise<void>;
}

/** The ids of the config's pairs that have one. */
const configIds = (config: SyncConfig) => config.pairs.flatMap((p) => (p.id ? [p.id] : []));

async function openHost(
  config: SyncConfig,
  options: { dryRun: boolean; print: (line: string) => void; warn?: ((line: string) => void) | undefined; notifications: boolean; pairIds?: readonly string[] | undefined },
): Promise<OpenedHost> {
  const { print } = options;
  const warn = options.warn ?? ((line: string) => print(line));
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const fn of closers.reverse()) await fn().catch(() => undefined);
  };
  try {
    const store = new SqliteStateStore({ path: config.state, driver: Database });
    closers.push(() => store.close());
    const linked = await store.listPairs();
    const requested = options.pairIds ? new Set(options.pairIds) : undefined;
    if (requested) {
      // Checked before any server is contacted: an id the config and the state file both lack is a typo.
      const known = new Set([...configIds(config), ...linked.map((p) => p.id)]);
      const unknown = [...requested].filter((id) => !known.has(id));
      if (unknown.length > 0) {
        throw new CliError(`no pair ${unknown.map((id) => `"${id}"`).join(", ")} in ${config.pairs.length > 0 ? "the config or the state file" : "the config"}; the pairs are: ${[...known].join(", ") || "(none linked yet)"}`, EXIT.usage);
      }
    }
    const sides: SyncSide[] = [];
    for (const [name, account] of Object.entries(config.accounts)) {
      if (account.type === "vdir") sides.push(new VdirSide({ root: account.path, name }));
      else if (account.type === "dav") {
        // The DAV and EWS clients are loaded only for a config that has such an account (start-up time).
        const [{ DavSide }, { davClientFor }] = await Promise.all([import("@ewsdav/core/dav"), import("./accounts-dav.js")]);
        const client = davClientFor(name, account, { warn: (message) => warn(`${name}: warning: ${message}`) });
        closers.push(() => client.close());
        sides.push(new DavSide({ client, name }));
      } else if (account.type === "graph") {
        // The Graph client and side are loaded only for a config that has a Graph account.
        const [{ GraphSide }, { graphAccountFor }] = await Promise.all([import("@ewsdav/core/graph"), import("./accounts-graph.js")]);
        const opened = await graphAccountFor(name, account, { warn: (message) => warn(`${name}: warning: ${message}`) });
        closers.push(opened.close);
        sides.push(
          new GraphSide({
            client: opened.client,
            name,
            ...(account.timeZone ? { timeZone: account.timeZone } : {}),
            ...(account.calendarWindow ? { calendarWindow: account.calendarWindow } : {}),
          }),
        );
      } else {
        const [{ EwsSide }, { ewsAccountFor }] = await Promise.all([import("@ewsdav/core/ews"), import("./accounts.js")]);
        const opened = await ewsAccountFor(name, account, { warn: (message) => warn(`${name}: warning: ${message}`), notifications: options.notifications });
        closers.push(opened.close);
        if (options.notifications && account.notifications && !opened.notifications) print(`${name}: no "mailbox" configured, so its folders are polled instead of pushed`);
        sides.push(
          new EwsSide({
            client: opened.client,
            name,
            ...(account.timeZone ? { timeZone: account.timeZone } : {}),
            ...(account.publicFolders ? { publicFolders: true } : {}),
            ...(opened.notifications ? { notifications: opened.notifications } : {}),
          }),
        );
      }
    }
    const engine = new SyncEngine({
      store,
      sides,
      policy: config.policy,
      tagWrites: config.tagWrites,
      // One writer per pair: a pair another process is syncing is waited for, then reported as pair-busy.
      lease: { ttlMs: config.lease.ttlSeconds * 1000, waitMs: config.lease.waitSeconds * 1000 },
    });
    const ids: string[] = [];
    // Config entries without an id are found in the state by their remote folder, which takes a listing.
    const unnamedWanted = !requested || [...requested].some((id) => !configIds(config).includes(id));
    for (const [i, pair] of config.pairs.entries()) {
      if (requested && (pair.id ? !requested.has(pair.id) : !unnamedWanted)) continue;
      // A pair linked under its configured id needs no listing of the folders: a failing account then
      // stops only its pairs, in the report, instead of the whole run.
      const byId = pair.id ? linked.find((p) => p.id === pair.id && p.remote.side === pair.remote.account && p.local.side === pair.local.account) : undefined;
      if (byId) {
        ids.push(byId.id);
        continue;
      }
      // Nor does one linked to the folder the config names by its id (not by its display name).
      const byFolder = pair.id
        ? undefined
        : linked.find((p) => p.kind === pair.kind && p.remote.side === pair.remote.account && p.remote.collection === pair.remote.folder && p.local.side === pair.local.account);
      if (byFolder) {
        ids.push(byFolder.id);
        continue;
      }
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
      let created: PairRecord;
      try {
        created = await engine.link({
          ...(pair.id ? { id: pair.id } : {}),
          kind: pair.kind,
          remote: { side: pair.remote.account, collection: remote.id },
          local: local ? { side: pair.local.account, collection: local.id } : { side: pair.local.account, create: { displayName: pair.local.collection } },
        });
      } catch (error) {
        // Another process with this config linked it a moment ago (hosts started together): use its pair.
        const raced = error instanceof EngineError && error.code === "already-linked" ? (await engine.listPairs()).find((p) => p.remote.side === pair.remote.account && p.remote.collection === remote.id) : undefined;
        if (!raced) throw error;
        ids.push(raced.id);
        continue;
      }
      print(`linked ${pair.remote.account}:"${remote.displayName}" ↔ ${pair.local.account}:${created.local.collection}`);
      ids.push(created.id);
    }
    if (requested) {
      // Named, linked in the state file, but not (or no longer) in the config: not synced.
      const notConfigured = [...requested].filter((id) => !ids.includes(id) && !(options.dryRun && configIds(config).includes(id)));
      if (notConfigured.length > 0) throw new CliError(`pair ${notConfigured.map((id) => `"${id}"`).join(", ")} is in the state file but not in the config`, EXIT.usage);
    }
    const chosen = requested ? ids.filter((id) => requested.has(id)) : ids;
    const pairs = new Map((await engine.listPairs()).filter((p) => chosen.includes(p.id)).map((p) => [p.id, { id: p.id, kind: p.kind, local: p.local.side, remote: p.remote.side }]));
    return { engine, ids: chosen, pairs, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Options of {@link runSync}. */
export interface RunSyncOptions {
  /** Plan only: nothing is written, not even a link or the state file's cursors. */
  dryRun?: boolean;
  /** Sync only these pairs (ids as the engine and the config name them); an unknown one is a usage error naming it. */
  pairIds?: readonly string[];
  /** Lets the cycle delete more than the safety threshold (engine `allowMassDelete`). */
  allowMassDelete?: boolean;
  /** Lets a side that lists nothing empty the other (engine `allowEmptySide`). */
  allowEmptySide?: boolean;
  signal?: AbortSignal;
  /** Prints the host's own lines (linked, would link, account warnings) — and, without an observer, the report's. */
  print?: (line: string) => void;
  /** Receives the accounts' warnings (`<account>: warning: …`) instead of `print`. */
  warn?: (line: string) => void;
  /** Shows the run instead of the report lines (see {@link SyncObserver}). */
  observer?: SyncObserver;
}

/** The report lines of a pair (summary, dropped, plan, stop, errors), as printed without an observer. */
export function reportLines(report: PairReport, sides: PairSides, dryRun: boolean): string[] {
  const stop = stopLine(report);
  return [
    summaryLine(report),
    ...droppedLines(report, sides).map((l) => `  ${l}`),
    ...(dryRun ? planLines(report).map((l) => `  ${l}`) : []),
    ...(stop ? [`  ${stop}`] : []),
    ...errorLines(report).map((l) => `  ${l}`),
  ];
}

/** Runs one cycle for every configured pair (or those named); prints with `print`, or shows it through `observer`. */
export async function runSync(config: SyncConfig, options: RunSyncOptions = {}): Promise<SyncReport> {
  const print = options.print ?? console.log;
  const dryRun = options.dryRun ?? false;
  const { engine, ids, pairs, close } = await openHost(config, { dryRun, print, warn: options.warn, notifications: false, pairIds: options.pairIds });
  try {
    if (options.observer) options.observer.start(engine.events, pairs);
    else {
      engine.events.on("progress", (p) => {
        if (p.phase === "writing" && p.total > 0 && p.done === p.total) print(`  ${p.pairId}: ${p.done}/${p.total} actions`);
      });
    }
    const report = await engine.runOnce({
      pairIds: ids,
      ...(dryRun ? { dryRun: true } : {}),
      ...(options.allowMassDelete ? { allowMassDelete: true } : {}),
      ...(options.allowEmptySide ? { allowEmptySide: true } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!options.observer) {
      for (const p of report.pairs) for (const line of reportLines(p, pairs.get(p.pairId) ?? { local: "local", remote: "remote" }, dryRun)) print(line);
    }
    return report;
  } finally {
    await close();
  }
}

/** A running `--watch`. */
export interface RunningWatch {
  readonly watch: SyncWatch;
  /** Stops (gracefully, or aborting the cycles in flight) and closes every connection. */
  stop(options?: { abortInFlight?: boolean }): Promise<void>;
  /** Resolves with the watch's counters once it stopped and everything is closed. */
  readonly done: Promise<WatchStatistics>;
}

const clock = () => new Date().toISOString().slice(11, 19);

/** The changes a cycle's report carried across, one per item: to which side, how, which UID. */
function changes(pair: PairInfo, report: PairReport): Array<{ to: string; op: "created" | "updated" | "deleted"; uid: string; id: string | null }> {
  const out: Array<{ to: string; op: "created" | "updated" | "deleted"; uid: string; id: string | null }> = [];
  for (const slot of ["local", "remote"] as const) {
    const side = report[slot];
    for (const [op, refs] of [["created", side.created], ["updated", side.updated], ["deleted", side.deleted]] as const) {
      for (const ref of refs) out.push({ to: pair[slot], op, uid: ref.uid, id: ref.id });
    }
  }
  return out;
}

/** The lines a cycle's report gives: one per propagated change, dropped property and conflict. */
function changeLines(pair: PairInfo, report: PairReport): string[] {
  const lines = changes(pair, report).map((c) => `${clock()} ${report.pairId} → ${c.to}: ${c.op} ${c.uid}`);
  for (const line of droppedLines(report, pair)) lines.push(`${clock()} ${report.pairId}: ${line}`);
  for (const c of report.conflicts) lines.push(`${clock()} ${report.pairId}: conflict on ${c.uid} ${c.property || c.path}, ${c.winner} side kept`);
  return lines;
}

/** Options of {@link startWatch}. */
export interface StartWatchOptions {
  /** Receives the text lines (default: `console.log`); unused for what `emit` receives. */
  print?: (line: string) => void;
  /** Receives the lines of item errors and of stopped cycles (default: `print`). */
  printError?: (line: string) => void;
  /** Receives the accounts' warnings (`<account>: warning: …`) instead of `print`. */
  warn?: (line: string) => void;
  /**
   * Receives the watch as JSON events instead of lines (`ewsdav watch --json-lines`): `watch-status`,
   * `change` (one per item carried across), `dropped`, `conflict`, `error`, `cycle` (per cycle: the
   * pair, triggers, counts, stop, next retry) and `status` (per pair, every `watch.statusIntervalSeconds`).
   */
  emit?: (event: Record<string, unknown>) => void;
}

/**
 * Active mode for the configured pairs: links them (once), then keeps them in sync until stopped,
 * printing a line per propagated change, the state of each side's change detection when it
 * changes, and a status line per pair every `watch.statusIntervalSeconds` — or emitting each as a
 * JSON event (`emit`).
 */
export async function startWatch(config: SyncConfig, options: StartWatchOptions = {}): Promise<RunningWatch> {
  const print = options.print ?? console.log;
  const printError = options.printError ?? print;
  const { emit } = options;
  const { engine, ids, pairs, close } = await openHost(config, { dryRun: false, print, warn: options.warn, notifications: true });
  try {
    const at = () => new Date().toISOString();
    engine.events.on("watch-status", (s) => {
      if (emit) emit({ type: "watch-status", at: at(), side: s.side, state: s.state, ...(s.detail ? { detail: s.detail } : {}) });
      else print(`${clock()} ${s.side}: ${s.state}${s.detail ? ` (${s.detail})` : ""}`);
    });
    engine.events.on("watch-cycle", ({ pairId, triggers, report, retryInMs }) => {
      const pair = pairs.get(pairId) ?? { id: pairId, kind: "", local: "local", remote: "remote" };
      if (emit) {
        for (const c of changes(pair, report)) emit({ type: "change", at: at(), pair: pairId, ...c });
        for (const c of report.conflicts) emit({ type: "conflict", at: at(), pair: pairId, uid: c.uid, property: c.property || c.path, winner: c.winner });
        for (const event of pairEvents(report, pair)) emit({ ...event, at: at() });
        emit({ type: "cycle", at: at(), pair: pairId, triggers, summary: pairCounts(report), stopped: report.error, retryInMs });
        return;
      }
      for (const line of changeLines(pair, report)) print(line);
      for (const line of errorLines(report)) printError(`${clock()} ${pairId}: ${line}`);
      if (report.error?.code === "pair-busy") printError(`${clock()} ${pairId}: pair-busy (another process is syncing it); again in ${Math.round((retryInMs ?? 0) / 1000)} s`);
      else if (report.error) printError(`${clock()} ${pairId}: ${stopLine(report)}; again in ${Math.round((retryInMs ?? 0) / 1000)} s`);
      else if (triggers.includes("start")) print(`${clock()} ${pairId}: caught up — ${summarise(report)}`);
    });
    const settings = config.watch;
    const watch = await engine.watch({ pairIds: ids, pollIntervalMs: settings.pollIntervalSeconds * 1000, fullCycleIntervalMs: settings.fullCycleMinutes * 60_000 });
    const status = setInterval(() => {
      const sides = watch.sides();
      for (const p of watch.pairs()) {
        if (emit) {
          emit({ type: "status", at: at(), pair: p.pairId, state: p.failing ? "failing" : p.running ? "syncing" : "in-sync", failing: p.failing ?? null, cycles: p.cycles, lastCycleAt: p.lastCycleAt ?? null, sides });
          continue;
        }
        const last = p.lastCycleAt ? p.lastCycleAt.slice(11, 19) : "never";
        const state = p.failing ? `failing (${p.failing.code}), next try ${p.failing.retryAt.slice(11, 19)}` : p.running ? "syncing" : "in sync";
        print(`${clock()} [status] ${p.pairId}: ${state}; ${p.cycles} cycles, last at ${last}; ${sides.map((s) => `${s.side} ${s.state}`).join(", ")}`);
      }
    }, settings.statusIntervalSeconds * 1000);
    const done = watch.done.then(async () => {
      clearInterval(status);
      await close();
      return watch.statistics;
    });
    return { watch, stop: (o) => watch.stop(o).then(() => done.then(() => undefined)), done };
  } catch (error) {
    await close();
    throw error;
  }
}
