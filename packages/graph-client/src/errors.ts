/**
 * The graph-client's typed errors. A Graph error answer (`{"error": {"code", "message"}}`) becomes
 * a {@link GraphError} carrying the HTTP status and Graph's error code; two answers a caller acts
 * on get their own classes: a rejected delta token ({@link GraphSyncStateNotFoundError}, 410: list
 * the folder in full) and an `If-Match` conflict ({@link GraphPreconditionFailedError}, 412: read
 * the item again). Messages never carry tokens (URLs are redacted).
 * @module
 */

/** Base class of the client's errors. */
export class GraphClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Graph answered with an error status. */
export class GraphError extends GraphClientError {
  constructor(
    /** HTTP status. */
    readonly status: number,
    /** Graph's error code (`ErrorItemNotFound`, `syncStateNotFound`, `ApplicationThrottled` …), or `""` when the body had none. */
    readonly code: string,
    message: string,
    /** The `request-id` Graph gave, for support. */
    readonly requestId: string | undefined,
    /** Retry-After in ms, when the answer had one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** 410 on a delta link: the server dropped the sync state; restart with a complete listing. */
export class GraphSyncStateNotFoundError extends GraphError {}

/** 412 on a write with `If-Match`: the item changed since it was read. */
export class GraphPreconditionFailedError extends GraphError {}

/** The request could not be completed: network failure, timeout, abort, a body too large or cut. */
export class GraphTransportError extends GraphClientError {
  constructor(
    /** `NETWORK`, `TIMEOUT`, `ABORTED`, `RESPONSE_TOO_LARGE`, `MALFORMED_RESPONSE`, `AUTH_PROVIDER`. */
    readonly kind: "NETWORK" | "TIMEOUT" | "ABORTED" | "RESPONSE_TOO_LARGE" | "MALFORMED_RESPONSE" | "AUTH_PROVIDER",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The caller asked for something the client refuses before sending (a batch over 20, a dependsOn naming no earlier request …). */
export class GraphInputError extends GraphClientError {}

/** The error for a Graph error answer: its status, code and message (the specific classes for 410 and 412). */
export function graphErrorOf(status: number, body: string, requestId: string | undefined, retryAfterMs: number | undefined, what: string): GraphError {
  let code = "";
  let message = "";
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed?.error?.code === "string") code = parsed.error.code;
    if (typeof parsed?.error?.message === "string") message = parsed.error.message;
  } catch {
    // not JSON: the status says enough
  }
  const text = `${what}: HTTP ${status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`;
  if (status === 410 || code.toLowerCase() === "syncstatenotfound") return new GraphSyncStateNotFoundError(status, code, text, requestId, retryAfterMs);
  if (status === 412) return new GraphPreconditionFailedError(status, code, text, requestId, retryAfterMs);
  return new GraphError(status, code, text, requestId, retryAfterMs);
}
