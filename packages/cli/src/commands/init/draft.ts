/**
 * What `ewsdav init` gathers before it writes anything: the accounts as they will stand in the
 * config (plain JSON, no secret), the secrets kept in memory until the user says where they go,
 * and what each account listed. An account is checked against the config schema with its secret
 * inline (in memory only) so the same code opens it as `ewsdav sync` will
 * ({@link parseAccount}).
 */
import type { CollectionInfo, CollectionKind } from "@ewsdav/core";
import { ConfigError, syncConfigSchema, type SyncConfig } from "../../config.js";
import type { Prompter } from "../../prompt.js";

/** An account as it will be written (JSON), before the secret's place is chosen. */
export type RawAccount = Record<string, unknown>;

/** One account gathered by init. */
export interface DraftAccount {
  /** Its name in the config. */
  name: string;
  /** As written to the config, without a secret. */
  raw: RawAccount;
  /** The password it needs, when it has one (kept in memory; written to a 0600 file or named by an environment variable). */
  secret?: string;
  /** Where the secret sits in `raw`: the account itself (DAV) or its `auth` (EWS, a Graph app-only account's client secret). */
  secretAt: "account" | "auth" | "none";
  /** The fields that name the secret's file or variable, and what it is called (default `passwordFile`, `passwordEnv`, "password"). */
  secretFields?: { file: string; env: string; label: string };
  /** Its collections, as listed when the credentials were checked. */
  collections: CollectionInfo[];
  /** For an EWS or Graph account: the ids of the mailbox's default contacts, calendar and tasks folders (To Do list). */
  defaults?: Partial<Record<CollectionKind, string>>;
}

/** The account with its secret inline (for opening it now; never written). */
export function withSecret(account: Pick<DraftAccount, "raw" | "secret" | "secretAt">): RawAccount {
  if (account.secret === undefined || account.secretAt === "none") return account.raw;
  if (account.secretAt === "account") return { ...account.raw, password: account.secret };
  return { ...account.raw, auth: { ...(account.raw.auth as Record<string, unknown>), password: account.secret } };
}

/**
 * Checks one account against the config schema (as part of a minimal config) and returns it as
 * the rest of the CLI sees a configured account.
 * @throws ConfigError naming the field.
 */
export function parseAccount(name: string, raw: RawAccount): SyncConfig["accounts"][string] {
  const parsed = syncConfigSchema.safeParse({
    state: "state.db",
    accounts: { [name]: raw },
    pairs: [{ kind: "contacts", remote: { account: name, folder: "-" }, local: { account: name, collection: "-" } }],
  });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "));
  }
  return parsed.data.accounts[name]!;
}

/** Whether a URL is acceptable for an account: http(s), and plain http only to loopback. */
export function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "not a URL (it starts with https://)";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "use an https:// URL";
  if (url.username || url.password) return "leave the user name and password out of the URL";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const loopback = host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
  if (url.protocol === "http:" && !loopback) return "plain http would send the password unencrypted; use https";
  return undefined;
}

/** The labels of the collection kinds. */
export const KIND_LABEL: Record<CollectionKind, { plural: string; pairId: string }> = {
  contacts: { plural: "contacts", pairId: "contacts" },
  events: { plural: "calendar", pairId: "calendar" },
  tasks: { plural: "tasks", pairId: "tasks" },
};

/** An application (client) id: a GUID, as the app registration's overview shows it. */
const CLIENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Asks for the application (client) id of the user's app registration (EWS OAuth or Graph). */
export function askClientId(prompter: Prompter): Promise<string> {
  return prompter.ask("Application (client) id of your app registration:", { validate: (a) => (CLIENT_ID.test(a) ? undefined : "a GUID like 00000000-0000-0000-0000-000000000000") });
}

/**
 * Asks for the tenant of `email`'s sign-in, the address's domain by default: a single-tenant
 * registration (the one docs/exchange-online.md recommends) is refused at `/organizations`
 * (AADSTS50194); `organizations` or `common` can still be typed for a multitenant app.
 */
export function askTenant(prompter: Prompter, email: string): Promise<string> {
  return prompter.ask("Tenant (id or domain; organizations or common for a multitenant app):", { default: email.slice(email.lastIndexOf("@") + 1) });
}
