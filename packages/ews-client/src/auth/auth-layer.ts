/**
 * The auth layer: asks the provider to authorize every attempt, and lets it retry once after a 401.
 * @module
 */
import type { EwsLayer } from "../transport/types.js";
import type { EwsAuthProvider } from "./types.js";

/** Wraps a send function with authentication by `provider`. */
export function authLayer(provider: EwsAuthProvider): EwsLayer {
  return (next) => async (request) => {
    const attempt = { ...request, headers: { ...request.headers } };
    await provider.authorize(attempt);
    const response = await next(attempt);
    if (response.status !== 401 || !provider.onUnauthorized) return response;
    if (!(await provider.onUnauthorized(response, attempt))) return response;
    await provider.authorize(attempt);
    return next(attempt);
  };
}
