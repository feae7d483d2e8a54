/**
 * The exit code and the message for an error that ended a command. Errors are recognised by their
 * `name` and `code` (the clients' typed errors), so this module loads no client.
 */
import { EXIT, type ExitCode } from "../exit-codes.js";

const AUTH_CODES = new Set(["EWS_UNAUTHORIZED", "UNAUTHORIZED", "FORBIDDEN", "OAUTH_INTERACTION_REQUIRED", "OAUTH_TOKEN_FAILED"]);
const CONNECTION_CODES = new Set([
  "EWS_TRANSPORT_ERROR",
  "NETWORK",
  "TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_SOCKET",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * The exit code an error's machine-readable code stands for (a client's, Node's, or the engine's),
 * or undefined when it says nothing particular. Also used for the cause of a pair's stop in a
 * report (`report-exit.ts`).
 */
export function exitCodeOfCode(code: string): ExitCode | undefined {
  if (AUTH_CODES.has(code) || (code.startsWith("OAUTH_") && code !== "OAUTH_MSAL_MISSING") || code === "HTTP_401") return EXIT.auth;
  if (CONNECTION_CODES.has(code)) return EXIT.connection;
  if (code === "mass-delete" || code === "empty-side") return EXIT.safetyStop;
  if (code === "pair-busy") return EXIT.pairBusy;
  return undefined;
}

/** The exit code an error stands for: its own, or its causes' (a `CliError` says it; a bad config is a usage error). */
export function exitCodeOf(error: unknown): ExitCode {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { name, code, exitCode, status } = e as { name?: string; code?: unknown; exitCode?: unknown; status?: unknown };
    if (name === "CliError" && typeof exitCode === "number") return exitCode as ExitCode;
    if (name === "ConfigError" || name === "ZodError") return EXIT.usage;
    if (name === "OAuthError" || status === 401) return EXIT.auth;
    if (typeof code !== "string") continue;
    const mapped = exitCodeOfCode(code);
    if (mapped !== undefined) return mapped;
  }
  return EXIT.itemsFailed;
}

/** The message to print for an error: its own, never its stack (messages carry no secrets). */
export function messageOf(error: unknown): string {
  if (error instanceof Error && error.name === "ConfigError") return `bad config: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
