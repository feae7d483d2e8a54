/**
 * The checks of the state file (the SQLite correlation database): it exists or can be created,
 * is private (mode 0600) and owned by the user; its schema version; and whether a pair has an
 * interrupted run (a pending journal) or is being synced now (a held lease). The file is opened
 * read-only: the doctor changes nothing.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { SQLITE_MIGRATIONS } from "@ewsdav/core/sqlite";
import { failed, ok, warning, type CheckOutcome, type Step } from "./check.js";

/** The nearest folder of `path` that exists. */
function nearestExisting(path: string): string {
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function canAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

/** Who may read a file besides its owner, in words. */
function readers(mode: number): string {
  const group = (mode & 0o070) !== 0;
  const others = (mode & 0o007) !== 0;
  return group && others ? "its group and others" : group ? "its group" : "others";
}

/** The state file itself: exists or can be created; mode 0600; owned by this user. */
export function checkStateFile(path: string): CheckOutcome {
  if (!existsSync(path)) {
    const dir = nearestExisting(path);
    if (canAccess(dir, constants.W_OK | constants.X_OK)) return ok(`${path} does not exist yet; the first sync creates it (mode 0600)`, { exists: false });
    return failed("config", `${path} does not exist and cannot be created: ${dir} is not writable`, `point "state" in the config at a folder you can write to, or make ${dir} writable`, { exists: false });
  }
  const stat = statSync(path);
  if (!stat.isFile()) return failed("config", `${path} is not a file`, `point "state" in the config at a file path`);
  if (!canAccess(path, constants.R_OK | constants.W_OK)) {
    return failed("config", `${path} cannot be read and written by this user`, `give this user read and write access (chown ${userInfo().username} ${path}), or point "state" elsewhere`);
  }
  const details = { exists: true, mode: octal(stat.mode), uid: stat.uid, bytes: stat.size };
  const problems: string[] = [];
  const fixes: string[] = [];
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    problems.push(`it is owned by uid ${stat.uid}, not by you (uid ${uid})`);
    fixes.push(`chown ${userInfo().username} ${path}`);
  }
  const loose = [path, `${path}-wal`, `${path}-shm`].filter((p) => existsSync(p) && (statSync(p).mode & 0o077) !== 0);
  if (loose.length > 0) {
    problems.push(`mode ${octal(statSync(loose[0]!).mode)}: ${readers(statSync(loose[0]!).mode)} can read it, and it holds the last synced text of every item`);
    fixes.push(`chmod 600 ${loose.join(" ")}`);
  }
  if (problems.length > 0) return warning(`${path}: ${problems.join("; ")}`, `run \`${fixes.join(" && ")}\` (ewsdav sync also makes it 0600 when it opens it)`, details);
  return ok(`${path}: mode 0600, owned by you`, details);
}

/** What the state database holds, read once for the schema and pairs checks. */
interface StateSummary {
  version: number;
  pairs: number;
  /** Journaled actions per pair (an interrupted run). */
  journal: Array<{ pairId: string; entries: number }>;
  /** Leases held now. */
  leases: Array<{ pairId: string; owner: string; expiresAt: string }>;
}

/** Reads the schema version, pairs, journal and leases of the state database, read-only. */
function readState(path: string, now: number): StateSummary {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const version = db.pragma("user_version", { simple: true }) as number;
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name));
    const pairs = tables.has("pairs") ? (db.prepare("SELECT count(*) AS n FROM pairs").get() as { n: number }).n : 0;
    const journal = tables.has("journal")
      ? (db.prepare("SELECT pair_id AS pairId, count(*) AS entries FROM journal GROUP BY pair_id ORDER BY pair_id").all() as StateSummary["journal"])
      : [];
    const leases = tables.has("leases")
      ? (db.prepare("SELECT pair_id AS pairId, owner, expires_at AS expiresAt FROM leases WHERE owner IS NOT NULL AND expires_at > ? ORDER BY pair_id").all(now) as Array<{ pairId: string; owner: string; expiresAt: number }>).map(
          (l) => ({ ...l, expiresAt: new Date(l.expiresAt).toISOString() }),
        )
      : [];
    return { version, pairs, journal, leases };
  } finally {
    db.close();
  }
}

/** The steps of the state file: the file, its schema, its pairs' journal and leases. */
export function stateSteps(path: string): Step[] {
  let summary: StateSummary | undefined;
  const noFile = () => ok("no state file yet: nothing to read");
  return [
    { id: "state-file", title: "State file", after: [], run: async () => checkStateFile(path) },
    {
      id: "state-schema",
      title: "State schema",
      after: ["state-file"],
      run: async () => {
        if (!existsSync(path)) return noFile();
        try {
          summary = readState(path, Date.now());
        } catch (error) {
          const code = (error as { code?: string }).code ?? "";
          if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") {
            return failed("config", `${path} is not an ewsdav state database (${code})`, `point "state" at ewsdav's state file, or move this file away (the next sync starts afresh and pairs items again by UID)`);
          }
          throw error;
        }
        const current = SQLITE_MIGRATIONS.length;
        const details = { version: summary.version, current };
        if (summary.version > current) {
          return failed("other", `schema ${summary.version}, written by a newer ewsdav (this one knows up to ${current})`, "upgrade ewsdav to the version that wrote it", details);
        }
        if (summary.version < current) return ok(`schema ${summary.version}; the next sync upgrades it to ${current}`, details);
        return ok(`schema ${summary.version} (current), ${summary.pairs} pair${summary.pairs === 1 ? "" : "s"} linked`, details);
      },
    },
    {
      id: "state-pairs",
      title: "Pairs in the state",
      after: ["state-schema"],
      run: async () => {
        if (!summary) return noFile();
        const { journal, leases } = summary;
        const busy = leases.map((l) => `${l.pairId} is being synced by ${l.owner} (lease until ${l.expiresAt})`);
        const details = { journal, leases };
        if (journal.length > 0) {
          const pending = journal.map((j) => `${j.pairId}: an interrupted run left ${j.entries} journaled action${j.entries === 1 ? "" : "s"}`);
          const running = new Set(leases.map((l) => l.pairId));
          const idle = journal.filter((j) => !running.has(j.pairId)).map((j) => j.pairId);
          if (idle.length > 0) return warning([...pending, ...busy].join("; "), `run \`ewsdav sync --pair ${idle.join(" --pair ")}\`: it finishes what was under way, with no duplicates`, details);
          return ok([...pending, ...busy].join("; "), details);
        }
        return ok(busy.length > 0 ? `no interrupted run; ${busy.join("; ")}` : "no interrupted run, no pair being synced now", details);
      },
    },
  ];
}
