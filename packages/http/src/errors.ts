/**
 * The typed errors of the HTTP foundation. Clients translate them into their own error classes at
 * their boundary (DavError codes, ews-client's ResponseTooLargeError and TransportError), so callers
 * keep catching what they caught before.
 * @module
 */

/** Base class of the errors raised by `@ewsdav/http`. */
export class HttpFoundationError extends Error {
  /** Creates the error; `options.cause` keeps the underlying error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Where a response body was found too large. */
export type TooLargeStage = "declared" | "received" | "decoded";

/**
 * A response body larger than the limit: announced by `content-length` (`declared`), counted while
 * it arrived (`received`), or once decompressed (`decoded`). The body was not kept.
 */
export class HttpResponseTooLargeError extends HttpFoundationError {
  /** Creates the error. */
  constructor(
    /** The limit in bytes. */
    readonly limitBytes: number,
    /** Where the limit was crossed. */
    readonly stage: TooLargeStage,
    /** The `content-length` the server announced, for `declared`. */
    readonly declaredBytes?: number,
  ) {
    super(
      stage === "declared"
        ? `response body of ${declaredBytes} bytes exceeds the limit of ${limitBytes}`
        : stage === "decoded"
          ? `response body exceeds ${limitBytes} bytes once decoded`
          : `response body exceeds the limit of ${limitBytes} bytes`,
    );
  }
}

/** A response body that could not be decompressed: corrupt, or in an encoding the reader does not support. */
export class HttpDecodeError extends HttpFoundationError {
  /** Creates the error. */
  constructor(
    /** The `content-encoding` of the body (lower case). */
    readonly encoding: string,
    /** `corrupt` when decompression failed, `unsupported` for an unknown encoding. */
    readonly reason: "corrupt" | "unsupported",
    options?: { cause?: unknown },
  ) {
    super(
      reason === "corrupt" ? `response body could not be decoded (${encoding})` : `response uses an unsupported content-encoding '${encoding}'`,
      options,
    );
  }
}

/** The first string `code` along an error's `cause` chain (undici and Node put it at different depths), or undefined. */
export function errorCode(error: unknown, depth = 4): string | undefined {
  let current: unknown = error;
  for (let i = 0; i < depth && current; i++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
