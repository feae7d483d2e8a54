/**
 * The exit codes of `ewsdav` (documented in the README and `ewsdav --help`), and how an error or
 * a sync report maps to one. When several apply, the most serious wins in this order: usage,
 * authentication, connection, safety stop, pair busy, items failed.
 */

/** Exit codes. */
export const EXIT = {
  /** Everything done. */
  ok: 0,
  /** Some items failed (the rest synced); see the report. */
  itemsFailed: 1,
  /** A bad command line or config file. */
  usage: 2,
  /** A server refused the credentials (or a token could not be had). */
  auth: 3,
  /** A server could not be reached (DNS, TLS, refused, timeout). */
  connection: 4,
  /** A safety check stopped a pair (mass delete, empty side); nothing was written to it. */
  safetyStop: 5,
  /** Another process held a pair's lease; that pair was not synced. */
  pairBusy: 6,
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit codes with a line each, for the help and the README. */
export const EXIT_CODE_HELP: ReadonlyArray<readonly [ExitCode, string]> = [
  [EXIT.ok, "everything done"],
  [EXIT.itemsFailed, "some items failed; the rest synced"],
  [EXIT.usage, "bad command line or config"],
  [EXIT.auth, "authentication failed"],
  [EXIT.connection, "a server could not be reached"],
  [EXIT.safetyStop, "a safety check stopped a pair (nothing written to it)"],
  [EXIT.pairBusy, "another process is syncing a pair"],
];

/** An error a command raises on purpose, with the exit code and a message for the user. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}
