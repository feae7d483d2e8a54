/**
 * The example sync host: builds one side per account and the engine from a {@link SyncConfig},
 * links the configured pairs (once; the state file remembers them) and runs one cycle
 * ({@link runSync}), or keeps them in sync until stopped ({@link startWatch}). Both print, per
 * item, what a side could not carry and why ({@link droppedLines}).
 */
import { EngineError, summarise, SyncEngine, type PairRecord, type PairReport, type SyncReport, type SyncSide, type SyncWatch, type WatchStatistics } from "@ewsdav/core";
import { DavSide } from "@ewsdav/core/dav";
import { EwsSide } from "@ewsdav/core/ews";
import { SqliteStateStore } from "@ewsdav/core/sqlite";
import { VdirSide } from "@ewsdav/core/vdir";
import { davClientFor, ewsAccountFor } from "./accounts.js";
import { ConfigError, type SyncConfig } from "./config.js";

/** The engine of a config, its linked pair ids, and what to close. */
interface OpenedHost {
  engine: SyncEngine;
  /** The configured pairs' ids (a dry run leaves out pairs it would link). */
  ids: string[];
  close(): Promise<void>;
}

async function openHost(config: SyncConfig, options: { dryRun: boolean; print: (line: string) => void; notifications: boolean }): Promise<OpenedHost> {
  const { print } = options;
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const fn of closers.reverse()) await fn().catch(() => undefined);
  };
  try {
    const sides: SyncSide[] = [];
    for (const [name, account] of Object.entries(config.accounts)) {
      if (account.type === "vdir") sides.push(new VdirSide({ root: account.path, name }));
      else if (account.type === "dav") {
        const client = davClientFor(name, account, { warn: (message) => print(`${name}: warning: ${message}`) });
        closers.push(() => client.close());
        sides.push(new DavSide({ client, name }));
      } else {
        const opened = await ewsAccountFor(name, account, { warn: (message) => print(`${name}: warning: ${message}`), notifications: options.notifications });
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
    const store = new SqliteStateStore(config.state);
    closers.push(() => store.close());
    const engine = new SyncEngine({
      store,
      sides,
      policy: config.policy,
      tagWrites: config.tagWrites,
      // One writer per pair: a pair another process is syncing is waited for, then reported as pair-busy.
      lease: { ttlMs: config.lease.ttlSeconds * 1000, waitMs: config.lease.waitSeconds * 1000 },
    });
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
    return { engine, ids, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The side names of a pair, for report lines. */
export interface PairSides {
  local: string;
  remote: string;
}

/**
 * What the sides of a pair dropped in one cycle, one line per item, side and direction: the item
 * (UID and id), the side, each property and why. At most `maxLines` lines (then "and K more"), and
 * at most `maxProperties` properties per line.
 */
export function droppedLines(report: PairReport, sides: PairSides, options: { maxLines?: number; maxProperties?: number } = {}): string[] {
  const maxLines = options.maxLines ?? 10;
  const maxProperties = options.maxProperties ?? 6;
  const groups = new Map<string, { head: string; properties: string[] }>();
  for (const slot of ["remote", "local"] as const) {
    for (const d of report[slot].dropped) {
      const key = `${slot}\u0000${d.on}\u0000${d.uid}\u0000${d.id ?? ""}`;
      let group = groups.get(key);
      if (!group) {
        const item = `${d.uid || "(no UID)"}${d.id && d.id !== d.uid ? ` [${d.id}]` : ""}`;
        const head = d.on === "write" ? `${sides[slot]} could not store part of ${item}` : `${sides[slot]}: ${item} holds what its vCard/iCalendar form cannot say`;
        group = { head, properties: [] };
        groups.set(key, group);
      }
      group.properties.push(`${d.property} — ${d.reason}`);
    }
  }
  const all = [...groups.values()].map(({ head, properties }) => {
    const shown = properties.slice(0, maxProperties).join("; ");
    return `dropped: ${head}: ${shown}${properties.length > maxProperties ? `; and ${properties.length - maxProperties} more` : ""}`;
  });
  if (all.length <= maxLines) return all;
  return [...all.slice(0, maxLines), `dropped: and ${all.length - maxLines} more items`];
}

/** Runs one cycle for every configured pair; prints progress and a summary with `print`. */
export async function runSync(config: SyncConfig, options: { dryRun?: boolean; print?: (line: string) => void } = {}): Promise<SyncReport> {
  const print = options.print ?? console.log;
  const dryRun = options.dryRun ?? false;
  const { engine, ids, close } = await openHost(config, { dryRun, print, notifications: false });
  try {
    engine.events.on("progress", (p) => {
      if (p.phase === "writing" && p.total > 0 && p.done === p.total) print(`  ${p.pairId}: ${p.done}/${p.total} actions`);
    });
    const report = await engine.runOnce({ pairIds: ids, ...(dryRun ? { dryRun: true } : {}) });
    const sides = new Map((await engine.listPairs()).map((p) => [p.id, { local: p.local.side, remote: p.remote.side }]));
    for (const p of report.pairs) {
      print(`${p.pairId}: ${summarise(p)}`);
      for (const line of droppedLines(p, sides.get(p.pairId) ?? { local: "local", remote: "remote" })) print(`  ${line}`);
      if (p.plan && dryRun) for (const a of p.plan) print(`  would ${a.kind} ${a.uid}${a.writes.length ? ` (${a.writes.map((w) => `${w.op} ${w.slot}`).join(", ")})` : ""}`);
      if (p.error?.code === "pair-busy") print(`  pair-busy: not synced, ${p.error.message}`);
      else if (p.error) print(`  stopped: ${p.error.message}`);
      for (const e of p.errors) print(`  error ${e.code} ${e.slot ?? ""} ${e.uid ?? e.id ?? ""}: ${e.message}`);
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

/** The lines a cycle's report gives: one per propagated change. */
function changeLines(pair: { id: string; local: string; remote: string }, report: PairReport): string[] {
  const lines: string[] = [];
  for (const slot of ["local", "remote"] as const) {
    const side = report[slot];
    const to = pair[slot];
    for (const [verb, refs] of [["created", side.created], ["updated", side.updated], ["deleted", side.deleted]] as const) {
      for (const ref of refs) lines.push(`${clock()} ${report.pairId} → ${to}: ${verb} ${ref.uid}`);
    }
  }
  for (const line of droppedLines(report, pair)) lines.push(`${clock()} ${report.pairId}: ${line}`);
  for (const c of report.conflicts) lines.push(`${clock()} ${report.pairId}: conflict on ${c.uid} ${c.property || c.path}, ${c.winner} side kept`);
  for (const e of report.errors) lines.push(`${clock()} ${report.pairId}: error ${e.code} ${e.slot ?? ""} ${e.uid ?? e.id ?? ""}: ${e.message}`);
  return lines;
}

/**
 * Active mode for the configured pairs: links them (once), then keeps them in sync until stopped,
 * printing a line per propagated change, the state of each side's change detection when it
 * changes, and a status line per pair every `watch.statusIntervalSeconds`.
 */
export async function startWatch(config: SyncConfig, options: { print?: (line: string) => void } = {}): Promise<RunningWatch> {
  const print = options.print ?? console.log;
  const { engine, ids, close } = await openHost(config, { dryRun: false, print, notifications: true });
  try {
    const pairs = new Map((await engine.listPairs()).map((p) => [p.id, { id: p.id, local: p.local.side, remote: p.remote.side }]));
    engine.events.on("watch-status", (s) => print(`${clock()} ${s.side}: ${s.state}${s.detail ? ` (${s.detail})` : ""}`));
    engine.events.on("watch-cycle", ({ pairId, triggers, report, retryInMs }) => {
      for (const line of changeLines(pairs.get(pairId)!, report)) print(line);
      if (report.error?.code === "pair-busy") print(`${clock()} ${pairId}: pair-busy (another process is syncing it); again in ${Math.round((retryInMs ?? 0) / 1000)} s`);
      else if (report.error) print(`${clock()} ${pairId}: stopped (${report.error.code}): ${report.error.message}; again in ${Math.round((retryInMs ?? 0) / 1000)} s`);
      else if (triggers.includes("start")) print(`${clock()} ${pairId}: caught up — ${summarise(report)}`);
    });
    const settings = config.watch;
    const watch = await engine.watch({ pairIds: ids, pollIntervalMs: settings.pollIntervalSeconds * 1000, fullCycleIntervalMs: settings.fullCycleMinutes * 60_000 });
    const status = setInterval(() => {
      const sides = watch.sides().map((s) => `${s.side} ${s.state}`).join(", ");
      for (const p of watch.pairs()) {
        const last = p.lastCycleAt ? p.lastCycleAt.slice(11, 19) : "never";
        const state = p.failing ? `failing (${p.failing.code}), next try ${p.failing.retryAt.slice(11, 19)}` : p.running ? "syncing" : "in sync";
        print(`${clock()} [status] ${p.pairId}: ${state}; ${p.cycles} cycles, last at ${last}; ${sides}`);
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
