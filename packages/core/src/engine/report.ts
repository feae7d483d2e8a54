/**
 * The report of a cycle: what was created, updated, deleted, merged, what conflicted, what a side
 * could not carry and what failed, per pair and per side, with item ids and UIDs; and how a
 * cycle folds what it reads and what its actions did into its report.
 *
 * @module
 */
import type { ActionOutcome } from "./execute.js";
import type { ResolvedConflict } from "./merge.js";
import type { Action } from "./plan.js";
import type { DroppedProperty } from "./side.js";
import { SLOTS, type Slot } from "./state.js";

/** An item as named in a report: its UID and, when known, its id on the side concerned. */
export interface ItemRef {
  uid: string;
  id: string | null;
}

/** What was written to one side. */
export interface SideReport {
  created: ItemRef[];
  updated: ItemRef[];
  deleted: ItemRef[];
  /** Items whose missing UID was written back. */
  tagged: ItemRef[];
  /**
   * Properties that did not cross: `write`, what this side could not store of an item written to
   * it; `read`, what this side's item holds that its vobject form cannot say.
   */
  dropped: Array<ItemRef & { property: string; reason: string; on: "read" | "write" }>;
  /** Change-feed requests and items read this cycle. */
  feedRequests: number;
  fetched: number;
}

/** A failure that concerns one item; it is retried next cycle. */
export interface ItemError {
  uid: string | null;
  slot: Slot | null;
  id: string | null;
  code: string;
  message: string;
}

/** The outcome of one pair's cycle. */
export interface PairReport {
  pairId: string;
  /** True when the plan was only computed (dry run, or a safety stop). */
  dryRun: boolean;
  local: SideReport;
  remote: SideReport;
  /** Items whose changes on both sides were merged without a conflict. */
  merged: ItemRef[];
  /** Properties changed on both sides, and which side's value was kept. */
  conflicts: ResolvedConflict[];
  /** Deletions that met a modification on the other side, and what won. */
  deleteVersusModify: Array<{ uid: string; deleted: Slot; winner: "modification" | "deletion" }>;
  /** Items newly paired (found on both sides, or found again after the state was lost). */
  paired: ItemRef[];
  errors: ItemError[];
  /** The whole pair failed or was stopped (safety, unreadable feed): nothing was written. */
  error: PairStop | null;
  /** The plan, when asked for (dry run) or when the cycle stopped before writing. */
  plan: Action[] | null;
}

/** Why a whole pair stopped (see {@link PairReport.error}). */
export interface PairStop {
  /** The engine's code (`feed-failed`, `mass-delete`, `empty-side`, `pair-busy`, …). */
  code: string;
  message: string;
  /**
   * For a stop caused by a side's error (`feed-failed`): that error's own machine-readable `code`,
   * the first found along its `cause` chain (e.g. a client's `EWS_UNAUTHORIZED`, `UNAUTHORIZED`,
   * `EWS_TRANSPORT_ERROR`, `NETWORK`, or Node's `ECONNREFUSED`), so a host can tell refused
   * credentials from a server it could not reach. Absent when the error had none.
   */
  cause?: string;
}

/** The machine-readable `code` of an error or of the first error along its `cause` chain that has one (a string). */
export function causeCodeOf(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; e !== null && typeof e === "object" && depth < 8; depth++) {
    const { code, status } = e as { code?: unknown; status?: unknown };
    if (typeof code === "string" && code !== "") return code;
    if (status === 401) return "HTTP_401";
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The report of one `runOnce()`. */
export interface SyncReport {
  startedAt: string;
  finishedAt: string;
  pairs: PairReport[];
  /** True when no pair failed and no item failed. */
  ok: boolean;
}

/** An empty {@link SideReport}. */
export function emptySideReport(): SideReport {
  return { created: [], updated: [], deleted: [], tagged: [], dropped: [], feedRequests: 0, fetched: 0 };
}

/** An empty {@link PairReport}. */
export function emptyPairReport(pairId: string): PairReport {
  return {
    pairId,
    dryRun: false,
    local: emptySideReport(),
    remote: emptySideReport(),
    merged: [],
    conflicts: [],
    deleteVersusModify: [],
    paired: [],
    errors: [],
    error: null,
    plan: null,
  };
}

/** Counts of a pair report, for one-line summaries. */
export function summarise(report: PairReport): string {
  const side = (s: SideReport) =>
    `+${s.created.length} ~${s.updated.length} -${s.deleted.length}${s.tagged.length ? ` tag ${s.tagged.length}` : ""}`;
  return (
    `local ${side(report.local)} | remote ${side(report.remote)} | merged ${report.merged.length}` +
    ` | conflicts ${report.conflicts.length} | paired ${report.paired.length} | errors ${report.errors.length}` +
    (report.error ? ` | stopped: ${report.error.code}` : "")
  );
}

/** Ids per slot an action's outcome concerns: what it stored, else what it knew or planned. */
export function outcomeIds(outcome: ActionOutcome): Partial<Record<Slot, string>> {
  const { action } = outcome;
  const ids: Partial<Record<Slot, string>> = {};
  for (const slot of SLOTS) {
    const id = outcome.record?.[slot]?.id ?? action.previous?.[slot]?.id ?? action.next?.[slot]?.id;
    if (id) ids[slot] = id;
  }
  return ids;
}

/**
 * Folds the writes of an action that succeeded into the report (they happened, whatever became of
 * the action's other writes), with what each side could not store; what was dropped on reading an
 * item that had no UID yet is named by the UID the action gave it.
 */
export function foldWrites(report: PairReport, outcome: ActionOutcome): void {
  const { action } = outcome;
  for (const { write, result } of outcome.results) {
    const ref = { uid: action.uid, id: result?.id ?? ("id" in write ? write.id : null) };
    const side = report[write.slot];
    if (write.op === "create") side.created.push(ref);
    else if (write.op === "update") side.updated.push(ref);
    else if (write.op === "tag") side.tagged.push(ref);
    else side.deleted.push(ref);
    for (const d of result?.dropped ?? []) side.dropped.push({ ...ref, property: d.property, reason: d.reason, on: "write" });
  }
  const ids = outcomeIds(outcome);
  for (const slot of SLOTS) for (const d of report[slot].dropped) if (d.uid === "" && d.id !== null && d.id === ids[slot]) d.uid = action.uid;
}

/** Folds an action that finished into the report: merged, paired, its conflicts and its delete-versus-modify outcome. */
export function foldDone(report: PairReport, action: Action): void {
  if (action.kind === "merge") report.merged.push({ uid: action.uid, id: null });
  if (action.kind === "pair") report.paired.push({ uid: action.uid, id: null });
  report.conflicts.push(...action.conflicts);
  if (action.deleteVersusModify) report.deleteVersusModify.push({ uid: action.uid, ...action.deleteVersusModify });
}

/** Folds what a side could not say of an item read on `slot` (`uid` "" until the item has one). */
export function foldReadDropped(report: PairReport, slot: Slot, uid: string, id: string, dropped: readonly DroppedProperty[]): void {
  for (const d of dropped) report[slot].dropped.push({ uid, id, property: d.property, reason: d.reason, on: "read" });
}
