/**
 * Test harness: starts real DAV servers (Radicale, Xandikos, sabre/dav) on loopback with a
 * throwaway storage folder and a free port, waits until they answer, and stops them afterwards.
 *
 * Used by every package's integration tests. A missing server is installed with
 * `apt-get install -y radicale xandikos` (or `php-cli php-sqlite3 php-sabre-dav` for sabre/dav)
 * when running as root; otherwise the start fails with a message naming what to install. It
 * never skips silently.
 *
 * Known behaviour the callers design around:
 * - Radicale wants a Basic header even with auth off, and closes the connection after
 *   every response. We run it with htpasswd auth (plain) so Basic auth is exercised.
 * - Xandikos has no auth of its own, needs an XML content type on request bodies and
 *   answers an unknown sync token with HTTP 500.
 * - Both write slowly (about 25 PUTs/s here); seed large collections with
 *   {@link DavServer.seedCollection}, which writes into the storage folder directly.
 * - sabre/dav (the DAV library inside Nextcloud) is Debian's `php-sabre-dav`, which is
 *   sabre/dav 1.8 (bookworm): served by `php -S` with test/harness/sabre/server.php as the
 *   router (4 worker processes, PHP_CLI_SERVER_WORKERS), PDO backends on a throwaway SQLite
 *   database (schema.sql, set up and seeded by setup.php through sabre's own backends), Basic
 *   auth with a main password and an app password, and Nextcloud's URL layout: principal
 *   `/remote.php/dav/principals/users/alice/`, homes `/remote.php/dav/calendars/alice/` and
 *   `/remote.php/dav/addressbooks/users/alice/`, `/.well-known/caldav|carddav` → 301 to
 *   `/remote.php/dav/`. What it does differently from the other two:
 *   - a calendar-multiget / addressbook-multiget naming one href it does not have answers 404
 *     for the whole REPORT (no 207 with a 404 inside);
 *   - 1.8 has no sync-collection (RFC 6578; the Sync plugin came with 2.0, which Nextcloud
 *     runs), so clients fall back to the ctag / ETag listing (`supportsSyncCollection: false`);
 *   - the ETag of a card is the MD5 of its text, so writing the same text again keeps the ETag;
 *   - each response closes its connection; the worker processes are stopped as a group.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureDebianPackages } from "./debian.js";

/** Which DAV server implementation. */
export type DavServerKind = "radicale" | "xandikos" | "sabre";

/** A running DAV server. */
export interface DavServer {
  readonly kind: DavServerKind;
  /** Base URL, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** The URL of the user's calendar and address book homes (collections go below); for sabre/dav, the calendar home. */
  readonly homeUrl: string;
  /** The user's principal URL (what discovery must find). */
  readonly principalUrl: string;
  /** The calendar home (the `calendar-home-set` discovery must find). */
  readonly calendarHomeUrl: string;
  /** The address book home (the `addressbook-home-set` discovery must find). */
  readonly addressBookHomeUrl: string;
  /** A second password the server accepts for the same user (a Nextcloud app password), where it has one. */
  readonly appPassword?: string | undefined;
  /** Whether the server answers sync-collection (RFC 6578); false: clients use the ctag/ETag listing. */
  readonly supportsSyncCollection: boolean;
  /** The storage folder the server writes to. */
  readonly storageDir: string;
  /** Headers every request needs (Basic auth for Radicale, which wants it even without auth). */
  readonly headers: Record<string, string>;
  /**
   * Writes a collection directly into the server's storage, bypassing HTTP (thousands of
   * items in seconds instead of minutes). Returns the collection URL (ending in `/`).
   * The server must not be writing the same collection concurrently.
   */
  seedCollection(options: SeedCollectionOptions): Promise<string>;
  stop(): Promise<void>;
}

/** A collection to write straight into a server's storage. */
export interface SeedCollectionOptions {
  /** The collection's path segment below the home, e.g. `contacts-big`. */
  name: string;
  kind: "calendar" | "addressbook";
  /** Display name shown in listings. */
  displayName?: string;
  /** Items: the file name (ending `.ics` or `.vcf`) and the full text. */
  items: Iterable<{ name: string; text: string }>;
}

