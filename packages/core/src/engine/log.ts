/**
 * The logger the engine writes to. A log line never carries item content or credentials: only
 * pair ids, item ids, UIDs, counts and error codes.
 *
 * @module
 */

/** Structured fields of a log line: ids, UIDs, counts, codes. Never content, never secrets. */
export type LogFields = Record<string, string | number | boolean | null>;

/** Where the engine writes what it does. Every method is optional to implement via {@link silentLogger}. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything (the default). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
