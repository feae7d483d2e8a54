/**
 * MSAL's token cache in a file readable by its owner only (0600, written atomically through
 * {@link writePrivateFile}): what lets `ewsdav sync` use the sign-in `ewsdav login` made. The file
 * holds refresh tokens: it is as secret as a password, and refused (like a `passwordFile`) when its
 * group or others can read it.
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import type { TokenCachePersistence } from "@ewsdav/ews-client";
import { ConfigError } from "../config.js";
import { writePrivateFile } from "../private-files.js";

/** A token cache kept in `path` (0600). */
export function fileTokenCache(path: string, where: string): TokenCachePersistence {
  return {
    load: async () => {
      let mode: number;
      try {
        mode = statSync(path).mode;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new ConfigError(`${where}: the token cache ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
      }
      // It holds refresh tokens: like a password file, refused when others can read it.
      if (process.platform !== "win32" && (mode & 0o044) !== 0) {
        throw new ConfigError(`${where}: the token cache ${path} is readable by others; make it private with: chmod 600 ${path} (or sign in again)`);
      }
      try {
        const text = readFileSync(path, "utf8");
        return text.trim() === "" ? undefined : text;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new ConfigError(`${where}: the token cache ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
      }
    },
    save: async (serialized) => writePrivateFile(path, serialized),
  };
}
