/**
 * `@ewsdav/http`: The HTTP foundation of ewsdav's clients over undici: auth with refresh on 401, Retry-After and backoff, response size limits, redaction of credentials, timeouts.
 *
 * @module
 */
export {};
