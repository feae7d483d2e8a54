/**
 * OAuth sign-in for a delegated account, EWS or Microsoft Graph (`ewsdav login`, and `ewsdav init` when the user chooses
 * OAuth, before the config is written): device code, or authorization code with PKCE on a
 * localhost redirect, through @azure/msal-node (ews-client's delegated token provider); the
 * token cache in a 0600 file that `ewsdav sync` then reads.
 *
 * What the user must see is printed through the context: in text mode a line (`say`); with
 * `--json-lines` an event (`device-code`, `authorize-url`); with `--json` the same line on stderr
 * (stdout holds only the final document, which includes it). A browser is opened only on an
 * interactive terminal, never when the output is for a script.
 */
import { spawn } from "node:child_process";
import { existsSync, renameSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { DeviceCodeInstructions } from "@ewsdav/ews-client";
import { networkOf } from "./auth/network.js";
import { delegatedProvider } from "./auth/providers.js";
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
  /** The flow used. */
  flow: SignInFlow;
  /** The device code shown (device code flow). */
  deviceCode?: { userCode: string; verificationUri: string; expiresIn: number; message: string };
  /** The URL the browser was to open (localhost flow). */
  authorizeUrl?: string;
}

/**
 * A delegated OAuth account's settings, as in the config's `auth` (`"type": "oauth", "flow":
 * "delegated"`): what sign-in needs of it. `ewsdav init` passes its answers before any config exists.
 */
export interface DelegatedSignInRequest {
  /** The account's name in the config (for messages and the default token cache path). */
  accountName: string;
  clientId: string;
  /** Tenant id or domain, or `organizations`. */
  tenantId: string;
  /** The identity provider's authority URL (default `https://login.microsoftonline.com/{tenantId}`; tests use the fake one). */
  authority?: string;
  /** Device code, or authorization code with a localhost redirect. */
  flow: SignInFlow;
  /** The scopes to consent to (default EWS's; a Graph account's are `graphScopes(cloud, "delegated")`). */
  scopes?: readonly string[];
  /** The token cache file (absolute; written 0600). */
  tokenCachePath: string;
  /** The account's network settings (host mapping and extra CA file, as in the config). */
  network?: { resolve?: Record<string, string>; caFile?: string };
  /** Localhost flow: the port of the redirect listener (default: any free port). */
  port?: number;
  /** Localhost flow: open the browser (default: only when `context.interactive`). */
  openBrowser?: boolean;
  /** How long to wait for the user (default 10 minutes). */
  timeoutMs?: number;
}

/** Shows a line the user must act on, in every output mode. */
function show(context: CliContext, line: string, event: Record<string, unknown>): void {
  context.say(line);
  context.event(event);
  if (context.output === "json") context.stderr.write(`${line}\n`);
}

/** Opens a URL in the desktop's browser, detached; failures are ignored (the URL was printed). */
function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", '""', url.replace(/&/g, "^&")]] : ["xdg-open", [url]];
  try {
    const child = spawn(command, args, { detached: true, stdio: "ignore" });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // No browser here: the user opens the printed URL.
  }
}

