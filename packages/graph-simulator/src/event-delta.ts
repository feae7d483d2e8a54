/**
 * `calendarView/delta` of one calendar over a window: answers instances (single events,
 * occurrences, exceptions), never masters, as Graph's does. A round's state is a snapshot of the
 * instances the holder was sent (kept by the simulator, named by the signed token), so a round
 * reports exactly the instances that appeared, changed or left the window since — an occurrence
 * cancelled, an event moved out, a series deleted — as `@removed` rows; pages through
 * `@odata.nextLink` (`Prefer: odata.maxpagesize`), ends with `@odata.deltaLink`; a token that does
 * not verify or outlived `expireDeltaTokens` answers 410 `syncStateNotFound`.
 */
import type { FolderRecord, ItemRecord, ItemTarget } from "@ewsdav/ews-simulator";
import type { DeltaTokens } from "./delta.js";
import { GraphSimError } from "./errors.js";
import {
  calendarViewOf, DEFAULT_DELTA_PAGE, occurrenceIdOf, preferences, renderContext, renderEvent, windowOf, withPreferences, type RouteRequest, type RouteResponse,
} from "./event-request.js";

/** One instance the holder of a token was sent: its item, its instance (index and original start) and the item's modSeq then. */
interface SentInstance {
  n: number;
  i?: number;
  o?: number;
  v: number;
}
/** A round being paged: its rows (changed keys, then removed ones) and the snapshot its delta link names. */
interface DeltaRoundState {
  changed: SentInstance[];
  removed: SentInstance[];
  snapshot: number;
}
interface CalendarDeltaStore {
  next: number;
  snapshots: Map<number, Map<string, SentInstance>>;
  rounds: Map<number, DeltaRoundState>;
}
const deltaStores = new WeakMap<DeltaTokens, CalendarDeltaStore>();

function deltaStore(tokens: DeltaTokens): CalendarDeltaStore {
  let store = deltaStores.get(tokens);
  if (!store) deltaStores.set(tokens, (store = { next: 1, snapshots: new Map(), rounds: new Map() }));
  return store;
}

const keyOf = (s: { n: number; o?: number }) => (s.o === undefined ? `${s.n}` : `${s.n}@${s.o}`);

export function calendarViewDelta(req: RouteRequest, folder: FolderRecord): RouteResponse {
  const prefs = preferences(req);
  const token = req.query.get("$deltatoken") ?? req.query.get("$skiptoken");
  for (const key of req.query.keys()) {
    if (key.startsWith("$") && key !== "$deltatoken" && key !== "$skiptoken") throw new GraphSimError(400, "BadRequest", `Query option '${key}' is not supported with delta.`);
  }
  const store = deltaStore(req.tokens);
  const gone = () => new GraphSimError(410, "syncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again.");
  let window: { from: number; to: number };
  let round: DeltaRoundState;
  let roundId: number;
  let offset = 0;
  const state = token === null ? undefined : req.tokens.read(token, req.box, folder);
  if (state) {
    try {
      window = JSON.parse(state.sel ?? "") as { from: number; to: number };
    } catch {
      throw gone();
    }
  } else window = windowOf(req.query);
  if (state?.u !== undefined) {
    roundId = state.u;
    offset = state.a ?? 0;
    const found = store.rounds.get(roundId);
    if (!found) throw gone();
    round = found;
  } else {
    const previous = state ? store.snapshots.get(state.w) : new Map<string, SentInstance>();
    if (!previous) throw gone();
    const current = new Map<string, SentInstance>();
    for (const t of calendarViewOf(req.box, folder, window.from, window.to)) {
      const sent: SentInstance = { n: t.item.number, v: t.item.modSeq, ...(t.occurrence ? { i: t.occurrence.index, o: t.occurrence.originalStart } : {}) };
      current.set(keyOf(sent), sent);
    }
    const changed = [...current.values()].filter((s) => previous.get(keyOf(s))?.v !== s.v);
    const removed = [...previous.values()].filter((s) => !current.has(keyOf(s)));
    const snapshot = store.next++;
    store.snapshots.set(snapshot, current);
    roundId = store.next++;
    round = { changed, removed, snapshot };
    store.rounds.set(roundId, round);
  }
  const size = prefs.maxPageSize ?? DEFAULT_DELTA_PAGE;
  const rows = [...round.changed.map((s) => ({ s, removed: false })), ...round.removed.map((s) => ({ s, removed: true }))];
  const page = rows.slice(offset, offset + size);
  const value: unknown[] = [];
  const ctx = renderContext(req, prefs);
  for (const { s, removed } of page) {
    const id = s.i === undefined ? ctx.itemId(s.n) : (() => {
      const item = req.box.itemIndex.get(s.n);
      // A deleted series: its occurrences' ids are still made from its number.
      return item ? ctx.occurrenceId(item, s.i) : occurrenceIdOf(req, prefs, { number: s.n } as ItemRecord, s.i);
    })();
    if (removed) {
      value.push({ "@odata.type": "#microsoft.graph.event", id, "@removed": { reason: "deleted" } });
      continue;
    }
    const item = req.box.itemIndex.get(s.n);
    let target: ItemTarget | undefined = item && item.folder === folder ? { item } : undefined;
    if (target && s.i !== undefined) {
      try {
        target = req.box.occurrenceOf(target.item, s.i);
      } catch {
        target = undefined;
      }
    }
    // Changed again or gone since the round began: the next round tells (the snapshot still has the old version).
    if (!target) continue;
    value.push({ "@odata.type": "#microsoft.graph.event", ...renderEvent(req, prefs, target, undefined, {}) });
  }
  const link = `${req.root}${req.userPath}/${req.segments.join("/")}`;
  const sel = JSON.stringify(window);
  const body: Record<string, unknown> = { "@odata.context": `${req.root}/$metadata#Collection(event)`, value };
  if (offset + size < rows.length) {
    body["@odata.nextLink"] = `${link}?$skiptoken=${req.tokens.issue({ s: req.box.guidHex, f: folder.number, w: round.snapshot, u: roundId, a: offset + size, sel })}`;
  } else {
    store.rounds.delete(roundId);
    body["@odata.deltaLink"] = `${link}?$deltatoken=${req.tokens.issue({ s: req.box.guidHex, f: folder.number, w: round.snapshot, sel })}`;
  }
  if (prefs.maxPageSize !== undefined) prefs.applied.push(`odata.maxpagesize=${prefs.maxPageSize}`);
  return withPreferences(prefs, { status: 200, body });
}