const USER = "alice";
const PASSWORD = "s3cret-pass";

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function hasBinary(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const SABRE_AUTOLOAD = "/usr/share/php/Sabre/autoload.php";

function hasPhpSqlite(): boolean {
  try {
    return /^pdo_sqlite$/m.test(execFileSync("php", ["-m"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
  } catch {
    return false;
  }
}

/** Whether the server of `kind` can be started here (its Debian packages are installed). */
function isInstalled(kind: DavServerKind): boolean {
  if (kind === "sabre") return hasBinary("php") && existsSync(SABRE_AUTOLOAD) && hasPhpSqlite();
  return hasBinary(kind);
}

/** The Debian packages the server of `kind` comes from. */
function packagesOf(kind: DavServerKind): string[] {
  return kind === "sabre" ? ["php-cli", "php-sqlite3", "php-sabre-dav"] : ["radicale", "xandikos"];
}

/**
 * Makes sure the server of `kind` is installed (`radicale` and `xandikos`, or for `sabre` the
 * PHP CLI with PDO SQLite and Debian's sabre/dav), installing its Debian packages when running
 * as root; else throws naming them.
 */
export function ensureDavServersInstalled(kind: DavServerKind): void {
  ensureDebianPackages(`The DAV server '${kind}'`, packagesOf(kind), () => isInstalled(kind));
}

async function waitUntilAnswering(url: string, headers: Record<string, string>, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`DAV server exited (${child.exitCode ?? child.signalCode}) before answering:\n${log()}`);
    try {
      const response = await fetch(url, { method: "OPTIONS", headers });
      await response.arrayBuffer();
      if (response.status < 500) return;
      lastError = new Error(`HTTP ${response.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`DAV server at ${url} did not answer within 30 s (${String(lastError)}):\n${log()}`);
}

/**
 * Runs `command` as the leader's child in a process group of its own, under a shell that ends
 * the whole group when the command exits or when this process goes away (its stdin pipe
 * closes: the test runner may end a worker without running exit handlers).
 */
const GROUP_WRAPPER = 'exec 3<&0; "$@" </dev/null & p=$!; { cat <&3 >/dev/null; kill -KILL 0; } & wait "$p"; kill -KILL 0';

function spawnServer(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; group?: boolean } = {}): { child: ChildProcess; log: () => string } {
  // `group`: the server forks workers (php -S with PHP_CLI_SERVER_WORKERS), which outlive a
  // signal to their parent alone; it leads a process group of its own, stopped as a whole.
  const child = options.group
    ? spawn("sh", ["-c", GROUP_WRAPPER, "ewsdav-dav-server", command, ...args], { stdio: ["pipe", "pipe", "pipe"], ...(options.env ? { env: options.env } : {}), detached: true })
    : spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...(options.env ? { env: options.env } : {}) });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, log: () => output };
}

async function stopChild(child: ChildProcess, group = false): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    if (group && child.pid !== undefined) {
      try {
        process.kill(-child.pid, name); // the server and the workers it forked
        return;
      } catch {
        // the group is gone already; fall back to the child alone
      }
    }
    child.kill(name);
  };
  if (child.exitCode !== null || child.signalCode !== null) {
    if (group) signal("SIGKILL"); // workers left behind by a parent that died
    return;
  }
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => signal("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      if (group && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL"); // a worker that outlived its parent
        } catch {
          // none left
        }
      }
      resolve();
    });
    signal("SIGTERM");
  });
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
}

/** Starts Radicale on a free loopback port with htpasswd (plain) auth and a throwaway folder. */
export async function startRadicale(): Promise<DavServer> {
  ensureDavServersInstalled("radicale");
  const root = mkdtempSync(join(tmpdir(), "ewsdav-radicale-"));
  const storageDir = join(root, "collections");
  const port = await freePort();
  writeFileSync(join(root, "users"), `${USER}:${PASSWORD}\n`);
  writeFileSync(
    join(root, "config"),
    [
      "[server]",
      `hosts = 127.0.0.1:${port}`,
      "max_content_length = 100000000",
      "[auth]",
      "type = htpasswd",
      `htpasswd_filename = ${join(root, "users")}`,
      "htpasswd_encryption = plain",
      "delay = 0",
      "[rights]",
      "type = owner_only",
      "[storage]",
      `filesystem_folder = ${storageDir}`,
      "[web]",
      "type = none",
      "[logging]",
      "level = warning",
      "",
    ].join("\n"),
  );
  const { child, log } = spawnServer("radicale", ["--config", join(root, "config")]);
  const url = `http://127.0.0.1:${port}/`;
  const headers = { authorization: basic(USER, PASSWORD) };
  try {
    await waitUntilAnswering(url, headers, child, log);
  } catch (error) {
    await stopChild(child);
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const homeUrl = `${url}${USER}/`;
  // Radicale creates the principal collection on first authenticated PROPFIND.
  await (await fetch(homeUrl, { method: "PROPFIND", headers: { ...headers, depth: "0" } })).arrayBuffer();
  return {
    kind: "radicale",
    url,
    username: USER,
    password: PASSWORD,
    homeUrl,
    principalUrl: homeUrl,
    calendarHomeUrl: homeUrl,
    addressBookHomeUrl: homeUrl,
    supportsSyncCollection: true,
    storageDir,
    headers,
    async seedCollection(options) {
      const dir = join(storageDir, "collection-root", USER, options.name);
      mkdirSync(dir, { recursive: true });
      const props: Record<string, string> = {
        tag: options.kind === "calendar" ? "VCALENDAR" : "VADDRESSBOOK",
      };
      if (options.displayName) props[options.kind === "calendar" ? "D:displayname" : "D:displayname"] = options.displayName;
      if (options.kind === "calendar") props["C:supported-calendar-component-set"] = "VEVENT,VTODO,VJOURNAL";
      writeFileSync(join(dir, ".Radicale.props"), JSON.stringify(props));
      for (const item of options.items) writeFileSync(join(dir, item.name), item.text);
      return `${homeUrl}${encodeURIComponent(options.name)}/`;
    },
    async stop() {
      await stopChild(child);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Starts Xandikos on a free loopback port with default calendar and address book. */
export async function startXandikos(): Promise<DavServer> {
  ensureDavServersInstalled("xandikos");
  const root = mkdtempSync(join(tmpdir(), "ewsdav-xandikos-"));
  const port = await freePort();
  const { child, log } = spawnServer("xandikos", [
    "-d",
    root,
    "-l",
    "127.0.0.1",
    "-p",
    String(port),
    "--defaults",
    "--current-user-principal",
    `/${USER}/`,
  ]);
  const url = `http://127.0.0.1:${port}/`;
  const headers = { authorization: basic(USER, PASSWORD) };
  try {
    await waitUntilAnswering(url, headers, child, log);
  } catch (error) {
    await stopChild(child);
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const homeUrl = `${url}${USER}/`;
  return {
    kind: "xandikos",
    url,
    username: USER,
    password: PASSWORD,
    homeUrl,
    principalUrl: homeUrl,
    calendarHomeUrl: `${homeUrl}calendars/`,
    addressBookHomeUrl: `${homeUrl}contacts/`,
    supportsSyncCollection: true,
    storageDir: root,
    headers,
    async seedCollection(options) {
      // Xandikos keeps each collection as a git repository of plain files; the collection
      // type lives in the repository's config (xandikos.type), as `--defaults` writes it.
      const dir = join(root, USER, options.kind === "calendar" ? "calendars" : "contacts", options.name);
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const git = (...args: string[]) =>
        execFileSync("git", ["-c", "user.name=ewsdav", "-c", "user.email=ewsdav@localhost", ...args], { cwd: dir, stdio: "ignore" });
      git("init", "-q");
      git("config", "xandikos.type", options.kind);
      if (options.displayName) git("config", "xandikos.displayname", options.displayName);
      for (const item of options.items) writeFileSync(join(dir, item.name), item.text);
      git("add", "-A");
      git("commit", "-q", "--allow-empty", "-m", "seed");
      return `${homeUrl}${options.kind === "calendar" ? "calendars" : "contacts"}/${encodeURIComponent(options.name)}/`;
    },
    async stop() {
      await stopChild(child);
      rmSync(root, { recursive: true, force: true });
    },
  };
}


const APP_PASSWORD = "Wq7xR-3kTzp-9fLmA-2cVbN-h8YdE";
const SABRE_DIR = join(dirname(fileURLToPath(import.meta.url)), "sabre");

/**
 * Starts sabre/dav (Debian's php-sabre-dav, run by `php -S` with test/harness/sabre/server.php)
 * on a free loopback port: SQLite backend in a throwaway folder, Basic auth with a password and
 * an app password, Nextcloud's URL layout under `/remote.php/dav/` (see the module comment).
 */
export async function startSabre(): Promise<DavServer> {
  ensureDavServersInstalled("sabre");
  const root = mkdtempSync(join(tmpdir(), "ewsdav-sabre-"));
  const database = join(root, "sabre.sqlite");
  const php = (...args: string[]) => execFileSync("php", ["-d", "display_errors=stderr", join(SABRE_DIR, "setup.php"), ...args], { stdio: ["ignore", "ignore", "pipe"] });
  try {
    php("init", database, USER);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`sabre/dav: setting up the SQLite database failed: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  }
  const config = join(root, "config.json");
  writeFileSync(config, JSON.stringify({ database, user: USER, passwords: [PASSWORD, APP_PASSWORD] }));
  const port = await freePort();
  const { child, log } = spawnServer(
    "php",
    ["-d", "display_errors=stderr", "-d", "memory_limit=512M", "-d", "post_max_size=0", "-S", `127.0.0.1:${port}`, join(SABRE_DIR, "server.php")],
    { env: { ...process.env, EWSDAV_SABRE_CONFIG: config, PHP_CLI_SERVER_WORKERS: "4" }, group: true },
  );
  const url = `http://127.0.0.1:${port}/`;
  const base = `${url}remote.php/dav/`;
  const headers = { authorization: basic(USER, PASSWORD) };
  try {
    await waitUntilAnswering(base, headers, child, log);
  } catch (error) {
    await stopChild(child, true);
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const calendarHomeUrl = `${base}calendars/${USER}/`;
  const addressBookHomeUrl = `${base}addressbooks/users/${USER}/`;
  let seeds = 0;
  return {
    kind: "sabre",
    url,
    username: USER,
    password: PASSWORD,
    appPassword: APP_PASSWORD,
    homeUrl: calendarHomeUrl,
    principalUrl: `${base}principals/users/${USER}/`,
    calendarHomeUrl,
    addressBookHomeUrl,
    supportsSyncCollection: false,
    storageDir: root,
    headers,
    async seedCollection(options) {
      // Through sabre's own PDO backends (what a PUT stores), in one transaction.
      const file = join(root, `seed-${++seeds}.json`);
      writeFileSync(file, JSON.stringify({ name: options.name, kind: options.kind, displayName: options.displayName, items: [...options.items] }));
      try {
        php("seed", database, USER, file);
      } catch (error) {
        throw new Error(`sabre/dav: seeding ${options.name} failed: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
      } finally {
        rmSync(file, { force: true });
      }
      return `${options.kind === "calendar" ? calendarHomeUrl : addressBookHomeUrl}${encodeURIComponent(options.name)}/`;
    },
    async stop() {
      await stopChild(child, true);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Starts a server of the given kind. */
export function startDavServer(kind: DavServerKind): Promise<DavServer> {
  return kind === "radicale" ? startRadicale() : kind === "xandikos" ? startXandikos() : startSabre();
}

/** Every server kind the harness can start; conformance suites iterate over it. */
export const DAV_SERVER_KINDS: readonly DavServerKind[] = ["radicale", "xandikos", "sabre"];
