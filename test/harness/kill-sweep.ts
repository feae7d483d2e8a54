/**
 * Test harness: the kill -9 sweep through the real sync host. Round after round, contacts are
 * created, edited and deleted on both ends (as other clients would), then the host process runs a
 * cycle and is killed with SIGKILL at an instant chosen by a seeded PRNG:
 *
 * - after a random delay within the length of the last whole run (counted from the host's first
 *   request, so start-up time is not wasted), or
 * - at the k-th write the host sends to Exchange or to the local end, before the write reaches the
 *   server or once the server has done it but before the host hears back (between a side effect
 *   and the journal entry that records it), or
 * - not at all (a whole run).
 *
 * A model of what must hold is kept: each key is alive or deleted, with the title of its latest
 * edit. Between two whole runs an item is edited or deleted from one end only (the end that touched
 * it first since the last whole run), so that the latest edit is well defined without a conflict
 * policy. After every whole run, and after the final runs without a kill, both ends must equal the
 * model: every live item exactly once on each end with its latest title, no deleted item back,
 * nothing else. Each difference is one line in `found`.
 */
import { watch, type FSWatcher } from "node:fs";
import type { ArmedKill } from "./kill-proxy.js";
import type { SyncHostExit, SyncHostRun } from "./sync-host.js";
import { seededRandom } from "./fuzz-env.js";
import type { SweepItem, SweepSide } from "./sweep-sides.js";

/** Where a sweep watches the host's writes to one end, and can kill it at one. */
export interface WriteTap {
  /** Writes seen since the last reset. */
  readonly counts: { writes: number };
  /** Whether the armed kill fired since the last reset. */
  readonly fired: boolean;
  /** Disarms and zeroes the counts. */
  reset(): void;
  arm(kill: ArmedKill): void;
}

/** A vdir collection folder as a {@link WriteTap}: a write is a file appearing, replaced or removed (seen through fs.watch, so `before` is not possible). */
export function watchVdirWrites(dir: string): WriteTap & { close(): void } {
  let armed: ArmedKill | undefined;
  let fired = false;
  const counts = { writes: 0 };
  const watcher: FSWatcher = watch(dir, (event, name) => {
    if (event !== "rename" || !name || name.startsWith(".") || !name.endsWith(".vcf")) return;
    counts.writes++;
    if (armed && counts.writes >= armed.write) {
      const kill = armed;
      armed = undefined;
      fired = true;
      kill.kill();
    }
  });
  return {
    counts,
    get fired() {
      return fired;
    },
    reset() {
      armed = undefined;
      fired = false;
      counts.writes = 0;
    },
    arm(kill) {
      armed = kill;
    },
    close: () => watcher.close(),
  };
}

/** Upper bounds of what each end does per round (the counts are drawn in [0, bound]). */
export interface SweepRoundSize {
  creates: number;
  edits: number;
  deletes: number;
}

