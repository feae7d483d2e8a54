/**
 * `ewsdav status`: per linked pair, its ends, who is syncing it now (its lease), whether an
 * interrupted run left a journal the next one finishes, and its last runs — time, trigger,
 * outcome, counts, errors and dropped properties — all from the state file (no server is
 * contacted, so it works offline and while a sync runs).
 */
import type { JournalEntry, PairLease, PairRecord, RunCounts, RunRecord } from "@ewsdav/core";
import type { CliContext } from "../../cli/context.js";
const SLOTS = ["local", "remote"] as const;
import { CliError, EXIT } from "../../exit-codes.js";
import { configEntryOf, linkedPair, openStateFile } from "./state-file.js";

/** What `status --json` prints per pair. */
interface PairStatus {
  id: string;
  kind: string;
  remote: { side: string; collection: string };
  local: { side: string; collection: string };
  /** The config's `pairs` entry it came from, when it can be told offline. */
  configEntry: number | null;
  /** Who holds the pair's lease now (a sync in progress), or `null`. */
  lease: PairLease | null;
  /** The interrupted side effects the next run finishes. */
  journal: { pending: number; entries: Array<Pick<JournalEntry, "uid" | "slot" | "op" | "startedAt">> };
  /** Newest first. */
  runs: RunRecord[];
}

function runsOption(context: CliContext): number {
  const value = context.args.values.runs;
  if (value === undefined) return 5;
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--runs: expected a whole number ≥ 1, not "${String(value)}"`, EXIT.usage);
  return n;
}

const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
const side = (c: RunCounts) => `+${c.created} ~${c.updated} -${c.deleted}${c.tagged ? ` tag ${c.tagged}` : ""}`;

/** The lines of one run. */
export function runLines(run: RunRecord, names: { local: string; remote: string }): string[] {
  const outcome = run.outcome === "stopped" ? `stopped (${run.stop?.code ?? "?"}${run.stop?.cause ? `, ${run.stop.cause}` : ""})` : run.outcome;
  const head =
    `${when(run.startedAt)}  ${run.trigger.padEnd(5)}  ${run.dryRun ? "dry run, " : ""}${outcome}` +
    (run.outcome === "stopped" && SLOTS.every((slot) => Object.values(run.counts[slot]).every((n) => n === 0)) && run.paired + run.merged + run.conflicts === 0
      ? "" // stopped before it wrote anything
      : `  ${names.local} ${side(run.counts.local)} | ${names.remote} ${side(run.counts.remote)} | paired ${run.paired} merged ${run.merged} conflicts ${run.conflicts}`);
  const lines = [head];
  if (run.stop) lines.push(`    ${run.stop.message}`);
  for (const e of run.errors) lines.push(`    error ${e.code}${e.slot ? ` ${names[e.slot]}` : ""}${e.uid || e.id ? ` ${e.uid ?? e.id}` : ""}: ${e.message}`);
  if (run.errorCount > run.errors.length) lines.push(`    and ${run.errorCount - run.errors.length} more errors`);
  for (const d of run.dropped) {
    const item = `${d.uid || "(no UID)"}${d.id && d.id !== d.uid ? ` [${d.id}]` : ""}`;
    lines.push(`    dropped ${d.on === "write" ? `by ${names[d.slot]}` : `reading ${names[d.slot]}`}: ${item} ${d.property} — ${d.reason}`);
  }
  if (run.droppedCount > run.dropped.length) lines.push(`    and ${run.droppedCount - run.dropped.length} more dropped properties`);
  return lines;
}

async function statusOf(context: CliContext, opened: ReturnType<typeof openStateFile>, pair: PairRecord, limit: number): Promise<PairStatus> {
  const { store, config } = opened;
  const journal = await store.listJournal(pair.id);
  return {
    id: pair.id,
    kind: pair.kind,
    remote: pair.remote,
    local: pair.local,
    configEntry: configEntryOf(config, pair),
    lease: await store.getLease(pair.id),
    journal: { pending: journal.length, entries: journal.map(({ uid, slot, op, startedAt }) => ({ uid, slot, op, startedAt })) },
    runs: await store.listRuns(pair.id, limit),
  };
}

/** Runs `ewsdav status`. */
export async function run(context: CliContext): Promise<number> {
  const limit = runsOption(context);
  const opened = openStateFile(context);
  try {
    const only = context.args.values.pair;
    const pairs = typeof only === "string" ? [await linkedPair(opened.store, only)] : await opened.store.listPairs();
    const statuses: PairStatus[] = [];
    for (const pair of pairs) statuses.push(await statusOf(context, opened, pair, limit));
    context.result({ stateFile: opened.path, pairs: statuses });
    for (const s of statuses) context.event({ type: "pair-status", ...s });
    if (statuses.length === 0) context.say(`no pair is linked in ${opened.path} yet (\`ewsdav sync\` links the configured pairs)`);
    for (const s of statuses) {
      const names = { local: s.local.side, remote: s.remote.side };
      context.say(`${s.id} (${s.kind}): ${s.remote.side} ${s.remote.collection} ↔ ${s.local.side} ${s.local.collection}${s.configEntry !== null ? `  [config pairs[${s.configEntry}]]` : ""}`);
      if (s.lease) context.say(`  syncing now: ${s.lease.owner} holds its lease (until ${when(s.lease.expiresAt)} unless renewed)`);
      if (s.journal.pending) {
        context.say(`  interrupted: ${s.journal.pending} side effect${s.journal.pending === 1 ? "" : "s"} of an unfinished run are journaled; the next run checks and finishes them`);
      }
      if (s.runs.length === 0) context.say("  no run recorded yet");
      else context.say(`  last ${s.runs.length === 1 ? "run" : `${s.runs.length} runs`}, newest first:`);
      for (const r of s.runs) for (const line of runLines(r, names)) context.say(`  ${line}`);
    }
    return EXIT.ok;
  } finally {
    await opened.store.close();
  }
}
