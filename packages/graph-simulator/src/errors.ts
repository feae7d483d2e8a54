/**
 * Graph's error answers: an HTTP status and `{"error": {"code", "message", "innerError"}}`, as
 * Microsoft Graph shapes them (https://learn.microsoft.com/graph/errors).
 */

/** An error the simulator answers with; `headers` are added to the response (e.g. Retry-After). */
export class GraphSimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "GraphSimError";
  }
}

/** The body of an error answer. */
export function errorBody(error: GraphSimError, requestId: string, clientRequestId: string | undefined): Record<string, unknown> {
  return {
    error: {
      code: error.code,
      message: error.message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d+Z$/, ""),
        "request-id": requestId,
        "client-request-id": clientRequestId ?? requestId,
      },
    },
  };
}

/** 400 with OData's message for a property the type does not define. */
export function unknownProperty(name: string, type: string): GraphSimError {
  return new GraphSimError(
    400, "RequestBodyRead",
    `The property '${name}' does not exist on type 'microsoft.graph.${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
  );
}

/** 400 for a value of the wrong JSON type. */
export function badValue(name: string, expected: string): GraphSimError {
  return new GraphSimError(400, "RequestBodyRead", `Cannot convert the value of property '${name}' to ${expected}.`);
}

/** 404 as Outlook answers for an unknown id. */
export function notFound(): GraphSimError {
  return new GraphSimError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
}
