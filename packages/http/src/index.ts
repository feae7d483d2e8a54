/**
 * `@ewsdav/http`: the HTTP foundation of ewsdav's clients (DAV, EWS, autodiscover) over undici.
 * Written once here: the undici dispatcher with its timeouts, auth with refresh on 401,
 * `Retry-After` and backoff, the response body reader with its size limit and decompression, the
 * plain-HTTP rule for credentials, and redaction of credentials in errors and logs. Each client keeps
 * its retry decisions, its redirect rules and its error classes, translating this package's typed
 * errors at its boundary.
 *
 * @module
 */
export { agentOptions, clientOptions, type AgentOptions, type ClientOptions } from "./agent.js";
export { authorizationHeader, canRefresh, withAuthRefresh, type HttpAuth } from "./auth.js";
export { decodeBody, headerRecord, readBody, type BodyStream, type ContentCoding, type ReadBody, type ReadBodyOptions } from "./body.js";
export { errorCode, HttpDecodeError, HttpFoundationError, HttpResponseTooLargeError, type TooLargeStage } from "./errors.js";
export { backoffDelay, exponentialDelay, parseRetryAfter, sleep, withDeadline, type BackoffOptions, type DeadlineSignal } from "./retry.js";
export { isCredentialHeader, isLoopbackHost, mayCarryCredentials, redactCredentials, redactHeaders, redactUrl } from "./security.js";
export type { TokenProvider, TokenRequest } from "./token.js";
