/**
 * Reading the secrets a config names: inline, from an environment variable, or from a private
 * file. A secret file (`passwordFile`, `clientSecretFile`, a certificate's private key) that its
 * group or others can read is refused: the secret may already have leaked, and a refusal is the
 * only way to make sure it is noticed (a warning scrolls by in a cron log). Errors name the field,
 * never the value.
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { ConfigError, type SecretSource } from "../config.js";

/**
 * The text of a file that must be private to its owner.
 * @param where - the field that names the file, for errors (`accounts.work.auth.passwordFile`).
 * @throws ConfigError when the file cannot be read, is readable by group or others, or is empty.
 */
export function readPrivateSecretFile(path: string, where: string): string {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    throw new ConfigError(`${where}: ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  if (process.platform !== "win32" && (mode & 0o044) !== 0) {
    throw new ConfigError(`${where}: ${path} is readable by ${[(mode & 0o040) !== 0 ? "its group" : "", (mode & 0o004) !== 0 ? "others" : ""].filter(Boolean).join(" and ")}; make it private with: chmod 600 ${path}`);
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`${where}: ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  return text;
}

/** The secret of a file holding only it: one trailing line break is not part of it. */
function secretFromFile(path: string, where: string): string {
  const value = readPrivateSecretFile(path, where).replace(/\r?\n$/, "");
  if (value === "") throw new ConfigError(`${where}: ${path} is empty`);
  return value;
}

/** A secret from an environment variable. */
export function secretFromEnv(name: string, where: string): string {
  const value = process.env[name];
  if (!value) throw new ConfigError(`${where}: the environment variable ${name} is not set`);
  return value;
}

/**
 * The secret an account's config names: inline `password`, the environment variable named by
 * `passwordEnv`, or the private file named by `passwordFile` (an absolute path, as `loadConfig`
 * leaves it).
 * @param where - the object holding the fields, for errors (`accounts.work.auth`).
 * @throws ConfigError naming the field (never the value).
 */
export function secretOf(s: SecretSource, where: string): string {
  if (s.password !== undefined) return s.password;
  if (s.passwordEnv !== undefined) return secretFromEnv(s.passwordEnv, `${where}.passwordEnv`);
  if (s.passwordFile !== undefined) return secretFromFile(s.passwordFile, `${where}.passwordFile`);
  throw new ConfigError(`${where}: give one of password, passwordEnv or passwordFile`);
}

/** A client secret from the environment variable or the private file named. */
export function clientSecretOf(s: { clientSecretEnv?: string | undefined; clientSecretFile?: string | undefined }, where: string): string | undefined {
  if (s.clientSecretEnv !== undefined) return secretFromEnv(s.clientSecretEnv, `${where}.clientSecretEnv`);
  if (s.clientSecretFile !== undefined) return secretFromFile(s.clientSecretFile, `${where}.clientSecretFile`);
  return undefined;
}
