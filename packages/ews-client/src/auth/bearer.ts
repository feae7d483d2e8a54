/**
 * OAuth 2 bearer tokens from a caller-supplied provider (e.g. MSAL for Exchange Online).
 * @module
 */
import type { TokenProvider } from "@ewsdav/http";
import type { EwsAuthProvider } from "./types.js";

export type { TokenProvider, TokenRequest } from "@ewsdav/http";

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