/** Listens on 127.0.0.1 (and ::1 on the same port when it can) for the browser's redirect. */
async function listen(port: number, handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const servers: Server[] = [];
  const first = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    first.once("error", reject);
    first.listen(port, "127.0.0.1", () => resolve());
  });
  servers.push(first);
  const bound = (first.address() as AddressInfo).port;
  const second = createServer(handler);
  await new Promise<void>((resolve) => {
    second.once("error", () => resolve());
    second.listen(bound, "::1", () => {
      servers.push(second);
      resolve();
    });
  });
  return {
    port: bound,
    close: async () => {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;

/**
 * Signs in (showing the device code, or the URL to open, through `context`) and stores the tokens
 * in the cache file (0600).
 * @throws OAuthError when the identity provider refuses (exit code 3); CliError when the user took too long or pressed Ctrl-C.
 */
export async function signIn(context: CliContext, request: DelegatedSignInRequest): Promise<SignInResult> {
  const where = `accounts.${request.accountName}.auth`;
  const network = networkOf(request.network ?? {}, `accounts.${request.accountName}`);
  // A new sign-in starts from an empty cache, written beside the real one and renamed over it
  // only when it succeeded: the cache then holds one account (the one `sync` uses), and a failed
  // or cancelled sign-in leaves the previous one in place.
  const pending = `${request.tokenCachePath}.signin-${process.pid}.tmp`;
  rmSync(pending, { force: true });
  const provider = delegatedProvider(
    { clientId: request.clientId, tenantId: request.tenantId, authority: request.authority, tokenCachePath: pending, scopes: request.scopes },
    network,
    where,
  );
  const timeoutMs = request.timeoutMs ?? 10 * 60_000;
  const stop = new AbortController();
  const onAbort = () => stop.abort(context.signal.reason);
  context.signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => stop.abort(new CliError(`the sign-in was not completed within ${Math.round(timeoutMs / 60_000)} minutes`, EXIT.auth)), timeoutMs);
  try {
    let result: SignInResult;
    if (request.flow === "device-code") {
      let shown: DeviceCodeInstructions | undefined;
      const waiting = provider.signInWithDeviceCode((instructions) => {
        shown = instructions;
        show(context, instructions.message, {
          type: "device-code",
          account: request.accountName,
          userCode: instructions.userCode,
          verificationUri: instructions.verificationUri,
          expiresIn: instructions.expiresIn,
          message: instructions.message,
        });
      }, stop.signal);
      const account = await abortable(waiting, stop.signal);
      result = { username: account.username, tokenCachePath: request.tokenCachePath, flow: "device-code", ...(shown ? { deviceCode: { ...shown } } : {}) };
    } else {
      let settle: { resolve: (url: string) => void; reject: (error: unknown) => void } | undefined;
      const redirected = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
      let expectedState = "";
      const listener = await listen(request.port ?? 0, (incoming, response) => {
        const url = new URL(incoming.url ?? "/", "http://localhost");
        if (url.pathname !== "/" || url.searchParams.get("state") !== expectedState) {
          response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
          return;
        }
        const full = `http://localhost:${listener.port}${incoming.url ?? "/"}`;
        const denied = url.searchParams.get("error");
        response
          .writeHead(denied ? 400 : 200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
          .end(denied ? PAGE("Sign-in refused", "The sign-in was refused; see the terminal.") : PAGE("Signed in", "ewsdav received the sign-in; you can close this window."));
        settle?.resolve(full);
      });
      try {
        const redirectUri = `http://localhost:${listener.port}/`;
        const authorization = await provider.beginAuthorization({ redirectUri });
        expectedState = authorization.state;
        show(context, `To sign in, open this address in a browser: ${authorization.url}`, { type: "authorize-url", account: request.accountName, url: authorization.url, redirectUri });
        if (request.openBrowser ?? context.interactive) openInBrowser(authorization.url);
        stop.signal.addEventListener("abort", () => settle?.reject(stop.signal.reason), { once: true });
        const account = await provider.completeAuthorization(await redirected);
        result = { username: account.username, tokenCachePath: request.tokenCachePath, flow: "localhost", authorizeUrl: authorization.url };
      } finally {
        await listener.close();
      }
    }
    if (!existsSync(pending)) throw new CliError(`${where}.tokenCache: the sign-in succeeded but ${request.tokenCachePath} was not written`, EXIT.itemsFailed);
    renameSync(pending, request.tokenCachePath);
    return result;
  } catch (error) {
    if (stop.signal.aborted && !(error instanceof CliError)) {
      const reason = stop.signal.reason as unknown;
      if (reason instanceof CliError) throw reason;
      throw new CliError("the sign-in was cancelled", EXIT.auth);
    }
    throw error;
  } finally {
    clearTimeout(timer);
    context.signal.removeEventListener("abort", onAbort);
    rmSync(pending, { force: true });
  }
}

/** Rejects with the signal's reason when it aborts first. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
