/**
 * Per-item results of batch operations.
 * @module
 */
import { EwsError, EwsProtocolError, type EwsResponseError } from "../errors.js";
import { messageError, responseMessages, type ResponseMessage } from "../soap/response.js";
import type { XmlElement } from "../xml/parse.js";

/** One slot of a batch result: the value, or the typed error of that item alone. */
export type ItemResult<T> = T | EwsError;

/** True when a batch slot failed. */
export function isEwsError(value: unknown): value is EwsError {
  return value instanceof EwsError;
}

/**
 * Reads the response messages of a batch of `count` inputs starting at `offset`, and maps each
 * successful one with `map`. A single error message for a batch of several (a request-level
 * failure) becomes that error in every slot; any other count that does not match is a protocol error.
 */
export function batchResults<T>(
  body: XmlElement,
  operation: string,
  count: number,
  offset: number,
  map: (message: ResponseMessage, index: number) => T,
): Array<T | EwsResponseError> {
  const messages = responseMessages(body, operation);
  // A request-level failure comes as one error message for the whole batch: every item failed with it.
  const only = messages.length === 1 && count > 1 ? messages[0]! : undefined;
  if (only && messageError(operation, only, offset)) return Array.from({ length: count }, (_, i) => messageError(operation, only, offset + i)!);
  if (messages.length !== count) {
    throw new EwsProtocolError(`${operation}: ${messages.length} response messages for ${count} inputs`);
  }
  return messages.map((m, i) => messageError(operation, m, offset + i) ?? map(m, offset + i));
}

/** The single response message of a one-input operation, throwing its error. */
export function singleResult(body: XmlElement, operation: string): ResponseMessage {
  const messages = responseMessages(body, operation);
  const first = messages[0];
  if (!first) throw new EwsProtocolError(`${operation}: no response message`);
  const error = messageError(operation, first, undefined);
  if (error) throw error;
  return first;
}
