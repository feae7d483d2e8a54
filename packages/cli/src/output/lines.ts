/**
 * The text lines of a sync report, shared by `sync`, `watch` and `demo`: a pair's summary, what
 * its sides dropped (bounded), its errors, the plan of a dry run and why it stopped. Plain text;
 * no item content and no secret ever appears (the engine's reports carry ids, UIDs and codes).
 */
import { summarise, type PairReport } from "@ewsdav/core";

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

/** The line saying why a pair stopped (nothing written to it), with what to do about it, or null. */
export function stopLine(report: PairReport): string | null {
  const stop = report.error;
  if (!stop) return null;
  if (stop.code === "pair-busy") return `pair-busy: not synced, ${stop.message}`;
  const hint =
    stop.code === "mass-delete"
      ? `; if that is intended: ewsdav sync --pair ${report.pairId} --allow-mass-delete`
      : stop.code === "empty-side"
        ? `; if the collection was really emptied: ewsdav sync --pair ${report.pairId} --allow-empty-side`
        : "";
  return `stopped (${stop.code}${stop.cause ? `, ${stop.cause}` : ""}): ${stop.message}${hint}`;
}

/** One line per item error of a pair. */
export function errorLines(report: PairReport): string[] {
  return report.errors.map((e) => `error ${e.code}${e.slot ? ` ${e.slot}` : ""}${e.uid ?? e.id ? ` ${e.uid ?? e.id}` : ""}: ${e.message}`);
}

/** The plan of a dry run, one line per action. */
export function planLines(report: PairReport): string[] {
  return (report.plan ?? []).map((a) => `would ${a.kind} ${a.uid}${a.writes.length ? ` (${a.writes.map((w) => `${w.op} ${w.slot}`).join(", ")})` : ""}`);
}

/** A pair's one-line summary: `<pair>: local +1 ~0 -0 | remote … | errors 0`. */
export function summaryLine(report: PairReport): string {
  return `${report.pairId}: ${summarise(report)}`;
}
