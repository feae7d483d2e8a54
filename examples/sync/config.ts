/**
 * The configuration of the example sync host: accounts (EWS, DAV, vdir), pairs, policy and state
 * file, validated with zod. Errors name the field (`pairs[0].remote.account: …`).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";

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
});

const davAccount = z.object({ type: z.literal("dav"), url: z.url({ protocol: /^https?$/ }), username: z.string().min(1), ...secretFields }).refine(...oneSecret);

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

/** Reads and validates a config file; relative paths become relative to its folder. */
export function loadConfig(path: string): SyncConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`${path}: ${(error as Error).message}`);
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
  const base = dirname(resolve(path));
  config.state = resolve(base, config.state);
  for (const account of Object.values(config.accounts)) if (account.type === "vdir") account.path = resolve(base, account.path);
  return config;
}
