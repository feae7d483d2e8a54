/**
 * Reading the config file: JSON, validated with the zod schema of `config/schema.ts`, relative
 * paths made absolute beside the file. Errors name the field (`accounts.work.auth.passwordFile:
 * …`); a file that is not JSON is reported by line and column only, never with a piece of its
 * text (which could be a password), and zod's messages are masked for the file's secret values
 * besides (they do not quote input today; a future message might).
 *
 * Secrets: a password-like secret is given by exactly one of `password` (inline: a warning when
 * the config file is readable by its group or others), `passwordEnv` (an environment variable) or
 * `passwordFile` (a file holding only the secret, relative to the config; refused when its group
 * or others can read it — checked when the account is opened, see `auth/secrets.ts`). App-only
 * client secrets have no inline form: `clientSecretEnv` or `clientSecretFile`. An account URL on
 * plain `http:` to a host that is not loopback is refused unless the account says
 * `allowInsecureHttp: true`.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { syncConfigSchema, type SecretSource, type SyncConfig } from "./config/schema.js";
import { jsonErrorOffset, positionOf } from "./json-position.js";

export { syncConfigSchema, type SecretSource, type SyncConfig } from "./config/schema.js";

/** A configuration that cannot be used; the message names the field. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "bad-config";
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Receives warnings (default: printed on stderr). */
  warn?: (message: string) => void;
}

/** Whether a host name is loopback (`localhost`, 127.0.0.0/8, `::1`). */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Reads and validates a config file; relative paths become relative to its folder.
 * @throws ConfigError naming the field, or the line and column where the file stops being JSON.
 */
