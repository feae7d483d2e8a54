/**
 * The configuration of the example sync host: accounts (EWS, DAV, vdir), pairs, policy and state
 * file, validated with zod. Errors name the field (`pairs[0].remote.account: …`); a file that is
 * not JSON is reported by line and column only, never with a piece of its text (which could be a
 * password). Secrets: an inline `password` in a file that group or others can read gets a
 * warning naming `passwordEnv`; an account URL on plain `http:` to a host that is not loopback
 * is refused unless the account says `allowInsecureHttp: true`.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { jsonErrorOffset, positionOf } from "./json-position.js";

const secretFields = { password: z.string().min(1).optional(), passwordEnv: z.string().min(1).optional() };
const oneSecret = [
  (s: { password?: string | undefined; passwordEnv?: string | undefined }) => (s.password === undefined) !== (s.passwordEnv === undefined),
  { message: "give exactly one of password or passwordEnv" },
] as const;

const ewsAccount = z.object({
  type: z.literal("ews"),
  url: z.url({ protocol: /^https?$/ }),
  mailbox: z.email().optional(),
  auth: z.union([
    z.object({ type: z.literal("basic"), username: z.string().min(1), ...secretFields }).refine(...oneSecret),
    z.object({ type: z.literal("bearer"), tokenEnv: z.string().min(1) }),
  ]),
  timeZone: z.string().optional(),
  publicFolders: z.boolean().optional(),
  /** Push for `--watch` (streaming notifications, pull where refused); off: the folders are polled. */
  notifications: z.boolean().default(true),
  /** Send the credentials over plain `http:` to a host that is not loopback (a warning is printed). */
  allowInsecureHttp: z.boolean().default(false),
});

const davAccount = z
  .object({
    type: z.literal("dav"),
    url: z.url({ protocol: /^https?$/ }),
    username: z.string().min(1),
    ...secretFields,
    /** Send the credentials over plain `http:` to a host that is not loopback (a warning is printed). */
    allowInsecureHttp: z.boolean().default(false),
  })
  .refine(...oneSecret);

const vdirAccount = z.object({ type: z.literal("vdir"), path: z.string().min(1) });

const kind = z.enum(["contacts", "events", "tasks"]);

/** The validated configuration. */
export const syncConfigSchema = z.object({
  /** SQLite state file (created with mode 0600), relative to the config file. */
  state: z.string().min(1),
  policy: z
    .object({
      conflict: z.enum(["remote-wins", "local-wins", "newest-wins"]).default("remote-wins"),
      deleteVersusModify: z.enum(["modification-wins", "deletion-wins"]).default("modification-wins"),
    })
    .default({ conflict: "remote-wins", deleteVersusModify: "modification-wins" }),
  tagWrites: z.boolean().default(true),
  /** Active mode (`--watch`). */
  watch: z
    .object({
      /** How often DAV/vdir collections (and EWS folders without push) are polled. */
      pollIntervalSeconds: z.number().positive().default(5),
      /** How often every pair runs a full cycle regardless. */
      fullCycleMinutes: z.number().positive().default(15),
      /** How often a status line per pair is printed. */
      statusIntervalSeconds: z.number().positive().default(60),
    })
    .default({ pollIntervalSeconds: 5, fullCycleMinutes: 15, statusIntervalSeconds: 60 }),
  /**
   * One writer per pair: each cycle holds its pair's lease in the state file, renewed while it runs.
   * A lease left by a process that died is taken over once `ttlSeconds` have passed since its last
   * renewal; a run that finds a pair's lease held waits up to `waitSeconds` for it, then reports that
   * pair as `pair-busy` (nothing written) and goes on with the others.
   */
  lease: z
    .object({
      /** How long a lease lasts without renewal (renewed every third of it while a cycle runs). */
      ttlSeconds: z.number().positive().default(60),
      /** How long a cycle waits for a pair whose lease another process holds (0: not at all). */
      waitSeconds: z.number().min(0).default(30),
    })
    .default({ ttlSeconds: 60, waitSeconds: 30 }),
  accounts: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, "account names are letters, digits, - and _"), z.union([ewsAccount, davAccount, vdirAccount])),
  pairs: z
    .array(
      z.object({
        id: z.string().min(1).optional(),
        kind,
        /** The remote account and folder (id or display name). */
        remote: z.object({ account: z.string(), folder: z.string().min(1) }),
        /** The local account and collection (id or display name); `create` makes it when missing. */
        local: z.object({ account: z.string(), collection: z.string().min(1), create: z.boolean().default(false) }),
      }),
    )
    .min(1),
});

/** A validated configuration. */
export type SyncConfig = z.infer<typeof syncConfigSchema>;

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
    throw new ConfigError(`${path}:\n${parsed.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n")}`);
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
    const url = new URL(account.url);
    if (url.protocol === "http:" && !isLoopbackHost(url.hostname) && !account.allowInsecureHttp) {
      throw new ConfigError(
        `${path}:\n  accounts.${name}.url: plain http to ${url.host}, which is not loopback, would send the credentials unencrypted; use https, or set "allowInsecureHttp": true`,
      );
    }
    const secret = account.type === "dav" ? account : account.auth;
    if ("password" in secret && secret.password !== undefined) inline.push(account.type === "dav" ? `accounts.${name}.password` : `accounts.${name}.auth.password`);
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
          `put it in an environment variable named by "passwordEnv" instead, or make the file private (chmod 600)`,
      );
    }
  }
  const base = dirname(resolve(path));
  config.state = resolve(base, config.state);
  for (const account of Object.values(config.accounts)) if (account.type === "vdir") account.path = resolve(base, account.path);
  return config;
}
