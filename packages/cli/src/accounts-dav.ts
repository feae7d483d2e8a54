/**
 * The client of a configured DAV account, apart from the EWS accounts' module (`accounts.ts`), so
 * that a config with DAV and vdir accounts only loads no EWS client.
 */
import { DavClient } from "@ewsdav/dav-client";
import { secretOf } from "./auth/secrets.js";
import { type SyncConfig } from "./config.js";

/** A DAV account as configured. */
export type DavAccountConfig = Extract<SyncConfig["accounts"][string], { type: "dav" }>;

/** Options of {@link davClientFor} and `ewsAccountFor`. */
export interface OpenAccountOptions {
  /** Receives warnings (e.g. credentials over plain http, allowed by `allowInsecureHttp`). */
  warn: (message: string) => void;
}

/** The DAV client of a DAV account (its password inline, from the environment, or from a private file). */
export function davClientFor(name: string, account: DavAccountConfig, options: OpenAccountOptions): DavClient {
  return new DavClient({
    baseUrl: account.url,
    auth: { type: "basic", username: account.username, password: secretOf(account, `accounts.${name}`) },
    allowInsecureHttp: account.allowInsecureHttp,
    onWarning: options.warn,
  });
}
