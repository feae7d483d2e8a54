/**
 * The logging layer: one line per HTTP exchange (operation, status, duration, size). It never logs
 * headers or bodies, so credentials and mailbox content cannot leak into logs.
 * @module
 */
import type { EwsLayer } from "./types.js";

/** A minimal structured logger (console, pino and winston fit). */
export interface EwsLogger {
  /** Detailed events (every exchange). */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Problems that were handled (failed exchanges). */
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** Logs each exchange through `logger`. */
export function loggingLayer(logger: EwsLogger): EwsLayer {
  return (next) => async (request) => {
    const started = performance.now();
    const host = new URL(request.url).host;
    try {
      const response = await next(request);
      const fields = {
        operation: request.operation,
        host,
        status: response.status,
        ms: Math.round(performance.now() - started),
        bytes: response.body.length,
      };
      if (response.status >= 400) logger.warn("EWS exchange failed", fields);
      else logger.debug("EWS exchange", fields);
      return response;
    } catch (error) {
      logger.warn("EWS exchange failed below HTTP", {
        operation: request.operation,
        host,
        ms: Math.round(performance.now() - started),
        code: (error as { code?: unknown }).code,
      });
      throw error;
    }
  };
}
