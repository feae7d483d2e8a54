/**
 * The bearer-token provider: one concept for every client that sends OAuth 2 bearer tokens (EWS
 * and Graph in Exchange Online). A provider returns an access token for its audience, from its own
 * cache; the client calls it before each request and once more with `forceRefresh` after a 401.
 * `@ewsdav/ews-client`'s MSAL-backed providers implement it for either audience (their `scopes`).
 * @module
 */

/** What a token provider is told. */
export interface TokenRequest {
  /** True after the server refused the last token (401): the provider must not return a cached one. */
  forceRefresh: boolean;
  /** Aborts the token fetch. */
  signal?: AbortSignal;
}

/** Returns an access token; called before every request (cache inside), and with `forceRefresh` after a 401. */
export type TokenProvider = (request: TokenRequest) => Promise<string>;