/** Options of {@link runKillSweep}. */
export interface KillSweepOptions {
  /** Names the sweep in messages. */
  name: string;
  seed: number;
  /** Rounds to run (the suite). */
  rounds?: number;
  /** Or: start no new round after this instant (ms since the epoch; fuzz mode). */
  until?: number;
  /** Items created on each end before the first run. */
  initial: { remote: number; local: number };
  /** What each end does per round. */
  perRound: SweepRoundSize;
  remote: SweepSide;
  local: SweepSide;
  /** Where the host's Exchange writes pass (a kill proxy); its first request starts timed kills. */
  remoteTap: WriteTap & { firstRequest(): Promise<void> };
  /** Where the host's local writes are seen (a kill proxy for DAV, {@link watchVdirWrites} for vdir). */
  localTap: WriteTap;
  /** Whether `localTap` can kill before a write (a proxy can, a folder watch cannot). */
  localKillsBefore: boolean;
  /** Starts one run of the host. */
  startHost(): SyncHostRun;
  /**
   * Run the host once more without a kill right after every kill, before the ends change again
   * (default false). Strict (false) also covers a user changing an item between a kill and the
   * next whole run; true leaves that window out (to look for other faults while one there is open).
   */
  wholeRunAfterKill?: boolean;
  /** A run that takes longer is killed and reported (default 180 s). */
  runTimeoutMs?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** What a sweep tried and found. */
export interface KillSweepResult {
  rounds: number;
  runs: number;
  kills: number;
  /** Items created over the sweep (both ends). */
  items: number;
  /** Changes made on the ends (creates, edits, deletes). */
  changes: number;
  /** Kills by kind (`time`, `remote-before`, `remote-after`, `local-before`, `local-after`). */
  killsByKind: Record<string, number>;
  /** Differences from the model and failed runs, one line each. */
  found: string[];
}

type End = "remote" | "local";

interface ModelItem {
  key: string;
  alive: boolean;
  title: string;
  /** The end that touched it since the last whole run. */
  dirty: End | null;
  /** What happened to it, for messages. */
  history: string[];
}

type KillPlan =
  | { kind: "none" }
  | { kind: "time"; delayMs: number }
  | { kind: "write"; end: End; write: number; when: "before" | "after" };

function describePlan(plan: KillPlan): string {
  if (plan.kind === "none") return "no kill";
  if (plan.kind === "time") return `kill ${plan.delayMs} ms after the first request`;
  return `kill ${plan.when} ${plan.end} write ${plan.write}`;
}

function excerpt(exit: SyncHostExit): string {
  return exit.output.trim().split("\n").slice(-6).join(" | ").slice(0, 600);
}

/** Runs a kill sweep; see the module comment. Never throws for a difference: it is in `found`. */
export async function runKillSweep(o: KillSweepOptions): Promise<KillSweepResult> {
  const rng = seededRandom(o.seed);
  const int = (n: number) => Math.floor(rng() * n);
  const log = o.log ?? (() => undefined);
  const model = new Map<string, ModelItem>();
  const found = new Map<string, string>();
  const result: KillSweepResult = { rounds: 0, runs: 0, kills: 0, items: 0, changes: 0, killsByKind: {}, found: [] };
  const ends: Record<End, SweepSide> = { remote: o.remote, local: o.local };
  const taps: Record<End, WriteTap> = { remote: o.remoteTap, local: o.localTap };
  // What the last whole run took; the first kill plans use a guess.
  const last = { durationMs: 3_000, writes: { remote: 4, local: 40 } as Record<End, number> };
  let nextKey = 0;
  let round = 0;
  const note = (id: string, line: string) => {
    if (!found.has(id)) {
      found.set(id, `${o.name} seed ${o.seed} round ${round}: ${line}`);
      log(`FOUND ${line}`);
    }
  };

  async function create(end: End, n: number): Promise<void> {
    const items = Array.from({ length: n }, () => ({ key: `K${nextKey++}`, title: `r${round}${end[0]}c` }));
    await ends[end].create(items);
    for (const { key, title } of items) model.set(key, { key, alive: true, title, dirty: end, history: [`created on ${end} in round ${round}`] });
    result.items += n;
    result.changes += n;
  }

  async function mutate(): Promise<void> {
    const order: End[] = rng() < 0.5 ? ["remote", "local"] : ["local", "remote"];
    for (const end of order) {
      const present = new Map<string, SweepItem>();
      for (const item of await ends[end].list()) if (!present.has(item.key)) present.set(item.key, item);
      const eligible = [...model.values()].filter((m) => m.alive && (m.dirty === null || m.dirty === end) && present.has(m.key));
      for (let i = eligible.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [eligible[i], eligible[j]] = [eligible[j]!, eligible[i]!];
      }
      const alive = [...model.values()].filter((m) => m.alive).length;
      const pendingDeletes = [...model.values()].filter((m) => !m.alive && m.dirty !== null).length;
      // Stay below the engine's mass-deletion guard (more than 10 and more than 20 % of the known items).
      const deleteBudget = Math.max(0, Math.max(10, Math.floor(alive * 0.12)) - pendingDeletes);
      const nEdits = Math.min(int(o.perRound.edits + 1), eligible.length);
      const nDeletes = Math.min(int(o.perRound.deletes + 1), eligible.length - nEdits, deleteBudget);
      const edits = eligible.slice(0, nEdits).map((m, i) => ({ m, item: present.get(m.key)!, title: `r${round}${end[0]}e${i}` }));
      const deletes = eligible.slice(nEdits, nEdits + nDeletes).map((m) => ({ m, item: present.get(m.key)! }));
      await ends[end].edit(edits.map(({ item, title }) => ({ item, title })));
      for (const { m, title } of edits) {
        m.title = title;
        m.dirty = end;
        m.history.push(`edited on ${end} in round ${round} (${title})`);
      }
      await ends[end].remove(deletes.map((d) => d.item));
      for (const { m } of deletes) {
        m.alive = false;
        m.dirty = end;
        m.history.push(`deleted on ${end} in round ${round}`);
      }
      result.changes += edits.length + deletes.length;
      await create(end, int(o.perRound.creates + 1));
    }
  }

  function choosePlan(): KillPlan {
    const r = rng();
    if (r < 0.12) return { kind: "none" };
    if (r < 0.42) return { kind: "time", delayMs: Math.round(rng() * last.durationMs * 1.1) };
    const end: End = r < 0.71 ? "remote" : "local";
    const when = end === "local" && !o.localKillsBefore ? "after" : rng() < 0.5 ? "before" : "after";
    // Writes the run will send to `end`: about one per change the other end has pending for a
    // local end that writes item by item; Exchange takes batches, so there the last whole run's count.
    const pendingFromOther = [...model.values()].filter((m) => m.dirty !== null && m.dirty !== end).length;
    const expected = end === "local" ? pendingFromOther : Math.max(2, last.writes.remote);
    return { kind: "write", end, write: 1 + int(Math.max(1, expected)), when };
  }

  async function runHost(plan: KillPlan): Promise<SyncHostExit> {
    for (const tap of Object.values(taps)) tap.reset();
    const host = o.startHost();
    const kill = () => host.kill();
    if (plan.kind === "write") taps[plan.end].arm({ write: plan.write, when: plan.when, kill });
    let timer: NodeJS.Timeout | undefined;
    const started = o.remoteTap.firstRequest().then(() => Date.now());
    if (plan.kind === "time") void started.then(() => (timer = setTimeout(kill, plan.delayMs)));
    const guard = setTimeout(() => {
      note(`hang-${round}`, `the host did not finish within ${(o.runTimeoutMs ?? 180_000) / 1000} s (${describePlan(plan)}); killed`);
      kill();
    }, o.runTimeoutMs ?? 180_000);
    const exit = await host.exited;
    clearTimeout(guard);
    if (timer) clearTimeout(timer);
    const firstAt = await Promise.race([started, Promise.resolve(null)]);
    result.runs++;
    if (exit.killed) {
      result.kills++;
      const kind = plan.kind === "time" ? "time" : plan.kind === "write" ? `${plan.end}-${plan.when}` : "other";
      result.killsByKind[kind] = (result.killsByKind[kind] ?? 0) + 1;
    } else if (exit.code === 0 && firstAt !== null) {
      last.durationMs = Math.max(500, Date.now() - firstAt);
      last.writes = { remote: taps.remote.counts.writes, local: taps.local.counts.writes };
    }
    log(`round ${round}: ${describePlan(plan)} → ${exit.killed ? "killed" : `exit ${exit.code}`} (remote writes ${taps.remote.counts.writes}, local writes ${taps.local.counts.writes})`);
    return exit;
  }

  async function verify(when: string): Promise<void> {
    const listings = { remote: await o.remote.list(), local: await o.local.list() };
    for (const end of ["remote", "local"] as const) {
      const byKey = new Map<string, SweepItem[]>();
      for (const item of listings[end]) byKey.set(item.key, [...(byKey.get(item.key) ?? []), item]);
      for (const m of model.values()) {
        const copies = byKey.get(m.key) ?? [];
        const story = m.history.join(", ");
        if (!m.alive) {
          if (copies.length) note(`${m.key}-back-${end}`, `${m.key} is back on ${end} ${when} (${story})`);
          continue;
        }
        if (copies.length === 0) note(`${m.key}-lost-${end}`, `${m.key} is missing on ${end} ${when} (${story})`);
        else if (copies.length > 1) note(`${m.key}-dup-${end}`, `${m.key} is ${copies.length} times on ${end} ${when} (${story})`);
        else if (copies[0]!.title !== m.title) note(`${m.key}-title-${end}`, `${m.key} on ${end} has title "${copies[0]!.title}" ${when}, the latest edit is "${m.title}" (${story})`);
      }
      for (const key of byKey.keys()) if (!model.has(key)) note(`${key}-stray-${end}`, `${end} has an item nobody made, "${key}", ${when}`);
    }
  }

  function settle(): void {
    for (const m of model.values()) m.dirty = null;
  }

  await create("remote", o.initial.remote);
  await create("local", o.initial.local);
  const more = () => (o.rounds !== undefined ? round < o.rounds : true) && (o.until !== undefined ? Date.now() < o.until : true);
  while (more()) {
    if (round > 0) await mutate();
    const plan = choosePlan();
    const exit = await runHost(plan);
    if (!exit.killed) {
      if (exit.code === 0) {
        settle();
        await verify(plan.kind === "none" ? "after a whole run" : `after a whole run (the planned ${describePlan(plan)} did not land)`);
      } else note(`exit-${round}`, `the host exited with code ${exit.code} without being killed (${describePlan(plan)}): ${excerpt(exit)}`);
    } else if (o.wholeRunAfterKill) {
      const again = await runHost({ kind: "none" });
      if (again.code === 0) {
        settle();
        await verify(`after the whole run that followed a kill (${describePlan(plan)})`);
      } else note(`exit-after-kill-${round}`, `the run after a kill (${describePlan(plan)}) exited with code ${again.code}: ${excerpt(again)}`);
    }
    round++;
  }
  result.rounds = round;
  // Let it finish: a run without a kill must succeed, and a second one must find both ends as they are.
  for (const attempt of [1, 2]) {
    const exit = await runHost({ kind: "none" });
    if (exit.code !== 0) note(`final-${attempt}`, `final run ${attempt} exited with code ${exit.code}: ${excerpt(exit)}`);
    else settle();
    await verify(`after final run ${attempt}`);
  }
  result.found = [...found.values()];
  return result;
}