export function loadConfig(path: string, options: LoadConfigOptions = {}): SyncConfig {
  const warn = options.warn ?? ((message: string) => console.warn(`warning: ${message}`));
  let text: string;
  try {
    text = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  } catch (error) {
    throw new ConfigError(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the error, which may be a password: say only where.
    const offset = jsonErrorOffset(text) ?? 0;
    const { line, column } = positionOf(text, offset);
    throw new ConfigError(`${path}: not valid JSON at line ${line}, column ${column}${offset >= text.length ? " (the file ends too early)" : ""}`);
  }
  const parsed = syncConfigSchema.safeParse(raw);
  if (!parsed.success) {
    // zod's messages do not quote the input; the secrets of the file are masked all the same, in
    // case a message ever does (a key typed where a value belongs, a future zod version).
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${messageOf(i)}`).join("\n");
    throw new ConfigError(`${path}:\n${maskSecrets(lines, raw)}`);
  }
  const config = parsed.data;
  for (const [i, pair] of config.pairs.entries()) {
    for (const end of ["remote", "local"] as const) {
      if (!config.accounts[pair[end].account]) throw new ConfigError(`${path}:\n  pairs.${i}.${end}.account: no account named "${pair[end].account}"`);
    }
  }
  const inline: string[] = [];
  for (const [name, account] of Object.entries(config.accounts)) {
    if (account.type === "vdir") continue;
    const [field, target] = account.type === "graph" ? ["baseUrl", account.baseUrl] : ["url", account.url];
    if (target === undefined) continue;
    const url = new URL(target);
    if (url.protocol === "http:" && !isLoopbackHost(url.hostname) && !account.allowInsecureHttp) {
      throw new ConfigError(
        `${path}:\n  accounts.${name}.${field}: plain http to ${url.host}, which is not loopback, would send the credentials unencrypted; use https, or set "allowInsecureHttp": true`,
      );
    }
  }
  for (const [name, account] of Object.entries(config.accounts)) {
    if (account.type === "vdir") continue;
    const secret: SecretSource = account.type === "dav" ? account : account.auth.type === "basic" || account.auth.type === "ntlm" ? account.auth : {};
    if (secret.password !== undefined) inline.push(account.type === "dav" ? `accounts.${name}.password` : `accounts.${name}.auth.password`);
  }
  if (inline.length > 0) {
    let mode = 0;
    try {
      mode = statSync(path).mode;
    } catch {
      // Read a moment ago; a file gone since has no mode to warn about.
    }
    if (process.platform !== "win32" && (mode & 0o044) !== 0) {
      warn(
        `${path} holds a password inline (${inline.join(", ")}) and is readable by ${(mode & 0o040) !== 0 ? "its group" : ""}${(mode & 0o044) === 0o044 ? " and " : ""}${(mode & 0o004) !== 0 ? "others" : ""}; ` +
          `put it in an environment variable named by "passwordEnv" or a private file named by "passwordFile" instead, or make the file private (chmod 600)`,
      );
    }
  }
  resolvePaths(config, dirname(resolve(path)));
  return config;
}

/**
 * Where a delegated OAuth account's token cache goes when its config names none:
 * `tokens/<account>.json` in the config file's folder (`ewsdav init` signs in before the config
 * exists, and passes this to `signIn`).
 * @param configDir - the folder of the config file.
 */
export function defaultTokenCachePath(configDir: string, accountName: string): string {
  return resolve(configDir, "tokens", `${accountName}.json`);
}

/**
 * Makes every path of a config absolute, relative to `base` (the config file's folder), and
 * fills in the default paths: a delegated OAuth account's token cache (`tokens/<account>.json`)
 * and an autodiscover account's cache (`<state>.autodiscover.json`).
 */
export function resolvePaths(config: SyncConfig, base: string): void {
  config.state = resolve(base, config.state);
  for (const [name, account] of Object.entries(config.accounts)) {
    if (account.type === "vdir") {
      account.path = resolve(base, account.path);
      continue;
    }
    if (account.type === "dav") {
      if (account.passwordFile !== undefined) account.passwordFile = resolve(base, account.passwordFile);
      continue;
    }
    if (account.caFile !== undefined) account.caFile = resolve(base, account.caFile);
    if (account.type === "ews" && account.autodiscover) account.autodiscoverCache = resolve(base, account.autodiscoverCache ?? `${config.state}.autodiscover.json`);
    const auth = account.auth;
    if ((auth.type === "basic" || auth.type === "ntlm") && auth.passwordFile !== undefined) auth.passwordFile = resolve(base, auth.passwordFile);
    if (auth.type === "oauth" && auth.flow === "delegated") auth.tokenCache = auth.tokenCache !== undefined ? resolve(base, auth.tokenCache) : defaultTokenCachePath(base, name);
    if (auth.type === "oauth" && auth.flow === "app-only") {
      if (auth.clientSecretFile !== undefined) auth.clientSecretFile = resolve(base, auth.clientSecretFile);
      if (auth.certificate) {
        auth.certificate.privateKeyFile = resolve(base, auth.certificate.privateKeyFile);
        if (auth.certificate.certificateFile !== undefined) auth.certificate.certificateFile = resolve(base, auth.certificate.certificateFile);
      }
    }
  }
}

/** An issue's message; for a bad record key, what the key should be (zod says only "Invalid key in record"). */
function messageOf(issue: { code: string; message: string; issues?: ReadonlyArray<{ message: string }> }): string {
  if (issue.code === "invalid_key" && issue.issues && issue.issues.length > 0) return `invalid name: ${issue.issues.map((i) => i.message).join("; ")}`;
  return issue.message;
}

/** Keys with a secret-looking name whose values are names or paths, not secrets. */
const NOT_SECRET_KEYS = new Set(["passwordEnv", "passwordFile", "tokenEnv", "tokenCache", "clientSecretEnv", "clientSecretFile"]);

/**
 * Replaces in `text` every string value of `raw` (the parsed, unvalidated config) held by a
 * secret-looking key, longer than 3 characters, with `***`.
 */
function maskSecrets(text: string, raw: unknown): string {
  const secrets: string[] = [];
  const walk = (value: unknown, depth: number) => {
    if (depth > 20 || value === null || typeof value !== "object") return;
    for (const [key, inner] of Object.entries(value)) {
      if (/secret|passw|token|key/i.test(key) && !NOT_SECRET_KEYS.has(key)) {
        if (typeof inner === "string" && inner.length > 3) secrets.push(inner);
        else if (typeof inner === "number" || typeof inner === "boolean") secrets.push(String(inner));
      }
      walk(inner, depth + 1);
    }
  };
  walk(raw, 0);
  let masked = text;
  for (const secret of secrets.sort((a, b) => b.length - a.length)) if (secret.length > 3) masked = masked.split(secret).join("***");
  return masked;
}
