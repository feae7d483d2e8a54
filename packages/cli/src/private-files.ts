/**
 * Files only their owner may read: secrets (a password file), token caches, state. Written with
 * mode 0600 in a folder made 0700 when it is new, atomically (a temporary file renamed over).
 */
import { chmodSync, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Writes `text` to `path` readable by its owner only (0600), creating the folder (0700) when missing. */
export function writePrivateFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** Whether a file exists and group or others may read it (always false on Windows). */
export function readableByOthers(path: string): boolean {
  if (process.platform === "win32") return false;
  try {
    return (statSync(path).mode & 0o044) !== 0;
  } catch {
    return false;
  }
}
