/**
 * The clients of a configured account: a DAV client, or an EWS client with its auth provider and
 * (when the account has a mailbox and push is wanted) a notification connection. Secrets are read
 * here, when an account is opened, from the environment variable or file the config names; an
 * error names the field, never the value.
 */
import { basicAuth, bearerAuth, EwsClient, NotificationConnection, type EwsAuthProvider } from "@ewsdav/ews-client";
import { DavClient, isLoopbackHost } from "@ewsdav/dav-client";
import { ConfigError, type SyncConfig } from "./config.js";

/** An EWS account as configured. */
export type EwsAccountConfig = Extract<SyncConfig["accounts"][string], { type: "ews" }>;
/** A DAV account as configured. */
export type DavAccountConfig = Extract<SyncConfig["accounts"][string], { type: "dav" }>;

/** The secret an account's config names (inline, or from an environment variable). */
export function secretOf(s: { password?: string | undefined; passwordEnv?: string | undefined }, where: string): string {
  if (s.password !== undefined) return s.password;
  const value = process.env[s.passwordEnv!];
  if (!value) throw new ConfigError(`${where}: the environment variable ${s.passwordEnv} is not set`);
  return value;
}

/** Options of {@link davClientFor} and {@link ewsAccountFor}. */
export interface OpenAccountOptions {
  /** Receives warnings (e.g. credentials over plain http, allowed by `allowInsecureHttp`). */
  warn: (message: string) => void;
}

/** The DAV client of a DAV account. */
export function davClientFor(name: string, account: DavAccountConfig, options: OpenAccountOptions): DavClient {
  return new DavClient({
    baseUrl: account.url,
    auth: { type: "basic", username: account.username, password: secretOf(account, `accounts.${name}`) },
    allowInsecureHttp: account.allowInsecureHttp,
    onWarning: options.warn,
  });
}

/** The auth provider of an EWS account. */
export function ewsAuthFor(name: string, account: EwsAccountConfig): EwsAuthProvider {
  const auth = account.auth;
  if (auth.type === "basic") return basicAuth({ username: auth.username, password: secretOf(auth, `accounts.${name}.auth`) });
  return bearerAuth(async () => {
    const token = process.env[auth.tokenEnv];
    if (!token) throw new ConfigError(`accounts.${name}.auth.tokenEnv: the environment variable ${auth.tokenEnv} is not set`);
    return token;
  });
}

/** An opened EWS account. */
export interface OpenedEwsAccount {
  client: EwsClient;
  auth: EwsAuthProvider;
  /** The EWS URL (the configured one, or what autodiscover found). */
  url: string;
  /** The push connection, when asked for and the account has a mailbox. */
  notifications?: NotificationConnection;
  /** Closes the client and the push connection. */
  close(): Promise<void>;
}

/** Opens an EWS account: its client, and with `notifications` its push connection (when it has a mailbox). */
export async function ewsAccountFor(name: string, account: EwsAccountConfig, options: OpenAccountOptions & { notifications?: boolean }): Promise<OpenedEwsAccount> {
  const auth = ewsAuthFor(name, account);
  // allowInsecureHttp: the EWS client's own check of plain http (the config refused it already unless allowed).
  const insecure = account.allowInsecureHttp ? { allowInsecureHttp: true } : {};
  const url = new URL(account.url);
  if (account.allowInsecureHttp && url.protocol === "http:" && !isLoopbackHost(url.hostname)) options.warn("credentials are sent over plain http (allowInsecureHttp is set)");
  const client = new EwsClient({ url: account.url, auth, ...(account.mailbox ? { mailbox: account.mailbox } : {}), ...insecure });
  let notifications: NotificationConnection | undefined;
  // Notifications need the mailbox for affinity; without it the folders are polled.
  if (options.notifications && account.notifications && account.mailbox) {
    notifications = new NotificationConnection({ url: account.url, mailbox: account.mailbox, auth, ...insecure });
  }
  const opened = notifications;
  return {
    client,
    auth,
    url: account.url,
    ...(notifications ? { notifications } : {}),
    close: async () => {
      await opened?.close().catch(() => undefined);
      await client.close?.();
    },
  };
}
