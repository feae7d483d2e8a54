/**
 * Test harness: starts a real, throwaway PostgreSQL cluster on loopback, the way
 * `dav-servers.ts` starts Radicale, and stops it afterwards.
 *
 * - Debian's PostgreSQL (`/usr/lib/postgresql/<version>/bin/initdb` and `postgres`, the newest
 *   version installed); when missing, `apt-get install -y postgresql` as root, otherwise the
 *   start fails naming the package. It never skips silently.
 * - `initdb` into a temporary folder, then `postgres` on a free port of 127.0.0.1, with no Unix
 *   socket and trust authentication for 127.0.0.1 only (pg_hba.conf has that one line). Durability
 *   is off (`fsync`, `synchronous_commit`, `full_page_writes`): the cluster lives for one test file.
 * - Running as root (CI), the cluster runs as the `postgres` system user (PostgreSQL refuses to
 *   run as root): the temporary folder is handed to that user.
 * - The server runs under a small shell that owns the cluster: when its stdin closes — `stop()`,
 *   or the test process going away without running exit handlers — it asks PostgreSQL for a fast
 *   shutdown, removes the folder, and kills whatever is left of its process group.
 *
 * Tests share one cluster per file and take a fresh database ({@link PostgresCluster.createDatabase})
 * or a fresh schema per test.
 *
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./dav-servers.js";
import { ensureDebianPackages } from "./debian.js";

/** A running throwaway PostgreSQL cluster. */
export interface PostgresCluster {
  /** `127.0.0.1`. */
  readonly host: string;
  readonly port: number;
  /** The superuser (`postgres`), trusted on loopback without a password. */
  readonly user: string;
  /** The server's major version (e.g. `15`). */
  readonly version: number;
  /** A connection string to a database of this cluster (default `postgres`). */
  url(database?: string): string;
  /** Creates an empty database with a fresh name (or `name`) and returns its connection string. */
  createDatabase(name?: string): Promise<string>;
  /** Fast shutdown, then the data folder is removed. Idempotent. */
  stop(): Promise<void>;
}

const PG_ROOT = "/usr/lib/postgresql";

/** The bin folder of the newest PostgreSQL installed by Debian's packages, or `null`. */
function findBinDir(): { dir: string; version: number } | null {
  if (!existsSync(PG_ROOT)) return null;
  const versions = readdirSync(PG_ROOT)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(PG_ROOT, name, "bin", "initdb")) && existsSync(join(PG_ROOT, name, "bin", "postgres")))
    .map(Number)
    .sort((a, b) => b - a);
  return versions.length > 0 ? { dir: join(PG_ROOT, String(versions[0]), "bin"), version: versions[0]! } : null;
}

/** Makes sure Debian's PostgreSQL server is installed (as root: installs `postgresql`), else throws naming the package. */
export function ensurePostgresInstalled(): { dir: string; version: number } {
  ensureDebianPackages("PostgreSQL (initdb, postgres)", ["postgresql"], () => findBinDir() !== null);
  return findBinDir()!;
}

/** The uid and gid of the `postgres` system user when this process is root; `null` otherwise (run as ourselves). */
function runAs(): { uid: number; gid: number } | null {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return null;
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    throw new Error("Running as root, PostgreSQL needs the 'postgres' system user, which is missing (it comes with Debian's postgresql-common package).");
  }
}

/**
 * The shell that owns the server: `$1` is the cluster folder, the rest the command. When its stdin
 * closes it asks for a fast shutdown (SIGINT), and kills the group if that takes over 10 s; once the
 * server has exited it removes the folder and ends the group (the watcher).
 */
const OWNER_SHELL =
  'root=$1; shift; exec 3<&0; "$@" </dev/null & p=$!; { cat <&3 >/dev/null; kill -INT "$p" 2>/dev/null; sleep 10; kill -KILL 0; } & wait "$p"; rm -rf "$root"; kill -KILL 0';

let databases = 0;

/** Starts a throwaway PostgreSQL cluster on a free loopback port (see the module comment). */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = ensurePostgresInstalled();
  const owner = runAs();
  const root = mkdtempSync(join(tmpdir(), "ewsdav-postgres-"));
  const data = join(root, "data");
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  if (owner) chownSync(root, owner.uid, owner.gid);
  try {
    execFileSync(join(bin.dir, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "--no-locale", "-E", "UTF8"], {
      stdio: ["ignore", "ignore", "pipe"],
      cwd: root,
      ...asOwner,
    });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`PostgreSQL: initdb failed: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  }
  // Trust on loopback TCP only; no Unix socket at all (unix_socket_directories is empty).
  writeFileSync(join(data, "pg_hba.conf"), "host all all 127.0.0.1/32 trust\n");
  const port = await freePort();
  const settings = {
    listen_addresses: "127.0.0.1",
    port: String(port),
    unix_socket_directories: "",
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_connections: "200",
    log_min_messages: "warning",
  };
  const args = ["-D", data, ...Object.entries(settings).flatMap(([key, value]) => ["-c", `${key}=${value}`])];
  const child = spawn("sh", ["-c", OWNER_SHELL, "ewsdav-postgres", root, join(bin.dir, "postgres"), ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    detached: true, // a process group of its own, which the owner shell ends
    cwd: root,
    ...asOwner,
  });
  let output = "";
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-20_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // A test process that exits normally stops the cluster at once (its stdin closes on exit anyway).
  const onExit = () => {
    try {
      child.stdin?.destroy();
    } catch {
      // gone already
    }
  };
  process.once("exit", onExit);

  const cluster: PostgresCluster = {
    host: "127.0.0.1",
    port,
    user: "postgres",
    version: bin.version,
    url: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    async createDatabase(name) {
      const database = name ?? `t${process.pid}_${++databases}`;
      const client = new pg.Client({ connectionString: cluster.url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
      } finally {
        await client.end();
      }
      return cluster.url(database);
    },
    async stop() {
      process.removeListener("exit", onExit);
      if (child.exitCode === null && child.signalCode === null) {
        // Clients that are closing (a pool just ended) would be told "terminating connection due to
        // administrator command" by the shutdown, an error they no longer listen for: let them go first.
        await waitForClientsGone(cluster.url()).catch(() => undefined);
        child.stdin?.end();
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
    },
  };

  try {
    await waitUntilAccepting(cluster.url(), child, () => output);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** Waits (up to 5 s) until no client but the one asking is connected to the cluster. */
async function waitForClientsGone(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
      if (rows[0]!.n === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function waitUntilAccepting(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`PostgreSQL exited (${child.exitCode ?? child.signalCode}) before accepting connections:\n${log()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      return;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`PostgreSQL at ${url} did not accept connections within 60 s (${String(lastError)}):\n${log()}`);
}
