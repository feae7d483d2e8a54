/**
 * `@ewsdav/core/vdir`: a {@link SyncSide} over a folder of `.ics` / `.vcf` files in the vdir
 * layout that khal, khard and vdirsyncer use: one subfolder per collection, one file per item,
 * an optional `displayname` file per collection.
 *
 * - **Ids** are file names; a file created here is named after its UID when the UID is a safe file
 *   name, else after a hash of it.
 * - **Versions** are inode + mtime (ns) + size by default: every write here replaces the file
 *   through a rename, so each revision gets a new inode; `version: "hash"` uses a content hash
 *   instead (robust against tools that rewrite in place within the clock's resolution, but reads
 *   every file to list).
 * - **Change feed**: the folder is listed (one `readdir` and an `lstat` per file, synchronous: the
 *   cheapest way to list a local folder, in slices of 256 files between which the event loop runs,
 *   so the other side's request of the cycle is in flight meanwhile); the cursor is a hash of
 *   that listing, so an unchanged folder answers "nothing changed", otherwise the full listing —
 *   which the engine compares with the versions its state holds (the per-file versions live there,
 *   not in the cursor), so a listing that matches the state is still the engine's quiet exit. The
 *   folder's own mtime is not a shortcut: a file edited in place changes its own mtime, not its
 *   folder's, so every file is looked at.
 * - **Writes** are atomic (temporary file, fsync, rename); a create never replaces an existing file
 *   (hard link, which fails if the name is taken); update and delete check the version first.
 *   Durability is batched: every temporary file of a batch is written, then all are fsynced, then
 *   linked or renamed into place, and the folder is fsynced once; the results are returned only
 *   then. A process killed in between leaves at most hidden `.ewsdav-tmp-*` files (never an item)
 *   and items whose write the engine's journal names.
 * - **Only regular files inside the folder** are items. Symbolic links are not followed (a link
 *   to `~/.ssh/id_rsa` named `x.vcf` would otherwise be read and synced): files are opened with
 *   `O_NOFOLLOW`, and a link, FIFO or other non-regular entry with an item name is skipped and
 *   reported — listed once in the feed, and reading it answers a `rejected` error saying why, so
 *   the cycle's report names it. A collection folder that is a link is refused. An id that is
 *   not a plain file name in the folder (`/`, a backslash, NUL, a leading dot) is `not-found`.
 *   A file over `maxItemBytes` (default 32 MiB) is not read: `rejected`, naming it.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, constants as fsConstants, fsync as fsyncCallback, fstatSync, linkSync, lstatSync, openSync, readFileSync, promises as fs, readdirSync, renameSync, unlinkSync, writeSync, type BigIntStats, type Dirent } from "node:fs";
import { promisify } from "node:util";
import { join, sep } from "node:path";
import {
  SideError,
  type ChangeFeed,
  type CollectionInfo,
  type CollectionKind,
  type ItemUpdate,
  type SideCapabilities,
  type SideItem,
  type SyncSide,
  type Versioned,
  type VObject,
  type WriteResult,
} from "../engine/side.js";
import { uidOfText } from "@ewsdav/vobject";

/** Options of {@link VdirSide}. */
export interface VdirSideOptions {
  /** The folder holding one subfolder per collection. Created when missing. */
  root: string;
  /** The side's name (default `"vdir"`). */
  name?: string;
  /** How versions are computed (default `"stat"`). */
  version?: "stat" | "hash";
  /** fsync files and folders on write (default true; off only for throwaway data and benchmarks). */
  fsync?: boolean;
  /** Kind of a collection folder that has no kind marker and no item yet (default `"events"`). */
  defaultKind?: CollectionKind;
  readOnly?: boolean;
  /** Items per batch call and calls at once (defaults 100 and 8). */
  maxBatch?: number;
  /** Largest item file read, in bytes (default 32 MiB); a larger one is skipped and reported as `rejected`. */
  maxItemBytes?: number;
  maxConcurrency?: number;
}

