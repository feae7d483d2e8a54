/**
 * Retries with capped exponential backoff and jitter: ErrorServerBusy (honouring
 * `BackOffMilliseconds`), HTTP 503, HTTP 429 (honouring `Retry-After`), and failures below HTTP.
 * A request that may already have run on the server (a reset or timeout after sending) is repeated
 * only when it is idempotent; busy/503/429 answers prove it did not run, so those are retried for
 * every operation.
 * @module
 */
import { backoffDelay, parseRetryAfter, sleep as sharedSleep } from "@ewsdav/http";
import { AbortedError, SoapFaultError, TransportError } from "../errors.js";
import { parseSoapResponse } from "../soap/response.js";
import type { EwsHttpRequest, EwsHttpResponse, EwsLayer } from "./types.js";

/** The retry policy. */
export interface RetryPolicy {
  /** Attempts in total, including the first (default 5). */
  maxAttempts: number;
  /** Delay before the first retry, doubled each time (default 500 ms). */
  baseDelayMs: number;
  /** Cap of the computed delay (default 30 s). */
  maxDelayMs: number;
  /** Cap of a delay the server asks for (BackOffMilliseconds, Retry-After; default 5 min). */
  maxServerDelayMs: number;
  /** Source of randomness for the jitter, in [0, 1) (default `Math.random`). */
  random: () => number;
}

/** The default policy. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxServerDelayMs: 300_000,
  random: Math.random,
};

/** Why a request is retried. */
export type RetryReason = "server-busy" | "http-503" | "http-429" | "transport" | "malformed-response";

/** Emitted before each retry. */
export interface RetryEvent {
  /** The operation. */
  operation: string;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  /** How long the layer waits before the next attempt. */
  delayMs: number;
  /** Why. */
  reason: RetryReason;
  /** The delay the server asked for, when it did. */
  serverDelayMs?: number;
  /** The HTTP status, for HTTP reasons. */
  status?: number;
  /** The transport error code, for transport failures. */
  transportCode?: string;
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds (one home: `@ewsdav/http`). */
export { parseRetryAfter } from "@ewsdav/http";

/** The BackOffMilliseconds of an ErrorServerBusy fault in the response, if it is one. */
function serverBusyDelay(response: EwsHttpResponse): { busy: boolean; delayMs?: number } {
  if (response.status < 400 || !response.body.includes("ErrorServerBusy")) return { busy: false };
  try {
    parseSoapResponse(response.body, response.status);
  } catch (error) {
    if (error instanceof SoapFaultError && error.responseCode === "ErrorServerBusy") {
      return error.backOffMs !== undefined ? { busy: true, delayMs: error.backOffMs } : { busy: true };
    }
  }
  return { busy: false };
}

/** Waits `ms`, rejecting with `AbortedError` when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return sharedSleep(ms, signal, (reason) => new AbortedError(undefined, { cause: reason }));
}

/** The retry layer; `onRetry` is called before each wait. */
export function retryLayer(policy: Partial<RetryPolicy> = {}, onRetry?: (event: RetryEvent) => void): EwsLayer {
  const p: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...policy };
  const backoff = (attempt: number) => backoffDelay(attempt, p, p.random);
  return (next) => async (request: EwsHttpRequest) => {
    for (let attempt = 1; ; attempt++) {
      let event: RetryEvent | undefined;
      let response: EwsHttpResponse | undefined;
      try {
        response = await next(request);
      } catch (error) {
        if (!(error instanceof TransportError) || attempt >= p.maxAttempts) throw error;
        if (!request.idempotent && !error.beforeRequestSent) throw error;
        event = {
          operation: request.operation,
          attempt,
          delayMs: backoff(attempt),
          reason: "transport",
          ...(error.transportCode !== undefined ? { transportCode: error.transportCode } : {}),
        };
      }
      if (response) {
        if (attempt >= p.maxAttempts) return response;
        let reason: RetryReason | undefined;
        let serverDelayMs: number | undefined;
        if (response.status === 503 || response.status === 429) {
          reason = response.status === 503 ? "http-503" : "http-429";
          serverDelayMs = parseRetryAfter(response.headers["retry-after"]);
        } else {
          const busy = serverBusyDelay(response);
          if (busy.busy) {
            reason = "server-busy";
            serverDelayMs = busy.delayMs;
          }
        }
        if (reason === undefined) return response;
        const delayMs =
          serverDelayMs !== undefined
            ? Math.min(p.maxServerDelayMs, serverDelayMs) + Math.round(p.random() * Math.min(1000, p.baseDelayMs))
            : backoff(attempt);
        event = {
          operation: request.operation,
          attempt,
          delayMs,
          reason,
          status: response.status,
          ...(serverDelayMs !== undefined ? { serverDelayMs } : {}),
        };
      }
      onRetry?.(event!);
      await sleep(event!.delayMs, request.signal);
    }
  };
}
