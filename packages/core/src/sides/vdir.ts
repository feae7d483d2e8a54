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
 * - **Change feed**: the folder is listed (a `readdir` and a `stat` per file); the cursor is a hash
 *   of that listing, so an unchanged folder answers "nothing changed", otherwise the full listing.
 * - **Writes** are atomic (temporary file, fsync, rename); a create never replaces an existing file
 *   (hard link, which fails if the name is taken); update and delete check the version first.
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
import { constants as fsConstants, promises as fs } from "node:fs";
import { join } from "node:path";
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
 * what was read.
 */
async function readRegular(path: string, maxBytes = VDIR_MAX_ITEM_BYTES): Promise<{ text: string; stat: import("node:fs").BigIntStats }> {
  const handle = await fs.open(path, OPEN_NO_FOLLOW);
  try {
    const stat = await handle.stat({ bigint: true });
    if (!stat.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: "ENOTREG" });
    if (stat.size > BigInt(maxBytes)) throw Object.assign(new Error(`${path} is larger than ${maxBytes} bytes`), { code: "EFBIG" });
    return { text: await handle.readFile("utf8"), stat };
  } finally {
    await handle.close();
  }
}

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
  async #version(path: string): Promise<string> {
    if (this.#options.version === "hash") {
      const { text, stat } = await readRegular(path, this.#options.maxItemBytes);
      return this.#versionOf(stat, text);
    }
    const stat = await fs.lstat(path, { bigint: true });
    if (!stat.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: stat.isSymbolicLink() ? "ELOOP" : "ENOTREG" });
    return this.#versionOf(stat, "");
  }

  /** The item files of a collection, and the entries with item names that are not regular files (skipped). */
  async #list(collection: string): Promise<{ items: Versioned[]; skipped: Map<string, string> }> {
    const dir = this.#dir(collection);
    let entries: import("node:fs").Dirent[];
    try {
      if ((await fs.lstat(dir)).isSymbolicLink()) throw new SideError("not-found", `${this.name}: the collection folder ${collection} is a symbolic link, which is not followed`);
      entries = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => isItemFile(e.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (error) {
      if (codeOf(error) === "ENOENT") throw new SideError("not-found", `${this.name} has no collection ${collection}`);
      throw error;
    }
    const items: Versioned[] = [];
    const skipped = new Map<string, string>();
    for (const entry of entries) {
      if (!entry.isFile()) {
        skipped.set(entry.name, entry.isSymbolicLink() ? "is a symbolic link, which is not followed" : "is not a regular file");
        continue;
      }
      try {
        items.push({ id: entry.name, version: await this.#version(join(dir, entry.name)) });
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
        const { text, stat } = await readRegular(path, this.#options.maxItemBytes);
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

  /** Writes a temporary file next to the target, fsynced; returns its path. */
  async #writeTemp(dir: string, text: string): Promise<string> {
    const temp = join(dir, `.ewsdav-tmp-${randomBytes(8).toString("hex")}`);
    const handle = await fs.open(temp, "wx", 0o600);
    try {
      await handle.writeFile(text, "utf8");
      if (this.#options.fsync ?? true) await handle.sync();
    } finally {
      await handle.close();
    }
    return temp;
  }

  async #syncDir(dir: string): Promise<void> {
    if (!(this.#options.fsync ?? true)) return;
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

  async create(collection: string, items: readonly VObject[]): Promise<Array<WriteResult | SideError>> {
    const out: Array<WriteResult | SideError> = [];
    const dir = this.#dir(collection);
    for (const item of items) {
      const refused = this.#refuseWrite(null);
      if (refused) {
        out.push(refused);
        continue;
      }
      try {
        const id = this.#fileNameFor(item.uid, item.text);
        const temp = await this.#writeTemp(dir, item.text);
        try {
          await fs.link(temp, join(dir, id)); // fails with EEXIST rather than replacing
        } catch (error) {
          if (codeOf(error) === "EEXIST") {
            out.push(new SideError("already-exists", `file ${id} exists`, id));
            continue;
          }
          throw error;
        } finally {
          await fs.unlink(temp).catch(() => undefined);
        }
        await this.#syncDir(dir);
        out.push({ id, version: await this.#version(join(dir, id)) });
      } catch (error) {
        out.push(transient(error, null));
      }
    }
    return out;
  }

  async update(collection: string, items: readonly ItemUpdate[]): Promise<Array<WriteResult | SideError>> {
    const out: Array<WriteResult | SideError> = [];
    for (const item of items) {
      const refused = this.#refuseWrite(item.id);
      if (refused) {
        out.push(refused);
        continue;
      }
      try {
        const path = this.#file(collection, item.id);
        const check = await this.#precondition(path, item);
        if (check) {
          out.push(check);
          continue;
        }
        const dir = this.#dir(collection);
        const temp = await this.#writeTemp(dir, item.text);
        await fs.rename(temp, path);
        await this.#syncDir(dir);
        out.push({ id: item.id, version: await this.#version(path) });
      } catch (error) {
        out.push(error instanceof SideError ? error : transient(error, item.id));
      }
    }
    return out;
  }

  async remove(collection: string, items: readonly Versioned[]): Promise<Array<null | SideError>> {
    const out: Array<null | SideError> = [];
    for (const item of items) {
      const refused = this.#refuseWrite(item.id);
      if (refused) {
        out.push(refused);
        continue;
      }
      try {
        const path = this.#file(collection, item.id);
        const check = await this.#precondition(path, item);
        if (check) {
          out.push(check);
          continue;
        }
        await fs.unlink(path);
        await this.#syncDir(this.#dir(collection));
        out.push(null);
      } catch (error) {
        out.push(error instanceof SideError ? error : codeOf(error) === "ENOENT" ? new SideError("not-found", `no file ${item.id}`, item.id) : transient(error, item.id));
      }
    }
    return out;
  }

  async #precondition(path: string, item: Versioned): Promise<SideError | null> {
    let current: string;
    try {
      current = await this.#version(path);
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
    return (await readRegular(path)).text;
  } catch {
    return null;
  }
}
