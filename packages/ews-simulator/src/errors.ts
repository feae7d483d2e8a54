/** The simulator's two failure types: one per item or request (a ResponseCode), one for the whole request (a SOAP fault). */
/** A failure with an EWS ResponseCode, reported per item or per request. */
export class SimError extends Error {
  constructor(
    /** The EWS ResponseCode, e.g. `ErrorItemNotFound`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SimError";
  }
}

/**
 * A failure of the whole request, answered as a SOAP fault (HTTP 500) rather than a response
 * message: what Exchange does for schema violations such as `ErrorSchemaValidation`.
 */
export class SimFault extends Error {
  constructor(
    /** The EWS ResponseCode, e.g. `ErrorSchemaValidation`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SimFault";
  }
}
