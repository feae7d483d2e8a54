/**
 * A recurring series' exceptions on the EWS side: after a series' master is written, the
 * occurrence operations the mapping found (modified and deleted occurrences) are applied one by
 * one, each under the ChangeKey of the series as our last write left it, so someone else's edit
 * of the series in between is found and answered `precondition-failed`.
 *
 * @module
 */
import { isEwsError, type EwsError, type ItemId, type ParsedItem } from "@ewsdav/ews-client";
import type { OccurrenceOperation } from "@ewsdav/mappers";
import { SideError } from "../../engine/side.js";
import type { EwsContext } from "./context.js";
import { toSideError } from "./errors.js";
import { readItems } from "./read.js";

/**
 * Applies a series' occurrence operations after its master was written (`master.changeKey`: what
 * our master write returned); returns the master's ChangeKey after the last of them.
 *
 * Exchange keeps a series' exceptions inside its master: an occurrence carries the master's
 * ChangeKey, and modifying or deleting one changes the master's. So each step reads the master
 * with the occurrence (one GetItem) and checks that the master's ChangeKey is still the one our
 * last write produced; an update carries the occurrence's own ChangeKey with `NeverOverwrite`, so
 * Exchange refuses it when the occurrence changed after that read (ErrorIrresolvableConflict).
 * Either finding — someone else's edit of the series since our write, or a refused occurrence —
 * does not stop the other steps (a master write that set the recurrence has cleared every
 * exception, and the remaining steps put ours back), but the item then answers
 * `precondition-failed`: the engine re-reads it and merges the other edit instead of losing it or
 * taking it as ours. DeleteItem ignores ChangeKeys (Exchange does; so does the simulator), so a
 * delete is guarded by the read just before it, and the master's ChangeKey after it is read at
 * once: an edit landing between the delete and that read (one round trip) is the window that
 * remains, and it is taken as ours.
 */
export async function applyOccurrences(ctx: EwsContext, master: ItemId, operations: readonly OccurrenceOperation[], signal?: AbortSignal): Promise<string | undefined> {
  const call = signal ? { signal } : {};
  const keyOf = (r: ParsedItem | EwsError | undefined) => (!r || isEwsError(r) ? undefined : r.type === "Unsupported" ? r.itemId?.changeKey : r.item.itemId?.changeKey);
  const codeOf = (r: EwsError) => (r as { responseCode?: string }).responseCode ?? r.code;
  const gone = (r: EwsError) => codeOf(r) === "ErrorItemNotFound" || codeOf(r) === "ErrorCalendarOccurrenceIsDeletedFromRecurrence";
  const conflicts: string[] = [];
  let expected = master.changeKey;
  for (const op of operations) {
    if (op.instanceIndex === null) continue;
    const ref = { recurringMasterId: master.id, instanceIndex: op.instanceIndex };
    const deleting = op.kind === "deleteOccurrence";
    const [now, occurrence] = deleting
      ? await ctx.client.getItem([{ id: master.id }, ref], { shape: { baseShape: "IdOnly" }, ...call })
      : await readItems(ctx, "events", [{ id: master.id }, ref], signal);
    if (!now || isEwsError(now)) throw now ?? new SideError("not-found", "the series is gone", master.id);
    if (expected !== undefined && keyOf(now) !== expected) {
      conflicts.push(`the series changed in Exchange before occurrence ${op.instanceIndex} was written`);
      expected = keyOf(now);
    }
    if (deleting) {
      if (!(isEwsError(occurrence) && gone(occurrence))) {
        if (!occurrence || isEwsError(occurrence)) throw occurrence ?? new SideError("not-found", `occurrence ${op.instanceIndex} not found`, master.id);
        // The ChangeKey travels for the record; Exchange does not check it on DeleteItem (hence the read above).
        const changeKey = keyOf(occurrence);
        const [r] = await ctx.client.deleteItem([{ ...ref, ...(changeKey ? { changeKey } : {}) }], call);
        if (isEwsError(r) && !gone(r)) throw r;
      }
      const [after] = await ctx.client.getItem([{ id: master.id }], { shape: { baseShape: "IdOnly" }, ...call });
      if (!after || isEwsError(after)) throw after ?? new SideError("not-found", "the series is gone", master.id);
      expected = keyOf(after);
      continue;
    }
    if (!occurrence || isEwsError(occurrence) || occurrence.type !== "CalendarItem" || !occurrence.item.itemId) {
      throw occurrence ?? new SideError("not-found", `occurrence ${op.instanceIndex} not found`, master.id);
    }
    const after = { ...occurrence.item, ...op.changes };
    const [u] = await ctx.client.updateItem(
      [{ target: { ...occurrence.item.itemId }, before: { type: "CalendarItem", item: occurrence.item }, after: { type: "CalendarItem", item: after } }],
      { ...call, conflictResolution: "NeverOverwrite" },
    );
    if (!u) throw new SideError("transient", `occurrence ${op.instanceIndex}: UpdateItem gave no answer`, master.id);
    if (isEwsError(u)) {
      if (toSideError(u, master.id).code !== "precondition-failed") throw u;
      conflicts.push(`occurrence ${op.instanceIndex} changed in Exchange after it was read (${codeOf(u)})`);
      expected = undefined; // the chain of our own writes is broken until the next read
      continue;
    }
    expected = u.itemId.changeKey;
  }
  if (conflicts.length) throw new SideError("precondition-failed", conflicts.join("; "), master.id);
  if (expected !== undefined) return expected;
  const [fresh] = await readItems(ctx, "events", [{ id: master.id }], signal);
  return keyOf(fresh);
}
