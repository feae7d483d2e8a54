/**
 * Test harness: starts real DAV servers (Radicale, Xandikos) on loopback with a throwaway
 * storage folder and a free port, waits until they answer, and stops them afterwards.
 *
 * Used by every package's integration tests. A missing server binary is installed with
 * `apt-get install -y radicale xandikos` when running as root; otherwise the start fails with
 * a message naming what to install. It never skips silently.
 *
 * Known behaviour the callers design around:
 * - Radicale wants a Basic header even with auth off, and closes the connection after
 *   every response. We run it with htpasswd auth (plain) so Basic auth is exercised.
 * - Xandikos has no auth of its own, needs an XML content type on request bodies and
 *   answers an unknown sync token with HTTP 500.
 * - Both write slowly (about 25 PUTs/s here); seed large collections with
 *   {@link DavServer.seedCollection}, which writes into the storage folder directly.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Which DAV server implementation. */
export type DavServerKind = "radicale" | "xandikos";

/** A running DAV server. */
export interface DavServer {
  readonly kind: DavServerKind;
  /** Base URL, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** The URL of the user's calendar and address book homes (collections go below). */
  readonly homeUrl: string;
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

/** Makes sure `radicale` and `xandikos` are installed, installing them when running as root. */
export function ensureDavServersInstalled(kind: DavServerKind): void {
  if (hasBinary(kind)) return;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (isRoot) {
    try {
      execFileSync("sh", ["-c", "(apt-get install -y radicale xandikos || (apt-get update && apt-get install -y radicale xandikos))"], {
        stdio: "ignore",
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
        timeout: 600_000,
      });
    } catch {
      // fall through to the message below
    }
    if (hasBinary(kind)) return;
  }
  throw new Error(
    `The DAV server '${kind}' is not installed and could not be installed here. ` +
      "Install it with: sudo apt-get install -y radicale xandikos (Debian packages).",
  );
}

async function waitUntilAnswering(url: string, headers: Record<string, string>, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`DAV server exited with code ${child.exitCode} before answering:\n${log()}`);
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

function spawnServer(command: string, args: string[]): { child: ChildProcess; log: () => string } {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { child, log: () => output };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
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

/** Starts a server of the given kind. */
export function startDavServer(kind: DavServerKind): Promise<DavServer> {
  return kind === "radicale" ? startRadicale() : startXandikos();
}

/** Every server kind the harness can start; conformance suites iterate over it. */
export const DAV_SERVER_KINDS: readonly DavServerKind[] = ["radicale", "xandikos"];
