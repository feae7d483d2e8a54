/**
 * The JSON shapes of a sync for scripts: a pair's counts, its `dropped` and `error` events
 * (`--json-lines`), and the one document of `ewsdav sync --json`. Only ids, UIDs, codes, counts
 * and messages (which carry no secret) — never item content.
 */
import type { PairReport, SyncReport } from "@ewsdav/core";
import type { ExitCode } from "../exit-codes.js";
import type { PairSides } from "./lines.js";

/** Counts of one side of a pair's report. */
export interface SideCounts {
  created: number;
  updated: number;
  deleted: number;
  tagged: number;
  /** Items read from the side this cycle. */
  fetched: number;
}

/** Counts of a pair's report (the `summary` of a `pair-end` event). */
export interface PairCounts {
  local: SideCounts;
  remote: SideCounts;
  merged: number;
  conflicts: number;
  paired: number;
  dropped: number;
  errors: number;
}

const sideCounts = (report: PairReport, slot: "local" | "remote"): SideCounts => {
  const s = report[slot];
  return { created: s.created.length, updated: s.updated.length, deleted: s.deleted.length, tagged: s.tagged.length, fetched: s.fetched };
};

/** The counts of a pair's report. */
export function pairCounts(report: PairReport): PairCounts {
  return {
    local: sideCounts(report, "local"),
    remote: sideCounts(report, "remote"),
    merged: report.merged.length,
    conflicts: report.conflicts.length,
    paired: report.paired.length,
    dropped: report.local.dropped.length + report.remote.dropped.length,
    errors: report.errors.length,
  };
}

/** What the sides of a pair dropped, one entry per property, with the side's name. */
export function droppedEntries(report: PairReport, sides: PairSides): Array<Record<string, unknown>> {
  return (["remote", "local"] as const).flatMap((slot) =>
    report[slot].dropped.map((d) => ({ side: sides[slot], slot, on: d.on, uid: d.uid || null, id: d.id, property: d.property, reason: d.reason })),
  );
}

/** The `dropped` and `error` events of a pair's report (`--json-lines`), one per dropped property and per failed item. */
export function pairEvents(report: PairReport, sides: PairSides): Array<Record<string, unknown>> {
  return [
    ...droppedEntries(report, sides).map((d) => ({ type: "dropped", pair: report.pairId, ...d })),
    ...report.errors.map((e) => ({ type: "error", pair: report.pairId, slot: e.slot, side: e.slot ? sides[e.slot] : null, uid: e.uid, id: e.id, code: e.code, message: e.message })),
  ];
}

/** One pair in the document of `ewsdav sync --json`. */
export function pairDocument(report: PairReport, sides: PairSides & { kind?: string }, exitCode: ExitCode): Record<string, unknown> {
  return {
    id: report.pairId,
    ...(sides.kind ? { kind: sides.kind } : {}),
    sides: { local: sides.local, remote: sides.remote },
    dryRun: report.dryRun,
    exitCode,
    ...pairCounts(report),
    conflicts: report.conflicts.map((c) => ({ uid: c.uid, property: c.property || c.path, winner: c.winner })),
    dropped: droppedEntries(report, sides),
    errors: report.errors,
    stopped: report.error,
    ...(report.plan ? { plan: report.plan.map((a) => ({ kind: a.kind, uid: a.uid, writes: a.writes.map((w) => ({ op: w.op, slot: w.slot })) })) } : {}),
  };
}

/** The document of `ewsdav sync --json`. */
export function syncDocument(
  report: SyncReport,
  pairs: ReadonlyMap<string, PairSides & { kind?: string }>,
  exitCodes: ReadonlyMap<string, ExitCode>,
  extra: { exitCode: ExitCode; dryRun: boolean; notices: readonly string[] },
): Record<string, unknown> {
  return {
    ok: report.ok,
    exitCode: extra.exitCode,
    dryRun: extra.dryRun,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    notices: extra.notices,
    pairs: report.pairs.map((p) => pairDocument(p, pairs.get(p.pairId) ?? { local: "local", remote: "remote" }, exitCodes.get(p.pairId) ?? 0)),
  };
}