/** The file, in a collection folder, that records the collection's kind (hidden from khal/khard). */
export const VDIR_KIND_FILE = ".ewsdav-kind";
/** The vdirsyncer metadata file holding a collection's display name. */
export const VDIR_DISPLAYNAME_FILE = "displayname";

const EXTENSIONS = [".ics", ".vcf"];
/** Files listed (`lstat`) between two turns of the event loop. */
const LIST_SLICE = 256;
/** Lets the event loop run (timers, sockets) before the listing goes on. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,120}$/;

function isItemFile(name: string): boolean {
  return !name.startsWith(".") && EXTENSIONS.some((e) => name.endsWith(e));
}

/** A file name with nothing a path could be made of besides its own name (no separator, NUL, dot segment). */
function isPlainName(name: string): boolean {
  return name !== "" && !name.startsWith(".") && !/[/\\\u0000]/.test(name);
}

/** Opening flags that never follow a symbolic link and never block on a FIFO. */
const OPEN_NO_FOLLOW = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

/** The default {@link VdirSideOptions.maxItemBytes}: 32 MiB, as the DAV client's response limit. */
export const VDIR_MAX_ITEM_BYTES = 32 * 1024 * 1024;

/**
 * Reads a regular file without following a symbolic link (`ELOOP`), without blocking on a FIFO
 * or device (`ENOTREG`) and without reading more than `maxBytes` (`EFBIG`), with the stat of
 * what was read. Synchronous: a local file read costs less so than through the thread pool.
 */
function readRegular(path: string, maxBytes = VDIR_MAX_ITEM_BYTES): { text: string; stat: BigIntStats } {
  const fd = openSync(path, OPEN_NO_FOLLOW);
  try {
    const stat = fstatBig(fd);
    if (!stat.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: "ENOTREG" });
    if (stat.size > BigInt(maxBytes)) throw Object.assign(new Error(`${path} is larger than ${maxBytes} bytes`), { code: "EFBIG" });
    return { text: readFileSync(fd, "utf8"), stat };
  } finally {
    closeSync(fd);
  }
}

function fstatBig(fd: number): BigIntStats {
  return fstatSync(fd, { bigint: true });
}

const fsyncFd = promisify(fsyncCallback);

/** Temporary file names: a random prefix per process and a counter (opened with O_EXCL: never one another's). */
const TEMP_PREFIX = randomBytes(6).toString("hex");
let tempCounter = 0;
/** The most temporary files a write holds open at once, written and fsynced together. */
const DURABLE_CHUNK = 64;

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/** A vdir folder as a sync side. */
export class VdirSide implements SyncSide {
  readonly name: string;
  readonly capabilities: SideCapabilities;
  readonly #options: VdirSideOptions;
  /** Per collection, the entries its last listing skipped (links, FIFOs…) and why: reported on read. */
  readonly #skipped = new Map<string, Map<string, string>>();

  constructor(options: VdirSideOptions) {
    this.#options = options;
    this.name = options.name ?? "vdir";
    this.capabilities = { readOnly: options.readOnly ?? false, maxBatch: options.maxBatch ?? 100, maxConcurrency: options.maxConcurrency ?? 8 };
  }

  #dir(collection: string): string {
    if (!isPlainName(collection)) throw new SideError("not-found", `not a collection name: ${JSON.stringify(collection)}`);
    return join(this.#options.root, collection);
  }

  #file(collection: string, id: string): string {
    if (!isItemFile(id) || !isPlainName(id)) throw new SideError("not-found", `not an item file name: ${JSON.stringify(id)}`, id);
    return join(this.#dir(collection), id);
  }

