/**
 * What a Graph failure means for the Graph side: {@link toSideError} classifies a failed call or
 * mapping of one item, and {@link answerError} one answer of a `$batch`, into a {@link SideError}:
 *
 * - `precondition-failed`: 412 (an `If-Match` etag that is no longer the item's), 409
 *   `ErrorIrresolvableConflict`;
 * - `not-found`: 404, `ErrorItemNotFound`;
 * - `transient`: throttling (429, 503, 504 and Graph's throttling codes), server faults (5xx),
 *   network failures, time-outs, and an answer cut short or malformed (asked again later, it may
 *   come whole);
 * - `rejected`: authentication and authorisation (401, 403: asking again with the same grant does
 *   not help), a body Graph refused (400, 413, 422), a mapping that failed.
 *
 * A cut or malformed answer is never taken as a complete one: it fails the item (or the feed).
 *
 * @module
 */
import { GraphError, GraphInputError, GraphPreconditionFailedError, GraphTransportError, type GraphBatchResponse } from "@ewsdav/graph-client";
import { MapperError } from "@ewsdav/mappers";
import { SideError, type SideErrorCode } from "../../engine/side.js";

/** Graph's error codes that mean "slow down" whatever the status. */
const THROTTLING_CODES = new Set(["ApplicationThrottled", "TooManyRequests", "ErrorServerBusy", "MailboxConcurrency", "activityLimitReached", "serviceNotAvailable"]);

/** The side-error code of an HTTP status and Graph error code. */
export function codeOfStatus(status: number, code: string | undefined): SideErrorCode {
  if (status === 412 || code === "ErrorIrresolvableConflict") return "precondition-failed";
  if (status === 404 || code === "ErrorItemNotFound" || code === "ResourceNotFound") return "not-found";
  if (status === 429 || status === 408 || status >= 500 || (code !== undefined && THROTTLING_CODES.has(code))) return "transient";
  if (status === 409 && (code === "ErrorFolderExists" || code === "ErrorDuplicateItem")) return "already-exists";
  if (status === 401 || status === 403) return "rejected";
  return "rejected";
}

/** Whether Graph said to slow down or was briefly unavailable (asked again later, the same request may pass). */
export function isThrottled(error: unknown): boolean {
  return error instanceof GraphError && (error.status === 429 || error.status === 503 || error.status === 504 || THROTTLING_CODES.has(error.code));
}

/** Whether a `$batch` answer is a throttle the side may send again after a pause. */
export function answerThrottled(answer: GraphBatchResponse): boolean {
  return answer.status === 429 || answer.status === 503 || answer.status === 504 || (answer.errorCode !== undefined && THROTTLING_CODES.has(answer.errorCode));
}

/** The error of a failed `$batch` answer (status ≥ 400), for the item it was about (`id`; `null` for a create). */
export function answerError(answer: GraphBatchResponse, id: string | null, what: string): SideError {
  const message = (answer.body as { error?: { message?: unknown } } | undefined)?.error?.message;
  const text = `${what}: HTTP ${answer.status}${answer.errorCode ? ` ${answer.errorCode}` : ""}${typeof message === "string" && message ? `: ${message}` : ""}`;
  return new SideError(codeOfStatus(answer.status, answer.errorCode), text, id);
}

/**
 * Maps a Graph or mapper failure of one item to a {@link SideError} (`id`: the item's, `null` for a
 * create). A {@link SideError} passes as it is; an unknown failure is `transient`.
 */
export function toSideError(error: unknown, id: string | null): SideError {
  if (error instanceof SideError) return error;
  if (error instanceof MapperError) return new SideError("rejected", `mapping: ${error.message}`, id);
  if (error instanceof GraphPreconditionFailedError) return new SideError("precondition-failed", error.message, id);
  if (error instanceof GraphError) return new SideError(codeOfStatus(error.status, error.code), error.message, id);
  if (error instanceof GraphTransportError) {
    // A body over the size limit stays over it; the rest (network, time-out, a cut or malformed answer) may pass later.
    return new SideError(error.kind === "RESPONSE_TOO_LARGE" ? "rejected" : "transient", error.message, id);
  }
  if (error instanceof GraphInputError) return new SideError("rejected", error.message, id);
  return new SideError("transient", error instanceof Error ? error.message : String(error), id);
}
