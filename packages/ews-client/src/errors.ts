/**
 * Typed errors of the EWS client. Every error has a stable `code`; none carries credentials.
 * @module
 */

import { redactCredentials } from "@ewsdav/http";

/** Removes credentials echoed back into text (re-exported from `@ewsdav/http`, where it lives). */
export { redactCredentials };

/** Base class of every error the EWS client throws or returns. */
export class EwsError extends Error {
  /** A stable machine-readable code. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The server answered with an HTTP status that is not a SOAP response (401, 403, 404, 429, 503, …). */
export class HttpError extends EwsError {
  /** The HTTP status. */
  readonly status: number;
  /** The value of `Retry-After`, in milliseconds, when the server sent one. */
  readonly retryAfterMs: number | undefined;
  /** The first bytes of the body, for diagnosis (never request headers). */
  readonly bodyExcerpt: string;
  constructor(status: number, message: string, options: { retryAfterMs?: number; bodyExcerpt?: string; cause?: unknown } = {}) {
    super(status === 401 ? "EWS_UNAUTHORIZED" : "EWS_HTTP_ERROR", message, { cause: options.cause });
    this.status = status;
    this.retryAfterMs = options.retryAfterMs;
    this.bodyExcerpt = redactCredentials(options.bodyExcerpt ?? "");
  }
}

/** The request failed below HTTP: connection refused or reset, timeout, TLS, aborted body. */
export class TransportError extends EwsError {
  /** The undici or Node error code (`ECONNRESET`, `UND_ERR_HEADERS_TIMEOUT`, …), when known. */
  readonly transportCode: string | undefined;
  /** True when the request provably never reached the server (connect failure), so any operation may be repeated. */
  readonly beforeRequestSent: boolean;
  constructor(message: string, options: { transportCode?: string; beforeRequestSent?: boolean; cause?: unknown } = {}) {
    super("EWS_TRANSPORT_ERROR", message, { cause: options.cause });
    this.transportCode = options.transportCode;
    this.beforeRequestSent = options.beforeRequestSent ?? false;
  }
}

/** The call was aborted through its `AbortSignal`. */
export class AbortedError extends EwsError {
  constructor(message = "The EWS request was aborted", options?: { cause?: unknown }) {
    super("EWS_ABORTED", message, options);
  }
}

/**
 * The response body was larger than the configured limit (checked while reading, before parsing).
 * Listings are read in smaller pages instead; this error reaches the caller only for a single item
 * (in its batch slot, `subject` naming it) or a single operation that cannot be split.
 */
export class ResponseTooLargeError extends EwsError {
  /** The limit in bytes. */
  readonly limitBytes: number;
  /** What was too large (e.g. `GetItem[3] (item AAMkAD…)`), when known. */
  readonly subject: string | undefined;
  constructor(limitBytes: number, subject?: string, options?: { cause?: unknown }) {
    super("EWS_RESPONSE_TOO_LARGE", `${subject ? `${subject}: ` : ""}The EWS response exceeded the size limit of ${limitBytes} bytes`, options);
    this.limitBytes = limitBytes;
    this.subject = subject;
  }
}

/**
 * A response was refused before parsing because it is unsafe or malformed XML: a DOCTYPE or entity
 * declaration, nesting deeper than the limit, more bytes than the limit, an unknown entity reference,
 * a character reference that names no character, elements not closed (a body cut short).
 */
export class XmlSecurityError extends EwsError {
  /**
   * Which rule refused it: `doctype`, `entity`, `depth`, `size`; `truncated` when the document ends
   * with elements still open (a body cut short: worth asking again for reads); `malformed` for every
   * other fault of structure or character (asking again gets the same answer).
   */
  readonly rule: "doctype" | "entity" | "depth" | "size" | "truncated" | "malformed";
  constructor(rule: XmlSecurityError["rule"], message: string, options?: { cause?: unknown }) {
    super("EWS_XML_REFUSED", message, options);
    this.rule = rule;
  }
}

/** The server answered with a SOAP fault (schema validation, throttling, invalid version, …). */
export class SoapFaultError extends EwsError {
  /** `faultcode`, e.g. `a:ErrorSchemaValidation` or `soap:Client`. */
  readonly faultCode: string;
  /** `faultstring`. */
  readonly faultString: string;
  /** The EWS `ResponseCode` from the fault detail, when present (e.g. `ErrorServerBusy`). */
  readonly responseCode: string | undefined;
  /** `BackOffMilliseconds` from the fault's `MessageXml`, when present. */
  readonly backOffMs: number | undefined;
  /** The HTTP status the fault came with. */
  readonly status: number;
  constructor(init: { faultCode: string; faultString: string; responseCode?: string; backOffMs?: number; status: number }) {
    super(
      init.responseCode === "ErrorServerBusy" ? "EWS_SERVER_BUSY" : "EWS_SOAP_FAULT",
      `SOAP fault ${init.responseCode ?? init.faultCode}: ${redactCredentials(init.faultString)}`,
    );
    this.faultCode = init.faultCode;
    this.faultString = redactCredentials(init.faultString);
    this.responseCode = init.responseCode;
    this.backOffMs = init.backOffMs;
    this.status = init.status;
  }
}

/** `Error` or `Warning` (types.xsd `ResponseClassType`; `Success` never becomes an error). */
export type ResponseClass = "Success" | "Warning" | "Error";

/**
 * One EWS response message whose `ResponseCode` is not `NoError`. For batch operations, `index` is the
 * position of the input item the message belongs to; the rest of the batch is unaffected.
 */
export class EwsResponseError extends EwsError {
  /** The EWS response code, e.g. `ErrorItemNotFound`, `ErrorIrresolvableConflict`. */
  readonly responseCode: string;
  /** `MessageText` from the server. */
  readonly messageText: string;
  /** `ResponseClass` attribute. */
  readonly responseClass: ResponseClass;
  /** Position in the request's batch, or `undefined` for single-message operations. */
  readonly index: number | undefined;
  /** `BackOffMilliseconds` from `MessageXml`, when present (ErrorServerBusy). */
  readonly backOffMs: number | undefined;
  /** Name of the operation (e.g. `UpdateItem`). */
  readonly operation: string;
  constructor(init: {
    operation: string;
    responseCode: string;
    messageText: string;
    responseClass: ResponseClass;
    index?: number;
    backOffMs?: number;
  }) {
    super(
      init.responseCode,
      `${init.operation}${init.index !== undefined ? `[${init.index}]` : ""} failed with ${init.responseCode}: ${redactCredentials(init.messageText)}`,
    );
    this.responseCode = init.responseCode;
    this.messageText = redactCredentials(init.messageText);
    this.responseClass = init.responseClass;
    this.index = init.index;
    this.backOffMs = init.backOffMs;
    this.operation = init.operation;
  }
}

/**
 * The sync state given to SyncFolderItems or SyncFolderHierarchy was rejected
 * (`ErrorInvalidSyncStateData`): the caller must restart from no state (a full sync).
 */
export class InvalidSyncStateError extends EwsResponseError {}

/** The response could not be understood (missing elements, a response message count that does not match). */
export class EwsProtocolError extends EwsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("EWS_PROTOCOL_ERROR", message, options);
  }
}

/** The caller's input cannot be expressed in EWS; names the item and the field. */
export class EwsInputError extends EwsError {
  /** Which input item (index in the batch, or a description). */
  readonly item: string;
  /** Which field of it. */
  readonly field: string;
  constructor(item: string, field: string, message: string) {
    super("EWS_INVALID_INPUT", `${item}: ${field}: ${message}`);
    this.item = item;
    this.field = field;
  }
}

/** Builds the typed error for one response message, choosing the subclass for its code. */
export function responseErrorFor(init: ConstructorParameters<typeof EwsResponseError>[0]): EwsResponseError {
  return init.responseCode === "ErrorInvalidSyncStateData" ? new InvalidSyncStateError(init) : new EwsResponseError(init);
}