  async listCollections(): Promise<CollectionInfo[]> {
    await fs.mkdir(this.#options.root, { recursive: true });
    const out: CollectionInfo[] = [];
    for (const entry of await fs.readdir(this.#options.root, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const dir = join(this.#options.root, entry.name);
      out.push({ id: entry.name, kind: await this.#kindOf(dir), displayName: (await readOptional(join(dir, VDIR_DISPLAYNAME_FILE)))?.trim() || entry.name });
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  async #kindOf(dir: string): Promise<CollectionKind> {
    const marked = (await readOptional(join(dir, VDIR_KIND_FILE)))?.trim();
    if (marked === "contacts" || marked === "events" || marked === "tasks") return marked;
    const files = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && isItemFile(e.name)).map((e) => e.name);
    const first = files[0];
    if (!first) return this.#options.defaultKind ?? "events";
    if (first.endsWith(".vcf")) return "contacts";
    const text = (await readOptional(join(dir, first))) ?? "";
    return /^BEGIN:VTODO/im.test(text) && !/^BEGIN:VEVENT/im.test(text) ? "tasks" : "events";
  }

  async createCollection(kind: CollectionKind, displayName: string): Promise<CollectionInfo> {
    if (this.capabilities.readOnly) throw new SideError("read-only", `${this.name} is read-only`);
    await fs.mkdir(this.#options.root, { recursive: true });
    const base = displayName.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || kind;
    for (let n = 0; ; n++) {
      const id = n === 0 ? base : `${base}-${n}`;
      try {
        await fs.mkdir(join(this.#options.root, id));
      } catch (error) {
        if (codeOf(error) === "EEXIST") continue;
        throw error;
      }
      await fs.writeFile(join(this.#options.root, id, VDIR_KIND_FILE), `${kind}\n`);
      await fs.writeFile(join(this.#options.root, id, VDIR_DISPLAYNAME_FILE), displayName);
      return { id, kind, displayName };
    }
  }

  /** The version of what `stat` describes (and, for `version: "hash"`, of `text`). */
  #versionOf(stat: import("node:fs").BigIntStats, text: string): string {
    if (this.#options.version === "hash") return createHash("sha256").update(text, "utf8").digest("hex").slice(0, 32);
    return `${stat.ino}-${stat.mtimeNs}-${stat.size}`;
  }

  /** The version of the regular file at `path`, never following a link (`ELOOP`, `ENOTREG` otherwise). */
  #version(path: string): string {
    if (this.#options.version === "hash") {
      const { text, stat } = readRegular(path, this.#options.maxItemBytes);
      return this.#versionOf(stat, text);
    }
    const stat = lstatSync(path, { bigint: true });
    if (!stat.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: stat.isSymbolicLink() ? "ELOOP" : "ENOTREG" });
    return this.#versionOf(stat, "");
  }

  /** The item files of a collection, and the entries with item names that are not regular files (skipped). */
  async #list(collection: string): Promise<{ items: Versioned[]; skipped: Map<string, string> }> {
    const dir = this.#dir(collection);
    let entries: Dirent[];
    try {
      if (lstatSync(dir).isSymbolicLink()) throw new SideError("not-found", `${this.name}: the collection folder ${collection} is a symbolic link, which is not followed`);
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => isItemFile(e.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (error) {
      if (codeOf(error) === "ENOENT") throw new SideError("not-found", `${this.name} has no collection ${collection}`);
      throw error;
    }
    const items: Versioned[] = [];
    const skipped = new Map<string, string>();
    const prefix = dir.endsWith(sep) ? dir : `${dir}${sep}`; // join() per file was a quarter of this loop's CPU (13,000 files)
    for (const [n, entry] of entries.entries()) {
      // The other side's request goes out and its answer is read while this folder is listed.
      if (n % LIST_SLICE === 0) await yieldToEventLoop();
      if (!entry.isFile()) {
        skipped.set(entry.name, entry.isSymbolicLink() ? "is a symbolic link, which is not followed" : "is not a regular file");
        continue;
      }
      try {
        items.push({ id: entry.name, version: this.#version(prefix + entry.name) });
      } catch (error) {
        if (codeOf(error) === "EFBIG") skipped.set(entry.name, "is larger than the item size limit (maxItemBytes)");
        else if (codeOf(error) === "ELOOP" || codeOf(error) === "ENOTREG") skipped.set(entry.name, "is not a regular file"); // replaced while listing
        else if (codeOf(error) !== "ENOENT") throw error; // ENOENT: deleted while listing
      }
    }
    return { items, skipped };
  }

  async changes(collection: string, cursor: string | null): Promise<ChangeFeed> {
    const { items, skipped } = await this.#list(collection);
    const digest = createHash("sha256");
    for (const item of items) digest.update(`${item.id}\u0000${item.version}\n`);
    for (const id of skipped.keys()) digest.update(`${id}\u0000skipped\n`);
    const next = `list:${digest.digest("hex")}`;
    if (cursor === next) return { cursor: next, changed: [], deleted: [], complete: false };
    if (items.length === 0 && skipped.size > 0) {
      // Listing them as the only changes would hide an emptied folder from the engine's empty-side guard.
      throw new SideError("rejected", `${this.name}: the collection ${collection} holds no item file, only entries that are skipped: ${[...skipped].map(([id, why]) => `${id} ${why}`).join("; ")}`);
    }
    if (skipped.size > 0) this.#skipped.set(collection, skipped);
    else this.#skipped.delete(collection);
    return { cursor: next, changed: [...items, ...[...skipped.keys()].map((id) => ({ id, version: null }))], deleted: [], complete: true };
  }

  async fetch(collection: string, ids: readonly string[]): Promise<Array<SideItem | SideError>> {
    const out: Array<SideItem | SideError> = [];
    const skipped = this.#skipped.get(collection);
    for (const id of ids) {
      const why = skipped?.get(id);
      if (why !== undefined) {
        skipped!.delete(id);
        out.push(new SideError("rejected", `${this.name}: ${collection}/${id} ${why}; skipped`, id));
        continue;
      }
      try {
        const path = this.#file(collection, id);
        const { text, stat } = readRegular(path, this.#options.maxItemBytes);
        const version = this.#versionOf(stat, text);
        let uid: string | null = null;
        try {
          uid = uidOfText(text);
        } catch {
          uid = null; // unreadable content: the engine reports it for this item
        }
        out.push({ id, version, uid, text });
      } catch (error) {
        out.push(error instanceof SideError ? error : notRegular(error, id) ?? (codeOf(error) === "ENOENT" ? new SideError("not-found", `no file ${id}`, id) : transient(error, id)));
      }
    }
    return out;
  }

  #refuseWrite(id: string | null): SideError | null {
    return this.capabilities.readOnly ? new SideError("read-only", `${this.name} is read-only`, id) : null;
  }

  get #fsync(): boolean {
    return this.#options.fsync ?? true;
  }

  /**
   * Writes the texts to temporary files next to their targets (not yet durable): one per text, a
   * path or the error that stopped it. {@link #makeDurable} fsyncs them.
   */
  #stage(dir: string, texts: readonly string[]): Array<{ temp: string; fd: number; text: string } | Error> {
    return texts.map((text) => {
      const temp = join(dir, `.ewsdav-tmp-${TEMP_PREFIX}-${(tempCounter++).toString(36)}`);
      let fd: number | undefined;
      try {
        fd = openSync(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600);
        const bytes = Buffer.from(text, "utf8");
        for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
        return { temp, fd, text };
      } catch (error) {
        if (fd !== undefined) {
          closeSync(fd);
          unlinkQuietly(temp);
        }
        return error as Error;
      }
    });
  }

  /**
   * Writes the texts to durable temporary files, {@link DURABLE_CHUNK} at a time (so a batch holds
   * that many file descriptors open at most, whatever `maxBatch` and `maxConcurrency` are): each
   * file's path and the version of what was written (see {@link #makeDurable}).
   */
  async #writeDurably(dir: string, texts: readonly string[]): Promise<Array<Staged | Error>> {
    const out: Array<Staged | Error> = [];
    for (let at = 0; at < texts.length; at += DURABLE_CHUNK) out.push(...(await this.#makeDurable(this.#stage(dir, texts.slice(at, at + DURABLE_CHUNK)))));
    return out;
  }

  /**
   * Fsyncs (when on) and closes staged files, all at once; a file that fails is removed and answers
   * its error. Each file's version is taken from its descriptor once written: linking or renaming
   * it into place keeps its inode, mtime and size, so that is the version of the item placed —
   * of what this side wrote, not of whatever the path holds by the time it is looked at again.
   */
  async #makeDurable(staged: Array<{ temp: string; fd: number; text: string } | Error>): Promise<Array<Staged | Error>> {
    return Promise.all(
      staged.map(async (s) => {
        if (s instanceof Error) return s;
        try {
          if (this.#fsync) await fsyncFd(s.fd);
          return { temp: s.temp, version: this.#versionOf(fstatBig(s.fd), s.text) };
        } catch (error) {
          unlinkQuietly(s.temp);
          return error as Error;
        } finally {
          closeSync(s.fd);
        }
      }),
    );
  }

  /** Fsyncs a folder (its entries: links, renames, unlinks), when fsync is on. */
  async #syncDir(dir: string): Promise<void> {
    if (!this.#fsync) return;
    const handle = await fs.open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  #fileNameFor(uid: string | null, text: string): string {
    const ext = /^\s*BEGIN:VCARD/i.test(text) ? ".vcf" : ".ics";
    if (uid && SAFE_NAME.test(uid) && !uid.endsWith(".")) return `${uid}${ext}`;
    return `${createHash("sha256").update(uid ?? text).digest("hex").slice(0, 32)}${ext}`;
  }

  /**
   * After the entries of a batch are in place: fsyncs the folder once, then answers each placed
   * item's version. A folder that cannot be fsynced fails every item placed.
   */
  async #settle(dir: string, placed: Array<{ index: number; id: string; version: string }>, out: Array<WriteResult | SideError | undefined>): Promise<void> {
    if (placed.length === 0) return;
    try {
      await this.#syncDir(dir);
    } catch (error) {
      for (const { index, id } of placed) out[index] = transient(error, id);
      return;
    }
    for (const { index, id, version } of placed) out[index] = { id, version };
  }

  async create(collection: string, items: readonly VObject[]): Promise<Array<WriteResult | SideError>> {
    const refused = this.#refuseWrite(null);
    if (refused) return items.map(() => refused);
    const dir = this.#dir(collection);
    const out: Array<WriteResult | SideError | undefined> = new Array(items.length);
    const ids = items.map((item) => this.#fileNameFor(item.uid, item.text));
    const temps = await this.#writeDurably(dir, items.map((item) => item.text));
    const placed: Array<{ index: number; id: string; version: string }> = [];
    temps.forEach((temp, index) => {
      const id = ids[index]!;
      if (temp instanceof Error) {
        out[index] = transient(temp, null);
        return;
      }
      try {
        linkSync(temp.temp, join(dir, id)); // fails with EEXIST rather than replacing
        placed.push({ index, id, version: temp.version });
      } catch (error) {
        out[index] = codeOf(error) === "EEXIST" ? new SideError("already-exists", `file ${id} exists`, id) : transient(error, null);
      } finally {
        unlinkQuietly(temp.temp);
      }
    });
    await this.#settle(dir, placed, out);
    return out as Array<WriteResult | SideError>;
  }

  async update(collection: string, items: readonly ItemUpdate[]): Promise<Array<WriteResult | SideError>> {
    const out: Array<WriteResult | SideError | undefined> = new Array(items.length);
    const toWrite: Array<{ index: number; id: string; path: string; text: string; item: ItemUpdate }> = [];
    items.forEach((item, index) => {
      const refused = this.#refuseWrite(item.id);
      if (refused) {
        out[index] = refused;
        return;
      }
      try {
        const path = this.#file(collection, item.id);
        const check = this.#precondition(path, item);
        if (check) out[index] = check;
        else toWrite.push({ index, id: item.id, path, text: item.text, item });
      } catch (error) {
        out[index] = error instanceof SideError ? error : transient(error, item.id);
      }
    });
    if (toWrite.length === 0) return out as Array<WriteResult | SideError>;
    const dir = this.#dir(collection);
    const temps = await this.#writeDurably(dir, toWrite.map((w) => w.text));
    const placed: Array<{ index: number; id: string; version: string }> = [];
    temps.forEach((temp, i) => {
      const { index, id, path, item } = toWrite[i]!;
      if (temp instanceof Error) {
        out[index] = transient(temp, id);
        return;
      }
      try {
        // Checked again right before the rename: the file may have been edited while the batch was made durable.
        const check = this.#precondition(path, item);
        if (check) {
          unlinkQuietly(temp.temp);
          out[index] = check;
          return;
        }
        renameSync(temp.temp, path);
        placed.push({ index, id, version: temp.version });
      } catch (error) {
        unlinkQuietly(temp.temp);
        out[index] = transient(error, id);
      }
    });
    await this.#settle(dir, placed, out);
    return out as Array<WriteResult | SideError>;
  }

  async remove(collection: string, items: readonly Versioned[]): Promise<Array<null | SideError>> {
    const out: Array<null | SideError> = [];
    let removed = false;
    for (const item of items) {
      const refused = this.#refuseWrite(item.id);
      if (refused) {
        out.push(refused);
        continue;
      }
      try {
        const path = this.#file(collection, item.id);
        const check = this.#precondition(path, item);
        if (check) {
          out.push(check);
          continue;
        }
        unlinkSync(path);
        removed = true;
        out.push(null);
      } catch (error) {
        out.push(error instanceof SideError ? error : codeOf(error) === "ENOENT" ? new SideError("not-found", `no file ${item.id}`, item.id) : transient(error, item.id));
      }
    }
    if (removed) {
      try {
        await this.#syncDir(this.#dir(collection));
      } catch (error) {
        return out.map((r, i) => r ?? transient(error, items[i]!.id));
      }
    }
    return out;
  }

  #precondition(path: string, item: Versioned): SideError | null {
    let current: string;
    try {
      current = this.#version(path);
    } catch (error) {
      if (codeOf(error) === "ENOENT") return new SideError("not-found", `no file ${item.id}`, item.id);
      const refused = notRegular(error, item.id);
      if (refused) return refused;
      throw error;
    }
    if (item.version !== null && item.version !== current) {
      return new SideError("precondition-failed", `file ${item.id} changed since version ${item.version}`, item.id);
    }
    return null;
  }
}

/** A durable temporary file and the version of what it holds. */
interface Staged {
  temp: string;
  version: string;
}

/** Removes a file, ignoring any error (a temporary file already gone). */
function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** A `rejected` error for a path that is a link or not a regular file (undefined for other errors). */
function notRegular(error: unknown, id: string): SideError | undefined {
  const code = codeOf(error);
  if (code === "ELOOP") return new SideError("rejected", `${id} is a symbolic link, which is not followed`, id);
  if (code === "ENOTREG") return new SideError("rejected", `${id} is not a regular file`, id);
  if (code === "EFBIG") return new SideError("rejected", `${id} is larger than the item size limit (maxItemBytes)`, id);
  return undefined;
}

function transient(error: unknown, id: string | null): SideError {
  return new SideError("transient", error instanceof Error ? error.message : String(error), id);
}

/** A regular file's text, or null when it is missing, a link or not a regular file. */
async function readOptional(path: string): Promise<string | null> {
  try {
    return readRegular(path).text;
  } catch {
    return null;
  }
}
