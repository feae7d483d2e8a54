/**
 * OAuth 2 bearer tokens from a caller-supplied provider (e.g. MSAL for Exchange Online).
 * @module
 */
import type { EwsAuthProvider } from "./types.js";

/** What the token provider is told. */
export interface TokenRequest {
  /** True after the server refused the last token (401): the provider must not return a cached one. */
  forceRefresh: boolean;
  /** Aborts the token fetch. */
  signal?: AbortSignal;
}

/** Returns an access token; called before every request (cache inside), and with `forceRefresh` after a 401. */
export type TokenProvider = (request: TokenRequest) => Promise<string>;

/**
 * Bearer authentication. The provider is called before each request, and once more with
 * `forceRefresh: true` after a 401, after which the request is sent one more time.
 */
export function bearerAuth(getToken: TokenProvider): EwsAuthProvider {
  const refreshed = new WeakSet<object>();
  return {
    scheme: "Bearer",
    async authorize(request) {
      const forceRefresh = refreshed.has(request);
      const token = await getToken({ forceRefresh, ...(request.signal ? { signal: request.signal } : {}) });
      request.headers.authorization = `Bearer ${token}`;
    },
    onUnauthorized(_response, request) {
      if (refreshed.has(request)) return false;
      refreshed.add(request);
      return true;
    },
  };
}
