/**
 * OAuth sign-in for an account of the config (`ewsdav login`, and `ewsdav init` when the user
 * chooses OAuth): device code, or authorization code with a localhost redirect, through
 * @azure/msal-node; the token cache in a 0600 file. (Being built: see issue 15.)
 */
import type { CliContext } from "./cli/context.js";
import { CliError, EXIT } from "./exit-codes.js";

/** How the user signs in. */
export type SignInFlow = "device-code" | "localhost";

/** What {@link signIn} did. */
export interface SignInResult {
  /** The account signed in (the user principal name the identity provider returned). */
  username: string;
  /** The token cache file written (0600). */
  tokenCachePath: string;
}

/**
 * A delegated OAuth account's settings, as in the config's `auth` (`"type": "oauth", "flow":
 * "delegated"`); issue 15's config schema is the authority, this is what sign-in needs of it.
 */
export interface DelegatedSignInRequest {
  /** The account's name in the config (for messages and the default token cache path). */
  accountName: string;
  clientId: string;
  /** Tenant id or domain, or `organizations`. */
  tenantId: string;
  /** The identity provider's base URL (default `https://login.microsoftonline.com`; tests use the fake one). */
  authority?: string;
  /** Device code, or authorization code with a localhost redirect. */
  flow: SignInFlow;
  /** The token cache file (0600). */
  tokenCachePath: string;
}

/** Signs in (showing the device code, or the URL to open, through `context`) and stores the tokens in the cache file. */
export async function signIn(_context: CliContext, _request: DelegatedSignInRequest): Promise<SignInResult> {
  throw new CliError("OAuth sign-in is not built yet", EXIT.usage);
}
